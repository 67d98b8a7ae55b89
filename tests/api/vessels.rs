use serde_json::{Value, json};

use crate::support::{Backend, IMOS, TestApp, vessel_body};

crate::cases!(
    a_vessel_is_created_with_its_histories_and_read_back,
    the_imo_prefix_works_in_bodies_and_paths,
    every_bad_vessel_field_is_named_and_nothing_is_written,
    a_bad_history_item_is_named_by_index_and_nothing_is_written,
    a_duplicate_imo_is_409_and_the_original_is_kept,
    the_fleet_must_exist,
    defaults_of_section_1_apply,
    a_patch_changes_only_what_it_names,
    a_patch_that_is_invalid_changes_nothing,
    a_patch_cannot_change_the_imo_or_histories,
    a_vessel_moves_to_another_fleet,
    a_deleted_vessel_is_gone_with_its_histories,
    fleet_vessels_page_with_their_fields,
    unknown_vessels_are_404,
);

fn without_ids(items: &Value) -> Value {
    let mut items = items.clone();
    for item in items.as_array_mut().unwrap() {
        assert!(item["id"].is_string(), "{item}");
        item.as_object_mut().unwrap().remove("id");
    }
    items
}

async fn a_vessel_is_created_with_its_histories_and_read_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    let body = vessel_body(IMOS[0]);
    let mut request = body.clone();
    request["fleetId"] = json!(fleet);
    let created = app
        .post("/api/fleet-risk/vessels", &app.keys.admin, &request)
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(
        created.header("location"),
        Some("/api/fleet-risk/vessels/9074729")
    );

    let read = app
        .get("/api/fleet-risk/vessels/9074729", &app.keys.viewer)
        .await;
    assert_eq!(read.status, 200);
    for field in [
        "vesselIMO",
        "name",
        "shipType",
        "yearBuilt",
        "grossTonnage",
        "flag",
        "classSociety",
        "companyPerformance",
        "insuredValueUsd",
        "insurancePolicyId",
        "sanctioned",
        "bannedListed",
        "daysInListedAreas12m",
        "aisGaps12m",
        "flagChanges36m",
    ] {
        assert_eq!(read.body[field], body[field], "{field}");
    }
    assert_eq!(read.body["fleetId"], json!(fleet));
    // Histories come back oldest first, each with an id.
    let mut inspections = body["inspections"].as_array().unwrap().clone();
    inspections.reverse();
    assert_eq!(
        without_ids(&read.body["inspections"]),
        Value::Array(inspections)
    );
    assert_eq!(without_ids(&read.body["incidents"]), body["incidents"]);
    assert_eq!(read.body, created.body);
}

async fn the_imo_prefix_works_in_bodies_and_paths(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    let created = app.create_vessel(&fleet, vessel_body("IMO 9811000")).await;
    assert_eq!(created["vesselIMO"], "9811000");
    let read = app
        .get("/api/fleet-risk/vessels/IMO%209811000", &app.keys.viewer)
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body["vesselIMO"], "9811000");
    let also = app
        .get("/api/fleet-risk/vessels/IMO9811000", &app.keys.viewer)
        .await;
    assert_eq!(also.status, 200);
}

async fn every_bad_vessel_field_is_named_and_nothing_is_written(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    let mut body = vessel_body(IMOS[1]);
    body["fleetId"] = json!(fleet);
    body["name"] = json!("");
    body["shipType"] = json!("yacht");
    body["yearBuilt"] = json!(1850);
    body["grossTonnage"] = json!(-5);
    body["flag"] = json!("XX");
    body["companyPerformance"] = json!("great");
    body["insuredValueUsd"] = json!(-1.0);
    body["insurancePolicyId"] = json!("policy 7");
    body["daysInListedAreas12m"] = json!(400);
    body["aisGaps12m"] = json!(-1);
    body["flagChanges36m"] = json!(-1);
    let response = app
        .post("/api/fleet-risk/vessels", &app.keys.admin, &body)
        .await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(
        response.error_fields(),
        [
            "name",
            "shipType",
            "yearBuilt",
            "grossTonnage",
            "flag",
            "companyPerformance",
            "insuredValueUsd",
            "insurancePolicyId",
            "daysInListedAreas12m",
            "aisGaps12m",
            "flagChanges36m",
        ]
    );
    app.get(
        &format!("/api/fleet-risk/vessels/{}", IMOS[1]),
        &app.keys.viewer,
    )
    .await
    .assert_problem(404, "not_found");

    let mut bad_imo = vessel_body("9074728");
    bad_imo["fleetId"] = json!(fleet);
    let response = app
        .post("/api/fleet-risk/vessels", &app.keys.admin, &bad_imo)
        .await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(response.error_fields(), ["vesselIMO"]);
    let message = response.body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("check digit"), "{message}");
}

