//! A loopback HTTP proxy in front of moto that injects faults into chosen requests and
//! forwards the rest: AWS's real error shapes (AccessDeniedException, 429
//! TooManyRequestsException with Retry-After, 500, 503 ServiceUnavailableException),
//! connection resets, slow answers, and canned bodies in AWS's wire shape for fields moto
//! does not return. It can also enforce API Gateway's request quota as AWS would, answering
//! 429 past it. It counts what it injected.

#![allow(dead_code)]

use governor::{Quota, RateLimiter};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Fault {
    /// 403 AccessDeniedException.
    Deny,
    /// 200 with this JSON body.
    Canned(String),
    /// 429 TooManyRequestsException with `Retry-After: 1`.
    Throttle,
    /// 500 with no modelled error.
    ServerError,
    /// 503 ServiceUnavailableException.
    Unavailable,
    /// The connection closes after the request, with no answer.
    Reset,
    /// Forwarded after this delay.
    Slow(Duration),
}

impl Fault {
    pub fn name(&self) -> &'static str {
        match self {
            Fault::Deny => "AccessDenied",
            Fault::Canned(_) => "canned",
            Fault::Throttle => "429",
            Fault::ServerError => "500",
            Fault::Unavailable => "503",
            Fault::Reset => "reset",
            Fault::Slow(_) => "slow",
        }
    }

    /// Whether the SDK's retries should see it through.
    pub fn retryable(&self) -> bool {
        !matches!(self, Fault::Deny | Fault::Canned(_))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Times {
    Always,
    /// Only the first time each distinct request is seen: its retry goes through.
    OncePerRequest,
}

/// Which requests a rule takes. A pattern matches when the request line (`GET
/// /restapis/x/stages?...`) matches it with `*` as a wildcard and a trailing match
/// open; or when a header line starts with it (`x-amz-target: AWSWAF_20190729.GetWebACL`);
/// or, prefixed `body:`, when the body contains the rest (`body:Action=Publish`). An empty
/// pattern matches everything.
#[derive(Clone, Debug)]
pub struct Rule {
    pub pattern: String,
    pub fault: Fault,
    pub times: Times,
}

impl Rule {
    pub fn always(pattern: &str, fault: Fault) -> Rule {
        Rule {
            pattern: pattern.into(),
            fault,
            times: Times::Always,
        }
    }

    pub fn once_per_request(pattern: &str, fault: Fault) -> Rule {
        Rule {
            pattern: pattern.into(),
            fault,
            times: Times::OncePerRequest,
        }
    }
}

#[derive(Default, Debug)]
pub struct Stats {
    pub requests: AtomicUsize,
    /// Of those, API Gateway's (neither STS's query protocol nor WAF's JSON targets).
    pub api_gateway_requests: AtomicUsize,
    /// Faults injected, by kind.
    pub injected: Mutex<BTreeMap<&'static str, usize>>,
    /// 429s answered because the quota was exceeded.
    pub over_quota: AtomicUsize,
    seen: Mutex<BTreeSet<String>>,
}

impl Stats {
    pub fn injected_total(&self) -> usize {
        self.injected.lock().expect("stats lock").values().sum()
    }
}

pub struct FaultProxy {
    pub endpoint: String,
    pub stats: Arc<Stats>,
}

type Limiter = RateLimiter<governor::state::NotKeyed, governor::state::InMemoryState, governor::clock::DefaultClock>;

pub fn start(upstream: &str, rules: Vec<Rule>) -> FaultProxy {
    start_inner(upstream, rules, None)
}

/// Answers 429 TooManyRequestsException to API Gateway requests beyond `per_second` with
/// `burst`, as API Gateway's control plane does, and forwards the rest.
pub fn with_quota(upstream: &str, per_second: u32, burst: u32) -> FaultProxy {
    let quota = Quota::per_second(NonZeroU32::new(per_second).expect("a rate"))
        .allow_burst(NonZeroU32::new(burst).expect("a burst"));
    start_inner(upstream, Vec::new(), Some(Arc::new(RateLimiter::direct(quota))))
}

fn start_inner(upstream: &str, rules: Vec<Rule>, quota: Option<Arc<Limiter>>) -> FaultProxy {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy port");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let upstream = upstream.trim_start_matches("http://").to_string();
    let rules = Arc::new(rules);
    let stats = Arc::new(Stats::default());
    let shared = stats.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (upstream, rules, stats, quota) = (upstream.clone(), rules.clone(), shared.clone(), quota.clone());
            std::thread::spawn(move || {
                let _ = serve(client, &upstream, &rules, &stats, quota.as_deref());
            });
        }
    });
    FaultProxy { endpoint, stats }
}

