//! The resource policy and the authorizer, in the order the authorization type sets.

use crate::explain::fixtures::*;

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
/// IP-only policy, and the refusal is GC102's, at the private-API gate.
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
    assert_eq!((gate, check), (Gate::Private, Some("GC102")));
}

/// Developer guide, "Use VPC endpoint policies for private APIs": a request through an
/// interface endpoint is checked against the endpoint's own policy, where an unsigned caller is
/// anonymous, before the API's policy (GC109).
#[test]
fn a_private_call_walks_the_endpoints_own_policy_first() {
    let endpoint_policy = |principal: &str| {
        format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"execute-api:Invoke","Resource":"*"}}]}}"#
        )
    };
    let snapshot = |policy: Option<String>| {
        let mut s = healthy_deployed();
        s.rest_apis[0].endpoint_types = vec!["PRIVATE".into()];
        s.rest_apis[0].policy = Some(VPCE_POLICY.replace("vpce-1", "vpce-0abc"));
        s.vpc_endpoints.push(VpcEndpoint {
            id: "vpce-0abc".into(),
            vpc_id: "vpc-1".into(),
            private_dns: false,
            policy,
            state: Some("available".into()),
        });
        s
    };
    let mut r = request(
        "https://vpce-0abc-1234.execute-api.eu-west-1.vpce.amazonaws.com/prod/items",
        "GET",
        &["x-apigw-api-id: a1", "x-api-key: v"],
    );
    r.key = KeyIdentity::Given("k1".into());
    let named_only = snapshot(Some(endpoint_policy(r#"{"AWS":"arn:aws:iam::111122223333:root"}"#)));
    let (gate, check, status, message) = first_failure(&named_only, &r);
    assert_eq!((gate, check, status), (Gate::Private, Some("GC109"), Some(403)));
    assert!(message.starts_with("User: anonymous is not authorized"), "{message}");
    let audit = crate::audit::report(std::slice::from_ref(&named_only), std::time::Duration::ZERO);
    assert!(
        audit.findings.iter().any(|f| f.check == "GC109"),
        "the audit finds it too"
    );
    // Through an endpoint the API does not admit, both refuse: the caller's endpoint, not GC109.
    let mut other_endpoint = named_only.clone();
    other_endpoint.rest_apis[0].policy = Some(VPCE_POLICY.into());
    assert_eq!(first_failure(&other_endpoint, &r).1, None);
    for allowed in [None, Some(endpoint_policy(r#""*""#))] {
        let e = explain(&snapshot(allowed), &r).unwrap();
        assert_eq!(e.verdict, Verdict::Allowed, "{}", text(&e));
    }
}
