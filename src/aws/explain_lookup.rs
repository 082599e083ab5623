//! What `gatecheck explain` reads, including `--lookup-key-value`: the only read in gatecheck
//! that asks for API key values, and only for that one command, never in an audit.

use super::errors;
use super::{CollectError, CollectOptions, ServiceConfigs};
use crate::checks::reachability::gc108;
use crate::explain::target::api_reached;
use crate::explain::{Host, KeyIdentity, Needs, Request};
use crate::model::{Scope, Snapshot};

/// The id of the API key whose value is `value`, for `explain --lookup-key-value`: the only
/// read that asks for key values. Each value is compared in constant time and dropped with
/// its page; none is logged, returned or kept.
pub async fn key_id_for_value(configs: &ServiceConfigs, value: &str) -> Result<Option<String>, CollectError> {
    use subtle::ConstantTimeEq;
    let region = configs.region().ok_or(CollectError::NoRegion)?;
    let client = configs.apigateway_client(None);
    let mut pages = client
        .get_api_keys()
        .include_values(true)
        .limit(500)
        .into_paginator()
        .send();
    let mut found = None;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|err| CollectError::Unreadable {
            region: region.clone(),
            operation: "GetApiKeys (includeValues)".into(),
            message: errors::classify(&err).message,
        })?;
        for key in page.items() {
            let same: bool = key
                .value()
                .unwrap_or_default()
                .as_bytes()
                .ct_eq(value.as_bytes())
                .into();
            if same && found.is_none() {
                found = key.id().map(str::to_string);
            }
        }
    }
    Ok(found)
}

/// What `gatecheck explain` needs read for one request: its API (found through the custom
/// domain it names, if need be) with the region's usage plans, keys and web ACLs; and, with
/// `lookup_key_value`, which key the request sends. Every API Gateway call goes through the
/// configs' limiter, like an audit's.
pub async fn read_for_explain(
    configs: &ServiceConfigs,
    request: &mut Request,
    needs: &Needs,
    lookup_key_value: bool,
) -> anyhow::Result<Snapshot> {
    let region = configs.region().ok_or(CollectError::NoRegion)?;
    if lookup_key_value {
        let Some(value) = request.header("x-api-key").map(|h| h.value().to_string()) else {
            anyhow::bail!("--lookup-key-value needs the request's x-api-key header (-H 'x-api-key: ...')");
        };
        request.key = match key_id_for_value(configs, &value).await? {
            Some(id) => KeyIdentity::LookedUp(id),
            None => KeyIdentity::NoKeyHasValue,
        };
    }

    let bare = |domains| Snapshot {
        domain_names: domains,
        ..Snapshot::new(Default::default(), region.clone())
    };
    // Only the domain the request names is read: another that cannot be read stops nothing.
    let domains = match &needs.host {
        Host::CustomDomain { name } if needs.api_id.is_none() => super::domains_named(configs, name).await?,
        _ => Vec::new(),
    };
    // A CloudFront name, or a host no custom domain has: a distribution's alias, perhaps.
    let via_cloudfront = match &needs.host {
        Host::CloudFront { name } => Some(name.as_str()),
        Host::CustomDomain { name } if needs.api_id.is_none() && domains.is_empty() => Some(name.as_str()),
        _ => None,
    };
    let (distributions, policies, edge_gaps) = match via_cloudfront {
        Some(name) => super::cloudfront::distributions_serving(configs, name).await?,
        None => Default::default(),
    };
    let api_id = match (&needs.host, &needs.api_id) {
        (_, Some(api_id)) => Some(api_id.clone()),
        // The API the distribution's behaviour for the path sends to.
        _ if !distributions.is_empty() => distributions
            .first()
            .and_then(|d| gc108::route(d, &policies, &request.path))
            .and_then(|route| route.api)
            .filter(|(_, api_region)| *api_region == region)
            .map(|(api_id, _)| api_id.to_string()),
        // The API a routing rule invokes, or a base path maps to: the one the walk needs.
        (Host::CustomDomain { name }, None) => bare(domains.clone())
            .custom_domain(name)
            .and_then(|d| api_reached(d, request)),
        _ => None,
    };
    let Some(api_id) = api_id else {
        // Nothing to read: the walk stops before it needs an API.
        return Ok(Snapshot {
            distributions,
            origin_request_policies: policies,
            gaps: edge_gaps,
            ..bare(domains)
        });
    };
    let options = CollectOptions {
        scope: Scope {
            api_id: Some(api_id),
            ..Scope::default()
        },
        ..CollectOptions::default()
    };
    match super::collect(configs, &options).await {
        // A custom domain mapped to a deleted API: the walk says so.
        Err(CollectError::ApiNotFound { .. }) if !domains.is_empty() => Ok(bare(domains)),
        other => Ok(other?),
    }
}
