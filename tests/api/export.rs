//! Exports (issue 12, items 7-10, 12): the CSV read back with the csv
//! crate, every number compared with what the risk API answers; awkward
//! names; formula injection; roles, bad formats and unknown fleets; the CLI
//! writing the routes' file. The workbook's cases are in export_workbook.rs.

use calamine::Reader;
use serde_json::Value;
use std::collections::HashMap;

use crate::binary::fleet_risk;
use crate::export_workbook::workbook;
use crate::support::{Backend, IMOS, TestApp, vessel_body};

crate::cases!(
    the_fleet_csv_matches_the_risk_api_cell_by_cell,
    the_book_csv_lists_every_fleet,
    exports_need_an_underwriter_a_format_and_a_known_fleet,
    the_cli_writes_the_file_the_route_answers,
);

/// The issue's columns (item 8), in order.
pub(crate) const COLUMNS: [&str; 17] = [
    "IMO",
    "Name",
    "Type",
    "Flag",
    "Class",
    "Year built",
    "Age",
    "Fleet",
    "Score",
    "Level",
    "SRP profile",
    "Inspection due",
    "Expected annual loss USD",
    "Expected claims",
    "Top driver",
    "Calculated at",
    "Run id",
];

pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(crate) const FLEET_NAME: &str = "Nordic, \"Polar\" Ærø";

/// Names that must survive: commas, quotes, non-ASCII, and every formula lead
/// a name can have (a vessel name has no control characters, so a leading
/// tab or CR is refused at the edge; the writers' unit tests cover them).
pub(crate) const NAMES: [&str; 6] = [
    "Ærø, \"Polar\" Star",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
    "+1",
    "-2",
    "@x",
    "Plain Name",
];

pub(crate) struct Book {
    pub fleet: String,
    pub other_fleet: String,
    /// IMO -> (name, year built) of the fleet's vessels.
    pub vessels: HashMap<String, (String, i64)>,
}

pub(crate) async fn seed(app: &TestApp) -> Book {
    let fleet = app.create_fleet(FLEET_NAME).await;
    let other_fleet = app.create_fleet("Other Fleet").await;
    let mut vessels = HashMap::new();
    for (i, name) in NAMES.iter().enumerate() {
        let mut body = vessel_body(IMOS[i]);
        body["name"] = Value::from(*name);
        body["yearBuilt"] = Value::from(1995 + 3 * i as i64);
        if i == 2 {
            body["shipType"] = Value::from("oil_tanker");
            body["classSociety"] = Value::Null;
        }
        app.create_vessel(&fleet, body).await;
        vessels.insert(IMOS[i].to_string(), (name.to_string(), 1995 + 3 * i as i64));
    }
    app.create_vessel(&other_fleet, vessel_body(IMOS[7])).await;
    app.recalculate().await;
    Book {
        fleet,
        other_fleet,
        vessels,
    }
}

/// The raw answer of a GET: status, headers and bytes.
pub(crate) async fn download(app: &TestApp, path: &str, key: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request.send().await.expect("the request is sent")
}

pub(crate) async fn bytes_of(response: reqwest::Response) -> Vec<u8> {
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap().to_vec()
}

pub(crate) fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response.headers()[name].to_str().unwrap()
}

/// `attachment; filename="fleet-risk-<slug>-<YYYY-MM-DD>.<ext>"`.
pub(crate) fn assert_attachment(disposition: &str, slug: &str, extension: &str) {
    let name = disposition
        .strip_prefix("attachment; filename=\"")
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or_else(|| panic!("not an attachment: {disposition}"));
    let rest = name
        .strip_prefix(&format!("fleet-risk-{slug}-"))
        .and_then(|rest| rest.strip_suffix(&format!(".{extension}")))
        .unwrap_or_else(|| panic!("{name}"));
    assert!(
        chrono::NaiveDate::parse_from_str(rest, "%Y-%m-%d").is_ok(),
        "{name}"
    );
}

