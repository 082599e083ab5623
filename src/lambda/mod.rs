//! The Lambda function: event → what to audit → collect → report → CloudWatch (EMF and JSON
//! log lines on stdout) and SNS. `src/bin/bootstrap.rs` only wires this to the runtime.

pub mod events;

pub use crate::settings::{FunctionSettings as Settings, SettingsError};

use crate::audit;
use crate::collect::auditor::Auditor;
use crate::collect::state_store::StateStore;
use crate::collect::{self, aws, fan_out, ServiceConfigs};
use crate::model::{Scope, Snapshot};
use crate::report::{AccountRegionCounts, Report, Severity};
use crate::scope::{scopes_for_changes, Accounts, Plan, Regions};
use crate::sinks::{emf, security_hub, sns};
use aws_config::SdkConfig;
use events::{parse_event, Work};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::Write;
use std::time::{Duration, Instant};

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
    /// Kept across invocations with each region's API Gateway limiter, since the quota is the
    /// account-region's, not one invocation's.
    auditor: Auditor,
    sns: aws_sdk_sns::Client,
    /// With `GATECHECK_STATE_BUCKET`: each account-region's last audit.
    state: Option<StateStore>,
}

impl Function {
    pub async fn new(settings: Settings) -> Self {
        Self::with_sdk_config(settings, aws::load(&aws::Connection::default(), None).await)
    }

    /// The function over a given AWS configuration (an emulator's, in tests).
    pub fn with_sdk_config(settings: Settings, base: SdkConfig) -> Self {
        Function {
            sns: aws_sdk_sns::Client::new(&base),
            state: settings.state_location().map(|at| StateStore::new(&base, at)),
            auditor: Auditor::new(base, settings.throughput(), settings.fan_out.external_id.clone()),
            settings,
        }
    }

    fn configs(&self, region: &str) -> ServiceConfigs {
        self.auditor.configs(region)
    }

    fn region_or_default(&self, region: Option<String>) -> String {
        self.settings.region_or_default(region)
    }

    fn deadline() -> Option<Instant> {
        READ_DEADLINE.try_with(|d| *d).ok().flatten()
    }

