//! Reads one account and region into a [`Snapshot`]: the read helper every call goes
//! through (bounded in flight, failures recorded as gaps, a deadline), and the reads that
//! turn a change's ids into the APIs to audit.

use super::retry_partition;
use super::{
    account_settings, apigateway, cloudfront, ec2, errors, wafv2, CallCounter, CollectError, Progress, ServiceConfigs,
};
use crate::clock::now_ms;
use crate::model::{CoverageGap, GapReason, Part, Scope, Snapshot};
use aws_smithy_runtime_api::client::result::SdkError;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// Default number of AWS calls in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 4;

#[derive(Clone)]
pub struct CollectOptions {
    pub scope: Scope,
    /// AWS calls in flight at once (at least 1).
    pub concurrency: usize,
    /// When to stop starting reads (a Lambda function's time running out): what is not read
    /// by then becomes a gap, and the audit reports what it covered.
    pub deadline: Option<std::time::Instant>,
    pub progress: Option<Progress>,
    /// A quota-light audit: what may be taken from the stored snapshot instead of read.
    pub reuse: Option<Arc<crate::state::Reuse>>,
    /// The audit's CloudFront reads, one per account among its regions: give every region of
    /// one audit the same (clones share).
    pub cloudfront: cloudfront::CloudFrontShare,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            scope: Scope::default(),
            concurrency: DEFAULT_CONCURRENCY,
            deadline: None,
            progress: None,
            reuse: None,
            cloudfront: cloudfront::CloudFrontShare::default(),
        }
    }
}

/// What a failed read leaves unread: the part, the operation, and where.
pub(crate) struct Unread<'a> {
    pub part: Part,
    pub operation: &'static str,
    pub api_id: Option<&'a str>,
    /// The usage plan, deployment or domain the read was about.
    pub object_id: Option<String>,
    /// The only places the part hides (see [`CoverageGap::within`]).
    pub within: Option<Vec<(String, String)>>,
}

impl<'a> Unread<'a> {
    /// A region-wide part.
    pub fn region(part: Part, operation: &'static str) -> Self {
        Unread {
            part,
            operation,
            api_id: None,
            object_id: None,
            within: None,
        }
    }

    /// A part of one API.
    pub fn api(part: Part, operation: &'static str, api_id: &'a str) -> Self {
        Unread {
            api_id: Some(api_id),
            ..Unread::region(part, operation)
        }
    }

    /// About one object: a usage plan, a deployment, a domain.
    pub fn object(self, object_id: String) -> Self {
        Unread {
            object_id: Some(object_id),
            ..self
        }
    }

    /// Hiding only these (API, stage) places.
    pub fn within(self, places: Vec<(String, String)>) -> Self {
        Unread {
            within: Some(places),
            ..self
        }
    }

    pub(super) fn gap(self, failure: errors::Failure) -> CoverageGap {
        CoverageGap {
            within: self.within,
            ..failure.into_gap(self.part, self.operation, self.api_id, self.object_id.as_deref())
        }
    }
}

/// Shared by every read of one collection.
pub(crate) struct Reader {
    pub region: String,
    pub apigateway: aws_sdk_apigateway::Client,
    pub apigatewayv2: aws_sdk_apigatewayv2::Client,
    pub sts: aws_sdk_sts::Client,
    pub wafv2: aws_sdk_wafv2::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub cloudfront: aws_sdk_cloudfront::Client,
    permits: Semaphore,
    gaps: Mutex<Vec<CoverageGap>>,
    deadline: Option<std::time::Instant>,
    pub reuse: Option<Arc<crate::state::Reuse>>,
    /// When this collection started (ms since the epoch): the read time of what it reads.
    pub now_ms: u64,
}

impl Reader {
    pub(super) fn new(
        configs: &ServiceConfigs,
        options: &CollectOptions,
        counter: &CallCounter,
    ) -> Result<Reader, CollectError> {
        let region = configs.region().ok_or(CollectError::NoRegion)?;
        let sts = configs
            .sts
            .to_builder()
            .interceptor(counter.clone())
            .retry_partition(retry_partition(&region));
        let wafv2 = configs
            .wafv2
            .to_builder()
            .interceptor(counter.clone())
            .retry_partition(retry_partition(&region));
        let ec2 = configs
            .ec2
            .to_builder()
            .interceptor(counter.clone())
            .retry_partition(retry_partition(&region));
        let cloudfront = configs
            .cloudfront
            .to_builder()
            .interceptor(counter.clone())
            .retry_partition(retry_partition(&region));
        Ok(Reader {
            ec2: aws_sdk_ec2::Client::from_conf(ec2.build()),
            cloudfront: aws_sdk_cloudfront::Client::from_conf(cloudfront.build()),
            apigateway: configs.apigateway_client(Some(counter)),
            apigatewayv2: configs.apigatewayv2_client(Some(counter)),
            sts: aws_sdk_sts::Client::from_conf(sts.build()),
            wafv2: aws_sdk_wafv2::Client::from_conf(wafv2.build()),
            region,
            permits: Semaphore::new(options.concurrency.max(1)),
            gaps: Mutex::new(Vec::new()),
            deadline: options.deadline,
            now_ms: options.reuse.as_ref().map_or_else(now_ms, |r| r.now_ms),
            reuse: options.reuse.clone(),
        })
    }

