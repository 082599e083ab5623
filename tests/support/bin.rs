//! Running the `gatecheck` binary as a user or script would, with a clean AWS environment.

use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs gatecheck with a clean AWS environment plus `env`.
pub fn gatecheck(args: &[&str], env: &[(&str, &str)]) -> Run {
    let home = std::env::temp_dir().join("gatecheck-cli-test-home");
    let _ = std::fs::create_dir_all(&home);
    let mut command = Command::new(env!("CARGO_BIN_EXE_gatecheck"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("AWS_CONFIG_FILE", home.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().expect("run gatecheck");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Test credentials and the moto endpoint.
pub fn moto_env() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_ENDPOINT_URL", super::moto().endpoint.clone()),
        // The emulator has no quota to respect; the limiter's own tests are in reliability.rs.
        ("GATECHECK_MAX_RPS", "100".into()),
    ]
}

pub fn run_with(args: &[&str], env: &[(&'static str, String)]) -> Run {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    gatecheck(args, &env)
}

pub fn assert_one_line_error(run: &Run, needle: &str) {
    assert_eq!(run.code, 2, "stderr: {}", run.stderr);
    assert_eq!(
        run.stderr.trim_end().lines().count(),
        1,
        "one line, got: {}",
        run.stderr
    );
    assert!(run.stderr.contains(needle), "{:?} not in {}", needle, run.stderr);
    assert!(!run.stderr.contains("panicked") && !run.stderr.contains("backtrace"));
}
