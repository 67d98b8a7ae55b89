//! The integration suite: the real server on port 0, spoken to over HTTP.
//!
//! Every case runs on SQLite, and again on PostgreSQL when
//! `TEST_DATABASE_URL` is set (each case in a fresh database that is dropped
//! afterwards). Without it the PostgreSQL cases are reported as ignored with
//! the reason; under CI (`CI` set) a missing `TEST_DATABASE_URL` fails the run.

mod support;

mod assess;
mod auth;
mod bad_values;
mod cli;
mod concurrency;
mod contract;
mod dashboard;
mod demo;
mod errors;
mod fleets;
mod health;
mod histories;
mod input;
mod observability;
mod publication;
mod recalculation;
mod replicas;
mod risk;
mod thresholds;
mod vessels;

use std::process::ExitCode;

use libtest_mimic::{Arguments, Trial};
use support::{Backend, TestCase};

fn cases() -> Vec<TestCase> {
    [
        assess::CASES,
        auth::CASES,
        bad_values::CASES,
        cli::CASES,
        concurrency::CASES,
        contract::CASES,
        dashboard::CASES,
        demo::CASES,
        errors::CASES,
        fleets::CASES,
        health::CASES,
        histories::CASES,
        input::CASES,
        recalculation::CASES,
        replicas::CASES,
        risk::CASES,
        thresholds::CASES,
        observability::CASES,
        publication::CASES,
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
        for &backend in case.backends {
            let run = case.run;
            let trial = Trial::test(format!("{}::{}", backend.name(), case.name), move || {
                support::run_case(backend, run);
                Ok(())
            });
            let ignored = backend == Backend::Postgres && postgres.is_none();
            trials.push(trial.with_ignored_flag(ignored));
        }
    }
    libtest_mimic::run(&arguments, trials).exit_code()
}
