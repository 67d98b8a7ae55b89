//! A test-only hold: in a debug build with `FLEET_RISK_TEST_HOLD_RUNS=1`,
//! every book-wide run stops after scoring and waits before publishing until
//! shutdown (or `RISK_RUN_TIMEOUT`) ends it.
//!
//! The shutdown tests send SIGTERM to a real process in the middle of a run,
//! whatever started it (the schedule, the start-up catch-up, the HTTP
//! trigger, `fleet-risk recalc`). A run of a big book is only probably still
//! running when the signal lands; a held run is certainly. Release builds
//! (the image) ignore the variable.

/// The variable that arms the hold.
pub const HOLD_RUNS_VARIABLE: &str = "FLEET_RISK_TEST_HOLD_RUNS";

/// What a held run logs once it waits (the tests wait for this line).
pub const HELD_MESSAGE: &str = "run held before publishing (FLEET_RISK_TEST_HOLD_RUNS)";

/// True when this process holds its runs: a debug build with the variable set to `1`.
pub fn armed_by_environment() -> bool {
    cfg!(debug_assertions) && std::env::var(HOLD_RUNS_VARIABLE).is_ok_and(|value| value == "1")
}
