//! Several accounts and regions in one run, through moto: STS AssumeRole into another account
//! id gives credentials that moto maps to that account, and the `x-moto-account-id` header
//! seeds it. Each account-region is seeded differently, so a finding in the wrong place shows.

mod support;

use serde_json::Value;
use support::bin::{moto_env, run_with};
use support::fault_proxy::{self, Fault, Rule};
use support::seed::Seeder;
use support::traffic::{now_ms, put_lines, JsonRequest, JSON_ACCESS_LOG_FORMAT};
use support::TestAccount;

const A: &str = "111111111111";
const B: &str = "222222222222";
/// Its role cannot be assumed.
const C: &str = "333333333333";
const WEST: &str = "us-west-1";
const CENTRAL: &str = "eu-central-1";

fn role(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/gatecheck-member")
}

struct Seeded {
    a_west: String,
    a_central: String,
    b_west: String,
}

async fn seed() -> &'static Seeded {
    static SEEDED: tokio::sync::OnceCell<Seeded> = tokio::sync::OnceCell::const_new();
    SEEDED
        .get_or_init(|| async {
            use aws_sdk_apigateway::types::{ApiKeySourceType, EndpointType};
            let account_a = TestAccount::new(A, WEST);
            let s = account_a.seeder();
            let mut a_west = s.api("a-west-no-usage-plan").await.expect("api");
            s.keyed(&mut a_west, "/orders", "GET").await.expect("method");
            s.deploy(&a_west, "prod").await.expect("deploy");
            // Its access log, in account A, holds three refusals for want of a plan.
            s.access_log(&a_west, "prod", JSON_ACCESS_LOG_FORMAT)
                .await
                .expect("access log");
            let lines = (0..3)
                .map(|i| {
                    (
                        now_ms() - 60_000 * (i + 1),
                        JsonRequest::without_key(format!("a-{i}"), "/orders").line(),
                    )
                })
                .collect();
            put_lines(
                &account_a.logs,
                &Seeder::access_log_group("a-west-no-usage-plan"),
                lines,
            )
            .await
            .expect("lines");

            let s = TestAccount::new(A, CENTRAL).seeder();
            let mut a_central = s
                .api_full("a-central-private", EndpointType::Private, None, false)
                .await
                .expect("api");
            s.method(&mut a_central, "/jobs", "GET", false, "NONE", None)
                .await
                .expect("method");
            s.deploy(&a_central, "prod").await.expect("deploy");

            let s = TestAccount::new(B, WEST).seeder();
            let mut b_west = s
                .api_with("b-west-authorizer-source", ApiKeySourceType::Authorizer, &[])
                .await
                .expect("api");
            s.keyed(&mut b_west, "/reports", "GET").await.expect("method");
            s.deploy(&b_west, "prod").await.expect("deploy");
            let key = s.key("b-key", true, "accountsTestKeyValue00000001").await.expect("key");
            s.plan("b-plan", &[(&b_west, "prod")], &[&key]).await.expect("plan");
            // B has nothing in eu-central-1.
            Seeded {
                a_west: a_west.id,
                a_central: a_central.id,
                b_west: b_west.id,
            }
        })
        .await
}

/// (check, account, region, api) of each finding.
fn places(report: &Value) -> Vec<[String; 4]> {
    support::places(report, ["check", "account", "region", "api_id"])
}

fn place(check: &str, account: &str, region: &str, api: &str) -> [String; 4] {
    support::place([check, account, region, api])
}

/// moto lets any role be assumed; this proxy refuses C's, as AWS refuses an untrusted caller.
fn refusing_c() -> fault_proxy::FaultProxy {
    fault_proxy::start(
        &support::moto().endpoint,
        vec![Rule::always(
            &format!("body:RoleArn=arn%3Aaws%3Aiam%3A%3A{C}"),
            Fault::Deny,
        )],
    )
}

