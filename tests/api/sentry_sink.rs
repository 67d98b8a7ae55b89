//! A stand-in for Sentry that the Sentry cases send to, and what they
//! check every envelope for.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::TestApp;

/// Each request the sink received: its head (lowercased) and raw body.
type Received = Mutex<Vec<(String, Vec<u8>)>>;

/// A stand-in for Sentry: an HTTP server on 127.0.0.1 that answers 200 and
/// keeps every request's head and raw body.
pub struct Sink {
    port: u16,
    requests: Arc<Received>,
}

impl Sink {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a sink port");
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let store = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let store = store.clone();
                std::thread::spawn(move || {
                    let _ = Self::serve(stream, &store);
                });
            }
        });
        Self { port, requests }
    }

    /// Reads HTTP/1.1 requests off one connection (keep-alive) until it closes.
    fn serve(mut stream: TcpStream, store: &Received) -> std::io::Result<()> {
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            let head_end = loop {
                if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                    break at + 4;
                }
                let read = stream.read(&mut chunk)?;
                if read == 0 {
                    return Ok(());
                }
                buffer.extend_from_slice(&chunk[..read]);
            };
            let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .map_or(0, |value| value.trim().parse().unwrap_or(0));
            while buffer.len() < head_end + length {
                let read = stream.read(&mut chunk)?;
                if read == 0 {
                    return Ok(());
                }
                buffer.extend_from_slice(&chunk[..read]);
            }
            let body = buffer[head_end..head_end + length].to_vec();
            buffer.drain(..head_end + length);
            store.lock().unwrap().push((head, body));
            stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
            )?;
        }
    }

    pub fn dsn(&self) -> String {
        format!("http://public@127.0.0.1:{}/1", self.port)
    }

    /// Every body received so far, as text, one per line block.
    pub fn bodies(&self) -> String {
        let requests = self.requests.lock().unwrap();
        requests
            .iter()
            .map(|(_, body)| String::from_utf8_lossy(body).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The error events received so far, parsed (each envelope item of type `event`).
    pub fn events(&self) -> Vec<Value> {
        let requests = self.requests.lock().unwrap();
        let mut events = Vec::new();
        for (_, body) in requests.iter() {
            let text = String::from_utf8_lossy(body);
            let mut lines = text.lines();
            while let Some(line) = lines.next() {
                let header: Value = serde_json::from_str(line).unwrap_or(Value::Null);
                if header["type"] == "event"
                    && let Some(payload) = lines.next()
                {
                    events.push(serde_json::from_str(payload).expect("an event is JSON"));
                }
            }
        }
        events
    }

    /// Flushes `app`'s hub until the sink holds `count` error events that
    /// `wanted` selects (at most 30 s); returns them and every body received.
    pub async fn wait_for_events(
        &self,
        app: &TestApp,
        count: usize,
        wanted: impl Fn(&Value) -> bool,
    ) -> (Vec<Value>, String) {
        let hub = app.sentry.clone().expect("Sentry is on");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(client) = hub.client() {
                client.flush(Some(Duration::from_millis(200)));
            }
            let events: Vec<Value> = self.events().into_iter().filter(&wanted).collect();
            if events.len() >= count {
                return (events, self.bodies());
            }
            assert!(
                Instant::now() < deadline,
                "the sink got {} such events:\n{}",
                events.len(),
                self.bodies()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn heads(&self) -> Vec<String> {
        let requests = self.requests.lock().unwrap();
        requests.iter().map(|(head, _)| head.clone()).collect()
    }
}

/// Every IMO number and policy id the test sends, in the forms it sends them.
pub const SECRETS: &[&str] = &[
    "9074729",
    "9811000",
    "8320901",
    "7625811",
    "9598335",
    "9176187",
    "9321483",
    "HULL-2026-004512",
    "HULL-2026-001234",
    "HULL-2026-009999",
    "MARH-2025-12345678",
];

/// Asserts that no IMO number or policy id the tests send is in `bodies`.
pub fn assert_no_secrets(bodies: &str) {
    for secret in SECRETS {
        assert!(
            !bodies.contains(secret),
            "{secret} reached Sentry:\n{bodies}"
        );
    }
}
