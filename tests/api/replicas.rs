//! Two server processes on one database: one recalculation at a time.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use chrono::{DateTime, Utc};
use fleet_risk::config::DatabaseUrl;
use fleet_risk::domain::Role;
use fleet_risk::storage::Database;
use serde_json::Value;

use crate::support::{Backend, TestDatabase};

crate::cases!(two_replicas_triggered_together_never_overlap);

/// A `fleet-risk serve` process, killed when dropped.
struct Replica {
    child: Child,
    port: u16,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a replica on port 0 and reads the port it got from its JSON log.
fn start_replica(database_url: &str, demo: bool) -> Replica {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fleet-risk"))
        .arg("serve")
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("PORT", "0")
        .env("HTTP_WORKERS", "1")
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env("DEMO_DATA", if demo { "true" } else { "false" })
        .env("RISK_RECALC_ENABLED", "false")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let port = loop {
        let line = lines
            .next()
            .expect("the replica logs until it serves")
            .expect("readable log");
        let Ok(entry) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if let Some(port) = entry["port"]
            .as_u64()
            .or_else(|| entry["fields"]["port"].as_u64())
        {
            break port as u16;
        }
    };
    // Keep draining the log so the replica never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Replica { child, port }
}

async fn wait_published(client: &reqwest::Client, port: u16, key: &str, run_id: &str) {
    for _ in 0..300 {
        let run: Value = client
            .get(format!(
                "http://127.0.0.1:{port}/api/fleet-risk/runs/{run_id}"
            ))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_ne!(run["status"], "failed", "{run}");
        if run["status"] == "published" {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("run {run_id} did not finish within 15 s");
}

async fn two_replicas_triggered_together_never_overlap(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let url = database.url.clone();
    let first = tokio::task::spawn_blocking({
        let url = url.clone();
        move || start_replica(&url, true)
    })
    .await
    .unwrap();
    let second = tokio::task::spawn_blocking({
        let url = url.clone();
        move || start_replica(&url, false)
    })
    .await
    .unwrap();
    let db = Database::connect(&DatabaseUrl::parse(&url).unwrap(), Default::default())
        .await
        .unwrap();
    let key = db
        .create_api_key("replica test", Role::Admin)
        .await
        .unwrap()
        .secret;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let trigger = |port: u16| {
        client
            .post(format!(
                "http://127.0.0.1:{port}/api/cron/risk-calculations"
            ))
            .bearer_auth(&key)
            .send()
    };

    let mut accepted_runs = Vec::new();
    for round in 0..5 {
        let (a, b) = tokio::join!(trigger(first.port), trigger(second.port));
        let mut answers = Vec::new();
        for response in [a.unwrap(), b.unwrap()] {
            let status = response.status().as_u16();
            answers.push((status, response.json::<Value>().await.unwrap()));
        }
        let accepted: Vec<String> = answers
            .iter()
            .filter(|(status, _)| *status == 202)
            .map(|(_, body)| body["runId"].as_str().unwrap().to_string())
            .collect();
        assert!(!accepted.is_empty(), "round {round}: {answers:?}");
        for (status, body) in &answers {
            match status {
                202 => {}
                409 => {
                    assert_eq!(body["code"], "run_in_progress");
                    // The conflict names the run that held the slot: this round's other run.
                    assert!(
                        accepted.contains(&body["runId"].as_str().unwrap().to_string()),
                        "{body}"
                    );
                }
                other => panic!("round {round}: unexpected {other}: {body}"),
            }
        }
        for run_id in &accepted {
            wait_published(&client, first.port, &key, run_id).await;
        }
        accepted_runs.extend(accepted);
    }

    let runs: Value = client
        .get(format!(
            "http://127.0.0.1:{}/api/fleet-risk/runs?limit=500",
            second.port
        ))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut intervals: Vec<(DateTime<Utc>, DateTime<Utc>)> = runs["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["trigger"] != "data_change")
        .map(|r| {
            (
                r["startedAt"].as_str().unwrap().parse().unwrap(),
                r["finishedAt"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        intervals.len(),
        accepted_runs.len(),
        "every accepted trigger ran once: {runs}"
    );
    intervals.sort();
    for pair in intervals.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "runs overlap: {pair:?}");
    }
    db.close().await;
    drop((first, second));
}
