//! Values that used to reach storage or the engine (issue 11, item 8):
//! control characters in free text, money without an upper bound, 404s
//! that echoed the whole path, and `/metrics` outside the routing rules.

use reqwest::Method;
use serde_json::{Value, json};

use crate::input::{FLEETS, VESSELS};
use crate::support::{Backend, IMOS, TestApp, vessel_body};

crate::cases!(
    control_characters_are_422_in_every_free_text_field,
    money_is_bounded_and_every_answer_stays_finite,
    query_strings_and_cursors_are_refused_in_words_for_a_person;
    once:
    a_404_echoes_at_most_64_characters_of_the_path,
    metrics_follows_the_routing_rules,
);

async fn control_characters_are_422_in_every_free_text_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    let fleet_path = format!("{FLEETS}/{fleet}");
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let vessel_path = format!("{VESSELS}/{}", IMOS[0]);
    let mut vessel = vessel_body(IMOS[1]);
    vessel["fleetId"] = json!(fleet);
    vessel["name"] = json!("NUL\u{0}STAR");
    vessel["classSociety"] = json!("\u{1b}[31mDNV");
    let cases: Vec<(Method, &str, Value, &[&str])> = vec![
        (
            Method::POST,
            FLEETS,
            json!({"name": "Nul\u{0}Fleet", "description": "d\u{0}"}),
            &["name", "description"],
        ),
        (
            Method::POST,
            FLEETS,
            json!({"name": "Fleet B", "description": "bell\u{7}"}),
            &["description"],
        ),
        (
            Method::PATCH,
            &fleet_path,
            json!({"description": "nul\u{0}"}),
            &["description"],
        ),
        (
            Method::PATCH,
            &fleet_path,
            json!({"name": "tab\tname"}),
            &["name"],
        ),
        (Method::POST, VESSELS, vessel, &["name", "classSociety"]),
        (
            Method::PATCH,
            &vessel_path,
            json!({"name": "A\u{0}", "classSociety": "LR\u{9f}"}),
            &["name", "classSociety"],
        ),
    ];
    for (method, path, body, fields) in cases {
        let response = app
            .request(method.clone(), path, Some(&app.keys.admin), Some(&body))
            .await;
        response.assert_problem(422, "validation_failed");
        assert_eq!(response.error_fields(), fields, "{method} {path} {body}");
    }
    let fleets = app.get(FLEETS, &app.keys.viewer).await;
    assert_eq!(fleets.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(fleets.body["items"][0]["description"], Value::Null);
    assert_eq!(app.db.count_vessels().await.unwrap(), 1);

    // Prose keeps its line breaks and tabs.
    let prose = "Handymax bulkers\r\nBaltic trade:\tice class";
    let described = app
        .patch(&fleet_path, &app.keys.admin, &json!({"description": prose}))
        .await;
    assert_eq!(described.status, 200, "{}", described.text);
    let read = app.get(&fleet_path, &app.keys.viewer).await;
    assert_eq!(read.body["description"], prose);
}

/// Every path to a `null` in `value` (serde_json writes a non-finite number as `null`).
fn null_paths(value: &Value, path: String, out: &mut Vec<String>) {
    match value {
        Value::Null => out.push(path),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                null_paths(item, format!("{path}[{index}]"), out);
            }
        }
        Value::Object(members) => {
            for (key, member) in members {
                null_paths(member, format!("{path}.{key}"), out);
            }
        }
        Value::String(text) => assert!(
            !text.contains("inf") && !text.contains("NaN"),
            "{path}: {text}"
        ),
        _ => {}
    }
}

/// Asserts `extreme` has no `null` (no non-finite number) where `ordinary`,
/// the same answer for ordinary values, has a number.
fn assert_finite_like(extreme: &Value, ordinary: &Value, what: &str) {
    let (mut extreme_nulls, mut ordinary_nulls) = (Vec::new(), Vec::new());
    null_paths(extreme, String::new(), &mut extreme_nulls);
    null_paths(ordinary, String::new(), &mut ordinary_nulls);
    let extra: Vec<&String> = extreme_nulls
        .iter()
        .filter(|path| !ordinary_nulls.contains(path))
        .collect();
    assert!(extra.is_empty(), "{what}: null at {extra:?}: {extreme}");
}

