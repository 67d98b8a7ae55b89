//! API keys. A key is 32 random bytes shown once; only its SHA-256 is stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::TryRngCore;
use sha2::{Digest, Sha256};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use super::columns::{select_from, table_row};
use super::{Database, StorageError, on_pool};
pub use crate::domain::Role;

const KEY_PREFIX: &str = "frk_";

/// A freshly created key: `secret` exists only here and is never stored.
pub struct NewApiKey {
    pub record: ApiKeyRecord,
    pub secret: String,
}

impl std::fmt::Debug for NewApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewApiKey")
            .field("record", &self.record)
            .field("secret", &"***")
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct ApiKeyRecord {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    /// The key's first characters, to tell keys apart in listings.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

table_row! {
    /// An `api_keys` row as read (its hash is only ever compared in SQL).
    #[derive(sqlx::FromRow)]
    struct ApiKeyRow {
        id: Uuid,
        name: String,
        role: String,
        key_prefix: String,
        created_at: DateTime<Utc>,
        revoked_at: Option<DateTime<Utc>>,
    }
}

fn select_key(tail: &str) -> AssertSqlSafe<String> {
    select_from(ApiKeyRow::COLUMNS, "api_keys", tail)
}

impl TryFrom<ApiKeyRow> for ApiKeyRecord {
    type Error = StorageError;
    fn try_from(row: ApiKeyRow) -> Result<Self, StorageError> {
        Ok(Self {
            id: row.id,
            name: row.name,
            role: Role::parse(&row.role).map_err(StorageError::CorruptRow)?,
            prefix: row.key_prefix,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
        })
    }
}

fn hash_key(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's random source is available");
    format!("{KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// A new key named `name`: its secret and the record to store.
fn new_key(name: &str, role: Role) -> NewApiKey {
    let secret = generate_secret();
    let record = ApiKeyRecord {
        id: Uuid::now_v7(),
        name: name.to_string(),
        role,
        prefix: secret[..KEY_PREFIX.len() + 6].to_string(),
        created_at: Utc::now(),
        revoked_at: None,
    };
    NewApiKey { record, secret }
}

impl Database {
    pub async fn create_api_key(&self, name: &str, role: Role) -> Result<NewApiKey, StorageError> {
        let key = new_key(name, role);
        self.insert_key(&key, "VALUES ($1, $2, $3, $4, $5, $6)")
            .await?;
        Ok(key)
    }

    /// A key like [`Database::create_api_key`], but only when the table has
    /// none at all (revoked ones count): the test and the insert are one
    /// statement. `None` when some key exists.
    pub async fn create_first_api_key(
        &self,
        name: &str,
        role: Role,
    ) -> Result<Option<NewApiKey>, StorageError> {
        let key = new_key(name, role);
        let inserted = self
            .insert_key(
                &key,
                "SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM api_keys)",
            )
            .await?;
        Ok((inserted == 1).then_some(key))
    }

    /// Inserts `key` with the rows of `source` (`VALUES` or a `SELECT` of
    /// the six values `$1`..`$6`); the rows inserted.
    async fn insert_key(&self, key: &NewApiKey, source: &'static str) -> Result<u64, StorageError> {
        let sql = AssertSqlSafe(format!(
            "INSERT INTO api_keys (id, name, role, key_hash, key_prefix, created_at) {source}"
        ));
        let record = &key.record;
        Ok(on_pool!(self, pool => {
            sqlx::query(sql)
                .bind(record.id)
                .bind(&record.name)
                .bind(record.role.as_str())
                .bind(hash_key(&key.secret))
                .bind(&record.prefix)
                .bind(record.created_at)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }

    /// The live (not revoked) key with this secret, if any.
    pub async fn find_api_key(&self, secret: &str) -> Result<Option<ApiKeyRecord>, StorageError> {
        let sql = select_key("WHERE key_hash = $1 AND revoked_at IS NULL");
        let row: Option<ApiKeyRow> = on_pool!(self, pool => {
            sqlx::query_as(sql).bind(hash_key(secret)).fetch_optional(pool).await?
        });
        row.map(ApiKeyRecord::try_from).transpose()
    }

    pub async fn list_api_keys(&self) -> Result<Vec<ApiKeyRecord>, StorageError> {
        let sql = select_key("ORDER BY created_at, id");
        let rows: Vec<ApiKeyRow> = on_pool!(self, pool => {
            sqlx::query_as(sql).fetch_all(pool).await?
        });
        rows.into_iter().map(ApiKeyRecord::try_from).collect()
    }

    /// Revokes a key; `false` when no live key has this id.
    pub async fn revoke_api_key(&self, id: Uuid) -> Result<bool, StorageError> {
        let revoked = on_pool!(self, pool => {
            sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .bind(id)
                .bind(Utc::now())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(revoked == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_prefixed() {
        let a = generate_secret();
        let b = generate_secret();
        assert_ne!(a, b);
        assert!(a.starts_with("frk_"));
        assert_eq!(a.len(), 4 + 43);
        assert_eq!(hash_key(&a).len(), 64);
        assert_ne!(hash_key(&a), hash_key(&b));
    }
}
