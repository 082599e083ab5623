//! A loopback HTTP proxy in front of moto that answers chosen requests with API Gateway's
//! real AccessDeniedException (status 403, `x-amzn-ErrorType` header, JSON message) and
//! forwards the rest. moto has no per-call permission model for API Gateway, so this is how
//! the tests make one read fail while the others succeed.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

pub struct DenyProxy {
    pub endpoint: String,
}

/// A request is denied when its `METHOD /path?query` starts with one of `denied`
/// (`"GET /usageplans"`, say).
pub fn start(upstream: &str, denied: Vec<String>) -> DenyProxy {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy port");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let upstream = upstream.trim_start_matches("http://").to_string();
    let denied = Arc::new(denied);
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (upstream, denied) = (upstream.clone(), denied.clone());
            std::thread::spawn(move || {
                let _ = serve(client, &upstream, &denied);
            });
        }
    });
    DenyProxy { endpoint }
}

fn serve(client: TcpStream, upstream: &str, denied: &[String]) -> std::io::Result<()> {
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
    if denied.iter().any(|d| request_line.starts_with(d.as_str())) {
        let message = r#"{"message":"User: arn:aws:sts::000000000000:assumed-role/audit/gatecheck is not authorized to perform: apigateway:GET"}"#;
        let response = format!(
            "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nx-amzn-ErrorType: AccessDeniedException\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{message}",
            message.len()
        );
        return client.write_all(response.as_bytes());
    }
    let mut server = TcpStream::connect(upstream)?;
    server.write_all(&head)?;
    server.write_all(&body)?;
    let mut response = Vec::new();
    server.read_to_end(&mut response)?;
    client.write_all(&response)
}
