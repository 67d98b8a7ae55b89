//! Reading PostgreSQL's `COPY ... TO STDOUT` text format: one row a line,
//! a tab between fields, `\N` for NULL, and backslash escapes for the
//! backslash, tab, newline and other control characters.
//!
//! The book load streams whole tables this way: the server sends rows at
//! the speed it reads them, and parsing them here costs a fraction of
//! decoding as many result rows.

use std::borrow::Cow;
use std::str::FromStr;

use futures_util::TryStreamExt;

use super::StorageError;

/// One row's fields, as they arrived (still escaped).
pub(super) struct CopyRow<'a> {
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
    pub(super) fn optional_text(&self, index: usize) -> Result<Option<String>, StorageError> {
        Ok(self.raw(index)?.map(|field| unescape(field).into_owned()))
    }

    /// A text field that must not be NULL.
    pub(super) fn text(&self, index: usize) -> Result<String, StorageError> {
        self.optional_text(index)?
            .ok_or_else(|| corrupt(format!("field {index} is NULL")))
    }

    /// A field parsed with `FromStr` (numbers, UUIDs, dates).
    pub(super) fn parse<T: FromStr>(&self, index: usize) -> Result<T, StorageError>
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
    pub(super) fn boolean(&self, index: usize) -> Result<bool, StorageError> {
        match self.raw(index)? {
            Some("t") => Ok(true),
            Some("f") => Ok(false),
            other => Err(corrupt(format!(
                "field {index} is not a boolean: {other:?}"
            ))),
        }
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

/// Appends `field` to a `COPY ... FROM STDIN` text row, escaped.
pub(super) fn escape_into(out: &mut String, field: &str) {
    for c in field.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// Runs `statement` (a `COPY ... TO STDOUT` in text format) and parses every
/// row with `parse`, as the data arrives.
pub(super) async fn copy_rows<T>(
    conn: &mut sqlx::PgConnection,
    statement: &str,
    mut parse: impl FnMut(&CopyRow<'_>) -> Result<T, StorageError>,
) -> Result<Vec<T>, StorageError> {
    let mut rows = Vec::new();
    let mut stream = conn.copy_out_raw(statement).await?;
    // Bytes of a row split across two chunks.
    let mut partial: Vec<u8> = Vec::new();
    let mut take_lines = |data: &[u8], rows: &mut Vec<T>| -> Result<usize, StorageError> {
        let mut start = 0;
        while let Some(end) = data[start..].iter().position(|&b| b == b'\n') {
            let line = std::str::from_utf8(&data[start..start + end])
                .map_err(|e| corrupt(format!("not UTF-8: {e}")))?;
            rows.push(parse(&CopyRow::split(line))?);
            start += end + 1;
        }
        Ok(start)
    };
    while let Some(chunk) = stream.try_next().await? {
        if partial.is_empty() {
            let used = take_lines(&chunk, &mut rows)?;
            partial.extend_from_slice(&chunk[used..]);
        } else {
            partial.extend_from_slice(&chunk);
            let used = take_lines(&partial, &mut rows)?;
            partial.drain(..used);
        }
    }
    if !partial.is_empty() {
        return Err(corrupt("the last row has no line end".into()));
    }
    Ok(rows)
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
    fn escaped_fields_read_back() {
        let field = "{\"reason\":\"a\\tb\"}\twith\nlines\r and \\ slashes";
        let mut row = String::new();
        escape_into(&mut row, field);
        assert!(!row.contains(['\t', '\n', '\r']));
        assert_eq!(unescape(&row), field);
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
