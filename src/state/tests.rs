use super::*;
use crate::audit::report;
use crate::checks::fixtures::{self, api, gap, method, with_resource, with_stage};
use crate::model::{Part, Scope};
use crate::report::{Change, Report, Severity};
use crate::sinks::sns::{build_messages, Notify};
use serde_json::json;
use std::collections::BTreeSet;
use std::time::Duration;

const T0: u64 = 1_800_000_000_000;
const HOUR: u64 = 3_600_000;

/// The healthy control a1, and b2 whose keyed method no plan lists (GC301 on b2/prod).
fn account() -> Snapshot {
    let mut s = fixtures::healthy();
    let keyed = with_resource(api("b2"), "/orders", vec![method("POST", true, "NONE")]);
    s.rest_apis.push(with_stage(keyed, "prod"));
    s
}

fn audit(snapshot: &Snapshot, previous: &[State], at: u64) -> (Report, Vec<State>) {
    let mut report = report(std::slice::from_ref(snapshot), Duration::ZERO);
    let states = mark_changes(&mut report, std::slice::from_ref(snapshot), previous, at);
    (report, states)
}

fn changes(report: &Report) -> Vec<(&str, Option<&str>, Option<Change>)> {
    report
        .findings
        .iter()
        .chain(&report.resolved)
        .map(|f| (f.check.as_str(), f.api_id.as_deref(), f.change))
        .collect()
}

fn published(report: &Report) -> Vec<(String, String)> {
    build_messages(report, Severity::Medium, Notify::Changes)
        .into_iter()
        .map(|m| {
            let change = m
                .attributes
                .iter()
                .find(|a| a.name == "change")
                .map(|a| a.value.clone());
            (change.unwrap_or_default(), m.subject)
        })
        .collect()
}

