//! Audits of seeded moto accounts through the real AWS SDK: each check fires on its
//! scenario and stays quiet on the healthy controls.

mod support;

use support::fault_proxy::{Fault, Rule};

use aws_sdk_apigateway::types::EndpointType;
use gatecheck::audit::{parse_snapshot, report, snapshot_json};
use gatecheck::aws::{collect, CollectError, CollectOptions};
use gatecheck::model::{GapReason, Part, Scope, Snapshot};
use gatecheck::report::{Finding, Report};
use std::collections::BTreeSet;
use std::time::Duration;
use support::scenarios::seed_demo_account;
use support::seed::{self as seed, Forwarding, WafRuleAction, MANAGED_ALL_VIEWER, MANAGED_ALL_VIEWER_EXCEPT_HOST};
use support::TestAccount;

async fn snapshot_of(account: &TestAccount, scope: Scope) -> Snapshot {
    let options = CollectOptions {
        scope,
        ..CollectOptions::default()
    };
    // The emulator has no quota; the limiter's own tests are in reliability.rs.
    let configs = (account.configs.clone()).with_rate_limits(Some(gatecheck::aws::RateLimits::per_second(100)));
    collect(&configs, &options).await.expect("collect")
}

async fn audit(account: &TestAccount) -> Report {
    report(&[snapshot_of(account, Scope::default()).await], Duration::ZERO)
}

/// (check, api_id, stage) of each finding.
fn places(report: &Report) -> Vec<[String; 3]> {
    support::places(report, ["check", "api_id", "stage"])
}

fn place(check: &str, api_id: &str, stage: &str) -> [String; 3] {
    support::place([check, api_id, stage])
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
    let key = s.key("k", true, "valueForGc301Test000000001").await.unwrap();
    s.plan("p", &[(&healthy, "prod")], &[&key]).await.unwrap();

    assert_eq!(places(&audit(&account).await), [place("GC301", &broken.id, "prod")]);
}

#[tokio::test]
async fn gc302_plan_without_keys() {
    let account = TestAccount::new("000000000302", "us-east-1");
    let s = account.seeder();
    let mut api = s.api("api").await.unwrap();
    s.keyed(&mut api, "/a", "GET").await.unwrap();
    s.deploy(&api, "prod").await.unwrap();
    s.plan("empty", &[(&api, "prod")], &[]).await.unwrap();
    assert_eq!(places(&audit(&account).await), [place("GC302", &api.id, "prod")]);
}

#[tokio::test]
async fn gc303_disabled_keys_and_two_plan_control() {
    let account = TestAccount::new("000000000303", "us-east-1");
    let s = account.seeder();
    let disabled = s.key("off", false, "valueForGc303Test000000001").await.unwrap();
    let enabled = s.key("on", true, "valueForGc303Test000000002").await.unwrap();
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
    s.plan("one-enabled", &[(&healthy, "prod")], &[&enabled]).await.unwrap();

    assert_eq!(places(&audit(&account).await), [place("GC303", &broken.id, "prod")]);
}

#[tokio::test]
async fn gc304_authorizer_source_and_custom_authorizer_control() {
    let account = TestAccount::new("000000000304", "us-east-1");
    let s = account.seeder();
    let key = s.key("k", true, "valueForGc304Test000000001").await.unwrap();
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
    let healthy_api = snapshot.rest_apis.iter().find(|a| a.id == healthy.id).unwrap();
    assert_eq!(healthy_api.authorizers.len(), 1, "authorizers are collected");
}

