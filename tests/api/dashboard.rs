//! The dashboard's first screen against the rest of the API: the change
//! since the previous book-wide run from the two runs' fleet risk answers,
//! level counts and the top ten from the fleets' vessel lists, and
//! freshness from the run record.

use serde_json::{Value, json};

use crate::fleets::{fleet_risk, list_all};
use crate::support::{Backend, TestApp, vessel_body};

crate::cases!(
    previous_score_and_change_follow_the_two_book_wide_runs,
    level_counts_equal_the_counts_over_the_vessel_lists,
    the_top_ten_are_the_first_ten_of_the_full_ranking,
    a_vessel_edit_after_a_run_does_not_make_the_freshness_newer,
);

/// Valid IMO numbers (check digit per IMO Resolution A.1117(30)).
const BOOK: [&str; 16] = [
    "9300001", "9300013", "9300025", "9300037", "9300049", "9300051", "9300063", "9300075",
    "9300087", "9300099", "9300104", "9300116", "9300128", "9300130", "9300142", "9300154",
];

fn vessel(imo: &str, year_built: i64, sanctioned: bool) -> Value {
    let mut body = vessel_body(imo);
    body["yearBuilt"] = json!(year_built);
    body["sanctioned"] = json!(sanctioned);
    body
}

async fn dashboard(app: &TestApp) -> Value {
    crate::flags::open_dashboard(app).await;
    let dashboard = app.get("/api/fleet-risk/dashboard", &app.keys.viewer).await;
    assert_eq!(dashboard.status, 200, "{}", dashboard.text);
    dashboard.body
}

fn dashboard_fleet<'a>(dashboard: &'a Value, fleet: &str) -> &'a Value {
    dashboard["fleets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == fleet)
        .unwrap_or_else(|| panic!("fleet {fleet} is on the dashboard"))
}

/// The fleet's published score and the run that published it.
async fn published(app: &TestApp, fleet: &str) -> (f64, Value) {
    let risk = fleet_risk(app, fleet).await.expect("a published fleet");
    (risk["score"].as_f64().unwrap(), risk["runId"].clone())
}

async fn append_incident(app: &TestApp, imo: &str, severity: &str) {
    let incident = json!({"date": chrono::Utc::now().date_naive().to_string(),
        "severity": severity, "kind": "fire_explosion", "grossLossUsd": 9000000});
    let appended = app
        .post(
            &format!("/api/fleet-risk/vessels/{imo}/incidents"),
            &app.keys.admin,
            &incident,
        )
        .await;
    assert_eq!(appended.status, 201, "{}", appended.text);
}

