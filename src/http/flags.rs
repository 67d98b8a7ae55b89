//! Feature flags over HTTP: `GET /api/flags` for the dashboard, the admin
//! routes (list, read, put with a reason, audit), and the evaluation
//! context that `/api/flags` and the dashboard's gate read from the query.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::AppState;
use super::auth::{Admin, Viewer};
use super::error::ApiError;
use super::extract::{JsonBody, echoed};
use super::flag_cache::FlagSet;
use crate::domain::FieldErrors;
use crate::flags::{
    EvaluationContext, FlagKey, Region, StoredFlag, UserGroup, UserId, evaluate, parse_flag_change,
};
use crate::storage::FlagChangeRecord;

/// `?userId=&groups=&region=`: groups comma-separated.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextQuery {
    user_id: Option<String>,
    groups: Option<String>,
    region: Option<String>,
}

impl ContextQuery {
    /// The evaluation context, or a 422 naming every bad parameter.
    pub fn context(&self) -> Result<EvaluationContext, ApiError> {
        let mut errors = FieldErrors::new();
        let user_id = match self.user_id.as_deref() {
            None | Some("") => None,
            Some(raw) => errors.check("userId", UserId::parse(raw)),
        };
        let mut groups = Vec::new();
        for raw in self
            .groups
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
        {
            if !raw.is_empty()
                && let Some(group) = errors.check("groups", UserGroup::parse(raw))
            {
                groups.push(group);
            }
        }
        let region = match self.region.as_deref() {
            None | Some("") => None,
            Some(raw) => errors.check("region", Region::parse(raw)),
        };
        errors.dedup_fields();
        Ok(errors.into_result(|| EvaluationContext {
            user_id,
            groups,
            region,
        })?)
    }
}

/// The flags in force, from this replica's cache.
pub async fn flag_set(state: &AppState) -> Result<FlagSet, ApiError> {
    Ok(state.flag_cache.current(&state.db).await?)
}

#[derive(Serialize)]
struct EvaluatedFlags {
    flags: serde_json::Map<String, Value>,
}

/// `GET /api/flags`: every flag's value for the caller.
pub async fn for_caller(
    _: Viewer,
    state: web::Data<AppState>,
    query: web::Query<ContextQuery>,
) -> Result<HttpResponse, ApiError> {
    let context = query.context()?;
    let set = flag_set(&state).await?;
    let now = Utc::now();
    let flags = set
        .flags
        .iter()
        .map(|flag| {
            let evaluation = evaluate(&flag.key, &flag.rules, &context, now);
            (flag.key.to_string(), Value::Bool(evaluation.value))
        })
        .collect();
    Ok(HttpResponse::Ok().json(EvaluatedFlags { flags }))
}

/// A flag as the admin routes show it, with the percentage in force now.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FlagResponse<'a> {
    #[serde(flatten)]
    flag: &'a StoredFlag,
    effective_percentage: u8,
}

impl<'a> FlagResponse<'a> {
    fn of(flag: &'a StoredFlag, now: DateTime<Utc>) -> Self {
        Self {
            flag,
            effective_percentage: flag.rules.effective_percentage(now).get(),
        }
    }
}

#[derive(Serialize)]
struct Items<T> {
    items: Vec<T>,
}

/// The flag a path names; one that does not parse names nothing (404).
fn path_key(raw: &str) -> Result<FlagKey, ApiError> {
    FlagKey::parse(raw).map_err(|_| ApiError::not_found(format!("no flag {}", echoed(raw))))
}

fn not_found(key: &FlagKey) -> ApiError {
    ApiError::not_found(format!("no flag {key}"))
}

/// `GET /api/admin/flags`.
pub async fn list(_: Admin, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let flags = state.db.feature_flags().await?;
    let now = Utc::now();
    Ok(HttpResponse::Ok().json(Items {
        items: flags.iter().map(|f| FlagResponse::of(f, now)).collect(),
    }))
}

/// `GET /api/admin/flags/{key}`: read from the database, not the cache.
pub async fn show(
    _: Admin,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = path_key(&key)?;
    let flags = state.db.feature_flags().await?;
    let flag = flags
        .iter()
        .find(|f| f.key == key)
        .ok_or_else(|| not_found(&key))?;
    Ok(HttpResponse::Ok().json(FlagResponse::of(flag, Utc::now())))
}

/// `PUT /api/admin/flags/{key}`: 201 when it creates the flag, else 200.
pub async fn put(
    admin: Admin,
    state: web::Data<AppState>,
    key: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let key = path_key(&key)?;
    let change = parse_flag_change(&body.0)?;
    let by = format!("{} ({})", admin.0.key.name, admin.0.key.id);
    let (flag, created) = state
        .db
        .put_feature_flag(&key, &change.rules, &by, &change.reason, Utc::now())
        .await?;
    state.flag_cache.invalidate();
    let body = FlagResponse::of(&flag, Utc::now());
    Ok(if created {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChangeResponse {
    id: uuid::Uuid,
    changed_at: DateTime<Utc>,
    changed_by: String,
    before: Option<Value>,
    after: Value,
    reason: String,
}

impl From<FlagChangeRecord> for ChangeResponse {
    fn from(record: FlagChangeRecord) -> Self {
        Self {
            id: record.id,
            changed_at: record.changed_at,
            changed_by: record.changed_by,
            before: record.before,
            after: record.after,
            reason: record.reason,
        }
    }
}

/// `GET /api/admin/flags/{key}/audit`: every change, oldest first.
pub async fn audit(
    _: Admin,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = path_key(&key)?;
    let changes = state.db.feature_flag_changes(&key).await?;
    if changes.is_empty() && !state.db.feature_flags().await?.iter().any(|f| f.key == key) {
        return Err(not_found(&key));
    }
    Ok(HttpResponse::Ok().json(Items {
        items: changes
            .into_iter()
            .map(ChangeResponse::from)
            .collect::<Vec<_>>(),
    }))
}
