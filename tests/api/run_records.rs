//! What a run's record says: its phases and duration, an end never before
//! its scores became visible, and the run history newest first.

use serde_json::json;

use crate::recalculation::small_book;
use crate::support::{Backend, IMOS, TestApp};

crate::cases!(
    a_run_record_holds_its_phases_and_ends_once_its_scores_are_visible,
    runs_are_listed_newest_first,
);

/// `finishedAt` is never before the scores became visible (a reader that
/// still saw the previous score at some instant proves the commit came
/// later), `durationMs` covers the run up to then, and the phases are
/// recorded within it.
async fn a_run_record_holds_its_phases_and_ends_once_its_scores_are_visible(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    small_book(&app).await;
    let today = chrono::Utc::now().date_naive();
    let run_id =
        fleet_risk::jobs::start_run(&app.jobs, fleet_risk::domain::RunTrigger::Manual, today)
            .await
            .unwrap();
    let db = app.db.clone();
    let imo = fleet_risk::domain::Imo::parse(IMOS[0]).unwrap();
    let reader = tokio::spawn(async move {
        // The latest instant before a read that still saw the previous score.
        let mut last_unseen = None;
        loop {
            let asked = chrono::Utc::now();
            let current = db.current_vessel_assessment(imo).await.unwrap();
            if current.as_ref().is_some_and(|c| c.run_id == run_id) {
                return (last_unseen, current.unwrap().calculated_at);
            }
            last_unseen = Some(asked);
            tokio::task::yield_now().await;
        }
    });
    let record = fleet_risk::jobs::recalculation::execute(&app.jobs, run_id, today)
        .await
        .unwrap();
    let (last_unseen, calculated_at) = reader.await.unwrap();
    assert_eq!(record.status, fleet_risk::domain::RunStatus::Published);
    let finished = record.finished_at.unwrap();
    let last_unseen = last_unseen.expect("the reader saw the previous state at least once");
    assert!(
        finished >= last_unseen,
        "finished {finished} before the commit (unseen at {last_unseen})"
    );
    assert!(finished >= calculated_at, "{finished} < {calculated_at}");

    let duration = record.duration_ms.unwrap();
    let phases = [
        record.phases.load_ms,
        record.phases.score_ms,
        record.phases.publish_ms,
    ]
    .map(|phase| phase.expect("every phase of a published run is recorded"));
    assert!(phases.iter().all(|&ms| ms >= 0), "{phases:?}");
    assert!(
        phases.iter().sum::<i64>() <= duration,
        "{phases:?} > {duration}"
    );
    // The run's interval holds its whole duration (whole milliseconds).
    let elapsed = finished.timestamp_millis() - record.started_at.timestamp_millis();
    assert!(
        elapsed >= duration,
        "{elapsed} ms between start and end < {duration} ms"
    );

    let shown = app
        .get(&format!("/api/fleet-risk/runs/{run_id}"), &app.keys.viewer)
        .await;
    assert_eq!(
        shown.body["phases"],
        json!({"loadMs": phases[0], "scoreMs": phases[1], "publishMs": phases[2]})
    );
    assert_eq!(shown.body["durationMs"], duration);
    // A data change's run has no phases.
    let runs = app
        .get("/api/fleet-risk/runs?limit=100", &app.keys.viewer)
        .await;
    let change = runs.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["trigger"] == "data_change")
        .unwrap();
    assert_eq!(
        change["phases"],
        json!({"loadMs": null, "scoreMs": null, "publishMs": null})
    );
}

async fn runs_are_listed_newest_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(app.recalculate().await);
    }
    let first = app
        .get("/api/fleet-risk/runs?limit=2", &app.keys.viewer)
        .await;
    let listed: Vec<&str> = first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [ids[2].as_str(), ids[1].as_str()]);
    let cursor = first.body["nextCursor"].as_str().unwrap();
    let second = app
        .get(
            &format!("/api/fleet-risk/runs?limit=2&cursor={cursor}"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(second.body["items"][0]["id"], json!(ids[0]));
    assert_eq!(second.body["nextCursor"], json!(null));
    app.get("/api/fleet-risk/runs/not-a-run", &app.keys.viewer)
        .await
        .assert_problem(404, "not_found");
    app.get(
        "/api/fleet-risk/runs/0190a0a0-0000-7000-8000-000000000000",
        &app.keys.viewer,
    )
    .await
    .assert_problem(404, "not_found");
}
