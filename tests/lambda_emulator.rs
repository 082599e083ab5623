//! The real `bootstrap` under cargo-lambda's runtime emulator (`cargo lambda watch` +
//! `cargo lambda invoke`), against moto: a scheduled audit, a CreateDeployment audit of one
//! API, a malformed event; EMF lines on the function's stdout; the SNS message read back
//! from SQS queues subscribed to the topic, one of them with a filter policy.

// Helpers below panic on a failed setup step, as the test itself would.
#![allow(clippy::unwrap_used)]

mod support;

use gatecheck::sinks::emf;
use serde_json::Value;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::scenarios::seed_demo_account;
use support::TestAccount;

/// moto's default account: the function sends no account header.
const ACCOUNT: &str = "123456789012";
const REGION: &str = "eu-north-1";

fn venv_bin() -> PathBuf {
    match std::env::var("GATECHECK_PYTHON") {
        Ok(python) => Path::new(&python).parent().map(Path::to_path_buf).unwrap_or_default(),
        Err(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin"),
    }
}

fn path_with_venv() -> String {
    format!("{}:{}", venv_bin().display(), std::env::var("PATH").unwrap_or_default())
}

/// `cargo lambda watch` in its own process group, stopped by that group's id on drop.
struct Watch {
    child: Child,
    port: u16,
    stdout: PathBuf,
}

impl Watch {
    fn start(env: &[(&str, String)], dir: &Path) -> Watch {
        use std::os::unix::process::CommandExt;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let stdout = dir.join("watch.out");
        let mut command = Command::new("cargo");
        command
            .args([
                "lambda",
                "watch",
                "-A",
                "127.0.0.1",
                "-P",
                &port.to_string(),
                "--ignore-changes",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("PATH", path_with_venv())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(dir.join("watch.err")).unwrap())
            .process_group(0);
        for (k, v) in env {
            command.env(k, v);
        }
        let child = command
            .spawn()
            .expect("start cargo lambda watch (make venv installs cargo-lambda)");
        let deadline = Instant::now() + Duration::from_secs(120);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "cargo lambda watch did not listen on {port}");
            std::thread::sleep(Duration::from_millis(200));
        }
        Watch { child, port, stdout }
    }

    /// Invokes with a bound: if the function fails to build, invoke would hang. Output goes
    /// to a file, not a pipe, so a long answer cannot block the child.
    fn invoke(&self, event_file: &Path) -> (bool, String) {
        let out_path = self.stdout.with_file_name("invoke.out");
        let out = std::fs::File::create(&out_path).unwrap();
        let mut child = Command::new("cargo")
            .args([
                "lambda",
                "invoke",
                "-A",
                "127.0.0.1",
                "-P",
                &self.port.to_string(),
                "bootstrap",
                "--data-file",
            ])
            .arg(event_file)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("PATH", path_with_venv())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("cargo lambda invoke");
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return (status.success(), std::fs::read_to_string(&out_path).unwrap_or_default());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("cargo lambda invoke did not answer within 600 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }
}

/// The pids below `pid`, deepest first (from /proc: cargo lambda watch starts each function
/// instance in a process group of its own, so a group signal does not reach it).
fn descendants(pid: u32) -> Vec<u32> {
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // Field 4 is the parent pid; field 2, the command, is in parentheses and may hold spaces.
        let parent = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if parent == Some(pid) {
            children.push(child);
        }
    }
    let mut all = Vec::new();
    for child in children {
        all.extend(descendants(child));
        all.push(child);
    }
    all
}

impl Drop for Watch {
    fn drop(&mut self) {
        for pid in descendants(self.child.id()) {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn drain(sqs: &aws_sdk_sqs::Client, queue: &str) -> Vec<Value> {
    let out = sqs
        .receive_message()
        .queue_url(queue)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    out.messages()
        .iter()
        .map(|m| serde_json::from_str(m.body().unwrap_or("{}")).unwrap())
        .collect()
}

#[tokio::test]
async fn lambda_runs_under_the_runtime_emulator() {
    let moto = support::moto();
    let account = TestAccount::new(ACCOUNT, REGION);
    let expectations = seed_demo_account(&account.seeder()).await.unwrap();
    let sdk = support::sdk_config(&moto.endpoint, REGION);
    let sns = aws_sdk_sns::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let topic = sns
        .create_topic()
        .name("gatecheck-findings")
        .send()
        .await
        .unwrap()
        .topic_arn()
        .unwrap()
        .to_string();
    let mut queues = Vec::new();
    for (name, filter) in [
        ("all", None),
        ("critical-only", Some(r#"{"severity":["critical"]}"#)),
        ("info-only", Some(r#"{"severity":["info"]}"#)),
    ] {
        let url = sqs
            .create_queue()
            .queue_name(name)
            .send()
            .await
            .unwrap()
            .queue_url()
            .unwrap()
            .to_string();
        let attrs = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap();
        let arn = attrs.attributes().unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn].clone();
        let mut subscribe = sns.subscribe().topic_arn(&topic).protocol("sqs").endpoint(arn);
        if let Some(policy) = filter {
            subscribe = subscribe.attributes("FilterPolicy", policy);
        }
        subscribe.send().await.unwrap();
        queues.push(url);
    }

    let dir = std::env::temp_dir().join(format!("gatecheck-lambda-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let watch = Watch::start(
        &[
            ("AWS_ENDPOINT_URL", moto.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", REGION.into()),
            ("AWS_MAX_ATTEMPTS", "1".into()),
            ("RUST_BACKTRACE", "0".into()),
            ("GATECHECK_TOPIC_ARN", topic.clone()),
            ("GATECHECK_PUBLISH_SEVERITY", "high".into()),
        ],
        &dir,
    );
    let events = Path::new(env!("CARGO_MANIFEST_DIR")).join("events");

    // A scheduled event audits every API of the region.
    let (ok, text) = watch.invoke(&events.join("scheduled.json"));
    assert!(ok, "{text}");
    let response: Value = serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(
        response["summary"]["apis_audited"].as_u64(),
        Some(expectations.len() as u64)
    );
    assert_eq!(response["passed"], false);
    let orders = expectations
        .iter()
        .find(|e| e.api_name == "orders-no-usage-plan")
        .unwrap();
    assert!(response["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["check"] == "GC301" && f["api_id"] == orders.api_id.as_str()));
    assert!(response["published_message_id"].is_string());

    // Its metrics are EMF lines on the function's stdout, each valid.
    let output = watch.output();
    let emf_lines: Vec<&str> = output.lines().filter(|l| l.contains("\"_aws\"")).collect();
    assert!(emf_lines.len() >= 6, "{output}");
    for line in &emf_lines {
        let json = &line[line.find('{').unwrap()..];
        emf::validate_line(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    }
    assert!(output.contains("\"fingerprint\""), "one log line per finding");

    // One SNS message, with attributes that filter policies use.
    let all = drain(&sqs, &queues[0]).await;
    assert_eq!(all.len(), 1);
    let message = all[0].to_string();
    support::assert_no_key_values("the SNS message", &message);
    let attributes = &all[0]["MessageAttributes"];
    assert_eq!(attributes["severity"]["Value"], "critical");
    assert!(attributes["checks"]["Value"].as_str().unwrap().contains("GC301"));
    assert!(attributes["api_ids"]["Value"]
        .as_str()
        .unwrap()
        .contains(&orders.api_id));
    assert_eq!(attributes["region"]["Value"], REGION);
    assert!(all[0]["Subject"].as_str().unwrap().len() < 100);
    assert_eq!(
        drain(&sqs, &queues[1]).await.len(),
        1,
        "severity=critical filter passes it"
    );
    assert_eq!(
        drain(&sqs, &queues[2]).await.len(),
        0,
        "severity=info filter holds it back"
    );

    // A CreateDeployment event audits only the API it names.
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(events.join("create-deployment.json")).unwrap()).unwrap();
    event["region"] = REGION.into();
    event["detail"]["awsRegion"] = REGION.into();
    event["detail"]["requestParameters"]["restApiId"] = orders.api_id.clone().into();
    let event_file = dir.join("create-deployment.json");
    std::fs::write(&event_file, event.to_string()).unwrap();
    let (ok, text) = watch.invoke(&event_file);
    assert!(ok, "{text}");
    let response: Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(response["summary"]["apis_audited"], 1);
    let api_ids: Vec<&Value> = response["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["api_id"])
        .collect();
    assert!(
        !api_ids.is_empty() && api_ids.iter().all(|id| id.is_null() || *id == orders.api_id.as_str()),
        "{api_ids:?}"
    );
    assert_eq!(
        drain(&sqs, &queues[0]).await.len(),
        1,
        "its critical GC301 is published"
    );

    // A Step Functions Map item: the function assumes the member role (moto maps the
    // session to that account), audits that account-region, and returns its counts only.
    let member = "222233334444";
    let s = support::TestAccount::new(member, REGION).seeder();
    let mut api = s.api("member-no-usage-plan").await.unwrap();
    s.keyed(&mut api, "/a", "GET").await.unwrap();
    s.deploy(&api, "prod").await.unwrap();
    let mut item: Value =
        serde_json::from_str(&std::fs::read_to_string(events.join("fanout-item.json")).unwrap()).unwrap();
    item["region"] = REGION.into();
    let item_file = dir.join("fanout-item.json");
    std::fs::write(&item_file, item.to_string()).unwrap();
    let (ok, text) = watch.invoke(&item_file);
    assert!(ok, "{text}");
    let counts: Value = serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(
        (counts["account"].as_str(), counts["region"].as_str()),
        (Some(member), Some(REGION)),
        "{counts}"
    );
    assert_eq!(counts["checks"]["GC301"], 1, "{counts}");
    assert_eq!(counts["apisAudited"], 1, "only the member's API: {counts}");
    assert!(
        counts.get("findings").is_none(),
        "counts only, for the state machine's payload"
    );
    assert_eq!(
        drain(&sqs, &queues[0]).await.len(),
        0,
        "an item publishes nothing; the summary does"
    );

    // A malformed event is a clear error and publishes nothing.
    let (ok, text) = watch.invoke(&events.join("malformed-direct-wrong-type.json"));
    assert!(!ok, "{text}");
    assert!(text.contains("malformed direct invocation"), "{text}");
    assert!(text.contains("InvalidEvent"), "the error names its kind: {text}");
    assert_eq!(drain(&sqs, &queues[0]).await.len(), 0);

    // No key value anywhere the function writes.
    let output = watch.output();
    support::assert_no_key_values("the function's output", &output);
    support::assert_no_key_values("the function's response", &text);
}
