//! Memory between audits against the emulator, through the real SDK: the function's scheduled
//! audits with a state in S3 publish only what changed, keep Security Hub current, never
//! resolve what they could not read, and re-read only what CloudTrail names plus a rotating
//! share. CloudTrail's event history and Security Hub's BatchUpdateFindings come from the
//! emulator extension (`support/moto_ext.py`), in AWS's wire shapes.

mod support;

use gatecheck::aws::s3_state::{StateLocation, StateStore};
use gatecheck::report::{Change, Report};
use serde_json::{json, Value};
use support::fault_proxy::{self, Fault, Rule};
use support::function::{scheduled, Setup, ACCOUNT};
use support::seed::{Api, Seeder};

const KEY_VALUE: &str = "state-test-key-value-0001";

/// `orders` with a keyed method no plan lists (GC301), `catalog` listed by a plan with an
/// enabled key: returns (orders, catalog, key id).
async fn seed(seeder: &Seeder) -> (Api, Api, String) {
    let orders = seeder.keyed_api("orders", "/orders", "POST").await.expect("orders");
    let catalog = seeder.keyed_api("catalog", "/items", "GET").await.expect("catalog");
    let key = seeder.key("catalog-client", true, KEY_VALUE).await.expect("key");
    seeder
        .plan("catalog-plan", &[(&catalog, "prod")], &[&key])
        .await
        .expect("plan");
    (orders, catalog, key)
}

fn of(report: &Report, check: &str, api: &str) -> Vec<Option<Change>> {
    report
        .findings
        .iter()
        .chain(&report.resolved)
        .filter(|f| f.check == check && f.api_id.as_deref() == Some(api))
        .map(|f| f.change)
        .collect()
}

async fn security_hub_findings(sdk: &aws_config::SdkConfig) -> Vec<aws_sdk_securityhub::types::AwsSecurityFinding> {
    let client = aws_sdk_securityhub::Client::new(sdk);
    let mut found = Vec::new();
    let mut pages = client.get_findings().max_results(100).into_paginator().send();
    while let Some(page) = pages.next().await {
        found.extend(page.expect("findings").findings().iter().cloned());
    }
    found
}

