//! Which API the host reaches: an execute-api URL (or a VPC endpoint naming the API) here, a
//! custom domain in `domain`; then the private-API conditions (`private`) and the stage
//! (`stage`).

use super::{unknown_gap, unread};
use crate::checks::reachability::{gc101, gc105, gc106};
use crate::explain::request::Request;
use crate::explain::target::{self, Host};
use crate::explain::{ExplainError, Gate, Outcome, Refusal, Step};
use crate::model::{Index, Part, RestApi, Snapshot};

mod cloudfront;
mod domain;
mod private;
mod stage;

pub(super) use private::private_gate;
pub(super) use stage::stage_gate;

/// Where the endpoint gate leads: the API, the stage the URL or mapping names (and whether
/// the mapping named it), the path below the stage, and the gate's passing step.
pub(super) struct Reached<'a> {
    pub api: &'a RestApi,
    pub stage: Option<(String, bool)>,
    pub rest: String,
    pub step: Step,
    /// The custom domain and base path the request came through.
    pub mapping: Option<(String, String)>,
    /// For a private custom domain, the VPC endpoints associated with it: the only ones a
    /// request through it can come from.
    pub private_endpoints: Option<Vec<String>>,
    /// Steps that decide nothing but come before the gate's own (a policy not evaluated).
    pub preceding: Vec<Step>,
    /// Through a CloudFront distribution: API Gateway sees CloudFront's address, not the
    /// caller's.
    pub via_cloudfront: bool,
}

/// The API the host and path reach, or the steps that end the walk there.
pub(super) fn endpoint_gate<'a>(
    snapshot: &'a Snapshot,
    index: &Index<'a>,
    request: &Request,
    host: &Host,
) -> Result<Result<Reached<'a>, Vec<Step>>, ExplainError> {
    let region = &snapshot.region;
    // A CloudFront name, or an alias of a distribution where no custom domain has that name.
    let distribution_host = match host {
        Host::CloudFront { name } => Some(name),
        Host::CustomDomain { name }
            if snapshot.custom_domain(name).is_none() && snapshot.distributions.iter().any(|d| d.serves(name)) =>
        {
            Some(name)
        }
        _ => None,
    };
    if let Some(name) = distribution_host {
        return cloudfront::through_cloudfront(snapshot, index, request, name);
    }
    if let Host::CustomDomain { name } = host {
        let reached = domain::through_domain(snapshot, index, request, name)?;
        return Ok(reached.map(|reached| strict_through_domain(snapshot, name, reached)));
    }

    let Some(api_id) = target::named_api_id(host, request) else {
        return Ok(Err(vec![
            Step::pass(Gate::Endpoint, format!("{} is a VPC endpoint's DNS name", request.host)),
            Step::fail(
                Gate::Private,
                Refusal::forbidden(),
                "a VPC endpoint's DNS name does not say which API to call: the request has no x-apigw-api-id header and no Host header naming the API",
                "add -H 'x-apigw-api-id: <api_id>' (or -H 'Host: <api_id>.execute-api.<region>.amazonaws.com')",
            ),
        ]));
    };
    let api = index.rest_api(&api_id).ok_or_else(|| ExplainError::ApiNotFound {
        api_id: api_id.clone(),
        region: region.clone(),
    })?;
    if gc101::refuses_execute_api(api) {
        let domains: Vec<String> = snapshot
            .mappings_to(&api.id)
            .map(|(d, m)| format!("https://{}/{}", d.name, m.base_path.replace("(none)", "")))
            .collect();
        let through = if domains.is_empty() {
            "no custom domain maps it".to_string()
        } else {
            format!("call it through its custom domain instead: {}", domains.join(", "))
        };
        let step = Step::refused(
            Gate::Endpoint,
            Refusal::forbidden(),
            format!(
                "API {} ({}) has disableExecuteApiEndpoint set: only custom domains reach it ({through}). The setting applies from the deployment after it changed; gatecheck reads the current value, not the deployed one",
                api.name, api.id
            ),
            gc101::CHECK.meta,
            &[("region", region), ("api_id", &api.id)],
        );
        return Ok(Ok(Reached {
            api,
            stage: None,
            rest: String::new(),
            step,
            mapping: None,
            private_endpoints: None,
            preceding: Vec::new(),
            via_cloudfront: false,
        }));
    }
    let (stage, rest) = target::split_stage(&request.path);
    // STRICT takes a private API's calls only by its own name: a VPC endpoint's is not.
    let step = if matches!(host, Host::VpcEndpoint { .. }) && gc106::refuses_endpoint_hostname(api) {
        Step::refused(
            Gate::Endpoint,
            Refusal::forbidden(),
            format!(
                "private API {} ({}) has endpoint access mode STRICT: the TLS SNI of a request to {} names the VPC endpoint, not the API, and is refused; call it by its private DNS name ({}.execute-api.{region}.amazonaws.com) or a custom domain",
                api.name, api.id, request.host, api.id
            ),
            gc106::CHECK.meta,
            &[("region", region), ("api_id", &api.id)],
        )
    } else {
        from_vpc(snapshot, request, host, api).unwrap_or_else(|| {
            Step::pass(
                Gate::Endpoint,
                format!(
                    "API {} ({}) in {region}, execute-api endpoint enabled",
                    api.name, api.id
                ),
            )
        })
    };
    Ok(Ok(Reached {
        api,
        stage: stage.map(|s| (s, false)),
        rest,
        step,
        mapping: None,
        private_endpoints: None,
        preceding: Vec::new(),
        via_cloudfront: false,
    }))
}

