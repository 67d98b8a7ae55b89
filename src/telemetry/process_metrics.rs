//! The process's own health in Prometheus: the standard `process_*`
//! families (resident and virtual memory, CPU seconds, open and maximum file
//! descriptors, threads, start time) from the prometheus crate's process
//! collector, which reads /proc (Linux only: elsewhere they are absent), and
//! `fleet_risk_build_info{version, model_version}`, always 1, so a dashboard
//! can tell which build and which risk model each replica runs.

use prometheus::{IntGaugeVec, Opts, Registry};

/// The service's version, as Cargo gives it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Registers the process collector in `registry`.
pub(super) fn register_process_collector(registry: &Registry) {
    #[cfg(target_os = "linux")]
    registry
        .register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))
        .expect("registered once");
    #[cfg(not(target_os = "linux"))]
    let _ = registry;
}

/// `fleet_risk_build_info`, registered in `registry`, with no series until
/// the model is known ([`super::metrics::Metrics::set_build_info`]).
pub(super) fn build_info(registry: &Registry) -> IntGaugeVec {
    let gauge = IntGaugeVec::new(
        Opts::new(
            "fleet_risk_build_info",
            "Always 1: the service version and the risk model version this process serves",
        ),
        &["version", "model_version"],
    )
    .expect("a valid gauge");
    registry
        .register(Box::new(gauge.clone()))
        .expect("registered once");
    gauge
}
