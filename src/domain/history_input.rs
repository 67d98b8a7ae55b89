//! The wire format of a vessel's history items (risk-model.md section 1:
//! `inspections` and `incidents`) and their parse, shared by a vessel's
//! inline histories and the routes that append one item.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::json_fields::JsonFields;
use super::{
    FieldErrors, Incident, IncidentKind, IncidentSeverity, Inspection, InspectionRegime, UsdAmount,
};

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
pub(super) const MAX_COUNT: i64 = 100_000;

/// A calendar date `YYYY-MM-DD` on or before `as_of`.
fn event_date(raw: &str, as_of: NaiveDate) -> Result<NaiveDate, String> {
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(date) if raw.len() == 10 && date <= as_of => Ok(date),
        Ok(date) if raw.len() == 10 => Err(format!("{date} is after the as-of date {as_of}")),
        _ => Err("must be a date in the form YYYY-MM-DD".into()),
    }
}

/// Parses one inspection sent as JSON, naming every bad field.
pub fn parse_inspection(value: &Value, as_of: NaiveDate) -> Result<Inspection, FieldErrors> {
    let mut fields = JsonFields::of(value)?;
    let date = fields.string_as("date", |raw| event_date(raw, as_of));
    let regime = fields.string_as("regime", InspectionRegime::parse);
    let deficiencies = fields.integer_in("deficiencies", None, 0, MAX_COUNT);
    let detained = fields.boolean("detained", None);
    let errors = fields.finish();
    match (date, regime, deficiencies, detained) {
        (Some(date), Some(regime), Some(deficiencies), Some(detained)) if errors.is_empty() => {
            Ok(Inspection {
                date,
                regime,
                deficiencies: u32::try_from(deficiencies).expect("bounded by MAX_COUNT"),
                detained,
            })
        }
        _ => Err(errors),
    }
}

/// Parses one incident sent as JSON, naming every bad field.
pub fn parse_incident(value: &Value, as_of: NaiveDate) -> Result<Incident, FieldErrors> {
    let mut fields = JsonFields::of(value)?;
    let date = fields.string_as("date", |raw| event_date(raw, as_of));
    let severity = fields.string_as("severity", IncidentSeverity::parse);
    let kind = fields.string_as("kind", IncidentKind::parse);
    let gross_loss_usd = fields.number_as("grossLossUsd", UsdAmount::parse);
    let errors = fields.finish();
    match (date, severity, kind, gross_loss_usd) {
        (Some(date), Some(severity), Some(kind), Some(gross_loss_usd)) if errors.is_empty() => {
            Ok(Incident {
                date,
                severity,
                kind,
                gross_loss_usd,
            })
        }
        _ => Err(errors),
    }
}

/// Parses every item of a history list with `parse`, naming errors `{name}[index].field`.
pub(super) fn parse_each<T>(
    items: &[Value],
    name: &str,
    errors: &mut FieldErrors,
    parse: impl Fn(&Value) -> Result<T, FieldErrors>,
) -> Vec<T> {
    let mut parsed = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        match parse(item) {
            Ok(item) => parsed.push(item),
            Err(item_errors) => errors.extend_prefixed(&format!("{name}[{index}]"), item_errors),
        }
    }
    parsed
}

impl InspectionInput {
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
    pub fn from_incident(incident: &Incident) -> Self {
        Self {
            date: incident.date.to_string(),
            severity: incident.severity.as_str().to_string(),
            kind: incident.kind.as_str().to_string(),
            gross_loss_usd: incident.gross_loss_usd.value(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    fn fields(errors: FieldErrors) -> Vec<String> {
        errors.iter().map(|e| e.field.clone()).collect()
    }

    #[test]
    fn an_inspection_names_every_bad_missing_and_unknown_field() {
        let errors = parse_inspection(
            &json!({"date": "2026-11-27", "regime": 3, "deficiencies": -1, "port": "X"}),
            as_of(),
        )
        .unwrap_err();
        assert_eq!(
            fields(errors),
            ["date", "regime", "deficiencies", "detained", "port"]
        );
        let ok =
            json!({"date": "2026-11-26", "regime": "uscg", "deficiencies": 0, "detained": true});
        assert!(parse_inspection(&ok, as_of()).unwrap().detained);
    }

    #[test]
    fn an_incident_loss_is_bounded() {
        let mut incident = json!({"date": "2024-02-29", "severity": "A", "kind": "fire_explosion", "grossLossUsd": 1e11});
        assert!(parse_incident(&incident, as_of()).is_ok());
        incident["grossLossUsd"] = json!(1.000_000_1e11);
        assert_eq!(
            fields(parse_incident(&incident, as_of()).unwrap_err()),
            ["grossLossUsd"]
        );
        incident["grossLossUsd"] = json!("lots");
        let errors = parse_incident(&incident, as_of()).unwrap_err();
        assert_eq!(errors.iter().next().unwrap().message, "must be a number");
    }

    #[test]
    fn a_history_that_is_not_an_object_is_named_by_index() {
        let mut errors = FieldErrors::new();
        let parsed = parse_each(&[json!([]), json!({})], "incidents", &mut errors, |item| {
            parse_incident(item, as_of())
        });
        assert!(parsed.is_empty());
        assert_eq!(errors.iter().next().unwrap().field, "incidents[0]");
        assert_eq!(errors.iter().next().unwrap().message, "must be an object");
    }
}
