//! WAFv2 web ACLs on stages: who they let through and what they refuse. GC201, GC202, GC203.
//! WAF answers a blocked request with 403 `{"message":"Forbidden"}`, the same body as a key
//! problem. What its checks share.

pub mod decide;
pub mod gc201;
pub mod gc202;
pub mod gc203;

use super::Facts;
use crate::model::{Index, RestApi, Stage, WafRule, WafStatement, WebAcl};

/// Every stage with its web ACL, where the ACL was read.
pub(super) fn stages_with_acl<'f, 'a>(
    facts: &'f Facts<'a>,
) -> impl Iterator<Item = (&'a RestApi, &'a Stage, &'a WebAcl)> + 'f {
    facts.stages().filter_map(|s| Some((s.api, s.stage, s.web_acl?)))
}

/// "IP set office (3 CIDRs)", "geo US, CA", "NOT (…)".
pub(super) fn describe(statement: &WafStatement, index: &Index) -> String {
    let join = |statements: &[WafStatement], op: &str| {
        let parts: Vec<String> = statements.iter().map(|s| describe(s, index)).collect();
        format!("({})", parts.join(op))
    };
    match statement {
        WafStatement::IpSet { arn, .. } => match index.ip_set(arn) {
            Some(set) => format!(
                "IP set {} ({} CIDR{})",
                set.name,
                set.addresses.len(),
                if set.addresses.len() == 1 { "" } else { "s" }
            ),
            None => format!("IP set {} (unread)", arn.rsplit('/').nth(1).unwrap_or(arn)),
        },
        WafStatement::Geo { country_codes, .. } => format!("geo {}", country_codes.join(", ")),
        WafStatement::RateBased { limit, scope_down } => match scope_down {
            Some(inner) => format!("rate over {limit} per window where {}", describe(inner, index)),
            None => format!("rate over {limit} per window"),
        },
        WafStatement::ManagedRuleGroup { vendor, name, .. } => {
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

pub(super) fn rule_line(rule: &WafRule, index: &Index) -> String {
    format!(
        "{} [{}]: {}",
        rule.name,
        rule.action.as_str(),
        describe(&rule.statement, index)
    )
}

pub(super) fn acl_vars<'a>(builder: super::FindingBuilder<'a>, acl: &'a WebAcl) -> super::FindingBuilder<'a> {
    let id = acl.arn.rsplit('/').next().unwrap_or_default();
    builder.var("acl_name", acl.name.as_str()).var("acl_id", id)
}
