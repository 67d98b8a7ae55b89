//! Stored values read back into domain types: a value that no longer
//! parses is a corrupt row, named by its column.

use chrono::NaiveDate;

use super::StorageError;
use crate::domain::Imo;

/// A corrupt row: `what` did not read back.
pub(super) fn corrupt(what: &str, error: impl std::fmt::Display) -> StorageError {
    StorageError::CorruptRow(format!("{what}: {error}"))
}

/// [`corrupt`] as a `map_err` of one column.
pub(super) fn corrupt_in(column: &str) -> impl Fn(String) -> StorageError + '_ {
    move |message| corrupt(column, message)
}

pub(super) fn stored_count(column: &str, value: i64) -> Result<u32, StorageError> {
    u32::try_from(value).map_err(|_| corrupt(column, value))
}

pub(super) fn stored_imo(raw: &str) -> Result<Imo, StorageError> {
    Imo::parse(raw).map_err(|e| StorageError::CorruptRow(format!("imo {raw}: {e}")))
}

pub(super) fn stored_date(raw: &str) -> Result<NaiveDate, StorageError> {
    // FromStr reads `YYYY-MM-DD` without interpreting a format string per call.
    raw.parse().map_err(|e| corrupt("date", e))
}

pub(super) fn parse_json<T: serde::de::DeserializeOwned>(
    what: &str,
    json: &str,
) -> Result<T, StorageError> {
    serde_json::from_str(json).map_err(|e| corrupt(what, e))
}
