//! No secret on any output: one seeded account with known key values and a web ACL whose rule
//! matches a shared origin-verify secret, every way gatecheck writes (CLI text, JSON and
//! SARIF, debug and trace logs, snapshot files, explain with and without --lookup-key-value,
//! the function's response, its CloudWatch lines and the SNS message as a subscriber receives
//! it), and not one value in any of them.

mod support;

use gatecheck::audit::report;
use gatecheck::aws::{collect, CollectOptions};
use gatecheck::lambda::{Function, Settings};
use gatecheck::sinks::{emf, sns};
use std::time::Duration;
use support::bin::{moto_env, run_with};
use support::scenarios::{seed_demo_account, DEMO_KEY_VALUES};
use support::TestAccount;

/// moto's default account, which the CLI and the function use; a region of its own.
const ACCOUNT: &str = "123456789012";
const REGION: &str = "eu-south-1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_key_value_on_any_output() {
    let account = TestAccount::new(ACCOUNT, REGION);
    let expectations = seed_demo_account(&account.seeder()).await.expect("seed");
    let healthy = &expectations
        .iter()
        .find(|e| e.api_name == "healthy-keyed")
        .expect("control")
        .api_id;
    // The values are really there to leak: the emulator hands them out when asked.
    let keys = account
        .apigateway
        .get_api_keys()
        .include_values(true)
        .send()
        .await
        .expect("keys");
    let stored: Vec<&str> = keys.items().iter().filter_map(|k| k.value()).collect();
    assert!(DEMO_KEY_VALUES[..3].iter().all(|v| stored.contains(v)), "{stored:?}");
    let acl = origin_verify_acl(&account, healthy).await;
    let rules = account
        .wafv2
        .get_web_acl()
        .name("origin-verify")
        .scope(aws_sdk_wafv2::types::Scope::Regional)
        .id(acl.rsplit('/').next().unwrap_or_default())
        .send()
        .await
        .expect("the ACL reads back");
    let search = rules
        .web_acl()
        .and_then(|acl| acl.rules().first())
        .and_then(|rule| rule.statement())
        .and_then(|statement| statement.byte_match_statement())
        .map(|m| m.search_string().as_ref().to_vec());
    assert_eq!(
        search.as_deref(),
        Some(ORIGIN_SECRET.as_bytes()),
        "the match string is really there to leak"
    );

    let mut checked = 0;
    let mut check = |place: &str, text: &str| {
        assert!(!text.is_empty(), "{place} wrote nothing");
        support::assert_no_key_values(place, text);
        assert!(
            !text.contains(ORIGIN_SECRET),
            "the WAF match string leaked into {place}"
        );
        checked += 1;
    };

    // The CLI, as a user and as a script run it, with its most talkative logging.
    let mut env = moto_env();
    for (format, log) in [("text", "gatecheck=debug,info"), ("json", "trace"), ("sarif", "debug")] {
        let mut env = env.clone();
        env.push(("GATECHECK_LOG", log.to_string()));
        let run = run_with(&["audit", "--region", REGION, "--format", format, "-vv"], &env);
        check(&format!("audit --format {format} stdout"), &run.stdout);
        check(&format!("audit --format {format} stderr at {log}"), &run.stderr);
    }
    let file = std::env::temp_dir().join(format!("gatecheck-secrets-{}.json", std::process::id()));
    let file = file.to_str().expect("path");
    let run = run_with(&["snapshot", "--region", REGION, "-o", file, "-vv"], &env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    check("the snapshot file", &std::fs::read_to_string(file).expect("snapshot"));
    check("snapshot stderr", &run.stderr);
    let offline = run_with(&["audit", "--snapshot", file, "--format", "json"], &env);
    check("an offline audit", &offline.stdout);

    // explain, with the key's value in the request and looked up by value, logging at trace.
    env.push(("GATECHECK_LOG", "trace".to_string()));
    let url = format!("https://{healthy}.execute-api.{REGION}.amazonaws.com/prod/items");
    let header = format!("x-api-key: {}", DEMO_KEY_VALUES[0]);
    for format in ["text", "json"] {
        let run = run_with(
            &["explain", &url, "-H", &header, "--lookup-key-value", "--format", format],
            &env,
        );
        assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
        check(&format!("explain --format {format}"), &run.stdout);
        check(&format!("explain --format {format} trace log"), &run.stderr);
        let curl = format!("curl -H '{header}' {url}");
        let run = run_with(&["explain", "--format", format, "--", &curl], &env);
        check(&format!("explain -- curl --format {format}"), &run.stdout);
    }
    // A malformed header is refused without echoing its value.
    let bad = format!("x-api-key {}", DEMO_KEY_VALUES[1]);
    let run = run_with(&["explain", &url, "-H", &bad], &env);
    assert_eq!(run.code, 2);
    check("explain's error for a malformed header", &run.stderr);

    // The function: its response, its CloudWatch lines, and the SNS message in a queue.
    let sdk = support::sdk_config(&support::moto().endpoint, REGION);
    let subscribed = support::Subscribed::new(&sdk, "gatecheck-secrets").await;
    let topic = subscribed.topic.clone();
    let settings = Settings::from_lookup(|name| match name {
        "GATECHECK_REGIONS" => Some(REGION.to_string()),
        "GATECHECK_TOPIC_ARN" => Some(topic.clone()),
        "GATECHECK_PUBLISH_SEVERITY" => Some("info".to_string()),
        "GATECHECK_MAX_RPS" => Some("100".to_string()),
        _ => None,
    })
    .expect("settings");
    let function = Function::with_sdk_config(settings, sdk.clone());
    let event = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/events/scheduled.json")).expect("event");
    let response = function
        .handle(serde_json::from_str(&event).expect("json"))
        .await
        .expect("invocation");
    assert!(response["published_message_id"].is_string(), "{response}");
    check("the function's response", &response.to_string());
    let bodies = subscribed.bodies().await;
    assert_eq!(bodies.len(), 1, "one message per audit");
    check("the SNS message a subscriber receives", &bodies[0]);

    // What the function writes to CloudWatch for the same account.
    let configs = account.configs.clone().with_rate_limits(None);
    let snapshot = collect(&configs, &CollectOptions::default()).await.expect("collect");
    let report = report(std::slice::from_ref(&snapshot), Duration::ZERO);
    check(
        "EMF metric lines",
        &emf::report_lines(&report, "Gatecheck", 0).join("\n"),
    );
    check("finding log lines", &emf::finding_log_lines(&report).join("\n"));
    let message = sns::build_message(&report, gatecheck::report::Severity::Info).expect("a message");
    check(
        "the SNS message as built",
        &format!("{}{}{:?}", message.subject, message.body, message.attributes),
    );

    assert!(checked >= 20, "{checked} outputs checked");
}

