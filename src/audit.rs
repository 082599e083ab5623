//! From snapshots to a report: run the checks, count what was covered, and load or save
//! snapshot files for offline audits.

use crate::checks::evaluate;
use crate::model::{Snapshot, SNAPSHOT_SCHEMA_VERSION};
use crate::report::{Report, Severity, Summary};
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

/// Audits one or more snapshots (one per account and region) into one report.
pub fn report(snapshots: &[Snapshot], duration: Duration) -> Report {
    let mut findings = Vec::new();
    let mut summary = Summary {
        findings_by_severity: Severity::ALL_DESCENDING.iter().map(|s| (*s, 0)).collect(),
        duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
        ..Summary::default()
    };
    for snapshot in snapshots {
        let evaluation = evaluate(snapshot);
        findings.extend(evaluation.findings);
        summary.suppressed += evaluation.suppressed.len();
        summary.incomplete_scopes += evaluation.gaps.len();
        summary.not_evaluated.extend(evaluation.not_evaluated);
        if summary.account.is_none() {
            summary.account = snapshot.account.id.clone();
        }
        if let Some(id) = &snapshot.account.id {
            if !summary.accounts.contains(id) {
                summary.accounts.push(id.clone());
            }
        }
        if !summary.regions.contains(&snapshot.region) {
            summary.regions.push(snapshot.region.clone());
        }
        summary.apis_audited += snapshot.rest_apis.len();
        summary.stages_audited += snapshot
            .rest_apis
            .iter()
            .flat_map(|api| &api.stages)
            .filter(|stage| snapshot.scope.stage.as_ref().is_none_or(|s| *s == stage.name))
            .count();
        summary.usage_plans_audited += snapshot.usage_plans.len();
        for (operation, count) in &snapshot.api_calls {
            *summary.api_calls_by_operation.entry(operation.clone()).or_default() += count;
        }
    }
    summary.api_calls = summary.api_calls_by_operation.values().sum();
    let mut report = Report {
        findings,
        resolved: Vec::new(),
        summary,
    };
    report.recount();
    report
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotFileError {
    #[error("cannot read snapshot file {path}: {source}")]
    Unreadable { path: String, source: std::io::Error },
    #[error("snapshot file {path} is not a valid gatecheck snapshot: {source}")]
    Invalid { path: String, source: serde_json::Error },
    #[error("snapshot file {path} has schema version {found}, newer than this gatecheck reads ({supported}): upgrade gatecheck")]
    TooNew { path: String, found: u32, supported: u32 },
}

/// Reads a snapshot written by `gatecheck snapshot`. Errors name the file and, for bad
/// JSON, the line and column.
pub fn load_snapshot(path: &Path) -> Result<Snapshot, SnapshotFileError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| SnapshotFileError::Unreadable {
        path: shown.clone(),
        source,
    })?;
    parse_snapshot(&text, &shown)
}

pub fn parse_snapshot(text: &str, shown: &str) -> Result<Snapshot, SnapshotFileError> {
    #[derive(Deserialize)]
    struct VersionOnly {
        schema_version: u32,
    }
    let invalid = |source| SnapshotFileError::Invalid {
        path: shown.to_string(),
        source,
    };
    // The version first, so a newer file is refused with the right reason rather than
    // with whatever field this version does not know.
    let version: VersionOnly = serde_json::from_str(text).map_err(invalid)?;
    if version.schema_version > SNAPSHOT_SCHEMA_VERSION {
        return Err(SnapshotFileError::TooNew {
            path: shown.to_string(),
            found: version.schema_version,
            supported: SNAPSHOT_SCHEMA_VERSION,
        });
    }
    serde_json::from_str(text).map_err(invalid)
}

pub fn snapshot_json(snapshot: &Snapshot) -> String {
    serde_json::to_string_pretty(snapshot).expect("a snapshot always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures;

    #[test]
    fn report_counts_by_severity_and_suppressed() {
        let mut s = fixtures::healthy();
        s.usage_plans.clear();
        s.account.cloudwatch_role_arn = None;
        s.api_calls.insert("GetRestApis".into(), 2);
        s.rest_apis[0].stages[0]
            .tags
            .insert(crate::model::IGNORE_TAG.into(), "GC602".into());
        let report = report(&[s], Duration::from_millis(5));
        assert_eq!(report.findings.len(), 2);
        assert_eq!(report.summary.findings_by_severity[&Severity::Critical], 1);
        assert_eq!(report.summary.findings_by_severity[&Severity::Medium], 1);
        assert_eq!(report.summary.findings_by_severity[&Severity::Info], 0);
        assert_eq!(report.summary.highest_severity, Some(Severity::Critical));
        assert_eq!(report.summary.api_calls, 2);
        assert_eq!((report.summary.apis_audited, report.summary.stages_audited), (1, 1));
        assert!(report.fails(Severity::Critical));
    }

    #[test]
    fn corrupt_snapshot_names_file_and_position() {
        let err = parse_snapshot("{\"schema_version\": 1,\n  \"account\": [", "s.json").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("s.json") && text.contains("line 2"), "{text}");
    }

    #[test]
    fn newer_snapshot_is_refused() {
        let err = parse_snapshot("{\"schema_version\": 99, \"future\": true}", "s.json").unwrap_err();
        assert!(matches!(err, SnapshotFileError::TooNew { found: 99, .. }), "{err}");
    }

    #[test]
    fn snapshot_file_round_trips() {
        let s = fixtures::healthy();
        assert_eq!(parse_snapshot(&snapshot_json(&s), "x").expect("parses"), s);
    }
}
