//! A bulk import stored, scored and published in one transaction.
//!
//! The checks that need the book (each fleet exists; each vessel is new,
//! unless the import replaces), the writes, the vessels' assessments, their
//! fleets' new aggregates and the `data_change` run that publishes them all
//! commit together under the single-writer lock, as a one-vessel write does
//! ([`super::rescore`]): a reader never sees an imported vessel without its
//! score, and a failure leaves nothing behind. A request with an
//! idempotency key has its answer remembered in the same transaction.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::data_change::publish_data_change;
use super::scoring::{aggregate_book, score_book};
use super::{JobContext, ThresholdBook};
use crate::compute::ComputeError;
use crate::domain::{FleetId, Imo, PolicyIdPattern, VesselInput, VesselProfile};
use crate::import::{ImportBatch, ImportMode, ImportProblems, ImportedVessel};
use crate::storage::{
    Book, DemoBook, KeptMember, RememberedAnswer, ScoringVessel, SeedError, SeedReport,
    StorageError, WriteTx,
};

/// How long an idempotency key's answer is kept (and a retry recognised).
pub const IDEMPOTENCY_RETENTION: Duration = Duration::hours(24);

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Rows the book refuses (an unknown fleet, an IMO already stored).
    #[error("the import is refused: {} problem(s)", .0.total())]
    Rejected(ImportProblems),
    /// The idempotency key was first used for another request.
    #[error("the idempotency key was used for another request")]
    KeyReused,
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Compute(#[from] ComputeError),
}

/// What a successful import answers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    /// The `data_change` run that published the vessels' and fleets' scores.
    pub run_id: uuid::Uuid,
    pub vessels_scored: usize,
    pub fleets_scored: usize,
}

/// An answer as sent: status and JSON body (a replay sends the stored one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportAnswer {
    pub status: u16,
    pub body: String,
    /// True when this is the remembered answer of an earlier request.
    pub replayed: bool,
}

/// An `Idempotency-Key` with the fingerprint of the request it came with.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    pub fingerprint: String,
}

impl IdempotencyKey {
    /// The key of a request asking for `batch` in `mode`: the fingerprint
    /// is of what is imported, not of the bytes, so a CSV retried with a new
    /// multipart boundary is the same request. CPU work: call it on the
    /// compute pool.
    pub fn of(key: String, batch: &ImportBatch, mode: ImportMode) -> Self {
        let mut hash = Sha256::new();
        hash.update(mode.as_str().as_bytes());
        for vessel in &batch.vessels {
            hash.update(vessel.fleet_id.as_uuid().as_bytes());
            let input = VesselInput::from_profile(&vessel.profile);
            hash.update(serde_json::to_vec(&input).expect("vessel inputs serialize"));
            hash.update(b"\n");
        }
        Self {
            key,
            fingerprint: hex::encode(hash.finalize()),
        }
    }
}

/// Stores, scores and publishes `batch` (see the module doc).
pub async fn import(
    ctx: &JobContext,
    batch: ImportBatch,
    mode: ImportMode,
    key: Option<&IdempotencyKey>,
) -> Result<ImportAnswer, ImportError> {
    import_skipping(ctx, batch, mode, key, false)
        .await
        .map(|(answer, _)| answer)
}

/// Loads a book of fleets (the demo book) through the import: fleets are
/// matched by name, vessels already stored are left as they are (so seeding
/// twice changes nothing), and what is loaded is scored and published
/// before this returns.
pub async fn seed(
    ctx: &JobContext,
    book: &DemoBook,
    as_of: NaiveDate,
    policy_ids: &PolicyIdPattern,
) -> Result<SeedReport, SeedError> {
    let fleets = book.parse(as_of, policy_ids).map_err(SeedError::Invalid)?;
    let mut report = SeedReport::default();
    let mut batch = ImportBatch::default();
    for parsed in fleets {
        let (fleet, created) = ctx.db.seed_fleet(&parsed.fleet).await?;
        report.fleets_created += usize::from(created);
        for profile in parsed.vessels {
            batch.vessels.push(ImportedVessel {
                fleet_id: fleet.id,
                profile,
                row: batch.vessels.len(),
                line: None,
            });
        }
    }
    let total = batch.vessels.len();
    let (_, skipped) = import_skipping(ctx, batch, ImportMode::Create, None, true)
        .await
        .map_err(|error| match error {
            ImportError::Storage(storage) => SeedError::Storage(storage),
            other => SeedError::Scoring(other.to_string()),
        })?;
    report.vessels_created = total - skipped;
    report.vessels_already_present = skipped;
    Ok(report)
}

