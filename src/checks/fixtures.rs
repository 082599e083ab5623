//! Small hand-built snapshots for the checks' unit tests.

use crate::model::*;

pub const ACCOUNT: &str = "111122223333";
pub const REGION: &str = "eu-west-1";

/// An account with a CloudWatch role and nothing else.
pub fn empty() -> Snapshot {
    Snapshot::new(
        Account {
            id: Some(ACCOUNT.into()),
            cloudwatch_role_arn: Some(format!("arn:aws:iam::{ACCOUNT}:role/apigw-logs")),
            ..Account::default()
        },
        REGION,
    )
}

pub fn api(id: &str) -> RestApi {
    RestApi {
        id: id.into(),
        name: format!("{id}-name").into(),
        endpoint_types: vec!["REGIONAL".into()],
        ..RestApi::default()
    }
}

pub fn method(verb: &str, api_key_required: bool, authorization_type: &str) -> Method {
    Method {
        http_method: verb.into(),
        api_key_required,
        authorization_type: authorization_type.into(),
        authorizer_id: None,
    }
}

pub fn with_resource(mut api: RestApi, path: &str, methods: Vec<Method>) -> RestApi {
    let id = format!("r{}", api.resources.len());
    api.resources.push(Resource {
        id: id.into(),
        path: path.into(),
        methods,
    });
    api
}

pub fn with_stage(mut api: RestApi, name: &str) -> RestApi {
    let logging = MethodSetting {
        logging_level: Some("ERROR".into()),
        ..MethodSetting::default()
    };
    api.stages.push(Stage {
        name: name.into(),
        deployment_id: Some(format!("d-{name}").into()),
        method_settings: [("*/*".into(), logging)].into_iter().collect(),
        ..Stage::default()
    });
    api
}

pub fn plan(id: &str, stages: &[(&str, &str)], key_ids: &[&str]) -> UsagePlan {
    UsagePlan {
        id: id.into(),
        name: format!("{id}-name"),
        api_stages: stages
            .iter()
            .map(|(api, stage)| PlanApiStage {
                api_id: (*api).into(),
                stage: (*stage).into(),
                ..Default::default()
            })
            .collect(),
        key_ids: key_ids.iter().map(|k| (*k).into()).collect(),
        read_at_ms: None,
    }
}

pub fn key(id: &str, enabled: bool) -> ApiKey {
    ApiKey {
        id: id.into(),
        name: format!("{id}-name").into(),
        enabled,
        stage_keys: Vec::new(),
    }
}

/// The healthy control: `GET /items` requires a key on `prod`, a plan lists the stage and
/// holds an enabled key.
pub fn healthy() -> Snapshot {
    let mut s = empty();
    let api = with_resource(api("a1"), "/items", vec![method("GET", true, "NONE")]);
    s.rest_apis.push(with_stage(api, "prod"));
    s.usage_plans.push(plan("p1", &[("a1", "prod")], &["k1"]));
    s.api_keys.push(key("k1", true));
    s
}

pub fn ip_set(name: &str, addresses: &[&str]) -> IpSet {
    IpSet {
        arn: format!("arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/ipset/{name}/id-{name}"),
        name: name.into(),
        addresses: addresses.iter().map(|a| (*a).into()).collect(),
    }
}

pub fn rule(name: &str, action: WafAction, statement: WafStatement) -> WafRule {
    WafRule {
        name: name.into(),
        priority: 0,
        action,
        block_status: None,
        statement,
        oversize_matches: false,
        firewall_manager: false,
    }
}

/// Puts `acl` on the healthy fixture's prod stage.
pub fn with_acl(mut s: Snapshot, default_action: WafAction, rules: Vec<WafRule>) -> Snapshot {
    let arn = format!("arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/webacl/edge/acl-1");
    s.rest_apis[0].stages[0].web_acl_arn = Some(arn.clone());
    s.web_acls.push(WebAcl {
        arn,
        name: "edge".into(),
        default_action,
        default_block_status: None,
        rules,
        read_at_ms: None,
    });
    s
}

pub fn ids(findings: &[crate::report::Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.check.as_str()).collect()
}

pub fn gap(part: Part, api_id: Option<&str>) -> CoverageGap {
    CoverageGap {
        within: None,
        part,
        operation: "GetSomething".into(),
        api_id: api_id.map(Into::into),
        stage: None,
        object_id: None,
        reason: GapReason::AccessDenied,
        message: "User is not authorized".into(),
    }
}

