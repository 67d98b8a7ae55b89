//! API key authentication: `Authorization: Bearer <key>`, and role guards.
//!
//! Handlers name the role they need by taking [`Viewer`], [`Underwriter`] or
//! [`Admin`]: a missing or unknown key is 401, a key of a lesser role 403.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use sha2::{Digest, Sha256};

use super::AppState;
use super::error::{ApiError, ErrorCode};
use crate::domain::Role;
use crate::storage::ApiKeyRecord;

/// Keys that authenticated recently, so a hot read needs no key lookup.
/// A revoked key stops working within the cache's time to live
/// (`API_KEY_CACHE_SECONDS`, 0 turns the cache off). Unknown keys are never
/// cached: every attempt with one reaches the database.
pub struct KeyCache {
    ttl: Duration,
    keys: Mutex<HashMap<[u8; 32], (ApiKeyRecord, Instant)>>,
}

impl KeyCache {
    /// Most keys kept; more than this and the cache starts over.
    const CAPACITY: usize = 10_000;

    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            keys: Mutex::new(HashMap::new()),
        }
    }

    fn digest(token: &str) -> [u8; 32] {
        Sha256::digest(token.as_bytes()).into()
    }

    fn get(&self, token: &str) -> Option<ApiKeyRecord> {
        self.get_at(token, Instant::now())
    }

    fn get_at(&self, token: &str, now: Instant) -> Option<ApiKeyRecord> {
        let keys = self
            .keys
            .lock()
            .expect("the key cache lock is never poisoned");
        keys.get(&Self::digest(token))
            .filter(|(_, at)| now.saturating_duration_since(*at) < self.ttl)
            .map(|(key, _)| key.clone())
    }

    fn keep(&self, token: &str, key: &ApiKeyRecord) {
        self.keep_at(token, key, Instant::now());
    }

    fn keep_at(&self, token: &str, key: &ApiKeyRecord, at: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        let mut keys = self
            .keys
            .lock()
            .expect("the key cache lock is never poisoned");
        if keys.len() >= Self::CAPACITY {
            keys.clear();
        }
        keys.insert(Self::digest(token), (key.clone(), at));
    }
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key: ApiKeyRecord,
}

/// The bearer token of the request, if it has one.
pub fn bearer_token(request: &HttpRequest) -> Option<String> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

async fn authenticate(
    state: web::Data<AppState>,
    token: Option<String>,
    required: Role,
) -> Result<Caller, ApiError> {
    let Some(token) = token else {
        return Err(ApiError::new(
            ErrorCode::Unauthorized,
            "send an API key as 'Authorization: Bearer <key>'",
        ));
    };
    let key = match state.key_cache.get(&token) {
        Some(key) => key,
        None => {
            let Some(key) = state.db.find_api_key(&token).await? else {
                return Err(ApiError::new(
                    ErrorCode::Unauthorized,
                    "the API key is not valid",
                ));
            };
            state.key_cache.keep(&token, &key);
            key
        }
    };
    if !key.role.allows(required) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!("this needs the {required} role; the key has {}", key.role),
        ));
    }
    Ok(Caller { key })
}

macro_rules! role_guard {
    ($(#[$meta:meta])* $name:ident, $role:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Caller);

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

            fn from_request(request: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
                let state = request
                    .app_data::<web::Data<AppState>>()
                    .cloned()
                    .expect("AppState is registered");
                let token = bearer_token(request);
                Box::pin(async move { authenticate(state, token, $role).await.map($name) })
            }
        }
    };
}

role_guard!(
    /// Any valid key: dashboard reads.
    Viewer,
    Role::Viewer
);
role_guard!(
    /// Underwriter or admin: assessments, simulations, exports.
    Underwriter,
    Role::Underwriter
);
role_guard!(
    /// Admin only: writes.
    Admin,
    Role::Admin
);

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ApiKeyRecord {
        ApiKeyRecord {
            id: uuid::Uuid::now_v7(),
            name: "k".into(),
            role: Role::Viewer,
            prefix: "frk_abcdef".into(),
            created_at: chrono::Utc::now(),
            revoked_at: None,
        }
    }

    #[test]
    fn keys_are_kept_for_their_time_to_live_only() {
        let cache = KeyCache::new(Duration::from_secs(5));
        let kept_at = Instant::now();
        cache.keep_at("frk_secret", &key(), kept_at);
        assert!(
            cache
                .get_at("frk_secret", kept_at + Duration::from_millis(4999))
                .is_some()
        );
        assert!(cache.get_at("frk_other", kept_at).is_none());
        assert!(
            cache
                .get_at("frk_secret", kept_at + Duration::from_secs(5))
                .is_none()
        );
    }

    #[test]
    fn a_zero_time_to_live_keeps_nothing() {
        let cache = KeyCache::new(Duration::ZERO);
        cache.keep("frk_secret", &key());
        assert!(cache.get("frk_secret").is_none());
    }
}
