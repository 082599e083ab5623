//! Reads a stage's refusals from CloudWatch Logs into [`StageTraffic`].
//!
//! `FilterLogEvents`, paginated, rather than Logs Insights: Insights runs a query
//! asynchronously (StartQuery, then GetQueryResults polled until done), returns at most
//! 10,000 rows, and is billed per GB scanned; counting by cause needs every refused line,
//! and only a filter on the server keeps the transfer small. Execution logs are filtered on
//! the server to the lines that name a cause or a status; access logs are read whole, since
//! a filter pattern cannot follow every format a stage may write.

use super::auditor::Auditor;
use super::config::in_region;
use super::errors::classify;
use crate::arn::account_of_role;
use crate::clock::now_ms_signed;
use crate::model::{GapReason, RestApi, Snapshot, Stage};
use crate::report::Finding;
use crate::scope::Accounts;
use crate::traffic::{
    link_findings, read_plan, stage_worth_reading, AccessLogFormat, EvidenceRead, EvidenceWindow, ExecutionRequests,
    LogSource, ReadPlan, StageTraffic, Tally, Window, EXECUTION_LOG_FILTER,
};
use aws_sdk_cloudwatchlogs::Client;
use std::collections::HashMap;

/// Events per page: FilterLogEvents' most.
const PAGE: i32 = 10_000;
/// Past this many lines a stage's counts are a lower bound, and say so.
pub const MAX_LINES_PER_STAGE: u64 = 1_000_000;

/// One stage's refusals in the window. What cannot be read is a note on the result, never
/// an error: the other stages, and the audit, stand.
pub async fn read_stage(client: &Client, api: &RestApi, stage: &Stage, window: Window) -> StageTraffic {
    let mut tally = Tally::new(window);
    let mut calls = 0;
    let (source, notes) = match read_plan(api, stage) {
        ReadPlan::Nothing(why) => (None, vec![why]),
        ReadPlan::Access { log_group, format } => {
            let parsed = AccessLogFormat::parse(&format);
            let source = LogSource::AccessLog {
                log_group: log_group.clone(),
                json: parsed.is_json(),
            };
            let outcome = read_events(client, &log_group, None, window, &mut calls, |at, message| {
                tally.count_line_read();
                tally.add(at, parsed.classify(message));
            })
            .await;
            finish_source(source, outcome)
        }
        ReadPlan::Execution { log_group } => {
            let mut requests = ExecutionRequests::default();
            let outcome = read_events(
                client,
                &log_group,
                Some(EXECUTION_LOG_FILTER),
                window,
                &mut calls,
                |at, message| {
                    tally.count_line_read();
                    requests.add(at, message);
                },
            )
            .await;
            for (at, line) in requests.into_lines() {
                tally.add(at, line);
            }
            finish_source(LogSource::ExecutionLog { log_group }, outcome)
        }
    };
    let mut traffic = tally.finish(api, &stage.name, source);
    traffic.notes = notes;
    if let (Some(source), 0) = (&traffic.source, traffic.lines_read) {
        // An empty answer cannot tell a quiet stage from lines the group no longer keeps.
        traffic.notes.push(format!(
            "no lines in {} for the window: no traffic, or older than the group's retention",
            source.log_group()
        ));
    }
    traffic.log_calls = calls;
    traffic
}

/// A source whose group could not be read at all is no source; a partial read keeps its
/// counts and says where it stopped.
fn finish_source(source: LogSource, outcome: ReadOutcome) -> (Option<LogSource>, Vec<String>) {
    match outcome {
        ReadOutcome::Complete => (Some(source), Vec::new()),
        ReadOutcome::Capped => {
            let note = format!(
                "stopped at {MAX_LINES_PER_STAGE} lines of {}: the counts are a lower bound; narrow the window",
                source.log_group()
            );
            (Some(source), vec![note])
        }
        ReadOutcome::Failed { note, pages_read: 0 } => (None, vec![note]),
        ReadOutcome::Failed { note, pages_read } => (
            Some(source),
            vec![format!(
                "{note} (after {pages_read} pages: the counts are a lower bound)"
            )],
        ),
    }
}

enum ReadOutcome {
    Complete,
    Capped,
    Failed { note: String, pages_read: u64 },
}

