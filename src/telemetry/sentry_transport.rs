//! How events reach Sentry without ever slowing a request or holding
//! memory: sentry's own reqwest transport (one background thread that sends
//! envelopes one after another from a bounded queue, dropping what does not
//! fit), given an HTTP client with timeouts.
//!
//! The client sentry builds has no timeout. An endpoint that accepted a
//! connection and never answered held that one sender for good: every later
//! event waited behind it, the queue filled and everything after it was
//! dropped, for the life of the process. With `SENTRY_TIMEOUT_SECONDS` a
//! stuck send is given up and the next envelope goes.
//!
//! The bound on memory is [`QUEUE_CAPACITY`] envelopes waiting at most;
//! capturing an event only puts it on that queue (or drops it), so a slow,
//! unreachable or refusing Sentry costs a request nothing.

use std::sync::Arc;
use std::time::Duration;

use sentry::transports::ReqwestHttpTransportOptions;
use sentry::{Transport, TransportFactory, TransportOptions};

/// Envelopes waiting to be sent at most (sentry's own default, stated here).
pub const QUEUE_CAPACITY: usize = 30;

/// Sentry's reqwest transport, its requests bounded by `timeout`.
pub struct BoundedHttpTransportFactory {
    pub timeout: Duration,
}

impl TransportFactory for BoundedHttpTransportFactory {
    fn create_transport_with_options(&self, options: TransportOptions) -> Arc<dyn Transport> {
        let client = reqwest::Client::builder()
            .connect_timeout(self.timeout)
            .timeout(self.timeout)
            .build()
            .expect("an HTTP client with rustls builds");
        Arc::new(
            ReqwestHttpTransportOptions::from(options)
                .with_client(client)
                .build(),
        )
    }
}
