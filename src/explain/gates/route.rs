//! The route, as the stage serves it. A stage serves its deployment, not the current
//! configuration: a method added, removed or changed since answers as it was deployed until
//! the next deployment (developer guide, "Deploy REST APIs in API Gateway"). The gates decide
//! on the deployment's `apiSummary`; the current configuration is compared at the end.

use super::{api_key, authorization, or_none, Context, ServedRoute};
use crate::checks::deployment::{gc401, gc402};
use crate::checks::reachability::gc107;
use crate::checks::served_by;
use crate::explain::target::{best_resource, current_route, pick_method};
use crate::explain::{Gate, Outcome, Refusal, Step};
use crate::model::{RestApi, Snapshot, Stage};

pub(super) fn route_gate<'a>(
    snapshot: &Snapshot,
    api: &'a RestApi,
    stage: &'a Stage,
    rest: &str,
    verb: &str,
) -> (Step, Option<ServedRoute<'a>>) {
    let (served, deployment) = served_by(api, stage);
    let current = current_route(api, rest, verb);
    let basis = match deployment {
        Some(d) => format!("as deployment {} serves it", d.id),
        None => "in the current configuration: the deployment's apiSummary was not returned, so the verdict rests on the current configuration".to_string(),
    };
    let resource = best_resource(served.iter().map(|m| m.path), rest);
    let method = resource.and_then(|path| {
        let verbs = served.iter().filter(|m| m.path == path).map(|m| (m.http_method, m));
        pick_method(verbs, verb)
    });
    if let (Some(resource_path), Some((answering_verb, m))) = (resource, method) {
        let route = ServedRoute {
            resource_path: resource_path.to_string(),
            verb: answering_verb.to_string(),
            api_key_required: m.api_key_required,
            authorization_type: m.authorization_type.to_string(),
            current: current
                .as_ref()
                .filter(|c| c.resource_path == resource_path)
                .and_then(|c| c.method),
            deployment_id: deployment.map(|d| d.id.to_string()),
        };
        let step = Step::pass(
            Gate::Route,
            format!("{verb} {rest} → resource {resource_path}, method {answering_verb}, {basis}"),
        );
        return (step, Some(route));
    }
    let evidence = match resource {
        Some(path) => {
            let verbs: Vec<&str> = served
                .iter()
                .filter(|m| m.path == path)
                .map(|m| m.http_method)
                .collect();
            format!("resource {path} has methods {}, not {verb}, {basis}", or_none(&verbs))
        }
        None => {
            let mut paths: Vec<&str> = served.iter().map(|m| m.path).collect();
            paths.dedup();
            format!(
                "no resource of API {} takes {rest} {basis}; its resources: {}",
                api.id,
                or_none(&paths)
            )
        }
    };
    let vars = [
        ("region", snapshot.region.as_str()),
        ("api_id", api.id.as_str()),
        ("stage", stage.name.as_str()),
    ];
    let step = match (
        deployment,
        current.as_ref().and_then(|c| c.method.map(|m| (c.resource_path, m))),
    ) {
        // Added since the deployment: it answers once deployed.
        (Some(d), Some((path, m))) => Step::refused(
            Gate::Route,
            Refusal::missing_token(),
            format!(
                "{evidence}; the current configuration has {} {path}, added after deployment {}",
                m.http_method, d.id
            ),
            gc401::CHECK.meta,
            &vars,
        ),
        // The base path under a {proxy+}: every sub-path answers, this one cannot.
        _ if gc107::unanswered_proxy_parent(served.iter().map(|m| m.path), rest) => Step::refused(
            Gate::Route,
            Refusal::missing_token(),
            format!("{evidence}; {{proxy+}} takes every path below {rest}, never {rest} itself"),
            gc107::CHECK.meta,
            &vars,
        ),
        _ => Step::fail(
            Gate::Route,
            Refusal::missing_token(),
            evidence,
            "check the path and method against the resources the stage serves (listed above)",
        ),
    };
    (step, None)
}

/// Whether the current configuration agrees with what the stage serves for this route, and
/// if not, what the next deployment does to this request; and what a canary on the stage
/// does with its share of the calls. Never changes the verdict.
pub(super) fn deployment_step(c: &Context) -> Step {
    let step = current_against_served(c);
    let Some(canary) = canary_note(c) else {
        return step;
    };
    let evidence = format!("{}; {canary}", step.evidence);
    match step.outcome {
        Outcome::Pass => Step::warning(Gate::Deployment, evidence).check(gc402::CHECK.meta),
        _ => Step { evidence, ..step },
    }
}

