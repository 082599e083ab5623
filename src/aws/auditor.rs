//! Runs a [`Plan`]: the one place that turns what to audit into reads, for the command line
//! and the function alike.

use super::fan_out::{self, AccountTarget};
use super::s3_state::StateStore;
use super::{cloudtrail, collect, CollectError, CollectOptions, Progress, RateLimits, ServiceConfigs};
use crate::model::{Scope, Snapshot};
use crate::report::ReadSummary;
use crate::scope::{Accounts, Plan, Regions};
use crate::state::{add_reads, read_summary, Reuse};
use aws_config::SdkConfig;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use std::time::Instant;

/// How hard an audit may press on each account-region.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throughput {
    /// AWS calls in flight at once, per account-region.
    pub concurrency: usize,
    /// API Gateway requests per second and burst, per account-region.
    pub rate_limits: RateLimits,
    /// Account-regions read at once when a plan fans out.
    pub parallel: usize,
}

/// Reads what plans name, from one base AWS configuration. Each region's configs (and so its
/// API Gateway limiter) are built once and kept, since the quota is the account-region's,
/// not one audit's: the function keeps its auditor across invocations.
pub struct Auditor {
    base: SdkConfig,
    throughput: Throughput,
    external_id: Option<String>,
    configs: Mutex<BTreeMap<String, ServiceConfigs>>,
    configure: Box<dyn Fn(&SdkConfig) -> ServiceConfigs + Send + Sync>,
}

impl Auditor {
    pub fn new(base: SdkConfig, throughput: Throughput, external_id: Option<String>) -> Self {
        let limits = throughput.rate_limits;
        // Organizations and account:ListRegions answer in any region; STS wants one too.
        let base = match base.region() {
            Some(_) => base,
            None => super::config::in_region(&base, "us-east-1"),
        };
        Auditor {
            base,
            throughput,
            external_id,
            configs: Mutex::default(),
            configure: Box::new(move |sdk| ServiceConfigs::from_sdk_config(sdk).with_rate_limits(Some(limits))),
        }
    }

    /// The configuration roles are assumed from and the organization is read with.
    pub fn base(&self) -> &SdkConfig {
        &self.base
    }

    /// The external id roles are assumed with, if the fan-out needs one.
    pub fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    /// The region's configs in the caller's own account, built on first use.
    pub fn configs(&self, region: &str) -> ServiceConfigs {
        let mut configs = self.configs.lock().unwrap_or_else(|e| e.into_inner());
        configs
            .entry(region.to_string())
            .or_insert_with(|| (self.configure)(&super::config::in_region(&self.base, region)))
            .clone()
    }

    pub fn options(&self, scope: Scope, deadline: Option<Instant>, progress: Option<Progress>) -> CollectOptions {
        CollectOptions {
            scope,
            concurrency: self.throughput.concurrency,
            deadline,
            progress,
            reuse: None,
            cloudfront: super::CloudFrontShare::default(),
        }
    }

    /// The accounts a plan covers, with the role to reach each.
    pub async fn targets(&self, accounts: &Accounts) -> Result<Vec<AccountTarget>, CollectError> {
        Ok(match accounts {
            Accounts::Own => vec![AccountTarget::own()],
            Accounts::Roles(arns) => arns.iter().map(|arn| AccountTarget::role(arn)).collect(),
            Accounts::Organization { role_name } => fan_out::organization_roles(&self.base, role_name).await?,
        })
    }

    /// One region of the caller's own account. Failures that leave nothing to audit (the API
    /// named is gone, no credentials) are errors; everything else is a gap in the snapshot.
    pub async fn collect(
        &self,
        region: &str,
        scope: Scope,
        deadline: Option<Instant>,
    ) -> Result<Snapshot, CollectError> {
        collect(&self.configs(region), &self.options(scope, deadline, None)).await
    }

    /// Everything the plan names. A plan that fans out reads account-regions in parallel and
    /// makes one that cannot be read a GC900; otherwise each listed region is read in turn,
    /// and a region that cannot be read fails the audit. `progress` may report on each region.
    pub async fn run(
        &self,
        plan: &Plan,
        deadline: Option<Instant>,
        progress: &(dyn Fn(&str) -> Option<Progress> + Sync),
    ) -> Result<Vec<Snapshot>, CollectError> {
        let regions = match &plan.regions {
            Regions::These(regions) if !plan.fans_out() => regions,
            _ => return self.fan_out(plan, deadline).await,
        };
        let mut snapshots = Vec::new();
        // The account's CloudFront is read once, by the first region.
        let cloudfront = super::CloudFrontShare::default();
        for region in regions {
            let options = CollectOptions {
                cloudfront: cloudfront.clone(),
                ..self.options(plan.scope.clone(), deadline, progress(region))
            };
            snapshots.push(collect(&self.configs(region), &options).await?);
        }
        Ok(snapshots)
    }

