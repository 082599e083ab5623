//! GC305 preflight-requires-key.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts, StageFacts};
use crate::model::Part;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: preflight_requires_key,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC305",
    name: "preflight-requires-key",
    severity: Severity::High,
    severity_note: "",
    title: "An OPTIONS method requires an API key: browsers' CORS preflight is refused",
    symptom: "Browser calls fail with a CORS error; the preflight OPTIONS request gets 403 because browsers never send x-api-key on it.",
    why: "A CORS preflight carries no custom headers, so an OPTIONS method that requires a key refuses every preflight.",
    fix: "Turn off API key required on the OPTIONS method (API Gateway console > Resources > OPTIONS > Method request > API key required: false), then redeploy.",
    cli: "aws apigateway update-method --region {region} --rest-api-id {api_id} --resource-id <resource_id> --http-method OPTIONS --patch-operations op=replace,path=/apiKeyRequired,value=false && aws apigateway create-deployment --region {region} --rest-api-id {api_id} --stage-name {stage}",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html",
    reads: &[Part::RestApis, Part::Resources, Part::Stages, Part::Deployments],
};

/// Whether a method refuses every browser's CORS preflight: an OPTIONS method that requires
/// an API key, which a preflight never carries. The place of this check.
pub fn preflight_needs_key(http_method: &str, api_key_required: bool) -> bool {
    http_method == "OPTIONS" && api_key_required
}

fn preflight_requires_key(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for StageFacts { api, stage, served, .. } in facts.stages() {
        for m in served
            .iter()
            .filter(|m| preflight_needs_key(m.http_method, m.api_key_required))
        {
            findings.push(
                META
                    .stage_finding(facts.snapshot, api, &stage.name)
                    .method(m.path, m.http_method)
                    .detail(format!(
                        "{} requires an API key; browsers send the CORS preflight without one, so cross-origin calls to {} fail.",
                        m.label(),
                        m.path
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

    #[test]
    fn gc305_fires_on_key_required_preflight() {
        let mut s = healthy();
        s.rest_apis[0].resources[0]
            .methods
            .push(method("OPTIONS", true, "NONE"));
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC305"]);
        assert_eq!(findings[0].severity, Severity::High);
        assert_eq!(findings[0].http_method.as_deref(), Some("OPTIONS"));
        s.rest_apis[0].resources[0].methods[1].api_key_required = false;
        assert!(run(&CHECK, &s).is_empty());
    }
}
