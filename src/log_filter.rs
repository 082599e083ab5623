//! The tracing filter for the CLI and the function: `GATECHECK_LOG` or a default, with the
//! AWS SDK's and HTTP stack's own logging capped at DEBUG whatever was asked. At TRACE the
//! SDK logs whole response bodies, and `GetUsagePlanKeys` returns key values unasked.

use tracing_subscriber::EnvFilter;

/// Targets that log request or response contents at TRACE.
const CAPPED_AT_DEBUG: &[&str] = &[
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http_client",
    "aws_smithy_http",
    "aws_sdk_apigateway",
    "aws_sdk_sns",
    "aws_sdk_sts",
    "aws_sdk_wafv2",
    "aws_config",
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
}