#[tokio::test]
async fn scheduled_audits_publish_changes_and_keep_security_hub_current() {
    let setup = Setup::new("eu-north-1").await;
    let seeder = setup.account.seeder();
    let (orders, _, key) = seed(&seeder).await;
    support::trail::age_trail(&support::moto().endpoint, &setup.region, 3 * 3_600);
    let function = setup.function(&[("GATECHECK_SECURITY_HUB", "true")]);

    // First run: no state yet, so everything is read and every finding is new.
    let (first, response) = setup.run(&function).await;
    assert_eq!(of(&first, "GC301", &orders.id), [Some(Change::New)]);
    let changes = first.summary.changes.clone().expect("changes");
    assert_eq!((changes.new, changes.first_audits), (first.findings.len(), 1));
    let reads = first.summary.reads.clone().expect("reads");
    assert!(
        reads
            .full_read_because
            .as_deref()
            .unwrap_or_default()
            .contains("no stored state"),
        "{reads:?}"
    );
    assert_eq!(response["states_saved"], 1);
    let published = setup.published().await;
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0].0, "new");
    assert!(
        published[0].1.contains("GC301") && published[0].1.contains("[new]"),
        "{}",
        published[0].1
    );
    assert_eq!(response["security_hub"]["imported"], json!(first.findings.len()));
    let imported = security_hub_findings(&setup.sdk).await;
    let gc301 = first.findings.iter().find(|f| f.check == "GC301").expect("GC301");
    let in_hub = imported
        .iter()
        .find(|f| f.id() == Some(gc301.fingerprint.as_str()))
        .expect("imported by fingerprint");
    assert_eq!(in_hub.generator_id(), Some("gatecheck/GC301"));
    assert_eq!(
        in_hub.resources()[0].id(),
        Some(
            format!(
                "arn:aws:apigateway:{}::/restapis/{}/stages/prod",
                setup.region, orders.id
            )
            .as_str()
        )
    );
    assert_eq!(
        in_hub.severity().and_then(|s| s.label()).map(|l| l.as_str()),
        Some("CRITICAL")
    );
    let state = setup.state().await;
    assert_eq!(state.findings.len(), first.findings.len());
    assert!(
        !gatecheck::state::state_json(&state).contains(KEY_VALUE),
        "no key value is stored"
    );

    // Unchanged: nothing is published, and only a rotating share is read again.
    let (second, _) = setup.run(&function).await;
    assert_eq!(of(&second, "GC301", &orders.id), [Some(Change::Ongoing)]);
    let changes = second.summary.changes.clone().expect("changes");
    assert_eq!((changes.new, changes.resolved), (0, 0));
    assert!(
        setup.published().await.is_empty(),
        "an unchanged audit publishes nothing"
    );
    let reads = second.summary.reads.clone().expect("reads");
    assert_eq!(reads.full_read_because, None);
    assert_eq!(
        (reads.apis_read, reads.apis_from_state, reads.apis_changed),
        (1, 1, 0),
        "{reads:?}"
    );
    assert_eq!(second.summary.api_calls_by_operation.get("GetResources"), Some(&1));
    assert_eq!(second.summary.api_calls_by_operation.get("LookupEvents"), Some(&1));
    assert!(reads.oldest_read_at_ms.is_some());

    // A fix: the plan lists orders now. GC301 resolves, one message says so, Security Hub
    // archives the finding and sets it RESOLVED.
    seeder
        .plan("orders-plan", &[(&orders, "prod")], &[&key])
        .await
        .expect("plan");
    let (third, _) = setup.run(&function).await;
    assert_eq!(of(&third, "GC301", &orders.id), [Some(Change::Resolved)]);
    let published = setup.published().await;
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0].0, "resolved");
    assert!(published[0].1.contains("GC301"));
    let resolved = security_hub_findings(&setup.sdk).await;
    let in_hub = resolved
        .iter()
        .find(|f| f.id() == Some(gc301.fingerprint.as_str()))
        .expect("still there");
    assert_eq!(
        in_hub.workflow().and_then(|w| w.status()).map(|s| s.as_str()),
        Some("RESOLVED")
    );
    assert_eq!(in_hub.record_state().map(|s| s.as_str()), Some("ARCHIVED"));

    // A new break: the only key is disabled. The findings it causes are new, and published.
    setup
        .account
        .apigateway
        .update_api_key()
        .api_key(&key)
        .patch_operations(
            aws_sdk_apigateway::types::PatchOperation::builder()
                .op(aws_sdk_apigateway::types::Op::Replace)
                .path("/enabled")
                .value("false")
                .build(),
        )
        .send()
        .await
        .expect("disable the key");
    let (fourth, _) = setup.run(&function).await;
    let new: Vec<&str> = fourth
        .findings
        .iter()
        .filter(|f| f.change == Some(Change::New) && f.severity >= gatecheck::report::Severity::High)
        .map(|f| f.check.as_str())
        .collect();
    assert!(!new.is_empty(), "{:?}", fourth.findings);
    let published = setup.published().await;
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0].0, "new");
    assert!(new.iter().all(|check| published[0].1.contains(check)), "{new:?}");
    assert!(
        !format!("{published:?}{fourth:?}").contains(KEY_VALUE),
        "a key value leaked"
    );
}

