//! WAFv2 reads: each web ACL that a stage uses, once, and each IP set those ACLs reference,
//! once. Nothing is read per stage.

use super::Reader;
use crate::model::{CoverageGap, GapReason, IpSet, Part, RestApi, WafAction, WafRule, WafStatement, WebAcl};
use aws_sdk_wafv2::types as sdk;
use std::collections::BTreeSet;

/// The parts of a WAFv2 ARN that Get* calls take: `arn:aws:wafv2:{region}:{account}:{scope}/{kind}/{name}/{id}`.
struct WafArn<'a> {
    scope: sdk::Scope,
    name: &'a str,
    id: &'a str,
}

fn parse_arn(arn: &str) -> Option<WafArn<'_>> {
    let resource = arn.strip_prefix("arn:")?.splitn(5, ':').nth(4)?;
    let mut parts = resource.split('/');
    let scope = match parts.next()? {
        "regional" => sdk::Scope::Regional,
        "global" => sdk::Scope::Cloudfront,
        _ => return None,
    };
    let _kind = parts.next()?;
    Some(WafArn {
        scope,
        name: parts.next()?,
        id: parts.next()?,
    })
}

/// Reads the web ACLs the stages use and the IP sets they reference.
pub(crate) async fn read_web_acls(reader: &Reader, apis: &[RestApi]) -> (Vec<WebAcl>, Vec<IpSet>) {
    let acl_arns: BTreeSet<&str> = apis
        .iter()
        .flat_map(|a| &a.stages)
        .filter_map(|s| s.web_acl_arn.as_deref())
        .collect();
    // A quota-light audit takes the ACLs that are not due, with their IP sets, from the
    // stored snapshot; any WAFv2 change in the region makes every ACL due.
    let (mut acls, mut sets) = (Vec::new(), Vec::new());
    let mut to_read: Vec<&str> = acl_arns.iter().copied().collect();
    if let Some(reuse) = &reader.reuse {
        let stored = &reuse.stored;
        let read_at = |arn: &str| stored.web_acls.iter().find(|a| a.arn == arn).and_then(|a| a.read_at_ms);
        let named = match reuse.changed.web_acls {
            true => acl_arns.iter().map(|a| a.to_string()).collect(),
            false => BTreeSet::new(),
        };
        let due = reuse.due(acl_arns.iter().map(|arn| (*arn, read_at(arn))), &named);
        to_read.retain(|arn| due.contains(*arn));
        for acl in stored
            .web_acls
            .iter()
            .filter(|a| acl_arns.contains(a.arn.as_str()) && !due.contains(&a.arn))
        {
            let set_arns = acl.ip_set_arns();
            let stored_sets: Vec<&IpSet> = stored
                .ip_sets
                .iter()
                .filter(|s| set_arns.contains(s.arn.as_str()))
                .collect();
            if stored_sets.len() == set_arns.len() {
                acls.push(acl.clone());
                for set in stored_sets {
                    if !sets.iter().any(|k: &IpSet| k.arn == set.arn) {
                        sets.push(set.clone());
                    }
                }
            } else {
                to_read.push(&acl.arn);
            }
        }
    }
    let read: Vec<WebAcl> = futures::future::join_all(to_read.iter().map(|arn| read_web_acl(reader, apis, arn)))
        .await
        .into_iter()
        .flatten()
        .collect();

    let set_arns: BTreeSet<String> = read
        .iter()
        .flat_map(|acl| acl.ip_set_arns())
        .filter(|arn| !sets.iter().any(|s| s.arn == *arn))
        .map(str::to_string)
        .collect();
    let read_sets = futures::future::join_all(set_arns.iter().map(|arn| read_ip_set(reader, apis, &read, arn))).await;
    sets.extend(read_sets.into_iter().flatten());
    acls.extend(read);
    acls.sort_by(|a, b| a.arn.cmp(&b.arn));
    sets.sort_by(|a, b| a.arn.cmp(&b.arn));
    (acls, sets)
}

/// One gap per stage the unread object affects, so GC900 names each and only those
/// stages' WAF checks stay quiet.
fn record_for_stages(reader: &Reader, apis: &[RestApi], acl_arns: &[&str], gap: CoverageGap) {
    for api in apis {
        for stage in &api.stages {
            if stage.web_acl_arn.as_deref().is_some_and(|arn| acl_arns.contains(&arn)) {
                reader.record_gap(CoverageGap {
                    api_id: Some(api.id.to_string()),
                    stage: Some(stage.name.to_string()),
                    ..gap.clone()
                });
            }
        }
    }
}

