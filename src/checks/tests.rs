//! Fixture in, findings out: every check fires on its case and stays quiet on the controls.
use super::fixtures::*;
use super::*;
use crate::model::*;

#[test]
fn healthy_control_has_no_findings() {
    let evaluation = evaluate(&healthy());
    assert_eq!(ids(&evaluation.findings), Vec::<&str>::new());
}

#[test]
fn public_iam_api_without_keys_is_quiet() {
    let mut s = empty();
    let api = with_resource(api("iam"), "/things", vec![method("GET", false, "AWS_IAM")]);
    s.rest_apis.push(with_stage(api, "prod"));
    assert!(evaluate(&s).findings.is_empty());
}

/// (check, API) of each finding, in the report's order.
fn checks_and_apis(findings: &[crate::report::Finding]) -> Vec<(&str, Option<&str>)> {
    findings
        .iter()
        .map(|f| (f.check.as_str(), f.api_id.as_deref()))
        .collect()
}

#[test]
fn gap_on_one_api_leaves_other_apis_checked() {
    let mut s = healthy();
    let other = with_resource(api("b2"), "/x", vec![method("GET", true, "NONE")]);
    s.rest_apis.push(with_stage(other, "prod"));
    s.rest_apis[0].stages.clear();
    s.gaps.push(gap(Part::Stages, Some("a1")));
    let evaluation = evaluate(&s);
    let got = checks_and_apis(&evaluation.findings);
    // The GC900 first: it hides GC301 on a1, so it is as severe.
    assert_eq!(got, [("GC900", Some("a1")), ("GC301", Some("b2"))]);
}

#[test]
fn ignore_tag_suppresses_on_api_and_stage_and_counts() {
    let mut s = healthy();
    s.usage_plans.clear();
    s.account.cloudwatch_role_arn = None;
    s.rest_apis[0].tags.insert(IGNORE_TAG.into(), "GC999, gc301".into());
    let evaluation = evaluate(&s);
    assert_eq!(
        ids(&evaluation.findings),
        ["GC602"],
        "account-wide findings are not silenced by API tags"
    );
    assert_eq!(ids(&evaluation.suppressed), ["GC301"]);

    let mut s = healthy();
    s.usage_plans.clear();
    s.rest_apis[0].stages[0].tags.insert(IGNORE_TAG.into(), "GC301".into());
    assert_eq!(evaluate(&s).suppressed.len(), 1);
    s.rest_apis[0].stages[0].tags.insert(IGNORE_TAG.into(), "GC302".into());
    assert_eq!(ids(&evaluate(&s).findings), ["GC301"]);
}

#[test]
fn stage_scope_drops_other_stages() {
    let mut s = healthy();
    s.usage_plans.clear();
    s.rest_apis[0] = with_stage(s.rest_apis[0].clone(), "dev");
    assert_eq!(evaluate(&s).findings.len(), 2);
    s.scope = Scope {
        api_id: Some("a1".into()),
        stage: Some("dev".into()),
        ..Scope::default()
    };
    let evaluation = evaluate(&s);
    assert_eq!(evaluation.findings.len(), 1);
    assert_eq!(evaluation.findings[0].stage.as_deref(), Some("dev"));
}

#[test]
fn fingerprints_are_stable_and_distinct() {
    let mut s = healthy();
    s.usage_plans.clear();
    s.rest_apis[0] = with_stage(s.rest_apis[0].clone(), "dev");
    let a = evaluate(&s).findings;
    let b = evaluate(&s).findings;
    assert_eq!(a, b);
    assert_ne!(a[0].fingerprint, a[1].fingerprint);
    assert_eq!(a[0].fingerprint.len(), 20);
}

#[test]
fn placeholders_fill_or_show_what_is_missing() {
    let vars = [("api_id", "a1"), ("stage", "")];
    assert_eq!(
        fill_placeholders("x {api_id}:{stage} {json} {", &vars),
        "x a1:<stage> <json> {"
    );
}

#[test]
fn registry_ids_are_unique_well_formed_and_metadata_complete() {
    let mut seen = std::collections::BTreeSet::new();
    for check in REGISTRY {
        let m = check.meta;
        assert!(seen.insert(m.id), "duplicate id {}", m.id);
        assert!(
            m.id.len() == 5 && m.id.starts_with("GC") && m.id[2..].chars().all(|c| c.is_ascii_digit()),
            "bad id {}",
            m.id
        );
        assert!(
            m.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "bad name {}",
            m.name
        );
        for (field, value) in [
            ("title", m.title),
            ("symptom", m.symptom),
            ("why", m.why),
            ("fix", m.fix),
            ("cli", m.cli),
            ("docs_url", m.docs_url),
        ] {
            assert!(!value.trim().is_empty(), "{} has an empty {field}", m.id);
        }
        assert!(m.docs_url.starts_with("https://docs.aws.amazon.com/"), "{}", m.id);
        assert!(m.cli.starts_with("aws "), "{}", m.id);
        assert!(m.id == "GC900" || !m.reads.is_empty(), "{} reads nothing", m.id);
    }
    let ids: Vec<_> = REGISTRY.iter().map(|c| c.meta.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "registry is in id order");
}

#[test]
fn generated_docs_page_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/checks.md");
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        on_disk == docs::markdown(),
        "docs/checks.md is stale: run `cargo run -- checks --format markdown > docs/checks.md`"
    );
}

