//! GC103 resource-policy-restricts.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::Part;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: resource_policy_restricts,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC103",
    name: "resource-policy-restricts",
    severity: Severity::Info,
    severity_note: "",
    title: "The resource policy limits who may invoke the API",
    symptom: "Callers outside what the policy allows get 403 {\"message\":\"Forbidden\"} even with a valid API key.",
    why: "The resource policy is evaluated before the API key: a Deny, or an Allow limited by IP, VPC, endpoint or principal, refuses everyone else.",
    fix: "Check that the callers who get 403 match the policy's Allow statements and none of its Deny statements (API Gateway console > Resource policy); redeploy after a change.",
    cli: "aws apigateway get-rest-api --region {region} --rest-api-id {api_id} --query policy --output text",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies.html",
    reads: &[Part::RestApis, Part::ResourcePolicies],
};

fn resource_policy_restricts(facts: &Facts) -> Vec<Finding> {
    facts
        .policies()
        .filter_map(|(api, policy)| {
            let policy = policy?.as_ref().ok()?;
            policy.restricts().then(|| {
                META.finding(facts.snapshot)
                    .api(api)
                    .detail(format!(
                        "Who may invoke {} ({}): {}.",
                        api.name,
                        api.id,
                        policy.describe()
                    ))
                    .build()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;

    #[test]
    fn gc103_says_who_is_let_in() {
        let mut s = healthy();
        s.rest_apis[0].policy = Some(IP_POLICY.into());
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC103"]);
        assert_eq!(findings[0].severity, Severity::Info);
        assert!(
            findings[0].detail.contains("from IPs 203.0.113.0/24"),
            "{}",
            findings[0].detail
        );
        s.rest_apis[0].policy = Some(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#.into());
        assert!(run(&CHECK, &s).is_empty(), "an open policy restricts nobody");
    }
}
