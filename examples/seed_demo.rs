//! Seeds an emulated account with broken and healthy REST APIs for `make demo`.
//! Reads the standard AWS settings; point AWS_ENDPOINT_URL at the emulator. Refuses to run
//! without an endpoint override, so it never writes to a real account.

#[path = "../tests/support/seed.rs"]
mod seed;

use aws_config::BehaviorVersion;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    if std::env::var("AWS_ENDPOINT_URL").map_or(true, |v| v.is_empty()) {
        eprintln!("seed_demo: set AWS_ENDPOINT_URL to the emulator; it never seeds a real account");
        return std::process::ExitCode::from(2);
    }
    let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let seeder = seed::Seeder::from_sdk_config(&sdk);
    match seed::seed_demo_account(&seeder).await {
        Ok(expectations) => {
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
            std::process::ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("seed_demo: seeding failed: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
