//! What the checks read, worked out once per evaluation from the snapshot: lookups by id,
//! the methods each stage serves, the parsed resource policies and the coverage gaps.
//! Checks asking the same questions of every stage would otherwise each answer them again,
//! which at ten thousand APIs is most of an evaluation's time.

use super::ServedMethod;
use crate::model::{CoverageGap, GapReason, Index, Part, RestApi, Snapshot, Stage, UsagePlan};
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
    served: Range<usize>,
    plans: Range<usize>,
}

/// One stage with what it serves.
#[derive(Clone, Copy)]
pub struct StageFacts<'f, 'a> {
    pub api: &'a RestApi,
    pub stage: &'a Stage,
    pub served: &'f [ServedMethod<'a>],
    /// The usage plans that list this stage.
    pub plans: &'f [&'a UsagePlan],
}

impl<'a> Facts<'a> {
    pub fn new(snapshot: &'a Snapshot) -> Self {
        let index = Index::new(snapshot);
        let mut stages = Vec::new();
        let mut served_methods = Vec::new();
        let mut stage_plans = Vec::new();
        for api in &snapshot.rest_apis {
            let mut sets_of_api: Vec<(Option<&str>, Range<usize>)> = Vec::new();
            for stage in &api.stages {
                let deployment = stage.deployment_id.as_deref();
                let served = match sets_of_api.iter().find(|(id, _)| *id == deployment) {
                    Some((_, set)) => set.clone(),
                    None => {
                        let first = served_methods.len();
                        push_served_methods(&mut served_methods, api, stage);
                        sets_of_api.push((deployment, first..served_methods.len()));
                        first..served_methods.len()
                    }
                };
                let first_plan = stage_plans.len();
                stage_plans.extend_from_slice(index.plans_covering(&api.id, &stage.name));
                stages.push(StageEntry {
                    api,
                    stage,
                    served,
                    plans: first_plan..stage_plans.len(),
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
            served: &self.served_methods[entry.served.clone()],
            plans: &self.stage_plans[entry.plans.clone()],
        })
    }

    /// Every API with its resource policy, parsed, where it has one.
    pub fn policies(&self) -> impl Iterator<Item = (&'a RestApi, Option<&Result<Policy, PolicyError>>)> + '_ {
        self.snapshot
            .rest_apis
            .iter()
            .zip(self.policies.iter().map(Option::as_ref))
    }
}

/// The methods a stage serves: from the stage's deployment when the snapshot knows what
/// that deployed, otherwise from the API's current resources.
fn push_served_methods<'a>(out: &mut Vec<ServedMethod<'a>>, api: &'a RestApi, stage: &'a Stage) {
    let deployed = stage
        .deployment_id
        .as_deref()
        .and_then(|id| api.deployment(id))
        .and_then(|d| d.api_summary.as_ref());
    match deployed {
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
