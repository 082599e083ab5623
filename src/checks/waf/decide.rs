//! Deciding one request against a web ACL, in AWS WAF's order, with three answers. GC201 and
//! GC202 ask it of any request (can a rule match at all?); explain's WAF gate asks it of one.

use crate::model::{Index, WafAction, WafStatement, WebAcl};
use crate::policy::decide::ip_in;
use crate::tri::Tri;
use std::net::IpAddr;

/// A request's header value by name.
pub type HeaderLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// What a web ACL can see of a request: the source address and the headers.
#[derive(Clone, Copy)]
pub struct WafCaller<'a> {
    pub source_ip: Option<IpAddr>,
    /// A header's value by name (for IP sets matched on a forwarded-IP header); None when the
    /// headers are unknown, as they are for `ANY`.
    pub headers: Option<HeaderLookup<'a>>,
}

impl WafCaller<'_> {
    /// Any request at all: what the checks ask of a web ACL (can this rule match someone?).
    pub const ANY: WafCaller<'static> = WafCaller {
        source_ip: None,
        headers: None,
    };

    /// The header's value: Some(None) when the request lacks it, None when it is unknown.
    fn header(&self, name: &str) -> Option<Option<String>> {
        self.headers.map(|lookup| lookup(name))
    }
}

/// Whether some request can match `statement`, decided as one request is: a rule no request
/// can match (an empty IP set, a geo match on no country) lets no one through.
pub fn can_match(statement: &WafStatement, index: &Index) -> bool {
    statement_matches(statement, index, WafCaller::ANY) != Tri::No
}

fn statement_matches(statement: &WafStatement, index: &Index, caller: WafCaller) -> Tri {
    match statement {
        // With IPSetForwardedIPConfig the set is matched against the header's first address,
        // not the source IP; a header that holds no valid address takes FallbackBehavior (a
        // request without the header never gets here: see `skipped_for_missing_header`).
        // AWS WAF developer guide, "Using forwarded IP addresses".
        WafStatement::IpSet {
            arn,
            forwarded_header: Some(header),
            fallback_match,
        } => match (index.ip_set(arn), caller.header(header)) {
            (None, _) => Tri::Maybe(format!("IP set {arn} could not be read")),
            (Some(_), Some(None)) => Tri::No,
            (Some(set), Some(Some(value))) => match first_forwarded_address(&value) {
                Some(ip) => Tri::from_bool(ip_in(ip, &set.addresses)),
                None => Tri::from_bool(*fallback_match),
            },
            (Some(set), None) if set.addresses.is_empty() && !fallback_match => Tri::No,
            (Some(_), None) => Tri::Maybe(format!("the web ACL matches the {header} header on IP sets")),
        },
        WafStatement::IpSet { arn, .. } => match (index.ip_set(arn), caller.source_ip) {
            (None, _) => Tri::Maybe(format!("IP set {arn} could not be read")),
            // No address is in an empty set.
            (Some(set), _) if set.addresses.is_empty() => Tri::No,
            (Some(_), None) => Tri::Maybe("the web ACL matches on IP sets: pass --source-ip".into()),
            (Some(set), Some(ip)) => Tri::from_bool(ip_in(ip, &set.addresses)),
        },
        // One request does not exceed a rate limit; many requests may, where the scope-down
        // statement lets them be counted.
        WafStatement::RateBased { scope_down, .. } => match (caller.headers, scope_down) {
            (Some(_), _) => Tri::No,
            (None, Some(inner)) if statement_matches(inner, index, caller) == Tri::No => Tri::No,
            (None, _) => Tri::Maybe("a rate-based rule matches callers over its rate".into()),
        },
        WafStatement::Geo {
            forwarded_header: Some(header),
            fallback_match,
            ..
        } if caller
            .header(header)
            .is_some_and(|value| value.is_some_and(|value| first_forwarded_address(&value).is_none())) =>
        {
            Tri::from_bool(*fallback_match)
        }
        WafStatement::Geo {
            country_codes,
            fallback_match,
            forwarded_header,
        } if country_codes.is_empty() && !(forwarded_header.is_some() && *fallback_match) => Tri::No,
        WafStatement::Geo { country_codes, .. } => Tri::Maybe(format!(
            "a geo match on {} depends on where the caller is",
            country_codes.join(", ")
        )),
        WafStatement::ManagedRuleGroup { vendor, name, .. } => Tri::Maybe(format!(
            "managed rule group {vendor}/{name} inspects the request's content"
        )),
        WafStatement::RuleGroup { arn } => Tri::Maybe(format!("rule group {arn} is not evaluated")),
        WafStatement::Match { description, .. } => Tri::Maybe(format!("{description} is not evaluated")),
        WafStatement::Other { kind } => Tri::Maybe(format!("a {kind} statement is not evaluated")),
        WafStatement::And { statements } => Tri::all(statements.iter().map(|s| statement_matches(s, index, caller))),
        WafStatement::Or { statements } => Tri::any(statements.iter().map(|s| statement_matches(s, index, caller))),
        WafStatement::Not { statement } => !statement_matches(statement, index, caller),
    }
}

