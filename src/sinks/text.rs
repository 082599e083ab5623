//! The human report: findings grouped by API and stage, most severe first, each with its fix.
//! Styled with ANSI codes; `anstream` strips them when stdout is not a terminal or NO_COLOR
//! is set.

use crate::printable::printable;
use crate::report::{Change, Finding, ReadSummary, Report, Severity};
use anstyle::{AnsiColor, Style};
use std::fmt::Write;

fn severity_style(severity: Severity) -> Style {
    let color = match severity {
        Severity::Critical => AnsiColor::Red,
        Severity::High => AnsiColor::Magenta,
        Severity::Medium => AnsiColor::Yellow,
        Severity::Low => AnsiColor::Cyan,
        Severity::Info => AnsiColor::White,
    };
    Style::new().fg_color(Some(color.into())).bold()
}

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

pub fn render(report: &Report, fail_on: Severity) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{BOLD}gatecheck audit{BOLD:#} · account {} · {}",
        s.account.as_deref().unwrap_or("unknown"),
        if s.regions.is_empty() {
            "no region".to_string()
        } else {
            s.regions.join(", ")
        }
    );
    let _ = writeln!(
        out,
        "{DIM}{} REST API(s), {} stage(s), {} usage plan(s) · {} AWS call(s) · {:.1} s{DIM:#}",
        s.apis_audited,
        s.stages_audited,
        s.usage_plans_audited,
        s.api_calls,
        s.duration_ms as f64 / 1000.0
    );

    for group in group_by_place(&report.findings) {
        let first = group[0];
        let _ = writeln!(out, "\n{BOLD}{}{BOLD:#}", printable(&place(first)));
        for f in group {
            let style = severity_style(f.severity);
            let sev = f.severity.as_str().to_uppercase();
            let mark = match f.change {
                Some(Change::New) => format!(" {BOLD}[new]{BOLD:#}"),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "  {style}{sev:<8}{style:#} {BOLD}{}{BOLD:#}{mark} {}",
                f.check,
                printable(&f.title)
            );
            let _ = writeln!(out, "           {}", printable(&f.detail));
            if let Some(evidence) = &f.evidence {
                let _ = writeln!(
                    out,
                    "           {BOLD}evidence:{BOLD:#} {}",
                    printable(&evidence.sentence())
                );
            }
            let _ = writeln!(out, "           {DIM}fix:{DIM:#} {}", printable(&f.remediation));
        }
    }

    if !report.resolved.is_empty() {
        let _ = writeln!(out, "\n{BOLD}Resolved since the previous audit{BOLD:#}");
        for f in &report.resolved {
            let _ = writeln!(
                out,
                "  {DIM}{:<8}{DIM:#} {BOLD}{}{BOLD:#} {} · {}",
                "fixed",
                f.check,
                printable(&f.title),
                printable(&place(f))
            );
        }
    }

    let counts: Vec<String> = Severity::ALL_DESCENDING
        .iter()
        .map(|sev| format!("{} {}", s.findings_by_severity.get(sev).copied().unwrap_or(0), sev))
        .collect();
    let _ = writeln!(out);
    if report.findings.is_empty() {
        let _ = writeln!(out, "No findings.");
    }
    let _ = writeln!(
        out,
        "Findings: {} · {} suppressed · {} part(s) unread",
        counts.join(", "),
        s.suppressed,
        s.incomplete_scopes
    );
    if let Some(changes) = &s.changes {
        let _ = writeln!(
            out,
            "Since the previous audit: {} new, {} ongoing, {} resolved{}",
            changes.new,
            changes.ongoing,
            changes.resolved,
            match changes.kept_unread {
                0 => String::new(),
                n => format!(" · {n} kept from the previous audit where this one could not read"),
            }
        );
    }
    if let Some(reads) = &s.reads {
        let _ = writeln!(out, "{DIM}{}{DIM:#}", reads_line(reads, crate::clock::now_ms()));
    }
    if let Some(evidence) = &s.evidence {
        let _ = writeln!(
            out,
            "Evidence: {} refused request(s) in the last {} on {} stage(s) read, {} CloudWatch Logs call(s)",
            evidence.refused_requests, evidence.window, evidence.stages_read, evidence.log_calls
        );
        // Stages with no log group yet are common (logging just turned on, no traffic yet):
        // said once, not a line each.
        const NOT_YET: &str = ": log group ";
        let (silent, others): (Vec<&String>, Vec<&String>) = evidence.notes.iter().partition(|n| {
            n.contains(NOT_YET) && n.ends_with("the stage has not written to it yet, or it was deleted")
        });
        if !silent.is_empty() {
            let stages: Vec<&str> = silent.iter().filter_map(|n| n.split(NOT_YET).next()).collect();
            let _ = writeln!(
                out,
                "{DIM}  ! {} stage(s) have no log group yet (not written to since logging was turned on, or deleted), so nothing was counted there: {}{DIM:#}",
                silent.len(),
                stages.join(", ")
            );
        }
        for note in others {
            let _ = writeln!(out, "{DIM}  ! {note}{DIM:#}");
        }
    }
    if !s.not_evaluated.is_empty() {
        let mut by_check: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for n in &s.not_evaluated {
            by_check.entry(n.check.as_str()).or_default().push(n.reason.as_str());
        }
        for (check, reasons) in by_check {
            let _ = writeln!(
                out,
                "{DIM}{check} not evaluated on {} place(s): {}{DIM:#}",
                reasons.len(),
                reasons[0]
            );
        }
    }
    let verdict = if report.is_incomplete() {
        let style = severity_style(Severity::Critical);
        format!(
            "{style}FAIL{style:#}: the audit is incomplete: {} part(s) could not be read (GC900), so a cause of 403 there would go unreported",
            report.unread_parts()
        )
    } else if report.fails(fail_on) {
        let style = severity_style(Severity::Critical);
        format!("{style}FAIL{style:#}: findings at or above {fail_on}")
    } else {
        let style = Style::new().fg_color(Some(AnsiColor::Green.into())).bold();
        format!("{style}PASS{style:#}: nothing at or above {fail_on}")
    };
    let _ = writeln!(out, "{verdict}");
    out
}

