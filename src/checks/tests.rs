//! Fixture in, findings out: every check fires on its case and stays quiet on the controls.

use super::fixtures::*;
use super::*;
use crate::model::*;

fn run(id: &str, snapshot: &Snapshot) -> Vec<Finding> {
    (find_check(id).expect("registered").run)(&Facts::new(snapshot))
}

fn gap(part: Part, api_id: Option<&str>) -> CoverageGap {
    CoverageGap {
        part,
        operation: "GetSomething".into(),
        api_id: api_id.map(Into::into),
        stage: None,
        object_id: None,
        reason: GapReason::AccessDenied,
        message: "User is not authorized".into(),
    }
}

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

#[test]
fn gc301_fires_when_no_plan_lists_the_stage() {
    let mut s = healthy();
    s.usage_plans[0].api_stages[0].stage = "dev".into();
    let findings = run("GC301", &s);
    assert_eq!(findings.len(), 1);
    let f = &findings[0];
    assert_eq!((f.api_id.as_deref(), f.stage.as_deref()), (Some("a1"), Some("prod")));
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.detail.contains("GET /items"), "{}", f.detail);
    assert!(f.remediation.contains("value=a1:prod"), "{}", f.remediation);
    assert!(run("GC301", &healthy()).is_empty());
}

#[test]
fn gc301_ignores_stages_without_key_required_methods() {
    let mut s = healthy();
    s.usage_plans.clear();
    s.rest_apis[0].resources[0].methods[0].api_key_required = false;
    assert!(run("GC301", &s).is_empty());
}

/// Makes the prod stage serve a deployment whose only method is `GET /items`.
fn deploy_get_items(s: &mut Snapshot, api_key_required: bool) {
    let method = DeployedMethod {
        api_key_required,
        authorization_type: "NONE".into(),
    };
    let verbs = [("GET".into(), method)].into_iter().collect();
    let summary = [("/items".into(), verbs)].into_iter().collect();
    s.rest_apis[0].deployments.push(Deployment {
        id: "d-prod".into(),
        api_summary: Some(summary),
    });
}

#[test]
fn gc301_uses_the_deployed_configuration_when_known() {
    // The current resources require a key, but the stage still serves a deployment that
    // did not: no key is needed there today, so no plan is needed either.
    let mut s = healthy();
    s.usage_plans.clear();
    deploy_get_items(&mut s, false);
    assert!(run("GC301", &s).is_empty());

    // And the other way round: deployed with a key, since made keyless.
    let mut s = healthy();
    s.usage_plans.clear();
    s.rest_apis[0].resources[0].methods[0].api_key_required = false;
    deploy_get_items(&mut s, true);
    assert_eq!(ids(&run("GC301", &s)), ["GC301"]);
}

#[test]
fn gc302_fires_when_covering_plans_hold_no_key() {
    let mut s = healthy();
    s.usage_plans[0].key_ids.clear();
    let findings = run("GC302", &s);
    assert_eq!(ids(&findings), ["GC302"]);
    assert_eq!(findings[0].stage.as_deref(), Some("prod"));
    assert!(findings[0].remediation.contains("--usage-plan-id p1"));
    assert!(run("GC302", &healthy()).is_empty());
}

#[test]
fn gc302_is_quiet_when_another_covering_plan_has_a_key() {
    let mut s = healthy();
    s.usage_plans.push(plan("p2", &[("a1", "prod")], &[]));
    assert!(run("GC302", &s).is_empty());
}

#[test]
fn gc303_fires_when_every_key_is_disabled() {
    let mut s = healthy();
    s.api_keys[0].enabled = false;
    let findings = run("GC303", &s);
    assert_eq!(ids(&findings), ["GC303"]);
    assert!(findings[0].detail.contains("k1-name (k1)"));
    assert!(findings[0].remediation.contains("--api-key k1"));
}

#[test]
fn gc303_two_plans_with_one_disabled_key_is_healthy() {
    let mut s = healthy();
    s.usage_plans.push(plan("p2", &[("a1", "prod")], &["k2"]));
    s.api_keys.push(key("k2", false));
    assert!(run("GC303", &s).is_empty());
    assert!(evaluate(&s).findings.is_empty());
}

#[test]
fn gc303_does_not_guess_about_keys_it_cannot_see() {
    let mut s = healthy();
    s.api_keys[0].enabled = false;
    s.usage_plans[0].key_ids.push("k-unknown".into());
    assert!(run("GC303", &s).is_empty());
}

