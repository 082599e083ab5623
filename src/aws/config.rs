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

/// Fails early, in one line, when no credentials can be found.
pub async fn check_credentials(sdk: &SdkConfig) -> anyhow::Result<()> {
    use aws_credential_types::provider::ProvideCredentials;
    const HOW: &str = "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, pass --profile, or run 'aws sso login'";
    let Some(provider) = sdk.credentials_provider() else {
        anyhow::bail!("no AWS credentials found: {HOW}");
    };
    if let Err(err) = provider.provide_credentials().await {
        anyhow::bail!("no AWS credentials found ({err}): {HOW}");
    }
    Ok(())
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
