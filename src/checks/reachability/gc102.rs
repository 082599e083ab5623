//! GC102 private-api-without-policy.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::{Part, RestApi};
use crate::policy::Policy;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: private_api_without_policy,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC102",
    name: "private-api-without-policy",
    severity: Severity::Critical,
    severity_note: "",
    title: "A private API has no resource policy that lets VPC traffic in",
    symptom: "Every request through the VPC endpoint gets 403 {\"message\":\"Forbidden\"}, key or no key.",
    why: "A PRIVATE API refuses every call unless its resource policy allows execute-api:Invoke for traffic from a VPC or VPC endpoint; aws:SourceIp conditions never match that traffic.",
    fix: "Attach a resource policy that allows execute-api:Invoke and limits it with aws:SourceVpce or aws:SourceVpc (API Gateway console > Resource policy), then redeploy.",
    cli: "aws apigateway update-rest-api --region {region} --rest-api-id {api_id} --patch-operations op=replace,path=/policy,value=<policy_json> && aws apigateway create-deployment --region {region} --rest-api-id {api_id} --stage-name <stage>",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-apis.html",
    reads: &[Part::RestApis, Part::ResourcePolicies],
};

/// Whether `api` is PRIVATE and `policy` lets no VPC or VPC endpoint traffic in: the place of
/// this check, for explain's resource-policy gate as for the audit.
pub fn refuses_all_vpc_traffic(api: &RestApi, policy: &Policy) -> bool {
    api.is_private() && !policy.admits_vpc_traffic()
}

fn private_api_without_policy(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (api, policy) in facts.policies().filter(|(api, _)| api.is_private()) {
        let detail = match policy {
            None => format!(
                "{} ({}) is PRIVATE and has no resource policy: API Gateway refuses every call.",
                api.name, api.id
            ),
            Some(Ok(policy)) if refuses_all_vpc_traffic(api, policy) => format!(
                "{} ({}) is PRIVATE, but its resource policy lets no VPC or VPC endpoint traffic in ({}).",
                api.name,
                api.id,
                policy.describe()
            ),
            // Admits VPC traffic, or does not parse (GC900 reports that).
            Some(_) => continue,
        };
        findings.push(META.finding(facts.snapshot).api(api).detail(detail).build());
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;

    #[test]
    fn gc102_private_api_needs_a_policy_admitting_vpc_traffic() {
        let mut s = healthy();
        s.rest_apis[0].endpoint_types = vec!["PRIVATE".into()];
        assert_eq!(ids(&run(&CHECK, &s)), ["GC102"]);
        s.rest_apis[0].policy = Some(IP_POLICY.into());
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC102"]);
        assert!(findings[0].detail.contains("203.0.113.0/24"), "{}", findings[0].detail);
        s.rest_apis[0].policy = Some(VPCE_POLICY.into());
        assert!(
            run(&CHECK, &s).is_empty(),
            "a proper VPC endpoint policy is the healthy control"
        );
        assert!(run(&CHECK, &healthy()).is_empty(), "a regional API needs no policy");
    }
}
