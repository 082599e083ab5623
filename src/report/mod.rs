//! Findings, severities and the report an audit produces, and how a check's finding is
//! built from its metadata.

mod builder;

pub use builder::{fill_placeholders, CheckMeta, FindingBuilder};

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Most severe first.
    pub const ALL_DESCENDING: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown severity '{0}': expected one of critical, high, medium, low, info")]
pub struct UnknownSeverity(String);

impl FromStr for Severity {
    type Err = UnknownSeverity;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(UnknownSeverity(s.to_string())),
        }
    }
}

/// One reason why some callers get `{"message":"Forbidden"}`, or a risk of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub check: CompactString,
    pub name: CompactString,
    pub severity: Severity,
    pub account: Option<CompactString>,
    pub region: CompactString,
    pub api_id: Option<CompactString>,
    pub api_name: Option<CompactString>,
    pub stage: Option<CompactString>,
    pub resource_path: Option<CompactString>,
    pub http_method: Option<CompactString>,
    pub title: CompactString,
    pub detail: String,
    pub remediation: String,
    /// Stable across runs for the same check and scope: a key for deduplication and alerts.
    pub fingerprint: CompactString,
    /// With `--evidence`: how many requests this finding's causes refused in the window.
    /// The custom domain a finding is about (GC502-GC504), when it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_name: Option<CompactString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    /// With a stored state: whether the previous audit had this finding too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
    /// With a stored state: when an audit first found it (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen_ms: Option<u64>,
}

/// How a finding moved since the previous audit of its account and region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    New,
    Ongoing,
    /// The previous audit had it; this one read its place and did not find it.
    Resolved,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Ongoing => "ongoing",
            Change::Resolved => "resolved",
        }
    }
}

/// Requests a finding's causes refused, counted from the stage's logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The window read, as given (`1h`, or a start time).
    pub window: String,
    pub refused_requests: u64,
    /// The gateway response types counted (INVALID_API_KEY, ...).
    pub causes: Vec<String>,
}

impl Evidence {
    /// "412 refused requests in the last 1h (INVALID_API_KEY)".
    pub fn sentence(&self) -> String {
        let requests = if self.refused_requests == 1 {
            "request"
        } else {
            "requests"
        };
        let causes = match self.causes.is_empty() {
            true => String::new(),
            false => format!(" ({})", self.causes.join(", ")),
        };
        // A window given as a start time reads "since"; a length, "in the last".
        let since = if self.window.contains('T') || self.window.contains('-') {
            "since"
        } else {
            "in the last"
        };
        format!(
            "{} refused {requests} {since} {}{causes}",
            self.refused_requests, self.window
        )
    }
}

impl Finding {
    /// `distinguisher` separates findings of one check on one scope (two usage plans, say).
    pub fn compute_fingerprint(&self, distinguisher: Option<&str>) -> CompactString {
        let parts = [
            Some(self.check.as_str()),
            self.account.as_deref(),
            Some(self.region.as_str()),
            self.api_id.as_deref(),
            self.stage.as_deref(),
            self.resource_path.as_deref(),
            self.http_method.as_deref(),
            distinguisher,
        ]
        .map(|part| part.unwrap_or("-").as_bytes());
        // One contiguous input, on the stack when it fits: many small updates, or an
        // allocation per finding, cost more than the hashing itself.
        let length: usize = parts.iter().map(|part| part.len() + 1).sum();
        let mut on_stack = [0u8; 256];
        let mut on_heap = Vec::new();
        let input: &mut [u8] = if length <= on_stack.len() {
            &mut on_stack[..length]
        } else {
            on_heap.resize(length, 0);
            &mut on_heap
        };
        let mut at = 0;
        for part in parts {
            input[at..at + part.len()].copy_from_slice(part);
            at += part.len() + 1; // and a NUL separator, already there
        }
        let digest = Sha256::digest(input);
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut hex = [0u8; 20];
        for (pair, byte) in hex.chunks_exact_mut(2).zip(&digest[..10]) {
            pair[0] = HEX[usize::from(byte >> 4)];
            pair[1] = HEX[usize::from(byte & 0x0f)];
        }
        CompactString::from_utf8(hex).unwrap_or_default()
    }
}

