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

/// The healthy fixture with its method behind an authorizer of `kind`.
fn with_authorizer(mut s: Snapshot, method_auth: &str, kind: &str, identity_source: Option<&str>) -> Snapshot {
    let api = &mut s.rest_apis[0];
    api.authorizers.push(Authorizer {
        id: "au1".into(),
        name: "gate".into(),
        authorizer_type: kind.into(),
        identity_source: identity_source.map(str::to_string),
        identity_validation_expression: None,
        result_ttl_seconds: None,
    });
    let m = &mut api.resources[0].methods[0];
    m.authorization_type = method_auth.into();
    m.authorizer_id = Some("au1".into());
    s
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
    (f.step, f.check.map(|m| m.id), e.status, e.message.unwrap_or_default())
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
fn a_greedy_proxy_never_takes_the_path_it_hangs_from() {
    // API Gateway: {proxy+} matches one path segment or more, never none.
    let mut s = empty();
    s.rest_apis.push(with_stage(
        with_resource(api("a1"), "/{proxy+}", vec![method("ANY", false, "NONE")]),
        "prod",
    ));
    let s = deployed(s);
    let get = |path: &str| request(&format!("{HOST}{path}"), "GET", &[]);
    let (gate, check, status, message) = first_failure(&s, &get("/prod/"));
    assert_eq!(
        (gate, check, status, message.as_str()),
        (Gate::Route, Some("GC107"), Some(403), "Missing Authentication Token")
    );
    assert_eq!(explain(&s, &get("/prod/orders/7")).unwrap().verdict, Verdict::Allowed);
    // The audit says the same of the same stage.
    assert_eq!(ids(&crate::checks::evaluate(&s).findings), ["GC107"]);
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
    // AWS's text for an implicit deny has no suffix.
    assert_eq!(
        message,
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:eu-west-1:111122223333:a1/prod/GET/items"
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
        forwarded_header: None,
        fallback_match: false,
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

    let cognito = with_authorizer(healthy(), "COGNITO_USER_POOLS", "COGNITO_USER_POOLS", None);
    let (gate, _, status, _) = first_failure(&deployed(cognito), &unsigned);
    assert_eq!((gate, status), (Gate::Authorization, Some(401)));
}

/// Developer guide, "Deploy REST APIs in API Gateway": a stage serves its deployment, and a
/// change applies only once deployed. The gates decide on what the stage serves.
#[test]
fn a_stage_answers_as_deployed_and_warns_of_the_next_deployment() {
    // The key requirement was dropped in the console but the stage still serves it.
    let mut dropped = healthy_deployed();
    dropped.rest_apis[0].resources[0].methods[0].api_key_required = false;
    let no_key = request(&format!("{HOST}/prod/items"), "GET", &[]);
    let (gate, check, ..) = first_failure(&dropped, &no_key);
    assert_eq!((gate, check), (Gate::ApiKey, None));

    // A key requirement added but not deployed: allowed today, refused after the next deployment.
    let mut s = healthy();
    s.rest_apis[0].resources[0].methods[0].api_key_required = false;
    let mut added_key = deployed(s);
    added_key.rest_apis[0].resources[0].methods[0].api_key_required = true;
    let e = explain(&added_key, &no_key).unwrap();
    assert_eq!(e.verdict, Verdict::Allowed, "{}", text(&e));
    let last = e.steps.last().unwrap();
    assert_eq!(
        (last.step, last.outcome, last.check_id()),
        (Gate::Deployment, Outcome::Warning, Some("GC401"))
    );
    assert!(last.evidence.contains("will be refused"), "{}", last.evidence);

    // A method added after the last deployment does not exist on the stage yet.
    let mut added = healthy_deployed();
    added.rest_apis[0].resources[0]
        .methods
        .push(method("PUT", false, "NONE"));
    let put = request(&format!("{HOST}/prod/items"), "PUT", &[]);
    let (gate, check, _, message) = first_failure(&added, &put);
    assert_eq!(
        (gate, check, message.as_str()),
        (Gate::Route, Some("GC401"), "Missing Authentication Token")
    );

    // Without apiSummary the verdict rests on the current configuration, and says so.
    let e = explain(&healthy(), &keyed_get("/prod/items")).unwrap();
    assert_eq!(e.verdict, Verdict::Unknown);
    let route = e.steps.iter().find(|s| s.step == Gate::Route).unwrap();
    assert!(
        route.evidence.contains("rests on the current configuration"),
        "{}",
        route.evidence
    );
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
        ..DomainName::default()
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
    let placeholder = Request::new("https://[api-id].execute-api.[region].amazonaws.com/", None, &[]);
    assert!(matches!(placeholder, Err(RequestError::Placeholder(_))));
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

/// Developer guide, "How API Gateway resource policies affect authorization workflow" and its
/// Table A (caller in the API's account): each authorization type with each kind of resource
/// policy, with and without the credentials the type asks for.
#[test]
fn authorization_workflow_table() {
    const ARN: &str = "arn:aws:execute-api:eu-west-1:111122223333:a1/prod/GET/items";
    let allow_all = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#;
    // Allows another network only: an implicit deny for the caller at 192.0.2.1.
    let allow_other = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#;
    let deny_caller = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}"#;
    let policies = [
        ("none", None),
        ("allow", Some(allow_all)),
        ("implicit deny", Some(allow_other)),
        ("explicit deny", Some(deny_caller)),
    ];
    let implicit = format!("User: anonymous is not authorized to perform: execute-api:Invoke on resource: {ARN}");
    let explicit = format!("{implicit} with an explicit deny");
    let signer_explicit = format!("User: <the signer's ARN> is not authorized to perform: execute-api:Invoke on resource: {ARN} with an explicit deny");
    type Want<'a> = (Verdict, Option<(Gate, u16, &'a str)>);
    type Row<'a> = (&'a str, Option<&'a str>, &'a [&'a str], [Want<'a>; 4]);
    let allowed: Want = (Verdict::Allowed, None);
    let unknown: Want = (Verdict::Unknown, None);
    let refused = |gate, status, message| -> Want { (Verdict::Forbidden, Some((gate, status, message))) };
    let missing_token = refused(Gate::Authorization, 403, "Missing Authentication Token");
    let unauthorized = refused(Gate::Authorization, 401, "Unauthorized");
    let policy_implicit = refused(Gate::ResourcePolicy, 403, implicit.as_str());
    let policy_explicit = refused(Gate::ResourcePolicy, 403, explicit.as_str());
    // (method authorization, authorizer type, credentials sent, one row per policy above)
    let rows: Vec<Row> = vec![
        ("NONE", None, &[], [allowed, allowed, policy_implicit, policy_explicit]),
        (
            "AWS_IAM",
            None,
            &["Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-1/execute-api/aws4_request"],
            [
                unknown,
                allowed,
                unknown,
                refused(Gate::ResourcePolicy, 403, signer_explicit.as_str()),
            ],
        ),
        (
            "AWS_IAM",
            None,
            &[],
            [missing_token, missing_token, missing_token, missing_token],
        ),
        (
            "CUSTOM",
            Some("TOKEN"),
            &["Authorization: Bearer t"],
            [unknown, unknown, unknown, policy_explicit],
        ),
        (
            "CUSTOM",
            Some("TOKEN"),
            &[],
            [unauthorized, unauthorized, unauthorized, policy_explicit],
        ),
        (
            "COGNITO_USER_POOLS",
            Some("COGNITO_USER_POOLS"),
            &["Authorization: eyJ"],
            [unknown, unknown, policy_implicit, policy_explicit],
        ),
        (
            "COGNITO_USER_POOLS",
            Some("COGNITO_USER_POOLS"),
            &[],
            [unauthorized, unauthorized, unauthorized, unauthorized],
        ),
    ];
    for (auth, kind, credentials, wants) in rows {
        for ((policy_name, policy), want) in policies.iter().zip(wants) {
            let mut s = healthy();
            s.rest_apis[0].resources[0].methods[0].api_key_required = false;
            if let Some(kind) = kind {
                s = with_authorizer(s, auth, kind, None);
            } else {
                s.rest_apis[0].resources[0].methods[0].authorization_type = auth.into();
            }
            s.rest_apis[0].policy = policy.map(str::to_string);
            let s = deployed(s);
            let mut r = request(&format!("{HOST}/prod/items"), "GET", credentials);
            r.source_ip = Some("192.0.2.1".parse().unwrap());
            let e = explain(&s, &r).unwrap();
            let got = e
                .first_failure
                .as_ref()
                .map(|f| (f.step, e.status.unwrap_or(0), e.message.as_deref().unwrap_or("")));
            let row = format!(
                "{auth} {kind:?} credentials={} policy={policy_name}",
                !credentials.is_empty()
            );
            assert_eq!((e.verdict, got), want, "{row}\n{}", text(&e));
        }
    }
}

