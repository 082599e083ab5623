//! The emulator's CloudTrail clock (see `moto_ext.py`), for tests and the bench.

use std::io::{Read, Write};
use std::net::TcpStream;

/// Moves the emulator's CloudTrail history of `region` `seconds` into the past, so that what
/// was seeded there lies before an audit's look-back. Other regions' tests are left alone.
pub fn age_trail(endpoint: &str, region: &str, seconds: u64) {
    post(
        endpoint,
        &format!("/moto-api/cloudtrail/age?seconds={seconds}&region={region}"),
    );
}

/// Records `count` write events of other services (EC2, S3, Lambda, DynamoDB, SNS) in the
/// history of `account` in `region`, as a busy account's holds them.
pub fn other_writes(endpoint: &str, account: &str, region: &str, count: usize) {
    post(
        endpoint,
        &format!("/moto-api/cloudtrail/other-writes?count={count}&account={account}&region={region}"),
    );
}

fn post(endpoint: &str, path: &str) {
    let address = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(address).expect("connect to the emulator");
    let request = format!("POST {path} HTTP/1.0\r\nHost: {address}\r\nContent-Length: 0\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.") && answer.contains(" 200 "), "{answer}");
}
