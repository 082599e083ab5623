//! The one clock: milliseconds since the epoch, as states, CloudTrail look-ups, logs windows
//! and the sinks' timestamps take them.

/// Now, in milliseconds since the epoch (0 on a clock set before it).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Now, as CloudWatch Logs and the traffic window take times (signed milliseconds).
pub fn now_ms_signed() -> i64 {
    i64::try_from(now_ms()).unwrap_or(i64::MAX)
}