#[test]
fn waf_answers_before_the_route_exists() {
    let s = with_acl(healthy_deployed(), WafAction::Block, vec![]);
    let mut r = keyed_get("/prod/no-such-path");
    r.source_ip = Some("192.0.2.1".parse().unwrap());
    let (gate, check, status, message) = first_failure(&s, &r);
    assert_eq!(
        (gate, check, status, message.as_str()),
        (Gate::Waf, Some("GC201"), Some(403), "Forbidden")
    );
}

#[test]
fn waf_captcha_answers_405_with_a_page() {
    let office = ip_set("office", &["198.51.100.0/24"]);
    let statement = WafStatement::IpSet {
        arn: office.arn.clone(),
        forwarded_header: None,
        fallback_match: false,
    };
    let mut s = with_acl(
        healthy_deployed(),
        WafAction::Allow,
        vec![rule("puzzle", WafAction::Captcha, statement)],
    );
    s.ip_sets.push(office);
    let mut r = keyed_get("/prod/items");
    r.source_ip = Some("198.51.100.9".parse().unwrap());
    let e = explain(&s, &r).unwrap();
    assert_eq!((e.verdict, e.status), (Verdict::Forbidden, Some(405)));
    assert!(
        !e.json_body && text(&e).contains("405: an AWS WAF CAPTCHA page"),
        "{}",
        text(&e)
    );
}

