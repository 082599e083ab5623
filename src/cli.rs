//! The `gatecheck` command line.

use crate::arn::is_region_name;
use crate::audit::{self, load_snapshot, snapshot_json};
use crate::aws::auditor::Auditor;
use crate::aws::s3_state::{StateLocation, StateStore};
use crate::aws::{self, config, Progress, ServiceConfigs};
use crate::checks::docs;
use crate::clock::{now_ms, now_ms_signed};
use crate::explain::{self, KeyIdentity, Request, Verdict};
use crate::model::{Scope, Snapshot};
use crate::pipeline::{self, Deliver};
use crate::report::{Report, Severity};
use crate::scope::{Plan, Regions};
use crate::settings::{
    parse_evidence_window, parse_severity, parse_since, parse_state_location, parse_time, ChangeArgs, ConnectionArgs,
    EvidenceWindow, FanOutArgs, Since, ThroughputArgs,
};
use crate::sinks;
use crate::traffic::{self, Window};
use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

const AFTER_HELP: &str = "\
AWS settings come from the standard chain: environment variables, --profile / AWS_PROFILE,
SSO, or an assumed role. AWS_ENDPOINT_URL (or --endpoint-url) points gatecheck at an emulator.

Exit codes: 0 ran and found nothing at or above --fail-on, 1 findings at or above it or
the audit was incomplete (a GC900: a part could not be read, at any --fail-on), 2 could not
run (bad arguments, no credentials, unreadable snapshot).

Examples:
  gatecheck audit --profile prod --region eu-west-1
  gatecheck audit --api a1b2c3d4e5 --stage prod --fail-on high --format json
  gatecheck snapshot --region eu-west-1 -o snapshot.json && gatecheck audit --snapshot snapshot.json
  gatecheck audit --region eu-west-1 --state s3://audit-state/gatecheck --security-hub
  gatecheck checks --format markdown";

#[derive(Parser, Debug)]
#[command(
    name = "gatecheck",
    version,
    about = "Find why API Gateway REST APIs answer {\"message\":\"Forbidden\"} to callers with an API key",
    long_about = "Find why API Gateway REST APIs answer {\"message\":\"Forbidden\"} to callers with an API key.\n\n\
                  gatecheck reads an account's REST APIs, stages, usage plans and API keys (never the keys' \
                  values) and reports every misconfiguration that makes API Gateway refuse key-bearing \
                  requests, with the fix for each.",
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// More diagnostics on stderr (-v: progress of reads and unread parts, -vv: debug)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Audit REST APIs for causes of 403 Forbidden, live or from a snapshot file
    #[command(after_help = AFTER_HELP)]
    Audit(AuditArgs),
    /// Read an account and region into a snapshot file, for an offline audit later
    Snapshot(SnapshotArgs),
    /// Walk one request through API Gateway's gates and name the first that refuses it
    #[command(after_help = EXPLAIN_HELP)]
    Explain(ExplainArgs),
    /// Count the requests stages refused in a window, by cause, from their logs, and tie
    /// each cause to the audit's finding
    #[command(after_help = LOGS_HELP)]
    Logs(LogsArgs),
    /// List the checks gatecheck runs: id, severity, name and title (--format markdown or json
    /// add each one's symptom, cause, fix and AWS CLI command)
    Checks(ChecksArgs),
}

const LOGS_HELP: &str = "\
Each stage is read from the log that best names causes: its access log when the format
writes $context.error.responseType; else its execution log
(API-Gateway-Execution-Logs_{api_id}/{stage}) when execution logging is on; else its access
log for counts by status alone. Causes are API Gateway's gateway response types
(INVALID_API_KEY, WAF_FILTERED, ACCESS_DENIED, MISSING_AUTHENTICATION_TOKEN, ...), each tied
to the audit findings on the stage that explain it (INVALID_API_KEY with no plan for the
stage: GC301).

Logs are read with CloudWatch Logs FilterLogEvents (logs:FilterLogEvents on the log groups).
Only API key ids are shown, never key values or tokens, whatever the log lines hold.
A log group that cannot be read is a line in the output; the other stages stand.