    /// Whether the deadline has passed: no new read may start.
    pub fn past_deadline(&self) -> bool {
        self.deadline.is_some_and(|d| std::time::Instant::now() >= d)
    }

    /// Waits for a slot among the bounded in-flight calls.
    async fn permit(&self) -> tokio::sync::SemaphorePermit<'_> {
        self.permits.acquire().await.expect("the semaphore is never closed")
    }

    /// One call, its pages included, in a slot among the bounded in-flight calls; a failure
    /// comes back classified. Every read goes through here, or through [`Reader::read`].
    pub async fn attempt<T, E, R>(
        &self,
        call: impl std::future::Future<Output = Result<T, SdkError<E, R>>>,
    ) -> Result<T, errors::Failure>
    where
        E: aws_sdk_apigateway::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        let call = async {
            let _permit = self.permit().await;
            call.await.map_err(|err| errors::classify(&err))
        };
        let Some(deadline) = self.deadline else {
            return call.await;
        };
        // A call in flight may take minutes (attempts, retries, backoff): the deadline cuts
        // it off, so the invocation still has its time to report, publish and claim.
        match tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), call).await {
            Ok(result) => result,
            Err(_) => Err(errors::Failure {
                reason: GapReason::DeadlineReached,
                fatal: None,
                message: "cut off at the function's deadline; the next run reads it".into(),
            }),
        }
    }

    /// A read whose failure is a gap in `unread`: None then, and the audit goes on.
    pub async fn read<T, E, R>(
        &self,
        unread: Unread<'_>,
        call: impl std::future::Future<Output = Result<T, SdkError<E, R>>>,
    ) -> Option<T>
    where
        E: aws_sdk_apigateway::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        match self.attempt(call).await {
            Ok(value) => {
                // -vv: each read as it finishes.
                tracing::debug!(
                    region = %self.region,
                    operation = unread.operation,
                    api = unread.api_id.unwrap_or("-"),
                    object = unread.object_id.as_deref().unwrap_or("-"),
                    "read"
                );
                Some(value)
            }
            Err(failure) => {
                self.record_gap(unread.gap(failure));
                None
            }
        }
    }

    /// A read that nothing else can do without (the region's list of APIs): a failure that
    /// means no call can succeed stops the audit; any other is a gap.
    pub async fn read_or_stop<T, E, R>(
        &self,
        unread: Unread<'_>,
        call: impl std::future::Future<Output = Result<T, SdkError<E, R>>>,
    ) -> Result<Option<T>, CollectError>
    where
        E: aws_sdk_apigateway::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        match self.attempt(call).await {
            Ok(value) => Ok(Some(value)),
            Err(failure) => self.fail_or_gap(failure, unread).map(|()| None),
        }
    }

    /// Stops the audit when the failure means nothing can be read, else records a gap.
    pub fn fail_or_gap(&self, failure: errors::Failure, unread: Unread<'_>) -> Result<(), CollectError> {
        let region = self.region.clone();
        match failure.fatal {
            Some(errors::Fatal::Unreachable) => Err(CollectError::Unreachable {
                region,
                message: failure.message,
            }),
            Some(errors::Fatal::CredentialsRejected) => Err(CollectError::CredentialsRejected {
                region,
                message: failure.message,
            }),
            None => {
                self.record_gap(unread.gap(failure));
                Ok(())
            }
        }
    }

    /// Whether `part` of `api_id` could not be read.
    pub fn gaps_for(&self, part: crate::model::Part, api_id: &str) -> bool {
        self.gaps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|g| g.part == part && g.api_id.as_deref() == Some(api_id))
    }

    pub fn record_gap(&self, gap: CoverageGap) {
        tracing::warn!(operation = %gap.operation, api_id = ?gap.api_id, reason = ?gap.reason, "could not read {}", gap.part.as_str());
        self.gaps.lock().unwrap_or_else(|e| e.into_inner()).push(gap);
    }
}

/// Reads one account and region into a Snapshot.
///
/// Errors only when nothing can be audited at all (endpoint unreachable, credentials
/// rejected, the scoped API or stage does not exist); every other failure is a gap.
pub async fn collect(configs: &ServiceConfigs, options: &CollectOptions) -> Result<Snapshot, CollectError> {
    // On the heap: the reads of an account-region make a future of tens of kilobytes, which
    // every caller (a fan-out of them, the function's handler) would otherwise carry on its
    // stack, more than a 2 MiB thread stack holds.
    Box::pin(collect_snapshot(configs, options)).await
}

