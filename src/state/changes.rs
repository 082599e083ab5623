//! New, ongoing and resolved: a report's findings against the previous audit's, matched by
//! fingerprint, one account-region at a time.

use super::{State, STATE_SCHEMA_VERSION};
use crate::checks::in_scope;
use crate::model::{CoverageGap, DomainName, Part, Snapshot};
use crate::report::{Change, ChangeSummary, Finding, Report};
use std::collections::{BTreeMap, BTreeSet};

/// Marks each finding of `report` new or ongoing against `previous` (the states of the
/// report's account-regions that exist), adds the previous findings that are gone to
/// `report.resolved`, and returns each account-region's state to store.
///
/// A previous finding that is not found again is resolved only when this audit covered its
/// place and read it: one outside a scoped audit stays in the state unreported, and one that
/// a coverage gap now hides is reported again as ongoing, since nothing says it was fixed.
pub fn mark_changes(report: &mut Report, snapshots: &[Snapshot], previous: &[State], now_ms: u64) -> Vec<State> {
    let mut summary = ChangeSummary::default();
    // Several snapshots of one account-region (a change to two APIs audits each): each
    // builds on the state the one before it left.
    let mut states: Vec<State> = Vec::new();
    let mut kept: Vec<Finding> = Vec::new();
    for snapshot in snapshots {
        let account = snapshot.account.id.as_deref();
        let region = snapshot.region.as_str();
        let original = previous.iter().find(|s| s.is_for(account, region));
        let built = states.iter().position(|s| s.is_for(account, region));
        let base = built.map(|at| &states[at]).or(original);
        if base.is_none() {
            summary.first_audits += 1;
        }
        let before: BTreeMap<&str, &Finding> = original
            .map(|s| s.findings.iter().map(|f| (f.fingerprint.as_str(), f)).collect())
            .unwrap_or_default();
        let here = |f: &Finding| f.account.as_deref() == account && f.region == region && in_scope(snapshot, f);
        let mut stored: Vec<Finding> = Vec::new();
        for finding in report.findings.iter_mut().filter(|f| here(f)) {
            if finding.change.is_none() {
                let (change, first_seen) = match before.get(finding.fingerprint.as_str()) {
                    Some(was) => (Change::Ongoing, was.first_seen_ms.or(original.map(|s| s.audited_at_ms))),
                    None => (Change::New, Some(now_ms)),
                };
                finding.change = Some(change);
                finding.first_seen_ms = first_seen;
            }
            stored.push(for_state(finding));
        }
        let now: BTreeSet<String> = stored.iter().map(|f| f.fingerprint.to_string()).collect();
        let gone = base
            .iter()
            .flat_map(|s| &s.findings)
            .filter(|f| !now.contains(f.fingerprint.as_str()));
        let listed = |list: &[Finding], f: &Finding| list.iter().any(|k| k.fingerprint == f.fingerprint);
        for gone in gone {
            if !in_scope(snapshot, gone) {
                stored.push(gone.clone());
            } else if hidden_by_gap(&snapshot.gaps, gone) {
                stored.push(gone.clone());
                if !listed(&kept, gone) {
                    kept.push(Finding {
                        change: Some(Change::Ongoing),
                        ..gone.clone()
                    });
                }
            } else if !listed(&report.resolved, gone) {
                report.resolved.push(Finding {
                    change: Some(Change::Resolved),
                    ..gone.clone()
                });
            }
        }
        let state = State {
            schema_version: STATE_SCHEMA_VERSION,
            account: account.map(str::to_string),
            region: region.to_string(),
            audited_at_ms: now_ms,
            region_audited_at_ms: match snapshot.scope == Default::default() {
                true => Some(now_ms),
                false => base.and_then(|s| s.region_audited_at_ms),
            },
            security_hub_pending: base
                .map(|s| s.security_hub_pending.clone())
                .unwrap_or_default()
                .into_iter()
                .filter(|pending| !now.contains(pending.fingerprint.as_str()))
                .collect(),
            findings: stored,
            snapshot: stored_snapshot(base.map(|s| &s.snapshot), snapshot),
        };
        match built {
            Some(at) => states[at] = state,
            None => states.push(state),
        }
    }
    summary.kept_unread = kept.len();
    report.findings.extend(kept);
    report.recount();
    summary.new = report.findings.iter().filter(|f| f.change == Some(Change::New)).count();
    summary.ongoing = report.findings.len() - summary.new;
    summary.resolved = report.resolved.len();
    crate::report::sort_findings(&mut report.resolved);
    report.summary.changes = Some(summary);
    states
}

