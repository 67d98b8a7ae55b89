//! The command line: `serve` (the default), `migrate`, `seed`, `keys`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::domain::Role;
use crate::startup::{self, Application};
use crate::storage::DemoBook;
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
    /// Exit 0 when the local server's readiness check answers 200 (container HEALTHCHECK).
    Healthcheck,
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a key; the key is printed once, alone on the last line.
    Create {
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        name: String,
    },
    /// List keys (never the keys themselves).
    List,
    /// Revoke a key by its id.
    Revoke { id: uuid::Uuid },
}

fn parse_role(raw: &str) -> Result<Role, String> {
    Role::parse(raw)
}

/// Exit codes: 0 success, 1 failure at run time, 2 bad configuration or usage.
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
        Err(message) => {
            eprintln!("fleet-risk: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> Result<(), String> {
    match command {
        Command::Serve => {
            let app = Application::build(settings.clone())
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(host = %settings.host, port = app.port(), "serving fleet-risk");
            app.run_until_stopped().await.map_err(|e| e.to_string())
        }
        Command::Migrate => {
            startup::open_database(&settings)
                .await
                .map_err(|e| e.to_string())?;
            println!("migrations applied to {}", settings.database_url);
            Ok(())
        }
        Command::Seed { fixtures } => {
            let book = match fixtures {
                None => startup::embedded_demo_book(),
                Some(dir) => {
                    let path = dir.join("book.json");
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                    serde_json::from_str::<DemoBook>(&text)
                        .map_err(|e| format!("{}: {e}", path.display()))?
                }
            };
            let db = startup::open_database(&settings)
                .await
                .map_err(|e| e.to_string())?;
            let report = startup::seed(&db, &settings, &book)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "{}",
                serde_json::to_string(&report).expect("seed reports serialize")
            );
            Ok(())
        }
        Command::Healthcheck => healthcheck(settings.port),
        Command::Keys { command } => {
            let db = startup::open_database(&settings)
                .await
                .map_err(|e| e.to_string())?;
            keys(&db, command).await
        }
    }
}

/// A plain HTTP/1.0 GET of /api/health on loopback, so the runtime image needs no curl.
fn healthcheck(port: u16) -> Result<(), String> {
    use std::io::{Read, Write};
    use std::time::Duration;
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = std::net::TcpStream::connect_timeout(&address, Duration::from_secs(3))
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /api/health HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).map_err(|e| e.to_string())?;
    if head.starts_with(b"HTTP/1.") && &head[9..12] == b"200" {
        Ok(())
    } else {
        Err(format!("not ready: {}", String::from_utf8_lossy(&head)))
    }
}

async fn keys(db: &crate::storage::Database, command: KeysCommand) -> Result<(), String> {
    match command {
        KeysCommand::Create { role, name } => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 120 {
                return Err("--name must be 1 to 120 characters".into());
            }
            let key = db
                .create_api_key(name, role)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "created {} key {} ({})",
                role, key.record.id, key.record.name
            );
            println!("store it now; it is not shown again:");
            println!("{}", key.secret);
            Ok(())
        }
        KeysCommand::List => {
            for key in db.list_api_keys().await.map_err(|e| e.to_string())? {
                let status = match key.revoked_at {
                    Some(at) => format!("revoked {}", at.to_rfc3339()),
                    None => "active".to_string(),
                };
                println!(
                    "{}\t{}\t{}\t{}…\t{}\t{}",
                    key.id,
                    key.role,
                    key.name,
                    key.prefix,
                    key.created_at.to_rfc3339(),
                    status
                );
            }
            Ok(())
        }
        KeysCommand::Revoke { id } => {
            if db.revoke_api_key(id).await.map_err(|e| e.to_string())? {
                println!("revoked {id}");
                Ok(())
            } else {
                Err(format!("no active key with id {id}"))
            }
        }
    }
}
