//! The book fixture format (the demo book), its parse, and its fleets found
//! or created by name; its vessels are loaded by the import
//! ([`crate::jobs::import::seed`]), so they are scored as they are stored.

use chrono::NaiveDate;
use serde::Deserialize;

use super::{Database, FleetRecord, NewFleet, StorageError};
use crate::domain::{FieldErrors, FleetName, PolicyIdPattern, VesselInput, VesselProfile};

/// The fixture format: `{"fleets": [{"name", "description", "vessels": [...]}]}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoBook {
    pub fleets: Vec<DemoFleet>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoFleet {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub vessels: Vec<VesselInput>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub fleets_created: usize,
    pub vessels_created: usize,
    pub vessels_already_present: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the book is not valid: {0}")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The compute pool could not score the book.
    #[error("the book could not be scored: {0}")]
    Scoring(String),
}

/// One fleet of a parsed book.
pub struct ParsedFleet {
    pub fleet: NewFleet,
    pub vessels: Vec<VesselProfile>,
}

impl DemoBook {
    /// Parses every fleet and vessel first, so a bad book writes nothing.
    pub fn parse(
        &self,
        as_of: NaiveDate,
        policy_ids: &PolicyIdPattern,
    ) -> Result<Vec<ParsedFleet>, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut parsed = Vec::with_capacity(self.fleets.len());
        for (f, fleet) in self.fleets.iter().enumerate() {
            let name = errors.check(&format!("fleets[{f}].name"), FleetName::parse(&fleet.name));
            let mut vessels = Vec::with_capacity(fleet.vessels.len());
            for (v, vessel) in fleet.vessels.iter().enumerate() {
                match vessel.parse(as_of, policy_ids) {
                    Ok(profile) => vessels.push(profile),
                    Err(e) => errors.extend_prefixed(&format!("fleets[{f}].vessels[{v}]"), e),
                }
            }
            if let Some(name) = name {
                parsed.push(ParsedFleet {
                    fleet: NewFleet {
                        name,
                        description: fleet.description.clone(),
                    },
                    vessels,
                });
            }
        }
        errors.into_result(|| parsed)
    }
}

impl Database {
    /// The fleet of this name, created when there is none; `true` when created.
    pub async fn seed_fleet(&self, fleet: &NewFleet) -> Result<(FleetRecord, bool), StorageError> {
        match self.find_fleet_by_name(&fleet.name).await? {
            Some(existing) => Ok((existing, false)),
            None => Ok((self.create_fleet(fleet).await?, true)),
        }
    }
}