async fn previous_score_and_change_follow_the_two_book_wide_runs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let changed = app.create_fleet("Changed").await;
    app.create_vessel(&changed, vessel(BOOK[0], 2005, false))
        .await;
    app.create_vessel(&changed, vessel(BOOK[1], 2012, false))
        .await;
    let steady = app.create_fleet("Steady").await;
    app.create_vessel(&steady, vessel(BOOK[2], 2000, false))
        .await;
    let first_run = app.recalculate().await;
    let (changed_first, run) = published(&app, &changed).await;
    assert_eq!(run, json!(first_run));
    let (steady_first, _) = published(&app, &steady).await;

    // Data changes between the runs: an incident on a vessel of Changed,
    // a new fleet with no earlier book-wide score.
    append_incident(&app, BOOK[0], "A").await;
    let newcomer = app.create_fleet("Newcomer").await;
    app.create_vessel(&newcomer, vessel(BOOK[3], 2010, false))
        .await;
    let second_run = app.recalculate().await;
    let (changed_second, run) = published(&app, &changed).await;
    assert_eq!(run, json!(second_run));
    let (steady_second, _) = published(&app, &steady).await;
    let (newcomer_second, _) = published(&app, &newcomer).await;
    assert_ne!(
        changed_second, changed_first,
        "the incident moved the score"
    );

    let body = dashboard(&app).await;
    let fleet = dashboard_fleet(&body, &changed);
    assert_eq!(fleet["score"].as_f64(), Some(changed_second));
    assert_eq!(fleet["previousScore"].as_f64(), Some(changed_first));
    assert_eq!(
        fleet["change"].as_f64(),
        Some(changed_second - changed_first)
    );
    assert_ne!(fleet["change"].as_f64(), Some(0.0));
    let fleet = dashboard_fleet(&body, &steady);
    assert_eq!(fleet["score"].as_f64(), Some(steady_second));
    assert_eq!(fleet["previousScore"].as_f64(), Some(steady_first));
    assert_eq!(fleet["change"].as_f64(), Some(steady_second - steady_first));
    let fleet = dashboard_fleet(&body, &newcomer);
    assert_eq!(fleet["score"].as_f64(), Some(newcomer_second));
    assert_eq!(
        (&fleet["previousScore"], &fleet["change"]),
        (&Value::Null, &Value::Null),
        "no earlier book-wide run scored it: {fleet}"
    );

    // An edit after the second run: its re-score is current, and the
    // change is still against the last book-wide run before it.
    append_incident(&app, BOOK[1], "B").await;
    let (changed_edited, run) = published(&app, &changed).await;
    assert_ne!(
        run,
        json!(second_run),
        "the edit published its own re-score"
    );
    let body = dashboard(&app).await;
    let fleet = dashboard_fleet(&body, &changed);
    assert_eq!(fleet["score"].as_f64(), Some(changed_edited));
    assert_eq!(fleet["previousScore"].as_f64(), Some(changed_second));
    assert_eq!(
        fleet["change"].as_f64(),
        Some(changed_edited - changed_second)
    );
    assert_ne!(fleet["change"].as_f64(), Some(0.0));
}

/// Three fleets, one with its own thresholds, fourteen vessels in four
/// profiles (so scores tie, within a fleet and across fleets), then one
/// vessel whose published score is removed (unscored).
async fn book_with_ties(app: &TestApp) -> Vec<String> {
    let fleets = [
        app.create_fleet("North").await,
        app.create_fleet("South").await,
        app.create_fleet("Strict").await,
    ];
    let put = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/fleet-risk/fleets/{}/thresholds", fleets[2]),
            Some(&app.keys.admin),
            Some(&json!({"medium": 5, "high": 10, "critical": 20})),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text);
    // Profiles: two sanctioned, four of 1990, five of 2003 (the tenth place
    // falls among them), three of 2022.
    let profiles: Vec<(i64, bool)> = [(2010, true); 2]
        .into_iter()
        .chain([(1990, false); 4])
        .chain([(2003, false); 5])
        .chain([(2022, false); 3])
        .collect();
    // Spread over the fleets in an order unrelated to the IMO numbers.
    for (i, (year_built, sanctioned)) in profiles.into_iter().enumerate() {
        let imo = BOOK[(i * 5) % 14];
        let fleet = &fleets[(i * 7) % 3];
        app.create_vessel(fleet, vessel(imo, year_built, sanctioned))
            .await;
    }
    // A vessel moved to the fleet with its own thresholds is cut by them.
    let moved = app
        .patch(
            &format!("/api/fleet-risk/vessels/{}", BOOK[0]),
            &app.keys.admin,
            &json!({"fleetId": fleets[2]}),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    app.create_vessel(&fleets[0], vessel(BOOK[14], 2003, false))
        .await;
    app.execute_sql(&format!(
        "DELETE FROM current_vessel_scores WHERE vessel_imo = '{}'",
        BOOK[14]
    ))
    .await;
    fleets.to_vec()
}

/// Every vessel of every fleet as its fleet's vessel list has it, with its
/// fleet's id and name.
async fn every_listed_vessel(app: &TestApp) -> Vec<(Value, Value, Value)> {
    let mut vessels = Vec::new();
    for fleet in list_all(app, "/api/fleet-risk/fleets", "", 500).await {
        let id = fleet["id"].as_str().unwrap();
        for vessel in list_all(app, &format!("/api/fleet-risk/fleets/{id}/vessels"), "", 3).await {
            vessels.push((vessel, fleet["id"].clone(), fleet["name"].clone()));
        }
    }
    vessels
}