#[tokio::test]
async fn two_accounts_two_regions_attributed_and_an_unassumable_role_is_its_own_gc900() {
    let seeded = seed().await;
    let proxy = refusing_c();
    let mut env = moto_env();
    env.retain(|(k, _)| *k != "AWS_ENDPOINT_URL");
    env.push(("AWS_ENDPOINT_URL", proxy.endpoint.clone()));
    let (ra, rb, rc) = (role(A), role(B), role(C));
    let run = run_with(
        &[
            "audit",
            "--role-arn",
            &ra,
            "--role-arn",
            &rb,
            "--role-arn",
            &rc,
            "--region",
            WEST,
            "--region",
            CENTRAL,
            "--format",
            "json",
        ],
        &env,
    );
    assert_eq!(run.code, 1, "critical findings: {}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("json");
    let gc900_c = |region: &str| place("GC900", C, region, "-");
    assert_eq!(
        places(&report),
        [
            place("GC102", A, CENTRAL, &seeded.a_central),
            place("GC301", A, WEST, &seeded.a_west),
            place("GC304", B, WEST, &seeded.b_west),
            gc900_c(CENTRAL),
            gc900_c(WEST),
        ]
    );
    let gc900 = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "GC900")
        .unwrap();
    let detail = gc900["detail"].as_str().unwrap();
    assert!(
        detail.contains("sts:AssumeRole") && detail.contains(&rc) && detail.contains("access denied"),
        "{detail}"
    );
    let accounts: Vec<&str> = report["summary"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(accounts, [A, B, C]);
    assert!(proxy.stats.injected_total() >= 1);
    // The role session carries gatecheck's name, for CloudTrail.
    assert!(!run.stdout.contains("accountsTestKeyValue"));
}

/// --evidence in a fan-out: each account's logs are read through the role used to audit it.
#[tokio::test]
async fn evidence_is_read_in_each_account_through_its_role() {
    let seeded = seed().await;
    let (ra, rb) = (role(A), role(B));
    let args = [
        "audit",
        "--role-arn",
        &ra,
        "--role-arn",
        &rb,
        "--region",
        WEST,
        "--evidence",
        "1h",
        "--format",
        "json",
    ];
    let run = run_with(&args, &moto_env());
    let report: Value = serde_json::from_str(&run.stdout).expect("json");
    let finding = |check: &str, api: &str| {
        report["findings"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["check"] == check && f["api_id"] == api))
            .cloned()
            .unwrap_or_else(|| panic!("{check} on {api}"))
    };
    assert_eq!(finding("GC301", &seeded.a_west)["evidence"]["refused_requests"], 3);
    // B's stage keeps no logs: a note, and no count borrowed from A.
    assert_eq!(finding("GC304", &seeded.b_west).get("evidence"), None);
    let notes = report["summary"]["evidence"]["notes"].to_string();
    assert!(notes.contains(&seeded.b_west), "{notes}");
}

#[tokio::test]
async fn every_enabled_region_of_an_account() {
    let seeded = seed().await;
    // moto has no account:ListRegions: the proxy answers it in AWS's wire shape.
    let regions = format!(
        r#"{{"Regions":[{{"RegionName":"{WEST}","RegionOptStatus":"ENABLED_BY_DEFAULT"}},{{"RegionName":"{CENTRAL}","RegionOptStatus":"ENABLED"}}]}}"#
    );
    let proxy = fault_proxy::start(
        &support::moto().endpoint,
        vec![Rule::always("POST /listRegions", Fault::Canned(regions))],
    );
    let mut env = moto_env();
    env.retain(|(k, _)| *k != "AWS_ENDPOINT_URL");
    env.push(("AWS_ENDPOINT_URL", proxy.endpoint.clone()));
    env.push(("AWS_REGION", WEST.into()));
    let ra = role(A);
    let run = run_with(&["audit", "--role-arn", &ra, "--all-regions", "--format", "json"], &env);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(
        places(&report),
        [
            place("GC102", A, CENTRAL, &seeded.a_central),
            place("GC301", A, WEST, &seeded.a_west)
        ]
    );
    assert_eq!(proxy.stats.injected_total(), 1, "one ListRegions for the one account");
}