/// A web ACL's answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WafDecision {
    /// Let through, by this rule or by the default action (None).
    Allowed(Option<String>),
    /// Refused by this rule or by the default action (None), with the terminating action and
    /// the status code the caller gets: a Block's custom response code or 403, 405 for
    /// CAPTCHA, 202 for Challenge (AWS WAF developer guide, "CAPTCHA and Challenge").
    Refused {
        rule: Option<String>,
        action: WafAction,
        status: u16,
    },
    Unknown(String),
}

/// The first address of a forwarded-IP header (`X-Forwarded-For: client, proxy`), if it is one.
fn first_forwarded_address(value: &str) -> Option<IpAddr> {
    value.split(',').next().map(str::trim).and_then(|a| a.parse().ok())
}

/// The forwarded-IP header a statement inspects and the request lacks: AWS WAF does not apply
/// such a rule to the request at all, whatever else it says (AWS WAF developer guide, "Using
/// forwarded IP addresses").
fn skipped_for_missing_header(statement: &WafStatement, caller: WafCaller) -> Option<String> {
    match statement {
        WafStatement::IpSet {
            forwarded_header: Some(header),
            ..
        }
        | WafStatement::Geo {
            forwarded_header: Some(header),
            ..
        } => (caller.header(header) == Some(None)).then(|| header.clone()),
        WafStatement::And { statements } | WafStatement::Or { statements } => {
            statements.iter().find_map(|s| skipped_for_missing_header(s, caller))
        }
        WafStatement::Not { statement } => skipped_for_missing_header(statement, caller),
        WafStatement::RateBased {
            scope_down: Some(statement),
            ..
        } => skipped_for_missing_header(statement, caller),
        _ => None,
    }
}

