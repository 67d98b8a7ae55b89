//! Published risk reads: re-score on change, caching, lists, dashboard, simulation.

use serde_json::{Value, json};

use crate::support::{Backend, IMOS, TestApp, TestDatabase, base_environment, vessel_body};

crate::cases!(
    a_data_change_re_scores_the_vessel_and_its_fleet_at_once,
    a_move_re_aggregates_both_fleets,
    risk_reads_carry_an_etag_and_answer_304,
    risk_history_pages_per_run,
    vessels_sort_and_filter_by_published_score,
    the_dashboard_has_the_first_screen,
    the_simulation_is_reproducible_and_bounded,
    the_model_in_force_is_readable,
    an_unscored_vessel_or_fleet_is_404,
    a_replica_never_serves_a_read_cached_before_another_replicas_write,
    with_version_polling_own_writes_show_at_once,
    re_levelling_a_fleet_waits_for_compute_capacity,
);

async fn a_data_change_re_scores_the_vessel_and_its_fleet_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    let mut body = vessel_body(IMOS[0]);
    body["incidents"] = json!([]);
    app.create_vessel(&fleet, body).await;
    let path = format!("/api/fleet-risk/vessels/{}/risk", IMOS[0]);
    let created = app.get(&path, &app.keys.viewer).await;
    assert_eq!(
        created.status, 200,
        "the create was scored at once: {}",
        created.text
    );
    let fleet_before = app
        .get(
            &format!("/api/fleet-risk/fleets/{fleet}/risk"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(fleet_before.body["vesselCount"], 1);

    let incident = json!({"date": chrono::Utc::now().date_naive().to_string(), "severity": "A",
        "kind": "fire_explosion", "grossLossUsd": 9000000});
    let appended = app
        .post(
            &format!("/api/fleet-risk/vessels/{}/incidents", IMOS[0]),
            &app.keys.admin,
            &incident,
        )
        .await;
    assert_eq!(appended.status, 201);
    let after = app.get(&path, &app.keys.viewer).await;
    assert_ne!(after.body["runId"], created.body["runId"]);
    assert!(after.body["score"].as_f64() > created.body["score"].as_f64());
    let incidents = after.body["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "incidents")
        .unwrap()
        .clone();
    // One A incident today: 3 points x recency 1.0, / 6.
    assert!(
        (incidents["value"].as_f64().unwrap() - 0.5).abs() < 1e-12,
        "{incidents}"
    );
    let run = app
        .get(
            &format!(
                "/api/fleet-risk/runs/{}",
                after.body["runId"].as_str().unwrap()
            ),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(run.body["trigger"], "data_change");
    assert_eq!(run.body["status"], "published");

    let fleet_after = app
        .get(
            &format!("/api/fleet-risk/fleets/{fleet}/risk"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(fleet_after.body["runId"], after.body["runId"]);
    assert_eq!(fleet_after.body["score"], after.body["score"]);

    let patched = app
        .patch(
            &format!("/api/fleet-risk/vessels/{}", IMOS[0]),
            &app.keys.admin,
            &json!({"insuredValueUsd": 0}),
        )
        .await;
    assert_eq!(patched.status, 200);
    let fleet_zero = app
        .get(
            &format!("/api/fleet-risk/fleets/{fleet}/risk"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(fleet_zero.body["totalInsuredValueUsd"], 0.0);
    let vessel_zero = app.get(&path, &app.keys.viewer).await;
    assert_eq!(vessel_zero.body["expectedAnnualLossUsd"], 0.0);

    assert_eq!(
        app.delete(
            &format!("/api/fleet-risk/vessels/{}", IMOS[0]),
            &app.keys.admin
        )
        .await
        .status,
        204
    );
    let empty = app
        .get(
            &format!("/api/fleet-risk/fleets/{fleet}/risk"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(empty.body["vesselCount"], 0);
}

async fn a_move_re_aggregates_both_fleets(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let from = app.create_fleet("From").await;
    let to = app.create_fleet("To").await;
    app.create_vessel(&from, vessel_body(IMOS[0])).await;
    app.create_vessel(&from, vessel_body(IMOS[1])).await;
    app.create_vessel(&to, vessel_body(IMOS[2])).await;
    let moved = app
        .patch(
            &format!("/api/fleet-risk/vessels/{}", IMOS[0]),
            &app.keys.admin,
            &json!({"fleetId": to}),
        )
        .await;
    assert_eq!(moved.status, 200);
    let from_risk = app
        .get(
            &format!("/api/fleet-risk/fleets/{from}/risk"),
            &app.keys.viewer,
        )
        .await;
    let to_risk = app
        .get(
            &format!("/api/fleet-risk/fleets/{to}/risk"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(from_risk.body["vesselCount"], 1);
    assert_eq!(to_risk.body["vesselCount"], 2);
    assert_eq!(to_risk.body["totalInsuredValueUsd"], 2.0 * 18_500_000.0);
}

async fn risk_reads_carry_an_etag_and_answer_304(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    crate::flags::open_dashboard(&app).await;
    let fleet = app.create_fleet("Fleet A").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    for path in [
        format!("/api/fleet-risk/vessels/{}/risk", IMOS[0]),
        format!("/api/fleet-risk/fleets/{fleet}/risk"),
        "/api/fleet-risk/dashboard".to_string(),
        format!("/api/fleet-risk/vessels/{}/risk/history", IMOS[0]),
    ] {
        let first = app.get(&path, &app.keys.viewer).await;
        assert_eq!(first.status, 200, "{path}: {}", first.text);
        let etag = first.header("etag").expect("an ETag").to_string();
        let again = app
            .client
            .get(app.url(&path))
            .bearer_auth(&app.keys.viewer)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 304, "{path}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        assert!(again.bytes().await.unwrap().is_empty());
        let other = app
            .client
            .get(app.url(&path))
            .bearer_auth(&app.keys.viewer)
            .header("if-none-match", "\"something-else\"")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status().as_u16(), 200, "{path}");
    }
    let path = format!("/api/fleet-risk/vessels/{}/risk", IMOS[0]);
    let before = app.get(&path, &app.keys.viewer).await;
    app.post(
        &format!("/api/fleet-risk/vessels/{}/inspections", IMOS[0]),
        &app.keys.admin,
        &json!({"date": "2026-01-10", "regime": "uscg", "deficiencies": 9, "detained": true}),
    )
    .await;
    let changed = app
        .client
        .get(app.url(&path))
        .bearer_auth(&app.keys.viewer)
        .header("if-none-match", before.header("etag").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status().as_u16(), 200, "new data, new ETag");
}

async fn risk_history_pages_per_run(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let runs = [app.recalculate().await, app.recalculate().await];
    let path = format!("/api/fleet-risk/vessels/{}/risk/history", IMOS[0]);
    let first = app.get(&format!("{path}?limit=2"), &app.keys.viewer).await;
    let ids: Vec<&str> = first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["runId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [runs[1].as_str(), runs[0].as_str()]);
    for entry in first.body["items"].as_array().unwrap() {
        for field in [
            "calculatedAt",
            "asOf",
            "modelVersion",
            "score",
            "scorecard",
            "level",
            "srpProfile",
            "expectedAnnualLossUsd",
        ] {
            assert!(!entry[field].is_null(), "{field}");
        }
    }
    let cursor = first.body["nextCursor"].as_str().unwrap();
    let second = app
        .get(&format!("{path}?limit=2&cursor={cursor}"), &app.keys.viewer)
        .await;
    let rest = second.body["items"].as_array().unwrap();
    assert_eq!(rest.len(), 1, "the create's data_change score");
    assert_eq!(second.body["nextCursor"], Value::Null);
}

async fn vessels_sort_and_filter_by_published_score(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    for (i, imo) in IMOS.iter().enumerate() {
        let mut body = vessel_body(imo);
        body["name"] = json!(format!("V{i}"));
        body["yearBuilt"] = json!(2024 - 5 * i as i64);
        body["sanctioned"] = json!(i == 7);
        app.create_vessel(&fleet, body).await;
    }
    let base = format!("/api/fleet-risk/fleets/{fleet}/vessels");
    let all = app
        .get(&format!("{base}?sort=-score&limit=500"), &app.keys.viewer)
        .await;
    let scores: Vec<f64> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["score"].as_f64().unwrap())
        .collect();
    assert_eq!(scores.len(), IMOS.len());
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert_eq!(all.body["items"][0]["name"], "V7");
    assert_eq!(all.body["items"][0]["level"], "critical");

    // Page through ascending scores three at a time.
    let mut seen = Vec::new();
    let mut path = format!("{base}?sort=score&limit=3");
    loop {
        let page = app.get(&path, &app.keys.viewer).await;
        assert_eq!(page.status, 200, "{}", page.text);
        seen.extend(
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["score"].as_f64().unwrap()),
        );
        match page.body["nextCursor"].as_str() {
            Some(cursor) => path = format!("{base}?sort=score&limit=3&cursor={cursor}"),
            None => break,
        }
    }
    let mut ascending = scores.clone();
    ascending.reverse();
    assert_eq!(seen, ascending);

    let levels = app
        .get(&format!("{base}?level=high,critical"), &app.keys.viewer)
        .await;
    let listed: Vec<&str> = levels.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["level"].as_str().unwrap())
        .collect();
    let expected = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["level"] == "high" || v["level"] == "critical")
        .count();
    assert_eq!(listed.len(), expected);
    assert!(listed.iter().all(|l| *l == "high" || *l == "critical"));

    for (query, field) in [
        ("sort=risk", "sort"),
        ("level=severe", "level"),
        ("limit=0", "limit"),
    ] {
        let bad = app.get(&format!("{base}?{query}"), &app.keys.viewer).await;
        bad.assert_problem(422, "validation_failed");
        assert_eq!(bad.error_fields(), [field], "{query}");
    }
    let by_name = app.get(&format!("{base}?limit=1"), &app.keys.viewer).await;
    let cursor = by_name.body["nextCursor"].as_str().unwrap();
    let mixed = app
        .get(
            &format!("{base}?sort=score&cursor={cursor}"),
            &app.keys.viewer,
        )
        .await;
    mixed.assert_problem(422, "validation_failed");
    assert_eq!(mixed.error_fields(), ["cursor"]);
}

async fn the_dashboard_has_the_first_screen(backend: Backend) {
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("DEMO_DATA", "true".into());
    })
    .await;
    crate::flags::open_dashboard(&app).await;
    let first_run = app.recalculate().await;
    let second_run = app.recalculate().await;
    let dashboard = app.get("/api/fleet-risk/dashboard", &app.keys.viewer).await;
    assert_eq!(dashboard.status, 200, "{}", dashboard.text);
    let body = &dashboard.body;
    let fleets = body["fleets"].as_array().unwrap();
    assert_eq!(fleets.len(), 4);
    for fleet in fleets {
        assert!(
            fleet["score"].is_number() && fleet["level"].is_string(),
            "{fleet}"
        );
        // Same data twice: the change since the previous run is zero.
        assert_eq!(fleet["change"], 0.0, "{fleet}");
    }
    let counts = &body["levelCounts"];
    let total: u64 = ["low", "medium", "high", "critical"]
        .iter()
        .map(|l| counts[l].as_u64().unwrap())
        .sum();
    assert_eq!(total, 67);
    assert_eq!(body["unscoredVessels"], 0);
    let top = body["topRisks"].as_array().unwrap();
    assert_eq!(top.len(), 10);
    assert_eq!(
        top[0]["vesselIMO"], "9267845",
        "the sanctioned vessel scores 100"
    );
    let top_scores: Vec<f64> = top.iter().map(|v| v["score"].as_f64().unwrap()).collect();
    assert!(top_scores.windows(2).all(|w| w[0] >= w[1]));
    assert_eq!(body["freshness"]["lastRunId"], json!(second_run));
    assert_ne!(first_run, second_run);
    assert!(body["freshness"]["lastPublishedAt"].is_string());
}

async fn the_simulation_is_reproducible_and_bounded(backend: Backend) {
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("SIMULATION_MAX_YEARS", "50000".into());
    })
    .await;
    let fleet = app.create_fleet("Fleet A").await;
    for imo in IMOS {
        app.create_vessel(&fleet, vessel_body(imo)).await;
    }
    let path = format!("/api/fleet-risk/fleets/{fleet}/risk/simulation?years=20000&seed=9");
    let first = app.get(&path, &app.keys.underwriter).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(app.get(&path, &app.keys.underwriter).await.body, first.body);
    let body = &first.body;
    assert_eq!(body["vesselCount"], IMOS.len());
    assert_eq!(body["years"], 20000);
    assert_eq!(body["seed"], 9);
    let (mean, sd, eal) = (
        body["mean"].as_f64().unwrap(),
        body["stdDev"].as_f64().unwrap(),
        body["expectedAnnualLossUsd"].as_f64().unwrap(),
    );
    assert!((mean - eal).abs() < 4.0 * sd / 20000f64.sqrt(), "{body}");
    let fleet_risk = app
        .get(
            &format!("/api/fleet-risk/fleets/{fleet}/risk"),
            &app.keys.viewer,
        )
        .await;
    assert!((eal - fleet_risk.body["expectedAnnualLossUsd"].as_f64().unwrap()).abs() < 1e-6);

    app.get(&path, &app.keys.viewer)
        .await
        .assert_problem(403, "forbidden");
    let capped = app
        .get(
            &format!("/api/fleet-risk/fleets/{fleet}/risk/simulation?years=50001"),
            &app.keys.underwriter,
        )
        .await;
    capped.assert_problem(422, "validation_failed");
    assert_eq!(capped.error_fields(), ["years"]);
    let bad_seed = app
        .get(
            &format!("/api/fleet-risk/fleets/{fleet}/risk/simulation?seed=-1"),
            &app.keys.underwriter,
        )
        .await;
    assert_eq!(bad_seed.error_fields(), ["seed"]);
}

async fn the_model_in_force_is_readable(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let model = app.get("/api/fleet-risk/model", &app.keys.viewer).await;
    assert_eq!(model.status, 200, "{}", model.text);
    assert_eq!(model.body["version"], "frm-1.0");
    let weights = model.body["parameters"]["weights"].as_object().unwrap();
    assert_eq!(weights.len(), 11);
    assert_eq!(
        weights.values().map(|w| w.as_f64().unwrap()).sum::<f64>(),
        100.0
    );
    assert_eq!(
        model.body["thresholdsInForce"],
        json!({"medium": 25.0, "high": 50.0, "critical": 70.0})
    );
    assert!(
        model.body["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["flag"] == "PA" && f["list"] == "grey")
    );
    assert!(
        model.body["classSocieties"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "DNV")
    );
    assert_eq!(model.body["schedule"], "0 0 */6 * * *");
}

async fn an_unscored_vessel_or_fleet_is_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Empty").await;
    app.get(
        &format!("/api/fleet-risk/fleets/{fleet}/risk"),
        &app.keys.viewer,
    )
    .await
    .assert_problem(404, "not_found");
    app.get(
        &format!("/api/fleet-risk/vessels/{}/risk", IMOS[0]),
        &app.keys.viewer,
    )
    .await
    .assert_problem(404, "not_found");
    app.get(
        &format!("/api/fleet-risk/vessels/{}/risk/history", IMOS[0]),
        &app.keys.viewer,
    )
    .await
    .assert_problem(404, "not_found");
}

async fn a_replica_never_serves_a_read_cached_before_another_replicas_write(backend: Backend) {
    let first = TestApp::spawn(backend).await;
    let second = TestApp::spawn_on(
        TestDatabase::sharing(&first.database.url),
        base_environment(&first.database.url),
    )
    .await;
    crate::flags::open_dashboard(&first).await;
    let fleet = first.create_fleet("Shared").await;
    first.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let path = format!("/api/fleet-risk/vessels/{}/risk", IMOS[0]);
    let dashboard = "/api/fleet-risk/dashboard";
    // Warm the first replica's cache.
    let cached = first.get(&path, &first.keys.viewer).await;
    let cached_dashboard = first.get(dashboard, &first.keys.viewer).await;
    assert_eq!(first.get(&path, &first.keys.viewer).await.body, cached.body);

    let incident =
        json!({"date": "2026-01-02", "severity": "B", "kind": "grounding", "grossLossUsd": 10});
    let appended = second
        .post(
            &format!("/api/fleet-risk/vessels/{}/incidents", IMOS[0]),
            &second.keys.admin,
            &incident,
        )
        .await;
    assert_eq!(appended.status, 201);
    let fresh = first.get(&path, &first.keys.viewer).await;
    assert_ne!(fresh.body["runId"], cached.body["runId"]);
    assert!(fresh.body["score"].as_f64() > cached.body["score"].as_f64());
    assert_ne!(
        first.get(dashboard, &first.keys.viewer).await.body,
        cached_dashboard.body
    );

    let relevel = second
        .request(
            reqwest::Method::PUT,
            "/api/fleet-risk/thresholds",
            Some(&second.keys.admin),
            Some(&json!({"medium": 1, "high": 2, "critical": 3})),
        )
        .await;
    assert_eq!(relevel.status, 200);
    assert_eq!(
        first.get(&path, &first.keys.viewer).await.body["level"],
        "critical"
    );
}

async fn with_version_polling_own_writes_show_at_once(backend: Backend) {
    // An interval far longer than the test: only invalidation can make reads fresh.
    let environment_of = |url: &str| {
        let mut env = base_environment(url);
        env.insert("PUBLICATION_POLL_MS", "60000".into());
        env
    };
    let database = TestDatabase::create(backend).await;
    let url = database.url.clone();
    let first = TestApp::spawn_on(database, environment_of(&url)).await;
    let second = TestApp::spawn_on(TestDatabase::sharing(&url), environment_of(&url)).await;
    let fleet = first.create_fleet("Polled").await;
    first.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let path = format!("/api/fleet-risk/vessels/{}/risk", IMOS[0]);
    let before = first.get(&path, &first.keys.viewer).await;
    let incident =
        json!({"date": "2026-01-02", "severity": "B", "kind": "grounding", "grossLossUsd": 10});
    let incidents = format!("/api/fleet-risk/vessels/{}/incidents", IMOS[0]);

    // Its own write: visible on the very next read.
    assert_eq!(
        first
            .post(&incidents, &first.keys.admin, &incident)
            .await
            .status,
        201
    );
    let own = first.get(&path, &first.keys.viewer).await;
    assert_ne!(own.body["runId"], before.body["runId"]);

    // Another replica's write, then any write of its own: the first replica
    // reads the version again and serves the newer score.
    assert_eq!(
        second
            .post(&incidents, &second.keys.admin, &incident)
            .await
            .status,
        201
    );
    let touched = first
        .patch(
            &format!("/api/fleet-risk/fleets/{fleet}"),
            &first.keys.admin,
            &json!({}),
        )
        .await;
    assert_eq!(touched.status, 200);
    let other = first.get(&path, &first.keys.viewer).await;
    assert_ne!(other.body["runId"], own.body["runId"]);
    assert!(other.body["score"].as_f64() > own.body["score"].as_f64());
}

/// Re-levelling a fleet for a read is CPU work over every member: it runs on
/// the compute pool, so a full pool answers 503 instead of blocking a worker.
async fn re_levelling_a_fleet_waits_for_compute_capacity(backend: Backend) {
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("COMPUTE_QUEUE", "1".into());
    })
    .await;
    let fleet = app.create_fleet("Busy").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let hold = app.hold_compute().await;
    let path = format!("/api/fleet-risk/fleets/{fleet}/risk");
    app.get(&path, &app.keys.viewer)
        .await
        .assert_problem(503, "overloaded");
    hold.release().await;
    let served = app.get(&path, &app.keys.viewer).await;
    assert_eq!(served.status, 200, "{}", served.text);
    assert_eq!(served.body["vesselCount"], 1);
}