async fn level_counts_equal_the_counts_over_the_vessel_lists(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    book_with_ties(&app).await;
    let body = dashboard(&app).await;
    let vessels = every_listed_vessel(&app).await;
    assert_eq!(vessels.len(), 15);
    let mut expected = json!({"low": 0, "medium": 0, "high": 0, "critical": 0});
    let mut unscored = 0;
    for (vessel, _, _) in &vessels {
        match vessel["level"].as_str() {
            Some(level) => {
                expected[level] = json!(expected[level].as_u64().unwrap() + 1);
            }
            None => unscored += 1,
        }
    }
    assert_eq!(body["levelCounts"], expected);
    assert_eq!(body["unscoredVessels"], unscored);
    assert_eq!(unscored, 1);
    let levels_used = ["low", "medium", "high", "critical"]
        .iter()
        .filter(|level| expected[**level].as_u64() > Some(0))
        .count();
    assert!(levels_used >= 3, "the book spans the levels: {expected}");
}

async fn the_top_ten_are_the_first_ten_of_the_full_ranking(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    book_with_ties(&app).await;
    let mut ranking: Vec<Value> = every_listed_vessel(&app)
        .await
        .into_iter()
        .filter(|(vessel, _, _)| vessel["score"].is_number())
        .map(|(vessel, fleet_id, fleet_name)| {
            json!({
                "vesselIMO": vessel["vesselIMO"],
                "name": vessel["name"],
                "fleetId": fleet_id,
                "fleetName": fleet_name,
                "score": vessel["score"],
                "level": vessel["level"],
            })
        })
        .collect();
    // Highest score first, then IMO number (the spec's order).
    ranking.sort_by(|a, b| {
        let score = |v: &Value| v["score"].as_f64().unwrap();
        score(b)
            .partial_cmp(&score(a))
            .unwrap()
            .then_with(|| a["vesselIMO"].as_str().cmp(&b["vesselIMO"].as_str()))
    });
    assert_eq!(ranking.len(), 14);
    assert_eq!(
        ranking[9]["score"], ranking[10]["score"],
        "the tenth place is a tie the IMO number breaks"
    );
    let body = dashboard(&app).await;
    assert_eq!(body["topRisks"], json!(ranking[..10]));
}

async fn a_vessel_edit_after_a_run_does_not_make_the_freshness_newer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    app.create_vessel(&fleet, vessel(BOOK[0], 2005, false))
        .await;
    let before = dashboard(&app).await;
    assert_eq!(
        before["freshness"]["lastPublishedAt"],
        Value::Null,
        "only a one-vessel re-score so far: no book-wide scores in force"
    );
    assert!(before["freshness"]["lastDataChangeAt"].is_string());

    let run_id = app.recalculate().await;
    let run = app
        .get(&format!("/api/fleet-risk/runs/{run_id}"), &app.keys.viewer)
        .await
        .body;
    assert!(run["finishedAt"].is_string(), "{run}");
    let after_run = dashboard(&app).await;
    let freshness = &after_run["freshness"];
    assert_eq!(freshness["lastRunId"], json!(run_id));
    assert_eq!(freshness["lastPublishedAt"], run["finishedAt"]);
    assert_eq!(freshness["lastRunFinishedAt"], run["finishedAt"]);

    let renamed = app
        .patch(
            &format!("/api/fleet-risk/vessels/{}", BOOK[0]),
            &app.keys.admin,
            &json!({"name": "RENAMED"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    append_incident(&app, BOOK[0], "A").await;
    let after_edit = dashboard(&app).await;
    let edited = &after_edit["freshness"];
    assert_eq!(edited["lastPublishedAt"], run["finishedAt"], "{edited}");
    assert_eq!(edited["lastRunId"], json!(run_id));
    let instant =
        |value: &Value| chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap()).unwrap();
    assert!(instant(&edited["lastDataChangeAt"]) > instant(&run["finishedAt"]));
    assert!(
        instant(&dashboard_fleet(&after_edit, &fleet)["calculatedAt"])
            > instant(&run["finishedAt"]),
        "the edit's re-score is published (and current)"
    );
}
