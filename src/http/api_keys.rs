//! The API keys, for admins: `GET /api/admin/keys` lists them (never a
//! secret), `POST` creates one and answers its secret once, `DELETE
//! /api/admin/keys/{keyId}` revokes one. A revocation takes effect at once
//! on the replica that answered it (its key cache forgets the key) and
//! within `API_KEY_CACHE_SECONDS` on the others, which trust a key they
//! authenticated for that long. `fleet-risk keys` does the same from the
//! command line, where every replica learns within that time.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::AppState;
use super::auth::Admin;
use super::error::ApiError;
use super::extract::JsonBody;
use crate::domain::{Role, parse_new_key};
use crate::storage::ApiKeyRecord;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiKeyView {
    id: Uuid,
    name: String,
    role: &'static str,
    /// The key's first characters, to tell keys apart.
    prefix: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyRecord> for ApiKeyView {
    fn from(key: ApiKeyRecord) -> Self {
        Self {
            id: key.id,
            name: key.name,
            role: Role::as_str(key.role),
            prefix: key.prefix,
            created_at: key.created_at,
            revoked_at: key.revoked_at,
        }
    }
}

#[derive(Serialize)]
struct ApiKeyList {
    items: Vec<ApiKeyView>,
}

#[derive(Serialize)]
struct CreatedApiKey {
    #[serde(flatten)]
    key: ApiKeyView,
    /// The secret: shown this once, stored only as a hash.
    secret: String,
}

pub async fn list(_admin: Admin, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = state.db.list_api_keys().await?;
    Ok(HttpResponse::Ok().json(ApiKeyList {
        items: keys.into_iter().map(ApiKeyView::from).collect(),
    }))
}

pub async fn create(
    _admin: Admin,
    state: web::Data<AppState>,
    JsonBody(body): JsonBody,
) -> Result<HttpResponse, ApiError> {
    let request = parse_new_key(&body)?;
    let key = state.db.create_api_key(&request.name, request.role).await?;
    Ok(HttpResponse::Created().json(CreatedApiKey {
        key: ApiKeyView::from(key.record),
        secret: key.secret,
    }))
}

pub async fn revoke(
    _admin: Admin,
    state: web::Data<AppState>,
    key_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::not_found("no live API key with this id");
    let id = Uuid::parse_str(&key_id).map_err(|_| not_found())?;
    if !state.db.revoke_api_key(id).await? {
        return Err(not_found());
    }
    state.key_cache.forget(id);
    Ok(HttpResponse::NoContent().finish())
}
