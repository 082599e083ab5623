//! AWS WAF, before anything else looks at the request.

use crate::explain::fixtures::*;

#[test]
fn waf_by_source_ip() {
    let office = ip_set("office", &["198.51.100.0/24"]);
    let statement = WafStatement::IpSet {
        arn: office.arn.clone(),
        forwarded_header: None,
        fallback_match: false,
    };
    let mut default_block = with_acl(
        healthy_deployed(),
        WafAction::Block,
        vec![rule("office", WafAction::Allow, statement.clone())],
    );
    default_block.ip_sets.push(office.clone());
    let mut r = keyed_get("/prod/items");
    r.source_ip = Some("192.0.2.1".parse().unwrap());
    assert_eq!(first_failure(&default_block, &r).1, Some("GC201"));
    r.source_ip = Some("198.51.100.20".parse().unwrap());
    assert_eq!(explain(&default_block, &r).unwrap().verdict, Verdict::Allowed);
    r.source_ip = None;
    let e = explain(&default_block, &r).unwrap();
    let waf = e.steps.iter().find(|s| s.step == Gate::Waf).unwrap();
    assert!(
        waf.outcome == Outcome::Unknown && waf.evidence.contains("--source-ip"),
        "{}",
        waf.evidence
    );

    let mut blocklist = with_acl(
        healthy_deployed(),
        WafAction::Allow,
        vec![rule("blocklist", WafAction::Block, statement)],
    );
    blocklist.ip_sets.push(office);
    r.source_ip = Some("198.51.100.20".parse().unwrap());
    assert_eq!(first_failure(&blocklist, &r).1, Some("GC202"));
}

#[test]
fn waf_answers_before_the_route_exists() {
    let s = with_acl(healthy_deployed(), WafAction::Block, vec![]);
    let mut r = keyed_get("/prod/no-such-path");
    r.source_ip = Some("192.0.2.1".parse().unwrap());
    let (gate, check, status, message) = first_failure(&s, &r);
    assert_eq!(
        (gate, check, status, message.as_str()),
        (Gate::Waf, Some("GC201"), Some(403), "Forbidden")
    );
}

#[test]
fn waf_captcha_answers_405_with_a_page() {
    let office = ip_set("office", &["198.51.100.0/24"]);
    let statement = WafStatement::IpSet {
        arn: office.arn.clone(),
        forwarded_header: None,
        fallback_match: false,
    };
    let mut s = with_acl(
        healthy_deployed(),
        WafAction::Allow,
        vec![rule("puzzle", WafAction::Captcha, statement)],
    );
    s.ip_sets.push(office);
    let mut r = keyed_get("/prod/items");
    r.source_ip = Some("198.51.100.9".parse().unwrap());
    let e = explain(&s, &r).unwrap();
    assert_eq!((e.verdict, e.status), (Verdict::Forbidden, Some(405)));
    assert!(
        !e.json_body && text(&e).contains("405: an AWS WAF CAPTCHA page"),
        "{}",
        text(&e)
    );
}

/// AWS WAF developer guide, "Baseline rule groups": CommonRuleSet blocks bodies over 8 KB and
/// requests without a User-Agent. explain cannot see a body's size, so the WAF step is unknown,
/// and it names GC203 with the rules that would refuse, as the audit reports the ACL.
#[test]
fn a_blocking_managed_group_that_refuses_api_callers_is_named_gc203() {
    let mut s = healthy_deployed();
    s.rest_apis[0].stages[0].web_acl_arn = Some("arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/edge/e1".into());
    s.web_acls.push(WebAcl {
        arn: "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/edge/e1".into(),
        name: "edge".into(),
        default_action: WafAction::Allow,
        rules: vec![WafRule {
            name: "common".into(),
            priority: 0,
            action: WafAction::UseGroupActions,
            block_status: None,
            statement: WafStatement::ManagedRuleGroup {
                vendor: "AWS".into(),
                name: "AWSManagedRulesCommonRuleSet".into(),
                counted_rules: Vec::new(),
            },
            oversize_matches: false,
            firewall_manager: false,
        }],
        ..WebAcl::default()
    });
    let e = explain(&s, &keyed_get("/prod/items")).unwrap();
    let waf = e.steps.iter().find(|s| s.step == Gate::Waf).unwrap();
    assert_eq!((waf.outcome, waf.check_id()), (Outcome::Unknown, Some("GC203")));
    assert!(waf.evidence.contains("NoUserAgent_HEADER"), "{}", waf.evidence);
    let audit = crate::audit::report(std::slice::from_ref(&s), std::time::Duration::ZERO);
    assert!(audit.findings.iter().any(|f| f.check == "GC203"));
    // Overridden to Count, the rules refuse no one: neither names GC203.
    if let WafStatement::ManagedRuleGroup { counted_rules, .. } = &mut s.web_acls[0].rules[0].statement {
        counted_rules.extend(["SizeRestrictions_BODY".to_string(), "NoUserAgent_HEADER".to_string()]);
    }
    let e = explain(&s, &keyed_get("/prod/items")).unwrap();
    assert!(e.steps.iter().all(|s| s.check_id() != Some("GC203")));
}
