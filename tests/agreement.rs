//! The audit and explain give one answer. Random one-API accounts, each a mix of the causes a
//! request can meet on its way: the endpoint, private APIs and their policies (IP, VPC
//! endpoint, principal, Deny-only, negated, unparseable), public and private custom domains
//! with base path mappings, routing rules and mutual TLS, web ACLs with forwarded-IP rules,
//! usage plans and keys, the key source, the CORS preflight, a method not yet deployed, a
//! greedy proxy, a canary and the endpoint access mode. For each, the request a caller who sends everything would make.
//!
//! - explain never refuses at a check the audit does not find at that place;
//! - where the audit finds a cause that refuses every such request (CERTAIN), explain refuses,
//!   naming one of the checks the audit found there;
//! - a step that names a check gives that check's own command as its fix.

use gatecheck::checks::{evaluate, REGISTRY};
use gatecheck::explain::{explain, KeyIdentity, Outcome, Request, Verdict};
use gatecheck::model::{
    Account, ApiKey, ApiKeySource, Authorizer, BasePathMapping, CacheBehavior, Canary, Deployment, Distribution,
    DomainName, IpSet, Method, MutualTls, Origin, OriginRequestPolicy, PlanApiStage, Resource, RestApi, RoutingRule,
    Snapshot, Stage, UsagePlan, VpcEndpoint, WafAction, WafRule, WafStatement, WebAcl,
};
use gatecheck::report::Finding;
use proptest::prelude::*;
use std::collections::BTreeSet;

/// Checks whose finding at a place refuses every request the case makes there.
const CERTAIN: &[&str] = &[
    "GC101", "GC102", "GC105", "GC106", "GC107", "GC108", "GC109", "GC301", "GC302", "GC303", "GC304", "GC305",
    "GC401", "GC501", "GC503", "GC504",
];
/// Checks whose finding refuses some requests only (an allow-list, a WAF rule, a client
/// certificate, a canary's share): explain may let this request through, but names no
/// other check when it refuses for their cause.
const CONDITIONAL: &[&str] = &["GC103", "GC104", "GC201", "GC202", "GC203", "GC402", "GC502"];

const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "111122223333";
const DOMAIN: &str = "api.example.com";
const VPCE: &str = "vpce-0abc1234";
const CLOUDFRONT: &str = "d111111abcdef8.cloudfront.net";
const ACL_ARN: &str = "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/edge/e1";
const SET_ARN: &str = "arn:aws:wafv2:eu-west-1:111122223333:regional/ipset/office/s1";

#[derive(Debug, Clone, Copy, PartialEq)]
enum PolicyKind {
    None,
    Open,
    IpAllow,
    VpceAllow,
    PrincipalOnly,
    DenyOnly,
    NotIpDeny,
    Unparseable,
}

