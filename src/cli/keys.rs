//! `fleet-risk keys`: create, list and revoke API keys.

use clap::Subcommand;

use super::error::CliError;
use crate::domain::Role;
use crate::storage::Database;

#[derive(Debug, Subcommand)]
pub(super) enum KeysCommand {
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

pub(super) async fn keys(db: &Database, command: KeysCommand) -> Result<(), CliError> {
    match command {
        KeysCommand::Create { role, name } => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 120 {
                return Err(CliError::KeyName);
            }
            let key = db.create_api_key(name, role).await?;
            println!(
                "created {} key {} ({})",
                role, key.record.id, key.record.name
            );
            println!("store it now; it is not shown again:");
            println!("{}", key.secret);
            Ok(())
        }
        KeysCommand::List => {
            for key in db.list_api_keys().await? {
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
            if db.revoke_api_key(id).await? {
                println!("revoked {id}");
                Ok(())
            } else {
                Err(CliError::NoSuchKey(id))
            }
        }
    }
}
