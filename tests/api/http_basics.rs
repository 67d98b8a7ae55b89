//! HTTP basics on every route, found by walking openapi.yaml so that a new
//! route is covered without touching this file: HEAD answers as GET does,
//! with no body; gzip only when asked; 415 without a JSON `Content-Type` and
//! 413 over `MAX_BODY_BYTES` on every operation that takes a body.
//!
//! HEAD and the chunked uploads are spoken over a raw socket: an HTTP client
//! never reads a body after HEAD, so it could not see one that was sent.

use std::collections::HashMap;
use std::io::{Read, Write};

use serde_json::Value;

use crate::support::{Backend, IMOS, TestApp, vessel_body};

crate::cases!(
    head_answers_every_get_like_the_get_with_no_body,
    bodies_are_gzipped_only_when_the_client_asks;
    once:
    every_body_without_a_json_content_type_is_415,
    every_body_over_the_limit_is_413,
);

fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"))
        .expect("openapi.yaml is readable");
    serde_norway::from_str(&text).expect("openapi.yaml is valid YAML")
}

/// The `(METHOD, path template)` of every operation `wanted` picks.
fn operations(wanted: impl Fn(&str, &Value) -> bool) -> Vec<(String, String)> {
    let spec = spec();
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some_and(|op| wanted(method, op)) {
                found.push((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    assert!(!found.is_empty(), "the spec has such operations");
    found
}

/// The operations with a body that answer problem+json: all but OFREP's,
/// which answer in the protocol's own error shape (see `flags.rs`).
fn problem_operations_with_a_body() -> Vec<(String, String)> {
    operations(|_, op| op.get("requestBody").is_some())
        .into_iter()
        .filter(|(_, path)| !path.starts_with("/ofrep/"))
        .collect()
}

/// `template` with each `{name}` replaced by `values[name]`.
fn fill(template: &str, values: &HashMap<&str, String>) -> String {
    let mut path = template.to_string();
    while let Some(start) = path.find('{') {
        let end = path[start..].find('}').unwrap() + start;
        let name = &path[start + 1..end];
        let value = values
            .get(name)
            .unwrap_or_else(|| panic!("{template}: give the test a value for {{{name}}}"));
        path.replace_range(start..=end, value);
    }
    path
}

/// Path parameters that name nothing stored (but are well-formed).
fn placeholder_ids() -> HashMap<&'static str, String> {
    HashMap::from([
        ("fleetId", uuid::Uuid::new_v4().to_string()),
        ("imo", IMOS[5].to_string()),
        ("runId", uuid::Uuid::new_v4().to_string()),
        ("key", "noSuchFlag".to_string()),
        ("file", "no-such.js".to_string()),
        ("view", "no-such.js".to_string()),
        ("asset", "no-such.js".to_string()),
    ])
}

/// One answer as it came off the socket.
#[derive(Debug)]
struct RawResponse {
    status: u16,
    /// Lowercased names, in order.
    headers: Vec<(String, String)>,
    /// Everything after the head, as sent (chunked framing included).
    rest: Vec<u8>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The headers that must agree between two answers to the same request.
    fn stable_headers(&self) -> Vec<(String, String)> {
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .filter(|(name, _)| {
                !["date", "x-request-id", "content-length"].contains(&name.as_str())
            })
            .cloned()
            .collect();
        headers.sort();
        headers
    }
}

/// Sends `head` (request line and headers, without the blank line) and
/// `body` on a fresh connection with `Connection: close`, and reads the
/// answer to its end. A server may answer and close before it has read a
/// body it refuses, so a failed write is not an error here.
async fn exchange(app: &TestApp, head: String, body: Vec<u8>) -> RawResponse {
    let port = app.port();
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(60)))
            .unwrap();
        let request = format!("{head}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        let _ = stream
            .write_all(request.as_bytes())
            .and_then(|()| stream.write_all(&body));
        let mut answer = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(read) => answer.extend_from_slice(&chunk[..read]),
                // A reset after the answer was read.
                Err(_) if !answer.is_empty() => break,
                Err(error) => panic!("no answer: {error}"),
            }
        }
        let end = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("an answer head");
        let text = String::from_utf8(answer[..end].to_vec()).unwrap();
        let mut lines = text.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap();
                (name.to_ascii_lowercase(), value.trim().to_string())
            })
            .collect();
        RawResponse {
            status,
            headers,
            rest: answer[end + 4..].to_vec(),
        }
    })
    .await
    .unwrap()
}

fn authorization(key: Option<&str>) -> String {
    key.map_or_else(String::new, |key| {
        format!("\r\nAuthorization: Bearer {key}")
    })
}

