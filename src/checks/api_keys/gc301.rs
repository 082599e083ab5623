//! GC301 key-required-stage-without-usage-plan.

use super::{methods_requiring_a_key, stages_requiring_keys, USAGE_PLANS_DOC};
use crate::checks::{always_evaluated, Check, CheckMeta, Facts, StageFacts};
use crate::model::Part;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: key_required_stage_without_usage_plan,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC301",
    name: "key-required-stage-without-usage-plan",
    severity: Severity::Critical,
    severity_note: "",
    title: "Methods require an API key but no usage plan lists the stage",
    symptom: "Every request to a key-required method gets 403 {\"message\":\"Forbidden\"}, with or without a valid x-api-key header.",
    why: "API Gateway accepts a key only through a usage plan that lists the API stage; a key that exists but is not in a plan for this stage is refused.",
    fix: "Add the stage to a usage plan that holds the callers' keys (API Gateway console > Usage plans > plan > Associated stages > Add API stage).",
    cli: "aws apigateway update-usage-plan --region {region} --usage-plan-id {plan_id} --patch-operations op=add,path=/apiStages,value={api_id}:{stage}",
    docs_url: USAGE_PLANS_DOC,
    reads: &[Part::RestApis, Part::Resources, Part::Stages, Part::Deployments, Part::UsagePlans],
};

fn key_required_stage_without_usage_plan(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (stage_facts, methods) in stages_requiring_keys(facts).filter(|(s, _)| s.plans.is_empty()) {
        let StageFacts { api, stage, .. } = stage_facts;
        findings.push(
            META.stage_finding(facts.snapshot, api, &stage.name)
                .detail(format!(
                    "{}, but no usage plan lists {}/{}.{}",
                    methods_requiring_a_key(&methods),
                    api.id,
                    stage.name,
                    stage_keys_note(facts, &api.id, &stage.name)
                ))
                .build(),
        );
    }
    findings
}

/// Accounts from before usage plans bind keys to stages directly (stage keys): say so, since
/// the cause and the fix then differ (developer guide, "Migrate to default usage plans").
fn stage_keys_note(facts: &Facts, api_id: &str, stage: &str) -> String {
    let place = format!("{api_id}/{stage}");
    let bound: Vec<&str> = facts
        .snapshot
        .api_keys
        .iter()
        .filter(|k| k.stage_keys.contains(&place))
        .map(|k| k.id.as_str())
        .collect();
    let features = &facts.snapshot.account.features;
    let mut note = String::new();
    if !features.is_empty() && !features.iter().any(|f| f == "UsagePlans") {
        note.push_str(" The account's API Gateway features do not include UsagePlans: it still uses stage keys, bound to stages directly; migrate them to usage plans.");
    }
    if !bound.is_empty() {
        note.push_str(&format!(
            " Keys bound to this stage as stage keys (from before usage plans): {}.",
            bound.join(", ")
        ));
    }
    note
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;

    #[test]
    fn gc301_names_stage_keys_and_accounts_without_usage_plans() {
        let mut s = healthy();
        s.usage_plans.clear();
        s.api_keys[0].stage_keys = vec!["a1/prod".into()];
        s.account.features = vec!["Other".into()];
        let findings = run(&CHECK, &s);
        assert!(
            findings[0]
                .detail
                .contains("Keys bound to this stage as stage keys (from before usage plans): k1."),
            "{}",
            findings[0].detail
        );
        assert!(
            findings[0].detail.contains("do not include UsagePlans"),
            "{}",
            findings[0].detail
        );
        s.account.features = vec!["UsagePlans".into()];
        s.api_keys[0].stage_keys.clear();
        assert!(!run(&CHECK, &s)[0].detail.contains("stage keys"));
    }

    #[test]
    fn gc301_fires_when_no_plan_lists_the_stage() {
        let mut s = healthy();
        s.usage_plans[0].api_stages[0].stage = "dev".into();
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!((f.api_id.as_deref(), f.stage.as_deref()), (Some("a1"), Some("prod")));
        assert_eq!(f.severity, Severity::Critical);
        assert!(f.detail.contains("GET /items"), "{}", f.detail);
        assert!(f.remediation.contains("value=a1:prod"), "{}", f.remediation);
        assert!(run(&CHECK, &healthy()).is_empty());
    }

    #[test]
    fn gc301_ignores_stages_without_key_required_methods() {
        let mut s = healthy();
        s.usage_plans.clear();
        s.rest_apis[0].resources[0].methods[0].api_key_required = false;
        assert!(run(&CHECK, &s).is_empty());
    }

    #[test]
    fn gc301_uses_the_deployed_configuration_when_known() {
        // The current resources require a key, but the stage still serves a deployment that
        // did not: no key is needed there today, so no plan is needed either.
        let mut s = healthy();
        s.usage_plans.clear();
        deploy_get_items(&mut s, false);
        assert!(run(&CHECK, &s).is_empty());

        // And the other way round: deployed with a key, since made keyless.
        let mut s = healthy();
        s.usage_plans.clear();
        s.rest_apis[0].resources[0].methods[0].api_key_required = false;
        deploy_get_items(&mut s, true);
        assert_eq!(ids(&run(&CHECK, &s)), ["GC301"]);
    }
}
