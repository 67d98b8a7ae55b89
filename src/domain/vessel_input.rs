//! The wire format of one vessel (risk-model.md section 1) and its parse into
//! a [`VesselProfile`].
//!
//! The API, the `assess` command, the demo book and the golden engine cases
//! all read vessels in this one shape. Field types are loose on purpose
//! (strings for enums and dates, wide integers) so that one parse names
//! every bad field at once instead of stopping at the first type error.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{
    ClassSocietyCode, CompanyPerformance, FieldError, FieldErrors, FlagState, Imo, Incident,
    IncidentKind, IncidentSeverity, Inspection, InspectionRegime, PolicyId, PolicyIdPattern,
    ShipType, UsdAmount, VesselName, VesselProfile,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VesselInput {
    #[serde(rename = "vesselIMO")]
    pub vessel_imo: String,
    pub name: String,
    pub ship_type: String,
    pub year_built: i64,
    pub gross_tonnage: i64,
    pub flag: String,
    #[serde(default)]
    pub class_society: Option<String>,
    #[serde(default)]
    pub company_performance: Option<String>,
    pub insured_value_usd: f64,
    #[serde(default)]
    pub insurance_policy_id: Option<String>,
    #[serde(default)]
    pub sanctioned: bool,
    #[serde(default)]
    pub banned_listed: bool,
    #[serde(default, rename = "daysInListedAreas12m")]
    pub days_in_listed_areas_12m: i64,
    #[serde(default, rename = "aisGaps12m")]
    pub ais_gaps_12m: i64,
    #[serde(default, rename = "flagChanges36m")]
    pub flag_changes_36m: i64,
    #[serde(default)]
    pub inspections: Vec<InspectionInput>,
    #[serde(default)]
    pub incidents: Vec<IncidentInput>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InspectionInput {
    pub date: String,
    pub regime: String,
    pub deficiencies: i64,
    pub detained: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IncidentInput {
    pub date: String,
    pub severity: String,
    pub kind: String,
    pub gross_loss_usd: f64,
}

/// Counts are bounded well above anything real so sums can never overflow.
const MAX_COUNT: i64 = 100_000;

fn bounded(errors: &mut FieldErrors, field: &str, value: i64, min: i64, max: i64) -> Option<u32> {
    if (min..=max).contains(&value) {
        u32::try_from(value).ok()
    } else {
        errors.push(field, format!("must be between {min} and {max}"));
        None
    }
}

/// A calendar date `YYYY-MM-DD` on or before `as_of`.
fn event_date(
    errors: &mut FieldErrors,
    field: &str,
    raw: &str,
    as_of: NaiveDate,
) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(date) if raw.len() == 10 && date <= as_of => Some(date),
        Ok(date) if raw.len() == 10 => {
            errors.push(field, format!("{date} is after the as-of date {as_of}"));
            None
        }
        _ => {
            errors.push(field, "must be a date in the form YYYY-MM-DD");
            None
        }
    }
}

impl InspectionInput {
    pub fn parse(&self, as_of: NaiveDate) -> Result<Inspection, FieldErrors> {
        let mut errors = FieldErrors::new();
        let date = event_date(&mut errors, "date", &self.date, as_of);
        let regime = errors.check("regime", InspectionRegime::parse(&self.regime));
        let deficiencies = bounded(&mut errors, "deficiencies", self.deficiencies, 0, MAX_COUNT);
        match (date, regime, deficiencies) {
            (Some(date), Some(regime), Some(deficiencies)) if errors.is_empty() => Ok(Inspection {
                date,
                regime,
                deficiencies,
                detained: self.detained,
            }),
            _ => Err(errors),
        }
    }

    pub fn from_inspection(inspection: &Inspection) -> Self {
        Self {
            date: inspection.date.to_string(),
            regime: inspection.regime.as_str().to_string(),
            deficiencies: i64::from(inspection.deficiencies),
            detained: inspection.detained,
        }
    }
}