async fn head_answers_every_get_like_the_get_with_no_body(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fleet = app.create_fleet("Fleet A").await;
    app.create_vessel(&fleet, vessel_body(IMOS[0])).await;
    let run = app.recalculate().await;
    let stored = HashMap::from([
        ("fleetId", fleet),
        ("imo", IMOS[0].to_string()),
        ("runId", run),
        ("key", "fleetRiskDashboard".to_string()),
        ("file", "app.js".to_string()),
        ("view", "fleet.js".to_string()),
        ("asset", "LICENSE".to_string()),
    ]);
    let admin = app.keys.admin.clone();
    for (_, template) in operations(|method, _| method == "get") {
        for (ids, key) in [
            (&stored, Some(admin.as_str())),
            (&placeholder_ids(), Some(admin.as_str())),
            (&stored, None),
        ] {
            // The export routes require `format` (openapi.yaml): the streamed one.
            let query = if template.ends_with("/export") {
                "?format=csv"
            } else {
                ""
            };
            let path = fill(&template, ids) + query;
            let request = |method: &str| format!("{method} {path} HTTP/1.1{}", authorization(key));
            let get = exchange(&app, request("GET"), Vec::new()).await;
            let head = exchange(&app, request("HEAD"), Vec::new()).await;
            let again = exchange(&app, request("GET"), Vec::new()).await;
            let what = format!("HEAD {path} (key: {})", key.is_some());
            if std::ptr::eq(ids, &stored) && key.is_some() {
                assert_eq!(get.status, 200, "{what}: the walk reads what is stored");
            }
            assert_eq!(head.status, get.status, "{what}: {head:?} {get:?}");
            assert!(head.rest.is_empty(), "{what} sent a body: {head:?}");
            assert_eq!(head.stable_headers(), get.stable_headers(), "{what}");
            // Bodies that change between two GETs (ages, random seeds) may
            // change their length; a stable one must be announced exactly.
            if get.header("content-length") == again.header("content-length") {
                assert_eq!(
                    head.header("content-length"),
                    get.header("content-length"),
                    "{what}"
                );
            }
        }
    }
}

async fn bodies_are_gzipped_only_when_the_client_asks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let model = app.url("/api/fleet-risk/model");
    let fetch = |encoding: Option<&'static str>| {
        let mut request = app.client.get(&model).bearer_auth(&app.keys.viewer);
        if let Some(encoding) = encoding {
            request = request.header("Accept-Encoding", encoding);
        }
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            let encoding = response
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap().to_string());
            let vary = response
                .headers()
                .get("vary")
                .map(|v| v.to_str().unwrap().to_ascii_lowercase());
            (encoding, vary, response.bytes().await.unwrap().to_vec())
        }
    };
    let (plain_encoding, _, plain) = fetch(None).await;
    assert_eq!(plain_encoding, None);
    let document: Value = serde_json::from_slice(&plain).expect("an uncompressed JSON body");
    assert!(document.is_object());

    for asked in ["gzip", "gzip, deflate", "br;q=1.0, gzip;q=0.5"] {
        let (encoding, vary, body) = fetch(Some(asked)).await;
        assert_eq!(encoding.as_deref(), Some("gzip"), "{asked}");
        assert!(
            vary.is_some_and(|v| v.contains("accept-encoding")),
            "{asked}: caches must key on Accept-Encoding"
        );
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(body.as_slice())
            .read_to_end(&mut unzipped)
            .expect("a gzip body");
        assert_eq!(unzipped, plain, "{asked}");
        assert!(body.len() < plain.len(), "{asked}: compressed");
    }
    for asked in ["identity", "br"] {
        let (encoding, _, body) = fetch(Some(asked)).await;
        assert_eq!(encoding, None, "{asked}");
        assert_eq!(body, plain, "{asked}");
    }
}

async fn every_body_without_a_json_content_type_is_415(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ids = placeholder_ids();
    for (method, template) in problem_operations_with_a_body() {
        let path = fill(&template, &ids);
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
        ] {
            let mut request = app
                .client
                .request(method.parse().unwrap(), app.url(&path))
                .bearer_auth(&app.keys.admin)
                .body("{}");
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert_eq!(
                (status, body["code"].as_str()),
                (415, Some("unsupported_media_type")),
                "{method} {path} with content type {content_type:?}: {body}"
            );
        }
    }
}

/// A JSON object of exactly `bytes` bytes (an empty one padded with spaces).
fn padded_object(bytes: usize) -> Vec<u8> {
    let mut body = vec![b' '; bytes];
    body[0] = b'{';
    body[bytes - 1] = b'}';
    body
}

async fn every_body_over_the_limit_is_413(backend: Backend) {
    const LIMIT: usize = 1024;
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("MAX_BODY_BYTES", LIMIT.to_string());
        // The bulk import has a limit of its own, sized for 50,000 vessels.
        env.insert("IMPORT_MAX_BODY_BYTES", LIMIT.to_string());
    })
    .await;
    let ids = placeholder_ids();
    let json = "\r\nContent-Type: application/json";
    let auth = authorization(Some(&app.keys.admin));
    for (method, template) in problem_operations_with_a_body() {
        let path = fill(&template, &ids);
        let line = format!("{method} {path} HTTP/1.1{auth}{json}");
        // Announced by Content-Length.
        let over = padded_object(LIMIT + 1);
        let announced = exchange(
            &app,
            format!("{line}\r\nContent-Length: {}", over.len()),
            over.clone(),
        )
        .await;
        assert_eq!(announced.status, 413, "{method} {path}: {announced:?}");
        // Streamed in chunks, with no length announced.
        let (first, second) = over.split_at(LIMIT / 2);
        let mut chunked = Vec::new();
        for part in [first, second] {
            chunked.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
            chunked.extend_from_slice(part);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        let streamed = exchange(
            &app,
            format!("{line}\r\nTransfer-Encoding: chunked"),
            chunked,
        )
        .await;
        assert_eq!(
            streamed.status, 413,
            "{method} {path} chunked: {streamed:?}"
        );
        for answer in [&announced, &streamed] {
            assert_eq!(
                answer.header("content-type"),
                Some("application/problem+json")
            );
        }
        // At the limit the body is read (and whatever it says, it is not too large).
        let at_limit = padded_object(LIMIT);
        let read = exchange(&app, format!("{line}\r\nContent-Length: {LIMIT}"), at_limit).await;
        assert_ne!(read.status, 413, "{method} {path} at the limit: {read:?}");
    }
}
