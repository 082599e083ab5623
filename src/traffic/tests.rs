//! Lines in the shapes API Gateway writes them, in, counts by cause out.

use super::*;
use crate::checks::fixtures;
use crate::model::{AccessLog, MethodSetting};

/// The console's JSON preset with the error fields, the key id, the WAF code, and the key's
/// value, which must never be read.
const JSON_FORMAT: &str = r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status","responseType":"$context.error.responseType","error":{"message":"$context.error.message"},"apiKeyId":"$context.identity.apiKeyId","apiKey":"$context.identity.apiKey","waf":"$context.wafResponseCode"}"#;

/// The console's CLF preset: no error fields.
const CLF_FORMAT: &str = r#"$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId $context.extendedRequestId"#;

fn json_line(request_id: &str, status: u16, response_type: &str, message: &str, key_id: &str, waf: &str) -> String {
    format!(
        r#"{{"requestId":"{request_id}","ip":"203.0.113.7","requestTime":"03/Dec/2026:09:00:01 +0000","httpMethod":"GET","resourcePath":"/orders","status":"{status}","responseType":"{response_type}","error":{{"message":"{message}"}},"apiKeyId":"{key_id}","apiKey":"s3cr3tKeyValue0123456789abcdefghij","waf":"{waf}"}}"#
    )
}

/// GC301's case: `GET /items` on `prod` requires a key and no plan lists the stage.
fn no_usage_plan() -> crate::model::Snapshot {
    let mut snapshot = fixtures::healthy();
    snapshot.usage_plans.clear();
    snapshot
}

