//! Newline-delimited JSON input: numbered lines, blank lines skipped, a bound
//! on line length, and per-line errors that never stop the rest of the input.

use serde::Serialize;
use thiserror::Error;

/// Limits on NDJSON input, so that hostile input cannot exhaust memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NdjsonOptions {
    /// Longest accepted line, in bytes (default 1 MiB). Longer lines are
    /// reported as errors and skipped.
    pub max_line_bytes: usize,
}

impl Default for NdjsonOptions {
    fn default() -> Self {
        NdjsonOptions {
            max_line_bytes: 1 << 20,
        }
    }
}

/// The non-blank lines of `text`, with 1-based line numbers. `\r\n` endings are
/// accepted; a line of only whitespace is blank.
pub fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
        .filter(|(_, l)| !l.trim().is_empty())
}

/// What went wrong with one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineErrorKind {
    /// The line is not JSON.
    InvalidJson,
    /// The line is JSON but not a valid event (a field is missing or wrong).
    InvalidEvent,
    /// The line is longer than `max_line_bytes`.
    LineTooLong,
}

/// A rejected line: its number, the kind of problem, the field at fault (when
/// one is), and a message that says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[error("line {line}: {message}")]
pub struct LineError {
    pub line: usize,
    pub kind: LineErrorKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

impl LineError {
    pub fn too_long(line: usize, len: usize, max: usize) -> Self {
        LineError {
            line,
            kind: LineErrorKind::LineTooLong,
            field: None,
            message: format!("line is {len} bytes, longer than the limit of {max} bytes"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lines_and_skips_blank_ones() {
        let got: Vec<_> = lines("a\n\n  \r\nb\r\nc").collect();
        assert_eq!(got, vec![(1, "a"), (4, "b"), (5, "c")]);
        assert_eq!(lines("").count(), 0);
        assert_eq!(lines("x\n").collect::<Vec<_>>(), vec![(1, "x")]);
    }
}
