//! Fleets: create, read, update, delete, and the fleet list with each
//! fleet's current risk, sorted, filtered and paged.

use serde_json::{Value, json};

use crate::support::{Backend, IMOS, TestApp, vessel_body};

crate::cases!(
    a_fleet_is_created_read_updated_and_deleted,
    a_duplicate_fleet_name_is_409,
    every_bad_fleet_field_is_named,
    unknown_fleet_ids_are_404,
    a_fleet_with_vessels_cannot_be_deleted,
    fleets_page_through_every_item_once,
    bad_paging_parameters_are_named,
    the_fleet_list_carries_each_fleets_current_risk,
    fleets_sort_by_current_score_both_ways_ties_by_id_across_pages,
    a_fleet_list_cursor_is_stable_and_bound_to_its_order,
    the_fleet_level_filter_cuts_each_fleet_by_its_own_thresholds,
);

async fn a_fleet_is_created_read_updated_and_deleted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created = app
        .post(
            "/api/fleet-risk/fleets",
            &app.keys.admin,
            &json!({"name": "  Nordic Bulk  ", "description": "dry bulk"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/fleet-risk/fleets/{id}").as_str())
    );
    assert_eq!(created.body["name"], "Nordic Bulk");
    assert_eq!(created.body["vesselCount"], 0);

    let read = app
        .get(&format!("/api/fleet-risk/fleets/{id}"), &app.keys.viewer)
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body["description"], "dry bulk");

    let renamed = app
        .patch(
            &format!("/api/fleet-risk/fleets/{id}"),
            &app.keys.admin,
            &json!({"name": "Nordic Bulk AS", "description": null}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(renamed.body["name"], "Nordic Bulk AS");
    assert_eq!(renamed.body["description"], json!(null));

    let kept = app
        .patch(
            &format!("/api/fleet-risk/fleets/{id}"),
            &app.keys.admin,
            &json!({}),
        )
        .await;
    assert_eq!(kept.body["name"], "Nordic Bulk AS");

    let deleted = app
        .delete(&format!("/api/fleet-risk/fleets/{id}"), &app.keys.admin)
        .await;
    assert_eq!(deleted.status, 204);
    app.get(&format!("/api/fleet-risk/fleets/{id}"), &app.keys.viewer)
        .await
        .assert_problem(404, "not_found");
    app.delete(&format!("/api/fleet-risk/fleets/{id}"), &app.keys.admin)
        .await
        .assert_problem(404, "not_found");
}

async fn a_duplicate_fleet_name_is_409(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_fleet("Aegean Ferries").await;
    let response = app
        .post(
            "/api/fleet-risk/fleets",
            &app.keys.admin,
            &json!({"name": "Aegean Ferries"}),
        )
        .await;
    response.assert_problem(409, "duplicate_fleet_name");
    let other = app.create_fleet("Other").await;
    app.patch(
        &format!("/api/fleet-risk/fleets/{other}"),
        &app.keys.admin,
        &json!({"name": "Aegean Ferries"}),
    )
    .await
    .assert_problem(409, "duplicate_fleet_name");
    let list = app.get("/api/fleet-risk/fleets", &app.keys.viewer).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
}

async fn every_bad_fleet_field_is_named(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .post(
            "/api/fleet-risk/fleets",
            &app.keys.admin,
            &json!({"name": "", "description": "x".repeat(2001)}),
        )
        .await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(response.error_fields(), ["name", "description"]);

    let blank = app
        .post(
            "/api/fleet-risk/fleets",
            &app.keys.admin,
            &json!({"name": "   "}),
        )
        .await;
    blank.assert_problem(422, "validation_failed");
    assert_eq!(blank.error_fields(), ["name"]);

    let unknown = app
        .post(
            "/api/fleet-risk/fleets",
            &app.keys.admin,
            &json!({"name": "A", "region": "EU"}),
        )
        .await;
    unknown.assert_problem(422, "validation_failed");
    assert_eq!(unknown.error_fields(), ["region"]);

    let list = app.get("/api/fleet-risk/fleets", &app.keys.viewer).await;
    assert_eq!(list.body["items"], json!([]));
}

async fn unknown_fleet_ids_are_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for id in ["0190a0a0-0000-7000-8000-000000000000", "not-a-uuid"] {
        app.get(&format!("/api/fleet-risk/fleets/{id}"), &app.keys.viewer)
            .await
            .assert_problem(404, "not_found");
        app.get(
            &format!("/api/fleet-risk/fleets/{id}/vessels"),
            &app.keys.viewer,
        )
        .await
        .assert_problem(404, "not_found");
        app.patch(
            &format!("/api/fleet-risk/fleets/{id}"),
            &app.keys.admin,
            &json!({"name": "X"}),
        )
        .await
        .assert_problem(404, "not_found");
    }
}

async fn a_fleet_with_vessels_cannot_be_deleted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Busy fleet").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    app.delete(&format!("/api/fleet-risk/fleets/{fleet}"), &app.keys.admin)
        .await
        .assert_problem(409, "fleet_not_empty");
    let read = app
        .get(&format!("/api/fleet-risk/fleets/{fleet}"), &app.keys.viewer)
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body["vesselCount"], 1);
}

