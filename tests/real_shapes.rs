//! Real AWS answers less kindly than an SDK-tidy emulator: null values inside maps on
//! console-made APIs, private custom domain names that need their `domainNameId`, and a quota
//! that every request counts against. Each test seeds those shapes in moto (with the emulator
//! extension answering as AWS does) and audits or explains through the real SDK.

mod support;

use gatecheck::aws::{collect, read_for_explain, CollectOptions};
use gatecheck::explain::{self, KeyIdentity, Request, Verdict};
use gatecheck::model::Snapshot;
use gatecheck::report::{Finding, Report};
use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use support::fault_proxy::{self, Fault, Rule};
use support::scenarios::seed_demo_account;
use support::seed::{Seeder, VPCE_POLICY};
use support::TestAccount;

const REGION: &str = "eu-central-1";

async fn audit(account: &TestAccount) -> (Snapshot, Report) {
    account.audit(None, &CollectOptions::default()).await.expect("collect")
}

/// A finding without what differs between two accounts seeded alike (ids, fingerprints).
fn gist(f: &Finding) -> String {
    format!(
        "{} {:?} {} {} {} {}",
        f.check,
        f.severity,
        f.api_name.as_deref().unwrap_or("-"),
        f.stage.as_deref().unwrap_or("-"),
        f.resource_path.as_deref().unwrap_or("-"),
        f.http_method.as_deref().unwrap_or("-"),
    )
}

fn checks_on<'a>(report: &'a Report, api_name: &str) -> BTreeSet<&'a str> {
    report
        .findings
        .iter()
        .filter(|f| f.api_name.as_deref() == Some(api_name))
        .map(|f| f.check.as_str())
        .collect()
}

#[tokio::test]
async fn console_shaped_apis_audit_like_tidy_ones() {
    let tidy = TestAccount::new("000000001301", REGION);
    let console = TestAccount::new("000000001302", REGION);
    seed_demo_account(&tidy.seeder()).await.expect("seed tidy");
    let expectations = seed_demo_account(&console.seeder().console_shaped())
        .await
        .expect("seed console-shaped");

    // The shape is real: the bare SDK refuses these APIs' GetResources pages outright.
    let bare = aws_sdk_apigateway::Client::from_conf(console.configs.apigateway.clone());
    let refused = bare
        .get_resources()
        .rest_api_id(&expectations[0].api_id)
        .embed("methods")
        .send()
        .await
        .expect_err("API Gateway sends null inside responseTemplates");
    let refused = aws_sdk_apigateway::error::DisplayErrorContext(&refused).to_string();
    assert!(refused.contains("dense map cannot contain null values"), "{refused}");

    let (_, tidy_report) = audit(&tidy).await;
    let (_, console_report) = audit(&console).await;
    let gc900: Vec<&Finding> = console_report.findings.iter().filter(|f| f.check == "GC900").collect();
    assert!(gc900.is_empty(), "console shapes blinded the audit: {gc900:#?}");
    let tidy_gists: Vec<String> = tidy_report.findings.iter().map(gist).collect();
    let console_gists: Vec<String> = console_report.findings.iter().map(gist).collect();
    assert_eq!(console_gists, tidy_gists, "the same findings, shape or not");

    // What the console-shaped scenarios must say, broken and healthy alike.
    for e in &expectations {
        let found = checks_on(&console_report, &e.api_name);
        for check in &e.checks {
            assert!(found.contains(check), "{}: {check} missing from {found:?}", e.api_name);
        }
        if e.api_name.starts_with("healthy-") {
            let noisy: Vec<&&str> = found
                .iter()
                .filter(|c| c.starts_with("GC3") || **c == "GC900")
                .collect();
            assert!(noisy.is_empty(), "{}: healthy control reports {noisy:?}", e.api_name);
        }
    }
}

/// What the domain tests share: an API whose execute-api endpoint is off and that no domain
/// maps (GC101), a public domain mapping a deleted stage (GC501) and a healthy one, and a
/// private custom domain mapping a private API.
struct Domains {
    healthy_api: String,
    healthy_key: String,
    private_domain_id: String,
}

async fn seed_domains(s: &Seeder) -> support::seed::Result<Domains> {
    let key = s.key("domains-key", true, "domainsKeyValue000000000000000001").await?;

    let mut dark = s
        .api_full("dark", aws_sdk_apigateway::types::EndpointType::Regional, None, true)
        .await?;
    s.keyed(&mut dark, "/items", "GET").await?;
    s.deploy_logged(&dark, "prod").await?;
    s.plan("dark-plan", &[(&dark, "prod")], &[&key]).await?;

    let mut moved = s.api("moved").await?;
    s.keyed(&mut moved, "/items", "GET").await?;
    s.deploy(&moved, "v1").await?;
    s.deploy_logged(&moved, "v2").await?;
    s.plan("moved-plan", &[(&moved, "v2")], &[&key]).await?;

    let mut open = s.api("open").await?;
    s.keyed(&mut open, "/items", "GET").await?;
    s.deploy_logged(&open, "prod").await?;
    s.plan("open-plan", &[(&open, "prod")], &[&key]).await?;
    s.domain(
        "public.example.com",
        &[("old", &moved.id, Some("v1")), ("open", &open.id, Some("prod"))],
    )
    .await?;
    s.delete_stage(&moved, "v1").await?;

    let mut inside = s
        .api_full(
            "inside",
            aws_sdk_apigateway::types::EndpointType::Private,
            Some(VPCE_POLICY),
            false,
        )
        .await?;
    s.keyed(&mut inside, "/items", "GET").await?;
    s.deploy_logged(&inside, "prod").await?;
    s.plan("inside-plan", &[(&inside, "prod")], &[&key]).await?;
    let private_domain_id = s
        .private_domain("internal.example.com", &[("(none)", &inside.id, Some("prod"))])
        .await?;
    Ok(Domains {
        healthy_api: open.id,
        healthy_key: key,
        private_domain_id,
    })
}

