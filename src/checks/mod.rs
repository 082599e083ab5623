//! The check engine: every check is a pure function of a [`Snapshot`] with its metadata
//! beside it. The engine runs them all, drops what a coverage gap makes guesswork, keeps to
//! the audit's scope and applies `gatecheck:ignore` tags.

mod coverage;
mod deployment;
mod domains;
mod facts;
mod key_methods;
mod logging;
mod reachability;
mod usage_plans;
mod waf;

pub mod docs;

pub use facts::{Facts, StageFacts};

use crate::finding::{sort_findings, Finding, Severity};
use crate::model::{CoverageGap, Index, Part, RestApi, Snapshot, IGNORE_TAG};
use compact_str::CompactString;
use std::borrow::Cow;

/// What a check is and how to fix what it finds. `gatecheck checks` and `docs/checks.md`
/// are generated from this.
#[derive(Debug)]
pub struct CheckMeta {
    /// Stable id, `GC` and three digits; the first digit is the group.
    pub id: &'static str,
    /// Stable kebab-case name.
    pub name: &'static str,
    /// Default severity; a check may raise or lower it for one finding and says why.
    pub severity: Severity,
    pub title: &'static str,
    /// What a caller sees.
    pub symptom: &'static str,
    /// Why API Gateway behaves that way.
    pub why: &'static str,
    /// What to change, with the console path.
    pub fix: &'static str,
    /// The AWS CLI command that fixes it. `{api_id}`, `{stage}`, `{region}` and the like are
    /// filled from the finding; what cannot be filled is shown as `<api_id>`.
    pub cli: &'static str,
    pub docs_url: &'static str,
    /// The parts of the snapshot this check relies on: a part that could not be read blinds it.
    pub reads: &'static [Part],
}

#[derive(Clone, Copy)]
pub struct Check {
    pub meta: &'static CheckMeta,
    /// Pure: what it finds in the facts of one snapshot.
    pub run: fn(&Facts) -> Vec<Finding>,
    /// The places this check could not evaluate for want of data the endpoint does not
    /// return (as opposed to data it refused: that is a coverage gap).
    pub not_evaluated: fn(&Facts) -> Vec<NotEvaluated>,
}

/// A check that did not run on one stage or API, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NotEvaluated {
    pub check: String,
    pub api_id: Option<String>,
    pub stage: Option<String>,
    pub reason: String,
}

/// For checks that always have what they need.
pub fn always_evaluated(_: &Facts) -> Vec<NotEvaluated> {
    Vec::new()
}

/// Every check, in id order.
pub static REGISTRY: &[Check] = &[
    reachability::GC101,
    reachability::GC102,
    reachability::GC103,
    waf::GC201,
    waf::GC202,
    usage_plans::GC301,
    usage_plans::GC302,
    usage_plans::GC303,
    key_methods::GC304,
    key_methods::GC305,
    key_methods::GC306,
    usage_plans::GC307,
    usage_plans::GC308,
    deployment::GC401,
    domains::GC501,
    logging::GC601,
    logging::GC602,
    coverage::GC900,
];

pub fn find_check(id: &str) -> Option<&'static Check> {
    REGISTRY.iter().find(|c| c.meta.id.eq_ignore_ascii_case(id))
}

/// The result of running every check over one snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    /// Findings silenced by a `gatecheck:ignore` tag.
    pub suppressed: Vec<Finding>,
    pub not_evaluated: Vec<NotEvaluated>,
    /// What could not be read, including what was read but could not be understood.
    pub gaps: Vec<CoverageGap>,
}

