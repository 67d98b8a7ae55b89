//! Conditional and cached reads.
//!
//! Every published-risk read answers with an `ETag` over its body and 304 to
//! a matching `If-None-Match` (read with actix's `IfNoneMatch`). The tag is
//! weak: the body may be sent gzipped or not, and both are the same
//! representation for caching.
//!
//! Rendered bodies are kept per *publication version* (`publication_state`,
//! bumped in the same transaction as every publication, threshold change and
//! fleet change); a body rendered at an older version is never served. The
//! version itself is re-read at most every `PUBLICATION_POLL_MS` (default
//! 250 ms; 0 reads it on every request), and at once after this replica's own
//! writes, so another replica's publication shows within that interval.

use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, EntityTag, Header, HeaderValue, IfNoneMatch};
use actix_web::middleware::Next;
use actix_web::web;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use moka::policy::EvictionPolicy;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::AppState;
use super::error::ApiError;
use crate::domain::{FleetId, Imo};

/// A rendered JSON body and its weak tag.
#[derive(Debug, Clone)]
pub struct CachedBody {
    bytes: Bytes,
    tag: EntityTag,
    /// `tag` as sent, built once: a hit clones it without allocating.
    etag: HeaderValue,
}

impl CachedBody {
    pub fn of<T: Serialize>(body: &T) -> Self {
        let bytes = serde_json::to_vec(body).expect("responses serialize");
        let tag = EntityTag::new_weak(hex::encode(Sha256::digest(&bytes))[..32].to_string());
        let etag = HeaderValue::from_str(&tag.to_string()).expect("a hex tag is a header value");
        Self {
            bytes: Bytes::from(bytes),
            tag,
            etag,
        }
    }

    /// A JSON 200 with the `ETag`, or a bodiless 304 when `If-None-Match`
    /// names this tag (weakly: `W/` or not) or is `*`.
    pub fn respond(&self, request: &HttpRequest) -> HttpResponse {
        // Checked first: parsing an absent header still allocates a list.
        let client_has_it = request.headers().contains_key(header::IF_NONE_MATCH)
            && match IfNoneMatch::parse(request) {
                Ok(IfNoneMatch::Any) => true,
                Ok(IfNoneMatch::Items(tags)) => tags.iter().any(|tag| tag.weak_eq(&self.tag)),
                Err(_) => false,
            };
        if client_has_it {
            HttpResponse::NotModified()
                .insert_header((header::ETAG, self.etag.clone()))
                .finish()
        } else {
            HttpResponse::Ok()
                .insert_header((header::ETAG, self.etag.clone()))
                .insert_header((header::CACHE_CONTROL, "private, no-cache"))
                .content_type("application/json")
                .body(self.bytes.clone())
        }
    }
}

/// A JSON 200 with an `ETag`, or 304 when the client has it: the conditional
/// answer of [`CachedBody::respond`] for a body rendered per request (nothing is kept).
pub fn json_with_etag<T: Serialize>(request: &HttpRequest, body: &T) -> HttpResponse {
    CachedBody::of(body).respond(request)
}

/// Forgets the remembered publication version after every request that may
/// write, so this replica reads its own writes at once.
pub async fn forget_version_after_writes(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let writes = !matches!(*request.method(), Method::GET | Method::HEAD);
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(request).await?;
    if writes && let Some(state) = state {
        state.read_cache.invalidate();
    }
    Ok(response)
}

/// Which read a body renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReadKey {
    VesselRisk(Imo),
    FleetRisk(FleetId),
    Dashboard,
}

/// Rendered read bodies by publication version and [`ReadKey`].
///
/// A moka cache: bounded in bytes (each body weighs its length plus
/// [`ENTRY_OVERHEAD`]), least recently used out first (so the bodies of an
/// older version age out as the new version's are read), each kept at most
/// a time to live, and rendered once when many ask at once.
/// What an entry costs beyond its body: the key, the tag and its header,
/// the `Arc` and moka's own bookkeeping, rounded up.
pub const ENTRY_OVERHEAD: u32 = 256;

pub struct ReadCache {
    bodies: moka::future::Cache<(i64, ReadKey), Arc<CachedBody>>,
    poll: Duration,
    /// The version last read from the database, and when.
    version: Mutex<Option<(i64, Instant)>>,
    /// The newest version ever read: bodies of older ones are never served
    /// again (the version only grows), so they are dropped when it moves.
    newest: AtomicI64,
}