async fn read_events(
    client: &Client,
    log_group: &str,
    filter: Option<&str>,
    window: Window,
    calls: &mut u64,
    mut each: impl FnMut(i64, &str),
) -> ReadOutcome {
    let mut token: Option<String> = None;
    let mut lines = 0u64;
    let mut pages_read = 0;
    loop {
        *calls += 1;
        let sent = token.take();
        let response = client
            .filter_log_events()
            .log_group_name(log_group)
            .start_time(window.start_ms)
            .end_time(window.end_ms)
            .limit(PAGE)
            .set_filter_pattern(filter.map(str::to_string))
            .set_next_token(sent.clone())
            .send()
            .await;
        let page = match response {
            Ok(page) => page,
            Err(err) => {
                let failure = classify(&err);
                let note = match failure.reason {
                    GapReason::NotFound => format!(
                        "log group {log_group} does not exist: the stage has not written to it yet, or it was deleted"
                    ),
                    GapReason::AccessDenied => {
                        format!("cannot read log group {log_group}: access denied (allow logs:FilterLogEvents on it)")
                    }
                    _ => format!("cannot read log group {log_group}: {}", failure.message),
                };
                return ReadOutcome::Failed { note, pages_read };
            }
        };
        pages_read += 1;
        for event in page.events() {
            let (Some(at), Some(message)) = (event.timestamp(), event.message()) else {
                continue;
            };
            each(at, message);
            lines += 1;
            if lines >= MAX_LINES_PER_STAGE {
                return ReadOutcome::Capped;
            }
        }
        match page.next_token() {
            // An empty page can still carry a token: CloudWatch Logs searches in slices.
            Some(next) if !next.is_empty() && Some(next) != sent.as_deref() => token = Some(next.to_string()),
            _ => return ReadOutcome::Complete,
        }
    }
}

/// Which stages of a snapshot to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StagesToRead {
    /// Every stage in the snapshot's scope (`gatecheck logs`).
    All,
    /// Only stages with a finding a refusal cause points to (`--evidence`).
    WithFindings,
}

/// Reads the snapshot's stages one after another (FilterLogEvents allows few requests per
/// second per account-region) and ties each cause to the findings that explain it.
pub async fn read_snapshot(
    client: &Client,
    snapshot: &Snapshot,
    findings: &[Finding],
    window: Window,
    which: StagesToRead,
) -> Vec<StageTraffic> {
    let mut read = Vec::new();
    for api in &snapshot.rest_apis {
        for stage in &api.stages {
            if snapshot.scope.stage.as_ref().is_some_and(|s| *s != stage.name) {
                continue;
            }
            if which == StagesToRead::WithFindings && !stage_worth_reading(findings, &api.id, &stage.name) {
                continue;
            }
            let mut traffic = read_stage(client, api, stage, window).await;
            link_findings(&mut traffic, findings);
            read.push(traffic);
        }
    }
    read
}

/// Reads the logs of the audited stages that have a finding a refusal cause points to, for
/// the window that ends now. In a fan-out, each account's logs are read through the role the
/// audit used there (assumed again: one STS call per account). `traffic::apply_evidence`
/// adds what was read to the report.
pub async fn read_evidence(
    auditor: &Auditor,
    snapshots: &[Snapshot],
    findings: &[Finding],
    window: &EvidenceWindow,
    accounts: &Accounts,
) -> EvidenceRead {
    let base = auditor.base();
    let span = window.ending_at(now_ms_signed());
    let mut evidence = EvidenceRead::default();
    let mut configs: HashMap<Option<String>, Option<aws_config::SdkConfig>> = HashMap::new();
    for snapshot in snapshots {
        let account = snapshot.account.id.clone();
        if !configs.contains_key(&account) {
            let shown = account.as_deref().unwrap_or("?");
            let config = match role_for(accounts, account.as_deref(), &snapshot.region) {
                Role::Own => Some(base.clone()),
                // STS in the snapshot's own region: it answers there in every partition.
                Role::Assume(arn) => {
                    let from = in_region(base, &snapshot.region);
                    match super::fan_out::assume(&from, &arn, auditor.external_id()).await {
                        Ok(config) => Some(config),
                        Err(why) => {
                            evidence
                                .notes
                                .push(format!("cannot read logs in account {shown}: {why}"));
                            None
                        }
                    }
                }
                Role::Unknown => {
                    evidence.notes.push(format!("no role to read logs in account {shown}"));
                    None
                }
            };
            configs.insert(account.clone(), config);
        }
        let Some(Some(config)) = configs.get(&account) else {
            continue;
        };
        let client = Client::new(&in_region(config, &snapshot.region));
        let read = read_snapshot(&client, snapshot, findings, span, StagesToRead::WithFindings).await;
        evidence.stages.extend(read);
    }
    evidence
}

enum Role {
    Own,
    Assume(String),
    Unknown,
}

/// The role the audit reached an account through.
fn role_for(accounts: &Accounts, account: Option<&str>, region: &str) -> Role {
    match (accounts, account) {
        (Accounts::Own, _) => Role::Own,
        (Accounts::Roles(arns), Some(id)) => arns
            .iter()
            .find(|arn| account_of_role(arn).as_deref() == Some(id))
            .map_or(Role::Unknown, |arn| Role::Assume(arn.clone())),
        (Accounts::Organization { role_name }, Some(id)) => Role::Assume(crate::arn::role(region, id, role_name)),
        (_, None) => Role::Unknown,
    }
}
