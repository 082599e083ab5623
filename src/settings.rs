//! What gatecheck is told, for the command line and the function alike: clap parses flags
//! and `GATECHECK_*` environment variables with the same definitions and validators, once,
//! before anything is read.

use crate::arn::{account_of_role, is_region_name};
use crate::aws::auditor::Throughput;
use crate::aws::s3_state::StateLocation;
use crate::aws::{config as aws, RateLimits, DEFAULT_CONCURRENCY};
use crate::model::{parse_max_rps, Scope};
use crate::report::Severity;
use crate::scope::{Accounts, Plan, Regions};
use crate::sinks::emf;
use crate::sinks::sns::Notify;
pub use crate::traffic::EvidenceWindow;
use clap::{Args, CommandFactory, FromArgMatches, Parser};

/// Where AWS requests go and with which credentials.
#[derive(Args, Debug, Clone, Default)]
pub struct ConnectionArgs {
    /// AWS profile to use (default: AWS_PROFILE or the default profile)
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Send AWS requests to this endpoint instead of AWS (an emulator, say); also AWS_ENDPOINT_URL
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

impl ConnectionArgs {
    pub fn connection(&self) -> aws::Connection<'_> {
        aws::Connection {
            profile: self.profile.as_deref(),
            endpoint_url: self.endpoint_url.as_deref(),
        }
    }
}

/// How hard an audit presses on each account-region.
#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct ThroughputArgs {
    /// AWS calls in flight at once, per region
    #[arg(long, value_name = "N", env = "GATECHECK_CONCURRENCY", default_value_t = DEFAULT_CONCURRENCY, value_parser = parse_concurrency)]
    pub concurrency: usize,
    /// API Gateway requests per second per account and region, with a burst of 4 seconds'
    /// worth; the default is API Gateway's quota, so an audit is never throttled
    #[arg(long, value_name = "N", env = "GATECHECK_MAX_RPS", default_value_t = 10, value_parser = parse_max_rps)]
    pub max_rps: u32,
}

impl ThroughputArgs {
    pub fn rate_limits(&self) -> RateLimits {
        RateLimits::per_second(self.max_rps)
    }
}

/// Auditing other accounts through a role in each.
#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct FanOutArgs {
    /// Audit the account this role is in (assumed with session name gatecheck-audit); repeat
    /// for several accounts. Each account-region gets its own rate limit and concurrency, and
    /// one that cannot be read is a GC900 while the rest carry on
    #[arg(long = "role-arn", value_name = "ARN", env = "GATECHECK_ROLE_ARNS", value_delimiter = ',', value_parser = parse_role_arn, conflicts_with = "org_role")]
    pub role_arns: Vec<String>,
    /// Audit every active account of the organization through the role of this name in each
    /// (organizations:ListAccounts, from the management or a delegated account)
    #[arg(long, value_name = "NAME", env = "GATECHECK_ORG_ROLE", value_parser = parse_role_name)]
    pub org_role: Option<String>,
    /// The external ID the roles' trust policies require
    #[arg(long, value_name = "ID", env = "GATECHECK_EXTERNAL_ID")]
    pub external_id: Option<String>,
    /// Account-regions audited at once
    #[arg(long, value_name = "N", env = "GATECHECK_PARALLEL", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
}

impl FanOutArgs {
    /// The caller's own account alone.
    pub fn own_account() -> Self {
        FanOutArgs {
            role_arns: Vec::new(),
            org_role: None,
            external_id: None,
            parallel: 1,
        }
    }

    pub fn accounts(&self) -> Accounts {
        Accounts::new(&self.role_arns, self.org_role.as_deref())
    }

    pub fn throughput(&self, throughput: &ThroughputArgs) -> Throughput {
        Throughput {
            concurrency: throughput.concurrency,
            rate_limits: throughput.rate_limits(),
            parallel: usize::from(self.parallel),
        }
    }
}