#[test]
fn a_deny_only_policy_does_not_refuse_before_a_lambda_authorizer() {
    // Denies only another network: no Allow at all, so an implicit deny for this caller.
    let deny_other = r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#;
    let mut s = with_authorizer(healthy(), "CUSTOM", "TOKEN", None);
    s.rest_apis[0].policy = Some(deny_other.into());
    let s = deployed(s);
    let mut r = keyed_get("/prod/items");
    r.headers.push(request::Header::new("Authorization", "Bearer t"));
    r.source_ip = Some("192.0.2.1".parse().unwrap());
    let e = explain(&s, &r).unwrap();
    assert_ne!(e.verdict, Verdict::Forbidden, "{}", text(&e));
    let policy = e.steps.iter().find(|s| s.step == Gate::ResourcePolicy).unwrap();
    assert_eq!(policy.outcome, Outcome::Pass, "{}", policy.evidence);
    // The policy runs before the authorizer for a Lambda-authorized method.
    let order: Vec<Gate> = e.steps.iter().map(|s| s.step).collect();
    let at = |g: Gate| order.iter().position(|x| *x == g).unwrap();
    assert!(at(Gate::ResourcePolicy) < at(Gate::Authorization));
}

#[test]
fn a_token_authorizer_reads_its_identity_source_and_expression() {
    let mut s = with_authorizer(healthy(), "CUSTOM", "TOKEN", Some("method.request.header.X-Token"));
    s.rest_apis[0].authorizers[0].identity_validation_expression = Some("^Bearer [a-z0-9]+$".into());
    let s = deployed(s);
    // An Authorization header is not what this authorizer reads.
    let mut r = keyed_get("/prod/items");
    r.headers.push(request::Header::new("Authorization", "Bearer abc"));
    let (gate, _, status, _) = first_failure(&s, &r);
    assert_eq!((gate, status), (Gate::Authorization, Some(401)));
    let evidence = &explain(&s, &r).unwrap().steps.last().unwrap().evidence.clone();
    assert!(evidence.contains("header X-Token"), "{evidence}");
    // A token that fails the expression: 401 without calling the function.
    let mut bad = keyed_get("/prod/items");
    bad.headers.push(request::Header::new("X-Token", "Basic Zm9v"));
    assert_eq!(first_failure(&s, &bad).2, Some(401));
    // One that passes is the function's to decide.
    let mut good = keyed_get("/prod/items");
    good.headers.push(request::Header::new("X-Token", "Bearer abc123"));
    let e = explain(&s, &good).unwrap();
    let step = e.steps.iter().find(|s| s.step == Gate::Authorization).unwrap();
    assert_eq!(step.outcome, Outcome::Unknown, "{}", step.evidence);
}

