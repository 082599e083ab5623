//! `gatecheck audit --format html`: one self-contained page to pass around. Styles are
//! inline, the chart is inline SVG, and nothing is loaded from anywhere (no script, no
//! font); it reads the same without JavaScript. maud escapes every value, so an API name or
//! a detail cannot inject markup.

use crate::report::{Finding, Report, Severity};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use std::collections::BTreeMap;

const STYLE: &str = "
body{overflow-wrap:anywhere;font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d2433;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #d5d9e0;padding-bottom:4px}
h3{font-size:16px;margin:18px 0 6px}
.meta{color:#5b6475;margin:0 0 16px}
.verdict{padding:10px 14px;border-radius:6px;margin:12px 0;font-weight:600}
.fail{background:#fdecea;color:#8a1c12}.pass{background:#e7f5ea;color:#1d5e2c}
.finding{background:#fff;border:1px solid #d5d9e0;border-left-width:6px;border-radius:6px;padding:10px 14px;margin:8px 0}
.finding p{margin:6px 0}.fix{color:#33415c}.small{color:#5b6475;font-size:13px}
.tag{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;font-weight:600;color:#fff;margin-right:6px}
.change{display:inline-block;border:1px solid #5b6475;border-radius:4px;padding:0 5px;font-size:12px;margin-left:6px}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#eef0f4;padding:1px 4px;border-radius:3px;word-break:break-all}
a{color:#1f5fbf}
table{border-collapse:collapse}td{padding:2px 10px 2px 0}
";

fn colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "#a4161a",
        Severity::High => "#d9480f",
        Severity::Medium => "#b08900",
        Severity::Low => "#2f6fbf",
        Severity::Info => "#6c757d",
    }
}

/// Where a finding belongs on the page.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    /// By name, then id (the derived order follows the fields).
    Api {
        name: String,
        id: String,
    },
    Domain(String),
    Account,
}

fn place_of(finding: &Finding) -> Place {
    match (&finding.api_id, &finding.domain_name) {
        (Some(id), _) => Place::Api {
            name: finding.api_name.as_deref().unwrap_or(id).to_string(),
            id: id.to_string(),
        },
        (None, Some(domain)) => Place::Domain(domain.to_string()),
        (None, None) => Place::Account,
    }
}

/// The AWS console's host for a region's partition.
fn console_host(region: &str) -> &'static str {
    match crate::arn::partition(region) {
        "aws-cn" => "console.amazonaws.cn",
        "aws-us-gov" => "console.amazonaws-us-gov.com",
        _ => "console.aws.amazon.com",
    }
}

/// The console page where the finding's cause is fixed.
fn console_link(finding: &Finding) -> String {
    let region = finding.region.as_str();
    let base = format!("https://{region}.{}/apigateway/main", console_host(region));
    match (&finding.api_id, &finding.stage, &finding.domain_name) {
        (Some(api), Some(_), _) => format!("{base}/apis/{api}/stages?api={api}&region={region}"),
        (Some(api), None, _) => format!("{base}/apis/{api}/resources?api={api}&region={region}"),
        (None, _, Some(domain)) => format!("{base}/publish/domain-names?domain={domain}&region={region}"),
        (None, _, None) => format!("{base}/settings?region={region}"),
    }
}

/// Counts by severity as a horizontal bar chart.
fn severity_chart(counts: &BTreeMap<Severity, usize>) -> Markup {
    let max = counts.values().copied().max().unwrap_or(0).max(1);
    let (bar_width, row) = (520.0, 26);
    let height = row * Severity::ALL_DESCENDING.len() + 4;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width="680" height=(height) role="img" aria-label="Findings by severity" {
            @for (i, severity) in Severity::ALL_DESCENDING.iter().enumerate() {
                @let count = counts.get(severity).copied().unwrap_or(0);
                @let y = i * row + 2;
                @let width = (count as f64 / max as f64 * bar_width).max(if count > 0 { 2.0 } else { 0.0 });
                text x="0" y=(y + 17) font-size="13" fill="#1d2433" { (severity.as_str()) }
                rect x="80" y=(y + 3) width=(format!("{width:.1}")) height="18" rx="3" fill=(colour(*severity)) {}
                text x=(format!("{:.1}", 86.0 + width)) y=(y + 17) font-size="13" fill="#1d2433" { (count) }
            }
        }
    }
}

fn finding_card(finding: &Finding) -> Markup {
    let where_ = match (&finding.stage, &finding.resource_path, &finding.http_method) {
        (Some(stage), Some(path), Some(verb)) => format!("stage {stage} · {verb} {path}"),
        (Some(stage), _, _) => format!("stage {stage}"),
        _ => String::new(),
    };
    let (fix, cli) = match finding.remediation.split_once(" CLI: ") {
        Some((fix, cli)) => (fix, Some(cli)),
        None => (finding.remediation.as_str(), None),
    };
    html! {
        div class="finding" style=(format!("border-left-color:{}", colour(finding.severity))) {
            p {
                span class="tag" style=(format!("background:{}", colour(finding.severity))) { (finding.severity.as_str()) }
                strong { (finding.check) " " (finding.title) }
                @if let Some(change) = finding.change {
                    span class="change" { (change.as_str()) }
                }
            }
            @if !where_.is_empty() { p class="small" { (where_) " · " (finding.region) } }
            p { (finding.detail) }
            @if let Some(evidence) = &finding.evidence {
                p { strong { "Evidence: " } (evidence.sentence()) }
            }
            p class="fix" { strong { "Fix: " } (fix) }
            @if let Some(cli) = cli { p { code { (cli) } } }
            p class="small" {
                a href=(console_link(finding)) { "Open in the API Gateway console" }
                " · fingerprint " code { (finding.fingerprint) }
            }
        }
    }
}

/// The report as one HTML page.
pub fn render(report: &Report) -> String {
    let s = &report.summary;
    let mut groups: BTreeMap<Place, Vec<&Finding>> = BTreeMap::new();
    for finding in &report.findings {
        groups.entry(place_of(finding)).or_default().push(finding);
    }
    let mut groups: Vec<(Place, Vec<&Finding>)> = groups.into_iter().collect();
    for (_, findings) in &mut groups {
        findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.stage.cmp(&b.stage)));
    }
    // Most severe place first, then by name.
    groups.sort_by(|(pa, fa), (pb, fb)| {
        let worst = |f: &Vec<&Finding>| f.iter().map(|f| f.severity).max();
        worst(fb).cmp(&worst(fa)).then_with(|| pa.cmp(pb))
    });
    let accounts = if s.accounts.is_empty() {
        s.account.clone().unwrap_or_else(|| "unknown account".into())
    } else {
        s.accounts.join(", ")
    };
    let incomplete = report.is_incomplete();
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "gatecheck audit · " (accounts) }
                style { (PreEscaped(STYLE)) }
            }
            body { main {
                h1 { "gatecheck audit" }
                p class="meta" {
                    "Account " (accounts) " · " (s.regions.join(", ")) " · "
                    (s.apis_audited) " REST API(s), " (s.stages_audited) " stage(s), "
                    (s.usage_plans_audited) " usage plan(s) · " (s.api_calls) " AWS call(s)"
                }
                @if incomplete {
                    div class="verdict fail" {
                        "The audit is incomplete: " (report.unread_parts()) " part(s) could not be read (GC900), so a cause of 403 there would go unreported."
                    }
                } @else if report.findings.is_empty() {
                    div class="verdict pass" { "No findings." }
                }
                h2 { "Findings by severity" }
                (severity_chart(&s.findings_by_severity))
                p class="small" { (report.findings.len()) " finding(s) · " (s.suppressed) " suppressed by gatecheck:ignore tags" }
                @if let Some(changes) = &s.changes {
                    p { "Since the previous audit: " (changes.new) " new, " (changes.ongoing) " ongoing, " (changes.resolved) " resolved." }
                }
                @if let Some(evidence) = &s.evidence {
                    p { "Evidence: " (evidence.refused_requests) " refused request(s) in the last " (evidence.window) " on " (evidence.stages_read) " stage(s) read." }
                }
                @for (place, findings) in &groups {
                    @match place {
                        Place::Api { name, id } => h2 { "REST API " (name) " " code { (id) } },
                        Place::Domain(domain) => h2 { "Custom domain " (domain) },
                        Place::Account => h2 { "Account and region settings" },
                    }
                    @for finding in findings { (finding_card(finding)) }
                }
                @if !report.resolved.is_empty() {
                    h2 { "Resolved since the previous audit" }
                    table {
                        @for finding in &report.resolved {
                            tr {
                                td { (finding.check) }
                                td { (finding.title) }
                                td class="small" { (finding.api_name.as_deref().or(finding.domain_name.as_deref()).unwrap_or("")) " " (finding.stage.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
                @if !s.not_evaluated.is_empty() {
                    h2 { "Not evaluated" }
                    ul { @for n in &s.not_evaluated { li { (n.check) ": " (n.reason) } } }
                }
                p class="small" { "Generated by gatecheck. Key values are never read, kept or shown." }
            } }
        }
    };
    page.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures;

    const VOID: &[&str] = &["meta", "br", "hr", "img", "input", "link"];

    /// Every element the page opens is closed, in order (void elements aside): the page is
    /// well-formed. Returns the tag names in document order.
    fn well_formed(page: &str) -> Vec<String> {
        let mut open: Vec<String> = Vec::new();
        let mut seen = Vec::new();
        let mut rest = page;
        while let Some(start) = rest.find('<') {
            let end = rest[start..].find('>').expect("every tag is closed") + start;
            let tag = &rest[start + 1..end];
            rest = &rest[end + 1..];
            if tag.starts_with('!') {
                continue;
            }
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            seen.push(name.clone());
            if tag.starts_with('/') {
                assert_eq!(
                    open.pop().as_deref(),
                    Some(name.as_str()),
                    "</{name}> closes nothing open"
                );
            } else if !VOID.contains(&name.as_str()) && !tag.ends_with('/') {
                open.push(name);
            }
        }
        assert!(open.is_empty(), "left open: {open:?}");
        seen
    }

    fn report() -> Report {
        let mut s = fixtures::healthy();
        s.usage_plans.clear();
        s.account.cloudwatch_role_arn = None;
        s.rest_apis[0].name = "<script>alert(1)</script>".into();
        let mut d = fixtures::domain("api.example.com", "gone", Some("prod"));
        d.routing_mode = Some("ROUTING_RULE_ONLY".into());
        s.domain_names.push(d);
        crate::audit::report(&[s], std::time::Duration::ZERO)
    }

    #[test]
    fn the_page_is_well_formed_self_contained_and_holds_every_finding() {
        let report = report();
        let page = render(&report);
        let tags = well_formed(&page);
        assert!(
            !tags
                .iter()
                .any(|t| t == "script" || t == "link" || t == "img" || t == "iframe"),
            "{tags:?}"
        );
        assert!(
            !page.contains("src=") && !page.contains("@import") && !page.contains("url("),
            "nothing is loaded from anywhere"
        );
        assert!(tags.iter().any(|t| t == "svg"), "the severity chart is inline SVG");
        for finding in &report.findings {
            assert!(
                page.contains(finding.fingerprint.as_str()),
                "{} is missing",
                finding.check
            );
        }
        // A name is text, never markup.
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // Custom domains and account settings have headings of their own.
        assert!(page.contains("Custom domain api.example.com"), "{page}");
        assert!(page.contains("Account and region settings"), "{page}");
        // Most severe place first: the API with the critical GC301 before the account's GC602.
        assert!(page.find("REST API").unwrap() < page.find("Account and region settings").unwrap());
    }

    #[test]
    fn console_links_follow_the_partition_and_the_place() {
        let report = report();
        let gc301 = report.findings.iter().find(|f| f.check == "GC301").unwrap();
        assert_eq!(
            console_link(gc301),
            "https://eu-west-1.console.aws.amazon.com/apigateway/main/apis/a1/stages?api=a1&region=eu-west-1"
        );
        let mut china = gc301.clone();
        china.region = "cn-north-1".into();
        assert!(console_link(&china).starts_with("https://cn-north-1.console.amazonaws.cn/"));
    }
}
