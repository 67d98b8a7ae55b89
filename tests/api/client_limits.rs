//! Per-route body limits and slow clients (issue 14, item 7).

use std::io::{Read, Write};
use std::time::Duration;

use reqwest::Method;

use crate::support::{Backend, TestApp};

crate::cases!(
    ;
    once:
    fleet_and_threshold_bodies_have_a_small_limit,
    a_client_that_stalls_in_its_headers_is_cut_off_while_others_are_served,
);

/// A JSON object of exactly `bytes` bytes.
fn padded_object(bytes: usize) -> Vec<u8> {
    let mut body = vec![b' '; bytes];
    body[0] = b'{';
    body[bytes - 1] = b'}';
    body
}

async fn fleet_and_threshold_bodies_have_a_small_limit(backend: Backend) {
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("SMALL_BODY_MAX_BYTES", "2048".into());
    })
    .await;
    let body = padded_object(4096);
    for (method, path) in [
        (Method::POST, "/api/fleet-risk/fleets"),
        (Method::PUT, "/api/fleet-risk/thresholds"),
    ] {
        let answer = app
            .send_raw(method.clone(), path, "application/json", body.clone())
            .await;
        answer.assert_problem(413, "payload_too_large");
    }
    // The same body is read by a route with the general limit.
    let vessel = app
        .send_raw(
            Method::POST,
            "/api/fleet-risk/vessels",
            "application/json",
            body,
        )
        .await;
    assert_eq!(vessel.status, 422, "{}", vessel.text);
}

async fn a_client_that_stalls_in_its_headers_is_cut_off_while_others_are_served(backend: Backend) {
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("CLIENT_REQUEST_TIMEOUT_MS", "500".into());
    })
    .await;
    let port = app.port();
    let stalled = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        // A bound on the test, not on the server: far above the timeout.
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        stream
            .write_all(b"GET /api/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            .unwrap();
        let mut answer = Vec::new();
        match stream.read_to_end(&mut answer) {
            Ok(_) => String::from_utf8_lossy(&answer).into_owned(),
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => String::new(),
            Err(error) => panic!("the stalled connection was held: {error}"),
        }
    });
    // With one worker (the tests' HTTP_WORKERS), this is served meanwhile.
    let other = app
        .request(Method::GET, "/api/health/live", None, None)
        .await;
    assert_eq!(other.status, 200, "{}", other.text);
    let answer = stalled.await.unwrap();
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "a stalled head is closed or answered 408: {answer:?}"
    );
}
