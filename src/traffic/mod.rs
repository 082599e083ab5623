//! Evidence from traffic: which requests a stage refused in a window, and why, read from its
//! access or execution log lines and tied to the audit's findings. Pure: lines in, counts
//! out; `aws::logs` reads the lines.

mod access_log;
mod cause;
mod execution_log;
pub mod render;

pub use access_log::AccessLogFormat;
pub use cause::{is_refusal_status, Cause};
pub use execution_log::{ExecutionRequests, FILTER_PATTERN as EXECUTION_LOG_FILTER};

use crate::model::{RestApi, Stage};
use crate::report::{Evidence, EvidenceSummary, Finding, Report, Severity};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashMap;

/// What one log line (or one request's execution log lines) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line<'a> {
    Refused(Refusal<'a>),
    Served,
    /// Not in the stage's format, or without a status.
    Unreadable,
}

/// A refused request. Only the key's id is kept, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal<'a> {
    pub cause: Cause,
    pub status: Option<u16>,
    pub key_id: Option<Cow<'a, str>>,
    pub request_id: Option<Cow<'a, str>>,
}

/// The time window read, in milliseconds since the epoch, cut into equal buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start_ms: i64,
    pub end_ms: i64,
    pub buckets: usize,
}

impl Window {
    /// Twelve buckets: five minutes each in an hour.
    pub const BUCKETS: usize = 12;

    pub fn new(start_ms: i64, end_ms: i64) -> Window {
        Window {
            start_ms,
            end_ms: end_ms.max(start_ms + 1),
            buckets: Self::BUCKETS,
        }
    }

    pub fn bucket_ms(&self) -> i64 {
        ((self.end_ms - self.start_ms) / self.buckets as i64).max(1)
    }

    fn bucket_of(&self, timestamp_ms: i64) -> usize {
        let offset = (timestamp_ms - self.start_ms).max(0) / self.bucket_ms();
        usize::try_from(offset).unwrap_or(0).min(self.buckets - 1)
    }
}

/// Which log a stage's refusals were read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum LogSource {
    /// `accessLogSettings.destinationArn`'s log group, read in the stage's format.
    AccessLog { log_group: String, json: bool },
    /// `API-Gateway-Execution-Logs_{api_id}/{stage}`.
    ExecutionLog { log_group: String },
}

impl LogSource {
    pub fn log_group(&self) -> &str {
        match self {
            LogSource::AccessLog { log_group, .. } | LogSource::ExecutionLog { log_group } => log_group,
        }
    }
}

/// How a stage's refusals can be read, decided from its settings alone.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadPlan {
    /// Access log lines in this format: they name the cause, or at least the status.
    Access { log_group: String, format: String },
    /// Execution log lines, filtered on the server to the ones that name a cause or status.
    Execution { log_group: String },
    /// Nothing to read, and why.
    Nothing(String),
}

/// Where a stage's refusals are read: the access log when its format names the response
/// type; else the execution log when the stage writes one; else the access log for status
/// counts alone (GC604's case). Firehose destinations cannot be read back.
pub fn read_plan(api: &RestApi, stage: &Stage) -> ReadPlan {
    let access = stage.access_log.as_ref().and_then(|log| {
        let group = log_group_of(&log.destination_arn)?;
        let format = AccessLogFormat::parse(&log.format);
        Some((group, log.format.clone(), format))
    });
    let execution_on = stage
        .method_settings
        .get("*/*")
        .and_then(|s| s.logging_level.as_deref())
        .is_some_and(|level| level == "INFO" || level == "ERROR");
    match access {
        Some((log_group, format, parsed)) if parsed.has_response_type || (!execution_on && parsed.has_status) => {
            ReadPlan::Access { log_group, format }
        }
        _ if execution_on => ReadPlan::Execution {
            log_group: execution_log_group(&api.id, &stage.name),
        },
        Some((log_group, _, _)) => ReadPlan::Nothing(format!(
            "the access log format for {log_group} writes neither $context.status nor $context.error.responseType, \
             and execution logging is off"
        )),
        None => ReadPlan::Nothing(match &stage.access_log {
            Some(log) => format!(
                "access logs go to {}, which cannot be read back, and execution logging is off",
                log.destination_arn
            ),
            None => "the stage writes no access log and execution logging is off: nothing records its refusals \
                     (turn on access logging with the error fields, see GC604)"
                .to_string(),
        }),
    }
}

