//! Feature flags (issue 13, items 1-7): the seeded rollout, the admin API
//! and its audit, evaluation through `/api/flags` and OFREP, the
//! dashboard's gate, the cache, replicas and restarts (the guard:
//! `rollout_guard.rs`).

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, TestDatabase, TestResponse, base_environment};

crate::cases!(
    the_seeded_dashboard_flag_follows_the_plan,
    admin_changes_are_audited_and_every_bad_field_is_named,
    api_flags_answers_from_groups_regions_and_the_switch,
    viewers_outside_the_rollout_are_refused_the_dashboard,
    flag_reads_cost_no_database_round_trip_in_the_steady_state,
    ofrep_answers_in_the_protocols_shapes,
    answers_agree_across_replicas_and_a_restart,
);

pub const DASHBOARD: &str = "/api/admin/flags/fleetRiskDashboard";

/// Puts `rules` (with a reason) on `key` as the admin; asserts 200 or 201.
pub async fn put_flag(app: &TestApp, key: &str, mut rules: Value) -> TestResponse {
    rules["reason"] = json!("test");
    let response = app
        .request(
            Method::PUT,
            &format!("/api/admin/flags/{key}"),
            Some(&app.keys.admin),
            Some(&rules),
        )
        .await;
    assert!([200, 201].contains(&response.status), "{}", response.text);
    response
}

/// Opens the dashboard to every viewer (tests of the dashboard itself).
pub async fn open_dashboard(app: &TestApp) {
    put_flag(
        app,
        "fleetRiskDashboard",
        json!({"enabled": true, "rolloutPercentage": 100}),
    )
    .await;
}

async fn flags_for(app: &TestApp, query: &str) -> Value {
    let response = app
        .get(&format!("/api/flags?{query}"), &app.keys.viewer)
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["flags"].clone()
}

