//! The one audit pipeline, for the command line and the function alike:
//!
//! read (in full, or only what changed since the stored state) → checks → evidence from the
//! stages' logs → changes against the stored state, claimed → delivery → Security Hub.
//!
//! Its callers choose what to audit and where the report goes; nothing else differs between
//! them. I/O happens at the two ends (reading, then claiming and delivering); what lies
//! between is pure.
//!
//! Each transition (new, resolved) is delivered once, even when two runs overlap: before
//! delivering, a run writes each account-region's new state over the version it read, and
//! only over it (an S3 conditional write). A run that finds the state written meanwhile reads
//! it again and marks anew, so a change the other run claimed is no longer new to it. A
//! delivery that fails undoes the claim on whatever state then stands, so the next run
//! delivers those transitions again rather than lose them.

use crate::audit;
use crate::aws::auditor::Auditor;
use crate::aws::s3_state::{StateError, StateStore, Versioned};
use crate::aws::{self, Progress};
use crate::clock::now_ms;
use crate::model::{Scope, Snapshot};
use crate::report::{Change, Finding, ReadSummary, Report};
use crate::scope::{Accounts, Plan, Regions};
use crate::sinks::security_hub::{self, Imported};
use crate::state::{clear_for_security_hub, mark_changes, pend_for_security_hub, unclaim, State};
use crate::traffic::{self, EvidenceWindow};
use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

/// What to read.
#[derive(Debug, Clone)]
pub enum Read {
    /// What the plan names. With a stored state, a plan of whole regions of the caller's own
    /// account reads only what changed since (unless `read_all`).
    Plan { plan: Plan, read_all: bool },
    /// Snapshots already read, for the scopes a change event named.
    Snapshots(Vec<Snapshot>),
}

/// One audit's settings, from flags or from the function's settings and event.
#[derive(Debug, Clone)]
pub struct Audit {
    pub read: Read,
    /// Read each stage's refusals for this last stretch of its logs.
    pub evidence: Option<EvidenceWindow>,
    /// Import the findings into Security Hub and resolve those that are gone.
    pub security_hub: bool,
    /// In a quota-light read, each part is read in full at least this often.
    pub full_refresh: Duration,
    /// No read starts after this (a Lambda invocation's time running out).
    pub deadline: Option<Instant>,
}

/// Where the pipeline reads from and keeps its state: the I/O ends it does not choose itself.
pub struct Edges<'a> {
    pub auditor: &'a Auditor,
    pub state: Option<&'a StateStore>,
    /// Progress of each region's reads, where the caller shows it.
    pub progress: &'a (dyn Fn(&str) -> Option<Progress> + Sync),
}

/// Sends a report, its changes marked, where the caller wants it: printed, or as CloudWatch
/// lines and SNS messages. An error stops the run before the state is saved.
pub trait Deliver {
    fn deliver(&mut self, report: &Report) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// What one run of the pipeline did.
#[derive(Debug)]
pub struct Outcome {
    pub report: Report,
    /// Account-region states written (claimed): none without a store, or when the state was
    /// not used.
    pub states_saved: usize,
    /// Why the stored state was not used: the findings went out unmarked and nothing was
    /// saved over it.
    pub state_error: Option<String>,
    pub security_hub: Option<Imported>,
}

/// Runs one audit from its reads to its saved state.
pub async fn run(audit: Audit, edges: &Edges<'_>, deliver: &mut impl Deliver) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    // Evidence is read through the roles the audit used: a change event's reads are the
    // caller's own account.
    let accounts = match &audit.read {
        Read::Plan { plan, .. } => plan.accounts.clone(),
        Read::Snapshots(_) => Accounts::Own,
    };
    // Each step's future on the heap: together they are more than a 2 MiB thread's stack
    // holds (the function's handler, a test thread).
    let (snapshots, reads) = Box::pin(read(audit.read, audit.full_refresh, audit.deadline, edges)).await?;
    let mut report = audit::report(&snapshots, started.elapsed());
    report.summary.reads = reads;
    if let Some(window) = &audit.evidence {
        let read = Box::pin(aws::logs::read_evidence(
            edges.auditor,
            &snapshots,
            &report.findings,
            window,
            &accounts,
        ))
        .await;
        traffic::apply_evidence(&mut report, &read.stages, &window.label, read.notes);
    }
    let now_ms = now_ms();
    let (claimed, state_error) = match edges.state {
        None => (Vec::new(), None),
        Some(store) => match Box::pin(claim(store, &mut report, &snapshots, now_ms)).await {
            Ok(claimed) => (claimed, None),
            Err(err) => {
                tracing::error!("{err}: the findings go out without a stored state to tell what changed");
                (Vec::new(), Some(err.to_string()))
            }
        },
    };
    if let Err(err) = Box::pin(deliver.deliver(&report)).await {
        if let Some(store) = edges.state {
            Box::pin(undo_claims(store, &claimed, &report)).await;
        }
        return Err(err);
    }
    let security_hub = match audit.security_hub {
        true => Some(Box::pin(import_into_security_hub(edges, &report, &claimed, now_ms)).await?),
        false => None,
    };
    if let Some(imported) = &security_hub {
        tracing::info!(
            imported = imported.imported,
            resolved = imported.resolved,
            "imported into Security Hub"
        );
    }
    Ok(Outcome {
        report,
        states_saved: claimed.len(),
        state_error,
        security_hub,
    })
}

/// How often a run reads a place again after another run wrote it in between.
const CLAIM_ATTEMPTS: usize = 5;

/// One account-region's state as this run wrote it.
struct Claimed {
    state: State,
    etag: String,
}

impl Claimed {
    /// Those of `findings` in this state's account and region.
    fn here<'f>(&self, findings: &'f [Finding]) -> Vec<&'f Finding> {
        findings
            .iter()
            .filter(|f| f.account.as_deref() == self.state.account.as_deref() && f.region == self.state.region)
            .collect()
    }
}