/// "Read 47 of 1000 API(s) in full (5 named by CloudTrail's 9 write event(s) since the previous
/// audit, the rest in rotation) ...; the rest from the stored state, the oldest part read 23 h ago".
pub fn reads_line(reads: &ReadSummary, now_ms: u64) -> String {
    let total = reads.apis_read + reads.apis_from_state;
    if let Some(why) = &reads.full_read_because {
        return format!("Read all {total} API(s) in full: {why}");
    }
    let age = reads.oldest_read_at_ms.map_or(String::from("none"), |at| {
        let minutes = now_ms.saturating_sub(at) / 60_000;
        match minutes {
            0..=119 => format!("{minutes} min ago"),
            _ => format!("{} h ago", minutes / 60),
        }
    });
    format!(
        "Read {} of {total} API(s) in full ({} named by CloudTrail's {} write event(s) since the previous audit, the rest in rotation) and {} of {} usage plans' keys; the rest from the stored state, the oldest part read {age}",
        reads.apis_read,
        reads.apis_changed.min(reads.apis_read),
        reads.trail_events,
        reads.plan_keys_read,
        reads.plan_keys_read + reads.plan_keys_from_state,
    )
}

fn place(f: &Finding) -> String {
    match (&f.api_id, &f.stage) {
        (None, _) => format!("account-wide · {}", f.region),
        (Some(id), stage) => {
            let api = match &f.api_name {
                Some(name) => format!("{name} ({id})"),
                None => id.to_string(),
            };
            match stage {
                Some(stage) => format!("{api} · stage {stage} · {}", f.region),
                None => format!("{api} · {}", f.region),
            }
        }
    }
}