async fn the_seeded_dashboard_flag_follows_the_plan(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let flag = app.get(DASHBOARD, &app.keys.admin).await;
    assert_eq!(flag.status, 200, "{}", flag.text);
    // The plan as the issue summarises it: groups first, then 5, 25, 50, 100 %.
    assert_eq!(flag.body["enabled"], true);
    assert_eq!(
        flag.body["enabledForUsers"],
        json!(["beta-testers", "internal-team"])
    );
    assert_eq!(flag.body["regions"], json!([]));
    let steps = flag.body["schedule"].as_array().unwrap();
    let percentages: Vec<i64> = steps
        .iter()
        .map(|s| s["percentage"].as_i64().unwrap())
        .collect();
    assert_eq!(percentages, [5, 25, 50, 100]);
    let times: Vec<chrono::DateTime<chrono::Utc>> = steps
        .iter()
        .map(|s| s["at"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    let list = app.get("/api/admin/flags", &app.keys.admin).await;
    assert_eq!(
        list.body["items"][0]["key"], "fleetRiskDashboard",
        "{}",
        list.text
    );
    let internal = flags_for(&app, "userId=u1&groups=internal-team").await;
    assert_eq!(internal["fleetRiskDashboard"], true);
}

async fn admin_changes_are_audited_and_every_bad_field_is_named(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bad = app
        .request(
            Method::PUT,
            DASHBOARD,
            Some(&app.keys.admin),
            Some(
                &json!({"enabled": true, "rolloutPercentage": 101, "colour": "red",
                "schedule": [{"at": "2027-01-02T00:00:00Z", "percentage": 10},
                             {"at": "2027-01-01T00:00:00Z", "percentage": 20}]}),
            ),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(
        bad.error_fields(),
        ["rolloutPercentage", "schedule[1].at", "reason", "colour"]
    );
    let viewer = app
        .request(
            Method::PUT,
            DASHBOARD,
            Some(&app.keys.viewer),
            Some(&json!({})),
        )
        .await;
    viewer.assert_problem(403, "forbidden");
    let body = json!({"enabled": true, "rolloutPercentage": 40, "enabledForUsers": ["beta-testers"],
        "regions": ["europe"], "reason": "widen to 40 %"});
    let changed = app
        .request(Method::PUT, DASHBOARD, Some(&app.keys.admin), Some(&body))
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["rolloutPercentage"], 40);
    assert_eq!(changed.body["effectivePercentage"], 40);
    assert_eq!(
        changed.body["updatedBy"]
            .as_str()
            .unwrap()
            .split(' ')
            .next(),
        Some("test")
    );
    let audit = app
        .get(&format!("{DASHBOARD}/audit"), &app.keys.admin)
        .await;
    assert_eq!(audit.status, 200, "{}", audit.text);
    let items = audit.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "the seed is not a change: {}", audit.text);
    assert_eq!(items[0]["reason"], "widen to 40 %");
    assert_eq!(items[0]["before"]["rolloutPercentage"], 0);
    assert_eq!(
        items[0]["before"]["enabledForUsers"],
        json!(["beta-testers", "internal-team"])
    );
    assert_eq!(items[0]["after"]["rolloutPercentage"], 40);
    assert_eq!(items[0]["after"]["regions"], json!(["europe"]));
    assert!(
        items[0]["changedBy"]
            .as_str()
            .unwrap()
            .starts_with("test admin")
    );
    let created = put_flag(
        &app,
        "exportToExcel",
        json!({"enabled": false, "rolloutPercentage": 0}),
    )
    .await;
    assert_eq!(created.status, 201);
    let audit = app
        .get("/api/admin/flags/exportToExcel/audit", &app.keys.admin)
        .await;
    assert_eq!(audit.body["items"][0]["before"], Value::Null);
    for missing in [
        "/api/admin/flags/noSuchFlag",
        "/api/admin/flags/noSuchFlag/audit",
        "/api/admin/flags/1bad",
    ] {
        app.get(missing, &app.keys.admin)
            .await
            .assert_problem(404, "not_found");
    }
}

async fn api_flags_answers_from_groups_regions_and_the_switch(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    put_flag(
        &app,
        "fleetRiskDashboard",
        json!({"enabled": true, "rolloutPercentage": 100,
        "enabledForUsers": ["beta-testers"], "regions": ["europe"]}),
    )
    .await;
    assert_eq!(
        flags_for(&app, "userId=a&region=europe").await["fleetRiskDashboard"],
        true
    );
    assert_eq!(
        flags_for(&app, "userId=a&region=us-east").await["fleetRiskDashboard"],
        false
    );
    assert_eq!(
        flags_for(&app, "userId=a").await["fleetRiskDashboard"],
        false
    );
    assert_eq!(
        flags_for(&app, "userId=a&region=us-east&groups=other,beta-testers").await["fleetRiskDashboard"],
        true,
        "a listed group is on wherever it is"
    );
    put_flag(
        &app,
        "fleetRiskDashboard",
        json!({"enabled": false, "rolloutPercentage": 100,
        "enabledForUsers": ["beta-testers"]}),
    )
    .await;
    assert_eq!(
        flags_for(&app, "userId=a&groups=beta-testers").await["fleetRiskDashboard"],
        false
    );
    let bad = app
        .get(
            "/api/flags?groups=Beta%20Testers&region=EU",
            &app.keys.viewer,
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.error_fields(), ["groups", "region"]);
    app.request(Method::GET, "/api/flags", None, None)
        .await
        .assert_problem(401, "unauthorized");
}

async fn viewers_outside_the_rollout_are_refused_the_dashboard(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    put_flag(
        &app,
        "fleetRiskDashboard",
        json!({"enabled": true, "rolloutPercentage": 0,
        "enabledForUsers": ["beta-testers"]}),
    )
    .await;
    let path = "/api/fleet-risk/dashboard";
    app.get(&format!("{path}?userId=u1"), &app.keys.viewer)
        .await
        .assert_problem(403, "feature_disabled");
    app.get(path, &app.keys.viewer)
        .await
        .assert_problem(403, "feature_disabled");
    let beta = app
        .get(
            &format!("{path}?userId=u1&groups=beta-testers"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(beta.status, 200, "{}", beta.text);
    for key in [&app.keys.underwriter, &app.keys.admin] {
        let ungated = app.get(path, key).await;
        assert_eq!(ungated.status, 200, "{}", ungated.text);
        // Not gated, but a bad context is still refused (found by Schemathesis).
        let bad = app
            .get(&format!("{path}?userId=%C2%84&region=EU"), key)
            .await;
        bad.assert_problem(422, "validation_failed");
        assert_eq!(bad.error_fields(), ["userId", "region"]);
    }
    open_dashboard(&app).await;
    let everyone = app.get(path, &app.keys.viewer).await;
    assert_eq!(everyone.status, 200, "{}", everyone.text);
}

async fn flag_reads_cost_no_database_round_trip_in_the_steady_state(backend: Backend) {
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("PUBLICATION_POLL_MS", "60000".into());
    })
    .await;
    let before = flags_for(&app, "userId=u1&groups=internal-team").await;
    // With the tables gone, any read of them would fail: the answers come from the cache.
    app.execute_sql("ALTER TABLE feature_flags RENAME TO feature_flags_away")
        .await;
    app.execute_sql("ALTER TABLE feature_flag_state RENAME TO feature_flag_state_away")
        .await;
    for _ in 0..3 {
        assert_eq!(
            flags_for(&app, "userId=u1&groups=internal-team").await,
            before
        );
        let gated = app
            .get(
                "/api/fleet-risk/dashboard?userId=u1&groups=internal-team",
                &app.keys.viewer,
            )
            .await;
        assert_eq!(gated.status, 200, "{}", gated.text);
    }
    app.execute_sql("ALTER TABLE feature_flags_away RENAME TO feature_flags")
        .await;
    app.execute_sql("ALTER TABLE feature_flag_state_away RENAME TO feature_flag_state")
        .await;
    // This replica's own change shows at once, poll interval or not.
    put_flag(
        &app,
        "fleetRiskDashboard",
        json!({"enabled": false, "rolloutPercentage": 0}),
    )
    .await;
    assert_eq!(
        flags_for(&app, "userId=u1&groups=internal-team").await["fleetRiskDashboard"],
        false
    );
}

async fn ofrep(app: &TestApp, path: &str, body: &Value) -> TestResponse {
    app.post(path, &app.keys.viewer, body).await
}

async fn ofrep_answers_in_the_protocols_shapes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    put_flag(
        &app,
        "fleetRiskDashboard",
        json!({"enabled": true, "rolloutPercentage": 0,
        "enabledForUsers": ["beta-testers"], "regions": ["europe"]}),
    )
    .await;
    let one = "/ofrep/v1/evaluate/flags/fleetRiskDashboard";
    let beta = ofrep(
        &app,
        one,
        &json!({"context": {"targetingKey": "u1", "groups": ["beta-testers"]}}),
    )
    .await;
    assert_eq!(beta.status, 200, "{}", beta.text);
    assert_eq!(
        (
            &beta.body["key"],
            &beta.body["value"],
            &beta.body["reason"],
            &beta.body["variant"]
        ),
        (
            &json!("fleetRiskDashboard"),
            &json!(true),
            &json!("TARGETING_MATCH"),
            &json!("on")
        )
    );
    let split = ofrep(
        &app,
        one,
        &json!({"context": {"targetingKey": "u1", "region": "europe"}}),
    )
    .await;
    assert_eq!(
        (&split.body["value"], &split.body["reason"]),
        (&json!(false), &json!("SPLIT"))
    );
    let elsewhere = ofrep(
        &app,
        one,
        &json!({"context": {"targetingKey": "u1", "region": "asia"}}),
    )
    .await;
    assert_eq!(elsewhere.body["value"], false);
    assert_eq!(elsewhere.body["metadata"]["evaluationReason"], "DEFAULT");
    let errors = [
        (
            json!({"context": {"targetingKey": "u1"}}),
            "/ofrep/v1/evaluate/flags/noSuchFlag",
            404,
            "FLAG_NOT_FOUND",
        ),
        (
            json!({"context": {"region": "europe"}}),
            one,
            400,
            "TARGETING_KEY_MISSING",
        ),
        (
            json!({"context": {"targetingKey": "u1", "groups": 5}}),
            one,
            400,
            "INVALID_CONTEXT",
        ),
        (
            json!({"context": {"targetingKey": "u1", "region": "Not A Region"}}),
            one,
            400,
            "INVALID_CONTEXT",
        ),
        (json!({"notContext": {}}), one, 400, "INVALID_CONTEXT"),
    ];
    for (body, path, status, code) in errors {
        let answer = ofrep(&app, path, &body).await;
        assert_eq!(
            (answer.status, answer.body["errorCode"].as_str()),
            (status, Some(code)),
            "{}",
            answer.text
        );
        assert!(
            answer.body["key"].is_string() && answer.body["errorDetails"].is_string(),
            "{}",
            answer.text
        );
        assert_eq!(answer.header("content-type"), Some("application/json"));
    }
    let malformed = app.post_raw(one, "application/json", b"{".to_vec()).await;
    assert_eq!(
        (malformed.status, malformed.body["errorCode"].as_str()),
        (400, Some("PARSE_ERROR"))
    );
    // A single evaluation's failure names its flag, whatever failed.
    assert_eq!(
        malformed.body["key"], "fleetRiskDashboard",
        "{}",
        malformed.text
    );
    let anonymous = app
        .request(
            Method::POST,
            one,
            None,
            Some(&json!({"context": {"targetingKey": "u1"}})),
        )
        .await;
    assert_eq!(anonymous.status, 401);
    assert!(anonymous.body["errorDetails"].is_string() && anonymous.body.get("code").is_none());
    let by_header = app
        .client
        .post(app.url(one))
        .header("X-API-Key", &app.keys.viewer)
        .json(&json!({"context": {"targetingKey": "u1", "groups": "beta-testers"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(by_header.status(), 200);

    let all = "/ofrep/v1/evaluate/flags";
    let context = json!({"context": {"targetingKey": "u1", "groups": ["beta-testers"]}});
    let bulk = ofrep(&app, all, &context).await;
    assert_eq!(bulk.status, 200, "{}", bulk.text);
    assert_eq!(bulk.body["flags"][0]["key"], "fleetRiskDashboard");
    assert_eq!(bulk.body["flags"][0]["value"], true);
    let etag = bulk.header("etag").expect("an ETag").to_string();
    let again = app
        .client
        .post(app.url(all))
        .bearer_auth(&app.keys.viewer)
        .header("If-None-Match", &etag)
        .json(&context)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    put_flag(
        &app,
        "fleetRiskDashboard",
        json!({"enabled": false, "rolloutPercentage": 0}),
    )
    .await;
    let changed = app
        .client
        .post(app.url(all))
        .bearer_auth(&app.keys.viewer)
        .header("If-None-Match", &etag)
        .json(&context)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200, "a changed flag is a new answer");
    let missing = ofrep(&app, all, &json!({"context": {}})).await;
    assert_eq!(
        (missing.status, missing.body["errorCode"].as_str()),
        (400, Some("TARGETING_KEY_MISSING"))
    );
    let configuration = app.get("/ofrep/v1/configuration", &app.keys.viewer).await;
    assert_eq!(configuration.status, 200, "{}", configuration.text);
    assert_eq!(
        configuration.body["capabilities"]["cacheInvalidation"]["polling"]["minPollingIntervalMs"],
        0
    );
}

/// `count` user ids and what `/api/flags` and OFREP answer for them.
async fn answers(app: &TestApp, users: &[String]) -> Vec<(bool, bool)> {
    let mut out = Vec::new();
    for user in users {
        let flags = flags_for(app, &format!("userId={user}")).await;
        let single = ofrep(
            app,
            "/ofrep/v1/evaluate/flags/fleetRiskDashboard",
            &json!({"context": {"targetingKey": user}}),
        )
        .await;
        assert_eq!(single.body["value"], flags["fleetRiskDashboard"], "{user}");
        out.push((
            flags["fleetRiskDashboard"].as_bool().unwrap(),
            flags["exportToExcel"].as_bool().unwrap(),
        ));
    }
    out
}

async fn answers_agree_across_replicas_and_a_restart(backend: Backend) {
    let mut first = TestApp::spawn(backend).await;
    put_flag(
        &first,
        "fleetRiskDashboard",
        json!({"enabled": true, "rolloutPercentage": 30}),
    )
    .await;
    put_flag(
        &first,
        "exportToExcel",
        json!({"enabled": true, "rolloutPercentage": 70}),
    )
    .await;
    let url = first.database.url.clone();
    let second = TestApp::spawn_on(TestDatabase::sharing(&url), base_environment(&url)).await;
    let users: Vec<String> = (0..200).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let on_first = answers(&first, &users).await;
    assert_eq!(
        answers(&second, &users).await,
        on_first,
        "two replicas on one database"
    );
    let dashboard_on = on_first.iter().filter(|(d, _)| *d).count();
    let export_on = on_first.iter().filter(|(_, e)| *e).count();
    assert!(
        (30..=90).contains(&dashboard_on) && (110..=170).contains(&export_on),
        "{dashboard_on} {export_on}"
    );
    first.stop().await;
    let restarted = TestApp::spawn_on(TestDatabase::sharing(&url), base_environment(&url)).await;
    assert_eq!(
        answers(&restarted, &users).await,
        on_first,
        "after a restart"
    );
}

/// The flag routes' answers for the contract test (`contract.rs`), each
/// handed to `check`; leaves the dashboard open to every viewer.
pub async fn contract_checks(app: &TestApp, check: &mut impl FnMut(&str, &str, &TestResponse)) {
    let admin = &app.keys.admin;
    let viewer = &app.keys.viewer;
    put_flag(
        app,
        "fleetRiskDashboard",
        json!({"enabled": true, "rolloutPercentage": 0,
        "enabledForUsers": ["beta-testers"]}),
    )
    .await;
    let dashboard = "/api/fleet-risk/dashboard";
    check(
        dashboard,
        "get",
        &app.get(&format!("{dashboard}?userId=u1"), viewer).await,
    );
    check(
        dashboard,
        "get",
        &app.get(&format!("{dashboard}?region=EU"), viewer).await,
    );
    check(
        "/api/flags",
        "get",
        &app.get("/api/flags?userId=u1&groups=beta-testers", viewer)
            .await,
    );
    check(
        "/api/flags",
        "get",
        &app.get("/api/flags?groups=A", viewer).await,
    );
    check(
        "/api/admin/flags",
        "get",
        &app.get("/api/admin/flags", admin).await,
    );
    check(
        "/api/admin/flags",
        "get",
        &app.get("/api/admin/flags", viewer).await,
    );
    let one = "/api/admin/flags/{key}";
    check(one, "get", &app.get(DASHBOARD, admin).await);
    check(one, "get", &app.get("/api/admin/flags/none", admin).await);
    let change = json!({"enabled": true, "rolloutPercentage": 10, "reason": "contract",
        "schedule": [{"at": "2030-01-01T00:00:00Z", "percentage": 20}]});
    let put = |path: &str, body: Value| {
        let path = path.to_string();
        async move {
            app.request(Method::PUT, &path, Some(admin), Some(&body))
                .await
        }
    };
    check(one, "put", &put(DASHBOARD, change.clone()).await);
    check(
        one,
        "put",
        &put("/api/admin/flags/contractFlag", change).await,
    );
    check(
        one,
        "put",
        &put(DASHBOARD, json!({"rolloutPercentage": -1})).await,
    );
    let audit = "/api/admin/flags/{key}/audit";
    check(
        audit,
        "get",
        &app.get(&format!("{DASHBOARD}/audit"), admin).await,
    );
    check(
        audit,
        "get",
        &app.get("/api/admin/flags/none/audit", admin).await,
    );
    let single = "/ofrep/v1/evaluate/flags/{key}";
    let context = json!({"context": {"targetingKey": "u1", "groups": ["beta-testers"]}});
    check(
        single,
        "post",
        &app.post(
            "/ofrep/v1/evaluate/flags/fleetRiskDashboard",
            viewer,
            &context,
        )
        .await,
    );
    check(
        single,
        "post",
        &app.post("/ofrep/v1/evaluate/flags/none", viewer, &context)
            .await,
    );
    check(
        single,
        "post",
        &app.post(
            "/ofrep/v1/evaluate/flags/fleetRiskDashboard",
            viewer,
            &json!({"context": {}}),
        )
        .await,
    );
    check(
        single,
        "post",
        &app.request(
            Method::POST,
            "/ofrep/v1/evaluate/flags/fleetRiskDashboard",
            None,
            Some(&context),
        )
        .await,
    );
    check(
        single,
        "post",
        &app.post_raw(
            "/ofrep/v1/evaluate/flags/fleetRiskDashboard",
            "text/plain",
            b"{}".to_vec(),
        )
        .await,
    );
    let bulk = "/ofrep/v1/evaluate/flags";
    check(bulk, "post", &app.post(bulk, viewer, &context).await);
    check(
        bulk,
        "post",
        &app.post(bulk, viewer, &json!({"context": {"targetingKey": 5}}))
            .await,
    );
    check(
        "/ofrep/v1/configuration",
        "get",
        &app.get("/ofrep/v1/configuration", viewer).await,
    );
    check(
        "/ofrep/v1/configuration",
        "get",
        &app.request(Method::GET, "/ofrep/v1/configuration", None, None)
            .await,
    );
    open_dashboard(app).await;
}
