//! Bad input never panics: property tests over event parsing, snapshot loading, resource
//! policies, WAF statements and curl command lines. Inputs are arbitrary, or seeds from
//! `fuzz/corpus/` (and `events/`) cut, flipped and spliced. `make fuzz-smoke` runs the same
//! properties with many more cases; a failing case is kept in
//! `tests/properties.proptest-regressions` and replayed first on every run.

use gatecheck::audit::{parse_snapshot, report};
use gatecheck::checks::evaluate;
use gatecheck::explain::{explain, parse_curl_line, Request};
use gatecheck::lambda::events::parse_event;
use gatecheck::model::{Snapshot, WafAction, WafRule, WafStatement, WebAcl};
use gatecheck::policy::Policy;
use proptest::prelude::*;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

fn read_dir(dir: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<String> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {dir}");
    files
}

fn demo_snapshot() -> Snapshot {
    let text = &read_dir("fuzz/corpus/snapshots")[0];
    parse_snapshot(text, "demo.json").expect("the corpus snapshot parses")
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, String),
    Delete(usize, usize),
    Splice(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (
            any::<usize>(),
            prop_oneof![
                Just("\"".to_string()),
                Just("{".to_string()),
                Just("]".to_string()),
                Just("null".to_string()),
                Just("\\u0000".to_string()),
                Just("-1e999".to_string()),
                ".{0,12}",
            ]
        )
            .prop_map(|(i, s)| Mutation::Insert(i, s)),
        (any::<usize>(), 0usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), any::<usize>(), 0usize..64).prop_map(|(a, b, n)| Mutation::Splice(a, b, n)),
    ]
}

