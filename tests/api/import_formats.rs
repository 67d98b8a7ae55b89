//! The bulk import's other formats and limits (issue 12, items 1-2, 6):
//! a CSV of vessels with line numbers, a multipart form of three CSVs, the
//! route's own body limit, the CLI, and the demo book loaded through it.

use serde_json::{Value, json};

use crate::binary::{fleet_risk, stdout};
use crate::import::{IMPORT, count_vessels, imo, import_json, vessels};
use crate::support::{Backend, TestApp, TestResponse, vessel_body};

crate::cases!(
    a_csv_of_vessels_names_bad_rows_by_csv_line,
    a_multipart_form_carries_vessels_and_both_histories,
    a_body_over_the_import_limit_is_413_and_other_routes_keep_theirs,
    the_cli_imports_a_file_through_the_same_path,
    the_demo_book_is_scored_when_it_is_loaded,
);

const CSV_HEADER: &str =
    "vesselIMO,name,shipType,yearBuilt,grossTonnage,flag,classSociety,insuredValueUsd,sanctioned";

fn csv_row(imo: &str, name: &str) -> String {
    format!("{imo},{name},bulk_carrier,2008,43000,MT,LR,18500000,false")
}

async fn post_body(app: &TestApp, query: &str, content_type: &str, body: Vec<u8>) -> TestResponse {
    app.post_raw(&format!("{IMPORT}{query}"), content_type, body)
        .await
}

