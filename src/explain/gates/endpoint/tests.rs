//! The endpoint, private-API and stage gates: which API and stage a host and path reach.

use crate::explain::fixtures::*;

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
    // Not evaluated is not a stop: the API behind it is walked, and what refuses every VPC
    // request there (GC102) refuses this one, as the audit finds.
    unparseable.rest_apis[0].policy = Some(IP_POLICY.into());
    let (gate, check, ..) = first_failure(&unparseable, &r);
    assert_eq!((gate, check), (Gate::Private, Some("GC102")));

    // Developer guide, "Custom domain names for private APIs": a request through a private
    // domain comes from an endpoint the domain's policy admits, so the API's policy is judged
    // against those endpoints only, as GC503 judges it.
    let mut narrowed = snapshot(&["vpce-0abc", "vpce-9999"], "vpce-9999");
    narrowed.domain_names[0].policy = Some(endpoint_policy("vpce-0abc"));
    let audit = crate::audit::report(std::slice::from_ref(&narrowed), std::time::Duration::ZERO);
    assert!(audit.findings.iter().any(|f| f.check == "GC503"));
    let (gate, check, ..) = first_failure(&narrowed, &r);
    assert_eq!((gate, check), (Gate::Private, Some("GC503")));
}

/// Developer guide, "Private REST APIs": inside a VPC whose execute-api endpoint has private
/// DNS on, every execute-api name resolves to the endpoint, which serves private APIs only; a
/// public API called by its execute-api name from there is refused (GC105), and from another
/// VPC it is not.
#[test]
fn a_call_from_a_vpc_with_private_dns_to_a_public_api_is_refused_at_gc105() {
    let mut s = healthy_deployed();
    s.vpc_endpoints.push(VpcEndpoint {
        id: "vpce-0abc".into(),
        vpc_id: "vpc-1".into(),
        private_dns: true,
        policy: None,
        state: Some("available".into()),
    });
    let mut r = keyed_get("/prod/items");
    r.from_vpc = Some("vpc-1".into());
    let (gate, check, ..) = first_failure(&s, &r);
    assert_eq!((gate, check), (Gate::Endpoint, Some("GC105")));
    let e = explain(&s, &r).unwrap();
    assert!(e.first_failure.unwrap().fix.contains("--vpc-endpoint-id vpce-0abc"));
    r.from_vpc = Some("vpc-2".into());
    assert_eq!(explain(&s, &r).unwrap().verdict, Verdict::Allowed);
    r.from_vpc = None;
    assert_eq!(explain(&s, &r).unwrap().verdict, Verdict::Allowed);
}

/// Developer guide, "Security policies for REST APIs", endpoint access mode: with STRICT, a
/// request must come through the API's own endpoint type, so a REGIONAL API behind an
/// edge-optimized custom domain is refused there (GC106); BASIC takes it, and so does a
/// domain of the API's own type.
#[test]
fn a_strict_api_refuses_requests_through_a_domain_of_another_endpoint_type() {
    let mut s = healthy_deployed();
    s.rest_apis[0].endpoint_access_mode = Some("STRICT".into());
    s.domain_names.push(DomainName {
        name: "api.example.com".into(),
        endpoint_types: vec!["EDGE".into()],
        mappings: vec![BasePathMapping {
            base_path: "shop".into(),
            rest_api_id: "a1".into(),
            stage: Some("prod".into()),
        }],
        ..DomainName::default()
    });
    let mut r = keyed_get("/");
    r.host = "api.example.com".into();
    r.path = "/shop/items".into();
    let (gate, check, status, _) = first_failure(&s, &r);
    assert_eq!((gate, check, status), (Gate::Endpoint, Some("GC106"), Some(403)));
    let e = explain(&s, &r).unwrap();
    assert!(e
        .first_failure
        .unwrap()
        .fix
        .contains("path=/endpointAccessMode,value=BASIC"));
    // The API's own hostname is its own endpoint type.
    assert_eq!(
        explain(&s, &keyed_get("/prod/items")).unwrap().verdict,
        Verdict::Allowed
    );

    s.domain_names[0].endpoint_types = vec!["REGIONAL".into()];
    assert_eq!(explain(&s, &r).unwrap().verdict, Verdict::Allowed);
    s.domain_names[0].endpoint_types = vec!["EDGE".into()];
    s.rest_apis[0].endpoint_access_mode = Some("BASIC".into());
    assert_eq!(explain(&s, &r).unwrap().verdict, Verdict::Allowed);
}