/// Marks the report's changes against each account-region's stored state and writes the new
/// states over the versions read. A place another run wrote in between is read again and the
/// report marked anew, the places already written keeping the marks they were written with.
/// The report stays marked when a write fails for another reason; it is left unmarked when a
/// state cannot be read or trusted.
async fn claim(
    store: &StateStore,
    report: &mut Report,
    snapshots: &[Snapshot],
    now_ms: u64,
) -> Result<Vec<Claimed>, StateError> {
    type Place = (Option<String>, String);
    let mut versions: BTreeMap<Place, Versioned> = BTreeMap::new();
    for snapshot in snapshots {
        let place = (snapshot.account.id.clone(), snapshot.region.clone());
        if let std::collections::btree_map::Entry::Vacant(entry) = versions.entry(place) {
            let (account, region) = entry.key();
            let read = store.load_versioned(account.as_deref(), region).await?;
            entry.insert(read);
        }
    }
    let unmarked = report.clone();
    let mut written: BTreeMap<Place, Claimed> = BTreeMap::new();
    for _ in 0..CLAIM_ATTEMPTS {
        let previous: Vec<State> = versions.values().filter_map(|v| v.state.clone()).collect();
        *report = unmarked.clone();
        let states = mark_changes(report, snapshots, &previous, now_ms);
        let mut conflicts = 0;
        for state in states {
            let place = (state.account.clone(), state.region.clone());
            if written.contains_key(&place) {
                continue;
            }
            let replaces = versions.get(&place).and_then(|v| v.etag.clone());
            match store.save_if(&state, replaces.as_deref()).await {
                Ok(etag) => {
                    written.insert(place, Claimed { state, etag });
                }
                Err(err @ StateError::Conflict { .. }) => {
                    tracing::info!("{err}: reading it again");
                    let read = store.load_versioned(place.0.as_deref(), &place.1).await?;
                    versions.insert(place, read);
                    conflicts += 1;
                }
                Err(err) => return Err(err),
            }
        }
        if conflicts == 0 {
            return Ok(written.into_values().collect());
        }
    }
    Err(StateError::Unwritable {
        bucket: store.location().bucket.clone(),
        key: store.location().prefix.clone(),
        message: format!("other runs kept writing it: gave up after {CLAIM_ATTEMPTS} attempts"),
    })
}

/// Undoes this run's transitions in the states it claimed, on whatever each state is now, so
/// that the next run delivers them again. What cannot be undone is said: those transitions
/// would otherwise be lost without a word.
async fn undo_claims(store: &StateStore, claimed: &[Claimed], report: &Report) {
    for claim in claimed {
        let new: Vec<&Finding> = claim
            .here(&report.findings)
            .into_iter()
            .filter(|f| f.change == Some(Change::New))
            .collect();
        let resolved = claim.here(&report.resolved);
        if new.is_empty() && resolved.is_empty() {
            continue;
        }
        if !rewrite(store, claim, |state| unclaim(state, &new, &resolved)).await {
            tracing::error!(
                new = new.len(),
                resolved = resolved.len(),
                "the delivery failed and the state of {} could not be set back: these changes will not be announced again",
                claim.state.region
            );
        }
    }
}