/// Orders findings most severe first, then by place, so output is stable.
pub fn sort_findings(findings: &mut [Finding]) {
    // A report of one snapshot arrives sorted by its evaluation.
    if findings.is_sorted_by(|a, b| display_order(a, b).is_le()) {
        return;
    }
    findings.sort_by(display_order);
}

fn display_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| a.region.cmp(&b.region))
        // Account-wide findings after the APIs' own.
        .then_with(|| a.api_id.is_none().cmp(&b.api_id.is_none()))
        .then_with(|| a.api_name.cmp(&b.api_name))
        .then_with(|| a.api_id.cmp(&b.api_id))
        .then_with(|| a.stage.cmp(&b.stage))
        .then_with(|| a.check.cmp(&b.check))
        .then_with(|| a.resource_path.cmp(&b.resource_path))
        .then_with(|| a.http_method.cmp(&b.http_method))
}

/// `gatecheck audit --format json` prints exactly this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// With a stored state: the previous audit's findings that this one no longer finds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolved: Vec<Finding>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The first account audited (the only one, unless several were).
    pub account: Option<String>,
    /// Every account audited, in order.
    #[serde(default)]
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub apis_audited: usize,
    pub stages_audited: usize,
    pub usage_plans_audited: usize,
    /// AWS API calls made to collect the configuration (0 for an offline snapshot audit).
    pub api_calls: u64,
    pub api_calls_by_operation: BTreeMap<String, u64>,
    /// Reported findings per severity; every severity is present, zero or not.
    pub findings_by_severity: BTreeMap<Severity, usize>,
    pub highest_severity: Option<Severity>,
    /// Findings silenced by a `gatecheck:ignore` tag.
    pub suppressed: usize,
    /// Parts of the configuration that could not be read (each is also a GC900 finding).
    pub incomplete_scopes: usize,
    /// Checks that could not be evaluated somewhere for want of data the endpoint does not
    /// return, and why.
    pub not_evaluated: Vec<NotEvaluated>,
    pub duration_ms: u64,
    /// With `--evidence`: what was read from the stages' logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceSummary>,
    /// With a stored state: new, ongoing and resolved findings since the previous audit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<ChangeSummary>,
    /// With a quota-light audit: what was read and what came from the stored state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reads: Option<ReadSummary>,
}

/// How much of a quota-light audit was read, and how old the rest is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadSummary {
    /// APIs read in full, and taken from the stored snapshot.
    pub apis_read: usize,
    pub apis_from_state: usize,
    /// Usage plans whose keys were read, and taken from the stored snapshot.
    pub plan_keys_read: usize,
    pub plan_keys_from_state: usize,
    /// CloudTrail write events read since the previous audit, and the APIs they named.
    pub trail_events: usize,
    pub apis_changed: usize,
    /// When the oldest part taken from the stored snapshot was read (ms since the epoch).
    pub oldest_read_at_ms: Option<u64>,
    /// Why a quota-light audit read everything instead (no CloudTrail, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_read_because: Option<String>,
}

/// What an audit with `--evidence` read from logs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceSummary {
    pub window: String,
    /// Stages whose logs were read (those with a finding a refusal cause points to).
    pub stages_read: usize,
    pub refused_requests: u64,
    /// CloudWatch Logs calls made.
    pub log_calls: u64,
    /// Logs that could not be read, and stages that keep none; the findings stand.
    pub notes: Vec<String>,
}

impl Report {
    /// Counts the findings by severity again, after findings were added or removed.
    pub fn recount(&mut self) {
        sort_findings(&mut self.findings);
        let counts = &mut self.summary.findings_by_severity;
        counts.clear();
        counts.extend(Severity::ALL_DESCENDING.iter().map(|s| (*s, 0)));
        for finding in &self.findings {
            *counts.entry(finding.severity).or_default() += 1;
        }
        self.summary.highest_severity = self.highest_severity();
    }

    pub fn highest_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Whether the run fails at `threshold`: a finding at or above it, or any part that
    /// could not be read. An incomplete audit fails at every threshold, since what it could
    /// not see may hold a cause of any severity.
    pub fn fails(&self, threshold: Severity) -> bool {
        self.is_incomplete() || self.findings.iter().any(|f| f.severity >= threshold)
    }

