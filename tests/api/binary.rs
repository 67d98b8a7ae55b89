//! The built `fleet-risk` binary as a child process, with only the
//! environment a test gives it: one command run to its end, or a `serve`
//! that keeps running until the test drops it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::Value;

fn command(args: &[String], environment: &[(String, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fleet-risk"));
    command
        .args(args)
        .env_clear()
        .env("RUST_LOG", "warn")
        .envs(environment.iter().map(|(k, v)| (k, v)));
    command
}

fn owned(args: &[&str], environment: &[(&str, &str)]) -> (Vec<String>, Vec<(String, String)>) {
    (
        args.iter().map(|a| a.to_string()).collect(),
        environment
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

/// Runs the binary with `args` and only `environment`, to its end.
pub async fn fleet_risk(args: &[&str], environment: &[(&str, &str)]) -> Output {
    let (args, environment) = owned(args, environment);
    tokio::task::spawn_blocking(move || {
        command(&args, &environment)
            .output()
            .expect("the binary runs")
    })
    .await
    .unwrap()
}

/// Runs the binary with `args` and an empty environment, `stdin` on its standard input.
pub async fn fleet_risk_with_stdin(args: &[&str], stdin: String) -> Output {
    let (args, environment) = owned(args, &[]);
    tokio::task::spawn_blocking(move || {
        let mut child = command(&args, &environment)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A server process the binary started, killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub port: u16,
    /// What stderr said before the line that named the port (included).
    startup: Vec<String>,
    /// Every log line after the one that named the port, as it came.
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    /// Starts the binary with `args` and `environment` (plus `PORT=0` and
    /// JSON logs) and waits until it logs the port it serves on. Panics if
    /// the process ends first.
    pub async fn start(args: &[&str], environment: &[(&str, &str)]) -> Self {
        let (args, mut environment) = owned(args, environment);
        for (variable, value) in [("PORT", "0"), ("LOG_FORMAT", "json"), ("RUST_LOG", "info")] {
            environment.push((variable.to_string(), value.to_string()));
        }
        tokio::task::spawn_blocking(move || {
            let mut child = command(&args, &environment)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the binary starts");
            let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
            let mut startup = Vec::new();
            let port = loop {
                let Some(line) = lines.next() else {
                    panic!("the process ended before it served: {:?}", child.wait());
                };
                let line = line.expect("a readable log");
                startup.push(line.clone());
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
            // Keep draining the log so the server never blocks on a full pipe.
            let log = Arc::new(Mutex::new(Vec::new()));
            let kept = log.clone();
            std::thread::spawn(move || {
                for line in lines.map_while(Result::ok) {
                    kept.lock().unwrap().push(line);
                }
            });
            Self {
                child,
                port,
                startup,
                log,
            }
        })
        .await
        .unwrap()
    }

    /// Stderr up to the log line that named the port.
    pub fn startup_output(&self) -> String {
        self.startup.join("\n")
    }

    /// The log lines written since the server named its port.
    pub fn log_since_start(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}