#[test]
fn snapshot_round_trips_through_json() {
    let mut s = healthy();
    s.gaps.push(gap(Part::ApiKeys, None));
    s.api_calls.insert("GetRestApis".into(), 1);
    let json = serde_json::to_string(&s).expect("serializes");
    let back: Snapshot = serde_json::from_str(&json).expect("parses");
    assert_eq!(back, s);
}

#[test]
fn unparseable_policy_is_a_gap_not_a_guess() {
    let mut s = healthy();
    s.rest_apis[0].endpoint_types = vec!["PRIVATE".into()];
    s.rest_apis[0].policy = Some("{not json".into());
    let evaluation = evaluate(&s);
    assert_eq!(ids(&evaluation.findings), ["GC900"]);
    let detail = &evaluation.findings[0].detail;
    assert!(detail.contains("GC102") && detail.contains("GC103"), "{detail}");
}

#[test]
fn waf_checks_stay_quiet_about_an_acl_they_could_not_read() {
    let mut s = healthy();
    s.rest_apis[0].stages[0].web_acl_arn = Some("arn:aws:wafv2:eu-west-1:1:regional/webacl/x/y".into());
    assert!(run(check("GC201"), &s).is_empty() && run(check("GC202"), &s).is_empty());
}

#[test]
fn ip_set_arns_are_found_at_any_depth() {
    let ip = |arn: &str| WafStatement::IpSet {
        arn: arn.into(),
        forwarded_header: None,
        fallback_match: false,
    };
    let nested = WafStatement::And {
        statements: vec![
            WafStatement::Not {
                statement: Box::new(ip("a")),
            },
            WafStatement::RateBased {
                limit: 10,
                scope_down: Some(Box::new(WafStatement::Or {
                    statements: vec![ip("b")],
                })),
            },
        ],
    };
    let acl = WebAcl {
        rules: vec![
            rule("r", WafAction::Block, nested),
            rule("s", WafAction::Allow, ip("c")),
        ],
        ..Default::default()
    };
    assert_eq!(acl.ip_set_arns().into_iter().collect::<Vec<_>>(), ["a", "b", "c"]);
}

#[test]
fn every_check_file_is_registered() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src/checks");
    let mut files = Vec::new();
    for group in std::fs::read_dir(root).expect("src/checks").flatten() {
        let Ok(entries) = std::fs::read_dir(group.path()) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if let Some(id) = name.strip_prefix("gc").and_then(|n| n.strip_suffix(".rs")) {
                files.push(format!("GC{id}"));
            }
        }
    }
    files.sort();
    let registered: Vec<String> = REGISTRY.iter().map(|c| c.meta.id.to_string()).collect();
    assert_eq!(files, registered, "a check's file and its line in REGISTRY go together");
}

#[test]
fn readme_check_table_follows_the_registry() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap_or_default();
    let table = docs::readme_table();
    assert!(
        readme.contains(&table),
        "README.md's check table is stale; it should read:\n{table}"
    );
}

#[test]
fn one_unreadable_plans_keys_hide_only_that_plans_stages() {
    // Plan pa covers a1/prod and its keys could not be read; plan pb covers b2/prod and has
    // no key at all. pb's GC302 stands: pa's gap says nothing of b2.
    let mut s = empty();
    for id in ["a1", "b2"] {
        let api = with_resource(api(id), "/items", vec![method("GET", true, "NONE")]);
        s.rest_apis.push(with_stage(api, "prod"));
    }
    s.usage_plans.push(plan("pa", &[("a1", "prod")], &[]));
    s.usage_plans.push(plan("pb", &[("b2", "prod")], &[]));
    s.gaps.push(CoverageGap {
        object_id: Some("usage plan pa".into()),
        within: Some(vec![("a1".into(), "prod".into())]),
        ..gap(Part::UsagePlanKeys, None)
    });
    let evaluation = evaluate(&s);
    let got = checks_and_apis(&evaluation.findings);
    assert_eq!(got, [("GC302", Some("b2")), ("GC900", None)]);
    assert_eq!(
        evaluation.findings[1].severity,
        crate::report::Severity::Critical,
        "a GC900 is as severe as the most severe check it blinds (GC302)"
    );
}

#[test]
fn an_audit_of_one_api_reports_only_the_domains_that_reach_it() {
    // Two domains route by rules only yet map base paths (GC504): one maps a1, one b2.
    let mut s = healthy();
    let other = with_resource(api("b2"), "/x", vec![method("GET", false, "AWS_IAM")]);
    s.rest_apis.push(with_stage(other, "prod"));
    for (name, api_id) in [("a.example.com", "a1"), ("b.example.com", "b2")] {
        let mut d = domain(name, api_id, Some("prod"));
        d.routing_mode = Some("ROUTING_RULE_ONLY".into());
        s.domain_names.push(d);
    }
    let domains = |s: &Snapshot| -> Vec<String> {
        evaluate(s)
            .findings
            .iter()
            .filter(|f| f.check == "GC504")
            .filter_map(|f| f.domain_name.as_deref().map(str::to_string))
            .collect()
    };
    assert_eq!(
        domains(&s),
        ["a.example.com", "b.example.com"],
        "a region's audit: both"
    );
    s.scope.api_id = Some("a1".into());
    assert_eq!(
        domains(&s),
        ["a.example.com"],
        "an audit of a1: only the domain that maps it"
    );
    s.scope.api_id = Some("b2".into());
    assert_eq!(domains(&s), ["b.example.com"]);
}
