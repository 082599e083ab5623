//! GC203 waf-managed-rules-refuse-api-clients.

use super::stages_with_acl;
use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::{Part, WafAction, WafRule, WafStatement};
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: waf_managed_rules_refuse_api_clients,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC203",
    name: "waf-managed-rules-refuse-api-clients",
    severity: Severity::Medium,
    severity_note: "",
    title: "Web ACL rules that commonly refuse legitimate API callers are blocking",
    symptom: "Some callers with a valid key get 403 {\"message\":\"Forbidden\"}: those that send a large body, no User-Agent, or call from a cloud or hosting address; others are served.",
    why: "AWS managed rule groups are built for browsers: CommonRuleSet blocks bodies over 8 KB (SizeRestrictions_BODY) and requests without a User-Agent (NoUserAgent_HEADER), the anonymous IP list blocks hosting providers' addresses (HostingProviderIPList), where server-to-server callers run; a rule that inspects a body with OversizeHandling MATCH matches every body over WAF's inspection limit.",
    fix: "Override the rules your API callers trip to Count (web ACL > rule > Edit > Override rule action: Count), or scope the group down to the paths browsers use; set OversizeHandling to CONTINUE where a large body is legitimate.",
    cli: "aws wafv2 get-web-acl --scope REGIONAL --region {region} --name {acl_name} --id {acl_id} --query 'WebACL.Rules[].{Name:Name,Statement:Statement.ManagedRuleGroupStatement}'",
    docs_url: "https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html",
    reads: &[Part::RestApis, Part::Stages, Part::WebAcls],
};

/// The rules of AWS managed rule groups that commonly refuse API callers, with what they
/// refuse (AWS WAF developer guide, "AWS Managed Rules rule groups list").
const API_HOSTILE_RULES: &[(&str, &str, &str)] = &[
    (
        "AWSManagedRulesCommonRuleSet",
        "SizeRestrictions_BODY",
        "bodies over 8 KB",
    ),
    (
        "AWSManagedRulesCommonRuleSet",
        "NoUserAgent_HEADER",
        "requests without a User-Agent header",
    ),
    (
        "AWSManagedRulesAnonymousIpList",
        "HostingProviderIPList",
        "calls from hosting and cloud providers' addresses",
    ),
];

/// The API-hostile rules `rule` applies with its group's own (blocking) actions: none when the
/// group only counts, or where its owner overrode them to Count.
pub fn blocking_hostile_rules(rule: &WafRule) -> Vec<(&'static str, &'static str)> {
    let WafStatement::ManagedRuleGroup {
        vendor,
        name,
        counted_rules,
    } = &rule.statement
    else {
        return Vec::new();
    };
    if rule.action != WafAction::UseGroupActions || vendor != "AWS" {
        return Vec::new();
    }
    API_HOSTILE_RULES
        .iter()
        .filter(|(group, hostile, _)| group == name && !counted_rules.iter().any(|c| c == hostile))
        .map(|(_, hostile, refuses)| (*hostile, *refuses))
        .collect()
}

/// What in `rule` refuses API callers, described; empty when nothing does.
fn hostile(rule: &WafRule) -> Vec<String> {
    let mut found: Vec<String> = blocking_hostile_rules(rule)
        .into_iter()
        .map(|(hostile, refuses)| format!("{} blocks {refuses} ({hostile})", rule.name))
        .collect();
    if rule.oversize_matches && rule.action == WafAction::Block {
        found.push(format!(
            "{} blocks every body over WAF's inspection limit (OversizeHandling MATCH)",
            rule.name
        ));
    }
    found
}

fn waf_managed_rules_refuse_api_clients(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (api, stage, acl) in stages_with_acl(facts) {
        let causes: Vec<String> = acl.rules.iter().flat_map(hostile).collect();
        if causes.is_empty() {
            continue;
        }
        findings.push(
            super::acl_vars(META.stage_finding(facts.snapshot, api, &stage.name), acl)
                .detail(format!(
                    "Web ACL {} on {}/{}: {}.",
                    acl.name,
                    api.id,
                    stage.name,
                    causes.join("; ")
                ))
                .build(),
        );
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;

    fn common(counted: &[&str]) -> WafStatement {
        WafStatement::ManagedRuleGroup {
            vendor: "AWS".into(),
            name: "AWSManagedRulesCommonRuleSet".into(),
            counted_rules: counted.iter().map(|c| (*c).to_string()).collect(),
        }
    }

    #[test]
    fn gc203_fires_for_a_blocking_common_rule_set() {
        let s = with_acl(
            healthy(),
            WafAction::Allow,
            vec![rule("aws-common", WafAction::UseGroupActions, common(&[]))],
        );
        let findings = run(&CHECK, &s);
        assert_eq!(ids(&findings), ["GC203"]);
        assert!(
            findings[0]
                .detail
                .contains("aws-common blocks bodies over 8 KB (SizeRestrictions_BODY)")
                && findings[0].detail.contains("NoUserAgent_HEADER"),
            "{}",
            findings[0].detail
        );
        insta::assert_json_snapshot!(findings);
    }

    #[test]
    fn gc203_is_quiet_where_the_rules_count() {
        let counted = common(&["SizeRestrictions_BODY", "NoUserAgent_HEADER"]);
        let s = with_acl(
            healthy(),
            WafAction::Allow,
            vec![rule("aws-common", WafAction::UseGroupActions, counted)],
        );
        assert!(run(&CHECK, &s).is_empty());
        let whole_group_counts = with_acl(
            healthy(),
            WafAction::Allow,
            vec![rule("aws-common", WafAction::Count, common(&[]))],
        );
        assert!(run(&CHECK, &whole_group_counts).is_empty());
        assert!(run(&CHECK, &healthy()).is_empty());
    }

    #[test]
    fn gc203_names_a_block_rule_that_matches_oversize_bodies() {
        let mut oversize = rule(
            "body-sqli",
            WafAction::Block,
            WafStatement::Other {
                kind: "SQL injection match".into(),
            },
        );
        oversize.oversize_matches = true;
        let findings = run(&CHECK, &with_acl(healthy(), WafAction::Allow, vec![oversize]));
        assert_eq!(ids(&findings), ["GC203"]);
        assert!(
            findings[0].detail.contains("OversizeHandling MATCH"),
            "{}",
            findings[0].detail
        );
    }
}
