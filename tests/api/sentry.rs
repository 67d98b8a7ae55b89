//! Sentry end to end: events as they leave the process, into a local sink,
//! through the real paths (requests that fail in storage, a failed run, a
//! vessel that fails to score, a panicking handler). Each event says what
//! went wrong (the cause chain, the database's code, the storage operation;
//! a stack trace for a panic) and carries none of the IMO numbers and policy
//! ids the test sent; the client still gets the opaque 500.

use std::time::{Duration, Instant};

use fleet_risk::domain::{RunStatus, RunTrigger};
use fleet_risk::storage::{BackendPool, Database};
use reqwest::Method;
use serde_json::{Value, json};

use crate::sentry_sink::{SECRETS, Sink, assert_no_secrets};
use crate::support::{Backend, IMOS, TestApp, base_environment, vessel_body};

crate::cases!(
    server_errors_reach_sentry_without_imo_numbers_or_policy_ids,
    a_failed_run_reaches_sentry_with_its_cause,
    a_vessel_that_fails_to_score_reaches_sentry_with_its_cause,
    a_panicking_handler_is_a_500_and_reaches_sentry_with_its_stack_trace,
);

async fn drop_table(db: &Database, table: &str) {
    let sql = sqlx::AssertSqlSafe(format!("DROP TABLE {table}"));
    match db.pool() {
        BackendPool::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(drop),
        BackendPool::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(drop),
    }
    .expect("the table is dropped");
}

