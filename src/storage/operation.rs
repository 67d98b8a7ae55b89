//! Which storage operation a database error came from, for on-call.
//!
//! `From<sqlx::Error> for StorageError` is `#[track_caller]`, so every `?`
//! on a sqlx result records where it stands, at no cost (a pointer). The
//! name of the storage function around that spot comes from a table the
//! build script writes from `src/storage/` (every `fn` and its first line):
//! no storage function has to name itself, and the names cannot drift from
//! the code. An error raised outside `src/storage/` (say, through
//! `map_err(StorageError::from)`, whose caller is the standard library) has
//! no operation: it is reported without one rather than with a wrong one.
//!
//! Only the function's name and source line are reported: never SQL text,
//! never bound values.

use std::panic::Location;

/// `(file, first line, module::function)`, sorted by file and line.
static OPERATIONS: &[(&str, u32, &str)] =
    include!(concat!(env!("OUT_DIR"), "/storage_operations.rs"));

/// Where in the storage code an error arose.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    at: &'static Location<'static>,
}

impl Operation {
    /// The location of the caller (through every `#[track_caller]` frame).
    #[track_caller]
    pub fn caller() -> Self {
        Self {
            at: Location::caller(),
        }
    }

    /// The storage function (`vessels::create_vessel`), when the error
    /// arose in `src/storage/`.
    pub fn name(&self) -> Option<&'static str> {
        let file = self.at.file().replace('\\', "/");
        let line = self.at.line();
        OPERATIONS
            .iter()
            .filter(|(in_file, first, _)| *in_file == file && *first <= line)
            .max_by_key(|(_, first, _)| *first)
            .map(|(_, _, name)| *name)
    }

    /// `src/storage/vessels.rs:142`, when the error arose in `src/storage/`.
    pub fn source_line(&self) -> Option<String> {
        self.name()
            .map(|_| format!("{}:{}", self.at.file(), self.at.line()))
    }
}

impl std::fmt::Debug for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({}:{})", self.at.file(), self.at.line()),
            None => f.write_str("outside storage"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inner_helper() -> Operation {
        Operation::caller()
    }

    #[test]
    fn an_operation_is_named_by_the_function_it_arose_in() {
        let here = Operation::caller();
        assert_eq!(
            here.name(),
            Some("operation::an_operation_is_named_by_the_function_it_arose_in")
        );
        assert_eq!(inner_helper().name(), Some("operation::inner_helper"));
        let line = here.source_line().unwrap();
        assert!(line.starts_with("src/storage/operation.rs:"), "{line}");
    }

    #[test]
    fn the_table_names_nested_modules_and_every_kind_of_fn() {
        let names: Vec<&str> = OPERATIONS.iter().map(|(_, _, name)| *name).collect();
        for expected in [
            "load_book",
            "begin_write",
            "runs::bookkeeping::claim_run",
            "postgres::book::copy",
            "sqlite::book::load",
        ] {
            assert!(
                names.iter().any(|name| name.ends_with(expected)),
                "{expected} not in {names:?}"
            );
        }
    }

    #[track_caller]
    fn record(_: ()) -> Operation {
        Operation::caller()
    }

    /// What `map_err(StorageError::from)` records: the standard library's
    /// frame that calls the function, not a storage function.
    #[test]
    fn a_location_outside_storage_has_no_operation() {
        let [through_std] = [()].map(record);
        assert_eq!(through_std.name(), None);
        assert_eq!(through_std.source_line(), None);
        assert_eq!(format!("{through_std:?}"), "outside storage");
    }
}
