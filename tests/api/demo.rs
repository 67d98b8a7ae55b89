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

async fn an_empty_database_gets_the_demo_book_once(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let mut environment = base_environment(&database.url);
    environment.insert("DEMO_DATA", "true".into());
    let first = TestApp::spawn_on(database, environment.clone()).await;
    assert_eq!(count_vessels(&first).await, (4, 67));

    // A second start on the same database finds it populated and loads nothing.
    let second = TestApp::spawn_on(TestDatabase::sharing(&first.database.url), environment).await;
    assert_eq!(count_vessels(&second).await, (4, 67));

    let sanctioned = second
        .get("/api/fleet-risk/vessels/9267845", &second.keys.viewer)
        .await;
    assert_eq!(sanctioned.body["sanctioned"], true);
}

async fn demo_data_false_starts_empty(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(count_vessels(&app).await, (0, 0));
}