#[test]
fn gc304_fires_for_authorizer_source_without_lambda_authorizer() {
    let mut s = healthy();
    s.rest_apis[0].api_key_source = ApiKeySource::Authorizer;
    let findings = run("GC304", &s);
    assert_eq!(ids(&findings), ["GC304"]);
    assert_eq!(findings[0].resource_path.as_deref(), Some("/items"));
    assert_eq!(findings[0].http_method.as_deref(), Some("GET"));
}

#[test]
fn gc304_is_quiet_with_a_custom_authorizer() {
    let mut s = healthy();
    s.rest_apis[0].api_key_source = ApiKeySource::Authorizer;
    s.rest_apis[0].resources[0].methods[0].authorization_type = "CUSTOM".into();
    assert!(run("GC304", &s).is_empty());
    assert!(run("GC304", &healthy()).is_empty());
}

#[test]
fn gc305_fires_on_key_required_preflight() {
    let mut s = healthy();
    s.rest_apis[0].resources[0]
        .methods
        .push(method("OPTIONS", true, "NONE"));
    let findings = run("GC305", &s);
    assert_eq!(ids(&findings), ["GC305"]);
    assert_eq!(findings[0].severity, Severity::High);
    assert_eq!(findings[0].http_method.as_deref(), Some("OPTIONS"));
    s.rest_apis[0].resources[0].methods[1].api_key_required = false;
    assert!(run("GC305", &s).is_empty());
}

#[test]
fn gc306_fires_on_open_methods_of_a_keyed_stage_but_not_options() {
    let mut s = healthy();
    let methods = &mut s.rest_apis[0].resources[0].methods;
    methods.push(method("POST", false, "NONE"));
    methods.push(method("OPTIONS", false, "NONE"));
    methods.push(method("DELETE", false, "AWS_IAM"));
    let findings = run("GC306", &s);
    assert_eq!(ids(&findings), ["GC306"]);
    assert!(findings[0].detail.contains("POST /items"));
    assert!(!findings[0].detail.contains("OPTIONS"));
    assert!(!findings[0].detail.contains("DELETE"));
    assert!(run("GC306", &healthy()).is_empty());
}

#[test]
fn gc306_is_quiet_when_no_plan_has_keys() {
    let mut s = healthy();
    s.rest_apis[0].resources[0].methods.push(method("POST", false, "NONE"));
    s.usage_plans[0].key_ids.clear();
    assert!(run("GC306", &s).is_empty());
}

#[test]
fn gc307_fires_for_missing_stage_and_missing_api() {
    let mut s = healthy();
    s.usage_plans
        .push(plan("p2", &[("a1", "old"), ("gone", "prod")], &["k1"]));
    let findings = run("GC307", &s);
    assert_eq!(findings.len(), 2);
    assert_eq!(findings[0].stage.as_deref(), Some("old"));
    assert_eq!(findings[1].api_id.as_deref(), Some("gone"));
    assert_eq!(findings[1].api_name, None);
    assert!(run("GC307", &healthy()).is_empty());
}

#[test]
fn gc307_in_an_api_scoped_snapshot_does_not_call_other_apis_gone() {
    let mut s = healthy();
    s.scope.api_id = Some("a1".into());
    s.usage_plans.push(plan("p2", &[("not-collected", "prod")], &["k1"]));
    assert!(run("GC307", &s).is_empty());
}

#[test]
fn gc602_fires_without_cloudwatch_role() {
    let mut s = healthy();
    s.account.cloudwatch_role_arn = None;
    let findings = run("GC602", &s);
    assert_eq!(ids(&findings), ["GC602"]);
    assert_eq!(findings[0].api_id, None);
    assert!(findings[0].remediation.contains(ACCOUNT));
    assert!(run("GC602", &healthy()).is_empty());
}

#[test]
fn gc900_names_scope_and_blinded_checks_and_blinds_them() {
    let mut s = healthy();
    s.usage_plans.clear(); // what a denied GetUsagePlans leaves behind
    s.gaps.push(gap(Part::UsagePlans, None));
    let evaluation = evaluate(&s);
    assert_eq!(ids(&evaluation.findings), ["GC900"], "GC301 must not guess");
    let detail = &evaluation.findings[0].detail;
    for id in ["GC301", "GC302", "GC303", "GC306", "GC307"] {
        assert!(detail.contains(id), "{detail}");
    }
    assert!(detail.contains("the whole of eu-west-1"), "{detail}");
    assert!(run("GC900", &healthy()).is_empty());
}