    /// Whether some part could not be read (a GC900 finding stands).
    pub fn is_incomplete(&self) -> bool {
        self.unread_parts() > 0
    }

    /// The GC900 findings: parts that could not be read.
    pub fn unread_parts(&self) -> usize {
        self.findings.iter().filter(|f| f.check == GAP_CHECK_ID).count()
    }
}

/// The check that reports what could not be read.
pub const GAP_CHECK_ID: &str = "GC900";

/// How the findings moved since the previous audit.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChangeSummary {
    pub new: usize,
    pub ongoing: usize,
    pub resolved: usize,
    /// Ongoing findings of the previous audit that this one could not read again (a GC900
    /// covers them): kept, neither re-confirmed nor resolved.
    pub kept_unread: usize,
    /// Account-regions audited for the first time (every finding there is new).
    pub first_audits: usize,
}

/// A check that did not run on one stage or API, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NotEvaluated {
    pub check: String,
    pub api_id: Option<String>,
    pub stage: Option<String>,
    pub reason: String,
}

/// One account-region's outcome in a fan-out: counts only, small enough for a Step Functions
/// payload; the findings themselves are in that invocation's logs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountRegionCounts {
    pub account: Option<String>,
    pub region: String,
    pub apis_audited: usize,
    pub findings_by_severity: BTreeMap<Severity, usize>,
    pub highest_severity: Option<Severity>,
    /// Findings per check id.
    pub checks: BTreeMap<String, usize>,
    pub incomplete_scopes: usize,
    pub api_calls: u64,
    /// Set when the audit of this account-region did not run at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl AccountRegionCounts {
    pub fn from_report(report: &Report, account: Option<&str>, region: &str) -> Self {
        let mut checks = BTreeMap::new();
        for f in &report.findings {
            *checks.entry(f.check.to_string()).or_default() += 1;
        }
        AccountRegionCounts {
            account: account.map(str::to_string).or_else(|| report.summary.account.clone()),
            region: region.to_string(),
            apis_audited: report.summary.apis_audited,
            findings_by_severity: report.summary.findings_by_severity.clone(),
            highest_severity: report.summary.highest_severity,
            checks,
            incomplete_scopes: report.summary.incomplete_scopes,
            api_calls: report.summary.api_calls,
            error: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(check: &str, path: Option<&str>, http_method: Option<&str>) -> Finding {
        Finding {
            check: check.into(),
            name: "name".into(),
            severity: Severity::High,
            account: Some("123456789012".into()),
            region: "ap-southeast-2".into(),
            api_id: Some("k5zlrpurtp".into()),
            api_name: Some("no-usage-plan".into()),
            stage: Some("prod".into()),
            resource_path: path.map(Into::into),
            http_method: http_method.map(Into::into),
            title: "title".into(),
            detail: "detail".into(),
            remediation: "remediation".into(),
            fingerprint: CompactString::default(),
            domain_name: None,
            evidence: None,
            change: None,
            first_seen_ms: None,
        }
    }

    #[test]
    fn an_incomplete_audit_fails_at_every_threshold() {
        let mut gap = finding(GAP_CHECK_ID, None, None);
        gap.severity = Severity::High;
        let report = Report {
            findings: vec![gap],
            resolved: Vec::new(),
            summary: Summary::default(),
        };
        for threshold in Severity::ALL_DESCENDING {
            assert!(report.fails(threshold), "{threshold}");
        }
        assert!(report.is_incomplete());
        let complete = Report {
            findings: vec![finding("GC601", None, None)],
            ..report
        };
        assert!(!complete.fails(Severity::Critical) && complete.fails(Severity::High));
    }

    #[test]
    fn fingerprints_keep_their_published_values() {
        // SHA-256 over the NUL-terminated place, "-" for what is absent; the first 10 bytes
        // in hex. Alert rules key on these: they must not change between versions.
        assert_eq!(
            finding("GC301", None, None).compute_fingerprint(None),
            "58509eabed6159fdcc85"
        );
        // A place longer than the stack buffer hashes the same way.
        let long_path = format!("/{}", "a".repeat(300));
        assert_eq!(
            finding("GC305", Some(&long_path), Some("OPTIONS")).compute_fingerprint(Some("plan-1")),
            "864445e13a471d812687"
        );
    }
}