/// The function's settings, from its environment. Every field has a flag of the same name
/// only so that clap can parse it; the function reads nothing but environment variables.
#[derive(Parser, Debug, Clone, PartialEq)]
#[command(name = "gatecheck-function", no_binary_name = true, disable_help_flag = true)]
pub struct FunctionSettings {
    /// Where findings are published; none, no publishing.
    #[arg(long, env = "GATECHECK_TOPIC_ARN", value_parser = parse_topic_arn)]
    pub topic_arn: Option<String>,
    /// The least severity that is published.
    #[arg(long, env = "GATECHECK_PUBLISH_SEVERITY", default_value = "medium", value_parser = parse_severity)]
    pub publish_severity: Severity,
    /// The CloudWatch metric namespace.
    #[arg(long, env = "GATECHECK_NAMESPACE", default_value = emf::DEFAULT_NAMESPACE, value_parser = parse_namespace)]
    pub namespace: String,
    /// The regions a scheduled audit covers (default the function's own), or `all`: each
    /// account's enabled regions.
    #[arg(long, env = "GATECHECK_REGIONS", value_delimiter = ',', value_parser = parse_region_or_all)]
    pub regions: Vec<String>,
    /// `GATECHECK_REGIONS=all`; `regions` is then the function's own region, which events
    /// that name none are about.
    #[arg(skip)]
    pub all_regions: bool,
    #[command(flatten)]
    pub fan_out: FanOutArgs,
    #[command(flatten)]
    pub throughput: ThroughputArgs,
    /// Count, for each finding, the requests its cause refused in this last stretch of the
    /// stage's logs (30m, 1h, 1d); unset, no logs are read.
    #[arg(long, env = "GATECHECK_EVIDENCE_WINDOW", value_parser = parse_evidence_window)]
    pub evidence_window: Option<EvidenceWindow>,
    /// The S3 bucket that keeps each account-region's last audit; unset, every run stands
    /// alone and publishes every finding.
    #[arg(long, env = "GATECHECK_STATE_BUCKET", value_parser = parse_bucket)]
    pub state_bucket: Option<String>,
    /// The key prefix of the states in that bucket.
    #[arg(long, env = "GATECHECK_STATE_PREFIX", default_value = "gatecheck/")]
    pub state_prefix: String,
    /// What is published: `changes` (new and resolved findings, when there is a state) or
    /// `all` (every finding, every run).
    #[arg(long, env = "GATECHECK_NOTIFY", value_enum, default_value_t = Notify::Changes)]
    pub notify: Notify,
    #[command(flatten)]
    pub changes: ChangeArgs,
}

/// A setting the function cannot run with.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("invalid setting {name}={value:?}: {why}")]
pub struct SettingsError {
    pub name: String,
    pub value: String,
    pub why: String,
}

impl FunctionSettings {
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Parses the settings from `get` (the environment, or a test's table): each variable
    /// with a value becomes its flag, so clap's validators decide, and nothing else in the
    /// process environment leaks in.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let command = Self::command().mut_args(|arg| arg.env(None::<&str>));
        let mut argv: Vec<String> = Vec::new();
        for arg in Self::command().get_arguments() {
            let (Some(env), Some(long)) = (arg.get_env(), arg.get_long()) else {
                continue;
            };
            if let Some(mut value) = get(&env.to_string_lossy()) {
                // A comma list may have spaces and a stray comma: "a, b," is a and b.
                if arg.get_value_delimiter().is_some() {
                    let items: Vec<&str> = value.split(',').map(str::trim).filter(|v| !v.is_empty()).collect();
                    value = items.join(",");
                }
                argv.push(format!("--{long}={value}"));
            }
        }
        let mut settings = command
            .try_get_matches_from(&argv)
            .and_then(|matches| Self::from_arg_matches(&matches))
            .map_err(|err| settings_error(&err, &get))?;
        if settings.regions.len() == 1 && settings.regions[0] == "all" {
            settings.all_regions = true;
            settings.regions.clear();
        }
        if settings.regions.is_empty() {
            settings.regions.extend(
                get("AWS_REGION")
                    .map(|r| r.trim().to_string())
                    .filter(|r| !r.is_empty()),
            );
        }
        let error = |value: &str, why: &str| SettingsError {
            name: "GATECHECK_REGIONS".into(),
            value: value.into(),
            why: why.into(),
        };
        match settings.regions.as_slice() {
            [] => return Err(error("", "no region: set GATECHECK_REGIONS or AWS_REGION")),
            several if several.iter().any(|r| r == "all") => {
                return Err(error(&several.join(","), "'all' stands alone"));
            }
            some => {
                if let Some(bad) = some.iter().find(|r| !is_region_name(r)) {
                    return Err(error(bad, "not an AWS region name"));
                }
            }
        }
        Ok(settings)
    }

    /// Whether a scheduled audit covers other accounts, or each account's enabled regions.
    pub fn fans_out(&self) -> bool {
        self.scheduled_plan().fans_out()
    }

