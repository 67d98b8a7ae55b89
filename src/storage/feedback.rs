//! In-app feedback: stored as sent, read back for the summary.
//!
//! `received_at` is kept in whole seconds (see the migration): on SQLite
//! the period filter compares timestamps as text, which a fraction of a
//! second would sort wrongly.

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

use super::{Database, RememberedAnswer, StorageError, on_pool, on_tx};
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

/// One submission to store, under the idempotency key it came with.
pub struct NewFeedback<'a> {
    pub id: Uuid,
    pub feedback: &'a FeedbackSubmission,
    /// The message's sentiment, scored before the write.
    pub compound: f64,
    pub received_at: DateTime<Utc>,
    pub submitted_by: &'a str,
    /// `(key, the answer to remember)`, when the request had a key.
    pub remember: Option<(&'a str, RememberedAnswer)>,
}

/// What became of a submission.
pub enum FeedbackStored {
    Stored,
    /// The key already had an answer (the caller compares fingerprints);
    /// nothing was stored.
    KeyAnswered(RememberedAnswer),
}

impl Database {
    /// Stores `new` and remembers its answer under its key, in one
    /// transaction, unless the key already has an answer newer than
    /// `retained_since`. The key is looked up under the writers' lock, so
    /// two retries sent at once store one submission.
    pub async fn insert_feedback(
        &self,
        new: NewFeedback<'_>,
        retained_since: DateTime<Utc>,
    ) -> Result<FeedbackStored, StorageError> {
        let mut tx = self.begin_write().await?;
        if let Some((key, _)) = &new.remember
            && let Some(answer) = tx.remembered_answer(key, retained_since).await?
        {
            return Ok(FeedbackStored::KeyAnswered(answer));
        }
        let feedback = new.feedback;
        let context = &feedback.context;
        on_tx!(tx, conn => {
            sqlx::query(INSERT)
                .bind(new.id)
                .bind(i32::from(feedback.rating.get()))
                .bind(feedback.category.as_str())
                .bind(&feedback.message)
                .bind(new.compound)
                .bind(&context.feature)
                .bind(&context.version)
                .bind(&context.session_id)
                .bind(context.timestamp)
                .bind(new.received_at.trunc_subsecs(0))
                .bind(new.submitted_by)
                .execute(conn)
                .await?
                .rows_affected()
        });
        if let Some((key, answer)) = &new.remember {
            tx.remember_answer(key, answer, retained_since).await?;
        }
        tx.commit().await?;
        Ok(FeedbackStored::Stored)
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
