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
        },
        REGION,
    )
}

pub fn api(id: &str) -> RestApi {
    RestApi {
        id: id.into(),
        name: format!("{id}-name"),
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
        id,
        path: path.into(),
        methods,
    });
    api
}

pub fn with_stage(mut api: RestApi, name: &str) -> RestApi {
    api.stages.push(Stage {
        name: name.into(),
        deployment_id: Some(format!("d-{name}")),
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
    }
}

pub fn key(id: &str, enabled: bool) -> ApiKey {
    ApiKey {
        id: id.into(),
        name: format!("{id}-name"),
        enabled,
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

pub fn ids(findings: &[crate::finding::Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.check.as_str()).collect()
}
