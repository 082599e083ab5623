//! What the checks read, worked out once per evaluation from the snapshot: lookups by id;
//! each stage's deployment, usage plans and web ACL; the methods each deployment serves and
//! whether they are the API's current ones; the parsed resource policies; the coverage gaps.
//! Checks asking the same questions of every stage would otherwise each answer them again,
//! which at ten thousand APIs is most of an evaluation's time.

use super::ServedMethod;
use crate::model::{CoverageGap, Deployment, GapReason, Index, Part, RestApi, Snapshot, Stage, UsagePlan, WebAcl};
use crate::policy::{Policy, PolicyError};
use std::ops::Range;

pub struct Facts<'a> {
    pub snapshot: &'a Snapshot,
    pub index: Index<'a>,
    /// Every stage of every API, in snapshot order.
    stages: Vec<StageEntry<'a>>,
    /// What each distinct (API, deployment) serves, end to end: stages that share a
    /// deployment share one range.
    served_methods: Vec<ServedMethod<'a>>,
    /// The usage plans that list each stage, end to end; each stage holds its range.
    stage_plans: Vec<&'a UsagePlan>,
    /// Each API's resource policy, parsed, in `snapshot.rest_apis` order.
    policies: Vec<Option<Result<Policy, PolicyError>>>,
    /// What could not be read, plus what was read but could not be understood.
    pub gaps: Vec<CoverageGap>,
}

struct StageEntry<'a> {
    api: &'a RestApi,
    stage: &'a Stage,
    deployed: Deployed<'a>,
    plans: Range<usize>,
    web_acl: Option<&'a WebAcl>,
}

/// What one deployment of an API serves; stages on the same deployment share it.
#[derive(Clone)]
struct Deployed<'a> {
    id: Option<&'a str>,
    deployment: Option<&'a Deployment>,
    served: Range<usize>,
    as_current: Option<bool>,
}

/// One stage with what it serves.
#[derive(Clone, Copy)]
pub struct StageFacts<'f, 'a> {
    pub api: &'a RestApi,
    pub stage: &'a Stage,
    /// The deployment the stage serves, when the snapshot holds it.
    pub deployment: Option<&'a Deployment>,
    pub served: &'f [ServedMethod<'a>],
    /// Whether the deployment froze the API's methods as they are now; `None` when the
    /// snapshot does not know what it froze (no `apiSummary`).
    pub deployed_as_current: Option<bool>,
    /// The usage plans that list this stage.
    pub plans: &'f [&'a UsagePlan],
    /// The stage's web ACL, when it has one and it was read.
    pub web_acl: Option<&'a WebAcl>,
}

impl<'a> Facts<'a> {
    pub fn new(snapshot: &'a Snapshot) -> Self {
        let index = Index::new(snapshot);
        let stage_count = snapshot.rest_apis.iter().map(|api| api.stages.len()).sum();
        let mut stages = Vec::with_capacity(stage_count);
        let mut served_methods = Vec::new();
        let mut stage_plans = Vec::with_capacity(stage_count);
        // What each deployment of the current API serves (an API has few).
        let mut deployed_of_api: Vec<Deployed> = Vec::new();
        for api in &snapshot.rest_apis {
            deployed_of_api.clear();
            for stage in &api.stages {
                let id = stage.deployment_id.as_deref();
                let deployed = match deployed_of_api.iter().find(|d| d.id == id) {
                    Some(deployed) => deployed.clone(),
                    None => {
                        let deployed = push_served_methods(&mut served_methods, api, id);
                        deployed_of_api.push(deployed.clone());
                        deployed
                    }
                };
                let first_plan = stage_plans.len();
                stage_plans.extend_from_slice(index.plans_covering(&api.id, &stage.name));
                stages.push(StageEntry {
                    api,
                    stage,
                    deployed,
                    plans: first_plan..stage_plans.len(),
                    web_acl: stage.web_acl_arn.as_deref().and_then(|arn| index.web_acl(arn)),
                });
            }
        }
        let policies: Vec<_> = snapshot
            .rest_apis
            .iter()
            .map(|api| api.policy.as_deref().map(Policy::parse))
            .collect();
        let mut gaps = snapshot.gaps.clone();
        for (api, policy) in snapshot.rest_apis.iter().zip(&policies) {
            if let Some(Err(err)) = policy {
                gaps.push(CoverageGap {
                    within: None,
                    part: Part::ResourcePolicies,
                    operation: "GetRestApis".into(),
                    api_id: Some(api.id.to_string()),
                    stage: None,
                    object_id: Some("resource policy".into()),
                    reason: GapReason::Unparseable,
                    message: err.to_string(),
                });
            }
        }
        Facts {
            snapshot,
            index,
            stages,
            served_methods,
            stage_plans,
            policies,
            gaps,
        }
    }

