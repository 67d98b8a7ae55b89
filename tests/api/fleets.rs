use serde_json::json;

use crate::support::{Backend, IMOS, TestApp, vessel_body};

crate::cases!(
    a_fleet_is_created_read_updated_and_deleted,
    a_duplicate_fleet_name_is_409,
    every_bad_fleet_field_is_named,
    unknown_fleet_ids_are_404,
    a_fleet_with_vessels_cannot_be_deleted,
    fleets_page_through_every_item_once,
    bad_paging_parameters_are_named,
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
