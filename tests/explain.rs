//! `gatecheck explain` against a seeded moto account: one request per cause of 403 in the
//! question that started the project, plus healthy controls. The binary runs as a user
//! runs it; each case asserts the first failing gate, its check id and the exit code.

mod support;

use serde_json::Value;
use std::collections::HashMap;
use support::bin::{assert_one_line_error, moto_env, run_with, Run};
use support::scenarios::DEMO_KEY_VALUES;
use support::TestAccount;

/// Its own region of moto's default account (the CLI sends no account header).
const REGION: &str = "ap-northeast-2";
const DEFAULT_ACCOUNT: &str = "123456789012";

struct Seeded {
    api: HashMap<String, String>,
    key: HashMap<String, String>,
}

async fn seed() -> &'static Seeded {
    static SEEDED: tokio::sync::OnceCell<Seeded> = tokio::sync::OnceCell::const_new();
    SEEDED
        .get_or_init(|| async {
            let account = TestAccount::new(DEFAULT_ACCOUNT, REGION);
            let s = account.seeder();
            let expectations = support::scenarios::seed_demo_account(&s).await.expect("seed");
            let keys = s.client.get_api_keys().send().await.expect("keys");
            Seeded {
                api: expectations
                    .iter()
                    .map(|e| (e.api_name.clone(), e.api_id.clone()))
                    .collect(),
                key: keys
                    .items()
                    .iter()
                    .map(|k| {
                        (
                            k.name().unwrap_or_default().to_string(),
                            k.id().unwrap_or_default().to_string(),
                        )
                    })
                    .collect(),
            }
        })
        .await
}

fn url(api: &str, path: &str) -> String {
    format!("https://{api}.execute-api.{REGION}.amazonaws.com{path}")
}

fn explain(args: &[&str]) -> (Run, Value) {
    let mut all = vec!["explain", "--format", "json"];
    all.extend_from_slice(args);
    let run = run_with(&all, &moto_env());
    support::assert_no_key_values("explain's stdout", &run.stdout);
    support::assert_no_key_values("explain's stderr", &run.stderr);
    let json = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
    (run, json)
}

/// Asserts the verdict, the first failing step and check, and the exit code.
fn assert_refused(args: &[&str], step: &str, check: Option<&str>) -> Value {
    let (run, json) = explain(args);
    assert_eq!(run.code, 1, "{args:?}: {}{}", run.stdout, run.stderr);
    assert_eq!(json["verdict"], "forbidden", "{args:?}");
    assert_eq!(json["first_failure"]["step"], step, "{args:?}: {}", run.stdout);
    assert_eq!(
        json["first_failure"]["check"],
        check.map_or(Value::Null, Value::from),
        "{args:?}: {}",
        run.stdout
    );
    assert!(!json["first_failure"]["fix"].as_str().unwrap_or_default().is_empty());
    json
}

fn assert_allowed(args: &[&str]) {
    let (run, json) = explain(args);
    assert_eq!(run.code, 0, "{args:?}: {}{}", run.stdout, run.stderr);
    assert_eq!(json["verdict"], "allowed", "{args:?}: {}", run.stdout);
    // Through a VPC endpoint, the endpoint's own policy is one step more.
    let through_endpoint = args.first().is_some_and(|url| url.contains(".vpce.amazonaws.com"));
    let steps = if through_endpoint { 10 } else { 9 };
    assert_eq!(json["steps"].as_array().map(Vec::len), Some(steps), "{}", run.stdout);
}

