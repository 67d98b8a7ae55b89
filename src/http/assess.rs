//! What-if assessments: score vessels sent in the body, store nothing.

use actix_web::{HttpResponse, web};
use chrono::{NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;

use super::AppState;
use super::auth::Underwriter;
use super::error::ApiError;
use super::extract::JsonBody;
use crate::domain::{FieldErrors, JsonFields, PolicyIdPattern, VesselProfile, parse_vessel_list};
use crate::risk::{Assessment, assess_book};

/// At most this many vessels per call.
const MAX_VESSELS: usize = 1000;

/// An `AssessRequest` body: `asOf` (default today, UTC) and 1 to 1,000
/// vessels, every bad field named at once. Vessels are checked against
/// today when `asOf` itself is bad.
fn parse(
    body: &Value,
    policy_ids: &PolicyIdPattern,
) -> Result<(NaiveDate, Vec<VesselProfile>), FieldErrors> {
    let mut fields = JsonFields::of(body)?;
    let as_of = fields.optional_string_as("asOf", calendar_date);
    let vessels = fields.array("vessels", true).filter(|items| {
        let counted = (1..=MAX_VESSELS).contains(&items.len());
        if !counted {
            fields
                .errors()
                .push("vessels", format!("must hold 1 to {MAX_VESSELS} vessels"));
        }
        counted
    });
    let mut errors = fields.finish();
    let as_of_or_today = as_of.flatten().unwrap_or_else(|| Utc::now().date_naive());
    let vessels =
        vessels.map(|items| parse_vessel_list(items, as_of_or_today, policy_ids, "vessels"));
    match (as_of, vessels) {
        (Some(_), Some(Ok(vessels))) if errors.is_empty() => Ok((as_of_or_today, vessels)),
        (_, Some(Err(vessel_errors))) => {
            errors.append(vessel_errors);
            Err(errors)
        }
        _ => Err(errors),
    }
}

#[derive(Debug, Serialize)]
pub struct AssessResponse {
    assessments: Vec<Assessment>,
}

/// A calendar date `YYYY-MM-DD`.
fn calendar_date(text: &str) -> Result<NaiveDate, &'static str> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 10)
        .ok_or("must be a date in the form YYYY-MM-DD")
}

pub async fn assess(
    _: Underwriter,
    state: web::Data<AppState>,
    JsonBody(body): JsonBody,
) -> Result<HttpResponse, ApiError> {
    let (as_of, vessels) = parse(&body, &state.settings.policy_ids)?;
    let model = state.model.clone();
    let thresholds = model.thresholds();
    let assessments = state
        .compute
        .run(move || assess_book(&model, &vessels, as_of, &thresholds))
        .await?;
    Ok(HttpResponse::Ok().json(AssessResponse { assessments }))
}

#[cfg(test)]
mod tests {
    //! Whatever the API accepts, every number it answers is finite: the
    //! input bounds (USD 1e11, counts up to 100,000) keep every assessment,
    //! fleet aggregate and simulated loss inside the range of `f64`.

    use std::path::Path;
    use std::sync::OnceLock;

    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;
    use crate::domain::UsdAmount;
    use crate::risk::{LossExposure, RiskModel, aggregate_fleet, simulate_fleet};

