//! Loading a book of fleets and vessels (the demo book) idempotently.

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
}

struct ParsedFleet {
    fleet: NewFleet,
    vessels: Vec<VesselProfile>,
}

impl DemoBook {
    /// Parses every fleet and vessel first, so a bad book writes nothing.
    fn parse(
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
    /// Loads `book`: fleets are matched by name, vessels by IMO number, and
    /// what already exists is left as it is, so seeding twice changes nothing.
    pub async fn seed_book(
        &self,
        book: &DemoBook,
        as_of: NaiveDate,
        policy_ids: &PolicyIdPattern,
    ) -> Result<SeedReport, SeedError> {
        let fleets = book.parse(as_of, policy_ids).map_err(SeedError::Invalid)?;
        let mut report = SeedReport::default();
        for parsed in fleets {
            let fleet: FleetRecord = match self.find_fleet_by_name(&parsed.fleet.name).await? {
                Some(existing) => existing,
                None => {
                    report.fleets_created += 1;
                    self.create_fleet(&parsed.fleet).await?
                }
            };
            for vessel in &parsed.vessels {
                match self.insert_vessel(fleet.id, vessel).await {
                    Ok(_) => report.vessels_created += 1,
                    Err(StorageError::DuplicateImo) => report.vessels_already_present += 1,
                    Err(other) => return Err(other.into()),
                }
            }
        }
        Ok(report)
    }
}