/// Groups findings that share region, API and stage, keeping the order of the first finding
/// of each group (findings arrive most severe first).
fn group_by_place(findings: &[Finding]) -> Vec<Vec<&Finding>> {
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    for f in findings {
        let key = (&f.region, &f.api_id, &f.stage);
        match groups
            .iter_mut()
            .find(|g| (&g[0].region, &g[0].api_id, &g[0].stage) == key)
        {
            Some(group) => group.push(f),
            None => groups.push(vec![f]),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures;

    #[test]
    fn stages_without_a_log_group_yet_are_said_once() {
        let mut report = crate::audit::report(&[fixtures::healthy()], std::time::Duration::ZERO);
        let not_yet = |stage: &str| {
            format!("a1 stage {stage}: log group API-Gateway-Execution-Logs_a1/{stage} does not exist: the stage has not written to it yet, or it was deleted")
        };
        report.summary.evidence = Some(crate::report::EvidenceSummary {
            window: "1h".into(),
            stages_read: 0,
            refused_requests: 0,
            log_calls: 3,
            notes: vec![
                not_yet("prod"),
                not_yet("dev"),
                "a1 stage qa: cannot read log group x: access denied (allow logs:FilterLogEvents on it)".into(),
            ],
        });
        let text = render(&report, Severity::Critical);
        assert_eq!(text.matches("have no log group yet").count(), 1, "{text}");
        assert!(
            text.contains("2 stage(s) have no log group yet") && text.contains("a1 stage prod, a1 stage dev"),
            "{text}"
        );
        assert!(text.contains("access denied"), "{text}");
    }

    #[test]
    fn names_with_escape_sequences_cannot_rewrite_the_screen() {
        let mut s = fixtures::healthy();
        s.usage_plans.clear();
        s.rest_apis[0].name = "orders\u{1b}[2J\u{1b}[1;1Hall clear".into();
        let report = crate::audit::report(&[s], std::time::Duration::ZERO);
        let text = render(&report, Severity::Critical);
        assert!(!text.contains("\u{1b}[2J") && !text.contains("\u{1b}[1;1H"), "{text:?}");
        assert!(text.contains("orders\\u{1b}[2J"), "{text}");
    }

    #[test]
    fn an_incomplete_audit_says_so_and_fails() {
        let mut s = fixtures::healthy();
        s.rest_apis.clear();
        s.usage_plans.clear();
        s.gaps.push(fixtures::gap(crate::model::Part::RestApis, None));
        let report = crate::audit::report(&[s], std::time::Duration::ZERO);
        assert_eq!(
            report.findings[0].severity,
            Severity::Critical,
            "GetRestApis hides criticals"
        );
        for fail_on in Severity::ALL_DESCENDING {
            let plain = anstream::adapter::strip_str(&render(&report, fail_on)).to_string();
            assert!(
                plain.contains("FAIL: the audit is incomplete: 1 part(s) could not be read (GC900)"),
                "{plain}"
            );
            assert!(!plain.contains("PASS"), "{plain}");
        }
    }

    #[test]
    fn groups_by_api_and_stage_most_severe_first() {
        let mut s = fixtures::healthy();
        s.usage_plans.clear();
        s.account.cloudwatch_role_arn = None;
        let report = crate::audit::report(&[s], std::time::Duration::ZERO);
        let text = render(&report, Severity::Critical);
        let plain = anstream::adapter::strip_str(&text).to_string();
        let api = plain.find("a1-name (a1) · stage prod").expect("API group");
        let account = plain.find("account-wide · eu-west-1").expect("account group");
        assert!(api < account, "{plain}");
        assert!(plain.contains("CRITICAL GC301"), "{plain}");
        assert!(plain.contains("fix: Add the stage"), "{plain}");
        assert!(plain.contains("FAIL: findings at or above critical"), "{plain}");
    }
}
