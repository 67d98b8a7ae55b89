//! A JSON merge patch (RFC 7396) of one vessel: what it may change, and the
//! [`VesselInput`] it makes of the vessel as it stands.
//!
//! The patchable members are the section 1 fields (all scalars) and the
//! vessel's `fleetId`, so a merge replaces each member the patch names; a
//! `null` member is kept as `null`, which clears an optional field and is
//! refused, by name, for a required one. The IMO number is the vessel's
//! identity and histories are appended through their own routes, so neither
//! can be patched. Pure: no IO, no clock.

use serde_json::{Map, Value};

use super::{FieldError, FieldErrors, Imo, VesselInput};

/// A merge patch of the vessel `imo`, read by [`VesselPatch::parse`].
#[derive(Debug, Clone, PartialEq)]
pub struct VesselPatch {
    /// Section 1 members, by their JSON names.
    fields: Map<String, Value>,
    /// The `fleetId` member, when the patch names one (it may be `null`).
    fleet_id: Option<Value>,
}

impl VesselPatch {
    /// The patch of the vessel `imo` in `body`; refuses, naming every such
    /// member, a `vesselIMO` other than `imo` and any history.
    pub fn parse(imo: Imo, mut body: Map<String, Value>) -> Result<Self, FieldErrors> {
        let mut refused = FieldErrors::new();
        if let Some(sent) = body.get("vesselIMO")
            && sent.as_str().and_then(|raw| Imo::parse(raw).ok()) != Some(imo)
        {
            refused.push("vesselIMO", "cannot be changed; it identifies the vessel");
        }
        for history in ["inspections", "incidents"] {
            if body.contains_key(history) {
                refused.push(
                    history,
                    format!("append through POST /api/fleet-risk/vessels/{{imo}}/{history}"),
                );
            }
        }
        if !refused.is_empty() {
            return Err(refused);
        }
        let fleet_id = body.remove("fleetId");
        Ok(Self {
            fields: body,
            fleet_id,
        })
    }

    /// The `fleetId` member: `None` when the patch leaves the fleet as it is.
    pub fn fleet_id(&self) -> Option<&Value> {
        self.fleet_id.as_ref()
    }

    /// `current` with every patched member replaced, decoded again so that a
    /// member of the wrong type or an unknown member is named (the first
    /// such, in name order). Histories are `current`'s.
    pub fn apply(&self, current: &VesselInput) -> Result<VesselInput, FieldError> {
        let Ok(Value::Object(mut merged)) = serde_json::to_value(current) else {
            unreachable!("a VesselInput serializes to a JSON object");
        };
        merged.remove("inspections");
        merged.remove("incidents");
        for (key, value) in &self.fields {
            merged.insert(key.clone(), value.clone());
        }
        let mut patched = VesselInput::from_json(Value::Object(merged))?;
        patched.inspections = current.inspections.clone();
        patched.incidents = current.incidents.clone();
        Ok(patched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn imo() -> Imo {
        Imo::parse("9074729").unwrap()
    }

    fn body(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => panic!("test bodies are objects"),
        }
    }

    fn current() -> VesselInput {
        serde_json::from_value(json!({
            "vesselIMO": "9074729",
            "name": "NORDIC STAR",
            "shipType": "bulk_carrier",
            "yearBuilt": 2008,
            "grossTonnage": 32000,
            "flag": "PA",
            "classSociety": "DNV",
            "insuredValueUsd": 18000000.0,
            "insurancePolicyId": "HULL-2026-004512",
            "aisGaps12m": 3,
            "inspections": [{"date": "2026-01-01", "regime": "paris", "deficiencies": 2, "detained": false}],
            "incidents": [{"date": "2025-06-01", "severity": "minor", "kind": "machinery", "grossLossUsd": 1000.0}],
        }))
        .unwrap()
    }

    fn patched(patch: Value) -> Result<VesselInput, FieldError> {
        VesselPatch::parse(imo(), body(patch))
            .unwrap()
            .apply(&current())
    }

    #[test]
    fn members_named_are_replaced_and_the_rest_kept() {
        let out = patched(json!({"name": "RENAMED", "insuredValueUsd": 21000000.0})).unwrap();
        let expected = VesselInput {
            name: "RENAMED".into(),
            insured_value_usd: 21_000_000.0,
            ..current()
        };
        assert_eq!(out, expected);
        assert_eq!(patched(json!({})).unwrap(), current());
    }

    #[test]
    fn null_clears_an_optional_field_and_is_named_for_a_required_one() {
        let out = patched(json!({"classSociety": null, "insurancePolicyId": null})).unwrap();
        assert_eq!((out.class_society, out.insurance_policy_id), (None, None));
        let error = patched(json!({"name": null})).unwrap_err();
        assert_eq!(error.field, "name");
    }

    #[test]
    fn unknown_and_mistyped_members_are_named() {
        assert_eq!(
            patched(json!({"imoNumber": 1})).unwrap_err().field,
            "imoNumber"
        );
        assert_eq!(
            patched(json!({"yearBuilt": "old"})).unwrap_err().field,
            "yearBuilt"
        );
    }

    #[test]
    fn histories_are_kept_from_the_vessel() {
        let out = patched(json!({"name": "RENAMED"})).unwrap();
        assert_eq!(out.inspections, current().inspections);
        assert_eq!(out.incidents, current().incidents);
    }

    #[test]
    fn the_imo_and_histories_are_refused_together() {
        let refused = VesselPatch::parse(
            imo(),
            body(json!({"vesselIMO": "9811000", "inspections": [], "incidents": []})),
        )
        .unwrap_err();
        let fields: Vec<&str> = refused.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["vesselIMO", "inspections", "incidents"]);
        for not_the_vessel in [json!(9074729), json!("not an imo")] {
            assert!(VesselPatch::parse(imo(), body(json!({"vesselIMO": not_the_vessel}))).is_err());
        }
    }

    #[test]
    fn the_same_imo_in_any_form_is_accepted() {
        for same in ["9074729", "IMO 9074729"] {
            let patch = VesselPatch::parse(imo(), body(json!({"vesselIMO": same}))).unwrap();
            assert_eq!(patch.apply(&current()).unwrap().vessel_imo, same);
        }
    }

    #[test]
    fn the_fleet_is_taken_out_of_the_fields() {
        let patch = VesselPatch::parse(imo(), body(json!({"fleetId": null, "name": "X"}))).unwrap();
        assert_eq!(patch.fleet_id(), Some(&Value::Null));
        assert_eq!(patch.apply(&current()).unwrap().name, "X");
        let untouched = VesselPatch::parse(imo(), body(json!({}))).unwrap();
        assert_eq!(untouched.fleet_id(), None);
    }
}
