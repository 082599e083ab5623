//! Settings and event parsing: every input the function takes, and the malformed ones.

use super::events::{parse_event, EventError, Work};
use super::*;
use crate::arn::api_and_stage;
use serde_json::json;
use std::collections::BTreeSet;

fn sample(name: &str) -> Value {
    let path = format!("{}/events/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn targets(items: &[(&str, Option<&str>)]) -> BTreeSet<events::Target> {
    items
        .iter()
        .map(|(a, s)| (a.to_string(), s.map(str::to_string)))
        .collect()
}

#[test]
fn scheduled_event_is_a_full_audit() {
    assert_eq!(parse_event(&sample("scheduled.json")), Ok(Work::FullAudit));
}

#[test]
fn api_gateway_events_name_their_apis() {
    let region = Some("us-east-1".to_string());
    let cases = [
        (
            "create-deployment.json",
            Work::Apis {
                region: region.clone(),
                targets: targets(&[("a1b2c3d4e5", Some("prod"))]),
            },
        ),
        (
            "update-stage.json",
            Work::Apis {
                region: region.clone(),
                targets: targets(&[("a1b2c3d4e5", Some("prod"))]),
            },
        ),
        (
            "update-method.json",
            Work::Apis {
                region: region.clone(),
                targets: targets(&[("a1b2c3d4e5", None)]),
            },
        ),
        (
            "import-rest-api.json",
            Work::Apis {
                region: region.clone(),
                targets: targets(&[("n3wap1d000", None)]),
            },
        ),
        (
            "create-base-path-mapping.json",
            Work::Apis {
                region: region.clone(),
                targets: targets(&[("a1b2c3d4e5", None)]),
            },
        ),
        (
            "update-usage-plan.json",
            Work::Apis {
                region: region.clone(),
                targets: targets(&[("a1b2c3d4e5", None), ("f6g7h8i9j0", None)]),
            },
        ),
        (
            "create-usage-plan-key.json",
            Work::UsagePlans {
                region: region.clone(),
                plan_ids: ["pl4n1d".to_string()].into(),
            },
        ),
        (
            "update-api-key.json",
            Work::ApiKeys {
                region: region.clone(),
                key_ids: ["k3y1d00001".to_string()].into(),
            },
        ),
        ("delete-usage-plan.json", Work::FullAudit),
        (
            "create-stage.json",
            Work::Apis {
                region: region.clone(),
                targets: targets(&[("a1b2c3d4e5", Some("prod"))]),
            },
        ),
        (
            "delete-stage.json",
            Work::Apis {
                region: region.clone(),
                targets: targets(&[("a1b2c3d4e5", Some("prod"))]),
            },
        ),
        (
            "update-rest-api.json",
            Work::Apis {
                region: region.clone(),
                targets: targets(&[("a1b2c3d4e5", None)]),
            },
        ),
        (
            "put-rest-api.json",
            Work::Apis {
                region: region.clone(),
                targets: targets(&[("a1b2c3d4e5", None)]),
            },
        ),
        (
            "put-method.json",
            Work::Apis {
                region: region.clone(),
                targets: targets(&[("a1b2c3d4e5", None)]),
            },
        ),
        (
            "delete-method.json",
            Work::Apis {
                region: region.clone(),
                targets: targets(&[("a1b2c3d4e5", None)]),
            },
        ),
        (
            "create-usage-plan.json",
            Work::Apis {
                region: region.clone(),
                targets: targets(&[("a1b2c3d4e5", None)]),
            },
        ),
        (
            "delete-usage-plan-key.json",
            Work::UsagePlans {
                region: region.clone(),
                plan_ids: ["pl4n1d".to_string()].into(),
            },
        ),
        (
            "delete-api-key.json",
            Work::ApiKeys {
                region: region.clone(),
                key_ids: ["k3y1d00001".to_string()].into(),
            },
        ),
        (
            "update-base-path-mapping.json",
            Work::Apis {
                region: region.clone(),
                targets: targets(&[("a1b2c3d4e5", None)]),
            },
        ),
        ("update-account.json", Work::AccountSettings { region: region.clone() }),
    ];
    for (file, expected) in cases {
        assert_eq!(parse_event(&sample(file)), Ok(expected), "{file}");
    }
}

#[test]
fn wafv2_events_name_their_stages_or_acls() {
    let region = Some("us-east-1".to_string());
    assert_eq!(
        parse_event(&sample("associate-web-acl.json")),
        Ok(Work::Apis {
            region: region.clone(),
            targets: targets(&[("a1b2c3d4e5", Some("prod"))])
        })
    );
    assert_eq!(
        parse_event(&sample("update-web-acl.json")),
        Ok(Work::WafStages {
            region: region.clone(),
            arn: "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/edge-acl/0a1b2c3d-0000-4000-8000-000000000001"
                .into(),
            is_ip_set: false
        })
    );
    assert!(matches!(
        parse_event(&sample("update-ip-set.json")),
        Ok(Work::WafStages { is_ip_set: true, .. })
    ));
}

#[test]
fn direct_invocation_for_pipelines() {
    assert_eq!(
        parse_event(&sample("direct.json")),
        Ok(Work::Direct {
            region: None,
            api_id: "a1b2c3d4e5".into(),
            stage: Some("prod".into()),
            fail_on: Severity::High
        })
    );
    let bare = json!({"restApiId": "abc"});
    assert!(matches!(
        parse_event(&bare),
        Ok(Work::Direct {
            fail_on: Severity::Critical,
            stage: None,
            ..
        })
    ));
}

#[test]
fn failed_calls_and_unrelated_calls_are_skipped() {
    assert!(
        matches!(parse_event(&sample("failed-call.json")), Ok(Work::Skip { reason }) if reason.contains("AccessDenied"))
    );
    let mut other = sample("create-deployment.json");
    other["detail"]["eventName"] = json!("GetRestApis");
    assert!(matches!(parse_event(&other), Ok(Work::Skip { .. })));
}

#[test]
fn malformed_events_are_clear_errors() {
    for (file, want) in [
        ("malformed-not-object.json", "not a JSON object"),
        ("malformed-direct-wrong-type.json", "malformed direct invocation"),
        ("malformed-direct-bad-severity.json", "unknown severity"),
        ("malformed-unknown-source.json", "unsupported event"),
        ("malformed-no-detail.json", "malformed EventBridge event"),
        ("malformed-unknown-shape.json", "expected \"restApiId\""),
    ] {
        let err: EventError = parse_event(&sample(file)).unwrap_err();
        assert!(err.to_string().contains(want), "{file}: {err}");
    }
}

#[test]
fn every_sample_event_parses_or_is_refused_clearly() {
    let dir = format!("{}/events", env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let result = parse_event(&sample(&name));
        assert_eq!(result.is_err(), name.starts_with("malformed-"), "{name}: {result:?}");
        if !name.starts_with("malformed-") && name != "failed-call.json" {
            assert!(!matches!(result, Ok(Work::Skip { .. })), "{name} is skipped");
        }
        count += 1;
    }
    assert!(count >= 30, "one sample per input: {count}");
}

#[test]
fn stage_arns() {
    assert_eq!(
        api_and_stage("arn:aws:apigateway:eu-west-1::/restapis/abc/stages/prod"),
        Some(("abc".into(), Some("prod".into())))
    );
    assert_eq!(
        api_and_stage("arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/x/y"),
        None
    );
    assert_eq!(
        api_and_stage("arn:aws:apigateway:eu-west-1::/restapis/abc"),
        Some(("abc".into(), None)),
        "an API's own ARN names no stage"
    );
}

#[test]
fn reading_stops_in_time_to_publish() {
    use std::time::Duration;
    // 15 minutes left: read for all but the last 15 seconds.
    assert_eq!(
        reading_budget(1_000_900_000, 1_000_000_000),
        Some(Duration::from_secs(885))
    );
    // 20 seconds left: a quarter is kept for reporting and publishing.
    assert_eq!(
        reading_budget(1_000_020_000, 1_000_000_000),
        Some(Duration::from_secs(15))
    );
    // A millisecond left: a quarter of it is still kept.
    assert_eq!(
        reading_budget(1_000_000_001, 1_000_000_000),
        Some(Duration::from_micros(750))
    );
    // Not ahead (a local emulator's 0, or a clock behind the runtime's): no deadline.
    assert_eq!(reading_budget(1_000_000_000, 1_000_005_000), None);
    assert_eq!(reading_budget(0, 1_000_000_000), None);
}

#[test]
fn fan_out_payloads() {
    assert_eq!(
        parse_event(&sample("fanout-item.json")).unwrap(),
        Work::Member {
            account: "222233334444".into(),
            role_arn: "arn:aws:iam::222233334444:role/gatecheck-member".into(),
            region: "us-east-1".into()
        }
    );
    assert_eq!(
        parse_event(&sample("fanout-list-targets.json")).unwrap(),
        Work::ListTargets
    );
    let Work::Aggregate { items } = parse_event(&sample("fanout-aggregate.json")).unwrap() else {
        panic!("an aggregate");
    };
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].checks["GC301"], 1);
    assert_eq!(items[0].highest_severity, Some(Severity::Critical));
    assert!(items[1].error.as_deref().unwrap().contains("AccessDenied"));
    assert_eq!(items[1].account.as_deref(), Some("555566667777"));

    for (bad, why) in [
        (
            json!({"account": "222233334444", "roleArn": "arn:aws:iam::999988887777:role/x", "region": "us-east-1"}),
            "not a role in account",
        ),
        (
            json!({"account": "222233334444", "roleArn": "arn:aws:iam::222233334444:role/x", "region": "mars"}),
            "region",
        ),
        (
            json!({"account": "222233334444", "roleArn": "arn:aws:iam::222233334444:role/x"}),
            "region",
        ),
        (json!({"aggregate": {"not": "a list"}}), "not a list"),
        (
            json!({"aggregate": [{"unexpected": 1}]}),
            "neither counts nor a failure",
        ),
        (json!({"listTargets": "yes"}), "expected"),
    ] {
        let err = parse_event(&bad).unwrap_err().to_string();
        assert!(err.contains(why), "{bad}: {err}");
    }
}

