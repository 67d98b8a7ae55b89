//! The documented columns of each CSV file of an import (named as the
//! section 1 JSON fields), and how a cell becomes the JSON value a client
//! would send.

use serde_json::{Number, Value};

/// What a CSV file of an import holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvKind {
    Vessels,
    Inspections,
    Incidents,
}

/// How a column's cells become JSON values.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cell {
    Text,
    Integer,
    Number,
    Boolean,
}

const VESSEL_COLUMNS: &[(&str, Cell)] = &[
    ("fleetId", Cell::Text),
    ("vesselIMO", Cell::Text),
    ("name", Cell::Text),
    ("shipType", Cell::Text),
    ("yearBuilt", Cell::Integer),
    ("grossTonnage", Cell::Integer),
    ("flag", Cell::Text),
    ("classSociety", Cell::Text),
    ("companyPerformance", Cell::Text),
    ("insuredValueUsd", Cell::Number),
    ("insurancePolicyId", Cell::Text),
    ("sanctioned", Cell::Boolean),
    ("bannedListed", Cell::Boolean),
    ("daysInListedAreas12m", Cell::Integer),
    ("aisGaps12m", Cell::Integer),
    ("flagChanges36m", Cell::Integer),
];

const INSPECTION_COLUMNS: &[(&str, Cell)] = &[
    ("vesselIMO", Cell::Text),
    ("date", Cell::Text),
    ("regime", Cell::Text),
    ("deficiencies", Cell::Integer),
    ("detained", Cell::Boolean),
];

const INCIDENT_COLUMNS: &[(&str, Cell)] = &[
    ("vesselIMO", Cell::Text),
    ("date", Cell::Text),
    ("severity", Cell::Text),
    ("kind", Cell::Text),
    ("grossLossUsd", Cell::Number),
];

impl CsvKind {
    /// The form part (and problem prefix) of this kind of file.
    pub fn part(self) -> &'static str {
        match self {
            Self::Vessels => "vessels",
            Self::Inspections => "inspections",
            Self::Incidents => "incidents",
        }
    }

    pub fn from_part(name: &str) -> Option<Self> {
        [Self::Vessels, Self::Inspections, Self::Incidents]
            .into_iter()
            .find(|kind| kind.part() == name)
    }

    pub(super) fn columns(self) -> &'static [(&'static str, Cell)] {
        match self {
            Self::Vessels => VESSEL_COLUMNS,
            Self::Inspections => INSPECTION_COLUMNS,
            Self::Incidents => INCIDENT_COLUMNS,
        }
    }
}

/// A cell as the JSON value a client would send: a number, integer or
/// boolean where it reads as one, else the text itself (which the parser
/// then names: "must be an integer").
pub(super) fn typed(cell: Cell, text: String) -> Value {
    let trimmed = text.trim();
    match cell {
        Cell::Text => Value::String(text),
        Cell::Integer => match trimmed.parse::<i64>() {
            Ok(value) => Value::from(value),
            Err(_) => Value::String(text),
        },
        Cell::Number => match trimmed.parse::<f64>().ok().and_then(Number::from_f64) {
            Some(value) => Value::Number(value),
            None => Value::String(text),
        },
        Cell::Boolean => match trimmed.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text),
        },
    }
}
