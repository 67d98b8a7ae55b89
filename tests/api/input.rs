//! Reading request bodies (issue 11, items 1 and 8): one 422 names every bad
//! field (missing, mistyped, against a rule, unknown) on every body the API
//! takes; bodies that are not objects, keys sent twice, JSON media types and
//! messages written for a person.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Backend, IMOS, TestApp, TestResponse, vessel_body};

crate::cases!(
    the_issue_body_names_every_bad_field,
    every_body_names_missing_mistyped_and_unknown_fields_together,
    a_body_that_is_not_an_object_is_422_and_writes_nothing,
    a_key_sent_twice_is_422_naming_it_on_every_body,
    a_null_fleet_name_is_treated_as_absent,
    json_suffix_media_types_are_json,
    messages_are_written_for_a_person,
    integral_numbers_are_integers_as_in_json_schema,
);

pub const VESSELS: &str = "/api/fleet-risk/vessels";
pub const FLEETS: &str = "/api/fleet-risk/fleets";
const THRESHOLDS: &str = "/api/fleet-risk/thresholds";
const ASSESS: &str = "/api/fleet-risk/assess";

/// A fleet with one vessel (`IMOS[0]`): the paths every body route needs.
struct Book {
    fleet: String,
    vessel: String,
}

async fn book(app: &TestApp) -> Book {
    let fleet = app.create_fleet("Fleet A").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    Book {
        fleet,
        vessel: format!("{VESSELS}/{}", IMOS[0]),
    }
}

/// Every `(method, path)` that takes a JSON body.
fn body_routes(book: &Book) -> Vec<(Method, String)> {
    vec![
        (Method::POST, VESSELS.to_string()),
        (Method::PATCH, book.vessel.clone()),
        (Method::POST, format!("{}/inspections", book.vessel)),
        (Method::POST, format!("{}/incidents", book.vessel)),
        (Method::POST, ASSESS.to_string()),
        (Method::POST, FLEETS.to_string()),
        (Method::PATCH, format!("{FLEETS}/{}", book.fleet)),
        (Method::PUT, THRESHOLDS.to_string()),
        (Method::PUT, format!("{FLEETS}/{}/thresholds", book.fleet)),
    ]
}

fn named(response: &TestResponse) -> Vec<(String, String)> {
    response.body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {}", response.text))
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn the_issue_body_names_every_bad_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    let response = app
        .post(
            VESSELS,
            &app.keys.admin,
            &json!({"fleetId": fleet, "vesselIMO": "1234560", "yearBuilt": "nineteen", "flag": "XX"}),
        )
        .await;
    response.assert_problem(422, "validation_failed");
    let errors = named(&response);
    let fields: Vec<&str> = errors.iter().map(|(field, _)| field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "vesselIMO",
            "name",
            "shipType",
            "yearBuilt",
            "grossTonnage",
            "flag",
            "insuredValueUsd"
        ]
    );
    assert!(errors[0].1.contains("check digit"), "{errors:?}");
    assert_eq!(errors[1].1, "is required");
    assert_eq!(errors[3].1, "must be an integer");
    assert!(errors[5].1.contains("not an assigned"), "{errors:?}");
    assert_eq!(response.body["detail"], "7 fields are invalid");
    assert_eq!(app.db.count_vessels().await.unwrap(), 0);
}

