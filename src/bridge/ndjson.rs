//! The bridge's batch path: NDJSON events in, NDJSON entries out, one call.

use std::fmt::Write as _;

use serde::Serialize;

use super::TelemetryBridge;
use crate::clock::Clock;
use crate::entry::TelemetryEntry;
use crate::event::{Event, ParseError};
use crate::ids::IdSource;
use crate::ndjson::{lines, LineError, LineErrorKind, NdjsonOptions};

/// The outcome of a batch: the entries as NDJSON text (each line ends in `\n`),
/// how many lines were accepted, and one error per rejected line.
/// `accepted + errors.len()` is the number of non-blank input lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NdjsonReport {
    pub entries: String,
    pub accepted: usize,
    pub errors: Vec<LineError>,
}

impl NdjsonReport {
    pub(crate) fn push_entries(&mut self, entries: &[TelemetryEntry]) {
        for e in entries {
            // Serialising a TelemetryEntry to a String cannot fail.
            if serde_json::to_writer(string_writer(&mut self.entries), e).is_ok() {
                self.entries.push('\n');
            }
        }
    }
}

/// A `Vec<u8>` view of a String for serde_json; serde_json only writes UTF-8.
fn string_writer(s: &mut String) -> StringWriter<'_> {
    StringWriter(s)
}

struct StringWriter<'a>(&'a mut String);

impl std::io::Write for StringWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(s) => {
                self.0.push_str(s);
                Ok(buf.len())
            }
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "not UTF-8",
            )),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A line error for an event that did not parse or validate.
pub fn line_error(line: usize, e: &ParseError) -> LineError {
    let (kind, field) = match e {
        ParseError::Json(_) => (LineErrorKind::InvalidJson, None),
        ParseError::Event(ev) => (LineErrorKind::InvalidEvent, Some(ev.field().to_string())),
    };
    let mut message = String::new();
    let _ = write!(message, "{e}");
    LineError {
        line,
        kind,
        field,
        message,
    }
}

impl<C: Clock, I: IdSource> TelemetryBridge<C, I> {
    /// Observes every event of an NDJSON text. A bad line is reported and
    /// skipped; every other line is processed, in order.
    pub fn observe_ndjson(&mut self, text: &str, options: NdjsonOptions) -> NdjsonReport {
        self.observe_ndjson_with(text, options, |_| {})
    }

    /// [`observe_ndjson`](Self::observe_ndjson), also handing each closed entry to
    /// `visit` (a sink) as it is produced.
    pub fn observe_ndjson_with(
        &mut self,
        text: &str,
        options: NdjsonOptions,
        mut visit: impl FnMut(&TelemetryEntry),
    ) -> NdjsonReport {
        let mut report = NdjsonReport::default();
        let mut closed = Vec::new();
        for (line, body) in lines(text) {
            if body.len() > options.max_line_bytes {
                report.errors.push(LineError::too_long(
                    line,
                    body.len(),
                    options.max_line_bytes,
                ));
                continue;
            }
            match Event::from_json(body) {
                Ok(event) => {
                    report.accepted += 1;
                    self.observe_into(&event, &mut closed);
                    report.push_entries(&closed);
                    closed.iter().for_each(&mut visit);
                    closed.clear();
                }
                Err(e) => report.errors.push(line_error(line, &e)),
            }
        }
        report
    }
}
