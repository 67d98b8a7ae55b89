//! The book as a bulk load hands it over, before it is parsed into
//! vessels: the row shapes both backends read (the vessels' own columns are
//! [`VesselColumns`]), in the column order of their declarations.

use super::columns::table_row;
use super::vessels::VesselColumns;

table_row! {
    /// One inspection as the book load reads it (dates are parsed per row,
    /// so a bad one spoils only its vessel).
    #[derive(serde::Deserialize)]
    pub(in crate::storage) bulk struct StoredInspection {
        vessel_imo: String,
        date: String,
        regime: String,
        deficiencies: i64,
        detained: bool,
    }
}

table_row! {
    /// One incident as the book load reads it.
    #[derive(serde::Deserialize)]
    pub(in crate::storage) bulk struct StoredIncident {
        vessel_imo: String,
        date: String,
        severity: String,
        kind: String,
        gross_loss_usd: f64,
    }
}

/// What SQLite's bulk read hands over, parsed as it came, each table in any order.
#[derive(Default)]
pub(super) struct StoredBook {
    pub(super) vessels: Vec<VesselColumns>,
    pub(super) inspections: Vec<StoredInspection>,
    pub(super) incidents: Vec<StoredIncident>,
}

/// The COPY text output of the three tables, one snapshot, in the column
/// order of their row declarations.
pub(super) struct CopiedBook {
    pub(super) vessels: Vec<u8>,
    pub(super) inspections: Vec<u8>,
    pub(super) incidents: Vec<u8>,
}

/// `(id, data_version)` of every fleet, on one connection of the load's snapshot.
macro_rules! fleet_versions {
    ($conn:expr) => {{
        let rows: Vec<(uuid::Uuid, i64)> =
            sqlx::query_as("SELECT id, data_version FROM fleets ORDER BY id")
                .fetch_all($conn)
                .await?;
        rows
    }};
}
pub(super) use fleet_versions;