pub fn evaluate(snapshot: &Snapshot) -> Evaluation {
    let facts = Facts::new(snapshot);
    let index = &facts.index;
    let any_ignore_tag = snapshot
        .rest_apis
        .iter()
        .any(|api| api.tags.contains_key(IGNORE_TAG) || api.stages.iter().any(|s| s.tags.contains_key(IGNORE_TAG)));
    let mut evaluation = Evaluation::default();
    for check in REGISTRY {
        evaluation.not_evaluated.extend(
            (check.not_evaluated)(&facts)
                .into_iter()
                .filter(|n| in_scope_of(snapshot, index, n.api_id.as_deref(), n.stage.as_deref())),
        );
        let found = (check.run)(&facts);
        evaluation.findings.reserve(found.len());
        for finding in found {
            let in_scope = in_scope_of(snapshot, index, finding.api_id.as_deref(), finding.stage.as_deref());
            if is_blinded(check.meta, &finding, &facts.gaps) || !in_scope {
                continue;
            }
            if any_ignore_tag && is_suppressed(&finding, index) {
                evaluation.suppressed.push(finding);
            } else {
                evaluation.findings.push(finding);
            }
        }
    }
    sort_findings(&mut evaluation.findings);
    sort_findings(&mut evaluation.suppressed);
    evaluation.gaps = facts.gaps;
    evaluation
}

/// A finding of a check that relies on something unreadable in its scope is a guess: GC900
/// reports the gap instead.
fn is_blinded(meta: &CheckMeta, finding: &Finding, gaps: &[CoverageGap]) -> bool {
    gaps.iter().any(|gap| {
        meta.reads.iter().any(|part| gap.part.includes(*part))
            && gap.covers(finding.api_id.as_deref(), finding.stage.as_deref())
    })
}

fn in_scope_of(snapshot: &Snapshot, index: &Index, api_id: Option<&str>, stage: Option<&str>) -> bool {
    let scope = &snapshot.scope;
    if scope.account_only && api_id.is_some() {
        return false;
    }
    if !scope.web_acl_arns.is_empty() {
        let acl = api_id
            .and_then(|id| index.rest_api(id))
            .zip(stage)
            .and_then(|(api, stage)| api.stage(stage))
            .and_then(|s| s.web_acl_arn.as_ref());
        if !acl.is_some_and(|arn| scope.web_acl_arns.contains(arn)) {
            return false;
        }
    }
    let api_ok = match (&scope.api_id, api_id) {
        (Some(wanted), Some(api)) => wanted == api,
        _ => true,
    };
    let stage_ok = match (&scope.stage, stage) {
        (Some(wanted), Some(stage)) => wanted == stage,
        _ => true,
    };
    api_ok && stage_ok
}

fn is_suppressed(finding: &Finding, index: &Index) -> bool {
    let Some(api) = finding.api_id.as_deref().and_then(|id| index.rest_api(id)) else {
        return false;
    };
    let stage = finding.stage.as_deref().and_then(|name| api.stage(name));
    let tags = std::iter::once(&api.tags).chain(stage.map(|s| &s.tags));
    tags.filter_map(|tags| tags.get(IGNORE_TAG))
        .any(|value| ignore_list_names(value, &finding.check))
}

/// Whether a `gatecheck:ignore` value (`GC306, GC601`) names `check`.
pub fn ignore_list_names(value: &str, check: &str) -> bool {
    value
        .split([',', ' '])
        .map(str::trim)
        .any(|id| !id.is_empty() && id.eq_ignore_ascii_case(check))
}

impl CheckMeta {
    /// Starts a finding of this check in the snapshot's account and region.
    pub fn finding<'a>(&'static self, snapshot: &Snapshot) -> FindingBuilder<'a> {
        FindingBuilder {
            meta: self,
            vars: Vec::new(),
            distinguisher: None,
            finding: Finding {
                // The metadata is static: the finding points at it rather than copy it.
                check: CompactString::const_new(self.id),
                name: CompactString::const_new(self.name),
                severity: self.severity,
                account: snapshot.account.id.as_deref().map(CompactString::from),
                region: CompactString::from(&snapshot.region),
                api_id: None,
                api_name: None,
                stage: None,
                resource_path: None,
                http_method: None,
                title: CompactString::const_new(self.title),
                detail: String::new(),
                remediation: String::new(),
                fingerprint: CompactString::default(),
            },
        }
    }

    /// Starts a finding of this check on one stage of an API.
    pub fn stage_finding<'a>(&'static self, facts: &Facts, api: &RestApi, stage: &str) -> FindingBuilder<'a> {
        self.finding(facts.snapshot).api(api).stage(stage)
    }
}

