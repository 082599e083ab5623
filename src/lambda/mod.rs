//! The Lambda function: event → what to audit → collect → report → CloudWatch (EMF and JSON
//! log lines on stdout) and SNS. `src/bin/bootstrap.rs` only wires this to the runtime.

pub mod events;

use crate::audit;
use crate::collect::fan_out::{self, AccountTarget, Regions};
use crate::collect::{self, CollectOptions, RateLimits, ServiceConfigs, DEFAULT_CONCURRENCY};
use crate::model::{Scope, Snapshot};
use crate::report::{AccountRegionCounts, Report, Severity};
use crate::sinks::{emf, sns};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use events::{parse_event, Work};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The function's settings, read from its environment and checked once, at init.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `GATECHECK_TOPIC_ARN`: where findings are published; none, no publishing.
    pub topic_arn: Option<String>,
    /// `GATECHECK_PUBLISH_SEVERITY` (default medium): the least severity that is published.
    pub publish_severity: Severity,
    /// `GATECHECK_NAMESPACE` (default Gatecheck): the CloudWatch metric namespace.
    pub namespace: String,
    /// `GATECHECK_REGIONS` (comma list; default the function's own region).
    pub regions: Vec<String>,
    /// `GATECHECK_CONCURRENCY` (default 4): AWS calls in flight per region.
    pub concurrency: usize,
    /// `GATECHECK_MAX_RPS` (default 10, API Gateway's quota): API Gateway requests per second
    /// per account and region, with a burst of four seconds' worth.
    pub rate_limits: RateLimits,
    /// `GATECHECK_REGIONS=all`: each account's enabled regions instead of a list.
    pub all_regions: bool,
    /// `GATECHECK_ROLE_ARNS` (comma list): audit the accounts these roles are in.
    pub role_arns: Vec<String>,
    /// `GATECHECK_ORG_ROLE`: audit every active account of the organization through this role.
    pub org_role: Option<String>,
    /// `GATECHECK_EXTERNAL_ID`: what the member roles' trust policies require.
    pub external_id: Option<String>,
    /// `GATECHECK_PARALLEL` (default 4): account-regions audited at once in one invocation.
    pub parallel: usize,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("invalid setting {name}={value:?}: {why}")]
pub struct SettingsError {
    pub name: &'static str,
    pub value: String,
    pub why: String,
}

