//! The API key gate: source, header, plans and the key's own state.

use crate::explain::fixtures::*;

#[test]
fn without_the_key_id_the_key_step_is_unknown() {
    let mut r = keyed_get("/prod/items");
    r.key = KeyIdentity::Unknown;
    let e = explain(&healthy_deployed(), &r).unwrap();
    assert_eq!(e.verdict, Verdict::Unknown);
    let step = e.steps.iter().find(|s| s.step == Gate::ApiKey).unwrap();
    assert!(step.evidence.contains("--key-id"), "{}", step.evidence);
}

#[test]
fn key_gate_names_the_cause() {
    let r = keyed_get("/prod/items");
    let mut no_plan = healthy_deployed();
    no_plan.usage_plans[0].api_stages.clear();
    assert_eq!(first_failure(&no_plan, &r).1, Some("GC301"));
    let fix = explain(&no_plan, &r).unwrap().first_failure.unwrap().fix;
    assert!(
        fix.contains("--usage-plan-id p1 "),
        "the plan that holds the caller's key: {fix}"
    );
    let mut no_keys = healthy_deployed();
    no_keys.usage_plans[0].key_ids.clear();
    assert_eq!(first_failure(&no_keys, &r).1, Some("GC302"));
    let mut disabled = healthy_deployed();
    disabled.api_keys[0].enabled = false;
    assert_eq!(first_failure(&disabled, &r).1, Some("GC303"));

    let mut other_key = healthy_deployed();
    other_key.api_keys.push(key("k2", true));
    other_key.usage_plans.push(plan("p2", &[("zz", "prod")], &["k2"]));
    let mut r2 = r.clone();
    r2.key = KeyIdentity::Given("k2".into());
    let e = explain(&other_key, &r2).unwrap();
    let step = e.steps.last().unwrap();
    assert_eq!((step.step, step.outcome), (Gate::ApiKey, Outcome::Fail));
    assert!(
        step.evidence.contains("in no plan that covers a1:prod") && step.evidence.contains("p2"),
        "{}",
        step.evidence
    );
    assert!(step
        .fix
        .as_deref()
        .unwrap()
        .contains("--usage-plan-id p1 --key-type API_KEY --key-id k2"));

    let mut unknown_value = r.clone();
    unknown_value.key = KeyIdentity::NoKeyHasValue;
    assert_eq!(first_failure(&healthy_deployed(), &unknown_value).0, Gate::ApiKey);

    let no_header = request(&format!("{HOST}/prod/items"), "GET", &[]);
    let (gate, check, ..) = first_failure(&healthy_deployed(), &no_header);
    assert_eq!((gate, check), (Gate::ApiKey, None));
}

#[test]
fn preflight_and_authorizer_source() {
    let mut s = healthy();
    s.rest_apis[0].resources[0]
        .methods
        .push(method("OPTIONS", true, "NONE"));
    let s = deployed(s);
    let preflight = request(
        &format!("{HOST}/prod/items"),
        "OPTIONS",
        &["Origin: https://app.example.com"],
    );
    assert_eq!(first_failure(&s, &preflight).1, Some("GC305"));

    let mut authorizer = healthy();
    authorizer.rest_apis[0].api_key_source = ApiKeySource::Authorizer;
    let authorizer = deployed(authorizer);
    let (gate, check, ..) = first_failure(&authorizer, &keyed_get("/prod/items"));
    assert_eq!((gate, check), (Gate::ApiKey, Some("GC304")));
}

/// For a plan key the snapshot does not hold, the audit (GC303) and explain give one answer:
/// unknown, not disabled.
#[test]
fn a_plan_key_the_snapshot_lacks_is_unknown_to_both() {
    let mut s = healthy_deployed();
    s.usage_plans[0].key_ids.push("k-missing".into());
    s.api_keys[0].enabled = false;
    let findings = crate::checks::evaluate(&s).findings;
    assert!(!findings.iter().any(|f| f.check == "GC303"));
    let mut r = keyed_get("/prod/items");
    r.key = KeyIdentity::Unknown;
    let e = explain(&s, &r).unwrap();
    let key = e.steps.iter().find(|s| s.step == Gate::ApiKey).unwrap();
    assert_eq!(key.outcome, Outcome::Unknown, "{}", key.evidence);
}
