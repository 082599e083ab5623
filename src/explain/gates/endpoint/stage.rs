//! The stage the URL or the mapping names.

use super::super::or_none;
use super::Reached;
use crate::checks::domains::gc501;
use crate::explain::request::Request;
use crate::explain::target;
use crate::explain::{Gate, Refusal, Step};
use crate::model::{RestApi, Snapshot, Stage};

/// The stage the URL or mapping names, or the step that refuses the request there.
pub(in crate::explain::gates) fn stage_gate<'a>(
    snapshot: &Snapshot,
    request: &Request,
    api: &'a RestApi,
    reached: &Reached,
) -> Result<(&'a Stage, Step), Step> {
    let region = &snapshot.region;
    let rest = &reached.rest;
    let stage_names: Vec<&str> = api.stages.iter().map(|s| s.name.as_str()).collect();
    let Some((stage_name, from_mapping)) = &reached.stage else {
        return Err(Step::fail(
            Gate::Stage,
            Refusal::forbidden(),
            format!(
                "the URL has no stage: execute-api URLs are https://{}/{{stage}}/{{path}}; this API's stages: {}",
                request.host,
                or_none(&stage_names)
            ),
            format!(
                "put the stage first in the path, e.g. https://{}/{}{}",
                request.host,
                stage_names.first().copied().unwrap_or("<stage>"),
                rest.trim_end_matches('/')
            ),
        ));
    };
    if let Some(stage) = api.stage(stage_name) {
        let step = Step::pass(
            Gate::Stage,
            format!(
                "stage {} serves deployment {}",
                stage.name,
                stage.deployment_id.as_deref().unwrap_or("(none)")
            ),
        );
        return Ok((stage, step));
    }
    let mut evidence = format!(
        "API {} has no stage '{stage_name}'; its stages: {}",
        api.id,
        or_none(&stage_names)
    );
    if !from_mapping && target::current_route(api, &format!("/{stage_name}{rest}"), &request.method).is_some() {
        evidence.push_str(&format!(
            "; /{stage_name}{rest} is a resource path, so the URL probably lacks the stage"
        ));
    }
    if *from_mapping {
        let (domain, base_path) = reached.mapping.clone().unwrap_or_default();
        let vars = [
            ("region", region.as_str()),
            ("domain", domain.as_str()),
            ("base_path", base_path.as_str()),
        ];
        return Err(Step::refused(
            Gate::Stage,
            Refusal::forbidden(),
            evidence,
            gc501::CHECK.meta,
            &vars,
        ));
    }
    let example = if stage_names.is_empty() {
        String::new()
    } else {
        format!("/{stage_name}{rest}").trim_end_matches('/').to_string()
    };
    Err(Step::fail(
        Gate::Stage,
        Refusal::forbidden(),
        evidence,
        format!(
            "call an existing stage, e.g. https://{}/{}{example}",
            request.host,
            stage_names.first().copied().unwrap_or("<stage>"),
        ),
    ))
}
