//! The Lambda function: event → what to audit → collect → report → CloudWatch (EMF and JSON
//! log lines on stdout) and SNS. `src/bin/bootstrap.rs` only wires this to the runtime.

pub mod events;

pub use crate::settings::{FunctionSettings as Settings, SettingsError};

use crate::audit;
use crate::aws::auditor::Auditor;
use crate::aws::s3_state::StateStore;
use crate::aws::{self, config, fan_out, ServiceConfigs};
use crate::clock::now_ms;
use crate::model::{Scope, Snapshot};
use crate::pipeline::{self, Deliver, Outcome, Read};
use crate::report::{AccountRegionCounts, Report, Severity};
use crate::scope::{scopes_for_changes, Accounts, Plan, Regions};
use crate::sinks::security_hub::Imported;
use crate::sinks::{emf, sns};
use aws_config::SdkConfig;
use events::{parse_event, Work};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;
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
    } else if err.downcast_ref::<aws::CollectError>().is_some() {
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
        Self::with_sdk_config(settings, config::load(&config::Connection::default(), None).await)
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
        match reading_budget(deadline_epoch_ms, now_ms()) {
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

    /// Handles one invocation, its response as JSON.
    pub async fn handle(&self, event: Value) -> anyhow::Result<Value> {
        Ok(serde_json::to_value(self.respond(event).await?)?)
    }

    /// Handles one invocation. Malformed events are an error before anything is read or
    /// published; a publish failure is an error after the findings are in the logs.
    pub async fn respond(&self, event: Value) -> anyhow::Result<Response> {
        let work = parse_event(&event).inspect_err(|err| tracing::error!("rejected event: {err}"))?;
        tracing::info!(?work, "invocation");
        let (read, fail_on) = match work {
            Work::Skip { reason } => {
                tracing::info!("nothing to audit: {reason}");
                return Ok(Response::Skipped { skipped: true, reason });
            }
            Work::ListTargets => {
                return Ok(Response::Targets {
                    targets: self.list_targets().await?,
                })
            }
            Work::Aggregate { items } => return self.aggregate(&items).await,
            Work::Member {
                account,
                role_arn,
                region,
            } => return self.member(&account, role_arn, region).await,
            Work::FullAudit => {
                let plan = self.settings.scheduled_plan();
                (Read::Plan { plan, read_all: false }, Severity::Critical)
            }
            Work::Direct {
                region,
                api_id,
                stage,
                fail_on,
            } => {
                let plan = Plan {
                    accounts: Accounts::Own,
                    regions: Regions::These(vec![self.region_or_default(region)]),
                    scope: Scope {
                        api_id: Some(api_id),
                        stage,
                        ..Scope::default()
                    },
                };
                (Read::Plan { plan, read_all: false }, fail_on)
            }
            other => (Read::Snapshots(self.snapshots_for(other).await?), Severity::Critical),
        };
        let audit = pipeline::Audit {
            read,
            evidence: self.settings.evidence_window.clone(),
            security_hub: self.settings.changes.security_hub,
            full_refresh: self.settings.changes.full_refresh,
            deadline: Self::deadline(),
        };
        let edges = pipeline::Edges {
            auditor: &self.auditor,
            state: self.state.as_ref(),
            progress: &|_| None,
        };
        let mut publisher = Publisher {
            function: self,
            message_ids: Vec::new(),
        };
        let outcome = Box::pin(pipeline::run(audit, &edges, &mut publisher)).await?;
        Ok(Response::Audit(Box::new(AuditResponse::new(
            outcome,
            fail_on,
            publisher.message_ids,
        ))))
    }

    /// One account-region of a fan-out: its counts for the state machine; the findings go to
    /// this invocation's logs.
    async fn member(&self, account: &str, role_arn: String, region: String) -> anyhow::Result<Response> {
        let started = Instant::now();
        let plan = Plan {
            accounts: Accounts::Roles(vec![role_arn]),
            regions: Regions::These(vec![region.clone()]),
            scope: Scope::default(),
        };
        let snapshots = self.auditor.run(&plan, Self::deadline(), &|_| None).await?;
        let report = audit::report(&snapshots, started.elapsed());
        self.write_cloudwatch_lines(&report);
        Ok(Response::Member(AccountRegionCounts::from_report(
            &report,
            Some(account),
            &region,
        )))
    }

    /// The Map state's items: each account with each region, as `{account, roleArn, region}`.
    /// With `GATECHECK_REGIONS=all`, the regions this account has enabled.
    async fn list_targets(&self) -> anyhow::Result<Vec<FanOutItem>> {
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
                items.push(FanOutItem {
                    account: target.account_id.clone(),
                    role_arn: target.role_arn.clone(),
                    region: region.clone(),
                });
            }
        }
        Ok(items)
    }

    /// One SNS message for a whole fan-out.
    async fn aggregate(&self, items: &[AccountRegionCounts]) -> anyhow::Result<Response> {
        let not_audited = items.iter().filter(|i| i.error.is_some()).count();
        let mut published = None;
        if let (Some(topic), Some(message)) = (
            &self.settings.topic_arn,
            sns::build_summary_message(items, self.settings.publish_severity),
        ) {
            published = Some(sns::publish(&self.sns, topic, &message).await?);
        }
        Ok(Response::Aggregate {
            account_regions: items.len(),
            not_audited,
            published_message_id: published,
        })
    }

    async fn snapshots_for(&self, work: Work) -> anyhow::Result<Vec<Snapshot>> {
        let one_region = |region: Option<String>| self.region_or_default(region);
        Ok(match work {
            Work::Apis { region, targets } => self.collect_targets(&one_region(region), targets).await?,
            Work::UsagePlans { region, plan_ids } => {
                let region = one_region(region);
                let apis = aws::apis_of_plans(&self.configs(&region), &plan_ids).await;
                self.collect_apis_or_region(&region, apis).await?
            }
            Work::ApiKeys { region, key_ids } => {
                let region = one_region(region);
                let apis = aws::apis_of_keys(&self.configs(&region), &key_ids).await;
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
                Err(aws::CollectError::ApiNotFound { .. } | aws::CollectError::StageNotFound { .. }) => {
                    tracing::info!("{api_id} no longer exists in {region}: skipped");
                }
                Err(err) => return Err(err.into()),
            }
        }
        Ok(snapshots)
    }

    async fn collect(&self, region: &str, scope: Scope) -> Result<Snapshot, aws::CollectError> {
        self.auditor.collect(region, scope, Self::deadline()).await
    }

    /// EMF metric lines and one log line per finding, on stdout, where Lambda sends them
    /// to CloudWatch.
    fn write_cloudwatch_lines(&self, report: &Report) {
        let now = now_ms();
        let mut lines = String::new();
        for line in emf::report_lines(report, &self.settings.namespace, now)
            .into_iter()
            .chain(emf::finding_log_lines(report))
        {
            lines.push_str(&line);
            lines.push('\n');
        }
        // Through print!, which a test harness captures; Lambda's stdout is its log stream
        // and stays open for the life of the process.
        print!("{lines}");
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

/// The function's delivery: CloudWatch lines on stdout, then SNS.
struct Publisher<'a> {
    function: &'a Function,
    message_ids: Vec<String>,
}

impl Deliver for Publisher<'_> {
    async fn deliver(&mut self, report: &Report) -> anyhow::Result<()> {
        self.function.write_cloudwatch_lines(report);
        self.message_ids = self.function.publish(report).await?;
        Ok(())
    }
}