/// The log group an access log destination ARN names (`arn:aws:logs:r:a:log-group:name[:*]`);
/// None for a Firehose stream.
pub fn log_group_of(destination_arn: &str) -> Option<String> {
    let rest = destination_arn.split_once(":log-group:")?.1;
    let name = rest.strip_suffix(":*").unwrap_or(rest);
    (!name.is_empty()).then(|| name.to_string())
}

pub fn execution_log_group(api_id: &str, stage: &str) -> String {
    format!("API-Gateway-Execution-Logs_{api_id}/{stage}")
}

/// One stage's refused requests in a window, by cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageTraffic {
    pub api_id: String,
    pub api_name: String,
    pub stage: String,
    pub window: Window,
    /// None: nothing could be read (see `notes`).
    pub source: Option<LogSource>,
    pub lines_read: u64,
    pub requests_served: u64,
    pub requests_refused: u64,
    /// Lines not in the stage's format, or without a status.
    pub unreadable_lines: u64,
    /// Most frequent first.
    pub causes: Vec<CauseCount>,
    /// What could not be read, or why nothing was.
    pub notes: Vec<String>,
    /// CloudWatch Logs calls made for this stage.
    pub log_calls: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CauseCount {
    pub cause: Cause,
    pub meaning: String,
    pub count: u64,
    /// Refusals per bucket of the window, oldest first.
    pub per_bucket: Vec<u64>,
    /// The API key ids refused most often (ids only, never values).
    pub top_key_ids: Vec<KeyCount>,
    pub sample_request_ids: Vec<String>,
    /// The audit's findings on this stage that explain the cause.
    pub findings: Vec<FindingRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyCount {
    pub key_id: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingRef {
    pub check: String,
    pub severity: Severity,
    pub title: String,
    pub fingerprint: String,
}

const TOP_KEYS: usize = 5;
const SAMPLE_REQUESTS: usize = 3;

/// Counts lines into a [`StageTraffic`].
#[derive(Debug)]
pub struct Tally {
    window: Window,
    lines_read: u64,
    served: u64,
    unreadable: u64,
    causes: HashMap<Cause, Counting>,
}

#[derive(Debug, Default)]
struct Counting {
    count: u64,
    per_bucket: Vec<u64>,
    key_ids: HashMap<String, u64>,
    samples: Vec<String>,
}

impl Tally {
    pub fn new(window: Window) -> Tally {
        Tally {
            window,
            lines_read: 0,
            served: 0,
            unreadable: 0,
            causes: HashMap::new(),
        }
    }

    /// Counts a line read from the log (as opposed to a request gathered from several).
    pub fn count_line_read(&mut self) {
        self.lines_read += 1;
    }

    pub fn add(&mut self, timestamp_ms: i64, line: Line<'_>) {
        match line {
            Line::Served => self.served += 1,
            Line::Unreadable => self.unreadable += 1,
            Line::Refused(refusal) => {
                let buckets = self.window.buckets;
                let bucket = self.window.bucket_of(timestamp_ms);
                let counting = self.causes.entry(refusal.cause).or_default();
                counting.count += 1;
                counting.per_bucket.resize(buckets, 0);
                counting.per_bucket[bucket] += 1;
                if let Some(key_id) = refusal.key_id {
                    *counting.key_ids.entry(key_id.into_owned()).or_default() += 1;
                }
                if let Some(request_id) = refusal.request_id {
                    if counting.samples.len() < SAMPLE_REQUESTS {
                        counting.samples.push(request_id.into_owned());
                    }
                }
            }
        }
    }

    pub fn finish(self, api: &RestApi, stage: &str, source: Option<LogSource>) -> StageTraffic {
        let mut causes: Vec<CauseCount> = self
            .causes
            .into_iter()
            .map(|(cause, counting)| {
                let mut keys: Vec<KeyCount> = counting
                    .key_ids
                    .into_iter()
                    .map(|(key_id, count)| KeyCount { key_id, count })
                    .collect();
                keys.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key_id.cmp(&b.key_id)));
                keys.truncate(TOP_KEYS);
                CauseCount {
                    cause,
                    meaning: cause.meaning().to_string(),
                    count: counting.count,
                    per_bucket: counting.per_bucket,
                    top_key_ids: keys,
                    sample_request_ids: counting.samples,
                    findings: Vec::new(),
                }
            })
            .collect();
        causes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.cause.cmp(&b.cause)));
        StageTraffic {
            api_id: api.id.to_string(),
            api_name: api.name.to_string(),
            stage: stage.to_string(),
            window: self.window,
            source,
            lines_read: self.lines_read,
            requests_served: self.served,
            requests_refused: causes.iter().map(|c| c.count).sum(),
            unreadable_lines: self.unreadable,
            causes,
            notes: Vec::new(),
            log_calls: 0,
        }
    }
}

