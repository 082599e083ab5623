//! GC106 endpoint-access-mode-strict.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::{DomainName, EndpointType, Part, RestApi, VpcEndpoint};
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: strict_refuses_a_path,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC106",
    name: "endpoint-access-mode-strict",
    severity: Severity::Medium,
    severity_note: "",
    title: "An API's endpoint access mode is STRICT, and some of its callers come another way",
    symptom: "Calls through a custom domain of another endpoint type, or to a private API through the VPC endpoint's own DNS name (with x-apigw-api-id or a Host header), get 403 {\"message\":\"Forbidden\"}; calls to the API's own hostname work.",
    why: "With endpointAccessMode STRICT, API Gateway accepts only requests that arrive through the API's own endpoint type (edge-optimized, Regional or private) and, for Regional and private APIs, whose TLS SNI names the host they call. A VPC endpoint's DNS name is not the API's.",
    fix: "Call the API through a custom domain of its own endpoint type and, for a private API, by its private DNS name (private DNS on the endpoint) or a custom domain; or set the access mode to BASIC while callers move (API settings > Endpoint access mode), then redeploy.",
    cli: "aws apigateway update-rest-api --region {region} --rest-api-id {api_id} --patch-operations op=replace,path=/endpointAccessMode,value=BASIC",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-security-policies.html",
    reads: &[
        Part::RestApis,
        Part::DomainNames,
        Part::BasePathMappings,
        Part::RoutingRules,
        Part::VpcEndpoints,
    ],
};

/// Whether a request through `domain` to `api` is refused: STRICT takes only requests that
/// come through the API's own endpoint type. Unknown types decide nothing. The place of this
/// check, for the audit and for explain's endpoint gate.
pub fn refuses_through_domain(api: &RestApi, domain: &DomainName) -> bool {
    let domain_type = domain.endpoint_types.first().map(|t| EndpointType::of(t));
    api.is_strict()
        && match (api.endpoint_type(), domain_type) {
            (Some(a), Some(d)) => a != d && a != EndpointType::Other && d != EndpointType::Other,
            _ => false,
        }
}

/// Whether a request to `api` through a VPC endpoint's own DNS name is refused: its SNI
/// names the endpoint, not the API.
pub fn refuses_endpoint_hostname(api: &RestApi) -> bool {
    api.is_strict() && api.is_private()
}

/// Whether callers of `api` through `endpoint` must use the endpoint's own DNS name: private
/// DNS is off, so the API's execute-api name does not lead to it.
fn reached_only_by_hostname(api: &RestApi, endpoint: &VpcEndpoint) -> bool {
    endpoint.is_available() && !endpoint.private_dns && super::gc109::reaches_through(api, &endpoint.id)
}

fn strict_refuses_a_path(facts: &Facts) -> Vec<Finding> {
    let snapshot = facts.snapshot;
    let mut findings = Vec::new();
    for api in snapshot.rest_apis.iter().filter(|api| api.is_strict()) {
        let routed = snapshot.domain_names.iter().filter(|d| {
            d.mappings.iter().any(|m| m.rest_api_id == api.id)
                || d.routing_rules
                    .iter()
                    .any(|r| r.api_id.as_deref() == Some(api.id.as_str()))
        });
        for domain in routed.filter(|d| refuses_through_domain(api, d)) {
            findings.push(
                META.finding(snapshot)
                    .api(api)
                    .domain(&domain.name)
                    .distinguish_by(DomainName::object_id(&domain.name))
                    .detail(format!(
                        "{} ({}) is {} with endpoint access mode STRICT, and custom domain {} ({}) routes to it: every request through the domain arrives through another endpoint type and is refused.",
                        api.name,
                        api.id,
                        api.endpoint_types.join(", "),
                        domain.name,
                        domain.endpoint_types.join(", ")
                    ))
                    .build(),
            );
        }
        if !refuses_endpoint_hostname(api) {
            continue;
        }
        for endpoint in snapshot
            .vpc_endpoints
            .iter()
            .filter(|e| reached_only_by_hostname(api, e))
        {
            findings.push(
                META.finding(snapshot)
                    .api(api)
                    .distinguish_by(endpoint.id.clone())
                    .detail(format!(
                        "Private API {} ({}) has endpoint access mode STRICT and admits VPC endpoint {} (in {}), whose private DNS is off: callers there use the endpoint's DNS name, whose SNI is not the API's, and are refused.",
                        api.name, api.id, endpoint.id, endpoint.vpc_id
                    ))
                    .build(),
            );
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;
    use crate::model::BasePathMapping;

    fn strict(mut s: crate::model::Snapshot) -> crate::model::Snapshot {
        s.rest_apis[0].endpoint_access_mode = Some("STRICT".into());
        s
    }

    fn domain(endpoint_type: &str) -> DomainName {
        DomainName {
            name: "api.example.com".into(),
            endpoint_types: vec![endpoint_type.into()],
            mappings: vec![BasePathMapping {
                base_path: "(none)".into(),
                rest_api_id: "a1".into(),
                stage: Some("prod".into()),
            }],
            ..DomainName::default()
        }
    }

    #[test]
    fn gc106_strict_api_behind_a_domain_of_another_endpoint_type() {
        let mut s = strict(healthy());
        s.rest_apis[0].endpoint_types = vec!["REGIONAL".into()];
        s.domain_names.push(domain("EDGE"));
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC106"]);
        assert_eq!(findings[0].domain_name.as_deref(), Some("api.example.com"));
        assert!(findings[0].remediation.contains("--rest-api-id a1"));
    }

    #[test]
    fn gc106_strict_private_api_whose_endpoint_has_private_dns_off() {
        let mut s = strict(healthy());
        s.rest_apis[0].endpoint_types = vec!["PRIVATE".into()];
        s.rest_apis[0].policy = Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0abc"}}}]}"#.into(),
        );
        let endpoint = |private_dns| VpcEndpoint {
            id: "vpce-0abc".into(),
            vpc_id: "vpc-1".into(),
            private_dns,
            policy: None,
            state: Some("available".into()),
        };
        s.vpc_endpoints.push(endpoint(false));
        let findings = run(&CHECK, &s);
        assert_eq!(ids(&findings), ["GC106"]);
        assert!(findings[0].detail.contains("vpce-0abc"), "{}", findings[0].detail);

        s.vpc_endpoints[0] = endpoint(true);
        assert!(
            run(&CHECK, &s).is_empty(),
            "with private DNS on, callers use the API's own name"
        );
    }

    #[test]
    fn gc106_is_quiet_on_basic_and_on_domains_of_the_api_s_type() {
        let mut basic = healthy();
        basic.rest_apis[0].endpoint_types = vec!["REGIONAL".into()];
        basic.domain_names.push(domain("EDGE"));
        assert!(run(&CHECK, &basic).is_empty(), "BASIC takes every way in");

        let mut same_type = strict(healthy());
        same_type.rest_apis[0].endpoint_types = vec!["REGIONAL".into()];
        same_type.domain_names.push(domain("REGIONAL"));
        assert!(run(&CHECK, &same_type).is_empty());
        assert!(run(&CHECK, &strict(healthy())).is_empty(), "no domain, no endpoint");
        assert!(run(&CHECK, &healthy()).is_empty());
    }
}
