//! The one error type of the core: it always names the field that was wrong, so the person
//! who sent it can find and fix it (`weeks: must be a whole number ≥ 0, got 1.5`).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Path of the offending field as the caller wrote it: `start`, `points[3].date`.
    pub field: String,
    /// What is wrong with it, in words a user can act on.
    pub message: String,
}

impl Error {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
