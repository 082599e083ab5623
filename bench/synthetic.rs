//! Synthetic snapshots of any size for the engine's benchmarks: each API has resources with
//! literal, parameter and greedy paths, two stages on one deployment, and every few APIs one
//! of the causes of 403 (no plan, undeployed change, IP policy, WAF default Block, a keyed
//! preflight, key source AUTHORIZER), so that every check has work to do and most APIs are
//! healthy, as in a real account.

use compact_str::CompactString;
use gatecheck::model::*;

pub fn snapshot(apis: usize) -> Snapshot {
    let mut s = Snapshot::new(
        Account {
            id: Some("111122223333".into()),
            cloudwatch_role_arn: Some("arn:aws:iam::111122223333:role/apigw-logs".into()),
            ..Account::default()
        },
        "eu-west-1",
    );
    let acls = apis.div_ceil(50);
    for a in 0..acls {
        let set = IpSet {
            arn: format!("arn:aws:wafv2:eu-west-1:111122223333:regional/ipset/office-{a}/id-{a}"),
            name: format!("office-{a}"),
            addresses: (0..20).map(|i| format!("198.51.{a}.{i}/32")).collect(),
        };
        s.web_acls.push(WebAcl {
            arn: format!("arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/edge-{a}/id-{a}"),
            name: format!("edge-{a}"),
            default_action: if a % 2 == 0 { WafAction::Block } else { WafAction::Allow },
            rules: vec![
                rule(
                    "office",
                    0,
                    WafAction::Allow,
                    WafStatement::IpSet {
                        arn: set.arn.clone(),
                        forwarded_header: None,
                        fallback_match: false,
                    },
                ),
                rule(
                    "rate",
                    1,
                    WafAction::Block,
                    WafStatement::RateBased {
                        limit: 1000,
                        scope_down: None,
                    },
                ),
                rule(
                    "managed",
                    2,
                    WafAction::UseGroupActions,
                    WafStatement::ManagedRuleGroup {
                        vendor: "AWS".into(),
                        name: "AWSManagedRulesCommonRuleSet".into(),
                        counted_rules: Vec::new(),
                    },
                ),
            ],
            ..WebAcl::default()
        });
        s.ip_sets.push(set);
    }
    for i in 0..apis {
        s.rest_apis.push(api(i, &s.web_acls));
    }
    for p in 0..apis.div_ceil(10) {
        // Every tenth API has no plan (GC301); the plans cover the others' two stages.
        let api_stages = (p * 10..(p * 10 + 10).min(apis))
            .filter(|i| i % 10 != 3)
            .flat_map(|i| {
                ["prod", "staging"].map(|stage| PlanApiStage {
                    api_id: api_id(i),
                    stage: stage.into(),
                    ..PlanApiStage::default()
                })
            })
            .collect();
        let key_ids: Vec<CompactString> = vec![format!("key-{p}-a").into(), format!("key-{p}-b").into()];
        s.api_keys.push(ApiKey {
            id: key_ids[0].clone(),
            name: key_ids[0].clone(),
            enabled: true,
            ..ApiKey::default()
        });
        s.api_keys.push(ApiKey {
            id: key_ids[1].clone(),
            name: key_ids[1].clone(),
            enabled: p % 7 != 0,
            ..ApiKey::default()
        });
        s.usage_plans.push(UsagePlan {
            id: format!("plan-{p}"),
            name: format!("plan-{p}"),
            api_stages,
            key_ids,
            ..UsagePlan::default()
        });
    }
    for d in 0..apis.div_ceil(100) {
        s.domain_names.push(DomainName {
            name: format!("api{d}.example.com"),
            endpoint_types: vec!["REGIONAL".into()],
            mappings: (d * 100..(d * 100 + 5).min(apis))
                .map(|i| BasePathMapping {
                    base_path: format!("v{i}"),
                    rest_api_id: api_id(i).into(),
                    stage: Some("prod".into()),
                })
                .collect(),
            ..DomainName::default()
        });
    }
    s
}

/// A WAF rule; the synthetic ACLs use AWS's default block answer.
fn rule(name: &str, priority: i32, action: WafAction, statement: WafStatement) -> WafRule {
    WafRule {
        name: name.into(),
        priority,
        action,
        block_status: None,
        statement,
        oversize_matches: false,
        firewall_manager: false,
    }
}

fn api_id(i: usize) -> CompactString {
    format!("api{i:07}").into()
}

fn api(i: usize, acls: &[WebAcl]) -> RestApi {
    let keyed = |verb: &str| Method {
        http_method: verb.into(),
        api_key_required: true,
        authorization_type: "NONE".into(),
        ..Method::default()
    };
    // CORS preflight open, as it should be, but on every tenth API (GC305).
    let preflight = Method {
        api_key_required: i % 10 == 1,
        ..keyed("OPTIONS")
    };
    let resources: Vec<Resource> = [
        ("/", vec![keyed("GET")]),
        ("/orders", vec![keyed("GET"), keyed("POST"), preflight]),
        ("/orders/{id}", vec![keyed("GET"), keyed("PUT"), keyed("DELETE")]),
        ("/orders/{id}/items", vec![keyed("GET")]),
        ("/health", vec![keyed("GET")]),
        ("/{proxy+}", vec![keyed("ANY")]),
    ]
    .into_iter()
    .enumerate()
    .map(|(r, (path, methods))| Resource {
        id: format!("r{r}").into(),
        path: path.into(),
        methods,
    })
    .collect();
    let acl = (i % 4 == 0).then(|| acls[i / 50].arn.clone());
    let stages = ["prod", "staging"]
        .map(|name| Stage {
            name: name.into(),
            deployment_id: Some(format!("dep-{i}").into()),
            method_settings: [(
                "*/*".into(),
                MethodSetting {
                    logging_level: Some("ERROR".into()),
                    ..MethodSetting::default()
                },
            )]
            .into_iter()
            .collect(),
            web_acl_arn: acl.clone(),
            ..Stage::default()
        })
        .to_vec();
    let mut api = RestApi {
        id: api_id(i),
        name: format!("service-{i}").into(),
        api_key_source: if i % 50 == 7 {
            ApiKeySource::Authorizer
        } else {
            ApiKeySource::Header
        },
        endpoint_types: vec!["REGIONAL".into()],
        policy: (i % 5 == 0).then(|| {
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24"]}}}]}"#.to_string()
        }),
        resources,
        stages,
        ..RestApi::default()
    };
    let mut summary = api.current_summary();
    if i % 10 == 5 {
        // An undeployed change (GC401).
        summary.remove("/health");
    }
    api.deployments.push(Deployment {
        id: format!("dep-{i}").into(),
        api_summary: Some(summary),
    });
    api
}
