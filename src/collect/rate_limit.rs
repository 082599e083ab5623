//! Keeps an audit within API Gateway's control-plane quotas: 10 requests per second per
//! account and region with a burst of 40, and GetResources at 5 every 2 seconds. The limit
//! sits in the HTTP client, so every page and every retry waits for its turn, and one
//! limiter is shared by all concurrent reads of one account and region.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use governor::clock::DefaultClock;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// Requests per second and burst for one account and region.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimits {
    pub per_second: u32,
    pub burst: u32,
}

/// API Gateway's documented control-plane quota.
pub const API_GATEWAY_QUOTA: RateLimits = RateLimits {
    per_second: 10,
    burst: 40,
};

/// GetResources has its own, lower quota: 5 requests every 2 seconds.
pub const GET_RESOURCES_PERIOD: Duration = Duration::from_millis(400);
pub const GET_RESOURCES_BURST: u32 = 5;

impl Default for RateLimits {
    fn default() -> Self {
        API_GATEWAY_QUOTA
    }
}

impl RateLimits {
    /// `per_second` with the documented burst ratio (4 seconds' worth).
    pub fn per_second(per_second: u32) -> Self {
        RateLimits {
            per_second,
            burst: per_second.saturating_mul(4),
        }
    }

    pub fn quota(&self) -> Quota {
        let rate = NonZeroU32::new(self.per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(self.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Quota::per_second(rate).allow_burst(burst)
    }

    pub fn get_resources_quota() -> Quota {
        let burst = NonZeroU32::new(GET_RESOURCES_BURST).unwrap_or(NonZeroU32::MIN);
        Quota::with_period(GET_RESOURCES_PERIOD)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst)
    }
}

type Limiter = RateLimiter<NotKeyed, InMemoryState, DefaultClock>;

struct Limiters {
    all: Limiter,
    get_resources: Limiter,
}

/// Whether an API Gateway request is GetResources: `GET /restapis/{id}/resources`.
pub fn is_get_resources(method: &str, uri: &str) -> bool {
    let path = uri.split('?').next().unwrap_or_default();
    let path = path
        .split_once("://")
        .map_or(path, |(_, rest)| rest.find('/').map_or("", |i| &rest[i..]));
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    method == "GET" && parts.len() == 3 && parts[0] == "restapis" && parts[2] == "resources"
}

/// An HTTP client that waits for the account-region's rate limit before each request.
#[derive(Clone)]
pub struct RateLimitedClient {
    inner: SharedHttpClient,
    limiters: Arc<Limiters>,
}

impl fmt::Debug for RateLimitedClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitedClient").finish_non_exhaustive()
    }
}

impl RateLimitedClient {
    /// Wraps `inner`, or the SDK's default HTTPS client when there is none.
    pub fn new(inner: Option<SharedHttpClient>, limits: RateLimits) -> Self {
        let inner = inner.unwrap_or_else(|| {
            aws_smithy_http_client::Builder::new()
                .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                    aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
                ))
                .build_https()
        });
        RateLimitedClient {
            inner,
            limiters: Arc::new(Limiters {
                all: RateLimiter::direct(limits.quota()),
                get_resources: RateLimiter::direct(RateLimits::get_resources_quota()),
            }),
        }
    }
}

impl HttpClient for RateLimitedClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(RateLimitedConnector {
            inner: self.inner.http_connector(settings, components),
            limiters: self.limiters.clone(),
        })
    }
}

#[derive(Clone)]
struct RateLimitedConnector {
    inner: SharedHttpConnector,
    limiters: Arc<Limiters>,
}

impl fmt::Debug for RateLimitedConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitedConnector").finish_non_exhaustive()
    }
}

impl HttpConnector for RateLimitedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, limiters) = (self.inner.clone(), self.limiters.clone());
        HttpConnectorFuture::new(async move {
            if is_get_resources(request.method(), request.uri()) {
                limiters.get_resources.until_ready().await;
            }
            limiters.all.until_ready().await;
            inner.call(request).await
        })
    }
}