    /// What a scheduled audit covers.
    pub fn scheduled_plan(&self) -> Plan {
        Plan {
            accounts: self.fan_out.accounts(),
            regions: if self.all_regions {
                Regions::AllEnabled
            } else {
                Regions::These(self.regions.clone())
            },
            scope: Scope::default(),
        }
    }

    pub fn throughput(&self) -> Throughput {
        self.fan_out.throughput(&self.throughput)
    }

    /// Where states are kept, when they are.
    pub fn state_location(&self) -> Option<StateLocation> {
        let bucket = self.state_bucket.as_deref()?;
        StateLocation::new(bucket, &self.state_prefix).ok()
    }

    /// The region an event names when it is a region's name, else the first configured one
    /// (there is always one: settings without a region are refused).
    pub fn region_or_default(&self, region: Option<String>) -> String {
        region
            .filter(|r| is_region_name(r))
            .unwrap_or_else(|| self.regions[0].clone())
    }
}

/// The variable a clap error is about, its value and why it was refused, in one line.
fn settings_error(err: &clap::Error, get: &dyn Fn(&str) -> Option<String>) -> SettingsError {
    use clap::error::{ContextKind, ContextValue};
    let variable = |flag: &str| {
        let long = flag
            .trim_start_matches('-')
            .split([' ', '='])
            .next()
            .unwrap_or_default();
        FunctionSettings::command()
            .get_arguments()
            .find(|a| a.get_long() == Some(long))
            .and_then(|a| a.get_env().map(|e| e.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "GATECHECK_*".to_string())
    };
    let name = match err.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(flag)) => variable(flag),
        _ => "GATECHECK_*".to_string(),
    };
    let value = match err.get(ContextKind::InvalidValue) {
        Some(ContextValue::String(value)) => value.clone(),
        _ => get(&name).unwrap_or_default(),
    };
    let why = match (std::error::Error::source(err), err.get(ContextKind::PriorArg)) {
        (Some(source), _) => source.to_string(),
        (None, Some(ContextValue::String(other))) => format!("cannot be set together with {}", variable(other)),
        (None, Some(ContextValue::Strings(others))) => {
            let others: Vec<String> = others.iter().map(|o| variable(o)).collect();
            format!("cannot be set together with {}", others.join(", "))
        }
        _ => err.kind().to_string(),
    };
    SettingsError { name, value, why }
}

fn parse_concurrency(value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(n) if (1..=64).contains(&n) => Ok(n),
        _ => Err(format!("'{value}' is not a whole number from 1 to 64")),
    }
}

pub fn parse_severity(value: &str) -> Result<Severity, String> {
    value.parse().map_err(|e: crate::report::UnknownSeverity| e.to_string())
}

fn parse_role_arn(value: &str) -> Result<String, String> {
    let value = value.trim();
    match account_of_role(value) {
        Some(_) => Ok(value.to_string()),
        None => Err(format!(
            "'{value}' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)"
        )),
    }
}

fn parse_role_name(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() || value.contains([':', ' ']) {
        return Err(format!("'{value}' is not a role name (with its path), not an ARN"));
    }
    Ok(value.to_string())
}

fn parse_topic_arn(value: &str) -> Result<String, String> {
    let value = value.trim();
    let parts: Vec<&str> = value.split(':').collect();
    if parts.len() == 6 && parts[0] == "arn" && parts[2] == "sns" {
        Ok(value.to_string())
    } else {
        Err(format!("'{value}' is not an SNS topic ARN"))
    }
}

fn parse_namespace(value: &str) -> Result<String, String> {
    if value.is_empty() || value.len() > 255 || value.starts_with("AWS/") || value.chars().any(|c| c.is_control()) {
        return Err("must be 1 to 255 printable characters, not AWS/…".into());
    }
    Ok(value.to_string())
}

fn parse_region_or_all(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("all") {
        return Ok("all".into());
    }
    if is_region_name(value) {
        Ok(value.to_string())
    } else {
        Err(format!("'{value}' is not an AWS region name"))
    }
}

