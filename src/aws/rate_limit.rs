//! Keeps an audit within API Gateway's control-plane quotas: 10 requests per second per
//! account and region with a burst of 40, and GetResources at 5 every 2 seconds. The limiter
//! sits in the API Gateway HTTP client (`edge.rs`), so every page and every retry waits for
//! its turn; one limiter belongs to an account-region's [`super::ServiceConfigs`] and is
//! shared by every client built from them: the audit's reads, the event lookups, explain's.

use governor::clock::DefaultClock;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use std::collections::VecDeque;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

/// GetResources has its own quota, "5 requests every 2 seconds". AWS does not say whether
/// that is a bucket of 5 refilled at 2.5 per second (which lets 9 through in the first two
/// seconds: 5 at once, then one every 400 ms) or a window that never holds more than 5. Only
/// the second reading is safe under both, so GetResources go through a sliding window: at
/// most 5 in any 2.1 s, the extra 100 ms absorbing jitter between sending and arrival (on a
/// loaded loopback, 50 ms was not always enough). That costs nothing against the strict floor
/// for a small account and 5% for a large one.
pub const GET_RESOURCES_QUOTA: (usize, Duration) = (5, Duration::from_secs(2));
/// The window the limiter keeps: the quota's, with a margin.
pub const GET_RESOURCES_WINDOW: Duration = Duration::from_millis(2100);

/// At most `max` admissions in any `span`: the admission times of the last `max`.
#[derive(Debug)]
pub struct SlidingWindow {
    max: usize,
    span: Duration,
    admitted: VecDeque<Duration>,
}

impl SlidingWindow {
    pub fn get_resources() -> Self {
        SlidingWindow {
            max: GET_RESOURCES_QUOTA.0,
            span: GET_RESOURCES_WINDOW,
            admitted: VecDeque::new(),
        }
    }

    /// Admits at `now` (time since any fixed start), or says how long to wait.
    pub fn admit(&mut self, now: Duration) -> Result<(), Duration> {
        while self
            .admitted
            .front()
            .is_some_and(|t| now.saturating_sub(*t) >= self.span)
        {
            self.admitted.pop_front();
        }
        if self.admitted.len() < self.max {
            self.admitted.push_back(now);
            return Ok(());
        }
        let oldest = self.admitted.front().copied().unwrap_or(now);
        Err((oldest + self.span).saturating_sub(now).max(Duration::from_millis(1)))
    }
}

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

    /// The limiter's quota: the rate, and the burst less a tenth. Sent at exactly the quota,
    /// a request that jitter brings a few milliseconds early finds AWS's bucket empty; with
    /// the burst's last tenth held back (4 of 40), the account's bucket stays that many
    /// requests, 400 ms at 10 per second, ahead of the limiter's. It costs 0.4 s per audit.
    pub fn quota(&self) -> Quota {
        let rate = NonZeroU32::new(self.per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let held_back = self.burst / 10;
        let burst = NonZeroU32::new(self.burst.saturating_sub(held_back).max(1)).unwrap_or(NonZeroU32::MIN);
        Quota::per_second(rate).allow_burst(burst)
    }
}

type GovernorLimiter = RateLimiter<NotKeyed, InMemoryState, DefaultClock>;

/// One account-region's limiter: every API Gateway request waits for it, whichever client
/// sends it. Clones share it.
#[derive(Clone)]
pub struct Limiter(Arc<Limiters>);

struct Limiters {
    all: GovernorLimiter,
    get_resources: Mutex<SlidingWindow>,
    /// The start of `get_resources`' clock.
    started: Instant,
    /// Requests let through, for the tests and the bench to compare with what was sent.
    admitted: AtomicU64,
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limiter")
            .field("admitted", &self.admitted())
            .finish_non_exhaustive()
    }
}

impl Limiter {
    pub fn new(limits: RateLimits) -> Self {
        Limiter(Arc::new(Limiters {
            all: RateLimiter::direct(limits.quota()),
            get_resources: Mutex::new(SlidingWindow::get_resources()),
            started: Instant::now(),
            admitted: AtomicU64::new(0),
        }))
    }

    /// Waits until the quota lets this request go.
    pub async fn until_ready(&self, method: &str, uri: &str) {
        self.0.all.until_ready().await;
        // The GetResources window last, so that a request enters it when it is sent: one that
        // entered it and then waited for the overall quota would leave too short a gap to the
        // fifth after it.
        if is_get_resources(method, uri) {
            loop {
                let now = self.0.started.elapsed();
                let admitted = self
                    .0
                    .get_resources
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .admit(now);
                match admitted {
                    Ok(()) => break,
                    Err(wait) => tokio::time::sleep(wait).await,
                }
            }
        }
        self.0.admitted.fetch_add(1, Ordering::Relaxed);
    }