Examples:
  gatecheck logs --api a1b2c3d4e5 --stage prod --since 1h
  gatecheck logs --region eu-west-1 --since 2026-12-03T08:00:00Z --until 2026-12-03T09:00:00Z
  gatecheck audit --evidence 1h --format json";

#[derive(Args, Debug)]
pub struct LogsArgs {
    /// Region to read (default: the profile's or AWS_REGION)
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Start of the window: a length back from --until (30m, 1h, 2d) or a time (2026-12-03T08:00:00Z)
    #[arg(long, value_name = "WHEN", default_value = "1h", value_parser = parse_since)]
    pub since: Since,
    /// End of the window, a time (default: now)
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub until: Option<i64>,
    /// Output format: text for people (with a histogram per cause), json for scripts
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
}

const EXPLAIN_HELP: &str = "\
The gates, in API Gateway's order: endpoint (execute-api on, custom domain mapping by the
longest base path), private API conditions, stage, AWS WAF (before anything else reads the
request), the resource and method as the stage's deployment serves them, then the resource
policy and the authorizer in the order the method's authorization type sets (IAM: signature
first; Lambda authorizer: only an explicit Deny refuses before it; Cognito: token first, then
the policy must allow), the API key (source, header, usage plan, key enabled), and last
whether the current configuration differs from what is deployed (! marks what the next
deployment will change). Each step passes, fails or cannot be decided (?); the walk stops at
the first failure, names the catalogue check and the fix.

The caller's key: --key-id needs no secret. With --lookup-key-value, gatecheck reads the
account's key values (GetApiKeys with includeValues) for this one command, compares them in
memory in constant time with the request's x-api-key value, and keeps only the matching id.
No key value is ever printed, logged or written; header values other than Host and
x-apigw-api-id are never shown.

Exit codes: 0 allowed, or no gate refuses it but some could not be decided (the verdict
says unknown); 1 a gate refuses it; 2 could not explain (bad arguments, unknown API).