async fn read_web_acl(reader: &Reader, apis: &[RestApi], arn: &str) -> Option<WebAcl> {
    let unread = |reason: GapReason, message: &str| {
        let gap = CoverageGap {
            within: None,
            part: Part::WebAcls,
            operation: "GetWebACL".into(),
            api_id: None,
            stage: None,
            object_id: Some(arn.to_string()),
            reason,
            message: message.into(),
        };
        record_for_stages(reader, apis, &[arn], gap);
        None
    };
    let Some(parsed) = parse_arn(arn) else {
        return unread(
            GapReason::NotImplemented,
            "not a WAFv2 web ACL (WAF Classic is not analysed)",
        );
    };
    if reader.past_deadline() {
        return unread(
            GapReason::DeadlineReached,
            "the function's time ran out before this web ACL was read",
        );
    }
    let call = reader
        .wafv2
        .get_web_acl()
        .name(parsed.name)
        .id(parsed.id)
        .scope(parsed.scope)
        .send();
    match reader.attempt(call).await {
        Ok(out) => out.web_acl().map(|acl| WebAcl {
            read_at_ms: Some(reader.now_ms),
            ..web_acl_from_sdk(arn, acl)
        }),
        Err(failure) => {
            let gap = failure.into_gap(Part::WebAcls, "GetWebACL", None, Some(arn));
            record_for_stages(reader, apis, &[arn], gap);
            None
        }
    }
}

async fn read_ip_set(reader: &Reader, apis: &[RestApi], acls: &[WebAcl], arn: &str) -> Option<IpSet> {
    let users: Vec<&str> = acls
        .iter()
        .filter(|acl| acl.ip_set_arns().contains(arn))
        .map(|acl| acl.arn.as_str())
        .collect();
    let failed = |reason: GapReason, message: String| CoverageGap {
        within: None,
        part: Part::IpSets,
        operation: "GetIPSet".into(),
        api_id: None,
        stage: None,
        object_id: Some(arn.to_string()),
        reason,
        message,
    };
    let Some(parsed) = parse_arn(arn) else {
        record_for_stages(
            reader,
            apis,
            &users,
            failed(GapReason::Other, "not a WAFv2 IP set ARN".into()),
        );
        return None;
    };
    let call = reader
        .wafv2
        .get_ip_set()
        .name(parsed.name)
        .id(parsed.id)
        .scope(parsed.scope)
        .send();
    match reader.attempt(call).await {
        Ok(out) => out.ip_set().map(|set| IpSet {
            arn: arn.to_string(),
            name: set.name().to_string(),
            addresses: set.addresses().to_vec(),
        }),
        Err(failure) => {
            record_for_stages(reader, apis, &users, failed(failure.reason, failure.message));
            None
        }
    }
}

fn web_acl_from_sdk(arn: &str, acl: &sdk::WebAcl) -> WebAcl {
    let default_block = acl.default_action().and_then(|a| a.block());
    let default_action = match default_block {
        Some(_) => WafAction::Block,
        None => WafAction::Allow,
    };
    let mut own: Vec<WafRule> = acl.rules().iter().map(rule_from_sdk).collect();
    own.sort_by_key(|r| r.priority);
    // Firewall Manager's rule groups run before (pre-process) and after (post-process) the
    // ACL's own rules; their priorities are renumbered around the ACL's to keep that order.
    let mut rules = firewall_manager_rules(acl.pre_process_firewall_manager_rule_groups(), i32::MIN / 2);
    rules.extend(own);
    rules.extend(firewall_manager_rules(
        acl.post_process_firewall_manager_rule_groups(),
        i32::MAX / 2,
    ));
    WebAcl {
        arn: arn.to_string(),
        name: acl.name().to_string(),
        default_action,
        default_block_status: default_block.and_then(block_status),
        rules,
        read_at_ms: None,
    }
}