/// A request through a custom domain to an API whose endpoint access mode is STRICT: it must
/// come through the API's own endpoint type (GC106).
fn strict_through_domain<'a>(snapshot: &Snapshot, name: &str, mut reached: Reached<'a>) -> Reached<'a> {
    let Some(domain) = snapshot.custom_domain(name) else {
        return reached;
    };
    if reached.step.outcome == Outcome::Fail || !gc106::refuses_through_domain(reached.api, domain) {
        return reached;
    }
    let api = reached.api;
    reached.step = Step::refused(
        Gate::Endpoint,
        Refusal::forbidden(),
        format!(
            "custom domain {name} ({}) → API {} ({}), whose endpoint access mode is STRICT: it takes only requests through its own endpoint type ({}), and a request through the domain is refused",
            domain.endpoint_types.join(", "),
            api.name,
            api.id,
            api.endpoint_types.join(", ")
        ),
        gc106::CHECK.meta,
        &[("region", snapshot.region.as_str()), ("api_id", &api.id)],
    );
    reached
}

/// A call from inside a VPC (`--from-vpc`) to a public API's execute-api name: an execute-api
/// endpoint there with private DNS on takes it, and serves private APIs only (GC105).
fn from_vpc(snapshot: &Snapshot, request: &Request, host: &Host, api: &RestApi) -> Option<Step> {
    let vpc = request.from_vpc.as_deref()?;
    if !matches!(host, Host::ExecuteApi { .. }) || api.is_private() {
        return None;
    }
    if let Some(why) = unread(snapshot, &[Part::VpcEndpoints], None, None) {
        return Some(unknown_gap(
            Gate::Endpoint,
            format!("the execute-api VPC endpoints of {}: {why}", snapshot.region),
        ));
    }
    let Some(endpoint) = gc105::shadowing_endpoint(snapshot, vpc).filter(|e| gc105::shadows(e, api)) else {
        return Some(Step::pass(
            Gate::Endpoint,
            format!(
                "API {} ({}) in {}, execute-api endpoint enabled; no execute-api VPC endpoint with private DNS in {vpc} takes the call",
                api.name, api.id, snapshot.region
            ),
        ));
    };
    Some(Step::refused(
        Gate::Endpoint,
        Refusal::forbidden(),
        format!(
            "from {vpc}, {} resolves to interface endpoint {} (private DNS on), which serves private APIs only; API {} is {}",
            request.host,
            endpoint.id,
            api.id,
            api.endpoint_types.join(", ")
        ),
        gc105::CHECK.meta,
        &[("region", snapshot.region.as_str()), ("vpce_id", endpoint.id.as_str())],
    ))
}

#[cfg(test)]
mod tests;
