//! GC202 waf-blocking-rules.

use super::decide::can_match;
use super::{acl_vars, rule_line, stages_with_acl};
use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::{Index, Part, WafAction, WebAcl};
use crate::report::{Finding, Severity};
use std::collections::HashMap;

pub static CHECK: Check = Check {
    meta: &META,
    run: waf_blocking_rules,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC202",
    name: "waf-blocking-rules",
    severity: Severity::Info,
    severity_note: "",
    title: "The stage's web ACL has rules that block some callers",
    symptom: "Callers matching a Block rule (an IP set, a country, a rate limit, a managed rule) get 403 {\"message\":\"Forbidden\"} from WAF, key or no key.",
    why: "WAF evaluates before API Gateway checks the key, and answers a Block with the same 403 body.",
    fix: "If a legitimate caller is refused, find the rule in the web ACL's sampled requests and narrow it or exempt the caller (WAF & Shield console > Web ACLs > ACL > Overview > Sampled requests).",
    cli: "aws wafv2 get-web-acl --region {region} --scope REGIONAL --name {acl_name} --id {acl_id}",
    docs_url: "https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-action.html",
    reads: &[Part::Stages, Part::WebAcls, Part::IpSets],
};

fn waf_blocking_rules(facts: &Facts) -> Vec<Finding> {
    let index = &facts.index;
    // Many stages share an ACL: each ACL's rules are described once.
    let mut described: HashMap<*const WebAcl, Option<String>> = HashMap::new();
    stages_with_acl(facts)
        .filter_map(|(api, stage, acl)| {
            let blocking = described
                .entry(acl)
                .or_insert_with(|| blocking_rules(acl, index))
                .as_deref()?;
            Some(
                acl_vars(META.stage_finding(facts.snapshot, api, &stage.name), acl)
                    .detail(format!(
                        "Web ACL {} on {}/{} blocks requests matching: {blocking}.",
                        acl.name, api.id, stage.name,
                    ))
                    .build(),
            )
        })
        .collect()
}

/// The rules of a web ACL that can block, described; `None` when none can.
fn blocking_rules(acl: &WebAcl, index: &Index) -> Option<String> {
    // Count only counts; a group with its actions overridden to Count blocks nothing.
    let blocking: Vec<String> = acl
        .rules
        .iter()
        .filter(|r| matches!(r.action, WafAction::Block | WafAction::UseGroupActions))
        .filter(|r| can_match(&r.statement, index))
        .map(|r| rule_line(r, index))
        .collect();
    (!blocking.is_empty()).then(|| blocking.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;
    use crate::model::*;

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
                counted_rules: Vec::new(),
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
                    forwarded_header: None,
                    fallback_match: false,
                }),
            },
        );
        let s = with_acl(s, WafAction::Allow, vec![blocked, managed, rate, not_us]);
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
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
    fn quiet_on_default_allow_with_count_rules() {
        assert!(run(&CHECK, &counting_acl()).is_empty());
        assert!(run(&CHECK, &healthy()).is_empty());
    }
}
