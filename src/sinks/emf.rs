//! CloudWatch Embedded Metric Format: metric lines on stdout that Lambda turns into metrics,
//! and one JSON log line per finding. No CloudWatch API call is made.

use crate::report::{Report, Severity};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// EMF's limits per directive.
pub const MAX_METRICS_PER_LINE: usize = 100;
pub const MAX_DIMENSIONS_PER_SET: usize = 30;

pub const DEFAULT_NAMESPACE: &str = "Gatecheck";

/// One metric value: name, value, unit.
pub type Metric<'a> = (&'a str, f64, &'a str);

/// EMF lines for a set of metrics sharing one dimension set, split so that no line carries
/// more than [`MAX_METRICS_PER_LINE`] metrics.
pub fn metric_lines(
    namespace: &str,
    timestamp_ms: u64,
    dimensions: &[(&str, &str)],
    metrics: &[Metric<'_>],
) -> Vec<String> {
    let dimensions = &dimensions[..dimensions.len().min(MAX_DIMENSIONS_PER_SET)];
    metrics
        .chunks(MAX_METRICS_PER_LINE)
        .map(|chunk| {
            let mut root = Map::new();
            let names: Vec<&str> = dimensions.iter().map(|(k, _)| *k).collect();
            let definitions: Vec<Value> = chunk
                .iter()
                .map(|(name, _, unit)| json!({"Name": name, "Unit": unit}))
                .collect();
            root.insert(
                "_aws".into(),
                json!({
                    "Timestamp": timestamp_ms,
                    "CloudWatchMetrics": [{"Namespace": namespace, "Dimensions": [names], "Metrics": definitions}]
                }),
            );
            for (key, value) in dimensions {
                root.insert((*key).into(), json!(value));
            }
            for (name, value, _) in chunk {
                root.insert((*name).into(), json!(value));
            }
            Value::Object(root).to_string()
        })
        .collect()
}

/// The audit's metrics: findings by severity and by check, APIs audited, duration, API
/// calls and incomplete scopes.
pub fn report_lines(report: &Report, namespace: &str, timestamp_ms: u64) -> Vec<String> {
    let s = &report.summary;
    let mut lines = Vec::new();
    for severity in Severity::ALL_DESCENDING {
        let count = s.findings_by_severity.get(&severity).copied().unwrap_or(0);
        lines.extend(metric_lines(
            namespace,
            timestamp_ms,
            &[("Severity", severity.as_str())],
            &[("Findings", count as f64, "Count")],
        ));
    }
    let mut by_check: BTreeMap<&str, (usize, Option<u64>)> = BTreeMap::new();
    for finding in &report.findings {
        let entry = by_check.entry(finding.check.as_str()).or_default();
        entry.0 += 1;
        if let Some(evidence) = &finding.evidence {
            *entry.1.get_or_insert(0) += evidence.refused_requests;
        }
    }
    for (check, (count, refused)) in by_check {
        let mut metrics = vec![("Findings", count as f64, "Count")];
        // With --evidence: the requests the check's causes refused in the window.
        if let Some(refused) = refused {
            metrics.push(("RefusedRequests", refused as f64, "Count"));
        }
        lines.extend(metric_lines(namespace, timestamp_ms, &[("Check", check)], &metrics));
    }
    let mut overall = vec![
        ("ApisAudited", s.apis_audited as f64, "Count"),
        ("AuditDurationMs", s.duration_ms as f64, "Milliseconds"),
        ("ApiCalls", s.api_calls as f64, "Count"),
        ("IncompleteScopes", s.incomplete_scopes as f64, "Count"),
    ];
    // With a stored state: what changed since the previous audit, for alarms on change.
    if let Some(changes) = &s.changes {
        overall.push(("NewFindings", changes.new as f64, "Count"));
        overall.push(("ResolvedFindings", changes.resolved as f64, "Count"));
    }
    lines.extend(metric_lines(namespace, timestamp_ms, &[], &overall));
    lines
}

/// One structured log line per finding, fingerprint included, for Logs Insights queries.
pub fn finding_log_lines(report: &Report) -> Vec<String> {
    report
        .findings
        .iter()
        .map(|finding| json!({"level": "WARN", "message": "gatecheck finding", "finding": finding}).to_string())
        .collect()
}

/// Checks one line against the EMF specification's rules for the `_aws` envelope.
pub fn validate_line(line: &str) -> Result<(), String> {
    const UNITS: [&str; 27] = [
        "Seconds",
        "Microseconds",
        "Milliseconds",
        "Bytes",
        "Kilobytes",
        "Megabytes",
        "Gigabytes",
        "Terabytes",
        "Bits",
        "Kilobits",
        "Megabits",
        "Gigabits",
        "Terabits",
        "Percent",
        "Count",
        "Bytes/Second",
        "Kilobytes/Second",
        "Megabytes/Second",
        "Gigabytes/Second",
        "Terabytes/Second",
        "Bits/Second",
        "Kilobits/Second",
        "Megabits/Second",
        "Gigabits/Second",
        "Terabits/Second",
        "Count/Second",
        "None",
    ];
    let root: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let aws = root.get("_aws").ok_or("no _aws")?;
    aws.get("Timestamp")
        .and_then(Value::as_u64)
        .ok_or("Timestamp must be a non-negative integer")?;
    let directives = aws
        .get("CloudWatchMetrics")
        .and_then(Value::as_array)
        .ok_or("CloudWatchMetrics must be an array")?;
    if directives.is_empty() {
        return Err("CloudWatchMetrics is empty".into());
    }
    for directive in directives {
        let namespace = directive
            .get("Namespace")
            .and_then(Value::as_str)
            .ok_or("Namespace missing")?;
        if namespace.is_empty() || namespace.len() > 255 {
            return Err("Namespace must be 1 to 255 characters".into());
        }
        let sets = directive
            .get("Dimensions")
            .and_then(Value::as_array)
            .ok_or("Dimensions must be an array")?;
        for set in sets {
            let set = set.as_array().ok_or("a dimension set must be an array")?;
            if set.len() > MAX_DIMENSIONS_PER_SET {
                return Err("more than 30 dimensions in a set".into());
            }
            for key in set {
                let key = key.as_str().ok_or("a dimension name must be a string")?;
                root.get(key)
                    .and_then(Value::as_str)
                    .ok_or(format!("dimension {key} has no string value"))?;
            }
        }
        let metrics = directive
            .get("Metrics")
            .and_then(Value::as_array)
            .ok_or("Metrics must be an array")?;
        if metrics.len() > MAX_METRICS_PER_LINE {
            return Err("more than 100 metrics in a directive".into());
        }
        for metric in metrics {
            let name = metric
                .get("Name")
                .and_then(Value::as_str)
                .ok_or("a metric needs a Name")?;
            if name.is_empty() || name.len() > 1024 {
                return Err(format!("metric name {name:?} must be 1 to 1024 characters"));
            }
            if let Some(unit) = metric.get("Unit") {
                let unit = unit.as_str().ok_or("Unit must be a string")?;
                if !UNITS.contains(&unit) {
                    return Err(format!("unknown unit {unit}"));
                }
            }
            root.get(name)
                .filter(|v| v.is_number())
                .ok_or(format!("metric {name} has no numeric value"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures;

    #[test]
    fn every_report_line_is_valid_emf() {
        let mut s = fixtures::healthy();
        s.usage_plans.clear();
        s.account.cloudwatch_role_arn = None;
        let report = crate::audit::report(&[s], std::time::Duration::from_millis(42));
        let lines = report_lines(&report, DEFAULT_NAMESPACE, 1_700_000_000_000);
        for line in &lines {
            validate_line(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        }
        let critical: Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(
            (critical["Severity"].as_str(), critical["Findings"].as_f64()),
            (Some("critical"), Some(1.0))
        );
        assert!(lines.iter().any(|l| l.contains(r#""Check":"GC301""#)));
        assert!(lines.iter().any(|l| l.contains(r#""AuditDurationMs":42"#)));
    }

    /// The (metric, dimension names) pairs `lines` define.
    fn defined(lines: &[String]) -> std::collections::BTreeSet<(String, Vec<String>)> {
        let mut out = std::collections::BTreeSet::new();
        for line in lines {
            let line: Value = serde_json::from_str(line).unwrap();
            for directive in line["_aws"]["CloudWatchMetrics"].as_array().unwrap() {
                let dimensions: Vec<String> = directive["Dimensions"][0]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.as_str().unwrap().to_string())
                    .collect();
                for metric in directive["Metrics"].as_array().unwrap() {
                    out.insert((metric["Name"].as_str().unwrap().to_string(), dimensions.clone()));
                }
            }
        }
        out
    }

    /// The (metric, dimension names) pairs the template's dashboard draws: metric rows
    /// (`[namespace, name, dimension, value, ...]`) and SEARCH expressions
    /// (`{namespace,Dimension} MetricName="name"`).
    fn drawn() -> std::collections::BTreeSet<(String, Vec<String>)> {
        let template = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/template.yaml")).unwrap();
        let body: Vec<&str> = template
            .lines()
            .skip_while(|l| !l.trim_start().starts_with("DashboardBody:"))
            .skip(1)
            .take_while(|l| l.starts_with("        ") || l.trim().is_empty())
            .collect();
        let body = body
            .join("\n")
            .replace("${MetricNamespace}", DEFAULT_NAMESPACE)
            .replace("${AWS::Region}", "eu-west-1");
        let dashboard: Value = serde_json::from_str(&body).expect("the dashboard body is JSON");
        let mut out = std::collections::BTreeSet::new();
        for widget in dashboard["widgets"].as_array().expect("widgets") {
            for row in widget["properties"]["metrics"].as_array().expect("metrics") {
                let row = row.as_array().unwrap();
                if let Some(namespace) = row[0].as_str() {
                    assert_eq!(namespace, DEFAULT_NAMESPACE);
                    let dimensions = row[2..].iter().filter_map(Value::as_str).step_by(2).map(String::from);
                    out.insert((row[1].as_str().unwrap().to_string(), dimensions.collect()));
                    continue;
                }
                let expression = row[0]["expression"].as_str().expect("an expression row");
                let Some(search) = expression.split("SEARCH('{").nth(1) else {
                    continue;
                };
                let (schema, rest) = search.split_once('}').unwrap();
                let name = rest.split("MetricName=\"").nth(1).unwrap().split('"').next().unwrap();
                let dimensions = schema.split(',').skip(1).map(|d| d.trim().to_string());
                out.insert((name.to_string(), dimensions.collect()));
            }
        }
        out
    }

    /// The dashboard draws exactly the metrics the function emits, with their dimensions: a
    /// renamed metric fails here instead of leaving an empty widget, and a new one needs a
    /// widget.
    #[test]
    fn the_dashboard_draws_exactly_the_metrics_the_function_emits() {
        let mut s = fixtures::healthy();
        s.usage_plans.clear();
        let mut report = crate::audit::report(&[s], std::time::Duration::ZERO);
        // Everything a run can emit: changes from a stored state, evidence from the logs.
        report.summary.changes = Some(Default::default());
        report.findings[0].evidence = Some(crate::report::Evidence {
            window: "1h".into(),
            refused_requests: 3,
            causes: vec!["INVALID_API_KEY".into()],
        });
        let emitted = defined(&report_lines(&report, DEFAULT_NAMESPACE, 1));
        assert_eq!(drawn(), emitted);
    }

    #[test]
    fn lines_split_at_100_metrics() {
        let names: Vec<String> = (0..250).map(|i| format!("M{i}")).collect();
        let metrics: Vec<Metric> = names.iter().map(|n| (n.as_str(), 1.0, "Count")).collect();
        let lines = metric_lines("Ns", 1, &[("Check", "GC301")], &metrics);
        assert_eq!(lines.len(), 3);
        for line in &lines {
            validate_line(line).unwrap();
        }
    }

    #[test]
    fn validator_rejects_broken_envelopes() {
        assert!(validate_line(r#"{"Findings":1}"#).is_err());
        assert!(validate_line(r#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["Severity"]],"Metrics":[{"Name":"Findings"}]}]},"Findings":1}"#).is_err());
        assert!(validate_line(r#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"X","Unit":"Parsecs"}]}]},"X":1}"#).is_err());
    }

    #[test]
    fn one_log_line_per_finding_with_fingerprint() {
        let mut s = fixtures::healthy();
        s.usage_plans.clear();
        let report = crate::audit::report(&[s], std::time::Duration::ZERO);
        let lines = finding_log_lines(&report);
        assert_eq!(lines.len(), report.findings.len());
        let line: Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(line["finding"]["fingerprint"], report.findings[0].fingerprint.as_str());
    }
}