#[test]
fn the_longest_base_path_takes_the_request() {
    let mut s = healthy_deployed();
    let mut v2 = s.rest_apis[0].clone();
    v2.id = "a2".into();
    v2.name = "orders-v2".into();
    s.rest_apis.push(v2);
    let mapping = |base: &str, api: &str| BasePathMapping {
        base_path: base.into(),
        rest_api_id: api.into(),
        stage: Some("prod".into()),
    };
    s.domain_names.push(DomainName {
        name: "api.example.com".into(),
        endpoint_types: vec!["REGIONAL".into()],
        mappings: vec![mapping("orders", "a1"), mapping("orders/v2", "a2")],
        ..DomainName::default()
    });
    let mut r = request("https://api.example.com/orders/v2/items", "GET", &["x-api-key: v"]);
    r.key = KeyIdentity::Given("k1".into());
    let e = explain(&s, &r).unwrap();
    assert_eq!(e.target.api_id.as_deref(), Some("a2"), "{}", text(&e));
    let mut r = request("https://api.example.com/orders/items", "GET", &["x-api-key: v"]);
    r.key = KeyIdentity::Given("k1".into());
    assert_eq!(explain(&s, &r).unwrap().target.api_id.as_deref(), Some("a1"));
}

#[test]
fn a_presigned_url_is_signed_and_its_signature_never_shown() {
    let mut s = healthy();
    s.rest_apis[0].resources[0].methods = vec![method("GET", false, "AWS_IAM")];
    let s = deployed(s);
    let url = format!("{HOST}/prod/items?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Feu-west-1%2Fexecute-api%2Faws4_request&X-Amz-Security-Token=sessiontoken123&X-Amz-Signature=deadbeef");
    let r = request(&url, "GET", &[]);
    assert!(r.signed());
    let e = explain(&s, &r).unwrap();
    let auth = e.steps.iter().find(|s| s.step == Gate::Authorization).unwrap();
    assert_ne!(auth.outcome, Outcome::Fail, "{}", auth.evidence);
    let shown = e.json() + &text(&e) + &format!("{r:?}");
    for secret in ["deadbeef", "sessiontoken123", "AKIDEXAMPLE"] {
        assert!(!shown.contains(secret), "{secret} shown");
    }
    assert!(e.request.url.contains("X-Amz-Signature=…"), "{}", e.request.url);
}