/// A value a CDN sends to prove a request came through it, matched by a WAF rule: a secret.
const ORIGIN_SECRET: &str = "origin-verify-7f3a9c2e51d84b06";

/// A web ACL on the API's prod stage that allows only requests carrying the origin secret.
async fn origin_verify_acl(account: &TestAccount, api_id: &str) -> String {
    use aws_sdk_wafv2::types::*;
    let visibility = VisibilityConfig::builder()
        .sampled_requests_enabled(false)
        .cloud_watch_metrics_enabled(false)
        .metric_name("origin-verify")
        .build()
        .expect("visibility");
    let statement = Statement::builder()
        .byte_match_statement(
            ByteMatchStatement::builder()
                .search_string(aws_smithy_types::Blob::new(ORIGIN_SECRET))
                .field_to_match(
                    FieldToMatch::builder()
                        .single_header(SingleHeader::builder().name("x-origin-verify").build().expect("name"))
                        .build(),
                )
                .text_transformations(
                    TextTransformation::builder()
                        .priority(0)
                        .r#type(TextTransformationType::None)
                        .build()
                        .expect("transformation"),
                )
                .positional_constraint(PositionalConstraint::Exactly)
                .build()
                .expect("byte match"),
        )
        .build();
    let created = account
        .wafv2
        .create_web_acl()
        .name("origin-verify")
        .scope(Scope::Regional)
        .default_action(DefaultAction::builder().block(BlockAction::builder().build()).build())
        .visibility_config(visibility.clone())
        .rules(
            Rule::builder()
                .name("from-the-cdn")
                .priority(0)
                .statement(statement)
                .action(RuleAction::builder().allow(AllowAction::builder().build()).build())
                .visibility_config(visibility)
                .build()
                .expect("rule"),
        )
        .send()
        .await
        .expect("web ACL");
    let arn = created.summary().and_then(|s| s.arn()).unwrap_or_default().to_string();
    account
        .wafv2
        .associate_web_acl()
        .web_acl_arn(&arn)
        .resource_arn(gatecheck::arn::stage(&account.region, api_id, "prod"))
        .send()
        .await
        .expect("associated");
    arn
}
