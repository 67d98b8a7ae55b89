//! Exports as workbooks (issue 12, items 9, 12): read back with calamine,
//! every cell compared with the risk API (vessels, factors, the fleet
//! aggregates of the Summary); names kept verbatim in string cells; no
//! formula anywhere.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use serde_json::Value;

use crate::export::{
    COLUMNS, FLEET_NAME, NAMES, XLSX, assert_attachment, bytes_of, download, header, seed,
    vessel_risk, year_of,
};
use crate::support::{Backend, TestApp};

crate::cases!(
    the_fleet_workbook_matches_the_risk_api_cell_by_cell,
    the_book_workbook_summarises_every_fleet,
);

pub(crate) fn workbook(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes)).expect("a readable xlsx")
}

/// A sheet's rows as maps from its header row (at `header_row`).
fn sheet_rows(
    book: &mut Xlsx<Cursor<Vec<u8>>>,
    sheet: &str,
    header_row: usize,
) -> (Vec<String>, Vec<HashMap<String, Data>>) {
    let range = book.worksheet_range(sheet).unwrap();
    let mut rows = range.rows().skip(header_row);
    let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    let rows = rows
        .map(|row| header.iter().cloned().zip(row.iter().cloned()).collect())
        .collect();
    (header, rows)
}

fn float(cell: &Data) -> f64 {
    match cell {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("{other:?} is not a number cell"),
    }
}

fn string(cell: &Data) -> &str {
    match cell {
        Data::String(s) => s,
        other => panic!("{other:?} is not a string cell"),
    }
}

/// An RFC 3339 instant as an Excel serial date (days since 1899-12-30).
fn excel_serial(text: &str) -> f64 {
    let at = chrono::DateTime::parse_from_rfc3339(text).unwrap();
    let epoch = chrono::DateTime::parse_from_rfc3339("1899-12-30T00:00:00Z").unwrap();
    (at - epoch).num_microseconds().unwrap() as f64 / 86_400e6
}

fn assert_no_formulas(book: &mut Xlsx<Cursor<Vec<u8>>>) {
    for sheet in ["Summary", "Vessels", "Factors"] {
        let formulas = book.worksheet_formula(sheet).unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "{sheet} has a formula"
        );
    }
}

