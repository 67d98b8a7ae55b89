//! In-app feedback: stored as sent, read back for the summary.
//!
//! `received_at` is kept in whole seconds (see the migration): on SQLite
//! the period filter compares timestamps as text, which a fraction of a
//! second would sort wrongly.

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

use super::{Database, StorageError, on_pool};
use crate::domain::{FeedbackCategory, FeedbackRating, FeedbackSubmission};
use crate::feedback::FeedbackEntry;

/// Which stored feedback a summary reads: `since <= received_at <= until`.
#[derive(Debug, Clone)]
pub struct FeedbackFilter {
    pub feature: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: DateTime<Utc>,
}

const INSERT: &str = "INSERT INTO feedback \
    (id, rating, category, message, compound, feature, app_version, session_id, sent_at, received_at, submitted_by) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

const SELECT: &str = "SELECT id, rating, category, message, compound, received_at FROM feedback \
    WHERE ($1 IS NULL OR feature = $1) AND ($2 IS NULL OR received_at >= $2) AND received_at <= $3 \
    ORDER BY received_at, id";

type EntryRow = (Uuid, i32, String, String, f64, DateTime<Utc>);

fn entry(
    (id, rating, category, message, compound, received_at): EntryRow,
) -> Result<FeedbackEntry, StorageError> {
    let corrupt = |what: String| StorageError::CorruptRow(format!("feedback {id}: {what}"));
    Ok(FeedbackEntry {
        id,
        rating: FeedbackRating::parse(i64::from(rating)).map_err(corrupt)?,
        category: FeedbackCategory::parse(&category).map_err(|e| corrupt(e.to_string()))?,
        message,
        compound,
        received_at,
    })
}

/// The second `at` falls in, rounded up: `received_at >= since` on whole
/// seconds keeps what a fractional `since` would.
fn ceil_second(at: DateTime<Utc>) -> DateTime<Utc> {
    let floor = at.trunc_subsecs(0);
    if floor == at {
        at
    } else {
        floor + chrono::Duration::seconds(1)
    }
}

impl Database {
    /// Stores one submission, with its message's `compound` sentiment,
    /// received at `received_at` from `submitted_by`; its new id.
    pub async fn insert_feedback(
        &self,
        feedback: &FeedbackSubmission,
        compound: f64,
        received_at: DateTime<Utc>,
        submitted_by: &str,
    ) -> Result<Uuid, StorageError> {
        let id = Uuid::now_v7();
        let context = &feedback.context;
        on_pool!(self, pool => {
            sqlx::query(INSERT)
                .bind(id)
                .bind(i32::from(feedback.rating.get()))
                .bind(feedback.category.as_str())
                .bind(&feedback.message)
                .bind(compound)
                .bind(&context.feature)
                .bind(&context.version)
                .bind(&context.session_id)
                .bind(context.timestamp)
                .bind(received_at.trunc_subsecs(0))
                .bind(submitted_by)
                .execute(pool)
                .await?;
        });
        Ok(id)
    }

    /// The feedback `filter` selects, oldest first.
    pub async fn feedback_entries(
        &self,
        filter: &FeedbackFilter,
    ) -> Result<Vec<FeedbackEntry>, StorageError> {
        let rows: Vec<EntryRow> = on_pool!(self, pool => {
            sqlx::query_as(SELECT)
                .bind(filter.feature.as_deref())
                .bind(filter.since.map(ceil_second))
                .bind(filter.until.trunc_subsecs(0))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(entry).collect()
    }
}
