//! What changed since the previous audit, from CloudTrail's 90-day management event history
//! (`cloudtrail:LookupEvents`), for quota-light scheduled audits.
//!
//! LookupEvents takes one attribute a request. The lookup first asks for write events
//! (`ReadOnly=false`) and keeps API Gateway's and WAFv2's: in a quiet account that is one or
//! two pages. Every other service's writes are in those pages too, so past
//! [`WRITE_PAGES`] pages (a busy account) it asks instead for each event name of the table in
//! [`crate::cloudtrail::EVENTS`], one by one: a fixed number of lookups that grows with the
//! writes that matter, not with the rest of the account's. (Looking up by event source would
//! return every read as well: the previous audit's own hundreds of GET calls, and every other
//! tool's.) The lookups are paced at CloudTrail's quota.

use super::errors::classify;
use crate::state::{named_changes, Changed};
use aws_config::SdkConfig;
use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use aws_smithy_types::DateTime;
use governor::{Quota, RateLimiter};
use std::collections::{BTreeSet, HashSet};
use std::num::NonZeroU32;
use std::time::Duration;

/// CloudTrail delivers an event about 5 minutes after the call on average, with no
/// guarantee: each lookup starts this much before the previous audit, so a change made just
/// before it, and not yet in its view, is not missed.
pub const DELIVERY_OVERLAP: Duration = Duration::from_secs(15 * 60);

/// More API Gateway and WAFv2 write events than this since the previous audit, and reading
/// everything costs less than paging through them.
pub const MAX_EVENTS: usize = 5_000;

/// Pages of every service's write events read before switching to one lookup per event name.
pub const WRITE_PAGES: u64 = 10;

/// CloudTrail's LookupEvents quota: 2 requests per second per account and region.
pub const LOOKUPS_PER_SECOND: u32 = 2;

/// Why the changes could not be told, and the lookups made finding out.
#[derive(Debug)]
pub struct LookupFailed {
    pub why: String,
    pub calls: u64,
}

/// The changes to API Gateway and WAFv2 in `sdk`'s region between `since_ms` (less the
/// overlap) and `until_ms`, with the number of LookupEvents calls made. An error says why the
/// audit must read everything instead.
pub async fn changes_since(sdk: &SdkConfig, since_ms: u64, until_ms: u64) -> Result<(Changed, u64), LookupFailed> {
    let overlap = u64::try_from(DELIVERY_OVERLAP.as_millis()).unwrap_or(u64::MAX);
    let window = Window {
        client: aws_sdk_cloudtrail::Client::new(sdk),
        start: DateTime::from_millis(i64::try_from(since_ms.saturating_sub(overlap)).unwrap_or(0)),
        end: DateTime::from_millis(i64::try_from(until_ms).unwrap_or(i64::MAX)),
        pace: RateLimiter::direct(Quota::per_second(
            NonZeroU32::new(LOOKUPS_PER_SECOND).unwrap_or(NonZeroU32::MIN),
        )),
    };
    let mut calls = 0;
    let mut records = Records::default();
    let writes = window.lookup(
        LookupAttributeKey::ReadOnly,
        "false",
        Some(WRITE_PAGES),
        &mut records,
        &mut calls,
    );
    let complete = match writes.await {
        Ok(complete) => complete,
        Err(why) => return Err(LookupFailed { why, calls }),
    };
    if !complete {
        // A busy account: the names that matter, one lookup each.
        records = Records::default();
        let names: BTreeSet<&str> = crate::cloudtrail::EVENTS.iter().map(|e| e.name).collect();
        for name in names {
            let lookup = window.lookup(LookupAttributeKey::EventName, name, None, &mut records, &mut calls);
            if let Err(why) = lookup.await {
                return Err(LookupFailed { why, calls });
            }
        }
    }
    Ok((named_changes(records.kept.iter()), calls))
}

/// The look-back of one region.
struct Window {
    client: aws_sdk_cloudtrail::Client,
    start: DateTime,
    end: DateTime,
    pace: RateLimiter<governor::state::NotKeyed, governor::state::InMemoryState, governor::clock::DefaultClock>,
}

/// The records kept so far: API Gateway's and WAFv2's, each once.
#[derive(Default)]
struct Records {
    kept: Vec<serde_json::Value>,
    seen: HashSet<String>,
}

impl Window {
    /// Pages through the events whose `key` is `value` into `records`. Returns false when it
    /// stopped at `max_pages` with more to read.
    async fn lookup(
        &self,
        key: LookupAttributeKey,
        value: &str,
        max_pages: Option<u64>,
        records: &mut Records,
        calls: &mut u64,
    ) -> Result<bool, String> {
        let attribute = LookupAttribute::builder()
            .attribute_key(key)
            .attribute_value(value)
            .build()
            .map_err(|e| e.to_string())?;
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            if max_pages.is_some_and(|max| pages >= max) {
                return Ok(false);
            }
            self.pace.until_ready().await;
            *calls += 1;
            pages += 1;
            let page = self
                .client
                .lookup_events()
                .lookup_attributes(attribute.clone())
                .start_time(self.start)
                .end_time(self.end)
                .max_results(50)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|err| format!("cloudtrail:LookupEvents failed: {}", classify(&err).message))?;
            for event in page.events() {
                let relevant = event
                    .event_source()
                    .is_none_or(|source| crate::cloudtrail::Source::from_event_source(source).is_some());
                let (Some(text), true) = (event.cloud_trail_event(), relevant) else {
                    continue;
                };
                if event.event_id().is_some_and(|id| !records.seen.insert(id.to_string())) {
                    continue;
                }
                match serde_json::from_str::<serde_json::Value>(text) {
                    Ok(record) => records.kept.push(record),
                    Err(e) => {
                        return Err(format!(
                            "a CloudTrail event is not JSON ({e}): cannot tell what it changed"
                        ))
                    }
                }
            }
            if records.kept.len() > MAX_EVENTS {
                return Err(format!(
                    "more than {MAX_EVENTS} API Gateway and WAFv2 write events since the previous audit"
                ));
            }
            match page.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => return Ok(true),
            }
        }
    }
}
