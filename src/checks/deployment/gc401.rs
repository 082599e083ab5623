//! GC401 undeployed-key-changes.

use super::{differences, place, without_summary, Labels};
use crate::checks::facts::current_methods;
use crate::checks::{Check, CheckMeta, Facts, NotEvaluated, StageFacts};
use crate::model::{Part, RestApi};
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: undeployed_key_changes,
    not_evaluated: stages_without_summary,
};

static META: CheckMeta = CheckMeta {
    id: "GC401",
    name: "undeployed-key-changes",
    severity: Severity::High,
    severity_note: "",
    title: "The stage serves an old deployment: access settings changed since and were never deployed",
    symptom: "The console shows the method as you set it, but callers get the old behaviour: 403 where a key or authorizer was added, or a method that is missing or still there.",
    why: "A stage serves a frozen deployment; changes to methods, apiKeyRequired or authorization take effect only after a new deployment to that stage.",
    fix: "Deploy the API to the stage (API Gateway console > Resources > Deploy API > stage).",
    cli: "aws apigateway create-deployment --region {region} --rest-api-id {api_id} --stage-name {stage}",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-deploy-api.html",
    reads: &[Part::RestApis, Part::Resources, Part::Stages, Part::Deployments],
};

const AGAINST_CURRENT: Labels = Labels {
    only_old: "is deployed but no longer exists",
    only_new: "is new and not deployed",
    old: "as deployed",
    new: "now",
};

fn undeployed_key_changes(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Stages come grouped by API, and stages that share a deployment share its comparison.
    let mut current_api: Option<&RestApi> = None;
    let mut compared: Vec<(&str, Vec<String>)> = Vec::new();
    let stale = facts.stages().filter(|s| s.deployed_as_current == Some(false));
    for StageFacts { api, stage, served, .. } in stale {
        let Some(deployment_id) = stage.deployment_id.as_deref() else {
            continue;
        };
        if !current_api.is_some_and(|seen| std::ptr::eq(seen, api)) {
            current_api = Some(api);
            compared.clear();
        }
        let changes = match compared.iter().position(|(id, _)| *id == deployment_id) {
            Some(at) => &compared[at].1,
            None => {
                let mut current = current_methods(api);
                current.sort_by(|a, b| place(a).cmp(&place(b)));
                compared.push((deployment_id, differences(served, &current, &AGAINST_CURRENT)));
                &compared[compared.len() - 1].1
            }
        };
        if changes.is_empty() {
            continue;
        }
        findings.push(
            META.stage_finding(facts.snapshot, api, &stage.name)
                .detail(format!(
                    "{}/{} serves deployment {deployment_id}, which differs from the API's current configuration: {}.",
                    api.id,
                    stage.name,
                    changes.join("; ")
                ))
                .build(),
        );
    }
    findings
}

/// Stages whose deployment came back without `apiSummary`: nothing to compare against.
fn stages_without_summary(facts: &Facts) -> Vec<NotEvaluated> {
    facts
        .stages()
        .filter_map(|stage| {
            let deployment = stage.deployment.filter(|d| d.api_summary.is_none())?;
            Some(without_summary(META.id, &stage, deployment))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::evaluate;
    use crate::checks::fixtures::*;
    use crate::model::*;

    #[test]
    fn gc401_compares_deployed_and_current_both_ways() {
        let mut s = healthy();
        s.rest_apis[0].resources[0].methods.push(method("POST", true, "NONE"));
        s.rest_apis[0].resources[0].methods[0].authorization_type = "AWS_IAM".into();
        let deployed = |verb: &str, key: bool| {
            let method = DeployedMethod {
                api_key_required: key,
                authorization_type: "NONE".into(),
            };
            [(verb.into(), method)].into_iter().collect()
        };
        let summary: ApiSummary = [
            ("/old".into(), deployed("DELETE", false)),
            ("/items".into(), deployed("GET", true)),
        ]
        .into_iter()
        .collect();
        s.rest_apis[0].deployments.push(Deployment {
            id: "d-prod".into(),
            api_summary: Some(summary),
        });
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC401"]);
        let detail = &findings[0].detail;
        for needle in [
            "DELETE /old is deployed but no longer exists",
            "POST /items is new and not deployed",
            "GET /items authorizationType is AWS_IAM now, NONE as deployed",
        ] {
            assert!(detail.contains(needle), "{needle} missing: {detail}");
        }
    }

    #[test]
    fn gc401_sees_a_method_moved_to_another_path_or_verb() {
        // As many methods deployed as there are now, but not the same ones.
        for (path, verb) in [("/items", "POST"), ("/things", "GET")] {
            let mut s = healthy();
            deploy_get_items(&mut s, true);
            let resource = &mut s.rest_apis[0].resources[0];
            resource.path = path.into();
            resource.methods[0].http_method = verb.into();
            let findings = run(&CHECK, &s);
            assert_eq!(ids(&findings), ["GC401"], "{verb} {path}");
            assert!(
                findings[0]
                    .detail
                    .contains("GET /items is deployed but no longer exists")
                    && findings[0]
                        .detail
                        .contains(&format!("{verb} {path} is new and not deployed")),
                "{}",
                findings[0].detail
            );
        }
    }

    #[test]
    fn gc401_quiet_when_deployment_matches_and_not_evaluated_without_summary() {
        let mut s = healthy();
        deploy_get_items(&mut s, true);
        assert!(run(&CHECK, &s).is_empty());
        s.rest_apis[0].resources[0].methods[0].api_key_required = false;
        assert!(run(&CHECK, &s)[0]
            .detail
            .contains("apiKeyRequired is false now, true as deployed"));

        let mut s = healthy();
        s.rest_apis[0].deployments.push(Deployment {
            id: "d-prod".into(),
            api_summary: None,
        });
        assert!(run(&CHECK, &s).is_empty());
        let evaluation = evaluate(&s);
        assert_eq!(evaluation.not_evaluated.len(), 1);
        assert_eq!(
            (
                evaluation.not_evaluated[0].check.as_str(),
                evaluation.not_evaluated[0].stage.as_deref()
            ),
            ("GC401", Some("prod"))
        );
    }
}
