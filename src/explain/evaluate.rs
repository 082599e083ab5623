//! Deciding one request against a resource policy and a web ACL, with three answers: yes,
//! no, or "can't tell" with the reason (a condition gatecheck cannot see, an IP not given).

use crate::model::{Index, WafAction, WafStatement, WebAcl};
use crate::policy::{Effect, Policy, Statement};
use ipnet::IpNet;
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tri {
    Yes,
    No,
    /// Can't tell, and why.
    Maybe(String),
}

impl Tri {
    fn from_bool(b: bool) -> Tri {
        if b {
            Tri::Yes
        } else {
            Tri::No
        }
    }

    /// All must hold: a No decides; else a Maybe; else Yes.
    fn all(items: impl IntoIterator<Item = Tri>) -> Tri {
        let mut maybe = None;
        for item in items {
            match item {
                Tri::No => return Tri::No,
                Tri::Maybe(why) => maybe = maybe.or(Some(why)),
                Tri::Yes => {}
            }
        }
        maybe.map_or(Tri::Yes, Tri::Maybe)
    }

    /// One must hold: a Yes decides; else a Maybe; else No.
    fn any(items: impl IntoIterator<Item = Tri>) -> Tri {
        let mut maybe = None;
        for item in items {
            match item {
                Tri::Yes => return Tri::Yes,
                Tri::Maybe(why) => maybe = maybe.or(Some(why)),
                Tri::No => {}
            }
        }
        maybe.map_or(Tri::No, Tri::Maybe)
    }

    fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            maybe => maybe,
        }
    }
}

/// Whether `ip` is in any of `cidrs` (a bare address counts as a /32 or /128).
pub fn ip_in(ip: IpAddr, cidrs: &[String]) -> bool {
    cidrs.iter().any(|c| {
        c.trim().parse::<IpNet>().map(|net| net.contains(&ip)).unwrap_or(false)
            || c.trim().parse::<IpAddr>().map(|a| a == ip).unwrap_or(false)
    })
}

/// How the request reaches API Gateway, which decides the condition keys it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkPath<'a> {
    /// Over the internet: `aws:SourceIp` is set, `aws:SourceVpc(e)` are absent.
    Internet,
    /// Through a VPC interface endpoint (its id, when the host names it): `aws:SourceIp` is
    /// absent.
    VpcEndpoint(Option<&'a str>),
}

/// What a policy condition can know about the caller.
#[derive(Debug, Clone)]
pub struct Caller<'a> {
    pub source_ip: Option<IpAddr>,
    pub path: NetworkPath<'a>,
    /// Whether it carries a SigV4 signature (an IAM principal) rather than being anonymous.
    pub signed: bool,
    /// `{stage}/{VERB}{path}`, as execute-api resource ARNs end.
    pub resource: String,
}

/// A `*`/`?` wildcard match, as IAM matches resource patterns.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// `execute-api:/prod/GET/*` or `arn:aws:execute-api:r:acct:api/prod/GET/*` → `prod/GET/*`.
fn resource_tail(pattern: &str) -> String {
    if pattern == "*" {
        return "*".into();
    }
    if let Some(tail) = pattern.strip_prefix("execute-api:/") {
        return tail.to_string();
    }
    let last = pattern.rsplit(':').next().unwrap_or(pattern);
    match last.split_once('/') {
        Some((_api, tail)) => tail.to_string(),
        None => last.to_string(),
    }
}

