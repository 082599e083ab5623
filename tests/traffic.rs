//! Evidence from traffic against moto's CloudWatch Logs: stages' access and execution logs in
//! AWS's formats, counted by cause, tied to findings, and never showing a key value.

mod support;

use gatecheck::aws::logs::{read_snapshot, StagesToRead};
use gatecheck::aws::CollectOptions;
use gatecheck::model::Scope;
use gatecheck::traffic::{render, Cause, LogSource, StageTraffic, Window};
use serde_json::Value;
use support::bin::{moto_env, run_with};
use support::fault_proxy::{self, Fault, Rule};
use support::scenarios::DEMO_KEY_VALUES;
use support::seed::Seeder;
use support::traffic::{
    clf_line, no_plan_refusal, now_ms, put_lines, served_request, JsonRequest, CLF_ACCESS_LOG_FORMAT,
    JSON_ACCESS_LOG_FORMAT,
};
use support::TestAccount;

const KEY_VALUE: &str = "trafficKeyValue000000000000000000001";

fn stage<'a>(traffic: &'a [StageTraffic], api_id: &str) -> &'a StageTraffic {
    traffic
        .iter()
        .find(|t| t.api_id == api_id)
        .unwrap_or_else(|| panic!("no traffic for {api_id}"))
}

fn count(traffic: &StageTraffic, cause: Cause) -> u64 {
    traffic.causes.iter().find(|c| c.cause == cause).map_or(0, |c| c.count)
}

fn linked_checks(traffic: &StageTraffic, cause: Cause) -> Vec<String> {
    let found = traffic.causes.iter().find(|c| c.cause == cause);
    found.map_or_else(Vec::new, |c| c.findings.iter().map(|f| f.check.clone()).collect())
}

/// Four stages: an execution log (no usage plan: GC301), a JSON access log (healthy, but
/// WAF and missing keys refuse some calls), a CLF access log (GC604), and a stage whose
/// execution log group was never written.
struct Seeded {
    orders: String,
    admin: String,
    events: String,
    silent: String,
}

async fn seed(account: &TestAccount) -> Seeded {
    let s = account.seeder();
    let key = s.key("traffic-key", true, KEY_VALUE).await.expect("key");
    let now = now_ms();
    let minute = 60_000;

    let orders = s.keyed_api("orders", "/orders", "GET").await.expect("orders");
    let mut lines = Vec::new();
    for i in 0..7 {
        let request = format!("0rd-{i}");
        lines.extend(
            no_plan_refusal(
                &request,
                &orders.id,
                "prod",
                "/orders",
                &KEY_VALUE[KEY_VALUE.len() - 6..],
            )
            .into_iter()
            .map(|line| (now - (50 - i) * minute, line)),
        );
    }
    // A request another stage's plan let through, in the same group: served.
    lines.extend(
        served_request("0rd-ok", &orders.id, "prod")
            .into_iter()
            .map(|l| (now - minute, l)),
    );
    put_lines(
        &account.logs,
        &format!("API-Gateway-Execution-Logs_{}/prod", orders.id),
        lines,
    )
    .await
    .expect("orders lines");

    let admin = s.keyed_api("admin", "/admin", "GET").await.expect("admin");
    s.plan("admin-plan", &[(&admin, "prod")], &[&key]).await.expect("plan");
    s.access_log(&admin, "prod", JSON_ACCESS_LOG_FORMAT)
        .await
        .expect("access log");
    let mut lines = Vec::new();
    let mut request = |i: i64, status, response_type, key_id: &str, value, waf| {
        let line = JsonRequest {
            request_id: format!("adm-{i}"),
            path: "/admin",
            status,
            response_type,
            message: if status == 200 { "-" } else { "Forbidden" },
            key_id,
            key_value: value,
            waf,
        }
        .line();
        lines.push((now - (40 - i) * minute, line));
    };
    for i in 0..4 {
        request(i, 403, "INVALID_API_KEY", "-", "-", "WAF_ALLOW");
    }
    for i in 4..7 {
        request(i, 403, "WAF_FILTERED", &key, KEY_VALUE, "WAF_BLOCK");
    }
    for i in 7..17 {
        request(i, 200, "-", &key, KEY_VALUE, "WAF_ALLOW");
    }
    lines.push((now - 2 * minute, "a line in another format".into()));
    put_lines(&account.logs, &Seeder::access_log_group("admin"), lines)
        .await
        .expect("admin lines");

    // No execution logging, a CLF access log: refusals without a cause.
    let mut events = s.api("events").await.expect("events");
    s.keyed(&mut events, "/events", "GET").await.expect("method");
    s.deploy(&events, "prod").await.expect("deploy");
    s.plan("events-plan", &[(&events, "prod")], &[&key])
        .await
        .expect("plan");
    s.access_log(&events, "prod", CLF_ACCESS_LOG_FORMAT)
        .await
        .expect("access log");
    let lines = (0..7)
        .map(|i| {
            (
                now - (30 - i) * minute,
                clf_line(&format!("evt-{i}"), "/events", if i < 2 { 403 } else { 200 }),
            )
        })
        .collect();
    put_lines(&account.logs, &Seeder::access_log_group("events"), lines)
        .await
        .expect("events lines");

    let silent = s.keyed_api("silent", "/quiet", "GET").await.expect("silent");
    Seeded {
        orders: orders.id,
        admin: admin.id,
        events: events.id,
        silent: silent.id,
    }
}

