//! Audits under injected faults, denied reads, API Gateway's request quota and a deadline,
//! against a seeded moto account behind the fault proxy. Each scenario is compared with a
//! clean audit of the same account: retryable faults must change nothing; a denied read
//! must be a GC900 that names what it blinds, with no finding guessed and none lost
//! elsewhere. `make reliability` prints the table this test builds.

mod support;

use gatecheck::audit::snapshot_json;
use gatecheck::aws::{CollectOptions, RateLimits};
use gatecheck::checks::find_check;
use gatecheck::model::{CoverageGap, Part, Snapshot};
use gatecheck::report::{Finding, Report};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use support::fault_proxy::{self, Fault, FaultProxy, Rule};
use support::scenarios::{seed_demo_account, DEMO_KEY_VALUES};
use support::TestAccount;

const ACCOUNT: &str = "000000000600";
const REGION: &str = "eu-west-3";

struct Row {
    scenario: String,
    faults: usize,
    completed: bool,
    identical: Option<bool>,
    gc900: usize,
    panicked: bool,
    leaks: usize,
    silent: bool,
    problems: Vec<String>,
}

/// Audits `account` with `options` in its own task, so that a panic is counted, not fatal.
/// Without a limiter unless `limits` says otherwise: the faults, not the quota, are tested.
async fn audit(
    account: &TestAccount,
    limits: Option<RateLimits>,
    options: CollectOptions,
) -> Result<Option<(Snapshot, Report)>, ()> {
    let account = account.clone();
    let task = tokio::spawn(async move { account.audit(limits, &options).await.ok() });
    task.await.map_err(|e| assert!(e.is_panic(), "{e}"))
}

fn fingerprints(findings: &[Finding]) -> BTreeSet<String> {
    findings
        .iter()
        .map(|f| format!("{} {}", f.check, f.fingerprint))
        .collect()
}

/// Whether a gap hides what `finding`'s check would say there.
fn blinded(finding: &Finding, gaps: &[CoverageGap]) -> bool {
    let Some(check) = find_check(&finding.check) else {
        return false;
    };
    gaps.iter().any(|gap| {
        // One domain's unread mappings (or routing rules) hide what they would show, and only that.
        let domain = gap.object_id.as_deref().and_then(|o| o.strip_prefix("domain "));
        // A finding placed on that domain is one of them.
        let domain_hidden = domain.is_some_and(|domain| {
            let on_domain = finding.domain_name.as_deref() == Some(domain);
            match gap.part {
                Part::BasePathMappings => {
                    on_domain
                        || finding.detail.contains(&format!("{domain} maps"))
                        || finding.detail.contains(&format!("({domain}/"))
                }
                Part::RoutingRules => on_domain || finding.detail.contains(&format!("{domain}'s routing rule")),
                _ => false,
            }
        });
        domain_hidden
            || (check.meta.reads.iter().any(|part| gap.part.includes(*part))
                && gap.covers(finding.api_id.as_deref(), finding.stage.as_deref()))
    })
}

fn leaks(snapshot: &Snapshot, report: &Report) -> usize {
    let outputs = [
        snapshot_json(snapshot),
        gatecheck::sinks::json(report),
        gatecheck::sinks::text::render(report, gatecheck::report::Severity::Critical),
        gatecheck::sinks::sarif::render(report),
    ];
    outputs
        .iter()
        .map(|out| DEMO_KEY_VALUES.iter().filter(|v| out.contains(*v)).count())
        .sum()
}

