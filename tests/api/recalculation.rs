//! Book-wide runs: what they publish, how they fail, who may start them.

use fleet_risk::domain::{PolicyIdPattern, VesselInput};
use fleet_risk::model_file::builtin_model;
use fleet_risk::risk::{aggregate_fleet, assess};
use reqwest::Method;
use serde_json::json;

use crate::support::{Backend, IMOS, TestApp, assert_close, vessel_body};

crate::cases!(
    a_run_publishes_exactly_what_the_engine_computes,
    a_failing_run_keeps_the_previous_scores,
    a_run_that_times_out_publishes_nothing,
    a_run_cancelled_by_shutdown_publishes_nothing,
    a_vessel_that_cannot_be_scored_is_an_error_of_the_run,
    the_trigger_answers_202_then_409_while_running,
    the_trigger_accepts_the_cron_secret,
    the_trigger_refuses_other_callers,
    a_run_stores_one_row_per_vessel_and_moves_every_pointer,
    deleting_a_vessel_deletes_its_score_history,
    a_run_declared_abandoned_while_it_ran_leaves_no_rows;
    postgres: writes_queue_behind_the_single_writer_lock,
    the_next_claim_deletes_the_rows_a_dead_run_staged,
);

/// Two fleets of vessels, created through the API.
pub async fn small_book(app: &TestApp) -> (String, String) {
    let a = app.create_fleet("Fleet A").await;
    let b = app.create_fleet("Fleet B").await;
    for (i, imo) in IMOS.iter().enumerate() {
        let mut body = vessel_body(imo);
        body["shipType"] = json!(["oil_tanker", "container", "tug", "passenger"][i % 4]);
        body["yearBuilt"] = json!(1990 + 4 * i as i64);
        body["insuredValueUsd"] = json!(5_000_000.0 * (i + 1) as f64);
        body["sanctioned"] = json!(i == 3);
        // Detained inspections reach the engine through the book loader too.
        body["inspections"][0]["detained"] = json!(i % 3 == 2);
        app.create_vessel(if i % 2 == 0 { &a } else { &b }, body)
            .await;
    }
    (a, b)
}

async fn a_run_publishes_exactly_what_the_engine_computes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (fleet_a, _) = small_book(&app).await;
    let run_id = app.recalculate().await;

    let model = builtin_model();
    let today = chrono::Utc::now().date_naive();
    let thresholds = model.thresholds();
    let mut fleet_members = Vec::new();
    for imo in IMOS {
        let stored = app
            .get(&format!("/api/fleet-risk/vessels/{imo}"), &app.keys.viewer)
            .await;
        let mut wire = stored.body.clone();
        let object = wire.as_object_mut().unwrap();
        for extra in ["fleetId", "createdAt", "updatedAt"] {
            object.remove(extra);
        }
        for history in ["inspections", "incidents"] {
            for item in object[history].as_array_mut().unwrap() {
                item.as_object_mut().unwrap().remove("id");
            }
        }
        let profile = serde_json::from_value::<VesselInput>(wire)
            .unwrap()
            .parse(today, &PolicyIdPattern::default())
            .unwrap();
        let expected = assess(&model, &profile, today, &thresholds);

        let published = app
            .get(
                &format!("/api/fleet-risk/vessels/{imo}/risk"),
                &app.keys.viewer,
            )
            .await;
        assert_eq!(published.status, 200, "{}", published.text);
        assert_eq!(published.body["runId"], json!(run_id));
        assert!(published.body["calculatedAt"].is_string());
        let mut assessment = published.body.clone();
        assessment.as_object_mut().unwrap().remove("runId");
        assessment.as_object_mut().unwrap().remove("calculatedAt");
        assert_close(&assessment, &serde_json::to_value(&expected).unwrap(), imo);
        if stored.body["fleetId"] == json!(fleet_a) {
            fleet_members.push((profile, expected));
        }
    }
    let members: Vec<_> = fleet_members.iter().map(|(p, a)| (p, a)).collect();
    let expected = serde_json::to_value(aggregate_fleet(&members, &thresholds)).unwrap();
    let published = app
        .get(
            &format!("/api/fleet-risk/fleets/{fleet_a}/risk"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.text);
    assert_eq!(published.body["runId"], json!(run_id));
    let mut aggregate = published.body.clone();
    for extra in ["runId", "calculatedAt", "fleetId"] {
        aggregate.as_object_mut().unwrap().remove(extra);
    }
    assert_close(&aggregate, &expected, "fleet A");

    let run = app
        .get(&format!("/api/fleet-risk/runs/{run_id}"), &app.keys.viewer)
        .await;
    assert_eq!(run.body["status"], "published");
    assert_eq!(run.body["trigger"], "manual");
    assert_eq!(run.body["vesselsScored"], IMOS.len());
    assert_eq!(run.body["vesselsFailed"], 0);
    assert_eq!(run.body["modelVersion"], "frm-1.0");
    assert!(run.body["durationMs"].as_i64().unwrap() >= 0);
}

