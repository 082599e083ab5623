//! The route as the stage serves it, the deployment and the canary.

use crate::explain::fixtures::*;

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