/// Firewall Manager's rule groups as rules of the ACL, in their priority order from `base`.
fn firewall_manager_rules(groups: &[sdk::FirewallManagerRuleGroup], base: i32) -> Vec<WafRule> {
    let mut groups: Vec<&sdk::FirewallManagerRuleGroup> = groups.iter().collect();
    groups.sort_by_key(|g| g.priority());
    groups
        .into_iter()
        .zip(0..)
        .map(|(group, i)| {
            let statement = group.firewall_manager_statement();
            WafRule {
                name: format!("{} (Firewall Manager)", group.name()),
                priority: base.saturating_add(i),
                action: match group.override_action().and_then(|o| o.count()) {
                    Some(_) => WafAction::Count,
                    None => WafAction::UseGroupActions,
                },
                block_status: None,
                statement: match (
                    statement.and_then(|s| s.managed_rule_group_statement()),
                    statement.and_then(|s| s.rule_group_reference_statement()),
                ) {
                    (Some(managed), _) => managed_rule_group(managed),
                    (None, Some(group)) => WafStatement::RuleGroup {
                        arn: group.arn().to_string(),
                    },
                    (None, None) => WafStatement::Other { kind: "empty".into() },
                },
                oversize_matches: false,
                firewall_manager: true,
            }
        })
        .collect()
}

/// A managed rule group, with the rules its owner overrode to Count.
fn managed_rule_group(group: &sdk::ManagedRuleGroupStatement) -> WafStatement {
    let overridden = group
        .rule_action_overrides()
        .iter()
        .filter(|o| o.action_to_use().is_some_and(|a| a.count().is_some()))
        .map(|o| o.name().to_string());
    let excluded = group.excluded_rules().iter().map(|r| r.name().to_string());
    WafStatement::ManagedRuleGroup {
        vendor: group.vendor_name().to_string(),
        name: group.name().to_string(),
        counted_rules: overridden.chain(excluded).collect(),
    }
}

/// Whether a statement inspects a body, JSON body, headers or cookies with OversizeHandling
/// MATCH, at any depth.
fn oversize_matches(s: &sdk::Statement) -> bool {
    let field = [
        s.byte_match_statement().and_then(|m| m.field_to_match()),
        s.regex_match_statement().and_then(|m| m.field_to_match()),
        s.regex_pattern_set_reference_statement()
            .and_then(|m| m.field_to_match()),
        s.sqli_match_statement().and_then(|m| m.field_to_match()),
        s.xss_match_statement().and_then(|m| m.field_to_match()),
        s.size_constraint_statement().and_then(|m| m.field_to_match()),
    ]
    .into_iter()
    .flatten()
    .any(|f| {
        let matches = |h: Option<&sdk::OversizeHandling>| h == Some(&sdk::OversizeHandling::Match);
        matches(f.body().and_then(|b| b.oversize_handling()))
            || matches(f.json_body().and_then(|b| b.oversize_handling()))
            || matches(f.headers().map(|h| h.oversize_handling()))
            || matches(f.cookies().map(|c| c.oversize_handling()))
    });
    let nested = s
        .and_statement()
        .map(|a| a.statements())
        .or_else(|| s.or_statement().map(|o| o.statements()))
        .unwrap_or_default()
        .iter()
        .chain(s.not_statement().and_then(|n| n.statement()))
        .chain(s.rate_based_statement().and_then(|r| r.scope_down_statement()))
        .any(oversize_matches);
    field || nested
}

fn rule_from_sdk(rule: &sdk::Rule) -> WafRule {
    let action = match (rule.action(), rule.override_action()) {
        (Some(a), _) if a.block().is_some() => WafAction::Block,
        (Some(a), _) if a.allow().is_some() => WafAction::Allow,
        (Some(a), _) if a.captcha().is_some() => WafAction::Captcha,
        (Some(a), _) if a.challenge().is_some() => WafAction::Challenge,
        (Some(_), _) => WafAction::Count,
        (None, Some(o)) if o.count().is_some() => WafAction::Count,
        _ => WafAction::UseGroupActions,
    };
    WafRule {
        name: rule.name().to_string(),
        priority: rule.priority(),
        action,
        block_status: rule.action().and_then(|a| a.block()).and_then(block_status),
        statement: rule
            .statement()
            .map(statement_from_sdk)
            .unwrap_or(WafStatement::Other { kind: "empty".into() }),
        oversize_matches: rule.statement().is_some_and(oversize_matches),
        firewall_manager: false,
    }
}

/// A Block action's custom response status code, when it sets one.
fn block_status(block: &sdk::BlockAction) -> Option<u16> {
    block
        .custom_response()
        .and_then(|r| u16::try_from(r.response_code()).ok())
}