/// Makes every insert into fleet_scores fail, so publishing fails late.
async fn break_publication(app: &TestApp, backend: Backend) {
    match backend {
        Backend::Sqlite => {
            app.execute_sql(
                "CREATE TRIGGER refuse_fleet_scores BEFORE INSERT ON fleet_scores \
                 BEGIN SELECT RAISE(ABORT, 'publication refused by test'); END",
            )
            .await
        }
        Backend::Postgres => {
            app.execute_sql(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN \
                 RAISE EXCEPTION 'publication refused by test'; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER refuse_fleet_scores BEFORE INSERT ON fleet_scores \
                 FOR EACH ROW EXECUTE FUNCTION refuse();",
            )
            .await
        }
    }
}

async fn a_failing_run_keeps_the_previous_scores(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    small_book(&app).await;
    let first = app.recalculate().await;
    let path = format!("/api/fleet-risk/vessels/{}/risk", IMOS[0]);
    let before = app.get(&path, &app.keys.viewer).await;
    assert_eq!(before.body["runId"], json!(first));

    break_publication(&app, backend).await;
    let run_id = app.trigger_run().await;
    let run = app.wait_for_run(&run_id).await;
    assert_eq!(run["status"], "failed");
    assert!(
        run["error"].as_str().unwrap().starts_with("publishing"),
        "{run}"
    );

    let after = app.get(&path, &app.keys.viewer).await;
    assert_eq!(
        after.body, before.body,
        "readers still see the previous run"
    );
    // Nothing of the failed run was written.
    let history = app
        .get(
            &format!("/api/fleet-risk/vessels/{}/risk/history", IMOS[0]),
            &app.keys.viewer,
        )
        .await;
    assert!(
        history.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["runId"] != json!(run_id))
    );
}

async fn a_run_that_times_out_publishes_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("RISK_RUN_TIMEOUT", "0.000001".into());
    })
    .await;
    small_book(&app).await;
    let before = app
        .get(
            &format!("/api/fleet-risk/vessels/{}/risk", IMOS[0]),
            &app.keys.viewer,
        )
        .await;
    let run = app.run(fleet_risk::domain::RunTrigger::Cli).await;
    assert_eq!(run.status, fleet_risk::domain::RunStatus::Failed);
    assert!(
        run.error.as_deref().unwrap().starts_with("timed out"),
        "{run:?}"
    );
    let after = app
        .get(
            &format!("/api/fleet-risk/vessels/{}/risk", IMOS[0]),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(after.body, before.body);
    // The slot is free again.
    assert_eq!(app.db.running_run().await.unwrap(), None);
}

async fn a_run_cancelled_by_shutdown_publishes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    small_book(&app).await;
    app.jobs.shutdown.cancel();
    let run = app.run(fleet_risk::domain::RunTrigger::Cron).await;
    assert_eq!(run.status, fleet_risk::domain::RunStatus::Failed);
    assert!(
        run.error.as_deref().unwrap().contains("shutting down"),
        "{run:?}"
    );
    let history = app
        .get(
            &format!("/api/fleet-risk/vessels/{}/risk/history", IMOS[0]),
            &app.keys.viewer,
        )
        .await;
    assert!(
        history.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["runId"] != json!(run.id))
    );
}

