//! `serve` started while PostgreSQL is not up (issue 14, item 9): it
//! retries with backoff, logging the host and port it waits for; past
//! `DB_STARTUP_WAIT_SECONDS` it exits naming them; a database that comes up
//! within the wait is used, with no restart.

use std::time::Duration;

use crate::binary::{ServerProcess, fleet_risk, stderr};
use crate::support::{Backend, TestDatabase};

crate::cases!(
    ; postgres: serve_waits_for_a_database_that_comes_up_late
    ; once: serve_gives_up_after_the_startup_wait_naming_host_and_port
);

/// A port nothing listens on (bound, then released).
fn unused_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn serve_gives_up_after_the_startup_wait_naming_host_and_port(_: Backend) {
    let port = unused_port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/test");
    let output = fleet_risk(
        &["serve"],
        &[
            ("DATABASE_URL", &url),
            ("DB_STARTUP_WAIT_SECONDS", "2"),
            ("RUST_LOG", "warn"),
        ],
    )
    .await;
    let stderr = stderr(&output);
    assert!(!output.status.success(), "{stderr}");
    let endpoint = format!("127.0.0.1:{port}");
    // Each retry says what it waits for, and so does the last word.
    assert!(stderr.contains("waiting for the database"), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("fleet-risk: "), "{stderr}");
    assert!(last.contains(&endpoint), "{stderr}");
    assert!(last.contains("DB_STARTUP_WAIT_SECONDS"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Forwards every connection to `port` to `target`, from when it is called.
async fn forward(port: u16, target: String) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    loop {
        let (mut inbound, _) = listener.accept().await.unwrap();
        let target = target.clone();
        tokio::spawn(async move {
            if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

async fn serve_waits_for_a_database_that_comes_up_late(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let (base, name) = database.url.rsplit_once('/').unwrap();
    let authority = base.rsplit_once('@').map_or(base, |(_, a)| a);
    let target = authority.trim_start_matches("postgres://").to_string();
    let port = unused_port();
    let late_url = format!("postgres://postgres@127.0.0.1:{port}/{name}");
    let server = tokio::spawn(async move {
        ServerProcess::start(
            &["serve"],
            &[
                ("DATABASE_URL", &late_url),
                ("DB_STARTUP_WAIT_SECONDS", "60"),
                ("DEMO_DATA", "false"),
                ("RISK_RECALC_ENABLED", "false"),
            ],
        )
        .await
    });
    // Let it find the port closed at least once, then open the way.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!server.is_finished(), "serve did not wait");
    let proxy = tokio::spawn(forward(port, target));
    let server = server
        .await
        .expect("serve started once the database was up");
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let health = client.get(server.url("/api/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    drop(server);
    proxy.abort();
}
