//! Each table's columns, declared once.
//!
//! [`table_row!`] declares a row struct whose fields are a table's columns,
//! in the order the bulk paths send and read them. From that one
//! declaration come the SELECT lists ([`select_list`]), SQLite's JSON form
//! of a row ([`json_row`]), the positional decoder the COPY load uses
//! (`from_positional`), the binds of a write (`push_binds`) and the fields
//! of PostgreSQL's binary COPY in (`copy_fields`, written by
//! [`copy_binary`]); sqlx decodes the struct by
//! column name. A new column is one field.

mod copy_binary;

use std::str::FromStr;

use uuid::Uuid;

use super::StorageError;
pub(super) use copy_binary::{BinaryRows, CopyField};

/// How a column's value travels in SQLite's JSON rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ColumnKind {
    /// Text and numbers, as they are.
    Plain,
    /// A UUID blob, sent as its hex digits.
    Uuid,
    /// An integer 0/1, sent as JSON `false`/`true`.
    Bool,
}

/// A Rust type a column decodes to.
pub(super) trait ColumnType {
    const KIND: ColumnKind;
}

macro_rules! plain_columns {
    ($($ty:ty),+) => { $(impl ColumnType for $ty { const KIND: ColumnKind = ColumnKind::Plain; })+ };
}
plain_columns!(String, Option<String>, i64, f64, chrono::NaiveDate);

impl ColumnType for Uuid {
    const KIND: ColumnKind = ColumnKind::Uuid;
}

impl ColumnType for bool {
    const KIND: ColumnKind = ColumnKind::Bool;
}

/// A row whose columns are read by position, in declared order: the bulk
/// load's rows. PostgreSQL's COPY text rows implement it
/// (`postgres/copy_text.rs`); declared here so the row declarations need no
/// backend.
pub(in crate::storage) trait PositionalRow {
    /// A text field, unescaped; `None` for NULL.
    fn optional_text(&self, index: usize) -> Result<Option<String>, StorageError>;
    /// A text field that must not be NULL.
    fn text(&self, index: usize) -> Result<String, StorageError>;
    /// A boolean field.
    fn boolean(&self, index: usize) -> Result<bool, StorageError>;
    /// A field parsed with `FromStr` (numbers, UUIDs, dates).
    fn parsed<T: FromStr>(&self, index: usize) -> Result<T, StorageError>
    where
        T::Err: std::fmt::Display;
}

/// A column type read from one field of a [`PositionalRow`].
pub(in crate::storage) trait ReadColumn: Sized {
    fn read(row: &impl PositionalRow, index: usize) -> Result<Self, StorageError>;
}

impl ReadColumn for String {
    fn read(row: &impl PositionalRow, index: usize) -> Result<Self, StorageError> {
        row.text(index)
    }
}

impl ReadColumn for Option<String> {
    fn read(row: &impl PositionalRow, index: usize) -> Result<Self, StorageError> {
        row.optional_text(index)
    }
}

impl ReadColumn for bool {
    fn read(row: &impl PositionalRow, index: usize) -> Result<Self, StorageError> {
        row.boolean(index)
    }
}

macro_rules! parsed_columns {
    ($($ty:ty),+) => {$(
        impl ReadColumn for $ty {
            fn read(row: &impl PositionalRow, index: usize) -> Result<Self, StorageError> {
                row.parsed(index)
            }
        }
    )+};
}
parsed_columns!(i64, f64, Uuid, chrono::NaiveDate);

