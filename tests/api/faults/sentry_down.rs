//! Sentry unreachable or slow (issue 14, item 12): a server whose DSN
//! points at an endpoint that accepts connections and never answers, and
//! one whose DSN points at a closed port, answer a burst of failing
//! requests (a Sentry event each) without waiting on Sentry: with a send
//! timeout far above the client's, one request that waited would fail. A
//! stuck send is given up after `SENTRY_TIMEOUT_SECONDS`, so later events
//! still go. What bounds the memory the events hold is the transport's
//! queue (`telemetry::sentry_transport::QUEUE_CAPACITY` envelopes).

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;

use crate::support::{Backend, TestApp, TestDatabase, base_environment};

crate::cases!(
    ; once:
    a_sentry_that_never_answers_holds_up_no_request,
    a_send_that_never_ends_is_given_up_for_the_next,
    an_unreachable_sentry_holds_up_no_request,
);

/// Failing requests sent in a burst.
const BURST: usize = 100;

/// A TCP endpoint that accepts connections, keeps them open and never
/// writes a byte; counts the connections.
struct Blackhole {
    port: u16,
    accepted: Arc<AtomicUsize>,
}

impl Blackhole {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counted = accepted.clone();
        let held = Arc::new(Mutex::new(Vec::new()));
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                counted.fetch_add(1, Ordering::SeqCst);
                held.lock().unwrap().push(stream);
            }
        });
        Self { port, accepted }
    }
}

/// The handler only these tests mount: a server error with a cause.
fn failing_route(config: &mut actix_web::web::ServiceConfig) {
    config.route("/test/fail", actix_web::web::get().to(failing_handler));
}

async fn failing_handler() -> Result<actix_web::HttpResponse, fleet_risk::http::error::ApiError> {
    Err(fleet_risk::http::error::ApiError::internal(
        std::io::Error::other("the store is on fire"),
    ))
}

async fn app_reporting_to(dsn: String, send_timeout_seconds: &str) -> TestApp {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let mut environment = base_environment(&database.url);
    environment.insert("SENTRY_DSN", dsn);
    environment.insert("SENTRY_TIMEOUT_SECONDS", send_timeout_seconds.into());
    TestApp::spawn_on_with(database, environment, failing_route).await
}

/// `BURST` requests that each fail (a Sentry event each), every one
/// answered 500 within a client timeout of 5 s, and the service still
/// answers after them.
async fn burst_of_failures(app: &TestApp) {
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    for _ in 0..BURST {
        let response = client
            .get(app.url("/test/fail"))
            .send()
            .await
            .expect("answered without waiting on Sentry");
        assert_eq!(response.status(), 500);
    }
    let health = app
        .request(Method::GET, "/api/health/live", None, None)
        .await;
    assert_eq!(health.status, 200, "{}", health.text);
}

async fn a_sentry_that_never_answers_holds_up_no_request(_: Backend) {
    let blackhole = Blackhole::start();
    let dsn = format!("http://public@127.0.0.1:{}/1", blackhole.port);
    // A send waits up to 10 s, twice the client's timeout: a request that
    // waited on one would fail.
    let app = app_reporting_to(dsn, "10").await;
    burst_of_failures(&app).await;
    assert!(
        blackhole.accepted.load(Ordering::SeqCst) <= 1,
        "one send at a time"
    );
}

async fn a_send_that_never_ends_is_given_up_for_the_next(_: Backend) {
    let blackhole = Blackhole::start();
    let dsn = format!("http://public@127.0.0.1:{}/1", blackhole.port);
    let app = app_reporting_to(dsn, "1").await;
    burst_of_failures(&app).await;
    // The first send hangs; after SENTRY_TIMEOUT_SECONDS it is given up and
    // the next queued envelope is sent on a new connection.
    let deadline = Instant::now() + Duration::from_secs(30);
    while blackhole.accepted.load(Ordering::SeqCst) < 2 {
        assert!(
            Instant::now() < deadline,
            "no send after the first: the transport is stuck on it"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn an_unreachable_sentry_holds_up_no_request(_: Backend) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port(); // released: nothing listens there
    let app = app_reporting_to(format!("http://public@127.0.0.1:{port}/1"), "5").await;
    burst_of_failures(&app).await;
}
