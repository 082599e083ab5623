//! The walk over hand-built snapshots: one request in, the first failing gate out.

use super::*;
use crate::checks::fixtures::*;
use crate::model::*;

const HOST: &str = "https://a1.execute-api.eu-west-1.amazonaws.com";

/// Gives every stage a deployment whose apiSummary is the current configuration.
fn deployed(mut s: Snapshot) -> Snapshot {
    for api in &mut s.rest_apis {
        let summary = api.current_summary();
        for stage in api.stages.clone() {
            api.deployments.push(Deployment {
                id: stage.deployment_id.clone().unwrap_or_default(),
                api_summary: Some(summary.clone()),
            });
        }
    }
    s
}

fn healthy_deployed() -> Snapshot {
    deployed(healthy())
}

fn request(url: &str, method: &str, headers: &[&str]) -> Request {
    let headers: Vec<String> = headers.iter().map(|h| (*h).to_string()).collect();
    Request::new(url, Some(method), &headers).unwrap()
}

fn keyed_get(path: &str) -> Request {
    let mut r = request(&format!("{HOST}{path}"), "GET", &["x-api-key: secret-value-123"]);
    r.key = KeyIdentity::Given("k1".into());
    r
}

fn first_failure(s: &Snapshot, r: &Request) -> (Gate, Option<&'static str>, Option<u16>, String) {
    let e = explain(s, r).unwrap();
    assert_eq!(e.verdict, Verdict::Forbidden, "{}", text(&e));
    let f = e.first_failure.clone().unwrap();
    assert_eq!(
        e.steps.last().map(|s| s.step),
        Some(f.step),
        "the walk stops at the failure"
    );
    (f.step, f.check, e.status, e.message.unwrap_or_default())
}

#[test]
fn healthy_request_is_allowed_through_every_gate() {
    let e = explain(&healthy_deployed(), &keyed_get("/prod/items")).unwrap();
    assert_eq!(e.verdict, Verdict::Allowed, "{}", text(&e));
    assert_eq!(e.steps.len(), 9);
    assert!(e.steps.iter().all(|s| s.outcome == Outcome::Pass));
    assert_eq!(e.status, None);
    assert_eq!(e.target.resource_path.as_deref(), Some("/items"));
}

#[test]
fn without_the_key_id_the_key_step_is_unknown() {
    let mut r = keyed_get("/prod/items");
    r.key = KeyIdentity::Unknown;
    let e = explain(&healthy_deployed(), &r).unwrap();
    assert_eq!(e.verdict, Verdict::Unknown);
    let step = e.steps.iter().find(|s| s.step == Gate::ApiKey).unwrap();
    assert!(step.evidence.contains("--key-id"), "{}", step.evidence);
}

#[test]
fn stage_missing_from_the_url_or_unknown() {
    let s = healthy_deployed();
    let (gate, check, status, message) = first_failure(&s, &keyed_get("/"));
    assert_eq!(
        (gate, check, status, message.as_str()),
        (Gate::Stage, None, Some(403), "Forbidden")
    );
    let e = explain(&s, &keyed_get("/items")).unwrap();
    let step = e.steps.last().unwrap();
    assert_eq!(step.step, Gate::Stage);
    assert!(
        step.evidence.contains("no stage 'items'") && step.evidence.contains("lacks the stage"),
        "{}",
        step.evidence
    );
    assert!(step.fix.as_deref().unwrap().contains("/prod/items"), "{:?}", step.fix);
    assert_eq!(first_failure(&s, &keyed_get("/dev/items")).0, Gate::Stage);
}

#[test]
fn missing_path_or_method_is_missing_authentication_token() {
    let s = healthy_deployed();
    let (gate, _, status, message) = first_failure(&s, &keyed_get("/prod/nothing"));
    assert_eq!(
        (gate, status, message.as_str()),
        (Gate::Route, Some(403), "Missing Authentication Token")
    );
    let mut post = keyed_get("/prod/items");
    post.method = "POST".into();
    let e = explain(&s, &post).unwrap();
    assert!(e.steps.last().unwrap().evidence.contains("has methods GET, not POST"));
}

