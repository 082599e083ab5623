//! The audit and explain give one answer. Random one-API snapshots, each a mix of the causes
//! explain can meet on its way (endpoint off, private API without policy, a web ACL, no usage
//! plan, a plan without keys, disabled keys, the key source, the CORS preflight, a method not
//! yet deployed); for each, a request that carries everything a caller should send. A stage
//! with an audit finding of one of these checks is refused at a gate that names one of the
//! stage's findings, and explain never names a check the audit does not find there.

use gatecheck::checks::evaluate;
use gatecheck::explain::{explain, KeyIdentity, Request, Verdict};
use gatecheck::model::{
    Account, ApiKey, ApiKeySource, Authorizer, Deployment, Method, PlanApiStage, Resource, RestApi, Snapshot, Stage,
    UsagePlan, WafAction, WebAcl,
};
use proptest::prelude::*;
use std::collections::BTreeSet;

/// The checks whose cause sits on a request's path through the gates.
const ON_THE_PATH: &[&str] = &[
    "GC101", "GC102", "GC201", "GC202", "GC301", "GC302", "GC303", "GC304", "GC305", "GC401",
];

#[derive(Debug, Clone)]
struct Case {
    private: bool,
    with_policy: bool,
    endpoint_disabled: bool,
    /// None: no web ACL; Some(default action).
    waf_default: Option<WafAction>,
    key_required: bool,
    authorizer: bool,
    key_source_authorizer: bool,
    /// 0: no plan; 1: a plan without keys; 2: a plan with the key.
    plans: u8,
    key_enabled: bool,
    preflight: bool,
    /// The method was added after the stage's deployment.
    undeployed: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (any::<bool>(), any::<bool>(), prop::bool::weighted(0.15)),
        prop_oneof![Just(None), Just(Some(WafAction::Block)), Just(Some(WafAction::Allow))],
        (any::<bool>(), prop::bool::weighted(0.3), prop::bool::weighted(0.2)),
        (
            0u8..3,
            any::<bool>(),
            prop::bool::weighted(0.2),
            prop::bool::weighted(0.2),
        ),
    )
        .prop_map(
            |(
                (private, with_policy, endpoint_disabled),
                waf_default,
                (key_required, authorizer, key_source_authorizer),
                (plans, key_enabled, preflight, undeployed),
            )| Case {
                private,
                with_policy,
                endpoint_disabled,
                waf_default,
                key_required,
                authorizer,
                key_source_authorizer,
                plans,
                key_enabled,
                preflight,
                undeployed,
            },
        )
}

const OPEN_POLICY: &str =
    r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#;

fn snapshot(case: &Case) -> Snapshot {
    let mut s = Snapshot::new(
        Account {
            id: Some("111122223333".into()),
            cloudwatch_role_arn: Some("arn:aws:iam::111122223333:role/logs".into()),
            ..Account::default()
        },
        "eu-west-1",
    );
    let verb = if case.preflight { "OPTIONS" } else { "GET" };
    let method = Method {
        http_method: verb.into(),
        api_key_required: case.key_required,
        authorization_type: if case.authorizer { "CUSTOM" } else { "NONE" }.into(),
        authorizer_id: case.authorizer.then(|| "au1".into()),
    };
    let mut api = RestApi {
        id: "a1".into(),
        name: "orders".into(),
        api_key_source: if case.key_source_authorizer {
            ApiKeySource::Authorizer
        } else {
            ApiKeySource::Header
        },
        endpoint_types: vec![if case.private { "PRIVATE" } else { "REGIONAL" }.into()],
        disable_execute_api_endpoint: case.endpoint_disabled,
        policy: case.with_policy.then(|| OPEN_POLICY.to_string()),
        resources: vec![Resource {
            id: "r1".into(),
            path: "/items".into(),
            methods: vec![method],
        }],
        authorizers: vec![Authorizer {
            id: "au1".into(),
            name: "gate".into(),
            authorizer_type: "TOKEN".into(),
            ..Authorizer::default()
        }],
        stages: vec![Stage {
            name: "prod".into(),
            deployment_id: Some("d1".into()),
            web_acl_arn: case
                .waf_default
                .map(|_| "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/edge/e1".into()),
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
    s.rest_apis.push(api);
    if let Some(default_action) = case.waf_default {
        s.web_acls.push(WebAcl {
            arn: "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/edge/e1".into(),
            name: "edge".into(),
            default_action,
            ..WebAcl::default()
        });
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

/// Everything a caller should send: the key and its id, a token, an address.
fn request(case: &Case) -> Request {
    let (url, mut headers) = if case.private {
        (
            "https://vpce-0abc-1234.execute-api.eu-west-1.vpce.amazonaws.com/prod/items".to_string(),
            vec!["x-apigw-api-id: a1".to_string()],
        )
    } else {
        (
            "https://a1.execute-api.eu-west-1.amazonaws.com/prod/items".to_string(),
            Vec::new(),
        )
    };
    if !case.preflight {
        headers.push("x-api-key: some-key-value".into());
    }
    headers.push("Authorization: Bearer token".into());
    let verb = if case.preflight { "OPTIONS" } else { "GET" };
    let mut r = Request::new(&url, Some(verb), &headers).expect("a request");
    r.source_ip = Some("192.0.2.1".parse().expect("an address"));
    r.key = KeyIdentity::Given("k1".into());
    r
}

proptest! {
    #[test]
    fn the_audit_and_explain_agree(case in case()) {
        let s = snapshot(&case);
        let found: BTreeSet<&str> = evaluate(&s)
            .findings
            .iter()
            .filter(|f| ON_THE_PATH.contains(&f.check.as_str()))
            .filter(|f| f.api_id.as_deref().is_none_or(|a| a == "a1") && f.stage.as_deref().is_none_or(|st| st == "prod"))
            .map(|f| ON_THE_PATH.iter().copied().find(|c| *c == f.check).unwrap_or_default())
            .collect();
        let e = explain(&s, &request(&case)).expect("explains");
        let named: Option<&str> = e.first_failure.as_ref().and_then(|f| f.check.map(|m| m.id));
        let shown = gatecheck::explain::text(&e);
        if let Some(id) = named.filter(|id| ON_THE_PATH.contains(id)) {
            prop_assert!(found.contains(id), "explain refuses at {id}, the audit finds {found:?}\n{case:?}\n{shown}");
        }
        if !found.is_empty() {
            prop_assert_eq!(e.verdict, Verdict::Forbidden, "the audit finds {:?}\n{:?}\n{}", found, case, shown);
            prop_assert!(
                named.is_some_and(|id| found.contains(id)),
                "the audit finds {found:?}, explain names {named:?}\n{case:?}\n{shown}"
            );
        }
    }
}