#[test]
fn urls_with_ports_ipv6_and_percent_encoding() {
    let r = request(
        "https://a1.execute-api.eu-west-1.amazonaws.com:443/prod/it%65ms",
        "GET",
        &[],
    );
    assert_eq!(
        (r.host.as_str(), r.path.as_str()),
        ("a1.execute-api.eu-west-1.amazonaws.com", "/prod/items")
    );
    let v6 = request("http://[2001:db8::1]:8080/prod/items", "GET", &[]);
    assert_eq!(v6.host, "[2001:db8::1]");
}

/// For a plan key the snapshot does not hold, the audit (GC303) and explain give one answer:
/// unknown, not disabled.
#[test]
fn a_plan_key_the_snapshot_lacks_is_unknown_to_both() {
    let mut s = healthy_deployed();
    s.usage_plans[0].key_ids.push("k-missing".into());
    s.api_keys[0].enabled = false;
    let findings = crate::checks::evaluate(&s).findings;
    assert!(!findings.iter().any(|f| f.check == "GC303"));
    let mut r = keyed_get("/prod/items");
    r.key = KeyIdentity::Unknown;
    let e = explain(&s, &r).unwrap();
    let key = e.steps.iter().find(|s| s.step == Gate::ApiKey).unwrap();
    assert_eq!(key.outcome, Outcome::Unknown, "{}", key.evidence);
}

/// Developer guide, "Set up an API Gateway canary release deployment": percentTraffic of the
/// stage's calls go to the canary's deployment.
#[test]
fn a_canary_that_answers_otherwise_is_named_with_its_share() {
    let mut s = healthy_deployed();
    let mut without_key = s.rest_apis[0].clone();
    without_key.resources[0].methods[0].api_key_required = false;
    s.rest_apis[0].deployments.push(Deployment {
        id: "d-canary".into(),
        api_summary: Some(without_key.current_summary()),
    });
    s.rest_apis[0].stages[0].canary = Some(Canary {
        deployment_id: Some("d-canary".into()),
        percent_traffic: 10.0,
    });
    // Refused by the stage's deployment; the canary's tenth gets in.
    let no_key = request(&format!("{HOST}/prod/items"), "GET", &[]);
    let e = explain(&s, &no_key).unwrap();
    assert_eq!(e.verdict, Verdict::Forbidden);
    let last = e.steps.last().unwrap();
    assert!(
        last.evidence
            .contains("10% of the calls go to canary deployment d-canary")
            && last.evidence.contains("not refused"),
        "{}",
        last.evidence
    );
    // Allowed either way with the key: the deployment step still names the canary's difference.
    let e = explain(&s, &keyed_get("/prod/items")).unwrap();
    assert_eq!(e.verdict, Verdict::Allowed, "{}", text(&e));
    let last = e.steps.last().unwrap();
    assert_eq!(
        (last.step, last.outcome, last.check_id()),
        (Gate::Deployment, Outcome::Warning, Some("GC402"))
    );
}

/// Developer guide, "Configure mutual TLS authentication for a REST API": a domain with
/// mutualTlsAuthentication checks the client certificate first.
#[test]
fn a_mutual_tls_domain_is_unknown_without_a_client_certificate() {
    let mut s = healthy_deployed();
    let mut d = domain("api.example.com", "a1", Some("prod"));
    d.mutual_tls = Some(MutualTls {
        truststore_uri: "s3://trust/bundle.pem".into(),
        truststore_version: None,
        truststore_warnings: Vec::new(),
    });
    s.domain_names.push(d);
    let mut r = request("https://api.example.com/items", "GET", &["x-api-key: v"]);
    r.key = KeyIdentity::Given("k1".into());
    let e = explain(&s, &r).unwrap();
    let endpoint = &e.steps[0];
    assert_eq!(
        (endpoint.outcome, endpoint.check_id()),
        (Outcome::Unknown, Some("GC502")),
        "{}",
        endpoint.evidence
    );
    assert!(endpoint.evidence.contains("--client-cert"), "{}", endpoint.evidence);
    assert_eq!(e.verdict, Verdict::Unknown);
    r.client_certificate = true;
    assert_eq!(explain(&s, &r).unwrap().verdict, Verdict::Allowed);
}

