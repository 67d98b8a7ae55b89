use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::support::{Backend, IMOS, TestApp, assert_close, vessel_body};

crate::cases!(
    assess_needs_the_underwriter_role,
    assessing_stores_nothing;
    once:
    the_api_reproduces_every_golden_case,
    the_api_and_the_cli_agree,
    every_bad_vessel_is_named_by_index,
    the_vessel_count_is_bounded,
    as_of_defaults_to_today_and_is_validated,
    a_full_compute_pool_is_503_with_retry_after,
    a_book_wide_run_takes_no_capacity_from_assessments,
);

fn golden_cases() -> Vec<Value> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/engine-cases");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

async fn the_api_reproduces_every_golden_case(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cases = golden_cases();
    assert!(cases.len() >= 25);
    let mut by_as_of: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for case in &cases {
        by_as_of
            .entry(case["asOf"].as_str().unwrap().to_string())
            .or_default()
            .push(case);
    }
    for (as_of, cases) in by_as_of {
        let vessels: Vec<&Value> = cases.iter().map(|c| &c["vessel"]).collect();
        let response = app
            .post(
                "/api/fleet-risk/assess",
                &app.keys.underwriter,
                &json!({"asOf": as_of, "vessels": vessels}),
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.text);
        let assessments = response.body["assessments"].as_array().unwrap();
        assert_eq!(assessments.len(), cases.len());
        for (assessment, case) in assessments.iter().zip(&cases) {
            assert_close(
                assessment,
                &case["expected"],
                case["name"].as_str().unwrap(),
            );
        }
    }
}

fn demo_vessels() -> Vec<Value> {
    let book: Value = serde_json::from_str(include_str!("../../fixtures/demo/book.json")).unwrap();
    book["fleets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["vessels"].as_array().unwrap().clone())
        .collect()
}

async fn the_api_and_the_cli_agree(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let vessels = demo_vessels();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("book.json");
    std::fs::write(&file, serde_json::to_vec(&vessels).unwrap()).unwrap();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_fleet-risk"))
            .args(["assess", file.to_str().unwrap(), "--as-of", "2026-11-26"])
            .env_clear()
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{output:?}");
    let from_cli: Value = serde_json::from_slice(&output.stdout).unwrap();
    let response = app
        .post(
            "/api/fleet-risk/assess",
            &app.keys.underwriter,
            &json!({"asOf": "2026-11-26", "vessels": vessels}),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["assessments"], from_cli);
    assert_eq!(from_cli.as_array().unwrap().len(), 67);
}

async fn every_bad_vessel_is_named_by_index(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut bad_imo = vessel_body("9074728");
    bad_imo["flag"] = json!("ZZ");
    let mut bad_date = vessel_body(IMOS[2]);
    bad_date["inspections"][0]["date"] = json!("2027-01-01");
    let mut unknown = vessel_body(IMOS[3]);
    unknown["fleetId"] = json!("not part of an assessment");
    let response = app
        .post(
            "/api/fleet-risk/assess",
            &app.keys.underwriter,
            &json!({"asOf": "2026-11-26", "vessels": [vessel_body(IMOS[0]), bad_imo, vessel_body(IMOS[1]), bad_date, unknown]}),
        )
        .await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(
        response.error_fields(),
        [
            "vessels[1].vesselIMO",
            "vessels[1].flag",
            "vessels[3].inspections[0].date",
            "vessels[4].fleetId",
        ]
    );
}

async fn the_vessel_count_is_bounded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let one = vessel_body(IMOS[0]);
    let too_many: Vec<&Value> = std::iter::repeat_n(&one, 1001).collect();
    let response = app
        .post(
            "/api/fleet-risk/assess",
            &app.keys.underwriter,
            &json!({"vessels": too_many}),
        )
        .await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(response.error_fields(), ["vessels"]);
    let empty = app
        .post(
            "/api/fleet-risk/assess",
            &app.keys.underwriter,
            &json!({"vessels": []}),
        )
        .await;
    assert_eq!(empty.error_fields(), ["vessels"]);
    let thousand: Vec<&Value> = std::iter::repeat_n(&one, 1000).collect();
    let ok = app
        .post(
            "/api/fleet-risk/assess",
            &app.keys.underwriter,
            &json!({"vessels": thousand}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["assessments"].as_array().unwrap().len(), 1000);
}

async fn assess_needs_the_underwriter_role(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({"vessels": [vessel_body(IMOS[0])]});
    app.post("/api/fleet-risk/assess", &app.keys.viewer, &body)
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        app.post("/api/fleet-risk/assess", &app.keys.admin, &body)
            .await
            .status,
        200
    );
    assert_eq!(
        app.post("/api/fleet-risk/assess", &app.keys.underwriter, &body)
            .await
            .status,
        200
    );
}