#[test]
fn huge_and_odd_payloads_are_refused_or_bounded() {
    // Lambda takes synchronous payloads up to 6 MB.
    let huge = "a".repeat(6 * 1024 * 1024);
    let err = parse_event(&json!({"restApiId": huge})).unwrap_err().to_string();
    assert!(
        err.contains("not a REST API id") && err.len() < 300,
        "{}",
        &err[..err.len().min(300)]
    );
    let err = parse_event(&json!({"restApiId": "ABC/../x"})).unwrap_err().to_string();
    assert!(err.contains("not a REST API id"), "{err}");
    // A CloudTrail event naming many APIs, some not API ids at all.
    let mut event = sample("create-deployment.json");
    let ids: Vec<Value> = (0..10_000)
        .map(|i| json!({"restApiId": format!("api{i:07}")}))
        .collect();
    event["detail"]["requestParameters"] = json!({"restApiId": "Not An Id", "items": ids});
    let Ok(Work::Apis { targets, .. }) = parse_event(&event) else {
        panic!("an audit of the APIs named");
    };
    assert_eq!(targets.len(), 10_000);
    assert!(targets.iter().all(|(id, _)| events::is_api_id(id)));
    // Deeply nested JSON is refused by the parser before it reaches gatecheck.
    let deep = "[".repeat(100_000);
    assert!(serde_json::from_str::<Value>(&deep).is_err());
}