#[test]
fn first_run_is_all_new_and_an_unchanged_second_run_publishes_nothing() {
    let (first, states) = audit(&account(), &[], T0);
    assert_eq!(changes(&first), [("GC301", Some("b2"), Some(Change::New))]);
    let summary = first.summary.changes.clone().expect("changes");
    assert_eq!(
        (summary.new, summary.ongoing, summary.resolved, summary.first_audits),
        (1, 0, 0, 1)
    );
    assert_eq!(published(&first).len(), 1);
    assert_eq!(published(&first)[0].0, "new");
    assert_eq!(states.len(), 1);
    assert_eq!(states[0].findings.len(), 1);
    assert_eq!(states[0].findings[0].change, None, "the state keeps findings unmarked");
    assert_eq!(states[0].region_audited_at_ms, Some(T0));

    let (second, _) = audit(&account(), &states, T0 + HOUR);
    assert_eq!(changes(&second), [("GC301", Some("b2"), Some(Change::Ongoing))]);
    assert_eq!(
        second.findings[0].first_seen_ms,
        Some(T0),
        "first seen stays the first audit's"
    );
    assert!(published(&second).is_empty(), "nothing changed, nothing published");
    let all = build_messages(&second, Severity::Medium, Notify::All);
    assert_eq!(all.len(), 1, "GATECHECK_NOTIFY=all publishes every run");
    assert!(all[0]
        .attributes
        .iter()
        .any(|a| a.name == "change" && a.value == r#"["ongoing"]"#));
}

#[test]
fn metrics_count_new_and_resolved_findings() {
    let (_, states) = audit(&account(), &[], T0);
    let mut fixed = account();
    fixed.rest_apis.pop();
    let (report, _) = audit(&fixed, &states, T0 + HOUR);
    let lines = crate::sinks::emf::report_lines(&report, "Gatecheck", T0).join("\n");
    let overall = lines
        .lines()
        .find(|l| l.contains("ApisAudited"))
        .expect("the overall line");
    assert!(
        overall.contains("\"NewFindings\":0.0") && overall.contains("\"ResolvedFindings\":1.0"),
        "{overall}"
    );
    let stateless = crate::sinks::emf::report_lines(&report_without_state(), "Gatecheck", T0).join("\n");
    assert!(!stateless.contains("NewFindings"), "no change metrics without a state");
}

fn report_without_state() -> Report {
    report(&[account()], Duration::ZERO)
}

#[test]
fn a_fix_resolves_and_a_new_break_is_new() {
    let (_, states) = audit(&account(), &[], T0);
    let mut fixed = account();
    fixed.usage_plans[0].api_stages.push(crate::model::PlanApiStage {
        api_id: "b2".into(),
        stage: "prod".into(),
        throttle: Default::default(),
    });
    let (report, states) = audit(&fixed, &states, T0 + HOUR);
    assert_eq!(changes(&report), [("GC301", Some("b2"), Some(Change::Resolved))]);
    assert!(report.findings.is_empty());
    assert_eq!(published(&report).len(), 1);
    assert_eq!(published(&report)[0].0, "resolved");
    assert!(
        published(&report)[0].1.contains("1 resolved finding(s)"),
        "{:?}",
        published(&report)
    );
    assert!(states[0].findings.is_empty(), "a resolved finding leaves the state");

    let mut broken = fixed.clone();
    broken.api_keys[0].enabled = false;
    let (report, _) = audit(&broken, &states, T0 + 2 * HOUR);
    let new: Vec<_> = changes(&report)
        .into_iter()
        .filter(|c| c.2 == Some(Change::New))
        .collect();
    assert!(!new.is_empty() && new.iter().all(|c| c.0 != "GC301"), "{new:?}");
    assert!(published(&report).iter().all(|(change, _)| change == "new"));
}

#[test]
fn an_unread_part_keeps_its_findings_ongoing_instead_of_resolving_them() {
    let (_, states) = audit(&account(), &[], T0);
    let mut blind = account();
    // b2's details could not be read this time: what was found there is not known to be fixed.
    blind.rest_apis[1].stages.clear();
    blind.gaps.push(gap(Part::ApiDetails, Some("b2")));
    let (report, saved) = audit(&blind, &states, T0 + HOUR);
    assert!(report.resolved.is_empty(), "{:?}", changes(&report));
    let kept: Vec<_> = changes(&report).into_iter().filter(|c| c.0 == "GC301").collect();
    assert_eq!(kept, [("GC301", Some("b2"), Some(Change::Ongoing))]);
    assert_eq!(report.summary.changes.as_ref().map(|c| c.kept_unread), Some(1));
    assert!(changes(&report).contains(&("GC900", Some("b2"), Some(Change::New))));
    assert!(
        saved[0].findings.iter().any(|f| f.check == "GC301"),
        "kept in the state too"
    );
    assert_eq!(
        saved[0]
            .snapshot
            .rest_apis
            .iter()
            .find(|a| a.id == "b2")
            .map(|a| a.read_at_ms),
        Some(None),
        "the unread API is read again next time"
    );
    // A GC900 that goes away resolves: the part reads again.
    let (again, _) = audit(&account(), &saved, T0 + 2 * HOUR);
    assert!(changes(&again).contains(&("GC900", Some("b2"), Some(Change::Resolved))));
    assert!(changes(&again).contains(&("GC301", Some("b2"), Some(Change::Ongoing))));
}

#[test]
fn an_audit_of_one_api_neither_resolves_nor_reports_the_others() {
    let mut whole = account();
    let c3 = with_resource(api("c3"), "/jobs", vec![method("GET", true, "NONE")]);
    whole.rest_apis.push(with_stage(c3, "prod"));
    let (_, states) = audit(&whole, &[], T0);
    assert_eq!(states[0].findings.len(), 2, "GC301 on b2 and c3");

    // After a deployment of c3 that put it in a plan: only c3 was read.
    let mut one = whole.clone();
    one.rest_apis.retain(|a| a.id == "c3");
    one.rest_apis[0].read_at_ms = Some(T0 + HOUR);
    one.usage_plans[0].api_stages.push(crate::model::PlanApiStage {
        api_id: "c3".into(),
        stage: "prod".into(),
        throttle: Default::default(),
    });
    one.scope = Scope {
        api_id: Some("c3".into()),
        ..Scope::default()
    };
    let (report, saved) = audit(&one, &states, T0 + HOUR);
    assert_eq!(changes(&report), [("GC301", Some("c3"), Some(Change::Resolved))]);
    let kept: Vec<&str> = saved[0].findings.iter().filter_map(|f| f.api_id.as_deref()).collect();
    assert_eq!(kept, ["b2"], "b2's finding stays, unreported");
    let apis: Vec<(&str, Option<u64>)> = saved[0]
        .snapshot
        .rest_apis
        .iter()
        .map(|a| (a.id.as_str(), a.read_at_ms))
        .collect();
    assert!(
        apis.contains(&("c3", Some(T0 + HOUR))) && apis.iter().any(|a| a.0 == "b2"),
        "{apis:?}"
    );
    assert_eq!(
        saved[0].region_audited_at_ms,
        Some(T0),
        "CloudTrail is still read from the last whole audit"
    );
}

#[test]
fn the_rotation_reads_the_oldest_share_and_everything_within_the_period() {
    let ids: Vec<String> = (0..24).map(|i| format!("api{i:02}")).collect();
    // Read an hour apart, api00 the oldest.
    let read_at = |i: usize| Some(T0 - (24 - i as u64) * HOUR / 2);
    let items = || ids.iter().enumerate().map(|(i, id)| (id.as_str(), read_at(i)));
    let none = BTreeSet::new();
    let day = Duration::from_secs(86_400);
    // An hourly audit reads 24 × 1 h / 24 h = 1, the oldest.
    let due_now = due(items(), &none, T0, T0 - HOUR, day);
    assert_eq!(due_now, BTreeSet::from(["api00".to_string()]));
    // Named by CloudTrail, or never read: read whatever their age.
    let named = BTreeSet::from(["api20".to_string()]);
    let with_new = items().chain([("fresh", None)]);
    let due_now = due(with_new, &named, T0, T0 - HOUR, day);
    assert!(
        due_now.contains("api20") && due_now.contains("fresh") && due_now.contains("api00"),
        "{due_now:?}"
    );
    // Past the period: read even beyond the slice.
    let stale = due(
        items(),
        &none,
        T0 + 13 * HOUR,
        T0 + 12 * HOUR,
        Duration::from_secs(24 * 3_600),
    );
    let expected: BTreeSet<String> = ["api00", "api01", "api02"].map(String::from).into();
    assert_eq!(stale, expected, "25, 24.5 and 24 hours old");
    // An audit after 6 hours reads a quarter.
    assert_eq!(due(items(), &none, T0, T0 - 6 * HOUR, day).len(), 6);
    // Over a day of hourly audits, each one read once: simulate it.
    let mut times: Vec<(String, Option<u64>)> = ids.iter().cloned().zip((0..24).map(read_at)).collect();
    let mut read = BTreeSet::new();
    for hour in 0..24 {
        let now = T0 + hour * HOUR;
        let due_now = due(
            times.iter().map(|(id, at)| (id.as_str(), *at)),
            &none,
            now,
            now - HOUR,
            day,
        );
        assert_eq!(due_now.len(), 1, "hour {hour}: {due_now:?}");
        for (id, at) in times.iter_mut().filter(|(id, _)| due_now.contains(id)) {
            *at = Some(now);
            read.insert(id.clone());
        }
    }
    assert_eq!(read.len(), 24, "every API read within the day");
}

#[test]
fn cloudtrail_write_events_name_what_to_read_again() {
    let records = [
        json!({"eventSource": "apigateway.amazonaws.com", "eventName": "CreateDeployment", "readOnly": false,
               "requestParameters": {"restApiId": "a1b2c3d4e5", "createDeploymentInput": {"stageName": "prod"}}}),
        json!({"eventSource": "apigateway.amazonaws.com", "eventName": "CreateResource", "readOnly": false,
               "requestParameters": {"restApiId": "f6g7h8i9j0", "parentId": "x"}}),
        json!({"eventSource": "apigateway.amazonaws.com", "eventName": "ImportRestApi", "readOnly": false,
               "requestParameters": {"body": "..."}, "responseElements": {"id": "k1l2m3n4o5"}}),
        json!({"eventSource": "apigateway.amazonaws.com", "eventName": "CreateUsagePlanKey", "readOnly": false,
               "requestParameters": {"usagePlanId": "plan1", "createUsagePlanKeyInput": {"keyId": "key1"}}}),
        json!({"eventSource": "apigateway.amazonaws.com", "eventName": "CreateBasePathMapping", "readOnly": false,
               "requestParameters": {"domainName": "api.example.com", "restApiId": "a1b2c3d4e5"}}),
        json!({"eventSource": "apigateway.amazonaws.com", "eventName": "TagResource", "readOnly": false,
               "requestParameters": {"resourceArn": "arn:aws:apigateway:eu-west-1::/restapis/t1u2v3w4x5/stages/prod",
                                     "tags": {"gatecheck:ignore": "GC601"}}}),
        json!({"eventSource": "apigateway.amazonaws.com", "eventName": "GetRestApi", "readOnly": true,
               "requestParameters": {"restApiId": "zzzzzzzzzz"}}),
        json!({"eventSource": "apigateway.amazonaws.com", "eventName": "UpdateStage", "readOnly": false,
               "errorCode": "NotFoundException", "requestParameters": {"restApiId": "yyyyyyyyyy"}}),
        json!({"eventSource": "s3.amazonaws.com", "eventName": "PutBucketPolicy", "readOnly": false,
               "requestParameters": {"restApiId": "xxxxxxxxxx"}}),
    ];
    let changed = named_changes(records.iter());
    let apis: Vec<&str> = changed.apis.iter().map(String::as_str).collect();
    assert_eq!(apis, ["a1b2c3d4e5", "f6g7h8i9j0", "k1l2m3n4o5", "t1u2v3w4x5"]);
    assert_eq!(changed.usage_plans, BTreeSet::from(["plan1".to_string()]));
    assert_eq!(changed.domains, BTreeSet::from(["api.example.com".to_string()]));
    assert!(!changed.web_acls);
    assert_eq!(
        changed.events, 6,
        "reads, failed calls and other services are not changes"
    );

    let waf = [
        json!({"eventSource": "wafv2.amazonaws.com", "eventName": "AssociateWebACL", "readOnly": false,
        "requestParameters": {"webACLArn": "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/edge/1",
                              "resourceArn": "arn:aws:apigateway:eu-west-1::/restapis/p9q8r7s6t5/stages/prod"}}),
    ];
    let changed = named_changes(waf.iter());
    assert!(changed.web_acls);
    assert_eq!(changed.apis, BTreeSet::from(["p9q8r7s6t5".to_string()]));
}

#[test]
fn older_states_start_afresh_newer_ones_are_refused_and_broken_ones_are_errors() {
    let (_, states) = audit(&account(), &[], T0);
    let text = state_json(&states[0]);
    assert_eq!(parse_state(&text, "s").expect("reads"), Some(states[0].clone()));
    let older = text.replacen("\"schema_version\":1", "\"schema_version\":0", 1);
    assert_eq!(parse_state(&older, "s").expect("reads"), None);
    // A newer gatecheck's state would be overwritten and every finding announced again.
    let newer = text.replacen("\"schema_version\":1", "\"schema_version\":2", 1);
    let err = parse_state(&newer, "s3://b/k").unwrap_err().to_string();
    assert!(err.contains("newer gatecheck") && err.contains("s3://b/k"), "{err}");
    let err = parse_state("{\"schema_version\": 1, \"snapshot\": [", "s3://b/k").unwrap_err();
    assert!(err.to_string().contains("s3://b/k"), "{err}");
}

#[test]
fn a_state_of_another_place_or_from_the_future_is_not_trusted() {
    let (_, states) = audit(&account(), &[], T0);
    let state = &states[0];
    let account = state.account.clone().expect("an account");
    assert_eq!(state.trust(&account, &state.region, T0), Ok(()));
    let other_account = state.trust("999988887777", &state.region, T0).unwrap_err();
    assert!(other_account.contains("not of 999988887777"), "{other_account}");
    assert!(state.trust(&account, "ap-east-1", T0).is_err(), "another region's");
    // Minutes of clock skew are tolerated; an hour ahead is not.
    assert_eq!(state.trust(&account, &state.region, T0 - 60_000), Ok(()));
    let ahead = state.trust(&account, &state.region, T0 - 3_600_000).unwrap_err();
    assert!(ahead.contains("in the future"), "{ahead}");
}

#[test]
fn undoing_a_claim_forgets_its_new_findings_and_keeps_its_resolved_ones() {
    let snapshot = account();
    let (first, states) = audit(&snapshot, &[], T0);
    let standing = first.findings[0].clone();
    let mut brand_new = standing.clone();
    brand_new.fingerprint = "feedfacefeedfaceface".into();
    let mut claimed = states[0].clone();
    claimed.findings.retain(|f| f.fingerprint != standing.fingerprint);
    claimed.findings.push(brand_new.clone());
    let undone = unclaim(&claimed, &[&brand_new], &[&standing]);
    let fingerprints: Vec<&str> = undone.findings.iter().map(|f| f.fingerprint.as_str()).collect();
    assert!(!fingerprints.contains(&"feedfacefeedfaceface"), "new again next run");
    assert!(
        fingerprints.contains(&standing.fingerprint.as_str()),
        "resolved again next run"
    );
    assert!(undone.findings.iter().all(|f| f.change.is_none()));
}

#[test]
fn a_deleted_changed_or_imported_key_rereads_every_plans_keys() {
    // CloudTrail's DeleteApiKey names only the key; AWS detaches it from its plans.
    for (name, params) in [
        ("DeleteApiKey", json!({"apiKey": "k1"})),
        ("UpdateApiKey", json!({"apiKey": "k1", "patchOperations": []})),
        ("ImportApiKeys", json!({"format": "csv", "failOnWarnings": false})),
    ] {
        let record = json!({"eventSource": "apigateway.amazonaws.com", "eventName": name,
            "readOnly": false, "requestParameters": params});
        let changed = named_changes(std::iter::once(&record));
        assert!(changed.all_plan_keys, "{name}");
        assert_eq!(changed.events, 1, "{name}");
    }
    let plan_key = json!({"eventSource": "apigateway.amazonaws.com", "eventName": "CreateUsagePlanKey",
        "readOnly": false, "requestParameters": {"usageplanId": "p9", "createUsagePlanKeyInput": {"keyId": "k2"}}});
    let changed = named_changes(std::iter::once(&plan_key));
    assert!(!changed.all_plan_keys);
    // A deleted API changes no plan's keys: the plans' lists are read every time anyway.
    let deleted = json!({"eventSource": "apigateway.amazonaws.com", "eventName": "DeleteRestApi",
        "readOnly": false, "requestParameters": {"restApiId": "a1b2c3d4e5"}});
    assert!(!named_changes(std::iter::once(&deleted)).all_plan_keys);
    assert_eq!(
        changed.usage_plans,
        BTreeSet::from(["p9".to_string()]),
        "the REST reference's spelling"
    );
}

#[test]
fn a_resolution_security_hub_missed_waits_in_the_state_until_it_takes_it() {
    let (_, states) = audit(&account(), &[], T0);
    let mut fixed = account();
    fixed.usage_plans[0].api_stages.push(crate::model::PlanApiStage {
        api_id: "b2".into(),
        stage: "prod".into(),
        ..Default::default()
    });
    let (report, states) = audit(&fixed, &states, T0 + HOUR);
    let resolved: Vec<&Finding> = report.resolved.iter().collect();
    assert_eq!(resolved.len(), 1);
    let pending = pend_for_security_hub(&states[0], &resolved);
    let twice = pend_for_security_hub(&pending, &resolved);
    assert_eq!(twice.security_hub_pending.len(), 1, "once each");
    assert!(twice.security_hub_pending.iter().all(|f| f.change.is_none()));

    // Carried by the next audit, until Security Hub takes it.
    let (_, carried) = audit(&fixed, &[twice], T0 + 2 * HOUR);
    assert_eq!(carried[0].security_hub_pending.len(), 1);
    let taken = clear_for_security_hub(&carried[0], &resolved);
    assert!(taken.security_hub_pending.is_empty());

    // Broken again before Security Hub took it: the finding stands, nothing is pending.
    let (_, states) = audit(&account(), &carried, T0 + 3 * HOUR);
    assert!(states[0].security_hub_pending.is_empty());
}