async fn server_errors_reach_sentry_without_imo_numbers_or_policy_ids(backend: Backend) {
    let sink = Sink::start();
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("SENTRY_DSN", sink.dsn());
        env.insert("SENTRY_TRACES_SAMPLE_RATE", "1.0".into());
        env.insert("SENTRY_ENVIRONMENT", "e2e".into());
    })
    .await;
    let fleet = app.create_fleet("Fleet A").await;
    let mut vessel = vessel_body(IMOS[0]);
    vessel["insurancePolicyId"] = json!("HULL-2026-004512");
    app.create_vessel(&fleet, vessel).await;

    // Break the schema under the running server: reading a vessel now fails with a 500.
    drop_table(&app.db, "incidents").await;
    let mut statuses = Vec::new();
    let response = app
        .client
        .get(app.url(
            "/api/fleet-risk/vessels/IMO%209074729?imo=9811000&policy=HULL-2026-004512&q=IMO+8320901",
        ))
        .bearer_auth(&app.keys.viewer)
        .header("X-Vessel", "IMO 8320901")
        .header("X-Policy-Id", "MARH-2025-12345678")
        .header("X-Request-Id", "IMO9074729")
        .header("Referer", "https://dash.example/vessels/7625811?p=HULL-2026-004512")
        .send()
        .await
        .unwrap();
    statuses.push(response.status().as_u16());
    let mut created = vessel_body(IMOS[4]);
    created["fleetId"] = json!(fleet);
    created["insurancePolicyId"] = json!("HULL-2026-009999");
    created["name"] = json!("SISTER OF IMO 9176187");
    statuses.push(
        app.post("/api/fleet-risk/vessels", &app.keys.admin, &created)
            .await
            .status,
    );
    statuses.push(
        app.patch(
            "/api/fleet-risk/vessels/9074729",
            &app.keys.admin,
            &json!({"insurancePolicyId": "HULL-2026-004512", "name": "IMO 9176187"}),
        )
        .await
        .status,
    );
    statuses.push(
        app.get(
            &format!("/api/fleet-risk/fleets/{fleet}/vessels?imo=9321483"),
            &app.keys.viewer,
        )
        .await
        .status,
    );
    assert_eq!(statuses, [500, 500, 500, 500]);
    // A 404 is no error event, but its transaction carries the raw URL.
    app.request(
        Method::GET,
        "/api/nowhere/9598335?policyId=HULL-2026-001234",
        None,
        None,
    )
    .await;
    // A failed run, reported the way the recalculation job reports it.
    let hub = app.sentry.clone().expect("Sentry is on");
    fleet_risk::telemetry::sentry::report_run_failure_to(
        &hub,
        "0190f5a2-7c1e-7b3a-9f00-000000000001",
        &std::io::Error::other("publish failed for IMO 9074729 (policy HULL-2026-004512)"),
    );

    // Wait until the sink holds the five error events and the transactions.
    let deadline = Instant::now() + Duration::from_secs(30);
    let bodies = loop {
        if let Some(client) = hub.client() {
            client.flush(Some(Duration::from_millis(200)));
        }
        let bodies = sink.bodies();
        let events = bodies.matches(r#""type":"event""#).count();
        let transactions = bodies.matches(r#""type":"transaction""#).count();
        if events >= 5 && transactions >= 7 {
            break bodies;
        }
        assert!(
            Instant::now() < deadline,
            "the sink got {events} events and {transactions} transactions:\n{bodies}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    assert_no_secrets(&bodies);
    for head in sink.heads() {
        assert!(head.starts_with("post /api/1/envelope/"), "{head}");
        assert!(!head.contains("content-encoding"), "{head}");
        for secret in SECRETS {
            assert!(!head.contains(&secret.to_ascii_lowercase()), "{head}");
        }
    }
    // Still useful: error events with the route pattern, environment and markers.
    assert_eq!(bodies.matches(r#""type":"event""#).count(), 5, "{bodies}");
    assert!(bodies.contains(r#""environment":"e2e""#), "{bodies}");
    assert!(
        bodies.contains("GET /api/fleet-risk/vessels/{imo}"),
        "{bodies}"
    );
    assert!(bodies.contains("POST /api/fleet-risk/vessels"), "{bodies}");
    assert!(bodies.contains("/api/fleet-risk/vessels/[imo]"), "{bodies}");
    // The error events themselves name the route pattern and status.
    assert!(
        bodies.contains(r#""route":"/api/fleet-risk/vessels/{imo}","status":"500""#),
        "{bodies}"
    );
    assert!(
        bodies.contains(r#""transaction":"GET /api/fleet-risk/vessels/{imo}""#),
        "{bodies}"
    );
    assert!(bodies.contains(r#""type":"ApiError""#), "{bodies}");
    assert!(bodies.contains("[policy-id]"), "{bodies}");
    assert!(bodies.contains(r#""status":"internal_error""#), "{bodies}");
    assert!(
        bodies.contains("recalculation_run_failed: publish failed for [imo] (policy [policy-id])"),
        "{bodies}"
    );
    assert!(bodies.contains("0190f5a2-7c1e-7b3a-9f00-000000000001"));
    // Request bodies are never read by the middleware.
    assert!(!bodies.contains("TEST VESSEL"), "{bodies}");

    // Each 500 says what went wrong: the missing table, the database's
    // code for it, and the storage function whose query failed.
    let events = sink.events();
    let read = events
        .iter()
        .find(|event| event["transaction"] == "GET /api/fleet-risk/vessels/{imo}")
        .expect("the read's event");
    let chain = exception_values(read);
    let (missing, code) = missing_table(backend, "incidents");
    assert_eq!(chain.len(), 3, "{read}");
    assert!(chain[0].contains(&missing), "{read}");
    assert!(
        chain[1].starts_with("error returned from database: ") && chain[1].contains(&missing),
        "{read}"
    );
    assert_eq!(
        chain[2],
        "internal_error: the server could not complete the request"
    );
    let types: Vec<&str> = read["exception"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    let database_error = match backend {
        Backend::Sqlite => "sqlx::sqlite::SqliteError",
        Backend::Postgres => "sqlx::postgres::PgDatabaseError",
    };
    assert_eq!(types, [database_error, "sqlx::Error", "ApiError"], "{read}");
    assert_eq!(read["tags"]["db.code"], code, "{read}");
    assert_eq!(read["tags"]["status"], "500", "{read}");
    assert_eq!(
        read["tags"]["storage.operation"], "histories::attach_histories",
        "{read}"
    );
    assert_eq!(read["contexts"]["storage"]["code"], code, "{read}");
    let source = read["contexts"]["storage"]["source"].as_str().unwrap();
    assert!(source.starts_with("src/storage/histories.rs:"), "{read}");
    // Every 500 has its cause; none is the bare answer alone.
    let server_errors: Vec<&Value> = events
        .iter()
        .filter(|event| event["tags"]["status"] == "500")
        .collect();
    assert_eq!(server_errors.len(), 4, "{bodies}");
    for event in server_errors {
        assert!(
            exception_values(event)[0].contains(&missing),
            "no cause in {event}"
        );
        assert!(event["tags"]["storage.operation"].is_string(), "{event}");
    }
}

/// The exception values of an event, innermost first.
fn exception_values(event: &Value) -> Vec<String> {
    event["exception"]["values"]
        .as_array()
        .map(|values| {
            values
                .iter()
                .map(|value| value["value"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// What each database says of a table that is not there, and its code:
/// SQLSTATE 42P01 `undefined_table` (PostgreSQL, Appendix A), SQLite's
/// primary result code 1 `SQLITE_ERROR` (sqlite.org/rescode.html).
fn missing_table(backend: Backend, table: &str) -> (String, &'static str) {
    match backend {
        Backend::Sqlite => (format!("no such table: {table}"), "1"),
        Backend::Postgres => (format!("relation \"{table}\" does not exist"), "42P01"),
    }
}

async fn sentry_app(backend: Backend, sink: &Sink) -> TestApp {
    TestApp::spawn_with(backend, |env| {
        env.insert("SENTRY_DSN", sink.dsn());
        env.insert("SENTRY_ENVIRONMENT", "e2e".into());
    })
    .await
}

/// A fleet with two vessels, one under a policy id the events must not show.
async fn insured_fleet(app: &TestApp) {
    let fleet = app.create_fleet("Fleet A").await;
    let mut vessel = vessel_body(IMOS[0]);
    vessel["insurancePolicyId"] = json!("HULL-2026-004512");
    app.create_vessel(&fleet, vessel).await;
    app.create_vessel(&fleet, vessel_body(IMOS[1])).await;
}

/// A trigger that refuses every fleet score a run publishes, with a message
/// that names a vessel and a policy (as a database's message may).
fn refuse_fleet_scores(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "CREATE TRIGGER refuse_fleet_scores BEFORE INSERT ON fleet_scores BEGIN \
             SELECT RAISE(ABORT, 'fleet score refused for IMO 9074729 (policy HULL-2026-004512)'); END"
        }
        Backend::Postgres => {
            "CREATE FUNCTION refuse_fleet_score() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             RAISE EXCEPTION 'fleet score refused for IMO 9074729 (policy HULL-2026-004512)'; END $$; \
             CREATE TRIGGER refuse_fleet_scores BEFORE INSERT ON fleet_scores \
             FOR EACH ROW EXECUTE FUNCTION refuse_fleet_score()"
        }
    }
}

async fn a_failed_run_reaches_sentry_with_its_cause(backend: Backend) {
    let sink = Sink::start();
    let app = sentry_app(backend, &sink).await;
    insured_fleet(&app).await;
    app.execute_sql(refuse_fleet_scores(backend)).await;
    let run = app.run(RunTrigger::Manual).await;
    assert_eq!(run.status, RunStatus::Failed, "{run:?}");

    let (events, bodies) = sink
        .wait_for_events(&app, 1, |event| {
            event["tags"]["failure"] == "recalculation_run_failed"
        })
        .await;
    assert_no_secrets(&bodies);
    let event = &events[0];
    assert_eq!(event["tags"]["run_id"], run.id.to_string(), "{event}");
    let refused = "fleet score refused for [imo] (policy [policy-id])";
    let chain = exception_values(event);
    assert_eq!(chain.len(), 3, "{event}");
    assert!(chain.iter().all(|value| value.contains(refused)), "{event}");
    assert!(
        chain[2].starts_with("publishing: error returned from database: "),
        "{event}"
    );
    // P0001 raise_exception (PostgreSQL, Appendix A); SQLite's RAISE(ABORT)
    // is SQLITE_CONSTRAINT_TRIGGER, 19 | 7 << 8 = 1811 (sqlite.org/rescode.html).
    let code = match backend {
        Backend::Sqlite => "1811",
        Backend::Postgres => "P0001",
    };
    assert_eq!(event["tags"]["db.code"], code, "{event}");
    assert_eq!(
        event["tags"]["storage.operation"], "publication::write_scores",
        "{event}"
    );
    assert!(
        event["message"]
            .as_str()
            .unwrap()
            .starts_with("recalculation_run_failed: publishing: "),
        "{event}"
    );
}

async fn a_vessel_that_fails_to_score_reaches_sentry_with_its_cause(backend: Backend) {
    let sink = Sink::start();
    let app = sentry_app(backend, &sink).await;
    insured_fleet(&app).await;
    // A flag code no longer assigned: the stored row does not read back.
    app.execute_sql("UPDATE vessels SET flag = 'XX' WHERE imo = '9074729'")
        .await;
    let run = app.run(RunTrigger::Manual).await;
    assert_eq!(run.status, RunStatus::Published, "{run:?}");
    assert_eq!((run.vessels_scored, run.vessels_failed), (1, 1), "{run:?}");

    let (events, bodies) = sink
        .wait_for_events(&app, 1, |event| {
            event["tags"]["failure"] == "vessel_scoring_failed"
        })
        .await;
    assert_no_secrets(&bodies);
    let event = &events[0];
    assert_eq!(event["tags"]["run_id"], run.id.to_string(), "{event}");
    assert_eq!(event["exception"]["values"][0]["type"], "RunVesselError");
    let value = exception_values(event).remove(0);
    assert!(
        value.starts_with("vessel [imo]: stored data is not valid: ") && value.contains("flag"),
        "{event}"
    );
    assert_eq!(
        event["tags"]["storage.operation"], "storage::load_book",
        "{event}"
    );
    // A row that does not parse is no database error: there is no code to give.
    assert!(event["tags"].get("db.code").is_none(), "{event}");
}

/// The handler only a test mounts (through `Application::build_with`).
fn panicking_route(config: &mut actix_web::web::ServiceConfig) {
    config.route(
        "/test/panic/{imo}",
        actix_web::web::get().to(panicking_handler),
    );
}

async fn panicking_handler() -> actix_web::HttpResponse {
    panic!("no score for IMO 9074729 on policy HULL-2026-004512");
}

async fn a_panicking_handler_is_a_500_and_reaches_sentry_with_its_stack_trace(backend: Backend) {
    let sink = Sink::start();
    let database = crate::support::TestDatabase::create(backend).await;
    let mut environment = base_environment(&database.url);
    environment.insert("SENTRY_DSN", sink.dsn());
    let app = TestApp::spawn_on_with(database, environment, panicking_route).await;

    let response = app
        .request(Method::GET, "/test/panic/9074729", None, None)
        .await;
    response.assert_problem(500, "internal_error");
    assert_eq!(
        response.body["detail"],
        "the server could not complete the request"
    );
    assert_no_secrets(&response.text);
    // The worker that panicked still serves.
    let health = app.request(Method::GET, "/api/health", None, None).await;
    assert_eq!(health.status, 200, "{}", health.text);

    let (events, bodies) = sink
        .wait_for_events(&app, 1, |event| {
            event["tags"]["route"] == "/test/panic/{imo}"
        })
        .await;
    assert_no_secrets(&bodies);
    // One event: the panic's, not a second one for the 500 it became.
    assert_eq!(events.len(), 1, "{bodies}");
    let exception = &events[0]["exception"]["values"][0];
    assert_eq!(exception["type"], "panic", "{exception}");
    assert_eq!(
        exception["value"],
        "no score for [imo] on policy [policy-id]"
    );
    assert_eq!(exception["mechanism"]["type"], "panic", "{exception}");
    let frames = exception["stacktrace"]["frames"]
        .as_array()
        .expect("a stack trace");
    assert!(
        frames.iter().any(|frame| frame["function"]
            .as_str()
            .is_some_and(|name| name.contains("panicking_handler"))),
        "no frame of the handler in {exception}"
    );
    assert_eq!(events[0]["transaction"], "GET /test/panic/{imo}");
}