/// How long the limiter takes to let `total` API Gateway requests through, `get_resources`
/// of them GetResources, sent as fast as it allows, timed on the limiter's own clock (no
/// waiting). Other requests go while a GetResources waits for its own quota, as the
/// collector's concurrent reads do.
pub fn simulate(limits: RateLimits, total: u64, get_resources: u64) -> Duration {
    use governor::clock::{Clock, FakeRelativeClock, Reference};
    let clock = FakeRelativeClock::default();
    let all = RateLimiter::direct_with_clock(limits.quota(), clock.clone());
    let resources = RateLimiter::direct_with_clock(RateLimits::get_resources_quota(), clock.clone());
    let start = clock.now();
    let (mut others, mut pending_resources) = (total.saturating_sub(get_resources), get_resources);
    while others + pending_resources > 0 {
        let mut waits = Vec::new();
        if pending_resources > 0 {
            match resources.check() {
                Ok(()) => match all.check() {
                    Ok(()) => {
                        pending_resources -= 1;
                        continue;
                    }
                    Err(not_until) => waits.push(not_until.wait_time_from(clock.now())),
                },
                Err(not_until) => waits.push(not_until.wait_time_from(clock.now())),
            }
        }
        if others > 0 {
            match all.check() {
                Ok(()) => {
                    others -= 1;
                    continue;
                }
                Err(not_until) => waits.push(not_until.wait_time_from(clock.now())),
            }
        }
        clock.advance(waits.into_iter().min().unwrap_or(Duration::from_millis(1)));
    }
    clock.now().duration_since(start).into()
}

/// The least time any client needs for these requests under the quota: the burst, then the
/// rate; GetResources under its own.
pub fn floor(limits: RateLimits, total: u64, get_resources: u64) -> Duration {
    let overall = total.saturating_sub(u64::from(limits.burst)) as f64 / f64::from(limits.per_second.max(1));
    let resources =
        get_resources.saturating_sub(u64::from(GET_RESOURCES_BURST)) as f64 * GET_RESOURCES_PERIOD.as_secs_f64();
    Duration::from_secs_f64(overall.max(resources))
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::{Clock, FakeRelativeClock, Reference};

    #[test]
    fn recognises_get_resources() {
        assert!(is_get_resources(
            "GET",
            "https://apigateway.eu-west-1.amazonaws.com/restapis/a1/resources?embed=methods&limit=500"
        ));
        assert!(is_get_resources("GET", "/restapis/a1/resources"));
        assert!(!is_get_resources("GET", "/restapis/a1/stages"));
        assert!(!is_get_resources("GET", "/restapis/a1/resources/r1"));
        assert!(!is_get_resources("POST", "/restapis/a1/resources"));
    }

    /// Admission times of `n` requests sent as fast as the quota allows, on a fake clock.
    fn admissions(quota: Quota, n: usize) -> Vec<Duration> {
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::direct_with_clock(quota, clock.clone());
        let start = clock.now();
        (0..n)
            .map(|_| {
                while let Err(not_until) = limiter.check() {
                    clock.advance(not_until.wait_time_from(clock.now()));
                }
                clock.now().duration_since(start).into()
            })
            .collect()
    }

    #[test]
    fn default_quota_allows_a_burst_of_40_then_10_per_second() {
        let times = admissions(API_GATEWAY_QUOTA.quota(), 140);
        assert!(times[..40].iter().all(|t| t.is_zero()), "the burst goes at once");
        assert_eq!(times[40], Duration::from_millis(100));
        assert_eq!(times[139], Duration::from_millis(10_000), "100 more at 10 per second");
        // In any one-second window, at most the burst plus the rate.
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|u| **u < *t + Duration::from_secs(1))
                .count();
            assert!(in_window <= 50, "{in_window} requests within a second of {t:?}");
        }
    }

    #[test]
    fn get_resources_quota_is_5_every_2_seconds() {
        let times = admissions(RateLimits::get_resources_quota(), 15);
        assert!(times[..5].iter().all(|t| t.is_zero()));
        assert_eq!(times[5], Duration::from_millis(400));
        assert_eq!(times[14], Duration::from_millis(4000));
    }

    #[test]
    fn the_simulated_limiter_meets_the_floor() {
        // 1,000 APIs: 4,000 requests, 1,000 of them GetResources.
        let (sim, least) = (
            simulate(API_GATEWAY_QUOTA, 4000, 1000),
            floor(API_GATEWAY_QUOTA, 4000, 1000),
        );
        assert_eq!(
            least,
            Duration::from_millis(398_000),
            "GetResources bounds it: 995 × 0.4 s"
        );
        assert!(
            sim >= least && sim <= least + Duration::from_secs(1),
            "{sim:?} vs {least:?}"
        );
        // Few requests: the burst takes them at once.
        assert_eq!(simulate(API_GATEWAY_QUOTA, 30, 5), Duration::ZERO);
        assert_eq!(floor(API_GATEWAY_QUOTA, 30, 5), Duration::ZERO);
    }

    #[test]
    fn configured_rate_keeps_the_burst_ratio() {
        assert_eq!(
            RateLimits::per_second(5),
            RateLimits {
                per_second: 5,
                burst: 20
            }
        );
        let times = admissions(RateLimits::per_second(5).quota(), 21);
        assert_eq!(times[20], Duration::from_millis(200));
    }
}