impl Settings {
    /// Whether a scheduled audit covers other accounts, or each account's enabled regions.
    pub fn fans_out(&self) -> bool {
        !self.role_arns.is_empty() || self.org_role.is_some()
    }

    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let error = |name: &'static str, value: &str, why: &str| SettingsError {
            name,
            value: value.to_string(),
            why: why.to_string(),
        };
        let topic_arn = match get("GATECHECK_TOPIC_ARN") {
            Some(arn)
                if arn.starts_with("arn:") && arn.split(':').nth(2) == Some("sns") && arn.split(':').count() == 6 =>
            {
                Some(arn)
            }
            Some(arn) => return Err(error("GATECHECK_TOPIC_ARN", &arn, "not an SNS topic ARN")),
            None => None,
        };
        let publish_severity = match get("GATECHECK_PUBLISH_SEVERITY") {
            Some(value) => value.parse().map_err(|e: crate::report::UnknownSeverity| {
                error("GATECHECK_PUBLISH_SEVERITY", &value, &e.to_string())
            })?,
            None => Severity::Medium,
        };
        let namespace = get("GATECHECK_NAMESPACE").unwrap_or_else(|| emf::DEFAULT_NAMESPACE.to_string());
        if namespace.is_empty()
            || namespace.len() > 255
            || namespace.starts_with("AWS/")
            || namespace.chars().any(|c| c.is_control())
        {
            return Err(error(
                "GATECHECK_NAMESPACE",
                &namespace,
                "must be 1 to 255 printable characters, not AWS/…",
            ));
        }
        let all_regions = get("GATECHECK_REGIONS").is_some_and(|r| r.trim().eq_ignore_ascii_case("all"));
        let listed = get("GATECHECK_REGIONS").filter(|_| !all_regions);
        let regions: Vec<String> = match listed.or_else(|| get("AWS_REGION")) {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .collect(),
            None => Vec::new(),
        };
        if regions.is_empty() {
            return Err(error(
                "GATECHECK_REGIONS",
                "",
                "no region: set GATECHECK_REGIONS or AWS_REGION",
            ));
        }
        if let Some(bad) = regions.iter().find(|r| !crate::model::is_region_name(r)) {
            return Err(error("GATECHECK_REGIONS", bad, "not an AWS region name"));
        }
        let concurrency = match get("GATECHECK_CONCURRENCY") {
            Some(value) => match value.trim().parse::<usize>() {
                Ok(n) if (1..=64).contains(&n) => n,
                _ => return Err(error("GATECHECK_CONCURRENCY", &value, "a whole number from 1 to 64")),
            },
            None => DEFAULT_CONCURRENCY,
        };
        let role_arns: Vec<String> = get("GATECHECK_ROLE_ARNS")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        if let Some(bad) = role_arns
            .iter()
            .find(|r| crate::collect::fan_out::account_of_role(r).is_none())
        {
            return Err(error("GATECHECK_ROLE_ARNS", bad, "not an IAM role ARN"));
        }
        let org_role = get("GATECHECK_ORG_ROLE").map(|r| r.trim().to_string());
        if let Some(name) = &org_role {
            if !role_arns.is_empty() {
                return Err(error(
                    "GATECHECK_ORG_ROLE",
                    name,
                    "set GATECHECK_ROLE_ARNS or GATECHECK_ORG_ROLE, not both",
                ));
            }
            if name.is_empty() || name.contains([':', ' ']) {
                return Err(error(
                    "GATECHECK_ORG_ROLE",
                    name,
                    "a role name (with its path), not an ARN",
                ));
            }
        }
        let parallel = match get("GATECHECK_PARALLEL") {
            Some(value) => match value.trim().parse::<usize>() {
                Ok(n) if (1..=64).contains(&n) => n,
                _ => return Err(error("GATECHECK_PARALLEL", &value, "a whole number from 1 to 64")),
            },
            None => 4,
        };
        let rate_limits = match get("GATECHECK_MAX_RPS") {
            Some(value) => match crate::model::parse_max_rps(&value) {
                Ok(n) => RateLimits::per_second(n),
                Err(why) => return Err(error("GATECHECK_MAX_RPS", &value, &why)),
            },
            None => RateLimits::default(),
        };
        Ok(Settings {
            topic_arn,
            publish_severity,
            namespace,
            regions,
            concurrency,
            rate_limits,
            all_regions,
            role_arns,
            org_role,
            external_id: get("GATECHECK_EXTERNAL_ID"),
            parallel,
        })
    }
}

tokio::task_local! {
    /// When the current invocation must stop starting reads.
    static READ_DEADLINE: Option<Instant>;
}

/// How long an invocation may go on reading: its remaining time less what reporting and
/// publishing need (a quarter of it, at most 15 seconds). None when the deadline is not
/// ahead: Lambda always gives one ahead, so one already past (or none, as some local
/// emulators send) says nothing about the time left.
pub fn reading_budget(deadline_epoch_ms: u64, now_epoch_ms: u64) -> Option<Duration> {
    if deadline_epoch_ms <= now_epoch_ms {
        return None;
    }
    let remaining = Duration::from_millis(deadline_epoch_ms - now_epoch_ms);
    Some(remaining - (remaining / 4).min(Duration::from_secs(15)))
}

/// A failed invocation as Lambda reports it: an `errorType` that says which kind of failure
/// it was (for alarms and the caller's retry logic) and the error's message.
pub fn diagnostic(err: &anyhow::Error) -> lambda_runtime::Diagnostic {
    let error_type = if err.downcast_ref::<events::EventError>().is_some() {
        "InvalidEvent"
    } else if err.downcast_ref::<sns::PublishError>().is_some() {
        "PublishFailed"
    } else if err.downcast_ref::<collect::CollectError>().is_some() {
        "AuditFailed"
    } else if err.downcast_ref::<SettingsError>().is_some() {
        "SettingsError"
    } else {
        "FunctionError"
    };
    lambda_runtime::Diagnostic {
        error_type: error_type.to_string(),
        error_message: format!("{err:#}"),
    }
}

/// What the function keeps between invocations: settings and AWS clients, built once.
pub struct Function {
    pub settings: Settings,
    base: SdkConfig,
    /// One per region, each with its API Gateway limiter: kept across invocations, since the
    /// quota is the account-region's, not one invocation's.
    configs: std::sync::Mutex<BTreeMap<String, ServiceConfigs>>,
    sns: aws_sdk_sns::Client,
}