pub fn decide_waf(acl: &WebAcl, index: &Index, caller: WafCaller) -> WafDecision {
    let mut rules: Vec<_> = acl.rules.iter().collect();
    rules.sort_by_key(|r| r.priority);
    // Rules that might have matched before the deciding one, with the action they would take.
    let mut undecided: Vec<(WafAction, String)> = Vec::new();
    let mut decision = (acl.default_action, None, acl.default_block_status);
    for rule in rules {
        if rule.action == WafAction::Count || skipped_for_missing_header(&rule.statement, caller).is_some() {
            continue;
        }
        match statement_matches(&rule.statement, index, caller) {
            Tri::No => {}
            Tri::Yes => {
                decision = (rule.action, Some(rule.name.clone()), rule.block_status);
                break;
            }
            Tri::Maybe(why) => undecided.push((rule.action, format!("rule {}: {why}", rule.name))),
        }
    }
    let admits = |action: WafAction| match action {
        WafAction::Allow | WafAction::Count => Some(true),
        WafAction::Block | WafAction::Captcha | WafAction::Challenge => Some(false),
        WafAction::UseGroupActions => None,
    };
    let outcome = admits(decision.0);
    if let Some((_, why)) = undecided
        .iter()
        .find(|(action, _)| outcome.is_none() || admits(*action) != outcome)
    {
        return WafDecision::Unknown(why.clone());
    }
    let (action, rule, block_status) = decision;
    match outcome {
        Some(true) => WafDecision::Allowed(rule),
        Some(false) => WafDecision::Refused {
            rule,
            action,
            status: match action {
                WafAction::Captcha => 405,
                WafAction::Challenge => 202,
                _ => block_status.unwrap_or(403),
            },
        },
        None => WafDecision::Unknown(format!(
            "rule {} applies its rule group's own actions, which are not evaluated",
            rule.unwrap_or_default()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{IpSet, Snapshot, WafRule};

    fn acl(default: WafAction, rules: Vec<(&str, WafAction, WafStatement)>) -> WebAcl {
        WebAcl {
            arn: "arn:acl".into(),
            name: "acl".into(),
            default_action: default,
            default_block_status: None,
            read_at_ms: None,
            rules: rules
                .into_iter()
                .enumerate()
                .map(|(i, (name, action, statement))| WafRule {
                    name: name.into(),
                    priority: i as i32,
                    action,
                    block_status: None,
                    statement,
                    oversize_matches: false,
                    firewall_manager: false,
                })
                .collect(),
        }
    }

    fn no_headers(_: &str) -> Option<String> {
        None
    }

    fn by_ip(source_ip: Option<IpAddr>) -> WafCaller<'static> {
        WafCaller {
            source_ip,
            headers: Some(&no_headers),
        }
    }

    fn snapshot_with_set() -> Snapshot {
        let mut s = Snapshot::new(Default::default(), "eu-west-1");
        s.ip_sets.push(IpSet {
            arn: "arn:set".into(),
            name: "office".into(),
            addresses: vec!["198.51.100.0/24".into(), "2001:db8::/32".into()],
        });
        s
    }

    /// The checks' question (can any request match?) is the same decision with nothing known
    /// of the request: an empty set or country list matches no one, unless a forwarded-IP
    /// rule's fallback is MATCH (AWS WAF developer guide, "Using forwarded IP addresses").
    #[test]
    fn can_match_is_the_decision_for_any_request() {
        let mut s = snapshot_with_set();
        let index = Index::new(&s);
        let set = |forwarded: Option<&str>, fallback_match| WafStatement::IpSet {
            arn: "arn:set".into(),
            forwarded_header: forwarded.map(Into::into),
            fallback_match,
        };
        assert!(can_match(&set(None, false), &index));
        assert!(can_match(&set(Some("X-Forwarded-For"), false), &index));
        drop(index);
        s.ip_sets[0].addresses.clear();
        let index = Index::new(&s);
        assert!(!can_match(&set(None, false), &index));
        assert!(!can_match(&set(Some("X-Forwarded-For"), false), &index));
        assert!(can_match(&set(Some("X-Forwarded-For"), true), &index));
        let rate = |inner| WafStatement::RateBased {
            limit: 100,
            scope_down: Some(Box::new(inner)),
        };
        assert!(!can_match(&rate(set(None, false)), &index));
        assert!(can_match(
            &WafStatement::Not {
                statement: Box::new(set(None, false))
            },
            &index
        ));
    }

    #[test]
    fn waf_default_block_with_allow_set() {
        let snapshot = snapshot_with_set();
        let set = || WafStatement::IpSet {
            arn: "arn:set".into(),
            forwarded_header: None,
            fallback_match: false,
        };
        let acl = acl(WafAction::Block, vec![("office", WafAction::Allow, set())]);
        let ip = |s: &str| Some(s.parse().unwrap());
        assert_eq!(
            decide_waf(&acl, &Index::new(&snapshot), by_ip(ip("198.51.100.7"))),
            WafDecision::Allowed(Some("office".into()))
        );
        assert_eq!(
            decide_waf(&acl, &Index::new(&snapshot), by_ip(ip("2001:db8::1"))),
            WafDecision::Allowed(Some("office".into()))
        );
        assert_eq!(
            decide_waf(&acl, &Index::new(&snapshot), by_ip(ip("192.0.2.1"))),
            WafDecision::Refused {
                rule: None,
                action: WafAction::Block,
                status: 403
            }
        );
        assert!(
            matches!(decide_waf(&acl, &Index::new(&snapshot), by_ip(None)), WafDecision::Unknown(w) if w.contains("--source-ip"))
        );
    }

    #[test]
    fn waf_rules_in_priority_order_and_unknowns() {
        let snapshot = snapshot_with_set();
        let set = || WafStatement::IpSet {
            arn: "arn:set".into(),
            forwarded_header: None,
            fallback_match: false,
        };
        let geo = || WafStatement::Geo {
            country_codes: vec!["KP".into()],
            forwarded_header: None,
            fallback_match: false,
        };
        let blocklist = acl(
            WafAction::Allow,
            vec![
                ("count-all", WafAction::Count, set()),
                ("block-office", WafAction::Block, set()),
            ],
        );
        let ip = Some("198.51.100.1".parse().unwrap());
        assert_eq!(
            decide_waf(&blocklist, &Index::new(&snapshot), by_ip(ip)),
            WafDecision::Refused {
                rule: Some("block-office".into()),
                action: WafAction::Block,
                status: 403
            }
        );
        let not = acl(
            WafAction::Allow,
            vec![(
                "not-office",
                WafAction::Block,
                WafStatement::Not {
                    statement: Box::new(set()),
                },
            )],
        );
        assert_eq!(
            decide_waf(&not, &Index::new(&snapshot), by_ip(ip)),
            WafDecision::Allowed(None)
        );
        let geo_block = acl(WafAction::Allow, vec![("geo", WafAction::Block, geo())]);
        assert!(matches!(
            decide_waf(&geo_block, &Index::new(&snapshot), by_ip(ip)),
            WafDecision::Unknown(_)
        ));
        // An uncertain Allow rule does not matter when the default allows anyway.
        let geo_allow = acl(WafAction::Allow, vec![("geo", WafAction::Allow, geo())]);
        assert_eq!(
            decide_waf(&geo_allow, &Index::new(&snapshot), by_ip(ip)),
            WafDecision::Allowed(None)
        );
        let and = acl(
            WafAction::Allow,
            vec![(
                "both",
                WafAction::Block,
                WafStatement::And {
                    statements: vec![set(), geo()],
                },
            )],
        );
        assert_eq!(
            decide_waf(&and, &Index::new(&snapshot), by_ip(Some("192.0.2.1".parse().unwrap()))),
            WafDecision::Allowed(None)
        );
    }

    /// AWS WAF developer guide, "CAPTCHA and Challenge in AWS WAF": a CAPTCHA answers 405
    /// and a Challenge 202 to a request without a valid token; "Custom responses for Block
    /// actions": a Block can answer any status code it sets.
    #[test]
    fn waf_terminating_actions_answer_their_own_status() {
        let snapshot = snapshot_with_set();
        let set = || WafStatement::IpSet {
            arn: "arn:set".into(),
            forwarded_header: None,
            fallback_match: false,
        };
        let ip = by_ip(Some("198.51.100.1".parse().unwrap()));
        let status = |action: WafAction, block_status: Option<u16>| {
            let mut acl = acl(WafAction::Allow, vec![("r", action, set())]);
            acl.rules[0].block_status = block_status;
            match decide_waf(&acl, &Index::new(&snapshot), ip) {
                WafDecision::Refused { status, .. } => status,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(status(WafAction::Captcha, None), 405);
        assert_eq!(status(WafAction::Challenge, None), 202);
        assert_eq!(status(WafAction::Block, None), 403);
        assert_eq!(status(WafAction::Block, Some(429)), 429);
        let mut default_block = acl(WafAction::Block, vec![]);
        default_block.default_block_status = Some(451);
        assert!(matches!(
            decide_waf(&default_block, &Index::new(&snapshot), ip),
            WafDecision::Refused {
                status: 451,
                rule: None,
                ..
            }
        ));
    }

    /// AWS WAF developer guide, "Using forwarded IP addresses": with IPSetForwardedIPConfig
    /// the IP set matches the header's address, not the source IP.
    #[test]
    fn waf_forwarded_ip_sets_match_the_header() {
        let snapshot = snapshot_with_set();
        let forwarded = WafStatement::IpSet {
            arn: "arn:set".into(),
            forwarded_header: Some("X-Forwarded-For".into()),
            fallback_match: false,
        };
        let acl = acl(WafAction::Block, vec![("office", WafAction::Allow, forwarded)]);
        let index = Index::new(&snapshot);
        // The source IP is in the set, but it is not what the rule reads; without the header
        // the rule is not applied at all, and the default Block refuses.
        let office_source = Some("198.51.100.1".parse().unwrap());
        assert!(matches!(
            decide_waf(&acl, &index, by_ip(office_source)),
            WafDecision::Refused {
                rule: None,
                status: 403,
                ..
            }
        ));
        let outside = |name: &str| (name == "X-Forwarded-For").then(|| "192.0.2.9, 198.51.100.1".to_string());
        let caller = WafCaller {
            source_ip: office_source,
            headers: Some(&outside),
        };
        assert!(matches!(
            decide_waf(&acl, &index, caller),
            WafDecision::Refused { status: 403, .. }
        ));
        let inside = |name: &str| (name == "X-Forwarded-For").then(|| "198.51.100.7".to_string());
        let caller = WafCaller {
            source_ip: None,
            headers: Some(&inside),
        };
        assert_eq!(
            decide_waf(&acl, &index, caller),
            WafDecision::Allowed(Some("office".into()))
        );
    }

    /// AWS WAF developer guide, "Using forwarded IP addresses": a request without the header
    /// is not inspected by the rule at all; one whose header holds no valid address gets the
    /// rule's FallbackBehavior, MATCH or NO_MATCH.
    #[test]
    fn waf_forwarded_ip_rules_skip_requests_without_the_header_and_fall_back_on_invalid_ones() {
        let snapshot = snapshot_with_set();
        let index = Index::new(&snapshot);
        let rule = |fallback_match: bool, action: WafAction| {
            let statement = WafStatement::IpSet {
                arn: "arn:set".into(),
                forwarded_header: Some("X-Forwarded-For".into()),
                fallback_match,
            };
            acl(WafAction::Allow, vec![("forwarded", action, statement)])
        };
        let garbage = |name: &str| (name == "X-Forwarded-For").then(|| "unknown".to_string());
        let with_garbage = WafCaller {
            source_ip: None,
            headers: Some(&garbage),
        };
        assert!(matches!(
            decide_waf(&rule(true, WafAction::Block), &index, with_garbage),
            WafDecision::Refused {
                rule: Some(_),
                status: 403,
                ..
            }
        ));
        assert_eq!(
            decide_waf(&rule(false, WafAction::Block), &index, with_garbage),
            WafDecision::Allowed(None)
        );
        // No header: the Block rule does not apply, whatever its fallback.
        assert_eq!(
            decide_waf(&rule(true, WafAction::Block), &index, by_ip(None)),
            WafDecision::Allowed(None)
        );
        // A geo match on the forwarded address falls back the same way.
        let geo = WafStatement::Geo {
            country_codes: vec!["FR".into()],
            forwarded_header: Some("X-Forwarded-For".into()),
            fallback_match: true,
        };
        let geo_acl = acl(WafAction::Allow, vec![("geo", WafAction::Block, geo)]);
        assert!(matches!(
            decide_waf(&geo_acl, &index, with_garbage),
            WafDecision::Refused { .. }
        ));
        assert_eq!(decide_waf(&geo_acl, &index, by_ip(None)), WafDecision::Allowed(None));
    }
}
