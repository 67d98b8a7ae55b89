//! Field-level validation failures, named by their JSON path.

use serde::Serialize;

/// One bad input field: `field` is the JSON path the client sent
/// (`vesselIMO`, `inspections[2].date`, `vessels[3].flag`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    /// The row of a bulk import the field belongs to (0-based, per file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// The line of a CSV file the row starts on (1-based, the header is line 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            row: None,
            line: None,
        }
    }
}

/// Every bad field of one input, collected so the client can fix them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Records the error of a parse, if any, and hands back the parsed value.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.push(field, error.to_string());
                None
            }
        }
    }

    /// Adds `errors`, with every field name put under `prefix` (`vessels[3]`).
    pub fn extend_prefixed(&mut self, prefix: &str, errors: FieldErrors) {
        for error in errors.0 {
            let field = if prefix.is_empty() {
                error.field
            } else if error.field.is_empty() {
                prefix.to_string()
            } else if error.field.starts_with('[') {
                format!("{prefix}{}", error.field)
            } else {
                format!("{prefix}.{}", error.field)
            };
            self.0.push(FieldError { field, ..error });
        }
    }

    /// Adds `errors` under `prefix` as [`FieldErrors::extend_prefixed`]
    /// does, each marked as of import row `row` (and CSV line `line`).
    pub fn extend_in_row(
        &mut self,
        prefix: &str,
        row: usize,
        line: Option<u64>,
        errors: FieldErrors,
    ) {
        let start = self.0.len();
        self.extend_prefixed(prefix, errors);
        for error in &mut self.0[start..] {
            error.row = Some(row);
            error.line = line;
        }
    }

    /// Keeps the first `limit` errors, dropping the rest.
    pub fn truncate(&mut self, limit: usize) {
        self.0.truncate(limit);
    }

    pub fn append(&mut self, other: FieldErrors) {
        self.0.extend(other.0);
    }

    /// Keeps the first message per field, so a field checked by two layers is named once.
    pub fn dedup_fields(&mut self) {
        let mut seen = std::collections::HashSet::new();
        self.0.retain(|error| seen.insert(error.field.clone()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    /// `Ok(value)` when nothing was recorded, the collected errors otherwise.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

impl From<FieldError> for FieldErrors {
    fn from(error: FieldError) -> Self {
        Self(vec![error])
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for FieldErrors {}