/// Security Hub fails after the topic announced a resolution: the state keeps the resolution
/// for Security Hub, and the next run archives the finding there, announcing nothing twice.
#[tokio::test]
async fn a_resolution_security_hub_missed_is_sent_there_by_the_next_run() {
    let setup = Setup::new("af-south-1").await;
    let seeder = setup.account.seeder();
    let (orders, _, key) = seed(&seeder).await;
    let hub = [("GATECHECK_SECURITY_HUB", "true"), ("GATECHECK_NOTIFY", "all")];
    let (first, _) = setup.run(&setup.function(&hub)).await;
    let gc301 = first
        .findings
        .iter()
        .find(|f| f.check == "GC301" && f.api_id.as_deref() == Some(orders.id.as_str()))
        .expect("GC301")
        .clone();
    setup.published().await;

    // Fixed; this run's Security Hub import is refused after the topic took the news.
    seeder
        .plan("orders-plan", &[(&orders, "prod")], &[&key])
        .await
        .expect("plan");
    let proxy = fault_proxy::start(
        &support::moto().endpoint,
        vec![Rule::always("POST /findings/import", Fault::Deny)],
    );
    let refused = setup.function_at(&support::sdk_config(&proxy.endpoint, &setup.region), &hub);
    let failed = refused.handle(scheduled()).await;
    assert!(
        failed.is_err(),
        "a failed Security Hub import fails the run: {failed:?}"
    );
    let published = setup.published().await;
    assert!(
        published
            .iter()
            .any(|(change, body)| change.contains("resolved") && body.contains("GC301")),
        "{published:?}"
    );
    let pending = setup.state().await.security_hub_pending;
    assert!(
        pending.iter().any(|p| p.fingerprint == gc301.fingerprint),
        "the state keeps the resolution for Security Hub: {pending:?}"
    );
    let still_active = security_hub_findings(&setup.sdk).await;
    let in_hub = still_active
        .iter()
        .find(|f| f.id() == Some(gc301.fingerprint.as_str()))
        .expect("imported by the first run");
    assert_eq!(in_hub.record_state().map(|s| s.as_str()), Some("ACTIVE"));

    // The next run, with Security Hub back: archived there, nothing announced again.
    let (third, response) = setup.run(&setup.function(&hub)).await;
    assert!(of(&third, "GC301", &orders.id).is_empty(), "{:?}", third.resolved);
    assert!(response["security_hub"]["resolved"].as_u64() >= Some(1), "{response}");
    let resolved = security_hub_findings(&setup.sdk).await;
    let in_hub = resolved
        .iter()
        .find(|f| f.id() == Some(gc301.fingerprint.as_str()))
        .expect("still there");
    assert_eq!(in_hub.record_state().map(|s| s.as_str()), Some("ARCHIVED"));
    assert_eq!(
        in_hub.workflow().and_then(|w| w.status()).map(|s| s.as_str()),
        Some("RESOLVED")
    );
    assert!(setup.published().await.is_empty(), "nothing is announced twice");
    assert!(setup.state().await.security_hub_pending.is_empty());
}

#[tokio::test]
async fn a_part_that_cannot_be_read_resolves_nothing() {
    let setup = Setup::new("eu-south-1").await;
    let (orders, _, _) = seed(&setup.account.seeder()).await;
    let (first, _) = setup.run(&setup.function(&[("GATECHECK_NOTIFY", "all")])).await;
    assert_eq!(of(&first, "GC301", &orders.id), [Some(Change::New)]);
    setup.published().await;

    // Now orders changes (so this audit reads it again) and its stages cannot be read: its
    // GC301 is not known to be fixed.
    setup
        .account
        .apigateway
        .update_rest_api()
        .rest_api_id(&orders.id)
        .patch_operations(
            aws_sdk_apigateway::types::PatchOperation::builder()
                .op(aws_sdk_apigateway::types::Op::Replace)
                .path("/description")
                .value("changed")
                .build(),
        )
        .send()
        .await
        .expect("update");
    let proxy = fault_proxy::start(
        &support::moto().endpoint,
        vec![Rule::always(
            &format!("GET /restapis/{}/stages", orders.id),
            Fault::Deny,
        )],
    );
    let denied = support::sdk_config(&proxy.endpoint, &setup.region);
    let (second, _) = setup
        .run(&setup.function_at(&denied, &[("GATECHECK_STATE_BUCKET", &setup.bucket)]))
        .await;
    assert!(second.resolved.is_empty(), "{:?}", second.resolved);
    assert_eq!(of(&second, "GC301", &orders.id), [Some(Change::Ongoing)]);
    assert_eq!(of(&second, "GC900", &orders.id), [Some(Change::New)]);
    assert_eq!(second.summary.changes.as_ref().map(|c| c.kept_unread), Some(1));
    let published = setup.published().await;
    assert_eq!(published.len(), 1, "only the new GC900: {published:?}");
    assert_eq!(published[0].0, "new");
    assert!(
        published[0].1.contains("GC900") && !published[0].1.contains("Resolved since"),
        "{}",
        published[0].1
    );
    let state = setup.state().await;
    assert!(state.findings.iter().any(|f| f.check == "GC301"), "kept in the state");
    let stored = state
        .snapshot
        .rest_apis
        .iter()
        .find(|a| a.id == orders.id)
        .expect("orders");
    assert_eq!(stored.read_at_ms, None, "read again next time");

    // Readable again: the GC900 resolves, GC301 stands.
    let (third, _) = setup.run(&setup.function(&[])).await;
    assert_eq!(of(&third, "GC900", &orders.id), [Some(Change::Resolved)]);
    assert_eq!(of(&third, "GC301", &orders.id), [Some(Change::Ongoing)]);
}