async fn fleets_page_through_every_item_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let names = ["Echo", "Alpha", "Delta", "Bravo", "Charlie"];
    for name in names {
        app.create_fleet(name).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            None => "/api/fleet-risk/fleets?limit=2".to_string(),
            Some(c) => format!("/api/fleet-risk/fleets?limit=2&cursor={c}"),
        };
        let page = app.get(&path, &app.keys.viewer).await;
        assert_eq!(page.status, 200, "{}", page.text);
        pages += 1;
        for item in page.body["items"].as_array().unwrap() {
            seen.push(item["name"].as_str().unwrap().to_string());
        }
        match page.body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]);
}

async fn bad_paging_parameters_are_named(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("cursor=definitely-not-ours", "cursor"),
    ] {
        let response = app
            .get(&format!("/api/fleet-risk/fleets?{query}"), &app.keys.viewer)
            .await;
        response.assert_problem(422, "validation_failed");
        assert_eq!(response.error_fields(), [field], "{query}");
    }
    let max = app
        .get("/api/fleet-risk/fleets?limit=500", &app.keys.viewer)
        .await;
    assert_eq!(max.status, 200);
}

/// Every item of a list, paged `limit` at a time through its cursors;
/// `query` is the list's other parameters.
pub async fn list_all(app: &TestApp, path: &str, query: &str, limit: u32) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{path}?limit={limit}");
        if !query.is_empty() {
            url.push_str(&format!("&{query}"));
        }
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let page = app.get(&url, &app.keys.viewer).await;
        assert_eq!(page.status, 200, "{url}: {}", page.text);
        let listed = page.body["items"].as_array().unwrap();
        assert!(listed.len() <= limit as usize, "{url}");
        items.extend(listed.iter().cloned());
        match page.body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return items,
        }
    }
}

/// The level of `score` under `thresholds` (risk-model.md section 4: a
/// threshold belongs to the level it opens).
pub fn level_of(score: f64, thresholds: &Value) -> &'static str {
    let cut = |name: &str| thresholds[name].as_f64().unwrap();
    if score >= cut("critical") {
        "critical"
    } else if score >= cut("high") {
        "high"
    } else if score >= cut("medium") {
        "medium"
    } else {
        "low"
    }
}

/// The fleet's `GET .../risk` answer, `None` when it has no published score.
pub async fn fleet_risk(app: &TestApp, fleet: &str) -> Option<Value> {
    let risk = app
        .get(
            &format!("/api/fleet-risk/fleets/{fleet}/risk"),
            &app.keys.viewer,
        )
        .await;
    match risk.status {
        200 => Some(risk.body),
        404 => None,
        status => panic!("fleet risk {status}: {}", risk.text),
    }
}

/// A test vessel with this IMO number built in `year_built`, sanctioned or not.
fn vessel(imo: &str, year_built: i64, sanctioned: bool) -> Value {
    let mut body = vessel_body(imo);
    body["yearBuilt"] = json!(year_built);
    body["sanctioned"] = json!(sanctioned);
    body
}

async fn set_fleet_thresholds(app: &TestApp, fleet: &str, thresholds: Value) {
    let put = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/fleet-risk/fleets/{fleet}/thresholds"),
            Some(&app.keys.admin),
            Some(&thresholds),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text);
}

