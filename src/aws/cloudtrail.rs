//! What changed since the previous audit, from CloudTrail's 90-day management event history
//! (`cloudtrail:LookupEvents`), for quota-light scheduled audits.
//!
//! The lookup asks for write events (`ReadOnly=false`) and keeps API Gateway's and WAFv2's.
//! Looking up by event source instead would return every read as well: the previous audit's
//! own hundreds of GET calls, and every other tool's, in pages of 50 at 2 requests a second.

use super::errors::classify;
use crate::state::{named_changes, Changed};
use aws_config::SdkConfig;
use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use aws_smithy_types::DateTime;
use std::time::Duration;

/// CloudTrail delivers an event about 5 minutes after the call on average, with no
/// guarantee: each lookup starts this much before the previous audit, so a change made just
/// before it, and not yet in its view, is not missed.
pub const DELIVERY_OVERLAP: Duration = Duration::from_secs(15 * 60);

/// More write events than this since the previous audit, and reading everything costs less
/// than paging through them.
pub const MAX_EVENTS: usize = 5_000;

/// The changes to API Gateway and WAFv2 in `sdk`'s region between `since_ms` (less the
/// overlap) and `until_ms`, with the number of LookupEvents calls made. An error says why the
/// audit must read everything instead.
pub async fn changes_since(sdk: &SdkConfig, since_ms: u64, until_ms: u64) -> Result<(Changed, u64), String> {
    let client = aws_sdk_cloudtrail::Client::new(sdk);
    let overlap = u64::try_from(DELIVERY_OVERLAP.as_millis()).unwrap_or(u64::MAX);
    let start = DateTime::from_millis(i64::try_from(since_ms.saturating_sub(overlap)).unwrap_or(0));
    let end = DateTime::from_millis(i64::try_from(until_ms).unwrap_or(i64::MAX));
    let attribute = LookupAttribute::builder()
        .attribute_key(LookupAttributeKey::ReadOnly)
        .attribute_value("false")
        .build()
        .map_err(|e| e.to_string())?;
    let mut pages = client
        .lookup_events()
        .lookup_attributes(attribute)
        .start_time(start)
        .end_time(end)
        .max_results(50)
        .into_paginator()
        .send();
    let mut records = Vec::new();
    let mut calls = 0;
    while let Some(page) = pages.next().await {
        calls += 1;
        let page = page.map_err(|err| format!("cloudtrail:LookupEvents failed: {}", classify(&err).message))?;
        for event in page.events() {
            let Some(text) = event.cloud_trail_event() else {
                continue;
            };
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(record) => records.push(record),
                Err(e) => {
                    return Err(format!(
                        "a CloudTrail event is not JSON ({e}): cannot tell what it changed"
                    ))
                }
            }
        }
        if records.len() > MAX_EVENTS {
            return Err(format!("more than {MAX_EVENTS} write events since the previous audit"));
        }
    }
    Ok((named_changes(records.iter()), calls))
}