/// `current` with this run's transitions undone, for when they were claimed in the state but
/// could not be delivered: its new findings leave the state (so the next run finds them new
/// again) and its resolved ones return to it (so the next run resolves them again). Applied to
/// whatever state stands now, so that what a later run wrote meanwhile is kept.
pub fn unclaim(current: &State, new: &[&Finding], resolved: &[&Finding]) -> State {
    let mut state = current.clone();
    state
        .findings
        .retain(|f| !new.iter().any(|n| n.fingerprint == f.fingerprint));
    for gone in resolved {
        if !state.findings.iter().any(|f| f.fingerprint == gone.fingerprint) {
            state.findings.push(Finding {
                change: None,
                ..(*gone).clone()
            });
        }
    }
    state
}

/// `current` with `resolved` waiting for Security Hub, once each.
pub fn pend_for_security_hub(current: &State, resolved: &[&Finding]) -> State {
    let mut state = current.clone();
    for gone in resolved {
        if !state
            .security_hub_pending
            .iter()
            .any(|p| p.fingerprint == gone.fingerprint)
        {
            state.security_hub_pending.push(for_state(gone));
        }
    }
    state
}

/// `current` without the pending resolutions Security Hub has now taken.
pub fn clear_for_security_hub(current: &State, taken: &[&Finding]) -> State {
    let mut state = current.clone();
    state
        .security_hub_pending
        .retain(|p| !taken.iter().any(|t| t.fingerprint == p.fingerprint));
    state
}

/// A finding as the state keeps it: without this run's change mark or log evidence.
fn for_state(finding: &Finding) -> Finding {
    Finding {
        change: None,
        evidence: None,
        ..finding.clone()
    }
}

/// Whether a part this audit could not read covers the finding's place. GC900 findings are
/// the gaps themselves: one that is gone means the part reads now, so it resolves.
fn hidden_by_gap(gaps: &[CoverageGap], finding: &Finding) -> bool {
    finding.check != crate::checks::GAP_CHECK_ID
        && gaps
            .iter()
            .any(|gap| gap.covers(finding.api_id.as_deref(), finding.stage.as_deref()))
}

/// The snapshot to keep: this audit's reads over the previous ones where it was scoped to
/// less than the region, with whatever a gap left unread unmarked so that it is read again.
fn stored_snapshot(prior: Option<&Snapshot>, current: &Snapshot) -> Snapshot {
    let scope = &current.scope;
    let mut kept = match prior {
        Some(prior) if scope.account_only => Snapshot {
            account: current.account.clone(),
            ..prior.clone()
        },
        Some(prior) if scope.api_id.is_some() => {
            let mut merged = Snapshot {
                rest_apis: prior.rest_apis.clone(),
                web_acls: prior.web_acls.clone(),
                ip_sets: prior.ip_sets.clone(),
                ..current.clone()
            };
            for api in &current.rest_apis {
                match merged.rest_apis.iter_mut().find(|a| a.id == api.id) {
                    Some(slot) => *slot = api.clone(),
                    None => merged.rest_apis.push(api.clone()),
                }
            }
            for acl in &current.web_acls {
                merged.web_acls.retain(|a| a.arn != acl.arn);
                merged.web_acls.push(acl.clone());
            }
            for set in &current.ip_sets {
                merged.ip_sets.retain(|s| s.arn != set.arn);
                merged.ip_sets.push(set.clone());
            }
            merged
        }
        _ => current.clone(),
    };
    for gap in &current.gaps {
        unmark(&mut kept, gap);
    }
    kept.scope = Default::default();
    kept.gaps.clear();
    kept.api_calls.clear();
    kept
}

/// Forgets the read time of whatever `gap` left unread.
fn unmark(snapshot: &mut Snapshot, gap: &CoverageGap) {
    let object = gap.object_id.as_deref();
    match (gap.api_id.as_deref(), gap.part) {
        (Some(api_id), _) => snapshot
            .rest_apis
            .iter_mut()
            .filter(|a| a.id == api_id)
            .for_each(|a| a.read_at_ms = None),
        (None, Part::UsagePlanKeys) => snapshot
            .usage_plans
            .iter_mut()
            .filter(|p| object.is_none_or(|o| o == format!("usage plan {}", p.id)))
            .for_each(|p| p.read_at_ms = None),
        (None, Part::BasePathMappings | Part::RoutingRules) => snapshot
            .domain_names
            .iter_mut()
            .filter(|d| object.is_none_or(|o| o == DomainName::object_id(&d.name)))
            .for_each(|d| d.read_at_ms = None),
        (None, Part::WebAcls | Part::IpSets) => snapshot.web_acls.iter_mut().for_each(|a| a.read_at_ms = None),
        (None, _) => {
            snapshot.rest_apis.iter_mut().for_each(|a| a.read_at_ms = None);
            snapshot.usage_plans.iter_mut().for_each(|p| p.read_at_ms = None);
            snapshot.domain_names.iter_mut().for_each(|d| d.read_at_ms = None);
            snapshot.web_acls.iter_mut().for_each(|a| a.read_at_ms = None);
        }
    }
}