pub(crate) async fn vessel_risk(app: &TestApp, imo: &str) -> Value {
    let risk = app
        .get(
            &format!("/api/fleet-risk/vessels/{imo}/risk"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(risk.status, 200, "{}", risk.text);
    risk.body
}

/// A formula lead turned text in a CSV cell: `'` in front.
fn neutralised(name: &str) -> String {
    if name.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{name}")
    } else {
        name.to_string()
    }
}

pub(crate) fn year_of(date: &str) -> i64 {
    date[..4].parse().unwrap()
}

pub(crate) fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            header
                .iter()
                .cloned()
                .zip(record.iter().map(String::from))
                .collect()
        })
        .collect();
    (header, rows)
}

fn number(text: &str) -> f64 {
    text.parse()
        .unwrap_or_else(|_| panic!("{text:?} is not a number"))
}

async fn the_fleet_csv_matches_the_risk_api_cell_by_cell(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let book = seed(&app).await;
    let path = format!("/api/fleet-risk/fleets/{}/export?format=csv", book.fleet);
    let response = download(&app, &path, Some(&app.keys.underwriter)).await;
    assert_eq!(header(&response, "content-type"), "text/csv; charset=utf-8");
    assert_attachment(
        header(&response, "content-disposition"),
        "nordic-polar-r",
        "csv",
    );
    let bytes = bytes_of(response).await;
    let text = String::from_utf8(bytes.clone()).expect("UTF-8");
    assert!(text.ends_with("\r\n"));
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
    assert_eq!(text.matches("\r\n").count(), 1 + NAMES.len());
    let (columns, rows) = read_csv(&bytes);
    assert_eq!(columns, COLUMNS);
    assert_eq!(
        rows.len(),
        NAMES.len(),
        "the other fleet's vessel is not in"
    );
    for row in &rows {
        let imo = &row["IMO"];
        let (name, year_built) = &book.vessels[imo];
        let risk = vessel_risk(&app, imo).await;
        assert_eq!(row["Name"], neutralised(name));
        assert_eq!(row["Fleet"], FLEET_NAME);
        assert_eq!(number(&row["Year built"]), *year_built as f64);
        let age = year_of(risk["asOf"].as_str().unwrap()) - year_built;
        assert_eq!(number(&row["Age"]), age as f64);
        assert_eq!(number(&row["Score"]), risk["score"].as_f64().unwrap());
        assert_eq!(row["Level"], risk["level"].as_str().unwrap());
        assert_eq!(row["SRP profile"], risk["srp"]["profile"].as_str().unwrap());
        assert_eq!(
            row["Inspection due"],
            risk["srp"]["inspectionDue"].as_bool().unwrap().to_string()
        );
        assert_eq!(
            number(&row["Expected annual loss USD"]),
            risk["expectedAnnualLossUsd"].as_f64().unwrap()
        );
        assert_eq!(
            number(&row["Expected claims"]),
            risk["expectedClaims"].as_f64().unwrap()
        );
        assert_eq!(
            row["Top driver"],
            risk["factors"][0]["key"].as_str().unwrap()
        );
        assert_eq!(row["Run id"], risk["runId"].as_str().unwrap());
        let at = |text: &str| chrono::DateTime::parse_from_rfc3339(text).unwrap();
        assert_eq!(
            at(&row["Calculated at"]),
            at(risk["calculatedAt"].as_str().unwrap())
        );
        let vessel = app
            .get(&format!("/api/fleet-risk/vessels/{imo}"), &app.keys.viewer)
            .await;
        assert_eq!(row["Type"], vessel.body["shipType"].as_str().unwrap());
        assert_eq!(row["Flag"], vessel.body["flag"].as_str().unwrap());
        assert_eq!(
            row["Class"],
            vessel.body["classSociety"].as_str().unwrap_or_default()
        );
    }
}