#[tokio::test]
async fn every_account_of_the_organization() {
    let seeded = seed().await;
    let sdk = support::sdk_config(&support::moto().endpoint, WEST);
    let org = aws_sdk_organizations::Client::new(&sdk);
    // The organization of moto's default account; accounts it creates get new ids.
    let _ = org
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await;
    let created = org
        .create_account()
        .account_name("member")
        .email("member@example.com")
        .send()
        .await
        .expect("account");
    let member = created
        .create_account_status()
        .and_then(|s| s.account_id())
        .expect("an id")
        .to_string();
    let s = TestAccount::new(&member, WEST).seeder();
    let mut api = s.api("member-no-usage-plan").await.expect("api");
    s.keyed(&mut api, "/a", "GET").await.expect("method");
    s.deploy(&api, "prod").await.expect("deploy");

    let mut env = moto_env();
    env.push(("AWS_REGION", WEST.into()));
    let run = run_with(&["audit", "--org-role", "gatecheck-member", "--format", "json"], &env);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("json");
    let found = places(&report);
    assert!(found.contains(&place("GC301", &member, WEST, &api.id)), "{found:?}");
    // The organization's accounts only: A and B are not in it, so nothing of theirs appears.
    assert!(
        found.iter().all(|p| p[3] != seeded.a_west && p[3] != seeded.b_west),
        "{found:?}"
    );
    let accounts = report["summary"]["accounts"].as_array().unwrap();
    assert!(accounts.iter().any(|a| a == member.as_str()), "{accounts:?}");
}

/// The function's fan-out, in-process: the Map's items, each item's counts, the one summary
/// message, and the same accounts in a single scheduled invocation.
#[tokio::test]
async fn the_function_fans_out_and_aggregates() {
    use gatecheck::lambda::{Function, Settings};
    let seeded = seed().await;
    let proxy = refusing_c();
    let sdk = support::sdk_config(&proxy.endpoint, WEST);
    let topic = support::topic(&sdk, "gatecheck-fanout").await;
    let roles = [role(A), role(B), role(C)].join(",");
    let regions = format!("{WEST},{CENTRAL}");
    let settings = Settings::from_lookup(|name| match name {
        "GATECHECK_REGIONS" => Some(regions.clone()),
        "GATECHECK_ROLE_ARNS" => Some(roles.clone()),
        "GATECHECK_TOPIC_ARN" => Some(topic.clone()),
        "GATECHECK_MAX_RPS" => Some("100".into()),
        _ => None,
    })
    .expect("settings");
    let function = Function::with_sdk_config(settings, sdk);

    let listed = function
        .handle(serde_json::json!({"listTargets": true}))
        .await
        .expect("targets");
    let items = listed["targets"].as_array().expect("a list").clone();
    assert_eq!(items.len(), 6, "3 accounts × 2 regions: {listed}");

    let mut results = Vec::new();
    for item in &items {
        results.push(function.handle(item.clone()).await.expect("an item's counts"));
    }
    let counts = |account: &str, region: &str| {
        results
            .iter()
            .find(|r| r["account"] == account && r["region"] == region)
            .unwrap_or_else(|| panic!("{account} {region}: {results:?}"))
            .clone()
    };
    assert_eq!(counts(A, WEST)["checks"]["GC301"], 1);
    assert_eq!(counts(A, CENTRAL)["checks"]["GC102"], 1);
    assert_eq!(counts(B, WEST)["checks"]["GC304"], 1);
    assert!(counts(B, CENTRAL)["checks"].get("GC301").is_none());
    assert_eq!(
        counts(C, WEST)["checks"]["GC900"],
        1,
        "C's role is refused: a GC900 there only"
    );
    assert!(results
        .iter()
        .filter(|r| r["account"] != C)
        .all(|r| r["checks"].get("GC900").is_none()));

    let summary = function
        .handle(serde_json::json!({ "aggregate": results }))
        .await
        .expect("the summary");
    assert_eq!(summary["account_regions"], 6);
    assert!(summary["published_message_id"].is_string(), "{summary}");

    // The same accounts in one scheduled invocation, in parallel.
    let event = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/events/scheduled.json")).expect("event");
    let response = function
        .handle(serde_json::from_str(&event).expect("json"))
        .await
        .expect("report");
    let found = places(&response);
    for expected in [
        place("GC102", A, CENTRAL, &seeded.a_central),
        place("GC301", A, WEST, &seeded.a_west),
        place("GC304", B, WEST, &seeded.b_west),
    ] {
        assert!(found.contains(&expected), "{expected:?} in {found:?}");
    }
    assert!(found.iter().filter(|p| p[0] == "GC900").all(|p| p[1] == C), "{found:?}");
}
