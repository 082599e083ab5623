//! `make bench`: the check engine's peak memory on a synthetic snapshot of N REST APIs, as
//! one JSON line (peak resident set from /proc/self/status, the snapshot included): the
//! snapshot is built, then audited into a report once, as the CLI and the function do.
//! Usage: bench_memory N

#[path = "../bench/synthetic.rs"]
mod synthetic;

use std::time::{Duration, Instant};

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> std::process::ExitCode {
    let Some(apis) = std::env::args().nth(1).and_then(|n| n.parse::<usize>().ok()) else {
        eprintln!("usage: bench_memory N");
        return std::process::ExitCode::from(2);
    };
    let before = status_kib("VmRSS:").unwrap_or(0);
    let snapshot = synthetic::snapshot(apis);
    let built = status_kib("VmRSS:").unwrap_or(0);
    // What an audit does with a snapshot: evaluate it into a report, once.
    let started = Instant::now();
    let report = gatecheck::audit::report(std::slice::from_ref(&snapshot), Duration::ZERO);
    let once = started.elapsed();
    let peak = status_kib("VmHWM:").unwrap_or(0);
    println!(
        "{}",
        serde_json::json!({
            "apis": apis,
            "findings": report.findings.len(),
            "report_once_ms": once.as_secs_f64() * 1000.0,
            "rss_start_mb": before as f64 / 1024.0,
            "rss_with_snapshot_mb": built as f64 / 1024.0,
            "peak_rss_mb": peak as f64 / 1024.0,
        })
    );
    std::process::ExitCode::SUCCESS
}
