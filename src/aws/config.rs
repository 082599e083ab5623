//! The AWS SDK configuration both the command line and the function start from.

use aws_config::{BehaviorVersion, Region, SdkConfig};

/// Where AWS requests go and with which credentials, beyond the standard chain.
#[derive(Debug, Clone, Default)]
pub struct Connection<'a> {
    /// A named profile (otherwise AWS_PROFILE or the default one).
    pub profile: Option<&'a str>,
    /// An endpoint for every service (an emulator); AWS_ENDPOINT_URL works as well.
    pub endpoint_url: Option<&'a str>,
}

/// The standard chain (environment, profile, SSO, container or instance role) with
/// gatecheck's retries and timeouts, in `region` or the chain's own.
pub async fn load(connection: &Connection<'_>, region: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry_config())
        .timeout_config(timeout_config());
    if let Some(profile) = connection.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_string()));
    }
    if let Some(url) = connection.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// The same configuration in another region.
pub fn in_region(sdk: &SdkConfig, region: &str) -> SdkConfig {
    sdk.to_builder().region(Region::new(region.to_string())).build()
}

/// Fails early, in one line, when no credentials can be found, or when the profile named
/// (`--profile` or AWS_PROFILE) is in neither AWS file.
pub async fn check_credentials(sdk: &SdkConfig, connection: &Connection<'_>) -> anyhow::Result<()> {
    use aws_credential_types::provider::ProvideCredentials;
    const HOW: &str = "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, pass --profile, or run 'aws sso login'";
    let named = connection
        .profile
        .map(str::to_string)
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
    if let Some(name) = named {
        let files = profile_files();
        if !files
            .iter()
            .any(|(path, is_config)| defines_profile(path, &name, *is_config))
        {
            let shown: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
            anyhow::bail!(
                "AWS profile '{name}' is not defined in {}: check its name (aws configure list-profiles)",
                shown.join(" or ")
            );
        }
    }
    let Some(provider) = sdk.credentials_provider() else {
        anyhow::bail!("no AWS credentials found: {HOW}");
    };
    if let Err(err) = provider.provide_credentials().await {
        anyhow::bail!("no AWS credentials found ({err}): {HOW}");
    }
    Ok(())
}

/// The shared config and credentials files, where the SDK reads them, each marked whether it
/// is the config file (whose sections are `[profile NAME]`).
fn profile_files() -> Vec<(std::path::PathBuf, bool)> {
    let home = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let file = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| home.join(".aws").join(default))
    };
    vec![
        (file("AWS_CONFIG_FILE", "config"), true),
        (file("AWS_SHARED_CREDENTIALS_FILE", "credentials"), false),
    ]
}

/// Whether the file at `path` has a section for profile `name`.
fn defines_profile(path: &std::path::Path, name: &str, is_config: bool) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    text.lines().any(|line| {
        let Some(section) = line.trim().strip_prefix('[').and_then(|l| l.strip_suffix(']')) else {
            return false;
        };
        let section = section.trim();
        let profile = match (is_config, section.strip_prefix("profile ")) {
            (true, Some(profile)) => profile.trim(),
            // The config file's default profile may be `[default]`.
            (true, None) => section,
            (false, _) => section,
        };
        profile == name
    })
}

/// How the CLI and the function retry what still comes back throttled or failed: the SDK's
/// standard strategy (exponential backoff with jitter, honouring `x-amz-retry-after`), with
/// more attempts than its default of 3, since an audit can wait and a gap costs coverage.
pub fn retry_config() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard().with_max_attempts(5)
}

/// Bounds on one call, so that a slow or silent endpoint cannot hang an audit.
pub fn timeout_config() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .operation_attempt_timeout(std::time::Duration::from_secs(30))
        .operation_timeout(std::time::Duration::from_secs(120))
        .build()
}