/// A stretch of logs back from now, as given (`1h`) and as a length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceWindow {
    pub label: String,
    pub length: std::time::Duration,
}

impl EvidenceWindow {
    /// The window that ends at `end_ms`.
    pub fn ending_at(&self, end_ms: i64) -> Window {
        let length = i64::try_from(self.length.as_millis()).unwrap_or(i64::MAX / 2);
        Window::new(end_ms.saturating_sub(length), end_ms)
    }
}

/// The stages' logs read for an audit's evidence, and what could not be read.
#[derive(Debug, Clone, Default)]
pub struct EvidenceRead {
    pub stages: Vec<StageTraffic>,
    pub notes: Vec<String>,
}

/// Whether a finding is about this stage: its own, or its API's as a whole.
fn concerns(finding: &Finding, api_id: &str, stage: &str) -> bool {
    finding.api_id.as_deref() == Some(api_id) && finding.stage.as_deref().is_none_or(|s| s == stage)
}

/// Ties each cause to the findings that explain it on the stage.
pub fn link_findings(traffic: &mut StageTraffic, findings: &[Finding]) {
    for cause in &mut traffic.causes {
        cause.findings = findings
            .iter()
            .filter(|f| {
                concerns(f, &traffic.api_id, &traffic.stage) && cause.cause.checks().contains(&f.check.as_str())
            })
            .map(|f| FindingRef {
                check: f.check.to_string(),
                severity: f.severity,
                title: f.title.to_string(),
                fingerprint: f.fingerprint.to_string(),
            })
            .collect();
    }
}

/// Adds to each finding how many requests its causes refused in the window, on the stages
/// it concerns whose logs were read.
pub fn attach_evidence(findings: &mut [Finding], traffic: &[StageTraffic], window_label: &str) {
    for finding in findings {
        let mut refused = 0;
        let mut causes: Vec<Cause> = Vec::new();
        let mut read = false;
        for stage in traffic
            .iter()
            .filter(|t| t.source.is_some() && concerns(finding, &t.api_id, &t.stage))
        {
            read = true;
            for cause in stage
                .causes
                .iter()
                .filter(|c| c.cause.checks().contains(&finding.check.as_str()))
            {
                refused += cause.count;
                if !causes.contains(&cause.cause) {
                    causes.push(cause.cause);
                }
            }
        }
        if read {
            finding.evidence = Some(Evidence {
                window: window_label.to_string(),
                refused_requests: refused,
                causes: causes.iter().map(|c| c.as_str().to_string()).collect(),
            });
        }
    }
}

/// Whether a refusal cause points to this finding's check.
pub fn explains_refusals(check: &str) -> bool {
    Cause::ALL.iter().any(|cause| cause.checks().contains(&check))
}

/// The stages of a report whose logs are worth reading: those with a finding a refusal
/// cause points to (a finding on the whole API counts for each of its stages).
pub fn stage_worth_reading(findings: &[Finding], api_id: &str, stage: &str) -> bool {
    findings
        .iter()
        .any(|f| concerns(f, api_id, stage) && explains_refusals(&f.check))
}

/// Adds the counts to the report's findings and sums up what was read.
pub fn apply_evidence(report: &mut Report, traffic: &[StageTraffic], window_label: &str, mut notes: Vec<String>) {
    attach_evidence(&mut report.findings, traffic, window_label);
    for stage in traffic {
        notes.extend(
            stage
                .notes
                .iter()
                .map(|note| format!("{} stage {}: {note}", stage.api_id, stage.stage)),
        );
    }
    report.summary.evidence = Some(EvidenceSummary {
        window: window_label.to_string(),
        stages_read: traffic.iter().filter(|t| t.source.is_some()).count(),
        refused_requests: traffic.iter().map(|t| t.requests_refused).sum(),
        log_calls: traffic.iter().map(|t| t.log_calls).sum(),
        notes,
    });
}

#[cfg(test)]
mod tests;
