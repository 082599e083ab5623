//! The tracing filter for the CLI and the function: `GATECHECK_LOG` or a default, with the
//! AWS SDK's and HTTP stack's own logging capped at DEBUG whatever was asked. At TRACE the
//! SDK logs whole response bodies, and `GetUsagePlanKeys` returns key values unasked.
//!
//! Two holds, so that no spelling of a filter lets a body through: the directives are
//! rewritten (below), and [`guard`] drops every TRACE event whose target is not gatecheck's
//! own, whatever the directives enable (`aws=trace` and `a=trace` name the SDK's targets by
//! prefix, as would a target gatecheck does not know yet).

use tracing::{Level, Metadata};
use tracing_subscriber::filter::{filter_fn, FilterFn};
use tracing_subscriber::EnvFilter;

/// Whether an event may be logged at all: gatecheck's own at any level, anything else below
/// TRACE.
pub fn allowed(target: &str, level: &Level) -> bool {
    *level != Level::TRACE || target == "gatecheck" || target.starts_with("gatecheck::")
}

/// [`allowed`] as a global filter, to layer over whatever subscriber logs.
pub fn guard() -> FilterFn<impl Fn(&Metadata<'_>) -> bool> {
    filter_fn(|metadata| allowed(metadata.target(), metadata.level()))
}

/// Targets that log request or response contents at TRACE.
const CAPPED_AT_DEBUG: &[&str] = &[
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http_client",
    "aws_smithy_http",
    "aws_sdk_account",
    "aws_sdk_apigateway",
    "aws_sdk_apigatewayv2",
    "aws_sdk_cloudtrail",
    "aws_sdk_cloudwatchlogs",
    "aws_sdk_organizations",
    "aws_sdk_s3",
    "aws_sdk_securityhub",
    "aws_sdk_sns",
    "aws_sdk_sts",
    "aws_sdk_wafv2",
    "aws_config",
    "aws_runtime",
    "aws_sigv4",
    "aws_credential_types",
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
];

/// `requested` (a `GATECHECK_LOG` value) or else `default`, with the SDK capped: any of its
/// targets that would log at TRACE logs at DEBUG instead; nothing is raised.
pub fn filter(requested: Option<&str>, default: &str) -> EnvFilter {
    let base = requested
        .and_then(|r| EnvFilter::try_new(r).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    let mut directives: Vec<String> = base.to_string().split(',').map(str::to_string).collect();
    // A bare level is the default for every target; a bare target means all its levels.
    let is_trace = |d: &str| match d.rsplit_once('=') {
        Some((_, level)) => level.eq_ignore_ascii_case("trace"),
        None => !["debug", "info", "warn", "error", "off"].contains(&d.to_ascii_lowercase().as_str()),
    };
    let global_trace = directives.iter().any(|d| d.eq_ignore_ascii_case("trace"));
    for target in CAPPED_AT_DEBUG {
        let of_target = |d: &String| {
            d.starts_with(target) && (d.len() == target.len() || d[target.len()..].starts_with(['=', ':', '[']))
        };
        let specific: Vec<String> = directives.iter().filter(|d| of_target(d)).cloned().collect();
        let traced = if specific.is_empty() {
            global_trace
        } else {
            specific.iter().any(|d| is_trace(d))
        };
        if traced {
            directives.retain(|d| !(of_target(d) && is_trace(d)));
            directives.push(format!("{target}=debug"));
        }
    }
    EnvFilter::try_new(directives.join(",")).unwrap_or_else(|_| EnvFilter::new(default))
}

/// `GATECHECK_LOG` from the environment, when set.
pub fn from_env(default: &str) -> EnvFilter {
    filter(std::env::var("GATECHECK_LOG").ok().as_deref(), default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::level_filters::LevelFilter;

    #[test]
    fn the_sdk_is_capped_whatever_is_asked() {
        for asked in [
            "trace",
            "aws_smithy_runtime=trace",
            "aws_smithy_runtime::client=trace,trace",
            "error,aws_smithy_runtime",
        ] {
            let text = filter(Some(asked), "error").to_string();
            assert!(text.contains("aws_smithy_runtime=debug"), "{asked}: {text}");
            assert!(
                !text.contains("aws_smithy_runtime=trace") && !text.contains("aws_smithy_runtime::client=trace"),
                "{asked}: {text}"
            );
        }
        assert_eq!(
            filter(Some("trace"), "error").max_level_hint(),
            Some(LevelFilter::TRACE),
            "gatecheck's own trace stays"
        );
        assert!(filter(Some("not a [filter"), "gatecheck=info")
            .to_string()
            .contains("gatecheck=info"));
        // Nothing is raised: quiet stays quiet.
        for quiet in ["error", "gatecheck=debug,info", "warn,aws_config=error"] {
            let text = filter(Some(quiet), "error").to_string();
            assert!(!text.contains("aws_smithy_runtime"), "{quiet}: {text}");
        }
        assert_eq!(filter(None, "error").to_string(), "error");
    }

    /// A subscriber as the CLI builds it, writing into a buffer.
    fn logged_under(asked: &str, emit: impl FnOnce()) -> String {
        use std::sync::{Arc, Mutex};
        use tracing_subscriber::layer::SubscriberExt;
        #[derive(Clone, Default)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(filter(Some(asked), "error"))
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish()
            .with(guard());
        tracing::subscriber::with_default(subscriber, emit);
        let bytes = buffer.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn no_filter_spelling_lets_the_sdks_trace_through() {
        for asked in [
            "trace",
            "aws=trace",
            "a=trace",
            "aws_smithy=trace",
            "aws_sdk=trace",
            "aws_smithy_runtime::client::orchestrator=trace",
            "[{x}]=trace",
            "aws_sdk_s3=trace,aws_sdk_securityhub=trace",
            "debug,aws=trace",
        ] {
            let logged = logged_under(asked, || {
                tracing::trace!(target: "aws_smithy_runtime::client::orchestrator", "body: KEYVALUE1");
                tracing::trace!(target: "aws_sdk_apigateway::operation", "body: KEYVALUE2");
                tracing::trace!(target: "hyper_util::client", "body: KEYVALUE3");
                tracing::trace!(target: "a_future_sdk_crate", "body: KEYVALUE4");
                tracing::trace!(target: "gatecheck::aws", "gatecheck's own trace");
            });
            assert!(!logged.contains("KEYVALUE"), "{asked}: {logged}");
            if asked == "trace" {
                assert!(logged.contains("gatecheck's own trace"), "{asked}: {logged}");
            }
        }
        assert!(allowed("gatecheck", &Level::TRACE) && allowed("gatecheck::state", &Level::TRACE));
        assert!(!allowed("gatecheckx", &Level::TRACE) && allowed("aws_config", &Level::DEBUG));
    }
}
