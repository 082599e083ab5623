//! Log lines in the shapes API Gateway writes them, put into CloudWatch Logs: access log
//! lines in a stage's JSON or CLF format and execution log lines, refused and served.

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_cloudwatchlogs::Client;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A JSON access log format with the fields that tell refusals apart, and the key's value
/// (`$context.identity.apiKey`), as some stages log it: gatecheck must never show it.
pub const JSON_ACCESS_LOG_FORMAT: &str = r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status","responseType":"$context.error.responseType","errorMessage":"$context.error.message","apiKeyId":"$context.identity.apiKeyId","apiKey":"$context.identity.apiKey","wafResponseCode":"$context.wafResponseCode"}"#;

/// The console's CLF preset.
pub const CLF_ACCESS_LOG_FORMAT: &str = r#"$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId $context.extendedRequestId"#;

/// One request as a JSON access log line. `-` is what API Gateway writes for no value.
pub struct JsonRequest<'a> {
    pub request_id: String,
    pub path: &'a str,
    pub status: u16,
    pub response_type: &'a str,
    pub message: &'a str,
    pub key_id: &'a str,
    pub key_value: &'a str,
    pub waf: &'a str,
}

impl<'a> JsonRequest<'a> {
    /// A call without a key to a method that requires one: 403 INVALID_API_KEY.
    pub fn without_key(request_id: String, path: &'a str) -> Self {
        JsonRequest {
            request_id,
            path,
            status: 403,
            response_type: "INVALID_API_KEY",
            message: "Forbidden",
            key_id: "-",
            key_value: "-",
            waf: "-",
        }
    }

    pub fn line(&self) -> String {
        serde_json::json!({
            "requestId": self.request_id,
            "ip": "198.51.100.23",
            "requestTime": "03/Dec/2026:09:00:00 +0000",
            "httpMethod": "GET",
            "resourcePath": self.path,
            "status": self.status.to_string(),
            "responseType": self.response_type,
            "errorMessage": self.message,
            "apiKeyId": self.key_id,
            "apiKey": self.key_value,
            "wafResponseCode": self.waf,
        })
        .to_string()
    }
}

/// A request in the CLF preset's shape.
pub fn clf_line(request_id: &str, path: &str, status: u16) -> String {
    format!(
        r#"203.0.113.7 - - [03/Dec/2026:09:00:01 +0000] "GET {path} HTTP/1.1" {status} 23 {request_id} Ab1CdEFGoAMFXYZ="#
    )
}

/// The execution log lines of a key-bearing request to a stage that no usage plan lists:
/// the key is shown masked but for its last characters, as API Gateway writes it.
pub fn no_plan_refusal(request_id: &str, api_id: &str, stage: &str, path: &str, key_tail: &str) -> Vec<String> {
    let masked = format!("{}{key_tail}", "*".repeat(34));
    vec![
        format!("({request_id}) Extended Request Id: Ab1CdEFGoAMFXYZ="),
        format!("({request_id}) Verifying Usage Plan for request: {request_id}. API Key: {masked} API Stage: {api_id}/{stage}"),
        format!(
            "({request_id}) API Key {masked} not authorized because method 'GET {path}' requires API Key and API Key is not associated with a Usage Plan for API Stage {api_id}/{stage}: API Stage is not in a Usage Plan"
        ),
        format!("({request_id}) Method completed with status: 403"),
    ]
}

/// The execution log lines of a request that passed the usage plan check.
pub fn served_request(request_id: &str, api_id: &str, stage: &str) -> Vec<String> {
    vec![
        format!("({request_id}) Verifying Usage Plan for request: {request_id}. API Key: API Stage: {api_id}/{stage}"),
        format!("({request_id}) Usage Plan check succeeded for API Key and API Stage {api_id}/{stage}"),
        format!("({request_id}) Method completed with status: 200"),
    ]
}