#[tokio::test]
async fn gc305_preflight_and_gc306_open_methods() {
    let account = TestAccount::new("000000000305", "us-east-1");
    let s = account.seeder();
    let key = s.key("k", true, "valueForGc305Test000000001").await.unwrap();
    let mut api = s.api("api").await.unwrap();
    s.keyed(&mut api, "/a", "GET").await.unwrap();
    s.keyed(&mut api, "/a", "OPTIONS").await.unwrap();
    s.method(&mut api, "/b", "POST", false, "NONE", None).await.unwrap();
    s.method(&mut api, "/b", "OPTIONS", false, "NONE", None).await.unwrap();
    // Refusals a browser can read (else GC605 too).
    s.cors_gateway_responses(&api).await.unwrap();
    s.deploy(&api, "prod").await.unwrap();
    s.plan("p", &[(&api, "prod")], &[&key]).await.unwrap();

    let report = audit(&account).await;
    assert_eq!(
        places(&report),
        [place("GC305", &api.id, "prod"), place("GC306", &api.id, "prod")]
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
    let key = s.key("k", true, "valueForGc307Test000000001").await.unwrap();
    let mut api = s.api("api").await.unwrap();
    s.keyed(&mut api, "/a", "GET").await.unwrap();
    s.deploy(&api, "old").await.unwrap();
    s.deploy(&api, "new").await.unwrap();
    s.plan("p", &[(&api, "old"), (&api, "new")], &[&key]).await.unwrap();
    s.delete_stage(&api, "old").await.unwrap();
    assert_eq!(places(&audit(&account).await), [place("GC307", &api.id, "old")]);
}

#[tokio::test]
async fn gc602_fires_without_role_and_not_with_one() {
    let account = TestAccount::new("000000000602", "us-east-1");
    let checks = |r: &Report| r.findings.iter().map(|f| f.check.clone()).collect::<Vec<_>>();
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

    let proxy = support::fault_proxy::start(
        &support::moto().endpoint,
        vec![Rule::always("GET /usageplans", Fault::Deny)],
    );
    let denied = TestAccount::at(&proxy.endpoint, &account.id, &account.region);
    let snapshot = snapshot_of(&denied, Scope::default()).await;
    assert_eq!(snapshot.gaps.len(), 1);
    assert_eq!(
        (snapshot.gaps[0].part, snapshot.gaps[0].reason),
        (Part::UsagePlans, GapReason::AccessDenied)
    );

    let report = report(&[snapshot], Duration::ZERO);
    let ids: Vec<&str> = report.findings.iter().map(|f| f.check.as_str()).collect();
    // GC301 would be a guess without the usage plans; the logging checks do not need them.
    assert_eq!(ids, ["GC900", "GC602", "GC601"]);
    let gc900 = &report.findings[0];
    assert!(
        gc900.detail.contains("GetUsagePlans") && gc900.detail.contains("GC301"),
        "{}",
        gc900.detail
    );
    // The cause in one readable sentence: AWS's code and message, no Rust debug dump.
    assert!(
        gc900.detail.contains("Cause: AccessDeniedException: "),
        "{}",
        gc900.detail
    );
    assert!(
        !gc900.detail.contains("Error {") && !gc900.detail.contains("Unhandled"),
        "{}",
        gc900.detail
    );
    assert_eq!(report.summary.incomplete_scopes, 1);
}

/// The details of a check's findings, in report order.
fn details<'r>(report: &'r Report, check: &str) -> Vec<&'r str> {
    report
        .findings
        .iter()
        .filter(|f| f.check == check)
        .map(|f| f.detail.as_str())
        .collect()
}

/// Registration: every check but GC900 (the fault scenarios of tests/reliability.rs) is shown
/// by exactly one scenario, in a file named after it, and no scenario names an unknown check.
#[test]
fn every_check_has_one_scenario_file() {
    use support::scenarios::SCENARIOS;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    for check in gatecheck::checks::REGISTRY {
        let id = check.meta.id;
        let showing: Vec<_> = SCENARIOS.iter().filter(|s| s.checks.contains(&id)).collect();
        if id == gatecheck::checks::GAP_CHECK_ID {
            assert!(showing.is_empty(), "{id} is shown by the fault scenarios, not the demo");
            continue;
        }
        assert_eq!(
            showing.len(),
            1,
            "{id} must be shown by exactly one scenario in tests/scenarios/"
        );
    }
    for scenario in SCENARIOS.iter().filter(|s| !s.checks.is_empty()) {
        for id in scenario.checks {
            assert!(
                gatecheck::checks::REGISTRY.iter().any(|c| c.meta.id == *id),
                "unknown check {id}"
            );
        }
        let file = dir.join(format!("{}.rs", scenario.checks[0].to_lowercase()));
        assert!(
            file.is_file(),
            "{} has no scenario file {}",
            scenario.checks[0],
            file.display()
        );
    }
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
    // Registration: every check has a scenario in the demo account, and it fires there
    // (GC900's are the fault scenarios of tests/reliability.rs).
    let reported: std::collections::BTreeSet<&str> = report.findings.iter().map(|f| f.check.as_str()).collect();
    for check in gatecheck::checks::REGISTRY {
        let id = check.meta.id;
        assert!(
            id == gatecheck::checks::GAP_CHECK_ID || reported.contains(id),
            "{id} does not fire in the demo account (tests/scenarios/)"
        );
    }
    let mtls = details(&report, "GC502");
    assert!(
        matches!(mtls.as_slice(), [d] if d.contains("partners.example.com") && d.contains("s3://demo-truststore/partners.pem")),
        "{mtls:?}"
    );
    let routing = details(&report, "GC504");
    assert!(
        routing.len() == 2
            && routing
                .iter()
                .any(|d| d.starts_with("rules.example.com maps 1 base path(s)"))
            && routing.iter().any(|d| d.contains("sends /legacy to stage 'v1'")),
        "{routing:?}"
    );
    let unreachable = details(&report, "GC503");
    assert!(
        matches!(unreachable.as_slice(), [d] if d.contains("ops.internal.example.com") && d.contains("no VPC endpoint is associated")),
        "{unreachable:?}"
    );
    let suppressed: usize = expectations.iter().map(|e| e.suppressed.len()).sum();
    assert_eq!(report.summary.suppressed, suppressed);

    // The HTML page holds every finding.
    let html = gatecheck::sinks::html::render(&report);
    for finding in &report.findings {
        assert!(
            html.contains(finding.fingerprint.as_str()),
            "{} missing from the HTML page",
            finding.check
        );
    }
    // No output path may carry a key value.
    let outputs = [
        gatecheck::sinks::json(&report),
        gatecheck::sinks::text::render(&report, gatecheck::report::Severity::Critical),
        snapshot_json(&snapshot),
        html,
    ];
    for output in &outputs {
        support::assert_no_key_values("the audit's outputs", output);
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
        ..Scope::default()
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
            ..Scope::default()
        },
        ..Default::default()
    };
    let err = collect(&account.configs, &options).await.unwrap_err();
    assert!(matches!(err, CollectError::ApiNotFound { .. }), "{err}");
    let options = CollectOptions {
        scope: Scope {
            api_id: Some(a.id.clone()),
            stage: Some("nope".into()),
            ..Scope::default()
        },
        ..Default::default()
    };
    let err = collect(&account.configs, &options).await.unwrap_err();
    assert!(matches!(err, CollectError::StageNotFound { .. }), "{err}");
}