impl Function {
    pub async fn new(settings: Settings) -> Self {
        let base = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(collect::retry_config())
            .timeout_config(collect::timeout_config())
            .load()
            .await;
        Self::with_sdk_config(settings, base)
    }

    /// The function over a given AWS configuration (an emulator's, in tests).
    pub fn with_sdk_config(settings: Settings, base: SdkConfig) -> Self {
        Function {
            sns: aws_sdk_sns::Client::new(&base),
            settings,
            base,
            configs: Default::default(),
        }
    }

    fn configs_for(sdk: &SdkConfig, limits: RateLimits) -> ServiceConfigs {
        ServiceConfigs::from_sdk_config(sdk).with_rate_limits(Some(limits))
    }

    /// The region's configs, built on first use and shared from then on.
    fn configs(&self, region: &str) -> ServiceConfigs {
        let mut configs = self.configs.lock().unwrap_or_else(|e| e.into_inner());
        configs
            .entry(region.to_string())
            .or_insert_with(|| {
                let sdk = self.base.to_builder().region(Region::new(region.to_string())).build();
                Self::configs_for(&sdk, self.settings.rate_limits)
            })
            .clone()
    }

    /// The region an event names, or the first configured one.
    fn region_or_default(&self, region: Option<String>) -> String {
        region
            .filter(|r| crate::model::is_region_name(r))
            .unwrap_or_else(|| self.settings.regions[0].clone())
    }

    /// Handles one invocation that must finish before `deadline` (the Lambda context's, in
    /// milliseconds since the epoch): reads stop in time to report and publish, and what was
    /// not read is a GC900.
    pub async fn handle_until(&self, event: Value, deadline_epoch_ms: u64) -> anyhow::Result<Value> {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        match reading_budget(deadline_epoch_ms, now_ms) {
            None => {
                tracing::warn!(
                    deadline_epoch_ms,
                    "the runtime gave no deadline ahead: reading without one"
                );
                self.handle(event).await
            }
            Some(budget) => {
                tracing::info!(budget_ms = budget.as_millis() as u64, "reads stop this long from now");
                self.handle_reading_until(event, Instant::now() + budget).await
            }
        }
    }

    /// Handles one invocation in which no read starts after `read_deadline`.
    pub async fn handle_reading_until(&self, event: Value, read_deadline: Instant) -> anyhow::Result<Value> {
        READ_DEADLINE.scope(Some(read_deadline), self.handle(event)).await
    }

    /// Handles one invocation. Malformed events are an error before anything is read or
    /// published; a publish failure is an error after the findings are in the logs.
    pub async fn handle(&self, event: Value) -> anyhow::Result<Value> {
        let started = Instant::now();
        let work = match parse_event(&event) {
            Ok(work) => work,
            Err(err) => {
                tracing::error!("rejected event: {err}");
                return Err(err.into());
            }
        };
        tracing::info!(?work, "invocation");
        let mut fail_on = Severity::Critical;
        let snapshots = match work {
            Work::Skip { reason } => {
                tracing::info!("nothing to audit: {reason}");
                return Ok(json!({"skipped": true, "reason": reason}));
            }
            Work::Direct {
                region,
                api_id,
                stage,
                fail_on: threshold,
            } => {
                fail_on = threshold;
                let region = self.region_or_default(region);
                vec![
                    self.collect(
                        &region,
                        Scope {
                            api_id: Some(api_id),
                            stage,
                            ..Scope::default()
                        },
                    )
                    .await?,
                ]
            }
            Work::ListTargets => return Ok(json!({ "targets": self.list_targets().await? })),
            Work::Aggregate { items } => return self.aggregate(&items).await,
            Work::Member {
                account,
                role_arn,
                region,
            } => {
                let target = AccountTarget::role(&role_arn);
                let snapshots = self
                    .collect_accounts(&[target], &Regions::These(vec![region.clone()]))
                    .await;
                let report = audit::report(&snapshots, started.elapsed());
                self.write_cloudwatch_lines(&report);
                let counts = AccountRegionCounts::from_report(&report, Some(&account), &region);
                return Ok(serde_json::to_value(counts)?);
            }
            Work::FullAudit if self.settings.fans_out() || self.settings.all_regions => {
                let regions = if self.settings.all_regions {
                    Regions::AllEnabled
                } else {
                    Regions::These(self.settings.regions.clone())
                };
                self.collect_accounts(&self.targets().await?, &regions).await
            }
            other => self.snapshots_for(other).await?,
        };
        let report = audit::report(&snapshots, started.elapsed());
        self.write_cloudwatch_lines(&report);
        let published = self.publish(&report).await?;
        let mut response = serde_json::to_value(&report)?;
        if let Value::Object(map) = &mut response {
            map.insert("passed".into(), json!(!report.fails(fail_on)));
            map.insert("fail_on".into(), json!(fail_on));
            map.insert("published_message_id".into(), json!(published));
        }
        Ok(response)
    }

