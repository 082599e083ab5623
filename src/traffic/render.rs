//! `gatecheck logs` output: per stage, refusals by cause with a small histogram over the
//! window, the key ids refused most, sample request ids and the findings that explain them.

use super::{StageTraffic, Window};
use serde::Serialize;
use std::fmt::Write;

/// `gatecheck logs --format json` prints exactly this.
#[derive(Debug, Serialize)]
pub struct TrafficReport<'a> {
    pub window: Window,
    pub stages: &'a [StageTraffic],
}

pub fn json(window: Window, stages: &[StageTraffic]) -> String {
    serde_json::to_string_pretty(&TrafficReport { window, stages }).expect("a traffic report always serializes")
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One character per bucket, scaled to the fullest bucket; a space for none.
pub fn histogram(per_bucket: &[u64]) -> String {
    let most = per_bucket.iter().copied().max().unwrap_or(0);
    per_bucket
        .iter()
        .map(|&n| match n {
            0 => ' ',
            _ => BARS[usize::try_from(n * 7 / most.max(1)).unwrap_or(7).min(7)],
        })
        .collect()
}

fn minutes(ms: i64) -> String {
    match ms / 60_000 {
        m if m >= 1440 && m % 1440 == 0 => format!("{} d", m / 1440),
        m if m >= 60 && m % 60 == 0 => format!("{} h", m / 60),
        0 => format!("{} s", ms / 1000),
        m => format!("{m} min"),
    }
}

/// The counts for people. Request ids, key ids, API names and notes come from logs and from
/// AWS: the text is written out with their control characters escaped.
pub fn text(window: Window, stages: &[StageTraffic], shown_time: &dyn Fn(i64) -> String) -> String {
    let out = text_as_read(window, stages, shown_time);
    crate::printable::printable_lines(&out).into_owned()
}

fn text_as_read(window: Window, stages: &[StageTraffic], shown_time: &dyn Fn(i64) -> String) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Refused requests from {} to {} ({} buckets of {})\n",
        shown_time(window.start_ms),
        shown_time(window.end_ms),
        window.buckets,
        minutes(window.bucket_ms())
    );
    if stages.is_empty() {
        out.push_str("No stage to read.\n");
    }
    for stage in stages {
        let _ = write!(out, "{} ({}) stage {}", stage.api_name, stage.api_id, stage.stage);
        match &stage.source {
            Some(source) => {
                let kind = match source {
                    super::LogSource::AccessLog { json: true, .. } => "access log, JSON",
                    super::LogSource::AccessLog { .. } => "access log",
                    super::LogSource::ExecutionLog { .. } => "execution log",
                };
                let _ = writeln!(out, ": {} ({kind})", source.log_group());
                let _ = writeln!(
                    out,
                    "  {} refused, {} served, {} lines read{}; {} CloudWatch Logs call{}",
                    stage.requests_refused,
                    stage.requests_served,
                    stage.lines_read,
                    match stage.unreadable_lines {
                        0 => String::new(),
                        n => format!(" ({n} not in the stage's format)"),
                    },
                    stage.log_calls,
                    if stage.log_calls == 1 { "" } else { "s" },
                );
            }
            None => out.push('\n'),
        }
        for note in &stage.notes {
            let _ = writeln!(out, "  ! {note}");
        }
        let width = stage.causes.iter().map(|c| c.cause.as_str().len()).max().unwrap_or(0);
        for cause in &stage.causes {
            let _ = writeln!(
                out,
                "  {:width$}  {:>7}  |{}|  {}",
                cause.cause.as_str(),
                cause.count,
                histogram(&cause.per_bucket),
                cause.meaning,
            );
            if !cause.top_key_ids.is_empty() {
                let keys: Vec<String> = cause
                    .top_key_ids
                    .iter()
                    .map(|k| format!("{} ({})", k.key_id, k.count))
                    .collect();
                let _ = writeln!(out, "      key ids: {}", keys.join(", "));
            }
            if !cause.sample_request_ids.is_empty() {
                let _ = writeln!(out, "      requests: {}", cause.sample_request_ids.join(", "));
            }
            for finding in &cause.findings {
                let _ = writeln!(
                    out,
                    "      ← {} {} {} [{}]",
                    finding.check, finding.severity, finding.title, finding.fingerprint
                );
            }
            let keyless = cause.cause == super::Cause::InvalidApiKey && cause.top_key_ids.is_empty();
            if cause.findings.is_empty() && keyless {
                // No key id was logged: the callers sent no key, which no configuration fixes.
                let _ = writeln!(
                    out,
                    "      ← the callers sent no API key (no key id was logged): the stage's configuration is not the cause; they must send x-api-key"
                );
            } else if cause.findings.is_empty() && !cause.cause.checks().is_empty() {
                let _ = writeln!(
                    out,
                    "      ← no finding of {} on this stage explains it: the configuration read now does not refuse such requests, so the callers (or a change since) are the cause",
                    cause.cause.checks().join(", ")
                );
            }
        }
        out.push('\n');
    }
    out
}
