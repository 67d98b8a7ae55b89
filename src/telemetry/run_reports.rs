//! Reports of the recalculation jobs to Sentry: a failed run, with its
//! cause (see [`error_event`]), and a vessel that failed to score; each
//! tagged with the run id and the kind of failure, and scrubbed like every
//! event (the client's `before_send` and transport).

use std::error::Error;
use std::fmt::Display;

use sentry::Hub;
use sentry::protocol::{Event, Exception, Level};

use super::error_event::error_event;
use crate::storage::RunVesselError;

/// Reports a failed recalculation run to the current hub; returns the event id.
pub fn report_run_failure(
    run_id: impl Display,
    failure: &(dyn Error + 'static),
) -> sentry::types::Uuid {
    report_run_failure_to(&Hub::current(), run_id, failure)
}

/// Reports a vessel that failed to score in run `run_id` to the current hub.
pub fn report_vessel_scoring_failure(
    run_id: impl Display,
    failure: &RunVesselError,
) -> sentry::types::Uuid {
    report_vessel_scoring_failure_to(&Hub::current(), run_id, failure)
}

/// [`report_run_failure`] to a given hub (e.g. `AppState::sentry`): the
/// failure's cause chain, database code and storage operation (see
/// [`error_event`]), tagged with the run.
pub fn report_run_failure_to(
    hub: &Hub,
    run_id: impl Display,
    failure: &(dyn Error + 'static),
) -> sentry::types::Uuid {
    report(
        hub,
        error_event(failure),
        "recalculation_run_failed",
        run_id,
        &failure.to_string(),
    )
}

/// [`report_vessel_scoring_failure`] to a given hub, tagged with the
/// operation that failed on the vessel when it is known.
pub fn report_vessel_scoring_failure_to(
    hub: &Hub,
    run_id: impl Display,
    failure: &RunVesselError,
) -> sentry::types::Uuid {
    let text = format!("vessel {}: {}", failure.vessel_imo, failure.message);
    let mut event = Event {
        exception: vec![Exception {
            ty: "RunVesselError".into(),
            value: Some(text.clone()),
            ..Default::default()
        }]
        .into(),
        ..Event::default()
    };
    if let Some(operation) = failure.operation {
        event
            .tags
            .insert("storage.operation".into(), operation.into());
    }
    report(hub, event, "vessel_scoring_failed", run_id, &text)
}

fn report(
    hub: &Hub,
    mut event: Event<'static>,
    kind: &str,
    run_id: impl Display,
    error: &str,
) -> sentry::types::Uuid {
    event.level = Level::Error;
    event.message = Some(format!("{kind}: {error}"));
    event.logger = Some("fleet_risk::jobs".into());
    event.tags.insert("run_id".into(), run_id.to_string());
    event.tags.insert("failure".into(), kind.into());
    hub.capture_event(event)
}

/// Reports a warning of the rollout guard (`kind`: `rollout_capped`,
/// `dashboard_slow`) to `hub`, or the current hub; scrubbed like every event.
pub fn report_guard_warning(hub: Option<&Hub>, kind: &str, message: &str) -> sentry::types::Uuid {
    let mut event = Event {
        level: Level::Warning,
        message: Some(message.to_string()),
        logger: Some("fleet_risk::jobs::rollout_guard".into()),
        ..Event::default()
    };
    event.tags.insert("guard_action".into(), kind.into());
    match hub {
        Some(hub) => hub.capture_event(event),
        None => Hub::current().capture_event(event),
    }
}
