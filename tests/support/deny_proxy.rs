//! A loopback HTTP proxy in front of moto that answers chosen requests itself and forwards
//! the rest: with AWS's real AccessDeniedException (status 403, `x-amzn-ErrorType` header,
//! JSON message), since moto has no per-call permission model for API Gateway; or with a
//! canned response in AWS's wire shape, for fields moto does not return.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

pub struct DenyProxy {
    pub endpoint: String,
}

#[derive(Clone)]
pub enum Answer {
    Deny,
    /// 200 with this JSON body.
    Canned(String),
}

/// Denies requests that match one of `denied`; see [`start_with`].
pub fn start(upstream: &str, denied: Vec<String>) -> DenyProxy {
    start_with(upstream, denied.into_iter().map(|d| (d, Answer::Deny)).collect())
}

/// A rule matches when the request's `METHOD /path?query` starts with its pattern
/// (`"GET /usageplans"`, say), or when one of its header lines does, case aside
/// (`"x-amz-target: AWSWAF_20190729.GetWebACL"` for a JSON-protocol call).
pub fn start_with(upstream: &str, rules: Vec<(String, Answer)>) -> DenyProxy {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy port");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let upstream = upstream.trim_start_matches("http://").to_string();
    let rules = Arc::new(rules);
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (upstream, rules) = (upstream.clone(), rules.clone());
            std::thread::spawn(move || {
                let _ = serve(client, &upstream, &rules);
            });
        }
    });
    DenyProxy { endpoint }
}

fn serve(client: TcpStream, upstream: &str, rules: &[(String, Answer)]) -> std::io::Result<()> {
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
    let mut client = client;
    let head_text = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let matches = |pattern: &str| {
        request_line.starts_with(pattern)
            || head_text
                .lines()
                .any(|line| line.starts_with(&pattern.to_ascii_lowercase()))
    };
    let response = match rules.iter().find(|(pattern, _)| matches(pattern)).map(|(_, answer)| answer) {
        Some(Answer::Deny) => {
            let message = r#"{"message":"User: arn:aws:sts::000000000000:assumed-role/audit/gatecheck is not authorized to perform: apigateway:GET"}"#;
            format!(
                "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nx-amzn-ErrorType: AccessDeniedException\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{message}",
                message.len()
            )
        }
        Some(Answer::Canned(body)) => format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
        None => String::new(),
    };
    if !response.is_empty() {
        return client.write_all(response.as_bytes());
    }
    let mut server = TcpStream::connect(upstream)?;
    server.write_all(&head)?;
    server.write_all(&body)?;
    let mut response = Vec::new();
    server.read_to_end(&mut response)?;
    client.write_all(&response)
}