async fn a_vessel_that_cannot_be_scored_is_an_error_of_the_run(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    small_book(&app).await;
    app.execute_sql(&format!(
        "UPDATE vessels SET flag = 'zz' WHERE imo = '{}'",
        IMOS[1]
    ))
    .await;
    let run_id = app.recalculate().await;
    let run = app
        .get(&format!("/api/fleet-risk/runs/{run_id}"), &app.keys.viewer)
        .await;
    assert_eq!(run.body["status"], "published");
    assert_eq!(run.body["vesselsScored"], IMOS.len() - 1);
    assert_eq!(run.body["vesselsFailed"], 1);
    assert_eq!(run.body["vesselErrors"][0]["vesselIMO"], IMOS[1]);
    assert!(
        run.body["vesselErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("flag")
    );
    let other = app
        .get(
            &format!("/api/fleet-risk/vessels/{}/risk", IMOS[0]),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(other.body["runId"], json!(run_id));
    let broken = app
        .get(
            &format!("/api/fleet-risk/vessels/{}/risk", IMOS[1]),
            &app.keys.viewer,
        )
        .await;
    // Whether that last score is the same, field by field, is
    // `publication::a_vessel_that_fails_to_score_in_a_run_keeps_its_previous_score`.
    assert_eq!(broken.status, 200, "{}", broken.text);
    assert!(broken.body["score"].is_number(), "{}", broken.text);
    assert_ne!(
        broken.body["runId"],
        json!(run_id),
        "the broken vessel keeps its last score"
    );
}

async fn the_trigger_answers_202_then_409_while_running(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    small_book(&app).await;
    // Hold the slot as a replica would, then trigger.
    let held = fleet_risk::jobs::start_run(
        &app.jobs,
        fleet_risk::domain::RunTrigger::Cron,
        chrono::Utc::now().date_naive(),
    )
    .await
    .unwrap();
    let conflict = app
        .request(
            Method::POST,
            "/api/cron/risk-calculations",
            Some(&app.keys.admin),
            None,
        )
        .await;
    conflict.assert_problem(409, "run_in_progress");
    assert_eq!(conflict.body["runId"], json!(held.to_string()));
    app.db.fail_run(held, "released by test", 0).await.unwrap();

    let accepted = app
        .request(
            Method::POST,
            "/api/cron/risk-calculations",
            Some(&app.keys.admin),
            None,
        )
        .await;
    assert_eq!(accepted.status, 202, "{}", accepted.text);
    let run_id = accepted.body["runId"].as_str().unwrap().to_string();
    assert_eq!(
        accepted.header("location"),
        Some(format!("/api/fleet-risk/runs/{run_id}").as_str())
    );
    let run = app.wait_for_run(&run_id).await;
    assert_eq!(run["status"], "published");
    assert_eq!(run["trigger"], "manual");
}

async fn the_trigger_accepts_the_cron_secret(backend: Backend) {
    let secret = "s3cret-cron-token-for-tests";
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("CRON_SECRET", secret.into());
    })
    .await;
    let accepted = app
        .request(
            Method::POST,
            "/api/cron/risk-calculations",
            Some(secret),
            None,
        )
        .await;
    assert_eq!(accepted.status, 202, "{}", accepted.text);
    let run = app
        .wait_for_run(accepted.body["runId"].as_str().unwrap())
        .await;
    assert_eq!(run["trigger"], "cron");
    let wrong = app
        .request(
            Method::POST,
            "/api/cron/risk-calculations",
            Some("s3cret-cron-token-for-test"),
            None,
        )
        .await;
    wrong.assert_problem(401, "unauthorized");
}