#[tokio::test]
async fn each_seeded_cause_is_named_at_its_gate() {
    let s = seed().await;
    let key = DEMO_KEY_VALUES[0];
    let header = format!("x-api-key: {key}");
    let enabled = s.key["demo-enabled-key"].as_str();
    let disabled = s.key["demo-disabled-key"].as_str();
    let get = |name: &str, path: &str| url(&s.api[name], path);

    let cases: Vec<(Vec<String>, &str, Option<&str>)> = vec![
        (
            vec![get("orders-no-usage-plan", "/prod/orders")],
            "api_key",
            Some("GC301"),
        ),
        (
            vec![get("billing-plan-without-keys", "/prod/invoices")],
            "api_key",
            Some("GC302"),
        ),
        (
            vec![
                get("payments-disabled-key", "/prod/payments"),
                "-X".into(),
                "POST".into(),
                "--key-id".into(),
                disabled.into(),
            ],
            "api_key",
            Some("GC303"),
        ),
        (
            vec![get("reports-authorizer-source", "/prod/reports")],
            "api_key",
            Some("GC304"),
        ),
        (
            vec![get("legacy-endpoint-disabled", "/prod/legacy")],
            "endpoint",
            Some("GC101"),
        ),
        (
            // The stage serves what was deployed: the method still wants a key.
            vec![get("profile-undeployed-change", "/prod/me")],
            "api_key",
            None,
        ),
        (
            vec![
                get("partners-ip-allowlist", "/prod/partners"),
                "--source-ip".into(),
                "192.0.2.1".into(),
            ],
            "resource_policy",
            Some("GC103"),
        ),
        (
            vec![
                get("admin-waf-default-block", "/prod/admin"),
                "--source-ip".into(),
                "192.0.2.1".into(),
            ],
            "waf",
            Some("GC201"),
        ),
        (
            vec![
                get("storefront-waf-blocklist", "/prod/cart"),
                "--source-ip".into(),
                "192.0.2.7".into(),
            ],
            "waf",
            Some("GC202"),
        ),
        (vec![get("shipping-stale-stage", "/v1/parcels")], "stage", None),
    ];
    for (mut args, step, check) in cases {
        // Every request carries the enabled key unless the case says otherwise.
        if args[0].contains("/prod/me") {
            // The console says no key is needed; the stage still serves the keyed method.
        } else {
            args.extend(["-H".into(), header.clone()]);
            if !args.iter().any(|a| a == "--key-id") {
                args.extend(["--key-id".into(), enabled.into()]);
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_refused(&args, step, check);
    }

    // A browser's preflight carries no key.
    let preflight = get("catalog-cors-preflight", "/prod/products");
    assert_refused(
        &[&preflight, "-X", "OPTIONS", "-H", "Origin: https://shop.example.com"],
        "api_key",
        Some("GC305"),
    );

    // A private API without a policy, called through a VPC endpoint as AWS documents.
    let vpce = format!("https://vpce-0123456789abcdef0-abcd.execute-api.{REGION}.vpce.amazonaws.com/prod/jobs");
    let api_header = format!("x-apigw-api-id: {}", s.api["internal-private-no-policy"]);
    assert_refused(&[&vpce, "-H", &api_header, "-H", &header], "private", Some("GC102"));

    // The custom domain still maps a deleted stage.
    assert_refused(
        &[
            "https://shipping.example.com/parcels/parcels",
            "--region",
            REGION,
            "-H",
            &header,
        ],
        "stage",
        Some("GC501"),
    );

    // The seeded execute-api endpoints, read back as gatecheck reads them (EC2's ids are moto's).
    let account = TestAccount::new(DEFAULT_ACCOUNT, REGION);
    let ec2 = aws_sdk_ec2::Client::from_conf(account.configs.ec2.clone());
    let endpoints = ec2.describe_vpc_endpoints().send().await.expect("endpoints");
    let endpoint = |private_dns: bool| {
        endpoints
            .vpc_endpoints()
            .iter()
            .find(|e| e.private_dns_enabled() == Some(private_dns))
            .expect("a seeded endpoint")
    };
    // From the VPC whose endpoint has private DNS on, a public API's execute-api name is the
    // endpoint's, which serves private APIs only.
    let vpc = endpoint(true).vpc_id().unwrap_or_default().to_string();
    let healthy = url(&s.api["healthy-keyed"], "/prod/items");
    assert_refused(
        &[&healthy, "-H", &header, "--from-vpc", &vpc],
        "endpoint",
        Some("GC105"),
    );
    // Through the endpoint whose own policy admits only IAM principals, an unsigned call is
    // refused before the private API's policy is read.
    let vpce_id = endpoint(false).vpc_endpoint_id().unwrap_or_default();
    let through = format!("https://{vpce_id}-abcd.execute-api.{REGION}.vpce.amazonaws.com/prod/jobs");
    let api_header = format!("x-apigw-api-id: {}", s.api["internal-endpoint-policy"]);
    assert_refused(&[&through, "-H", &api_header, "-H", &header], "private", Some("GC109"));

    // An edge-optimized API in endpoint access mode STRICT, behind a Regional custom domain:
    // the domain is another endpoint type; the API's own name is not.
    assert_refused(
        &[
            "https://orders-strict.example.com/orders/orders",
            "--region",
            REGION,
            "-H",
            &header,
        ],
        "endpoint",
        Some("GC106"),
    );

    // CloudFront in front of an API's execute-api name, sending the viewer's Host on: by the
    // distribution's alias, and by its own cloudfront.net name.
    assert_refused(
        &["https://catalog.example.com/items", "--region", REGION, "-H", &header],
        "endpoint",
        Some("GC108"),
    );
    let cloudfront = aws_sdk_cloudfront::Client::from_conf(account.configs.cloudfront.clone());
    let distributions = cloudfront.list_distributions().send().await.expect("distributions");
    let legacy = distributions
        .distribution_list()
        .map(|l| l.items())
        .unwrap_or_default()
        .iter()
        .find(|d| {
            d.aliases()
                .is_some_and(|a| a.items().iter().any(|n| n == "catalog-legacy.example.com"))
        })
        .expect("the legacy distribution")
        .domain_name()
        .to_string();
    assert_refused(
        &[&format!("https://{legacy}/items"), "--region", REGION, "-H", &header],
        "endpoint",
        Some("GC108"),
    );
}

#[tokio::test]
async fn healthy_controls_are_allowed() {
    let s = seed().await;
    let header = format!("x-api-key: {}", DEMO_KEY_VALUES[0]);
    let enabled = s.key["demo-enabled-key"].as_str();
    let healthy = url(&s.api["healthy-keyed"], "/prod/items");
    let common = ["-H", &header, "--key-id", enabled, "--source-ip", "203.0.113.5"];
    assert_allowed(&[&[healthy.as_str()][..], &common].concat());
    // The same API through its custom domain.
    assert_allowed(
        &[
            &["https://items.example.com/items/items", "--region", REGION][..],
            &common,
        ]
        .concat(),
    );
    // Developer guide, "Routing rules to connect API stages to a custom domain name for REST
    // APIs": the rule that takes /current invokes the live stage with the base path stripped,
    // so /current/items reaches the API's /items; the API the rule names is read for the walk.
    assert_allowed(
        &[
            &["https://rules.example.com/current/items", "--region", REGION][..],
            &common,
        ]
        .concat(),
    );
    // A Regional API in endpoint access mode STRICT, through a Regional custom domain.
    assert_allowed(
        &[
            &["https://orders-regional.example.com/orders/orders", "--region", REGION][..],
            &common,
        ]
        .concat(),
    );
    // Through a distribution whose origin request policy withholds Host: the origin path
    // names the stage.
    assert_allowed(
        &[
            &["https://catalog-ok.example.com/items", "--region", REGION][..],
            &common,
        ]
        .concat(),
    );
    // Two plans cover the stage; the key in the second is enabled.
    assert_allowed(&[
        url(&s.api["healthy-two-plans"], "/prod/quotes").as_str(),
        "-H",
        &header,
        "--key-id",
        enabled,
    ]);
    // A private API reached through the endpoint its policy admits.
    let vpce = format!("https://vpce-0a1b2c3d4e5f60718-x9y8.execute-api.{REGION}.vpce.amazonaws.com/prod/internal");
    let api_header = format!("x-apigw-api-id: {}", s.api["healthy-private-vpce"]);
    assert_allowed(&[&vpce, "-H", &api_header, "-H", &header, "--key-id", enabled]);
}

#[tokio::test]
async fn lookup_by_key_value_never_shows_the_value() {
    let s = seed().await;
    let healthy = url(&s.api["healthy-keyed"], "/prod/items");
    let curl = format!("curl -H 'x-api-key: {}' {healthy}", DEMO_KEY_VALUES[0]);
    let (run, json) = explain(&["--lookup-key-value", "--source-ip", "203.0.113.5", "--", &curl]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(json["verdict"], "allowed");
    assert_eq!(json["request"]["key_id"], s.key["demo-enabled-key"].as_str());

    // A value no key has: refused at the key gate, still without echoing it.
    let wrong = format!("curl -H 'x-api-key: {}' {healthy}", "notAKeyValue000000000000000099");
    let (run, json) = explain(&["--lookup-key-value", "--", &wrong]);
    assert_eq!(run.code, 1);
    assert_eq!(json["first_failure"]["step"], "api_key");
    assert!(!run.stdout.contains("notAKeyValue"), "{}", run.stdout);

    // Text output, too, carries no value.
    let text = run_with(&["explain", "--lookup-key-value", "--", &curl], &moto_env());
    assert!(
        text.stdout.contains("key ") && !text.stdout.contains(DEMO_KEY_VALUES[0]),
        "{}",
        text.stdout
    );
}

#[tokio::test]
async fn urls_without_stage_with_unknown_stage_or_path() {
    let s = seed().await;
    let api = &s.api["healthy-keyed"];
    let (_, json) = explain(&[&url(api, "/")]);
    assert_eq!(json["first_failure"]["step"], "stage");
    assert!(json["steps"][2]["evidence"].as_str().unwrap().contains("no stage"));
    let json = assert_refused(&[&url(api, "/staging/items")], "stage", None);
    assert_eq!(json["status"], 403);
    assert_eq!(json["message"], "Forbidden");
    let json = assert_refused(&[&url(api, "/prod/nothing-here")], "route", None);
    assert_eq!(json["message"], "Missing Authentication Token");
    // The stage is missing and the path is a resource: the explanation says so.
    let json = assert_refused(&[&url(api, "/items")], "stage", None);
    assert!(json["steps"][2]["evidence"]
        .as_str()
        .unwrap()
        .contains("lacks the stage"));
}

/// The curl lines of the question that started the project, with real ids in.
#[tokio::test]
async fn seed_thread_curl_lines() {
    let s = seed().await;
    let thread = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/seed/forbidden-with-api-key-thread.txt"
    ))
    .expect("the seed thread beside the repository");
    let lines: Vec<&str> = thread
        .lines()
        .map(str::trim)
        .filter(|l| l.contains("curl ") && l.contains("https://"))
        .collect();
    assert_eq!(lines.len(), 2);

    // POST with a key to the API's root and no stage: the stage gate refuses it.
    let posted = lines[0]
        .replace("[api-id]", &s.api["healthy-keyed"])
        .replace("[region]", REGION);
    let json = assert_refused(&["--", &posted], "stage", None);
    assert_eq!(json["request"]["method"], "POST");

    // The private-API answer's line, to a private API: its stage is `test`, which does not exist.
    let private = lines[1]
        .replace("{vpce-id}", "vpce-0a1b2c3d4e5f60718")
        .replace("{region}", REGION)
        .replace("{api-id}", &s.api["healthy-private-vpce"]);
    assert_refused(&["--", &private], "stage", None);

    // The comment under it: the header sent to a public API by mistake.
    let public = url(&s.api["healthy-keyed"], "/prod/items");
    let header = format!("x-apigw-api-id: {}", s.api["healthy-keyed"]);
    assert_refused(&[&public, "-H", &header], "private", None);

    // The question as asked: with placeholders left in, a clear error.
    let (run, _) = explain(&["--", lines[0]]);
    assert_one_line_error(&run, "placeholders");
}

#[tokio::test]
async fn what_cannot_be_explained_exits_2() {
    seed().await;
    let (run, _) = explain(&[&url("nosuchapi1", "/prod/x")]);
    assert_one_line_error(&run, "REST API nosuchapi1 not found");
    let (run, _) = explain(&["https://nowhere.example.com/x", "--region", REGION]);
    assert_one_line_error(&run, "no custom domain name 'nowhere.example.com'");
    let (run, _) = explain(&[]);
    assert_eq!(run.code, 2);
    let (run, _) = explain(&["https://a/", "--", "curl", "https://b/"]);
    assert_one_line_error(&run, "not both");
    let (run, _) = explain(&["--", "curl", "--frobnicate", "https://b/"]);
    assert_one_line_error(&run, "--frobnicate");
}
