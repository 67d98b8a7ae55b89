//! Start-up edges of the real binary: what runs with no subcommand, a bad
//! `MODEL_PATH`, and `fleet-risk healthcheck` (the container's HEALTHCHECK).

use std::path::Path;

use fleet_risk::config::DatabaseUrl;
use fleet_risk::domain::Role;
use fleet_risk::storage::Database;

use crate::binary::{ServerProcess, fleet_risk, stderr};
use crate::support::{Backend, TestApp, TestDatabase};

crate::cases!(
    no_subcommand_serves,
    healthcheck_is_0_against_a_ready_server_and_1_once_its_database_is_gone;
    once:
    an_invalid_model_path_stops_start_up_with_exit_2,
    healthcheck_is_1_when_nothing_listens,
);

/// `fleet-risk` alone is `serve`: it migrates, loads the demo book into the
/// empty database, and serves until stopped.
async fn no_subcommand_serves(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let server = ServerProcess::start(&[], &[("DATABASE_URL", &database.url)]).await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let health = client
        .get(server.url("/api/health"))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(health.status(), 200);
    let health: serde_json::Value = health.json().await.unwrap();
    assert_eq!(health["checks"]["migrations"], "ok", "{health}");
    let db = Database::connect(
        &DatabaseUrl::parse(&database.url).unwrap(),
        Default::default(),
    )
    .await
    .unwrap();
    let key = db
        .create_api_key("startup test", Role::Viewer)
        .await
        .unwrap();
    let fleets: serde_json::Value = client
        .get(server.url("/api/fleet-risk/fleets"))
        .bearer_auth(&key.secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // DEMO_DATA defaults to true: the demo book's four fleets.
    assert_eq!(fleets["items"].as_array().unwrap().len(), 4, "{fleets}");
    db.close().await;
    let port = server.port.to_string();
    let healthcheck = fleet_risk(&["healthcheck"], &[("PORT", &port)]).await;
    assert_eq!(healthcheck.status.code(), Some(0), "{healthcheck:?}");
}

/// A model file whose weights do not sum to 100: the built-in one with one
/// weight raised, its reference tables named by absolute path.
fn model_with_bad_weights(dir: &Path) -> std::path::PathBuf {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    let text = std::fs::read_to_string(format!("{fixtures}/models/frm-1.0.toml")).unwrap();
    let text = text
        .replace("../reference/", &format!("{fixtures}/reference/"))
        .replacen("\nage = 14\n", "\nage = 15\n", 1);
    assert!(text.contains("\nage = 15\n"), "the fixture changed shape");
    let path = dir.join("weights.toml");
    std::fs::write(&path, text).unwrap();
    path
}

async fn an_invalid_model_path_stops_start_up_with_exit_2(_: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let not_toml = dir.path().join("not-toml.toml");
    std::fs::write(&not_toml, "version = [unclosed").unwrap();
    let missing = dir.path().join("missing.toml");
    let bad_weights = model_with_bad_weights(dir.path());
    let database = dir.path().join("fleet-risk.db");
    let database_url = format!("sqlite://{}", database.display());
    for (model, problem) in [
        (&missing, "No such file"),
        (&not_toml, "TOML"),
        (&bad_weights, "weights"),
    ] {
        for args in [&["serve"][..], &[]] {
            let output = fleet_risk(
                args,
                &[
                    ("DATABASE_URL", &database_url),
                    ("MODEL_PATH", model.to_str().unwrap()),
                ],
            )
            .await;
            let stderr = stderr(&output);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{args:?} {model:?}: {stderr}"
            );
            let first = stderr.lines().next().unwrap_or_default();
            assert!(first.starts_with("fleet-risk: MODEL_PATH: "), "{stderr}");
            assert!(first.contains(model.to_str().unwrap()), "{stderr}");
            assert!(stderr.contains(problem), "{model:?}: {stderr}");
            assert!(!stderr.contains("panicked"), "{stderr}");
        }
    }
    assert!(
        !database.exists(),
        "start-up stopped before it opened the database"
    );
}

async fn healthcheck(port: u16) -> std::process::Output {
    fleet_risk(&["healthcheck"], &[("PORT", &port.to_string())]).await
}

async fn healthcheck_is_0_against_a_ready_server_and_1_once_its_database_is_gone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ready = healthcheck(app.port()).await;
    assert_eq!(ready.status.code(), Some(0), "{ready:?}");
    app.db.close().await;
    let gone = healthcheck(app.port()).await;
    assert_eq!(gone.status.code(), Some(1), "{gone:?}");
    assert!(stderr(&gone).contains("not ready"), "{gone:?}");
}

async fn healthcheck_is_1_when_nothing_listens(_: Backend) {
    // A port that was free a moment ago, and that nothing listens on now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = healthcheck(port).await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(stderr(&output).contains("cannot connect"), "{output:?}");
}