Examples:
  gatecheck explain https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/orders \\
      -H 'x-api-key: ...' --key-id k8l9m0n1o2 --source-ip 203.0.113.7
  gatecheck explain --lookup-key-value -- curl -X POST -H 'x-api-key: ...' \\
      https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/orders
  gatecheck explain https://vpce-0abc.execute-api.eu-west-1.vpce.amazonaws.com/prod/jobs \\
      -H 'x-apigw-api-id: a1b2c3d4e5' --format json";

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The URL the caller requests (or give a whole curl command after --)
    #[arg(value_name = "URL", required_unless_present = "curl")]
    pub url: Option<String>,
    /// HTTP method (default: GET, or what the curl command implies)
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    pub method: Option<String>,
    /// A request header, 'Name: value'; repeat for several
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// The caller's public IP address: WAF IP sets and aws:SourceIp conditions are evaluated against it
    #[arg(long, value_name = "IP")]
    pub source_ip: Option<std::net::IpAddr>,
    /// The id of the API key the caller sends (no secret needed)
    #[arg(long, value_name = "ID", conflicts_with = "lookup_key_value")]
    pub key_id: Option<String>,
    /// Find the key by the request's x-api-key value: reads key values for this command only,
    /// compares them in memory, never shows or keeps one
    #[arg(long, conflicts_with = "snapshot")]
    pub lookup_key_value: bool,
    /// The client certificate (PEM) the caller presents to a custom domain with mutual TLS;
    /// only whether one is presented is used, not its content
    #[arg(long, value_name = "FILE")]
    pub client_cert: Option<PathBuf>,
    /// The VPC the caller runs in (vpc-...): an execute-api VPC endpoint there with private DNS
    /// on takes every call to an execute-api name, and refuses those to public APIs
    #[arg(long, value_name = "VPC_ID")]
    pub from_vpc: Option<String>,
    /// Region of a custom domain (execute-api URLs name their own)
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Explain against a snapshot file written by `gatecheck snapshot` instead of reading AWS
    #[arg(long, value_name = "FILE", conflicts_with_all = ["profile", "endpoint_url", "region"])]
    pub snapshot: Option<PathBuf>,
    /// Output format: text for people, json for scripts
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
    /// A curl command line, after --; its -X, -H, -d and URL make the request
    #[arg(last = true, value_name = "CURL")]
    pub curl: Vec<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExplainFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct AwsArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Only this REST API (its id, as in `{id}.execute-api.{region}.amazonaws.com`)
    #[arg(long = "api", value_name = "ID")]
    pub api_id: Option<String>,
    /// Only this stage of --api
    #[arg(long, value_name = "NAME", requires = "api_id")]
    pub stage: Option<String>,
    #[command(flatten)]
    pub throughput: ThroughputArgs,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Region to audit; repeat for several (default: the profile's or AWS_REGION)
    #[arg(long = "region", value_name = "REGION", conflicts_with = "snapshot")]
    pub regions: Vec<String>,
    /// Every region each audited account has enabled (account:ListRegions)
    #[arg(long, conflicts_with_all = ["regions", "snapshot"])]
    pub all_regions: bool,
    #[command(flatten)]
    pub accounts: FanOutArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Output format: text for people, json for scripts, sarif for code-scanning UIs, asff for
    /// Security Hub, ocsf for security lakes, html for a page to pass around
    #[arg(long, value_enum, default_value_t = AuditFormat::Text)]
    pub format: AuditFormat,
    /// Exit 1 when a finding is at or above this severity: critical, high, medium, low or info
    #[arg(long, value_name = "SEVERITY", default_value = "critical", value_parser = parse_severity)]
    pub fail_on: Severity,
    /// With --format sarif: locate every result in this repository file (the template or
    /// OpenAPI definition that makes the APIs), at the line that names the API, for GitHub code
    /// scanning, which takes only repository paths; the ARN stays the logical location
    #[arg(long, value_name = "FILE")]
    pub sarif_file: Option<PathBuf>,
    /// Audit a snapshot file written by `gatecheck snapshot` instead of reading AWS
    #[arg(long, value_name = "FILE", conflicts_with_all = ["profile", "endpoint_url", "api_id"])]
    pub snapshot: Option<PathBuf>,
    /// Add to each finding how many requests its cause refused in this last stretch of the
    /// stage's logs (30m, 1h, 1d); see `gatecheck logs --help`
    #[arg(long, value_name = "LENGTH", value_parser = parse_evidence_window, conflicts_with = "snapshot")]
    pub evidence: Option<EvidenceWindow>,
    /// Keep each account-region's findings and what was read here (s3://bucket/prefix): findings
    /// are then marked new or ongoing, those gone are listed as resolved, and an audit of the
    /// whole of your own account's regions reads again only what changed (see --full-refresh)
    #[arg(long, value_name = "S3_URL", env = "GATECHECK_STATE", value_parser = parse_state_location, conflicts_with = "snapshot")]
    pub state: Option<StateLocation>,
    /// With --state, read everything now rather than only what changed
    #[arg(long, requires = "state")]
    pub read_all: bool,
    #[command(flatten)]
    pub changes: ChangeArgs,
}

#[derive(Args, Debug)]
pub struct SnapshotArgs {
    /// Region to read (default: the profile's or AWS_REGION)
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Write the snapshot here instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ChecksArgs {
    #[arg(long, value_enum, default_value_t = ChecksFormat::Text)]
    pub format: ChecksFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditFormat {
    Text,
    Json,
    /// SARIF 2.1.0, for code-scanning UIs
    Sarif,
    /// AWS Security Finding Format: {"Findings": [...]}, as `aws securityhub batch-import-findings --cli-input-json` takes it
    Asff,
    /// OCSF 1.1 Compliance Finding events (class 2003), a JSON array
    Ocsf,
    /// One self-contained HTML page (inline styles and chart, no script): findings by API,
    /// stage and custom domain, most severe first, with fixes and console links
    Html,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChecksFormat {
    Text,
    Json,
    Markdown,
    /// README.md's check table (`make docs` splices it in)
    #[value(hide = true)]
    ReadmeTable,
}

/// Runs the CLI and maps every outcome to the documented exit codes.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            use clap::error::ErrorKind;
            if matches!(err.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = err.print();
                return ExitCode::SUCCESS;
            }
            // clap's message spans lines (the error, its details, usage): keep it to one.
            let rendered = err.to_string();
            let message: Vec<&str> = rendered
                .lines()
                .take_while(|line| !line.starts_with("Usage:"))
                .map(|line| line.trim().trim_start_matches("error: "))
                .filter(|line| !line.is_empty() && !line.starts_with("For more information"))
                .collect();
            eprintln!("gatecheck: {} (see 'gatecheck --help')", message.join(" "));
            return ExitCode::from(2);
        }
    };
    init_tracing(cli.verbose);
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("gatecheck: {}", one_line(&err));
            ExitCode::from(2)
        }
    }
}

