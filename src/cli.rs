//! The command line: `serve` (the default), `migrate`, `seed`, `import`, `keys`, `export`, and
//! the database-free `assess` and `simulate`.

mod error;
mod export;
mod healthcheck;
mod import;
mod interrupt;
mod keys;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand};

use self::error::CliError;
use self::export::export;
use self::healthcheck::healthcheck;
use self::keys::{KeysCommand, keys};
use crate::compute::ComputeBridge;
use crate::config::Settings;
use crate::domain::{FleetId, RunStatus, RunTrigger, VesselProfile, parse_vessel_list};
use crate::export::ExportFormat;
use crate::http::runs::{RunResponse, vessel_errors};
use crate::jobs;
use crate::model_file;
use crate::risk::{self, LossExposure, RiskModel};
use crate::startup::{self, Application};
use crate::storage::{ClaimError, Database, DemoBook};
use crate::telemetry;

#[derive(Debug, Parser)]
#[command(
    name = "fleet-risk",
    version,
    about = "Vessel and fleet risk scoring service"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load a book of fleets and vessels (idempotent); the demo book by default.
    Seed {
        /// A directory holding `book.json` (the format of fixtures/demo/book.json).
        #[arg(long)]
        fixtures: Option<PathBuf>,
    },
    /// Import vessels from FILE: a JSON import body (`{"fleetId"?, "vessels":
    /// [...]}`) or a CSV of vessels (by the `.json` name or a leading `{`).
    /// All or nothing; what is imported is scored and published. Prints the
    /// answer of `POST /api/fleet-risk/vessels/import`; exit 1 names every problem.
    Import {
        file: PathBuf,
        /// The fleet of vessels that name none.
        #[arg(long)]
        fleet: Option<String>,
        /// Replace vessels already on the book (histories included).
        #[arg(long)]
        upsert: bool,
    },
    /// Assess vessels without a database: a JSON array of section 1 inputs in
    /// (FILE or `-` for stdin), a JSON array of assessments out, in input order.
    Assess {
        /// A file holding the JSON array; `-` or nothing reads stdin.
        input: Option<PathBuf>,
        /// The as-of date (YYYY-MM-DD); today (UTC) by default.
        #[arg(long, value_parser = parse_date)]
        as_of: Option<NaiveDate>,
    },
    /// Simulate a fleet's aggregate annual loss (Monte Carlo): the fleet's
    /// vessels in (as for `assess`), the simulation summary out.
    Simulate {
        input: Option<PathBuf>,
        /// Simulated years.
        #[arg(long, default_value_t = 100_000)]
        years: u32,
        /// Seed of the generators: the same inputs, years and seed give the same result.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_parser = parse_date)]
        as_of: Option<NaiveDate>,
    },
    /// Run one book-wide recalculation now and print its report as JSON (for
    /// external schedulers). Exit 0 when published or skipped because another
    /// run is in progress, 1 when it failed; SIGTERM or SIGINT cancels the run,
    /// which is recorded failed (cancelled), and exits 143 or 130 (128 + the signal).
    Recalc {
        /// The as-of date (YYYY-MM-DD); today (UTC) by default.
        #[arg(long, value_parser = parse_date)]
        as_of: Option<NaiveDate>,
    },
    /// Export one fleet or the whole book as CSV or Excel (the file the
    /// export routes answer).
    Export {
        /// The fleet's id; the whole book when left out.
        #[arg(long)]
        fleet: Option<uuid::Uuid>,
        #[arg(long, value_parser = parse_format)]
        format: ExportFormat,
        /// The file to write.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Exit 0 when the local server's readiness check answers 200 (container HEALTHCHECK).
    Healthcheck,
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

fn parse_format(raw: &str) -> Result<ExportFormat, String> {
    ExportFormat::parse(raw)
}

fn parse_date(raw: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .filter(|_| raw.len() == 10)
        .ok_or_else(|| format!("{raw:?} is not a date in the form YYYY-MM-DD"))
}

/// What `seed` prints: the seeding's counts.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SeedOutput {
    fleets_created: usize,
    vessels_created: usize,
    vessels_already_present: usize,
}

/// Exit codes: 0 success, 1 failure at run time, 2 bad configuration or
/// usage, 128 + the signal when SIGTERM (143) or SIGINT (130) cancelled a `recalc`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("fleet-risk: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init_logging(settings.log_format);
    // Flushes pending Sentry events when main returns.
    let _sentry = telemetry::init_sentry(&settings);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("fleet-risk: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("fleet-risk: {error}");
            error.exit_code()
        }
    }
}

