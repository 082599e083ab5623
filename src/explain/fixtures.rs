//! What the explain tests share: hand-built snapshots, requests, and the first failure.

pub(crate) use crate::checks::fixtures::*;
pub(crate) use crate::explain::*;
pub(crate) use crate::model::*;

pub(crate) const HOST: &str = "https://a1.execute-api.eu-west-1.amazonaws.com";

/// Gives every stage a deployment whose apiSummary is the current configuration.
pub(crate) fn deployed(mut s: Snapshot) -> Snapshot {
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

pub(crate) fn healthy_deployed() -> Snapshot {
    deployed(healthy())
}

pub(crate) fn request(url: &str, method: &str, headers: &[&str]) -> Request {
    let headers: Vec<String> = headers.iter().map(|h| (*h).to_string()).collect();
    Request::new(url, Some(method), &headers).unwrap()
}

/// The healthy fixture with its method behind an authorizer of `kind`.
pub(crate) fn with_authorizer(
    mut s: Snapshot,
    method_auth: &str,
    kind: &str,
    identity_source: Option<&str>,
) -> Snapshot {
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

pub(crate) fn keyed_get(path: &str) -> Request {
    let mut r = request(&format!("{HOST}{path}"), "GET", &["x-api-key: secret-value-123"]);
    r.key = KeyIdentity::Given("k1".into());
    r
}

pub(crate) fn first_failure(s: &Snapshot, r: &Request) -> (Gate, Option<&'static str>, Option<u16>, String) {
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