#[tokio::test]
async fn a_change_cloudtrail_names_is_read_again_and_matches_a_full_audit() {
    let setup = Setup::new("ca-central-1").await;
    // Built as the console builds methods: what API Gateway answers with nulls in its maps
    // goes through the stored state as well.
    let seeder = setup.account.seeder().console_shaped();
    let (_, catalog, _) = seed(&seeder).await;
    let mut others = Vec::new();
    for i in 0..4 {
        others.push(seeder.keyed_api(&format!("quiet-{i}"), "/x", "GET").await.expect("api"));
    }
    support::trail::age_trail(&support::moto().endpoint, &setup.region, 3 * 3_600);
    let function = setup.function(&[]);
    setup.run(&function).await;

    // catalog gets a new stage, on a new deployment, that no plan lists: only its own read
    // shows it.
    seeder.deploy(&catalog, "beta").await.expect("deploy beta");
    let (light, _) = setup.run(&function).await;
    let reads = light.summary.reads.clone().expect("reads");
    assert!(reads.trail_events >= 1 && reads.apis_changed == 1, "{reads:?}");
    assert!(reads.apis_read <= 2, "catalog and at most one in rotation: {reads:?}");
    let beta: Vec<_> = light
        .findings
        .iter()
        .filter(|f| f.check == "GC301" && f.api_id.as_deref() == Some(catalog.id.as_str()))
        .map(|f| (f.stage.as_deref().unwrap_or_default(), f.change))
        .collect();
    assert_eq!(beta, [("beta", Some(Change::New))]);

    // A web ACL put on quiet-0's stage: WAFv2 records the stage by its `resourceArn`, which
    // names the API to read again.
    seeder
        .web_acl("quiet-acl", false, &[], (&others[0], "prod"))
        .await
        .expect("web ACL");
    let (light, _) = setup.run(&function).await;
    let reads = light.summary.reads.clone().expect("reads");
    // Two: quiet-0, and catalog again, whose deployment is still in the look-back's overlap.
    assert_eq!(reads.apis_changed, 2, "the associated stage's API: {reads:?}");

    // The same account read in full gives the same findings.
    let full = setup
        .account
        .audit(None, &gatecheck::aws::CollectOptions::default())
        .await
        .expect("full audit")
        .1;
    let fingerprints = |r: &Report| {
        let mut all: Vec<String> = r.findings.iter().map(|f| f.fingerprint.to_string()).collect();
        all.sort();
        all
    };
    assert_eq!(fingerprints(&light), fingerprints(&full));
    assert!(
        light.summary.api_calls < full.summary.api_calls,
        "{} vs {}",
        light.summary.api_calls,
        full.summary.api_calls
    );
}

