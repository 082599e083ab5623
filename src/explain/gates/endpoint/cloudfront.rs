//! Through a CloudFront distribution (its `*.cloudfront.net` name or an alias): the behaviour
//! that takes the path, its origin, and whether it sends the viewer's Host on (GC108).

use super::super::{unknown_gap, unread};
use super::Reached;
use crate::checks::reachability::{gc101, gc108};
use crate::explain::request::Request;
use crate::explain::target;
use crate::explain::{ExplainError, Gate, Refusal, Step};
use crate::model::{HostForwarding, Index, Part, Snapshot};

/// The API a request to distribution host `name` reaches, or the steps that end the walk there.
pub(super) fn through_cloudfront<'a>(
    snapshot: &'a Snapshot,
    index: &Index<'a>,
    request: &Request,
    name: &str,
) -> Result<Result<Reached<'a>, Vec<Step>>, ExplainError> {
    let region = &snapshot.region;
    let Some(distribution) = snapshot.distributions.iter().find(|d| d.serves(name)) else {
        if let Some(why) = unread(snapshot, &[Part::CloudFront], None, None) {
            return Ok(Err(vec![unknown_gap(
                Gate::Endpoint,
                format!("the account's CloudFront distributions: {why}"),
            )]));
        }
        return Err(ExplainError::DistributionNotFound {
            name: name.to_string(),
            region: region.clone(),
        });
    };
    if !distribution.enabled {
        return Ok(Err(vec![Step::unknown(
            Gate::Endpoint,
            format!(
                "{name} is CloudFront distribution {}, which is disabled and serves no request",
                distribution.id
            ),
        )]));
    }
    let Some(route) = gc108::route(distribution, &snapshot.origin_request_policies, &request.path) else {
        return Ok(Err(vec![Step::unknown(
            Gate::Endpoint,
            format!(
                "distribution {} has no cache behaviour for {}",
                distribution.id, request.path
            ),
        )]));
    };
    let behavior = gc108::behavior_name(route.behavior);
    let Some((api_id, api_region)) = route.api else {
        return Ok(Err(vec![Step::unknown(
            Gate::Endpoint,
            format!(
                "distribution {} sends {} to origin '{}', which is not an API's execute-api hostname: explain follows CloudFront only to an API's own hostname",
                distribution.id, request.path, route.behavior.target_origin_id
            ),
        )]));
    };
    if api_region != region {
        return Err(ExplainError::WrongRegion {
            url_region: api_region.to_string(),
            snapshot_region: region.clone(),
        });
    }
    let api = index.rest_api(api_id).ok_or_else(|| ExplainError::ApiNotFound {
        api_id: api_id.to_string(),
        region: region.clone(),
    })?;
    let through = format!(
        "{name} is CloudFront distribution {}: {behavior} sends {} to API {} ({}) at {api_id}.execute-api.{region}.amazonaws.com{}",
        distribution.id, request.path, api.name, api.id, route.origin_path
    );
    let step = match route.host {
        None => {
            return Ok(Err(vec![unknown_gap(
                Gate::Endpoint,
                format!(
                    "{through}, but its origin request policy {} could not be read, so whether it forwards Host is unknown",
                    route.behavior.origin_request_policy_id.as_deref().unwrap_or("-")
                ),
            )]))
        }
        // With the Host withheld, API Gateway finds the API, if its execute-api endpoint is on.
        Some(HostForwarding::No) if gc101::refuses_execute_api(api) => Step::refused(
            Gate::Endpoint,
            Refusal::forbidden(),
            format!("{through}, but the API has disableExecuteApiEndpoint set: only custom domains reach it, so CloudFront's origin must be one of them"),
            gc101::CHECK.meta,
            &[("region", region), ("api_id", &api.id)],
        ),
        Some(HostForwarding::No) => Step::pass(
            Gate::Endpoint,
            format!("{through}; the viewer's Host is not forwarded. API Gateway sees the call come from CloudFront's address, with the caller's in X-Forwarded-For"),
        ),
        Some(forwarding) => Step::refused(
            Gate::Endpoint,
            Refusal::forbidden(),
            format!(
                "{through}, and {}: API Gateway gets Host {name}, knows no API by it, and refuses",
                gc108::how_forwarded(forwarding)
            ),
            &gc108::META,
            &[
                ("region", region),
                ("api_id", &api.id),
                ("distribution_id", &distribution.id),
            ],
        ),
    };
    // The origin path comes before the viewer's: `/prod` + `/orders`.
    let (stage, rest) = target::split_stage(&format!("{}{}", route.origin_path, request.path));
    Ok(Ok(Reached {
        api,
        stage: stage.map(|s| (s, !route.origin_path.is_empty())),
        rest,
        step,
        mapping: None,
        private_endpoints: None,
        preceding: Vec::new(),
        via_cloudfront: true,
    }))
}