#[tokio::test]
async fn call_count_grows_per_api_deployment_acl_set_and_domain_never_per_stage() {
    let account = TestAccount::new("000000000045", "eu-west-1");
    let s = account.seeder();
    let mut apis = Vec::new();
    for name in ["one", "two"] {
        let mut api = s.api(name).await.unwrap();
        s.keyed(&mut api, "/x", "GET").await.unwrap();
        if name == "two" {
            // Only an API whose methods name an authorizer has its authorizers read.
            let authorizer = s.token_authorizer(&api, "tokens").await.unwrap();
            s.method(&mut api, "/y", "GET", false, "CUSTOM", Some(&authorizer))
                .await
                .unwrap();
        }
        s.deploy(&api, "prod").await.unwrap();
        s.deploy(&api, "dev").await.unwrap();
        apis.push(api);
    }
    s.plan("p", &[], &[]).await.unwrap();
    // One web ACL on all four stages, its two rules on one IP set; two custom domains.
    let set = s.ip_set("shared", &["192.0.2.0/24"]).await.unwrap();
    let rules = [
        ("a", WafRuleAction::Block, set.as_str()),
        ("b", WafRuleAction::Count, set.as_str()),
    ];
    let acl = s
        .web_acl("shared-acl", false, &rules, (&apis[0], "prod"))
        .await
        .unwrap();
    for (api, stage) in [(&apis[0], "dev"), (&apis[1], "prod"), (&apis[1], "dev")] {
        s.associate(&acl, api, stage).await.unwrap();
    }
    s.domain("one.example.com", &[("one", &apis[0].id, Some("prod"))])
        .await
        .unwrap();
    s.domain("two.example.com", &[("two", &apis[1].id, None)])
        .await
        .unwrap();
    // Two distributions in front of the two APIs, naming one origin request policy.
    for (api, alias) in [(&apis[0], "one.cdn.example.com"), (&apis[1], "two.cdn.example.com")] {
        s.cloudfront_in_front(api, "prod", alias, Forwarding::Policy(MANAGED_ALL_VIEWER_EXCEPT_HOST))
            .await
            .unwrap();
    }

    let snapshot = snapshot_of(&account, Scope::default()).await;
    let calls = snapshot.api_calls.clone();
    let count = |op: &str| calls.get(op).copied().unwrap_or(0);
    assert_eq!(count("GetRestApis"), 1);
    assert_eq!(
        (
            count("GetResources"),
            count("GetStages"),
            count("GetAuthorizers"),
            count("GetGatewayResponses")
        ),
        (2, 2, 1, 2),
        "three per API, and GetAuthorizers for the one whose methods name an authorizer"
    );
    let two = snapshot.rest_apis.iter().find(|a| a.name == "two").unwrap();
    assert_eq!(two.authorizers.len(), 1, "its authorizer is read");
    assert_eq!(count("GetDeployment"), 4, "one per distinct deployment");
    assert_eq!(
        (count("GetUsagePlans"), count("GetUsagePlanKeys"), count("GetApiKeys")),
        (1, 1, 1)
    );
    assert_eq!(
        (count("GetWebACL"), count("GetIPSet")),
        (1, 1),
        "one per distinct ACL and IP set, not per stage"
    );
    assert_eq!(
        (count("GetDomainNames"), count("GetBasePathMappings")),
        (1, 2),
        "one per domain"
    );
    assert_eq!((count("GetAccount"), count("GetCallerIdentity")), (1, 1));
    assert_eq!(
        (count("ListDistributions"), count("GetOriginRequestPolicy")),
        (1, 1),
        "one list, and one per distinct policy"
    );
    assert_eq!(snapshot.distributions.len(), 2);
    assert_eq!(
        snapshot.total_api_calls(),
        25,
        "with one DescribeVpcEndpoints and the CloudFront reads"
    );
    assert_eq!(snapshot.web_acls.len(), 1);
    assert_eq!(snapshot.ip_sets[0].addresses, ["192.0.2.0/24"]);
    let report = report(&[snapshot], Duration::ZERO);
    assert_eq!(report.summary.api_calls, 25);
    assert_eq!(
        report.findings.iter().filter(|f| f.check == "GC202").count(),
        4,
        "one per stage behind the ACL"
    );

    // The templates' IAM actions are exactly what gatecheck calls: the collector's reads
    // (just made), the publish, and the fan-out's calls (tests/accounts.rs makes those).
    let mut reads: BTreeSet<String> = BTreeSet::new();
    for operation in calls.keys() {
        reads.insert(match operation.as_str() {
            "GetCallerIdentity" => continue, // needs no permission
            "GetWebACL" | "GetIPSet" => format!("wafv2:{operation}"),
            "DescribeVpcEndpoints" => format!("ec2:{operation}"),
            // API Gateway's reads, v2's ListRoutingRules included, are all apigateway:GET.
            op if op.starts_with("Get") || op.starts_with("List") => "apigateway:GET".to_string(),
            op => panic!("the collector made a call that is not a read: {op}"),
        });
    }
    let granted = |file: &str, section: (&str, &str)| -> BTreeSet<String> {
        let text = std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let policies = text
            .split(section.0)
            .nth(1)
            .and_then(|rest| rest.split(section.1).next())
            .unwrap_or_else(|| panic!("{file} has no {}", section.0));
        policies
            .split(char::is_whitespace)
            .map(|word| word.trim_matches(|c: char| c == ',' || c == '[' || c == ']'))
            .filter(|word| {
                let mut parts = word.split(':');
                let service = parts.next().unwrap_or_default();
                [
                    "apigateway",
                    "wafv2",
                    "ec2",
                    "sns",
                    "sts",
                    "logs",
                    "iam",
                    "organizations",
                    "account",
                    "s3",
                    "cloudtrail",
                    "securityhub",
                    "kms",
                ]
                .contains(&service)
                    && parts
                        .next()
                        .is_some_and(|a| !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '*'))
                    // An action, not a condition key such as `s3:prefix:`.
                    && parts.next().is_none()
            })
            .map(str::to_string)
            .collect()
    };
    let fan_out = ["sts:AssumeRole", "organizations:ListAccounts", "account:ListRegions"].map(String::from);
    let mut function = reads.clone();
    function.insert("sns:Publish".into());
    // The topic is encrypted with the stack's key: publishing encrypts with it.
    function.extend(["kms:GenerateDataKey*", "kms:Decrypt"].map(String::from));
    // With EvidenceWindow: the stages' logs (tests/traffic.rs reads them this way).
    function.insert("logs:FilterLogEvents".into());
    // With KeepState and SecurityHub: the state, the changes and the import (tests/state.rs).
    function.extend(
        [
            "s3:GetObject",
            "s3:PutObject",
            "s3:ListBucket",
            "cloudtrail:LookupEvents",
            "securityhub:BatchImportFindings",
            "securityhub:BatchUpdateFindings",
        ]
        .map(String::from),
    );
    function.extend(fan_out.clone());
    assert_eq!(
        granted("template.yaml", ("Policies:", "Events:")),
        function,
        "the function's role grants exactly what it calls"
    );
    let mut member = reads;
    member.insert("account:ListRegions".into());
    // With ReadStageLogs: evidence read through the member role (tests/accounts.rs).
    member.insert("logs:FilterLogEvents".into());
    assert_eq!(
        granted("templates/member-role.yaml", ("PolicyName:", "Outputs:")),
        member,
        "the member role grants exactly the reads"
    );
}

