//! What a stage serves against what the API now says: changes that need a redeploy. GC401.

use super::{Check, CheckMeta, NotEvaluated};
use crate::finding::{Finding, Severity};
use crate::model::{DeployedMethod, Part, RestApi, Snapshot};
use std::collections::BTreeMap;

pub static GC401: Check = Check {
    meta: &GC401_META,
    run: undeployed_key_changes,
    not_evaluated: stages_without_summary,
};

static GC401_META: CheckMeta = CheckMeta {
    id: "GC401",
    name: "undeployed-key-changes",
    severity: Severity::High,
    title: "The stage serves an old deployment: access settings changed since and were never deployed",
    symptom: "The console shows the method as you set it, but callers get the old behaviour: 403 where a key or authorizer was added, or a method that is missing or still there.",
    why: "A stage serves a frozen deployment; changes to methods, apiKeyRequired or authorization take effect only after a new deployment to that stage.",
    fix: "Deploy the API to the stage (API Gateway console > Resources > Deploy API > stage).",
    cli: "aws apigateway create-deployment --region {region} --rest-api-id {api_id} --stage-name {stage}",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-deploy-api.html",
    reads: &[Part::RestApis, Part::Resources, Part::Stages, Part::Deployments],
};

type MethodMap<'a> = BTreeMap<(&'a str, &'a str), (bool, &'a str)>;

fn undeployed_key_changes(snapshot: &Snapshot) -> Vec<Finding> {
    let mut findings = Vec::new();
    for api in &snapshot.rest_apis {
        let current: MethodMap = api
            .resources
            .iter()
            .flat_map(|r| {
                r.methods.iter().map(move |m| {
                    (
                        (r.path.as_str(), m.http_method.as_str()),
                        (m.api_key_required, m.authorization_type.as_str()),
                    )
                })
            })
            .collect();
        // Stages usually share deployments: compare each deployment once.
        let mut compared: Vec<(&str, Vec<String>)> = Vec::new();
        for stage in &api.stages {
            let Some(deployment_id) = stage.deployment_id.as_deref() else {
                continue;
            };
            let changes = match compared.iter().find(|(id, _)| *id == deployment_id) {
                Some((_, changes)) => changes,
                None => {
                    let Some(summary) = deployed_summary(api, Some(deployment_id)) else {
                        continue;
                    };
                    let deployed: MethodMap = summary
                        .iter()
                        .flat_map(|(path, verbs)| {
                            verbs.iter().map(move |(verb, m): (&String, &DeployedMethod)| {
                                (
                                    (path.as_str(), verb.as_str()),
                                    (m.api_key_required, m.authorization_type.as_str()),
                                )
                            })
                        })
                        .collect();
                    compared.push((deployment_id, differences(&deployed, &current)));
                    &compared[compared.len() - 1].1
                }
            };
            if changes.is_empty() {
                continue;
            }
            findings.push(
                GC401_META
                    .finding(snapshot)
                    .api(api)
                    .stage(&stage.name)
                    .detail(format!(
                        "{}/{} serves deployment {}, which differs from the API's current configuration: {}.",
                        api.id,
                        stage.name,
                        stage.deployment_id.as_deref().unwrap_or("?"),
                        changes.join("; ")
                    ))
                    .build(),
            );
        }
    }
    findings
}

fn deployed_summary<'a>(
    api: &'a RestApi,
    deployment_id: Option<&str>,
) -> Option<&'a BTreeMap<String, BTreeMap<String, DeployedMethod>>> {
    api.deployment(deployment_id?)?.api_summary.as_ref()
}

fn differences(deployed: &MethodMap, current: &MethodMap) -> Vec<String> {
    let mut changes = Vec::new();
    for ((path, verb), (key, auth)) in deployed {
        match current.get(&(*path, *verb)) {
            None => changes.push(format!("{verb} {path} is deployed but no longer exists")),
            Some((now_key, now_auth)) => {
                if now_key != key {
                    changes.push(format!(
                        "{verb} {path} apiKeyRequired is {now_key} now, {key} as deployed"
                    ));
                }
                if now_auth != auth {
                    changes.push(format!(
                        "{verb} {path} authorizationType is {now_auth} now, {auth} as deployed"
                    ));
                }
            }
        }
    }
    for (path, verb) in current.keys() {
        if !deployed.contains_key(&(*path, *verb)) {
            changes.push(format!("{verb} {path} is new and not deployed"));
        }
    }
    changes
}

/// Stages whose deployment came back without `apiSummary`: nothing to compare against.
fn stages_without_summary(snapshot: &Snapshot) -> Vec<NotEvaluated> {
    let mut skipped = Vec::new();
    for api in &snapshot.rest_apis {
        for stage in &api.stages {
            let Some(deployment) = stage.deployment_id.as_deref().and_then(|id| api.deployment(id)) else {
                continue;
            };
            if deployment.api_summary.is_none() {
                skipped.push(NotEvaluated {
                    check: GC401_META.id.to_string(),
                    api_id: Some(api.id.clone()),
                    stage: Some(stage.name.clone()),
                    reason: format!("GetDeployment returned no apiSummary for deployment {}", deployment.id),
                });
            }
        }
    }
    skipped
}
