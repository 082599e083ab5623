//! The `gatecheck` binary as a user or script runs it: exit codes, one-line errors, the JSON
//! contract, and offline audits of snapshot files.

mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use support::bin::{assert_one_line_error, gatecheck, moto_env, run_with};
use support::TestAccount;

/// moto's default account: the CLI sends no account header.
const DEFAULT_ACCOUNT: &str = "123456789012";

fn with_moto(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, String)> {
    let mut env = moto_env();
    env.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    env
}

#[test]
fn bad_arguments_exit_2_with_one_line() {
    assert_one_line_error(
        &gatecheck(&["audit", "--fail-on", "bogus"], &[]),
        "unknown severity 'bogus'",
    );
    assert_one_line_error(&gatecheck(&["audit", "--stage", "prod"], &[]), "--api");
    assert_one_line_error(&gatecheck(&["audit", "--format", "yaml"], &[]), "yaml");
    assert_one_line_error(&gatecheck(&["frobnicate"], &[]), "frobnicate");
    assert_one_line_error(
        &gatecheck(&["audit", "--region", "moon-base-x"], &[]),
        "not an AWS region name",
    );
}

#[test]
fn help_teaches_and_exits_0() {
    let run = gatecheck(&["audit", "--help"], &[]);
    assert_eq!(run.code, 0);
    for needle in ["--fail-on", "--snapshot", "Exit codes", "AWS_ENDPOINT_URL"] {
        assert!(run.stdout.contains(needle), "{needle} missing from help");
    }
}

#[test]
fn missing_credentials_exit_2() {
    let run = gatecheck(&["audit", "--region", "us-east-1"], &[]);
    assert_one_line_error(&run, "no AWS credentials");
}