async fn run(command: Command, settings: Settings) -> Result<(), CliError> {
    match command {
        Command::Serve => {
            // Asked before the build, which creates the file.
            let first_start =
                settings.bootstrap_admin_key && Database::is_new_embedded(&settings.database_url);
            let app = Application::build(settings.clone()).await?;
            if first_start && let Some(key) = startup::create_first_key(&app.database()).await? {
                let base_url = startup::local_base_url(settings.host, app.port());
                eprint!("{}", startup::announcement(&key, &base_url));
            }
            tracing::info!(host = %settings.host, port = app.port(), "serving fleet-risk");
            Ok(app.run_until_stopped().await?)
        }
        Command::Migrate => {
            startup::open_database(&settings).await?;
            println!("migrations applied to {}", settings.database_url);
            Ok(())
        }
        Command::Seed { fixtures } => {
            let book = match fixtures {
                None => startup::embedded_demo_book(),
                Some(dir) => {
                    let path = dir.join("book.json");
                    let text = read_file(&path)?;
                    serde_json::from_str::<DemoBook>(&text).map_err(|source| CliError::Book {
                        path: path.display().to_string(),
                        source,
                    })?
                }
            };
            let ctx = cli_job_context(&settings).await?;
            let report = startup::seed(&ctx, &settings, &book).await?;
            let report = SeedOutput {
                fleets_created: report.fleets_created,
                vessels_created: report.vessels_created,
                vessels_already_present: report.vessels_already_present,
            };
            println!(
                "{}",
                serde_json::to_string(&report).expect("seed reports serialize")
            );
            Ok(())
        }
        Command::Assess { input, as_of } => {
            let as_of = as_of.unwrap_or_else(|| Utc::now().date_naive());
            let (model, vessels) = read_vessels(&settings, input.as_deref(), as_of)?;
            let assessments = risk::assess_book(&model, &vessels, as_of, &model.thresholds());
            print_json(&assessments)
        }
        Command::Simulate {
            input,
            years,
            seed,
            as_of,
        } => {
            if years == 0 || years > settings.simulation_max_years {
                return Err(CliError::Years {
                    max: settings.simulation_max_years,
                });
            }
            let as_of = as_of.unwrap_or_else(|| Utc::now().date_naive());
            let (model, vessels) = read_vessels(&settings, input.as_deref(), as_of)?;
            let assessments = risk::assess_book(&model, &vessels, as_of, &model.thresholds());
            let exposures: Vec<LossExposure> = vessels
                .iter()
                .zip(&assessments)
                .map(|(vessel, assessment)| LossExposure::from_assessment(vessel, assessment))
                .collect();
            print_json(&risk::simulate_fleet(&model, &exposures, years, seed))
        }
        Command::Recalc { as_of } => recalc(&settings, as_of).await,
        Command::Export {
            fleet,
            format,
            output,
        } => export(&settings, fleet.map(FleetId::from_uuid), format, &output).await,
        Command::Import {
            file,
            fleet,
            upsert,
        } => import::run(&settings, &file, fleet.as_deref(), upsert).await,
        Command::Healthcheck => healthcheck(settings.port),
        Command::Keys { command } => {
            let db = startup::open_database(&settings).await?;
            keys(&db, command).await
        }
    }
}

/// What a command that writes the book needs: the database, the model and
/// a compute pool of its own.
async fn cli_job_context(settings: &Settings) -> Result<jobs::JobContext, CliError> {
    let model = std::sync::Arc::new(configured_model(settings)?);
    let db = startup::open_database(settings).await?;
    let compute = ComputeBridge::new(settings.compute_threads, settings.compute_queue)?;
    let metrics = std::sync::Arc::new(crate::telemetry::metrics::Metrics::new());
    Ok(startup::job_context(
        settings, db, model, compute, metrics, None,
    ))
}

async fn recalc(settings: &Settings, as_of: Option<NaiveDate>) -> Result<(), CliError> {
    let ctx = cli_job_context(settings).await?;
    let db = ctx.db.clone();
    let interrupted = interrupt::cancel_on_signal(&ctx.shutdown)?;
    let as_of = as_of.unwrap_or_else(|| Utc::now().date_naive());
    match jobs::run_once(&ctx, RunTrigger::Cli, as_of).await {
        Ok(run) => {
            let errors = db.run_vessel_errors(run.id).await?;
            let failed = run.status == RunStatus::Failed;
            let id = run.id;
            print_json(&serde_json::json!({
                "run": RunResponse::from(run),
                "vesselErrors": vessel_errors(errors),
            }))?;
            match (failed, interrupted.get()) {
                (false, _) => Ok(()),
                (true, Some(&signal)) => Err(CliError::Interrupted { run: id, signal }),
                (true, None) => Err(CliError::RunFailed(id)),
            }
        }
        Err(ClaimError::InProgress(running)) => print_json(&serde_json::json!({
            "status": "skipped",
            "reason": "another run is in progress",
            "runningRunId": running,
        })),
        Err(ClaimError::Storage(error)) => Err(error.into()),
    }
}

/// The configured model and the vessels of `input` (a file, or stdin for
/// `-`/none), every bad vessel reported by index and field.
fn read_vessels(
    settings: &Settings,
    input: Option<&Path>,
    as_of: NaiveDate,
) -> Result<(RiskModel, Vec<VesselProfile>), CliError> {
    let model = configured_model(settings)?;
    let (name, text) = match input {
        None => ("stdin".to_string(), read_stdin()?),
        Some(path) if path == Path::new("-") => ("stdin".to_string(), read_stdin()?),
        Some(path) => (path.display().to_string(), read_file(path)?),
    };
    let items: Vec<serde_json::Value> =
        serde_json::from_str(&text).map_err(|source| CliError::NotAVesselList {
            name: name.clone(),
            source,
        })?;
    let vessels = parse_vessel_list(items, as_of, &settings.policy_ids, "")
        .map_err(|errors| CliError::InvalidVessels { name, errors })?;
    Ok((model, vessels))
}

fn configured_model(settings: &Settings) -> Result<RiskModel, CliError> {
    model_file::configured_model(settings.model_path.as_deref()).map_err(CliError::Model)
}

fn read_file(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.display().to_string(),
        source,
    })
}

fn read_stdin() -> Result<String, CliError> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|source| {
        CliError::Read {
            path: "stdin".to_string(),
            source,
        }
    })?;
    Ok(text)
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    serde_json::to_writer_pretty(&mut out, value)?;
    Ok(std::io::Write::write_all(&mut out, b"\n")?)
}
