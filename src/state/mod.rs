//! Memory between audits: the last findings and snapshot of each account and region, so that
//! a report can say which findings are new, which still stand and which were fixed, and a
//! scheduled audit can re-read only what changed. Pure: `aws::s3_state` reads and
//! writes it in S3.

mod changes;
mod refresh;

pub use crate::report::ChangeSummary;
pub use changes::{clear_for_security_hub, mark_changes, pend_for_security_hub, unclaim};
pub use refresh::{add_reads, due, named_changes, read_summary, Changed, Reuse};

use crate::model::{Snapshot, SNAPSHOT_SCHEMA_VERSION};
use crate::report::Finding;
use serde::{Deserialize, Serialize};

/// Bumped whenever the state file changes meaning: an older gatecheck then starts afresh
/// instead of misreading it.
pub const STATE_SCHEMA_VERSION: u32 = 1;

/// What one account-region's last audit left: its findings, and what it read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub schema_version: u32,
    pub account: Option<String>,
    pub region: String,
    /// When the audit that wrote it started, in milliseconds since the epoch.
    pub audited_at_ms: u64,
    /// When the last audit of the whole region started: changes are looked up in CloudTrail
    /// from there. An audit of one API (after a deployment) leaves it as it was.
    pub region_audited_at_ms: Option<u64>,
    /// The findings that stand, each with the fingerprint changes are matched by.
    pub findings: Vec<Finding>,
    /// What was read, each API, plan and domain marked with its read time; parts that could
    /// not be read are left unmarked, so the next audit reads them again.
    pub snapshot: Snapshot,
    /// Resolved findings whose resolution was announced but that Security Hub could not be
    /// told of: the next run that imports into Security Hub resolves them there. An older
    /// gatecheck ignores the field and loses only this retry, so the schema stays the same.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_hub_pending: Vec<Finding>,
}

/// How far in the future a state's time may be before it is not trusted: clocks of
/// different hosts disagree by seconds, not by this.
pub const CLOCK_SKEW_MS: u64 = 5 * 60 * 1000;

impl State {
    /// Whether `other` is this state's account and region.
    pub fn is_for(&self, account: Option<&str>, region: &str) -> bool {
        self.account.as_deref() == account && self.region == region
    }

    /// Why this state, found where `account` and `region`'s belongs, must not be used: it is
    /// another account-region's (copied, or a prefix shared by mistake), or stamped in the
    /// future, which would make the next CloudTrail look-up start after changes it missed.
    pub fn trust(&self, account: &str, region: &str, now_ms: u64) -> Result<(), String> {
        if !self.is_for(Some(account), region) {
            return Err(format!(
                "it is the state of account {} in {}, not of {account} in {region}",
                self.account.as_deref().unwrap_or("unknown"),
                self.region
            ));
        }
        if self.audited_at_ms > now_ms.saturating_add(CLOCK_SKEW_MS) {
            return Err(format!(
                "it was written {} s in the future (a clock ahead of this one's): its changes would be missed",
                (self.audited_at_ms - now_ms) / 1000
            ));
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    #[error("state {path} is not a gatecheck state: {source}")]
    Invalid { path: String, source: serde_json::Error },
    #[error("state {path} was written by a newer gatecheck (schema {found}, this one reads {supported}): upgrade gatecheck; it is neither used nor overwritten")]
    Newer {
        path: String,
        found: String,
        supported: String,
    },
}

/// Reads a state file. One of an older schema version is no state at all (`Ok(None)`): the
/// audit starts afresh and overwrites it, rather than fail every scheduled run. One of a
/// newer version is an error: overwriting it would lose what the newer gatecheck knows.
pub fn parse_state(text: &str, shown: &str) -> Result<Option<State>, StateFileError> {
    #[derive(Deserialize)]
    struct Versions {
        schema_version: u32,
        snapshot: SnapshotVersion,
    }
    #[derive(Deserialize)]
    struct SnapshotVersion {
        schema_version: u32,
    }
    let invalid = |source| StateFileError::Invalid {
        path: shown.to_string(),
        source,
    };
    let versions: Versions = serde_json::from_str(text).map_err(invalid)?;
    if versions.schema_version > STATE_SCHEMA_VERSION || versions.snapshot.schema_version > SNAPSHOT_SCHEMA_VERSION {
        return Err(StateFileError::Newer {
            path: shown.to_string(),
            found: format!("{}/{}", versions.schema_version, versions.snapshot.schema_version),
            supported: format!("{STATE_SCHEMA_VERSION}/{SNAPSHOT_SCHEMA_VERSION}"),
        });
    }
    if versions.schema_version != STATE_SCHEMA_VERSION || versions.snapshot.schema_version != SNAPSHOT_SCHEMA_VERSION {
        tracing::warn!(
            "state {shown} has schema version {}/{}, not {STATE_SCHEMA_VERSION}/{SNAPSHOT_SCHEMA_VERSION}: starting afresh",
            versions.schema_version,
            versions.snapshot.schema_version
        );
        return Ok(None);
    }
    serde_json::from_str(text).map(Some).map_err(invalid)
}

pub fn state_json(state: &State) -> String {
    serde_json::to_string(state).expect("a state always serializes")
}

#[cfg(test)]
mod tests;