async fn audit(account: &TestAccount) -> (gatecheck::model::Snapshot, gatecheck::report::Report) {
    let options = CollectOptions {
        scope: Scope::default(),
        concurrency: 4,
        deadline: None,
        progress: None,
        reuse: None,
        ..CollectOptions::default()
    };
    account.audit(None, &options).await.expect("audit")
}

#[tokio::test]
async fn refusals_are_counted_by_cause_and_tied_to_findings() {
    let account = TestAccount::new("210987654321", "eu-west-1");
    let seeded = seed(&account).await;
    let (snapshot, report) = audit(&account).await;
    let window = Window::new(now_ms() - 3_600_000, now_ms());
    let traffic = read_snapshot(&account.logs, &snapshot, &report.findings, window, StagesToRead::All).await;
    assert_eq!(traffic.len(), 4, "every stage is read");

    // Execution log lines, several per request: one refusal each, GC301 explains them.
    let orders = stage(&traffic, &seeded.orders);
    assert!(matches!(orders.source, Some(LogSource::ExecutionLog { .. })));
    assert_eq!(count(orders, Cause::InvalidApiKey), 7);
    assert_eq!(orders.requests_served, 1);
    assert_eq!(linked_checks(orders, Cause::InvalidApiKey), ["GC301"]);
    let samples = &orders.causes[0].sample_request_ids;
    assert_eq!(samples.len(), 3, "{samples:?}");

    // The JSON access log: causes by response type, key ids counted, a foreign line unread.
    let admin = stage(&traffic, &seeded.admin);
    assert_eq!(
        admin.source,
        Some(LogSource::AccessLog {
            log_group: Seeder::access_log_group("admin"),
            json: true
        })
    );
    assert_eq!(count(admin, Cause::InvalidApiKey), 4);
    assert_eq!(count(admin, Cause::WafFiltered), 3);
    assert_eq!(
        (admin.requests_served, admin.unreadable_lines, admin.lines_read),
        (10, 1, 18)
    );
    let waf = admin
        .causes
        .iter()
        .find(|c| c.cause == Cause::WafFiltered)
        .expect("WAF");
    assert_eq!(waf.top_key_ids.len(), 1);
    assert_eq!(waf.top_key_ids[0].count, 3);
    assert!(
        linked_checks(admin, Cause::InvalidApiKey).is_empty(),
        "a healthy stage: no finding explains the missing keys"
    );

    // CLF without error fields: refused, cause unknown, which is GC604's point.
    let events = stage(&traffic, &seeded.events);
    assert_eq!(count(events, Cause::Unclassified), 2);
    assert_eq!(events.requests_served, 5);
    assert_eq!(linked_checks(events, Cause::Unclassified), ["GC604"]);

    // A group never written: a clear line, nothing counted, the rest stands.
    let silent = stage(&traffic, &seeded.silent);
    assert_eq!(silent.source, None);
    assert!(silent.notes[0].contains("does not exist"), "{:?}", silent.notes);
    assert_eq!(silent.log_calls, 1);
    // A window before every seeded line: the group answers, but with nothing.
    let long_ago = Window::new(now_ms() - 10 * 3_600_000, now_ms() - 9 * 3_600_000);
    let before = read_snapshot(&account.logs, &snapshot, &report.findings, long_ago, StagesToRead::All).await;
    let quiet = stage(&before, &seeded.admin);
    assert_eq!(quiet.requests_refused, 0);
    assert!(
        quiet.notes[0].contains("older than the group's retention"),
        "{:?}",
        quiet.notes
    );

    let text = render::text(window, &traffic, &|ms| ms.to_string());
    let json = render::json(window, &traffic);
    for output in [&text, &json] {
        assert!(!output.contains(KEY_VALUE), "a key value leaked");
        assert!(!output.contains("****"), "a masked key leaked");
        support::assert_no_key_values("logs output", output);
    }
    assert!(text.contains("WAF_FILTERED") && text.contains("← GC301"), "{text}");
}

