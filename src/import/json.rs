//! The JSON import body: `{"fleetId"?, "vessels": [...]}`, each vessel a
//! section 1 vessel with its own `fleetId` (or the body's) and optional
//! inline `inspections` and `incidents`.

use chrono::NaiveDate;
use serde_json::Value;

use super::{ImportBatch, ImportProblems, ImportedVessel, MAX_VESSELS};
use crate::domain::{FieldErrors, FleetId, PolicyIdPattern, parse_vessel};

/// Parses a whole JSON import; `default_fleet` is the `?fleetId=` of the
/// request, if any (the body's `fleetId` wins over it).
pub fn parse_json_import(
    body: &Value,
    default_fleet: Option<FleetId>,
    as_of: NaiveDate,
    policy_ids: &PolicyIdPattern,
) -> Result<ImportBatch, ImportProblems> {
    let mut problems = ImportProblems::new();
    let Value::Object(members) = body else {
        problems.whole("body", "must be an object");
        return Err(problems);
    };
    for name in members.keys() {
        if name != "fleetId" && name != "vessels" {
            problems.whole(name, "is not a field of this request");
        }
    }
    let body_fleet = match members.get("fleetId") {
        None | Some(Value::Null) => default_fleet,
        Some(member) => fleet_member(member).unwrap_or_else(|message| {
            problems.whole("fleetId", message);
            None
        }),
    };
    let items = match members.get("vessels") {
        Some(Value::Array(items)) => items.as_slice(),
        Some(_) => {
            problems.whole("vessels", "must be an array");
            &[]
        }
        None => {
            problems.whole("vessels", "is required");
            &[]
        }
    };
    if items.len() > MAX_VESSELS {
        problems.whole(
            "vessels",
            format!(
                "at most {MAX_VESSELS} vessels per import (this one has {})",
                items.len()
            ),
        );
        return Err(problems);
    }
    let mut batch = ImportBatch {
        vessels: Vec::with_capacity(items.len()),
    };
    for (row, item) in items.iter().enumerate() {
        match parse_item(item, body_fleet, as_of, policy_ids) {
            Ok((fleet_id, profile)) => batch.vessels.push(ImportedVessel {
                fleet_id,
                profile,
                row,
                line: None,
            }),
            Err(errors) => problems.extend_row("vessels", row, None, errors),
        }
    }
    batch.check_duplicates(&mut problems);
    if problems.is_empty() {
        Ok(batch)
    } else {
        Err(problems)
    }
}

/// A `fleetId` member: a UUID string (`Ok(None)` never: absent is handled by the caller).
fn fleet_member(member: &Value) -> Result<Option<FleetId>, String> {
    match member {
        Value::String(raw) => FleetId::parse(raw).map(Some),
        _ => Err("must be a UUID string".to_string()),
    }
}

/// One vessel of the list: its fleet, then its section 1 fields, every bad
/// field named (the fleet's first, as for a single vessel).
fn parse_item(
    item: &Value,
    body_fleet: Option<FleetId>,
    as_of: NaiveDate,
    policy_ids: &PolicyIdPattern,
) -> Result<(FleetId, crate::domain::VesselProfile), FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut fleet = body_fleet;
    let vessel = match item {
        Value::Object(members) if members.contains_key("fleetId") => {
            let mut members = members.clone();
            match members.remove("fleetId") {
                Some(Value::Null) | None => {}
                Some(member) => match fleet_member(&member) {
                    Ok(own) => fleet = own,
                    Err(message) => {
                        errors.push("fleetId", message);
                        fleet = None;
                    }
                },
            }
            parse_vessel(&Value::Object(members), as_of, policy_ids)
        }
        other => parse_vessel(other, as_of, policy_ids),
    };
    if fleet.is_none() && errors.is_empty() && item.is_object() {
        errors.push("fleetId", "is required (in the vessel or the body)");
    }
    match vessel {
        Ok(vessel) if errors.is_empty() => Ok((fleet.expect("checked above"), vessel)),
        Ok(_) => Err(errors),
        Err(vessel_errors) => {
            errors.append(vessel_errors);
            Err(errors)
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

    fn vessel(imo: &str) -> Value {
        json!({
            "vesselIMO": imo, "name": "NORDIC STAR", "shipType": "bulk_carrier",
            "yearBuilt": 1998, "grossTonnage": 38000, "flag": "DK",
            "insuredValueUsd": 12000000.0
        })
    }

    fn fields(problems: &ImportProblems) -> Vec<(String, Option<usize>)> {
        problems
            .listed()
            .iter()
            .map(|e| (e.field.clone(), e.row))
            .collect()
    }

    #[test]
    fn bad_rows_are_named_by_index_with_every_bad_field() {
        let fleet = FleetId::generate();
        let mut bad = vessel("9074729");
        bad["flag"] = json!("XX");
        bad["yearBuilt"] = json!("old");
        let body = json!({"fleetId": fleet.to_string(),
            "vessels": [vessel("9176187"), bad, "x", vessel("9176187")]});
        let problems =
            parse_json_import(&body, None, as_of(), &PolicyIdPattern::default()).unwrap_err();
        assert_eq!(
            fields(&problems),
            [
                ("vessels[1].yearBuilt".to_string(), Some(1)),
                ("vessels[1].flag".to_string(), Some(1)),
                ("vessels[2]".to_string(), Some(2)),
                ("vessels[3].vesselIMO".to_string(), Some(3)),
            ]
        );
    }

    #[test]
    fn a_vessel_needs_a_fleet_from_itself_the_body_or_the_query() {
        let body = json!({"vessels": [vessel("9074729")]});
        let problems =
            parse_json_import(&body, None, as_of(), &PolicyIdPattern::default()).unwrap_err();
        assert_eq!(
            fields(&problems),
            [("vessels[0].fleetId".to_string(), Some(0))]
        );
        let fleet = FleetId::generate();
        let batch =
            parse_json_import(&body, Some(fleet), as_of(), &PolicyIdPattern::default()).unwrap();
        assert_eq!(batch.vessels[0].fleet_id, fleet);
    }
}
