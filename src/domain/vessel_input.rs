//! The wire format of one vessel (risk-model.md section 1) and its parse into
//! a [`VesselProfile`].
//!
//! The API, the bulk import, the `assess` command, the demo book and the
//! golden engine cases all read vessels through [`parse_vessel`], which reads
//! a JSON value member by member and names every bad field at once: missing,
//! null, of the wrong type, against its rule, or unknown. [`VesselInput`] is
//! the same shape as a Rust value, for fixtures and for writing a vessel out.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::history_input::{MAX_COUNT, parse_each, parse_incident, parse_inspection};
use super::json_fields::JsonFields;
use super::{
    ClassSocietyCode, CompanyPerformance, FieldErrors, FlagState, Imo, IncidentInput,
    InspectionInput, PolicyId, PolicyIdPattern, ShipType, UsdAmount, VesselName, VesselProfile,
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

/// A whole count that fits the profile: `bounded` already kept it in range.
fn count(value: i64) -> u32 {
    u32::try_from(value).expect("bounded counts fit u32")
}

/// Parses one vessel sent as JSON, as of `as_of` (which bounds `yearBuilt`
/// and event dates), naming every bad field by its JSON path
/// (`inspections[3].date`).
pub fn parse_vessel(
    value: &Value,
    as_of: NaiveDate,
    policy_ids: &PolicyIdPattern,
) -> Result<VesselProfile, FieldErrors> {
    let mut fields = JsonFields::of(value)?;
    let imo = fields.string_as("vesselIMO", Imo::parse);
    let name = fields.string_as("name", VesselName::parse);
    let ship_type = fields.string_as("shipType", ShipType::parse);
    let year_built = fields.integer_in(
        "yearBuilt",
        None,
        i64::from(VesselProfile::MIN_YEAR_BUILT),
        i64::from(as_of.year()),
    );
    let gross_tonnage = fields.integer_in(
        "grossTonnage",
        None,
        1,
        i64::from(VesselProfile::MAX_GROSS_TONNAGE),
    );
    let flag = fields.string_as("flag", FlagState::parse);
    let class_society = fields.optional_string_as("classSociety", ClassSocietyCode::parse);
    let company_performance = fields
        .optional_string_as("companyPerformance", CompanyPerformance::parse)
        .map(Option::unwrap_or_default);
    let insured_value_usd = fields.number_as("insuredValueUsd", UsdAmount::parse);
    let insurance_policy_id =
        fields.optional_string_as("insurancePolicyId", |raw| PolicyId::parse(raw, policy_ids));
    let sanctioned = fields.boolean("sanctioned", Some(false));
    let banned_listed = fields.boolean("bannedListed", Some(false));
    let days_in_listed_areas_12m = fields.integer_in(
        "daysInListedAreas12m",
        Some(0),
        0,
        i64::from(VesselProfile::MAX_DAYS_IN_LISTED_AREAS),
    );
    let ais_gaps_12m = fields.integer_in("aisGaps12m", Some(0), 0, MAX_COUNT);
    let flag_changes_36m = fields.integer_in("flagChanges36m", Some(0), 0, MAX_COUNT);
    let inspections = fields.array("inspections", false).map(|items| {
        parse_each(items, "inspections", fields.errors(), |item| {
            parse_inspection(item, as_of)
        })
    });
    let incidents = fields.array("incidents", false).map(|items| {
        parse_each(items, "incidents", fields.errors(), |item| {
            parse_incident(item, as_of)
        })
    });
    let errors = fields.finish();

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
        (sanctioned, banned_listed),
        (days_in_listed_areas_12m, ais_gaps_12m, flag_changes_36m),
        (inspections, incidents),
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
            (Some(sanctioned), Some(banned_listed)),
            (Some(days_in_listed_areas_12m), Some(ais_gaps_12m), Some(flag_changes_36m)),
            (Some(inspections), Some(incidents)),
        ) if errors.is_empty() => Ok(VesselProfile {
            imo,
            name,
            ship_type,
            year_built: i32::try_from(year_built).expect("bounded by the as-of year"),
            gross_tonnage: count(gross_tonnage),
            flag,
            class_society,
            company_performance,
            insured_value_usd,
            insurance_policy_id,
            sanctioned,
            banned_listed,
            days_in_listed_areas_12m: count(days_in_listed_areas_12m),
            ais_gaps_12m: count(ais_gaps_12m),
            flag_changes_36m: count(flag_changes_36m),
            inspections,
            incidents,
        }),
        _ => Err(errors),
    }
}

