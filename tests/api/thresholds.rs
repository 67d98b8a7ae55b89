//! Risk thresholds: validation, re-levelling without re-scoring, audit.

use fleet_risk::domain::FleetId;
use fleet_risk::storage::ThresholdScope;
use serde_json::json;

use crate::support::{Backend, IMOS, TestApp, vessel_body};

crate::cases!(
    defaults_come_from_the_model_until_set,
    a_fleet_override_re_levels_at_once_without_re_scoring,
    the_default_applies_to_fleets_without_override,
    bad_thresholds_are_422_and_change_nothing,
    threshold_changes_are_recorded_and_admin_only,
    the_dashboard_cuts_each_fleet_by_its_own_thresholds,
);

async fn defaults_come_from_the_model_until_set(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .get("/api/fleet-risk/thresholds", &app.keys.viewer)
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body["medium"], 25.0);
    assert_eq!(response.body["high"], 50.0);
    assert_eq!(response.body["critical"], 70.0);
    assert_eq!(response.body["source"], "model");
    assert_eq!(response.body["updatedBy"], json!(null));
}

async fn a_fleet_override_re_levels_at_once_without_re_scoring(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let vessel_path = format!("/api/fleet-risk/vessels/{}/risk", IMOS[0]);
    let before = app.get(&vessel_path, &app.keys.viewer).await;
    let score = before.body["score"].as_f64().unwrap();
    assert!(
        score > 3.0 && score < 25.0,
        "the test vessel is low: {score}"
    );
    assert_eq!(before.body["level"], "low");

    let put = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/fleet-risk/fleets/{fleet}/thresholds"),
            Some(&app.keys.admin),
            Some(&json!({"medium": 1, "high": 2, "critical": 3})),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(put.body["source"], "fleet");
    assert_eq!(put.body["fleetId"], json!(fleet));

    let after = app.get(&vessel_path, &app.keys.viewer).await;
    assert_eq!(after.body["level"], "critical");
    assert_eq!(after.body["score"], before.body["score"]);
    assert_eq!(after.body["runId"], before.body["runId"], "no re-score");
    let fleet_risk = app
        .get(
            &format!("/api/fleet-risk/fleets/{fleet}/risk"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(fleet_risk.body["level"], "critical");
    assert_eq!(
        fleet_risk.body["levelCounts"],
        json!({"low": 0, "medium": 0, "high": 0, "critical": 1})
    );
    assert_eq!(fleet_risk.body["highRiskValueShare"], 1.0);
    let listed = app
        .get(
            &format!("/api/fleet-risk/fleets/{fleet}/vessels?level=critical"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);

    let deleted = app
        .delete(
            &format!("/api/fleet-risk/fleets/{fleet}/thresholds"),
            &app.keys.admin,
        )
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(
        app.get(&vessel_path, &app.keys.viewer).await.body["level"],
        "low"
    );
    app.delete(
        &format!("/api/fleet-risk/fleets/{fleet}/thresholds"),
        &app.keys.admin,
    )
    .await
    .assert_problem(404, "not_found");
}

async fn the_default_applies_to_fleets_without_override(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let put = app
        .request(
            reqwest::Method::PUT,
            "/api/fleet-risk/thresholds",
            Some(&app.keys.admin),
            Some(&json!({"medium": 2, "high": 4, "critical": 95.5})),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(put.body["source"], "default");
    assert!(
        put.body["updatedBy"]
            .as_str()
            .unwrap()
            .contains("test admin")
    );
    let fleet_view = app
        .get(
            &format!("/api/fleet-risk/fleets/{fleet}/thresholds"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(fleet_view.body["source"], "default");
    assert_eq!(fleet_view.body["critical"], 95.5);
    let vessel = app
        .get(
            &format!("/api/fleet-risk/vessels/{}/risk", IMOS[0]),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(vessel.body["level"], "high");
    let model = app.get("/api/fleet-risk/model", &app.keys.viewer).await;
    assert_eq!(model.body["thresholdsInForce"]["critical"], 95.5);
}

async fn bad_thresholds_are_422_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    for (body, field) in [
        (json!({"medium": 0, "high": 50, "critical": 70}), "medium"),
        (json!({"medium": 60, "high": 50, "critical": 70}), "high"),
        (
            json!({"medium": 25, "high": 50, "critical": 50}),
            "critical",
        ),
        (
            json!({"medium": 25, "high": 50, "critical": 101}),
            "critical",
        ),
        (json!({"medium": 25, "high": 50}), "critical"),
        (
            json!({"medium": 25, "high": 50, "critical": 70, "low": 0}),
            "low",
        ),
        (
            json!({"medium": "25", "high": 50, "critical": 70}),
            "medium",
        ),
    ] {
        for path in [
            "/api/fleet-risk/thresholds".to_string(),
            format!("/api/fleet-risk/fleets/{fleet}/thresholds"),
        ] {
            let response = app
                .request(
                    reqwest::Method::PUT,
                    &path,
                    Some(&app.keys.admin),
                    Some(&body),
                )
                .await;
            response.assert_problem(422, "validation_failed");
            assert_eq!(response.error_fields(), [field], "{body} on {path}");
        }
    }
    let current = app
        .get("/api/fleet-risk/thresholds", &app.keys.viewer)
        .await;
    assert_eq!(current.body["source"], "model");
    let missing = app
        .request(
            reqwest::Method::PUT,
            "/api/fleet-risk/fleets/0190a0a0-0000-7000-8000-000000000000/thresholds",
            Some(&app.keys.admin),
            Some(&json!({"medium": 10, "high": 20, "critical": 30})),
        )
        .await;
    missing.assert_problem(404, "not_found");
}

async fn threshold_changes_are_recorded_and_admin_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    let path = format!("/api/fleet-risk/fleets/{fleet}/thresholds");
    let body = json!({"medium": 10, "high": 20, "critical": 30});
    app.request(
        reqwest::Method::PUT,
        &path,
        Some(&app.keys.underwriter),
        Some(&body),
    )
    .await
    .assert_problem(403, "forbidden");
    assert_eq!(
        app.request(
            reqwest::Method::PUT,
            &path,
            Some(&app.keys.admin),
            Some(&body)
        )
        .await
        .status,
        200
    );
    let again = json!({"medium": 15, "high": 20, "critical": 30});
    assert_eq!(
        app.request(
            reqwest::Method::PUT,
            &path,
            Some(&app.keys.admin),
            Some(&again)
        )
        .await
        .status,
        200
    );
    assert_eq!(app.delete(&path, &app.keys.admin).await.status, 204);

    let id = FleetId::parse(&fleet).unwrap();
    let changes = app
        .db
        .threshold_changes(ThresholdScope::Fleet(id))
        .await
        .unwrap();
    assert_eq!(changes.len(), 3);
    assert!(
        changes
            .iter()
            .all(|c| c.changed_by.starts_with("test admin ("))
    );
    assert_eq!(changes[0].old_value, None);
    assert_eq!(
        changes[0].new_value.as_deref(),
        Some(r#"{"medium":10.0,"high":20.0,"critical":30.0}"#)
    );
    assert_eq!(changes[1].old_value, changes[0].new_value);
    assert_eq!(
        changes[1].new_value.as_deref(),
        Some(r#"{"medium":15.0,"high":20.0,"critical":30.0}"#)
    );
    assert_eq!(changes[2].old_value, changes[1].new_value);
    assert_eq!(changes[2].new_value, None);
    assert!(
        changes
            .windows(2)
            .all(|w| w[0].changed_at <= w[1].changed_at)
    );
}

/// The dashboard's levels and level counts use each fleet's thresholds in
/// force: an override re-levels only its own fleet's vessels.
async fn the_dashboard_cuts_each_fleet_by_its_own_thresholds(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    crate::flags::open_dashboard(&app).await;
    let strict = app.create_fleet("Fleet Strict").await;
    let plain = app.create_fleet("Fleet Plain").await;
    for imo in &IMOS[..2] {
        app.create_vessel(&strict, vessel_body(imo)).await;
    }
    for imo in &IMOS[2..5] {
        app.create_vessel(&plain, vessel_body(imo)).await;
    }
    let before = app.get("/api/fleet-risk/dashboard", &app.keys.viewer).await;
    assert_eq!(before.status, 200, "{}", before.text);
    // The test vessel is low under the defaults (25/50/70).
    assert_eq!(before.body["levelCounts"]["low"], 5, "{}", before.text);

    let put = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/fleet-risk/fleets/{strict}/thresholds"),
            Some(&app.keys.admin),
            Some(&json!({"medium": 1, "high": 2, "critical": 3})),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text);

    let after = app.get("/api/fleet-risk/dashboard", &app.keys.viewer).await;
    assert_eq!(after.status, 200, "{}", after.text);
    let counts = &after.body["levelCounts"];
    assert_eq!(
        (
            &counts["low"],
            &counts["medium"],
            &counts["high"],
            &counts["critical"]
        ),
        (&json!(3), &json!(0), &json!(0), &json!(2)),
        "{}",
        after.text
    );
    assert_eq!(after.body["unscoredVessels"], 0);
    for fleet in after.body["fleets"].as_array().unwrap() {
        let expected = if fleet["id"] == json!(strict) {
            "critical"
        } else {
            "low"
        };
        assert_eq!(fleet["level"], expected, "{fleet}");
    }
    for risk in after.body["topRisks"].as_array().unwrap() {
        let expected = if risk["fleetId"] == json!(strict) {
            "critical"
        } else {
            "low"
        };
        assert_eq!(risk["level"], expected, "{risk}");
    }
}