/// What an invocation answers.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Response {
    /// An audit's report, with what was delivered and whether it passed.
    Audit(Box<AuditResponse>),
    /// The event asked for nothing gatecheck audits.
    Skipped { skipped: bool, reason: String },
    /// The fan-out's items, for the state machine's Map.
    Targets { targets: Vec<FanOutItem> },
    /// One fan-out item's counts.
    Member(AccountRegionCounts),
    /// The fan-out's summary.
    Aggregate {
        account_regions: usize,
        not_audited: usize,
        published_message_id: Option<String>,
    },
}

/// An account-region for the state machine's Map to audit.
#[derive(Debug, Clone, Serialize)]
pub struct FanOutItem {
    pub account: Option<String>,
    #[serde(rename = "roleArn")]
    pub role_arn: Option<String>,
    pub region: String,
}

/// An audit's response: the report's fields, and beside them the outcome.
#[derive(Debug, Serialize)]
pub struct AuditResponse {
    #[serde(flatten)]
    pub report: Report,
    /// No finding at or above `fail_on`.
    pub passed: bool,
    pub fail_on: Severity,
    pub published_message_id: Option<String>,
    pub published_message_ids: Vec<String>,
    pub states_saved: usize,
    /// Why the stored state was not used, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_hub: Option<Imported>,
}

impl AuditResponse {
    fn new(outcome: Outcome, fail_on: Severity, message_ids: Vec<String>) -> Self {
        AuditResponse {
            passed: !outcome.report.fails(fail_on),
            fail_on,
            published_message_id: message_ids.first().cloned(),
            published_message_ids: message_ids,
            states_saved: outcome.states_saved,
            state_error: outcome.state_error,
            security_hub: outcome.security_hub,
            report: outcome.report,
        }
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
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let guard = crate::log_filter::guard();
    let _ = if std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("JSON")) {
        builder.json().finish().with(guard).try_init()
    } else {
        builder.finish().with(guard).try_init()
    };
}

#[cfg(test)]
mod tests;
