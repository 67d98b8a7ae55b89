//! The publication guarantees: a vessel a run cannot score keeps its
//! previous score; a run that loaded its data before a write does not
//! replace that write's fresher re-score (the data-version guard); a
//! re-score that fails inside a write fails the write and leaves nothing of it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::fleet_aggregate::{Member, published, section_8};
use crate::support::{Backend, IMOS, TestApp, TestResponse, assert_close, vessel_body};

crate::cases!(
    a_vessel_that_fails_to_score_in_a_run_keeps_its_previous_score,
    a_fleet_is_aggregated_over_the_kept_scores_of_vessels_that_fail,
    a_run_that_loaded_before_a_write_does_not_replace_its_rescore,
    a_failed_rescore_fails_an_incident_append,
    a_failed_rescore_fails_an_inspection_append,
    a_failed_rescore_fails_a_vessel_patch,
);

/// The vessels of the book: the first four test IMOs.
const BOOK: [&str; 4] = [IMOS[0], IMOS[1], IMOS[2], IMOS[3]];

/// Two fleets, the even vessels in the first; returns their ids.
async fn two_fleets(app: &TestApp) -> (String, String) {
    let a = app.create_fleet("Fleet A").await;
    let b = app.create_fleet("Fleet B").await;
    for (i, imo) in BOOK.iter().enumerate() {
        let mut body = vessel_body(imo);
        body["shipType"] = json!(["oil_tanker", "container", "bulk_carrier", "tug"][i]);
        body["yearBuilt"] = json!(2004 + 3 * i as i64);
        body["insuredValueUsd"] = json!(6_000_000.0 * (i + 1) as f64);
        app.create_vessel(if i % 2 == 0 { &a } else { &b }, body)
            .await;
    }
    (a, b)
}

