//! WAFv2 web ACLs on stages: who they let through and what they refuse. GC201, GC202.
//! WAF answers a blocked request with 403 `{"message":"Forbidden"}`, the same body as a key
//! problem.

use super::{always_evaluated, Check, CheckMeta, Facts};
use crate::finding::{Finding, Severity};
use crate::model::{Index, Part, RestApi, Stage, WafAction, WafRule, WafStatement, WebAcl};
use std::collections::HashMap;

/// Every stage with its web ACL, where the ACL was read.
fn stages_with_acl<'f, 'a>(facts: &'f Facts<'a>) -> impl Iterator<Item = (&'a RestApi, &'a Stage, &'a WebAcl)> + 'f {
    facts.stages().filter_map(|s| Some((s.api, s.stage, s.web_acl?)))
}

/// Whether a statement can match some request, as far as the snapshot shows.
fn can_match(statement: &WafStatement, index: &Index) -> bool {
    match statement {
        WafStatement::IpSet { arn } => index.ip_set(arn).is_none_or(|set| !set.addresses.is_empty()),
        WafStatement::Geo { country_codes } => !country_codes.is_empty(),
        WafStatement::RateBased {
            scope_down: Some(inner),
            ..
        } => can_match(inner, index),
        WafStatement::And { statements } => statements.iter().all(|s| can_match(s, index)),
        WafStatement::Or { statements } => statements.iter().any(|s| can_match(s, index)),
        _ => true,
    }
}

/// "IP set office (3 CIDRs)", "geo US, CA", "NOT (…)".
pub fn describe(statement: &WafStatement, index: &Index) -> String {
    let join = |statements: &[WafStatement], op: &str| {
        let parts: Vec<String> = statements.iter().map(|s| describe(s, index)).collect();
        format!("({})", parts.join(op))
    };
    match statement {
        WafStatement::IpSet { arn } => match index.ip_set(arn) {
            Some(set) => format!(
                "IP set {} ({} CIDR{})",
                set.name,
                set.addresses.len(),
                if set.addresses.len() == 1 { "" } else { "s" }
            ),
            None => format!("IP set {} (unread)", arn.rsplit('/').nth(1).unwrap_or(arn)),
        },
        WafStatement::Geo { country_codes } => format!("geo {}", country_codes.join(", ")),
        WafStatement::RateBased { limit, scope_down } => match scope_down {
            Some(inner) => format!("rate over {limit} per window where {}", describe(inner, index)),
            None => format!("rate over {limit} per window"),
        },
        WafStatement::ManagedRuleGroup { vendor, name } => {
            format!("managed rule group {vendor}/{name}")
        }
        WafStatement::RuleGroup { arn } => {
            format!("rule group {}", arn.rsplit('/').nth(1).unwrap_or(arn))
        }
        WafStatement::Match { field, description } => format!("{field} {description}"),
        WafStatement::And { statements } => join(statements, " AND "),
        WafStatement::Or { statements } => join(statements, " OR "),
        WafStatement::Not { statement } => format!("NOT {}", describe(statement, index)),
        WafStatement::Other { kind } => kind.clone(),
    }
}

fn rule_line(rule: &WafRule, index: &Index) -> String {
    format!(
        "{} [{}]: {}",
        rule.name,
        rule.action.as_str(),
        describe(&rule.statement, index)
    )
}

pub static GC201: Check = Check {
    meta: &GC201_META,
    run: waf_default_block,
    not_evaluated: always_evaluated,
};

static GC201_META: CheckMeta = CheckMeta {
    id: "GC201",
    name: "waf-default-block",
    severity: Severity::High,
    title: "The stage's web ACL blocks by default: only callers matching its Allow rules pass",
    symptom: "Callers that match no Allow rule get 403 {\"message\":\"Forbidden\"} from WAF, even with a valid API key.",
    why: "A web ACL whose default action is Block refuses every request that no Allow rule matches, before API Gateway looks at the key.",
    fix: "Add the callers to an Allow rule (or its IP set), or make the default action Allow and block what must be blocked with rules (WAF & Shield console > Web ACLs > ACL > Rules / Default action).",
    cli: "aws wafv2 get-web-acl --region {region} --scope REGIONAL --name {acl_name} --id {acl_id}",
    docs_url: "https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-default-action.html",
    reads: &[Part::Stages, Part::WebAcls, Part::IpSets],
};

fn acl_vars<'a>(builder: super::FindingBuilder<'a>, acl: &'a WebAcl) -> super::FindingBuilder<'a> {
    let id = acl.arn.rsplit('/').next().unwrap_or_default();
    builder.var("acl_name", acl.name.as_str()).var("acl_id", id)
}

/// Who a default-Block web ACL lets through, worked out once per ACL: many stages share one.
enum AllowedBy {
    /// The Allow rules that can match, described.
    Rules(String),
    /// Why nothing can get through.
    Nothing(String),
}

fn allowed_by(acl: &WebAcl, index: &Index) -> AllowedBy {
    let allows: Vec<&WafRule> = acl.rules.iter().filter(|r| r.action == WafAction::Allow).collect();
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

fn waf_default_block(facts: &Facts) -> Vec<Finding> {
    let index = &facts.index;
    let mut described: HashMap<*const WebAcl, AllowedBy> = HashMap::new();
    stages_with_acl(facts)
        .filter(|(_, _, acl)| acl.default_action == WafAction::Block)
        .map(|(api, stage, acl)| {
            let allowed = described.entry(acl).or_insert_with(|| allowed_by(acl, index));
            let builder = acl_vars(GC201_META.stage_finding(facts, api, &stage.name), acl);
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

pub static GC202: Check = Check {
    meta: &GC202_META,
    run: waf_blocking_rules,
    not_evaluated: always_evaluated,
};

static GC202_META: CheckMeta = CheckMeta {
    id: "GC202",
    name: "waf-blocking-rules",
    severity: Severity::Info,
    title: "The stage's web ACL has rules that block some callers",
    symptom: "Callers matching a Block rule (an IP set, a country, a rate limit, a managed rule) get 403 {\"message\":\"Forbidden\"} from WAF, key or no key.",
    why: "WAF evaluates before API Gateway checks the key, and answers a Block with the same 403 body.",
    fix: "If a legitimate caller is refused, find the rule in the web ACL's sampled requests and narrow it or exempt the caller (WAF & Shield console > Web ACLs > ACL > Overview > Sampled requests).",
    cli: "aws wafv2 get-web-acl --region {region} --scope REGIONAL --name {acl_name} --id {acl_id}",
    docs_url: "https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-action.html",
    reads: &[Part::Stages, Part::WebAcls, Part::IpSets],
};

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
                acl_vars(GC202_META.stage_finding(facts, api, &stage.name), acl)
                    .detail(format!(
                        "Web ACL {} on {}/{} blocks requests matching: {blocking}.",
                        acl.name, api.id, stage.name,
                    ))
                    .build(),
            )
        })
        .collect()
}
