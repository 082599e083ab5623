//! The gates, one function each, in the order API Gateway applies them to a REST API
//! request: the endpoint and its private-API conditions, the stage, AWS WAF (before anything
//! else looks at the request), the route the stage serves, the resource policy and the
//! authorizer in the order the method's authorization type sets, and the API key. A last
//! step compares what the stage serves with the current configuration. The walk stops at
//! the first gate that refuses.
//!
//! Where a gate refuses for a cause the audit also finds, the step points at that check's
//! metadata and its fix is the check's command, filled in for this API and stage.

mod api_key;
mod authorization;
mod endpoint;
mod route;
mod waf;

use super::request::Request;
use super::target::Host;
use super::{ExplainError, Gate, Outcome, Refusal, Step, Target};
use crate::checks::coverage::gc900;
use crate::model::{Index, Method, Part, RestApi, Snapshot, Stage};
use crate::report::CheckMeta;

/// Everything the gates after the route know about the request's target.
struct Context<'a> {
    snapshot: &'a Snapshot,
    index: &'a Index<'a>,
    request: &'a Request,
    host: &'a Host,
    api: &'a RestApi,
    stage: &'a Stage,
    /// The path below the stage (and below the base path, on a custom domain).
    rest: String,
    /// The method that answers, as the stage serves it.
    served: ServedRoute<'a>,
    /// Through a private custom domain: an associated VPC endpoint the request comes from.
    private_endpoint: Option<String>,
}

/// The method that answers a request, as the stage serves it.
#[derive(Debug, Clone)]
struct ServedRoute<'a> {
    resource_path: String,
    verb: String,
    api_key_required: bool,
    authorization_type: String,
    /// The current configuration's method at that route, if it still has one: it names the
    /// authorizer (a deployment's summary does not).
    current: Option<&'a Method>,
    /// The deployment whose `apiSummary` says what the stage serves; None when the summary
    /// is not in the snapshot and the current configuration stands in for it.
    deployment_id: Option<String>,
}

impl Context<'_> {
    /// A refusal for the cause `meta` finds, its fix filled for this request's API, stage
    /// and region, and `vars`.
    fn refused(
        &self,
        gate: Gate,
        refusal: Refusal,
        evidence: impl Into<String>,
        meta: &'static CheckMeta,
        vars: &[(&str, &str)],
    ) -> Step {
        let mut all = vec![
            ("region", self.snapshot.region.as_str()),
            ("api_id", self.api.id.as_str()),
            ("stage", self.stage.name.as_str()),
        ];
        all.extend_from_slice(vars);
        Step::refused(gate, refusal, evidence, meta, &all)
    }

    /// A warning about the cause `meta` finds, its fix filled for this API, stage and region.
    fn warned(&self, gate: Gate, evidence: impl Into<String>, meta: &'static CheckMeta) -> Step {
        let vars = [
            ("region", self.snapshot.region.as_str()),
            ("api_id", self.api.id.as_str()),
            ("stage", self.stage.name.as_str()),
        ];
        Step::warned(gate, evidence, meta, &vars)
    }

    /// Why `parts` are unknown for this API and stage, when a gap hides them.
    fn gap_for(&self, parts: &[Part]) -> Option<String> {
        unread(self.snapshot, parts, Some(&self.api.id), Some(&self.stage.name))
    }
}

/// Why `parts` are unknown where (api, stage) is, when a coverage gap hides them.
fn unread(snapshot: &Snapshot, parts: &[Part], api: Option<&str>, stage: Option<&str>) -> Option<String> {
    snapshot
        .gaps
        .iter()
        .find(|g| parts.iter().any(|p| g.part.includes(*p)) && g.covers(api, stage))
        .map(|g| {
            format!(
                "{} could not be read ({}: {})",
                g.part.as_str(),
                g.operation,
                g.reason.as_str()
            )
        })
}

fn unknown_gap(gate: Gate, why: String) -> Step {
    Step::unknown(gate, why).check(gc900::CHECK.meta)
}

/// Appends steps and stops at the first failure.
struct Walk {
    steps: Vec<Step>,
    target: Target,
}

impl Walk {
    fn done(self) -> (Target, Vec<Step>) {
        (self.target, self.steps)
    }

    /// Whether the walk must stop here.
    fn push(&mut self, step: Step) -> bool {
        let failed = step.outcome == Outcome::Fail;
        self.steps.push(step);
        failed
    }
}

macro_rules! gate {
    ($walk:ident, $step:expr) => {
        if $walk.push($step) {
            return Ok($walk.done());
        }
    };
}

pub(super) fn walk(snapshot: &Snapshot, request: &Request, host: &Host) -> Result<(Target, Vec<Step>), ExplainError> {
    let index = Index::new(snapshot);
    let mut walk = Walk {
        steps: Vec::new(),
        target: Target {
            region: Some(snapshot.region.clone()),
            http_method: Some(request.method.clone()),
            ..Target::default()
        },
    };

    let reached = match endpoint::endpoint_gate(snapshot, &index, request, host)? {
        Ok(reached) => reached,
        Err(steps) => {
            walk.steps.extend(steps);
            return Ok(walk.done());
        }
    };
    let api = reached.api;
    walk.target.api_id = Some(api.id.to_string());
    walk.target.api_name = Some(api.name.to_string());
    walk.steps.extend(reached.preceding.iter().cloned());
    gate!(walk, reached.step.clone());
    // From here on the request is what reaches API Gateway: through CloudFront, from
    // CloudFront's address.
    let forwarded;
    let request = if reached.via_cloudfront {
        forwarded = request.as_cloudfront_sends_it();
        &forwarded
    } else {
        request
    };
    gate!(walk, endpoint::private_gate(snapshot, request, host, &reached));

    let stage = match endpoint::stage_gate(snapshot, request, api, &reached) {
        Ok((stage, step)) => {
            walk.target.stage = Some(stage.name.to_string());
            walk.push(step);
            stage
        }
        Err(step) => {
            walk.target.stage = reached.stage.as_ref().map(|(name, _)| name.clone());
            walk.push(step);
            return Ok(walk.done());
        }
    };

    // AWS WAF sees the request before API Gateway looks at its path, policy or authorizer.
    gate!(walk, waf::waf_gate(snapshot, &index, request, api, stage));

    let served = match route::route_gate(snapshot, api, stage, &reached.rest, &request.method) {
        (step, Some(served)) => {
            walk.target.resource_path = Some(served.resource_path.clone());
            walk.target.http_method = Some(served.verb.clone());
            walk.push(step);
            served
        }
        (step, None) => {
            walk.push(step);
            return Ok(walk.done());
        }
    };
    let context = Context {
        snapshot,
        index: &index,
        request,
        host,
        api,
        stage,
        rest: reached.rest.clone(),
        served,
        private_endpoint: reached.private_endpoints.as_ref().and_then(|e| e.first().cloned()),
    };

    let checks = authorization::authorization_flow(&context)
        .into_iter()
        .chain(std::iter::once_with(|| api_key::api_key_gate(&context)));
    for step in checks {
        if step.outcome == Outcome::Fail {
            // A canary may answer its share of the calls otherwise: say so where the walk stops.
            let step = match route::canary_note(&context) {
                Some(note) => Step {
                    evidence: format!("{}; {note}", step.evidence),
                    ..step
                },
                None => step,
            };
            walk.push(step);
            return Ok(walk.done());
        }
        walk.push(step);
    }
    walk.push(route::deployment_step(&context));
    Ok(walk.done())
}

fn or_none<T: AsRef<str>>(items: &[T]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(", ")
    }
}