/// Developer guide, "IP address types for REST APIs": a dual-stack API takes IPv6 calls, and
/// aws:SourceIp is then an IPv6 address that no IPv4 range matches. The refusal is GC104's, as
/// the audit reports it; an IPv4 caller outside the list is GC103's.
#[test]
fn a_dualstack_apis_ipv4_allow_list_refuses_ipv6_callers_at_gc104() {
    let mut s = healthy_deployed();
    s.rest_apis[0].ip_address_type = Some("dualstack".into());
    s.rest_apis[0].policy = Some(IP_POLICY.into());
    let audit = crate::audit::report(std::slice::from_ref(&s), std::time::Duration::ZERO);
    assert!(audit.findings.iter().any(|f| f.check == "GC104"));
    let mut r = keyed_get("/prod/items");
    r.source_ip = Some("2001:db8::7".parse().unwrap());
    let (gate, check, status, _) = first_failure(&s, &r);
    assert_eq!((gate, check, status), (Gate::ResourcePolicy, Some("GC104"), Some(403)));
    let step = explain(&s, &r)
        .unwrap()
        .steps
        .into_iter()
        .find(|s| s.step == Gate::ResourcePolicy)
        .unwrap();
    assert!(
        step.fix.as_deref().unwrap_or_default().contains("get-rest-api"),
        "{:?}",
        step.fix
    );
    r.source_ip = Some("192.0.2.1".parse().unwrap());
    assert_eq!(first_failure(&s, &r).1, Some("GC103"));
}

/// Developer guide, "Private REST APIs in API Gateway": a private API's policy must let VPC or
/// VPC endpoint traffic in; aws:SourceIp never matches it. The audit reports GC102 for an
/// IP-only policy, and the refusal is GC102's.
#[test]
fn a_private_apis_ip_only_policy_refuses_vpc_traffic_at_gc102() {
    let mut s = healthy_deployed();
    s.rest_apis[0].endpoint_types = vec!["PRIVATE".into()];
    s.rest_apis[0].policy = Some(IP_POLICY.into());
    let audit = crate::audit::report(std::slice::from_ref(&s), std::time::Duration::ZERO);
    assert!(audit.findings.iter().any(|f| f.check == "GC102"));
    let mut r = request(
        "https://vpce-0abc-1234.execute-api.eu-west-1.vpce.amazonaws.com/prod/items",
        "GET",
        &["x-apigw-api-id: a1", "x-api-key: v"],
    );
    r.key = KeyIdentity::Given("k1".into());
    let (gate, check, ..) = first_failure(&s, &r);
    assert_eq!((gate, check), (Gate::ResourcePolicy, Some("GC102")));
}