async fn a_csv_of_vessels_names_bad_rows_by_csv_line(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("From a spreadsheet").await;
    // Row 1 spans lines 3-4 (a quoted line break, which a name may not
    // hold); row 2 is on line 5; row 3 quotes a comma and quotes.
    let bad = format!(
        "{CSV_HEADER}\r\n{}\r\n{}\r\n{},BAD,yacht,2008,43000,ZZ,LR,18500000,maybe\r\n{}\r\n",
        csv_row(&imo(0), "PLAIN"),
        csv_row(&imo(1), "\"TWO\nLINES\""),
        imo(2),
        csv_row(&imo(3), "\"COMMA, \"\"QUOTED\"\"\""),
    );
    let query = format!("?fleetId={fleet}");
    let refused = post_body(&app, &query, "text/csv", bad.into_bytes()).await;
    refused.assert_problem(422, "validation_failed");
    let named: Vec<(String, u64, u64)> = refused.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["row"].as_u64().unwrap(),
                e["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, u64, u64)> = [
        ("vessels[1].name", 1, 3),
        ("vessels[2].shipType", 2, 5),
        ("vessels[2].flag", 2, 5),
        ("vessels[2].sanctioned", 2, 5),
    ]
    .iter()
    .map(|(field, row, line)| (field.to_string(), *row, *line))
    .collect();
    assert_eq!(named, expected, "{}", refused.text);
    assert_eq!(refused.body["errorCount"], 4);
    assert_eq!(count_vessels(&app).await, 0);

    let good = format!(
        "{CSV_HEADER}\n{}\n{}\n",
        csv_row(&imo(0), "PLAIN"),
        csv_row(&imo(3), "\"COMMA, \"\"QUOTED\"\"\""),
    );
    let imported = post_body(&app, &query, "text/csv", good.into_bytes()).await;
    assert_eq!(imported.status, 201, "{}", imported.text);
    assert_eq!(imported.body["created"], 2);
    let vessel = app
        .get(
            &format!("/api/fleet-risk/vessels/{}", imo(3)),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(vessel.body["name"], "COMMA, \"QUOTED\"");
}

/// A `multipart/form-data` body of named CSV parts.
fn form(parts: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "----fleet-risk-test-boundary";
    let mut body = String::new();
    for (name, text) in parts {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}.csv\"\r\n\
             Content-Type: text/csv\r\n\r\n{text}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

async fn a_multipart_form_carries_vessels_and_both_histories(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Three files").await;
    let vessels_csv = format!(
        "fleetId,{CSV_HEADER}\n{fleet},{}\n{fleet},{}\n",
        csv_row(&imo(0), "ONE"),
        csv_row(&imo(1), "TWO")
    );
    let inspections = format!(
        "vesselIMO,date,regime,deficiencies,detained\n{0},2025-03-14,paris_mou,3,false\n{0},2024-06-02,tokyo_mou,0,false\n{1},2025-01-01,uscg,7,true\n",
        imo(0),
        imo(1)
    );
    let incidents = format!(
        "vesselIMO,date,severity,kind,grossLossUsd\n{},2023-09-20,C,machinery,180000\n",
        imo(1)
    );
    let bad_incidents = format!("{incidents}{},2023-09-20,C,machinery,1\n", imo(7));
    let (content_type, body) = form(&[
        ("vessels", &vessels_csv),
        ("inspections", &inspections),
        ("incidents", &bad_incidents),
    ]);
    let refused = post_body(&app, "", &content_type, body).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.body["errors"][0]["field"], "incidents[1].vesselIMO");
    assert_eq!(refused.body["errors"][0]["line"], 3);
    assert_eq!(count_vessels(&app).await, 0);

    let (content_type, body) = form(&[
        ("vessels", &vessels_csv),
        ("inspections", &inspections),
        ("incidents", &incidents),
    ]);
    let imported = post_body(&app, "", &content_type, body).await;
    assert_eq!(imported.status, 201, "{}", imported.text);
    let one = app
        .get(
            &format!("/api/fleet-risk/vessels/{}", imo(0)),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(one.body["inspections"].as_array().unwrap().len(), 2);
    let two = app
        .get(
            &format!("/api/fleet-risk/vessels/{}", imo(1)),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(two.body["inspections"][0]["deficiencies"], 7);
    assert_eq!(two.body["incidents"][0]["grossLossUsd"], 180000.0);
    let risk = app
        .get(
            &format!("/api/fleet-risk/vessels/{}/risk", imo(1)),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(risk.status, 200, "{}", risk.text);
}

async fn a_body_over_the_import_limit_is_413_and_other_routes_keep_theirs(backend: Backend) {
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("IMPORT_MAX_BODY_BYTES", "4096".to_string());
    })
    .await;
    let fleet = app.create_fleet("Limited").await;
    let small = json!({"fleetId": fleet, "vessels": vessels(0, 2)});
    assert!(serde_json::to_vec(&small).unwrap().len() < 4096);
    let imported = import_json(&app, "", &small, None).await;
    assert_eq!(imported.status, 201, "{}", imported.text);
    let large = json!({"fleetId": fleet, "vessels": vessels(2, 10)});
    assert!(serde_json::to_vec(&large).unwrap().len() > 4096);
    import_json(&app, "", &large, None)
        .await
        .assert_problem(413, "payload_too_large");
    let csv: String = std::iter::once(CSV_HEADER.to_string())
        .chain((10..200).map(|n| csv_row(&imo(n), "STREAMED")))
        .collect::<Vec<_>>()
        .join("\n");
    post_body(
        &app,
        &format!("?fleetId={fleet}"),
        "text/csv",
        csv.into_bytes(),
    )
    .await
    .assert_problem(413, "payload_too_large");
    assert_eq!(count_vessels(&app).await, 2);
    // A single vessel larger than the import's limit still goes in by its own route.
    let mut big = vessel_body(&imo(300));
    big["inspections"] = json!(vec![big["inspections"][0].clone(); 80]);
    assert!(serde_json::to_vec(&big).unwrap().len() > 4096);
    app.create_vessel(&fleet, big).await;
}

async fn the_cli_imports_a_file_through_the_same_path(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Batch job").await;
    let dir = tempfile::tempdir().unwrap();
    let environment = [("DATABASE_URL", app.database.url.as_str())];

    let json_file = dir.path().join("fleet.json");
    std::fs::write(
        &json_file,
        serde_json::to_vec(&json!({"vessels": vessels(0, 3)})).unwrap(),
    )
    .unwrap();
    let path = json_file.to_str().unwrap();
    let output = fleet_risk(&["import", path, "--fleet", &fleet], &environment).await;
    assert!(output.status.success(), "{output:?}");
    let report: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(report["created"], 3);
    let risk = app
        .get(
            &format!("/api/fleet-risk/vessels/{}/risk", imo(2)),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(risk.status, 200, "{}", risk.text);
    assert_eq!(risk.body["runId"], report["runId"]);

    let again = fleet_risk(&["import", path, "--fleet", &fleet], &environment).await;
    assert_eq!(again.status.code(), Some(1), "{again:?}");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("vessels[0].vesselIMO"),
        "{again:?}"
    );
    let upsert = fleet_risk(
        &["import", path, "--fleet", &fleet, "--upsert"],
        &environment,
    )
    .await;
    assert!(upsert.status.success(), "{upsert:?}");
    assert_eq!(
        serde_json::from_str::<Value>(stdout(&upsert).trim()).unwrap()["updated"],
        3
    );

    let csv_file = dir.path().join("more.csv");
    std::fs::write(
        &csv_file,
        format!("{CSV_HEADER}\n{}\n", csv_row(&imo(5), "FROM CSV")),
    )
    .unwrap();
    let output = fleet_risk(
        &["import", csv_file.to_str().unwrap(), "--fleet", &fleet],
        &environment,
    )
    .await;
    assert!(output.status.success(), "{output:?}");
    assert_eq!(count_vessels(&app).await, 4);
}

async fn the_demo_book_is_scored_when_it_is_loaded(backend: Backend) {
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("DEMO_DATA", "true".to_string());
    })
    .await;
    let scored = app
        .count_sql("SELECT COUNT(*) FROM current_vessel_scores")
        .await;
    assert_eq!(scored, count_vessels(&app).await);
    assert_eq!(scored, 67);
    let fleets = app
        .count_sql("SELECT COUNT(*) FROM current_fleet_scores")
        .await;
    assert_eq!(fleets, 4);
}