/// What the stage's canary serves for this route, when it differs from the stage's
/// deployment: which share of the calls, and whether they are refused.
pub(super) fn canary_note(c: &Context) -> Option<String> {
    let (canary_id, share) = gc402::canary_of(c.api, c.stage)?;
    let Some(summary) = c.api.deployment(canary_id).and_then(|d| d.api_summary.as_ref()) else {
        return Some(format!(
            "{share}% of the calls go to canary deployment {canary_id}, whose apiSummary was not returned: how it answers them is unknown"
        ));
    };
    let route = best_resource(summary.keys().map(|p| p.as_str()), &c.rest).and_then(|path| {
        let verbs = summary.get(path)?;
        pick_method(verbs.iter().map(|(v, m)| (v.as_str(), m)), &c.request.method).map(|(v, m)| (path, v, m))
    });
    let Some((path, verb, method)) = route else {
        return Some(format!(
            "{share}% of the calls go to canary deployment {canary_id}, which has no {} {}: those get 403 Missing Authentication Token (GC402)",
            c.request.method, c.rest
        ));
    };
    let served = &c.served;
    if path == served.resource_path
        && verb == served.verb
        && method.api_key_required == served.api_key_required
        && method.authorization_type == served.authorization_type
    {
        return None;
    }
    let in_canary = Context {
        served: ServedRoute {
            resource_path: path.to_string(),
            verb: verb.to_string(),
            api_key_required: method.api_key_required,
            authorization_type: method.authorization_type.to_string(),
            ..served.clone()
        },
        rest: c.rest.clone(),
        private_endpoint: c.private_endpoint.clone(),
        ..*c
    };
    let refused = authorization::authorization_flow(&in_canary)
        .into_iter()
        .chain(std::iter::once(api_key::api_key_gate(&in_canary)))
        .find(|s| s.outcome == Outcome::Fail);
    let outcome = match refused {
        Some(step) => format!("those are refused ({}: {})", step.step.title(), step.evidence),
        None => "those are not refused".to_string(),
    };
    Some(format!(
        "{share}% of the calls go to canary deployment {canary_id}, which serves {verb} {path} with apiKeyRequired={} and authorization {}: {outcome} (GC402)",
        method.api_key_required, method.authorization_type
    ))
}

fn current_against_served(c: &Context) -> Step {
    let Some(deployment_id) = &c.served.deployment_id else {
        return Step::unknown(
            Gate::Deployment,
            "the endpoint did not return the deployment's apiSummary: the verdict rests on the current configuration, which the stage serves only if it was deployed since it last changed",
        );
    };
    let served = &c.served;
    let Some(current) = served.current else {
        return Step::warning(
            Gate::Deployment,
            format!(
                "deployment {deployment_id} serves {} {}, which the current configuration no longer has: after the next deployment this request gets 403 Missing Authentication Token",
                served.verb, served.resource_path
            ),
        )
        .check(gc401::CHECK.meta);
    };
    if current.api_key_required == served.api_key_required && current.authorization_type == served.authorization_type {
        return Step::pass(
            Gate::Deployment,
            format!(
                "deployment {deployment_id} serves {} {} as configured now",
                served.verb, served.resource_path
            ),
        );
    }
    let differences = format!(
        "deployment {deployment_id} serves {} {} with apiKeyRequired={} and authorization {}; the current configuration has apiKeyRequired={} and {}",
        served.verb,
        served.resource_path,
        served.api_key_required,
        served.authorization_type,
        current.api_key_required,
        current.authorization_type
    );
    let next = Context {
        served: ServedRoute {
            api_key_required: current.api_key_required,
            authorization_type: current.authorization_type.to_string(),
            ..served.clone()
        },
        rest: c.rest.clone(),
        private_endpoint: c.private_endpoint.clone(),
        ..*c
    };
    let refused = authorization::authorization_flow(&next)
        .into_iter()
        .chain(std::iter::once(api_key::api_key_gate(&next)))
        .find(|s| s.outcome == Outcome::Fail);
    match refused {
        Some(step) => c.warned(
            Gate::Deployment,
            format!(
                "{differences}: after the next deployment this request will be refused ({}: {}); deploy only once callers are ready for it",
                step.step.title(),
                step.evidence
            ),
            gc401::CHECK.meta,
        ),
        None => Step::warning(
            Gate::Deployment,
            format!("{differences}; the next deployment changes that, and still admits this request"),
        )
        .check(gc401::CHECK.meta),
    }
}

#[cfg(test)]
mod tests;
