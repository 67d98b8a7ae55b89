//! What a bulk import reads and writes beyond single-vessel writes: which
//! of its vessels and fleets exist, the replacement of vessels with their
//! histories, and the answers remembered per idempotency key.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::{StorageError, WriteTx, on_tx};
use crate::domain::{FleetId, Imo, VesselProfile};

/// The answer a request with an idempotency key got the first time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RememberedAnswer {
    pub fingerprint: String,
    pub status: u16,
    pub body: String,
}

/// `(imo, fleet_id, data_version)` of stored vessels.
type VesselKey = (String, Uuid, i64);

impl WriteTx {
    /// Every fleet id on the book.
    pub async fn fleet_ids(&mut self) -> Result<HashSet<FleetId>, StorageError> {
        let ids: Vec<Uuid> = on_tx!(self, conn => {
            sqlx::query_scalar("SELECT id FROM fleets").fetch_all(conn).await?
        });
        Ok(ids.into_iter().map(FleetId::from_uuid).collect())
    }

    /// The fleet and data version of each vessel of `imos` that is stored.
    pub async fn stored_vessels(
        &mut self,
        imos: &[Imo],
    ) -> Result<HashMap<Imo, (FleetId, i64)>, StorageError> {
        let mut found = HashMap::new();
        for chunk in imos.chunks(self.rows_per_statement(1, 0)) {
            let rows: Vec<VesselKey> = on_tx!(self, conn => {
                let mut select =
                    QueryBuilder::new("SELECT imo, fleet_id, data_version FROM vessels WHERE imo IN (");
                let mut list = select.separated(", ");
                for imo in chunk {
                    list.push_bind(imo.to_string());
                }
                select.push(")");
                select.build_query_as().persistent(false).fetch_all(&mut *conn).await?
            });
            for (imo, fleet, version) in rows {
                let imo = super::stored::stored_imo(&imo)?;
                found.insert(imo, (FleetId::from_uuid(fleet), version));
            }
        }
        Ok(found)
    }

    /// Replaces stored vessels: their inputs and fleet, and their histories
    /// by the given ones (an upsert). Marks every fleet they left or joined changed.
    pub async fn replace_vessels(
        &mut self,
        vessels: &[(FleetId, VesselProfile)],
    ) -> Result<(), StorageError> {
        for (fleet, vessel) in vessels {
            self.update_vessel(*fleet, vessel).await?;
            for table in ["inspections", "incidents"] {
                on_tx!(self, conn => {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DELETE FROM {table} WHERE vessel_imo = $1"
                    )))
                    .bind(vessel.imo.to_string())
                    .execute(conn)
                    .await?
                    .rows_affected()
                });
            }
        }
        let profiles: Vec<VesselProfile> = vessels.iter().map(|(_, v)| v.clone()).collect();
        self.insert_histories_of(&profiles, Utc::now()).await
    }

    /// The answer remembered for `key`, unless older than `retained_since`.
    pub async fn remembered_answer(
        &mut self,
        key: &str,
        retained_since: DateTime<Utc>,
    ) -> Result<Option<RememberedAnswer>, StorageError> {
        let row: Option<(String, i64, String)> = on_tx!(self, conn => {
            sqlx::query_as(
                "SELECT fingerprint, CAST(status AS BIGINT), body FROM idempotency_keys \
                 WHERE key = $1 AND created_at >= $2",
            )
            .bind(key)
            .bind(retained_since)
            .fetch_optional(conn)
            .await?
        });
        row.map(|(fingerprint, status, body)| {
            let status = u16::try_from(status)
                .map_err(|_| StorageError::CorruptRow("idempotency_keys.status".into()))?;
            Ok(RememberedAnswer {
                fingerprint,
                status,
                body,
            })
        })
        .transpose()
    }

    /// Remembers the answer to `key` (committed with the transaction), and
    /// forgets every answer older than `retained_since`.
    pub async fn remember_answer(
        &mut self,
        key: &str,
        answer: &RememberedAnswer,
        retained_since: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        on_tx!(self, conn => {
            sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1 OR key = $2")
                .bind(retained_since)
                .bind(key)
                .execute(conn)
                .await?
                .rows_affected()
        });
        on_tx!(self, conn => {
            sqlx::query(
                "INSERT INTO idempotency_keys (key, fingerprint, status, body, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(key)
            .bind(answer.fingerprint.as_str())
            .bind(i32::from(answer.status))
            .bind(answer.body.as_str())
            .bind(Utc::now())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(())
    }
}
