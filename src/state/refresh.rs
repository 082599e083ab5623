//! Quota-light audits: what a scheduled audit with a stored state must read again. The
//! region-wide lists are read every time; an API, a usage plan's keys, a domain's mappings or
//! the web ACLs are read again when CloudTrail names a change to them, when the stored
//! snapshot does not have them, or when their turn in the rotation comes, so that each is
//! read in full at least once per full-refresh period. The rest is taken from the stored
//! snapshot, with its read time.

use crate::cloudtrail::{self, Effect, RecordFields};
use crate::model::Snapshot;
use crate::report::ReadSummary;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

/// What CloudTrail's management events name as changed since the previous audit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changed {
    pub apis: BTreeSet<String>,
    pub usage_plans: BTreeSet<String>,
    pub domains: BTreeSet<String>,
    /// Any WAFv2 change in the region: every web ACL a stage uses is read again (WAF's reads
    /// do not count against API Gateway's quota).
    pub web_acls: bool,
    /// Every usage plan's keys: a key was deleted, changed or imported.
    pub all_plan_keys: bool,
    /// Write events read that gatecheck follows.
    pub events: usize,
}

/// A quota-light audit's inputs: the stored snapshot, what changed, and the clock.
#[derive(Debug, Clone)]
pub struct Reuse {
    pub stored: Snapshot,
    pub changed: Changed,
    pub now_ms: u64,
    /// When the stored snapshot's audit started.
    pub previous_ms: u64,
    /// Each part is read in full at least this often.
    pub full_refresh: Duration,
}

impl Reuse {
    /// The ids among `items` (id, read time) to read again. See [`due`].
    pub fn due<'a>(
        &self,
        items: impl Iterator<Item = (&'a str, Option<u64>)>,
        named: &BTreeSet<String>,
    ) -> BTreeSet<String> {
        due(items, named, self.now_ms, self.previous_ms, self.full_refresh)
    }
}

/// Which of `items` (id, read time; None: never read or unread last time) to read again now:
/// those `named` by a change, those never read, those older than `full_refresh`, and a
/// rotating slice of the oldest, sized so that at this audit's interval every item comes up
/// within `full_refresh`: ceil(items × interval / full_refresh).
pub fn due<'a>(
    items: impl Iterator<Item = (&'a str, Option<u64>)>,
    named: &BTreeSet<String>,
    now_ms: u64,
    previous_ms: u64,
    full_refresh: Duration,
) -> BTreeSet<String> {
    let refresh_ms = u64::try_from(full_refresh.as_millis()).unwrap_or(u64::MAX).max(1);
    let interval_ms = now_ms.saturating_sub(previous_ms);
    let mut by_age: Vec<(Option<u64>, &str)> = items.map(|(id, at)| (at, id)).collect();
    // Oldest first, never-read before all; ids break ties so the rotation is stable.
    by_age.sort();
    let total = by_age.len() as u128;
    let slice = (total * u128::from(interval_ms)).div_ceil(u128::from(refresh_ms));
    let slice = usize::try_from(slice).unwrap_or(usize::MAX);
    by_age
        .iter()
        .enumerate()
        .filter(|(rank, (at, id))| {
            named.contains(*id) || at.is_none_or(|at| now_ms.saturating_sub(at) >= refresh_ms) || *rank < slice
        })
        .map(|(_, (_, id))| id.to_string())
        .collect()
}

/// What a page of CloudTrail `LookupEvents` records (each record's `CloudTrailEvent`, parsed)
/// names as changed, by the events of [`crate::cloudtrail::EVENTS`]. Read-only calls, failed
/// calls and events gatecheck does not follow change nothing.
pub fn named_changes<'a>(records: impl Iterator<Item = &'a Value>) -> Changed {
    let mut changed = Changed::default();
    for record in records {
        let text = |key: &str| record.get(key).and_then(Value::as_str).unwrap_or_default();
        let read_only = record.get("readOnly").and_then(Value::as_bool).unwrap_or(false);
        if read_only || record.get("errorCode").is_some_and(|e| !e.is_null()) {
            continue;
        }
        let Some(event) = cloudtrail::lookup(text("eventSource"), text("eventName")) else {
            continue;
        };
        changed.events += 1;
        let fields = RecordFields::of(record);
        changed.apis.extend(fields.api_ids(event.name));
        changed.usage_plans.extend(fields.usage_plan_ids());
        changed.domains.extend(fields.strings(&["domainName"]));
        match event.effect {
            Effect::WebAcl | Effect::IpSet | Effect::WebAclAssociation => changed.web_acls = true,
            // A deleted or changed key leaves or changes the plans that held it, and the
            // record names only the key.
            Effect::ApiKey => changed.all_plan_keys = true,
            // Imported keys name their plans only in the CSV, which the record does not hold.
            Effect::Region if event.name == "ImportApiKeys" => changed.all_plan_keys = true,
            _ => {}
        }
    }
    changed
}

/// How much of `snapshot` a quota-light audit read now (at `reuse.now_ms`), how much it took
/// from the stored snapshot, and when the oldest of that was read.
pub fn read_summary(snapshot: &Snapshot, reuse: &Reuse) -> ReadSummary {
    let fresh = |at: Option<u64>| at.is_some_and(|at| at >= reuse.now_ms);
    let apis_read = snapshot.rest_apis.iter().filter(|a| fresh(a.read_at_ms)).count();
    let plan_keys_read = snapshot.usage_plans.iter().filter(|p| fresh(p.read_at_ms)).count();
    let times = snapshot
        .rest_apis
        .iter()
        .map(|a| a.read_at_ms)
        .chain(snapshot.usage_plans.iter().map(|p| p.read_at_ms))
        .chain(snapshot.domain_names.iter().map(|d| d.read_at_ms))
        .chain(snapshot.web_acls.iter().map(|a| a.read_at_ms));
    ReadSummary {
        apis_read,
        apis_from_state: snapshot.rest_apis.len() - apis_read,
        plan_keys_read,
        plan_keys_from_state: snapshot.usage_plans.len() - plan_keys_read,
        trail_events: reuse.changed.events,
        apis_changed: reuse.changed.apis.len(),
        oldest_read_at_ms: times.flatten().filter(|at| *at < reuse.now_ms).min(),
        full_read_because: None,
    }
}

/// Several regions' read summaries as one.
pub fn add_reads(total: &mut ReadSummary, one: ReadSummary) {
    total.apis_read += one.apis_read;
    total.apis_from_state += one.apis_from_state;
    total.plan_keys_read += one.plan_keys_read;
    total.plan_keys_from_state += one.plan_keys_from_state;
    total.trail_events += one.trail_events;
    total.apis_changed += one.apis_changed;
    total.oldest_read_at_ms = match (total.oldest_read_at_ms, one.oldest_read_at_ms) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let Some(why) = one.full_read_because {
        total.full_read_because = Some(match total.full_read_because.take() {
            Some(before) => format!("{before}; {why}"),
            None => why,
        });
    }
}