/// Imports the findings and this run's resolutions into Security Hub, with the resolutions an
/// earlier run announced but could not deliver there. The claimed states keep whatever
/// Security Hub did not take, so that its failure after the other sinks delivered loses no
/// resolution: the next run resolves it there.
async fn import_into_security_hub(
    edges: &Edges<'_>,
    report: &Report,
    claimed: &[Claimed],
    now_ms: u64,
) -> anyhow::Result<Imported> {
    let pending: Vec<Finding> = claimed
        .iter()
        .flat_map(|claim| &claim.state.security_hub_pending)
        .filter(|p| !report.resolved.iter().any(|r| r.fingerprint == p.fingerprint))
        .map(|p| Finding {
            change: Some(Change::Resolved),
            ..p.clone()
        })
        .collect();
    let with_pending;
    let to_import = match pending.is_empty() {
        true => report,
        false => {
            let mut copy = report.clone();
            copy.resolved.extend(pending.iter().cloned());
            with_pending = copy;
            &with_pending
        }
    };
    let imported = Box::pin(security_hub::import(edges.auditor.base(), to_import, now_ms)).await;
    let Some(store) = edges.state else {
        return Ok(imported?);
    };
    match imported {
        Ok(imported) => {
            for claim in claimed.iter().filter(|c| !c.state.security_hub_pending.is_empty()) {
                let taken = claim.here(&pending);
                if !rewrite(store, claim, |state| clear_for_security_hub(state, &taken)).await {
                    tracing::warn!(
                        "Security Hub took {} earlier resolution(s), but the state of {} still lists them: the next run sends them again",
                        taken.len(),
                        claim.state.region
                    );
                }
            }
            Ok(imported)
        }
        Err(err) => {
            for claim in claimed {
                let resolved = claim.here(&report.resolved);
                if !resolved.is_empty() && !rewrite(store, claim, |state| pend_for_security_hub(state, &resolved)).await
                {
                    tracing::error!(
                        resolved = resolved.len(),
                        "Security Hub failed and the state of {} could not keep its resolutions: they stay ACTIVE there",
                        claim.state.region
                    );
                }
            }
            Err(err.into())
        }
    }
}

/// Writes `change` of the state this run claimed, or of whatever another run wrote over it
/// since. False when it could not be written.
async fn rewrite(store: &StateStore, claim: &Claimed, change: impl Fn(&State) -> State) -> bool {
    let mut current = Versioned {
        state: Some(claim.state.clone()),
        etag: Some(claim.etag.clone()),
    };
    for _ in 0..CLAIM_ATTEMPTS {
        let Some(state) = current.state.clone() else {
            return false;
        };
        match store.save_if(&change(&state), current.etag.as_deref()).await {
            Ok(_) => return true,
            Err(StateError::Conflict { .. }) => {
                match store.load_versioned(state.account.as_deref(), &state.region).await {
                    Ok(read) => current = read,
                    Err(_) => return false,
                }
            }
            Err(_) => return false,
        }
    }
    false
}

/// The snapshots, and what a quota-light read took from the stored state.
async fn read(
    read: Read,
    full_refresh: Duration,
    deadline: Option<Instant>,
    edges: &Edges<'_>,
) -> anyhow::Result<(Vec<Snapshot>, Option<ReadSummary>)> {
    let (plan, read_all) = match read {
        Read::Snapshots(snapshots) => return Ok((snapshots, None)),
        Read::Plan { plan, read_all } => (plan, read_all),
    };
    match (edges.state, &plan.regions) {
        // Only whole regions of the caller's own account can be read from what changed:
        // CloudTrail's history is the account-region's.
        (Some(store), Regions::These(regions)) if !plan.fans_out() && !read_all && plan.scope == Scope::default() => {
            let (snapshots, reads) = edges
                .auditor
                .run_light(regions, &plan.scope, store, full_refresh, deadline)
                .await?;
            Ok((snapshots, Some(reads)))
        }
        _ => Ok((edges.auditor.run(&plan, deadline, edges.progress).await?, None)),
    }
}