async fn the_book_csv_lists_every_fleet(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    seed(&app).await;
    let response = download(
        &app,
        "/api/fleet-risk/export?format=csv",
        Some(&app.keys.underwriter),
    )
    .await;
    assert_attachment(header(&response, "content-disposition"), "book", "csv");
    let (_, rows) = read_csv(&bytes_of(response).await);
    let mut imos: Vec<&str> = rows.iter().map(|r| r["IMO"].as_str()).collect();
    imos.sort_unstable();
    let mut expected: Vec<&str> = IMOS[..NAMES.len()].to_vec();
    expected.push(IMOS[7]);
    expected.sort_unstable();
    assert_eq!(imos, expected);
}

async fn exports_need_an_underwriter_a_format_and_a_known_fleet(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Roles").await;
    let fleet_path = format!("/api/fleet-risk/fleets/{fleet}/export");
    for path in [fleet_path.as_str(), "/api/fleet-risk/export"] {
        let with = format!("{path}?format=csv");
        let anonymous = app.request(reqwest::Method::GET, &with, None, None).await;
        anonymous.assert_problem(401, "unauthorized");
        app.get(&with, &app.keys.viewer)
            .await
            .assert_problem(403, "forbidden");
        for query in ["", "?format=pdf", "?format=CSV", "?format="] {
            let bad = app
                .get(&format!("{path}{query}"), &app.keys.underwriter)
                .await;
            bad.assert_problem(422, "validation_failed");
            assert_eq!(bad.error_fields(), ["format"], "{query}");
        }
        let empty = download(&app, &with, Some(&app.keys.admin)).await;
        let (columns, rows) = read_csv(&bytes_of(empty).await);
        assert_eq!(columns, COLUMNS);
        assert!(rows.is_empty());
    }
    let unknown = "/api/fleet-risk/fleets/0193a4f2-7c1e-7000-8000-000000000000/export";
    for format in ["csv", "xlsx"] {
        app.get(&format!("{unknown}?format={format}"), &app.keys.underwriter)
            .await
            .assert_problem(404, "not_found");
    }
}

async fn the_cli_writes_the_file_the_route_answers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let book = seed(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let environment = [("DATABASE_URL", app.database.url.as_str())];
    for fleet in [Some(book.fleet.as_str()), None] {
        let route = match fleet {
            Some(id) => format!("/api/fleet-risk/fleets/{id}/export"),
            None => "/api/fleet-risk/export".to_string(),
        };
        let csv_path = dir.path().join("export.csv");
        let mut args = vec![
            "export",
            "--format",
            "csv",
            "-o",
            csv_path.to_str().unwrap(),
        ];
        args.extend(fleet.map(|id| ["--fleet", id]).into_iter().flatten());
        let output = fleet_risk(&args, &environment).await;
        assert!(output.status.success(), "{output:?}");
        let answered = download(
            &app,
            &format!("{route}?format=csv"),
            Some(&app.keys.underwriter),
        )
        .await;
        assert_eq!(
            std::fs::read(&csv_path).unwrap(),
            bytes_of(answered).await,
            "{fleet:?}"
        );

        let xlsx_path = dir.path().join("export.xlsx");
        args[2] = "xlsx";
        args[4] = xlsx_path.to_str().unwrap();
        let output = fleet_risk(&args, &environment).await;
        assert!(output.status.success(), "{output:?}");
        let answered = download(
            &app,
            &format!("{route}?format=xlsx"),
            Some(&app.keys.underwriter),
        )
        .await;
        let mut from_cli = workbook(std::fs::read(&xlsx_path).unwrap());
        let mut from_route = workbook(bytes_of(answered).await);
        for sheet in ["Vessels", "Factors"] {
            assert_eq!(
                from_cli.worksheet_range(sheet).unwrap(),
                from_route.worksheet_range(sheet).unwrap(),
                "{sheet}"
            );
        }
    }
    let unknown = fleet_risk(
        &[
            "export",
            "--fleet",
            "0193a4f2-7c1e-7000-8000-000000000000",
            "--format",
            "csv",
            "-o",
            dir.path().join("none.csv").to_str().unwrap(),
        ],
        &environment,
    )
    .await;
    assert_eq!(unknown.status.code(), Some(1), "{unknown:?}");
}