impl IncidentInput {
    pub fn parse(&self, as_of: NaiveDate) -> Result<Incident, FieldErrors> {
        let mut errors = FieldErrors::new();
        let date = event_date(&mut errors, "date", &self.date, as_of);
        let severity = errors.check("severity", IncidentSeverity::parse(&self.severity));
        let kind = errors.check("kind", IncidentKind::parse(&self.kind));
        let loss = errors.check("grossLossUsd", UsdAmount::parse(self.gross_loss_usd));
        match (date, severity, kind, loss) {
            (Some(date), Some(severity), Some(kind), Some(gross_loss_usd)) => Ok(Incident {
                date,
                severity,
                kind,
                gross_loss_usd,
            }),
            _ => Err(errors),
        }
    }

    pub fn from_incident(incident: &Incident) -> Self {
        Self {
            date: incident.date.to_string(),
            severity: incident.severity.as_str().to_string(),
            kind: incident.kind.as_str().to_string(),
            gross_loss_usd: incident.gross_loss_usd.value(),
        }
    }
}

impl VesselInput {
    /// Decodes a vessel sent as a JSON value, naming the first member of the
    /// wrong shape (wrong type, unknown or missing).
    pub fn from_json(value: serde_json::Value) -> Result<Self, FieldError> {
        serde_path_to_error::deserialize(value).map_err(|shape| {
            FieldError::from_serde(&shape.path().to_string(), &shape.inner().to_string())
        })
    }

    /// Parses every field, as of `as_of` (which bounds `yearBuilt` and event
    /// dates), and reports every bad field by its JSON name.
    pub fn parse(
        &self,
        as_of: NaiveDate,
        policy_ids: &PolicyIdPattern,
    ) -> Result<VesselProfile, FieldErrors> {
        let mut errors = FieldErrors::new();
        let imo = errors.check("vesselIMO", Imo::parse(&self.vessel_imo));
        let name = errors.check("name", VesselName::parse(&self.name));
        let ship_type = errors.check("shipType", ShipType::parse(&self.ship_type));
        let year_built = i32::try_from(self.year_built)
            .ok()
            .filter(|year| (VesselProfile::MIN_YEAR_BUILT..=as_of.year()).contains(year));
        if year_built.is_none() {
            errors.push(
                "yearBuilt",
                format!(
                    "must be between {} and {}",
                    VesselProfile::MIN_YEAR_BUILT,
                    as_of.year()
                ),
            );
        }
        let gross_tonnage = bounded(
            &mut errors,
            "grossTonnage",
            self.gross_tonnage,
            1,
            i64::from(VesselProfile::MAX_GROSS_TONNAGE),
        );
        let flag = errors.check("flag", FlagState::parse(&self.flag));
        let class_society = match &self.class_society {
            None => Some(None),
            Some(code) => errors
                .check("classSociety", ClassSocietyCode::parse(code))
                .map(Some),
        };
        let company_performance = match &self.company_performance {
            None => Some(CompanyPerformance::default()),
            Some(raw) => errors.check("companyPerformance", CompanyPerformance::parse(raw)),
        };
        let insured_value_usd =
            errors.check("insuredValueUsd", UsdAmount::parse(self.insured_value_usd));
        let insurance_policy_id = match &self.insurance_policy_id {
            None => Some(None),
            Some(raw) => errors
                .check("insurancePolicyId", PolicyId::parse(raw, policy_ids))
                .map(Some),
        };
        let days_in_listed_areas_12m = bounded(
            &mut errors,
            "daysInListedAreas12m",
            self.days_in_listed_areas_12m,
            0,
            i64::from(VesselProfile::MAX_DAYS_IN_LISTED_AREAS),
        );
        let ais_gaps_12m = bounded(&mut errors, "aisGaps12m", self.ais_gaps_12m, 0, MAX_COUNT);
        let flag_changes_36m = bounded(
            &mut errors,
            "flagChanges36m",
            self.flag_changes_36m,
            0,
            MAX_COUNT,
        );

        let mut inspections = Vec::with_capacity(self.inspections.len());
        for (index, raw) in self.inspections.iter().enumerate() {
            match raw.parse(as_of) {
                Ok(inspection) => inspections.push(inspection),
                Err(item) => errors.extend_prefixed(&format!("inspections[{index}]"), item),
            }
        }
        let mut incidents = Vec::with_capacity(self.incidents.len());
        for (index, raw) in self.incidents.iter().enumerate() {
            match raw.parse(as_of) {
                Ok(incident) => incidents.push(incident),
                Err(item) => errors.extend_prefixed(&format!("incidents[{index}]"), item),
            }
        }

        match (
            imo,
            name,
            ship_type,
            year_built,
            gross_tonnage,
            flag,
            class_society,
            company_performance,
            insured_value_usd,
            insurance_policy_id,
            days_in_listed_areas_12m,
            ais_gaps_12m,
            flag_changes_36m,
        ) {
            (
                Some(imo),
                Some(name),
                Some(ship_type),
                Some(year_built),
                Some(gross_tonnage),
                Some(flag),
                Some(class_society),
                Some(company_performance),
                Some(insured_value_usd),
                Some(insurance_policy_id),
                Some(days_in_listed_areas_12m),
                Some(ais_gaps_12m),
                Some(flag_changes_36m),
            ) if errors.is_empty() => Ok(VesselProfile {
                imo,
                name,
                ship_type,
                year_built,
                gross_tonnage,
                flag,
                class_society,
                company_performance,
                insured_value_usd,
                insurance_policy_id,
                sanctioned: self.sanctioned,
                banned_listed: self.banned_listed,
                days_in_listed_areas_12m,
                ais_gaps_12m,
                flag_changes_36m,
                inspections,
                incidents,
            }),
            _ => Err(errors),
        }
    }

