//! Newline-delimited JSON input: numbered lines, blank lines skipped, a bound
//! on line length, and per-line errors that never stop the rest of the input.
//! [`LineReader`] frames a stream read in chunks (and JSON arrays); [`lines`]
//! numbers the lines of a text already framed.

mod reader;

pub use reader::{Chunk, Frame, LineReader};

use serde::Serialize;
use thiserror::Error;

/// Limits on NDJSON input, so that hostile input cannot exhaust memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NdjsonOptions {
    /// Longest accepted line, in bytes (default 1 MiB). Longer lines are
    /// reported as errors and skipped.
    pub max_line_bytes: usize,
    /// Deepest accepted nesting of arrays and objects (default 64; the event
    /// itself is depth 1). Deeper lines are reported and skipped before they
    /// are parsed, so nesting costs neither stack nor memory. The JSON parser
    /// has its own fixed limit of 128, so larger values act as 128.
    pub max_depth: usize,
}

/// The default [`NdjsonOptions::max_depth`].
pub const DEFAULT_MAX_DEPTH: usize = 64;

impl Default for NdjsonOptions {
    fn default() -> Self {
        NdjsonOptions {
            max_line_bytes: 1 << 20,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

/// Whether `body` nests arrays and objects deeper than `max`: one pass over
/// the bytes, brackets inside strings ignored. A malformed line may pass this
/// check; the parser then reports it.
pub fn too_deep(body: &str, max: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in body.as_bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Whether a line is blank: empty or only whitespace (Unicode's, as
/// `str::trim` has it). The one definition every reader and host uses.
pub fn is_blank(line: &str) -> bool {
    // An event line starts with `{`; only other lines need the (Unicode)
    // whitespace check.
    line.as_bytes().first() != Some(&b'{') && line.trim().is_empty()
}

/// The non-blank lines of `text`, with 1-based line numbers. `\r\n` endings are
/// accepted; a line of only whitespace is blank.
pub fn lines(text: &str) -> Lines<'_> {
    Lines::numbered(text, 0)
}

/// The iterator [`lines`] returns. Written out rather than composed from
/// `split`/`filter` adaptors: it runs once per event, and the small build
/// (`opt-level = "z"`) does not inline those adaptors. The batch reader
/// (`bridge::events`) also consumes lines whose end it found itself.
pub struct Lines<'a> {
    rest: Option<&'a str>,
    number: usize,
}

impl<'a> Lines<'a> {
    /// The lines of `text`, numbered from `before + 1` (text that continues a
    /// stream of which `before` lines were read).
    pub fn numbered(text: &'a str, before: usize) -> Self {
        Lines {
            rest: Some(text),
            number: before,
        }
    }

    /// The number of the last line taken, blank or not.
    pub fn number(&self) -> usize {
        self.number
    }

    /// The text not read yet, starting with the next line; `None` at the end.
    pub fn remaining(&self) -> Option<&'a str> {
        self.rest
    }

    /// Consumes the next line, which ends at `end` (the index of its `\n` in
    /// [`remaining`](Self::remaining), or its length): its number and body
    /// (without a final `\r`), blank or not.
    pub fn take_line(&mut self, end: usize) -> Option<(usize, &'a str)> {
        let text = self.rest?;
        let line = text.get(..end)?;
        self.number += 1;
        self.rest = text.get(end + 1..);
        Some((self.number, line.strip_suffix('\r').unwrap_or(line)))
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let text = self.rest?;
            let end = text.find('\n').unwrap_or(text.len());
            let (number, line) = self.take_line(end)?;
            if !is_blank(line) {
                return Some((number, line));
            }
        }
    }
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
    /// The line nests arrays and objects deeper than `max_depth`.
    TooDeep,
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

    pub fn too_deep(line: usize, max: usize) -> Self {
        LineError {
            line,
            kind: LineErrorKind::TooDeep,
            field: None,
            message: format!("arrays and objects nest deeper than the limit of {max}"),
        }
    }

    /// The line's length or depth error, if it breaks a limit.
    pub fn over_limits(line: usize, body: &str, options: &NdjsonOptions) -> Option<Self> {
        if body.len() > options.max_line_bytes {
            Some(LineError::too_long(
                line,
                body.len(),
                options.max_line_bytes,
            ))
        } else if too_deep(body, options.max_depth) {
            Some(LineError::too_deep(line, options.max_depth))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_brackets_outside_strings_only() {
        assert!(!too_deep(r#"{"a":[1,{"b":2}]}"#, 3));
        assert!(too_deep(r#"{"a":[1,{"b":2}]}"#, 2));
        assert!(!too_deep(r#"{"a":"[[[[{{{{"}"#, 1));
        assert!(!too_deep(r#"{"a":"\"[[[["}"#, 1));
        assert!(too_deep(&"[".repeat(65), 64));
        assert!(!too_deep(&"[".repeat(64), 64));
        assert!(!too_deep("", 1));
    }

    #[test]
    fn numbers_lines_and_skips_blank_ones() {
        let got: Vec<_> = lines("a\n\n  \r\nb\r\nc").collect();
        assert_eq!(got, vec![(1, "a"), (4, "b"), (5, "c")]);
        assert_eq!(lines("").count(), 0);
        assert_eq!(lines("x\n").collect::<Vec<_>>(), vec![(1, "x")]);
    }
}
