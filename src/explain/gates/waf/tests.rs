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
