//! The built binary serving a benchmark's database, as it runs in service:
//! its default logging (level and format) into a file, keys made with its
//! CLI, its memory read from `ps` and its own `/metrics`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_fleet-risk");

/// Runs `fleet-risk ARGS` on `database_url` to its end and returns its stdout.
pub fn cli(database_url: &str, args: &[&str]) -> String {
    let output = Command::new(BINARY)
        .args(args)
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "fleet-risk {args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// A new API key of `role`, made by `fleet-risk keys create`.
pub fn create_key(database_url: &str, role: &str) -> String {
    let out = cli(
        database_url,
        &["keys", "create", "--role", role, "--name", "bench"],
    );
    out.lines().last().unwrap().trim().to_string()
}

/// `logged` bytes of server log per 1,000 of the `requests` that produced them.
pub fn print_log_volume(label: &str, logged: u64, requests: usize) {
    println!(
        "{label}: default-level log: {logged} bytes over {requests} requests = {:.0} bytes per 1,000 requests",
        logged as f64 * 1000.0 / requests as f64
    );
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `fleet-risk serve`, stopped (SIGTERM, then waited for) when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    log: PathBuf,
}

impl Server {
    /// Starts `serve` on `database_url` with only `environment` besides the
    /// port (no `RUST_LOG`: the default level), its stdout and stderr into
    /// `log`, and waits until it is live. `MALLOC_ARENA_MAX` is passed on
    /// when the benchmark has it, to compare glibc's allocator settings.
    pub async fn start(database_url: &str, environment: &[(&str, &str)], log: &Path) -> Self {
        let port = free_port();
        let file = std::fs::File::create(log).unwrap();
        let child = Command::new(BINARY)
            .arg("serve")
            .env_clear()
            .env("DATABASE_URL", database_url)
            .env("PORT", port.to_string())
            .envs(environment.iter().copied())
            .envs(std::env::var("MALLOC_ARENA_MAX").map(|v| ("MALLOC_ARENA_MAX", v)))
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .stdin(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log: log.to_path_buf(),
        };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(response) = client.get(server.url("/api/health/live")).send().await
                && response.status().is_success()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the server did not come up in 30 s: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident set size as `ps` reports it, in bytes.
    pub fn ps_rss_bytes(&self) -> u64 {
        let out = Command::new("ps")
            .args(["-o", "rss=", "-p", &self.pid().to_string()])
            .output()
            .expect("ps runs");
        let kib: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        kib * 1024
    }

    /// The highest RSS since the last call (the kernel's `VmHWM`), then
    /// that mark reset to the current RSS (`5` into `clear_refs`): a run's
    /// exact peak, whenever it fell between two calls. `None` where the
    /// kernel does not offer it.
    pub fn take_peak_rss_bytes(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let kib: u64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5").ok()?;
        Some(kib * 1024)
    }

    /// Bytes the server has logged so far (stdout and stderr).
    pub fn log_bytes(&self) -> u64 {
        std::fs::metadata(&self.log).map(|m| m.len()).unwrap_or(0)
    }

    /// Its `/metrics`, each sample by its name with labels, e.g.
    /// `fleet_risk_db_pool_connections{state="idle"}`.
    pub async fn metrics(&self, client: &reqwest::Client) -> BTreeMap<String, f64> {
        let text = client
            .get(self.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| {
                let (name, value) = line.rsplit_once(' ')?;
                Some((name.to_string(), value.parse().ok()?))
            })
            .collect()
    }
}

/// Sends `request` and reads its answer as JSON.
pub async fn json_of(request: reqwest::RequestBuilder) -> serde_json::Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// Every item of a paged list at `url` (which has a `?`), page after page
/// by `nextCursor`.
pub async fn every_item(client: &reqwest::Client, url: &str, key: &str) -> Vec<serde_json::Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_url = match &cursor {
            Some(cursor) => format!("{url}&cursor={cursor}"),
            None => url.to_string(),
        };
        let page = json_of(client.get(page_url).bearer_auth(key)).await;
        items.extend(page["items"].as_array().expect("a page").iter().cloned());
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return items,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