/// A busy account: other services' writes fill CloudTrail's history between two audits. The
/// light audit still finds the one change that matters, without reading everything, and its
/// lookups do not grow with the others' writes.
#[tokio::test]
async fn other_services_writes_do_not_make_the_light_audit_read_everything() {
    let setup = Setup::new("me-central-1").await;
    let seeder = setup.account.seeder();
    let (_, catalog, _) = seed(&seeder).await;
    let endpoint = &support::moto().endpoint;
    support::trail::age_trail(endpoint, &setup.region, 3 * 3_600);
    let function = setup.function(&[]);
    setup.run(&function).await;

    let lookups_with = |others: usize| {
        let setup = &setup;
        let seeder = &seeder;
        let catalog = &catalog;
        let function = &function;
        async move {
            support::trail::other_writes(endpoint, ACCOUNT, &setup.region, others);
            seeder.deploy(catalog, &format!("beta{others}")).await.expect("deploy");
            let (light, _) = setup.run(function).await;
            let reads = light.summary.reads.clone().expect("reads");
            assert_eq!(reads.full_read_because, None, "{reads:?}");
            assert!(reads.apis_changed >= 1 && reads.apis_read < 5, "{reads:?}");
            let stage = format!("beta{others}");
            assert!(
                light.findings.iter().any(|f| f.check == "GC301"
                    && f.stage.as_deref() == Some(stage.as_str())
                    && f.change == Some(Change::New)),
                "the new stage's GC301 is announced"
            );
            light.summary.api_calls_by_operation["LookupEvents"]
        }
    };
    // More than WRITE_PAGES pages of other services' writes, then four times as many: the
    // lookups are one per event name either way (with a page more for SNS's TagResource,
    // which shares a name with API Gateway's).
    let busy = lookups_with(600).await;
    let busier = lookups_with(2_400).await;
    let names = gatecheck::cloudtrail::EVENTS
        .iter()
        .map(|e| e.name)
        .collect::<std::collections::BTreeSet<_>>()
        .len() as u64;
    let write_pages = gatecheck::aws::cloudtrail::WRITE_PAGES;
    assert!(busy >= write_pages + names && busy <= write_pages + names + 4, "{busy}");
    assert!(busier <= busy + 10, "{busy} lookups, then {busier}");
}

#[tokio::test]
async fn the_rotation_reads_every_api_within_the_period() {
    let setup = Setup::new("ap-northeast-3").await;
    let seeder = setup.account.seeder();
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(
            seeder
                .keyed_api(&format!("rotating-{i}"), "/x", "GET")
                .await
                .expect("api")
                .id,
        );
    }
    support::trail::age_trail(&support::moto().endpoint, &setup.region, 3 * 3_600);
    let function = setup.function(&[("GATECHECK_FULL_REFRESH", "24h")]);
    setup.run(&function).await;

    // Each run a moment after the last reads ceil(4 × interval / 24 h) = 1 API: the one read
    // longest ago. Four runs read all four.
    let mut read = std::collections::BTreeSet::new();
    for _ in 0..4 {
        let before = setup.state().await;
        let (report, _) = setup.run(&function).await;
        assert_eq!(report.summary.reads.as_ref().map(|r| r.apis_read), Some(1));
        let after = setup.state().await;
        let oldest = before
            .snapshot
            .rest_apis
            .iter()
            .min_by_key(|a| (a.read_at_ms, a.id.clone()))
            .expect("apis");
        let fresh: Vec<&str> = after
            .snapshot
            .rest_apis
            .iter()
            .filter(|a| a.read_at_ms > before.snapshot.rest_apis.iter().filter_map(|b| b.read_at_ms).max())
            .map(|a| a.id.as_str())
            .collect();
        assert_eq!(fresh, [oldest.id.as_str()], "the oldest is read");
        read.insert(oldest.id.to_string());
    }
    assert_eq!(read.len(), 4, "every API read within four runs");

    // What is older than the period is read whatever the slice.
    let mut aged = setup.state().await;
    let day_and_more = 25 * 3_600_000;
    for api in &mut aged.snapshot.rest_apis {
        api.read_at_ms = api.read_at_ms.map(|at| at - day_and_more);
    }
    setup.save(&aged).await;
    let (report, _) = setup.run(&function).await;
    assert_eq!(report.summary.reads.as_ref().map(|r| r.apis_read), Some(ids.len()));
}