/// Memory between audits, and Security Hub: the same for the command line and the function.
#[derive(Args, Debug, Clone, PartialEq)]
pub struct ChangeArgs {
    /// Import the findings into Security Hub in ASFF (securityhub:BatchImportFindings) and, with
    /// a stored state, set those resolved since the previous audit to RESOLVED
    #[arg(long, env = "GATECHECK_SECURITY_HUB", value_name = "BOOL", num_args = 0..=1, default_value = "false", default_missing_value = "true", value_parser = clap::builder::BoolishValueParser::new())]
    pub security_hub: bool,
    /// With a stored state, a scheduled audit reads again only what CloudTrail says changed
    /// and a rotating share of the rest, so that everything is read in full at least this often
    #[arg(long, value_name = "LENGTH", env = "GATECHECK_FULL_REFRESH", default_value = "24h", value_parser = parse_full_refresh)]
    pub full_refresh: std::time::Duration,
}

impl Default for ChangeArgs {
    fn default() -> Self {
        ChangeArgs {
            security_hub: false,
            full_refresh: std::time::Duration::from_secs(86_400),
        }
    }
}

/// At least an hour: a shorter period reads everything every run anyway.
pub fn parse_full_refresh(value: &str) -> Result<std::time::Duration, String> {
    let length = parse_length(value)?;
    if length < std::time::Duration::from_secs(3_600) {
        return Err(format!("'{}' is shorter than an hour", value.trim()));
    }
    Ok(length)
}

/// `s3://bucket/prefix`.
pub fn parse_state_location(value: &str) -> Result<StateLocation, String> {
    StateLocation::parse(value.trim())
}

pub fn parse_bucket(value: &str) -> Result<String, String> {
    StateLocation::new(value.trim(), "").map(|l| l.bucket)
}

/// The longest window read: CloudWatch Logs bills by the volume scanned.
const MAX_WINDOW: std::time::Duration = std::time::Duration::from_secs(31 * 86_400);

pub fn parse_evidence_window(value: &str) -> Result<EvidenceWindow, String> {
    let value = value.trim();
    Ok(EvidenceWindow {
        label: value.to_string(),
        length: parse_length(value)?,
    })
}

/// 90s, 30m, 1h, 2d.
pub fn parse_length(value: &str) -> Result<std::time::Duration, String> {
    let value = value.trim();
    let split = value.find(|c: char| !c.is_ascii_digit()).unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let seconds = match unit {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "'{value}' is not a length: give a number and s, m, h or d (30m, 1h, 2d)"
            ))
        }
    };
    let length = number
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .and_then(|n| n.checked_mul(seconds))
        .map(std::time::Duration::from_secs)
        .ok_or_else(|| format!("'{value}' is not a length: give a positive number and s, m, h or d (30m, 1h, 2d)"))?;
    if length > MAX_WINDOW {
        return Err(format!("'{value}' is longer than 31 days"));
    }
    Ok(length)
}

/// An RFC 3339 time (2026-12-03T09:00:00Z), in milliseconds since the epoch.
pub fn parse_time(value: &str) -> Result<i64, String> {
    use aws_smithy_types::date_time::{DateTime, Format};
    let time = DateTime::from_str(value.trim(), Format::DateTime)
        .map_err(|_| format!("'{}' is not a time: give it as 2026-12-03T09:00:00Z", value.trim()))?;
    match time.to_millis() {
        Ok(ms) if ms >= 0 => Ok(ms),
        // CloudWatch Logs counts from 1970: a time before it would be sent as a negative one.
        Ok(_) => Err(format!("'{}' is before 1970-01-01T00:00:00Z", value.trim())),
        Err(_) => Err(format!("'{}' is out of range", value.trim())),
    }
}

/// The start of a window: a length back from its end, or a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    Ago(std::time::Duration),
    At(i64),
}

pub fn parse_since(value: &str) -> Result<Since, String> {
    if value.trim().starts_with(|c: char| c.is_ascii_digit()) && !value.contains('-') {
        parse_length(value).map(Since::Ago)
    } else {
        parse_time(value).map(Since::At)
    }
}

