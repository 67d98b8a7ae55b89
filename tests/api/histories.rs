use serde_json::json;

use crate::support::{Backend, IMOS, TestApp, vessel_body};

crate::cases!(
    an_inspection_is_appended,
    an_incident_is_appended,
    a_bad_history_item_names_its_fields_and_appends_nothing,
    histories_of_an_unknown_vessel_are_404,
);

async fn an_inspection_is_appended(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let inspection =
        json!({"date": "2026-02-10", "regime": "uscg", "deficiencies": 2, "detained": true});
    let created = app
        .post(
            &format!("/api/fleet-risk/vessels/IMO%20{}/inspections", IMOS[0]),
            &app.keys.admin,
            &inspection,
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_string();
    let read = app
        .get(
            &format!("/api/fleet-risk/vessels/{}", IMOS[0]),
            &app.keys.viewer,
        )
        .await;
    let inspections = read.body["inspections"].as_array().unwrap();
    assert_eq!(inspections.len(), 3);
    let last = inspections.last().unwrap();
    assert_eq!(last["id"], json!(id));
    assert_eq!(last["detained"], true);
    assert_eq!(last["date"], "2026-02-10");
}

async fn an_incident_is_appended(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let incident =
        json!({"date": "2026-01-05", "severity": "B", "kind": "grounding", "grossLossUsd": 950000});
    let created = app
        .post(
            &format!("/api/fleet-risk/vessels/{}/incidents", IMOS[0]),
            &app.keys.admin,
            &incident,
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["severity"], "B");
    assert_eq!(created.body["grossLossUsd"], 950000.0);
    let read = app
        .get(
            &format!("/api/fleet-risk/vessels/{}", IMOS[0]),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(read.body["incidents"].as_array().unwrap().len(), 2);
}

async fn a_bad_history_item_names_its_fields_and_appends_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let path = format!("/api/fleet-risk/vessels/{}/incidents", IMOS[0]);
    let response = app
        .post(
            &path,
            &app.keys.admin,
            &json!({"date": "2026-13-01", "severity": "E", "kind": "storm", "grossLossUsd": -1}),
        )
        .await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(
        response.error_fields(),
        ["date", "severity", "kind", "grossLossUsd"]
    );
    let missing = app
        .post(
            &format!("/api/fleet-risk/vessels/{}/inspections", IMOS[0]),
            &app.keys.admin,
            &json!({"date": "2026-01-01", "regime": "paris_mou", "detained": false}),
        )
        .await;
    missing.assert_problem(422, "validation_failed");
    assert_eq!(missing.error_fields(), ["deficiencies"]);
    let read = app
        .get(
            &format!("/api/fleet-risk/vessels/{}", IMOS[0]),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(read.body["incidents"].as_array().unwrap().len(), 1);
    assert_eq!(read.body["inspections"].as_array().unwrap().len(), 2);
}

async fn histories_of_an_unknown_vessel_are_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .post(
            &format!("/api/fleet-risk/vessels/{}/inspections", IMOS[4]),
            &app.keys.admin,
            &json!({"date": "2026-01-01", "regime": "paris_mou", "deficiencies": 0, "detained": false}),
        )
        .await;
    response.assert_problem(404, "not_found");
}