/// Puts `(timestamp, line)` events into a log group, created if need be.
pub async fn put_lines(logs: &Client, group: &str, mut events: Vec<(i64, String)>) -> Result<()> {
    match logs.create_log_group().log_group_name(group).send().await {
        Ok(_) => {}
        Err(err) if format!("{err:?}").contains("ResourceAlreadyExists") => {}
        Err(err) => {
            return Err(aws_sdk_cloudwatchlogs::error::DisplayErrorContext(err)
                .to_string()
                .into())
        }
    }
    let stream = format!("stream-{}", events.len());
    logs.create_log_stream()
        .log_group_name(group)
        .log_stream_name(&stream)
        .send()
        .await
        .map_err(|e| aws_sdk_cloudwatchlogs::error::DisplayErrorContext(e).to_string())?;
    // PutLogEvents wants events in time order, at most 10,000 a call.
    events.sort_by_key(|(at, _)| *at);
    for batch in events.chunks(10_000) {
        let batch = batch
            .iter()
            .map(|(at, message)| InputLogEvent::builder().timestamp(*at).message(message).build())
            .collect::<std::result::Result<Vec<_>, _>>()?;
        logs.put_log_events()
            .log_group_name(group)
            .log_stream_name(&stream)
            .set_log_events(Some(batch))
            .send()
            .await
            .map_err(|e| aws_sdk_cloudwatchlogs::error::DisplayErrorContext(e).to_string())?;
    }
    Ok(())
}

pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// What the demo's seeded traffic holds, per API.
pub struct DemoTraffic {
    /// `orders-no-usage-plan`'s execution log: refused for want of a plan (GC301).
    pub orders_refused: u64,
    /// `admin-waf-default-block`'s JSON access log: blocked by WAF (GC201).
    pub admin_waf_blocked: u64,
    /// ... refused for a missing key, which no finding explains.
    pub admin_missing_key: u64,
    pub admin_served: u64,
}

/// The last hour's traffic of two demo stages: an execution log for `orders` (GC301's case)
/// and a JSON access log for `admin` (GC201's), whose lines hold the caller's key value.
pub async fn seed_demo_traffic(
    logs: &Client,
    orders_api_id: &str,
    admin_log_group: &str,
    key_id: &str,
    key_value: &str,
) -> Result<DemoTraffic> {
    let now = now_ms();
    let minute = 60_000;
    let expected = DemoTraffic {
        orders_refused: 40,
        admin_waf_blocked: 25,
        admin_missing_key: 5,
        admin_served: 60,
    };
    let key_tail = &key_value[key_value.len().saturating_sub(6)..];
    let mut orders = Vec::new();
    for i in 0..expected.orders_refused {
        let at = now - (55 - (i as i64 % 50)) * minute;
        let request_id = format!("0rd3r5-{i:04}-4c1b-9a6e-5d3c2b1a0f9e");
        for line in no_plan_refusal(&request_id, orders_api_id, "prod", "/orders", key_tail) {
            orders.push((at, line));
        }
    }
    put_lines(
        logs,
        &format!("API-Gateway-Execution-Logs_{orders_api_id}/prod"),
        orders,
    )
    .await?;

    let mut admin = Vec::new();
    let mut add = |i: u64, status, response_type, message, key_id, key_value, waf| {
        let request = JsonRequest {
            request_id: format!("adm1n-{i:04}-4c1b-9a6e-5d3c2b1a0f9e"),
            path: "/admin",
            status,
            response_type,
            message,
            key_id,
            key_value,
            waf,
        };
        admin.push((now - (58 - (i as i64 % 55)) * minute, request.line()));
    };
    let mut i = 0;
    for _ in 0..expected.admin_waf_blocked {
        add(i, 403, "WAF_FILTERED", "Forbidden", key_id, key_value, "WAF_BLOCK");
        i += 1;
    }
    for _ in 0..expected.admin_missing_key {
        add(i, 403, "INVALID_API_KEY", "Forbidden", "-", "-", "WAF_ALLOW");
        i += 1;
    }
    for _ in 0..expected.admin_served {
        add(i, 200, "-", "-", key_id, key_value, "WAF_ALLOW");
        i += 1;
    }
    put_lines(logs, admin_log_group, admin).await?;
    Ok(expected)
}