#[tokio::test]
async fn gc101_gc102_gc103_reachability() {
    let account = TestAccount::new("000000000101", "us-east-1");
    let s = account.seeder();
    let regional = EndpointType::Regional;
    let mut hidden = s.api_full("hidden", regional.clone(), None, true).await.unwrap();
    s.keyed(&mut hidden, "/a", "GET").await.unwrap();
    s.deploy(&hidden, "prod").await.unwrap();
    let mut domain_only = s.api_full("domain-only", regional.clone(), None, true).await.unwrap();
    s.keyed(&mut domain_only, "/a", "GET").await.unwrap();
    s.deploy(&domain_only, "prod").await.unwrap();
    s.domain("api.example.com", &[("v1", &domain_only.id, Some("prod"))])
        .await
        .unwrap();
    let no_policy = s
        .api_full("private-no-policy", EndpointType::Private, None, false)
        .await
        .unwrap();
    let with_vpce = s
        .api_full("private-vpce", EndpointType::Private, Some(seed::VPCE_POLICY), false)
        .await
        .unwrap();
    let ip_only = s
        .api_full("ip-only", regional, Some(seed::IP_ALLOWLIST_POLICY), false)
        .await
        .unwrap();

    let report = audit(&account).await;
    let on = |id: &str| -> Vec<(String, gatecheck::report::Severity)> {
        report
            .findings
            .iter()
            .filter(|f| f.api_id.as_deref() == Some(id) && f.check != "GC601")
            .map(|f| (f.check.to_string(), f.severity))
            .collect()
    };
    use gatecheck::report::Severity::*;
    let gc301 = ("GC301".to_string(), Critical);
    assert_eq!(on(&hidden.id), [("GC101".to_string(), Critical), gc301.clone()]);
    assert_eq!(on(&domain_only.id), [gc301, ("GC101".to_string(), High)]);
    assert_eq!(on(&no_policy.id), [("GC102".to_string(), Critical)]);
    assert_eq!(
        on(&with_vpce.id),
        [("GC103".to_string(), Info)],
        "a proper VPC endpoint policy: no GC102"
    );
    assert_eq!(on(&ip_only.id), [("GC103".to_string(), Info)]);
    let gc103 = report
        .findings
        .iter()
        .find(|f| f.api_id.as_deref() == Some(&ip_only.id))
        .unwrap();
    assert!(
        gc103.detail.contains("203.0.113.0/24"),
        "the escaped policy from the API was parsed: {}",
        gc103.detail
    );
}

