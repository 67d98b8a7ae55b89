//! Sentry error reporting: on when `SENTRY_DSN` is set, off otherwise.
//!
//! Nothing leaves the process unscrubbed. Three layers:
//! 1. `before_send` and `before_breadcrumb` scrub events and breadcrumbs as
//!    JSON (every field, nested), while they are still typed;
//! 2. the transport is wrapped: every envelope (events, transactions with
//!    their spans, sessions, attachments, anything a later SDK adds) is
//!    serialized and scrubbed as bytes just before it is handed to the HTTP
//!    transport. The Rust SDK has no `before_send_transaction`; this is what
//!    covers transactions;
//! 3. the actix middleware never reads request bodies (`max_request_body_size`
//!    none) and names transactions by route pattern (`GET /api/fleet-risk/vessels/{imo}`).

use std::sync::Arc;
use std::time::Duration;

use sentry::protocol::{Breadcrumb, Event};
use sentry::{ClientInitGuard, ClientOptions, Envelope, Hub, Transport, TransportFactory};

pub use super::run_reports::{
    report_guard_warning, report_run_failure, report_run_failure_to, report_vessel_scoring_failure,
    report_vessel_scoring_failure_to,
};
use super::scrub::Scrubber;
use super::sentry_transport::{BoundedHttpTransportFactory, QUEUE_CAPACITY};
use crate::config::Settings;

/// The client options this service runs with, or `None` when `SENTRY_DSN` is unset.
pub fn client_options(settings: &Settings) -> Option<ClientOptions> {
    let transport = BoundedHttpTransportFactory {
        timeout: settings.sentry_timeout,
    };
    client_options_with_transport(settings, Arc::new(transport))
}

/// [`client_options`] sending through `inner` (tests pass a capturing transport;
/// the scrubbing wrapper stays in place).
pub fn client_options_with_transport(
    settings: &Settings,
    inner: Arc<dyn TransportFactory>,
) -> Option<ClientOptions> {
    let dsn = settings.sentry_dsn.as_deref()?;
    let scrubber = Arc::new(Scrubber::new(&settings.policy_ids));
    let for_events = scrubber.clone();
    let for_breadcrumbs = scrubber.clone();
    let options = ClientOptions::new()
        .dsn(dsn)
        .environment(settings.sentry_environment.clone())
        .release(concat!("fleet-risk@", env!("CARGO_PKG_VERSION")))
        .traces_sample_rate(settings.sentry_traces_sample_rate)
        .send_default_pii(false)
        .max_request_body_size(sentry::MaxRequestBodySize::None)
        .transport_channel_capacity(QUEUE_CAPACITY)
        // The panic integration flushes with this after each panic, on the
        // worker that panicked; ours are caught and answered 500, so that
        // wait would only hold the worker while Sentry is slow. Exits flush
        // explicitly instead ([`SentryGuard`], the server's shutdown).
        .shutdown_timeout(Duration::ZERO)
        .before_send(move |event| scrub_event(&for_events, event))
        .before_breadcrumb(move |breadcrumb| scrub_breadcrumb(&for_breadcrumbs, breadcrumb))
        .transport(ScrubbingTransportFactory { scrubber, inner });
    Some(sentry::apply_defaults(options))
}

/// How long an exit waits for pending events to be sent.
pub const EXIT_FLUSH: Duration = Duration::from_secs(2);

