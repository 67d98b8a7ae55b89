//! Rate limiting with `governor`: one keyed limiter for reads and one,
//! tighter, for writes, shared by every worker of the replica.
//!
//! A request is counted against its API key (the key's id, once the key is
//! known to be valid) or, without a valid key, against the client address.
//! Preflights never reach this layer: CORS answers them outside it. The
//! refusal is a 429 problem from the one error table, rendered here as a
//! response so the layers outside it (CORS, security headers) decorate it.

use std::net::IpAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::config::edge::{EdgeSettings, RateQuota};
use crate::http::AppState;
use crate::http::auth::{api_key_header, bearer_token};
use crate::http::error::{ApiError, RateLimitState};

/// Whom a request is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Caller {
    Key(uuid::Uuid),
    Address(IpAddr),
}

type KeyedLimiter =
    RateLimiter<Caller, DefaultKeyedStateStore<Caller>, DefaultClock, StateInformationMiddleware>;

/// How often buckets that have refilled are forgotten.
const EVICTION_PERIOD: Duration = Duration::from_secs(60);

/// The two buckets of every caller (an `Arc` in app data, built once
/// outside `HttpServer::new`, so all workers share it).
pub struct RateLimits {
    reads: KeyedLimiter,
    writes: KeyedLimiter,
    clock: DefaultClock,
}

fn limiter(quota: RateQuota) -> KeyedLimiter {
    RateLimiter::keyed(Quota::per_second(quota.per_second).allow_burst(quota.burst))
        .with_middleware::<StateInformationMiddleware>()
}

impl RateLimits {
    pub fn new(settings: &EdgeSettings) -> Self {
        Self {
            reads: limiter(settings.read_quota),
            writes: limiter(settings.write_quota),
            clock: DefaultClock::default(),
        }
    }

    /// The limits, with a task on the current runtime that evicts the
    /// buckets of callers gone quiet; it ends when the limits are dropped.
    pub fn shared(settings: &EdgeSettings) -> Arc<Self> {
        let limits = Arc::new(Self::new(settings));
        tokio::spawn(evict_stale(Arc::downgrade(&limits)));
        limits
    }

    /// Forgets every bucket that is full again (indistinguishable from new).
    pub fn evict_stale(&self) {
        for limiter in [&self.reads, &self.writes] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Callers with a bucket in use, reads and writes.
    pub fn tracked(&self) -> usize {
        self.reads.len() + self.writes.len()
    }

    fn check(&self, caller: &Caller, writes: bool) -> Result<(), RateLimitState> {
        let limiter = if writes { &self.writes } else { &self.reads };
        match limiter.check_key(caller) {
            Ok(_) => Ok(()),
            Err(refused) => {
                let wait = refused.wait_time_from(self.clock.now());
                Err(RateLimitState {
                    limit: refused.quota().burst_size().get(),
                    reset_seconds: wait.as_secs_f64().ceil().max(1.0) as u32,
                })
            }
        }
    }
}

async fn evict_stale(limits: Weak<RateLimits>) {
    let mut ticks = tokio::time::interval(EVICTION_PERIOD);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        match limits.upgrade() {
            Some(limits) => limits.evict_stale(),
            None => break,
        }
    }
}

/// Writes and imports take the tighter bucket; `/assess` and the OFREP
/// evaluations are POSTs that only read.
fn is_write(request: &ServiceRequest) -> bool {
    let path = request.path();
    !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) && path != "/api/fleet-risk/assess"
        && !path.starts_with("/ofrep/")
}

/// The key's id when the request brings a valid key, else its address.
async fn caller_of(request: &ServiceRequest) -> Option<Caller> {
    let token = bearer_token(request.request()).or_else(|| api_key_header(request.request()));
    if let (Some(token), Some(state)) = (token, request.app_data::<web::Data<AppState>>()) {
        // A lookup that fails is the handler's to answer; count by address.
        if let Ok(Some(key)) = state.key_cache.find(&state.db, &token).await {
            return Some(Caller::Key(key.id));
        }
    }
    request.peer_addr().map(|peer| Caller::Address(peer.ip()))
}