fn policy_text(kind: PolicyKind) -> Option<String> {
    let allow = r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*""#;
    let text = match kind {
        PolicyKind::None => return None,
        PolicyKind::Open => format!(r#"{{"Statement":[{allow}}}]}}"#),
        PolicyKind::IpAllow => {
            format!(r#"{{"Statement":[{allow},"Condition":{{"IpAddress":{{"aws:SourceIp":["203.0.113.0/24"]}}}}}}]}}"#)
        }
        PolicyKind::VpceAllow => {
            format!(r#"{{"Statement":[{allow},"Condition":{{"StringEquals":{{"aws:SourceVpce":"{VPCE}"}}}}}}]}}"#)
        }
        PolicyKind::PrincipalOnly => format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}}]}}"#
        ),
        PolicyKind::DenyOnly => r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/DELETE/*"}]}"#.to_string(),
        PolicyKind::NotIpDeny => format!(
            r#"{{"Statement":[{allow}}},{{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{{"NotIpAddress":{{"aws:SourceIp":"203.0.113.0/24"}}}}}}]}}"#
        ),
        PolicyKind::Unparseable => "{\"Statement\": 7".to_string(),
    };
    Some(text)
}

/// What a mapping or a routing rule invokes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Served,
    NoStage,
    NoApi,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Routing {
    /// One base path mapping, `/v1`.
    Mapping(Target),
    /// One routing rule on `/v1`; with `then_mappings`, ROUTING_RULE_THEN_BASE_PATH_MAPPING,
    /// else ROUTING_RULE_ONLY with a mapping it ignores.
    Rule { target: Target, then_mappings: bool },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum DomainPolicy {
    AdmitsTheEndpoint,
    AdmitsAnother,
    Unparseable,
}

#[derive(Debug, Clone, Copy)]
struct Domain {
    routing: Routing,
    mutual_tls: bool,
    /// For a private API: the domain is private, with the endpoint associated or not.
    associated: bool,
    policy: DomainPolicy,
    /// A public domain is edge-optimized (the API is Regional).
    edge: bool,
}

#[derive(Debug, Clone, Copy)]
struct Waf {
    default: WafAction,
    /// A rule on an IP set (the caller's range, or an empty set), on the source address or on
    /// X-Forwarded-For with a fallback.
    rule: Option<(WafAction, bool, bool, bool)>,
    /// AWS's CommonRuleSet after it, blocking with its own actions, or with the rules that
    /// refuse API callers overridden to Count.
    managed: Option<bool>,
}

/// The region's execute-api interface endpoint, `VPCE` in `vpc-1`: its own policy.
#[derive(Debug, Clone, Copy, PartialEq)]
enum EndpointPolicy {
    Default,
    PrincipalOnly,
    OtherApi,
    ThisApi,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Caller {
    Inside,
    Outside,
    Ipv6,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Forwarded {
    Absent,
    Inside,
    Garbage,
}

#[derive(Debug, Clone)]
struct Case {
    private: bool,
    dualstack: bool,
    policy: PolicyKind,
    endpoint_disabled: bool,
    domain: Option<Domain>,
    waf: Option<Waf>,
    caller: Caller,
    forwarded: Forwarded,
    key_required: bool,
    authorizer: bool,
    key_source_authorizer: bool,
    /// 0: no plan; 1: a plan without keys; 2: a plan with the key.
    plans: u8,
    key_enabled: bool,
    preflight: bool,
    /// The method was added after the stage's deployment.
    undeployed: bool,
    /// The resource is `/{proxy+}` and the request calls the stage's root.
    proxy_root: bool,
    /// A canary takes 10% of the calls to a deployment where the method needs no key.
    keyless_canary: bool,
    /// The caller presents a client certificate (to a mutual TLS domain).
    client_certificate: bool,
    /// The execute-api endpoint: private DNS on, and its policy.
    endpoint: Option<(bool, EndpointPolicy)>,
    /// The caller runs in the endpoint's VPC.
    from_vpc: bool,
    /// The API's endpoint access mode is STRICT.
    strict: bool,
    /// A public API without a domain, called through a CloudFront distribution in front of
    /// its execute-api hostname; whether the distribution forwards the viewer's Host.
    cloudfront: Option<bool>,
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![6 => Just(Target::Served), 1 => Just(Target::NoStage), 1 => Just(Target::NoApi)]
}

fn domain() -> impl Strategy<Value = Domain> {
    let routing = prop_oneof![
        target().prop_map(Routing::Mapping),
        (target(), any::<bool>()).prop_map(|(target, then_mappings)| Routing::Rule { target, then_mappings }),
    ];
    (
        routing,
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.85),
        prop_oneof![
            6 => Just(DomainPolicy::AdmitsTheEndpoint),
            1 => Just(DomainPolicy::AdmitsAnother),
            1 => Just(DomainPolicy::Unparseable)
        ],
        prop::bool::weighted(0.3),
    )
        .prop_map(|(routing, mutual_tls, associated, policy, edge)| Domain {
            routing,
            mutual_tls,
            associated,
            policy,
            edge,
        })
}

fn waf() -> impl Strategy<Value = Waf> {
    let action = prop_oneof![Just(WafAction::Allow), Just(WafAction::Block)];
    (
        prop_oneof![Just(WafAction::Allow), Just(WafAction::Block)],
        prop::option::of((action, any::<bool>(), any::<bool>(), prop::bool::weighted(0.2))),
        prop::option::weighted(0.3, any::<bool>()),
    )
        .prop_map(|(default, rule, managed)| Waf { default, rule, managed })
}

fn case() -> impl Strategy<Value = Case> {
    let policy = prop_oneof![
        Just(PolicyKind::None),
        Just(PolicyKind::Open),
        Just(PolicyKind::IpAllow),
        Just(PolicyKind::VpceAllow),
        Just(PolicyKind::PrincipalOnly),
        Just(PolicyKind::DenyOnly),
        Just(PolicyKind::NotIpDeny),
        Just(PolicyKind::Unparseable),
    ];
    (
        (
            any::<bool>(),
            prop::bool::weighted(0.3),
            policy,
            prop::bool::weighted(0.15),
        ),
        (
            prop::option::weighted(0.4, domain()),
            prop::option::weighted(0.4, waf()),
        ),
        (
            prop_oneof![Just(Caller::Inside), Just(Caller::Outside), Just(Caller::Ipv6)],
            prop_oneof![
                Just(Forwarded::Absent),
                Just(Forwarded::Inside),
                Just(Forwarded::Garbage)
            ],
        ),
        (any::<bool>(), prop::bool::weighted(0.3), prop::bool::weighted(0.2)),
        (
            0u8..3,
            prop::bool::weighted(0.8),
            prop::bool::weighted(0.2),
            prop::bool::weighted(0.2),
        ),
        (
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.7),
        ),
        (
            prop::option::weighted(
                0.4,
                (
                    any::<bool>(),
                    prop_oneof![
                        Just(EndpointPolicy::Default),
                        Just(EndpointPolicy::PrincipalOnly),
                        Just(EndpointPolicy::OtherApi),
                        Just(EndpointPolicy::ThisApi)
                    ],
                ),
            ),
            any::<bool>(),
            prop::bool::weighted(0.2),
            prop::option::weighted(0.2, any::<bool>()),
        ),
    )
        .prop_map(
            |(
                (private, dualstack, policy, endpoint_disabled),
                (domain, waf),
                (caller, forwarded),
                (key_required, authorizer, key_source_authorizer),
                (plans, key_enabled, preflight, undeployed),
                (proxy_root, keyless_canary, client_certificate),
                (endpoint, from_vpc, strict, cloudfront),
            )| Case {
                private,
                dualstack: dualstack && !private,
                policy,
                endpoint_disabled,
                domain,
                waf,
                caller,
                forwarded,
                key_required,
                authorizer,
                key_source_authorizer,
                plans,
                key_enabled,
                preflight,
                undeployed,
                // A root the proxy never answers, under a method not yet deployed, is a path
                // no deployment serves: a caller's mistake, not a place's cause.
                proxy_root: proxy_root && !undeployed,
                keyless_canary,
                client_certificate,
                endpoint,
                from_vpc,
                strict,
                cloudfront: cloudfront.filter(|_| !private && domain.is_none()),
            },
        )
}

fn stage_of(target: Target) -> (String, Option<String>) {
    match target {
        Target::Served => ("a1".into(), Some("prod".into())),
        Target::NoStage => ("a1".into(), Some("gone".into())),
        Target::NoApi => ("a9".into(), Some("prod".into())),
    }
}

fn custom_domain(case: &Case, d: &Domain) -> DomainName {
    let (mappings, routing_mode, routing_rules) = match d.routing {
        Routing::Mapping(target) => {
            let (api, stage) = stage_of(target);
            (
                vec![BasePathMapping {
                    base_path: "v1".into(),
                    rest_api_id: api,
                    stage,
                }],
                None,
                Vec::new(),
            )
        }
        Routing::Rule { target, then_mappings } => {
            let (api, stage) = stage_of(target);
            let rule = RoutingRule {
                priority: 50,
                base_paths: vec!["v1".into()],
                api_id: Some(api),
                stage,
                strip_base_path: true,
                ..RoutingRule::default()
            };
            let (mode, mappings) = if then_mappings {
                ("ROUTING_RULE_THEN_BASE_PATH_MAPPING", Vec::new())
            } else {
                // The mapping a rules-only domain ignores: GC504 on the domain, not on the way.
                (
                    "ROUTING_RULE_ONLY",
                    vec![BasePathMapping {
                        base_path: "old".into(),
                        rest_api_id: "a1".into(),
                        stage: Some("prod".into()),
                    }],
                )
            };
            (mappings, Some(mode.to_string()), vec![rule])
        }
    };
    let domain_policy = match d.policy {
        DomainPolicy::AdmitsTheEndpoint => policy_text(PolicyKind::VpceAllow),
        DomainPolicy::AdmitsAnother => Some(
            policy_text(PolicyKind::VpceAllow)
                .unwrap_or_default()
                .replace(VPCE, "vpce-0other"),
        ),
        DomainPolicy::Unparseable => policy_text(PolicyKind::Unparseable),
    };
    DomainName {
        name: DOMAIN.into(),
        domain_name_id: case.private.then(|| "abc123".into()),
        endpoint_types: vec![match (case.private, d.edge) {
            (true, _) => "PRIVATE",
            (false, true) => "EDGE",
            (false, false) => "REGIONAL",
        }
        .into()],
        mappings,
        mutual_tls: (d.mutual_tls && !case.private).then(|| MutualTls {
            truststore_uri: "s3://trust/bundle.pem".into(),
            ..MutualTls::default()
        }),
        routing_mode,
        routing_rules,
        policy: case.private.then_some(domain_policy).flatten(),
        access_associations: if case.private && d.associated {
            vec![VPCE.into()]
        } else {
            Vec::new()
        },
        read_at_ms: None,
    }
}

fn web_acl(waf: &Waf) -> (WebAcl, IpSet) {
    let managed = waf.managed.map(|overridden| WafRule {
        name: "common".into(),
        priority: 5,
        action: WafAction::UseGroupActions,
        block_status: None,
        statement: WafStatement::ManagedRuleGroup {
            vendor: "AWS".into(),
            name: "AWSManagedRulesCommonRuleSet".into(),
            counted_rules: if overridden {
                vec!["SizeRestrictions_BODY".into(), "NoUserAgent_HEADER".into()]
            } else {
                Vec::new()
            },
        },
        oversize_matches: false,
        firewall_manager: false,
    });
    let mut rules = waf
        .rule
        .map(|(action, forwarded, fallback_match, _)| {
            vec![WafRule {
                name: "office".into(),
                priority: 1,
                action,
                block_status: None,
                statement: WafStatement::IpSet {
                    arn: SET_ARN.into(),
                    forwarded_header: forwarded.then(|| "X-Forwarded-For".into()),
                    fallback_match,
                },
                oversize_matches: false,
                firewall_manager: false,
            }]
        })
        .unwrap_or_default();
    rules.extend(managed);
    let empty = waf.rule.is_some_and(|(_, _, _, empty)| empty);
    (
        WebAcl {
            arn: ACL_ARN.into(),
            name: "edge".into(),
            default_action: waf.default,
            rules,
            ..WebAcl::default()
        },
        IpSet {
            arn: SET_ARN.into(),
            name: "office".into(),
            addresses: if empty {
                Vec::new()
            } else {
                vec!["203.0.113.0/24".into(), "2001:db8::/32".into()]
            },
        },
    )
}

/// A distribution in front of a1's prod stage whose default behaviour sends every viewer
/// header (Managed-AllViewer) or all but Host (Managed-AllViewerExceptHostHeader).
fn distribution(forwards_host: bool) -> (Distribution, OriginRequestPolicy) {
    let policy = OriginRequestPolicy {
        id: "orp-1".into(),
        name: if forwards_host {
            "Managed-AllViewer"
        } else {
            "Managed-AllViewerExceptHostHeader"
        }
        .into(),
        header_behavior: if forwards_host { "allViewer" } else { "allExcept" }.into(),
        headers: if forwards_host { Vec::new() } else { vec!["host".into()] },
    };
    let distribution = Distribution {
        id: "E2QWRUHAPOMQZL".into(),
        domain_name: CLOUDFRONT.into(),
        aliases: Vec::new(),
        enabled: true,
        origins: vec![Origin {
            id: "api".into(),
            domain_name: format!("a1.execute-api.{REGION}.amazonaws.com"),
            path: "/prod".into(),
        }],
        behaviors: vec![CacheBehavior {
            path_pattern: None,
            target_origin_id: "api".into(),
            origin_request_policy_id: Some("orp-1".into()),
            forwarded_headers: Vec::new(),
        }],
    };
    (distribution, policy)
}

fn snapshot(case: &Case) -> Snapshot {
    let mut s = Snapshot::new(
        Account {
            id: Some(ACCOUNT.into()),
            cloudwatch_role_arn: Some(format!("arn:aws:iam::{ACCOUNT}:role/logs")),
            ..Account::default()
        },
        REGION,
    );
    let verb = if case.preflight { "OPTIONS" } else { "GET" };
    let method = |key_required: bool| Method {
        http_method: verb.into(),
        api_key_required: key_required,
        authorization_type: if case.authorizer { "CUSTOM" } else { "NONE" }.into(),
        authorizer_id: case.authorizer.then(|| "au1".into()),
    };
    let path = if case.proxy_root { "/{proxy+}" } else { "/items" };
    let mut api = RestApi {
        id: "a1".into(),
        name: "orders".into(),
        api_key_source: if case.key_source_authorizer {
            ApiKeySource::Authorizer
        } else {
            ApiKeySource::Header
        },
        endpoint_types: vec![if case.private { "PRIVATE" } else { "REGIONAL" }.into()],
        ip_address_type: case.dualstack.then(|| "dualstack".into()),
        disable_execute_api_endpoint: case.endpoint_disabled,
        endpoint_access_mode: case.strict.then(|| "STRICT".into()),
        policy: policy_text(case.policy),
        resources: vec![Resource {
            id: "r1".into(),
            path: path.into(),
            methods: vec![method(case.key_required)],
        }],
        authorizers: vec![Authorizer {
            id: "au1".into(),
            name: "gate".into(),
            authorizer_type: "TOKEN".into(),
            identity_source: Some("method.request.header.Authorization".into()),
            ..Authorizer::default()
        }],
        stages: vec![Stage {
            name: "prod".into(),
            deployment_id: Some("d1".into()),
            web_acl_arn: case.waf.map(|_| ACL_ARN.into()),
            canary: case.keyless_canary.then(|| Canary {
                deployment_id: Some("d2".into()),
                percent_traffic: 10.0,
            }),
            ..Stage::default()
        }],
        ..RestApi::default()
    };
    let summary = if case.undeployed {
        Default::default()
    } else {
        api.current_summary()
    };
    api.deployments.push(Deployment {
        id: "d1".into(),
        api_summary: Some(summary),
    });
    if case.keyless_canary {
        let mut keyless = api.clone();
        keyless.resources[0].methods[0] = method(false);
        api.deployments.push(Deployment {
            id: "d2".into(),
            api_summary: Some(keyless.current_summary()),
        });
    }
    s.rest_apis.push(api);
    if let Some(d) = &case.domain {
        s.domain_names.push(custom_domain(case, d));
    }
    if let Some((private_dns, policy)) = case.endpoint {
        let allow = |principal: &str, resource: &str| {
            format!(
                r#"{{"Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"execute-api:Invoke","Resource":"{resource}"}}]}}"#
            )
        };
        s.vpc_endpoints.push(VpcEndpoint {
            id: VPCE.into(),
            vpc_id: "vpc-1".into(),
            private_dns,
            policy: match policy {
                EndpointPolicy::Default => None,
                EndpointPolicy::PrincipalOnly => {
                    Some(allow(&format!(r#"{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}}"#), "*"))
                }
                EndpointPolicy::OtherApi => Some(allow(
                    r#""*""#,
                    &format!("arn:aws:execute-api:{REGION}:{ACCOUNT}:zz9/*"),
                )),
                EndpointPolicy::ThisApi => {
                    Some(allow(r#""*""#, &format!("arn:aws:execute-api:{REGION}:{ACCOUNT}:a1/*")))
                }
            },
            state: Some("available".into()),
        });
    }
    if let Some(forwards_host) = case.cloudfront {
        let (distribution, policy) = distribution(forwards_host);
        s.distributions.push(distribution);
        s.origin_request_policies.push(policy);
    }
    if let Some(waf) = &case.waf {
        let (acl, set) = web_acl(waf);
        s.web_acls.push(acl);
        s.ip_sets.push(set);
    }
    s.api_keys.push(ApiKey {
        id: "k1".into(),
        name: "caller".into(),
        enabled: case.key_enabled,
        stage_keys: Vec::new(),
    });
    if case.plans > 0 {
        s.usage_plans.push(UsagePlan {
            id: "p1".into(),
            name: "plan".into(),
            api_stages: vec![PlanApiStage {
                api_id: "a1".into(),
                stage: "prod".into(),
                ..PlanApiStage::default()
            }],
            key_ids: if case.plans == 2 { vec!["k1".into()] } else { Vec::new() },
            read_at_ms: None,
        });
    }
    s
}

/// Everything a caller should send: the key and its id, a token, an address; through the
/// custom domain when there is one, else through a VPC endpoint for a private API.
fn request(case: &Case) -> Request {
    let below_stage = if case.proxy_root { "/" } else { "/items" };
    let (url, mut headers) = match (&case.domain, case.private) {
        _ if case.cloudfront.is_some() => (format!("https://{CLOUDFRONT}{below_stage}"), Vec::new()),
        (Some(_), _) => (format!("https://{DOMAIN}/v1{below_stage}"), Vec::new()),
        (None, true) => (
            format!("https://{VPCE}-5678.execute-api.{REGION}.vpce.amazonaws.com/prod{below_stage}"),
            vec!["x-apigw-api-id: a1".to_string()],
        ),
        (None, false) => (
            format!("https://a1.execute-api.{REGION}.amazonaws.com/prod{below_stage}"),
            Vec::new(),
        ),
    };
    // A browser's CORS preflight carries neither the key nor the token.
    if !case.preflight {
        headers.push("x-api-key: some-key-value".into());
        headers.push("Authorization: Bearer token".into());
    }
    match case.forwarded {
        Forwarded::Absent => {}
        Forwarded::Inside => headers.push("X-Forwarded-For: 203.0.113.9, 10.0.0.1".into()),
        Forwarded::Garbage => headers.push("X-Forwarded-For: unknown".into()),
    }
    let verb = if case.preflight { "OPTIONS" } else { "GET" };
    let mut r = Request::new(&url, Some(verb), &headers).expect("a request");
    r.source_ip = Some(
        match case.caller {
            Caller::Inside => "203.0.113.7",
            Caller::Outside => "192.0.2.1",
            Caller::Ipv6 => "2001:db8::1",
        }
        .parse()
        .expect("an address"),
    );
    r.key = KeyIdentity::Given("k1".into());
    r.client_certificate = case.client_certificate;
    r.from_vpc = case.from_vpc.then(|| "vpc-1".to_string());
    r
}

/// Whether a finding is about the place this case's request goes: API a1's stage prod (or
/// the whole API), or the custom domain it comes through.
fn at_the_place(f: &Finding) -> bool {
    let on_stage = f.api_id.as_deref().is_none_or(|a| a == "a1") && f.stage.as_deref().is_none_or(|st| st == "prod");
    f.domain_name.as_deref() == Some(DOMAIN) || (on_stage && f.domain_name.is_none())
}

/// Whether a finding refuses every request of the case at its place. GC504 on the domain
/// itself (mappings a rules-only domain ignores) is about requests this case does not make,
/// GC101 refuses execute-api URLs, not calls through a custom domain, and a preflight to a
/// method behind a Lambda authorizer is refused first for the token it lacks (401).
fn refuses_every_request(f: &Finding, case: &Case) -> bool {
    CERTAIN.contains(&f.check.as_str())
        && !(f.check == "GC504" && f.api_id.is_none())
        && !(f.check == "GC101" && case.domain.is_some())
        && !(case.preflight && case.authorizer && f.check.starts_with("GC30"))
        // GC105 refuses calls from the endpoint's VPC to execute-api names, which a call
        // through CloudFront is not.
        && !(f.check == "GC105" && !(case.from_vpc && case.domain.is_none() && case.cloudfront.is_none()))
        // GC106 without a domain refuses calls to a VPC endpoint's own name, not through a domain.
        && !(f.check == "GC106" && f.domain_name.is_none() && case.domain.is_some())
        || refuses_this_caller(f, case)
}

/// Whether a finding of a CONDITIONAL check refuses this case's caller: GC104 an IPv6 caller,
/// GC103 a caller outside what the policy allows. Either refuses by explicit Deny, or by
/// implicit deny where the method's authorization needs an explicit Allow: behind a Lambda
/// authorizer an implicit deny leaves the decision to the authorizer's policy.
fn refuses_this_caller(f: &Finding, case: &Case) -> bool {
    // Through CloudFront, API Gateway sees CloudFront's address, not the caller's.
    if case.cloudfront.is_some() {
        return false;
    }
    let outside = case.caller != Caller::Inside;
    match f.check.as_str() {
        "GC104" => case.caller == Caller::Ipv6 && (case.policy == PolicyKind::NotIpDeny || !case.authorizer),
        "GC103" if case.private => false,
        "GC103" => match case.policy {
            PolicyKind::NotIpDeny => outside,
            PolicyKind::IpAllow => outside && !case.authorizer,
            PolicyKind::PrincipalOnly | PolicyKind::DenyOnly | PolicyKind::VpceAllow => !case.authorizer,
            _ => false,
        },
        _ => false,
    }
}

/// The literal start of a check's command, up to its first placeholder.
fn command_prefix(id: &str) -> &'static str {
    let meta = REGISTRY
        .iter()
        .find(|c| c.meta.id == id)
        .expect("a registered check")
        .meta;
    let end = meta.cli.find('{').unwrap_or(meta.cli.len());
    &meta.cli[..end]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8192))]
    #[test]
    fn the_audit_and_explain_agree(case in case()) {
        let s = snapshot(&case);
        let evaluation = evaluate(&s);
        // What the audit says it could not decide: a check not evaluated, or a GC900 finding.
        let undecided = !evaluation.not_evaluated.is_empty();
        let findings: Vec<Finding> = evaluation.findings.into_iter().filter(at_the_place).collect();
        let found: BTreeSet<&str> = findings.iter().map(|f| f.check.as_str()).collect();
        let certain: BTreeSet<&str> = findings.iter().filter(|f| refuses_every_request(f, &case)).map(|f| f.check.as_str()).collect();
        let e = explain(&s, &request(&case)).expect("explains");
        let shown = gatecheck::explain::text(&e);
        let named: Option<&str> = e.first_failure.as_ref().and_then(|f| f.check.map(|m| m.id));
        let on_the_path = |id: &str| CERTAIN.contains(&id) || CONDITIONAL.contains(&id);

        // Every check a step names is one the audit finds at the place. A STRICT private API
        // refuses a call to a VPC endpoint's own name whatever the account holds; the audit
        // reports that path only where an endpoint with private DNS off makes callers take it.
        let this_request_only = |id: &str| id == "GC106" && case.private && case.domain.is_none();
        for step in &e.steps {
            if let Some(id) = step.check_id().filter(|id| on_the_path(id) && !this_request_only(id)) {
                prop_assert!(found.contains(id), "explain names {id} at {:?}, the audit finds {found:?}\n{case:?}\n{shown}", step.step);
            }
            // Where explain cannot decide (a policy that does not parse), the audit says so too.
            if step.check_id() == Some("GC900") {
                prop_assert!(undecided || found.contains("GC900"), "explain cannot decide at {:?}, the audit does not say so\n{case:?}\n{shown}", step.step);
            }
            // A step that names a check and gives a fix gives the check's own command.
            if let (Some(id), Some(fix)) = (step.check_id(), &step.fix) {
                prop_assert!(fix.starts_with(command_prefix(id)), "{id}'s fix is not its command: {fix}");
            }
        }
        // A cause that refuses every request is where explain refuses.
        if !certain.is_empty() {
            prop_assert_eq!(e.verdict, Verdict::Forbidden, "the audit finds {:?}\n{:?}\n{}", certain, case, shown);
            prop_assert!(
                named.is_some_and(|id| found.contains(id) || this_request_only(id)),
                "the audit finds {found:?}, explain refuses at {named:?}\n{case:?}\n{shown}"
            );
        }
        // A refusal explain attributes to no check is one the audit has no finding for.
        if e.verdict == Verdict::Forbidden && named.is_none() {
            prop_assert!(certain.is_empty(), "explain refuses without a check, the audit finds {certain:?}\n{case:?}\n{shown}");
        }
        // A canary that serves the method without its key is named where the audit finds it.
        if found.contains("GC402") && e.verdict == Verdict::Allowed {
            prop_assert!(e.steps.iter().any(|s| s.check_id() == Some("GC402") && s.outcome == Outcome::Warning), "GC402 unnamed\n{case:?}\n{shown}");
        }
    }
}

/// The property is only as good as the cases it sees: every check on the path is named by
/// explain, and found by the audit, in some of them.
#[test]
fn the_cases_reach_every_check_on_the_path() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha),
    );
    let mut named = BTreeSet::new();
    let mut found = BTreeSet::new();
    for _ in 0..2048 {
        let case = case().new_tree(&mut runner).expect("a case").current();
        let s = snapshot(&case);
        found.extend(
            evaluate(&s)
                .findings
                .into_iter()
                .filter(at_the_place)
                .map(|f| f.check.to_string()),
        );
        let e = explain(&s, &request(&case)).expect("explains");
        named.extend(e.steps.iter().filter_map(|s| s.check_id()).map(str::to_string));
    }
    for id in CERTAIN.iter().chain(CONDITIONAL) {
        assert!(found.contains(*id), "no case has a {id} finding: {found:?}");
        assert!(named.contains(*id), "no case has explain name {id}: {named:?}");
    }
    assert!(
        named.contains("GC900"),
        "no case has explain say what it cannot decide: {named:?}"
    );
}