/// [`import`]; with `skip_stored`, vessels already stored are left out
/// instead of refused (and counted).
async fn import_skipping(
    ctx: &JobContext,
    mut batch: ImportBatch,
    mode: ImportMode,
    key: Option<&IdempotencyKey>,
    skip_stored: bool,
) -> Result<(ImportAnswer, usize), ImportError> {
    let mut tx = ctx.db.begin_write().await?;
    let retained_since = Utc::now() - IDEMPOTENCY_RETENTION;
    if let Some(key) = key
        && let Some(remembered) = tx.remembered_answer(&key.key, retained_since).await?
    {
        if remembered.fingerprint != key.fingerprint {
            return Err(ImportError::KeyReused);
        }
        let answer = ImportAnswer {
            status: remembered.status,
            body: remembered.body,
            replayed: true,
        };
        return Ok((answer, 0));
    }

    let mut imos: Vec<Imo> = batch.vessels.iter().map(|v| v.profile.imo).collect();
    let stored = tx.stored_vessels(&imos).await?;
    let before = batch.vessels.len();
    if skip_stored {
        batch
            .vessels
            .retain(|v| !stored.contains_key(&v.profile.imo));
        imos.retain(|imo| !stored.contains_key(imo));
    }
    let skipped = before - batch.vessels.len();
    let fleets = tx.fleet_ids().await?;
    let mut problems = ImportProblems::new();
    for vessel in &batch.vessels {
        if !fleets.contains(&vessel.fleet_id) {
            problems.row(
                "vessels",
                vessel.row,
                vessel.line,
                "fleetId",
                "no fleet with this id",
            );
        }
        if mode == ImportMode::Create && stored.contains_key(&vessel.profile.imo) {
            problems.row(
                "vessels",
                vessel.row,
                vessel.line,
                "vesselIMO",
                "is already on the book (import with mode=upsert to replace it)",
            );
        }
    }
    if !problems.is_empty() {
        return Err(ImportError::Rejected(problems));
    }

    // The fleets to re-aggregate: those the vessels join and those they leave.
    let mut touched: Vec<FleetId> = Vec::new();
    let mut new_by_fleet: HashMap<FleetId, Vec<VesselProfile>> = HashMap::new();
    let mut replaced: Vec<(FleetId, VesselProfile)> = Vec::new();
    for vessel in batch.vessels {
        touched.push(vessel.fleet_id);
        match stored.get(&vessel.profile.imo) {
            Some((previous, _)) => {
                touched.push(*previous);
                replaced.push((vessel.fleet_id, vessel.profile));
            }
            None => new_by_fleet
                .entry(vessel.fleet_id)
                .or_default()
                .push(vessel.profile),
        }
    }
    touched.sort_unstable();
    touched.dedup();
    let created: usize = new_by_fleet.values().map(Vec::len).sum();
    let updated = replaced.len();

    for (fleet, vessels) in &new_by_fleet {
        tx.insert_vessels(*fleet, vessels).await?;
    }
    tx.replace_vessels(&replaced).await?;
    let versions = tx.stored_vessels(&imos).await?;

    let scoring: Vec<ScoringVessel> = new_by_fleet
        .into_iter()
        .flat_map(|(fleet, vessels)| vessels.into_iter().map(move |v| (fleet, v)))
        .chain(replaced)
        .map(|(fleet_id, profile)| ScoringVessel {
            fleet_id,
            data_version: versions
                .get(&profile.imo)
                .map_or(1, |(_, version)| *version),
            profile,
        })
        .collect();
    let publication = publish(ctx, &mut tx, scoring, &touched).await?;

    let summary = ImportSummary {
        created,
        updated,
        run_id: publication,
        vessels_scored: created + updated,
        fleets_scored: touched.len(),
    };
    let answer = ImportAnswer {
        status: if created > 0 || updated == 0 {
            201
        } else {
            200
        },
        body: serde_json::to_string(&summary).expect("summaries serialize"),
        replayed: false,
    };
    if let Some(key) = key {
        let remembered = RememberedAnswer {
            fingerprint: key.fingerprint.clone(),
            status: answer.status,
            body: answer.body.clone(),
        };
        tx.remember_answer(&key.key, &remembered, retained_since)
            .await?;
    }
    tx.commit().await?;
    Ok((answer, skipped))
}

/// Scores `vessels` and re-aggregates `fleets` on the compute pool, and
/// publishes both as one `data_change` run inside `tx`; returns the run id.
async fn publish(
    ctx: &JobContext,
    tx: &mut WriteTx,
    vessels: Vec<ScoringVessel>,
    fleets: &[FleetId],
) -> Result<uuid::Uuid, ImportError> {
    let as_of = Utc::now().date_naive();
    // Through the write's own transaction: see `Database::begin_write`.
    let thresholds = ThresholdBook::load_in(tx, &ctx.model).await?;
    let fresh: HashSet<Imo> = vessels.iter().map(|v| v.profile.imo).collect();
    // The other members of each fleet count with their published scores.
    let mut touched = Vec::with_capacity(fleets.len());
    let mut others = Vec::new();
    for fleet in fleets {
        let (data_version, members) = tx.fleet_members(*fleet).await?;
        touched.push((*fleet, data_version));
        others.extend(
            members
                .into_iter()
                .filter(|member| !fresh.contains(&member.imo))
                .map(|score| KeptMember {
                    fleet_id: *fleet,
                    score,
                }),
        );
    }
    let model = ctx.model.clone();
    let publication = ctx
        .compute
        .run(move || {
            let book = Book {
                vessels,
                fleets: touched,
                ..Book::default()
            };
            let scored = score_book(&model, book, as_of, &thresholds);
            aggregate_book(scored, &others, &thresholds)
        })
        .await?;
    let run_id = publish_data_change(ctx, tx, as_of, &publication).await?;
    Ok(run_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_is_of_the_vessels_and_the_mode() {
        let batch = ImportBatch::default();
        let create = IdempotencyKey::of("k".into(), &batch, ImportMode::Create);
        let upsert = IdempotencyKey::of("k".into(), &batch, ImportMode::Upsert);
        assert_ne!(create.fingerprint, upsert.fingerprint);
        assert_eq!(
            create.fingerprint,
            IdempotencyKey::of("other".into(), &batch, ImportMode::Create).fingerprint
        );
    }
}
