//! Why API Gateway refused a request, as its logs say it, and which catalogue checks name
//! that cause in the configuration.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A refusal's cause, named after the gateway response type API Gateway answers with
/// (`$context.error.responseType`; developer guide, "Gateway response types for API Gateway").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Cause {
    /// No key, an unknown or disabled key, or a key in no usage plan of the stage (403).
    InvalidApiKey,
    /// The stage's AWS WAF web ACL blocked the request (403).
    WafFiltered,
    /// The resource policy or a Lambda authorizer's policy denied the request (403).
    AccessDenied,
    /// No such resource or method in the deployment, or an unsigned call to an IAM method (403).
    MissingAuthenticationToken,
    /// The authorizer found no identity, or a token that fails its validation expression (401).
    Unauthorized,
    /// The Lambda authorizer failed or answered something API Gateway cannot use (500).
    AuthorizerFailure,
    /// A SigV4 signature that does not match (403).
    InvalidSignature,
    /// Expired SigV4 credentials (403).
    ExpiredToken,
    /// The stage's, method's or key's throttle limit (429).
    Throttled,
    /// The usage plan's quota for the key is used up (429).
    QuotaExceeded,
    /// Refused with another response type (DEFAULT_4XX, say).
    OtherRefusal,
    /// Refused, but the log line does not say why.
    Unclassified,
}

impl Cause {
    pub const ALL: [Cause; 12] = [
        Cause::InvalidApiKey,
        Cause::WafFiltered,
        Cause::AccessDenied,
        Cause::MissingAuthenticationToken,
        Cause::Unauthorized,
        Cause::AuthorizerFailure,
        Cause::InvalidSignature,
        Cause::ExpiredToken,
        Cause::Throttled,
        Cause::QuotaExceeded,
        Cause::OtherRefusal,
        Cause::Unclassified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Cause::InvalidApiKey => "INVALID_API_KEY",
            Cause::WafFiltered => "WAF_FILTERED",
            Cause::AccessDenied => "ACCESS_DENIED",
            Cause::MissingAuthenticationToken => "MISSING_AUTHENTICATION_TOKEN",
            Cause::Unauthorized => "UNAUTHORIZED",
            Cause::AuthorizerFailure => "AUTHORIZER_FAILURE",
            Cause::InvalidSignature => "INVALID_SIGNATURE",
            Cause::ExpiredToken => "EXPIRED_TOKEN",
            Cause::Throttled => "THROTTLED",
            Cause::QuotaExceeded => "QUOTA_EXCEEDED",
            Cause::OtherRefusal => "OTHER_REFUSAL",
            Cause::Unclassified => "UNCLASSIFIED",
        }
    }

    /// What the cause means for the caller, in a few words.
    pub fn meaning(self) -> &'static str {
        match self {
            Cause::InvalidApiKey => "no key, an unknown or disabled key, or a key in no usage plan of the stage",
            Cause::WafFiltered => "blocked by the stage's AWS WAF web ACL",
            Cause::AccessDenied => "denied by the resource policy or a Lambda authorizer",
            Cause::MissingAuthenticationToken => {
                "no such route in the deployment, or an unsigned call to an IAM method"
            }
            Cause::Unauthorized => "the authorizer found no valid identity",
            Cause::AuthorizerFailure => "the Lambda authorizer failed",
            Cause::InvalidSignature => "a SigV4 signature that does not match",
            Cause::ExpiredToken => "expired SigV4 credentials",
            Cause::Throttled => "throttled by the stage, method or usage plan",
            Cause::QuotaExceeded => "the key's usage plan quota is used up",
            Cause::OtherRefusal => "refused with another gateway response",
            Cause::Unclassified => "the log line does not say why",
        }
    }

    /// The catalogue checks whose findings explain this cause on the stage.
    pub fn checks(self) -> &'static [&'static str] {
        match self {
            Cause::InvalidApiKey => &["GC301", "GC302", "GC303", "GC304", "GC305", "GC401", "GC402"],
            Cause::WafFiltered => &["GC201", "GC202"],
            Cause::AccessDenied => &["GC102", "GC103", "GC104", "GC309"],
            Cause::MissingAuthenticationToken => &["GC401", "GC402", "GC504"],
            Cause::Unclassified => &["GC604"],
            Cause::Unauthorized
            | Cause::AuthorizerFailure
            | Cause::InvalidSignature
            | Cause::ExpiredToken
            | Cause::Throttled
            | Cause::QuotaExceeded
            | Cause::OtherRefusal => &[],
        }
    }

    /// The cause a `$context.error.responseType` value names; None for response types that
    /// are not refusals of the caller (integration failures, bad request bodies).
    pub fn from_response_type(response_type: &str) -> Option<Cause> {
        Some(match response_type {
            "INVALID_API_KEY" => Cause::InvalidApiKey,
            "WAF_FILTERED" => Cause::WafFiltered,
            "ACCESS_DENIED" => Cause::AccessDenied,
            "MISSING_AUTHENTICATION_TOKEN" => Cause::MissingAuthenticationToken,
            "UNAUTHORIZED" => Cause::Unauthorized,
            "AUTHORIZER_FAILURE" | "AUTHORIZER_CONFIGURATION_ERROR" => Cause::AuthorizerFailure,
            "INVALID_SIGNATURE" => Cause::InvalidSignature,
            "EXPIRED_TOKEN" => Cause::ExpiredToken,
            "THROTTLED" => Cause::Throttled,
            "QUOTA_EXCEEDED" => Cause::QuotaExceeded,
            _ => return None,
        })
    }

    /// The cause a default `$context.error.message` names. "Forbidden" is the message of
    /// INVALID_API_KEY, WAF_FILTERED and others alike, so it names none.
    pub fn from_error_message(message: &str) -> Option<Cause> {
        let message = message.trim().trim_matches('"');
        Some(if message == "Missing Authentication Token" {
            Cause::MissingAuthenticationToken
        } else if message.starts_with("User is not authorized to access this resource") {
            Cause::AccessDenied
        } else if message == "Unauthorized" {
            Cause::Unauthorized
        } else if message == "Limit Exceeded" {
            Cause::QuotaExceeded
        } else if message == "Too Many Requests" {
            Cause::Throttled
        } else if message.starts_with("The security token included in the request is expired")
            || message.starts_with("Signature expired")
        {
            Cause::ExpiredToken
        } else if message.starts_with("The request signature we calculated does not match") {
            Cause::InvalidSignature
        } else {
            return None;
        })
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status API Gateway answers a refused caller with.
pub fn is_refusal_status(status: u16) -> bool {
    matches!(status, 401 | 403 | 429)
}