/// Each listed fleet against what the rest of the API says of it: score and
/// time as its risk read, the level of that score under its thresholds in
/// force, and its vessel count as its vessel list.
async fn assert_listed_as_the_api_says(app: &TestApp, listed: &[Value]) {
    for item in listed {
        let id = item["id"].as_str().unwrap();
        let fields = item.as_object().unwrap();
        for key in ["score", "level", "calculatedAt", "vesselCount"] {
            assert!(fields.contains_key(key), "{key} is present: {item}");
        }
        match fleet_risk(app, id).await {
            Some(risk) => {
                assert_eq!(item["score"].as_f64(), risk["score"].as_f64(), "{item}");
                assert_eq!(item["calculatedAt"], risk["calculatedAt"], "{item}");
                assert_eq!(item["level"], risk["level"], "{item}");
                let thresholds = app
                    .get(
                        &format!("/api/fleet-risk/fleets/{id}/thresholds"),
                        &app.keys.viewer,
                    )
                    .await
                    .body;
                let score = item["score"].as_f64().unwrap();
                assert_eq!(item["level"], level_of(score, &thresholds), "{item}");
            }
            None => {
                assert_eq!(
                    (&item["score"], &item["level"], &item["calculatedAt"]),
                    (&Value::Null, &Value::Null, &Value::Null),
                    "an unscored fleet: {item}"
                );
            }
        }
        let vessels = list_all(
            app,
            &format!("/api/fleet-risk/fleets/{id}/vessels"),
            "",
            500,
        )
        .await;
        assert_eq!(item["vesselCount"], vessels.len(), "{item}");
    }
}

async fn the_fleet_list_carries_each_fleets_current_risk(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bulk = app.create_fleet("Bulk").await;
    app.create_vessel(&bulk, vessel(IMOS[0], 1995, false)).await;
    app.create_vessel(&bulk, vessel(IMOS[1], 2015, false)).await;
    let strict = app.create_fleet("Strict").await;
    app.create_vessel(&strict, vessel(IMOS[2], 2015, false))
        .await;
    set_fleet_thresholds(
        &app,
        &strict,
        json!({"medium": 1, "high": 2, "critical": 3}),
    )
    .await;
    let empty = app.create_fleet("Empty").await;

    let listed = list_all(&app, "/api/fleet-risk/fleets", "", 50).await;
    let names: Vec<&str> = listed.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Bulk", "Empty", "Strict"]);
    assert_listed_as_the_api_says(&app, &listed).await;
    let by_id = |id: &str| listed.iter().find(|f| f["id"] == id).unwrap().clone();
    assert_eq!(by_id(&empty)["score"], Value::Null);
    assert_eq!(by_id(&bulk)["vesselCount"], 2);
    // The override is what cuts Strict: under the defaults it would be low.
    let strict_score = by_id(&strict)["score"].as_f64().unwrap();
    let defaults = app
        .get("/api/fleet-risk/thresholds", &app.keys.viewer)
        .await
        .body;
    assert_eq!(level_of(strict_score, &defaults), "low");
    assert_eq!(by_id(&strict)["level"], "critical");

    // An edit re-scores the fleet at once: the list follows.
    let incident = json!({"date": chrono::Utc::now().date_naive().to_string(), "severity": "A",
        "kind": "fire_explosion", "grossLossUsd": 9000000});
    let appended = app
        .post(
            &format!("/api/fleet-risk/vessels/{}/incidents", IMOS[0]),
            &app.keys.admin,
            &incident,
        )
        .await;
    assert_eq!(appended.status, 201, "{}", appended.text);
    let after_edit = list_all(&app, "/api/fleet-risk/fleets", "", 50).await;
    let bulk_after = after_edit.iter().find(|f| f["id"] == bulk).unwrap();
    assert!(bulk_after["score"].as_f64() > by_id(&bulk)["score"].as_f64());
    assert_listed_as_the_api_says(&app, &after_edit).await;

    // So does a book-wide run, and a threshold change (no re-score).
    let run = app.recalculate().await;
    set_fleet_thresholds(&app, &bulk, json!({"medium": 1, "high": 2, "critical": 3})).await;
    let after_run = list_all(&app, "/api/fleet-risk/fleets", "", 1).await;
    assert_listed_as_the_api_says(&app, &after_run).await;
    for fleet in [&bulk, &strict] {
        assert_eq!(fleet_risk(&app, fleet).await.unwrap()["runId"], run);
    }
    let bulk_after = after_run.iter().find(|f| f["id"] == bulk).unwrap();
    assert_eq!(bulk_after["level"], "critical");
}

