//! What a stage serves against what the API now says, or against its canary (GC4xx).

pub mod gc401;
pub mod gc402;

use crate::checks::{NotEvaluated, ServedMethod, StageFacts};
use crate::model::{ApiSummary, Deployment};

/// How a comparison names its two sides.
pub(super) struct Labels {
    /// A method only the old side serves.
    pub only_old: &'static str,
    /// A method only the new side serves.
    pub only_new: &'static str,
    pub old: &'static str,
    pub new: &'static str,
}

pub(super) fn place<'a>(method: &ServedMethod<'a>) -> (&'a str, &'a str) {
    (method.path, method.http_method)
}

/// The methods a deployment's summary froze, sorted by path, then verb (as it keeps them).
pub(super) fn summary_methods(summary: &ApiSummary) -> Vec<ServedMethod<'_>> {
    summary
        .iter()
        .flat_map(|(path, verbs)| {
            verbs.iter().map(move |(verb, m)| ServedMethod {
                path,
                http_method: verb,
                api_key_required: m.api_key_required,
                authorization_type: &m.authorization_type,
            })
        })
        .collect()
}

/// What decides access and differs between two sides, each sorted by path, then verb:
/// methods on one side only, apiKeyRequired and authorizationType.
pub(super) fn differences(old: &[ServedMethod], new: &[ServedMethod], labels: &Labels) -> Vec<String> {
    let find = |list: &'_ [ServedMethod], wanted: (&str, &str)| list.binary_search_by(|m| place(m).cmp(&wanted)).ok();
    let mut changes = Vec::new();
    for was in old {
        let (path, verb) = place(was);
        match find(new, place(was)).map(|at| &new[at]) {
            None => changes.push(format!("{verb} {path} {}", labels.only_old)),
            Some(now) => {
                if now.api_key_required != was.api_key_required {
                    changes.push(format!(
                        "{verb} {path} apiKeyRequired is {} {}, {} {}",
                        now.api_key_required, labels.new, was.api_key_required, labels.old
                    ));
                }
                if now.authorization_type != was.authorization_type {
                    changes.push(format!(
                        "{verb} {path} authorizationType is {} {}, {} {}",
                        now.authorization_type, labels.new, was.authorization_type, labels.old
                    ));
                }
            }
        }
    }
    for now in new {
        if find(old, place(now)).is_none() {
            changes.push(format!("{} {} {}", now.http_method, now.path, labels.only_new));
        }
    }
    changes
}

/// A stage a comparison cannot be made for: `deployment` came back without its `apiSummary`.
pub(super) fn without_summary(check: &str, stage: &StageFacts, deployment: &Deployment) -> NotEvaluated {
    NotEvaluated {
        check: check.to_string(),
        api_id: Some(stage.api.id.to_string()),
        stage: Some(stage.stage.name.to_string()),
        reason: format!("GetDeployment returned no apiSummary for deployment {}", deployment.id),
    }
}