#[tokio::test]
async fn gc201_gc202_waf_and_count_only_control() {
    let account = TestAccount::new("000000000201", "us-east-1");
    let s = account.seeder();
    let office = s.ip_set("office", &["198.51.100.0/24"]).await.unwrap();
    let empty = s.ip_set("empty", &[]).await.unwrap();
    let mut apis = Vec::new();
    for name in ["default-block", "nobody", "blocklist", "count-only"] {
        let mut api = s.api(name).await.unwrap();
        s.method(&mut api, "/a", "GET", false, "AWS_IAM", None).await.unwrap();
        s.deploy(&api, "prod").await.unwrap();
        apis.push(api);
    }
    s.web_acl(
        "office-only",
        true,
        &[("office", WafRuleAction::Allow, &office)],
        (&apis[0], "prod"),
    )
    .await
    .unwrap();
    s.web_acl(
        "nobody",
        true,
        &[("empty", WafRuleAction::Allow, &empty)],
        (&apis[1], "prod"),
    )
    .await
    .unwrap();
    s.web_acl(
        "blocklist",
        false,
        &[("office", WafRuleAction::Block, &office)],
        (&apis[2], "prod"),
    )
    .await
    .unwrap();
    s.web_acl(
        "count",
        false,
        &[("office", WafRuleAction::Count, &office)],
        (&apis[3], "prod"),
    )
    .await
    .unwrap();

    let report = audit(&account).await;
    let on = |api: &seed::Api| -> Vec<(String, gatecheck::report::Severity)> {
        report
            .findings
            .iter()
            .filter(|f| f.api_id.as_deref() == Some(&api.id))
            .filter(|f| f.check != "GC601")
            .map(|f| (f.check.to_string(), f.severity))
            .collect()
    };
    use gatecheck::report::Severity::*;
    assert_eq!(on(&apis[0]), [("GC201".to_string(), High)]);
    assert_eq!(on(&apis[1]), [("GC201".to_string(), Critical)]);
    assert_eq!(on(&apis[2]), [("GC202".to_string(), Info)]);
    assert_eq!(on(&apis[3]), [], "Count rules block nobody");
    let gc201 = report
        .findings
        .iter()
        .find(|f| f.api_id.as_deref() == Some(&apis[0].id))
        .unwrap();
    assert!(gc201.detail.contains("IP set office (1 CIDR)"), "{}", gc201.detail);
}