    /// Handles one invocation that must finish before `deadline` (the Lambda context's, in
    /// milliseconds since the epoch): reads stop in time to report and publish, and what was
    /// not read is a GC900.
    pub async fn handle_until(&self, event: Value, deadline_epoch_ms: u64) -> anyhow::Result<Value> {
        match reading_budget(deadline_epoch_ms, collect::now_ms()) {
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
        let mut loaded = Vec::new();
        let mut light_reads = None;
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
                let plan = Plan {
                    accounts: Accounts::Roles(vec![role_arn]),
                    regions: Regions::These(vec![region.clone()]),
                    scope: Scope::default(),
                };
                let snapshots = self.auditor.run(&plan, Self::deadline(), &|_| None).await?;
                let report = audit::report(&snapshots, started.elapsed());
                self.write_cloudwatch_lines(&report);
                let counts = AccountRegionCounts::from_report(&report, Some(&account), &region);
                return Ok(serde_json::to_value(counts)?);
            }
            Work::FullAudit => {
                let plan = self.settings.scheduled_plan();
                match (&self.state, &plan.regions) {
                    // With a stored state, a scheduled audit of the function's own account
                    // reads again only what changed (a fan-out reads each account in full).
                    (Some(store), Regions::These(regions)) if !plan.fans_out() => {
                        let full_refresh = self.settings.changes.full_refresh;
                        let (snapshots, states, reads) = self
                            .auditor
                            .run_light(regions, &plan.scope, store, full_refresh, Self::deadline())
                            .await?;
                        loaded = states;
                        light_reads = Some(reads);
                        snapshots
                    }
                    _ => self.auditor.run(&plan, Self::deadline(), &|_| None).await?,
                }
            }
            other => self.snapshots_for(other).await?,
        };
        let mut report = audit::report(&snapshots, started.elapsed());
        report.summary.reads = light_reads;
        if let Some(window) = &self.settings.evidence_window {
            let accounts = self.settings.fan_out.accounts();
            let external_id = self.settings.fan_out.external_id.as_deref();
            collect::logs::add_evidence(
                self.auditor.base(),
                &snapshots,
                &mut report,
                window,
                &accounts,
                external_id,
            )
            .await;
        }
        let now_ms = collect::now_ms();
        let states = match &self.state {
            Some(store) => match store.mark(&mut report, &snapshots, loaded, now_ms).await {
                Ok(states) => Some(states),
                Err(err) => {
                    tracing::error!("{err}: every finding is published as it stands, and no state is saved");
                    None
                }
            },
            None => None,
        };
        self.write_cloudwatch_lines(&report);
        // The state is saved only once the findings are out: a failed publish leaves the
        // previous state, so the next run publishes these changes again rather than lose them.
        let published = self.publish(&report).await?;
        let imported = match self.settings.changes.security_hub {
            true => Some(security_hub::import(self.auditor.base(), &report, now_ms).await?),
            false => None,
        };
        if let (Some(store), Some(states)) = (&self.state, &states) {
            store.save_all(states).await?;
        }
        let mut response = serde_json::to_value(&report)?;
        if let Value::Object(map) = &mut response {
            map.insert("passed".into(), json!(!report.fails(fail_on)));
            map.insert("fail_on".into(), json!(fail_on));
            map.insert("published_message_id".into(), json!(published.first()));
            map.insert("published_message_ids".into(), json!(published));
            map.insert("states_saved".into(), json!(states.as_ref().map_or(0, Vec::len)));
            if let Some(imported) = imported {
                map.insert(
                    "security_hub".into(),
                    json!({"imported": imported.imported, "resolved": imported.resolved,
                        "other_accounts": imported.other_accounts, "calls": imported.calls}),
                );
            }
        }
        Ok(response)
    }

    /// The Map state's items: each account with each region, as `{account, roleArn, region}`.
    /// With `GATECHECK_REGIONS=all`, the regions this account has enabled.
    async fn list_targets(&self) -> anyhow::Result<Vec<Value>> {
        let plan = self.settings.scheduled_plan();
        if plan.accounts == Accounts::Own {
            anyhow::bail!("no accounts to fan out to: set GATECHECK_ROLE_ARNS or GATECHECK_ORG_ROLE");
        }
        let regions = match plan.regions {
            Regions::AllEnabled => fan_out::enabled_regions(self.auditor.base()).await?,
            Regions::These(regions) => regions,
        };
        let mut items = Vec::new();
        for target in self.auditor.targets(&plan.accounts).await? {
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

    async fn snapshots_for(&self, work: Work) -> anyhow::Result<Vec<Snapshot>> {
        let one_region = |region: Option<String>| self.region_or_default(region);
        Ok(match work {
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
            | Work::FullAudit
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
        let mut snapshots = Vec::new();
        for scope in scopes_for_changes(targets) {
            let api_id = scope.api_id.clone().unwrap_or_default();
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
        self.auditor.collect(region, scope, Self::deadline()).await
    }

    /// EMF metric lines and one log line per finding, on stdout, where Lambda sends them
    /// to CloudWatch.
    fn write_cloudwatch_lines(&self, report: &Report) {
        let now = collect::now_ms();
        let mut out = std::io::stdout().lock();
        for line in emf::report_lines(report, &self.settings.namespace, now)
            .into_iter()
            .chain(emf::finding_log_lines(report))
        {
            let _ = writeln!(out, "{line}");
        }
        let _ = out.flush();
    }

    /// Publishes what `GATECHECK_NOTIFY` asks for; returns the message ids.
    async fn publish(&self, report: &Report) -> anyhow::Result<Vec<String>> {
        let Some(topic) = &self.settings.topic_arn else {
            return Ok(Vec::new());
        };
        let mut ids = Vec::new();
        for message in sns::build_messages(report, self.settings.publish_severity, self.settings.notify) {
            let id = sns::publish(&self.sns, topic, &message).await?;
            tracing::info!(message_id = %id, left_out = message.left_out, subject = %message.subject, "published to {topic}");
            ids.push(id);
        }
        Ok(ids)
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
