//! The per-replica cache of feature flags.
//!
//! Flags are read whole (they are few) and kept with the `feature_flag_state`
//! version they were read at. The version is re-read at most every
//! `PUBLICATION_POLL_MS` (0: on every request), and the flags only when it
//! moved, so a flag evaluation costs no database round trip in the steady
//! state, and never serves a flag older than another replica's change by
//! more than that interval. This replica's own changes are put in at once.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::flags::{FlagKey, StoredFlag};
use crate::storage::{Database, StorageError};

/// The flags at one version.
#[derive(Debug, Clone)]
pub struct FlagSet {
    pub version: i64,
    pub flags: Arc<Vec<StoredFlag>>,
}

impl FlagSet {
    pub fn get(&self, key: &FlagKey) -> Option<&StoredFlag> {
        self.flags.iter().find(|flag| &flag.key == key)
    }
}

struct Snapshot {
    set: FlagSet,
    /// When the version was last confirmed (`None`: confirm it next time).
    checked_at: Option<Instant>,
}

pub struct FlagCache {
    poll: Duration,
    snapshot: Mutex<Option<Snapshot>>,
    /// One refresh at a time; the others then find it fresh.
    refresh: tokio::sync::Mutex<()>,
}

impl FlagCache {
    pub fn new(poll: Duration) -> Self {
        Self {
            poll,
            snapshot: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    /// How often the version is re-read: the fastest change a client
    /// polling this replica can see.
    pub fn poll_interval(&self) -> Duration {
        self.poll
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Snapshot>> {
        self.snapshot
            .lock()
            .expect("the flag cache lock is never poisoned")
    }

    /// The flags confirmed less than one poll interval before `now`.
    fn fresh(&self, now: Instant) -> Option<FlagSet> {
        self.lock()
            .as_ref()
            .filter(|s| {
                s.checked_at
                    .is_some_and(|at| now.saturating_duration_since(at) < self.poll)
            })
            .map(|s| s.set.clone())
    }

    /// The flags in force (see the module doc).
    pub async fn current(&self, db: &Database) -> Result<FlagSet, StorageError> {
        if let Some(set) = self.fresh(Instant::now()) {
            return Ok(set);
        }
        let _turn = self.refresh.lock().await;
        if let Some(set) = self.fresh(Instant::now()) {
            return Ok(set);
        }
        let checked_at = Instant::now();
        let version = db.feature_flag_version().await?;
        let known = self
            .lock()
            .as_ref()
            .filter(|s| s.set.version == version)
            .map(|s| s.set.clone());
        let set = match known {
            Some(set) => set,
            None => FlagSet {
                version,
                flags: Arc::new(db.feature_flags().await?),
            },
        };
        *self.lock() = Some(Snapshot {
            set: set.clone(),
            checked_at: Some(checked_at),
        });
        Ok(set)
    }

    /// This replica changed a flag: confirm the version on the next read.
    pub fn invalidate(&self) {
        if let Some(snapshot) = self.lock().as_mut() {
            snapshot.checked_at = None;
        }
    }
}