impl Since {
    /// The window's start for an end at `end_ms`.
    pub fn start_ms(self, end_ms: i64) -> i64 {
        match self {
            Since::Ago(length) => end_ms - i64::try_from(length.as_millis()).unwrap_or(i64::MAX / 2),
            Since::At(at) => at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn times_before_1970_are_refused() {
        assert_eq!(parse_time("2026-12-03T09:00:00Z"), Ok(1_796_288_400_000));
        let err = parse_time("0001-01-01T00:00:00Z").unwrap_err();
        assert!(err.contains("before 1970"), "{err}");
        assert!(parse_since("0001-01-01T00:00:00Z").is_err());
    }

    #[test]
    fn lengths_and_times() {
        assert_eq!(parse_length("90s"), Ok(std::time::Duration::from_secs(90)));
        assert_eq!(parse_length("1h"), Ok(std::time::Duration::from_secs(3600)));
        assert_eq!(parse_length("2d"), Ok(std::time::Duration::from_secs(172_800)));
        for bad in ["", "h", "0h", "1w", "-1h", "32d", "99999999999999999999d"] {
            assert!(parse_length(bad).is_err(), "{bad} accepted");
        }
        assert_eq!(parse_time("1970-01-01T00:01:00Z"), Ok(60_000));
        assert!(parse_time("yesterday").is_err());
        assert_eq!(parse_since("30m").map(|s| s.start_ms(3_600_000)), Ok(1_800_000));
        assert_eq!(parse_since("1970-01-01T00:00:01Z"), Ok(Since::At(1000)));
        assert_eq!(
            settings(&[("AWS_REGION", "eu-west-1"), ("GATECHECK_EVIDENCE_WINDOW", "1h")])
                .unwrap()
                .evidence_window,
            Some(EvidenceWindow {
                label: "1h".into(),
                length: std::time::Duration::from_secs(3600)
            })
        );
        let err = settings(&[("AWS_REGION", "eu-west-1"), ("GATECHECK_EVIDENCE_WINDOW", "an hour")]).unwrap_err();
        assert_eq!(err.name, "GATECHECK_EVIDENCE_WINDOW");
    }

    fn settings(vars: &[(&str, &str)]) -> Result<FunctionSettings, SettingsError> {
        let vars: BTreeMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        FunctionSettings::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn settings_defaults_and_validation() {
        let s = settings(&[("AWS_REGION", "eu-west-1")]).unwrap();
        assert_eq!(s.topic_arn, None);
        assert_eq!(s.publish_severity, Severity::Medium);
        assert_eq!(s.namespace, "Gatecheck");
        assert_eq!(s.regions, ["eu-west-1"]);
        assert_eq!(s.throughput.concurrency, DEFAULT_CONCURRENCY);
        assert_eq!(
            s.throughput.rate_limits(),
            crate::aws::RateLimits {
                per_second: 10,
                burst: 40
            }
        );

        let s = settings(&[
            ("AWS_REGION", "eu-west-1"),
            ("GATECHECK_REGIONS", "us-east-1, eu-central-1,"),
            ("GATECHECK_TOPIC_ARN", "arn:aws:sns:eu-west-1:111122223333:gatecheck"),
            ("GATECHECK_PUBLISH_SEVERITY", "HIGH"),
            ("GATECHECK_CONCURRENCY", "8"),
            ("GATECHECK_MAX_RPS", "5"),
        ])
        .unwrap();
        assert_eq!(s.regions, ["us-east-1", "eu-central-1"]);
        assert_eq!(
            s.throughput.rate_limits(),
            crate::aws::RateLimits {
                per_second: 5,
                burst: 20
            }
        );
        assert_eq!(s.publish_severity, Severity::High);

        for (vars, name) in [
            (
                vec![("AWS_REGION", "eu-west-1"), ("GATECHECK_TOPIC_ARN", "my-topic")],
                "GATECHECK_TOPIC_ARN",
            ),
            (
                vec![("AWS_REGION", "eu-west-1"), ("GATECHECK_PUBLISH_SEVERITY", "loud")],
                "GATECHECK_PUBLISH_SEVERITY",
            ),
            (
                vec![("AWS_REGION", "eu-west-1"), ("GATECHECK_CONCURRENCY", "0")],
                "GATECHECK_CONCURRENCY",
            ),
            (
                vec![("AWS_REGION", "eu-west-1"), ("GATECHECK_MAX_RPS", "1000")],
                "GATECHECK_MAX_RPS",
            ),
            (
                vec![("AWS_REGION", "eu-west-1"), ("GATECHECK_NAMESPACE", "AWS/ApiGateway")],
                "GATECHECK_NAMESPACE",
            ),
            (
                vec![("AWS_REGION", "eu-west-1"), ("GATECHECK_NAMESPACE", "")],
                "GATECHECK_NAMESPACE",
            ),
            (vec![("GATECHECK_REGIONS", "eu-west-1,mars")], "GATECHECK_REGIONS"),
            (vec![], "GATECHECK_REGIONS"),
        ] {
            let err = settings(&vars).unwrap_err();
            assert_eq!(err.name, name, "{err}");
        }
    }

    #[test]
    fn state_notify_and_security_hub_settings() {
        let s = settings(&[("AWS_REGION", "eu-west-1")]).unwrap();
        assert_eq!(
            (s.state_location(), s.notify, s.changes.security_hub),
            (None, Notify::Changes, false)
        );
        assert_eq!(s.changes.full_refresh, std::time::Duration::from_secs(86_400));
        let s = settings(&[
            ("AWS_REGION", "eu-west-1"),
            ("GATECHECK_STATE_BUCKET", "audit-state"),
            ("GATECHECK_NOTIFY", "all"),
            ("GATECHECK_SECURITY_HUB", "true"),
            ("GATECHECK_FULL_REFRESH", "12h"),
        ])
        .unwrap();
        let at = s.state_location().expect("a state");
        assert_eq!(
            at.key(Some("111122223333"), "eu-west-1"),
            "gatecheck/111122223333/eu-west-1/state.json"
        );
        assert_eq!((s.notify, s.changes.security_hub), (Notify::All, true));
        assert_eq!(s.changes.full_refresh, std::time::Duration::from_secs(12 * 3_600));
        for (name, value) in [
            ("GATECHECK_STATE_BUCKET", "Audit_State"),
            ("GATECHECK_NOTIFY", "sometimes"),
            ("GATECHECK_SECURITY_HUB", "perhaps"),
            ("GATECHECK_FULL_REFRESH", "30m"),
        ] {
            let err = settings(&[("AWS_REGION", "eu-west-1"), (name, value)]).unwrap_err();
            assert_eq!(err.name, name, "{err}");
        }
    }

    #[test]
    fn fan_out_settings() {
        let s = settings(&[
            ("AWS_REGION", "eu-west-1"),
            ("GATECHECK_REGIONS", "all"),
            (
                "GATECHECK_ROLE_ARNS",
                "arn:aws:iam::111122223333:role/a, arn:aws:iam::444455556666:role/a",
            ),
            ("GATECHECK_EXTERNAL_ID", "x-1"),
            ("GATECHECK_PARALLEL", "8"),
        ])
        .unwrap();
        assert!(s.all_regions && s.fans_out());
        assert_eq!(s.regions, ["eu-west-1"], "the function's own region stays the default");
        assert_eq!(s.fan_out.role_arns.len(), 2);
        assert_eq!((s.fan_out.external_id.as_deref(), s.fan_out.parallel), (Some("x-1"), 8));
        let org = settings(&[("AWS_REGION", "eu-west-1"), ("GATECHECK_ORG_ROLE", "gatecheck-member")]).unwrap();
        assert!(org.fans_out() && !org.all_regions);
        for (vars, name) in [
            (
                vec![("AWS_REGION", "eu-west-1"), ("GATECHECK_ROLE_ARNS", "gatecheck-member")],
                "GATECHECK_ROLE_ARNS",
            ),
            (
                vec![
                    ("AWS_REGION", "eu-west-1"),
                    ("GATECHECK_ROLE_ARNS", "arn:aws:iam::111122223333:role/a"),
                    ("GATECHECK_ORG_ROLE", "a"),
                ],
                "GATECHECK_ROLE_ARNS",
            ),
            (
                vec![
                    ("AWS_REGION", "eu-west-1"),
                    ("GATECHECK_ORG_ROLE", "arn:aws:iam::1:role/a"),
                ],
                "GATECHECK_ORG_ROLE",
            ),
            (
                vec![("AWS_REGION", "eu-west-1"), ("GATECHECK_PARALLEL", "0")],
                "GATECHECK_PARALLEL",
            ),
        ] {
            assert_eq!(settings(&vars).unwrap_err().name, name);
        }
        let both = settings(&[
            ("AWS_REGION", "eu-west-1"),
            ("GATECHECK_ROLE_ARNS", "arn:aws:iam::111122223333:role/a"),
            ("GATECHECK_ORG_ROLE", "a"),
        ])
        .unwrap_err();
        assert_eq!(both.why, "cannot be set together with GATECHECK_ORG_ROLE", "{both}");
        let zero = settings(&[("AWS_REGION", "eu-west-1"), ("GATECHECK_CONCURRENCY", "0")]).unwrap_err();
        assert_eq!(
            zero.to_string(),
            "invalid setting GATECHECK_CONCURRENCY=\"0\": '0' is not a whole number from 1 to 64"
        );
    }
}
