//! A failure as a Sentry event that says what went wrong.
//!
//! The event carries the whole cause chain as exception values, innermost
//! first (Sentry's order): `ApiError: internal_error: ...` caused by
//! `sqlx::Error: error returned from database: relation "vessels" does not
//! exist`. A wrapper whose text only repeats its source's (a transparent
//! one) is left out. When a storage error is in the chain, the event also
//! carries the database's error code (`db.code`: SQLSTATE, or SQLite's
//! extended result code) and the storage function it arose in
//! (`storage.operation`), as tags and in the `storage` context with its
//! source line. Never SQL text or bound values: sqlx's messages do not
//! carry them, and the scrubber still runs over every string (IMO numbers
//! and policy ids in a database's message become markers).

use std::collections::BTreeMap;
use std::error::Error;

use sentry::protocol::{Context, Event, Exception, Level, Value};

use crate::storage::StorageError;

/// The event of `error` and its sources.
pub fn error_event(error: &(dyn Error + 'static)) -> Event<'static> {
    let mut chain: Vec<&(dyn Error + 'static)> = vec![error];
    while let Some(source) = chain[chain.len() - 1].source() {
        chain.push(source);
    }
    let texts: Vec<String> = chain.iter().map(ToString::to_string).collect();
    let mut exceptions: Vec<Exception> = chain
        .iter()
        .zip(&texts)
        .enumerate()
        .filter(|(at, (_, text))| texts.get(at + 1) != Some(text))
        .map(|(at, (error, text))| Exception {
            ty: type_name(*error, at.checked_sub(1).map(|outer| chain[outer])),
            value: Some(text.clone()),
            ..Exception::default()
        })
        .collect();
    exceptions.reverse();
    let mut event = Event {
        level: Level::Error,
        exception: exceptions.into(),
        ..Event::default()
    };
    if let Some(storage) = chain.iter().find_map(|e| e.downcast_ref::<StorageError>()) {
        describe_storage_error(&mut event, storage);
    }
    event
}

/// Tags and context of the first storage error of a chain.
fn describe_storage_error(event: &mut Event<'static>, error: &StorageError) {
    let mut context = BTreeMap::new();
    if let Some(code) = error.database_code() {
        event.tags.insert("db.code".into(), code.clone());
        context.insert("code".to_string(), Value::from(code));
    }
    let operation = error.operation();
    if let Some(name) = operation.and_then(|op| op.name()) {
        event.tags.insert("storage.operation".into(), name.into());
        context.insert("operation".to_string(), Value::from(name));
    }
    if let Some(line) = operation.and_then(|op| op.source_line()) {
        context.insert("source".to_string(), Value::from(line));
    }
    if !context.is_empty() {
        event
            .contexts
            .insert("storage".into(), Context::Other(context));
    }
}

/// The exception type: the known error types by name, any other by its
/// `Debug` form's first word (as the SDK does). A database's own error is
/// named through the sqlx error around it (its source is a box, which
/// does not downcast to what it holds).
fn type_name(error: &(dyn Error + 'static), outer: Option<&(dyn Error + 'static)>) -> String {
    if error.is::<StorageError>() {
        return "StorageError".into();
    }
    if error.is::<sqlx::Error>() {
        return "sqlx::Error".into();
    }
    if let Some(sqlx::Error::Database(database)) = outer.and_then(|o| o.downcast_ref()) {
        if database
            .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
            .is_some()
        {
            return "sqlx::postgres::PgDatabaseError".into();
        }
        if database
            .try_downcast_ref::<sqlx::sqlite::SqliteError>()
            .is_some()
        {
            return "sqlx::sqlite::SqliteError".into();
        }
    }
    let debug = format!("{error:?}");
    match sentry::parse_type_from_debug(&debug) {
        // A bare message (`"...".into()`): its Debug is the quoted text.
        name if name.is_empty() || name.starts_with('"') => "Error".into(),
        name => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer: {0}")]
    struct Outer(#[source] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error(transparent)]
    struct Transparent(std::io::Error);

    #[test]
    fn the_chain_is_listed_innermost_first_without_repeats() {
        let event = error_event(&Outer(std::io::Error::other("disk on fire")));
        let listed: Vec<(&str, Option<&str>)> = event
            .exception
            .values
            .iter()
            .map(|e| (e.ty.as_str(), e.value.as_deref()))
            .collect();
        assert_eq!(
            listed,
            [
                ("Custom", Some("disk on fire")),
                ("Outer", Some("outer: disk on fire")),
            ]
        );
        assert_eq!(event.level, Level::Error);
        assert!(event.tags.is_empty());

        let repeated = error_event(&Outer(std::io::Error::other("x")));
        assert_eq!(repeated.exception.values.len(), 2);
        let message: Box<dyn Error + Send + Sync> = "a bare message".into();
        let bare = error_event(message.as_ref());
        assert_eq!(bare.exception.values[0].ty, "Error");
    }

    #[test]
    fn a_transparent_wrapper_is_left_out() {
        let event = error_event(&Transparent(std::io::Error::other("gone")));
        assert_eq!(event.exception.values.len(), 1);
        assert_eq!(event.exception.values[0].value.as_deref(), Some("gone"));
    }

    /// A real SQLite error through `?`: the code is SQLite's (1 is
    /// SQLITE_ERROR, sqlite.org/rescode.html), the operation is this test.
    #[tokio::test]
    async fn a_storage_error_carries_its_code_and_operation() {
        use sqlx::Connection;
        async fn failing_read() -> Result<(), StorageError> {
            let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:").await?;
            sqlx::query("SELECT * FROM vessels")
                .execute(&mut conn)
                .await?;
            Ok(())
        }
        let error = failing_read().await.unwrap_err();
        let event = error_event(&error);
        let listed: Vec<(&str, Option<&str>)> = event
            .exception
            .values
            .iter()
            .map(|e| (e.ty.as_str(), e.value.as_deref()))
            .collect();
        assert_eq!(
            listed,
            [
                (
                    "sqlx::sqlite::SqliteError",
                    Some("(code: 1) no such table: vessels")
                ),
                (
                    "sqlx::Error",
                    Some("error returned from database: (code: 1) no such table: vessels")
                ),
            ]
        );
        assert_eq!(event.tags["db.code"], "1");
        // Outside src/storage there is no storage operation to name.
        assert!(!event.tags.contains_key("storage.operation"));
    }
}