fn statement_applies(s: &Statement, caller: &Caller) -> Tri {
    if !s.covers_invoke {
        return Tri::No;
    }
    let principal = if s.principals.iter().any(|p| p == "*") {
        Tri::Yes
    } else if s.principals.iter().any(|p| p.starts_with("not:")) || caller.signed {
        Tri::Maybe("the statement names principals; gatecheck cannot tell who signed the request".into())
    } else {
        Tri::No
    };
    let resource = if s.resources.is_empty() {
        Tri::Yes
    } else {
        Tri::from_bool(s.resources.iter().any(|r| glob(&resource_tail(r), &caller.resource)))
    };
    // Through a VPC endpoint there is no aws:SourceIp and no public path has aws:SourceVpce.
    // A condition on an absent key is false, and a negated one is true.
    let ip = |cidrs: &[String], negated: bool| -> Tri {
        if cidrs.is_empty() {
            return Tri::Yes;
        }
        if let NetworkPath::VpcEndpoint(_) = caller.path {
            return Tri::from_bool(negated);
        }
        match caller.source_ip {
            Some(ip) => Tri::from_bool(ip_in(ip, cidrs) != negated),
            None => Tri::Maybe("the policy has aws:SourceIp conditions: pass --source-ip".into()),
        }
    };
    let vpce = |ids: &[String], negated: bool| -> Tri {
        if ids.is_empty() {
            return Tri::Yes;
        }
        match caller.path {
            NetworkPath::VpcEndpoint(Some(id)) => Tri::from_bool(ids.iter().any(|v| v == id) != negated),
            NetworkPath::VpcEndpoint(None) => Tri::Maybe(
                "the policy has aws:SourceVpce conditions: call through the endpoint's DNS name so gatecheck knows which endpoint".into(),
            ),
            NetworkPath::Internet => Tri::from_bool(negated),
        }
    };
    let vpc = |ids: &[String], negated: bool| -> Tri {
        if ids.is_empty() {
            return Tri::Yes;
        }
        match caller.path {
            NetworkPath::VpcEndpoint(_) => {
                Tri::Maybe("the policy has aws:SourceVpc conditions; gatecheck cannot see the caller's VPC".into())
            }
            NetworkPath::Internet => Tri::from_bool(negated),
        }
    };
    let other = if s.other_conditions.is_empty() {
        Tri::Yes
    } else {
        Tri::Maybe(format!(
            "the policy has conditions gatecheck does not evaluate: {}",
            s.other_conditions.join(", ")
        ))
    };
    Tri::all([
        principal,
        resource,
        ip(&s.source_ips, false),
        ip(&s.not_source_ips, true),
        vpce(&s.source_vpces, false),
        vpce(&s.not_source_vpces, true),
        vpc(&s.source_vpcs, false),
        vpc(&s.not_source_vpcs, true),
        other,
    ])
}

/// A resource policy's answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyDecision {
    /// An Allow statement matches (the description of the first).
    Allowed(String),
    /// A Deny statement matches.
    ExplicitDeny(String),
    /// No Allow matches.
    ImplicitDeny,
    Unknown(String),
}

/// Only the policy's Deny statements: what a Lambda authorizer's pre-authorization check
/// looks for. ImplicitDeny here means no Deny statement matches.
pub fn decide_explicit_deny(policy: &Policy, caller: &Caller) -> PolicyDecision {
    let mut unknown = None;
    for s in policy.statements.iter().filter(|s| s.effect == Some(Effect::Deny)) {
        match statement_applies(s, caller) {
            Tri::Yes => return PolicyDecision::ExplicitDeny(s.describe()),
            Tri::Maybe(why) => unknown = unknown.or(Some(why)),
            Tri::No => {}
        }
    }
    unknown.map_or(PolicyDecision::ImplicitDeny, PolicyDecision::Unknown)
}

pub fn decide_policy(policy: &Policy, caller: &Caller) -> PolicyDecision {
    let of = |effect| policy.statements.iter().filter(move |s| s.effect == Some(effect));
    let mut unknown = None;
    for s in of(Effect::Deny) {
        match statement_applies(s, caller) {
            Tri::Yes => return PolicyDecision::ExplicitDeny(s.describe()),
            Tri::Maybe(why) => unknown = unknown.or(Some(why)),
            Tri::No => {}
        }
    }
    let allow = Tri::any(of(Effect::Allow).map(|s| statement_applies(s, caller)));
    match (allow, unknown) {
        (_, Some(why)) => PolicyDecision::Unknown(why),
        (Tri::Yes, None) => {
            let first = of(Effect::Allow).find(|s| statement_applies(s, caller) == Tri::Yes);
            PolicyDecision::Allowed(first.map(Statement::describe).unwrap_or_default())
        }
        (Tri::Maybe(why), None) => PolicyDecision::Unknown(why),
        (Tri::No, None) => PolicyDecision::ImplicitDeny,
    }
}

