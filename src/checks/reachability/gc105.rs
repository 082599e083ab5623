//! GC105 vpc-endpoint-private-dns-shadows-apis.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::{Part, RestApi, Snapshot, VpcEndpoint};
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: private_dns_shadows_apis,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC105",
    name: "vpc-endpoint-private-dns-shadows-apis",
    severity: Severity::High,
    severity_note: "",
    title: "An execute-api VPC endpoint with private DNS shadows the region's public APIs inside its VPC",
    symptom: "From inside the VPC, every call to a REGIONAL or EDGE API's execute-api URL gets 403 {\"message\":\"Forbidden\"}, key or no key; the same call from outside works.",
    why: "With private DNS on, the VPC resolves every *.execute-api.<region>.amazonaws.com name to the interface endpoint, and the endpoint serves private APIs only. Custom domain names are not affected.",
    fix: "From the VPC, call public APIs through a custom domain name (or an edge-optimized API's CloudFront name), or turn private DNS off on the endpoint and call private APIs by the endpoint's own DNS name with the x-apigw-api-id header (VPC console > Endpoints > Modify private DNS name).",
    cli: "aws ec2 modify-vpc-endpoint --region {region} --vpc-endpoint-id {vpce_id} --no-private-dns-enabled",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-apis.html",
    reads: &[Part::RestApis, Part::VpcEndpoints],
};

/// The public APIs (REGIONAL or EDGE, execute-api endpoint on) that a request from `endpoint`'s
/// VPC to their execute-api name cannot reach: every one, when the endpoint has private DNS
/// on and carries traffic; none otherwise. The place of this check, for the audit and for
/// explain's endpoint gate (`--from-vpc`).
pub fn shadows(endpoint: &VpcEndpoint, api: &RestApi) -> bool {
    endpoint.private_dns && endpoint.is_available() && !api.is_private() && !api.disable_execute_api_endpoint
}

/// The endpoint with private DNS on in `vpc_id`, if there is one.
pub fn shadowing_endpoint<'a>(snapshot: &'a Snapshot, vpc_id: &str) -> Option<&'a VpcEndpoint> {
    snapshot
        .vpc_endpoints
        .iter()
        .find(|e| e.vpc_id == vpc_id && e.private_dns && e.is_available())
}

fn private_dns_shadows_apis(facts: &Facts) -> Vec<Finding> {
    let snapshot = facts.snapshot;
    let mut findings = Vec::new();
    for endpoint in &snapshot.vpc_endpoints {
        let shadowed: Vec<String> = snapshot
            .rest_apis
            .iter()
            .filter(|api| shadows(endpoint, api))
            .map(|api| format!("{} ({})", api.name, api.id))
            .collect();
        if shadowed.is_empty() {
            continue;
        }
        const SHOWN: usize = 10;
        let more = shadowed.len().saturating_sub(SHOWN);
        let mut names = shadowed.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
        if more > 0 {
            names.push_str(&format!(" and {more} more"));
        }
        findings.push(
            META.finding(snapshot)
                .var("vpce_id", endpoint.id.as_str())
                .distinguish_by(endpoint.id.clone())
                .detail(format!(
                    "Interface endpoint {} in {} has private DNS on: from that VPC, the execute-api names of {} public API(s) resolve to it and get 403: {names}.",
                    endpoint.id,
                    endpoint.vpc_id,
                    shadowed.len()
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

    fn endpoint(private_dns: bool) -> VpcEndpoint {
        VpcEndpoint {
            id: "vpce-0abc".into(),
            vpc_id: "vpc-1".into(),
            private_dns,
            policy: None,
            state: Some("available".into()),
        }
    }

    #[test]
    fn gc105_names_the_endpoint_its_vpc_and_the_public_apis_it_shadows() {
        let mut s = healthy();
        s.vpc_endpoints.push(endpoint(true));
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC105"]);
        let detail = &findings[0].detail;
        assert!(
            detail.contains("vpce-0abc") && detail.contains("vpc-1") && detail.contains("(a1)"),
            "{detail}"
        );
        assert!(findings[0].remediation.contains("--vpc-endpoint-id vpce-0abc"));
    }

    #[test]
    fn gc105_is_quiet_without_private_dns_or_public_apis() {
        let mut s = healthy();
        s.vpc_endpoints.push(endpoint(false));
        assert!(run(&CHECK, &s).is_empty(), "private DNS off shadows nothing");
        let mut private_only = healthy();
        private_only.rest_apis[0].endpoint_types = vec!["PRIVATE".into()];
        private_only.vpc_endpoints.push(endpoint(true));
        assert!(run(&CHECK, &private_only).is_empty(), "private APIs are what it serves");
        let mut pending = healthy();
        pending.vpc_endpoints.push(VpcEndpoint {
            state: Some("pendingAcceptance".into()),
            ..endpoint(true)
        });
        assert!(
            run(&CHECK, &pending).is_empty(),
            "an endpoint not available carries nothing"
        );
        assert!(run(&CHECK, &healthy()).is_empty());
    }
}
