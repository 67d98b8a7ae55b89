use crate::binary::{fleet_risk, fleet_risk_with_stdin, stdout};
use crate::support::{Backend, TestApp, TestDatabase};

crate::cases!(
    keys_create_prints_the_key_alone_on_the_last_line,
    keys_list_and_revoke,
    seed_is_idempotent,
    migrate_prepares_an_empty_database,
    recalc_prints_its_report;
    once:
    invalid_configuration_exits_2_with_one_line,
    assess_reports_bad_input_by_index_and_exits_non_zero,
    simulate_is_reproducible_for_a_seed,
);

async fn keys_create_prints_the_key_alone_on_the_last_line(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let output = fleet_risk(
        &["keys", "create", "--role", "admin", "--name", "ops"],
        &[("DATABASE_URL", &app.database.url)],
    )
    .await;
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    let key = text.lines().last().unwrap();
    assert!(key.starts_with("frk_") && !key.contains(' '), "{text}");
    let created = app
        .post(
            "/api/fleet-risk/fleets",
            key,
            &serde_json::json!({"name": "Made by CLI key"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
}

async fn keys_list_and_revoke(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let environment = [("DATABASE_URL", app.database.url.as_str())];
    let created = fleet_risk(
        &["keys", "create", "--role", "viewer", "--name", "dash"],
        &environment,
    )
    .await;
    let secret = stdout(&created).lines().last().unwrap().to_string();
    let listed = stdout(&fleet_risk(&["keys", "list"], &environment).await);
    let line = listed
        .lines()
        .find(|l| l.contains("\tdash\t"))
        .expect("the key is listed");
    assert!(!listed.contains(&secret), "the secret must never be listed");
    let id = line.split('\t').next().unwrap();
    let revoked = fleet_risk(&["keys", "revoke", id], &environment).await;
    assert!(revoked.status.success(), "{revoked:?}");
    app.get("/api/fleet-risk/fleets", &secret)
        .await
        .assert_problem(401, "unauthorized");
    let again = fleet_risk(&["keys", "revoke", id], &environment).await;
    assert_eq!(again.status.code(), Some(1));
    let bad_role = fleet_risk(
        &["keys", "create", "--role", "root", "--name", "x"],
        &environment,
    )
    .await;
    assert_eq!(bad_role.status.code(), Some(2));
}

async fn seed_is_idempotent(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let environment = [("DATABASE_URL", database.url.as_str())];
    let first = fleet_risk(&["seed"], &environment).await;
    assert!(first.status.success(), "{first:?}");
    let report: serde_json::Value = serde_json::from_str(stdout(&first).trim()).unwrap();
    assert_eq!(report["fleetsCreated"], 4);
    assert_eq!(report["vesselsCreated"], 67);
    let second = fleet_risk(&["seed", "--fixtures", "fixtures/demo"], &environment).await;
    assert!(second.status.success(), "{second:?}");
    let report: serde_json::Value = serde_json::from_str(stdout(&second).trim()).unwrap();
    assert_eq!(report["fleetsCreated"], 0);
    assert_eq!(report["vesselsCreated"], 0);
    assert_eq!(report["vesselsAlreadyPresent"], 67);
}

async fn invalid_configuration_exits_2_with_one_line(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    for (variable, value) in [
        ("PORT", "eighty"),
        ("LOG_FORMAT", "xml"),
        ("DATABASE_URL", "mysql://x"),
    ] {
        let mut environment = vec![("DATABASE_URL", database.url.as_str())];
        environment.retain(|(k, _)| *k != variable);
        environment.push((variable, value));
        let output = fleet_risk(&["serve"], &environment).await;
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(variable), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

async fn migrate_prepares_an_empty_database(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let output = fleet_risk(&["migrate"], &[("DATABASE_URL", &database.url)]).await;
    assert!(output.status.success(), "{output:?}");
    let db = fleet_risk::storage::Database::connect(
        &fleet_risk::config::DatabaseUrl::parse(&database.url).unwrap(),
        Default::default(),
    )
    .await
    .unwrap();
    assert!(db.migrations_applied().await.unwrap());
    assert_eq!(db.count_vessels().await.unwrap(), 0);
    db.close().await;
}

async fn assess_reports_bad_input_by_index_and_exits_non_zero(_: Backend) {
    let mut bad = crate::support::vessel_body("9811000");
    bad["yearBuilt"] = serde_json::json!(2031);
    let input = serde_json::json!([crate::support::vessel_body("9074729"), bad]).to_string();
    let output = fleet_risk_with_stdin(&["assess", "-", "--as-of", "2026-11-26"], input).await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[1].yearBuilt: must be between 1900 and 2026"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

async fn simulate_is_reproducible_for_a_seed(_: Backend) {
    let vessels: Vec<serde_json::Value> = crate::support::IMOS
        .iter()
        .map(|imo| crate::support::vessel_body(imo))
        .collect();
    let input = serde_json::Value::Array(vessels).to_string();
    let args = [
        "simulate",
        "-",
        "--years",
        "20000",
        "--seed",
        "42",
        "--as-of",
        "2026-11-26",
    ];
    let first = fleet_risk_with_stdin(&args, input.clone()).await;
    let second = fleet_risk_with_stdin(&args, input.clone()).await;
    assert!(first.status.success(), "{first:?}");
    assert_eq!(first.stdout, second.stdout);
    let summary: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(summary["years"], 20000);
    assert_eq!(summary["seed"], 42);
    let (mean, sd, eal) = (
        summary["mean"].as_f64().unwrap(),
        summary["stdDev"].as_f64().unwrap(),
        summary["expectedAnnualLossUsd"].as_f64().unwrap(),
    );
    assert!(
        (mean - eal).abs() < 4.0 * sd / (20000f64).sqrt(),
        "{summary}"
    );
    let other = fleet_risk_with_stdin(
        &[
            "simulate",
            "-",
            "--years",
            "20000",
            "--seed",
            "43",
            "--as-of",
            "2026-11-26",
        ],
        input.clone(),
    )
    .await;
    assert_ne!(first.stdout, other.stdout);
    let too_many = fleet_risk_with_stdin(&["simulate", "-", "--years", "0"], input).await;
    assert_eq!(too_many.status.code(), Some(1));
}

async fn recalc_prints_its_report(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let environment = [("DATABASE_URL", database.url.as_str())];
    assert!(fleet_risk(&["seed"], &environment).await.status.success());
    let output = fleet_risk(&["recalc", "--as-of", "2026-11-26"], &environment).await;
    assert!(output.status.success(), "{output:?}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["run"]["status"], "published");
    assert_eq!(report["run"]["trigger"], "cli");
    assert_eq!(report["run"]["asOf"], "2026-11-26");
    assert_eq!(report["run"]["vesselsScored"], 67);
    assert_eq!(report["vesselErrors"], serde_json::json!([]));
}