#[test]
fn gap_on_one_api_leaves_other_apis_checked() {
    let mut s = healthy();
    let other = with_resource(api("b2"), "/x", vec![method("GET", true, "NONE")]);
    s.rest_apis.push(with_stage(other, "prod"));
    s.rest_apis[0].stages.clear();
    s.gaps.push(gap(Part::Stages, Some("a1")));
    let evaluation = evaluate(&s);
    let got: Vec<_> = evaluation
        .findings
        .iter()
        .map(|f| (f.check.as_str(), f.api_id.as_deref()))
        .collect();
    assert_eq!(got, [("GC301", Some("b2")), ("GC900", Some("a1"))]);
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
            m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
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

// --- reachability ---------------------------------------------------------------------

fn domain(name: &str, api_id: &str, stage: Option<&str>) -> DomainName {
    DomainName {
        name: name.into(),
        domain_name_id: None,
        endpoint_types: vec!["REGIONAL".into()],
        mappings: vec![BasePathMapping {
            base_path: "(none)".into(),
            rest_api_id: api_id.into(),
            stage: stage.map(Into::into),
        }],
    }
}

#[test]
fn gc101_critical_when_nothing_reaches_the_api_high_with_a_custom_domain() {
    let mut s = healthy();
    s.rest_apis[0].disable_execute_api_endpoint = true;
    let findings = run("GC101", &s);
    assert_eq!(ids(&findings), ["GC101"]);
    assert_eq!(
        (findings[0].severity, findings[0].stage.as_deref()),
        (Severity::Critical, None)
    );

    s.domain_names.push(domain("api.example.com", "a1", Some("prod")));
    let findings = run("GC101", &s);
    assert_eq!(findings[0].severity, Severity::High);
    assert!(findings[0].detail.contains("api.example.com"), "{}", findings[0].detail);
    assert!(run("GC101", &healthy()).is_empty());
}

const VPCE_POLICY: &str = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}]}"#;
const IP_POLICY: &str = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#;

#[test]
fn gc102_private_api_needs_a_policy_admitting_vpc_traffic() {
    let mut s = healthy();
    s.rest_apis[0].endpoint_types = vec!["PRIVATE".into()];
    assert_eq!(ids(&run("GC102", &s)), ["GC102"]);
    s.rest_apis[0].policy = Some(IP_POLICY.into());
    let findings = run("GC102", &s);
    assert_eq!(ids(&findings), ["GC102"]);
    assert!(findings[0].detail.contains("203.0.113.0/24"), "{}", findings[0].detail);
    s.rest_apis[0].policy = Some(VPCE_POLICY.into());
    assert!(
        run("GC102", &s).is_empty(),
        "a proper VPC endpoint policy is the healthy control"
    );
    assert!(run("GC102", &healthy()).is_empty(), "a regional API needs no policy");
}

