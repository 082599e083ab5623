//! The account's CloudFront distributions with an execute-api origin, and the origin request
//! policies their behaviours name: one paginated ListDistributions, then one
//! GetOriginRequestPolicy per distinct policy. CloudFront is global, so an audit reads it once
//! per account and shares it among that account's regions ([`CloudFrontShare`]); each region
//! keeps what fronts its own APIs. CloudFront publishes no request quota for these calls;
//! they are few (a page per 100 distributions, at most one per policy) and made one at a
//! time, and the SDK retries throttling. What cannot be read is a gap that blinds GC108 only.

use super::errors::Failure;
use super::{CallCounter, CollectError, CollectOptions, Reader, ServiceConfigs, Unread};
use crate::model::{CacheBehavior, CoverageGap, Distribution, GapReason, Origin, OriginRequestPolicy, Part};
use aws_sdk_cloudfront::types::DistributionSummary;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// What one account's CloudFront holds in front of execute-api, as read once.
#[derive(Debug, Default)]
pub struct EdgeRead {
    distributions: Vec<Distribution>,
    policies: Vec<OriginRequestPolicy>,
    gaps: Vec<CoverageGap>,
}

/// One CloudFront read per account among the regions of one audit: the first region of an
/// account reads (and counts the calls), the others wait for it and take its result. Make one
/// per audit, not per process: a function that keeps it would serve last hour's distributions.
#[derive(Clone, Default)]
pub struct CloudFrontShare(Arc<Mutex<HashMap<String, EdgeCell>>>);

/// One account's read: made once, awaited by every region that needs it.
type EdgeCell = Arc<OnceCell<Arc<EdgeRead>>>;

impl std::fmt::Debug for CloudFrontShare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CloudFrontShare")
    }
}

impl CloudFrontShare {
    fn cell(&self, account_id: &str) -> EdgeCell {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(account_id.to_string())
            .or_default()
            .clone()
    }
}

/// What this region's snapshot keeps of the account's CloudFront: the distributions with an
/// origin at one of its execute-api hostnames, the policies they name, and what could not be
/// read. Without the account's id nothing is shared: the region reads for itself.
pub(crate) async fn read_for_region(reader: &Reader, share: &CloudFrontShare, account_id: Option<&str>) -> EdgeParts {
    let edge = match account_id {
        Some(account) => share
            .cell(account)
            .get_or_init(|| async { Arc::new(read_edge(reader).await) })
            .await
            .clone(),
        None => Arc::new(read_edge(reader).await),
    };
    let distributions: Vec<Distribution> = edge
        .distributions
        .iter()
        .filter(|d| d.fronts_region(&reader.region))
        .cloned()
        .collect();
    let policies = named_policies(&distributions, &edge.policies);
    (distributions, policies, edge.gaps.clone())
}

/// For explain: the account's distributions that answer to `host` with an execute-api
/// origin, the policies they name, and what could not be read (a fresh read, not shared).
pub(crate) async fn distributions_serving(configs: &ServiceConfigs, host: &str) -> Result<EdgeParts, CollectError> {
    let reader = Reader::new(configs, &CollectOptions::default(), &CallCounter::default())?;
    let edge = read_edge(&reader).await;
    let distributions: Vec<Distribution> = edge.distributions.into_iter().filter(|d| d.serves(host)).collect();
    let policies = named_policies(&distributions, &edge.policies);
    Ok((distributions, policies, edge.gaps))
}

/// Distributions, the origin request policies they name, and the gaps of reading them.
pub(crate) type EdgeParts = (Vec<Distribution>, Vec<OriginRequestPolicy>, Vec<CoverageGap>);

/// The policies among `policies` that `distributions` name.
fn named_policies(distributions: &[Distribution], policies: &[OriginRequestPolicy]) -> Vec<OriginRequestPolicy> {
    let named: BTreeSet<&str> = distributions
        .iter()
        .flat_map(|d| d.behaviors.iter().filter_map(|b| b.origin_request_policy_id.as_deref()))
        .collect();
    policies
        .iter()
        .filter(|p| named.contains(p.id.as_str()))
        .cloned()
        .collect()
}

