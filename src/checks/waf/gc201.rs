//! GC201 waf-default-block.

use super::decide::can_match;
use super::{acl_vars, rule_line, stages_with_acl};
use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::{Index, Part, WafAction, WafRule, WafStatement, WebAcl};
use crate::report::{Finding, Severity};
use std::collections::HashMap;

pub static CHECK: Check = Check {
    meta: &META,
    run: waf_default_block,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC201",
    name: "waf-default-block",
    severity: Severity::High,
    severity_note: "critical when no Allow rule can match",
    title: "The stage's web ACL blocks by default: only callers matching its Allow rules pass",
    symptom: "Callers that match no Allow rule get 403 {\"message\":\"Forbidden\"} from WAF, even with a valid API key.",
    why: "A web ACL whose default action is Block refuses every request that no Allow rule matches, before API Gateway looks at the key.",
    fix: "Add the callers to an Allow rule (or its IP set), or make the default action Allow and block what must be blocked with rules (WAF & Shield console > Web ACLs > ACL > Rules / Default action).",
    cli: "aws wafv2 get-web-acl --region {region} --scope REGIONAL --name {acl_name} --id {acl_id}",
    docs_url: "https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-default-action.html",
    reads: &[Part::Stages, Part::WebAcls, Part::IpSets],
};

fn waf_default_block(facts: &Facts) -> Vec<Finding> {
    let index = &facts.index;
    let mut described: HashMap<*const WebAcl, AllowedBy> = HashMap::new();
    stages_with_acl(facts)
        .filter(|(_, _, acl)| acl.default_action == WafAction::Block)
        .map(|(api, stage, acl)| {
            let allowed = described.entry(acl).or_insert_with(|| allowed_by(acl, index));
            let builder = acl_vars(META.stage_finding(facts.snapshot, api, &stage.name), acl);
            match allowed {
                AllowedBy::Nothing(why) => builder
                    .severity(Severity::Critical)
                    .detail(format!(
                        "Web ACL {} blocks by default and {why}: every request to {}/{} is refused.",
                        acl.name, api.id, stage.name
                    ))
                    .build(),
                AllowedBy::Rules(matching) => builder
                    .detail(format!(
                        "Web ACL {} blocks by default; only requests matching an Allow rule reach {}/{}: {matching}.",
                        acl.name, api.id, stage.name,
                    ))
                    .build(),
            }
        })
        .collect()
}

/// Who a default-Block web ACL lets through, worked out once per ACL: many stages share one.
enum AllowedBy {
    /// The Allow rules that can match, described.
    Rules(String),
    /// Why nothing can get through.
    Nothing(String),
}

/// Whether a rule may let a request through: an Allow rule, or a rule group of the owner's (or
/// Firewall Manager's) applying its own rules' actions, which may Allow. AWS managed rule
/// groups only block, count or label.
fn may_allow(rule: &WafRule) -> bool {
    matches!(
        (rule.action, &rule.statement),
        (WafAction::Allow, _) | (WafAction::UseGroupActions, WafStatement::RuleGroup { .. })
    )
}

fn allowed_by(acl: &WebAcl, index: &Index) -> AllowedBy {
    let allows: Vec<&WafRule> = acl.rules.iter().filter(|r| may_allow(r)).collect();
    let matching: Vec<String> = allows
        .iter()
        .filter(|r| can_match(&r.statement, index))
        .map(|r| rule_line(r, index))
        .collect();
    if !matching.is_empty() {
        return AllowedBy::Rules(matching.join("; "));
    }
    if allows.is_empty() {
        return AllowedBy::Nothing("it has no Allow rule".to_string());
    }
    let names: Vec<String> = allows.iter().map(|r| rule_line(r, index)).collect();
    AllowedBy::Nothing(format!("no Allow rule can match: {}", names.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;
    use crate::model::*;

    /// AWS WAF developer guide, "Web ACL rule and rule group evaluation": Firewall Manager's
    /// pre- and post-process rule groups are evaluated with the ACL's rules, and a rule group
    /// applying its own actions may Allow. Such an ACL is not one that refuses everything.
    #[test]
    fn gc201_counts_a_firewall_manager_rule_group_as_a_possible_allow() {
        let mut group = rule(
            "partners (Firewall Manager)",
            WafAction::UseGroupActions,
            WafStatement::RuleGroup {
                arn: "arn:aws:wafv2:eu-west-1:111122223333:regional/rulegroup/partners/rg-1".into(),
            },
        );
        group.firewall_manager = true;
        let findings = run(&CHECK, &with_acl(healthy(), WafAction::Block, vec![group]));
        assert_eq!(ids(&findings), ["GC201"]);
        assert_eq!(findings[0].severity, Severity::High, "{}", findings[0].detail);
        assert!(
            findings[0].detail.contains("rule group partners"),
            "{}",
            findings[0].detail
        );
        // An AWS managed group only blocks or counts: with it alone, nothing gets through.
        let managed = rule(
            "aws-common",
            WafAction::UseGroupActions,
            WafStatement::ManagedRuleGroup {
                vendor: "AWS".into(),
                name: "AWSManagedRulesCommonRuleSet".into(),
                counted_rules: Vec::new(),
            },
        );
        let findings = run(&CHECK, &with_acl(healthy(), WafAction::Block, vec![managed]));
        assert_eq!(findings[0].severity, Severity::Critical);
    }

    #[test]
    fn gc201_default_block_names_who_gets_through() {
        let mut s = healthy();
        let allow = office_rule(&mut s, WafAction::Allow, &["198.51.100.0/24", "203.0.113.7/32"]);
        let s = with_acl(s, WafAction::Block, vec![allow]);
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
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
        assert_eq!(run(&CHECK, &s)[0].severity, Severity::Critical);

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
                        forwarded_header: None,
                        fallback_match: false,
                    },
                ],
            },
        );
        let s = with_acl(s, WafAction::Block, vec![allow, nested]);
        let findings = run(&CHECK, &s);
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
                        forwarded_header: None,
                        fallback_match: false,
                    },
                ],
            },
        );
        let s = with_acl(s, WafAction::Block, vec![either]);
        assert_eq!(
            run(&CHECK, &s)[0].severity,
            Severity::High,
            "the OR can still match by country"
        );
    }

    #[test]
    fn quiet_on_default_allow_with_count_rules() {
        assert!(run(&CHECK, &counting_acl()).is_empty());
        assert!(run(&CHECK, &healthy()).is_empty());
    }
}