/// `*` matches any run of characters; the pattern need only match a prefix.
fn glob_prefix(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else { return true };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for part in parts {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// The wire protocol of a request, which shapes its errors.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Protocol {
    /// API Gateway and WAF: JSON, with `x-amzn-ErrorType`.
    Json,
    /// STS and SNS: `<ErrorResponse><Error>`; CloudFront's REST-XML errors take the same shape.
    Query,
    /// EC2's own query protocol: `<Response><Errors><Error>`, with its own codes
    /// (RequestLimitExceeded, UnauthorizedOperation).
    Ec2,
}

/// An error in the protocol's wire shape: JSON with `x-amzn-ErrorType` for API Gateway and
/// WAF, XML for the query protocols (STS, SNS; EC2's differs again), whose codes differ.
fn error_response(protocol: Protocol, status: &str, error_type: &str, message: &str, extra_headers: &str) -> String {
    if protocol == Protocol::Ec2 {
        let code = match error_type {
            "AccessDeniedException" => "UnauthorizedOperation",
            "TooManyRequestsException" => "RequestLimitExceeded",
            "ServiceUnavailableException" => "Unavailable",
            "InternalFailure" => "InternalError",
            other => other,
        };
        let body = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>");
        return format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/xml;charset=UTF-8\r\n{extra_headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    }
    let query_protocol = protocol == Protocol::Query;
    let (content_type, body) = if query_protocol {
        let code = match error_type {
            "AccessDeniedException" => "AccessDenied",
            "TooManyRequestsException" => "Throttling",
            "ServiceUnavailableException" => "ServiceUnavailable",
            other => other,
        };
        let kind = if status.starts_with('5') { "Receiver" } else { "Sender" };
        (
            "text/xml",
            format!("<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"),
        )
    } else {
        (
            "application/json",
            format!(r#"{{"__type":"{error_type}","message":"{message}"}}"#),
        )
    };
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nx-amzn-ErrorType: {error_type}\r\n{extra_headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn serve(
    client: TcpStream,
    upstream: &str,
    rules: &[Rule],
    stats: &Stats,
    quota: Option<&Limiter>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    let mut content_length = 0usize;
    let mut request_line = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if request_line.is_empty() {
            request_line = line.trim_end().to_string();
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            content_length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("connection:") {
            continue;
        }
        if line == "\r\n" {
            head.extend_from_slice(b"Connection: close\r\n\r\n");
            break;
        }
        head.extend_from_slice(line.as_bytes());
    }
    let mut body = vec![0u8; content_length];
    reader.read_exact(&mut body)?;
    stats.requests.fetch_add(1, Ordering::Relaxed);
    let mut client = client;
    let head_text = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let body_text = String::from_utf8_lossy(&body).to_string();
    let query = head_text.contains("content-type: application/x-www-form-urlencoded");
    // EC2 names its API version in the form body; CloudFront (REST-XML) its in the path.
    let cloudfront = request_line.contains(" /2020-05-31/");
    let protocol = match (query, body_text.contains("Version=2016-11-15")) {
        (true, true) => Protocol::Ec2,
        (true, false) => Protocol::Query,
        (false, _) if cloudfront => Protocol::Query,
        (false, _) => Protocol::Json,
    };

    // The quota is API Gateway's: WAF (x-amz-target), STS (query protocol) and CloudFront
    // have their own.
    let api_gateway = !query && !cloudfront && !head_text.contains("x-amz-target:");
    if api_gateway {
        stats.api_gateway_requests.fetch_add(1, Ordering::Relaxed);
    }
    if api_gateway && quota.is_some_and(|q| q.check().is_err()) {
        stats.over_quota.fetch_add(1, Ordering::Relaxed);
        let response = error_response(
            protocol,
            "429 Too Many Requests",
            "TooManyRequestsException",
            "Too Many Requests",
            "Retry-After: 1\r\n",
        );
        return client.write_all(response.as_bytes());
    }

    let matches = |pattern: &str| match pattern.strip_prefix("body:") {
        Some(needle) => body_text.contains(needle),
        None => {
            pattern.is_empty()
                || glob_prefix(pattern, &request_line)
                || head_text
                    .lines()
                    .any(|line| line.starts_with(&pattern.to_ascii_lowercase()))
        }
    };
    // What makes a request distinct: its line, its JSON target and its body.
    let signature = format!(
        "{request_line}|{}|{body_text}",
        head_text
            .lines()
            .find(|l| l.starts_with("x-amz-target:"))
            .unwrap_or_default()
    );
    let rule = rules.iter().find(|rule| {
        matches(&rule.pattern)
            && match rule.times {
                Times::Always => true,
                Times::OncePerRequest => stats.seen.lock().expect("stats lock").insert(signature.clone()),
            }
    });
    let mut delay = None;
    let response = match rule.map(|r| &r.fault) {
        None => String::new(),
        Some(fault) => {
            *stats
                .injected
                .lock()
                .expect("stats lock")
                .entry(fault.name())
                .or_default() += 1;
            match fault {
                Fault::Deny => error_response(
                    protocol,
                    "403 Forbidden",
                    "AccessDeniedException",
                    "User: arn:aws:sts::000000000000:assumed-role/audit/gatecheck is not authorized to perform this action",
                    "",
                ),
                Fault::Canned(body) => format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                ),
                Fault::Throttle => error_response(protocol, "429 Too Many Requests", "TooManyRequestsException", "Too Many Requests", "Retry-After: 1\r\n"),
                Fault::ServerError => error_response(protocol, "500 Internal Server Error", "InternalFailure", "Internal server error", ""),
                Fault::Unavailable => error_response(protocol, "503 Service Unavailable", "ServiceUnavailableException", "Service Unavailable", "Retry-After: 1\r\n"),
                Fault::Reset => {
                    return client.shutdown(std::net::Shutdown::Both);
                }
                Fault::Slow(d) => {
                    delay = Some(*d);
                    String::new()
                }
            }
        }
    };
    if !response.is_empty() {
        return client.write_all(response.as_bytes());
    }
    if let Some(d) = delay {
        // The proxy, not the test, is slow: this is the fault being injected.
        std::thread::sleep(d);
    }
    let mut server = TcpStream::connect(upstream)?;
    server.write_all(&head)?;
    server.write_all(&body)?;
    let mut response = Vec::new();
    server.read_to_end(&mut response)?;
    client.write_all(&response)
}
