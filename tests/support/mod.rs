//! Test harness: one moto server per test binary on a free loopback port, and SDK configs
//! that put each test in its own moto account (the `x-moto-account-id` header), so tests
//! never see each other's resources and need no reset.

#![allow(dead_code)]

pub mod bin;
pub mod fault_proxy;
pub mod function;
#[path = "../scenarios/mod.rs"]
pub mod scenarios;
pub mod seed;
pub mod traffic;
pub mod trail;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::retry::RetryConfig;
use gatecheck::aws::ServiceConfigs;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub struct Moto {
    pub endpoint: String,
    /// Holding the child's stdin open keeps moto alive; when the test binary exits the pipe
    /// closes and the wrapper shell stops moto.
    _child: Mutex<Child>,
}

static MOTO: OnceLock<Moto> = OnceLock::new();
static PLAIN_MOTO: OnceLock<Moto> = OnceLock::new();

/// moto with the emulator extension (`moto_ext.py`): GetDeployment returns `apiSummary` and
/// UpdateMethod works, as on AWS.
pub fn moto() -> &'static Moto {
    MOTO.get_or_init(|| start_moto(true))
}

/// moto as released, for what must hold where `apiSummary` is missing.
pub fn plain_moto() -> &'static Moto {
    PLAIN_MOTO.get_or_init(|| start_moto(false))
}

/// A tool from `$env`, else from the project's `.venv/bin/`, else from PATH.
fn tool(env: &str, venv_name: &str, on_path: &str) -> String {
    if let Ok(path) = std::env::var(env) {
        return path;
    }
    let venv = format!("{}/.venv/bin/{venv_name}", env!("CARGO_MANIFEST_DIR"));
    if std::path::Path::new(&venv).exists() {
        venv
    } else {
        on_path.to_string()
    }
}

fn python_binary() -> String {
    tool("GATECHECK_PYTHON", "python", "python3")
}

fn moto_server_binary() -> String {
    tool("GATECHECK_MOTO_SERVER", "moto_server", "moto_server")
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    listener.local_addr().expect("local addr").port()
}

fn start_moto(extended: bool) -> Moto {
    let port = free_port();
    let program = if extended {
        format!(
            "'{}' '{}/tests/support/moto_ext.py'",
            python_binary(),
            env!("CARGO_MANIFEST_DIR")
        )
    } else {
        format!("'{}'", moto_server_binary())
    };
    let script = format!("{program} -H 127.0.0.1 -p {port} >/dev/null 2>&1 & pid=$!; read _; kill $pid");
    let child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start moto_server (run `make venv` or set GATECHECK_MOTO_SERVER)");
    let endpoint = format!("http://127.0.0.1:{port}");
    wait_until_ready(port);
    Moto {
        endpoint,
        _child: Mutex::new(child),
    }
}

/// Polls until moto answers HTTP, for at most 60 s.
fn wait_until_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            use std::io::Write;
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let request = "GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
            let mut head = [0u8; 12];
            if stream.write_all(request.as_bytes()).is_ok()
                && stream.read_exact(&mut head).is_ok()
                && head.starts_with(b"HTTP/")
            {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("moto_server did not answer on port {port} within 60 s");
}

/// Sets `x-moto-account-id` on every request.
#[derive(Debug, Clone)]
pub struct MotoAccount(pub String);

impl Intercept for MotoAccount {
    fn name(&self) -> &'static str {
        "MotoAccount"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        context
            .request_mut()
            .headers_mut()
            .insert("x-moto-account-id", self.0.clone());
        Ok(())
    }
}

/// An SDK config for moto: test credentials, no retries (moto answers 500 to calls it
/// lacks, and retries would only triple them).
pub fn sdk_config(endpoint: &str, region: &str) -> SdkConfig {
    sdk_config_with(endpoint, region, RetryConfig::disabled())
}

/// The SDK's standard retries with a short first backoff, for what a fault proxy injects.
pub fn fast_retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(5)
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(200))
}

pub fn sdk_config_with(endpoint: &str, region: &str, retry: RetryConfig) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(
            Credentials::new("testing", "testing", None, None, "moto"),
        ))
        .retry_config(retry)
        .build()
}

/// An SNS topic in the emulator, by name (creating it is idempotent), for the function to
/// publish to.
pub async fn topic(sdk: &SdkConfig, name: &str) -> String {
    aws_sdk_sns::Client::new(sdk)
        .create_topic()
        .name(name)
        .send()
        .await
        .expect("topic")
        .topic_arn()
        .expect("a topic ARN")
        .to_string()
}

/// An SNS topic with an SQS queue subscribed: what a subscriber receives.
pub struct Subscribed {
    pub topic: String,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

impl Subscribed {
    pub async fn new(sdk: &SdkConfig, name: &str) -> Self {
        use aws_sdk_sqs::types::QueueAttributeName;
        let topic = topic(sdk, name).await;
        let sqs = aws_sdk_sqs::Client::new(sdk);
        let queue = sqs.create_queue().queue_name(name).send().await.expect("queue");
        let queue_url = queue.queue_url().expect("url").to_string();
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("attributes");
        let queue_arn = attributes.attributes().expect("attributes")[&QueueAttributeName::QueueArn].clone();
        aws_sdk_sns::Client::new(sdk)
            .subscribe()
            .topic_arn(&topic)
            .protocol("sqs")
            .endpoint(queue_arn)
            .send()
            .await
            .expect("subscribe");
        Subscribed { topic, sqs, queue_url }
    }