#[tokio::test]
async fn unreadable_web_acl_is_gc900_for_its_stages_only() {
    let account = TestAccount::new("000000000902", "us-east-1");
    let s = account.seeder();
    let mut api = s.api("behind-waf").await.unwrap();
    s.method(&mut api, "/a", "GET", false, "AWS_IAM", None).await.unwrap();
    s.deploy(&api, "prod").await.unwrap();
    s.web_acl("blocks-all", true, &[], (&api, "prod")).await.unwrap();

    let proxy = support::fault_proxy::start(
        &support::moto().endpoint,
        vec![Rule::always("x-amz-target: AWSWAF_20190729.GetWebACL", Fault::Deny)],
    );
    let denied = TestAccount::at(&proxy.endpoint, &account.id, &account.region);
    let report = report(&[snapshot_of(&denied, Scope::default()).await], Duration::ZERO);
    let ids: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.api_id.is_some() && f.check != "GC601")
        .map(|f| f.check.as_str())
        .collect();
    assert_eq!(ids, ["GC900"], "no GC201 guessed without the ACL");
    assert_eq!(report.findings[0].stage.as_deref(), Some("prod"));
    assert!(
        report.findings[0].detail.contains("GC201"),
        "{}",
        report.findings[0].detail
    );
    // Readable, the same ACL is a critical GC201.
    assert!(audit(&account)
        .await
        .findings
        .iter()
        .any(|f| f.check == "GC201" && f.severity == gatecheck::report::Severity::Critical));
}

#[tokio::test]
async fn gc308_gc501_gc601() {
    let account = TestAccount::new("000000000308", "us-east-1");
    let s = account.seeder();
    let key = s.key("k", true, "valueForGc308Test000000001").await.unwrap();
    let mut api = s.api("api").await.unwrap();
    s.keyed(&mut api, "/a", "GET").await.unwrap();
    s.deploy(&api, "old").await.unwrap();
    s.deploy_logged(&api, "prod").await.unwrap();
    s.plan_with_throttle("p", (&api, "prod"), "/gone/GET", &[&key])
        .await
        .unwrap();
    s.domain(
        "api.example.com",
        &[("old", &api.id, Some("old")), ("prod", &api.id, Some("prod"))],
    )
    .await
    .unwrap();
    s.delete_stage(&api, "old").await.unwrap();
    let mut quiet = s.api("logs-nothing").await.unwrap();
    s.method(&mut quiet, "/a", "GET", false, "AWS_IAM", None).await.unwrap();
    s.deploy(&quiet, "prod").await.unwrap();

    let report = audit(&account).await;
    let got: Vec<(&str, Option<&str>, Option<&str>)> = report
        .findings
        .iter()
        .filter(|f| f.check != "GC602")
        .map(|f| (f.check.as_str(), f.api_id.as_deref(), f.stage.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("GC501", Some(api.id.as_str()), Some("old")),
            ("GC308", Some(api.id.as_str()), Some("prod")),
            ("GC601", Some(quiet.id.as_str()), Some("prod")),
        ]
    );
}

#[tokio::test]
async fn gc401_undeployed_change_and_matching_control() {
    let account = TestAccount::new("000000000401", "us-east-1");
    let s = account.seeder();
    let key = s.key("k", true, "valueForGc401Test000000001").await.unwrap();
    let mut changed = s.api("changed").await.unwrap();
    s.keyed(&mut changed, "/a", "GET").await.unwrap();
    s.deploy(&changed, "prod").await.unwrap();
    s.set_api_key_required(&mut changed, "/a", "GET", false).await.unwrap();
    s.method(&mut changed, "/b", "POST", true, "NONE", None).await.unwrap();
    let mut same = s.api("same").await.unwrap();
    s.keyed(&mut same, "/a", "GET").await.unwrap();
    s.deploy(&same, "prod").await.unwrap();
    s.plan("p", &[(&changed, "prod"), (&same, "prod")], &[&key])
        .await
        .unwrap();

    let report = audit(&account).await;
    assert_eq!(places(&report), [place("GC401", &changed.id, "prod")]);
    let detail = &report.findings[0].detail;
    assert!(
        detail.contains("GET /a apiKeyRequired is false now, true as deployed"),
        "{detail}"
    );
    assert!(detail.contains("POST /b is new and not deployed"), "{detail}");
    assert!(report.summary.not_evaluated.is_empty());
}