    /// The accounts a fan-out covers: the configured roles, or the organization's accounts.
    async fn targets(&self) -> anyhow::Result<Vec<AccountTarget>> {
        if let Some(name) = &self.settings.org_role {
            return Ok(fan_out::organization_roles(&self.base, name).await?);
        }
        Ok(self
            .settings
            .role_arns
            .iter()
            .map(|arn| AccountTarget::role(arn))
            .collect())
    }

    /// The Map state's items: each account with each region, as `{account, roleArn, region}`.
    /// With `GATECHECK_REGIONS=all`, the regions this account has enabled.
    async fn list_targets(&self) -> anyhow::Result<Vec<Value>> {
        if !self.settings.fans_out() {
            anyhow::bail!("no accounts to fan out to: set GATECHECK_ROLE_ARNS or GATECHECK_ORG_ROLE");
        }
        let regions = if self.settings.all_regions {
            fan_out::enabled_regions(&self.base).await?
        } else {
            self.settings.regions.clone()
        };
        let mut items = Vec::new();
        for target in self.targets().await? {
            for region in &regions {
                items.push(json!({"account": target.account_id, "roleArn": target.role_arn, "region": region}));
            }
        }
        Ok(items)
    }

    /// One SNS message for a whole fan-out.
    async fn aggregate(&self, items: &[AccountRegionCounts]) -> anyhow::Result<Value> {
        let not_audited = items.iter().filter(|i| i.error.is_some()).count();
        let mut published = None;
        if let (Some(topic), Some(message)) = (
            &self.settings.topic_arn,
            sns::build_summary_message(items, self.settings.publish_severity),
        ) {
            published = Some(sns::publish(&self.sns, topic, &message).await?);
        }
        Ok(json!({
            "account_regions": items.len(),
            "not_audited": not_audited,
            "published_message_id": published,
        }))
    }

    /// Account-regions in parallel, each with its own limiter, within the invocation's time.
    async fn collect_accounts(&self, targets: &[AccountTarget], regions: &Regions) -> Vec<Snapshot> {
        let options = self.collect_options(Scope::default());
        let targets = if targets.is_empty() {
            vec![AccountTarget::own()]
        } else {
            targets.to_vec()
        };
        fan_out::collect_all(
            &self.base,
            &targets,
            regions,
            self.settings.external_id.as_deref(),
            self.settings.parallel,
            &options,
            &|sdk| Self::configs_for(sdk, self.settings.rate_limits),
        )
        .await
    }

    async fn snapshots_for(&self, work: Work) -> anyhow::Result<Vec<Snapshot>> {
        let one_region = |region: Option<String>| self.region_or_default(region);
        Ok(match work {
            Work::FullAudit => {
                let mut snapshots = Vec::new();
                for region in &self.settings.regions {
                    snapshots.push(self.collect(region, Scope::default()).await?);
                }
                snapshots
            }
            Work::Apis { region, targets } => self.collect_targets(&one_region(region), targets).await?,
            Work::UsagePlans { region, plan_ids } => {
                let region = one_region(region);
                let apis = collect::apis_of_plans(&self.configs(&region), &plan_ids).await;
                self.collect_apis_or_region(&region, apis).await?
            }
            Work::ApiKeys { region, key_ids } => {
                let region = one_region(region);
                let apis = collect::apis_of_keys(&self.configs(&region), &key_ids).await;
                self.collect_apis_or_region(&region, apis).await?
            }
            Work::AccountSettings { region } => {
                vec![
                    self.collect(
                        &one_region(region),
                        Scope {
                            account_only: true,
                            ..Scope::default()
                        },
                    )
                    .await?,
                ]
            }
            Work::WafStages { region, arn, is_ip_set } => {
                let region = one_region(region);
                let mut snapshot = self.collect(&region, Scope::default()).await?;
                let acls: Vec<String> = if is_ip_set {
                    let users = snapshot
                        .web_acls
                        .iter()
                        .filter(|acl| acl.ip_set_arns().contains(arn.as_str()));
                    users.map(|acl| acl.arn.clone()).collect()
                } else {
                    vec![arn]
                };
                if acls.is_empty() {
                    tracing::info!("no stage's web ACL uses the changed IP set");
                    return Ok(Vec::new());
                }
                snapshot.scope.web_acl_arns = acls;
                vec![snapshot]
            }
            Work::Direct { .. }
            | Work::Skip { .. }
            | Work::Member { .. }
            | Work::ListTargets
            | Work::Aggregate { .. } => Vec::new(),
        })
    }