fn refused(line: Line<'_>) -> Refusal<'_> {
    match line {
        Line::Refused(refusal) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn json_access_log_lines_name_cause_key_id_and_request() {
    // Gateway response types: developer guide, "Gateway response types for API Gateway".
    let format = AccessLogFormat::parse(JSON_FORMAT);
    assert!(format.is_json() && format.has_response_type && format.has_status);
    let line = json_line("req-1", 403, "INVALID_API_KEY", "Forbidden", "k1a2b3c4d5", "-");
    let refusal = refused(format.classify(&line));
    assert_eq!(refusal.cause, Cause::InvalidApiKey);
    assert_eq!(refusal.status, Some(403));
    assert_eq!(refusal.key_id.as_deref(), Some("k1a2b3c4d5"));
    assert_eq!(refusal.request_id.as_deref(), Some("req-1"));

    let waf = json_line("req-2", 403, "WAF_FILTERED", "Forbidden", "-", "WAF_BLOCK");
    assert_eq!(refused(format.classify(&waf)).cause, Cause::WafFiltered);
    assert_eq!(refused(format.classify(&waf)).key_id, None, "'-' is no key id");

    let ok = json_line("req-3", 200, "-", "-", "k1a2b3c4d5", "WAF_ALLOW");
    assert_eq!(format.classify(&ok), Line::Served);
    // A 404 or a 502 is not a refusal of the caller.
    let missing = json_line("req-4", 502, "INTEGRATION_FAILURE", "Internal server error", "-", "-");
    assert_eq!(format.classify(&missing), Line::Served);
    assert_eq!(format.classify("not json at all"), Line::Unreadable);
}

#[test]
fn unquoted_numbers_in_a_json_format_are_read() {
    let format = AccessLogFormat::parse(
        r#"{ "requestId": "$context.requestId", "status": $context.status, "type": "$context.error.responseType" }"#,
    );
    assert!(format.is_json());
    let refusal = refused(format.classify(r#"{ "requestId": "r", "status": 403, "type": "ACCESS_DENIED" }"#));
    assert_eq!((refusal.cause, refusal.status), (Cause::AccessDenied, Some(403)));
}

#[test]
fn clf_lines_without_error_fields_are_refused_but_unclassified() {
    let format = AccessLogFormat::parse(CLF_FORMAT);
    assert!(!format.is_json() && format.has_status && !format.has_response_type);
    let line = r#"203.0.113.7 - - [03/Dec/2026:09:00:01 +0000] "GET /orders HTTP/1.1" 403 23 c0ffee00-1111-2222-3333-444455556666 Ab1CdEFGoAMFXYZ="#;
    let refusal = refused(format.classify(line));
    assert_eq!(refusal.cause, Cause::Unclassified);
    assert_eq!(
        refusal.request_id.as_deref(),
        Some("c0ffee00-1111-2222-3333-444455556666")
    );
    let served = r#"198.51.100.1 - - [03/Dec/2026:09:00:02 +0000] "POST /orders HTTP/1.1" 201 80 d00d-1 Xy="#;
    assert_eq!(format.classify(served), Line::Served);
}

#[test]
fn a_text_format_with_the_error_fields_names_the_cause() {
    let format = AccessLogFormat::parse(
        "$context.requestId $context.status $context.error.responseType $context.identity.apiKeyId \"$context.error.message\"",
    );
    let refusal = refused(format.classify("r-9 403 MISSING_AUTHENTICATION_TOKEN - \"Missing Authentication Token\""));
    assert_eq!(refusal.cause, Cause::MissingAuthenticationToken);
    // Without a response type the default message still tells some causes apart.
    let format = AccessLogFormat::parse("$context.requestId $context.status \"$context.error.message\"");
    let line = "r-10 403 \"User is not authorized to access this resource with an explicit deny\"";
    assert_eq!(refused(format.classify(line)).cause, Cause::AccessDenied);
    assert_eq!(
        refused(format.classify("r-11 403 \"Forbidden\"")).cause,
        Cause::Unclassified
    );
}

#[test]
fn a_callers_user_agent_cannot_shift_the_fields_after_it() {
    // A custom CLF with the user agent before the status and the cause, as teams often add.
    let format = AccessLogFormat::parse(
        "$context.identity.sourceIp [$context.requestTime] \"$context.identity.userAgent\" $context.status $context.error.responseType $context.requestId",
    );
    // The agent carries the format's own literal and a forged status and cause.
    let forged = "198.51.100.7 [03/Dec/2026:08:00:00 +0000] \"curl\" 200 - r-0\" 403 WAF_FILTERED r-1";
    let refusal = refused(format.classify(forged));
    assert_eq!(
        refusal.cause,
        Cause::WafFiltered,
        "the status and cause are read from the end"
    );
    assert_eq!(refusal.request_id.as_deref(), Some("r-1"));
    // A forged cause does not turn a served request into a refusal either.
    let served = "198.51.100.7 [03/Dec/2026:08:00:00 +0000] \"x\" 403 WAF_FILTERED r-0\" 200 - r-2";
    assert!(matches!(format.classify(served), Line::Served));
    // And the same format reads a plain line as before.
    let plain = "198.51.100.7 [03/Dec/2026:08:00:00 +0000] \"curl/8.5\" 403 INVALID_API_KEY r-3";
    assert_eq!(refused(format.classify(plain)).cause, Cause::InvalidApiKey);
}

#[test]
fn execution_log_lines_are_gathered_per_request() {
    let mut requests = ExecutionRequests::default();
    let lines = [
        "(25bdd356-1) Verifying Usage Plan for request: 25bdd356-1. API Key: **********************************gE96dR API Stage: i01t0vftre/staging",
        "(25bdd356-1) API Key **********************************gE96dR not authorized because method 'GET /' requires API Key and API Key is not associated with a Usage Plan for API Stage i01t0vftre/staging: API Stage is not in a Usage Plan",
        "(25bdd356-1) Method completed with status: 403",
        "(fd443056-2) Starting authorizer: 62mgrc for request: fd443056-2",
        "(fd443056-2) Unauthorized request: fd443056-2",
        "(33232222-3) Usage Plan check succeeded for API Key **********abcd and API Stage i01t0vftre/staging",
        "(33232222-3) Method completed with status: 200",
        "(44444444-4) Method completed with status: 403",
    ];
    let read: Vec<bool> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| requests.add(i as i64, l))
        .collect();
    assert_eq!(read, [false, true, true, false, true, false, true, true]);
    let mut outcomes: Vec<(Option<String>, Option<Cause>)> = requests
        .into_lines()
        .map(|(_, line)| match line {
            Line::Refused(r) => (r.request_id.map(|id| id.into_owned()), Some(r.cause)),
            _ => (None, None),
        })
        .collect();
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            (None, None),
            (Some("25bdd356-1".into()), Some(Cause::InvalidApiKey)),
            (Some("44444444-4".into()), Some(Cause::Unclassified)),
            (Some("fd443056-2".into()), Some(Cause::Unauthorized)),
        ]
    );
}

#[test]
fn tally_counts_by_cause_bucket_and_key_and_ties_findings() {
    let window = Window::new(0, 60 * 60_000);
    let format = AccessLogFormat::parse(JSON_FORMAT);
    let mut tally = Tally::new(window);
    let lines: Vec<(i64, String)> = (0..30)
        .map(|i| {
            let key = if i % 3 == 0 { "kA" } else { "kB" };
            (
                i * 60_000,
                json_line(&format!("r{i}"), 403, "INVALID_API_KEY", "Forbidden", key, "-"),
            )
        })
        .chain([(
            59 * 60_000,
            json_line("w", 403, "WAF_FILTERED", "Forbidden", "-", "WAF_BLOCK"),
        )])
        .chain([(1, json_line("ok", 200, "-", "-", "kA", "-"))])
        .collect();
    for (at, line) in &lines {
        tally.count_line_read();
        tally.add(*at, format.classify(line));
    }
    let snapshot = no_usage_plan();
    let api = &snapshot.rest_apis[0];
    let mut traffic = tally.finish(
        api,
        "prod",
        Some(LogSource::AccessLog {
            log_group: "g".into(),
            json: true,
        }),
    );
    assert_eq!(
        (traffic.lines_read, traffic.requests_refused, traffic.requests_served),
        (32, 31, 1)
    );
    let keys = &traffic.causes[0];
    assert_eq!(keys.cause, Cause::InvalidApiKey);
    assert_eq!(keys.count, 30);
    // Minutes 0-29 fall in the first six five-minute buckets.
    assert_eq!(keys.per_bucket, [5, 5, 5, 5, 5, 5, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        keys.top_key_ids,
        [
            KeyCount {
                key_id: "kB".into(),
                count: 20
            },
            KeyCount {
                key_id: "kA".into(),
                count: 10
            }
        ]
    );
    assert_eq!(keys.sample_request_ids.len(), 3);
    assert_eq!(traffic.causes[1].per_bucket[11], 1, "the WAF block in the last bucket");

    let report = crate::audit::report(std::slice::from_ref(&snapshot), std::time::Duration::ZERO);
    link_findings(&mut traffic, &report.findings);
    let checks: Vec<&str> = traffic.causes[0].findings.iter().map(|f| f.check.as_str()).collect();
    assert_eq!(
        checks,
        ["GC301"],
        "INVALID_API_KEY is GC301's when no plan lists the stage"
    );
    assert!(traffic.causes[1].findings.is_empty(), "no WAF finding on this stage");

    let mut findings = report.findings.clone();
    attach_evidence(&mut findings, &[traffic], "1h");
    let gc301 = findings.iter().find(|f| f.check == "GC301").expect("GC301");
    let evidence = gc301.evidence.as_ref().expect("evidence on GC301");
    assert_eq!(evidence.refused_requests, 30);
    assert_eq!(
        evidence.sentence(),
        "30 refused requests in the last 1h (INVALID_API_KEY)"
    );
    let account_wide = findings.iter().filter(|f| f.api_id.is_none());
    assert!(account_wide.clone().all(|f| f.evidence.is_none()));
}

#[test]
fn the_text_shows_counts_histogram_keys_and_never_a_key_value() {
    let window = Window::new(0, 60 * 60_000);
    let format = AccessLogFormat::parse(JSON_FORMAT);
    let mut tally = Tally::new(window);
    for i in 0..12 {
        let line = json_line(&format!("r{i}"), 403, "INVALID_API_KEY", "Forbidden", "kA", "-");
        tally.add(i * 5 * 60_000, format.classify(&line));
    }
    let snapshot = no_usage_plan();
    let traffic = tally.finish(&snapshot.rest_apis[0], "prod", None);
    let text = render::text(window, std::slice::from_ref(&traffic), &|ms| ms.to_string());
    assert!(text.contains("INVALID_API_KEY") && text.contains("12"), "{text}");
    assert!(text.contains("kA (12)"), "{text}");
    assert!(text.contains("|████████████|"), "{text}");
    let json = render::json(window, &[traffic]);
    for output in [&text, &json] {
        assert!(!output.contains("s3cr3tKeyValue"), "a key value leaked: {output}");
    }
}

#[test]
fn the_histogram_scales_to_the_fullest_bucket() {
    assert_eq!(render::histogram(&[0, 1, 7, 14]), " ▁▄█");
}

#[test]
fn read_plan_prefers_the_access_log_that_names_causes() {
    let mut snapshot = fixtures::healthy();
    let api = snapshot.rest_apis[0].clone();
    let stage = &mut snapshot.rest_apis[0].stages[0];
    stage.method_settings.clear();
    assert!(matches!(read_plan(&api, stage), ReadPlan::Nothing(_)));
    stage.method_settings.insert(
        "*/*".into(),
        MethodSetting {
            logging_level: Some("ERROR".into()),
            ..MethodSetting::default()
        },
    );
    assert_eq!(
        read_plan(&api, stage),
        ReadPlan::Execution {
            log_group: format!("API-Gateway-Execution-Logs_{}/{}", api.id, stage.name)
        }
    );
    stage.access_log = Some(AccessLog {
        destination_arn: "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/apigateway/orders:*".into(),
        format: JSON_FORMAT.into(),
    });
    assert_eq!(
        read_plan(&api, stage),
        ReadPlan::Access {
            log_group: "/aws/apigateway/orders".into(),
            format: JSON_FORMAT.into()
        }
    );
    // A CLF log without the error fields: the execution log names causes, so it wins.
    stage.access_log.as_mut().expect("set above").format = CLF_FORMAT.into();
    assert!(matches!(read_plan(&api, stage), ReadPlan::Execution { .. }));
    stage.method_settings.clear();
    assert!(matches!(read_plan(&api, stage), ReadPlan::Access { .. }));
    // Firehose streams cannot be read back.
    stage.access_log.as_mut().expect("set above").destination_arn =
        "arn:aws:firehose:eu-west-1:123456789012:deliverystream/amazon-apigateway-x".into();
    assert!(matches!(read_plan(&api, stage), ReadPlan::Nothing(why) if why.contains("firehose")));
}

#[test]
fn evidence_goes_only_to_findings_on_the_stages_read() {
    // Two APIs with GC301; only the first one's logs were read.
    let mut snapshot = no_usage_plan();
    let mut other = snapshot.rest_apis[0].clone();
    other.id = "a2".into();
    snapshot.rest_apis.push(other);
    let report = crate::audit::report(std::slice::from_ref(&snapshot), std::time::Duration::ZERO);
    let gc301_on = |findings: &[Finding], api: &str| {
        findings
            .iter()
            .find(|f| f.check == "GC301" && f.api_id.as_deref() == Some(api))
            .map(|f| f.evidence.clone())
            .expect("GC301 on both APIs")
    };
    let format = AccessLogFormat::parse(JSON_FORMAT);
    let mut tally = Tally::new(Window::new(0, 60_000));
    let line = json_line("r", 403, "INVALID_API_KEY", "Forbidden", "-", "-");
    tally.add(1, format.classify(&line));
    let source = LogSource::AccessLog {
        log_group: "g".into(),
        json: true,
    };
    let read = tally.finish(&snapshot.rest_apis[0], "prod", Some(source));
    let mut findings = report.findings.clone();
    attach_evidence(&mut findings, &[read], "1h");
    assert_eq!(gc301_on(&findings, "a1").map(|e| e.refused_requests), Some(1));
    assert_eq!(gc301_on(&findings, "a2"), None, "a2's logs were not read");
}

#[test]
fn keyless_refusals_say_the_callers_sent_no_key() {
    let window = Window::new(0, 60 * 60_000);
    let format = AccessLogFormat::parse(JSON_FORMAT);
    let mut tally = Tally::new(window);
    for i in 0..3 {
        let line = json_line(&format!("r{i}"), 403, "INVALID_API_KEY", "Forbidden", "-", "-");
        tally.add(i * 60_000, format.classify(&line));
    }
    let snapshot = no_usage_plan();
    let traffic = tally.finish(&snapshot.rest_apis[0], "prod", None);
    let text = render::text(window, std::slice::from_ref(&traffic), &|ms| ms.to_string());
    assert!(text.contains("the callers sent no API key"), "{text}");
    assert!(!text.contains("explains it now"), "{text}");
}