#[tokio::test]
async fn the_cli_marks_changes_and_writes_asff_and_ocsf() {
    let region = "eu-west-3";
    let setup = Setup::new(region).await;
    let (orders, _, _) = seed(&setup.account.seeder()).await;
    let mut env = support::bin::moto_env();
    env.push(("AWS_REGION", region.to_string()));
    let state = format!("s3://{}/cli", setup.bucket);
    let args = |format: &'static str| ["audit", "--state", state.as_str(), "--format", format];
    let first = support::bin::run_with(&args("json"), &env);
    assert_eq!(first.code, 1, "{}", first.stderr);
    let report: Report = serde_json::from_str(&first.stdout).expect("json");
    assert_eq!(of(&report, "GC301", &orders.id), [Some(Change::New)]);

    let text = support::bin::run_with(&["audit", "--state", &state], &env);
    assert!(
        text.stdout.contains("Since the previous audit: 0 new"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("from the stored state"), "{}", text.stdout);

    let asff = support::bin::run_with(&args("asff"), &env);
    let asff: Value = serde_json::from_str(&asff.stdout).expect("asff json");
    let gc301 = asff["Findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["GeneratorId"] == "gatecheck/GC301")
        .expect("GC301")
        .clone();
    assert_eq!(gc301["SchemaVersion"], "2018-10-08");
    assert_eq!(
        gc301["ProductArn"],
        format!("arn:aws:securityhub:{region}:{ACCOUNT}:product/{ACCOUNT}/default")
    );
    assert_eq!(gc301["Severity"]["Label"], "CRITICAL");
    assert_eq!(gc301["Resources"][0]["Type"], "AwsApiGatewayStage");
    assert_eq!(gc301["ProductFields"]["gatecheck/Change"], "ongoing");

    let ocsf = support::bin::run_with(&args("ocsf"), &env);
    let ocsf: Value = serde_json::from_str(&ocsf.stdout).expect("ocsf json");
    let event = ocsf
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["compliance"]["control"] == "GC301")
        .expect("GC301")
        .clone();
    assert_eq!(
        (event["class_uid"].as_u64(), event["type_uid"].as_u64()),
        (Some(2003), Some(200302))
    );
    assert_eq!(event["status"], "In Progress");
    assert_eq!(event["severity_id"], 5);
    assert_eq!(event["cloud"]["account"]["uid"], ACCOUNT);
    for out in [&first.stdout, &text.stdout] {
        assert!(!out.contains(KEY_VALUE), "a key value leaked");
    }
}

#[tokio::test]
async fn an_audit_after_a_deployment_updates_that_api_in_the_state() {
    let setup = Setup::new("eu-central-2").await;
    let seeder = setup.account.seeder();
    let (orders, catalog, key) = seed(&seeder).await;
    let function = setup.function(&[]);
    setup.run(&function).await;
    setup.published().await;
    let before = setup.state().await;

    // The fix ships: a plan lists orders/prod, and the deployment's CloudTrail event arrives.
    seeder
        .plan("orders-plan", &[(&orders, "prod")], &[&key])
        .await
        .expect("plan");
    seeder.deploy(&orders, "prod").await.expect("deploy");
    let mut event: Value = serde_json::from_str(include_str!("../events/create-deployment.json")).expect("event");
    event["region"] = json!(setup.region);
    event["detail"]["awsRegion"] = json!(setup.region);
    event["detail"]["requestParameters"]["restApiId"] = json!(orders.id);
    let response = function.handle(event).await.expect("invocation");
    let report: Report = serde_json::from_value(response).expect("a report");
    assert_eq!(of(&report, "GC301", &orders.id), [Some(Change::Resolved)]);
    let published = setup.published().await;
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0].0, "resolved");

    let after = setup.state().await;
    let read_at = |state: &gatecheck::state::State, id: &str| {
        state
            .snapshot
            .rest_apis
            .iter()
            .find(|a| a.id == id)
            .and_then(|a| a.read_at_ms)
    };
    assert!(
        read_at(&after, &orders.id) > read_at(&before, &orders.id),
        "orders read again"
    );
    assert_eq!(
        read_at(&after, &catalog.id),
        read_at(&before, &catalog.id),
        "catalog left as read"
    );
    assert_eq!(
        after.region_audited_at_ms, before.region_audited_at_ms,
        "CloudTrail is still read from the scheduled audit"
    );
    assert!(!after.findings.iter().any(|f| f.check == "GC301"));
    let account_wide = |state: &gatecheck::state::State| state.findings.iter().filter(|f| f.api_id.is_none()).count();
    assert_eq!(account_wide(&after), account_wide(&before));

    // The next scheduled audit agrees: nothing new, nothing resolved again.
    let (next, _) = setup.run(&function).await;
    let changes = next.summary.changes.clone().expect("changes");
    assert_eq!((changes.new, changes.resolved), (0, 0), "{:?}", next.findings);
}