async fn the_fleet_workbook_matches_the_risk_api_cell_by_cell(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let book = seed(&app).await;
    let path = format!("/api/fleet-risk/fleets/{}/export?format=xlsx", book.fleet);
    let response = download(&app, &path, Some(&app.keys.admin)).await;
    assert_eq!(header(&response, "content-type"), XLSX);
    assert_attachment(
        header(&response, "content-disposition"),
        "nordic-polar-r",
        "xlsx",
    );
    let mut xlsx = workbook(bytes_of(response).await);
    assert_eq!(xlsx.sheet_names(), ["Summary", "Vessels", "Factors"]);
    assert_no_formulas(&mut xlsx);

    let (columns, vessels) = sheet_rows(&mut xlsx, "Vessels", 0);
    assert_eq!(columns, COLUMNS);
    assert_eq!(vessels.len(), NAMES.len());
    let (factor_columns, factors) = sheet_rows(&mut xlsx, "Factors", 0);
    assert_eq!(factor_columns[..2], ["IMO", "Name"]);
    assert_eq!(factor_columns.len(), 2 + 11);
    for (row, factor_row) in vessels.iter().zip(&factors) {
        let imo = string(&row["IMO"]);
        assert_eq!(string(&factor_row["IMO"]), imo);
        let (name, year_built) = &book.vessels[imo];
        let risk = vessel_risk(&app, imo).await;
        // A string cell is never evaluated: the name is kept as it is.
        assert_eq!(string(&row["Name"]), name);
        assert_eq!(string(&factor_row["Name"]), name);
        assert_eq!(string(&row["Fleet"]), FLEET_NAME);
        assert_eq!(float(&row["Year built"]), *year_built as f64);
        let age = year_of(risk["asOf"].as_str().unwrap()) - year_built;
        assert_eq!(float(&row["Age"]), age as f64);
        assert_eq!(float(&row["Score"]), risk["score"].as_f64().unwrap());
        assert_eq!(string(&row["Level"]), risk["level"].as_str().unwrap());
        assert_eq!(
            string(&row["SRP profile"]),
            risk["srp"]["profile"].as_str().unwrap()
        );
        assert_eq!(
            row["Inspection due"],
            Data::Bool(risk["srp"]["inspectionDue"].as_bool().unwrap())
        );
        assert_eq!(
            float(&row["Expected annual loss USD"]),
            risk["expectedAnnualLossUsd"].as_f64().unwrap()
        );
        assert_eq!(
            float(&row["Expected claims"]),
            risk["expectedClaims"].as_f64().unwrap()
        );
        assert_eq!(
            string(&row["Top driver"]),
            risk["factors"][0]["key"].as_str().unwrap()
        );
        assert_eq!(string(&row["Run id"]), risk["runId"].as_str().unwrap());
        let Data::DateTime(at) = &row["Calculated at"] else {
            panic!("{:?} is not a date cell", row["Calculated at"]);
        };
        let expected = excel_serial(risk["calculatedAt"].as_str().unwrap());
        assert!((at.as_f64() - expected).abs() < 1e-8, "{at:?} {expected}");
        for factor in risk["factors"].as_array().unwrap() {
            let key = factor["key"].as_str().unwrap();
            assert_eq!(
                float(&factor_row[key]),
                factor["contribution"].as_f64().unwrap(),
                "{imo} {key}"
            );
        }
    }

    let fleet_risk = app
        .get(
            &format!("/api/fleet-risk/fleets/{}/risk", book.fleet),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(fleet_risk.status, 200, "{}", fleet_risk.text);
    let (_, summary) = sheet_rows(&mut xlsx, "Summary", 5);
    assert_eq!(summary.len(), 1);
    assert_summary_row(&summary[0], &fleet_risk.body, FLEET_NAME);
}

/// A Summary row against the fleet risk API's answer (section 8).
fn assert_summary_row(row: &HashMap<String, Data>, risk: &Value, name: &str) {
    assert_eq!(string(&row["Fleet"]), name);
    assert_eq!(string(&row["Fleet id"]), risk["fleetId"].as_str().unwrap());
    assert_eq!(string(&row["Level"]), risk["level"].as_str().unwrap());
    assert_eq!(string(&row["Run id"]), risk["runId"].as_str().unwrap());
    for (column, field) in [
        ("Score", "score"),
        ("Max score", "maxScore"),
        ("Vessels", "vesselCount"),
        ("Total insured value USD", "totalInsuredValueUsd"),
        ("High-risk value share", "highRiskValueShare"),
        ("Expected claims", "expectedClaims"),
        ("Expected annual loss USD", "expectedAnnualLossUsd"),
        ("Largest tanker exposure USD", "largestTankerExposureUsd"),
    ] {
        assert_eq!(
            float(&row[column]),
            risk[field].as_f64().unwrap(),
            "{column}"
        );
    }
    for level in ["low", "medium", "high", "critical"] {
        let column = format!("{}{}", level[..1].to_uppercase(), &level[1..]);
        assert_eq!(
            float(&row[&column]),
            risk["levelCounts"][level].as_f64().unwrap()
        );
    }
    for profile in ["HRS", "SRS", "LRS"] {
        assert_eq!(
            float(&row[profile]),
            risk["srpCounts"][profile].as_f64().unwrap()
        );
    }
    let drivers: Vec<&str> = risk["topDrivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    assert_eq!(string(&row["Top drivers"]), drivers.join(", "));
    // The thresholds in force: the model's defaults here.
    assert_eq!(float(&row["Medium from"]), 25.0);
    assert_eq!(float(&row["High from"]), 50.0);
    assert_eq!(float(&row["Critical from"]), 70.0);
}

async fn the_book_workbook_summarises_every_fleet(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let book = seed(&app).await;
    let response = download(
        &app,
        "/api/fleet-risk/export?format=xlsx",
        Some(&app.keys.underwriter),
    )
    .await;
    let mut xlsx = workbook(bytes_of(response).await);
    let (_, summary) = sheet_rows(&mut xlsx, "Summary", 5);
    assert_eq!(summary.len(), 2);
    for (fleet, name) in [
        (&book.fleet, FLEET_NAME),
        (&book.other_fleet, "Other Fleet"),
    ] {
        let risk = app
            .get(
                &format!("/api/fleet-risk/fleets/{fleet}/risk"),
                &app.keys.viewer,
            )
            .await;
        let row = summary
            .iter()
            .find(|row| string(&row["Fleet id"]) == fleet)
            .expect("every fleet is in the Summary");
        assert_summary_row(row, &risk.body, name);
    }
    let (_, vessels) = sheet_rows(&mut xlsx, "Vessels", 0);
    assert_eq!(vessels.len(), NAMES.len() + 1);
}