async fn a_bad_history_item_is_named_by_index_and_nothing_is_written(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    let mut body = vessel_body(IMOS[2]);
    body["fleetId"] = json!(fleet);
    body["inspections"][1]["deficiencies"] = json!(-3);
    body["incidents"][0]["severity"] = json!("D");
    body["incidents"][0]["date"] = json!("2999-01-01");
    let response = app
        .post("/api/fleet-risk/vessels", &app.keys.admin, &body)
        .await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(
        response.error_fields(),
        [
            "inspections[1].deficiencies",
            "incidents[0].date",
            "incidents[0].severity"
        ]
    );
    app.get(
        &format!("/api/fleet-risk/vessels/{}", IMOS[2]),
        &app.keys.viewer,
    )
    .await
    .assert_problem(404, "not_found");
}

async fn a_duplicate_imo_is_409_and_the_original_is_kept(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let mut again = vessel_body(&format!("IMO {}", IMOS[0]));
    again["fleetId"] = json!(fleet);
    again["name"] = json!("IMPOSTOR");
    again["incidents"] = json!([]);
    let response = app
        .post("/api/fleet-risk/vessels", &app.keys.admin, &again)
        .await;
    response.assert_problem(409, "duplicate_imo");
    let read = app
        .get(
            &format!("/api/fleet-risk/vessels/{}", IMOS[0]),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(read.body["name"], format!("TEST VESSEL {}", IMOS[0]));
    assert_eq!(read.body["incidents"].as_array().unwrap().len(), 1);
    assert_eq!(read.body["inspections"].as_array().unwrap().len(), 2);
}

async fn the_fleet_must_exist(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut body = vessel_body(IMOS[0]);
    let missing = app
        .post("/api/fleet-risk/vessels", &app.keys.admin, &body)
        .await;
    missing.assert_problem(422, "validation_failed");
    assert_eq!(missing.error_fields(), ["fleetId"]);

    body["fleetId"] = json!("0190a0a0-0000-7000-8000-000000000000");
    let unknown = app
        .post("/api/fleet-risk/vessels", &app.keys.admin, &body)
        .await;
    unknown.assert_problem(422, "validation_failed");
    assert_eq!(unknown.error_fields(), ["fleetId"]);

    body["fleetId"] = json!("fleet-7");
    body["flag"] = json!("dk");
    let both = app
        .post("/api/fleet-risk/vessels", &app.keys.admin, &body)
        .await;
    assert_eq!(both.error_fields(), ["fleetId", "flag"]);
    app.get(
        &format!("/api/fleet-risk/vessels/{}", IMOS[0]),
        &app.keys.viewer,
    )
    .await
    .assert_problem(404, "not_found");
}

async fn defaults_of_section_1_apply(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    let minimal = json!({
        "vesselIMO": IMOS[3], "name": "MINIMAL", "shipType": "tug", "yearBuilt": 2015,
        "grossTonnage": 450, "flag": "NO", "insuredValueUsd": 3000000
    });
    let created = app.create_vessel(&fleet, minimal).await;
    assert_eq!(created["companyPerformance"], "medium");
    assert_eq!(created["classSociety"], json!(null));
    assert_eq!(created["insurancePolicyId"], json!(null));
    assert_eq!(created["sanctioned"], false);
    assert_eq!(created["bannedListed"], false);
    assert_eq!(created["daysInListedAreas12m"], 0);
    assert_eq!(created["inspections"], json!([]));
}

async fn a_patch_changes_only_what_it_names(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    let before = app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let path = format!("/api/fleet-risk/vessels/{}", IMOS[0]);
    let patched = app
        .patch(
            &path,
            &app.keys.admin,
            &json!({"name": "RENAMED", "insuredValueUsd": 21000000.0, "classSociety": null}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.body["name"], "RENAMED");
    assert_eq!(patched.body["insuredValueUsd"], 21000000.0);
    assert_eq!(patched.body["classSociety"], json!(null));
    for unchanged in [
        "shipType",
        "flag",
        "yearBuilt",
        "inspections",
        "incidents",
        "createdAt",
    ] {
        assert_eq!(patched.body[unchanged], before[unchanged], "{unchanged}");
    }
    let read = app.get(&path, &app.keys.viewer).await;
    assert_eq!(read.body, patched.body);
}

async fn a_patch_that_is_invalid_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    let before = app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let path = format!("/api/fleet-risk/vessels/{}", IMOS[0]);
    let response = app
        .patch(
            &path,
            &app.keys.admin,
            &json!({"name": "OK NAME", "flag": "Denmark", "yearBuilt": 3000, "colour": "red"}),
        )
        .await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(response.error_fields(), ["yearBuilt", "flag", "colour"]);
    let response = app
        .patch(
            &path,
            &app.keys.admin,
            &json!({"name": "OK NAME", "flag": "Denmark", "yearBuilt": 3000}),
        )
        .await;
    assert_eq!(response.error_fields(), ["yearBuilt", "flag"]);
    let read = app.get(&path, &app.keys.viewer).await;
    assert_eq!(read.body, before);
}

async fn a_patch_cannot_change_the_imo_or_histories(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let path = format!("/api/fleet-risk/vessels/{}", IMOS[0]);
    let response = app
        .patch(
            &path,
            &app.keys.admin,
            &json!({"vesselIMO": IMOS[1], "inspections": []}),
        )
        .await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(response.error_fields(), ["vesselIMO", "inspections"]);
    let same = app
        .patch(
            &path,
            &app.keys.admin,
            &json!({"vesselIMO": format!("IMO {}", IMOS[0])}),
        )
        .await;
    assert_eq!(same.status, 200, "{}", same.text);
}

async fn a_vessel_moves_to_another_fleet(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let from = app.create_fleet("From").await;
    let to = app.create_fleet("To").await;
    app.create_vessel(&from, vessel_body(IMOS[0])).await;
    let path = format!("/api/fleet-risk/vessels/{}", IMOS[0]);
    let moved = app
        .patch(&path, &app.keys.admin, &json!({"fleetId": to}))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.body["fleetId"], json!(to));
    let from_list = app
        .get(
            &format!("/api/fleet-risk/fleets/{from}/vessels"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(from_list.body["items"], json!([]));
    let to_list = app
        .get(
            &format!("/api/fleet-risk/fleets/{to}/vessels"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(to_list.body["items"][0]["vesselIMO"], IMOS[0]);
}

async fn a_deleted_vessel_is_gone_with_its_histories(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let path = format!("/api/fleet-risk/vessels/{}", IMOS[0]);
    assert_eq!(app.delete(&path, &app.keys.admin).await.status, 204);
    app.get(&path, &app.keys.viewer)
        .await
        .assert_problem(404, "not_found");
    app.delete(&path, &app.keys.admin)
        .await
        .assert_problem(404, "not_found");
    // The IMO number is free again, and the new vessel starts without the old histories.
    let mut fresh = vessel_body(IMOS[0]);
    fresh["inspections"] = json!([]);
    fresh["incidents"] = json!([]);
    let created = app.create_vessel(&fleet, fresh).await;
    assert_eq!(created["inspections"], json!([]));
    assert_eq!(created["incidents"], json!([]));
}

async fn fleet_vessels_page_with_their_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    let other = app.create_fleet("Fleet B").await;
    let mut created = Vec::new();
    for (i, imo) in IMOS.iter().take(5).enumerate() {
        let mut body = vessel_body(imo);
        body["name"] = json!(format!("VESSEL {}", ["E", "A", "C", "B", "D"][i]));
        created.push(app.create_vessel(&fleet, body).await);
    }
    app.create_vessel(&other, vessel_body(IMOS[5])).await;
    let first = app
        .get(
            &format!("/api/fleet-risk/fleets/{fleet}/vessels?limit=3"),
            &app.keys.viewer,
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    let names: Vec<&str> = first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["VESSEL A", "VESSEL B", "VESSEL C"]);
    let by_imo = |imo: &str| {
        created
            .iter()
            .find(|v| v["vesselIMO"] == imo)
            .unwrap()
            .clone()
    };
    for item in first.body["items"].as_array().unwrap() {
        let mut fields = item.clone();
        let score = fields.as_object_mut().unwrap().remove("score").unwrap();
        let level = fields.as_object_mut().unwrap().remove("level").unwrap();
        assert!(
            score.as_f64().is_some_and(|s| (0.0..=100.0).contains(&s)),
            "{item}"
        );
        assert!(level.is_string(), "{item}");
        assert_eq!(fields, by_imo(item["vesselIMO"].as_str().unwrap()));
    }
    let cursor = first.body["nextCursor"].as_str().unwrap();
    let second = app
        .get(
            &format!("/api/fleet-risk/fleets/{fleet}/vessels?limit=3&cursor={cursor}"),
            &app.keys.viewer,
        )
        .await;
    let names: Vec<&str> = second.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["VESSEL D", "VESSEL E"]);
    assert_eq!(second.body["nextCursor"], json!(null));
}

async fn unknown_vessels_are_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in [
        "/api/fleet-risk/vessels/9074729",
        "/api/fleet-risk/vessels/12345",
    ] {
        app.get(path, &app.keys.viewer)
            .await
            .assert_problem(404, "not_found");
        app.patch(path, &app.keys.admin, &json!({"name": "X"}))
            .await
            .assert_problem(404, "not_found");
        app.delete(path, &app.keys.admin)
            .await
            .assert_problem(404, "not_found");
    }
}
