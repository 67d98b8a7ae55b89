//! The bulk import (issue 12, items 1-5): all or nothing with every bad row
//! named, upserts, idempotent retries, and scores published with the import.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, TestResponse, vessel_body};

crate::cases!(
    bad_rows_scattered_through_a_file_are_all_named_and_nothing_is_stored,
    duplicates_within_a_file_are_row_errors,
    an_existing_imo_without_upsert_is_a_row_error,
    an_unknown_fleet_is_a_row_error,
    upsert_replaces_vessels_and_their_histories,
    a_retried_idempotent_import_stores_once_and_answers_the_same,
    imported_vessels_are_published_with_the_engines_scores,
    a_reader_never_sees_an_imported_vessel_without_its_score,
    import_needs_the_admin_role,
);

pub const IMPORT: &str = "/api/fleet-risk/vessels/import";

/// The `n`th valid IMO number of a test (check digit computed per the IMO rule).
pub fn imo(n: u32) -> String {
    let base = 100_000 + n;
    let digits: Vec<u32> = base
        .to_string()
        .chars()
        .map(|c| c.to_digit(10).unwrap())
        .collect();
    let check: u32 = digits
        .iter()
        .zip((2..=7).rev())
        .map(|(d, w)| d * w)
        .sum::<u32>()
        % 10;
    format!("{base}{check}")
}

/// `count` valid vessels numbered from `first`.
pub fn vessels(first: u32, count: u32) -> Vec<Value> {
    (first..first + count)
        .map(|n| vessel_body(&imo(n)))
        .collect()
}

/// Posts `body` to the import as the admin, with `query` and an optional key.
pub async fn import_json(
    app: &TestApp,
    query: &str,
    body: &Value,
    key: Option<&str>,
) -> TestResponse {
    let mut request = app
        .client
        .post(app.url(&format!("{IMPORT}{query}")))
        .bearer_auth(&app.keys.admin)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.expect("the request is sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    TestResponse {
        status,
        headers,
        body,
        text,
    }
}

pub async fn count_vessels(app: &TestApp) -> i64 {
    app.count_sql("SELECT COUNT(*) FROM vessels").await
}

/// `(field, row)` of every listed problem.
fn problems(response: &TestResponse) -> Vec<(String, Option<u64>)> {
    response.body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {}", response.text))
        .iter()
        .map(|e| (e["field"].as_str().unwrap().to_string(), e["row"].as_u64()))
        .collect()
}

async fn bad_rows_scattered_through_a_file_are_all_named_and_nothing_is_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Scattered").await;
    let mut list = vessels(0, 12);
    list[2]["flag"] = json!("ZZ");
    list[2]["yearBuilt"] = json!("nineteen");
    list[7]["insuredValueUsd"] = json!(-1.0);
    list[7]["inspections"][1]["date"] = json!("2099-01-01");
    list[11]["vesselIMO"] = json!("9074728");
    list[11]["speed"] = json!(12);
    let response = import_json(&app, "", &json!({"fleetId": fleet, "vessels": list}), None).await;
    response.assert_problem(422, "validation_failed");
    let expected: Vec<(String, Option<u64>)> = [
        ("vessels[2].yearBuilt", 2),
        ("vessels[2].flag", 2),
        ("vessels[7].insuredValueUsd", 7),
        ("vessels[7].inspections[1].date", 7),
        ("vessels[11].vesselIMO", 11),
        ("vessels[11].speed", 11),
    ]
    .into_iter()
    .map(|(field, row)| (field.to_string(), Some(row)))
    .collect();
    assert_eq!(problems(&response), expected);
    assert_eq!(response.body["errorCount"], 6);
    assert_eq!(count_vessels(&app).await, 0, "one bad row stores nothing");
}

async fn duplicates_within_a_file_are_row_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Twice").await;
    let mut list = vessels(0, 4);
    list[3]["vesselIMO"] = list[1]["vesselIMO"].clone();
    let response = import_json(&app, "", &json!({"fleetId": fleet, "vessels": list}), None).await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(
        problems(&response),
        [("vessels[3].vesselIMO".to_string(), Some(3))]
    );
    assert!(response.text.contains("vessels[1]"), "{}", response.text);
    assert_eq!(count_vessels(&app).await, 0);
}

async fn an_existing_imo_without_upsert_is_a_row_error(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Existing").await;
    app.create_vessel(&fleet, vessel_body(&imo(2))).await;
    let response = import_json(
        &app,
        "",
        &json!({"fleetId": fleet, "vessels": vessels(0, 4)}),
        None,
    )
    .await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(
        problems(&response),
        [("vessels[2].vesselIMO".to_string(), Some(2))]
    );
    assert_eq!(count_vessels(&app).await, 1);
}

async fn an_unknown_fleet_is_a_row_error(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Known").await;
    let mut list = vessels(0, 3);
    list[1]["fleetId"] = json!("0190f5a4-0000-7000-8000-000000000000");
    let response = import_json(&app, "", &json!({"fleetId": fleet, "vessels": list}), None).await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(
        problems(&response),
        [("vessels[1].fleetId".to_string(), Some(1))]
    );
    assert_eq!(count_vessels(&app).await, 0);
}

