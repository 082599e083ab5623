//! Turning SDK errors into coverage gaps, or into the few errors that stop an audit.

use crate::model::{CoverageGap, GapReason, Part};
use aws_sdk_apigateway::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use std::error::Error as StdError;

/// Why an audit could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("no AWS region: pass --region or set AWS_REGION")]
    NoRegion,
    #[error("could not reach API Gateway in {region} (is it a region your account uses? check the network and any --endpoint-url): {message}")]
    Unreachable { region: String, message: String },
    #[error("no usable AWS credentials for {region}: {message}")]
    CredentialsRejected { region: String, message: String },
    #[error("could not call {operation} in {region}: {message}")]
    Unreadable {
        region: String,
        operation: String,
        message: String,
    },
    #[error("REST API {api_id} not found in {region}")]
    ApiNotFound { api_id: String, region: String },
    #[error("stage '{stage}' not found on REST API {api_id} in {region}")]
    StageNotFound {
        api_id: String,
        stage: String,
        region: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fatal {
    Unreachable,
    CredentialsRejected,
}

/// How a failed call is classified.
pub(crate) struct Failure {
    pub reason: GapReason,
    /// Set when no request can succeed: nothing else will work either.
    pub fatal: Option<Fatal>,
    pub message: String,
}

impl Failure {
    pub fn into_gap(self, part: Part, operation: &str, api_id: Option<&str>, object_id: Option<&str>) -> CoverageGap {
        CoverageGap {
            within: None,
            part,
            operation: operation.to_string(),
            api_id: api_id.map(str::to_string),
            stage: None,
            object_id: object_id.map(str::to_string),
            reason: self.reason,
            message: self.message,
        }
    }
}

const MAX_MESSAGE: usize = 300;

pub(crate) fn classify<E, R>(err: &SdkError<E, R>) -> Failure
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let mut message = readable(err);
    if message.len() > MAX_MESSAGE {
        let cut = (0..=MAX_MESSAGE)
            .rev()
            .find(|i| message.is_char_boundary(*i))
            .unwrap_or(0);
        message.truncate(cut);
        message.push('…');
    }
    let (reason, fatal) = match err {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("");
            let fatal = is_credentials_code(code).then_some(Fatal::CredentialsRejected);
            (reason_for_code(code), fatal)
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => (GapReason::Unreachable, Some(Fatal::Unreachable)),
        // The request could not be built: no credentials, most often.
        SdkError::ConstructionFailure(_) => (GapReason::Other, Some(Fatal::CredentialsRejected)),
        _ => (GapReason::Other, None),
    };
    Failure { reason, fatal, message }
}

/// One sentence a person can act on: the service's code and message for an error AWS
/// answered (`AccessDeniedException: User: … is not authorized to perform: apigateway:GET
/// on resource: …`), and the SDK's own account of the rest (no connection, a timeout).
fn readable<E, R>(err: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    match err {
        SdkError::ServiceError(service) => match (service.err().code(), service.err().message()) {
            (Some(code), Some(text)) if !text.is_empty() => format!("{code}: {text}"),
            (Some(code), _) => code.to_string(),
            (None, _) => DisplayErrorContext(err).to_string(),
        },
        SdkError::TimeoutError(_) => "the call timed out".to_string(),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => "the call timed out".to_string(),
        SdkError::DispatchFailure(failure) if failure.is_io() => {
            "the endpoint could not be reached (connection refused, reset or closed)".to_string()
        }
        _ => DisplayErrorContext(err).to_string(),
    }
}

fn reason_for_code(code: &str) -> GapReason {
    match code {
        "AccessDeniedException"
        | "AccessDenied"
        | "UnauthorizedException"
        | "UnauthorizedOperation"
        | "WAFAccessDeniedException" => GapReason::AccessDenied,
        "TooManyRequestsException" | "ThrottlingException" | "Throttling" | "LimitExceededException" => {
            GapReason::Throttled
        }
        "NotFoundException" | "WAFNonexistentItemException" | "ResourceNotFoundException" => GapReason::NotFound,
        "NotImplemented" | "NotImplementedException" | "InternalFailure" => GapReason::NotImplemented,
        _ => GapReason::Other,
    }
}

fn is_credentials_code(code: &str) -> bool {
    matches!(
        code,
        "UnrecognizedClientException" | "InvalidSignatureException" | "ExpiredTokenException" | "InvalidClientTokenId"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_reasons() {
        assert_eq!(reason_for_code("AccessDeniedException"), GapReason::AccessDenied);
        assert_eq!(reason_for_code("TooManyRequestsException"), GapReason::Throttled);
        assert_eq!(reason_for_code("NotFoundException"), GapReason::NotFound);
        assert_eq!(reason_for_code("Whatever"), GapReason::Other);
        assert!(is_credentials_code("ExpiredTokenException"));
        assert!(!is_credentials_code("AccessDeniedException"));
    }
}
