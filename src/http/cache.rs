//! Conditional and cached reads.
//!
//! Every published-risk read answers with an `ETag` over its body and 304 to
//! a matching `If-None-Match`. The tag is weak: the body may be sent gzipped or
//! not, and both are the same representation for caching.
//!
//! Rendered bodies are kept per *publication version* (`publication_state`,
//! bumped in the same transaction as every publication, threshold change and
//! fleet change); a body rendered at an older version is never served. The
//! version itself is re-read at most every `PUBLICATION_POLL_MS` (default
//! 250 ms; 0 reads it on every request), and at once after this replica's own
//! writes, so another replica's publication shows within that interval.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::AppState;
use super::error::ApiError;

/// A rendered JSON body and its tag.
#[derive(Debug, Clone)]
pub struct CachedBody {
    bytes: Bytes,
    /// The opaque part of the weak tag, quoted.
    opaque: String,
}

impl CachedBody {
    pub fn of<T: Serialize>(body: &T) -> Self {
        let bytes = serde_json::to_vec(body).expect("responses serialize");
        let opaque = format!("\"{}\"", &hex::encode(Sha256::digest(&bytes))[..32]);
        Self {
            bytes: Bytes::from(bytes),
            opaque,
        }
    }

    /// A JSON 200 with the `ETag`, or a bodiless 304 when the client has it.
    pub fn respond(&self, request: &HttpRequest) -> HttpResponse {
        let etag = format!("W/{}", self.opaque);
        let matches = request
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|value| {
                value.trim() == "*"
                    || value
                        .split(',')
                        .map(|tag| tag.trim().trim_start_matches("W/"))
                        .any(|tag| tag == self.opaque)
            });
        if matches {
            HttpResponse::NotModified()
                .insert_header((header::ETAG, etag))
                .finish()
        } else {
            HttpResponse::Ok()
                .insert_header((header::ETAG, etag))
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

/// Rendered read bodies by key (`vessel-risk:9074729`), each with the
/// publication version it was rendered at.
pub struct ReadCache {
    entries: Mutex<HashMap<String, (i64, CachedBody)>>,
    capacity: usize,
    poll: Duration,
    /// The version last read from the database, and when.
    version: Mutex<Option<(i64, Instant)>>,
}

impl ReadCache {
    pub fn new(capacity: usize, poll: Duration) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity,
            poll,
            version: Mutex::new(None),
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

    fn remember(&self, version: i64, at: Instant) {
        *self
            .version
            .lock()
            .expect("the version lock is never poisoned") = Some((version, at));
    }

    /// Serves `key` from the cache when it was rendered at the current
    /// publication version, else renders it with `render` and keeps it.
    pub async fn serve<F, Fut>(
        &self,
        state: &AppState,
        request: &HttpRequest,
        key: String,
        render: F,
    ) -> Result<HttpResponse, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<CachedBody, ApiError>>,
    {
        let version = self.current_version(state).await?;
        if let Some(hit) = self.lookup(&key, version) {
            return Ok(hit.respond(request));
        }
        // Rendered from data at `version` or newer, so keeping it under
        // `version` never serves anything older than that version's data.
        let body = render().await?;
        self.keep(key, version, body.clone());
        Ok(body.respond(request))
    }

    fn lookup(&self, key: &str, version: i64) -> Option<CachedBody> {
        let entries = self
            .entries
            .lock()
            .expect("the read cache lock is never poisoned");
        entries
            .get(key)
            .filter(|(at, _)| *at == version)
            .map(|(_, body)| body.clone())
    }

    fn keep(&self, key: String, version: i64, body: CachedBody) {
        let mut entries = self
            .entries
            .lock()
            .expect("the read cache lock is never poisoned");
        if entries.len() >= self.capacity {
            // Bounded memory: start over rather than track recency.
            entries.retain(|_, (at, _)| *at == version);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (version, body));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_kept_per_version_and_bounded() {
        let cache = ReadCache::new(2, Duration::ZERO);
        let body = CachedBody::of(&serde_json::json!({"score": 1}));
        cache.keep("a".into(), 1, body.clone());
        assert!(cache.lookup("a", 1).is_some());
        assert!(
            cache.lookup("a", 2).is_none(),
            "a newer version never sees an older body"
        );
        cache.keep("b".into(), 1, body.clone());
        cache.keep("c".into(), 2, body);
        assert!(cache.lookup("c", 2).is_some());
        assert!(cache.entries.lock().unwrap().len() <= 2);
    }

    #[test]
    fn a_version_is_trusted_for_one_poll_interval_or_until_invalidated() {
        let cache = ReadCache::new(8, Duration::from_millis(250));
        let read_at = Instant::now();
        cache.remember(7, read_at);
        assert_eq!(
            cache.remembered(read_at + Duration::from_millis(249)),
            Some(7)
        );
        assert_eq!(cache.remembered(read_at + Duration::from_millis(250)), None);
        cache.invalidate();
        assert_eq!(cache.remembered(read_at), None);
        let strict = ReadCache::new(8, Duration::ZERO);
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
        assert_ne!(a.opaque, b.opaque);
        assert_eq!(
            a.opaque,
            CachedBody::of(&serde_json::json!({"score": 1})).opaque
        );
    }
}
