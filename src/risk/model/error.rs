//! Why a model cannot be used.

/// A model that cannot be used, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("model file: {0}")]
    Syntax(String),
    #[error("{file} line {line}: {message}")]
    Reference {
        file: &'static str,
        line: usize,
        message: String,
    },
    #[error("{0}")]
    Invalid(String),
}

/// A model file whose values break a rule of the model.
pub(super) fn invalid(message: impl Into<String>) -> ModelError {
    ModelError::Invalid(message.into())
}