/// The middleware (`from_fn`): 429 once the caller's bucket is empty.
pub async fn limit_rate(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let limits = request.app_data::<web::Data<RateLimits>>().cloned();
    if let Some(limits) = limits
        && let Some(caller) = caller_of(&request).await
        && let Err(state) = limits.check(&caller, is_write(&request))
    {
        let response = ApiError::rate_limited(state).error_response();
        return Ok(request.into_response(response).map_into_right_body());
    }
    Ok(next.call(request).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroU32;

    fn settings(per_second: u32, burst: u32) -> EdgeSettings {
        let mut settings =
            EdgeSettings::from_environment(&std::collections::HashMap::new()).unwrap();
        let quota = RateQuota {
            per_second: NonZeroU32::new(per_second).unwrap(),
            burst: NonZeroU32::new(burst).unwrap(),
        };
        settings.read_quota = quota;
        settings.write_quota = quota;
        settings
    }

    #[test]
    fn the_burst_passes_and_the_next_is_refused_with_the_wait() {
        let limits = RateLimits::new(&settings(1, 3));
        let caller = Caller::Address(IpAddr::from([127, 0, 0, 1]));
        for _ in 0..3 {
            assert!(limits.check(&caller, false).is_ok());
        }
        let refused = limits.check(&caller, false).unwrap_err();
        assert_eq!(refused.limit, 3);
        // One request a second: the next one fits within a second.
        assert_eq!(refused.reset_seconds, 1);
        // The write bucket is another bucket.
        assert!(limits.check(&caller, true).is_ok());
    }

    #[test]
    fn writes_are_the_changing_methods_except_the_calculations() {
        use actix_web::test::TestRequest;
        let request = |method: Method, path: &str| {
            TestRequest::default()
                .method(method)
                .uri(path)
                .to_srv_request()
        };
        for (method, path) in [
            (Method::POST, "/api/fleet-risk/fleets"),
            (Method::PUT, "/api/fleet-risk/thresholds"),
            (Method::PATCH, "/api/fleet-risk/vessels/9074729"),
            (Method::DELETE, "/api/fleet-risk/fleets/1"),
            (Method::POST, "/api/fleet-risk/vessels/import"),
        ] {
            assert!(is_write(&request(method.clone(), path)), "{method} {path}");
        }
        for (method, path) in [
            (Method::GET, "/api/fleet-risk/fleets"),
            (Method::HEAD, "/api/fleet-risk/dashboard"),
            (Method::POST, "/api/fleet-risk/assess"),
            (Method::POST, "/ofrep/v1/evaluate/flags"),
        ] {
            assert!(!is_write(&request(method.clone(), path)), "{method} {path}");
        }
    }

    #[test]
    fn a_refusal_is_a_429_problem_with_the_rate_limit_headers() {
        use actix_web::ResponseError;
        let response = ApiError::rate_limited(RateLimitState {
            limit: 30,
            reset_seconds: 2,
        })
        .error_response();
        assert_eq!(response.status().as_u16(), 429);
        let header = |name: &str| response.headers().get(name).unwrap().to_str().unwrap();
        assert_eq!(header("content-type"), "application/problem+json");
        assert_eq!(header("retry-after"), "2");
        assert_eq!(header("ratelimit-limit"), "30");
        assert_eq!(header("ratelimit-remaining"), "0");
        assert_eq!(header("ratelimit-reset"), "2");
    }

    #[test]
    fn buckets_are_kept_while_used_and_evicted_once_refilled() {
        // A request every millisecond refills one cell in 1 ms.
        let limits = RateLimits::new(&settings(1000, 100));
        let caller = Caller::Address(IpAddr::from([10, 0, 0, 1]));
        for _ in 0..100 {
            limits.check(&caller, false).unwrap();
        }
        assert_eq!(limits.tracked(), 1);
        limits.evict_stale();
        assert_eq!(limits.tracked(), 1, "an empty bucket is kept");
        std::thread::sleep(Duration::from_millis(300));
        limits.evict_stale();
        assert_eq!(limits.tracked(), 0, "a refilled bucket is forgotten");
    }
}
