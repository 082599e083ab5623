//! The route, as the stage serves it. A stage serves its deployment, not the current
//! configuration: a method added, removed or changed since answers as it was deployed until
//! the next deployment (developer guide, "Deploy REST APIs in API Gateway"). The gates decide
//! on the deployment's `apiSummary`; the current configuration is compared at the end.

use super::{api_key, authorization, or_none, Context, ServedRoute};
use crate::checks::deployment::gc401;
use crate::checks::served_by;
use crate::explain::target::{best_resource, current_route, pick_method};
use crate::explain::{Gate, Outcome, Refusal, Step};
use crate::model::{RestApi, Snapshot, Stage};
use crate::report::fill_placeholders;

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
        (Some(d), Some((path, m))) => Step::fail(
            Gate::Route,
            Refusal::missing_token(),
            format!(
                "{evidence}; the current configuration has {} {path}, added after deployment {}",
                m.http_method, d.id
            ),
            fill_placeholders(gc401::CHECK.meta.cli, &vars),
        )
        .check(gc401::CHECK.meta),
        _ => Step::fail(
            Gate::Route,
            Refusal::missing_token(),
            evidence,
            format!(
                "check the path and method; a resource or method added since the last deployment needs one: {}",
                fill_placeholders(gc401::CHECK.meta.cli, &vars)
            ),
        ),
    };
    (step, None)
}

/// Whether the current configuration agrees with what the stage serves for this route, and
/// if not, what the next deployment does to this request. Never changes the verdict.
pub(super) fn deployment_step(c: &Context) -> Step {
    let Some(deployment_id) = &c.served.deployment_id else {
        return Step::unknown(
            Gate::Deployment,
            "the endpoint did not return the deployment's apiSummary: the verdict rests on the current configuration, which the stage serves only if it was deployed since it last changed",
        );
    };
    let redeploy = c.fix(gc401::CHECK.meta, &[]);
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
        ..*c
    };
    let refused = authorization::authorization_flow(&next)
        .into_iter()
        .chain(std::iter::once(api_key::api_key_gate(&next)))
        .find(|s| s.outcome == Outcome::Fail);
    match refused {
        Some(step) => Step {
            fix: Some(format!("deploy only once callers are ready for it: {redeploy}")),
            ..Step::warning(
                Gate::Deployment,
                format!(
                    "{differences}: after the next deployment this request will be refused ({}: {})",
                    step.step.title(),
                    step.evidence
                ),
            )
        }
        .check(gc401::CHECK.meta),
        None => Step::warning(
            Gate::Deployment,
            format!("{differences}; the next deployment changes that, and still admits this request"),
        )
        .check(gc401::CHECK.meta),
    }
}
