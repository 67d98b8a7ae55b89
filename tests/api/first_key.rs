//! The first admin key (issue 15, item 1): `serve` on an embedded database
//! it creates, with no key in it, prints one admin key once to stderr; never
//! on PostgreSQL, never on a database it did not create, never when
//! `BOOTSTRAP_ADMIN_KEY=false`.

use fleet_risk::config::DatabaseUrl;
use fleet_risk::domain::Role;
use fleet_risk::storage::Database;

use crate::binary::{ServerProcess, fleet_risk, stderr, stdout};
use crate::support::{Backend, TestDatabase};

crate::cases!(
    serve_prints_no_key_on_a_database_it_did_not_create,
    the_first_key_goes_only_into_an_empty_table;
    once:
    a_new_embedded_database_prints_its_first_admin_key_once,
    bootstrap_admin_key_false_prints_no_key,
);

const QUIET: [(&str, &str); 2] = [("DEMO_DATA", "false"), ("RISK_RECALC_ENABLED", "false")];

async fn serve(database_url: &str, extra: &[(&str, &str)]) -> ServerProcess {
    let mut environment = vec![("DATABASE_URL", database_url)];
    environment.extend(QUIET);
    environment.extend(extra);
    ServerProcess::start(&["serve"], &environment).await
}

/// The keys `keys list` shows, one line each.
async fn listed_keys(database_url: &str) -> Vec<String> {
    let output = fleet_risk(&["keys", "list"], &[("DATABASE_URL", database_url)]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output).lines().map(str::to_string).collect()
}

/// The key the announcement shows alone on its line, if any.
fn announced_key(output: &str) -> Option<String> {
    output
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("frk_") && !line.contains(' '))
        .map(str::to_string)
}

async fn a_new_embedded_database_prints_its_first_admin_key_once(_: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("new.db").display());
    let server = serve(&url, &[]).await;
    let output = server.startup_output();
    let key = announced_key(&output).unwrap_or_else(|| panic!("no key in: {output}"));
    let base = server.url("");
    assert!(
        output.contains(&format!(
            "curl -H 'Authorization: Bearer {key}' {base}/api/fleet-risk/fleets"
        )),
        "a ready curl line: {output}"
    );
    assert!(
        output.contains(&format!("{base}/ ")),
        "the console: {output}"
    );
    assert!(
        output.contains(&format!("{base}/docs")),
        "the docs: {output}"
    );
    assert_eq!(output.matches(&key).count(), 2, "the key alone and in curl");
    assert!(
        server
            .log_since_start()
            .iter()
            .all(|line| !line.contains(&key)),
        "the key is never logged"
    );

    // An admin key: the admin-only flag list answers it.
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let flags = client
        .get(server.url("/api/admin/flags"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(flags.status(), 200);
    drop(server);

    // The second start finds the file (and a key): nothing printed, one key.
    let again = serve(&url, &[]).await;
    assert_eq!(announced_key(&again.startup_output()), None);
    drop(again);
    let keys = listed_keys(&url).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].contains("\tadmin\tfirst start\t"), "{keys:?}");
}

async fn bootstrap_admin_key_false_prints_no_key(_: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("new.db").display());
    let server = serve(&url, &[("BOOTSTRAP_ADMIN_KEY", "false")]).await;
    let output = server.startup_output();
    assert_eq!(announced_key(&output), None, "{output}");
    drop(server);
    assert_eq!(listed_keys(&url).await, Vec::<String>::new());
}

/// PostgreSQL (fresh and empty) and a SQLite file made before `serve` (by
/// `migrate`, with no key in it): no key either way.
async fn serve_prints_no_key_on_a_database_it_did_not_create(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    if backend == Backend::Sqlite {
        let migrated = fleet_risk(&["migrate"], &[("DATABASE_URL", &database.url)]).await;
        assert!(migrated.status.success(), "{}", stderr(&migrated));
    }
    let server = serve(&database.url, &[]).await;
    let output = server.startup_output();
    assert_eq!(announced_key(&output), None, "{output}");
    drop(server);
    assert_eq!(listed_keys(&database.url).await, Vec::<String>::new());
}

/// The storage half, on both backends: one statement inserts the first key
/// only while the table is empty; a revoked key still counts.
async fn the_first_key_goes_only_into_an_empty_table(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let db = Database::connect(
        &DatabaseUrl::parse(&database.url).unwrap(),
        Default::default(),
    )
    .await
    .unwrap();
    db.migrate().await.unwrap();
    let first = db
        .create_first_api_key("first start", Role::Admin)
        .await
        .unwrap()
        .expect("an empty table takes the first key");
    let found = db.find_api_key(&first.secret).await.unwrap().unwrap();
    assert_eq!((found.id, found.role), (first.record.id, Role::Admin));
    assert!(
        db.create_first_api_key("again", Role::Admin)
            .await
            .unwrap()
            .is_none()
    );
    assert!(db.revoke_api_key(first.record.id).await.unwrap());
    assert!(
        db.create_first_api_key("after a revoke", Role::Admin)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(db.list_api_keys().await.unwrap().len(), 1);
    db.close().await;
}
