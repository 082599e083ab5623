//! GC402 canary-serves-different-access.

use super::{differences, summary_methods, without_summary, Labels};
use crate::checks::{Check, CheckMeta, Facts, NotEvaluated, StageFacts};
use crate::model::{Part, RestApi, Stage};
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: canary_serves_different_access,
    not_evaluated: canaries_without_summary,
};

static META: CheckMeta = CheckMeta {
    id: "GC402",
    name: "canary-serves-different-access",
    severity: Severity::High,
    severity_note: "",
    title: "The stage's canary serves a deployment that decides access differently",
    symptom: "A share of the calls to the stage (the canary's percentTraffic) gets 403, or gets in, where the rest do not: the same request answers differently from one call to the next.",
    why: "A canary release sends percentTraffic of a stage's requests to another deployment; methods, apiKeyRequired and authorizationType are whatever that deployment froze.",
    fix: "Promote the canary once it is right, or remove it (API Gateway console > Stages > stage > Canary > Promote canary / Delete canary).",
    cli: "aws apigateway update-stage --region {region} --rest-api-id {api_id} --stage-name {stage} --patch-operations op=remove,path=/canarySettings",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/canary-release.html",
    reads: &[Part::RestApis, Part::Stages, Part::Deployments],
};

const AGAINST_STAGE: Labels = Labels {
    only_old: "is served by the stage's deployment but not by the canary",
    only_new: "is served only by the canary",
    old: "in the stage's deployment",
    new: "in the canary",
};

/// The stage's canary, when it takes a share of the calls to a deployment of its own: the
/// place of this check, for the audit and for explain's note on the route.
pub fn canary_of<'a>(api: &'a RestApi, stage: &'a Stage) -> Option<(&'a str, f64)> {
    let canary = stage.canary.as_ref()?;
    let id = canary.deployment_id.as_deref()?;
    (canary.percent_traffic > 0.0 && Some(id) != stage.deployment_id.as_deref() && api.deployment(id).is_some())
        .then_some((id, canary.percent_traffic))
}

fn canary_serves_different_access(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for StageFacts {
        api, stage, deployment, ..
    } in facts.stages()
    {
        let Some((canary_id, share)) = canary_of(api, stage) else {
            continue;
        };
        let stage_summary = deployment.and_then(|d| d.api_summary.as_ref());
        let canary_summary = api.deployment(canary_id).and_then(|d| d.api_summary.as_ref());
        let (Some(stage_summary), Some(canary_summary)) = (stage_summary, canary_summary) else {
            continue;
        };
        let changes = differences(
            &summary_methods(stage_summary),
            &summary_methods(canary_summary),
            &AGAINST_STAGE,
        );
        if changes.is_empty() {
            continue;
        }
        findings.push(
            META.stage_finding(facts.snapshot, api, &stage.name)
                .detail(format!(
                    "{share}% of the calls to {}/{} go to canary deployment {canary_id}, which decides access differently from deployment {}: {}.",
                    api.id,
                    stage.name,
                    stage.deployment_id.as_deref().unwrap_or("(none)"),
                    changes.join("; ")
                ))
                .build(),
        );
    }
    findings
}

/// Canaries whose deployments came back without `apiSummary`: nothing to compare.
fn canaries_without_summary(facts: &Facts) -> Vec<NotEvaluated> {
    facts
        .stages()
        .filter_map(|stage| {
            let (canary_id, _) = canary_of(stage.api, stage.stage)?;
            let canary = stage.api.deployment(canary_id);
            let missing = [stage.deployment, canary]
                .into_iter()
                .flatten()
                .find(|d| d.api_summary.is_none())?;
            Some(without_summary(META.id, &stage, missing))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;
    use crate::model::{Canary, Deployment};

    /// The healthy fixture, deployed, with a canary on deployment d-canary that froze the API
    /// after `change` and takes 10% of the calls.
    fn with_canary(change: impl Fn(&mut RestApi)) -> crate::model::Snapshot {
        let mut s = healthy();
        let api = &mut s.rest_apis[0];
        api.deployments.push(Deployment {
            id: "d-prod".into(),
            api_summary: Some(api.current_summary()),
        });
        let mut changed = api.clone();
        change(&mut changed);
        api.deployments.push(Deployment {
            id: "d-canary".into(),
            api_summary: Some(changed.current_summary()),
        });
        api.stages[0].canary = Some(Canary {
            deployment_id: Some("d-canary".into()),
            percent_traffic: 10.0,
        });
        s
    }

    #[test]
    fn gc402_fires_when_the_canary_drops_the_key_requirement() {
        let s = with_canary(|api| api.resources[0].methods[0].api_key_required = false);
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC402"]);
        assert!(
            findings[0].detail.starts_with("10% of the calls"),
            "{}",
            findings[0].detail
        );
        assert!(
            findings[0].detail.contains("apiKeyRequired is false in the canary"),
            "{}",
            findings[0].detail
        );
    }

    #[test]
    fn gc402_is_quiet_for_an_equal_canary_or_none() {
        assert!(run(&CHECK, &with_canary(|_| {})).is_empty());
        let mut s = with_canary(|api| api.resources[0].methods[0].api_key_required = false);
        assert!(run(&CHECK, &healthy()).is_empty());
        if let Some(canary) = s.rest_apis[0].stages[0].canary.as_mut() {
            canary.percent_traffic = 0.0;
        }
        assert!(run(&CHECK, &s).is_empty(), "a canary with no traffic serves nobody");
    }

    #[test]
    fn gc402_without_summaries_is_not_evaluated() {
        let mut s = with_canary(|api| api.resources[0].methods[0].api_key_required = false);
        s.rest_apis[0].deployments[1].api_summary = None;
        assert!(run(&CHECK, &s).is_empty());
        let facts = Facts::new(&s);
        assert_eq!((CHECK.not_evaluated)(&facts).len(), 1);
    }
}