impl VesselInput {
    /// Parses every field as [`parse_vessel`] does.
    pub fn parse(
        &self,
        as_of: NaiveDate,
        policy_ids: &PolicyIdPattern,
    ) -> Result<VesselProfile, FieldErrors> {
        parse_vessel(&self.to_json(), as_of, policy_ids)
    }

    /// The vessel as the JSON object a client would send.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("a VesselInput serializes to JSON")
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

/// Parses a list of vessels sent as JSON values. Each error is named
/// `{prefix}[index].field`, so one answer can name every bad vessel.
pub fn parse_vessel_list(
    items: impl AsRef<[Value]>,
    as_of: NaiveDate,
    policy_ids: &PolicyIdPattern,
    prefix: &str,
) -> Result<Vec<VesselProfile>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let vessels = parse_each(items.as_ref(), prefix, &mut errors, |item| {
        parse_vessel(item, as_of, policy_ids)
    });
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
        parse_vessel(&value, as_of(), &PolicyIdPattern::default())
    }

    fn fields(errors: &FieldErrors) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
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
        assert_eq!(
            fields(&errors),
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
    fn missing_mistyped_rule_breaking_and_unknown_fields_are_named_together() {
        // The body of issue 11, item 1, without its fleet.
        let errors = parse(json!({
            "vesselIMO": "1234560", "yearBuilt": "nineteen", "flag": "XX", "imoNumber": 1,
            "sanctioned": "no", "inspections": {}, "incidents": [{"date": "2026-01-01"}]
        }))
        .unwrap_err();
        let named: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                ("vesselIMO", "check digit does not match (expected 7)"),
                ("name", "is required"),
                ("shipType", "is required"),
                ("yearBuilt", "must be an integer"),
                ("grossTonnage", "is required"),
                ("flag", "XX is not an assigned ISO 3166-1 alpha-2 code"),
                ("insuredValueUsd", "is required"),
                ("sanctioned", "must be true or false"),
                ("inspections", "must be an array"),
                ("incidents[0].severity", "is required"),
                ("incidents[0].kind", "is required"),
                ("incidents[0].grossLossUsd", "is required"),
                ("imoNumber", "is not a field of this request"),
            ]
        );
    }

    #[test]
    fn null_is_absent_for_optional_fields_only() {
        let mut value = minimal();
        for optional in ["classSociety", "companyPerformance", "insurancePolicyId"] {
            value[optional] = json!(null);
        }
        let vessel = parse(value.clone()).unwrap();
        assert_eq!(vessel.class_society, None);
        assert_eq!(vessel.company_performance, CompanyPerformance::Medium);
        value["name"] = json!(null);
        value["sanctioned"] = json!(null);
        assert_eq!(fields(&parse(value).unwrap_err()), ["name", "sanctioned"]);
    }

    #[test]
    fn insured_values_are_bounded() {
        let mut value = minimal();
        value["insuredValueUsd"] = json!(UsdAmount::MAX);
        assert!(parse(value.clone()).is_ok());
        value["insuredValueUsd"] = json!(1e308);
        assert_eq!(fields(&parse(value).unwrap_err()), ["insuredValueUsd"]);
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
        assert_eq!(
            fields(&errors),
            ["vessels[1].flag", "vessels[2]", "vessels[3].speed"]
        );
        assert_eq!(errors.iter().nth(1).unwrap().message, "must be an object");
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
