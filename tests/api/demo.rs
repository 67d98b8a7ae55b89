use crate::support::{Backend, TestApp, TestDatabase, base_environment};

crate::cases!(
    an_empty_database_gets_the_demo_book_once,
    demo_data_false_starts_empty,
);

async fn count_vessels(app: &TestApp) -> (usize, u64) {
    let fleets = app.get("/api/fleet-risk/fleets", &app.keys.viewer).await;
    let items = fleets.body["items"].as_array().unwrap();
    let vessels = items
        .iter()
        .map(|f| f["vesselCount"].as_u64().unwrap())
        .sum();
    (items.len(), vessels)
}

/// A fleet of the demo book (`fixtures/demo/book.json`) and one of its vessels.
const DEMO_FLEET: &str = "Nordhavn Bulk & Tankers AS";
const DEMO_VESSEL: &str = "9601340";

async fn fleet_names(app: &TestApp) -> Vec<String> {
    let fleets = app.get("/api/fleet-risk/fleets", &app.keys.viewer).await;
    fleets.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect()
}

async fn an_empty_database_gets_the_demo_book_once(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let mut environment = base_environment(&database.url);
    environment.insert("DEMO_DATA", "true".into());
    let first = TestApp::spawn_on(database, environment.clone()).await;
    assert_eq!(count_vessels(&first).await, (4, 67));

    // Change the book in two ways a second seeding would undo: seeding finds
    // fleets by name (it would create the old name again) and inserts every
    // vessel it does not find (it would bring the deleted one back).
    let fleets = first
        .get("/api/fleet-risk/fleets", &first.keys.viewer)
        .await;
    let demo_fleet = fleets.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == DEMO_FLEET)
        .expect("the demo fleet");
    let renamed = first
        .patch(
            &format!(
                "/api/fleet-risk/fleets/{}",
                demo_fleet["id"].as_str().unwrap()
            ),
            &first.keys.admin,
            &serde_json::json!({"name": "Renamed by the test"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    let vessel = format!("/api/fleet-risk/vessels/{DEMO_VESSEL}");
    let deleted = first.delete(&vessel, &first.keys.admin).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);

    // A second start on the same database, DEMO_DATA still on, keeps both changes.
    let second = TestApp::spawn_on(TestDatabase::sharing(&first.database.url), environment).await;
    let names = fleet_names(&second).await;
    assert!(
        names.iter().any(|n| n == "Renamed by the test"),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|n| n == DEMO_FLEET),
        "re-seeded: {names:?}"
    );
    second
        .get(&vessel, &second.keys.viewer)
        .await
        .assert_problem(404, "not_found");

    let sanctioned = second
        .get("/api/fleet-risk/vessels/9267845", &second.keys.viewer)
        .await;
    assert_eq!(sanctioned.body["sanctioned"], true);
}

async fn demo_data_false_starts_empty(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(count_vessels(&app).await, (0, 0));
}