fn apply(seed: &str, mutations: &[Mutation]) -> String {
    let mut bytes = seed.as_bytes().to_vec();
    for m in mutations {
        let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
        match m {
            Mutation::Truncate(i) => bytes.truncate(at(*i, bytes.len())),
            Mutation::Flip(i, b) if !bytes.is_empty() => {
                let i = i % bytes.len();
                bytes[i] ^= b;
            }
            Mutation::Flip(..) => {}
            Mutation::Insert(i, s) => {
                let i = at(*i, bytes.len());
                bytes.splice(i..i, s.bytes());
            }
            Mutation::Delete(i, n) => {
                let i = at(*i, bytes.len());
                let end = (i + n).min(bytes.len());
                bytes.drain(i..end);
            }
            Mutation::Splice(from, to, n) => {
                let from = at(*from, bytes.len());
                let end = (from + n).min(bytes.len());
                let piece = bytes[from..end].to_vec();
                let to = at(*to, bytes.len());
                bytes.splice(to..to, piece);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A seed from `seeds`, mutated.
fn mutated(seeds: Vec<String>) -> impl Strategy<Value = String> {
    (0..seeds.len(), proptest::collection::vec(mutation(), 0..6)).prop_map(move |(i, ms)| apply(&seeds[i], &ms))
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("aws.events".to_string()),
            Just("apigateway.amazonaws.com".to_string()),
            Just("AWS API Call via CloudTrail".to_string()),
            Just("CreateDeployment".to_string()),
            Just("arn:aws:wafv2:us-east-1:1:regional/webacl/a/b".to_string()),
            ".{0,16}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop_oneof![
            Just("source".to_string()),
            Just("detail-type".to_string()),
            Just("detail".to_string()),
            Just("eventSource".to_string()),
            Just("eventName".to_string()),
            Just("requestParameters".to_string()),
            Just("responseElements".to_string()),
            Just("errorCode".to_string()),
            Just("restApiId".to_string()),
            Just("stage".to_string()),
            Just("failOn".to_string()),
            Just("region".to_string()),
            "[a-zA-Z]{1,8}",
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(keys, inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn waf_statement() -> impl Strategy<Value = WafStatement> {
    let leaf = prop_oneof![
        prop_oneof![Just("arn:ipset:known".to_string()), ".{0,8}"].prop_map(|arn| WafStatement::IpSet {
            arn,
            forwarded_header: None,
            fallback_match: false,
        }),
        proptest::collection::vec("[A-Z]{2}", 0..3).prop_map(|country_codes| WafStatement::Geo {
            country_codes,
            forwarded_header: None,
            fallback_match: false,
        }),
        any::<i64>().prop_map(|limit| WafStatement::RateBased {
            limit,
            scope_down: None
        }),
        (".{0,6}", ".{0,6}").prop_map(|(vendor, name)| WafStatement::ManagedRuleGroup {
            vendor,
            name,
            counted_rules: Vec::new()
        }),
        ".{0,6}".prop_map(|arn| WafStatement::RuleGroup { arn }),
        (".{0,6}", ".{0,6}").prop_map(|(field, description)| WafStatement::Match { field, description }),
        ".{0,6}".prop_map(|kind| WafStatement::Other { kind }),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(|statements| WafStatement::And { statements }),
            proptest::collection::vec(inner.clone(), 0..4).prop_map(|statements| WafStatement::Or { statements }),
            inner.clone().prop_map(|s| WafStatement::Not { statement: Box::new(s) }),
            (any::<i64>(), inner).prop_map(|(limit, s)| WafStatement::RateBased {
                limit,
                scope_down: Some(Box::new(s))
            }),
        ]
    })
}

fn waf_action() -> impl Strategy<Value = WafAction> {
    prop_oneof![
        Just(WafAction::Allow),
        Just(WafAction::Block),
        Just(WafAction::Count),
        Just(WafAction::Captcha),
        Just(WafAction::Challenge),
        Just(WafAction::UseGroupActions),
    ]
}

/// Every check and an explanation of a request to the first API's first stage.
fn exercise(snapshot: &Snapshot, ip: Option<std::net::IpAddr>) {
    let evaluation = evaluate(snapshot);
    let _ = report(std::slice::from_ref(snapshot), Duration::ZERO);
    assert!(evaluation.findings.iter().all(|f| !f.check.is_empty()));
    let api = &snapshot.rest_apis[0];
    let url = format!(
        "https://{}.execute-api.{}.amazonaws.com/{}/anything",
        api.id,
        snapshot.region,
        api.stages.first().map_or("prod", |s| s.name.as_str())
    );
    let mut request = Request::new(&url, Some("GET"), &["x-api-key: v".into()]).expect("a request");
    request.source_ip = ip;
    explain(snapshot, &request).expect("the API is in the snapshot");
}

proptest! {
    #[test]
    fn events_of_any_shape_are_parsed_or_refused_clearly(event in json_value()) {
        if let Err(err) = parse_event(&event) {
            prop_assert!(!err.to_string().trim().is_empty());
        }
    }

    #[test]
    fn mutated_sample_events_are_parsed_or_refused_clearly(text in mutated(read_dir("events"))) {
        if let Ok(event) = serde_json::from_str::<Value>(&text) {
            if let Err(err) = parse_event(&event) {
                prop_assert!(!err.to_string().trim().is_empty());
            }
        }
    }

    #[test]
    fn mutated_snapshot_files_load_or_fail_naming_the_file(text in mutated(read_dir("fuzz/corpus/snapshots"))) {
        match parse_snapshot(&text, "mutated.json") {
            Ok(snapshot) => {
                let _ = evaluate(&snapshot);
                let _ = report(std::slice::from_ref(&snapshot), Duration::ZERO);
            }
            Err(err) => prop_assert!(err.to_string().contains("mutated.json"), "{}", err),
        }
    }

    #[test]
    fn any_resource_policy_is_read_or_refused_and_audits_still_run(
        text in prop_oneof![mutated(read_dir("fuzz/corpus/policies")), ".{0,64}"],
        ip in proptest::option::of(any::<std::net::IpAddr>()),
    ) {
        if let Ok(policy) = Policy::parse(&text) {
            let _ = (policy.describe(), policy.restricts(), policy.admits_vpc_traffic());
        }
        let mut snapshot = demo_snapshot();
        snapshot.rest_apis[0].policy = Some(text);
        exercise(&snapshot, ip);
    }

    #[test]
    fn any_waf_rules_are_audited_and_explained(
        rules in proptest::collection::vec((waf_action(), waf_statement(), any::<i32>()), 0..5),
        default in waf_action(),
        ip in proptest::option::of(any::<std::net::IpAddr>()),
    ) {
        let mut snapshot = demo_snapshot();
        snapshot.ip_sets.push(gatecheck::model::IpSet {
            arn: "arn:ipset:known".into(),
            name: "known".into(),
            addresses: vec!["192.0.2.0/24".into(), "not a cidr".into(), "2001:db8::/32".into()],
        });
        snapshot.web_acls.push(WebAcl {
            arn: "arn:acl:generated".into(),
            name: "generated".into(),
            default_action: default,
            default_block_status: None,
            rules: rules
                .into_iter()
                .enumerate()
                .map(|(i, (action, statement, priority))| WafRule { name: format!("r{i}"), priority, action, block_status: None, statement, oversize_matches: false, firewall_manager: false })
                .collect(),
            read_at_ms: None,
        });
        if let Some(stage) = snapshot.rest_apis[0].stages.first_mut() {
            stage.web_acl_arn = Some("arn:acl:generated".into());
        }
        exercise(&snapshot, ip);
    }

    #[test]
    fn any_curl_line_is_read_or_refused_clearly(
        text in prop_oneof![mutated(read_dir("fuzz/corpus/curl")), ".{0,80}"],
    ) {
        match parse_curl_line(&text) {
            Ok(request) => {
                let snapshot = demo_snapshot();
                let _ = explain(&snapshot, &request);
            }
            Err(err) => prop_assert!(!err.to_string().trim().is_empty()),
        }
    }
}

/// Every prefix of a valid snapshot file, as a cut-off write leaves it.
#[test]
fn truncated_snapshot_files_are_refused_with_a_position() {
    let text = &read_dir("fuzz/corpus/snapshots")[0];
    for end in (0..text.len()).step_by(7) {
        let Some(prefix) = text.get(..end) else { continue };
        let err = parse_snapshot(prefix, "cut.json").expect_err("a truncated file does not parse");
        assert!(err.to_string().contains("cut.json"), "{err}");
    }
}

/// The seed thread's curl lines, read where they live rather than copied.
#[test]
fn seed_thread_curl_lines_explain_without_panicking() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/seed/forbidden-with-api-key-thread.txt"
    );
    let thread = std::fs::read_to_string(path).expect("the seed thread beside the repository");
    let snapshot = demo_snapshot();
    for line in thread.lines().filter(|l| l.contains("curl ")) {
        if let Ok(request) = parse_curl_line(line.trim()) {
            let _ = explain(&snapshot, &request);
        }
    }
}