/// Developer guide, "Routing rules to connect API stages to a custom domain name for REST
/// APIs": the lowest priority rule that matches sends the request; with ROUTING_RULE_ONLY the
/// base path mappings are not used.
#[test]
fn routing_rules_send_the_request_before_mappings() {
    let mut s = healthy_deployed();
    let mut d = domain("api.example.com", "a1", Some("prod"));
    d.routing_mode = Some("ROUTING_RULE_ONLY".into());
    d.routing_rules = vec![
        RoutingRule {
            priority: 20,
            base_paths: vec!["shop".into()],
            api_id: Some("a1".into()),
            stage: Some("prod".into()),
            strip_base_path: true,
            ..RoutingRule::default()
        },
        RoutingRule {
            priority: 10,
            base_paths: vec!["shop".into()],
            headers: vec!["x-version: beta*".into()],
            api_id: Some("a1".into()),
            stage: Some("old".into()),
            strip_base_path: true,
        },
    ];
    s.domain_names.push(d);
    let keyed = |url: &str, extra: &[&str]| {
        let mut headers = vec!["x-api-key: v"];
        headers.extend_from_slice(extra);
        let mut r = request(url, "GET", &headers);
        r.key = KeyIdentity::Given("k1".into());
        r
    };
    // Priority 20 takes it (no x-version header for the beta rule); /shop is stripped.
    let e = explain(&s, &keyed("https://api.example.com/shop/items", &[])).unwrap();
    assert_eq!(e.verdict, Verdict::Allowed, "{}", text(&e));
    assert_eq!(e.target.resource_path.as_deref(), Some("/items"));
    // The beta rule comes first with its header, and invokes a stage that is gone.
    let (gate, check, ..) = first_failure(&s, &keyed("https://api.example.com/shop/items", &["x-version: beta-2"]));
    assert_eq!((gate, check), (Gate::Endpoint, Some("GC504")));
    // No rule matches, and the mapping does not count.
    let e = explain(&s, &keyed("https://api.example.com/items", &[])).unwrap();
    assert_eq!(
        (e.verdict, e.steps.len(), e.steps[0].check_id()),
        (Verdict::Unknown, 1, Some("GC504"))
    );
    // With rules then mappings, the mapping takes what no rule does.
    s.domain_names[0].routing_mode = Some("ROUTING_RULE_THEN_BASE_PATH_MAPPING".into());
    let e = explain(&s, &keyed("https://api.example.com/items", &[])).unwrap();
    assert_eq!(e.verdict, Verdict::Allowed, "{}", text(&e));
}

/// Developer guide, "Custom domain names for private APIs in API Gateway": a private domain
/// is reached through its associated VPC endpoints, which its policy and the private API's
/// policy must both admit.
#[test]
fn a_private_domain_is_walked_through_its_associated_endpoints() {
    let endpoint_policy = |vpce: &str| {
        format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{{"StringEquals":{{"aws:SourceVpce":"{vpce}"}}}}}}]}}"#
        )
    };
    let snapshot = |associations: &[&str], api_vpce: &str| {
        let mut s = healthy_deployed();
        s.rest_apis[0].endpoint_types = vec!["PRIVATE".into()];
        s.rest_apis[0].policy = Some(endpoint_policy(api_vpce));
        let mut d = domain("internal.example.com", "a1", Some("prod"));
        d.domain_name_id = Some("abcde12345".into());
        d.endpoint_types = vec!["PRIVATE".into()];
        d.policy = Some(endpoint_policy("vpce-0abc"));
        d.access_associations = associations.iter().map(|a| (*a).to_string()).collect();
        s.domain_names.push(d);
        s
    };
    let mut r = request("https://internal.example.com/items", "GET", &["x-api-key: v"]);
    r.key = KeyIdentity::Given("k1".into());
    let e = explain(&snapshot(&["vpce-0abc"], "vpce-0abc"), &r).unwrap();
    assert_eq!(e.verdict, Verdict::Allowed, "{}", text(&e));
    let (gate, check, ..) = first_failure(&snapshot(&[], "vpce-0abc"), &r);
    assert_eq!((gate, check), (Gate::Endpoint, Some("GC503")));
    let (gate, check, ..) = first_failure(&snapshot(&["vpce-0abc"], "vpce-9999"), &r);
    assert_eq!((gate, check), (Gate::Private, Some("GC503")));

    // A domain policy that does not parse is not evaluated by the audit: explain does not
    // guess either.
    let mut unparseable = snapshot(&["vpce-0abc"], "vpce-0abc");
    unparseable.domain_names[0].policy = Some("{not a policy".into());
    let audit = crate::audit::report(std::slice::from_ref(&unparseable), std::time::Duration::ZERO);
    assert!(audit.findings.iter().all(|f| f.check != "GC503"));
    let e = explain(&unparseable, &r).unwrap();
    assert_eq!(e.verdict, Verdict::Unknown, "{}", text(&e));
    assert!(e.steps.iter().all(|s| s.check_id() != Some("GC503")), "{}", text(&e));
}