    /// The wire form of a parsed vessel (the inverse of [`VesselInput::parse`]).
    pub fn from_profile(vessel: &VesselProfile) -> Self {
        Self {
            vessel_imo: vessel.imo.to_string(),
            name: vessel.name.as_str().to_string(),
            ship_type: vessel.ship_type.as_str().to_string(),
            year_built: i64::from(vessel.year_built),
            gross_tonnage: i64::from(vessel.gross_tonnage),
            flag: vessel.flag.as_str().to_string(),
            class_society: vessel
                .class_society
                .as_ref()
                .map(|c| c.as_str().to_string()),
            company_performance: Some(vessel.company_performance.as_str().to_string()),
            insured_value_usd: vessel.insured_value_usd.value(),
            insurance_policy_id: vessel
                .insurance_policy_id
                .as_ref()
                .map(|p| p.as_str().to_string()),
            sanctioned: vessel.sanctioned,
            banned_listed: vessel.banned_listed,
            days_in_listed_areas_12m: i64::from(vessel.days_in_listed_areas_12m),
            ais_gaps_12m: i64::from(vessel.ais_gaps_12m),
            flag_changes_36m: i64::from(vessel.flag_changes_36m),
            inspections: vessel
                .inspections
                .iter()
                .map(InspectionInput::from_inspection)
                .collect(),
            incidents: vessel
                .incidents
                .iter()
                .map(IncidentInput::from_incident)
                .collect(),
        }
    }
}