    fn model() -> &'static RiskModel {
        static MODEL: OnceLock<RiskModel> = OnceLock::new();
        MODEL.get_or_init(|| {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/models/frm-1.0.toml");
            crate::model_file::load_model(&path).expect("the committed model loads")
        })
    }

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    /// Money the API accepts, with its edges weighted in.
    fn usd() -> impl Strategy<Value = f64> {
        prop_oneof![
            1 => Just(0.0),
            2 => Just(UsdAmount::MAX),
            3 => 0.0..=UsdAmount::MAX,
        ]
    }

    fn count(max: i64) -> impl Strategy<Value = i64> {
        prop_oneof![1 => Just(0), 1 => Just(max), 2 => 0..=max]
    }

    /// A date the API accepts for an event as of [`as_of`].
    fn date() -> impl Strategy<Value = String> {
        (0i64..=46_000).prop_map(|days| (as_of() - chrono::Duration::days(days)).to_string())
    }

    fn inspection() -> impl Strategy<Value = Value> {
        (date(), 0usize..4, count(100_000), any::<bool>()).prop_map(
            |(date, regime, deficiencies, detained)| {
                let regime = ["paris_mou", "tokyo_mou", "uscg", "other"][regime];
                json!({"date": date, "regime": regime, "deficiencies": deficiencies, "detained": detained})
            },
        )
    }

    fn incident() -> impl Strategy<Value = Value> {
        (date(), 0usize..3, 0usize..9, usd()).prop_map(|(date, severity, kind, loss)| {
            let kinds = [
                "collision",
                "grounding",
                "fire_explosion",
                "machinery",
                "hull_damage",
                "pollution",
                "piracy",
                "total_loss",
                "other",
            ];
            let severity = ["A", "B", "C"][severity];
            json!({"date": date, "severity": severity, "kind": kinds[kind], "grossLossUsd": loss})
        })
    }

    prop_compose! {
        fn vessel()(
            ship_type in 0usize..11,
            year_built in 1900i64..=2026,
            gross_tonnage in prop_oneof![Just(1i64), Just(600_000), 1i64..=600_000],
            flag in 0usize..6,
            class in proptest::option::of(0usize..4),
            company in 0usize..4,
            insured in usd(),
            sanctioned in any::<bool>(),
            banned in any::<bool>(),
            days in count(366),
            gaps in count(100_000),
            changes in count(100_000),
            inspections in proptest::collection::vec(inspection(), 0..12),
            incidents in proptest::collection::vec(incident(), 0..12),
        ) -> Value {
            let types = crate::domain::ShipType::ALL;
            let flag = ["DK", "PA", "KM", "TZ", "US", "MD"][flag];
            let company = ["high", "medium", "low", "very_low"][company];
            json!({
                "vesselIMO": "9074729", "name": "PROP VESSEL",
                "shipType": types[ship_type].as_str(), "yearBuilt": year_built,
                "grossTonnage": gross_tonnage, "flag": flag,
                "classSociety": class.map(|c| ["DNV", "LR", "PHRS", "XYZ"][c]),
                "companyPerformance": company,
                "insuredValueUsd": insured, "sanctioned": sanctioned, "bannedListed": banned,
                "daysInListedAreas12m": days, "aisGaps12m": gaps, "flagChanges36m": changes,
                "inspections": inspections, "incidents": incidents,
            })
        }
    }

    /// Fails on any non-finite number in `answer` (YAML writes them `.inf`,
    /// `.nan`) and on one printed into a text ("USD inf").
    fn assert_finite<T: Serialize>(answer: &T, what: &str) {
        let text = serde_norway::to_string(answer).expect("answers serialize");
        for non_finite in [".inf", ".nan", " inf", "NaN"] {
            assert!(
                !text.contains(non_finite),
                "{what}: {non_finite} in\n{text}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn no_accepted_input_answers_a_non_finite_number(
            fleet in proptest::collection::vec(vessel(), 1..24),
            seed in any::<u64>(),
        ) {
            let vessels = parse_vessel_list(&fleet, as_of(), &PolicyIdPattern::default(), "vessels")
                .expect("the generated vessels are ones the API accepts");
            let thresholds = model().thresholds();
            let assessments = assess_book(model(), &vessels, as_of(), &thresholds);
            assert_finite(&assessments, "assessments");
            let members: Vec<_> = vessels.iter().zip(&assessments).collect();
            assert_finite(&aggregate_fleet(&members, &thresholds), "fleet aggregate");
            let exposures: Vec<LossExposure> = members
                .iter()
                .map(|(vessel, assessment)| LossExposure::from_assessment(vessel, assessment))
                .collect();
            assert_finite(&simulate_fleet(model(), &exposures, 300, seed), "simulation");
        }
    }

    #[test]
    fn the_finiteness_check_sees_non_finite_numbers() {
        let caught = std::panic::catch_unwind(|| assert_finite(&[1.0, f64::INFINITY], "x"));
        assert!(caught.is_err());
        let caught = std::panic::catch_unwind(|| assert_finite(&"USD inf", "x"));
        assert!(caught.is_err());
        assert_finite(&json!({"a": [1.0, 1e300], "b": null}), "finite");
    }
}