/// The process-wide client; dropped when the command ends, it sends what
/// is pending (at most [`EXIT_FLUSH`]), then closes.
pub struct SentryGuard(#[allow(dead_code)] ClientInitGuard);

impl Drop for SentryGuard {
    fn drop(&mut self) {
        if let Some(client) = Hub::main().client() {
            client.flush(Some(EXIT_FLUSH));
        }
    }
}

/// Binds a client to the process-wide hub (the binary calls this once, first).
pub fn init_sentry(settings: &Settings) -> Option<SentryGuard> {
    client_options(settings).map(|options| SentryGuard(sentry::init(options)))
}

/// The hub a server reports to: the process-wide one when [`init_sentry`]
/// bound a client to it, otherwise a hub of its own (tests run several
/// servers in one process, each with its own DSN); `None` when Sentry is off.
pub fn app_hub(settings: &Settings) -> Option<Arc<Hub>> {
    settings.sentry_dsn.as_ref()?;
    let main = Hub::main();
    if main.client().is_some_and(|client| client.is_enabled()) {
        return Some(main);
    }
    let client = sentry::Client::from(client_options(settings)?);
    Some(Arc::new(Hub::new(
        Some(Arc::new(client)),
        Arc::new(sentry::Scope::default()),
    )))
}

/// Scrubs every field of an event; an event that cannot be scrubbed and
/// read back is replaced by a bare one that says so.
pub fn scrub_event(scrubber: &Scrubber, event: Event<'static>) -> Option<Event<'static>> {
    let level = event.level;
    let event_id = event.event_id;
    let scrubbed = serde_json::to_value(&event).ok().and_then(|mut value| {
        scrubber.scrub_json(&mut value);
        serde_json::from_value::<Event<'static>>(value.clone())
            .or_else(|_| {
                // A URL that no longer parses after scrubbing: drop just the URL.
                if let Some(request) = value.get_mut("request").and_then(|r| r.as_object_mut()) {
                    request.remove("url");
                }
                serde_json::from_value::<Event<'static>>(value)
            })
            .ok()
    });
    Some(scrubbed.unwrap_or_else(|| Event {
        event_id,
        level,
        message: Some("an event could not be scrubbed and was withheld".into()),
        ..Event::default()
    }))
}

pub fn scrub_breadcrumb(scrubber: &Scrubber, breadcrumb: Breadcrumb) -> Option<Breadcrumb> {
    let mut value = serde_json::to_value(&breadcrumb).ok()?;
    scrubber.scrub_json(&mut value);
    serde_json::from_value(value).ok()
}

/// Wraps the real transport factory so every envelope is scrubbed.
#[derive(Clone)]
pub struct ScrubbingTransportFactory {
    scrubber: Arc<Scrubber>,
    inner: Arc<dyn TransportFactory>,
}

impl TransportFactory for ScrubbingTransportFactory {
    fn create_transport_with_options(
        &self,
        options: sentry::TransportOptions,
    ) -> Arc<dyn Transport> {
        Arc::new(ScrubbingTransport {
            scrubber: self.scrubber.clone(),
            inner: self.inner.create_transport_with_options(options),
        })
    }
}

/// The last line of defence: scrubs the bytes of each envelope, then sends them.
pub struct ScrubbingTransport {
    scrubber: Arc<Scrubber>,
    inner: Arc<dyn Transport>,
}

impl Transport for ScrubbingTransport {
    fn send_envelope(&self, envelope: Envelope) {
        let mut bytes = Vec::new();
        if envelope.to_writer(&mut bytes).is_err() {
            return;
        }
        let Some(scrubbed) = self.scrubber.scrub_envelope(&bytes) else {
            return;
        };
        if let Ok(envelope) = Envelope::from_bytes_raw(scrubbed) {
            self.inner.send_envelope(envelope);
        }
    }

    fn flush(&self, timeout: Duration) -> bool {
        self.inner.flush(timeout)
    }

    fn shutdown(&self, timeout: Duration) -> bool {
        self.inner.shutdown(timeout)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use sentry::protocol::{Context, Exception, Level, Request, User, Value};
    use sentry::test::TestTransport;

    use super::*;
    use crate::storage::RunVesselError;

    const LEAKS: &[&str] = &[
        "9074729",
        "9811000",
        "8320901",
        "7625811",
        "9598335",
        "9176187",
        "9321483",
        "HULL-2026-004512",
        "MARH-2025-12345678",
    ];

    fn settings() -> Settings {
        let env = HashMap::from([
            ("SENTRY_DSN", "http://public@127.0.0.1:9/1"),
            ("SENTRY_TRACES_SAMPLE_RATE", "1.0"),
            ("SENTRY_ENVIRONMENT", "test"),
        ]);
        Settings::from_environment(&env).unwrap()
    }

    fn assert_clean(text: &str) {
        for leak in LEAKS {
            assert!(!text.contains(leak), "{leak} leaked in {text}");
        }
    }

    fn envelope_text(envelope: &Envelope) -> String {
        let mut bytes = Vec::new();
        envelope.to_writer(&mut bytes).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    fn leaky_request() -> Request {
        Request {
            url: "http://api.example/api/fleet-risk/vessels/IMO%209074729?imo=9811000&p=HULL-2026-004512"
                .parse()
                .ok(),
            method: Some("GET".into()),
            query_string: Some("vesselIMO=8320901&insurancePolicyId=MARH-2025-12345678".into()),
            data: Some(r#"{"vesselIMO": "IMO 7625811", "note": "IMO9598335"}"#.into()),
            headers: BTreeMap::from([
                ("X-Vessel".to_string(), "IMO 9176187".to_string()),
                ("X-Policy-Id".to_string(), "anything".to_string()),
                ("Referer".to_string(), "/vessels/9321483".to_string()),
            ]),
            ..Request::default()
        }
    }

    /// Events through the options `init_sentry` uses: every place an IMO
    /// number or policy id can sit in an event is scrubbed by `before_send`.
    #[test]
    fn events_are_scrubbed_everywhere() {
        let options = client_options(&settings()).unwrap();
        let events = sentry::test::with_captured_events_options(
            || {
                sentry::add_breadcrumb(Breadcrumb {
                    message: Some("loaded IMO 9074729".into()),
                    data: BTreeMap::from([
                        ("imo".to_string(), Value::from("whatever")),
                        ("policy".to_string(), Value::from("HULL-2026-004512")),
                    ]),
                    ..Breadcrumb::default()
                });
                sentry::configure_scope(|scope| {
                    scope.set_tag("vessel", "9811000");
                    scope.set_tag("vesselIMO", "x");
                    scope.set_extra("detail", Value::from("policy MARH-2025-12345678"));
                    scope.set_extra("imoNumber", Value::from(8320901));
                    scope.set_context(
                        "vessel",
                        Context::Other(BTreeMap::from([(
                            "name".to_string(),
                            Value::from("NORDIC 7625811"),
                        )])),
                    );
                    scope.set_user(Some(User {
                        id: Some("9598335".into()),
                        username: Some("IMO 9176187".into()),
                        ..User::default()
                    }));
                    scope.set_transaction(Some("GET /api/fleet-risk/vessels/9321483"));
                });
                let mut event = Event {
                    message: Some("no vessel IMO 9074729 for policy HULL-2026-004512".into()),
                    request: Some(leaky_request()),
                    level: Level::Error,
                    ..Event::default()
                };
                event.exception.values.push(Exception {
                    ty: "StorageError".into(),
                    value: Some("relation vessels: 9811000 HULL-2026-004512".into()),
                    ..Exception::default()
                });
                sentry::capture_event(event);
            },
            options,
        );
        assert_eq!(events.len(), 1);
        let event = &events[0];
        let text = serde_json::to_string(event).unwrap();
        assert_clean(&text);
        // Still useful: kind, level, and the markers where the values were.
        assert_eq!(event.level, Level::Error);
        assert_eq!(event.exception.values[0].ty, "StorageError");
        assert_eq!(event.environment.as_deref(), Some("test"));
        assert_eq!(
            event.release.as_deref(),
            Some(concat!("fleet-risk@", env!("CARGO_PKG_VERSION")))
        );
        assert_eq!(
            event.message.as_deref(),
            Some("no vessel [imo] for policy [policy-id]")
        );
        assert!(text.contains("/api/fleet-risk/vessels/[imo]"), "{text}");
        assert_eq!(event.tags["vesselIMO"], "[imo]");
        assert_eq!(
            event.breadcrumbs.values[0].message.as_deref(),
            Some("loaded [imo]")
        );
    }

    /// Transactions have no before_send: the scrubbing transport covers
    /// their name, request, tags, data and every span.
    #[test]
    fn transactions_and_spans_are_scrubbed_by_the_transport() {
        let inner = TestTransport::new();
        let options = client_options_with_transport(&settings(), Arc::new(inner.clone())).unwrap();
        let hub = Hub::new(
            Some(Arc::new(sentry::Client::from(options))),
            Arc::new(sentry::Scope::default()),
        );
        let context = sentry::TransactionContext::new(
            "GET /api/fleet-risk/vessels/IMO 9074729",
            "http.server",
        );
        let transaction = hub.start_transaction(context);
        transaction.set_request(leaky_request());
        transaction.set_tag("policyId", "HULL-2026-004512");
        transaction.set_data("vessel", Value::from("IMO 9811000"));
        let span = transaction.start_child(
            "db.sql.query",
            "SELECT * FROM vessels WHERE imo = '8320901'",
        );
        span.set_data(
            "db.params",
            Value::from(vec!["9074729", "MARH-2025-12345678"]),
        );
        span.finish();
        transaction.finish();
        hub.client().unwrap().flush(None);
        let envelopes = inner.fetch_and_clear_envelopes();
        assert_eq!(envelopes.len(), 1);
        let text = envelope_text(&envelopes[0]);
        assert_clean(&text);
        assert!(text.contains(r#""type":"transaction""#), "{text}");
        assert!(
            text.contains("SELECT * FROM vessels WHERE imo = '[imo]'"),
            "{text}"
        );
        assert!(text.contains("GET /api/fleet-risk/vessels/[imo]"), "{text}");
    }

    #[test]
    fn failure_reports_carry_the_run_id_and_are_scrubbed() {
        let inner = TestTransport::new();
        let options = client_options_with_transport(&settings(), Arc::new(inner.clone())).unwrap();
        let hub = Hub::new(
            Some(Arc::new(sentry::Client::from(options))),
            Arc::new(sentry::Scope::default()),
        );
        let run_id = uuid::Uuid::parse_str("0190f5a2-7c1e-7b3a-9f00-9074729abcde").unwrap();
        let failure = std::io::Error::other("publish failed for IMO 9074729");
        report_run_failure_to(&hub, run_id, &failure);
        Hub::run(Arc::new(hub), || {
            report_vessel_scoring_failure(
                run_id,
                &RunVesselError {
                    vessel_imo: "9811000".into(),
                    message: "missing inspections".into(),
                    operation: Some("load_book"),
                },
            );
        });
        let texts: Vec<String> = inner
            .fetch_and_clear_envelopes()
            .iter()
            .map(envelope_text)
            .collect();
        assert_eq!(texts.len(), 2);
        for text in &texts {
            // The run id keeps its digits (UUIDs are not mangled); nothing else may.
            assert!(
                text.contains(r#""run_id":"0190f5a2-7c1e-7b3a-9f00-9074729abcde""#),
                "{text}"
            );
            assert_clean(&text.replace("0190f5a2-7c1e-7b3a-9f00-9074729abcde", ""));
            let parsed = Envelope::from_slice(text.as_bytes()).unwrap();
            assert_eq!(parsed.event().unwrap().level, Level::Error);
        }
        assert!(texts[0].contains("recalculation_run_failed: publish failed for [imo]"));
        assert!(texts[0].contains(r#""value":"publish failed for [imo]""#));
        assert!(texts[1].contains("vessel_scoring_failed: vessel [imo]: missing inspections"));
        assert!(texts[1].contains(r#""type":"RunVesselError""#));
        assert!(texts[1].contains(r#""storage.operation":"load_book""#));
    }

    /// The panic integration reports to the hub the panicking code runs in
    /// (a request's hub derives from the server's), scrubbed.
    #[test]
    fn panics_are_reported_to_the_running_hub_and_scrubbed() {
        let inner = TestTransport::new();
        let options = client_options_with_transport(&settings(), Arc::new(inner.clone())).unwrap();
        let hub = Arc::new(Hub::new(
            Some(Arc::new(sentry::Client::from(options))),
            Arc::new(sentry::Scope::default()),
        ));
        Hub::run(hub.clone(), || {
            let outcome = std::panic::catch_unwind(|| {
                panic!("no score for IMO 9074729 on policy HULL-2026-004512");
            });
            assert!(outcome.is_err());
        });
        hub.client().unwrap().flush(None);
        let texts: Vec<String> = inner
            .fetch_and_clear_envelopes()
            .iter()
            .map(envelope_text)
            .collect();
        assert_eq!(texts.len(), 1, "{texts:?}");
        assert_clean(&texts[0]);
        assert!(
            texts[0].contains("no score for [imo] on policy [policy-id]"),
            "{}",
            texts[0]
        );
    }

    #[test]
    fn sentry_is_off_without_a_dsn() {
        let settings = Settings::from_environment(&HashMap::new()).unwrap();
        assert!(client_options(&settings).is_none());
        assert!(app_hub(&settings).is_none());
    }
}