#[tokio::test]
async fn a_denied_log_group_is_a_line_and_the_others_stand() {
    let account = TestAccount::new("210987654322", "eu-west-1");
    let seeded = seed(&account).await;
    let (snapshot, report) = audit(&account).await;
    // Deny FilterLogEvents on the execution log groups only (their name is in the body).
    let proxy = fault_proxy::start(
        &support::moto().endpoint,
        vec![Rule::always("body:API-Gateway-Execution-Logs_", Fault::Deny)],
    );
    let denied = TestAccount::at(&proxy.endpoint, &account.id, &account.region);
    let window = Window::new(now_ms() - 3_600_000, now_ms());
    let traffic = read_snapshot(&denied.logs, &snapshot, &report.findings, window, StagesToRead::All).await;
    let orders = stage(&traffic, &seeded.orders);
    assert_eq!(orders.source, None);
    assert!(orders.notes[0].contains("access denied"), "{:?}", orders.notes);
    assert_eq!(count(stage(&traffic, &seeded.admin), Cause::WafFiltered), 3);
}

#[tokio::test]
async fn pages_are_followed_and_counted() {
    let account = TestAccount::new("210987654323", "eu-west-1");
    let s = account.seeder();
    let api = s.api("busy").await.expect("api");
    let mut api = api;
    s.keyed(&mut api, "/busy", "GET").await.expect("method");
    s.deploy(&api, "prod").await.expect("deploy");
    s.access_log(&api, "prod", JSON_ACCESS_LOG_FORMAT).await.expect("log");
    let now = now_ms();
    let lines = (0..25_000)
        .map(|i| {
            (
                now - 1_000 - i,
                JsonRequest::without_key(format!("b-{i}"), "/busy").line(),
            )
        })
        .collect();
    put_lines(&account.logs, &Seeder::access_log_group("busy"), lines)
        .await
        .expect("lines");
    let (snapshot, report) = audit(&account).await;
    let window = Window::new(now - 3_600_000, now);
    let traffic = read_snapshot(&account.logs, &snapshot, &report.findings, window, StagesToRead::All).await;
    assert_eq!(count(&traffic[0], Cause::InvalidApiKey), 25_000);
    assert_eq!(traffic[0].log_calls, 3, "10,000 events a page");
}