async fn vessel_risk(app: &TestApp, imo: &str) -> TestResponse {
    let risk = app
        .get(
            &format!("/api/fleet-risk/vessels/{imo}/risk"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(risk.status, 200, "{imo}: {}", risk.text);
    risk
}

async fn fleet_risk(app: &TestApp, fleet: &str) -> TestResponse {
    let risk = app
        .get(
            &format!("/api/fleet-risk/fleets/{fleet}/risk"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(risk.status, 200, "{fleet}: {}", risk.text);
    risk
}

async fn stored_vessel(app: &TestApp, imo: &str) -> Value {
    let vessel = app
        .get(&format!("/api/fleet-risk/vessels/{imo}"), &app.keys.viewer)
        .await;
    assert_eq!(vessel.status, 200, "{imo}: {}", vessel.text);
    vessel.body
}

/// A published score without what only publication adds (run, time).
fn assessment_of(risk: &TestResponse) -> Value {
    let mut assessment = risk.body.clone();
    let object = assessment.as_object_mut().unwrap();
    object.remove("runId");
    object.remove("calculatedAt");
    assessment
}

/// What `POST /assess` (the engine, through a path that stores and
/// publishes nothing) gives for the vessel's stored data as it reads now.
async fn assessed_now(app: &TestApp, imo: &str) -> Value {
    let mut vessel = stored_vessel(app, imo).await;
    let object = vessel.as_object_mut().unwrap();
    for stored_only in ["fleetId", "createdAt", "updatedAt"] {
        object.remove(stored_only);
    }
    for history in ["inspections", "incidents"] {
        for item in object[history].as_array_mut().unwrap() {
            item.as_object_mut().unwrap().remove("id");
        }
    }
    let assessed = app
        .post(
            "/api/fleet-risk/assess",
            &app.keys.underwriter,
            &json!({"vessels": [vessel]}),
        )
        .await;
    assert_eq!(assessed.status, 200, "{}", assessed.text);
    assessed.body["assessments"][0].clone()
}

/// The run ids of the vessel's score history.
async fn history_runs(app: &TestApp, imo: &str) -> Vec<(String, Value)> {
    let history = app
        .get(
            &format!("/api/fleet-risk/vessels/{imo}/risk/history"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(history.status, 200, "{}", history.text);
    history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["runId"].as_str().unwrap().to_string(), e["score"].clone()))
        .collect()
}

async fn a_vessel_that_fails_to_score_in_a_run_keeps_its_previous_score(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, fleet_b) = two_fleets(&app).await;
    let first = app.recalculate().await;
    let mut before = Vec::new();
    for imo in BOOK {
        let risk = vessel_risk(&app, imo).await;
        assert_eq!(risk.body["runId"], json!(first));
        before.push(risk);
    }
    let (broken, changed) = (BOOK[1], BOOK[2]);
    let broken_history = history_runs(&app, broken).await;
    // A flag the reader refuses (lower case, not an assigned code): the run
    // cannot load this vessel.
    app.execute_sql(&format!(
        "UPDATE vessels SET flag = 'zz' WHERE imo = '{broken}'"
    ))
    .await;
    // New data behind the API's back (no re-score): only the run can score it.
    app.execute_sql(&format!(
        "UPDATE vessels SET year_built = 1975, days_in_listed_areas_12m = 80 WHERE imo = '{changed}'"
    ))
    .await;
    let expected_changed = assessed_now(&app, changed).await;
    assert_ne!(
        expected_changed["score"], before[2].body["score"],
        "the new data scores differently"
    );

    let run_id = app.recalculate().await;
    let run = app
        .get(&format!("/api/fleet-risk/runs/{run_id}"), &app.keys.viewer)
        .await;
    assert_eq!(run.body["status"], "published", "{}", run.text);
    assert_eq!(run.body["vesselsScored"], BOOK.len() - 1);
    assert_eq!(run.body["vesselsFailed"], 1);
    let errors = run.body["vesselErrors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{}", run.text);
    assert_eq!(errors[0]["vesselIMO"], broken);
    assert!(
        errors[0]["message"].as_str().unwrap().contains("flag"),
        "{}",
        run.text
    );

    // The vessel that failed keeps its previous score, every field of it.
    let kept = vessel_risk(&app, broken).await;
    assert_eq!(
        kept.body, before[1].body,
        "the previous score stays in force"
    );
    assert!(kept.body["score"].is_number() && kept.body["factors"].is_array());
    // The run adds nothing to its history (which reads although its row is corrupt).
    assert_eq!(history_runs(&app, broken).await, broken_history);

    // The vessel whose data changed is scored anew, from its new data.
    let rescored = vessel_risk(&app, changed).await;
    assert_eq!(rescored.body["runId"], json!(run_id));
    assert_close(&assessment_of(&rescored), &expected_changed, changed);
    // The others are re-scored by the run, to the same assessment.
    for (i, imo) in BOOK.iter().enumerate().filter(|(i, _)| ![1, 2].contains(i)) {
        let risk = vessel_risk(&app, imo).await;
        assert_eq!(risk.body["runId"], json!(run_id), "{imo}");
        assert_close(&assessment_of(&risk), &assessment_of(&before[i]), imo);
    }
    // The failed vessel's fleet is still published by the run.
    assert_eq!(
        fleet_risk(&app, &fleet_b).await.body["runId"],
        json!(run_id)
    );
}

/// The book of the kept-score case: IMO, type, insured value, fleet (A or B).
const KEPT_BOOK: [(&str, &str, f64, char); 5] = [
    (IMOS[0], "oil_tanker", 6_000_000.0, 'A'),
    (IMOS[1], "container", 12_000_000.0, 'A'),
    (IMOS[2], "bulk_carrier", 18_000_000.0, 'A'),
    (IMOS[4], "tug", 9_000_000.0, 'A'),
    (IMOS[3], "chemical_tanker", 24_000_000.0, 'B'),
];

/// Section 8 over the vessels of `fleet` that answer with a score in force.
async fn expected_aggregate(app: &TestApp, fleet: char) -> Value {
    let mut answers = Vec::new();
    for (imo, ship_type, value, _) in KEPT_BOOK.iter().filter(|v| v.3 == fleet) {
        let risk = app
            .get(
                &format!("/api/fleet-risk/vessels/{imo}/risk"),
                &app.keys.viewer,
            )
            .await;
        match risk.status {
            200 => answers.push((*value, ship_type.ends_with("tanker"), risk.body)),
            404 => {}
            other => panic!("{imo}: {other} {}", risk.text),
        }
    }
    let members: Vec<Member<'_>> = answers
        .iter()
        .map(|(value, tanker, risk)| Member {
            insured_value_usd: *value,
            tanker: *tanker,
            risk,
        })
        .collect();
    section_8(&members)
}

async fn a_fleet_is_aggregated_over_the_kept_scores_of_vessels_that_fail(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (fleet_a, fleet_b) = (
        app.create_fleet("Fleet A").await,
        app.create_fleet("Fleet B").await,
    );
    for (i, (imo, ship_type, value, fleet)) in KEPT_BOOK.iter().enumerate() {
        let mut body = vessel_body(imo);
        body["shipType"] = json!(ship_type);
        body["yearBuilt"] = json!(2001 + 4 * i as i64);
        body["insuredValueUsd"] = json!(value);
        app.create_vessel(if *fleet == 'A' { &fleet_a } else { &fleet_b }, body)
            .await;
    }
    app.recalculate().await;
    let (kept_a, unscored, changed, kept_b) = (IMOS[1], IMOS[4], IMOS[2], IMOS[3]);
    let kept_before = [
        vessel_risk(&app, kept_a).await,
        vessel_risk(&app, kept_b).await,
    ];
    // Three vessels the run cannot load; one of them never had a score in force.
    app.execute_sql(&format!(
        "UPDATE vessels SET flag = 'zz' WHERE imo IN ('{kept_a}', '{unscored}', '{kept_b}')"
    ))
    .await;
    app.execute_sql(&format!(
        "DELETE FROM current_vessel_scores WHERE vessel_imo = '{unscored}'"
    ))
    .await;
    // New data behind the API's back: the run scores it anew, so fleet A's
    // aggregate must be computed again, not carried over.
    app.execute_sql(&format!(
        "UPDATE vessels SET year_built = 1975, days_in_listed_areas_12m = 80 WHERE imo = '{changed}'"
    ))
    .await;

    let run_id = app.recalculate().await;
    let run = app
        .get(&format!("/api/fleet-risk/runs/{run_id}"), &app.keys.viewer)
        .await;
    assert_eq!(run.body["vesselsScored"], 2, "{}", run.text);
    assert_eq!(run.body["vesselsFailed"], 3, "{}", run.text);
    assert_eq!(vessel_risk(&app, kept_a).await.body, kept_before[0].body);
    assert_eq!(vessel_risk(&app, kept_b).await.body, kept_before[1].body);
    assert_eq!(
        vessel_risk(&app, changed).await.body["runId"],
        json!(run_id)
    );

    // Fleet A: its two new scores and the kept one; the vessel with no score
    // in force is left out.
    let a = fleet_risk(&app, &fleet_a).await;
    assert_eq!(a.body["runId"], json!(run_id));
    assert_eq!(a.body["vesselCount"], 3, "{}", a.text);
    assert_close(
        &published(&a.body),
        &expected_aggregate(&app, 'A').await,
        "A",
    );
    // Fleet B: its only vessel failed; its aggregate is over the kept score.
    let b = fleet_risk(&app, &fleet_b).await;
    assert_eq!(b.body["runId"], json!(run_id));
    assert_eq!(b.body["vesselCount"], 1, "{}", b.text);
    assert_eq!(b.body["largestTankerExposureUsd"], 24_000_000.0);
    assert_close(
        &published(&b.body),
        &expected_aggregate(&app, 'B').await,
        "B",
    );

    // A write's re-aggregation of fleet A counts the same vessels.
    let appended = app
        .post(
            &format!("/api/fleet-risk/vessels/{}/incidents", IMOS[0]),
            &app.keys.admin,
            &json!({"date": "2026-01-05", "severity": "B", "kind": "grounding", "grossLossUsd": 950000}),
        )
        .await;
    assert_eq!(appended.status, 201, "{}", appended.text);
    let rewritten = fleet_risk(&app, &fleet_a).await;
    assert_ne!(rewritten.body["runId"], json!(run_id));
    assert_ne!(rewritten.body["expectedClaims"], a.body["expectedClaims"]);
    assert_close(
        &published(&rewritten.body),
        &expected_aggregate(&app, 'A').await,
        "A after a write",
    );
}

async fn a_run_that_loaded_before_a_write_does_not_replace_its_rescore(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (fleet_a, fleet_b) = two_fleets(&app).await;
    app.recalculate().await;
    let target = BOOK[0];
    let old_score = vessel_risk(&app, target).await.body["score"].clone();

    let mut pause = app.jobs.pause.arm_after_load();
    let run_id = app.trigger_run().await;
    // A bound for a failure, not a timing: the run reaches the point at once.
    let reached = tokio::time::timeout(std::time::Duration::from_secs(60), pause.reached()).await;
    assert_eq!(reached, Ok(true), "the run never reached its pause point");

    // The run holds the book as it was. A write changes the vessel now, and
    // its re-score is published with it.
    let patched = app
        .patch(
            &format!("/api/fleet-risk/vessels/{target}"),
            &app.keys.admin,
            &json!({"yearBuilt": 1975, "daysInListedAreas12m": 80}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    let fresh = vessel_risk(&app, target).await;
    assert_ne!(fresh.body["runId"], json!(run_id));
    assert_close(
        &assessment_of(&fresh),
        &assessed_now(&app, target).await,
        target,
    );
    assert_ne!(
        fresh.body["score"], old_score,
        "the new data scores differently"
    );
    let fresh_fleet = fleet_risk(&app, &fleet_a).await;
    assert_ne!(fresh_fleet.body["runId"], json!(run_id));

    pause.release();
    let run = app.wait_for_run(&run_id).await;
    assert_eq!(run["status"], "published", "{run}");
    assert_eq!(run["vesselsScored"], BOOK.len());

    // The write's re-score is still the one in force, not the run's.
    let in_force = vessel_risk(&app, target).await;
    assert_eq!(
        in_force.body["runId"], fresh.body["runId"],
        "the run replaced the write's fresher score"
    );
    assert_eq!(in_force.body, fresh.body);
    let fleet_in_force = fleet_risk(&app, &fleet_a).await;
    assert_eq!(
        fleet_in_force.body["runId"], fresh_fleet.body["runId"],
        "the run replaced the write's fresher aggregate"
    );
    assert_eq!(fleet_in_force.body, fresh_fleet.body);
    // The run did score the vessel, from the data it had loaded: that score
    // is in the history, and out of force.
    let history = history_runs(&app, target).await;
    let stale = history
        .iter()
        .find(|(run, _)| *run == run_id)
        .unwrap_or_else(|| panic!("the run's own score of {target} is stored: {history:?}"));
    assert_eq!(stale.1, old_score);
    // The rest of the run was published.
    for imo in &BOOK[1..] {
        assert_eq!(
            vessel_risk(&app, imo).await.body["runId"],
            json!(run_id),
            "{imo}"
        );
    }
    assert_eq!(
        fleet_risk(&app, &fleet_b).await.body["runId"],
        json!(run_id)
    );
}

/// Makes the re-score inside a write fail as it publishes (the fleet
/// aggregate is written after the vessel's new score and pointer), sends
/// the write, and checks it failed whole: an opaque 500, the vessel and its
/// scores as they were. Then lets scores be written again and checks the
/// same write succeeds with `status`, so the 500 was the re-score's.
async fn a_failed_rescore_fails_the_write(
    backend: Backend,
    method: Method,
    path: &str,
    body: Value,
    status: u16,
) {
    let app = TestApp::spawn(backend).await;
    let (fleet_a, _) = two_fleets(&app).await;
    app.recalculate().await;
    let imo = BOOK[0];
    let path = format!("/api/fleet-risk/vessels/{imo}{path}");
    let vessel = stored_vessel(&app, imo).await;
    let risk = vessel_risk(&app, imo).await;
    let fleet = fleet_risk(&app, &fleet_a).await;

    app.refuse_inserts("fleet_scores").await;
    let failed = app
        .request(method.clone(), &path, Some(&app.keys.admin), Some(&body))
        .await;
    failed.assert_problem(500, "internal_error");
    assert!(
        !failed.text.contains("refused") && !failed.text.contains("fleet_scores"),
        "a 500 hides its cause: {}",
        failed.text
    );
    assert_eq!(
        stored_vessel(&app, imo).await,
        vessel,
        "the write is undone"
    );
    assert_eq!(vessel_risk(&app, imo).await.body, risk.body);
    assert_eq!(fleet_risk(&app, &fleet_a).await.body, fleet.body);

    app.allow_inserts("fleet_scores").await;
    let done = app
        .request(method, &path, Some(&app.keys.admin), Some(&body))
        .await;
    assert_eq!(done.status, status, "{}", done.text);
    assert_ne!(stored_vessel(&app, imo).await, vessel);
    assert_ne!(
        vessel_risk(&app, imo).await.body["runId"],
        risk.body["runId"]
    );
}

async fn a_failed_rescore_fails_an_incident_append(backend: Backend) {
    let incident =
        json!({"date": "2026-01-05", "severity": "B", "kind": "grounding", "grossLossUsd": 950000});
    a_failed_rescore_fails_the_write(backend, Method::POST, "/incidents", incident, 201).await;
}

async fn a_failed_rescore_fails_an_inspection_append(backend: Backend) {
    let inspection =
        json!({"date": "2026-02-10", "regime": "uscg", "deficiencies": 2, "detained": true});
    a_failed_rescore_fails_the_write(backend, Method::POST, "/inspections", inspection, 201).await;
}

async fn a_failed_rescore_fails_a_vessel_patch(backend: Backend) {
    let patch = json!({"name": "RENAMED", "yearBuilt": 1975});
    a_failed_rescore_fails_the_write(backend, Method::PATCH, "", patch, 200).await;
}