/// A finding under construction; `'a` is what the values for the CLI fix borrow from.
pub struct FindingBuilder<'a> {
    meta: &'static CheckMeta,
    finding: Finding,
    vars: Vec<(&'static str, Cow<'a, str>)>,
    distinguisher: Option<String>,
}

impl<'a> FindingBuilder<'a> {
    pub fn api(mut self, api: &RestApi) -> Self {
        self.finding.api_id = Some(api.id.clone());
        self.finding.api_name = Some(api.name.clone());
        self
    }

    /// For an API the snapshot does not hold (a plan naming a deleted API, say).
    pub fn api_id(mut self, api_id: &str) -> Self {
        self.finding.api_id = Some(api_id.into());
        self
    }

    pub fn stage(mut self, stage: &str) -> Self {
        self.finding.stage = Some(stage.into());
        self
    }

    pub fn method(mut self, path: &str, http_method: &str) -> Self {
        self.finding.resource_path = Some(path.into());
        self.finding.http_method = Some(http_method.into());
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.finding.severity = severity;
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.finding.detail = detail.into();
        self
    }

    /// A value for a `{name}` placeholder of the CLI fix.
    pub fn var(mut self, name: &'static str, value: impl Into<Cow<'a, str>>) -> Self {
        self.vars.push((name, value.into()));
        self
    }

    /// Keeps the fingerprints of two findings of this check on one scope apart.
    pub fn distinguish_by(mut self, key: impl Into<String>) -> Self {
        self.distinguisher = Some(key.into());
        self
    }

    pub fn build(mut self) -> Finding {
        let f = &self.finding;
        let vars = &self.vars;
        // A value given for the fix wins over the finding's own place; empty is no value.
        let value_of = |name: &str| -> Option<&str> {
            let given = vars.iter().rev().find(|(k, v)| *k == name && !v.is_empty());
            let place = || match name {
                "region" => Some(&f.region),
                "api_id" => f.api_id.as_ref(),
                "stage" => f.stage.as_ref(),
                "path" => f.resource_path.as_ref(),
                "method" => f.http_method.as_ref(),
                _ => None,
            };
            match given {
                Some((_, value)) => Some(value.as_ref()),
                None => place().map(CompactString::as_str).filter(|v| !v.is_empty()),
            }
        };
        let mut remediation = String::with_capacity(self.meta.fix.len() + self.meta.cli.len() + 64);
        remediation.push_str(self.meta.fix);
        remediation.push_str(" CLI: ");
        fill_placeholders_into(&mut remediation, self.meta.cli, value_of);
        self.finding.remediation = remediation;
        self.finding.fingerprint = self.finding.compute_fingerprint(self.distinguisher.as_deref());
        self.finding
    }
}

/// Replaces `{name}` with its value, or with `<name>` when there is none.
pub fn fill_placeholders(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    fill_placeholders_into(&mut out, template, |name| {
        vars.iter()
            .rev()
            .find(|(k, v)| *k == name && !v.is_empty())
            .map(|(_, v)| *v)
    });
    out
}

fn fill_placeholders_into<'v>(out: &mut String, template: &str, value_of: impl Fn(&str) -> Option<&'v str>) {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if after[..close].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                let name = &after[..close];
                match value_of(name) {
                    Some(value) => out.push_str(value),
                    None => {
                        out.push('<');
                        out.push_str(name);
                        out.push('>');
                    }
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// A method as a stage serves it (see [`Facts::stages`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedMethod<'a> {
    pub path: &'a str,
    pub http_method: &'a str,
    pub api_key_required: bool,
    pub authorization_type: &'a str,
}

impl ServedMethod<'_> {
    pub fn label(&self) -> String {
        format!("{} {}", self.http_method, self.path)
    }
}

/// "GET /a, POST /b and 3 more".
pub fn list_methods(methods: &[&ServedMethod<'_>]) -> String {
    const SHOWN: usize = 5;
    let mut labels: Vec<String> = methods.iter().take(SHOWN).map(|m| m.label()).collect();
    if methods.len() > SHOWN {
        labels.push(format!("{} more", methods.len() - SHOWN));
    }
    labels.join(", ")
}

#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod tests;
