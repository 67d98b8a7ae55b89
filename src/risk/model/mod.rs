//! The risk model's parameters (model `frm-1.0` and successors): weights,
//! factor tables, windows, floors, SRP rules, expected-loss constants and the
//! flag / class society reference tables.
//!
//! Built by one pure constructor, [`RiskModel::from_sources`], from the text of
//! the model TOML and the two reference CSVs (reading the files is the
//! caller's job: see `crate::model_file`). Everything is validated there, so
//! the engine can index tables without checks: weights sum to 100, every table
//! has every key and no unknown one, factor values lie in [0, 1], windows and
//! divisors are positive, thresholds are ordered. Error messages name the
//! table and key at fault.
//!
//! The parts: `toml_schema` (the file as written), `validation` (the rules,
//! section by section), `parameters` (what the engine reads), `reference`
//! (the two CSV tables) and `version`.

mod error;
mod parameters;
mod reference;
mod toml_schema;
mod validation;
mod version;

use chrono::NaiveDate;

use crate::domain::{FlagState, RiskThresholds};

use super::calendar::Window;
use super::factor_key::FactorKey;

pub use error::ModelError;
use error::invalid;
pub(crate) use parameters::company_index;
pub use parameters::{ExpectedLossParams, FactorParams, FloorParams, SrpParams, WindowMonths};
pub use reference::{ClassPerformance, ClassRecord, ClassStanding, FlagList, FlagRecord};
use reference::{ClassTable, FlagTable};
pub use toml_schema::ReferenceFiles;
pub use version::ModelVersion;

/// The model's windows resolved for one as-of date, so that scoring a book
/// does the month arithmetic once rather than once per vessel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsOfWindows {
    pub as_of: NaiveDate,
    pub detentions: Window,
    pub deficiencies: Window,
    pub incidents: Window,
    pub incidents_recent: Window,
    pub incidents_middle: Window,
    pub losses: Window,
    pub detention_floor: Window,
    pub srp: Window,
}

/// A validated risk model. Fields are read-only to the engine; the only way
/// to build one is [`RiskModel::from_sources`].
#[derive(Debug, Clone, PartialEq)]
pub struct RiskModel {
    version: ModelVersion,
    thresholds: RiskThresholds,
    /// Indexed by `FactorKey as usize`.
    weights: [f64; 11],
    factors: FactorParams,
    floors: FloorParams,
    srp: SrpParams,
    expected_loss: ExpectedLossParams,
    flags: FlagTable,
    class_societies: ClassTable,
}

impl RiskModel {
    /// The reference files a model TOML names, so the loader knows what to read.
    pub fn reference_files(model_toml: &str) -> Result<ReferenceFiles, ModelError> {
        toml_schema::reference_files(model_toml)
    }

    /// Parses and validates a model from the text of its TOML file and of the
    /// two reference tables it names.
    pub fn from_sources(
        model_toml: &str,
        flags_csv: &str,
        class_societies_csv: &str,
    ) -> Result<RiskModel, ModelError> {
        let raw = toml_schema::parse(model_toml)?;
        let version = ModelVersion::parse(&raw.version).map_err(invalid)?;
        if raw.reference.flags.trim().is_empty() || raw.reference.class_societies.trim().is_empty()
        {
            return Err(invalid("reference table paths must not be empty"));
        }
        Ok(RiskModel {
            version,
            thresholds: validation::thresholds(&raw.thresholds)?,
            weights: validation::weights(&raw.weights)?,
            factors: validation::factors(&raw.factors)?,
            floors: validation::floors(&raw.floors)?,
            srp: validation::srp(&raw.srp)?,
            expected_loss: validation::expected_loss(&raw.expected_loss)?,
            flags: reference::parse_flags(flags_csv)?,
            class_societies: reference::parse_class_societies(class_societies_csv)?,
        })
    }

    pub fn version(&self) -> ModelVersion {
        self.version
    }

    /// Every window of the model, resolved for `as_of`.
    pub fn windows(&self, as_of: NaiveDate) -> AsOfWindows {
        let f = &self.factors;
        let w = |months| Window::last_months(as_of, months);
        AsOfWindows {
            as_of,
            detentions: w(f.detentions_window_months),
            deficiencies: w(f.deficiencies_window_months),
            incidents: w(f.incidents_window_months),
            incidents_recent: w(f.incidents_recent_months),
            incidents_middle: w(f.incidents_middle_months),
            losses: w(f.loss_ratio_window_months),
            detention_floor: w(self.floors.detention_window_months),
            srp: w(self.srp.window_months),
        }
    }

    /// The model's default thresholds (a fleet may override them).
    pub fn thresholds(&self) -> RiskThresholds {
        self.thresholds
    }

    pub fn weight(&self, key: FactorKey) -> f64 {
        self.weights[key as usize]
    }

    pub fn factors(&self) -> &FactorParams {
        &self.factors
    }

    pub fn floors(&self) -> &FloorParams {
        &self.floors
    }

    pub fn srp(&self) -> &SrpParams {
        &self.srp
    }

    pub fn expected_loss(&self) -> &ExpectedLossParams {
        &self.expected_loss
    }

    /// The flag's row of the reference table; `None` is unlisted.
    pub fn flag(&self, flag: FlagState) -> Option<FlagRecord> {
        self.flags.get(flag)
    }

    /// Every listed flag, in code order (for generators and reports).
    pub fn listed_flags(&self) -> Vec<(FlagState, FlagRecord)> {
        self.flags.listed()
    }

    /// Every listed class society code, sorted.
    pub fn listed_class_societies(&self) -> Vec<(&str, ClassRecord)> {
        self.class_societies.listed()
    }

    pub fn class_standing(&self, code: Option<&str>) -> ClassStanding {
        self.class_societies.standing(code)
    }
}