/// What a pipeline run delivered, kept for the test; the first delivery may run another whole
/// audit inside it, as a CloudTrail-triggered run overlapping a scheduled one would.
struct Recorder<'a> {
    delivered: std::sync::Arc<std::sync::Mutex<Vec<Report>>>,
    nested: Option<&'a (dyn Fn() -> gatecheck::pipeline::Audit + Sync)>,
    edges: &'a gatecheck::pipeline::Edges<'a>,
    fail: bool,
}

impl gatecheck::pipeline::Deliver for Recorder<'_> {
    async fn deliver(&mut self, report: &Report) -> anyhow::Result<()> {
        if let Some(audit) = self.nested.take() {
            let mut inner = Kept(self.delivered.clone());
            let edges = self.edges;
            // The whole other run, start to finish, before this delivery goes on.
            tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(gatecheck::pipeline::run(audit(), edges, &mut inner))
            })
            .expect("the overlapping run");
        }
        if self.fail {
            anyhow::bail!("the topic refused the message");
        }
        self.delivered.lock().expect("lock").push(report.clone());
        Ok(())
    }
}

/// The overlapping run's delivery: kept with the others.
struct Kept(std::sync::Arc<std::sync::Mutex<Vec<Report>>>);

impl gatecheck::pipeline::Deliver for Kept {
    async fn deliver(&mut self, report: &Report) -> anyhow::Result<()> {
        self.0.lock().expect("lock").push(report.clone());
        Ok(())
    }
}

/// The changes of GC301 on `api` across every report delivered.
fn announced(delivered: &[Report], api: &str) -> Vec<Change> {
    delivered
        .iter()
        .flat_map(|r| of(r, "GC301", api))
        .flatten()
        .filter(|c| *c != Change::Ongoing)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_audits_announce_each_change_once() {
    use gatecheck::aws::auditor::{Auditor, Throughput};
    use gatecheck::pipeline::{self, Edges, Read};
    use gatecheck::scope::{Accounts, Plan, Regions};
    let setup = Setup::new("ap-south-2").await;
    let seeder = setup.account.seeder();
    let (orders, _, key) = seed(&seeder).await;
    let auditor = Auditor::new(
        setup.sdk.clone(),
        Throughput {
            concurrency: 4,
            rate_limits: gatecheck::aws::RateLimits::default(),
            parallel: 1,
        },
        None,
    );
    let store = StateStore::new(
        &setup.sdk,
        StateLocation::new(&setup.bucket, "gatecheck/").expect("location"),
    );
    let edges = Edges {
        auditor: &auditor,
        state: Some(&store),
        progress: &|_| None,
    };
    let region = setup.region.clone();
    let audit = move || pipeline::Audit {
        read: Read::Plan {
            plan: Plan {
                accounts: Accounts::Own,
                regions: Regions::These(vec![region.clone()]),
                scope: Default::default(),
            },
            read_all: true,
        },
        evidence: None,
        security_hub: false,
        full_refresh: std::time::Duration::from_secs(86_400),
        deadline: None,
    };
    let delivered = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorder = |nested: Option<&'static (dyn Fn() -> pipeline::Audit + Sync)>, fail: bool| Recorder {
        delivered: delivered.clone(),
        nested,
        edges: &edges,
        fail,
    };
    let nested: &'static (dyn Fn() -> pipeline::Audit + Sync) = Box::leak(Box::new(audit.clone()));
    let take = || std::mem::take(&mut *delivered.lock().expect("lock"));

    // A second run starts while the first delivers: the first claimed its news before
    // delivering, so the second finds GC301 ongoing.
    pipeline::run(audit(), &edges, &mut recorder(Some(nested), false))
        .await
        .expect("the first run");
    let reports = take();
    assert_eq!(reports.len(), 2, "both runs delivered");
    assert_eq!(announced(&reports, &orders.id), [Change::New], "announced new once");

    // The fix, then the same overlap: resolved once.
    seeder
        .plan("orders-plan", &[(&orders, "prod")], &[&key])
        .await
        .expect("plan");
    pipeline::run(audit(), &edges, &mut recorder(Some(nested), false))
        .await
        .expect("the first run");
    assert_eq!(announced(&take(), &orders.id), [Change::Resolved], "resolved once");

    // Two runs at once, each reading and writing the state when it gets to it: whichever
    // writes second finds the state changed, reads it again and has nothing new to say.
    let broken = seeder.keyed_api("refunds", "/refunds", "POST").await.expect("refunds");
    let mut first = recorder(None, false);
    let mut second = recorder(None, false);
    let (a, b) = tokio::join!(
        pipeline::run(audit(), &edges, &mut first),
        pipeline::run(audit(), &edges, &mut second)
    );
    let saved = a.expect("one run").states_saved + b.expect("the other").states_saved;
    assert_eq!(saved, 2, "each run wrote the state, the second over the first");
    assert_eq!(announced(&take(), &broken.id), [Change::New], "announced new once");

    // A delivery that fails undoes its claim: the next run announces the change again.
    let later = seeder.keyed_api("returns", "/returns", "POST").await.expect("returns");
    let failed = pipeline::run(audit(), &edges, &mut recorder(None, true)).await;
    assert!(failed.is_err(), "the failed delivery is the run's error");
    pipeline::run(audit(), &edges, &mut recorder(None, false))
        .await
        .expect("the next run");
    assert_eq!(announced(&take(), &later.id), [Change::New], "not lost");
}