fn field_name(field: Option<&sdk::FieldToMatch>) -> String {
    let Some(field) = field else { return "request".into() };
    if let Some(header) = field.single_header() {
        format!("header:{}", header.name().to_ascii_lowercase())
    } else if field.uri_path().is_some() {
        "uri_path".into()
    } else if field.query_string().is_some() {
        "query_string".into()
    } else if let Some(arg) = field.single_query_argument() {
        format!("query:{}", arg.name())
    } else if field.method().is_some() {
        "method".into()
    } else if field.body().is_some() || field.json_body().is_some() {
        "body".into()
    } else {
        "request".into()
    }
}

fn statement_from_sdk(s: &sdk::Statement) -> WafStatement {
    if let Some(ip) = s.ip_set_reference_statement() {
        WafStatement::IpSet {
            arn: ip.arn().to_string(),
            forwarded_header: ip
                .ip_set_forwarded_ip_config()
                .map(|c| c.header_name().to_string())
                .filter(|h| !h.is_empty()),
            fallback_match: ip
                .ip_set_forwarded_ip_config()
                .is_some_and(|c| c.fallback_behavior() == &sdk::FallbackBehavior::Match),
        }
    } else if let Some(geo) = s.geo_match_statement() {
        WafStatement::Geo {
            country_codes: geo.country_codes().iter().map(|c| c.as_str().to_string()).collect(),
            forwarded_header: geo
                .forwarded_ip_config()
                .map(|c| c.header_name().to_string())
                .filter(|h| !h.is_empty()),
            fallback_match: geo
                .forwarded_ip_config()
                .is_some_and(|c| c.fallback_behavior() == &sdk::FallbackBehavior::Match),
        }
    } else if let Some(rate) = s.rate_based_statement() {
        WafStatement::RateBased {
            limit: rate.limit(),
            scope_down: rate
                .scope_down_statement()
                .map(|inner| Box::new(statement_from_sdk(inner))),
        }
    } else if let Some(group) = s.managed_rule_group_statement() {
        managed_rule_group(group)
    } else if let Some(group) = s.rule_group_reference_statement() {
        WafStatement::RuleGroup {
            arn: group.arn().to_string(),
        }
    } else if let Some(m) = s.byte_match_statement() {
        // The search string is often a shared secret (an origin-verify header's value): it is
        // never kept, so nothing downstream can show, publish or store it.
        WafStatement::Match {
            field: field_name(m.field_to_match()),
            description: format!(
                "{} a {}-byte string",
                m.positional_constraint().as_str().to_lowercase().replace('_', " "),
                m.search_string().as_ref().len()
            ),
        }
    } else if let Some(m) = s.regex_match_statement() {
        // A pattern can spell a secret as well as a search string can.
        WafStatement::Match {
            field: field_name(m.field_to_match()),
            description: format!(
                "matches a {}-character regular expression",
                m.regex_string().chars().count()
            ),
        }
    } else if let Some(m) = s.regex_pattern_set_reference_statement() {
        WafStatement::Match {
            field: field_name(m.field_to_match()),
            description: format!("matches regex set {}", m.arn()),
        }
    } else if let Some(and) = s.and_statement() {
        WafStatement::And {
            statements: and.statements().iter().map(statement_from_sdk).collect(),
        }
    } else if let Some(or) = s.or_statement() {
        WafStatement::Or {
            statements: or.statements().iter().map(statement_from_sdk).collect(),
        }
    } else if let Some(not) = s.not_statement() {
        WafStatement::Not {
            statement: Box::new(
                not.statement()
                    .map(statement_from_sdk)
                    .unwrap_or(WafStatement::Other { kind: "empty".into() }),
            ),
        }
    } else {
        let kind = if s.sqli_match_statement().is_some() {
            "SQL injection match"
        } else if s.xss_match_statement().is_some() {
            "XSS match"
        } else if s.size_constraint_statement().is_some() {
            "size constraint"
        } else if s.label_match_statement().is_some() {
            "label match"
        } else if s.asn_match_statement().is_some() {
            "ASN match"
        } else {
            "unknown statement"
        };
        WafStatement::Other { kind: kind.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_split_into_scope_name_and_id() {
        let arn = parse_arn("arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/edge-acl/a1b2-c3").unwrap();
        assert_eq!(
            (arn.scope, arn.name, arn.id),
            (sdk::Scope::Regional, "edge-acl", "a1b2-c3")
        );
        assert!(parse_arn("arn:aws:waf-regional:eu-west-1:111122223333:webacl/abc").is_none());
        assert!(parse_arn("garbage").is_none());
    }
}