async fn the_trigger_refuses_other_callers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let nobody = app
        .request(Method::POST, "/api/cron/risk-calculations", None, None)
        .await;
    nobody.assert_problem(401, "unauthorized");
    // Without CRON_SECRET configured no secret works, however it looks.
    let guess = app
        .request(
            Method::POST,
            "/api/cron/risk-calculations",
            Some("s3cret-cron-token-for-tests"),
            None,
        )
        .await;
    guess.assert_problem(401, "unauthorized");
    for key in [&app.keys.viewer, &app.keys.underwriter] {
        let response = app
            .request(Method::POST, "/api/cron/risk-calculations", Some(key), None)
            .await;
        response.assert_problem(403, "forbidden");
    }
    let runs = app.get("/api/fleet-risk/runs", &app.keys.viewer).await;
    assert_eq!(runs.body["items"], json!([]), "no run was started");
}

async fn a_run_stores_one_row_per_vessel_and_moves_every_pointer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    small_book(&app).await;
    let first = app.recalculate().await;
    let second = app.recalculate().await;
    for run in [&first, &second] {
        assert_eq!(
            app.count_sql(&format!(
                "SELECT COUNT(*) FROM vessel_scores WHERE {}",
                run_is(backend, "run_id", run)
            ))
            .await,
            IMOS.len() as i64
        );
    }
    // Every pointer moved to the second run (no pointer is left behind, none doubled).
    assert_eq!(
        app.count_sql("SELECT COUNT(*) FROM current_vessel_scores")
            .await,
        IMOS.len() as i64
    );
    assert_eq!(
        app.count_sql(&format!(
            "SELECT COUNT(*) FROM current_vessel_scores WHERE {}",
            run_is(backend, "run_id", &second)
        ))
        .await,
        IMOS.len() as i64
    );
    // The stored document is the compact form, and reads back as the full assessment.
    assert_eq!(
        app.count_sql("SELECT COUNT(*) FROM vessel_scores WHERE assessment LIKE '{%'")
            .await,
        0
    );
    let risk = app
        .get(
            &format!("/api/fleet-risk/vessels/{}/risk", IMOS[0]),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(risk.body["runId"], json!(second));
    assert_eq!(risk.body["factors"].as_array().unwrap().len(), 11);
}

/// A SQL condition: `column` holds the run id `run` (a BLOB on SQLite).
async fn a_run_declared_abandoned_while_it_ran_leaves_no_rows(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    small_book(&app).await;
    let published = app.recalculate().await;
    let today = chrono::Utc::now().date_naive();
    let run = fleet_risk::jobs::start_run(&app.jobs, fleet_risk::domain::RunTrigger::Cron, today)
        .await
        .unwrap();
    // Another replica gave up on it (a stale heartbeat) while it worked; on
    // PostgreSQL it still stages its history rows before it finds out.
    app.execute_sql("UPDATE risk_runs SET status = 'failed' WHERE status = 'running'")
        .await;
    let record = fleet_risk::jobs::recalculation::execute(&app.jobs, run, today)
        .await
        .unwrap();
    assert_eq!(record.status, fleet_risk::domain::RunStatus::Failed);
    let rows_of = |run: &str| {
        format!(
            "SELECT COUNT(*) FROM vessel_scores WHERE {}",
            run_is(backend, "run_id", run)
        )
    };
    assert_eq!(app.count_sql(&rows_of(&run.to_string())).await, 0);
    assert_eq!(app.count_sql(&rows_of(&published)).await, IMOS.len() as i64);
    let current = app
        .get(
            &format!("/api/fleet-risk/vessels/{}/risk", IMOS[0]),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(current.body["runId"], published.as_str());
}

async fn the_next_claim_deletes_the_rows_a_dead_run_staged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    small_book(&app).await;
    let published = app.recalculate().await;
    // A run whose process died after staging its rows and was then declared
    // abandoned: its rows are a copy of a published run's, under its id.
    let dead = uuid::Uuid::now_v7();
    app.execute_sql(&format!(
        "INSERT INTO risk_runs (id, trigger, status, as_of, model_version, started_at, heartbeat_at) \
         SELECT '{dead}', 'cron', 'failed', as_of, model_version, started_at, heartbeat_at \
         FROM risk_runs WHERE id = '{published}'"
    ))
    .await;
    app.execute_sql(&format!(
        "INSERT INTO vessel_scores SELECT vessel_imo, '{dead}', fleet_id, data_version, \
         model_version, as_of, score, scorecard, level, srp_profile, expected_claims, \
         expected_annual_loss_usd, insured_value_usd, assessment, calculated_at \
         FROM vessel_scores WHERE run_id = '{published}'"
    ))
    .await;
    let rows_of = |run: &str| format!("SELECT COUNT(*) FROM vessel_scores WHERE run_id = '{run}'");
    assert_eq!(
        app.count_sql(&rows_of(&dead.to_string())).await,
        IMOS.len() as i64
    );
    // They were never visible.
    let history = app
        .get(
            &format!("/api/fleet-risk/vessels/{}/risk/history", IMOS[0]),
            &app.keys.viewer,
        )
        .await;
    assert!(!history.body.to_string().contains(&dead.to_string()));
    assert_eq!(history.body["items"][0]["runId"], published.as_str());

    let next = app.recalculate().await;
    assert_eq!(app.count_sql(&rows_of(&dead.to_string())).await, 0);
    assert_eq!(app.count_sql(&rows_of(&published)).await, IMOS.len() as i64);
    assert_eq!(app.count_sql(&rows_of(&next)).await, IMOS.len() as i64);
}