#[test]
fn an_unknown_profile_is_named_as_unknown() {
    let run = gatecheck(&["audit", "--profile", "nosuch", "--region", "us-east-1"], &[]);
    assert_one_line_error(&run, "AWS profile 'nosuch' is not defined in");
    let run = gatecheck(&["audit", "--region", "us-east-1"], &[("AWS_PROFILE", "nosuch")]);
    assert_one_line_error(&run, "AWS profile 'nosuch' is not defined in");
    // A profile that exists gets past the check (and on to the credentials it lacks).
    let dir = std::env::temp_dir().join(format!("gatecheck-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config");
    std::fs::write(
        &config,
        "[default]\nregion = us-east-1\n\n[profile dev]\nregion = eu-west-1\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let run = gatecheck(
        &["audit", "--profile", "dev", "--region", "us-east-1"],
        &[("AWS_CONFIG_FILE", config)],
    );
    assert_one_line_error(&run, "no AWS credentials");
}

#[test]
fn sarif_file_goes_with_sarif_and_must_be_readable() {
    let run = gatecheck(&["audit", "--format", "json", "--sarif-file", "template.yaml"], &[]);
    assert_one_line_error(&run, "--sarif-file goes with --format sarif");
    let run = gatecheck(
        &["audit", "--format", "sarif", "--sarif-file", "/nonexistent/t.yaml"],
        &[],
    );
    assert_one_line_error(&run, "cannot read --sarif-file /nonexistent/t.yaml");
}

#[test]
fn missing_region_exit_2() {
    let run = gatecheck(
        &["audit"],
        &[("AWS_ACCESS_KEY_ID", "x"), ("AWS_SECRET_ACCESS_KEY", "y")],
    );
    assert_one_line_error(&run, "no AWS region");
}

#[test]
fn unreadable_and_corrupt_snapshots_exit_2_naming_file_and_position() {
    let dir = std::env::temp_dir().join(format!("gatecheck-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let corrupt = dir.join("corrupt.json");
    std::fs::write(&corrupt, "{\"schema_version\": 1,\n \"account\": {\"id\": nul").unwrap();
    let path = corrupt.to_str().unwrap();
    let run = gatecheck(&["audit", "--snapshot", path], &[]);
    assert_one_line_error(&run, path);
    assert!(run.stderr.contains("line 2"), "{}", run.stderr);

    let missing = dir.join("missing.json");
    assert_one_line_error(
        &gatecheck(&["audit", "--snapshot", missing.to_str().unwrap()], &[]),
        "cannot read snapshot file",
    );
}

#[test]
fn checks_lists_the_catalogue() {
    let run = gatecheck(&["checks", "--format", "json"], &[]);
    assert_eq!(run.code, 0);
    let checks: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    let ids: Vec<&str> = checks.iter().map(|c| c["id"].as_str().unwrap()).collect();
    let registry: Vec<&str> = gatecheck::checks::REGISTRY.iter().map(|c| c.meta.id).collect();
    assert_eq!(ids, registry);
    assert!(ids.contains(&"GC301") && ids.contains(&"GC900"));
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[tokio::test]
async fn json_output_is_the_documented_contract_and_exit_codes_follow_fail_on() {
    let region = "ap-south-1";
    let account = TestAccount::new(DEFAULT_ACCOUNT, region);
    let s = account.seeder();
    let secret = "cliTestKeyValue0000000000001";
    let key = s.key("k", true, secret).await.unwrap();
    let mut api = s.api("cli-api").await.unwrap();
    s.keyed(&mut api, "/a", "GET").await.unwrap();
    s.method(&mut api, "/b", "GET", false, "NONE", None).await.unwrap();
    s.deploy_logged(&api, "prod").await.unwrap();
    s.plan("p", &[(&api, "prod")], &[&key]).await.unwrap();

    let env = moto_env();
    // -v shows each API as its reads finish, and -vv each read, one line each, also when
    // stderr is not a terminal (as here).
    let verbose = run_with(&["audit", "--region", region, "--format", "json", "-v"], &env);
    assert!(
        verbose
            .stderr
            .lines()
            .any(|l| l.contains("API read (1 of 1)") && l.contains(api.id.as_str())),
        "{}",
        verbose.stderr
    );
    let debug = run_with(&["audit", "--region", region, "--format", "json", "-vv"], &env);
    assert!(
        debug
            .stderr
            .lines()
            .any(|l| l.contains("read") && l.contains("operation=\"GetStages\"")),
        "{}",
        debug.stderr
    );
    let run = run_with(&["audit", "--region", region, "--format", "json"], &env);
    assert_eq!(
        run.code, 0,
        "GC306 and GC602 are medium, below the default fail-on: {}",
        run.stderr
    );
    let report: Value = serde_json::from_str(&run.stdout).expect("stdout is one JSON object");
    assert_eq!(keys(&report), BTreeSet::from(["findings", "summary"]));
    let contract = BTreeSet::from([
        "check",
        "name",
        "severity",
        "account",
        "region",
        "api_id",
        "api_name",
        "stage",
        "resource_path",
        "http_method",
        "title",
        "detail",
        "remediation",
        "fingerprint",
    ]);
    let findings = report["findings"].as_array().unwrap();
    let checks: Vec<&str> = findings.iter().map(|f| f["check"].as_str().unwrap()).collect();
    assert_eq!(checks, ["GC306", "GC602"]);
    for f in findings {
        assert_eq!(keys(f), contract);
        assert_eq!(f["account"], DEFAULT_ACCOUNT);
        assert_eq!(f["region"], region);
    }
    assert_eq!(findings[1]["api_id"], Value::Null, "account-wide");
    let summary = &report["summary"];
    assert_eq!(summary["apis_audited"], 1);
    assert_eq!(summary["stages_audited"], 1);
    assert_eq!(summary["usage_plans_audited"], 1);
    assert_eq!(summary["findings_by_severity"]["medium"], 2);
    assert_eq!(summary["findings_by_severity"]["critical"], 0);
    assert_eq!(summary["suppressed"], 0);
    assert!(summary["api_calls"].as_u64().unwrap() >= 9);

    let run = run_with(&["audit", "--region", region, "--fail-on", "medium"], &env);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("FAIL"));
    assert!(
        !run.stdout.contains('\u{1b}'),
        "no colour when stdout is not a terminal"
    );

    for output in [&run.stdout, &run.stderr] {
        assert!(!output.contains(secret), "a key value leaked");
    }
}

#[tokio::test]
async fn snapshot_file_audits_offline_with_the_same_findings() {
    let region = "ca-central-1";
    let account = TestAccount::new(DEFAULT_ACCOUNT, region);
    let expectations = support::scenarios::seed_demo_account(&account.seeder()).await.unwrap();
    assert!(!expectations.is_empty());

    let env = with_moto(&[]);
    let file = std::env::temp_dir().join(format!("gatecheck-snapshot-{}.json", std::process::id()));
    let file = file.to_str().unwrap();
    let run = run_with(&["snapshot", "--region", region, "-o", file], &env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = std::fs::read_to_string(file).unwrap();
    support::assert_no_key_values("the snapshot file", &written);

    let live = run_with(&["audit", "--region", region, "--format", "json"], &env);
    let offline = gatecheck(&["audit", "--snapshot", file, "--format", "json"], &[]);
    assert_eq!(live.code, 1, "the demo account has critical findings");
    assert_eq!(offline.code, live.code);
    let live: Value = serde_json::from_str(&live.stdout).unwrap();
    let offline: Value = serde_json::from_str(&offline.stdout).unwrap();
    let expected: usize = expectations.iter().map(|e| e.checks.len()).sum();
    assert!(live["findings"].as_array().unwrap().len() >= expected);
    assert_eq!(offline["findings"], live["findings"]);
}

/// A region that looks right but does not exist has no endpoint to reach.
#[test]
fn unknown_region_exits_2_naming_it() {
    let env = [("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")];
    let run = gatecheck(&["audit", "--region", "xx-fake-9"], &env);
    assert_one_line_error(&run, "could not reach API Gateway in xx-fake-9");
}

#[tokio::test]
async fn unknown_api_exits_2() {
    let env = moto_env();
    let run = run_with(&["audit", "--region", "sa-east-1", "--api", "doesnotexist"], &env);
    assert_one_line_error(&run, "REST API doesnotexist not found in sa-east-1");
}
