//! The log classifier alone, in memory: 1,000,000 access log lines (JSON and CLF, a third of
//! them refused, with every refusal cause) and 1,000,000 execution log lines, classified and
//! counted by cause as `gatecheck logs` does. Reported as lines per second.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gatecheck::model::RestApi;
use gatecheck::traffic::{AccessLogFormat, ExecutionRequests, Tally, Window};
use std::time::Duration;

const LINES: usize = 1_000_000;
const JSON_FORMAT: &str = r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status","responseType":"$context.error.responseType","errorMessage":"$context.error.message","apiKeyId":"$context.identity.apiKeyId","wafResponseCode":"$context.wafResponseCode"}"#;
const CLF_FORMAT: &str = r#"$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId $context.extendedRequestId"#;
const REFUSALS: [(u16, &str, &str); 5] = [
    (403, "INVALID_API_KEY", "-"),
    (403, "WAF_FILTERED", "WAF_BLOCK"),
    (403, "ACCESS_DENIED", "-"),
    (403, "MISSING_AUTHENTICATION_TOKEN", "-"),
    (429, "THROTTLED", "-"),
];

fn json_lines() -> Vec<(i64, String)> {
    (0..LINES)
        .map(|i| {
            let (status, response_type, waf) = match i % 3 {
                0 => REFUSALS[i / 3 % REFUSALS.len()],
                _ => (200, "-", "WAF_ALLOW"),
            };
            let line = format!(
                r#"{{"requestId":"{i:08x}-4c1b-9a6e-5d3c2b1a0f9e","ip":"198.51.100.{}","requestTime":"03/Dec/2026:09:00:00 +0000","httpMethod":"GET","resourcePath":"/orders","status":"{status}","responseType":"{response_type}","errorMessage":"Forbidden","apiKeyId":"k{}","wafResponseCode":"{waf}"}}"#,
                i % 250,
                i % 40
            );
            (i as i64, line)
        })
        .collect()
}

fn clf_lines() -> Vec<(i64, String)> {
    (0..LINES)
        .map(|i| {
            let status = if i % 3 == 0 { 403 } else { 200 };
            let line = format!(
                r#"198.51.100.{} - - [03/Dec/2026:09:00:01 +0000] "GET /orders HTTP/1.1" {status} 23 {i:08x}-4c1b-9a6e Ab1CdEFGoAMFXYZ="#,
                i % 250
            );
            (i as i64, line)
        })
        .collect()
}

fn execution_lines() -> Vec<(i64, String)> {
    (0..LINES / 4)
        .flat_map(|i| {
            let id = format!("{i:08x}-4c1b-9a6e-5d3c2b1a0f9e");
            let status = if i % 3 == 0 { 403 } else { 200 };
            [
                format!("({id}) Extended Request Id: Ab1CdEFGoAMFXYZ="),
                format!("({id}) Verifying Usage Plan for request: {id}. API Key: ******abcd API Stage: a1/prod"),
                if status == 403 {
                    format!("({id}) API Key ******abcd not authorized because method 'GET /orders' requires API Key and API Key is not associated with a Usage Plan for API Stage a1/prod: API Stage is not in a Usage Plan")
                } else {
                    format!("({id}) Usage Plan check succeeded for API Key ******abcd and API Stage a1/prod")
                },
                format!("({id}) Method completed with status: {status}"),
            ]
            .map(|line| (i as i64, line))
        })
        .collect()
}

fn access(lines: &[(i64, String)], format: &AccessLogFormat, api: &RestApi) -> u64 {
    let mut tally = Tally::new(Window::new(0, LINES as i64));
    for (at, line) in lines {
        tally.count_line_read();
        tally.add(*at, format.classify(line));
    }
    tally.finish(api, "prod", None).requests_refused
}

fn execution(lines: &[(i64, String)], api: &RestApi) -> u64 {
    let mut tally = Tally::new(Window::new(0, LINES as i64));
    let mut requests = ExecutionRequests::default();
    for (at, line) in lines {
        requests.add(*at, line);
    }
    for (at, line) in requests.into_lines() {
        tally.add(at, line);
    }
    tally.finish(api, "prod", None).requests_refused
}

fn classifier(c: &mut Criterion) {
    let api = RestApi {
        id: "a1".into(),
        name: "orders".into(),
        ..RestApi::default()
    };
    let mut group = c.benchmark_group("classify");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8))
        .throughput(Throughput::Elements(LINES as u64));
    let json = json_lines();
    let json_format = AccessLogFormat::parse(JSON_FORMAT);
    // A third refused: the bench counts real refusals, not an empty pass.
    assert_eq!(access(&json, &json_format, &api), LINES.div_ceil(3) as u64);
    group.bench_function("json_access_log_1m_lines", |b| {
        b.iter(|| access(std::hint::black_box(&json), &json_format, &api))
    });
    drop(json);
    let clf = clf_lines();
    let clf_format = AccessLogFormat::parse(CLF_FORMAT);
    assert_eq!(access(&clf, &clf_format, &api), LINES.div_ceil(3) as u64);
    group.bench_function("clf_access_log_1m_lines", |b| {
        b.iter(|| access(std::hint::black_box(&clf), &clf_format, &api))
    });
    drop(clf);
    let exec = execution_lines();
    assert_eq!(execution(&exec, &api), (LINES / 4).div_ceil(3) as u64);
    group.bench_function("execution_log_1m_lines", |b| {
        b.iter(|| execution(std::hint::black_box(&exec), &api))
    });
    group.finish();
}

criterion_group!(benches, classifier);
criterion_main!(benches);
