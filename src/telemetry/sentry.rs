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

use std::fmt::Display;
use std::sync::Arc;
use std::time::Duration;

use sentry::protocol::{Breadcrumb, Event, Level};
use sentry::transports::DefaultTransportFactory;
use sentry::{ClientInitGuard, ClientOptions, Envelope, Hub, Transport, TransportFactory};

use super::scrub::Scrubber;
use crate::config::Settings;

/// The client options this service runs with, or `None` when `SENTRY_DSN` is unset.
pub fn client_options(settings: &Settings) -> Option<ClientOptions> {
    client_options_with_transport(settings, Arc::new(DefaultTransportFactory))
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
        .before_send(move |event| scrub_event(&for_events, event))
        .before_breadcrumb(move |breadcrumb| scrub_breadcrumb(&for_breadcrumbs, breadcrumb))
        .transport(ScrubbingTransportFactory { scrubber, inner });
    Some(sentry::apply_defaults(options))
}

/// Binds a client to the process-wide hub (the binary calls this once, first).
/// The returned guard flushes pending events when dropped.
pub fn init_sentry(settings: &Settings) -> Option<ClientInitGuard> {
    client_options(settings).map(sentry::init)
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

/// Reports a failed recalculation run to the current hub; returns the event id.
pub fn report_run_failure(run_id: impl Display, error: &str) -> sentry::types::Uuid {
    report_run_failure_to(&Hub::current(), run_id, error)
}

/// Reports a vessel that failed to score in run `run_id` to the current hub.
pub fn report_vessel_scoring_failure(run_id: impl Display, error: &str) -> sentry::types::Uuid {
    report_vessel_scoring_failure_to(&Hub::current(), run_id, error)
}

/// [`report_run_failure`] to a given hub (e.g. `AppState::sentry`).
pub fn report_run_failure_to(hub: &Hub, run_id: impl Display, error: &str) -> sentry::types::Uuid {
    report(hub, "recalculation_run_failed", run_id, error)
}

/// [`report_vessel_scoring_failure`] to a given hub.
pub fn report_vessel_scoring_failure_to(
    hub: &Hub,
    run_id: impl Display,
    error: &str,
) -> sentry::types::Uuid {
    report(hub, "vessel_scoring_failed", run_id, error)
}

fn report(hub: &Hub, kind: &str, run_id: impl Display, error: &str) -> sentry::types::Uuid {
    let mut event = Event {
        level: Level::Error,
        message: Some(format!("{kind}: {error}")),
        logger: Some("fleet_risk::jobs".into()),
        ..Event::default()
    };
    event.tags.insert("run_id".into(), run_id.to_string());
    event.tags.insert("failure".into(), kind.into());
    hub.capture_event(event)
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
