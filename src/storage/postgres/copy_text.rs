//! Reading PostgreSQL's `COPY ... TO STDOUT` text format: one row a line,
//! a tab between fields, `\N` for NULL, and backslash escapes for the
//! backslash, tab, newline and other control characters.
//!
//! The book load reads whole tables this way ([`copy_out`]), several at
//! once, and parses each on a thread of its own ([`parse_rows`]): a
//! fraction of the cost of decoding as many result rows. sqlx reads no COPY
//! format itself, so this small decoder is ours.

use std::borrow::Cow;
use std::str::FromStr;

use futures_util::TryStreamExt;

use crate::storage::StorageError;
use crate::storage::columns::PositionalRow;

/// One row's fields, as they arrived (still escaped).
pub(in crate::storage) struct CopyRow<'a> {
    fields: Vec<&'a str>,
}

fn corrupt(message: String) -> StorageError {
    StorageError::CorruptRow(format!("COPY row: {message}"))
}

impl<'a> CopyRow<'a> {
    fn split(line: &'a str) -> Self {
        Self {
            fields: line.split('\t').collect(),
        }
    }

    fn raw(&self, index: usize) -> Result<Option<&'a str>, StorageError> {
        match self.fields.get(index) {
            None => Err(corrupt(format!(
                "field {index} missing ({} fields)",
                self.fields.len()
            ))),
            Some(&"\\N") => Ok(None),
            Some(field) => Ok(Some(field)),
        }
    }

    /// A text field, unescaped; `None` for NULL.
    pub(in crate::storage) fn optional_text(
        &self,
        index: usize,
    ) -> Result<Option<String>, StorageError> {
        Ok(self.raw(index)?.map(|field| unescape(field).into_owned()))
    }

    /// A text field that must not be NULL.
    pub(in crate::storage) fn text(&self, index: usize) -> Result<String, StorageError> {
        self.optional_text(index)?
            .ok_or_else(|| corrupt(format!("field {index} is NULL")))
    }

    /// A field parsed with `FromStr` (numbers, UUIDs, dates).
    pub(in crate::storage) fn parse<T: FromStr>(&self, index: usize) -> Result<T, StorageError>
    where
        T::Err: std::fmt::Display,
    {
        let field = self
            .raw(index)?
            .ok_or_else(|| corrupt(format!("field {index} is NULL")))?;
        field
            .parse()
            .map_err(|e| corrupt(format!("field {index} ({field:?}): {e}")))
    }

    /// A boolean field (`t` or `f`).
    pub(in crate::storage) fn boolean(&self, index: usize) -> Result<bool, StorageError> {
        match self.raw(index)? {
            Some("t") => Ok(true),
            Some("f") => Ok(false),
            other => Err(corrupt(format!(
                "field {index} is not a boolean: {other:?}"
            ))),
        }
    }
}

impl PositionalRow for CopyRow<'_> {
    fn optional_text(&self, index: usize) -> Result<Option<String>, StorageError> {
        CopyRow::optional_text(self, index)
    }

    fn text(&self, index: usize) -> Result<String, StorageError> {
        CopyRow::text(self, index)
    }

    fn boolean(&self, index: usize) -> Result<bool, StorageError> {
        CopyRow::boolean(self, index)
    }

    fn parsed<T: FromStr>(&self, index: usize) -> Result<T, StorageError>
    where
        T::Err: std::fmt::Display,
    {
        CopyRow::parse(self, index)
    }
}

/// A field's text with its backslash escapes resolved. Any other
/// backslashed character stands for itself, as PostgreSQL reads it.
fn unescape(field: &str) -> Cow<'_, str> {
    if !field.contains('\\') {
        return Cow::Borrowed(field);
    }
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('v') => out.push('\u{b}'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

/// Runs `statement` (a `COPY ... TO STDOUT` in text format) and returns its
/// whole output. Parsing is CPU work, left to the caller's thread of choice,
/// so the network read of several tables can run at once.
pub(in crate::storage) async fn copy_out(
    conn: &mut sqlx::PgConnection,
    statement: &str,
) -> Result<Vec<u8>, StorageError> {
    let mut data = Vec::new();
    let mut stream = conn.copy_out_raw(statement).await?;
    while let Some(chunk) = stream.try_next().await? {
        data.extend_from_slice(&chunk);
    }
    Ok(data)
}

/// Parses every row of a `COPY ... TO STDOUT` text output with `parse`.
pub(in crate::storage) fn parse_rows<T>(
    data: &[u8],
    parse: impl FnMut(&CopyRow<'_>) -> Result<T, StorageError>,
) -> Result<Vec<T>, StorageError> {
    each_row(data, parse)?.collect()
}

/// [`parse_rows`] one row at a time, so a caller that folds the rows into
/// something smaller (a book load's histories) never holds them all.
pub(in crate::storage) fn each_row<'a, T>(
    data: &'a [u8],
    mut parse: impl FnMut(&CopyRow<'_>) -> Result<T, StorageError> + 'a,
) -> Result<impl Iterator<Item = Result<T, StorageError>> + 'a, StorageError> {
    if data.last().is_some_and(|&b| b != b'\n') {
        return Err(corrupt("the last row has no line end".into()));
    }
    let text = std::str::from_utf8(data).map_err(|e| corrupt(format!("not UTF-8: {e}")))?;
    Ok(text
        .split_terminator('\n')
        .map(move |line| parse(&CopyRow::split(line))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_split_on_tabs_and_unescape() {
        let row = CopyRow::split("9074729\tSEA \\\\ STAR\\tII\t\\N\tt\t42.5");
        assert_eq!(row.text(0).unwrap(), "9074729");
        assert_eq!(row.text(1).unwrap(), "SEA \\ STAR\tII");
        assert_eq!(row.optional_text(2).unwrap(), None);
        assert!(row.boolean(3).unwrap());
        assert_eq!(row.parse::<f64>(4).unwrap(), 42.5);
    }

    #[test]
    fn a_null_where_a_value_is_needed_is_a_corrupt_row() {
        let row = CopyRow::split("\\N\tx");
        assert!(matches!(row.text(0), Err(StorageError::CorruptRow(_))));
        assert!(matches!(
            row.parse::<i64>(1),
            Err(StorageError::CorruptRow(_))
        ));
        assert!(matches!(row.boolean(1), Err(StorageError::CorruptRow(_))));
        assert!(matches!(row.text(5), Err(StorageError::CorruptRow(_))));
    }

    #[test]
    fn whole_outputs_parse_line_by_line() {
        let rows = parse_rows(b"a\t1\nb\t\\N\n", |row| {
            Ok((row.text(0)?, row.optional_text(1)?))
        })
        .unwrap();
        assert_eq!(
            rows,
            [
                ("a".to_string(), Some("1".to_string())),
                ("b".to_string(), None)
            ]
        );
        assert!(parse_rows(b"", |row| row.text(0)).unwrap().is_empty());
        assert!(matches!(
            parse_rows(b"a\nb", |row| row.text(0)),
            Err(StorageError::CorruptRow(_))
        ));
        assert!(matches!(
            parse_rows(b"\xff\n", |row| row.text(0)),
            Err(StorageError::CorruptRow(_))
        ));
    }

    #[test]
    fn every_escape_postgres_writes_reads_back() {
        assert_eq!(
            unescape("a\\b\\f\\n\\r\\t\\v\\\\z"),
            "a\u{8}\u{c}\n\r\t\u{b}\\z"
        );
        assert_eq!(unescape("\\q"), "q");
        assert!(matches!(unescape("plain"), Cow::Borrowed("plain")));
    }
}