async fn assessing_stores_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({"vessels": [vessel_body(IMOS[0]), vessel_body(IMOS[1])]});
    let response = app
        .post("/api/fleet-risk/assess", &app.keys.underwriter, &body)
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(app.db.count_vessels().await.unwrap(), 0);
    app.get(
        &format!("/api/fleet-risk/vessels/{}", IMOS[0]),
        &app.keys.viewer,
    )
    .await
    .assert_problem(404, "not_found");
}

async fn as_of_defaults_to_today_and_is_validated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .post(
            "/api/fleet-risk/assess",
            &app.keys.underwriter,
            &json!({"vessels": [vessel_body(IMOS[0])]}),
        )
        .await;
    let today = chrono::Utc::now().date_naive().to_string();
    assert_eq!(response.body["assessments"][0]["asOf"], json!(today));
    for bad in ["26/11/2026", "2026-02-30", "2026-1-5"] {
        let response = app
            .post(
                "/api/fleet-risk/assess",
                &app.keys.underwriter,
                &json!({"asOf": bad, "vessels": [vessel_body(IMOS[0])]}),
            )
            .await;
        response.assert_problem(422, "validation_failed");
        assert_eq!(response.error_fields(), ["asOf"], "{bad}");
    }
}

async fn a_full_compute_pool_is_503_with_retry_after(backend: Backend) {
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("COMPUTE_QUEUE", "1".into());
    })
    .await;
    let hold = app.hold_compute().await;
    let body = json!({"vessels": [vessel_body(IMOS[0])]});
    let busy = app
        .post("/api/fleet-risk/assess", &app.keys.underwriter, &body)
        .await;
    busy.assert_problem(503, "overloaded");
    assert_eq!(busy.header("retry-after"), Some("1"));
    hold.release().await;
    let served = app
        .post("/api/fleet-risk/assess", &app.keys.underwriter, &body)
        .await;
    assert_eq!(served.status, 200, "{}", served.text);
}

/// A book-wide run scores in the compute bridge's background lane: while it
/// waits there (held by the test), it is still running, and an assessment
/// gets the one request slot (`COMPUTE_QUEUE=1`) and is served; released,
/// the run publishes.
async fn a_book_wide_run_takes_no_capacity_from_assessments(backend: Backend) {
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("COMPUTE_QUEUE", "1".into());
    })
    .await;
    let fleet = app.create_fleet("Running").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let hold = app.hold_runs().await;
    let run_id = app.trigger_run().await;

    let body = json!({"vessels": [vessel_body(IMOS[1])]});
    for _ in 0..3 {
        let served = app
            .post("/api/fleet-risk/assess", &app.keys.underwriter, &body)
            .await;
        assert_eq!(served.status, 200, "{}", served.text);
    }
    let running = app
        .get(&format!("/api/fleet-risk/runs/{run_id}"), &app.keys.admin)
        .await;
    assert_eq!(running.body["status"], "running", "{}", running.text);

    hold.release().await;
    let run = app.wait_for_run(&run_id).await;
    assert_eq!(run["status"], "published", "{run}");
}