/// Compares a faulted audit with the clean one.
fn judge(
    scenario: &str,
    clean: &Report,
    result: Result<Option<(Snapshot, Report)>, ()>,
    proxy: Option<&FaultProxy>,
    retryable: bool,
) -> Row {
    let faults = proxy.map_or(0, |p| {
        p.stats.injected_total() + p.stats.over_quota.load(std::sync::atomic::Ordering::Relaxed)
    });
    let mut row = Row {
        scenario: scenario.to_string(),
        faults,
        completed: false,
        identical: None,
        gc900: 0,
        panicked: result.is_err(),
        leaks: 0,
        silent: false,
        problems: Vec::new(),
    };
    let Ok(Some((snapshot, faulted))) = result else {
        row.problems.push("the audit did not complete".into());
        return row;
    };
    row.completed = true;
    row.leaks = leaks(&snapshot, &faulted);
    let gc900: Vec<&Finding> = faulted.findings.iter().filter(|f| f.check == "GC900").collect();
    row.gc900 = gc900.len();
    let clean_set = fingerprints(&clean.findings);
    let faulted_set = fingerprints(&faulted.findings);
    row.identical = Some(clean_set == faulted_set);
    if retryable && clean_set != faulted_set {
        row.problems.push(format!(
            "retryable faults changed the findings: lost {:?}, gained {:?}",
            clean_set.difference(&faulted_set).collect::<Vec<_>>(),
            faulted_set.difference(&clean_set).collect::<Vec<_>>()
        ));
    }
    // No finding guessed: everything reported besides GC900 is what a clean audit says.
    for f in faulted.findings.iter().filter(|f| f.check != "GC900") {
        if !clean_set.contains(&format!("{} {}", f.check, f.fingerprint)) {
            row.problems.push(format!("{} on {:?} was guessed", f.check, f.api_id));
        }
    }
    // None lost: every clean finding is still reported unless a gap blinds its check there.
    let gaps = gatecheck::checks::evaluate(&snapshot).gaps;
    for f in &clean.findings {
        if !faulted_set.contains(&format!("{} {}", f.check, f.fingerprint)) && !blinded(f, &gaps) {
            row.problems.push(format!(
                "{} on {:?} was lost with no gap to explain it",
                f.check, f.api_id
            ));
        }
    }
    let non_retryable = proxy.is_some_and(|p| {
        p.stats
            .injected
            .lock()
            .expect("stats lock")
            .contains_key("AccessDenied")
    });
    if non_retryable && gc900.is_empty() {
        row.silent = true;
        row.problems.push("reads were denied and no GC900 says so".into());
    }
    if !retryable && faults > 0 && gc900.is_empty() && clean_set != faulted_set {
        row.silent = true;
    }
    // An audit that could not read everything must not pass, at any threshold.
    if !gc900.is_empty() && !faulted.fails(gatecheck::report::Severity::Critical) {
        row.silent = true;
        row.problems
            .push("an incomplete audit passes at --fail-on critical".into());
    }
    row
}

fn print_table(rows: &[Row]) {
    println!();
    println!(
        "{:<52} {:>6} {:>9} {:>10} {:>6} {:>7} {:>6} {:>7}",
        "scenario", "faults", "completed", "findings", "GC900", "panics", "leaks", "silent"
    );
    for r in rows {
        println!(
            "{:<52} {:>6} {:>9} {:>10} {:>6} {:>7} {:>6} {:>7}",
            r.scenario,
            r.faults,
            if r.completed { "yes" } else { "no" },
            match r.identical {
                Some(true) => "identical",
                Some(false) => "differ",
                None => "-",
            },
            r.gc900,
            u8::from(r.panicked),
            r.leaks,
            u8::from(r.silent)
        );
    }
    let total = |f: fn(&Row) -> usize| rows.iter().map(f).sum::<usize>();
    println!(
        "{} scenarios · {} faults injected · {} audits completed · panics {} · leaked values {} · silent passes {}",
        rows.len(),
        total(|r| r.faults),
        total(|r| usize::from(r.completed)),
        total(|r| usize::from(r.panicked)),
        total(|r| r.leaks),
        total(|r| usize::from(r.silent))
    );
}