    /// How many requests it has let through.
    pub fn admitted(&self) -> u64 {
        self.0.admitted.load(Ordering::Relaxed)
    }
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

/// How long the limiter takes to let `total` API Gateway requests through, `get_resources`
/// of them GetResources, sent as fast as it allows, timed on the limiter's own clock (no
/// waiting). Other requests go while a GetResources waits for its own quota, as the
/// collector's concurrent reads do.
pub fn simulate(limits: RateLimits, total: u64, get_resources: u64) -> Duration {
    use governor::clock::{Clock, FakeRelativeClock, Reference};
    let clock = FakeRelativeClock::default();
    let all = RateLimiter::direct_with_clock(limits.quota(), clock.clone());
    let mut resources = SlidingWindow::get_resources();
    let start = clock.now();
    let (mut others, mut pending_resources) = (total.saturating_sub(get_resources), get_resources);
    // A GetResources that has its overall token and waits for the window, as in
    // `Limiter::until_ready`.
    let mut holding = false;
    while others + pending_resources > 0 {
        let mut waits = Vec::new();
        if pending_resources > 0 {
            if !holding {
                match all.check() {
                    Ok(()) => holding = true,
                    Err(not_until) => waits.push(not_until.wait_time_from(clock.now())),
                }
            }
            if holding {
                match resources.admit(clock.now().duration_since(start).into()) {
                    Ok(()) => {
                        pending_resources -= 1;
                        holding = false;
                        continue;
                    }
                    Err(wait) => waits.push(wait),
                }
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

/// The least time any client needs for these requests under the documented quotas: the
/// burst, then the rate; GetResources at most 5 in any 2 s.
pub fn floor(limits: RateLimits, total: u64, get_resources: u64) -> Duration {
    let overall = total.saturating_sub(u64::from(limits.burst)) as f64 / f64::from(limits.per_second.max(1));
    let (per_window, window) = GET_RESOURCES_QUOTA;
    let resources = get_resources.saturating_sub(1) / per_window as u64 * window.as_secs();
    Duration::from_secs_f64(overall.max(resources as f64))
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
    fn default_quota_stays_4_requests_inside_a_burst_of_40_then_10_per_second() {
        let times = admissions(API_GATEWAY_QUOTA.quota(), 136);
        assert!(
            times[..36].iter().all(|t| t.is_zero()),
            "the burst, less a tenth, goes at once"
        );
        assert_eq!(times[36], Duration::from_millis(100));
        assert_eq!(times[135], Duration::from_millis(10_000), "100 more at 10 per second");
        // AWS's bucket (40, refilled at 10/s) never runs dry: 4 requests to spare at any time.
        for (i, t) in times.iter().enumerate() {
            let tokens = 40.0 + t.as_secs_f64() * 10.0 - (i + 1) as f64;
            assert!(
                tokens >= 4.0 - 1e-9,
                "request {i} at {t:?} leaves {tokens} in AWS's bucket"
            );
        }
    }

    #[test]
    fn get_resources_never_exceed_5_in_any_2_seconds() {
        let mut window = SlidingWindow::get_resources();
        let mut now = Duration::ZERO;
        let times: Vec<Duration> = (0..40)
            .map(|_| {
                while let Err(wait) = window.admit(now) {
                    now += wait;
                }
                now
            })
            .collect();
        let (per_window, span) = GET_RESOURCES_QUOTA;
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..].iter().take_while(|u| **u < *t + span).count();
            assert!(in_window <= per_window, "{in_window} GetResources within 2 s of {t:?}");
        }
        // Five at once, then the next five 2.1 s later: the floor, with 100 ms to spare.
        assert!(times[..5].iter().all(|t| t.is_zero()));
        assert_eq!(times[5], Duration::from_millis(2100));
        assert_eq!(times[39], Duration::from_millis(7 * 2100));
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
            Duration::from_secs(398),
            "GetResources bound it: 199 windows of 2 s"
        );
        assert!(
            sim >= least && sim.as_secs_f64() <= least.as_secs_f64() * 1.06,
            "{sim:?} vs {least:?}"
        );
        // Few requests: the burst and the first window take them at once.
        assert_eq!(simulate(API_GATEWAY_QUOTA, 30, 5), Duration::ZERO);
        assert_eq!(floor(API_GATEWAY_QUOTA, 30, 5), Duration::ZERO);
        assert_eq!(simulate(API_GATEWAY_QUOTA, 47, 10), Duration::from_millis(2100));
        assert_eq!(floor(API_GATEWAY_QUOTA, 47, 10), Duration::from_secs(2));
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
        let times = admissions(RateLimits::per_second(5).quota(), 19);
        assert_eq!(times[17], Duration::ZERO, "20 less a tenth at once");
        assert_eq!(times[18], Duration::from_millis(200));
    }
}
