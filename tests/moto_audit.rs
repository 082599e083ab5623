//! Audits of seeded moto accounts through the real AWS SDK: each check fires on its
//! scenario and stays quiet on the healthy controls.

mod support;

use gatecheck::audit::{parse_snapshot, report, snapshot_json};
use gatecheck::collect::{collect, CollectError, CollectOptions};
use gatecheck::finding::{Finding, Report};
use gatecheck::model::{GapReason, Part, Scope, Snapshot};
use std::time::Duration;
use support::seed::{seed_demo_account, DEMO_KEY_VALUES};
use support::TestAccount;

async fn snapshot_of(account: &TestAccount, scope: Scope) -> Snapshot {
    let options = CollectOptions {
        scope,
        ..CollectOptions::default()
    };
    collect(&account.configs, &options).await.expect("collect")
}

async fn audit(account: &TestAccount) -> Report {
    report(
        &[snapshot_of(account, Scope::default()).await],
        Duration::ZERO,
    )
}

/// (check, api_id, stage) of each finding, GC602 left out (moto accounts have no role).
fn places(report: &Report) -> Vec<(String, Option<String>, Option<String>)> {
    report
        .findings
        .iter()
        .filter(|f| f.check != "GC602")
        .map(|f| (f.check.clone(), f.api_id.clone(), f.stage.clone()))
        .collect()
}

fn place(check: &str, api_id: &str, stage: &str) -> (String, Option<String>, Option<String>) {
    (
        check.to_string(),
        Some(api_id.to_string()),
        Some(stage.to_string()),
    )
}

#[tokio::test]
async fn gc301_no_usage_plan_and_healthy_control() {
    let account = TestAccount::new("000000000301", "us-east-1");
    let s = account.seeder();
    let mut broken = s.api("broken").await.unwrap();
    s.keyed(&mut broken, "/a", "GET").await.unwrap();
    s.deploy(&broken, "prod").await.unwrap();
    let mut healthy = s.api("healthy").await.unwrap();
    s.keyed(&mut healthy, "/a", "GET").await.unwrap();
    s.deploy(&healthy, "prod").await.unwrap();
    let key = s
        .key("k", true, "valueForGc301Test000000001")
        .await
        .unwrap();
    s.plan("p", &[(&healthy, "prod")], &[&key]).await.unwrap();

    assert_eq!(
        places(&audit(&account).await),
        [place("GC301", &broken.id, "prod")]
    );
}

#[tokio::test]
async fn gc302_plan_without_keys() {
    let account = TestAccount::new("000000000302", "us-east-1");
    let s = account.seeder();
    let mut api = s.api("api").await.unwrap();
    s.keyed(&mut api, "/a", "GET").await.unwrap();
    s.deploy(&api, "prod").await.unwrap();
    s.plan("empty", &[(&api, "prod")], &[]).await.unwrap();
    assert_eq!(
        places(&audit(&account).await),
        [place("GC302", &api.id, "prod")]
    );
}

#[tokio::test]
async fn gc303_disabled_keys_and_two_plan_control() {
    let account = TestAccount::new("000000000303", "us-east-1");
    let s = account.seeder();
    let disabled = s
        .key("off", false, "valueForGc303Test000000001")
        .await
        .unwrap();
    let enabled = s
        .key("on", true, "valueForGc303Test000000002")
        .await
        .unwrap();
    let mut broken = s.api("broken").await.unwrap();
    s.keyed(&mut broken, "/a", "GET").await.unwrap();
    s.deploy(&broken, "prod").await.unwrap();
    s.plan("disabled-only", &[(&broken, "prod")], &[&disabled])
        .await
        .unwrap();
    let mut healthy = s.api("healthy").await.unwrap();
    s.keyed(&mut healthy, "/a", "GET").await.unwrap();
    s.deploy(&healthy, "prod").await.unwrap();
    s.plan("one-disabled", &[(&healthy, "prod")], &[&disabled])
        .await
        .unwrap();
    s.plan("one-enabled", &[(&healthy, "prod")], &[&enabled])
        .await
        .unwrap();

    assert_eq!(
        places(&audit(&account).await),
        [place("GC303", &broken.id, "prod")]
    );
}

#[tokio::test]
async fn gc304_authorizer_source_and_custom_authorizer_control() {
    let account = TestAccount::new("000000000304", "us-east-1");
    let s = account.seeder();
    let key = s
        .key("k", true, "valueForGc304Test000000001")
        .await
        .unwrap();
    let source = aws_sdk_apigateway::types::ApiKeySourceType::Authorizer;
    let mut broken = s.api_with("broken", source.clone(), &[]).await.unwrap();
    s.keyed(&mut broken, "/a", "GET").await.unwrap();
    s.deploy(&broken, "prod").await.unwrap();
    let mut healthy = s.api_with("healthy", source, &[]).await.unwrap();
    let authorizer = s.token_authorizer(&healthy, "auth").await.unwrap();
    s.method(&mut healthy, "/a", "GET", true, "CUSTOM", Some(&authorizer))
        .await
        .unwrap();
    s.deploy(&healthy, "prod").await.unwrap();
    s.plan("p", &[(&broken, "prod"), (&healthy, "prod")], &[&key])
        .await
        .unwrap();

    let report = audit(&account).await;
    assert_eq!(places(&report), [place("GC304", &broken.id, "prod")]);
    assert_eq!(report.findings[0].resource_path.as_deref(), Some("/a"));
    let snapshot = snapshot_of(&account, Scope::default()).await;
    let healthy_api = snapshot.rest_api(&healthy.id).unwrap();
    assert_eq!(
        healthy_api.authorizers.len(),
        1,
        "authorizers are collected"
    );
}

