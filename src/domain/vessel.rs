//! A vessel as the risk model sees it (risk-model.md section 1).

use chrono::NaiveDate;
use serde::{Serialize, Serializer};

use super::{ClassSocietyCode, FlagState, Imo, PolicyId};

use super::free_text::parse_short_text;

/// Declares a closed set of wire names: `as_str`, `parse` with a message that
/// lists the accepted values, `ALL`, and serde as the wire name.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            pub fn parse(input: &str) -> Result<Self, String> {
                match input {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(format!(
                        "must be one of {}",
                        [$($wire),+].join(", ")
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

wire_enum!(
    /// Ship type, as the model's tables know it.
    ShipType {
        BulkCarrier => "bulk_carrier",
        OilTanker => "oil_tanker",
        ChemicalTanker => "chemical_tanker",
        GasCarrier => "gas_carrier",
        Passenger => "passenger",
        Container => "container",
        GeneralCargo => "general_cargo",
        RoRo => "ro_ro",
        Offshore => "offshore",
        Tug => "tug",
        Other => "other",
    }
);

impl ShipType {
    /// Oil, chemical and gas tankers: the Solvency II marine tanker exposure.
    pub fn is_tanker(self) -> bool {
        matches!(
            self,
            Self::OilTanker | Self::ChemicalTanker | Self::GasCarrier
        )
    }
}

wire_enum!(
    /// The ISM company's performance (Paris MoU company performance).
    CompanyPerformance {
        High => "high",
        Medium => "medium",
        Low => "low",
        VeryLow => "very_low",
    }
);

// The enum comes from `wire_enum!`, which cannot mark a `#[default]` variant.
#[allow(clippy::derivable_impls)]
impl Default for CompanyPerformance {
    /// Section 1: `companyPerformance` defaults to medium.
    fn default() -> Self {
        Self::Medium
    }
}

wire_enum!(
    /// The port state control regime that carried out an inspection.
    InspectionRegime {
        ParisMou => "paris_mou",
        TokyoMou => "tokyo_mou",
        Uscg => "uscg",
        Other => "other",
    }
);

wire_enum!(
    /// RightShip severity: A = loss of life or total loss, B = serious damage
    /// or unseaworthy, C = lesser.
    IncidentSeverity {
        A => "A",
        B => "B",
        C => "C",
    }
);

wire_enum!(
    IncidentKind {
        Collision => "collision",
        Grounding => "grounding",
        FireExplosion => "fire_explosion",
        Machinery => "machinery",
        HullDamage => "hull_damage",
        Pollution => "pollution",
        Piracy => "piracy",
        TotalLoss => "total_loss",
        Other => "other",
    }
);

/// A non-negative, finite amount of US dollars.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct UsdAmount(f64);

impl UsdAmount {
    pub const ZERO: UsdAmount = UsdAmount(0.0);

    pub fn parse(value: f64) -> Result<Self, String> {
        if !value.is_finite() {
            return Err("must be a finite number".into());
        }
        if value < 0.0 {
            return Err("must be at least 0".into());
        }
        // -0.0 passes `< 0.0`; store it as 0 so it never prints as "-0".
        Ok(Self(value.abs()))
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

impl Serialize for UsdAmount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.0)
    }
}

/// A vessel's name: 1 to 120 characters, not blank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct VesselName(String);

impl VesselName {
    pub const MAX_CHARS: usize = 120;

    pub fn parse(input: &str) -> Result<Self, String> {
        parse_short_text(input, Self::MAX_CHARS, "must not be blank").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One port state control inspection.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    pub date: NaiveDate,
    pub regime: InspectionRegime,
    pub deficiencies: u32,
    pub detained: bool,
}

/// One casualty or claim event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    pub date: NaiveDate,
    pub severity: IncidentSeverity,
    pub kind: IncidentKind,
    pub gross_loss_usd: UsdAmount,
}

/// Everything the risk model reads about one vessel.
///
/// Built at the edge from parsed parts (HTTP bodies, CLI input, stored rows);
/// the engine takes it as given and is total over it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VesselProfile {
    #[serde(rename = "vesselIMO")]
    pub imo: Imo,
    pub name: VesselName,
    pub ship_type: ShipType,
    pub year_built: i32,
    pub gross_tonnage: u32,
    pub flag: FlagState,
    pub class_society: Option<ClassSocietyCode>,
    pub company_performance: CompanyPerformance,
    pub insured_value_usd: UsdAmount,
    pub insurance_policy_id: Option<PolicyId>,
    pub sanctioned: bool,
    pub banned_listed: bool,
    #[serde(rename = "daysInListedAreas12m")]
    pub days_in_listed_areas_12m: u32,
    #[serde(rename = "aisGaps12m")]
    pub ais_gaps_12m: u32,
    #[serde(rename = "flagChanges36m")]
    pub flag_changes_36m: u32,
    pub inspections: Vec<Inspection>,
    pub incidents: Vec<Incident>,
}

impl VesselProfile {
    pub const MIN_YEAR_BUILT: i32 = 1900;
    pub const MAX_GROSS_TONNAGE: u32 = 600_000;
    pub const MAX_DAYS_IN_LISTED_AREAS: u32 = 366;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_parse_their_wire_names_only() {
        assert_eq!(ShipType::parse("ro_ro"), Ok(ShipType::RoRo));
        assert_eq!(ShipType::ALL.len(), 11);
        assert!(
            ShipType::parse("RoRo")
                .unwrap_err()
                .contains("bulk_carrier")
        );
        assert_eq!(IncidentSeverity::parse("B"), Ok(IncidentSeverity::B));
        assert!(IncidentSeverity::parse("b").is_err());
        assert_eq!(CompanyPerformance::default(), CompanyPerformance::Medium);
        for kind in IncidentKind::ALL {
            assert_eq!(IncidentKind::parse(kind.as_str()), Ok(*kind));
        }
    }

    #[test]
    fn usd_amounts_are_finite_and_non_negative() {
        assert_eq!(UsdAmount::parse(0.0).unwrap().value(), 0.0);
        assert!(UsdAmount::parse(-0.0).unwrap().value().is_sign_positive());
        assert!(UsdAmount::parse(-1.0).is_err());
        assert!(UsdAmount::parse(f64::INFINITY).is_err());
        assert!(UsdAmount::parse(f64::NAN).is_err());
    }

    #[test]
    fn vessel_names_are_bounded() {
        assert!(VesselName::parse("EVER GIVEN").is_ok());
        assert!(VesselName::parse("").is_err());
        assert!(VesselName::parse(&"N".repeat(121)).is_err());
    }
}
