//! The check engine: every check is a pure function of a [`Snapshot`] with its metadata
//! beside it. The engine runs them all, drops what a coverage gap makes guesswork, keeps to
//! the audit's scope and applies `gatecheck:ignore` tags.
//!
//! Every check file has the same shape, by design: its `CheckMeta` literal, one function that
//! loops over [`Facts`] (its stages, plans, domains or web ACLs) and pushes findings through
//! [`FindingBuilder`], and its tests (fixture in, findings out). What two checks decide alike
//! lives in `facts.rs` or the group's module (`stages_requiring_keys`, `plan_keys`,
//! `methods_requiring_a_key`, `differences`); the lines left alike between files are that
//! shape, not shared logic.

pub(crate) mod api_keys;
pub(crate) mod coverage;
pub(crate) mod deployment;
pub(crate) mod domains;
mod facts;
pub(crate) mod logging;
pub(crate) mod reachability;
pub(crate) mod waf;

pub mod docs;

pub use facts::{served_by, Facts, StageFacts};

use crate::model::{CoverageGap, Index, Snapshot, IGNORE_TAG};
pub use crate::report::{fill_placeholders, CheckMeta, FindingBuilder, NotEvaluated};
use crate::report::{sort_findings, Finding};

#[derive(Clone, Copy)]
pub struct Check {
    pub meta: &'static CheckMeta,
    /// Pure: what it finds in the facts of one snapshot.
    pub run: fn(&Facts) -> Vec<Finding>,
    /// The places this check could not evaluate for want of data the endpoint does not
    /// return (as opposed to data it refused: that is a coverage gap).
    pub not_evaluated: fn(&Facts) -> Vec<NotEvaluated>,
}

/// For checks that always have what they need.
pub fn always_evaluated(_: &Facts) -> Vec<NotEvaluated> {
    Vec::new()
}

/// Every check, in id order. A check is its own file in its group's folder, declared in the
/// group's `mod.rs` and listed here; a test fails when a check's file is not listed.
pub static REGISTRY: &[Check] = &[
    reachability::gc101::CHECK,
    reachability::gc102::CHECK,
    reachability::gc103::CHECK,
    reachability::gc104::CHECK,
    reachability::gc105::CHECK,
    reachability::gc106::CHECK,
    reachability::gc107::CHECK,
    reachability::gc108::CHECK,
    reachability::gc109::CHECK,
    waf::gc201::CHECK,
    waf::gc202::CHECK,
    waf::gc203::CHECK,
    api_keys::gc301::CHECK,
    api_keys::gc302::CHECK,
    api_keys::gc303::CHECK,
    api_keys::gc304::CHECK,
    api_keys::gc305::CHECK,
    api_keys::gc306::CHECK,
    api_keys::gc307::CHECK,
    api_keys::gc308::CHECK,
    api_keys::gc309::CHECK,
    deployment::gc401::CHECK,
    deployment::gc402::CHECK,
    domains::gc501::CHECK,
    domains::gc502::CHECK,
    domains::gc503::CHECK,
    domains::gc504::CHECK,
    logging::gc601::CHECK,
    logging::gc602::CHECK,
    logging::gc603::CHECK,
    logging::gc604::CHECK,
    logging::gc605::CHECK,
    coverage::gc900::CHECK,
];

/// The check that reports what could not be read.
pub use crate::report::GAP_CHECK_ID;

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
                .filter(|n| in_scope_of(snapshot, index, n.api_id.as_deref(), n.stage.as_deref(), None)),
        );
        let found = (check.run)(&facts);
        evaluation.findings.reserve(found.len());
        for finding in found {
            let in_scope = in_scope_of(
                snapshot,
                index,
                finding.api_id.as_deref(),
                finding.stage.as_deref(),
                finding.domain_name.as_deref(),
            );
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

/// Whether a finding falls inside what `snapshot` was read for.
pub fn in_scope(snapshot: &Snapshot, finding: &Finding) -> bool {
    in_scope_of(
        snapshot,
        &Index::new(snapshot),
        finding.api_id.as_deref(),
        finding.stage.as_deref(),
        finding.domain_name.as_deref(),
    )
}

/// Whether the place (api_id, stage, or a custom domain) falls inside what `snapshot` was
/// read for. An audit of one API takes in the domains that map or route to it, and no other.
fn in_scope_of(
    snapshot: &Snapshot,
    index: &Index,
    api_id: Option<&str>,
    stage: Option<&str>,
    domain: Option<&str>,
) -> bool {
    let scope = &snapshot.scope;
    if let (Some(wanted), None, Some(domain)) = (&scope.api_id, api_id, domain) {
        let reaches = |d: &crate::model::DomainName| {
            d.name == domain
                && (d.mappings.iter().any(|m| m.rest_api_id == *wanted)
                    || d.routing_rules
                        .iter()
                        .any(|r| r.api_id.as_deref() == Some(wanted.as_str())))
        };
        if !snapshot.domain_names.iter().any(reaches) {
            return false;
        }
    }
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

/// A method as a stage serves it (see [`Facts::stages`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedMethod<'a> {
    pub path: &'a str,
    pub http_method: &'a str,
    pub api_key_required: bool,
    pub authorization_type: &'a str,
}

impl ServedMethod<'_> {
    pub fn authorization(&self) -> crate::model::AuthorizationType {
        crate::model::AuthorizationType::of(self.authorization_type)
    }

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