    /// The message bodies waiting in the queue.
    pub async fn bodies(&self) -> Vec<String> {
        let received = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .expect("receive");
        received
            .messages()
            .iter()
            .filter_map(|m| m.body())
            .map(str::to_string)
            .collect()
    }
}

/// One moto account in one region, as the collector and a seeder see it.
#[derive(Clone)]
pub struct TestAccount {
    pub id: String,
    pub region: String,
    pub configs: ServiceConfigs,
    pub apigateway: aws_sdk_apigateway::Client,
    pub wafv2: aws_sdk_wafv2::Client,
    /// CloudWatch Logs in the same account, for seeding and reading stages' logs.
    pub logs: aws_sdk_cloudwatchlogs::Client,
}

impl TestAccount {
    pub fn new(account_id: &str, region: &str) -> Self {
        Self::at(&moto().endpoint, account_id, region)
    }

    pub fn at(endpoint: &str, account_id: &str, region: &str) -> Self {
        Self::at_with(endpoint, account_id, region, RetryConfig::disabled())
    }

    /// The same account through `endpoint`, with these retries.
    pub fn at_with(endpoint: &str, account_id: &str, region: &str, retry: RetryConfig) -> Self {
        let sdk = sdk_config_with(endpoint, region, retry);
        let header = MotoAccount(account_id.to_string());
        let apigateway = aws_sdk_apigateway::config::Builder::from(&sdk)
            .interceptor(header.clone())
            .build();
        let sts = aws_sdk_sts::config::Builder::from(&sdk)
            .interceptor(header.clone())
            .build();
        let apigatewayv2 = aws_sdk_apigatewayv2::config::Builder::from(&sdk)
            .interceptor(header.clone())
            .build();
        let logs = aws_sdk_cloudwatchlogs::config::Builder::from(&sdk)
            .interceptor(header.clone())
            .build();
        let wafv2 = aws_sdk_wafv2::config::Builder::from(&sdk)
            .interceptor(header.clone())
            .build();
        let ec2 = aws_sdk_ec2::config::Builder::from(&sdk)
            .interceptor(header.clone())
            .build();
        let cloudfront = aws_sdk_cloudfront::config::Builder::from(&sdk)
            .interceptor(header)
            .build();
        let configs = ServiceConfigs::new(apigateway, apigatewayv2, sts, wafv2, ec2, cloudfront);
        TestAccount {
            id: account_id.to_string(),
            region: region.to_string(),
            // The seeders' client reads responses as gatecheck does: API Gateway answers
            // console-shaped methods with null map values that the bare SDK refuses.
            apigateway: configs.clone().with_rate_limits(None).apigateway_client(None),
            wafv2: aws_sdk_wafv2::Client::from_conf(configs.wafv2.clone()),
            logs: aws_sdk_cloudwatchlogs::Client::from_conf(logs),
            configs,
        }
    }

    pub fn seeder(&self) -> seed::Seeder {
        seed::Seeder::new(
            self.apigateway.clone(),
            aws_sdk_apigatewayv2::Client::from_conf(self.configs.apigatewayv2.clone()),
            self.wafv2.clone(),
            aws_sdk_ec2::Client::from_conf(self.configs.ec2.clone()),
            aws_sdk_cloudfront::Client::from_conf(self.configs.cloudfront.clone()),
        )
    }
}

/// Fails when `text` (what gatecheck wrote to `place`) holds any seeded API key value.
pub fn assert_no_key_values(place: &str, text: &str) {
    for value in scenarios::DEMO_KEY_VALUES {
        assert!(!text.contains(value), "a key value leaked into {place}");
    }
}

impl TestAccount {
    /// Reads the account with `options` (no API Gateway limiter unless `limits` gives one:
    /// moto has no quota) and reports on what was read.
    pub async fn audit(
        &self,
        limits: Option<gatecheck::aws::RateLimits>,
        options: &gatecheck::aws::CollectOptions,
    ) -> Result<(gatecheck::model::Snapshot, gatecheck::report::Report), gatecheck::aws::CollectError> {
        let configs = self.configs.clone().with_rate_limits(limits);
        let snapshot = gatecheck::aws::collect(&configs, options).await?;
        let report = gatecheck::audit::report(std::slice::from_ref(&snapshot), Duration::ZERO);
        Ok((snapshot, report))
    }
}

/// The `fields` of each finding in a report (a `Report`, or its JSON as printed), sorted, with
/// the logging checks left out: moto accounts have no CloudWatch role (GC602) and seeded
/// stages no logging (GC601) unless a test sets them. A missing field reads `-`.
pub fn places<const N: usize>(report: &impl serde::Serialize, fields: [&str; N]) -> Vec<[String; N]> {
    let report = serde_json::to_value(report).expect("a report serializes");
    let findings = report["findings"].as_array().expect("a report has findings");
    let mut places: Vec<[String; N]> = findings
        .iter()
        .filter(|f| f["check"] != "GC602" && f["check"] != "GC601")
        .map(|f| fields.map(|field| f[field].as_str().unwrap_or("-").to_string()))
        .collect();
    places.sort();
    places
}

/// One expected place, as [`places`] lists them.
pub fn place<const N: usize>(values: [&str; N]) -> [String; N] {
    values.map(str::to_string)
}
