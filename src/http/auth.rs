//! API key authentication: `Authorization: Bearer <key>`, and role guards.
//!
//! Handlers name the role they need by taking [`Viewer`], [`Underwriter`] or
//! [`Admin`]: a missing or unknown key is 401, a key of a lesser role 403.

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::AppState;
use super::error::{ApiError, ErrorCode};
use crate::domain::Role;
use crate::storage::ApiKeyRecord;

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
    let Some(key) = state.db.find_api_key(&token).await? else {
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
    /// Underwriter or admin: assessments, simulations, exports.
    Underwriter,
    Role::Underwriter
);
role_guard!(
    /// Admin only: writes.
    Admin,
    Role::Admin
);
