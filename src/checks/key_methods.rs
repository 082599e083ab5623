//! How methods ask for keys: the key source, CORS preflight, and methods a plan's keys do
//! not guard. GC304, GC305, GC306.

use super::{always_evaluated, list_methods, Check, CheckMeta, Facts, StageFacts};
use crate::finding::{Finding, Severity};
use crate::model::{ApiKeySource, Part};

pub static GC304: Check = Check {
    meta: &GC304_META,
    run: key_source_authorizer_without_authorizer,
    not_evaluated: always_evaluated,
};

static GC304_META: CheckMeta = CheckMeta {
    id: "GC304",
    name: "key-source-authorizer-without-authorizer",
    severity: Severity::Critical,
    title: "API key source is AUTHORIZER but the method has no Lambda authorizer to supply the key",
    symptom: "Every request to the method gets 403 {\"message\":\"Forbidden\"}; the x-api-key header is ignored with this key source.",
    why: "With apiKeySource AUTHORIZER, API Gateway takes the key only from a Lambda (CUSTOM) authorizer's usageIdentifierKey; a method without one never has a key.",
    fix: "Either set the API's key source to HEADER (API Gateway console > API settings > API key source), or give the method a Lambda authorizer that returns usageIdentifierKey; then redeploy.",
    cli: "aws apigateway update-rest-api --region {region} --rest-api-id {api_id} --patch-operations op=replace,path=/apiKeySource,value=HEADER && aws apigateway create-deployment --region {region} --rest-api-id {api_id} --stage-name {stage}",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html",
    reads: &[Part::RestApis, Part::Resources, Part::Stages, Part::Deployments],
};

fn key_source_authorizer_without_authorizer(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    let authorizer_keyed = facts
        .stages()
        .filter(|s| s.api.api_key_source == ApiKeySource::Authorizer);
    for StageFacts { api, stage, served, .. } in authorizer_keyed {
        for m in served
            .iter()
            .filter(|m| m.api_key_required && m.authorization_type != "CUSTOM")
        {
            findings.push(
                GC304_META
                    .stage_finding(facts, api, &stage.name)
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

pub static GC305: Check = Check {
    meta: &GC305_META,
    run: preflight_requires_key,
    not_evaluated: always_evaluated,
};

static GC305_META: CheckMeta = CheckMeta {
    id: "GC305",
    name: "preflight-requires-key",
    severity: Severity::High,
    title: "An OPTIONS method requires an API key: browsers' CORS preflight is refused",
    symptom: "Browser calls fail with a CORS error; the preflight OPTIONS request gets 403 because browsers never send x-api-key on it.",
    why: "A CORS preflight carries no custom headers, so an OPTIONS method that requires a key refuses every preflight.",
    fix: "Turn off API key required on the OPTIONS method (API Gateway console > Resources > OPTIONS > Method request > API key required: false), then redeploy.",
    cli: "aws apigateway update-method --region {region} --rest-api-id {api_id} --resource-id <resource_id> --http-method OPTIONS --patch-operations op=replace,path=/apiKeyRequired,value=false && aws apigateway create-deployment --region {region} --rest-api-id {api_id} --stage-name {stage}",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html",
    reads: &[Part::RestApis, Part::Resources, Part::Stages, Part::Deployments],
};

fn preflight_requires_key(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for StageFacts { api, stage, served, .. } in facts.stages() {
        for m in served
            .iter()
            .filter(|m| m.http_method == "OPTIONS" && m.api_key_required)
        {
            findings.push(
                GC305_META
                    .stage_finding(facts, api, &stage.name)
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

pub static GC306: Check = Check {
    meta: &GC306_META,
    run: key_not_enforced,
    not_evaluated: always_evaluated,
};

static GC306_META: CheckMeta = CheckMeta {
    id: "GC306",
    name: "key-not-enforced",
    severity: Severity::Medium,
    title: "Methods on a keyed stage require neither an API key nor authorization",
    symptom: "Anyone can call these methods without a key; the usage plan's quotas and throttling do not apply to them.",
    why: "A usage plan meters only methods with API key required; the others are open to every caller.",
    fix: "Set API key required on the methods (API Gateway console > Resources > method > Method request), or add authorization; then redeploy.",
    cli: "aws apigateway update-method --region {region} --rest-api-id {api_id} --resource-id <resource_id> --http-method <method> --patch-operations op=replace,path=/apiKeyRequired,value=true && aws apigateway create-deployment --region {region} --rest-api-id {api_id} --stage-name {stage}",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html",
    reads: &[Part::RestApis, Part::Resources, Part::Stages, Part::Deployments, Part::UsagePlans, Part::UsagePlanKeys],
};

fn key_not_enforced(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for StageFacts {
        api,
        stage,
        served,
        plans,
        ..
    } in facts.stages()
    {
        let keyed = plans.iter().any(|plan| !plan.key_ids.is_empty());
        if !keyed {
            continue;
        }
        let open: Vec<_> = served
            .iter()
            .filter(|m| m.http_method != "OPTIONS" && !m.api_key_required && m.authorization_type == "NONE")
            .collect();
        if open.is_empty() {
            continue;
        }
        findings.push(
            GC306_META
                .stage_finding(facts, api, &stage.name)
                .detail(format!(
                    "{}/{} is in a usage plan with keys, but {} method(s) need neither a key nor authorization: {}.",
                    api.id,
                    stage.name,
                    open.len(),
                    list_methods(&open)
                ))
                .build(),
        );
    }
    findings
}