    /// A quota-light audit of the caller's own account in the plan's regions: each region's
    /// stored state gives what has not changed since (see [`crate::state::Reuse`]). A region
    /// with no state yet, or whose changes CloudTrail cannot tell, is read in full, and the
    /// summary says why. Returns the snapshots and what was read.
    pub async fn run_light(
        &self,
        regions: &[String],
        scope: &Scope,
        store: &StateStore,
        full_refresh: Duration,
        deadline: Option<Instant>,
    ) -> Result<(Vec<Snapshot>, ReadSummary), CollectError> {
        let mut snapshots = Vec::new();
        let mut reads = ReadSummary::default();
        let cloudfront = super::CloudFrontShare::default();
        for region in regions {
            let configs = self.configs(region);
            let now_ms = crate::clock::now_ms();
            let account = aws_sdk_sts::Client::from_conf(configs.sts.clone())
                .get_caller_identity()
                .send()
                .await
                .ok()
                .and_then(|id| id.account().map(str::to_string));
            let (prior, load_error) = match store.load(account.as_deref(), region).await {
                Ok(prior) => (prior, None),
                Err(err) => (None, Some(err.to_string())),
            };
            let since = prior.as_ref().and_then(|p| p.region_audited_at_ms);
            let failed = |why: String| cloudtrail::LookupFailed { why, calls: 0 };
            let changed = match (since, load_error) {
                (_, Some(error)) => Err(failed(error)),
                (None, None) => Err(failed(format!("no stored state of the whole of {region} yet"))),
                (Some(since), None) => {
                    cloudtrail::changes_since(&super::config::in_region(&self.base, region), since, now_ms).await
                }
            };
            let mut options = CollectOptions {
                cloudfront: cloudfront.clone(),
                ..self.options(scope.clone(), deadline, None)
            };
            let snapshot = match (prior.as_ref(), since, changed) {
                (Some(prior), Some(since), Ok((changed, calls))) => {
                    let reuse = Arc::new(Reuse {
                        stored: prior.snapshot.clone(),
                        changed,
                        now_ms,
                        previous_ms: since,
                        full_refresh,
                    });
                    options.reuse = Some(reuse.clone());
                    let mut snapshot = collect(&configs, &options).await?;
                    *snapshot.api_calls.entry("LookupEvents".into()).or_default() += calls;
                    add_reads(&mut reads, read_summary(&snapshot, &reuse));
                    snapshot
                }
                (_, _, changed) => {
                    let (why, calls) = match changed {
                        Err(failed) => (failed.why, failed.calls),
                        Ok((_, calls)) => (String::new(), calls),
                    };
                    let mut snapshot = collect(&configs, &options).await?;
                    // The lookups that found the changes could not be told count too.
                    if calls > 0 {
                        *snapshot.api_calls.entry("LookupEvents".into()).or_default() += calls;
                    }
                    add_reads(
                        &mut reads,
                        ReadSummary {
                            apis_read: snapshot.rest_apis.len(),
                            plan_keys_read: snapshot.usage_plans.len(),
                            full_read_because: Some(why),
                            ..ReadSummary::default()
                        },
                    );
                    snapshot
                }
            };
            snapshots.push(snapshot);
        }
        Ok((snapshots, reads))
    }

    async fn fan_out(&self, plan: &Plan, deadline: Option<Instant>) -> Result<Vec<Snapshot>, CollectError> {
        let targets = self.targets(&plan.accounts).await?;
        if targets.is_empty() {
            return Err(CollectError::Unreadable {
                region: self.base.region().map(|r| r.to_string()).unwrap_or_default(),
                operation: "organizations:ListAccounts".into(),
                message: "the organization lists no active account".into(),
            });
        }
        Ok(fan_out::collect_all(
            &self.base,
            &targets,
            &plan.regions,
            self.external_id.as_deref(),
            self.throughput.parallel,
            &self.options(plan.scope.clone(), deadline, None),
            &self.configure,
        )
        .await)
    }
}