async fn every_body_names_missing_mistyped_and_unknown_fields_together(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let book = book(&app).await;
    let inspections = format!("{}/inspections", book.vessel);
    let incidents = format!("{}/incidents", book.vessel);
    let fleet = format!("{FLEETS}/{}", book.fleet);
    let own_thresholds = format!("{fleet}/thresholds");
    let mut inline = vessel_body(IMOS[1]);
    inline["fleetId"] = json!(book.fleet);
    inline["name"] = json!(7);
    inline["inspections"][0]["deficiencies"] = json!("three");
    inline["inspections"][1]
        .as_object_mut()
        .unwrap()
        .remove("detained");
    inline["incidents"][0]["cause"] = json!("fire");
    let cases: Vec<(Method, &str, Value, &[&str])> = vec![
        (
            Method::POST,
            VESSELS,
            inline,
            &[
                "name",
                "inspections[0].deficiencies",
                "inspections[1].detained",
                "incidents[0].cause",
            ],
        ),
        (
            Method::PATCH,
            &book.vessel,
            json!({"grossTonnage": 0, "sanctioned": "yes", "flag": "Malta", "speed": 12}),
            &["grossTonnage", "flag", "sanctioned", "speed"],
        ),
        (
            Method::POST,
            &inspections,
            json!({"date": "2026-02-30", "regime": 1, "port": "Rotterdam"}),
            &["date", "regime", "deficiencies", "detained", "port"],
        ),
        (
            Method::POST,
            &incidents,
            json!({"date": "2025-01-01", "severity": "Z", "grossLossUsd": "1000"}),
            &["severity", "kind", "grossLossUsd"],
        ),
        (
            Method::POST,
            ASSESS,
            json!({"asOf": 20261126, "vessels": [{"vesselIMO": "9074729"}], "model": "frm-1.0"}),
            &[
                "asOf",
                "model",
                "vessels[0].name",
                "vessels[0].shipType",
                "vessels[0].yearBuilt",
                "vessels[0].grossTonnage",
                "vessels[0].flag",
                "vessels[0].insuredValueUsd",
            ],
        ),
        (
            Method::POST,
            FLEETS,
            json!({"description": 5, "region": "EU"}),
            &["name", "description", "region"],
        ),
        (
            Method::PATCH,
            &fleet,
            json!({"name": "", "description": ["x"], "region": "EU"}),
            &["name", "description", "region"],
        ),
        (
            Method::PUT,
            THRESHOLDS,
            json!({"medium": "25", "critical": 101, "low": 0}),
            &["medium", "high", "critical", "low"],
        ),
        (
            Method::PUT,
            &own_thresholds,
            json!({"high": null}),
            &["medium", "high", "critical"],
        ),
    ];
    for (method, path, body, expected) in cases {
        let response = app
            .request(method.clone(), path, Some(&app.keys.admin), Some(&body))
            .await;
        response.assert_problem(422, "validation_failed");
        assert_eq!(response.error_fields(), expected, "{method} {path}");
    }
    // Nothing was written by any of them.
    assert_eq!(app.db.count_vessels().await.unwrap(), 1);
    let vessel = app.get(&book.vessel, &app.keys.viewer).await;
    assert_eq!(vessel.body["grossTonnage"], 43000);
    assert_eq!(vessel.body["inspections"].as_array().unwrap().len(), 2);
    assert_eq!(vessel.body["incidents"].as_array().unwrap().len(), 1);
    let thresholds = app.get(THRESHOLDS, &app.keys.viewer).await;
    assert_eq!(thresholds.body["source"], "model");
}

async fn a_body_that_is_not_an_object_is_422_and_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let book = book(&app).await;
    for (method, path) in body_routes(&book) {
        for body in [r#"["name","desc"]"#, r#""Fleet B""#, "42", "null", "true"] {
            let response = app
                .send_raw(method.clone(), &path, "application/json", body)
                .await;
            response.assert_problem(422, "validation_failed");
            assert_eq!(
                named(&response),
                [("body".to_string(), "must be an object".to_string())],
                "{method} {path} {body}"
            );
        }
    }
    let fleets = app.get(FLEETS, &app.keys.viewer).await;
    assert_eq!(fleets.body["items"].as_array().unwrap().len(), 1);
    let vessel = app.get(&book.vessel, &app.keys.viewer).await;
    assert_eq!(vessel.body["inspections"].as_array().unwrap().len(), 2);
    let thresholds = app.get(THRESHOLDS, &app.keys.viewer).await;
    assert_eq!(thresholds.body["source"], "model");
    // An array where the schema says array is still one: it names the vessel.
    let response = app
        .post(ASSESS, &app.keys.underwriter, &json!({"vessels": [[1]]}))
        .await;
    assert_eq!(response.error_fields(), ["vessels[0]"]);
}

async fn a_key_sent_twice_is_422_naming_it_on_every_body(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let book = book(&app).await;
    let mut vessel = vessel_body(IMOS[1]);
    vessel["fleetId"] = json!(book.fleet);
    let vessel = vessel.to_string();
    let twice = |text: &str, key: &str, value: &str| {
        let opening = text.find('{').unwrap() + 1;
        format!(
            "{}\"{key}\": {value}, {}",
            &text[..opening],
            &text[opening..]
        )
    };
    let inspection =
        r#"{"date": "2026-01-01", "regime": "uscg", "deficiencies": 0, "detained": false}"#;
    let incident = r#"{"date": "2026-01-01", "severity": "C", "kind": "other", "grossLossUsd": 1}"#;
    let nested = format!(
        r#"{{"vessels": [{}]}}"#,
        twice(&vessel_body(IMOS[2]).to_string(), "flag", "\"DK\"")
    );
    let cases: Vec<(Method, String, String, &str)> = vec![
        (
            Method::POST,
            VESSELS.into(),
            twice(&vessel, "name", "\"FIRST\""),
            "name",
        ),
        (
            Method::PATCH,
            book.vessel.clone(),
            r#"{"name": "A", "name": "B"}"#.into(),
            "name",
        ),
        (
            Method::POST,
            format!("{}/inspections", book.vessel),
            twice(inspection, "deficiencies", "1"),
            "deficiencies",
        ),
        (
            Method::POST,
            format!("{}/incidents", book.vessel),
            twice(incident, "kind", "\"fire_explosion\""),
            "kind",
        ),
        (Method::POST, ASSESS.into(), nested, "vessels[0].flag"),
        (
            Method::POST,
            FLEETS.into(),
            r#"{"name": "B", "name": "C"}"#.into(),
            "name",
        ),
        (
            Method::PATCH,
            format!("{FLEETS}/{}", book.fleet),
            r#"{"description": "x", "description": null}"#.into(),
            "description",
        ),
        (
            Method::PUT,
            THRESHOLDS.into(),
            r#"{"medium": 25, "high": 50, "critical": 70, "critical": 80}"#.into(),
            "critical",
        ),
    ];
    for (method, path, body, field) in cases {
        let response = app
            .send_raw(method.clone(), &path, "application/json", body.clone())
            .await;
        response.assert_problem(422, "validation_failed");
        assert_eq!(
            named(&response),
            [(field.to_string(), "is sent more than once".to_string())],
            "{method} {path} {body}"
        );
    }
    assert_eq!(app.db.count_vessels().await.unwrap(), 1);
    let vessel = app.get(&book.vessel, &app.keys.viewer).await;
    assert_eq!(vessel.body["name"], format!("TEST VESSEL {}", IMOS[0]));
}