#[test]
fn key_gate_names_the_cause() {
    let r = keyed_get("/prod/items");
    let mut no_plan = healthy_deployed();
    no_plan.usage_plans[0].api_stages.clear();
    assert_eq!(first_failure(&no_plan, &r).1, Some("GC301"));
    let fix = explain(&no_plan, &r).unwrap().first_failure.unwrap().fix;
    assert!(
        fix.contains("--usage-plan-id p1 "),
        "the plan that holds the caller's key: {fix}"
    );
    let mut no_keys = healthy_deployed();
    no_keys.usage_plans[0].key_ids.clear();
    assert_eq!(first_failure(&no_keys, &r).1, Some("GC302"));
    let mut disabled = healthy_deployed();
    disabled.api_keys[0].enabled = false;
    assert_eq!(first_failure(&disabled, &r).1, Some("GC303"));

    let mut other_key = healthy_deployed();
    other_key.api_keys.push(key("k2", true));
    other_key.usage_plans.push(plan("p2", &[("zz", "prod")], &["k2"]));
    let mut r2 = r.clone();
    r2.key = KeyIdentity::Given("k2".into());
    let e = explain(&other_key, &r2).unwrap();
    let step = e.steps.last().unwrap();
    assert_eq!((step.step, step.outcome), (Gate::ApiKey, Outcome::Fail));
    assert!(
        step.evidence.contains("in no plan that covers a1:prod") && step.evidence.contains("p2"),
        "{}",
        step.evidence
    );
    assert!(step
        .fix
        .as_deref()
        .unwrap()
        .contains("--usage-plan-id p1 --key-type API_KEY --key-id k2"));

    let mut unknown_value = r.clone();
    unknown_value.key = KeyIdentity::NoKeyHasValue;
    assert_eq!(first_failure(&healthy_deployed(), &unknown_value).0, Gate::ApiKey);

    let no_header = request(&format!("{HOST}/prod/items"), "GET", &[]);
    let (gate, check, ..) = first_failure(&healthy_deployed(), &no_header);
    assert_eq!((gate, check), (Gate::ApiKey, None));
}

#[test]
fn preflight_and_authorizer_source() {
    let mut s = healthy();
    s.rest_apis[0].resources[0]
        .methods
        .push(method("OPTIONS", true, "NONE"));
    let s = deployed(s);
    let preflight = request(
        &format!("{HOST}/prod/items"),
        "OPTIONS",
        &["Origin: https://app.example.com"],
    );
    assert_eq!(first_failure(&s, &preflight).1, Some("GC305"));

    let mut authorizer = healthy();
    authorizer.rest_apis[0].api_key_source = ApiKeySource::Authorizer;
    let authorizer = deployed(authorizer);
    let (gate, check, ..) = first_failure(&authorizer, &keyed_get("/prod/items"));
    assert_eq!((gate, check), (Gate::ApiKey, Some("GC304")));
}