/// The command line: `gatecheck logs` and `gatecheck audit --evidence` in text, JSON and
/// SARIF, in moto's default account (the binary sends no account header).
#[tokio::test]
async fn the_cli_shows_refusals_and_adds_evidence_to_findings() {
    let region = "ap-northeast-2";
    let account = TestAccount::new("123456789012", region);
    let seeded = seed(&account).await;
    let env = moto_env();

    let run = run_with(
        &["logs", "--region", region, "--api", &seeded.orders, "--since", "1h"],
        &env,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("INVALID_API_KEY") && run.stdout.contains("← GC301"),
        "{}",
        run.stdout
    );
    let run = run_with(&["logs", "--region", region, "--format", "json"], &env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(json["stages"].as_array().map(Vec::len), Some(4));

    let run = run_with(
        &["audit", "--region", region, "--evidence", "1h", "--format", "json"],
        &env,
    );
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON report");
    let gc301 = report["findings"]
        .as_array()
        .and_then(|f| {
            f.iter()
                .find(|f| f["check"] == "GC301" && f["api_id"] == seeded.orders.as_str())
        })
        .expect("GC301 on orders");
    assert_eq!(gc301["evidence"]["refused_requests"], 7);
    assert_eq!(gc301["evidence"]["causes"][0], "INVALID_API_KEY");
    let gc604 = report["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["check"] == "GC604"))
        .expect("GC604 on events");
    assert_eq!(gc604["evidence"]["refused_requests"], 2);
    assert_eq!(report["summary"]["evidence"]["window"], "1h");
    let silent = report["findings"]
        .as_array()
        .and_then(|f| {
            f.iter()
                .find(|f| f["check"] == "GC301" && f["api_id"] == seeded.silent.as_str())
        })
        .expect("GC301 on silent");
    assert_eq!(
        silent.get("evidence"),
        None,
        "its logs could not be read: no count, not another stage's"
    );
    let notes = report["summary"]["evidence"]["notes"].to_string();
    assert!(
        notes.contains(&seeded.silent) && notes.contains("does not exist"),
        "{notes}"
    );

    let text = run_with(&["audit", "--region", region, "--evidence", "1h"], &env).stdout;
    assert!(
        text.contains("evidence: 7 refused requests in the last 1h (INVALID_API_KEY)"),
        "{text}"
    );
    let sarif = run_with(
        &["audit", "--region", region, "--evidence", "1h", "--format", "sarif"],
        &env,
    )
    .stdout;
    assert!(sarif.contains("7 refused requests in the last 1h"), "{sarif}");
    for output in [&text, &sarif, &run.stdout] {
        assert!(!output.contains(KEY_VALUE) && !output.contains("****"));
        for value in DEMO_KEY_VALUES {
            assert!(!output.contains(value));
        }
    }

    let bad = run_with(&["logs", "--region", region, "--since", "an hour"], &env);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("not a length") || bad.stderr.contains("not a time"),
        "{}",
        bad.stderr
    );
}

/// The function with GATECHECK_EVIDENCE_WINDOW: counts in the response's findings, in the
/// SNS message subscribers get, and as RefusedRequests metrics.
#[tokio::test]
async fn the_function_adds_evidence_to_its_findings_message_and_metrics() {
    use gatecheck::lambda::{Function, Settings};
    use gatecheck::report::Report;
    use gatecheck::sinks::emf;
    let region = "sa-east-1";
    let account = TestAccount::new("123456789012", region);
    let seeded = seed(&account).await;
    let sdk = support::sdk_config(&support::moto().endpoint, region);
    let subscribed = support::Subscribed::new(&sdk, "traffic-findings").await;
    let topic = subscribed.topic.clone();
    let settings = Settings::from_lookup(|name| match name {
        "GATECHECK_REGIONS" => Some(region.to_string()),
        "GATECHECK_TOPIC_ARN" => Some(topic.clone()),
        "GATECHECK_EVIDENCE_WINDOW" => Some("1h".to_string()),
        "GATECHECK_MAX_RPS" => Some("100".to_string()),
        _ => None,
    })
    .expect("settings");
    let function = Function::with_sdk_config(settings, sdk.clone());
    let response = function
        .handle(serde_json::json!({"restApiId": seeded.orders, "stage": "prod"}))
        .await
        .expect("invocation");
    let report: Report = serde_json::from_value(response.clone()).expect("a report");
    let gc301 = report.findings.iter().find(|f| f.check == "GC301").expect("GC301");
    assert_eq!(gc301.evidence.as_ref().map(|e| e.refused_requests), Some(7));

    let metrics = emf::report_lines(&report, "Gatecheck", 0).join("\n");
    let refused = metrics
        .lines()
        .find(|line| line.contains("\"Check\":\"GC301\""))
        .expect("GC301's metric line");
    assert!(refused.contains("\"RefusedRequests\":7"), "{refused}");

    let bodies = subscribed.bodies().await;
    assert_eq!(bodies.len(), 1, "one message per audit");
    assert!(bodies[0].contains("7 refused requests in the last 1h"), "{}", bodies[0]);
    assert!(!bodies[0].contains(KEY_VALUE) && !response.to_string().contains(KEY_VALUE));
}