fn run_is(backend: Backend, column: &str, run: &str) -> String {
    match backend {
        Backend::Sqlite => format!("{column} = x'{}'", run.replace('-', "")),
        Backend::Postgres => format!("{column} = '{run}'"),
    }
}

async fn deleting_a_vessel_deletes_its_score_history(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    small_book(&app).await;
    app.recalculate().await;
    let history =
        |imo: &str| format!("SELECT COUNT(*) FROM vessel_scores WHERE vessel_imo = '{imo}'");
    assert!(app.count_sql(&history(IMOS[0])).await >= 2);
    let deleted = app
        .delete(
            &format!("/api/fleet-risk/vessels/{}", IMOS[0]),
            &app.keys.admin,
        )
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_eq!(app.count_sql(&history(IMOS[0])).await, 0);
    assert!(app.count_sql(&history(IMOS[1])).await >= 2);
    // The next run publishes the remaining vessels only.
    let run_id = app.recalculate().await;
    let run = app
        .get(&format!("/api/fleet-risk/runs/{run_id}"), &app.keys.viewer)
        .await;
    assert_eq!(run.body["status"], "published");
    assert_eq!(run.body["vesselsScored"], IMOS.len() - 1);
    assert_eq!(app.count_sql(&history(IMOS[0])).await, 0);
}

/// Every write to the book takes the single-writer lock (an advisory lock
/// on PostgreSQL): a vessel change waits while another write holds it, then
/// goes through. The blocker is another process's pool (a second replica):
/// within one process writers queue before they take a connection, so the
/// database lock is what serialises writers across replicas.
async fn writes_queue_behind_the_single_writer_lock(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    small_book(&app).await;
    let replica = fleet_risk::storage::Database::connect(
        &fleet_risk::config::DatabaseUrl::parse(&app.database.url).unwrap(),
        Default::default(),
    )
    .await
    .unwrap();
    let blocker = replica.begin_write().await.unwrap();
    let patch = {
        let client = app.client.clone();
        let url = app.url(&format!("/api/fleet-risk/vessels/{}", IMOS[0]));
        let key = app.keys.admin.clone();
        tokio::spawn(async move {
            client
                .patch(url)
                .bearer_auth(key)
                .json(&json!({"name": "QUEUED"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    };
    // Poll (bounded) until the patch is seen waiting for the lock in this
    // test's database (other cases run beside it on the same server).
    let mut waiting = 0;
    for _ in 0..500 {
        waiting = app
            .count_sql(
                "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted \
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            )
            .await;
        if waiting > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(waiting, 1, "the patch never waited for the lock");
    assert!(!patch.is_finished());
    blocker.commit().await.unwrap();
    assert_eq!(patch.await.unwrap(), 200);
    let vessel = app
        .get(
            &format!("/api/fleet-risk/vessels/{}", IMOS[0]),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(vessel.body["name"], "QUEUED");
}