#[tokio::test]
async fn gc305_preflight_and_gc306_open_methods() {
    let account = TestAccount::new("000000000305", "us-east-1");
    let s = account.seeder();
    let key = s
        .key("k", true, "valueForGc305Test000000001")
        .await
        .unwrap();
    let mut api = s.api("api").await.unwrap();
    s.keyed(&mut api, "/a", "GET").await.unwrap();
    s.keyed(&mut api, "/a", "OPTIONS").await.unwrap();
    s.method(&mut api, "/b", "POST", false, "NONE", None)
        .await
        .unwrap();
    s.method(&mut api, "/b", "OPTIONS", false, "NONE", None)
        .await
        .unwrap();
    s.deploy(&api, "prod").await.unwrap();
    s.plan("p", &[(&api, "prod")], &[&key]).await.unwrap();

    let report = audit(&account).await;
    assert_eq!(
        places(&report),
        [
            place("GC305", &api.id, "prod"),
            place("GC306", &api.id, "prod")
        ]
    );
    let gc306 = report.findings.iter().find(|f| f.check == "GC306").unwrap();
    assert!(
        gc306.detail.contains("POST /b") && !gc306.detail.contains("OPTIONS"),
        "{}",
        gc306.detail
    );
}

#[tokio::test]
async fn gc307_stale_stage() {
    let account = TestAccount::new("000000000307", "us-east-1");
    let s = account.seeder();
    let key = s
        .key("k", true, "valueForGc307Test000000001")
        .await
        .unwrap();
    let mut api = s.api("api").await.unwrap();
    s.keyed(&mut api, "/a", "GET").await.unwrap();
    s.deploy(&api, "old").await.unwrap();
    s.deploy(&api, "new").await.unwrap();
    s.plan("p", &[(&api, "old"), (&api, "new")], &[&key])
        .await
        .unwrap();
    s.delete_stage(&api, "old").await.unwrap();
    assert_eq!(
        places(&audit(&account).await),
        [place("GC307", &api.id, "old")]
    );
}