async fn a_null_fleet_name_is_treated_as_absent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created = app
        .post(
            FLEETS,
            &app.keys.admin,
            &json!({"name": "Nordic Bulk", "description": "Baltic"}),
        )
        .await;
    let path = format!("{FLEETS}/{}", created.body["id"].as_str().unwrap());
    let patched = app
        .patch(&path, &app.keys.admin, &json!({"name": null}))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.body["name"], "Nordic Bulk");
    assert_eq!(patched.body["description"], "Baltic");
    let cleared = app
        .patch(
            &path,
            &app.keys.admin,
            &json!({"name": null, "description": null}),
        )
        .await;
    assert_eq!(cleared.status, 200, "{}", cleared.text);
    assert_eq!(cleared.body["name"], "Nordic Bulk");
    assert_eq!(cleared.body["description"], Value::Null);
}

async fn json_suffix_media_types_are_json(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let book = book(&app).await;
    let created = app
        .send_raw(
            Method::POST,
            FLEETS,
            "application/problem+json",
            r#"{"name": "Fleet B"}"#,
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let patched = app
        .send_raw(
            Method::PATCH,
            &book.vessel,
            "application/merge-patch+json; charset=utf-8",
            r#"{"classSociety": null}"#,
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.body["classSociety"], Value::Null);
    for refused in ["application/jsonx", "application/+json", "text/json"] {
        app.send_raw(Method::POST, FLEETS, refused, r#"{"name": "Fleet C"}"#)
            .await
            .assert_problem(415, "unsupported_media_type");
    }
}

async fn messages_are_written_for_a_person(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let book = book(&app).await;
    let mut answers = Vec::new();
    for (method, path) in body_routes(&book) {
        for body in [
            r#"["name","desc"]"#,
            r#"{"name": 1, "medium": "x", "date": [], "vessels": {}, "yearBuilt": 1.5}"#,
            r#"{"sanctioned": "no", "description": {}, "high": true}"#,
            r#"{"name": "A" "description": null}"#,
            r#"{"name": "A", "#,
        ] {
            answers.push(
                app.send_raw(method.clone(), &path, "application/json", body)
                    .await,
            );
        }
    }
    answers.push(
        app.get(&format!("{FLEETS}?limit=x"), &app.keys.viewer)
            .await,
    );
    answers.push(
        app.get(
            &format!("{FLEETS}/{}/vessels?limit=x&sort=up", book.fleet),
            &app.keys.viewer,
        )
        .await,
    );
    for answer in &answers {
        assert!(answer.status >= 400, "{}", answer.text);
        for rust in [
            "i64",
            "u32",
            "f64",
            "usize",
            "struct ",
            "invalid type",
            "expected a",
            "expected i",
            "deserialize",
            "`",
            "Option<",
            "String",
            "sequence",
            " map",
        ] {
            assert!(
                !answer.text.contains(rust),
                "{rust:?} in an answer: {}",
                answer.text
            );
        }
    }
    let typed = app
        .post(
            FLEETS,
            &app.keys.admin,
            &json!({"name": 1, "description": []}),
        )
        .await;
    assert_eq!(
        named(&typed),
        [
            ("name".to_string(), "must be a string".to_string()),
            (
                "description".to_string(),
                "must be a string or null".to_string()
            )
        ]
    );
}

/// `65536.0` is an integer to JSON Schema, so to the API (found by Schemathesis).
async fn integral_numbers_are_integers_as_in_json_schema(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    let mut body = vessel_body(IMOS[0]);
    body["fleetId"] = json!(fleet);
    body["grossTonnage"] = json!(65536.0);
    body["yearBuilt"] = json!(2.01e3);
    let created = app.post(VESSELS, &app.keys.admin, &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["grossTonnage"], 65536);
    assert_eq!(created.body["yearBuilt"], 2010);
    body["grossTonnage"] = json!(65536.5);
    let refused = app.post(VESSELS, &app.keys.admin, &body).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.error_fields(), ["grossTonnage"]);
}
