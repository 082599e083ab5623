//! `make bench`: seeds N REST APIs into the emulator (two stages on one deployment each, a
//! usage plan per 10 APIs with two keys, a web ACL and IP set per 50, a custom domain and a
//! CloudFront distribution per 100),
//! audits them with no rate limit, and prints one JSON line: the calls by operation, and the
//! time API Gateway's quota would impose on them, as a floor and as the limiter takes it.
//! Usage: bench_economy N REGION. Refuses to run without AWS_ENDPOINT_URL.

#[path = "../tests/support/seed.rs"]
mod seed;
#[path = "../tests/support/traffic.rs"]
#[allow(dead_code)]
mod traffic;
#[path = "../tests/support/trail.rs"]
mod trail;

use aws_config::{BehaviorVersion, Region};
use futures::StreamExt;
use gatecheck::aws::rate_limit::{floor, simulate, API_GATEWAY_QUOTA};
use gatecheck::aws::{collect, CollectOptions, ServiceConfigs};
use gatecheck::model::Snapshot;
use gatecheck::state::Reuse;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The calls of other services than API Gateway, which have quotas of their own: WAF, STS,
/// CloudTrail, EC2 and CloudFront.
const OTHER_SERVICES: [&str; 7] = [
    "GetWebACL",
    "GetIPSet",
    "GetCallerIdentity",
    "LookupEvents",
    "DescribeVpcEndpoints",
    "ListDistributions",
    "GetOriginRequestPolicy",
];

/// API Gateway's own calls among a collection's.
fn api_gateway_calls(snapshot: &Snapshot) -> u64 {
    snapshot
        .api_calls
        .iter()
        .filter(|(op, _)| !OTHER_SERVICES.contains(&op.as_str()))
        .map(|(_, n)| n)
        .sum()
}