/// Declares a row struct of a table's columns (see the module doc). The
/// struct gets `COLUMNS` in field order and `push_binds` (its fields bound
/// in that order, for a multi-row VALUES). A row the book load reads in
/// bulk is declared `bulk struct`: it also gets `KINDS` (how each column
/// travels in SQLite's JSON rows) and `from_positional` (a row of
/// PostgreSQL's COPY text output in that order).
macro_rules! table_row {
    (
        $(#[$meta:meta])*
        $vis:vis bulk struct $name:ident { $($(#[$field_meta:meta])* $field:ident: $ty:ty),+ $(,)? }
    ) => {
        $crate::storage::columns::table_row! {
            $(#[$meta])*
            $vis struct $name { $($(#[$field_meta])* $field: $ty),+ }
        }

        impl $name {
            /// How each column travels in SQLite's JSON rows.
            pub(in crate::storage) const KINDS: &'static [$crate::storage::columns::ColumnKind] =
                &[$(<$ty as $crate::storage::columns::ColumnType>::KIND),+];

            /// A row read by position in declared order (a row of
            /// PostgreSQL's `COPY (SELECT <COLUMNS> ...) TO STDOUT`).
            pub(in crate::storage) fn from_positional(
                row: &impl $crate::storage::columns::PositionalRow,
            ) -> Result<Self, $crate::storage::StorageError> {
                let mut index = 0..;
                Ok(Self {
                    $($field: $crate::storage::columns::ReadColumn::read(
                        row,
                        index.next().expect("a field index"),
                    )?),+
                })
            }
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident { $($(#[$field_meta:meta])* $field:ident: $ty:ty),+ $(,)? }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $($(#[$field_meta])* pub $field: $ty),+
        }

        #[allow(dead_code)]
        impl $name {
            /// The columns, in declared order.
            pub(in crate::storage) const COLUMNS: &'static [&'static str] =
                &[$(stringify!($field)),+];

            /// Binds every column but those in `skip`, in declared order
            /// (the order of [`columns_except`](crate::storage::columns::columns_except)).
            pub(in crate::storage) fn push_binds<DB: sqlx::Database>(
                self,
                row: &mut sqlx::query_builder::Separated<'_, DB, &'static str>,
                skip: &[&str],
            ) where
                $(for<'t> $ty: sqlx::Encode<'t, DB> + sqlx::Type<DB>),+
            {
                $(if !skip.contains(&stringify!($field)) {
                    row.push_bind(self.$field);
                })+
            }

            /// Writes every column but those in `skip`, in declared order,
            /// as fields of a binary COPY row (PostgreSQL's bulk insert).
            pub(in crate::storage) fn copy_fields(
                &self,
                out: &mut $crate::storage::columns::BinaryRows,
                skip: &[&str],
            ) {
                $(if !skip.contains(&stringify!($field)) {
                    $crate::storage::columns::CopyField::copy_to(&self.$field, out);
                })+
            }
        }
    };
}
pub(super) use table_row;

/// `columns` as a SELECT list, each prefixed by `alias.` when given.
pub(super) fn select_list(columns: &[&str], alias: Option<&str>) -> String {
    columns
        .iter()
        .map(|column| match alias {
            Some(alias) => format!("{alias}.{column}"),
            None => (*column).to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `SELECT <columns> FROM <table> <tail>`: a whole statement reading one
/// row struct's columns.
pub(super) fn select_from(
    columns: &[&str],
    table: &str,
    tail: &str,
) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM {table} {tail}",
        select_list(columns, None)
    ))
}

/// `columns` but those in `skip`, as a column list.
pub(super) fn columns_except(columns: &[&str], skip: &[&str]) -> String {
    let kept: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|column| !skip.contains(column))
        .collect();
    kept.join(", ")
}

/// SQLite's `json_array(...)` of a row's columns, which serde reads back as
/// the row struct (a struct deserializes from an array in field order).
pub(super) fn json_row(columns: &[&str], kinds: &[ColumnKind]) -> String {
    let fields: Vec<String> = columns
        .iter()
        .zip(kinds)
        .map(|(column, kind)| match kind {
            ColumnKind::Plain => (*column).to_string(),
            ColumnKind::Uuid => format!("lower(hex({column}))"),
            ColumnKind::Bool => format!("json(iif({column}, 'true', 'false'))"),
        })
        .collect();
    format!("json_array({})", fields.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    table_row! {
        #[derive(Debug, PartialEq, serde::Deserialize)]
        bulk struct Sample {
            id: Uuid,
            name: Option<String>,
            done: bool,
            count: i64,
        }
    }

    #[test]
    fn one_declaration_gives_the_lists_and_the_decoders() {
        assert_eq!(Sample::COLUMNS, ["id", "name", "done", "count"]);
        assert_eq!(
            select_list(Sample::COLUMNS, Some("s")),
            "s.id, s.name, s.done, s.count"
        );
        assert_eq!(
            json_row(Sample::COLUMNS, Sample::KINDS),
            "json_array(lower(hex(id)), name, json(iif(done, 'true', 'false')), count)"
        );
        let id = Uuid::from_u128(7);
        let copied = format!("{id}\t\\N\tt\t42\n");
        let rows = crate::storage::postgres::parse_rows(copied.as_bytes(), |row| {
            Sample::from_positional(row)
        });
        let expected = Sample {
            id,
            name: None,
            done: true,
            count: 42,
        };
        assert_eq!(rows.unwrap(), [expected]);
        let json: Sample =
            serde_json::from_str(&format!("[\"{}\", \"x\", false, 1]", id.simple())).unwrap();
        assert_eq!((json.name.as_deref(), json.done), (Some("x"), false));
    }
}