async fn upsert_replaces_vessels_and_their_histories(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Upserted").await;
    let first = import_json(
        &app,
        "",
        &json!({"fleetId": fleet, "vessels": vessels(0, 3)}),
        None,
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(
        (first.body["created"].clone(), first.body["updated"].clone()),
        (json!(3), json!(0))
    );

    let mut changed = vessels(1, 3);
    changed[0]["name"] = json!("RENAMED");
    changed[0]["inspections"] =
        json!([{"date": "2026-01-05", "regime": "uscg", "deficiencies": 9, "detained": true}]);
    changed[0]["incidents"] = json!([]);
    let upsert = import_json(
        &app,
        "?mode=upsert",
        &json!({"fleetId": fleet, "vessels": changed}),
        None,
    )
    .await;
    assert_eq!(upsert.status, 201, "{}", upsert.text);
    assert_eq!(upsert.body["created"], 1);
    assert_eq!(upsert.body["updated"], 2);
    assert_eq!(count_vessels(&app).await, 4);

    let vessel = app
        .get(
            &format!("/api/fleet-risk/vessels/{}", imo(1)),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(vessel.body["name"], "RENAMED");
    let inspections = vessel.body["inspections"].as_array().unwrap();
    assert_eq!(inspections.len(), 1, "{}", vessel.text);
    assert_eq!(inspections[0]["deficiencies"], 9);
    assert_eq!(vessel.body["incidents"], json!([]));
    // The replaced vessel's published score is of its new data.
    let risk = app
        .get(
            &format!("/api/fleet-risk/vessels/{}/risk", imo(1)),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(risk.body["runId"], upsert.body["runId"], "{}", risk.text);

    let only_updates = import_json(
        &app,
        "?mode=upsert",
        &json!({"fleetId": fleet, "vessels": vessels(0, 1)}),
        None,
    )
    .await;
    assert_eq!(only_updates.status, 200, "{}", only_updates.text);
    assert_eq!(only_updates.body["updated"], 1);
}

async fn a_retried_idempotent_import_stores_once_and_answers_the_same(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Retried").await;
    let body = json!({"fleetId": fleet, "vessels": vessels(0, 5)});
    let first = import_json(&app, "", &body, Some("batch-42")).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let retry = import_json(&app, "", &body, Some("batch-42")).await;
    assert_eq!((retry.status, &retry.text), (first.status, &first.text));
    assert_eq!(count_vessels(&app).await, 5);
    let runs = app
        .count_sql("SELECT COUNT(*) FROM risk_runs WHERE trigger = 'data_change'")
        .await;
    assert_eq!(runs, 1, "the retry ran no second import");

    let other = json!({"fleetId": fleet, "vessels": vessels(5, 1)});
    let reused = import_json(&app, "", &other, Some("batch-42")).await;
    reused.assert_problem(409, "idempotency_key_reused");
    assert_eq!(count_vessels(&app).await, 5);
    let fresh = import_json(&app, "", &other, Some("batch-43")).await;
    assert_eq!(fresh.status, 201, "{}", fresh.text);
}

async fn imported_vessels_are_published_with_the_engines_scores(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Scored").await;
    let mut list = vessels(0, 6);
    list[3]["sanctioned"] = json!(true);
    list[4]["shipType"] = json!("oil_tanker");
    list[5]["flag"] = json!("KP");
    let imported = import_json(&app, "", &json!({"fleetId": fleet, "vessels": list}), None).await;
    assert_eq!(imported.status, 201, "{}", imported.text);
    let assessed = app
        .post(
            "/api/fleet-risk/assess",
            &app.keys.underwriter,
            &json!({"vessels": list}),
        )
        .await;
    assert_eq!(assessed.status, 200, "{}", assessed.text);
    for (vessel, expected) in list
        .iter()
        .zip(assessed.body["assessments"].as_array().unwrap())
    {
        let imo = vessel["vesselIMO"].as_str().unwrap();
        let mut published = app
            .get(
                &format!("/api/fleet-risk/vessels/{imo}/risk"),
                &app.keys.viewer,
            )
            .await
            .body;
        assert_eq!(published["runId"], imported.body["runId"]);
        let published = published.as_object_mut().unwrap();
        published.remove("runId");
        published.remove("calculatedAt");
        assert_eq!(&Value::Object(published.clone()), expected, "{imo}");
    }
    let fleet_risk = app
        .get(
            &format!("/api/fleet-risk/fleets/{fleet}/risk"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(fleet_risk.status, 200, "{}", fleet_risk.text);
    assert_eq!(fleet_risk.body["vesselCount"], 6);
}

async fn a_reader_never_sees_an_imported_vessel_without_its_score(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Watched").await;
    let watched = imo(1_999);
    let body = json!({"fleetId": fleet, "vessels": vessels(0, 2_000)});
    let reader = {
        let client = app.client.clone();
        let vessel_url = app.url(&format!("/api/fleet-risk/vessels/{watched}"));
        let key = app.keys.viewer.clone();
        tokio::spawn(async move {
            let mut polls = 0;
            loop {
                polls += 1;
                let vessel = client
                    .get(&vessel_url)
                    .bearer_auth(&key)
                    .send()
                    .await
                    .unwrap();
                if vessel.status() == 200 {
                    let risk = client
                        .get(format!("{vessel_url}/risk"))
                        .bearer_auth(&key)
                        .send()
                        .await
                        .unwrap();
                    return (polls, risk.status().as_u16());
                }
                assert_eq!(vessel.status(), 404);
            }
        })
    };
    let imported = import_json(&app, "", &body, None).await;
    assert_eq!(imported.status, 201, "{}", imported.text);
    let (polls, risk_status) = reader.await.unwrap();
    assert_eq!(
        risk_status, 200,
        "the vessel was readable before its score (after {polls} polls)"
    );
}

async fn import_needs_the_admin_role(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Guarded").await;
    let body = json!({"fleetId": fleet, "vessels": vessels(0, 1)});
    let anonymous = app.request(Method::POST, IMPORT, None, Some(&body)).await;
    anonymous.assert_problem(401, "unauthorized");
    for key in [&app.keys.viewer, &app.keys.underwriter] {
        app.post(IMPORT, key, &body)
            .await
            .assert_problem(403, "forbidden");
    }
    assert_eq!(count_vessels(&app).await, 0);
}