    /// Every stage of every API with the methods it serves, in snapshot order.
    pub fn stages(&self) -> impl Iterator<Item = StageFacts<'_, 'a>> + '_ {
        self.stages.iter().map(|entry| StageFacts {
            api: entry.api,
            stage: entry.stage,
            deployment: entry.deployed.deployment,
            served: &self.served_methods[entry.deployed.served.clone()],
            deployed_as_current: entry.deployed.as_current,
            web_acl: entry.web_acl,
            plans: &self.stage_plans[entry.plans.clone()],
        })
    }

    /// Every API with its resource policy, parsed, where it has one.
    /// Whether a gap hides `part` of the place (`api_id`, `stage`): what the snapshot lacks
    /// there is unknown, not absent.
    pub fn unread(&self, part: Part, api_id: &str, stage: Option<&str>) -> bool {
        self.gaps
            .iter()
            .any(|gap| gap.part.includes(part) && gap.covers(Some(api_id), stage))
    }

    pub fn policies(&self) -> impl Iterator<Item = (&'a RestApi, Option<&Result<Policy, PolicyError>>)> + '_ {
        self.snapshot
            .rest_apis
            .iter()
            .zip(self.policies.iter().map(Option::as_ref))
    }
}

/// The methods a deployment serves: what it froze when the snapshot knows that, otherwise
/// the API's current resources. Whether it froze the current ones is worked out here, while
/// its summary is still in cache.
fn push_served_methods<'a>(out: &mut Vec<ServedMethod<'a>>, api: &'a RestApi, id: Option<&'a str>) -> Deployed<'a> {
    let first = out.len();
    let deployment = id.and_then(|id| api.deployment(id));
    let summary = deployment.and_then(|d| d.api_summary.as_ref());
    match summary {
        Some(summary) => out.extend(summary.iter().flat_map(|(path, verbs)| {
            verbs.iter().map(move |(verb, m)| ServedMethod {
                path,
                http_method: verb,
                api_key_required: m.api_key_required,
                authorization_type: &m.authorization_type,
            })
        })),
        None => out.extend(current_methods(api)),
    }
    let served = first..out.len();
    Deployed {
        id,
        deployment,
        as_current: summary.map(|_| froze_current_methods(&out[served.clone()], api)),
        served,
    }
}

/// Whether a deployment's methods (sorted by path, then verb, as its summary keeps them)
/// are exactly the API's current ones. A path and verb occur once on each side, so the
/// same count and every current method deployed alike mean the same set.
fn froze_current_methods(deployed: &[ServedMethod], api: &RestApi) -> bool {
    let current: usize = api.resources.iter().map(|r| r.methods.len()).sum();
    if current != deployed.len() {
        return false;
    }
    api.resources.iter().all(|resource| {
        let path = resource.path.as_str();
        let from = deployed.partition_point(|m| m.path < path);
        let same_path = &deployed[from..];
        let same_path = &same_path[..same_path.iter().take_while(|m| m.path == path).count()];
        resource.methods.iter().all(|method| {
            same_path.iter().any(|d| {
                d.http_method == method.http_method
                    && d.api_key_required == method.api_key_required
                    && d.authorization_type == method.authorization_type
            })
        })
    })
}

/// What a stage serves: the methods its deployment froze, with that deployment, when the
/// snapshot holds its `apiSummary`; otherwise the API's current methods and no deployment.
/// The checks (through [`Facts`]) and explain's route gate both decide from this.
pub fn served_by<'a>(api: &'a RestApi, stage: &'a Stage) -> (Vec<ServedMethod<'a>>, Option<&'a Deployment>) {
    let mut served = Vec::new();
    let deployed = push_served_methods(&mut served, api, stage.deployment_id.as_deref());
    let frozen = deployed.deployment.filter(|d| d.api_summary.is_some());
    (served, frozen)
}

/// The API's methods as its resources say now, whatever is deployed.
pub fn current_methods(api: &RestApi) -> Vec<ServedMethod<'_>> {
    api.resources
        .iter()
        .flat_map(|r| {
            r.methods.iter().map(move |m| ServedMethod {
                path: &r.path,
                http_method: &m.http_method,
                api_key_required: m.api_key_required,
                authorization_type: &m.authorization_type,
            })
        })
        .collect()
}
