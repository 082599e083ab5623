//! Can a request reach the API at all: the execute-api endpoint, private endpoints and
//! resource policies. GC101, GC102, GC103.

use super::{always_evaluated, Check, CheckMeta, Facts};
use crate::finding::{Finding, Severity};
use crate::model::{Part, RestApi};

pub static GC101: Check = Check {
    meta: &GC101_META,
    run: execute_api_endpoint_disabled,
    not_evaluated: always_evaluated,
};

static GC101_META: CheckMeta = CheckMeta {
    id: "GC101",
    name: "execute-api-endpoint-disabled",
    severity: Severity::Critical,
    title: "The default execute-api endpoint is disabled",
    symptom: "Every request to https://{api}.execute-api.{region}.amazonaws.com/... gets 403 {\"message\":\"Forbidden\"}, key or no key.",
    why: "With disableExecuteApiEndpoint set, API Gateway answers the default endpoint with 403; only a custom domain name reaches the API.",
    fix: "Call the API through its custom domain, or re-enable the default endpoint (API Gateway console > API settings > Default endpoint: Active) and redeploy.",
    cli: "aws apigateway update-rest-api --region {region} --rest-api-id {api_id} --patch-operations op=replace,path=/disableExecuteApiEndpoint,value=false",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-disable-default-endpoint.html",
    reads: &[Part::RestApis, Part::DomainNames, Part::BasePathMappings],
};

fn execute_api_endpoint_disabled(facts: &Facts) -> Vec<Finding> {
    let snapshot = facts.snapshot;
    let unread_domains = facts.gaps.iter().filter(|g| g.part == Part::BasePathMappings).count();
    snapshot
        .rest_apis
        .iter()
        .filter(|api| api.disable_execute_api_endpoint)
        .map(|api| {
            let domains: Vec<String> =
                snapshot.mappings_to(&api.id).map(|(domain, m)| format!("{}/{}", domain.name, base_path(&m.base_path))).collect();
            let builder = GC101_META.finding(snapshot).api(api);
            if domains.is_empty() {
                let mut detail = format!(
                    "{} ({}) has its execute-api endpoint disabled and no custom domain maps it: nothing reaches this API.",
                    api.name, api.id
                );
                if unread_domains > 0 {
                    detail.push_str(&format!(
                        " The base path mappings of {unread_domains} custom domain(s) could not be read (see GC900): if one maps this API, callers reach it there."
                    ));
                }
                builder.detail(detail).build()
            } else {
                builder
                    .severity(Severity::High)
                    .detail(format!(
                        "{} ({}) has its execute-api endpoint disabled: only its custom domain ({}) reaches it; calls to the execute-api URL get 403.",
                        api.name,
                        api.id,
                        domains.join(", ")
                    ))
                    .build()
            }
        })
        .collect()
}

fn base_path(path: &str) -> &str {
    if path == "(none)" {
        ""
    } else {
        path
    }
}

fn is_private(api: &RestApi) -> bool {
    api.endpoint_types.iter().any(|t| t == "PRIVATE")
}

pub static GC102: Check = Check {
    meta: &GC102_META,
    run: private_api_without_policy,
    not_evaluated: always_evaluated,
};

static GC102_META: CheckMeta = CheckMeta {
    id: "GC102",
    name: "private-api-without-policy",
    severity: Severity::Critical,
    title: "A private API has no resource policy that lets VPC traffic in",
    symptom: "Every request through the VPC endpoint gets 403 {\"message\":\"Forbidden\"}, key or no key.",
    why: "A PRIVATE API refuses every call unless its resource policy allows execute-api:Invoke for traffic from a VPC or VPC endpoint; aws:SourceIp conditions never match that traffic.",
    fix: "Attach a resource policy that allows execute-api:Invoke and limits it with aws:SourceVpce or aws:SourceVpc (API Gateway console > Resource policy), then redeploy.",
    cli: "aws apigateway update-rest-api --region {region} --rest-api-id {api_id} --patch-operations op=replace,path=/policy,value=<policy_json> && aws apigateway create-deployment --region {region} --rest-api-id {api_id} --stage-name <stage>",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-apis.html",
    reads: &[Part::RestApis, Part::ResourcePolicies],
};

fn private_api_without_policy(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (api, policy) in facts.policies().filter(|(api, _)| is_private(api)) {
        let detail = match policy {
            None => format!(
                "{} ({}) is PRIVATE and has no resource policy: API Gateway refuses every call.",
                api.name, api.id
            ),
            Some(Ok(policy)) if !policy.admits_vpc_traffic() => format!(
                "{} ({}) is PRIVATE, but its resource policy lets no VPC or VPC endpoint traffic in ({}).",
                api.name,
                api.id,
                policy.describe()
            ),
            // Admits VPC traffic, or does not parse (GC900 reports that).
            Some(_) => continue,
        };
        findings.push(GC102_META.finding(facts.snapshot).api(api).detail(detail).build());
    }
    findings
}

pub static GC103: Check = Check {
    meta: &GC103_META,
    run: resource_policy_restricts,
    not_evaluated: always_evaluated,
};

static GC103_META: CheckMeta = CheckMeta {
    id: "GC103",
    name: "resource-policy-restricts",
    severity: Severity::Info,
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
                GC103_META
                    .finding(facts.snapshot)
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