#[test]
fn failed_invocations_say_what_kind_of_failure() {
    let invalid = anyhow::Error::from(parse_event(&serde_json::json!(42)).unwrap_err());
    let diagnostic = diagnostic(&invalid);
    assert_eq!(diagnostic.error_type, "InvalidEvent");
    assert!(!diagnostic.error_message.is_empty());
    let publish = anyhow::Error::from(sns::PublishError {
        topic_arn: "arn:aws:sns:eu-west-1:123456789012:t".into(),
        message: "AuthorizationError".into(),
    });
    assert_eq!(diagnostic_type(&publish), "PublishFailed");
    let audit = anyhow::Error::from(crate::aws::CollectError::NoRegion);
    assert_eq!(diagnostic_type(&audit), "AuditFailed");
    assert_eq!(diagnostic_type(&anyhow::anyhow!("anything else")), "FunctionError");
}

fn diagnostic_type(err: &anyhow::Error) -> String {
    diagnostic(err).error_type
}

#[test]
fn a_malformed_region_is_refused_not_replaced_by_the_default() {
    let err = parse_event(&json!({"restApiId": "abc", "region": "eu-west"}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("'eu-west' is not a region name"), "{err}");
    let mut event = sample("create-deployment.json");
    event["detail"]["awsRegion"] = json!("../../etc");
    let err = parse_event(&event).unwrap_err().to_string();
    assert!(err.contains("is not a region name"), "{err}");
    assert!(parse_event(&json!({"restApiId": "abc", "region": "eu-west-1"})).is_ok());
}
