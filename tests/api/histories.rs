use serde_json::json;

use crate::support::{Backend, IMOS, TestApp, vessel_body};

crate::cases!(
    an_inspection_is_appended,
    an_incident_is_appended,
    a_bad_history_item_names_its_fields_and_appends_nothing,
    histories_of_an_unknown_vessel_are_404,
    a_vessel_with_more_history_rows_than_one_statement_binds_is_stored_whole,
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

/// 6,000 inspections in one create: more rows than one multi-row INSERT may
/// bind on SQLite (32,766 binds at 7 a row is 4,680 rows), so the write must
/// split them by the backend's bind limit and still store every row.
async fn a_vessel_with_more_history_rows_than_one_statement_binds_is_stored_whole(
    backend: Backend,
) {
    const INSPECTIONS: usize = 6_000;
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    let first = chrono::NaiveDate::from_ymd_opt(2015, 1, 1).unwrap();
    let regimes = ["paris_mou", "tokyo_mou", "uscg"];
    let inspections: Vec<_> = (0..INSPECTIONS)
        .map(|i| {
            let date = first + chrono::Days::new((i % 3_000) as u64);
            json!({
                "date": date.to_string(),
                "regime": regimes[i % regimes.len()],
                "deficiencies": i % 7,
                "detained": i % 50 == 0,
            })
        })
        .collect();
    let mut body = vessel_body(IMOS[0]);
    body["inspections"] = json!(inspections);
    body["fleetId"] = json!(fleet);
    let created = app
        .post("/api/fleet-risk/vessels", &app.keys.admin, &body)
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(
        created.body["inspections"].as_array().unwrap().len(),
        INSPECTIONS
    );
    let read = app
        .get(
            &format!("/api/fleet-risk/vessels/{}", IMOS[0]),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
    let stored = read.body["inspections"].as_array().unwrap();
    assert_eq!(stored.len(), INSPECTIONS);
    let detained = stored.iter().filter(|i| i["detained"] == true).count();
    assert_eq!(detained, INSPECTIONS / 50);
}