impl ReadCache {
    /// A cache of at most `max_bytes` of bodies.
    pub fn new(max_bytes: u64, time_to_live: Duration, poll: Duration) -> Self {
        Self {
            bodies: moka::future::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_, body: &Arc<CachedBody>| {
                    u32::try_from(body.bytes.len())
                        .unwrap_or(u32::MAX)
                        .saturating_add(ENTRY_OVERHEAD)
                })
                .time_to_live(time_to_live)
                .eviction_policy(EvictionPolicy::lru())
                .build(),
            poll,
            version: Mutex::new(None),
            newest: AtomicI64::new(i64::MIN),
        }
    }

    /// Forgets the remembered version: this replica just wrote.
    pub fn invalidate(&self) {
        *self
            .version
            .lock()
            .expect("the version lock is never poisoned") = None;
    }

    async fn current_version(&self, state: &AppState) -> Result<i64, ApiError> {
        if let Some(version) = self.remembered(Instant::now()) {
            return Ok(version);
        }
        let version = state.db.publication_version().await?;
        self.remember(version, Instant::now());
        Ok(version)
    }

    /// The version read less than one poll interval before `now`, if any.
    fn remembered(&self, now: Instant) -> Option<i64> {
        let remembered = *self
            .version
            .lock()
            .expect("the version lock is never poisoned");
        remembered
            .filter(|(_, at)| now.saturating_duration_since(*at) < self.poll)
            .map(|(version, _)| version)
    }

    /// Remembers `version` as read at `at`; when it is newer than any
    /// before, every kept body is dropped: all were rendered at older
    /// versions, which no request asks for again. Under a stream of edits
    /// the cache so holds the bodies of the current version only, not its
    /// bound's worth of dead ones.
    fn remember(&self, version: i64, at: Instant) {
        *self
            .version
            .lock()
            .expect("the version lock is never poisoned") = Some((version, at));
        if self.newest.fetch_max(version, Ordering::SeqCst) < version {
            self.bodies.invalidate_all();
        }
    }

    /// Serves `key` from the cache when it was rendered at the current
    /// publication version, else renders it with `render` and keeps it.
    pub async fn serve<F, Fut>(
        &self,
        state: &AppState,
        request: &HttpRequest,
        key: ReadKey,
        render: F,
    ) -> Result<HttpResponse, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<CachedBody, ApiError>>,
    {
        let version = self.current_version(state).await?;
        let body = self.body_at(version, key, render).await?;
        Ok(body.respond(request))
    }

    /// The body of `key` at `version`, rendered by one caller when absent
    /// (the others wait for it; a failed render is kept by nobody).
    async fn body_at<F, Fut>(
        &self,
        version: i64,
        key: ReadKey,
        render: F,
    ) -> Result<Arc<CachedBody>, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<CachedBody, ApiError>>,
    {
        // Rendered from data at `version` or newer, so keeping it under
        // `version` never serves anything older than that version's data.
        // By reference: a hit allocates nothing.
        self.bodies
            .try_get_with_by_ref(&(version, key), async { render().await.map(Arc::new) })
            .await
            .map_err(Arc::unwrap_or_clone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const HOUR: Duration = Duration::from_secs(3600);
    const MIB: u64 = 1 << 20;
    /// The weight of a `{"score":1}` body.
    const SMALL_ENTRY: u64 = br#"{"score":1}"#.len() as u64 + ENTRY_OVERHEAD as u64;

    fn imo(raw: &str) -> ReadKey {
        ReadKey::VesselRisk(Imo::parse(raw).unwrap())
    }

    /// Renders `{"score": score}`, counting renders.
    async fn render_counted(
        cache: &ReadCache,
        version: i64,
        key: ReadKey,
        renders: &AtomicUsize,
        score: u32,
    ) -> Arc<CachedBody> {
        cache
            .body_at(version, key, || async {
                renders.fetch_add(1, Ordering::SeqCst);
                Ok(CachedBody::of(&serde_json::json!({ "score": score })))
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn bodies_are_kept_per_version() {
        let cache = ReadCache::new(MIB, HOUR, Duration::ZERO);
        let renders = AtomicUsize::new(0);
        let first = render_counted(&cache, 1, imo("9074729"), &renders, 1).await;
        let again = render_counted(&cache, 1, imo("9074729"), &renders, 99).await;
        assert_eq!(renders.load(Ordering::SeqCst), 1);
        assert_eq!(again.bytes, first.bytes);
        let newer = render_counted(&cache, 2, imo("9074729"), &renders, 2).await;
        assert_eq!(
            renders.load(Ordering::SeqCst),
            2,
            "a newer version never sees an older body"
        );
        assert_ne!(newer.bytes, first.bytes);
        render_counted(&cache, 2, ReadKey::Dashboard, &renders, 3).await;
        assert_eq!(
            renders.load(Ordering::SeqCst),
            3,
            "keys do not share bodies"
        );
    }

    #[tokio::test]
    async fn a_newer_version_drops_the_bodies_of_older_ones() {
        let cache = ReadCache::new(MIB, HOUR, Duration::ZERO);
        let renders = AtomicUsize::new(0);
        cache.remember(1, Instant::now());
        render_counted(&cache, 1, imo("9074729"), &renders, 1).await;
        render_counted(&cache, 1, ReadKey::Dashboard, &renders, 1).await;
        cache.bodies.run_pending_tasks().await;
        assert_eq!(cache.bodies.entry_count(), 2);
        cache.remember(1, Instant::now());
        cache.bodies.run_pending_tasks().await;
        assert_eq!(cache.bodies.entry_count(), 2, "the same version keeps them");
        cache.remember(2, Instant::now());
        cache.bodies.run_pending_tasks().await;
        assert_eq!(cache.bodies.entry_count(), 0);
        assert_eq!(cache.bodies.weighted_size(), 0);
        render_counted(&cache, 2, ReadKey::Dashboard, &renders, 2).await;
        cache.bodies.run_pending_tasks().await;
        assert_eq!(cache.bodies.entry_count(), 1, "the new version's are kept");
    }

    #[tokio::test]
    async fn a_failed_render_is_not_kept() {
        let cache = ReadCache::new(MIB, HOUR, Duration::ZERO);
        let failed = cache
            .body_at(1, ReadKey::Dashboard, || async {
                Err(ApiError::not_found("nothing yet"))
            })
            .await;
        assert_eq!(failed.unwrap_err().detail, "nothing yet");
        let renders = AtomicUsize::new(0);
        render_counted(&cache, 1, ReadKey::Dashboard, &renders, 1).await;
        assert_eq!(renders.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn concurrent_misses_render_once() {
        let cache = ReadCache::new(MIB, HOUR, Duration::ZERO);
        let renders = AtomicUsize::new(0);
        let slow = || async {
            renders.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(CachedBody::of(&serde_json::json!({"score": 1})))
        };
        let (a, b) = tokio::join!(
            cache.body_at(1, ReadKey::Dashboard, slow),
            cache.body_at(1, ReadKey::Dashboard, slow)
        );
        assert_eq!(a.unwrap().bytes, b.unwrap().bytes);
        assert_eq!(renders.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn the_cache_is_bounded_in_bytes() {
        let cache = ReadCache::new(4 * SMALL_ENTRY, HOUR, Duration::ZERO);
        let renders = AtomicUsize::new(0);
        for version in 0..50 {
            render_counted(&cache, version, ReadKey::Dashboard, &renders, 1).await;
        }
        cache.bodies.run_pending_tasks().await;
        assert!(cache.bodies.entry_count() <= 4);
        assert!(cache.bodies.weighted_size() <= 4 * SMALL_ENTRY);
        let before = renders.load(Ordering::SeqCst);
        render_counted(&cache, 49, ReadKey::Dashboard, &renders, 1).await;
        assert_eq!(
            renders.load(Ordering::SeqCst),
            before,
            "the newest body is kept: a full cache evicts, it does not start over"
        );
    }

    #[tokio::test]
    async fn a_body_is_kept_for_its_time_to_live_only() {
        let cache = ReadCache::new(MIB, Duration::from_millis(50), Duration::ZERO);
        let renders = AtomicUsize::new(0);
        render_counted(&cache, 1, ReadKey::Dashboard, &renders, 1).await;
        tokio::time::sleep(Duration::from_millis(120)).await;
        render_counted(&cache, 1, ReadKey::Dashboard, &renders, 1).await;
        assert_eq!(renders.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_version_is_trusted_for_one_poll_interval_or_until_invalidated() {
        let cache = ReadCache::new(MIB, HOUR, Duration::from_millis(250));
        let read_at = Instant::now();
        cache.remember(7, read_at);
        assert_eq!(
            cache.remembered(read_at + Duration::from_millis(249)),
            Some(7)
        );
        assert_eq!(cache.remembered(read_at + Duration::from_millis(250)), None);
        cache.invalidate();
        assert_eq!(cache.remembered(read_at), None);
        let strict = ReadCache::new(MIB, HOUR, Duration::ZERO);
        strict.remember(7, read_at);
        assert_eq!(
            strict.remembered(read_at),
            None,
            "0 reads the version on every request"
        );
    }

    #[test]
    fn the_tag_follows_the_body() {
        let a = CachedBody::of(&serde_json::json!({"score": 1}));
        let b = CachedBody::of(&serde_json::json!({"score": 2}));
        assert_ne!(a.tag, b.tag);
        assert_eq!(a.tag, CachedBody::of(&serde_json::json!({"score": 1})).tag);
        assert!(a.tag.weak && a.etag.to_str().unwrap().starts_with("W/\""));
    }

    #[test]
    fn if_none_match_answers_304_for_the_tag_any_form_or_star() {
        let body = CachedBody::of(&serde_json::json!({"score": 1}));
        let strong = format!("\"{}\"", body.tag.tag());
        let weak = body.etag.to_str().unwrap().to_string();
        let status = |value: Option<&str>| {
            let mut request = actix_web::test::TestRequest::default();
            if let Some(value) = value {
                request = request.insert_header((header::IF_NONE_MATCH, value));
            }
            body.respond(&request.to_http_request()).status().as_u16()
        };
        assert_eq!(status(None), 200);
        assert_eq!(status(Some(&weak)), 304);
        assert_eq!(status(Some(&strong)), 304);
        assert_eq!(status(Some(" * ")), 304);
        assert_eq!(status(Some(&format!("\"other\", {weak}"))), 304);
        assert_eq!(status(Some("\"other\", W/\"else\"")), 200);
        assert_eq!(status(Some("not a tag")), 200);
    }
}