#[test]
fn endpoint_and_private_gates() {
    let mut disabled = healthy_deployed();
    disabled.rest_apis[0].disable_execute_api_endpoint = true;
    assert_eq!(first_failure(&disabled, &keyed_get("/prod/items")).1, Some("GC101"));

    let mut private = healthy_deployed();
    private.rest_apis[0].endpoint_types = vec!["PRIVATE".into()];
    let via_vpce = |headers: &[&str]| {
        let mut r = request(
            "https://vpce-0abc-1234.execute-api.eu-west-1.vpce.amazonaws.com/prod/items",
            "GET",
            headers,
        );
        r.key = KeyIdentity::Given("k1".into());
        r
    };
    let named = via_vpce(&["x-apigw-api-id: a1", "x-api-key: v"]);
    assert_eq!(first_failure(&private, &named).1, Some("GC102"));
    let (gate, check, ..) = first_failure(&private, &via_vpce(&["x-api-key: v"]));
    assert_eq!((gate, check), (Gate::Private, None));

    private.rest_apis[0].policy = Some(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0abc"}}}]}"#.into());
    assert_eq!(explain(&private, &named).unwrap().verdict, Verdict::Allowed);
    let other_endpoint = {
        let mut r = named.clone();
        r.host = "vpce-0def-1.execute-api.eu-west-1.vpce.amazonaws.com".into();
        r
    };
    let (gate, check, _, message) = first_failure(&private, &other_endpoint);
    assert_eq!((gate, check), (Gate::ResourcePolicy, Some("GC103")));
    assert!(message.contains("with an explicit deny"), "{message}");

    // The header is for private APIs only.
    let public = healthy_deployed();
    let mut with_header = keyed_get("/prod/items");
    with_header.headers.push(request::Header::new("x-apigw-api-id", "a1"));
    assert_eq!(first_failure(&public, &with_header).0, Gate::Private);
}

#[test]
fn resource_policy_by_source_ip() {
    let mut s = healthy_deployed();
    s.rest_apis[0].policy = Some(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#.into());
    let mut r = keyed_get("/prod/items");
    r.source_ip = Some("192.0.2.1".parse().unwrap());
    let (gate, check, _, message) = first_failure(&s, &r);
    assert_eq!((gate, check), (Gate::ResourcePolicy, Some("GC103")));
    assert!(
        message.contains("no resource-based policy allows") && message.contains("a1/prod/GET/items"),
        "{message}"
    );
    r.source_ip = Some("203.0.113.50".parse().unwrap());
    assert_eq!(explain(&s, &r).unwrap().verdict, Verdict::Allowed);
    r.source_ip = None;
    assert_eq!(explain(&s, &r).unwrap().verdict, Verdict::Unknown);
}

#[test]
fn waf_by_source_ip() {
    let office = ip_set("office", &["198.51.100.0/24"]);
    let statement = WafStatement::IpSet {
        arn: office.arn.clone(),
    };
    let mut default_block = with_acl(
        healthy_deployed(),
        WafAction::Block,
        vec![rule("office", WafAction::Allow, statement.clone())],
    );
    default_block.ip_sets.push(office.clone());
    let mut r = keyed_get("/prod/items");
    r.source_ip = Some("192.0.2.1".parse().unwrap());
    assert_eq!(first_failure(&default_block, &r).1, Some("GC201"));
    r.source_ip = Some("198.51.100.20".parse().unwrap());
    assert_eq!(explain(&default_block, &r).unwrap().verdict, Verdict::Allowed);
    r.source_ip = None;
    let e = explain(&default_block, &r).unwrap();
    let waf = e.steps.iter().find(|s| s.step == Gate::Waf).unwrap();
    assert!(
        waf.outcome == Outcome::Unknown && waf.evidence.contains("--source-ip"),
        "{}",
        waf.evidence
    );

    let mut blocklist = with_acl(
        healthy_deployed(),
        WafAction::Allow,
        vec![rule("blocklist", WafAction::Block, statement)],
    );
    blocklist.ip_sets.push(office);
    r.source_ip = Some("198.51.100.20".parse().unwrap());
    assert_eq!(first_failure(&blocklist, &r).1, Some("GC202"));
}

#[test]
fn authorization_types() {
    let mut iam = healthy();
    iam.rest_apis[0].resources[0].methods = vec![method("GET", false, "AWS_IAM")];
    let iam = deployed(iam);
    let unsigned = request(&format!("{HOST}/prod/items"), "GET", &[]);
    let (gate, _, _, message) = first_failure(&iam, &unsigned);
    assert_eq!(
        (gate, message.as_str()),
        (Gate::Authorization, "Missing Authentication Token")
    );
    let signed = request(
        &format!("{HOST}/prod/items"),
        "GET",
        &["Authorization: AWS4-HMAC-SHA256 Credential=x"],
    );
    assert_eq!(explain(&iam, &signed).unwrap().verdict, Verdict::Unknown);

    let mut cognito = healthy();
    cognito.rest_apis[0].resources[0].methods = vec![method("GET", false, "COGNITO_USER_POOLS")];
    let (gate, _, status, _) = first_failure(&deployed(cognito), &unsigned);
    assert_eq!((gate, status), (Gate::Authorization, Some(401)));
}

#[test]
fn undeployed_changes_fail_at_the_deployment_gate() {
    // The key requirement was dropped in the console but the stage still serves it.
    let mut s = healthy_deployed();
    s.rest_apis[0].resources[0].methods[0].api_key_required = false;
    let no_key = request(&format!("{HOST}/prod/items"), "GET", &[]);
    let (gate, check, ..) = first_failure(&s, &no_key);
    assert_eq!((gate, check), (Gate::Deployment, Some("GC401")));

    // A method added after the last deployment.
    let mut added = healthy_deployed();
    added.rest_apis[0].resources[0]
        .methods
        .push(method("PUT", false, "NONE"));
    let put = request(&format!("{HOST}/prod/items"), "PUT", &[]);
    let (gate, check, _, message) = first_failure(&added, &put);
    assert_eq!(
        (gate, check, message.as_str()),
        (Gate::Deployment, Some("GC401"), "Missing Authentication Token")
    );

    // Without apiSummary the gate cannot tell.
    let e = explain(&healthy(), &keyed_get("/prod/items")).unwrap();
    assert_eq!(e.verdict, Verdict::Unknown);
    assert_eq!(
        e.steps.last().map(|s| (s.step, s.outcome)),
        Some((Gate::Deployment, Outcome::Unknown))
    );
}

#[test]
fn custom_domains() {
    let mut s = healthy_deployed();
    s.domain_names.push(DomainName {
        name: "api.example.com".into(),
        domain_name_id: None,
        endpoint_types: vec!["REGIONAL".into()],
        mappings: vec![
            BasePathMapping {
                base_path: "shop".into(),
                rest_api_id: "a1".into(),
                stage: Some("prod".into()),
            },
            BasePathMapping {
                base_path: "old".into(),
                rest_api_id: "a1".into(),
                stage: Some("v1".into()),
            },
        ],
    });
    let mut r = keyed_get("/");
    r.host = "api.example.com".into();
    r.path = "/shop/items".into();
    assert_eq!(explain(&s, &r).unwrap().verdict, Verdict::Allowed);
    r.path = "/old/items".into();
    assert_eq!(first_failure(&s, &r).1, Some("GC501"));
    r.path = "/nothing/items".into();
    assert_eq!(first_failure(&s, &r).0, Gate::Endpoint);
    r.host = "missing.example.com".into();
    assert!(matches!(explain(&s, &r), Err(ExplainError::DomainNotFound { .. })));
}

#[test]
fn errors_for_what_cannot_be_explained() {
    let s = healthy_deployed();
    let other = request("https://zz.execute-api.eu-west-1.amazonaws.com/prod/items", "GET", &[]);
    assert!(matches!(explain(&s, &other), Err(ExplainError::ApiNotFound { .. })));
    let wrong_region = request("https://a1.execute-api.us-east-1.amazonaws.com/prod/items", "GET", &[]);
    assert!(matches!(
        explain(&s, &wrong_region),
        Err(ExplainError::WrongRegion { .. })
    ));
    let placeholder = request("https://[api-id].execute-api.[region].amazonaws.com/", "GET", &[]);
    assert!(matches!(explain(&s, &placeholder), Err(ExplainError::Host(_))));
}

#[test]
fn json_contract_and_no_header_values() {
    let mut no_plan = healthy_deployed();
    no_plan.usage_plans.clear();
    let e = explain(&no_plan, &keyed_get("/prod/items")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&e.json()).unwrap();
    assert_eq!(value["verdict"], "forbidden");
    assert_eq!(value["status"], 403);
    assert_eq!(value["message"], "Forbidden");
    assert_eq!(value["first_failure"]["step"], "api_key");
    assert_eq!(value["first_failure"]["check"], "GC301");
    assert!(value["first_failure"]["fix"]
        .as_str()
        .unwrap()
        .contains("value=a1:prod"));
    assert_eq!(value["steps"].as_array().unwrap().len(), 8);
    assert_eq!(value["steps"][0]["outcome"], "pass");
    assert_eq!(value["request"]["headers"][0], "x-api-key");
    for shown in [e.json(), text(&e)] {
        assert!(!shown.contains("secret-value-123"), "{shown}");
    }
}