fn one_line(err: &anyhow::Error) -> String {
    format!("{err:#}").replace('\n', " ")
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "error",
        1 => "gatecheck=info,warn",
        _ => "gatecheck=debug,info",
    };
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = crate::log_filter::from_env(default);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .finish()
        .with(crate::log_filter::guard())
        .try_init();
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Checks(args) => {
            let text = match args.format {
                ChecksFormat::Text => docs::text(),
                ChecksFormat::Json => docs::json() + "\n",
                ChecksFormat::Markdown => docs::markdown(),
                ChecksFormat::ReadmeTable => docs::readme_table(),
            };
            write_stdout(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(args) => {
            let started = Instant::now();
            let output = Output::of(&args)?;
            let report = match &args.snapshot {
                Some(path) => {
                    let report = audit::report(&[load_snapshot(path)?], started.elapsed());
                    print_report(&report, &output)?;
                    report
                }
                None => runtime()?.block_on(audit_live(&args, output))?,
            };
            Ok(if report.fails(args.fail_on) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Explain(args) => explain(args),
        Command::Logs(args) => runtime()?.block_on(logs(args)),
        Command::Snapshot(args) => {
            let regions: Vec<String> = args.region.iter().cloned().collect();
            let mut snapshots =
                runtime()?.block_on(collect_plan(&args.aws, &FanOutArgs::own_account(), &regions, false))?;
            let snapshot = snapshots.pop().context("no region was read")?;
            let json = snapshot_json(&snapshot) + "\n";
            match &args.output {
                Some(path) => std::fs::write(path, json)
                    .with_context(|| format!("cannot write snapshot file {}", path.display()))?,
                None => write_stdout(&json)?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn explain(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let mut request = match (&args.url, args.curl.is_empty()) {
        (Some(url), true) => Request::new(url, args.method.as_deref(), &args.headers)?,
        (None, false) => {
            let mut request = explain::parse_curl(&args.curl)?;
            if let Some(method) = &args.method {
                request.method = method.trim().to_ascii_uppercase();
            }
            let extra = Request::new(&request.url, None, &args.headers)?;
            request.headers.extend(extra.headers);
            request
        }
        (Some(_), false) => bail!("give either a URL or a curl command after --, not both"),
        (None, true) => bail!("give the URL to explain, or a curl command after --"),
    };
    request.source_ip = args.source_ip;
    request.from_vpc = args.from_vpc.clone();
    if let Some(path) = &args.client_cert {
        std::fs::metadata(path).with_context(|| format!("cannot read client certificate {}", path.display()))?;
        request.client_certificate = true;
    }
    if let Some(id) = &args.key_id {
        request.key = KeyIdentity::Given(id.clone());
    }
    let snapshot = match &args.snapshot {
        Some(path) => load_snapshot(path)?,
        None => runtime()?.block_on(read_for_explain(&args, &mut request))?,
    };
    let explanation = explain::explain(&snapshot, &request)?;
    match args.format {
        ExplainFormat::Json => write_stdout(&(explanation.json() + "\n"))?,
        ExplainFormat::Text => {
            let mut out = anstream::stdout();
            out.write_all(explain::text(&explanation).as_bytes())
                .and_then(|_| out.flush())
                .context("cannot write to stdout")?
        }
    }
    Ok(match explanation.verdict {
        Verdict::Forbidden => ExitCode::from(1),
        Verdict::Allowed | Verdict::Unknown => ExitCode::SUCCESS,
    })
}

/// Reads the scope's configuration, audits it, then reads each stage's logs for the window.
async fn logs(args: LogsArgs) -> anyhow::Result<ExitCode> {
    let end_ms = match args.until {
        Some(until) => until,
        None => now_ms_signed(),
    };
    let start_ms = args.since.start_ms(end_ms);
    if start_ms >= end_ms {
        bail!("--since must be before --until");
    }
    let window = Window::new(start_ms, end_ms);
    let regions: Vec<String> = args.region.iter().cloned().collect();
    let started = Instant::now();
    let snapshots = collect_plan(&args.aws, &FanOutArgs::own_account(), &regions, false).await?;
    let report = audit::report(&snapshots, started.elapsed());
    let mut stages = Vec::new();
    for snapshot in &snapshots {
        let client = logs_client(&args.aws, &snapshot.region).await;
        stages.extend(
            aws::logs::read_snapshot(
                &client,
                snapshot,
                &report.findings,
                window,
                aws::logs::StagesToRead::All,
            )
            .await,
        );
    }
    match args.format {
        ExplainFormat::Json => write_stdout(&(traffic::render::json(window, &stages) + "\n"))?,
        ExplainFormat::Text => {
            let mut out = anstream::stdout();
            out.write_all(traffic::render::text(window, &stages, &shown_time).as_bytes())
                .and_then(|_| out.flush())
                .context("cannot write to stdout")?
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn logs_client(aws: &AwsArgs, region: &str) -> aws_sdk_cloudwatchlogs::Client {
    aws_sdk_cloudwatchlogs::Client::new(&config::load(&aws.connection.connection(), Some(region)).await)
}

/// 2026-12-03T09:00:00Z.
fn shown_time(ms: i64) -> String {
    use aws_smithy_types::date_time::{DateTime, Format};
    DateTime::from_millis(ms)
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| ms.to_string())
}

/// Reads what the request reaches: its API (found through the custom domain if need be)
/// with the region's usage plans, keys and web ACLs; and, when asked, which key it sends.
async fn read_for_explain(args: &ExplainArgs, request: &mut Request) -> anyhow::Result<Snapshot> {
    let needs = explain::needs(request)?;
    let base = config::load(&args.connection.connection(), None).await;
    let region = match needs.region.clone().or_else(|| args.region.clone()) {
        Some(region) => region,
        None => match base.region() {
            Some(region) => region.to_string(),
            None => bail!("a custom domain does not name its region: pass --region or set AWS_REGION"),
        },
    };
    if !is_region_name(&region) {
        bail!("'{region}' is not an AWS region name (expected something like eu-west-1)");
    }
    config::check_credentials(&base, &args.connection.connection()).await?;
    let configs = ServiceConfigs::from_sdk_config(&config::load(&args.connection.connection(), Some(&region)).await);
    aws::read_for_explain(&configs, request, &needs, args.lookup_key_value).await
}

/// How `audit` prints its report.
struct Output {
    format: AuditFormat,
    fail_on: Severity,
    /// --sarif-file: the path as given, and the file's text.
    sarif_file: Option<(String, String)>,
}

impl Output {
    /// The flags' output settings, with the --sarif-file read now: a file that cannot be read
    /// stops the command before the audit.
    fn of(args: &AuditArgs) -> anyhow::Result<Output> {
        let sarif_file = match &args.sarif_file {
            None => None,
            Some(_) if args.format != AuditFormat::Sarif => bail!("--sarif-file goes with --format sarif"),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read --sarif-file {}", path.display()))?;
                Some((path.to_string_lossy().into_owned(), text))
            }
        };
        Ok(Output {
            format: args.format,
            fail_on: args.fail_on,
            sarif_file,
        })
    }
}

fn print_report(report: &Report, output: &Output) -> anyhow::Result<()> {
    let (format, fail_on) = (output.format, output.fail_on);
    match format {
        AuditFormat::Json => write_stdout(&(sinks::json(report) + "\n")),
        AuditFormat::Sarif => {
            let artifact = output
                .sarif_file
                .as_ref()
                .map(|(uri, text)| sinks::sarif::Artifact { uri, text });
            write_stdout(&(sinks::sarif::render_in(report, artifact.as_ref()) + "\n"))
        }
        AuditFormat::Asff => write_stdout(&(sinks::asff::render(report, now_ms()) + "\n")),
        AuditFormat::Ocsf => write_stdout(&(sinks::ocsf::render(report, now_ms()) + "\n")),
        AuditFormat::Html => write_stdout(&(sinks::html::render(report) + "\n")),
        AuditFormat::Text => {
            let mut out = anstream::stdout();
            out.write_all(sinks::text::render(report, fail_on).as_bytes())
                .and_then(|_| out.flush())
                .context("cannot write to stdout")
        }
    }
}

fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .context("cannot write to stdout")
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// A live audit, through the pipeline: printed in the chosen format, then imported into
/// Security Hub and the state saved. A state that cannot be used is said on stderr; the
/// findings are printed all the same, and decide the exit code.
async fn audit_live(args: &AuditArgs, output: Output) -> anyhow::Result<Report> {
    let (auditor, plan) = plan_from(&args.aws, &args.accounts, &args.regions, args.all_regions).await?;
    let store = args.state.clone().map(|at| StateStore::new(auditor.base(), at));
    let audit = pipeline::Audit {
        read: pipeline::Read::Plan {
            plan,
            read_all: args.read_all,
        },
        evidence: args.evidence.clone(),
        security_hub: args.changes.security_hub,
        full_refresh: args.changes.full_refresh,
        deadline: None,
    };
    let edges = pipeline::Edges {
        auditor: &auditor,
        state: store.as_ref(),
        progress: &progress_bar,
    };
    let mut printer = Printer { output };
    let outcome = Box::pin(pipeline::run(audit, &edges, &mut printer)).await?;
    if let Some(why) = &outcome.state_error {
        eprintln!("gatecheck: the stored state was not used ({why}): findings are not marked new or resolved, and no state was saved");
    }
    Ok(outcome.report)
}

/// The command line's delivery: the report on stdout.
struct Printer {
    output: Output,
}

impl Deliver for Printer {
    async fn deliver(&mut self, report: &Report) -> anyhow::Result<()> {
        print_report(report, &self.output)
    }
}

/// Reads what the flags name: regions (or every enabled one) of the caller's account, or of
/// the accounts the roles reach. In the caller's own listed regions a region that cannot be
/// read stops the command; past them each account-region that cannot be read is a GC900.
async fn collect_plan(
    aws: &AwsArgs,
    accounts: &FanOutArgs,
    regions: &[String],
    all_regions: bool,
) -> anyhow::Result<Vec<Snapshot>> {
    let (auditor, plan) = plan_from(aws, accounts, regions, all_regions).await?;
    Ok(auditor.run(&plan, None, &progress_bar).await?)
}

/// The auditor and plan the flags name, with the region and credentials checked.
async fn plan_from(
    aws: &AwsArgs,
    accounts: &FanOutArgs,
    regions: &[String],
    all_regions: bool,
) -> anyhow::Result<(Auditor, Plan)> {
    if let Some(bad) = regions.iter().find(|r| !is_region_name(r)) {
        bail!("'{bad}' is not an AWS region name (expected something like eu-west-1)");
    }
    let base = config::load(&aws.connection.connection(), None).await;
    let regions = match (all_regions, regions.is_empty(), base.region()) {
        (true, _, _) => Regions::AllEnabled,
        (false, false, _) => Regions::These(regions.to_vec()),
        (false, true, Some(region)) => Regions::These(vec![region.to_string()]),
        (false, true, None) => bail!("no AWS region: pass --region or set AWS_REGION (or a region in your profile)"),
    };
    config::check_credentials(&base, &aws.connection.connection()).await?;
    let plan = Plan {
        accounts: accounts.accounts(),
        regions,
        scope: Scope {
            api_id: aws.api_id.clone(),
            stage: aws.stage.clone(),
            ..Scope::default()
        },
    };
    let auditor = Auditor::new(base, accounts.throughput(&aws.throughput), accounts.external_id.clone());
    Ok((auditor, plan))
}

/// APIs read of total, on stderr, only when stderr is a terminal.
fn progress_bar(region: &str) -> Option<Progress> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template("{prefix} {bar:30} {pos}/{len} APIs read") {
        bar.set_style(style);
    }
    bar.set_prefix(region.to_string());
    Some(Arc::new(move |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        if done == total {
            bar.finish_and_clear();
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