#[tokio::test]
async fn gc602_fires_without_role_and_not_with_one() {
    let account = TestAccount::new("000000000602", "us-east-1");
    let checks = |r: &Report| {
        r.findings
            .iter()
            .map(|f| f.check.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(checks(&audit(&account).await), ["GC602"]);
    account
        .seeder()
        .set_cloudwatch_role("arn:aws:iam::000000000602:role/apigw-logs")
        .await
        .unwrap();
    assert_eq!(checks(&audit(&account).await), Vec::<String>::new());
}

#[tokio::test]
async fn gc900_access_denied_names_scope_blinds_checks_and_keeps_the_rest() {
    let account = TestAccount::new("000000000900", "us-east-1");
    let s = account.seeder();
    let mut api = s.api("api").await.unwrap();
    s.keyed(&mut api, "/a", "GET").await.unwrap();
    s.deploy(&api, "prod").await.unwrap();

    let proxy =
        support::deny_proxy::start(&support::moto().endpoint, vec!["GET /usageplans".into()]);
    let denied = TestAccount::at(&proxy.endpoint, &account.id, &account.region);
    let snapshot = snapshot_of(&denied, Scope::default()).await;
    assert_eq!(snapshot.gaps.len(), 1);
    assert_eq!(
        (snapshot.gaps[0].part, snapshot.gaps[0].reason),
        (Part::UsagePlans, GapReason::AccessDenied)
    );

    let report = report(&[snapshot], Duration::ZERO);
    let ids: Vec<&str> = report.findings.iter().map(|f| f.check.as_str()).collect();
    // GC301 would be a guess without the usage plans; GC602 does not need them.
    assert_eq!(ids, ["GC900", "GC602"]);
    let gc900 = &report.findings[0];
    assert!(
        gc900.detail.contains("GetUsagePlans") && gc900.detail.contains("GC301"),
        "{}",
        gc900.detail
    );
    assert_eq!(report.summary.incomplete_scopes, 1);
}

#[tokio::test]
async fn demo_account_reports_every_cause_and_no_key_value() {
    let account = TestAccount::new("000000000042", "eu-west-1");
    let expectations = seed_demo_account(&account.seeder()).await.unwrap();
    let snapshot = snapshot_of(&account, Scope::default()).await;
    let report = report(std::slice::from_ref(&snapshot), Duration::ZERO);

    for e in &expectations {
        let mut got: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.api_id.as_deref() == Some(&e.api_id))
            .map(|f| f.check.as_str())
            .collect();
        got.sort();
        assert_eq!(got, e.checks, "{}", e.api_name);
    }
    assert!(report.findings.iter().any(|f| f.check == "GC602"));
    let suppressed: usize = expectations.iter().map(|e| e.suppressed.len()).sum();
    assert_eq!(report.summary.suppressed, suppressed);

    // No output path may carry a key value.
    let outputs = [
        gatecheck::sinks::json(&report),
        gatecheck::sinks::text::render(&report, gatecheck::finding::Severity::Critical),
        snapshot_json(&snapshot),
    ];
    for output in &outputs {
        for value in DEMO_KEY_VALUES {
            assert!(!output.contains(value), "a key value leaked");
        }
    }
}

#[tokio::test]
async fn offline_snapshot_audit_matches_the_live_one() {
    let account = TestAccount::new("000000000043", "eu-west-1");
    seed_demo_account(&account.seeder()).await.unwrap();
    let snapshot = snapshot_of(&account, Scope::default()).await;
    let live = report(std::slice::from_ref(&snapshot), Duration::ZERO);
    let reloaded = parse_snapshot(&snapshot_json(&snapshot), "snapshot.json").unwrap();
    let offline = report(&[reloaded], Duration::ZERO);
    let fingerprints = |r: &Report| {
        r.findings
            .iter()
            .map(|f: &Finding| f.fingerprint.clone())
            .collect::<Vec<_>>()
    };
    assert!(!live.findings.is_empty());
    assert_eq!(offline.findings, live.findings);
    assert_eq!(fingerprints(&offline), fingerprints(&live));
}

#[tokio::test]
async fn scope_limits_the_audit_to_one_api_and_stage() {
    let account = TestAccount::new("000000000044", "eu-west-1");
    let s = account.seeder();
    let mut a = s.api("a").await.unwrap();
    s.keyed(&mut a, "/x", "GET").await.unwrap();
    s.deploy(&a, "prod").await.unwrap();
    s.deploy(&a, "dev").await.unwrap();
    let mut b = s.api("b").await.unwrap();
    s.keyed(&mut b, "/x", "GET").await.unwrap();
    s.deploy(&b, "prod").await.unwrap();

    let scope = Scope {
        api_id: Some(a.id.clone()),
        stage: Some("dev".into()),
    };
    let snapshot = snapshot_of(&account, scope).await;
    assert_eq!(snapshot.rest_apis.len(), 1);
    assert_eq!(
        places(&report(&[snapshot], Duration::ZERO)),
        [place("GC301", &a.id, "dev")]
    );

    let options = CollectOptions {
        scope: Scope {
            api_id: Some("nosuchapi".into()),
            stage: None,
        },
        ..Default::default()
    };
    let err = collect(&account.configs, &options).await.unwrap_err();
    assert!(matches!(err, CollectError::ApiNotFound { .. }), "{err}");
    let options = CollectOptions {
        scope: Scope {
            api_id: Some(a.id.clone()),
            stage: Some("nope".into()),
        },
        ..Default::default()
    };
    let err = collect(&account.configs, &options).await.unwrap_err();
    assert!(matches!(err, CollectError::StageNotFound { .. }), "{err}");
}

#[tokio::test]
async fn call_count_is_three_per_api_plus_deployments_and_account_reads() {
    let account = TestAccount::new("000000000045", "eu-west-1");
    let s = account.seeder();
    for name in ["one", "two"] {
        let mut api = s.api(name).await.unwrap();
        s.keyed(&mut api, "/x", "GET").await.unwrap();
        s.deploy(&api, "prod").await.unwrap();
        s.deploy(&api, "dev").await.unwrap();
    }
    s.plan("p", &[], &[]).await.unwrap();

    let snapshot = snapshot_of(&account, Scope::default()).await;
    let calls = &snapshot.api_calls;
    let count = |op: &str| calls.get(op).copied().unwrap_or(0);
    assert_eq!(count("GetRestApis"), 1);
    assert_eq!(
        (
            count("GetResources"),
            count("GetStages"),
            count("GetAuthorizers")
        ),
        (2, 2, 2)
    );
    assert_eq!(
        count("GetDeployment"),
        4,
        "one per distinct deployment, none per stage beyond that"
    );
    assert_eq!(
        (
            count("GetUsagePlans"),
            count("GetUsagePlanKeys"),
            count("GetApiKeys")
        ),
        (1, 1, 1)
    );
    assert_eq!((count("GetAccount"), count("GetCallerIdentity")), (1, 1));
    assert_eq!(snapshot.total_api_calls(), 16);
    assert_eq!(report(&[snapshot], Duration::ZERO).summary.api_calls, 16);
}
