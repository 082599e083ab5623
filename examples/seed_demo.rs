//! Seeds an emulated account with broken and healthy REST APIs for `make demo`.
//! Reads the standard AWS settings; point AWS_ENDPOINT_URL at the emulator. Refuses to run
//! without an endpoint override, so it never writes to a real account.

#[path = "../tests/scenarios/mod.rs"]
mod scenarios;
#[path = "../tests/support/seed.rs"]
mod seed;
#[path = "../tests/support/traffic.rs"]
#[allow(dead_code)]
mod traffic;

use aws_config::BehaviorVersion;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    if std::env::var("AWS_ENDPOINT_URL").map_or(true, |v| v.is_empty()) {
        eprintln!("seed_demo: set AWS_ENDPOINT_URL to the emulator; it never seeds a real account");
        return std::process::ExitCode::from(2);
    }
    let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let seeder = seed::Seeder::from_sdk_config(&sdk);
    let seeded = match scenarios::seed_demo_account(&seeder).await {
        Ok(expectations) => seed_traffic(&sdk, &seeder, &expectations)
            .await
            .map(|t| (expectations, t)),
        Err(err) => Err(err),
    };
    match seeded {
        Ok((expectations, traffic)) => {
            println!("  {:<36} {:<12} expected findings", "REST API", "id");
            for e in expectations {
                let expected = match (e.checks.is_empty(), e.suppressed.is_empty()) {
                    (true, true) => "none (healthy control)".to_string(),
                    (true, false) => format!("none; {} suppressed by tag", e.suppressed.join(", ")),
                    _ => e.checks.join(", "),
                };
                println!("  {:<36} {:<12} {expected}", e.api_name, e.api_id);
            }
            println!("  and account-wide: GC602 (no CloudWatch role for API Gateway)");
            println!(
                "  and the last hour's logs: orders-no-usage-plan refused {} calls (execution log); \
                 admin-waf-default-block blocked {} by WAF, refused {} without a key and served {} (JSON access log)",
                traffic.orders_refused, traffic.admin_waf_blocked, traffic.admin_missing_key, traffic.admin_served
            );
            std::process::ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("seed_demo: seeding failed: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The last hour's refusals of two demo stages, in CloudWatch Logs.
async fn seed_traffic(
    sdk: &aws_config::SdkConfig,
    seeder: &seed::Seeder,
    expectations: &[scenarios::Expectation],
) -> seed::Result<traffic::DemoTraffic> {
    let id_of = |name: &str| {
        expectations
            .iter()
            .find(|e| e.api_name == name)
            .map(|e| e.api_id.clone())
            .ok_or(format!("the demo has no API {name}"))
    };
    let key_id = seeder.key_id_named("demo-enabled-key").await?;
    traffic::seed_demo_traffic(
        &aws_sdk_cloudwatchlogs::Client::new(sdk),
        &id_of("orders-no-usage-plan")?,
        &seed::Seeder::access_log_group("admin-waf-default-block"),
        &key_id,
        scenarios::DEMO_KEY_VALUES[0],
    )
    .await
}