/// Same page: with STRICT, a private API's request must carry the API's own host in its TLS
/// SNI; through the VPC endpoint's DNS name (with x-apigw-api-id) it names the endpoint and is
/// refused (GC106).
#[test]
fn a_strict_private_api_refuses_requests_to_the_endpoint_s_own_name() {
    let mut s = healthy_deployed();
    s.rest_apis[0].endpoint_types = vec!["PRIVATE".into()];
    s.rest_apis[0].endpoint_access_mode = Some("STRICT".into());
    s.rest_apis[0].policy = Some(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0abc"}}}]}"#.into());
    let mut r = request(
        "https://vpce-0abc-1234.execute-api.eu-west-1.vpce.amazonaws.com/prod/items",
        "GET",
        &["x-apigw-api-id: a1", "x-api-key: v"],
    );
    r.key = KeyIdentity::Given("k1".into());
    let (gate, check, ..) = first_failure(&s, &r);
    assert_eq!((gate, check), (Gate::Endpoint, Some("GC106")));
    s.rest_apis[0].endpoint_access_mode = None;
    assert_eq!(explain(&s, &r).unwrap().verdict, Verdict::Allowed);
}

/// The fixture API behind a distribution called `www.example.com` that sends every viewer
/// header, or all but Host, with a deployment for its stage.
fn behind_cloudfront(all_viewer: bool) -> Snapshot {
    let policy = if all_viewer { ALL_VIEWER } else { ALL_VIEWER_EXCEPT_HOST };
    deployed(crate::checks::fixtures::behind_cloudfront(Some(policy), &[]))
}

fn through(host: &str) -> Request {
    let mut r = request(&format!("https://{host}/items"), "GET", &["x-api-key: v"]);
    r.key = KeyIdentity::Given("k1".into());
    r
}

#[test]
fn a_distribution_forwarding_host_refuses_at_the_endpoint_with_gc108() {
    let s = behind_cloudfront(true);
    for host in ["d111111abcdef8.cloudfront.net", "www.example.com"] {
        let (gate, check, status, _) = first_failure(&s, &through(host));
        assert_eq!(
            (gate, check, status),
            (Gate::Endpoint, Some("GC108"), Some(403)),
            "{host}"
        );
    }
    let e = explain(&s, &through("www.example.com")).unwrap();
    let step = e.steps.last().unwrap();
    assert!(step.evidence.contains("Managed-AllViewer"), "{}", step.evidence);
    assert!(
        step.fix.as_deref().unwrap().contains("--id E2QWRUHAPOMQZL"),
        "{:?}",
        step.fix
    );
}

#[test]
fn a_distribution_withholding_host_leads_to_the_origin_paths_stage() {
    let s = behind_cloudfront(false);
    let e = explain(&s, &through("www.example.com")).unwrap();
    assert_eq!(e.verdict, Verdict::Allowed, "{}", text(&e));
    assert!(
        e.steps[0].evidence.contains("E2QWRUHAPOMQZL") && e.steps[0].evidence.contains("/prod"),
        "{}",
        e.steps[0].evidence
    );
    let mut unread = behind_cloudfront(true);
    unread.origin_request_policies.clear();
    let e = explain(&unread, &through("www.example.com")).unwrap();
    assert_eq!(e.steps.last().unwrap().outcome, Outcome::Unknown, "{}", text(&e));
    assert!(matches!(
        explain(&s, &through("dzzzz.cloudfront.net")),
        Err(crate::explain::ExplainError::DistributionNotFound { .. })
    ));
}
