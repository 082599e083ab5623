//! Every AWS call gatecheck makes, a file per service, with the account-region's limiter and
//! the read helper that records what could not be read. `collect` turns one account-region
//! into a [`crate::model::Snapshot`]; the rest serves the pipeline's other reads (CloudTrail,
//! CloudWatch Logs, the S3 state, the organization) and explain's lookups. Besides `sinks`,
//! the only module that sees SDK types. Whatever cannot be read becomes a
//! [`crate::model::CoverageGap`], never an aborted audit.

mod account_settings;
mod apigateway;
pub mod auditor;
mod calls;
mod cloudfront;
pub mod cloudtrail;
mod collect;
pub mod config;
mod ec2;
mod edge;
mod errors;
mod explain_lookup;
pub mod fan_out;
pub mod logs;
mod nulls;
pub mod rate_limit;
pub mod s3_state;
mod wafv2;

pub use calls::CallCounter;
pub use cloudfront::CloudFrontShare;
pub use collect::{apis_of_keys, apis_of_plans, collect, domains_named, CollectOptions, DEFAULT_CONCURRENCY};
pub(crate) use collect::{Reader, Unread};
pub use errors::CollectError;
pub use explain_lookup::{key_id_for_value, read_for_explain};
pub use rate_limit::{Limiter, RateLimits};

use aws_sdk_apigateway::config::retry::{RetryPartition, TokenBucket};
use std::sync::Arc;

/// Reports progress as (APIs read, APIs in total).
pub type Progress = Arc<dyn Fn(usize, usize) + Send + Sync>;

/// SDK configuration for the services the collector reads in one account and region, with
/// that account-region's API Gateway limiter. Tests inject their own (endpoint, interceptors,
/// retries); the CLI and Lambda build it from the standard chain. Build it once per
/// account-region and clone it: clones share the limiter.
#[derive(Clone, Debug)]
pub struct ServiceConfigs {
    pub apigateway: aws_sdk_apigateway::Config,
    /// API Gateway's v2 API: only for custom domains' routing rules, which live there.
    pub apigatewayv2: aws_sdk_apigatewayv2::Config,
    pub sts: aws_sdk_sts::Config,
    pub wafv2: aws_sdk_wafv2::Config,
    /// EC2, for the execute-api VPC endpoints only.
    pub ec2: aws_sdk_ec2::Config,
    /// CloudFront (global), for the distributions in front of execute-api origins only.
    pub cloudfront: aws_sdk_cloudfront::Config,
    /// None: no limit (tests against an emulator that has no quota).
    limiter: Option<Limiter>,
}

impl ServiceConfigs {
    /// Limited to API Gateway's documented quota; see [`ServiceConfigs::with_rate_limits`].
    pub fn new(
        apigateway: aws_sdk_apigateway::Config,
        apigatewayv2: aws_sdk_apigatewayv2::Config,
        sts: aws_sdk_sts::Config,
        wafv2: aws_sdk_wafv2::Config,
        ec2: aws_sdk_ec2::Config,
        cloudfront: aws_sdk_cloudfront::Config,
    ) -> Self {
        ServiceConfigs {
            apigateway,
            apigatewayv2,
            sts,
            wafv2,
            ec2,
            cloudfront,
            limiter: Some(Limiter::new(RateLimits::default())),
        }
    }

    pub fn from_sdk_config(sdk: &aws_config::SdkConfig) -> Self {
        Self::new(
            aws_sdk_apigateway::Config::new(sdk),
            aws_sdk_apigatewayv2::Config::new(sdk),
            aws_sdk_sts::Config::new(sdk),
            aws_sdk_wafv2::Config::new(sdk),
            aws_sdk_ec2::Config::new(sdk),
            aws_sdk_cloudfront::Config::new(sdk),
        )
    }

    /// A new limiter at these rates (None: none), shared by the clones made from here on.
    pub fn with_rate_limits(mut self, limits: Option<RateLimits>) -> Self {
        self.limiter = limits.map(Limiter::new);
        self
    }

    pub fn limiter(&self) -> Option<&Limiter> {
        self.limiter.as_ref()
    }

    pub fn region(&self) -> Option<String> {
        self.apigateway.region().map(|r| r.to_string())
    }

    /// The one way gatecheck makes an API Gateway client: through the account-region's
    /// limiter and the null-dropping edge, with retries in their own partition.
    pub fn apigateway_client(&self, counter: Option<&CallCounter>) -> aws_sdk_apigateway::Client {
        let mut config = self
            .apigateway
            .to_builder()
            .http_client(edge::ApiGatewayHttpClient::new(
                self.apigateway.http_client(),
                self.limiter.clone(),
            ))
            .retry_partition(retry_partition(self.region().as_deref().unwrap_or_default()));
        if let Some(counter) = counter {
            config = config.interceptor(counter.clone());
        }
        aws_sdk_apigateway::Client::from_conf(config.build())
    }

    /// The same for API Gateway's v2 API, which shares the account-region's quota.
    pub fn apigatewayv2_client(&self, counter: Option<&CallCounter>) -> aws_sdk_apigatewayv2::Client {
        let mut config = self
            .apigatewayv2
            .to_builder()
            .http_client(edge::ApiGatewayHttpClient::new(
                self.apigatewayv2.http_client(),
                self.limiter.clone(),
            ))
            .retry_partition(retry_partition(self.region().as_deref().unwrap_or_default()));
        if let Some(counter) = counter {
            config = config.interceptor(counter.clone());
        }
        aws_sdk_apigatewayv2::Client::from_conf(config.build())
    }
}

/// The SDK's default retry quota (shared, 500 tokens, 14 per transient retry) runs dry within
/// one audit of a few hundred calls when an endpoint blips; the rate limiter already bounds
/// the request rate, and max attempts bound each call.
fn retry_partition(region: &str) -> RetryPartition {
    RetryPartition::custom(format!("gatecheck-{region}"))
        .token_bucket(TokenBucket::unlimited())
        .build()
}
