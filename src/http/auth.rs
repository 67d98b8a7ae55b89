//! API key authentication: `Authorization: Bearer <key>`, and role guards.
//!
//! Handlers name the role they need by taking [`Viewer`], [`Underwriter`] or
//! [`Admin`]: a missing or unknown key is 401, a key of a lesser role 403.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use sha2::{Digest, Sha256};

use super::AppState;
use super::error::{ApiError, ErrorCode};
use crate::domain::Role;
use crate::storage::{ApiKeyRecord, Database};

/// Keys that authenticated recently, so a hot read needs no key lookup.
///
/// Each key is trusted for the time to live (`API_KEY_CACHE_SECONDS`; 0
/// turns the cache off and every request looks its key up), so a revoked key
/// stops working within it. Unknown keys are never kept. A moka cache:
/// bounded, evicting key by key when full, and one lookup for many requests
/// that bring the same new key at once. Kept by the key's SHA-256, never the
/// secret itself.
pub struct KeyCache {
    keys: Option<moka::future::Cache<[u8; 32], ApiKeyRecord>>,
}

impl KeyCache {
    /// Most keys kept.
    const CAPACITY: u64 = 10_000;

    pub fn new(ttl: Duration) -> Self {
        let keys = (!ttl.is_zero()).then(|| {
            moka::future::Cache::builder()
                .max_capacity(Self::CAPACITY)
                .time_to_live(ttl)
                .support_invalidation_closures()
                .build()
        });
        Self { keys }
    }

    /// Stops trusting the key `id` at once on this replica (it was just
    /// revoked here); other replicas stop within their time to live.
    pub(crate) fn forget(&self, id: uuid::Uuid) {
        if let Some(keys) = &self.keys {
            keys.invalidate_entries_if(move |_, key| key.id == id)
                .expect("the cache supports invalidation closures");
        }
    }

    /// The key of `token`: from the cache while it is trusted, else from the
    /// database; `None` for an unknown (or revoked) key.
    pub(crate) async fn find(
        &self,
        db: &Database,
        token: &str,
    ) -> Result<Option<ApiKeyRecord>, ApiError> {
        let Some(keys) = &self.keys else {
            return Ok(db.find_api_key(token).await?);
        };
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let found = keys
            .try_get_with_by_ref(&digest, async {
                match db.find_api_key(token).await {
                    Ok(Some(key)) => Ok(key),
                    Ok(None) => Err(None),
                    Err(error) => Err(Some(ApiError::from(error))),
                }
            })
            .await;
        match found {
            Ok(key) => Ok(Some(key)),
            Err(shared) => match Arc::unwrap_or_clone(shared) {
                None => Ok(None),
                Some(error) => Err(error),
            },
        }
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

/// The `X-API-Key` header, as OFREP clients may send the key (accepted on
/// the OFREP routes only).
pub fn api_key_header(request: &HttpRequest) -> Option<String> {
    let value = request.headers().get("x-api-key")?.to_str().ok()?.trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// The caller of `token`, when it is a valid key of at least `required`.
pub(crate) async fn authenticate(
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
    let Some(key) = state.key_cache.find(&state.db, &token).await? else {
        return Err(ApiError::new(
            ErrorCode::Unauthorized,
            "the API key is not valid",
        ));
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
    /// Underwriter or admin: assessments and simulations.
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

    #[test]
    fn a_zero_time_to_live_keeps_nothing() {
        assert!(KeyCache::new(Duration::ZERO).keys.is_none());
        assert!(KeyCache::new(Duration::from_secs(5)).keys.is_some());
    }
}