/// The CLI audits the emulator's default account (it sends no account header) under each
/// log filter, `-vv` included: no key value may reach stdout or stderr.
async fn secrets_under_every_log_filter() -> Row {
    let account = TestAccount::new("123456789012", "il-central-1");
    seed_demo_account(&account.seeder()).await.expect("seed");
    let filters = [
        "trace",
        "aws=trace",
        "a=trace",
        "aws_smithy_runtime=trace",
        "debug,hyper=trace",
        "[{x}]=trace",
    ];
    let mut row = Row {
        scenario: format!("secrets under {} log filters (CLI, -vv)", filters.len()),
        faults: 0,
        completed: true,
        identical: None,
        gc900: 0,
        panicked: false,
        leaks: 0,
        silent: false,
        problems: Vec::new(),
    };
    for filter in filters {
        let mut env = support::bin::moto_env();
        env.push(("GATECHECK_LOG", filter.to_string()));
        let run = support::bin::run_with(&["audit", "--region", "il-central-1", "-vv"], &env);
        row.completed &= run.code == 1;
        row.panicked |= run.stderr.contains("panicked");
        row.leaks += DEMO_KEY_VALUES
            .iter()
            .filter(|v| run.stdout.contains(*v) || run.stderr.contains(*v))
            .count();
    }
    if row.leaks > 0 {
        row.problems
            .push(format!("{} key values leaked into the logs", row.leaks));
    }
    if !row.completed {
        row.problems
            .push("an audit did not complete with its findings' exit code".into());
    }
    row
}

