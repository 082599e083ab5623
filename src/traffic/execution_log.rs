//! Reads execution log lines (`API-Gateway-Execution-Logs_{api_id}/{stage}`), as API Gateway
//! writes them: `(request id) message`, several lines per request. A request's cause and
//! status come from different lines, so lines are gathered per request id.
//!
//! The lines recognised are the ones AWS documents or is seen to write ("How do I use API
//! Gateway logs for troubleshooting?" in the AWS knowledge center):
//! - `API Key **********abcd not authorized because method 'GET /' requires API Key and API
//!   Key is not associated with a Usage Plan for API Stage a1b2c3/prod: API Stage is not in a
//!   Usage Plan` (the key's last characters are masked; they are never kept)
//! - `Unauthorized request: <request id>` (a Lambda authorizer's 401)
//! - `The client is not authorized to perform this operation.` (an authorizer's Deny)
//! - `Method completed with status: 403`

use super::cause::{is_refusal_status, Cause};
use super::{Line, Refusal};
use std::borrow::Cow;
use std::collections::HashMap;

/// CloudWatch Logs filter pattern for the lines this module reads: any of the terms.
/// Lines without them (request and response bodies, integration traces) are left on the server.
pub const FILTER_PATTERN: &str = r#"?"not authorized because method" ?"Unauthorized request" ?"not authorized to perform this operation" ?"Method completed with status""#;

/// What one line says about its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Says {
    Cause(Cause),
    Status(u16),
}

fn read(message: &str) -> Option<(&str, Says)> {
    let rest = message.strip_prefix('(')?;
    let (request_id, text) = rest.split_once(')')?;
    let text = text.trim_start();
    let says = if let Some(status) = text.strip_prefix("Method completed with status:") {
        Says::Status(status.trim().parse().ok()?)
    } else if text.starts_with("API Key")
        && text.contains("not authorized because method")
        && text.contains("requires API Key")
    {
        Says::Cause(Cause::InvalidApiKey)
    } else if text.starts_with("Unauthorized request") {
        Says::Cause(Cause::Unauthorized)
    } else if text.starts_with("The client is not authorized to perform this operation") {
        Says::Cause(Cause::AccessDenied)
    } else {
        return None;
    };
    Some((request_id, says))
}

/// Requests seen in execution log lines, by request id, with when each was first seen.
#[derive(Debug, Default)]
pub struct ExecutionRequests {
    requests: HashMap<String, Seen>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Seen {
    first_ms: i64,
    cause: Option<Cause>,
    status: Option<u16>,
}

impl ExecutionRequests {
    /// Takes one line; false when it says nothing about a refusal.
    pub fn add(&mut self, timestamp_ms: i64, message: &str) -> bool {
        let Some((request_id, says)) = read(message) else {
            return false;
        };
        let seen = self.requests.entry(request_id.to_string()).or_insert(Seen {
            first_ms: timestamp_ms,
            ..Seen::default()
        });
        seen.first_ms = seen.first_ms.min(timestamp_ms);
        match says {
            Says::Cause(cause) => seen.cause = Some(cause),
            Says::Status(status) => seen.status = Some(status),
        }
        true
    }

    /// Each request once, with its time: refused when a line names a cause or its status
    /// is a refusal's (a 403 mapped from the backend is one too, for lack of a cause).
    pub fn into_lines(self) -> impl Iterator<Item = (i64, Line<'static>)> {
        self.requests.into_iter().map(|(request_id, seen)| {
            let refused = seen.cause.is_some() || seen.status.is_some_and(is_refusal_status);
            let line = if refused {
                Line::Refused(Refusal {
                    cause: seen.cause.unwrap_or(Cause::Unclassified),
                    status: seen.status,
                    key_id: None,
                    request_id: Some(Cow::Owned(request_id)),
                })
            } else {
                Line::Served
            };
            (seen.first_ms, line)
        })
    }
}