fn fingerprints(snapshot: &Snapshot) -> BTreeSet<String> {
    let report = gatecheck::audit::report(std::slice::from_ref(snapshot), Duration::ZERO);
    report.findings.iter().map(|f| f.fingerprint.to_string()).collect()
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(apis), Some(region)) = (args.get(1).and_then(|n| n.parse::<usize>().ok()), args.get(2)) else {
        eprintln!("usage: bench_economy N REGION");
        return std::process::ExitCode::from(2);
    };
    if std::env::var("AWS_ENDPOINT_URL").map_or(true, |v| v.is_empty()) {
        eprintln!("bench_economy: set AWS_ENDPOINT_URL to the emulator; it never seeds a real account");
        return std::process::ExitCode::from(2);
    }
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.clone()))
        .load()
        .await;
    match run(&sdk, apis).await {
        Ok(line) => {
            println!("{line}");
            std::process::ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("bench_economy: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(sdk: &aws_config::SdkConfig, apis: usize) -> seed::Result<serde_json::Value> {
    // Console-shaped: every method's integration response has an empty mapping template,
    // which API Gateway returns as null, as on most real accounts.
    let s = seed::Seeder::from_sdk_config(sdk).console_shaped();
    let seeding = Instant::now();
    let seeded: Vec<seed::Result<seed::Api>> = futures::stream::iter(0..apis)
        .map(|i| {
            let s = &s;
            async move {
                let mut api = s.api(&format!("bench-{i:05}")).await?;
                s.keyed(&mut api, "/orders", "GET").await?;
                s.keyed(&mut api, "/orders/{id}", "GET").await?;
                let deployment = s.deploy(&api, "prod").await?;
                s.stage_on(&api, &deployment, "staging").await?;
                Ok(api)
            }
        })
        .buffered(8)
        .collect()
        .await;
    let apis_seeded = seeded.into_iter().collect::<seed::Result<Vec<_>>>()?;
    for (p, chunk) in apis_seeded.chunks(10).enumerate() {
        let a = s
            .key(
                &format!("bench-key-{p}-a"),
                true,
                &format!("benchKeyValue{p:08}a000000000"),
            )
            .await?;
        let b = s
            .key(
                &format!("bench-key-{p}-b"),
                p % 7 != 0,
                &format!("benchKeyValue{p:08}b000000000"),
            )
            .await?;
        let stages: Vec<(&seed::Api, &str)> = chunk.iter().flat_map(|api| [(api, "prod"), (api, "staging")]).collect();
        s.plan(&format!("bench-plan-{p}"), &stages, &[&a, &b]).await?;
    }
    for (w, chunk) in apis_seeded.chunks(50).enumerate() {
        let office: Vec<String> = (0..20).map(|i| format!("198.51.{w}.{i}/32")).collect();
        let office: Vec<&str> = office.iter().map(String::as_str).collect();
        let set = s.ip_set(&format!("bench-office-{w}"), &office).await?;
        let acl = s
            .web_acl(
                &format!("bench-acl-{w}"),
                w % 2 == 0,
                &[("office", seed::WafRuleAction::Allow, &set)],
                (&chunk[0], "prod"),
            )
            .await?;
        for api in chunk.iter().step_by(4).skip(1) {
            s.associate(&acl, api, "prod").await?;
            s.associate(&acl, api, "staging").await?;
        }
    }
    for (d, chunk) in apis_seeded.chunks(100).enumerate() {
        let mappings: Vec<(String, &str)> = chunk
            .iter()
            .take(5)
            .enumerate()
            .map(|(i, api)| (format!("v{i}"), api.id.as_str()))
            .collect();
        let mappings: Vec<(&str, &str, Option<&str>)> =
            mappings.iter().map(|(b, id)| (b.as_str(), *id, Some("prod"))).collect();
        s.domain(&format!("bench{d}.example.com"), &mappings).await?;
        // A CloudFront distribution in front of the first API: read once per account, not per API.
        s.cloudfront_in_front(
            &chunk[0],
            "prod",
            &format!("cdn{d}.example.com"),
            seed::Forwarding::Policy(seed::MANAGED_ALL_VIEWER_EXCEPT_HOST),
        )
        .await?;
    }
    let seeding = seeding.elapsed();

    let started = Instant::now();
    let configs = ServiceConfigs::from_sdk_config(sdk).with_rate_limits(None);
    let snapshot = collect(&configs, &CollectOptions::default()).await?;
    let wall = started.elapsed();
    let calls = &snapshot.api_calls;
    let api_gateway = api_gateway_calls(&snapshot);
    let light = quota_light(sdk, &configs, &snapshot, &apis_seeded).await?;
    let get_resources = calls.get("GetResources").copied().unwrap_or(0);
    let stages: usize = snapshot.rest_apis.iter().map(|a| a.stages.len()).sum();
    let deployments: usize = snapshot.rest_apis.iter().map(|a| a.deployments.len()).sum();
    let per_api: u64 = ["GetResources", "GetStages", "GetAuthorizers", "GetGatewayResponses"]
        .iter()
        .map(|op| calls.get(*op).copied().unwrap_or(0))
        .sum();
    Ok(serde_json::json!({
        "apis": snapshot.rest_apis.len(),
        "stages": stages,
        "deployments": deployments,
        "usage_plans": snapshot.usage_plans.len(),
        "web_acls": snapshot.web_acls.len(),
        "ip_sets": snapshot.ip_sets.len(),
        "domains": snapshot.domain_names.len(),
        "gaps": snapshot.gaps.len(),
        "calls": calls,
        "total_calls": snapshot.total_api_calls(),
        "api_gateway_calls": api_gateway,
        "per_api_calls": per_api as f64 / apis.max(1) as f64,
        "deployment_calls": calls.get("GetDeployment").copied().unwrap_or(0),
        "floor_s": floor(API_GATEWAY_QUOTA, api_gateway, get_resources).as_secs_f64(),
        "limiter_s": simulate(API_GATEWAY_QUOTA, api_gateway, get_resources).as_secs_f64(),
        "emulator_wall_s": wall.as_secs_f64(),
        "seeding_s": seeding.as_secs_f64(),
        "light": light,
    }))
}

/// Scheduled audits with a stored state an hour old (what the full audit just read, with its
/// read times put back an hour), on an hourly schedule with a 24 h full refresh: one where
/// nothing changed since, and one after 5 APIs got a new stage no plan lists. Each is set
/// beside a full audit of the same account; the findings must be the same.
async fn quota_light(
    sdk: &aws_config::SdkConfig,
    configs: &ServiceConfigs,
    full: &Snapshot,
    apis: &[seed::Api],
) -> seed::Result<serde_json::Value> {
    const HOUR_MS: u64 = 3_600_000;
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
    // The seeding lies before the previous audit's look-back.
    let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
    trail::age_trail(&endpoint, &region, 3 * 3_600);
    let mut stored = full.clone();
    let earlier = |at: &mut Option<u64>| *at = at.map(|t| t.saturating_sub(HOUR_MS));
    stored.rest_apis.iter_mut().for_each(|a| earlier(&mut a.read_at_ms));
    stored.usage_plans.iter_mut().for_each(|p| earlier(&mut p.read_at_ms));
    stored.domain_names.iter_mut().for_each(|d| earlier(&mut d.read_at_ms));
    stored.web_acls.iter_mut().for_each(|a| earlier(&mut a.read_at_ms));
    let full_refresh = Duration::from_secs(24 * 3_600);
    let slice = |n: usize| (n as u64 * HOUR_MS).div_ceil(full_refresh.as_millis() as u64);
    let rotating_calls =
        4 * slice(stored.rest_apis.len()) + slice(stored.usage_plans.len()) + slice(stored.domain_names.len());

    let light = |stored: Snapshot| async move {
        let now_ms = gatecheck::clock::now_ms();
        let previous_ms = now_ms - HOUR_MS;
        let (changed, lookups) = gatecheck::aws::cloudtrail::changes_since(sdk, previous_ms, now_ms)
            .await
            .map_err(|e| format!("CloudTrail: {}", e.why))?;
        let apis_changed = changed.apis.len();
        let reuse = Arc::new(Reuse {
            stored,
            changed,
            now_ms,
            previous_ms,
            full_refresh,
        });
        let options = CollectOptions {
            reuse: Some(reuse.clone()),
            ..CollectOptions::default()
        };
        let started = Instant::now();
        let snapshot = collect(configs, &options).await?;
        let wall = started.elapsed();
        let reads = gatecheck::state::read_summary(&snapshot, &reuse);
        seed::Result::Ok((snapshot, wall, lookups, apis_changed, reads))
    };
    let figures = |snapshot: &Snapshot,
                   wall: Duration,
                   lookups: u64,
                   changed: usize,
                   reads: &gatecheck::report::ReadSummary,
                   full: &Snapshot| {
        let calls = api_gateway_calls(snapshot);
        let get_resources = snapshot.api_calls.get("GetResources").copied().unwrap_or(0);
        let target = 40 + 4 * changed as u64 + rotating_calls;
        serde_json::json!({
            "api_gateway_calls": calls,
            "lookup_events_calls": lookups,
            "apis_changed": changed,
            "apis_read": reads.apis_read,
            "target_calls": target,
            "rotating_calls": rotating_calls,
            "floor_s": floor(API_GATEWAY_QUOTA, calls, get_resources).as_secs_f64(),
            "emulator_wall_s": wall.as_secs_f64(),
            "same_findings_as_full": fingerprints(snapshot) == fingerprints(full),
            "full_api_gateway_calls": api_gateway_calls(full),
            "full_floor_s": floor(
                API_GATEWAY_QUOTA,
                api_gateway_calls(full),
                full.api_calls.get("GetResources").copied().unwrap_or(0)
            )
            .as_secs_f64(),
        })
    };
    let (unchanged, wall, lookups, changed, reads) = light(stored.clone()).await?;
    let steady = figures(&unchanged, wall, lookups, changed, &reads, full);

    // Five APIs get a new stage on a new deployment, which no plan lists (GC301 there).
    let s = seed::Seeder::from_sdk_config(sdk);
    for api in apis.iter().step_by((apis.len() / 5).max(1)).take(5) {
        s.deploy(api, "beta").await?;
    }
    let full_after = collect(configs, &CollectOptions::default()).await?;
    let (after, wall, lookups, changed, reads) = light(stored.clone()).await?;
    let five = figures(&after, wall, lookups, changed, &reads, &full_after);

    // The same five changes in a busy account: 20,000 writes of other services in the window.
    let account = aws_sdk_sts::Client::new(sdk)
        .get_caller_identity()
        .send()
        .await?
        .account()
        .unwrap_or_default()
        .to_string();
    trail::other_writes(&endpoint, &account, &region, 20_000);
    let (busy_after, wall, lookups, changed, reads) = light(stored.clone()).await?;
    let busy = figures(&busy_after, wall, lookups, changed, &reads, &full_after);
    // What S3 keeps per account-region, and what the function then holds in memory twice.
    let state_bytes = serde_json::to_vec(&after).map_or(0, |bytes| bytes.len());
    Ok(
        serde_json::json!({"unchanged": steady, "five_changed": five, "five_changed_busy": busy, "state_bytes": state_bytes}),
    )
}
