//! Writes refused at once while the database is known to be down.
//!
//! The writers of a process take turns ([`super::Database::begin_write`]),
//! and a writer whose database is down holds the turn for the pool's whole
//! acquire timeout before it fails. Under steady write traffic the queue
//! then grew faster than it drained: after a 30 s outage the backlog (and
//! the writes still arriving) kept every write waiting past its client,
//! and the service never recovered while the load went on.
//!
//! So a writer that finds the database unreachable records when; for
//! [`PAUSE`] after that, writes fail at once with a 503 (`Retry-After`),
//! and so does every writer that was already waiting when it was recorded.
//! The first write after the pause is the probe: on success writes flow
//! again at once; on failure the pause starts over.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::StorageError;

/// How long writes are refused after the database was found unavailable.
pub const PAUSE: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
pub(super) struct WriteOutage {
    failed_at: Mutex<Option<Instant>>,
}

impl WriteOutage {
    /// Err when the database was found unavailable within [`PAUSE`] of
    /// `now`, or after `waiting_since` (the writer started waiting before
    /// the failure it would queue behind).
    pub(super) fn check(&self, waiting_since: Instant, now: Instant) -> Result<(), StorageError> {
        match *self.failed_at.lock().expect("the outage lock") {
            Some(at) if at >= waiting_since || now.saturating_duration_since(at) < PAUSE => {
                Err(StorageError::WritesPaused)
            }
            _ => Ok(()),
        }
    }

    /// What beginning a write came to: a database that could not be
    /// reached starts the pause, anything else ends it (SQLite busy with
    /// another process's lock included: that ends with the lock).
    pub(super) fn record<T>(&self, begun: &Result<T, StorageError>, now: Instant) {
        let mut failed_at = self.failed_at.lock().expect("the outage lock");
        *failed_at = match begun {
            Err(error) if error.is_unreachable() => Some(now),
            _ => None,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unavailable() -> Result<(), StorageError> {
        Err(StorageError::Unavailable {
            source: sqlx::Error::PoolTimedOut,
            operation: super::super::Operation::caller(),
        })
    }

    #[test]
    fn a_failure_pauses_writes_then_one_probes() {
        let outage = WriteOutage::default();
        let start = Instant::now();
        assert!(outage.check(start, start).is_ok(), "no failure yet");
        let failed = start + Duration::from_secs(3);
        outage.record(&unavailable(), failed);
        // Arriving within the pause, or waiting since before the failure: refused.
        let soon = failed + PAUSE / 2;
        assert!(matches!(
            outage.check(soon, soon),
            Err(StorageError::WritesPaused)
        ));
        let later = failed + PAUSE * 2;
        assert!(matches!(
            outage.check(start, later),
            Err(StorageError::WritesPaused)
        ));
        // Arriving after the pause: the probe goes.
        assert!(outage.check(later, later).is_ok());
        // A success ends it for everyone.
        outage.record(&Ok::<(), StorageError>(()), later);
        assert!(outage.check(start, later).is_ok());
    }

    #[test]
    fn other_failures_do_not_pause_writes() {
        let outage = WriteOutage::default();
        let now = Instant::now();
        outage.record(&Err::<(), _>(StorageError::DuplicateImo), now);
        assert!(outage.check(now, now).is_ok());
    }
}
