//! Parallel writers queue and each completes (issue 11, item 5): with a
//! pool smaller than the number of writers, no write may hold one pooled
//! connection while it waits for another, or for the write lock.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, TestResponse, vessel_body};

crate::cases!(
    fifty_parallel_vessel_creates_on_a_pool_of_five_all_succeed,
    parallel_writes_of_every_kind_all_succeed,
);

/// Writers sent at once, well beyond the pool.
const WRITERS: u32 = 50;

/// The test's pool: a tenth of the writers.
fn pool_of_five(backend: Backend) -> impl std::future::Future<Output = TestApp> {
    TestApp::spawn_with(backend, |env| {
        env.insert("DB_MAX_CONNECTIONS", "5".to_string());
    })
}

/// A valid IMO number: six digits and the check digit, the last digit of
/// the sum of the first six weighted 7 down to 2 (IMO Resolution A.1117(30)).
fn imo_number(serial: u32) -> String {
    let digits = format!("{:06}", 910_000 + serial);
    let check: u32 = digits
        .chars()
        .zip((2..=7).rev())
        .map(|(digit, weight)| digit.to_digit(10).unwrap() * weight)
        .sum::<u32>()
        % 10;
    format!("{digits}{check}")
}

async fn post(app: &TestApp, path: String, body: Value) -> (u16, String) {
    let response = app.post(&path, &app.keys.admin, &body).await;
    (response.status, response.text)
}

async fn fifty_parallel_vessel_creates_on_a_pool_of_five_all_succeed(backend: Backend) {
    let app = pool_of_five(backend).await;
    let fleets = [
        app.create_fleet("Fleet A").await,
        app.create_fleet("Fleet B").await,
    ];
    let imos: Vec<String> = (0..WRITERS).map(imo_number).collect();
    let answers = join_all(imos.iter().enumerate().map(|(i, imo)| {
        let mut body = vessel_body(imo);
        body["fleetId"] = json!(fleets[i % 2]);
        post(&app, "/api/fleet-risk/vessels".to_string(), body)
    }))
    .await;
    for (imo, (status, text)) in imos.iter().zip(&answers) {
        assert_eq!(*status, 201, "vessel {imo}: {text}");
    }

    for imo in &imos {
        let risk = app
            .get(
                &format!("/api/fleet-risk/vessels/{imo}/risk"),
                &app.keys.viewer,
            )
            .await;
        assert_eq!(risk.status, 200, "vessel {imo}: {}", risk.text);
        assert!(
            risk.body["score"].is_number(),
            "vessel {imo}: {}",
            risk.text
        );
    }
    // Each fleet's aggregate counts every member: no re-score lost another's.
    for fleet in &fleets {
        let risk = app
            .get(
                &format!("/api/fleet-risk/fleets/{fleet}/risk"),
                &app.keys.viewer,
            )
            .await;
        assert_eq!(risk.status, 200, "{}", risk.text);
        assert_eq!(risk.body["vesselCount"], WRITERS / 2, "{}", risk.text);
    }
}

/// A write sent, and the status it must answer.
type Write<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = (u16, TestResponse)> + Send + 'a>>;

fn expect<'a>(
    status: u16,
    sent: impl std::future::Future<Output = TestResponse> + Send + 'a,
) -> Write<'a> {
    Box::pin(async move { (status, sent.await) })
}

/// Vessel creates, appended incidents, patches, fleet creates and a
/// threshold change, all at once: every write path takes its turn and
/// completes.
async fn parallel_writes_of_every_kind_all_succeed(backend: Backend) {
    let app = pool_of_five(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    let existing: Vec<String> = (0..10).map(imo_number).collect();
    for imo in &existing {
        app.create_vessel(&fleet, vessel_body(imo)).await;
    }
    let incident = json!({"date": "2026-01-05", "severity": "C", "kind": "machinery",
        "grossLossUsd": 50000.0});
    let (app, admin, incident) = (&app, &app.keys.admin, &incident);
    let mut writes: Vec<Write<'_>> = Vec::new();
    for (i, imo) in existing.iter().enumerate() {
        let incidents = format!("/api/fleet-risk/vessels/{imo}/incidents");
        writes.push(expect(201, async move {
            app.post(&incidents, admin, incident).await
        }));
        let vessel = format!("/api/fleet-risk/vessels/{imo}");
        let rename = json!({"name": format!("RENAMED {i}")});
        writes.push(expect(200, async move {
            app.patch(&vessel, admin, &rename).await
        }));
        let mut body = vessel_body(&imo_number(100 + i as u32));
        body["fleetId"] = json!(fleet);
        writes.push(expect(201, async move {
            app.post("/api/fleet-risk/vessels", admin, &body).await
        }));
        let new_fleet = json!({"name": format!("Fleet {i}")});
        writes.push(expect(201, async move {
            app.post("/api/fleet-risk/fleets", admin, &new_fleet).await
        }));
    }
    let thresholds = format!("/api/fleet-risk/fleets/{fleet}/thresholds");
    let values = json!({"medium": 30, "high": 55, "critical": 75});
    writes.push(expect(200, async move {
        app.request(
            reqwest::Method::PUT,
            &thresholds,
            Some(admin),
            Some(&values),
        )
        .await
    }));
    for (expected, response) in join_all(writes).await {
        assert_eq!(response.status, expected, "{}", response.text);
    }

    for (i, imo) in existing.iter().enumerate() {
        let vessel = app
            .get(&format!("/api/fleet-risk/vessels/{imo}"), &app.keys.viewer)
            .await;
        assert_eq!(vessel.body["name"], format!("RENAMED {i}"));
        assert_eq!(vessel.body["incidents"].as_array().unwrap().len(), 2);
    }
    let fleet_risk = app
        .get(
            &format!("/api/fleet-risk/fleets/{fleet}/risk"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(fleet_risk.body["vesselCount"], 20, "{}", fleet_risk.text);
}