/// The S3 client the tests write state objects with, as another writer would.
fn s3(sdk: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(sdk).force_path_style(true).build())
}

#[tokio::test]
async fn a_state_that_cannot_be_used_is_said_and_the_findings_still_print() {
    let region = "eu-west-2";
    let setup = Setup::new(region).await;
    let (orders, _, _) = seed(&setup.account.seeder()).await;
    let mut env = support::bin::moto_env();
    env.push(("AWS_REGION", region.to_string()));
    let state = format!("s3://{}/cli", setup.bucket);
    let key = format!("cli/{ACCOUNT}/{region}/state.json");
    let put = |body: String| {
        let s3 = s3(&setup.sdk);
        let bucket = setup.bucket.clone();
        let key = key.clone();
        async move {
            s3.put_object()
                .bucket(bucket)
                .key(key)
                .body(body.into_bytes().into())
                .send()
                .await
                .expect("put");
        }
    };
    let audit = || support::bin::run_with(&["audit", "--state", &state, "--format", "json"], &env);

    // Corrupt: the findings print, the reason is said, the exit code is the findings'.
    put("{\"schema_version\": 1, \"snapshot\": [".into()).await;
    let run = audit();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Report = serde_json::from_str(&run.stdout).expect("the findings print");
    assert_eq!(
        of(&report, "GC301", &orders.id),
        [None],
        "unmarked: nothing known to have changed"
    );
    assert!(
        run.stderr.contains("the stored state was not used") && run.stderr.contains("is not a gatecheck state"),
        "{}",
        run.stderr
    );

    // A good state, then the same object claimed by another account: refused, not
    // overwritten, nothing announced new on a guess.
    let good = support::bin::run_with(&["audit", "--state", &state, "--format", "json"], &env);
    assert!(
        good.stderr.contains("not used"),
        "the corrupt one is still there: {}",
        good.stderr
    );
    s3(&setup.sdk)
        .delete_object()
        .bucket(&setup.bucket)
        .key(&key)
        .send()
        .await
        .expect("delete");
    let first = audit();
    let first: Report = serde_json::from_str(&first.stdout).expect("json");
    assert_eq!(of(&first, "GC301", &orders.id), [Some(Change::New)]);
    let stored = || async {
        let object = s3(&setup.sdk).get_object().bucket(&setup.bucket).key(&key).send();
        let bytes = object.await.expect("the state").body.collect().await.expect("body");
        String::from_utf8_lossy(&bytes.into_bytes()).into_owned()
    };
    let foreign = stored().await.replace(ACCOUNT, "999988887777");
    put(foreign.clone()).await;
    let run = audit();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot be trusted") && run.stderr.contains("999988887777"),
        "{}",
        run.stderr
    );
    let report: Report = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(of(&report, "GC301", &orders.id), [None], "not announced new again");
    assert_eq!(stored().await, foreign, "left as it was");
}