/// Makes the prod stage serve a deployment whose only method is `GET /items`.
pub fn deploy_get_items(s: &mut Snapshot, api_key_required: bool) {
    let method = DeployedMethod {
        api_key_required,
        authorization_type: "NONE".into(),
    };
    let verbs = [("GET".into(), method)].into_iter().collect();
    let summary = [("/items".into(), verbs)].into_iter().collect();
    s.rest_apis[0].deployments.push(Deployment {
        id: "d-prod".into(),
        api_summary: Some(summary),
    });
}

pub fn domain(name: &str, api_id: &str, stage: Option<&str>) -> DomainName {
    DomainName {
        name: name.into(),
        endpoint_types: vec!["REGIONAL".into()],
        mappings: vec![BasePathMapping {
            base_path: "(none)".into(),
            rest_api_id: api_id.into(),
            stage: stage.map(Into::into),
        }],
        ..DomainName::default()
    }
}

pub const VPCE_POLICY: &str = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}]}"#;

pub const IP_POLICY: &str = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#;

pub fn office_rule(s: &mut Snapshot, action: WafAction, addresses: &[&str]) -> WafRule {
    let set = ip_set("office", addresses);
    let statement = WafStatement::IpSet {
        arn: set.arn.clone(),
        forwarded_header: None,
        fallback_match: false,
    };
    s.ip_sets.push(set);
    rule("office", action, statement)
}

/// What `check` finds in `snapshot`.
pub fn run(check: &crate::checks::Check, snapshot: &Snapshot) -> Vec<crate::report::Finding> {
    (check.run)(&crate::checks::Facts::new(snapshot))
}

/// The registered check with this id.
pub fn check(id: &str) -> &'static crate::checks::Check {
    crate::checks::find_check(id).expect("registered")
}

/// The healthy control for the WAF checks: default Allow, a Count rule on an IP set and a
/// managed rule group overridden to Count. It blocks nobody.
pub fn counting_acl() -> Snapshot {
    let mut s = healthy();
    let counting = office_rule(&mut s, WafAction::Count, &["10.0.0.0/8"]);
    let overridden = rule(
        "common",
        WafAction::Count,
        WafStatement::ManagedRuleGroup {
            vendor: "AWS".into(),
            name: "AWSManagedRulesCommonRuleSet".into(),
            counted_rules: Vec::new(),
        },
    );
    with_acl(s, WafAction::Allow, vec![counting, overridden])
}

/// AWS's managed origin request policies Managed-AllViewer and Managed-AllViewerExceptHostHeader.
pub const ALL_VIEWER: &str = "216adef6-5c7f-47e4-b989-5492eafa07d3";
pub const ALL_VIEWER_EXCEPT_HOST: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

/// `healthy()` with a distribution called `www.example.com` in front of a1's prod stage, whose
/// default behaviour uses origin request policy `policy` (one of the two above), or without
/// one, the legacy forwarded headers `legacy`.
pub fn behind_cloudfront(policy: Option<&str>, legacy: &[&str]) -> Snapshot {
    let mut s = healthy();
    s.origin_request_policies = vec![
        OriginRequestPolicy {
            id: ALL_VIEWER.into(),
            name: "Managed-AllViewer".into(),
            header_behavior: "allViewer".into(),
            headers: Vec::new(),
        },
        OriginRequestPolicy {
            id: ALL_VIEWER_EXCEPT_HOST.into(),
            name: "Managed-AllViewerExceptHostHeader".into(),
            header_behavior: "allExcept".into(),
            headers: vec!["host".into()],
        },
    ];
    s.distributions.push(Distribution {
        id: "E2QWRUHAPOMQZL".into(),
        domain_name: "d111111abcdef8.cloudfront.net".into(),
        aliases: vec!["www.example.com".into()],
        enabled: true,
        origins: vec![Origin {
            id: "api".into(),
            domain_name: format!("a1.execute-api.{REGION}.amazonaws.com"),
            path: "/prod".into(),
        }],
        behaviors: vec![CacheBehavior {
            path_pattern: None,
            target_origin_id: "api".into(),
            origin_request_policy_id: policy.map(str::to_string),
            forwarded_headers: legacy.iter().map(|h| h.to_string()).collect(),
        }],
    });
    s
}
