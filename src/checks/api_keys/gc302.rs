//! GC302 usage-plan-without-keys.

use super::{methods_requiring_a_key, plan_keys, stages_requiring_keys, PlanKeys, USAGE_PLANS_DOC};
use crate::checks::{always_evaluated, Check, CheckMeta, Facts, StageFacts};
use crate::model::Part;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: usage_plan_without_keys,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC302",
    name: "usage-plan-without-keys",
    severity: Severity::Critical,
    severity_note: "",
    title: "The usage plans that cover the stage have no API key",
    symptom: "Every request to a key-required method gets 403 {\"message\":\"Forbidden\"}: no key can be valid for this stage.",
    why: "A usage plan admits only the keys attached to it; a plan with no keys admits nobody.",
    fix: "Attach the callers' API key to a usage plan that lists the stage (API Gateway console > Usage plans > plan > Associated API keys > Add API key).",
    cli: "aws apigateway create-usage-plan-key --region {region} --usage-plan-id {plan_id} --key-type API_KEY --key-id <key_id>",
    docs_url: USAGE_PLANS_DOC,
    reads: &[Part::RestApis, Part::Resources, Part::Stages, Part::Deployments, Part::UsagePlans, Part::UsagePlanKeys],
};

fn usage_plan_without_keys(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (stage_facts, methods) in stages_requiring_keys(facts) {
        if plan_keys(&facts.index, stage_facts.plans) != PlanKeys::NoKeys {
            continue;
        }
        let StageFacts { api, stage, plans, .. } = stage_facts;
        let names: Vec<String> = plans.iter().map(|p| format!("{} ({})", p.name, p.id)).collect();
        findings.push(
            META.stage_finding(facts.snapshot, api, &stage.name)
                .var("plan_id", plans[0].id.as_str())
                .detail(format!(
                    "Usage plan(s) {} list {}/{} but hold no API key; {}.",
                    names.join(", "),
                    api.id,
                    stage.name,
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
    use crate::checks::fixtures::*;

    #[test]
    fn gc302_fires_when_covering_plans_hold_no_key() {
        let mut s = healthy();
        s.usage_plans[0].key_ids.clear();
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC302"]);
        assert_eq!(findings[0].stage.as_deref(), Some("prod"));
        assert!(findings[0].remediation.contains("--usage-plan-id p1"));
        assert!(run(&CHECK, &healthy()).is_empty());
    }

    #[test]
    fn gc302_is_quiet_when_another_covering_plan_has_a_key() {
        let mut s = healthy();
        s.usage_plans.push(plan("p2", &[("a1", "prod")], &[]));
        assert!(run(&CHECK, &s).is_empty());
    }
}
