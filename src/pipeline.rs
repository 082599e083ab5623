//! The one audit pipeline, for the command line and the function alike:
//!
//! read (in full, or only what changed since the stored state) → checks → evidence from the
//! stages' logs → changes against the stored state → delivery → Security Hub → save the state.
//!
//! Its callers choose what to audit and where the report goes; nothing else differs between
//! them. I/O happens at the two ends (reading, then delivering and saving); what lies between
//! is pure. The state is saved last, so a run that fails before it leaves the previous state
//! standing and the next run delivers the same changes again rather than lose them.

use crate::audit;
use crate::aws::auditor::Auditor;
use crate::aws::s3_state::StateStore;
use crate::aws::{self, Progress};
use crate::clock::now_ms;
use crate::model::{Scope, Snapshot};
use crate::report::{ReadSummary, Report};
use crate::scope::{Accounts, Plan, Regions};
use crate::sinks::security_hub::{self, Imported};
use crate::state::{mark_changes, State};
use crate::traffic::{self, EvidenceWindow};
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
    /// Account-region states saved: none without a store, or when the state was not used.
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
    let (snapshots, loaded, reads) = read(audit.read, audit.full_refresh, audit.deadline, edges).await?;
    let mut report = audit::report(&snapshots, started.elapsed());
    report.summary.reads = reads;
    if let Some(window) = &audit.evidence {
        let read = aws::logs::read_evidence(edges.auditor, &snapshots, &report.findings, window, &accounts).await;
        traffic::apply_evidence(&mut report, &read.stages, &window.label, read.notes);
    }
    let now_ms = now_ms();
    let (states, state_error) = match edges.state {
        None => (None, None),
        Some(store) => match store.load_missing(&snapshots, loaded).await {
            Ok(previous) => (Some(mark_changes(&mut report, &snapshots, &previous, now_ms)), None),
            Err(err) => {
                tracing::error!("{err}: every finding goes out as it stands, and no state is saved");
                (None, Some(err.to_string()))
            }
        },
    };
    deliver.deliver(&report).await?;
    let security_hub = match audit.security_hub {
        true => Some(security_hub::import(edges.auditor.base(), &report, now_ms).await?),
        false => None,
    };
    if let Some(imported) = &security_hub {
        tracing::info!(
            imported = imported.imported,
            resolved = imported.resolved,
            "imported into Security Hub"
        );
    }
    let mut states_saved = 0;
    if let (Some(store), Some(states)) = (edges.state, &states) {
        store.save_all(states).await?;
        states_saved = states.len();
    }
    Ok(Outcome {
        report,
        states_saved,
        state_error,
        security_hub,
    })
}

/// The snapshots, the states a quota-light read loaded on the way, and what it read.
async fn read(
    read: Read,
    full_refresh: Duration,
    deadline: Option<Instant>,
    edges: &Edges<'_>,
) -> anyhow::Result<(Vec<Snapshot>, Vec<State>, Option<ReadSummary>)> {
    let (plan, read_all) = match read {
        Read::Snapshots(snapshots) => return Ok((snapshots, Vec::new(), None)),
        Read::Plan { plan, read_all } => (plan, read_all),
    };
    match (edges.state, &plan.regions) {
        // Only whole regions of the caller's own account can be read from what changed:
        // CloudTrail's history is the account-region's.
        (Some(store), Regions::These(regions)) if !plan.fans_out() && !read_all && plan.scope == Scope::default() => {
            let (snapshots, states, reads) = edges
                .auditor
                .run_light(regions, &plan.scope, store, full_refresh, deadline)
                .await?;
            Ok((snapshots, states, Some(reads)))
        }
        _ => Ok((
            edges.auditor.run(&plan, deadline, edges.progress).await?,
            Vec::new(),
            None,
        )),
    }
}
