//! The first admin key of a new embedded database: `serve` on a SQLite file
//! it has just created, with no key in it, makes one admin key and prints it
//! once to stderr, so a first start needs no second command to be usable.
//! Never on PostgreSQL (a shared production store gets its keys from
//! `fleet-risk keys create`), never when any key exists, and not at all with
//! `BOOTSTRAP_ADMIN_KEY=false`.

use std::net::IpAddr;

use crate::domain::Role;
use crate::storage::{Database, NewApiKey, StorageError};

/// The name the key is stored under (`keys list` shows it).
pub const FIRST_KEY_NAME: &str = "first start";

/// Creates the first admin key when the table has none; `None` otherwise.
pub async fn create_first_key(db: &Database) -> Result<Option<NewApiKey>, StorageError> {
    let key = db.create_first_api_key(FIRST_KEY_NAME, Role::Admin).await?;
    if let Some(key) = &key {
        // The secret is printed once to stderr, never logged.
        tracing::info!(key_id = %key.record.id, "created the first admin key of a new database");
    }
    Ok(key)
}

/// The base URL a local user reaches the server at: an unspecified listen
/// address (`0.0.0.0`, `::`) is reached on loopback.
pub fn local_base_url(host: IpAddr, port: u16) -> String {
    let host = match host {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::from([127, 0, 0, 1]),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::from([0, 0, 0, 0, 0, 0, 0, 1]),
        other => other,
    };
    match host {
        IpAddr::V4(v4) => format!("http://{v4}:{port}"),
        IpAddr::V6(v6) => format!("http://[{v6}]:{port}"),
    }
}

/// What stderr shows once: the key alone on a line (for `grep frk_`), a
/// ready `curl` line, the console and the API reference.
pub fn announcement(key: &NewApiKey, base_url: &str) -> String {
    let secret = &key.secret;
    format!(
        "\n\
         fleet-risk: a new database, so here is its first admin key (shown once, store it now):\n\
         \n\
         \x20   {secret}\n\
         \n\
         \x20 try it:   curl -H 'Authorization: Bearer {secret}' {base_url}/api/fleet-risk/fleets\n\
         \x20 console:  {base_url}/   (paste the key on its key screen)\n\
         \x20 API docs: {base_url}/docs\n\
         \x20 more keys: fleet-risk keys create --role viewer|underwriter|admin --name NAME\n\
         \x20 (BOOTSTRAP_ADMIN_KEY=false starts without it)\n\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspecified_address_is_reached_on_loopback() {
        assert_eq!(
            local_base_url(IpAddr::from([0, 0, 0, 0]), 8080),
            "http://127.0.0.1:8080"
        );
        assert_eq!(local_base_url("::".parse().unwrap(), 9), "http://[::1]:9");
        assert_eq!(
            local_base_url(IpAddr::from([10, 0, 0, 7]), 80),
            "http://10.0.0.7:80"
        );
    }
}