async fn collect_snapshot(configs: &ServiceConfigs, options: &CollectOptions) -> Result<Snapshot, CollectError> {
    let counter = CallCounter::default();
    let reader = Reader::new(configs, options, &counter)?;
    let region = reader.region.clone();

    if options.scope.account_only {
        let mut snapshot = Snapshot::new(account_settings::read_account(&reader).await, region);
        snapshot.scope = options.scope.clone();
        snapshot.gaps = reader.gaps.into_inner().unwrap_or_else(|e| e.into_inner());
        snapshot.api_calls = counter.counts();
        return Ok(snapshot);
    }
    let (rest_apis, usage_plans, api_keys, account, domain_names, vpc_endpoints) = tokio::join!(
        apigateway::read_rest_apis(&reader, options),
        apigateway::read_usage_plans(&reader),
        apigateway::read_api_keys(&reader),
        account_settings::read_account(&reader),
        apigateway::read_domain_names(&reader),
        ec2::read_vpc_endpoints(&reader),
    );
    let rest_apis = rest_apis?;
    let ((web_acls, ip_sets), (distributions, origin_request_policies, edge_gaps)) = tokio::join!(
        wafv2::read_web_acls(&reader, &rest_apis),
        cloudfront::read_for_region(&reader, &options.cloudfront, account.id.as_deref()),
    );

    let mut snapshot = Snapshot::new(account, region);
    snapshot.scope = options.scope.clone();
    snapshot.rest_apis = rest_apis;
    snapshot.usage_plans = usage_plans;
    snapshot.api_keys = api_keys;
    snapshot.web_acls = web_acls;
    snapshot.ip_sets = ip_sets;
    snapshot.domain_names = domain_names;
    snapshot.vpc_endpoints = vpc_endpoints;
    snapshot.distributions = distributions;
    snapshot.origin_request_policies = origin_request_policies;
    snapshot.gaps = reader.gaps.into_inner().unwrap_or_else(|e| e.into_inner());
    snapshot.gaps.extend(edge_gaps);
    snapshot.api_calls = counter.counts();
    Ok(snapshot)
}

/// The custom domain names called `name` (a public and a private one may share it) with their
/// base path mappings, for finding the API behind a request's host before reading it. Other
/// domains are not read, so one of them that cannot be read stops nothing; what cannot be
/// read of these is an error here.
pub async fn domains_named(
    configs: &ServiceConfigs,
    name: &str,
) -> Result<Vec<crate::model::DomainName>, CollectError> {
    let reader = Reader::new(configs, &CollectOptions::default(), &CallCounter::default())?;
    let domains = apigateway::read_domain_names_where(&reader, |d| d.eq_ignore_ascii_case(name)).await;
    match reader.gaps.into_inner().unwrap_or_else(|e| e.into_inner()).pop() {
        Some(gap) => Err(CollectError::Unreadable {
            region: reader.region,
            operation: gap.operation,
            message: gap.message,
        }),
        None => Ok(domains),
    }
}

/// The REST APIs that these usage plans list (GetUsagePlan per plan). A plan that cannot be
/// read is skipped with a warning: the caller falls back to a wider audit.
pub async fn apis_of_plans(configs: &ServiceConfigs, plan_ids: &BTreeSet<String>) -> BTreeSet<String> {
    let client = configs.apigateway_client(None);
    let mut apis = BTreeSet::new();
    for plan_id in plan_ids {
        match client.get_usage_plan().usage_plan_id(plan_id).send().await {
            Ok(plan) => apis.extend(plan.api_stages().iter().filter_map(|s| s.api_id().map(str::to_string))),
            Err(err) => tracing::warn!(
                "could not read usage plan {plan_id}: {}",
                errors::classify(&err).message
            ),
        }
    }
    apis
}

/// The REST APIs of the usage plans that hold these keys (GetUsagePlans with keyId).
pub async fn apis_of_keys(configs: &ServiceConfigs, key_ids: &BTreeSet<String>) -> BTreeSet<String> {
    let client = configs.apigateway_client(None);
    let mut apis = BTreeSet::new();
    for key_id in key_ids {
        let plans = client
            .get_usage_plans()
            .key_id(key_id)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await;
        match plans {
            Ok(plans) => apis.extend(
                plans
                    .iter()
                    .flat_map(|p| p.api_stages().iter().filter_map(|s| s.api_id().map(str::to_string))),
            ),
            Err(err) => tracing::warn!(
                "could not read the usage plans of key {key_id}: {}",
                errors::classify(&err).message
            ),
        }
    }
    apis
}
