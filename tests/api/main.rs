//! The integration suite: the real server on port 0, spoken to over HTTP.
//!
//! A case that reads or writes stored data runs on SQLite (`sqlite::...`)
//! and again on PostgreSQL (`postgres::...`) when `TEST_DATABASE_URL` is set,
//! each time in a fresh database that is dropped afterwards; a few test what
//! only PostgreSQL has and run there alone. A case whose checks cannot depend
//! on the backend (the spec, body parsing, the engine through `/assess`,
//! routing, CLI commands without a database) runs once, as `any::...`. So
//! the `postgres::` count is the number of cases that really exercise
//! PostgreSQL. Without `TEST_DATABASE_URL` the PostgreSQL cases are reported
//! as ignored with the reason; under CI (`CI` set) a missing
//! `TEST_DATABASE_URL` fails the run.

mod binary;
mod fleet_aggregate;
mod support;

mod api_keys;
mod assess;
mod auth;
mod auth_matrix;
mod bad_values;
mod cli;
mod client_limits;
mod concurrency;
mod console;
mod contract;
mod cors;
mod dashboard;
mod demo;
mod errors;
mod export;
mod export_workbook;
mod faults;
mod feedback;
mod feedback_retries;
mod first_key;
mod flags;
mod fleets;
mod health;
mod histories;
mod http_basics;
mod import;
mod import_formats;
mod input;
mod log_volume;
mod metrics;
mod observability;
mod publication;
mod rate_limit;
mod recalculation;
mod replicas;
mod risk;
mod rollout_guard;
mod run_records;
mod run_slot;
mod security_headers;
mod sentry;
mod sentry_sink;
mod shutdown;
mod startup;
mod thresholds;
mod vessels;

use std::process::ExitCode;

use libtest_mimic::{Arguments, Trial};
use support::{Backend, TestCase};

fn cases() -> Vec<TestCase> {
    [
        api_keys::CASES,
        assess::CASES,
        auth::CASES,
        auth_matrix::CASES,
        bad_values::CASES,
        cli::CASES,
        client_limits::CASES,
        concurrency::CASES,
        console::CASES,
        contract::CASES,
        cors::CASES,
        dashboard::CASES,
        demo::CASES,
        errors::CASES,
        feedback::CASES,
        feedback_retries::CASES,
        flags::CASES,
        export::CASES,
        export_workbook::CASES,
        faults::database_startup::CASES,
        faults::killed_run::CASES,
        faults::sentry_down::CASES,
        faults::sqlite_lock::CASES,
        first_key::CASES,
        fleets::CASES,
        health::CASES,
        histories::CASES,
        http_basics::CASES,
        import::CASES,
        import_formats::CASES,
        input::CASES,
        log_volume::CASES,
        metrics::CASES,
        recalculation::CASES,
        replicas::CASES,
        risk::CASES,
        rollout_guard::CASES,
        run_records::CASES,
        run_slot::CASES,
        shutdown::CASES,
        startup::CASES,
        sentry::CASES,
        thresholds::CASES,
        observability::CASES,
        publication::CASES,
        rate_limit::CASES,
        security_headers::CASES,
        vessels::CASES,
    ]
    .concat()
}

fn main() -> ExitCode {
    let arguments = Arguments::from_args();
    let postgres = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty());
    if postgres.is_none() {
        if std::env::var_os("CI").is_some() {
            eprintln!(
                "error: CI is set but TEST_DATABASE_URL is not: the PostgreSQL cases must run in CI"
            );
            return ExitCode::FAILURE;
        }
        eprintln!("note: PostgreSQL cases are ignored: TEST_DATABASE_URL is not set");
    }
    let mut trials = Vec::new();
    for case in cases() {
        for (label, backend) in case.runs.trials() {
            let run = case.run;
            let trial = Trial::test(format!("{label}::{}", case.name), move || {
                support::run_case(backend, run);
                Ok(())
            });
            let ignored = backend == Backend::Postgres && postgres.is_none();
            trials.push(trial.with_ignored_flag(ignored));
        }
    }
    libtest_mimic::run(&arguments, trials).exit_code()
}