    /// The usage plans' or keys' APIs; when none can be named, the whole region.
    async fn collect_apis_or_region(&self, region: &str, apis: BTreeSet<String>) -> anyhow::Result<Vec<Snapshot>> {
        if apis.is_empty() {
            tracing::info!("the change names no REST API that can be read now: auditing all of {region}");
            return Ok(vec![self.collect(region, Scope::default()).await?]);
        }
        self.collect_targets(region, apis.into_iter().map(|id| (id, None)).collect())
            .await
    }

    async fn collect_targets(&self, region: &str, targets: BTreeSet<events::Target>) -> anyhow::Result<Vec<Snapshot>> {
        // A change to one stage audits that stage; several, or the API itself, the whole API.
        let mut by_api: BTreeMap<String, BTreeSet<Option<String>>> = BTreeMap::new();
        for (api, stage) in targets {
            by_api.entry(api).or_default().insert(stage);
        }
        let mut snapshots = Vec::new();
        for (api_id, stages) in by_api {
            let stage = match stages.iter().collect::<Vec<_>>().as_slice() {
                [Some(stage)] => Some(stage.clone()),
                _ => None,
            };
            let scope = Scope {
                api_id: Some(api_id.clone()),
                stage,
                ..Scope::default()
            };
            match self.collect(region, scope).await {
                Ok(snapshot) => snapshots.push(snapshot),
                // Deleted since the event: nothing left to refuse callers.
                Err(collect::CollectError::ApiNotFound { .. } | collect::CollectError::StageNotFound { .. }) => {
                    tracing::info!("{api_id} no longer exists in {region}: skipped");
                }
                Err(err) => return Err(err.into()),
            }
        }
        Ok(snapshots)
    }

    async fn collect(&self, region: &str, scope: Scope) -> Result<Snapshot, collect::CollectError> {
        collect::collect(&self.configs(region), &self.collect_options(scope)).await
    }

    fn collect_options(&self, scope: Scope) -> CollectOptions {
        CollectOptions {
            scope,
            concurrency: self.settings.concurrency,
            deadline: READ_DEADLINE.try_with(|d| *d).ok().flatten(),
            progress: None,
        }
    }

    /// EMF metric lines and one log line per finding, on stdout, where Lambda sends them
    /// to CloudWatch.
    fn write_cloudwatch_lines(&self, report: &Report) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let mut out = std::io::stdout().lock();
        for line in emf::report_lines(report, &self.settings.namespace, now)
            .into_iter()
            .chain(emf::finding_log_lines(report))
        {
            let _ = writeln!(out, "{line}");
        }
        let _ = out.flush();
    }

    async fn publish(&self, report: &Report) -> anyhow::Result<Option<String>> {
        let Some(topic) = &self.settings.topic_arn else {
            return Ok(None);
        };
        let Some(message) = sns::build_message(report, self.settings.publish_severity) else {
            return Ok(None);
        };
        let id = sns::publish(&self.sns, topic, &message).await?;
        tracing::info!(message_id = %id, left_out = message.left_out, "published findings to {topic}");
        Ok(Some(id))
    }
}

/// Tracing for Lambda: JSON when the function's log format is JSON, plain text otherwise;
/// no ANSI colours, no timestamps (CloudWatch adds its own).
pub fn init_tracing() {
    let filter = crate::log_filter::from_env("gatecheck=info,warn");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .without_time();
    let _ = if std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("JSON")) {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

#[cfg(test)]
mod tests;