/// `(sort score, id)` of a listed fleet: unscored as -1 (the spec's rule).
fn sort_key(fleet: &Value) -> (f64, String) {
    (
        fleet["score"].as_f64().unwrap_or(-1.0),
        fleet["id"].as_str().unwrap().to_string(),
    )
}

/// The ids in the spec's order: by score (ascending or not), ties by id ascending.
fn expected_order(fleets: &[Value], descending: bool) -> Vec<String> {
    let mut keys: Vec<(f64, String)> = fleets.iter().map(sort_key).collect();
    keys.sort_by(|a, b| {
        let by_score = a.0.partial_cmp(&b.0).unwrap();
        let by_score = if descending {
            by_score.reverse()
        } else {
            by_score
        };
        by_score.then_with(|| a.1.cmp(&b.1))
    });
    keys.into_iter().map(|(_, id)| id).collect()
}

fn ids(fleets: &[Value]) -> Vec<String> {
    fleets
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

/// Fleets with ties: Zulu and Alpha score the same (Zulu created first, so
/// the id order is not the name order), Kilo is sanctioned, Echo and Bravo
/// are unscored (both sort as -1).
async fn fleets_with_ties(app: &TestApp) -> Vec<Value> {
    for (name, vessels) in [
        ("Zulu", vec![vessel(IMOS[0], 1992, false)]),
        ("Mike", vec![vessel(IMOS[1], 2020, false)]),
        ("Alpha", vec![vessel(IMOS[2], 1992, false)]),
        ("Kilo", vec![vessel(IMOS[3], 2010, true)]),
        ("Echo", vec![]),
        ("Bravo", vec![]),
    ] {
        let fleet = app.create_fleet(name).await;
        for body in vessels {
            app.create_vessel(&fleet, body).await;
        }
    }
    let fleets = list_all(app, "/api/fleet-risk/fleets", "", 500).await;
    let named = |name: &str| fleets.iter().find(|f| f["name"] == name).unwrap();
    let (zulu, alpha) = (named("Zulu"), named("Alpha"));
    assert_eq!(zulu["score"].as_f64(), alpha["score"].as_f64(), "a tie");
    assert!(
        zulu["id"].as_str() < alpha["id"].as_str(),
        "the tie's id order is not its name order"
    );
    assert!(named("Kilo")["score"].as_f64() > zulu["score"].as_f64());
    assert_ne!(named("Mike")["score"].as_f64(), zulu["score"].as_f64());
    fleets
}

async fn fleets_sort_by_current_score_both_ways_ties_by_id_across_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleets = fleets_with_ties(&app).await;
    assert_listed_as_the_api_says(&app, &fleets).await;
    let path = "/api/fleet-risk/fleets";
    for (sort, descending) in [("score", false), ("-score", true)] {
        let expected = expected_order(&fleets, descending);
        for limit in [1, 2, 4, 500] {
            let listed = list_all(&app, path, &format!("sort={sort}"), limit).await;
            assert_eq!(ids(&listed), expected, "sort={sort} limit={limit}");
        }
    }
    // Echo was created before Bravo: ties by id put it first, not by name.
    let id_of = |name: &str| {
        fleets.iter().find(|f| f["name"] == name).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let ascending = expected_order(&fleets, false);
    assert_eq!(
        ascending[..2],
        [id_of("Echo"), id_of("Bravo")],
        "unscored first ascending"
    );
    assert_eq!(
        expected_order(&fleets, true)[4..],
        [id_of("Echo"), id_of("Bravo")],
        "and last descending"
    );
    let by_name: Vec<String> = list_all(&app, path, "sort=name", 2)
        .await
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(by_name, ["Alpha", "Bravo", "Echo", "Kilo", "Mike", "Zulu"]);
}

async fn a_fleet_list_cursor_is_stable_and_bound_to_its_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleets = fleets_with_ties(&app).await;
    let expected = expected_order(&fleets, true);
    let path = "/api/fleet-risk/fleets";
    let first = app
        .get(&format!("{path}?sort=-score&limit=2"), &app.keys.viewer)
        .await;
    assert_eq!(ids(first.body["items"].as_array().unwrap()), expected[..2]);
    let cursor = first.body["nextCursor"].as_str().unwrap().to_string();

    // A fleet that sorts before the cursor arrives between pages: the rest
    // of the list is neither shifted nor repeated.
    let late = app.create_fleet("Late").await;
    app.create_vessel(&late, vessel(IMOS[4], 2010, true)).await;
    let mut rest = Vec::new();
    let mut next = Some(cursor.clone());
    while let Some(cursor) = next {
        let page = app
            .get(
                &format!("{path}?sort=-score&limit=2&cursor={cursor}"),
                &app.keys.viewer,
            )
            .await;
        assert_eq!(page.status, 200, "{}", page.text);
        rest.extend(ids(page.body["items"].as_array().unwrap()));
        next = page.body["nextCursor"].as_str().map(str::to_string);
    }
    assert_eq!(rest, expected[2..]);
    let again = app
        .get(
            &format!("{path}?sort=-score&limit=2&cursor={cursor}"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(
        ids(again.body["items"].as_array().unwrap()),
        expected[2..4],
        "the same cursor, the same page"
    );

    // A cursor serves the order and direction it came from only.
    let by_name = app.get(&format!("{path}?limit=1"), &app.keys.viewer).await;
    let name_cursor = by_name.body["nextCursor"].as_str().unwrap();
    for (sort, cursor) in [
        ("score", cursor.as_str()),
        ("name", cursor.as_str()),
        ("-score", name_cursor),
    ] {
        let mixed = app
            .get(
                &format!("{path}?sort={sort}&cursor={cursor}"),
                &app.keys.viewer,
            )
            .await;
        mixed.assert_problem(422, "validation_failed");
        assert_eq!(mixed.error_fields(), ["cursor"], "sort={sort}");
    }
    let bad = app
        .get(
            &format!("{path}?sort=risk&level=severe&limit=0"),
            &app.keys.viewer,
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.error_fields(), ["limit", "sort", "level"]);
}

async fn the_fleet_level_filter_cuts_each_fleet_by_its_own_thresholds(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut fleets = Vec::new();
    for (i, name) in ["Plain A", "Strict", "Plain B", "Middling"]
        .iter()
        .enumerate()
    {
        let fleet = app.create_fleet(name).await;
        app.create_vessel(&fleet, vessel(IMOS[i], 2015, false))
            .await;
        fleets.push(fleet);
    }
    app.create_fleet("Unscored").await;
    set_fleet_thresholds(
        &app,
        &fleets[1],
        json!({"medium": 1, "high": 2, "critical": 3}),
    )
    .await;
    set_fleet_thresholds(
        &app,
        &fleets[3],
        json!({"medium": 1, "high": 90, "critical": 95}),
    )
    .await;
    let path = "/api/fleet-risk/fleets";
    let all = list_all(&app, path, "", 500).await;
    assert_listed_as_the_api_says(&app, &all).await;
    let level_of_fleet = |name: &str| {
        all.iter().find(|f| f["name"] == name).unwrap()["level"]
            .as_str()
            .map(str::to_string)
    };
    // One profile, three levels: each fleet is cut by its own thresholds.
    assert_eq!(level_of_fleet("Plain A").as_deref(), Some("low"));
    assert_eq!(level_of_fleet("Strict").as_deref(), Some("critical"));
    assert_eq!(level_of_fleet("Middling").as_deref(), Some("medium"));
    assert_eq!(level_of_fleet("Unscored"), None);

    for (filter, sort) in [
        ("low", "name"),
        ("critical", "-score"),
        ("medium", "score"),
        ("low,critical", "-score"),
        ("high", "name"),
        ("low, medium,high,critical", "score"),
    ] {
        let wanted: Vec<&str> = filter.split(',').map(str::trim).collect();
        let kept: Vec<Value> = all
            .iter()
            .filter(|f| f["level"].as_str().is_some_and(|l| wanted.contains(&l)))
            .cloned()
            .collect();
        let expected = match sort {
            "name" => ids(&kept),
            "score" => expected_order(&kept, false),
            _ => expected_order(&kept, true),
        };
        let listed = list_all(&app, path, &format!("level={filter}&sort={sort}"), 1).await;
        assert_eq!(ids(&listed), expected, "level={filter} sort={sort}");
    }
}
