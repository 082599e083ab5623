//! GC306 key-not-enforced.

use crate::checks::{always_evaluated, list_methods, Check, CheckMeta, Facts, StageFacts};
use crate::model::AuthorizationType;
use crate::model::Part;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: key_not_enforced,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC306",
    name: "key-not-enforced",
    severity: Severity::Medium,
    severity_note: "",
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
            .filter(|m| {
                m.http_method != "OPTIONS" && !m.api_key_required && m.authorization() == AuthorizationType::None
            })
            .collect();
        if open.is_empty() {
            continue;
        }
        findings.push(
            META.stage_finding(facts.snapshot, api, &stage.name)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;

    #[test]
    fn gc306_fires_on_open_methods_of_a_keyed_stage_but_not_options() {
        let mut s = healthy();
        let methods = &mut s.rest_apis[0].resources[0].methods;
        methods.push(method("POST", false, "NONE"));
        methods.push(method("OPTIONS", false, "NONE"));
        methods.push(method("DELETE", false, "AWS_IAM"));
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC306"]);
        assert!(findings[0].detail.contains("POST /items"));
        assert!(!findings[0].detail.contains("OPTIONS"));
        assert!(!findings[0].detail.contains("DELETE"));
        assert!(run(&CHECK, &healthy()).is_empty());
    }

    #[test]
    fn gc306_is_quiet_when_no_plan_has_keys() {
        let mut s = healthy();
        s.rest_apis[0].resources[0].methods.push(method("POST", false, "NONE"));
        s.usage_plans[0].key_ids.clear();
        assert!(run(&CHECK, &s).is_empty());
    }
}
