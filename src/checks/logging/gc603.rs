//! GC603 gateway-response-hides-cause.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::Part;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: gateway_response_hides_cause,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC603",
    name: "gateway-response-hides-cause",
    severity: Severity::Low,
    severity_note: "",
    title: "A customized gateway response hides why a request was refused",
    symptom: "Refused callers see a status code or body that no longer says why (no \"Forbidden\", \"Missing Authentication Token\" or \"Invalid API Key\"), and neither do the logs that record the response.",
    why: "A gateway response replaces API Gateway's answer for its refusal type; a changed status code or a template without $context.error.message loses the reason.",
    fix: "Keep the type's status code and put $context.error.message (or $context.error.messageString) in the template, or delete the customization (API Gateway console > Gateway responses > type > Reset), then redeploy.",
    cli: "aws apigateway delete-gateway-response --region {region} --rest-api-id {api_id} --response-type {response_type}",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html",
    reads: &[Part::RestApis, Part::GatewayResponses],
};

/// The refusal types that carry a key, policy, WAF or authorizer cause, with the status code
/// API Gateway answers them with (developer guide, "Gateway response types"); DEFAULT_4XX
/// passes each refusal's own 4XX code through.
const REFUSALS: &[(&str, Option<&str>)] = &[
    ("DEFAULT_4XX", None),
    ("ACCESS_DENIED", Some("403")),
    ("INVALID_API_KEY", Some("403")),
    ("MISSING_AUTHENTICATION_TOKEN", Some("403")),
    ("WAF_FILTERED", Some("403")),
    ("UNAUTHORIZED", Some("401")),
];

fn gateway_response_hides_cause(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for api in &facts.snapshot.rest_apis {
        for response in &api.gateway_responses {
            let Some((_, status)) = REFUSALS.iter().find(|(t, _)| *t == response.response_type) else {
                continue;
            };
            let mut lost = Vec::new();
            if let Some(code) = &response.status_code {
                if Some(code.as_str()) != *status {
                    lost.push(format!(
                        "answers {code} instead of {}",
                        status.unwrap_or("the refusal's own 4XX code")
                    ));
                }
            }
            let silent: Vec<&str> = response
                .templates
                .iter()
                .filter(|(_, body)| !body.contains("$context.error.message"))
                .map(|(content_type, _)| content_type.as_str())
                .collect();
            if !silent.is_empty() {
                let types = silent.join(", ");
                let article = if types.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                lost.push(format!("has {article} {types} template without $context.error.message"));
            }
            if lost.is_empty() {
                continue;
            }
            findings.push(
                META.finding(facts.snapshot)
                    .api(api)
                    .var("response_type", response.response_type.as_str())
                    .distinguish_by(response.response_type.clone())
                    .detail(format!(
                        "The {} gateway response of {} ({}) {}: refused callers and the logs no longer see why.",
                        response.response_type,
                        api.name,
                        api.id,
                        lost.join(", and ")
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
    use crate::model::GatewayResponse;

    fn with_response(response_type: &str, status: Option<&str>, template: &str) -> crate::model::Snapshot {
        let mut s = healthy();
        s.rest_apis[0].gateway_responses.push(GatewayResponse {
            response_type: response_type.into(),
            status_code: status.map(str::to_string),
            templates: [("application/json".to_string(), template.to_string())].into(),
            ..GatewayResponse::default()
        });
        s
    }

    #[test]
    fn gc603_fires_for_a_changed_status_or_a_silent_template() {
        let findings = run(
            &CHECK,
            &with_response("INVALID_API_KEY", Some("404"), r#"{"error":"nope"}"#),
        );
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC603"]);
        assert!(
            findings[0].detail.contains("answers 404 instead of 403"),
            "{}",
            findings[0].detail
        );
        assert!(findings[0].remediation.contains("--response-type INVALID_API_KEY"));
        let silent = run(
            &CHECK,
            &with_response("DEFAULT_4XX", None, r#"{"error":"request refused"}"#),
        );
        assert_eq!(ids(&silent), ["GC603"]);
        assert!(
            silent[0].detail.starts_with(
                "The DEFAULT_4XX gateway response of a1-name (a1) has an application/json template without $context.error.message:"
            ),
            "{}",
            silent[0].detail
        );
    }

    #[test]
    fn gc603_is_quiet_when_the_cause_stays_visible() {
        let kept = r#"{"message":$context.error.messageString,"requestId":"$context.requestId"}"#;
        assert!(run(&CHECK, &with_response("ACCESS_DENIED", Some("403"), kept)).is_empty());
        assert!(run(&CHECK, &with_response("UNAUTHORIZED", None, kept)).is_empty());
        // A 5XX or throttling response does not hide a refusal's cause.
        assert!(run(&CHECK, &with_response("THROTTLED", Some("503"), "{}")).is_empty());
        assert!(run(&CHECK, &healthy()).is_empty());
    }
}