async fn money_is_bounded_and_every_answer_stays_finite(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ordinary = app.create_fleet("Ordinary").await;
    let extreme = app.create_fleet("Extreme").await;

    // Above the bound: refused wherever money is sent.
    let mut too_much = vessel_body(IMOS[0]);
    too_much["fleetId"] = json!(extreme);
    too_much["insuredValueUsd"] = json!(1e308);
    too_much["incidents"][0]["grossLossUsd"] = json!(1.5e11);
    let response = app.post(VESSELS, &app.keys.admin, &too_much).await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(
        response.error_fields(),
        ["insuredValueUsd", "incidents[0].grossLossUsd"]
    );
    let message = response.body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("100000000000"), "{message}");

    // At the bound: accepted, two such vessels in one fleet, with losses at the bound.
    for (fleet, imos, insured, loss) in [
        (&ordinary, [IMOS[2], IMOS[3]], 18_500_000.0, 180_000.0),
        (&extreme, [IMOS[0], IMOS[1]], 1e11, 1e11),
    ] {
        for imo in imos {
            let mut body = vessel_body(imo);
            body["insuredValueUsd"] = json!(insured);
            body["incidents"] = json!([
                {"date": "2025-01-01", "severity": "A", "kind": "total_loss", "grossLossUsd": loss},
                {"date": "2024-01-01", "severity": "B", "kind": "fire_explosion", "grossLossUsd": loss}
            ]);
            app.create_vessel(fleet, body).await;
        }
    }
    let path = format!("{VESSELS}/{}", IMOS[0]);
    app.patch(&path, &app.keys.admin, &json!({"insuredValueUsd": 1.0e12}))
        .await
        .assert_problem(422, "validation_failed");
    let incident =
        json!({"date": "2026-01-01", "severity": "C", "kind": "other", "grossLossUsd": 1e308});
    let appended = app
        .post(&format!("{path}/incidents"), &app.keys.admin, &incident)
        .await;
    appended.assert_problem(422, "validation_failed");
    assert_eq!(appended.error_fields(), ["grossLossUsd"]);

    app.recalculate().await;
    let answers = |fleet: String, imo: &'static str| {
        let app = &app;
        async move {
            let vessel = app
                .get(&format!("{VESSELS}/{imo}/risk"), &app.keys.viewer)
                .await;
            let risk = app
                .get(&format!("{FLEETS}/{fleet}/risk"), &app.keys.viewer)
                .await;
            let simulation = app
                .get(
                    &format!("{FLEETS}/{fleet}/risk/simulation?years=2000&seed=7"),
                    &app.keys.underwriter,
                )
                .await;
            let vessels = app
                .get(&format!("{FLEETS}/{fleet}/vessels"), &app.keys.viewer)
                .await;
            for answer in [&vessel, &risk, &simulation, &vessels] {
                assert_eq!(answer.status, 200, "{}", answer.text);
            }
            [vessel.body, risk.body, simulation.body, vessels.body]
        }
    };
    let ordinary_answers = answers(ordinary, IMOS[2]).await;
    let extreme_answers = answers(extreme, IMOS[0]).await;
    for ((extreme, ordinary), what) in extreme_answers.iter().zip(&ordinary_answers).zip([
        "vessel risk",
        "fleet risk",
        "simulation",
        "fleet vessels",
    ]) {
        assert_finite_like(extreme, ordinary, what);
    }
    crate::flags::open_dashboard(&app).await;
    let dashboard = app.get("/api/fleet-risk/dashboard", &app.keys.viewer).await;
    assert_eq!(dashboard.status, 200, "{}", dashboard.text);
    let assess = |insured: f64, loss: f64| {
        let app = &app;
        async move {
            let mut body = vessel_body(IMOS[4]);
            body["insuredValueUsd"] = json!(insured);
            body["incidents"][0]["grossLossUsd"] = json!(loss);
            let vessels = json!({"vessels": [body.clone(), body]});
            let response = app
                .post("/api/fleet-risk/assess", &app.keys.underwriter, &vessels)
                .await;
            assert_eq!(response.status, 200, "{}", response.text);
            response.body
        }
    };
    assert_finite_like(
        &assess(1e11, 1e11).await,
        &assess(18_500_000.0, 180_000.0).await,
        "assessment",
    );
}

async fn a_404_echoes_at_most_64_characters_of_the_path(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let long = format!("{}%3Cscript%3E", "9".repeat(4000));
    for path in [
        format!("{VESSELS}/{long}"),
        format!("{VESSELS}/{long}/risk"),
        format!("{FLEETS}/{long}"),
        format!("{FLEETS}/{long}/vessels"),
        format!("/api/fleet-risk/runs/{long}"),
    ] {
        let response = app.get(&path, &app.keys.viewer).await;
        response.assert_problem(404, "not_found");
        let detail = response.body["detail"].as_str().unwrap();
        assert!(detail.chars().count() < 200, "{path}: {detail}");
        assert!(detail.contains(&format!("{}…", "9".repeat(64))), "{detail}");
        assert!(!detail.contains("<script>"), "{detail}");
    }
    let short = app.get(&format!("{VESSELS}/12345"), &app.keys.viewer).await;
    short.assert_problem(404, "not_found");
    let detail = short.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("12345") && !detail.contains('…'),
        "{detail}"
    );
}

async fn metrics_follows_the_routing_rules(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let head = app.client.head(app.url("/metrics")).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.bytes().await.unwrap().len(), 0);
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
        let response = app.request(method.clone(), "/metrics", None, None).await;
        response.assert_problem(405, "method_not_allowed");
        assert_eq!(response.header("allow"), Some("GET"), "{method}");
    }
}

async fn query_strings_and_cursors_are_refused_in_words_for_a_person(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let twice = app
        .get(&format!("{FLEETS}?limit=5&limit=6"), &app.keys.viewer)
        .await;
    twice.assert_problem(422, "validation_failed");
    assert_eq!(
        twice.body["errors"],
        json!([{"field": "limit", "message": "is sent more than once"}])
    );
    // A fleet-list key (name, id) in the cursor's own form, but with a NUL in
    // the name: without the check it decodes, and PostgreSQL answers 500.
    use base64::Engine;
    let key = json!(["a\u{0}b", "0192f1a0-0000-7000-8000-000000000000"]).to_string();
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key);
    let response = app
        .get(&format!("{FLEETS}?cursor={forged}"), &app.keys.viewer)
        .await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(
        response.body["errors"],
        json!([{"field": "cursor", "message": "is not a cursor this list returned"}])
    );
}