/// What a web ACL can see of a request: the source address and the headers.
#[derive(Clone, Copy)]
pub struct WafCaller<'a> {
    pub source_ip: Option<IpAddr>,
    /// A header's value by name (for IP sets matched on a forwarded-IP header).
    pub header: &'a dyn Fn(&str) -> Option<String>,
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
        } => match (index.ip_set(arn), (caller.header)(header)) {
            (None, _) => Tri::Maybe(format!("IP set {arn} could not be read")),
            (Some(_), None) => Tri::No,
            (Some(set), Some(value)) => match first_forwarded_address(&value) {
                Some(ip) => Tri::from_bool(ip_in(ip, &set.addresses)),
                None => Tri::from_bool(*fallback_match),
            },
        },
        WafStatement::IpSet { arn, .. } => match (index.ip_set(arn), caller.source_ip) {
            (None, _) => Tri::Maybe(format!("IP set {arn} could not be read")),
            (Some(_), None) => Tri::Maybe("the web ACL matches on IP sets: pass --source-ip".into()),
            (Some(set), Some(ip)) => Tri::from_bool(ip_in(ip, &set.addresses)),
        },
        // One request does not exceed a rate limit.
        WafStatement::RateBased { .. } => Tri::No,
        WafStatement::Geo {
            forwarded_header: Some(header),
            fallback_match,
            ..
        } if (caller.header)(header).is_some_and(|value| first_forwarded_address(&value).is_none()) => {
            Tri::from_bool(*fallback_match)
        }
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
        WafStatement::Not { statement } => statement_matches(statement, index, caller).not(),
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
        } => (caller.header)(header).is_none().then(|| header.clone()),
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

    fn caller(ip: Option<&str>, vpce: Option<&'static str>) -> Caller<'static> {
        Caller {
            source_ip: ip.map(|i| i.parse().unwrap()),
            path: match vpce {
                Some(id) => NetworkPath::VpcEndpoint(Some(id)),
                None => NetworkPath::Internet,
            },
            signed: false,
            resource: "prod/GET/orders".into(),
        }
    }

    #[test]
    fn globs() {
        assert!(glob("*", "prod/GET/a"));
        assert!(glob("prod/GET/*", "prod/GET/a/b"));
        assert!(glob("prod/*/orders", "prod/POST/orders"));
        assert!(!glob("prod/GET/*", "dev/GET/a"));
        assert!(glob("prod/?ET/a", "prod/GET/a"));
        assert_eq!(
            resource_tail("arn:aws:execute-api:eu-west-1:1:abc/prod/GET/*"),
            "prod/GET/*"
        );
        assert_eq!(resource_tail("execute-api:/*"), "*");
    }

    #[test]
    fn ip_allowlist_policy() {
        let policy = Policy::parse(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24"]}}}]}"#).unwrap();
        assert!(matches!(
            decide_policy(&policy, &caller(Some("203.0.113.9"), None)),
            PolicyDecision::Allowed(_)
        ));
        assert_eq!(
            decide_policy(&policy, &caller(Some("192.0.2.1"), None)),
            PolicyDecision::ImplicitDeny
        );
        assert!(
            matches!(decide_policy(&policy, &caller(None, None)), PolicyDecision::Unknown(w) if w.contains("--source-ip"))
        );
    }

    #[test]
    fn vpce_policy() {
        let policy = Policy::parse(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}]}"#).unwrap();
        assert!(matches!(
            decide_policy(&policy, &caller(None, Some("vpce-1"))),
            PolicyDecision::Allowed(_)
        ));
        assert!(matches!(
            decide_policy(&policy, &caller(None, Some("vpce-2"))),
            PolicyDecision::ExplicitDeny(_)
        ));
        // From the internet the key is absent: StringNotEquals holds, so the Deny applies.
        assert!(matches!(
            decide_policy(&policy, &caller(Some("192.0.2.1"), None)),
            PolicyDecision::ExplicitDeny(_)
        ));
    }

    #[test]
    fn resource_scoped_policy() {
        let policy = Policy::parse(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/POST/*"}]}"#).unwrap();
        assert_eq!(
            decide_policy(&policy, &caller(None, None)),
            PolicyDecision::ImplicitDeny
        );
        let named = Policy::parse(r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"execute-api:Invoke","Resource":"*"}]}"#).unwrap();
        assert_eq!(decide_policy(&named, &caller(None, None)), PolicyDecision::ImplicitDeny);
        let signed = Caller {
            signed: true,
            ..caller(None, None)
        };
        assert!(matches!(decide_policy(&named, &signed), PolicyDecision::Unknown(_)));
    }

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
            header: &no_headers,
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
            header: &outside,
        };
        assert!(matches!(
            decide_waf(&acl, &index, caller),
            WafDecision::Refused { status: 403, .. }
        ));
        let inside = |name: &str| (name == "X-Forwarded-For").then(|| "198.51.100.7".to_string());
        let caller = WafCaller {
            source_ip: None,
            header: &inside,
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
            header: &garbage,
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
