//! GC104 dualstack-policy-ipv4-only.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::{Part, RestApi};
use crate::policy::{Effect, Policy};
use crate::report::{Finding, Severity};
use ipnet::IpNet;
use std::net::IpAddr;

pub static CHECK: Check = Check {
    meta: &META,
    run: dualstack_policy_ipv4_only,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC104",
    name: "dualstack-policy-ipv4-only",
    severity: Severity::High,
    severity_note: "",
    title: "A dual-stack API's resource policy names only IPv4 ranges",
    symptom: "Callers that reach the API over IPv6 get 403 {\"message\":\"User: anonymous is not authorized...\"} from an IPv4 allow list, or pass an IPv4 block list it was meant to apply.",
    why: "With ipAddressType dualstack, API Gateway takes IPv6 calls, and aws:SourceIp is then an IPv6 address: it matches no IPv4 range.",
    fix: "Add the callers' IPv6 ranges beside the IPv4 ones in the policy (or set the endpoint's IP address type back to ipv4), then redeploy.",
    cli: "aws apigateway get-rest-api --region {region} --rest-api-id {api_id} --query policy --output text",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-ip-address-type.html",
    reads: &[Part::RestApis, Part::ResourcePolicies],
};

fn is_ipv4(range: &str) -> Option<bool> {
    let range = range.trim();
    range
        .parse::<IpNet>()
        .map(|n| matches!(n, IpNet::V4(_)))
        .or_else(|_| range.parse::<IpAddr>().map(|a| a.is_ipv4()))
        .ok()
}

/// The IPv4 ranges a policy uses to let callers in, and those it uses to keep them out,
/// when every range it names is IPv4; None when it names an IPv6 range or none at all.
fn ipv4_only(policy: &Policy) -> Option<(Vec<&str>, Vec<&str>)> {
    let (mut admits, mut refuses) = (Vec::new(), Vec::new());
    for s in policy.statements.iter().filter(|s| s.covers_invoke) {
        let allow = s.effect == Some(Effect::Allow);
        for range in &s.source_ips {
            // Allow from these / Deny from these.
            if allow {
                admits.push(range.as_str())
            } else {
                refuses.push(range.as_str())
            }
        }
        for range in &s.not_source_ips {
            // Deny unless from these admits only them; Allow unless from these keeps them out.
            if allow {
                refuses.push(range.as_str())
            } else {
                admits.push(range.as_str())
            }
        }
    }
    let all = admits.iter().chain(&refuses);
    let ipv4 = all.clone().all(|r| is_ipv4(r) == Some(true));
    (ipv4 && all.count() > 0).then_some((admits, refuses))
}

fn is_dualstack(api: &RestApi) -> bool {
    api.ip_address_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("dualstack"))
}

/// Whether `api` takes IPv6 calls while `policy` names only IPv4 ranges: the place of this
/// check, for explain's resource-policy gate as for the audit.
pub fn ipv4_only_on_dualstack(api: &RestApi, policy: &Policy) -> bool {
    is_dualstack(api) && ipv4_only(policy).is_some()
}

fn dualstack_policy_ipv4_only(facts: &Facts) -> Vec<Finding> {
    facts
        .policies()
        .filter(|(api, _)| is_dualstack(api))
        .filter_map(|(api, policy)| {
            let policy = policy?.as_ref().ok()?;
            let (admits, refuses) = ipv4_only(policy)?;
            let mut detail = format!(
                "{} ({}) takes IPv6 calls (ipAddressType dualstack), but its resource policy names only IPv4 ranges.",
                api.name, api.id
            );
            if !admits.is_empty() {
                detail.push_str(&format!(
                    " It lets callers in only from {}: IPv6 callers are refused.",
                    admits.join(", ")
                ));
            }
            if !refuses.is_empty() {
                detail.push_str(&format!(
                    " It keeps out {}: IPv6 callers are not kept out by it.",
                    refuses.join(", ")
                ));
            }
            Some(META.finding(facts.snapshot).api(api).detail(detail).build())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;

    fn dualstack(policy: &str) -> crate::model::Snapshot {
        let mut s = healthy();
        s.rest_apis[0].ip_address_type = Some("dualstack".into());
        s.rest_apis[0].policy = Some(policy.into());
        s
    }

    const IPV4_DENY: &str = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24"]}}}]}"#;
    const BOTH: &str = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}}]}"#;

    #[test]
    fn gc104_fires_for_an_ipv4_allow_list_on_a_dualstack_api() {
        let findings = run(&CHECK, &dualstack(IP_POLICY));
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC104"]);
        assert!(
            findings[0].detail.contains("IPv6 callers are refused"),
            "{}",
            findings[0].detail
        );
        let deny = run(&CHECK, &dualstack(IPV4_DENY));
        assert!(deny[0].detail.contains("not kept out"), "{}", deny[0].detail);
    }

    #[test]
    fn gc104_is_quiet_for_ipv4_endpoints_ipv6_ranges_or_no_ip_condition() {
        let mut ipv4 = dualstack(IP_POLICY);
        ipv4.rest_apis[0].ip_address_type = Some("ipv4".into());
        assert!(run(&CHECK, &ipv4).is_empty());
        assert!(run(&CHECK, &dualstack(BOTH)).is_empty());
        assert!(run(&CHECK, &dualstack(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#)).is_empty());
        assert!(run(&CHECK, &healthy()).is_empty());
    }
}
