//! The one error type of the core: it always names the field that was wrong, so the person
//! who sent it can find and fix it (`weeks: must be a whole number ≥ 0, got 1.5`), and the
//! one way an error repeats a sender's text (`clip`).

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

/// How much of a sender's text an error message repeats, and how it marks the cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clip {
    /// Characters (not bytes) kept.
    pub max_chars: usize,
    /// Whether a cut text also says how long it was: `… (309 characters)`.
    pub say_length: bool,
}

impl Clip {
    /// A value or key of a ping, or a number sent as text: 40 characters and the full length
    /// (a count of 1e308 would otherwise echo 309 digits).
    pub const VALUE: Clip = Clip { max_chars: 40, say_length: true };
    /// A date, a name, an option: 64 characters, so a whole document sent as a date does not
    /// become the message.
    pub const TEXT: Clip = Clip { max_chars: 64, say_length: false };
}

/// `text` as an error shows it: whole when short enough, else its first `how.max_chars`
/// characters and `…`, with its length in characters when `how.say_length`.
pub fn clip(text: &str, how: Clip) -> String {
    let length = text.chars().count();
    if length <= how.max_chars {
        return text.to_string();
    }
    let head: String = text.chars().take(how.max_chars).collect();
    if how.say_length {
        format!("{head}… ({length} characters)")
    } else {
        format!("{head}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_short_texts_and_marks_the_cut_of_long_ones() {
        assert_eq!(clip("12345", Clip::VALUE), "12345");
        assert_eq!(clip("12345", Clip::TEXT), "12345");
        let digits = "9".repeat(309);
        assert_eq!(clip(&digits, Clip::VALUE), format!("{}… (309 characters)", "9".repeat(40)));
        assert_eq!(clip(&digits, Clip::TEXT), format!("{}…", "9".repeat(64)));
        // Characters, not bytes: a 40-character text of multi-byte letters is kept whole.
        assert_eq!(clip(&"é".repeat(40), Clip::VALUE), "é".repeat(40));
        assert_eq!(clip(&"é".repeat(65), Clip::TEXT), format!("{}…", "é".repeat(64)));
    }
}