/// The reads an audit makes, as the fault proxy matches them.
const READS: &[(&str, &str)] = &[
    ("GetRestApis", "GET /restapis?"),
    ("GetResources", "GET /restapis/*/resources"),
    ("GetStages", "GET /restapis/*/stages"),
    ("GetAuthorizers", "GET /restapis/*/authorizers"),
    ("GetGatewayResponses", "GET /restapis/*/gatewayresponses"),
    ("GetDeployment", "GET /restapis/*/deployments/"),
    ("GetUsagePlans", "GET /usageplans?"),
    ("GetUsagePlanKeys", "GET /usageplans/*/keys"),
    ("GetApiKeys", "GET /apikeys"),
    ("GetAccount", "GET /account"),
    ("GetDomainNames", "GET /domainnames?"),
    ("GetBasePathMappings", "GET /domainnames/*/basepathmappings"),
    ("GetDomainNameAccessAssociations", "GET /domainnameaccessassociations"),
    ("ListRoutingRules", "GET /v2/domainnames/*/routingrules"),
    ("GetWebACL", "x-amz-target: AWSWAF_20190729.GetWebACL"),
    ("GetIPSet", "x-amz-target: AWSWAF_20190729.GetIPSet"),
    ("DescribeVpcEndpoints", "body:Action=DescribeVpcEndpoints"),
    ("ListDistributions", "GET /2020-05-31/distribution"),
    ("GetOriginRequestPolicy", "GET /2020-05-31/origin-request-policy/"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_scenarios_lose_nothing_and_leak_nothing() {
    let moto = &support::moto().endpoint;
    let direct = TestAccount::at_with(moto, ACCOUNT, REGION, support::fast_retries());
    seed_demo_account(&direct.seeder()).await.expect("seed");
    let unlimited = CollectOptions::default;
    let (clean_snapshot, clean) = audit(&direct, None, unlimited()).await.unwrap().expect("clean audit");
    assert!(
        clean.findings.iter().all(|f| f.check != "GC900"),
        "the clean audit sees everything"
    );
    let mut rows = Vec::new();

    // Every call fails once with a retryable fault; the SDK's retries see it through.
    let retryable = [
        ("429 TooManyRequests + Retry-After", Fault::Throttle),
        ("500 Internal Server Error", Fault::ServerError),
        ("503 ServiceUnavailable", Fault::Unavailable),
        ("connection reset", Fault::Reset),
        ("slow answer (50 ms)", Fault::Slow(Duration::from_millis(50))),
    ];
    for (name, fault) in retryable {
        let proxy = fault_proxy::start(moto, vec![Rule::once_per_request("", fault)]);
        let account = TestAccount::at_with(&proxy.endpoint, ACCOUNT, REGION, support::fast_retries());
        let result = audit(&account, None, unlimited()).await;
        rows.push(judge(
            &format!("{name}, every call once"),
            &clean,
            result,
            Some(&proxy),
            true,
        ));
    }

    // Each read denied in turn.
    for (operation, pattern) in READS {
        let proxy = fault_proxy::start(moto, vec![Rule::always(pattern, Fault::Deny)]);
        let account = TestAccount::at_with(&proxy.endpoint, ACCOUNT, REGION, support::fast_retries());
        let result = audit(&account, None, unlimited()).await;
        let mut row = judge(
            &format!("AccessDenied on {operation}"),
            &clean,
            result,
            Some(&proxy),
            false,
        );
        if proxy.stats.injected_total() == 0 {
            row.problems.push(format!("{operation} was never called"));
        }
        rows.push(row);
    }

    // One usage plan's keys denied: only that plan's stages are blind, every other plan's
    // findings stand (judge() counts any lost without a gap that covers it).
    let plan = clean_snapshot
        .usage_plans
        .iter()
        .find(|p| !p.api_stages.is_empty())
        .expect("a plan with stages");
    let proxy = fault_proxy::start(
        moto,
        vec![Rule::always(&format!("GET /usageplans/{}/keys", plan.id), Fault::Deny)],
    );
    let account = TestAccount::at_with(&proxy.endpoint, ACCOUNT, REGION, support::fast_retries());
    let result = audit(&account, None, unlimited()).await;
    let mut row = judge(
        "AccessDenied on one plan's GetUsagePlanKeys",
        &clean,
        result,
        Some(&proxy),
        false,
    );
    if row.gc900 != 1 {
        row.problems.push(format!("{} GC900s for one plan's keys", row.gc900));
    }
    rows.push(row);

    // The CLI's logs under every filter a user might set: no key value in what it prints.
    rows.push(secrets_under_every_log_filter().await);

    // API Gateway's quota enforced as AWS does; no SDK retries to hide a 429. With the
    // default limiter nothing is throttled; without it, the same audit is.
    for (name, limits) in [
        ("quota 10/s burst 40, default limiter", Some(RateLimits::default())),
        ("quota 10/s burst 40, no limiter (control)", None),
    ] {
        // The quota exactly: the limiter's own margin absorbs loopback jitter.
        let proxy = fault_proxy::with_quota(moto, 10, 40);
        let account = TestAccount::at(&proxy.endpoint, ACCOUNT, REGION);
        let result = audit(&account, limits, CollectOptions::default()).await;
        let throttled = proxy.stats.over_quota.load(std::sync::atomic::Ordering::Relaxed);
        let mut row = judge(name, &clean, result, Some(&proxy), limits.is_some());
        if limits.is_some() && throttled > 0 {
            row.problems
                .push(format!("{throttled} requests were throttled despite the limiter"));
        }
        if limits.is_none() && throttled == 0 {
            row.problems
                .push("the control run was not throttled: the quota test proves nothing".into());
        }
        if limits.is_none() && row.gc900 == 0 {
            row.silent = true;
            row.problems.push("throttled reads with no retries and no GC900".into());
        }
        rows.push(row);
    }

    // The deadline has passed before the audit starts: no call goes out, not even the
    // region's lists; each unread part is a GC900 saying so, and nothing is guessed.
    let options = CollectOptions {
        deadline: Some(Instant::now()),
        ..CollectOptions::default()
    };
    let result = audit(&direct, None, options).await;
    if let Ok(Some((_, report))) = &result {
        let gc900: Vec<&Finding> = report.findings.iter().filter(|f| f.check == "GC900").collect();
        assert!(gc900.iter().any(|f| f.detail.starts_with("GetRestApis")), "{gc900:#?}");
        assert!(
            gc900
                .iter()
                .all(|f| f.detail.contains("not read before the function's deadline")),
            "{gc900:#?}"
        );
    }
    rows.push(judge("deadline reached before the audit", &clean, result, None, false));

    print_table(&rows);
    let problems: Vec<String> = rows
        .iter()
        .flat_map(|r| r.problems.iter().map(move |p| format!("{}: {p}", r.scenario)))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(rows
        .iter()
        .all(|r| !r.panicked && r.leaks == 0 && !r.silent && r.completed));
    assert!(rows
        .iter()
        .filter(|r| r.scenario.contains("every call once"))
        .all(|r| r.faults >= 50));
}

/// The function in-process over moto's default account (it sends no account header), in a
/// region of its own, publishing to a topic there.
mod lambda {
    use super::*;
    use gatecheck::lambda::{Function, Settings};
    use serde_json::Value;

    pub const REGION: &str = "ap-southeast-2";
    const DEFAULT_ACCOUNT: &str = "123456789012";

    pub async fn topic_with_a_critical_finding() -> String {
        static TOPIC: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
        TOPIC
            .get_or_init(|| async {
                let account = TestAccount::new(DEFAULT_ACCOUNT, REGION);
                let s = account.seeder();
                let mut api = s.api("no-usage-plan").await.expect("api");
                s.keyed(&mut api, "/orders", "GET").await.expect("method");
                s.deploy(&api, "prod").await.expect("deploy");
                support::topic(
                    &support::sdk_config(&support::moto().endpoint, REGION),
                    "gatecheck-findings",
                )
                .await
            })
            .await
            .clone()
    }

    pub fn function(endpoint: &str, topic: &str) -> Function {
        let settings = Settings::from_lookup(|name| match name {
            "GATECHECK_REGIONS" => Some(REGION.to_string()),
            "GATECHECK_TOPIC_ARN" => Some(topic.to_string()),
            _ => None,
        })
        .expect("settings");
        Function::with_sdk_config(
            settings,
            support::sdk_config_with(endpoint, REGION, support::fast_retries()),
        )
    }

    pub fn scheduled() -> Value {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/events/scheduled.json")).expect("event");
        serde_json::from_str(&text).expect("json")
    }
}

#[tokio::test]
async fn a_failed_publish_fails_the_invocation_so_lambda_retries_it() {
    let topic = lambda::topic_with_a_critical_finding().await;
    let moto = &support::moto().endpoint;

    let published = lambda::function(moto, &topic)
        .handle(lambda::scheduled())
        .await
        .expect("publishes");
    assert!(published["published_message_id"].is_string(), "{published}");

    let proxy = fault_proxy::start(moto, vec![Rule::always("body:Action=Publish", Fault::Deny)]);
    let err = lambda::function(&proxy.endpoint, &topic)
        .handle(lambda::scheduled())
        .await
        .expect_err("a publish that fails is the invocation's error");
    assert!(
        err.to_string().contains("SNS publish") && err.to_string().contains("AccessDenied"),
        "{err:#}"
    );
    assert_eq!(proxy.stats.injected_total(), 1, "only Publish was refused");
}

fn reports(response: &serde_json::Value, check: &str) -> bool {
    response["findings"]
        .as_array()
        .is_some_and(|findings| findings.iter().any(|f| f["check"] == check))
}

#[tokio::test]
async fn a_read_still_in_flight_at_the_deadline_is_cut_off_and_reported() {
    let topic = lambda::topic_with_a_critical_finding().await;
    // Every GetStages answer takes ten minutes: far past any invocation's time.
    let proxy = fault_proxy::start(
        &support::moto().endpoint,
        vec![Rule::always(
            "GET /restapis/*/stages",
            Fault::Slow(std::time::Duration::from_secs(600)),
        )],
    );
    let function = lambda::function(&proxy.endpoint, &topic);
    let response = function
        .handle_reading_until(
            lambda::scheduled(),
            std::time::Instant::now() + std::time::Duration::from_secs(2),
        )
        .await
        .expect("a report, in time to publish it");
    let cut: Vec<&str> = response["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"] == "GC900")
        .filter_map(|f| f["detail"].as_str())
        .filter(|d| d.starts_with("GetStages") && d.contains("not read before the function's deadline"))
        .collect();
    assert!(!cut.is_empty(), "{response}");
    assert_eq!(response["passed"], false, "an incomplete audit does not pass");
    assert!(response["published_message_id"].is_string(), "{response}");
}

#[tokio::test]
async fn at_the_deadline_reads_stop_and_the_gap_is_reported_and_published() {
    let topic = lambda::topic_with_a_critical_finding().await;
    let function = lambda::function(&support::moto().endpoint, &topic);
    // The read deadline has already come: no API may be read any more. (Given as an instant,
    // not as the runtime's epoch milliseconds, so a slow machine cannot turn it into "none".)
    let response = function
        .handle_reading_until(lambda::scheduled(), std::time::Instant::now())
        .await
        .expect("a report");
    let findings = response["findings"].as_array().expect("findings");
    let gc900: Vec<&str> = findings
        .iter()
        .filter(|f| f["check"] == "GC900")
        .map(|f| f["detail"].as_str().unwrap_or_default())
        .collect();
    assert!(!gc900.is_empty(), "{response}");
    assert!(
        gc900
            .iter()
            .all(|d| d.contains("not read before the function's deadline")),
        "{gc900:?}"
    );
    assert!(
        findings.iter().all(|f| f["check"] != "GC301"),
        "no finding guessed on an API that was not read"
    );
    assert!(
        response["published_message_id"].is_string(),
        "still published: {response}"
    );
    // A deadline already past when the invocation starts (a local emulator's 0) is no
    // deadline: everything is read.
    let response = function.handle_until(lambda::scheduled(), 0).await.expect("a report");
    assert!(reports(&response, "GC301"), "{response}");
    // With time to spare, the same invocation reads the API.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64;
    let later = now_ms + 600_000;
    let response = function
        .handle_until(lambda::scheduled(), later)
        .await
        .expect("a report");
    assert!(reports(&response, "GC301"), "{response}");
}

/// A row for one of the state's scenarios, judged by the problems it found.
fn state_row(scenario: &str, completed: bool, problems: Vec<String>) -> Row {
    Row {
        scenario: scenario.to_string(),
        faults: 0,
        completed,
        identical: None,
        gc900: 0,
        panicked: false,
        leaks: 0,
        silent: !problems.is_empty(),
        problems,
    }
}

/// `problem` when `ok` is false.
fn unless(ok: bool, problem: &str, problems: &mut Vec<String>) {
    if !ok {
        problems.push(problem.to_string());
    }
}

/// The state between audits: corrupt, foreign, two writers at once, a flood of resolutions,
/// and Security Hub failing after the topic took the news. The function's scheduled runs with
/// a state bucket and a topic, each scenario in its own region of the emulator's default
/// account, with a keyed API no plan lists (GC301). A table of its own, printed by
/// `make reliability` after the faults'.
#[tokio::test]
async fn fault_scenarios_of_the_state_lose_no_news() {
    let rows = state_scenarios().await;
    print_table(&rows);
    let problems: Vec<String> = rows
        .iter()
        .flat_map(|r| r.problems.iter().map(move |p| format!("{}: {p}", r.scenario)))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

async fn state_scenarios() -> Vec<Row> {
    use gatecheck::report::Change;
    use support::function::{scheduled, Setup, ACCOUNT};
    let change_of = |report: &Report, api: &str| -> Vec<Option<Change>> {
        report
            .findings
            .iter()
            .chain(&report.resolved)
            .filter(|f| f.check == "GC301" && f.api_id.as_deref() == Some(api))
            .map(|f| f.change)
            .collect()
    };
    let s3 = |sdk: &aws_config::SdkConfig| {
        aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(sdk).force_path_style(true).build())
    };
    let mut rows = Vec::new();

    rows.push(
        Box::pin(async {
            // Corrupt: the findings still go out, the state is said unusable and left for a person.
            let setup = Setup::new("us-west-1").await;
            let orders = setup
                .account
                .seeder()
                .keyed_api("orders", "/orders", "POST")
                .await
                .expect("api");
            let key = format!("gatecheck/{ACCOUNT}/{}/state.json", setup.region);
            let garbage = "{\"schema_version\": 1, \"snapshot\": [";
            s3(&setup.sdk)
                .put_object()
                .bucket(&setup.bucket)
                .key(&key)
                .body(garbage.as_bytes().to_vec().into())
                .send()
                .await
                .expect("put");
            let mut problems = Vec::new();
            let (report, response) = Box::pin(setup.run(&setup.function(&[]))).await;
            unless(
                response["state_error"].is_string(),
                "the unusable state was not said",
                &mut problems,
            );
            unless(
                change_of(&report, &orders.id) == [None],
                "a change was guessed without a state",
                &mut problems,
            );
            let published = setup.published().await;
            unless(
                published.iter().any(|(_, body)| body.contains("GC301")),
                "the findings did not go out",
                &mut problems,
            );
            state_row("corrupt state object", true, problems)
        })
        .await,
    );
    rows.push(
        Box::pin(async {
            // Another account's state where this one's belongs: refused and left as it was; nothing
            // announced new on a guess.
            let setup = Setup::new("us-west-2").await;
            let orders = setup
                .account
                .seeder()
                .keyed_api("orders", "/orders", "POST")
                .await
                .expect("api");
            Box::pin(setup.run(&setup.function(&[]))).await;
            setup.published().await;
            let mut foreign = setup.state().await;
            foreign.account = Some("999988887777".into());
            let foreign_json = gatecheck::state::state_json(&foreign);
            s3(&setup.sdk)
                .put_object()
                .bucket(&setup.bucket)
                .key(format!("gatecheck/{ACCOUNT}/{}/state.json", setup.region))
                .body(foreign_json.as_bytes().to_vec().into())
                .send()
                .await
                .expect("put");
            let mut problems = Vec::new();
            let (report, response) = Box::pin(setup.run(&setup.function(&[]))).await;
            unless(
                response["state_error"]
                    .as_str()
                    .is_some_and(|e| e.contains("999988887777")),
                "the foreign state was not named",
                &mut problems,
            );
            unless(
                change_of(&report, &orders.id) != [Some(Change::New)],
                "announced new again",
                &mut problems,
            );
            unless(
                {
                    let object = s3(&setup.sdk)
                        .get_object()
                        .bucket(&setup.bucket)
                        .key(format!("gatecheck/{ACCOUNT}/{}/state.json", setup.region))
                        .send()
                        .await
                        .expect("the state");
                    object.body.collect().await.expect("body").into_bytes() == foreign_json.as_bytes()
                },
                "the foreign state was overwritten",
                &mut problems,
            );
            state_row("state of another account", true, problems)
        })
        .await,
    );
    rows.push(
        Box::pin(async {
            // Two runs at once after a fix and a break: each change announced once in all.
            let setup = Setup::new("us-east-2").await;
            let seeder = setup.account.seeder();
            let orders = seeder.keyed_api("orders", "/orders", "POST").await.expect("api");
            let key = seeder
                .key("reliability-key", true, DEMO_KEY_VALUES[3])
                .await
                .expect("key");
            Box::pin(setup.run(&setup.function(&[("GATECHECK_NOTIFY", "all")]))).await;
            setup.published().await;
            seeder
                .plan("orders-plan", &[(&orders, "prod")], &[&key])
                .await
                .expect("plan");
            let later = seeder.keyed_api("later", "/later", "GET").await.expect("api");
            let (one, two) = (
                setup.function(&[("GATECHECK_NOTIFY", "all")]),
                setup.function(&[("GATECHECK_NOTIFY", "all")]),
            );
            let (a, b) = Box::pin(async { tokio::join!(one.handle(scheduled()), two.handle(scheduled())) }).await;
            let mut problems = Vec::new();
            unless(a.is_ok() && b.is_ok(), "a run failed", &mut problems);
            let published = setup.published().await;
            // Each message is one run's news: a change told twice is in two messages.
            let count = |api: &str, change: &str| {
                published
                    .iter()
                    .filter(|(c, body)| c.contains(change) && body.contains(api))
                    .count()
            };
            unless(
                count(&later.id, "new") == 1,
                "the new finding was not announced exactly once",
                &mut problems,
            );
            unless(
                count(&orders.id, "resolved") == 1,
                "the resolution was not announced exactly once",
                &mut problems,
            );
            state_row(
                "two runs at once (concurrent writers)",
                a.is_ok() && b.is_ok(),
                problems,
            )
        })
        .await,
    );
    rows.push(
        Box::pin(async {
            // 160 findings resolved at once with GATECHECK_NOTIFY=all: the message is trimmed to
            // SNS's limit, says how many it left out, and the state is saved.
            let setup = Setup::new("sa-east-1").await;
            setup
                .account
                .seeder()
                .keyed_api("orders", "/orders", "POST")
                .await
                .expect("api");
            Box::pin(setup.run(&setup.function(&[]))).await;
            setup.published().await;
            let mut flooded = setup.state().await;
            let template = flooded
                .findings
                .iter()
                .find(|f| f.check == "GC301")
                .expect("GC301")
                .clone();
            for i in 0..160 {
                flooded.findings.push(gatecheck::report::Finding {
                    fingerprint: format!("flood{i:015}").into(),
                    api_id: Some(format!("gone{i:06}").into()),
                    detail: format!("{} {}", template.detail, "x".repeat(1_500)),
                    ..template.clone()
                });
            }
            setup.save(&flooded).await;
            let mut problems = Vec::new();
            let (report, response) = Box::pin(setup.run(&setup.function(&[("GATECHECK_NOTIFY", "all")]))).await;
            unless(report.resolved.len() >= 160, "the flood did not resolve", &mut problems);
            unless(response["states_saved"] == 1, "the state was not saved", &mut problems);
            let published = setup.published().await;
            unless(
                published
                    .iter()
                    .any(|(_, body)| body.contains("more resolved finding(s) were left out")),
                "no message said what it left out",
                &mut problems,
            );
            unless(
                setup.state().await.findings.len() < 10,
                "the resolutions stayed in the state",
                &mut problems,
            );
            state_row("160 resolved at once, notify=all", true, problems)
        })
        .await,
    );
    rows.push(
        Box::pin(async {
            // Security Hub refuses the import after the topic took a resolution: the state keeps it
            // for Security Hub, and the next run resolves it there.
            let setup = Setup::new("ap-southeast-4").await;
            let seeder = setup.account.seeder();
            let orders = seeder.keyed_api("orders", "/orders", "POST").await.expect("api");
            let key = seeder.key("hub-key", true, DEMO_KEY_VALUES[3]).await.expect("key");
            let hub = [("GATECHECK_SECURITY_HUB", "true")];
            Box::pin(setup.run(&setup.function(&hub))).await;
            seeder
                .plan("orders-plan", &[(&orders, "prod")], &[&key])
                .await
                .expect("plan");
            let proxy = fault_proxy::start(
                &support::moto().endpoint,
                vec![Rule::always("POST /findings/import", Fault::Deny)],
            );
            let refused = setup.function_at(&support::sdk_config(&proxy.endpoint, &setup.region), &hub);
            let mut problems = Vec::new();
            unless(
                Box::pin(refused.handle(scheduled())).await.is_err(),
                "the failed import passed",
                &mut problems,
            );
            unless(
                !setup.state().await.security_hub_pending.is_empty(),
                "the resolution was not kept for Security Hub",
                &mut problems,
            );
            let (_, response) = Box::pin(setup.run(&setup.function(&hub))).await;
            unless(
                response["security_hub"]["resolved"] == 1,
                "the next run did not resolve it in Security Hub",
                &mut problems,
            );
            let mut row = state_row("Security Hub refused after the topic", true, problems);
            row.faults = proxy.stats.injected_total();
            row
        })
        .await,
    );
    rows
}