async fn read_edge(reader: &Reader) -> EdgeRead {
    let mut edge = EdgeRead::default();
    let pages = reader
        .cloudfront
        .list_distributions()
        .into_paginator()
        .items()
        .send()
        .try_collect();
    let summaries = match reader.attempt(pages).await {
        Ok(summaries) => summaries,
        Err(failure) => {
            edge.gaps
                .push(Unread::region(Part::CloudFront, "ListDistributions").gap(failure));
            return edge;
        }
    };
    edge.distributions = summaries
        .iter()
        .map(distribution)
        .filter(|d| {
            d.behaviors
                .iter()
                .any(|b| d.origin(&b.target_origin_id).and_then(Origin::execute_api).is_some())
        })
        .collect();
    // Only the policies of behaviours that send to an API matter.
    let policy_ids: BTreeSet<String> = edge
        .distributions
        .iter()
        .flat_map(|d| {
            d.behaviors
                .iter()
                .filter(|b| d.origin(&b.target_origin_id).and_then(Origin::execute_api).is_some())
                .filter_map(|b| b.origin_request_policy_id.clone())
        })
        .collect();
    for id in policy_ids {
        let call = reader.cloudfront.get_origin_request_policy().id(&id).send();
        match reader.attempt(call).await {
            Ok(out) => match out.origin_request_policy().and_then(origin_request_policy) {
                Some(policy) => edge.policies.push(policy),
                // AWS always sends the headers configuration; without it nothing is known.
                None => edge.gaps.push(
                    Unread::region(Part::CloudFront, "GetOriginRequestPolicy")
                        .object(format!("origin request policy {id}"))
                        .gap(Failure {
                            reason: GapReason::Other,
                            fatal: None,
                            message: "the answer has no headers configuration".into(),
                        }),
                ),
            },
            Err(failure) => edge.gaps.push(
                Unread::region(Part::CloudFront, "GetOriginRequestPolicy")
                    .object(format!("origin request policy {id}"))
                    .gap(failure),
            ),
        }
    }
    edge
}

/// An empty string is no id: the emulator sends `""` where AWS leaves the element out.
fn id(value: Option<&str>) -> Option<String> {
    value.filter(|v| !v.is_empty()).map(str::to_string)
}

/// The legacy forwarded headers count only without a cache policy: with one, CloudFront
/// ignores `ForwardedValues`. (The SDK marks the field deprecated; distributions made before
/// cache policies still carry it, and it still decides what they forward.)
fn legacy_headers(
    cache_policy_id: Option<&str>,
    forwarded: Option<&aws_sdk_cloudfront::types::ForwardedValues>,
) -> Vec<String> {
    if id(cache_policy_id).is_some() {
        return Vec::new();
    }
    forwarded
        .and_then(|f| f.headers())
        .map(|h| h.items().to_vec())
        .unwrap_or_default()
}

#[allow(deprecated)]
fn distribution(summary: &DistributionSummary) -> Distribution {
    let mut behaviors: Vec<CacheBehavior> = summary
        .cache_behaviors()
        .map(|c| c.items())
        .unwrap_or_default()
        .iter()
        .map(|b| CacheBehavior {
            path_pattern: Some(b.path_pattern().to_string()),
            target_origin_id: b.target_origin_id().to_string(),
            origin_request_policy_id: id(b.origin_request_policy_id()),
            forwarded_headers: legacy_headers(b.cache_policy_id(), b.forwarded_values()),
        })
        .collect();
    if let Some(b) = summary.default_cache_behavior() {
        behaviors.push(CacheBehavior {
            path_pattern: None,
            target_origin_id: b.target_origin_id().to_string(),
            origin_request_policy_id: id(b.origin_request_policy_id()),
            forwarded_headers: legacy_headers(b.cache_policy_id(), b.forwarded_values()),
        });
    }
    Distribution {
        id: summary.id().to_string(),
        domain_name: summary.domain_name().to_string(),
        aliases: summary.aliases().map(|a| a.items().to_vec()).unwrap_or_default(),
        enabled: summary.enabled(),
        origins: summary
            .origins()
            .map(|o| o.items())
            .unwrap_or_default()
            .iter()
            .map(|o| Origin {
                id: o.id().to_string(),
                domain_name: o.domain_name().to_string(),
                path: o.origin_path().unwrap_or_default().to_string(),
            })
            .collect(),
        behaviors,
    }
}

fn origin_request_policy(policy: &aws_sdk_cloudfront::types::OriginRequestPolicy) -> Option<OriginRequestPolicy> {
    let config = policy.origin_request_policy_config()?;
    let headers = config.headers_config()?;
    Some(OriginRequestPolicy {
        id: policy.id().to_string(),
        name: config.name().to_string(),
        header_behavior: headers.header_behavior().as_str().to_string(),
        headers: headers.headers().map(|h| h.items().to_vec()).unwrap_or_default(),
    })
}
