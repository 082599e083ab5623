//! The walk over hand-built snapshots as a whole: one request in, the verdict and its JSON out.
//! Each gate's own tests sit beside it, in `gates/<gate>/tests.rs`.

use crate::explain::fixtures::*;

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