/// Decodes and parses a list of vessels sent as JSON values. Each error is
/// named `{prefix}[index].field`, so one answer can name every bad vessel.
pub fn parse_vessel_list(
    items: Vec<serde_json::Value>,
    as_of: NaiveDate,
    policy_ids: &PolicyIdPattern,
    prefix: &str,
) -> Result<Vec<VesselProfile>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut vessels = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let here = format!("{prefix}[{index}]");
        match VesselInput::from_json(item) {
            Err(error) => {
                let field = if error.field == "body" {
                    String::new()
                } else {
                    error.field
                };
                errors.extend_prefixed(&here, FieldError::new(field, error.message).into());
            }
            Ok(input) => match input.parse(as_of, policy_ids) {
                Ok(vessel) => vessels.push(vessel),
                Err(item_errors) => errors.extend_prefixed(&here, item_errors),
            },
        }
    }
    errors.into_result(|| vessels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    fn parse(value: serde_json::Value) -> Result<VesselProfile, FieldErrors> {
        let input: VesselInput = serde_json::from_value(value).unwrap();
        input.parse(as_of(), &PolicyIdPattern::default())
    }

    fn minimal() -> serde_json::Value {
        json!({
            "vesselIMO": "IMO 9074729", "name": "NORDIC STAR", "shipType": "bulk_carrier",
            "yearBuilt": 1998, "grossTonnage": 38000, "flag": "DK", "classSociety": "DNV",
            "insuredValueUsd": 12000000.0
        })
    }

    #[test]
    fn a_minimal_vessel_takes_the_section_1_defaults() {
        let vessel = parse(minimal()).unwrap();
        assert_eq!(vessel.imo.to_string(), "9074729");
        assert_eq!(vessel.company_performance, CompanyPerformance::Medium);
        assert!(!vessel.sanctioned && !vessel.banned_listed);
        assert_eq!(vessel.insurance_policy_id, None);
        assert!(vessel.inspections.is_empty() && vessel.incidents.is_empty());
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let errors = parse(json!({
            "vesselIMO": "9074728", "name": "", "shipType": "yacht", "yearBuilt": 1899,
            "grossTonnage": 0, "flag": "dk", "classSociety": " ", "companyPerformance": "good",
            "insuredValueUsd": -1.0, "insurancePolicyId": "policy-1",
            "daysInListedAreas12m": 367, "aisGaps12m": -1, "flagChanges36m": -2,
            "inspections": [
                {"date": "2026-11-27", "regime": "paris_mou", "deficiencies": -1, "detained": false},
                {"date": "2026-01-01", "regime": "paris_mou", "deficiencies": 1, "detained": false}
            ],
            "incidents": [{"date": "26-01-01", "severity": "D", "kind": "storm", "grossLossUsd": -5.0}]
        }))
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "vesselIMO",
                "name",
                "shipType",
                "yearBuilt",
                "grossTonnage",
                "flag",
                "classSociety",
                "companyPerformance",
                "insuredValueUsd",
                "insurancePolicyId",
                "daysInListedAreas12m",
                "aisGaps12m",
                "flagChanges36m",
                "inspections[0].date",
                "inspections[0].deficiencies",
                "incidents[0].date",
                "incidents[0].severity",
                "incidents[0].kind",
                "incidents[0].grossLossUsd",
            ]
        );
    }

    #[test]
    fn year_built_may_be_the_as_of_year_but_not_later() {
        let mut value = minimal();
        value["yearBuilt"] = json!(2026);
        assert!(parse(value.clone()).is_ok());
        value["yearBuilt"] = json!(2027);
        assert_eq!(
            parse(value).unwrap_err().iter().next().unwrap().field,
            "yearBuilt"
        );
    }

    #[test]
    fn an_event_on_the_as_of_date_is_accepted() {
        let mut value = minimal();
        value["inspections"] =
            json!([{"date": "2026-11-26", "regime": "uscg", "deficiencies": 0, "detained": true}]);
        assert_eq!(parse(value).unwrap().inspections.len(), 1);
    }

    #[test]
    fn unknown_fields_are_rejected_by_serde() {
        let mut value = minimal();
        value["imoNumber"] = json!("9074729");
        let error = serde_json::from_value::<VesselInput>(value).unwrap_err();
        assert!(error.to_string().contains("imoNumber"));
    }

    #[test]
    fn a_list_names_each_bad_vessel_by_index() {
        let mut bad_flag = minimal();
        bad_flag["flag"] = json!("XX");
        let mut unknown = minimal();
        unknown["speed"] = json!(12);
        let errors = parse_vessel_list(
            vec![minimal(), bad_flag, json!("not a vessel"), unknown],
            as_of(),
            &PolicyIdPattern::default(),
            "vessels",
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["vessels[1].flag", "vessels[2]", "vessels[3].speed"]
        );
        let parsed =
            parse_vessel_list(vec![minimal()], as_of(), &PolicyIdPattern::default(), "").unwrap();
        assert_eq!(parsed.len(), 1);
    }

    #[test]
    fn from_profile_round_trips() {
        let mut value = minimal();
        value["incidents"] = json!([{"date": "2024-02-29", "severity": "A", "kind": "fire_explosion", "grossLossUsd": 2500000.0}]);
        value["insurancePolicyId"] = json!("HM-2026-000123");
        let vessel = parse(value).unwrap();
        let again = VesselInput::from_profile(&vessel)
            .parse(as_of(), &PolicyIdPattern::default())
            .unwrap();
        assert_eq!(again, vessel);
    }
}