#[tokio::test]
async fn gc401_without_api_summary_is_not_evaluated_and_stays_quiet() {
    let account = TestAccount::at(&support::plain_moto().endpoint, "000000000402", "us-east-1");
    let s = account.seeder();
    let mut api = s.api("api").await.unwrap();
    s.keyed(&mut api, "/a", "GET").await.unwrap();
    s.deploy(&api, "prod").await.unwrap();
    s.method(&mut api, "/b", "GET", true, "NONE", None).await.unwrap();

    let report = audit(&account).await;
    assert!(report.findings.iter().all(|f| f.check != "GC401"));
    let skipped = &report.summary.not_evaluated;
    assert_eq!(skipped.len(), 1);
    assert_eq!(
        (
            skipped[0].check.as_str(),
            skipped[0].api_id.as_deref(),
            skipped[0].stage.as_deref()
        ),
        ("GC401", Some(api.id.as_str()), Some("prod"))
    );
}

#[tokio::test]
async fn deployment_api_summary_is_read_from_aws_wire_shape() {
    // Plain moto returns no apiSummary; this canned GetDeployment body is the shape AWS
    // returns for `GET /restapis/{id}/deployments/{id}?embed=apisummary`.
    let account = TestAccount::at(&support::plain_moto().endpoint, "000000000403", "us-east-1");
    let s = account.seeder();
    let mut api = s.api("api").await.unwrap();
    s.keyed(&mut api, "/a", "GET").await.unwrap();
    let deployment = s.deploy(&api, "prod").await.unwrap();
    let canned = format!(
        r#"{{"id":"{deployment}","createdDate":1.7e9,"apiSummary":{{"/a":{{"GET":{{"authorizationType":"NONE","apiKeyRequired":true}}}},"/old":{{"DELETE":{{"authorizationType":"AWS_IAM","apiKeyRequired":false}}}}}}}}"#
    );
    let pattern = format!("GET /restapis/{}/deployments/{deployment}", api.id);
    let proxy = support::fault_proxy::start(
        &support::plain_moto().endpoint,
        vec![Rule::always(&pattern, Fault::Canned(canned))],
    );
    let proxied = TestAccount::at(&proxy.endpoint, &account.id, &account.region);
    let snapshot = snapshot_of(&proxied, Scope::default()).await;
    let summary = snapshot.rest_apis[0].deployments[0]
        .api_summary
        .as_ref()
        .expect("apiSummary parsed");
    let method = |path: &str, verb: &str| summary.get(path).and_then(|verbs| verbs.get(verb)).expect("in summary");
    assert!(method("/a", "GET").api_key_required);
    assert_eq!(method("/old", "DELETE").authorization_type, "AWS_IAM");
    let report = report(&[snapshot], Duration::ZERO);
    let gc401 = report.findings.iter().find(|f| f.check == "GC401").expect("GC401");
    assert!(
        gc401.detail.contains("DELETE /old is deployed but no longer exists"),
        "{}",
        gc401.detail
    );
}