#[test]
fn gc103_says_who_is_let_in() {
    let mut s = healthy();
    s.rest_apis[0].policy = Some(IP_POLICY.into());
    let findings = run("GC103", &s);
    assert_eq!(ids(&findings), ["GC103"]);
    assert_eq!(findings[0].severity, Severity::Info);
    assert!(
        findings[0].detail.contains("from IPs 203.0.113.0/24"),
        "{}",
        findings[0].detail
    );
    s.rest_apis[0].policy = Some(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#.into());
    assert!(run("GC103", &s).is_empty(), "an open policy restricts nobody");
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

// --- WAF --------------------------------------------------------------------------------

fn office_rule(s: &mut Snapshot, action: WafAction, addresses: &[&str]) -> WafRule {
    let set = ip_set("office", addresses);
    let statement = WafStatement::IpSet { arn: set.arn.clone() };
    s.ip_sets.push(set);
    rule("office", action, statement)
}

#[test]
fn gc201_default_block_names_who_gets_through() {
    let mut s = healthy();
    let allow = office_rule(&mut s, WafAction::Allow, &["198.51.100.0/24", "203.0.113.7/32"]);
    let s = with_acl(s, WafAction::Block, vec![allow]);
    let findings = run("GC201", &s);
    assert_eq!(ids(&findings), ["GC201"]);
    assert_eq!(findings[0].severity, Severity::High);
    assert!(
        findings[0].detail.contains("office [Allow]: IP set office (2 CIDRs)"),
        "{}",
        findings[0].detail
    );
    assert!(
        findings[0].remediation.contains("--id acl-1"),
        "{}",
        findings[0].remediation
    );
}

#[test]
fn gc201_critical_when_no_allow_rule_can_match() {
    let s = with_acl(healthy(), WafAction::Block, vec![]);
    assert_eq!(run("GC201", &s)[0].severity, Severity::Critical);

    let mut s = healthy();
    let allow = office_rule(&mut s, WafAction::Allow, &[]);
    let nested = rule(
        "nested",
        WafAction::Allow,
        WafStatement::And {
            statements: vec![
                allow.statement.clone(),
                WafStatement::Geo {
                    country_codes: vec!["US".into()],
                },
            ],
        },
    );
    let s = with_acl(s, WafAction::Block, vec![allow, nested]);
    let findings = run("GC201", &s);
    assert_eq!(findings[0].severity, Severity::Critical, "{}", findings[0].detail);

    let mut s = healthy();
    let allow = office_rule(&mut s, WafAction::Allow, &[]);
    let either = rule(
        "either",
        WafAction::Allow,
        WafStatement::Or {
            statements: vec![
                allow.statement.clone(),
                WafStatement::Geo {
                    country_codes: vec!["US".into()],
                },
            ],
        },
    );
    let s = with_acl(s, WafAction::Block, vec![either]);
    assert_eq!(
        run("GC201", &s)[0].severity,
        Severity::High,
        "the OR can still match by country"
    );
}

#[test]
fn gc201_and_gc202_quiet_on_default_allow_with_count_rules() {
    let mut s = healthy();
    let counting = office_rule(&mut s, WafAction::Count, &["10.0.0.0/8"]);
    let overridden = rule(
        "common",
        WafAction::Count,
        WafStatement::ManagedRuleGroup {
            vendor: "AWS".into(),
            name: "AWSManagedRulesCommonRuleSet".into(),
        },
    );
    let s = with_acl(s, WafAction::Allow, vec![counting, overridden]);
    assert!(run("GC201", &s).is_empty());
    assert!(run("GC202", &s).is_empty());
    assert!(evaluate(&s).findings.is_empty());
}

#[test]
fn gc202_lists_blocking_rules_and_groups() {
    let mut s = healthy();
    let blocked = office_rule(&mut s, WafAction::Block, &["192.0.2.0/24"]);
    let managed = rule(
        "common",
        WafAction::UseGroupActions,
        WafStatement::ManagedRuleGroup {
            vendor: "AWS".into(),
            name: "AWSManagedRulesCommonRuleSet".into(),
        },
    );
    let rate = rule(
        "flood",
        WafAction::Block,
        WafStatement::RateBased {
            limit: 100,
            scope_down: None,
        },
    );
    let not_us = rule(
        "not-us",
        WafAction::Block,
        WafStatement::Not {
            statement: Box::new(WafStatement::Geo {
                country_codes: vec!["US".into()],
            }),
        },
    );
    let s = with_acl(s, WafAction::Allow, vec![blocked, managed, rate, not_us]);
    let findings = run("GC202", &s);
    assert_eq!(ids(&findings), ["GC202"]);
    let detail = &findings[0].detail;
    for needle in [
        "IP set office (1 CIDR)",
        "managed rule group AWS/AWSManagedRulesCommonRuleSet",
        "rate over 100",
        "NOT geo US",
    ] {
        assert!(detail.contains(needle), "{needle} missing: {detail}");
    }
}

#[test]
fn waf_checks_stay_quiet_about_an_acl_they_could_not_read() {
    let mut s = healthy();
    s.rest_apis[0].stages[0].web_acl_arn = Some("arn:aws:wafv2:eu-west-1:1:regional/webacl/x/y".into());
    assert!(run("GC201", &s).is_empty() && run("GC202", &s).is_empty());
}

// --- throttles, deployments, domains, logging ---------------------------------------------

#[test]
fn gc308_throttle_on_a_missing_method() {
    let mut s = healthy();
    let throttle = ThrottleSetting {
        burst_limit: Some(5),
        rate_limit: Some(1.0),
    };
    s.usage_plans[0].api_stages[0].throttle = [
        ("/items/GET".to_string(), throttle.clone()),
        ("/gone/POST".to_string(), throttle),
    ]
    .into();
    let findings = run("GC308", &s);
    assert_eq!(ids(&findings), ["GC308"]);
    assert_eq!(
        (findings[0].resource_path.as_deref(), findings[0].http_method.as_deref()),
        (Some("/gone"), Some("POST"))
    );
    assert!(
        findings[0]
            .remediation
            .contains("path=/apiStages/a1:prod/throttle/~1gone/POST"),
        "{}",
        findings[0].remediation
    );
    assert!(run("GC308", &healthy()).is_empty());
}

#[test]
fn gc401_compares_deployed_and_current_both_ways() {
    let mut s = healthy();
    s.rest_apis[0].resources[0].methods.push(method("POST", true, "NONE"));
    s.rest_apis[0].resources[0].methods[0].authorization_type = "AWS_IAM".into();
    let deployed = |verb: &str, key: bool| {
        let method = DeployedMethod {
            api_key_required: key,
            authorization_type: "NONE".into(),
        };
        [(verb.into(), method)].into_iter().collect()
    };
    let summary: ApiSummary = [
        ("/old".into(), deployed("DELETE", false)),
        ("/items".into(), deployed("GET", true)),
    ]
    .into_iter()
    .collect();
    s.rest_apis[0].deployments.push(Deployment {
        id: "d-prod".into(),
        api_summary: Some(summary),
    });
    let findings = run("GC401", &s);
    assert_eq!(ids(&findings), ["GC401"]);
    let detail = &findings[0].detail;
    for needle in [
        "DELETE /old is deployed but no longer exists",
        "POST /items is new and not deployed",
        "GET /items authorizationType is AWS_IAM now, NONE as deployed",
    ] {
        assert!(detail.contains(needle), "{needle} missing: {detail}");
    }
}

#[test]
fn gc401_sees_a_method_moved_to_another_path_or_verb() {
    // As many methods deployed as there are now, but not the same ones.
    for (path, verb) in [("/items", "POST"), ("/things", "GET")] {
        let mut s = healthy();
        deploy_get_items(&mut s, true);
        let resource = &mut s.rest_apis[0].resources[0];
        resource.path = path.into();
        resource.methods[0].http_method = verb.into();
        let findings = run("GC401", &s);
        assert_eq!(ids(&findings), ["GC401"], "{verb} {path}");
        assert!(
            findings[0]
                .detail
                .contains("GET /items is deployed but no longer exists")
                && findings[0]
                    .detail
                    .contains(&format!("{verb} {path} is new and not deployed")),
            "{}",
            findings[0].detail
        );
    }
}

#[test]
fn gc401_quiet_when_deployment_matches_and_not_evaluated_without_summary() {
    let mut s = healthy();
    deploy_get_items(&mut s, true);
    assert!(run("GC401", &s).is_empty());
    s.rest_apis[0].resources[0].methods[0].api_key_required = false;
    assert!(run("GC401", &s)[0]
        .detail
        .contains("apiKeyRequired is false now, true as deployed"));

    let mut s = healthy();
    s.rest_apis[0].deployments.push(Deployment {
        id: "d-prod".into(),
        api_summary: None,
    });
    assert!(run("GC401", &s).is_empty());
    let evaluation = evaluate(&s);
    assert_eq!(evaluation.not_evaluated.len(), 1);
    assert_eq!(
        (
            evaluation.not_evaluated[0].check.as_str(),
            evaluation.not_evaluated[0].stage.as_deref()
        ),
        ("GC401", Some("prod"))
    );
}

#[test]
fn gc501_mapping_to_missing_api_or_stage() {
    let mut s = healthy();
    s.domain_names.push(domain("ok.example.com", "a1", Some("prod")));
    assert!(run("GC501", &s).is_empty());
    s.domain_names.push(domain("old.example.com", "a1", Some("v0")));
    s.domain_names.push(domain("gone.example.com", "zzz", None));
    let findings = run("GC501", &s);
    assert_eq!(findings.len(), 2);
    assert!(findings.iter().any(|f| f.stage.as_deref() == Some("v0")));
    assert!(findings
        .iter()
        .any(|f| f.api_id.as_deref() == Some("zzz") && f.detail.contains("does not exist")));
}

#[test]
fn gc601_logging_off_or_silenced_for_methods() {
    let mut s = healthy();
    s.rest_apis[0].stages[0].method_settings.clear();
    let findings = run("GC601", &s);
    assert_eq!(ids(&findings), ["GC601"]);
    assert!(
        findings[0].remediation.contains("GC602"),
        "the fix says the account role comes first"
    );
    let mut s = healthy();
    s.rest_apis[0].stages[0].method_settings.insert(
        "items/GET".into(),
        MethodSetting {
            logging_level: Some("OFF".into()),
            ..Default::default()
        },
    );
    assert!(run("GC601", &s)[0].detail.contains("items/GET"));
    assert!(run("GC601", &healthy()).is_empty());
}

#[test]
fn ip_set_arns_are_found_at_any_depth() {
    let ip = |arn: &str| WafStatement::IpSet { arn: arn.into() };
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
