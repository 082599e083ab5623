//! One SNS message per audit with the findings at or above the publish threshold: a readable
//! subject and body, then the JSON, with message attributes for subscription filter policies.

use crate::report::{AccountRegionCounts, Change, Finding, Report, Severity};
use crate::sinks::text;
use std::collections::BTreeSet;

/// SNS's limit for a message with its attributes is 256 KiB; keep well under it.
pub const MAX_MESSAGE_BYTES: usize = 240 * 1024;
/// SNS subjects must be under 100 characters.
pub const MAX_SUBJECT_CHARS: usize = 99;

#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: &'static str,
    /// `String` or `String.Array` (a JSON array in the value).
    pub data_type: &'static str,
    pub value: String,
}

impl Attribute {
    fn string(name: &'static str, value: impl Into<String>) -> Self {
        Attribute {
            name,
            data_type: "String",
            value: value.into(),
        }
    }

    /// A `String.Array`, for filter policies that match any of its values.
    fn list(name: &'static str, items: &BTreeSet<&str>) -> Self {
        Attribute {
            name,
            data_type: "String.Array",
            value: serde_json::to_string(items).expect("strings serialize"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SnsMessage {
    pub subject: String,
    pub body: String,
    pub attributes: Vec<Attribute>,
    /// Findings that did not fit and are only counted in the body.
    pub left_out: usize,
}

/// SNS refuses subjects of 100 characters or more: cut with an ellipsis.
fn fit_subject(subject: String) -> String {
    if subject.chars().count() > MAX_SUBJECT_CHARS {
        subject.chars().take(MAX_SUBJECT_CHARS - 1).collect::<String>() + "…"
    } else {
        subject
    }
}

/// Which findings a scheduled audit publishes (`GATECHECK_NOTIFY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Notify {
    /// With a stored state, only new and resolved findings, one message for each; without
    /// one, every finding.
    #[default]
    Changes,
    /// Every finding at or above the threshold, every run, with the resolved ones.
    All,
}

/// The messages to publish for `report`: none when nothing reaches `threshold` (or, for
/// changes, when nothing at or above it changed). Each carries a `change` attribute
/// (`new`, `resolved`, or for `all` the kinds it holds) for subscription filter policies.
pub fn build_messages(report: &Report, threshold: Severity, notify: Notify) -> Vec<SnsMessage> {
    let at_or_above = |findings: &[Finding], change: Option<Change>| -> Vec<Finding> {
        findings
            .iter()
            .filter(|f| f.severity >= threshold && change.is_none_or(|c| f.change == Some(c)))
            .cloned()
            .collect()
    };
    if notify == Notify::All || report.summary.changes.is_none() {
        let kinds: BTreeSet<&str> = report
            .findings
            .iter()
            .chain(&report.resolved)
            .filter(|f| f.severity >= threshold)
            .filter_map(|f| f.change.map(Change::as_str))
            .collect();
        let shown = Report {
            findings: at_or_above(&report.findings, None),
            resolved: at_or_above(&report.resolved, None),
            summary: report.summary.clone(),
        };
        let label = (!kinds.is_empty()).then(|| Attribute::list("change", &kinds));
        return build_message_of(&shown, threshold, "", label).into_iter().collect();
    }
    let new = Report {
        findings: at_or_above(&report.findings, Some(Change::New)),
        resolved: Vec::new(),
        summary: report.summary.clone(),
    };
    let resolved = Report {
        findings: at_or_above(&report.resolved, None),
        resolved: Vec::new(),
        summary: report.summary.clone(),
    };
    [
        build_message_of(&new, threshold, "new ", Some(Attribute::string("change", "new"))),
        build_message_of(
            &resolved,
            threshold,
            "resolved ",
            Some(Attribute::string("change", "resolved")),
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The message for every finding of `report` at or above `threshold`, or `None` when
/// nothing reaches it.
pub fn build_message(report: &Report, threshold: Severity) -> Option<SnsMessage> {
    build_message_of(report, threshold, "", None)
}

/// `kind` is said in the subject ("new ", "resolved "); `change` is the filter attribute.
fn build_message_of(report: &Report, threshold: Severity, kind: &str, change: Option<Attribute>) -> Option<SnsMessage> {
    let mut findings: Vec<Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity >= threshold)
        .cloned()
        .collect();
    // With every finding published, resolved ones alone still make a message.
    let highest = findings.iter().chain(&report.resolved).map(|f| f.severity).max()?;
    let account = report.summary.account.clone().unwrap_or_else(|| "unknown".into());
    let region = report.summary.regions.join(",");
    let total = findings.len();

    let subject = fit_subject(format!(
        "gatecheck: {total} {kind}finding(s) at or above {threshold}, highest {highest}, account {account} {region}"
    ));

    let checks: BTreeSet<&str> = findings.iter().map(|f| f.check.as_str()).collect();
    let api_ids: BTreeSet<&str> = findings.iter().filter_map(|f| f.api_id.as_deref()).collect();
    let mut attributes = vec![
        Attribute::string("severity", highest.as_str().to_string()),
        Attribute::list("checks", &checks),
        Attribute::string("account", account),
        Attribute::string("region", if region.is_empty() { "unknown".into() } else { region }),
    ];
    if !api_ids.is_empty() {
        attributes.push(Attribute::list("api_ids", &api_ids));
    }
    attributes.extend(change);
    let attribute_bytes: usize = attributes
        .iter()
        .map(|a| a.name.len() + a.data_type.len() + a.value.len())
        .sum();

    // Both lists arrive most severe first: drop from the end of the longer one until the
    // message fits, so that a flood of resolved findings cannot make it unpublishable.
    let mut resolved = report.resolved.clone();
    let total_resolved = resolved.len();
    loop {
        let left_out = (total - findings.len(), total_resolved - resolved.len());
        let body = render_body(report, &findings, &resolved, left_out, threshold);
        let fits = body.len() + subject.len() + attribute_bytes <= MAX_MESSAGE_BYTES;
        if fits || (findings.is_empty() && resolved.is_empty()) {
            let room = MAX_MESSAGE_BYTES.saturating_sub(subject.len() + attribute_bytes);
            return Some(SnsMessage {
                subject,
                body: if fits { body } else { cut_to(body, room) },
                attributes,
                left_out: left_out.0 + left_out.1,
            });
        }
        let longer = if resolved.len() > findings.len() {
            &mut resolved
        } else {
            &mut findings
        };
        let keep = longer.len() * 3 / 4;
        longer.truncate(keep);
    }
}

/// The body cut at a character boundary to `max` bytes, saying so: the last resort when even
/// the summary alone is too long.
fn cut_to(mut body: String, max: usize) -> String {
    const CUT: &str = "\n[cut to stay under SNS's size limit]\n";
    let mut end = max.saturating_sub(CUT.len());
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    body.truncate(end);
    body + CUT
}

fn render_body(
    report: &Report,
    findings: &[Finding],
    resolved: &[Finding],
    (left_out, resolved_left_out): (usize, usize),
    threshold: Severity,
) -> String {
    let shown = Report {
        findings: findings.to_vec(),
        resolved: resolved.to_vec(),
        summary: report.summary.clone(),
    };
    let text = anstream::adapter::strip_str(&text::render(&shown, threshold)).to_string();
    let mut note = String::new();
    if left_out > 0 {
        note.push_str(&format!("\n{left_out} more finding(s) at or above {threshold} were left out to stay under SNS's size limit; the function's logs have all of them.\n"));
    }
    if resolved_left_out > 0 {
        note.push_str(&format!("\n{resolved_left_out} more resolved finding(s) were left out to stay under SNS's size limit; the function's logs have all of them.\n"));
    }
    let json = serde_json::to_string(&shown).expect("a report serializes");
    format!("{text}{note}\n--- JSON ---\n{json}\n")
}

/// Publishes the message. A failure is returned, not swallowed, so Lambda's retries and
/// dead-letter queue apply.
/// One message for a whole fan-out: a line per account-region, failed ones included, when
/// anything reached `threshold` or an account-region could not be audited.
pub fn build_summary_message(items: &[AccountRegionCounts], threshold: Severity) -> Option<SnsMessage> {
    let count_at_or_above = |item: &AccountRegionCounts| -> usize {
        item.findings_by_severity
            .iter()
            .filter(|(s, _)| **s >= threshold)
            .map(|(_, n)| n)
            .sum()
    };
    let failed = items.iter().filter(|i| i.error.is_some()).count();
    let total: usize = items.iter().map(count_at_or_above).sum();
    if total == 0 && failed == 0 {
        return None;
    }
    let highest = items.iter().filter_map(|i| i.highest_severity).max();
    let accounts: BTreeSet<&str> = items.iter().filter_map(|i| i.account.as_deref()).collect();
    let regions: BTreeSet<&str> = items.iter().map(|i| i.region.as_str()).collect();
    let subject = fit_subject(format!(
        "gatecheck: {total} finding(s) at or above {threshold} in {} account(s), {} region(s){}",
        accounts.len(),
        regions.len(),
        if failed > 0 {
            format!(", {failed} not audited")
        } else {
            String::new()
        }
    ));
    let mut lines = vec![format!(
        "{} account-region(s) audited; {total} finding(s) at or above {threshold}; highest {}.",
        items.len(),
        highest.map_or("none", |s| s.as_str())
    )];
    let mut sorted: Vec<&AccountRegionCounts> = items.iter().collect();
    sorted.sort_by(|a, b| {
        b.highest_severity
            .cmp(&a.highest_severity)
            .then(a.account.cmp(&b.account))
    });
    let mut left_out = 0;
    for item in sorted {
        let place = format!("{} {}", item.account.as_deref().unwrap_or("unknown"), item.region);
        let line = match &item.error {
            Some(error) => format!("{place}: NOT AUDITED: {error}"),
            None => {
                let checks: Vec<String> = item.checks.iter().map(|(c, n)| format!("{c}×{n}")).collect();
                format!(
                    "{place}: {} at or above {threshold}, {} API(s), {} unread part(s); {}",
                    count_at_or_above(item),
                    item.apis_audited,
                    item.incomplete_scopes,
                    checks.join(" ")
                )
            }
        };
        if lines.iter().map(String::len).sum::<usize>() + line.len() > MAX_MESSAGE_BYTES / 2 {
            left_out += 1;
            continue;
        }
        lines.push(line);
    }
    if left_out > 0 {
        lines.push(format!(
            "…and {left_out} more account-region(s), left out to stay under SNS's size limit."
        ));
    }
    let checks: BTreeSet<&str> = items.iter().flat_map(|i| i.checks.keys().map(String::as_str)).collect();
    let attributes = vec![
        Attribute::string("severity", highest.map_or("none", |s| s.as_str()).to_string()),
        Attribute::list("checks", &checks),
        Attribute::list("account", &accounts),
        Attribute::list("region", &regions),
    ];
    Some(SnsMessage {
        subject,
        body: lines.join("\n"),
        attributes,
        left_out,
    })
}

/// A message that did not reach the topic.
#[derive(Debug, thiserror::Error)]
#[error("SNS publish to {topic_arn} failed: {message}")]
pub struct PublishError {
    pub topic_arn: String,
    pub message: String,
}

pub async fn publish(
    client: &aws_sdk_sns::Client,
    topic_arn: &str,
    message: &SnsMessage,
) -> Result<String, PublishError> {
    use aws_sdk_sns::types::MessageAttributeValue;
    let failed = |message: String| PublishError {
        topic_arn: topic_arn.to_string(),
        message,
    };
    let mut request = client
        .publish()
        .topic_arn(topic_arn)
        .subject(&message.subject)
        .message(&message.body);
    for attribute in &message.attributes {
        let value = MessageAttributeValue::builder()
            .data_type(attribute.data_type)
            .string_value(&attribute.value)
            .build()
            .map_err(|e| failed(e.to_string()))?;
        request = request.message_attributes(attribute.name, value);
    }
    let out = request
        .send()
        .await
        .map_err(|e| failed(aws_sdk_sns::error::DisplayErrorContext(e).to_string()))?;
    Ok(out.message_id().unwrap_or_default().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures;

    fn report_with_findings(n: usize) -> Report {
        let mut s = fixtures::empty();
        for i in 0..n {
            let api = fixtures::with_resource(
                fixtures::api(&format!("api{i:05}")),
                "/x",
                vec![fixtures::method("GET", true, "NONE")],
            );
            s.rest_apis.push(fixtures::with_stage(api, "prod"));
        }
        s.account.cloudwatch_role_arn = None;
        crate::audit::report(&[s], std::time::Duration::ZERO)
    }

    #[test]
    fn nothing_to_publish_below_threshold() {
        let mut s = fixtures::healthy();
        s.account.cloudwatch_role_arn = None; // a medium finding only
        let report = crate::audit::report(&[s], std::time::Duration::ZERO);
        assert!(build_message(&report, Severity::High).is_none());
        assert!(build_message(&report, Severity::Medium).is_some());
    }

    #[test]
    fn subject_attributes_and_body() {
        let report = report_with_findings(2);
        let message = build_message(&report, Severity::Medium).unwrap();
        assert!(message.subject.len() < 100, "{}", message.subject);
        assert!(message.subject.contains("highest critical") && message.subject.contains(fixtures::ACCOUNT));
        let attr = |name: &str| {
            message
                .attributes
                .iter()
                .find(|a| a.name == name)
                .unwrap()
                .value
                .clone()
        };
        assert_eq!(attr("severity"), "critical");
        assert_eq!(attr("checks"), r#"["GC301","GC602"]"#);
        assert_eq!(attr("api_ids"), r#"["api00000","api00001"]"#);
        assert_eq!(attr("region"), fixtures::REGION);
        let json = message.body.split("--- JSON ---\n").nth(1).unwrap();
        let parsed: Report = serde_json::from_str(json.trim()).unwrap();
        assert_eq!(parsed.findings.len(), 3);
        assert!(message.body.starts_with("gatecheck audit"));
    }

    #[test]
    fn large_reports_are_summarised_under_the_limit() {
        let report = report_with_findings(3000);
        let message = build_message(&report, Severity::Info).unwrap();
        assert!(message.body.len() + message.subject.len() < 256 * 1024);
        assert!(message.left_out > 0);
        assert!(message.body.contains(&format!("{} more finding(s)", message.left_out)));
        let json = message.body.split("--- JSON ---\n").nth(1).unwrap();
        let parsed: Report = serde_json::from_str(json.trim()).unwrap();
        assert_eq!(parsed.findings.len() + message.left_out, 3001);
        assert_eq!(
            parsed.findings[0].severity,
            Severity::Critical,
            "the most severe are kept"
        );
    }

    #[test]
    fn a_flood_of_resolved_findings_is_trimmed_and_counted_under_the_limit() {
        // Everything was fixed at once: 3,000 resolved, none standing, every finding published.
        let mut report = report_with_findings(3000);
        for finding in &mut report.findings {
            finding.change = Some(Change::Resolved);
        }
        report.resolved = std::mem::take(&mut report.findings);
        report.summary.changes = Some(crate::report::ChangeSummary {
            resolved: 3001,
            ..Default::default()
        });
        let messages = build_messages(&report, Severity::Info, Notify::All);
        assert_eq!(messages.len(), 1, "resolved findings alone are published");
        let message = &messages[0];
        let size = message.body.len()
            + message.subject.len()
            + message
                .attributes
                .iter()
                .map(|a| a.name.len() + a.data_type.len() + a.value.len())
                .sum::<usize>();
        assert!(size <= MAX_MESSAGE_BYTES, "{size} bytes");
        let json = message.body.split("--- JSON ---\n").nth(1).unwrap();
        let parsed: Report = serde_json::from_str(json.trim()).unwrap();
        assert!(!parsed.resolved.is_empty());
        assert_eq!(parsed.resolved.len() + message.left_out, 3001);
        assert!(message
            .body
            .contains(&format!("{} more resolved finding(s) were left out", message.left_out)));
        // The changes-only mode trims its resolved message the same way.
        let changes = build_messages(&report, Severity::Info, Notify::Changes);
        assert!(changes.iter().all(|m| m.body.len() < MAX_MESSAGE_BYTES));
    }
}
