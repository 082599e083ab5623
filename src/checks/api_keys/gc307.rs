//! GC307 usage-plan-stale-stage.

use super::USAGE_PLANS_DOC;
use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::Part;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: usage_plan_stale_stage,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC307",
    name: "usage-plan-stale-stage",
    severity: Severity::Medium,
    severity_note: "",
    title: "A usage plan lists an API or stage that no longer exists",
    symptom: "Callers whose keys are in this plan get 403 on the stage that replaced it: the plan still points at the old one.",
    why: "Deleting or renaming a stage does not update the usage plans that listed it; a new stage must be added to the plan by hand.",
    fix: "Remove the stale API stage from the plan and add the current one (API Gateway console > Usage plans > plan > Associated stages).",
    cli: "aws apigateway update-usage-plan --region {region} --usage-plan-id {plan_id} --patch-operations op=remove,path=/apiStages,value={api_id}:{stage}",
    docs_url: USAGE_PLANS_DOC,
    reads: &[Part::RestApis, Part::Stages, Part::UsagePlans],
};

fn usage_plan_stale_stage(facts: &Facts) -> Vec<Finding> {
    let (snapshot, index) = (facts.snapshot, &facts.index);
    let scoped_api = snapshot.scope.api_id.as_deref();
    let mut findings = Vec::new();
    for plan in &snapshot.usage_plans {
        for listed in &plan.api_stages {
            // An API-scoped snapshot holds only that API: others are not known to be gone.
            if scoped_api.is_some_and(|id| id != listed.api_id) {
                continue;
            }
            let missing = match index.rest_api(&listed.api_id) {
                None => format!("API {} no longer exists", listed.api_id),
                Some(api) if api.stage(&listed.stage).is_none() => {
                    format!("API {} ({}) has no stage '{}'", api.name, api.id, listed.stage)
                }
                Some(_) => continue,
            };
            let builder = match index.rest_api(&listed.api_id) {
                Some(api) => META.finding(snapshot).api(api),
                None => META.finding(snapshot).api_id(&listed.api_id),
            };
            findings.push(
                builder
                    .stage(&listed.stage)
                    .var("plan_id", plan.id.as_str())
                    .distinguish_by(plan.id.clone())
                    .detail(format!(
                        "Usage plan {} ({}) lists {}:{}, but {missing}.",
                        plan.name, plan.id, listed.api_id, listed.stage
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
    fn gc307_fires_for_missing_stage_and_missing_api() {
        let mut s = healthy();
        s.usage_plans
            .push(plan("p2", &[("a1", "old"), ("gone", "prod")], &["k1"]));
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[0].stage.as_deref(), Some("old"));
        assert_eq!(findings[1].api_id.as_deref(), Some("gone"));
        assert_eq!(findings[1].api_name, None);
        assert!(run(&CHECK, &healthy()).is_empty());
    }

    #[test]
    fn gc307_in_an_api_scoped_snapshot_does_not_call_other_apis_gone() {
        let mut s = healthy();
        s.scope.api_id = Some("a1".into());
        s.usage_plans.push(plan("p2", &[("not-collected", "prod")], &["k1"]));
        assert!(run(&CHECK, &s).is_empty());
    }
}
