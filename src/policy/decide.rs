//! Deciding one request against a resource policy, with three answers. The checks (GC102,
//! GC103, GC104, GC503) ask it of every caller a place could have; explain asks it of one.

use super::{Effect, Policy, Statement};
use crate::tri::Tri;
use ipnet::IpNet;
use std::net::IpAddr;

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
    /// `{stage}/{VERB}{path}`, as execute-api resource ARNs end; None for any resource.
    pub resource: Option<String>,
    /// The API called, which ARN resource patterns are matched against; None for any API.
    pub api_id: Option<&'a str>,
}

impl<'a> Caller<'a> {
    /// Any request through a VPC interface endpoint (`vpce`, or any endpoint when None), by
    /// any principal, to any resource of the API: what a check asks of a place, where explain
    /// asks of one request.
    pub fn any_through_endpoint(vpce: Option<&'a str>) -> Caller<'a> {
        Caller {
            source_ip: None,
            path: NetworkPath::VpcEndpoint(vpce),
            signed: true,
            resource: None,
            api_id: None,
        }
    }

    /// Any unsigned request (an anonymous caller) through VPC endpoint `vpce` to any resource
    /// of API `api_id`, or any signed one when `signed`: what GC109 asks of an endpoint's policy.
    pub fn any_to_api(vpce: &'a str, api_id: &'a str, signed: bool) -> Caller<'a> {
        Caller {
            source_ip: None,
            path: NetworkPath::VpcEndpoint(Some(vpce)),
            signed,
            resource: None,
            api_id: Some(api_id),
        }
    }
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

/// The API an ARN resource pattern names (`arn:aws:execute-api:r:acct:{api}/...`); None for
/// `*` and the short `execute-api:/...` form, which name the policy's own API.
fn resource_api(pattern: &str) -> Option<&str> {
    if pattern == "*" || pattern.starts_with("execute-api:/") {
        return None;
    }
    let last = pattern.rsplit(':').next().unwrap_or(pattern);
    Some(last.split_once('/').map_or(last, |(api, _)| api))
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
    // Patterns that name another API do not cover this one (an endpoint's policy names APIs).
    let this_api = |r: &&String| match (resource_api(r), caller.api_id) {
        (Some(pattern), Some(api)) => glob(pattern, api),
        _ => true,
    };
    let patterns: Vec<&String> = s.resources.iter().filter(this_api).collect();
    let resource = match &caller.resource {
        _ if s.resources.is_empty() => Tri::Yes,
        _ if patterns.is_empty() => Tri::No,
        _ if patterns.iter().any(|r| resource_tail(r) == "*") => Tri::Yes,
        Some(resource) => Tri::from_bool(patterns.iter().any(|r| glob(&resource_tail(r), resource))),
        None => Tri::Maybe("the statement names some of the API's resources".into()),
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

impl PolicyDecision {
    /// Whether the request may get through: allowed, or not certainly refused.
    pub fn may_admit(&self) -> bool {
        matches!(self, PolicyDecision::Allowed(_) | PolicyDecision::Unknown(_))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(ip: Option<&str>, vpce: Option<&'static str>) -> Caller<'static> {
        Caller {
            source_ip: ip.map(|i| i.parse().unwrap()),
            path: match vpce {
                Some(id) => NetworkPath::VpcEndpoint(Some(id)),
                None => NetworkPath::Internet,
            },
            signed: false,
            resource: Some("prod/GET/orders".into()),
            api_id: Some("a1"),
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
}