#[tokio::test]
async fn a_private_custom_domain_is_read_by_its_id_and_blinds_nothing() {
    let account = TestAccount::new("000000001303", REGION);
    let seeded = seed_domains(&account.seeder()).await.expect("seed");
    let (snapshot, report) = audit(&account).await;

    let private = snapshot
        .domain_names
        .iter()
        .find(|d| d.name == "internal.example.com")
        .expect("the private domain is listed");
    assert_eq!(
        private.domain_name_id.as_deref(),
        Some(seeded.private_domain_id.as_str())
    );
    assert_eq!(private.mappings.len(), 1, "its mappings were read by id");
    assert!(
        report.findings.iter().all(|f| f.check != "GC900"),
        "{:#?}",
        report.findings
    );
    assert!(checks_on(&report, "dark").contains("GC101"));
    assert!(checks_on(&report, "moved").contains("GC501"));
    assert!(checks_on(&report, "open").is_empty() && checks_on(&report, "inside").len() <= 1);
}

#[tokio::test]
async fn one_unreadable_domain_is_a_gap_for_that_domain_only() {
    let moto = &support::moto().endpoint;
    let direct = TestAccount::at(moto, "000000001304", REGION);
    let seeded = seed_domains(&direct.seeder()).await.expect("seed");
    let proxy = fault_proxy::start(
        moto,
        vec![Rule::always(
            "GET /domainnames/internal.example.com/basepathmappings",
            Fault::Deny,
        )],
    );
    let account = TestAccount::at(&proxy.endpoint, "000000001304", REGION);
    let (_, report) = audit(&account).await;

    let gaps: Vec<&Finding> = report.findings.iter().filter(|f| f.check == "GC900").collect();
    assert_eq!(gaps.len(), 1, "{gaps:#?}");
    assert!(gaps[0].detail.contains("internal.example.com") && gaps[0].api_id.is_none());
    let dark = report
        .findings
        .iter()
        .find(|f| f.check == "GC101")
        .expect("GC101 still reported");
    assert!(dark.detail.contains("could not be read"), "{}", dark.detail);
    assert!(checks_on(&report, "moved").contains("GC501"), "GC501 still reported");

    // explain through the public domain is not stopped by the private one.
    let mut request = Request::new(
        "https://public.example.com/open/items",
        Some("GET"),
        &["x-api-key: anything".into()],
    )
    .unwrap();
    request.key = KeyIdentity::Given(seeded.healthy_key.clone());
    let needs = explain::needs(&request).unwrap();
    let snapshot = read_for_explain(&account.configs, &mut request, &needs, false)
        .await
        .expect("explain reads what the request reaches");
    let explanation = explain::explain(&snapshot, &request).expect("explains");
    assert_eq!(explanation.verdict, Verdict::Allowed, "{:#?}", explanation.steps);
    assert_eq!(explanation.target.api_id.as_deref(), Some(seeded.healthy_api.as_str()));

    // ...and a request through the unreadable domain is unknown, not refused.
    let mut request = Request::new("https://internal.example.com/items", Some("GET"), &[]).unwrap();
    let needs = explain::needs(&request).unwrap();
    let err = read_for_explain(&account.configs, &mut request, &needs, false)
        .await
        .expect_err("its mappings cannot be read");
    assert!(err.to_string().contains("GetBasePathMappings"), "{err}");
}

#[tokio::test]
async fn every_api_gateway_request_of_an_audit_and_of_explain_passes_the_limiter() {
    let moto = &support::moto().endpoint;
    let direct = TestAccount::at(moto, "000000001305", REGION);
    let seeded = seed_domains(&direct.seeder()).await.expect("seed");
    let proxy = fault_proxy::start(moto, Vec::new());
    // The default limiter: API Gateway's documented quota.
    let account = TestAccount::at(&proxy.endpoint, "000000001305", REGION);
    let limiter = account.configs.limiter().expect("limited by default").clone();
    let sent = || proxy.stats.api_gateway_requests.load(Ordering::Relaxed) as u64;

    collect(&account.configs, &CollectOptions::default())
        .await
        .expect("collect");
    let after_audit = sent();
    assert!(after_audit > 10, "the audit read API Gateway: {after_audit}");
    assert_eq!(
        limiter.admitted(),
        after_audit,
        "each request the proxy saw waited for the limiter"
    );

    // explain: the domain, the key lookup by value, the API.
    let mut request = Request::new(
        "https://public.example.com/open/items",
        Some("GET"),
        &["x-api-key: domainsKeyValue000000000000000001".into()],
    )
    .unwrap();
    let needs = explain::needs(&request).unwrap();
    let snapshot = read_for_explain(&account.configs, &mut request, &needs, true)
        .await
        .expect("explain reads");
    assert_eq!(request.key, KeyIdentity::LookedUp(seeded.healthy_key.clone()));
    assert!(snapshot.rest_apis.iter().any(|a| a.id == seeded.healthy_api));
    assert!(sent() > after_audit, "explain read API Gateway");
    assert_eq!(
        limiter.admitted(),
        sent(),
        "explain's requests waited for the limiter too"
    );
}
