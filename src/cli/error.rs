//! What a command's failure says: each cause with its context (the file,
//! the flag, the run), printed by `main` as `fleet-risk: <error>`.

use crate::domain::FieldErrors;
use crate::startup::StartupError;
use crate::storage::{SeedError, StorageError};

/// Why a command failed; printed as `fleet-risk: <error>` with the exit
/// code of [`CliError::exit_code`].
#[derive(Debug, thiserror::Error)]
pub(super) enum CliError {
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Seed(#[from] SeedError),
    /// The model file's own report (it names the file and the field).
    #[error("MODEL_PATH: {0}")]
    Model(String),
    #[error(transparent)]
    ComputePool(#[from] rayon::ThreadPoolBuildError),
    #[error("{path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Book {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{name}: expected a JSON array of vessels: {source}")]
    NotAVesselList {
        name: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{name}: {} invalid field(s):\n{}", .errors.len(), field_lines(.errors))]
    InvalidVessels { name: String, errors: FieldErrors },
    /// An import refused: nothing was stored.
    #[error("{name}: nothing imported, {total} problem(s):\n{}", field_lines(.errors))]
    ImportRefused {
        name: String,
        total: usize,
        errors: FieldErrors,
    },
    #[error("the import could not be completed: {0}")]
    Import(String),
    #[error("--fleet: {0}")]
    FleetId(String),
    #[error("--years must be from 1 to {max} (SIMULATION_MAX_YEARS)")]
    Years { max: u32 },
    #[error("--name must be 1 to 120 characters")]
    KeyName,
    #[error("no active key with id {0}")]
    NoSuchKey(uuid::Uuid),
    #[error("run {0} failed")]
    RunFailed(uuid::Uuid),
    /// A signal cancelled the run (exit code 128 + the signal).
    #[error("run {run} cancelled by signal {signal}; it is recorded failed")]
    Interrupted { run: uuid::Uuid, signal: i32 },
    #[error("cannot connect to {address}: {source}")]
    Connect {
        address: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("no fleet with id {0}")]
    NoSuchFleet(crate::domain::FleetId),
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    #[error("{path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("not ready: {0}")]
    NotReady(String),
    /// Writing the output, serving, or speaking to the health endpoint.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Output(#[from] serde_json::Error),
}

impl CliError {
    /// 128 + the signal for a run a signal cancelled (the shell's convention
    /// for a process a signal ended); 2 for bad configuration (the model file
    /// `MODEL_PATH` names is configuration, like the variables `Settings`
    /// reads); 1 for the rest.
    pub(super) fn exit_code(&self) -> std::process::ExitCode {
        match self {
            Self::Interrupted { signal, .. } => {
                std::process::ExitCode::from(u8::try_from(128 + signal).unwrap_or(1))
            }
            Self::Model(_) | Self::Startup(StartupError::Model(_)) => {
                std::process::ExitCode::from(2)
            }
            _ => std::process::ExitCode::FAILURE,
        }
    }
}

/// One `  field: message` line per invalid field.
fn field_lines(errors: &FieldErrors) -> String {
    let lines: Vec<String> = errors
        .iter()
        .map(|e| match e.line {
            Some(line) => format!("  line {line}: {}: {}", e.field, e.message),
            None => format!("  {}: {}", e.field, e.message),
        })
        .collect();
    lines.join("\n")
}