/// AWS WAF developer guide, "Web ACL rule and rule group evaluation": Firewall Manager's
/// pre-process rule groups run before the ACL's rules and its post-process ones after. moto's
/// GetWebACL returns neither them nor a managed group's rule overrides, so this canned body is
/// the shape AWS answers with for a web ACL that Firewall Manager manages (botocore's wafv2
/// model: `PreProcessFirewallManagerRuleGroups`, `RuleActionOverrides`).
#[tokio::test]
async fn firewall_manager_rule_groups_are_the_acls_rules_and_managed_overrides_are_read() {
    let account = TestAccount::new("000000000203", "us-east-1");
    let s = account.seeder();
    let api = s.keyed_api("api", "/a", "GET").await.unwrap();
    let acl_arn = s.web_acl("fms-acl", true, &[], (&api, "prod")).await.unwrap();
    let id = acl_arn.rsplit('/').next().unwrap();
    let visibility = r#"{"SampledRequestsEnabled":true,"CloudWatchMetricsEnabled":true,"MetricName":"m"}"#;
    let canned = format!(
        r#"{{"WebACL":{{"Name":"fms-acl","Id":"{id}","ARN":"{acl_arn}","DefaultAction":{{"Block":{{}}}},"Capacity":700,"ManagedByFirewallManager":true,"VisibilityConfig":{visibility},
        "Rules":[{{"Name":"aws-common","Priority":0,"OverrideAction":{{"None":{{}}}},"VisibilityConfig":{visibility},"Statement":{{"ManagedRuleGroupStatement":{{"VendorName":"AWS","Name":"AWSManagedRulesCommonRuleSet","RuleActionOverrides":[{{"Name":"SizeRestrictions_BODY","ActionToUse":{{"Count":{{}}}}}}]}}}}}}],
        "PreProcessFirewallManagerRuleGroups":[{{"Name":"partners-allow","Priority":1,"OverrideAction":{{"None":{{}}}},"VisibilityConfig":{visibility},"FirewallManagerStatement":{{"RuleGroupReferenceStatement":{{"ARN":"arn:aws:wafv2:us-east-1:000000000203:regional/rulegroup/partners/rg-1"}}}}}}],
        "PostProcessFirewallManagerRuleGroups":[{{"Name":"anonymous","Priority":1,"OverrideAction":{{"None":{{}}}},"VisibilityConfig":{visibility},"FirewallManagerStatement":{{"ManagedRuleGroupStatement":{{"VendorName":"AWS","Name":"AWSManagedRulesAnonymousIpList"}}}}}}]}},"LockToken":"0123"}}"#
    );
    let proxy = support::fault_proxy::start(
        &support::moto().endpoint,
        vec![Rule::always(
            "x-amz-target: AWSWAF_20190729.GetWebACL",
            Fault::Canned(canned),
        )],
    );
    let proxied = TestAccount::at(&proxy.endpoint, &account.id, &account.region);
    let snapshot = snapshot_of(&proxied, Scope::default()).await;
    let names: Vec<&str> = snapshot.web_acls[0].rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "partners-allow (Firewall Manager)",
            "aws-common",
            "anonymous (Firewall Manager)"
        ],
        "pre-process, the ACL's own, post-process"
    );
    let report = report(&[snapshot], Duration::ZERO);
    let gc201 = report.findings.iter().find(|f| f.check == "GC201").expect("GC201");
    assert_eq!(gc201.severity, gatecheck::report::Severity::High, "{}", gc201.detail);
    let gc203 = report.findings.iter().find(|f| f.check == "GC203").expect("GC203");
    assert!(
        gc203.detail.contains("NoUserAgent_HEADER")
            && gc203.detail.contains("HostingProviderIPList")
            && !gc203.detail.contains("SizeRestrictions_BODY"),
        "{}",
        gc203.detail
    );
}

/// CloudFront is global: the regions of one audit share one read of it, made by the first
/// region of the account, and each keeps the distributions in front of its own APIs.
#[tokio::test]
async fn cloudfront_is_read_once_per_account_and_kept_per_region() {
    let ireland = TestAccount::new("000000000108", "eu-west-1");
    let virginia = TestAccount::new("000000000108", "us-east-1");
    let mut places = Vec::new();
    for account in [&ireland, &virginia] {
        let s = account.seeder();
        let mut api = s.api("behind-cdn").await.unwrap();
        s.keyed(&mut api, "/x", "GET").await.unwrap();
        s.deploy(&api, "prod").await.unwrap();
        let alias = format!("{}.cdn.example.com", account.region);
        s.cloudfront_in_front(&api, "prod", &alias, Forwarding::Policy(MANAGED_ALL_VIEWER))
            .await
            .unwrap();
        places.push(api.id);
    }
    let options = CollectOptions::default();
    let first = collect(&ireland.configs, &options).await.expect("eu-west-1");
    let second = collect(&virginia.configs, &options).await.expect("us-east-1");
    let lists = |s: &Snapshot| s.api_calls.get("ListDistributions").copied().unwrap_or(0);
    assert_eq!((lists(&first), lists(&second)), (1, 0), "read once for the account");
    for (snapshot, api_id) in [(&first, &places[0]), (&second, &places[1])] {
        assert_eq!(snapshot.distributions.len(), 1, "{}: only its own", snapshot.region);
        let origin = &snapshot.distributions[0].origins[0];
        assert_eq!(origin.execute_api().map(|(id, _)| id), Some(api_id.as_str()));
        assert_eq!(snapshot.origin_request_policies.len(), 1);
        let report = report(std::slice::from_ref(snapshot), Duration::ZERO);
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.check == "GC108" && f.api_id.as_deref() == Some(api_id)),
            "{}: GC108 on its own API",
            snapshot.region
        );
    }
    // A new audit reads afresh.
    let again = collect(&ireland.configs, &CollectOptions::default())
        .await
        .expect("again");
    assert_eq!(lists(&again), 1);
}
