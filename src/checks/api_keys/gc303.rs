//! GC303 usage-plan-keys-disabled.

use super::{methods_requiring_a_key, plan_keys, stages_requiring_keys, PlanKeys, USAGE_PLANS_DOC};
use crate::checks::{always_evaluated, Check, CheckMeta, Facts, StageFacts};
use crate::model::Part;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: usage_plan_keys_disabled,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC303",
    name: "usage-plan-keys-disabled",
    severity: Severity::Critical,
    severity_note: "",
    title: "Every API key in the usage plans that cover the stage is disabled",
    symptom: "Every request to a key-required method gets 403 {\"message\":\"Forbidden\"}, even with a key that is in the plan.",
    why: "API Gateway refuses a disabled key as if it did not exist.",
    fix: "Enable the key the callers use (API Gateway console > API keys > key > Edit > Enabled).",
    cli: "aws apigateway update-api-key --region {region} --api-key {key_id} --patch-operations op=replace,path=/enabled,value=true",
    docs_url: USAGE_PLANS_DOC,
    reads: &[
        Part::RestApis,
        Part::Resources,
        Part::Stages,
        Part::Deployments,
        Part::UsagePlans,
        Part::UsagePlanKeys,
        Part::ApiKeys,
    ],
};

fn usage_plan_keys_disabled(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (stage_facts, methods) in stages_requiring_keys(facts) {
        // A key the snapshot cannot find might be enabled: do not guess.
        let PlanKeys::AllDisabled(keys) = plan_keys(&facts.index, stage_facts.plans) else {
            continue;
        };
        let StageFacts { api, stage, .. } = stage_facts;
        let names: Vec<String> = keys.iter().map(|k| format!("{} ({})", k.name, k.id)).collect();
        findings.push(
            META.stage_finding(facts.snapshot, api, &stage.name)
                .var("key_id", keys[0].id.as_str())
                .detail(format!(
                    "The usage plans for {}/{} hold {} key(s), all disabled: {}. {}.",
                    api.id,
                    stage.name,
                    keys.len(),
                    names.join(", "),
                    methods_requiring_a_key(&methods)
                ))
                .build(),
        );
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::evaluate;
    use crate::checks::fixtures::*;

    #[test]
    fn gc303_fires_when_every_key_is_disabled() {
        let mut s = healthy();
        s.api_keys[0].enabled = false;
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC303"]);
        assert!(findings[0].detail.contains("k1-name (k1)"));
        assert!(findings[0].remediation.contains("--api-key k1"));
    }

    #[test]
    fn gc303_two_plans_with_one_disabled_key_is_healthy() {
        let mut s = healthy();
        s.usage_plans.push(plan("p2", &[("a1", "prod")], &["k2"]));
        s.api_keys.push(key("k2", false));
        assert!(run(&CHECK, &s).is_empty());
        assert!(evaluate(&s).findings.is_empty());
    }

    #[test]
    fn gc303_does_not_guess_about_keys_it_cannot_see() {
        let mut s = healthy();
        s.api_keys[0].enabled = false;
        s.usage_plans[0].key_ids.push("k-unknown".into());
        assert!(run(&CHECK, &s).is_empty());
    }
}
