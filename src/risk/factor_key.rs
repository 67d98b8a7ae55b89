//! The names of the 11 scorecard factors of risk-model.md section 3, shared
//! by the model (weights are keyed by factor), the scorecard and the fleet's
//! top drivers.

use serde::{Deserialize, Serialize};

/// The factors of the scorecard, in the order of the spec's table (which is
/// also the tie order when contributions are equal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FactorKey {
    Age,
    ShipType,
    Flag,
    ClassSociety,
    Company,
    Detentions,
    Deficiencies,
    Incidents,
    LossRatio,
    ListedAreas,
    DarkActivity,
}

impl FactorKey {
    pub const ALL: [FactorKey; 11] = [
        Self::Age,
        Self::ShipType,
        Self::Flag,
        Self::ClassSociety,
        Self::Company,
        Self::Detentions,
        Self::Deficiencies,
        Self::Incidents,
        Self::LossRatio,
        Self::ListedAreas,
        Self::DarkActivity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Age => "age",
            Self::ShipType => "shipType",
            Self::Flag => "flag",
            Self::ClassSociety => "classSociety",
            Self::Company => "company",
            Self::Detentions => "detentions",
            Self::Deficiencies => "deficiencies",
            Self::Incidents => "incidents",
            Self::LossRatio => "lossRatio",
            Self::ListedAreas => "listedAreas",
            Self::DarkActivity => "darkActivity",
        }
    }
}
