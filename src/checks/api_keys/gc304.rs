//! GC304 key-source-authorizer-without-authorizer.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts, StageFacts};
use crate::model::AuthorizationType;
use crate::model::{ApiKeySource, Part, RestApi};
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: key_source_authorizer_without_authorizer,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC304",
    name: "key-source-authorizer-without-authorizer",
    severity: Severity::Critical,
    severity_note: "",
    title: "API key source is AUTHORIZER but the method has no Lambda authorizer to supply the key",
    symptom: "Every request to the method gets 403 {\"message\":\"Forbidden\"}; the x-api-key header is ignored with this key source.",
    why: "With apiKeySource AUTHORIZER, API Gateway takes the key only from a Lambda (CUSTOM) authorizer's usageIdentifierKey; a method without one never has a key.",
    fix: "Either set the API's key source to HEADER (API Gateway console > API settings > API key source), or give the method a Lambda authorizer that returns usageIdentifierKey; then redeploy.",
    cli: "aws apigateway update-rest-api --region {region} --rest-api-id {api_id} --patch-operations op=replace,path=/apiKeySource,value=HEADER && aws apigateway create-deployment --region {region} --rest-api-id {api_id} --stage-name {stage}",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html",
    reads: &[Part::RestApis, Part::Resources, Part::Stages, Part::Deployments],
};

/// Whether a method of `api` that requires a key never gets one: the API takes keys from a
/// Lambda authorizer and the method has none. The place of this check, for the audit's
/// served methods and for explain's key gate.
pub fn key_never_arrives(api: &RestApi, authorization: AuthorizationType) -> bool {
    api.api_key_source == ApiKeySource::Authorizer && authorization != AuthorizationType::Custom
}

fn key_source_authorizer_without_authorizer(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for StageFacts { api, stage, served, .. } in facts.stages() {
        for m in served
            .iter()
            .filter(|m| m.api_key_required && key_never_arrives(api, m.authorization()))
        {
            findings.push(
                META
                    .stage_finding(facts.snapshot, api, &stage.name)
                    .method(m.path, m.http_method)
                    .detail(format!(
                        "{} requires an API key and the API's key source is AUTHORIZER, but its authorization is {}, not a Lambda authorizer: no key is ever supplied.",
                        m.label(),
                        m.authorization_type
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
    use crate::model::*;

    #[test]
    fn gc304_fires_for_authorizer_source_without_lambda_authorizer() {
        let mut s = healthy();
        s.rest_apis[0].api_key_source = ApiKeySource::Authorizer;
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC304"]);
        assert_eq!(findings[0].resource_path.as_deref(), Some("/items"));
        assert_eq!(findings[0].http_method.as_deref(), Some("GET"));
    }

    #[test]
    fn gc304_is_quiet_with_a_custom_authorizer() {
        let mut s = healthy();
        s.rest_apis[0].api_key_source = ApiKeySource::Authorizer;
        s.rest_apis[0].resources[0].methods[0].authorization_type = "CUSTOM".into();
        assert!(run(&CHECK, &s).is_empty());
        assert!(run(&CHECK, &healthy()).is_empty());
    }
}
