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
