//! GC605 refusals-without-cors-headers.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::{AuthorizationType, Part, RestApi};
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: refusals_without_cors_headers,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC605",
    name: "refusals-without-cors-headers",
    severity: Severity::Medium,
    severity_note: "",
    title: "An API that serves browsers refuses them without Access-Control-Allow-Origin: they see a CORS error, not the 403",
    symptom: "In the browser the call fails with \"No 'Access-Control-Allow-Origin' header is present\"; the page never sees the 403 or its message, so a missing key looks like a CORS problem.",
    why: "API Gateway's own refusals (missing or invalid key, resource policy, WAF, authorizer) are gateway responses, not the integration's: unless the gateway response sets Access-Control-Allow-Origin, the browser hides the answer from the page.",
    fix: "Add Access-Control-Allow-Origin (and Access-Control-Allow-Headers) to the DEFAULT_4XX gateway response, and to any refusal type customized on its own (API Gateway console > Gateway responses > Default 4XX > Edit > Response headers, or Enable CORS with the Default 4XX box ticked), then redeploy.",
    cli: "aws apigateway put-gateway-response --region {region} --rest-api-id {api_id} --response-type DEFAULT_4XX --response-parameters \"gatewayresponse.header.Access-Control-Allow-Origin=\\\"'*'\\\"\" && aws apigateway create-deployment --region {region} --rest-api-id {api_id} --stage-name <stage>",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html",
    reads: &[
        Part::RestApis,
        Part::Resources,
        Part::Stages,
        Part::GatewayResponses,
        Part::ResourcePolicies,
    ],
};

const ALLOW_ORIGIN: &str = "Access-Control-Allow-Origin";

/// The refusal types an API can answer with, given what guards it: each falls back to
/// DEFAULT_4XX when it is not customized itself (developer guide, "Gateway response types").
fn refusals(api: &RestApi) -> Vec<&'static str> {
    let methods = || api.resources.iter().flat_map(|r| &r.methods);
    let authorizer = methods().any(|m| {
        matches!(
            m.authorization(),
            AuthorizationType::Custom | AuthorizationType::CognitoUserPools
        )
    });
    let mut types = vec!["MISSING_AUTHENTICATION_TOKEN"];
    if methods().any(|m| m.api_key_required) {
        types.push("INVALID_API_KEY");
    }
    if api.policy.is_some() || authorizer {
        types.push("ACCESS_DENIED");
    }
    if authorizer {
        types.push("UNAUTHORIZED");
    }
    if api.stages.iter().any(|s| s.web_acl_arn.is_some()) {
        types.push("WAF_FILTERED");
    }
    types
}

/// The paths whose OPTIONS method says the API serves browsers' cross-origin calls.
fn preflight_paths(api: &RestApi) -> Vec<&str> {
    api.resources
        .iter()
        .filter(|r| r.methods.iter().any(|m| m.http_method == "OPTIONS"))
        .map(|r| r.path.as_str())
        .collect()
}

/// The refusal types of `api` whose answer a browser cannot read; empty for an API that does
/// not serve browsers.
pub fn refusals_hidden_from_browsers(api: &RestApi) -> Vec<&'static str> {
    if preflight_paths(api).is_empty() {
        return Vec::new();
    }
    let customized = |t: &str| api.gateway_responses.iter().find(|r| r.response_type == t);
    refusals(api)
        .into_iter()
        .filter(|t| {
            let answer = customized(t).or_else(|| customized("DEFAULT_4XX"));
            !answer.is_some_and(|r| r.sets_header(ALLOW_ORIGIN))
        })
        .collect()
}

fn refusals_without_cors_headers(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for api in &facts.snapshot.rest_apis {
        let hidden = refusals_hidden_from_browsers(api);
        if hidden.is_empty() {
            continue;
        }
        findings.push(
            META.finding(facts.snapshot)
                .api(api)
                .detail(format!(
                    "{} ({}) serves browsers (a CORS preflight on {}), but its {} refusals answer without {ALLOW_ORIGIN}: a browser reports a CORS error instead of the 403.",
                    api.name,
                    api.id,
                    preflight_paths(api).join(", "),
                    hidden.join(", ")
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
    use crate::model::GatewayResponse;

    fn browser_api() -> crate::model::Snapshot {
        let mut s = healthy();
        let api = &mut s.rest_apis[0];
        api.resources[0].methods.push(method("OPTIONS", false, "NONE"));
        s
    }

    fn cors(response_type: &str) -> GatewayResponse {
        GatewayResponse {
            response_type: response_type.into(),
            header_names: vec![
                "access-control-allow-origin".into(),
                "Access-Control-Allow-Headers".into(),
            ],
            ..GatewayResponse::default()
        }
    }

    #[test]
    fn gc605_fires_when_a_browser_api_refuses_without_the_header() {
        let findings = run(&CHECK, &browser_api());
        assert_eq!(ids(&findings), ["GC605"]);
        assert!(
            findings[0]
                .detail
                .contains("its MISSING_AUTHENTICATION_TOKEN, INVALID_API_KEY refusals"),
            "{}",
            findings[0].detail
        );
        insta::assert_json_snapshot!(findings);
    }

    #[test]
    fn gc605_is_quiet_for_default_4xx_with_the_header_and_for_apis_without_a_preflight() {
        let mut s = browser_api();
        s.rest_apis[0].gateway_responses.push(cors("DEFAULT_4XX"));
        assert!(run(&CHECK, &s).is_empty());
        assert!(run(&CHECK, &healthy()).is_empty(), "no preflight: not a browser API");
    }

    #[test]
    fn gc605_a_type_customized_on_its_own_does_not_inherit_default_4xx() {
        let mut s = browser_api();
        s.rest_apis[0].gateway_responses.push(cors("DEFAULT_4XX"));
        s.rest_apis[0].gateway_responses.push(GatewayResponse {
            response_type: "INVALID_API_KEY".into(),
            ..GatewayResponse::default()
        });
        let findings = run(&CHECK, &s);
        assert_eq!(ids(&findings), ["GC605"]);
        assert!(
            findings[0].detail.contains("its INVALID_API_KEY refusals"),
            "{}",
            findings[0].detail
        );
    }
}
