//! The bridge's batch path: NDJSON events in, NDJSON entries out, one call.

use std::fmt::Write as _;

use serde::Serialize;

use super::TelemetryBridge;
use crate::entry::EntryRef;
use crate::event::scan::{scan_object, scan_object_line};
use crate::event::{Event, ParseError, RawFields};
use crate::ndjson::{
    lines, Chunk, Frame, LineError, LineErrorKind, LineReader, Lines, NdjsonOptions,
};

/// The outcome of a batch: the entries as NDJSON text (each line ends in `\n`),
/// how many lines were accepted, and one error per rejected line.
/// `accepted + errors.len()` is the number of non-blank input lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NdjsonReport {
    pub entries: String,
    pub accepted: usize,
    pub errors: Vec<LineError>,
}

/// Entries serialised as NDJSON into one byte buffer: one pass, no per-write
/// UTF-8 checks (the entry writer copies only whole `str`s and ASCII; the
/// buffer is validated once).
#[derive(Default)]
pub(crate) struct NdjsonWriter(Vec<u8>);

impl NdjsonWriter {
    pub(crate) fn push(&mut self, entry: &EntryRef<'_>) {
        entry.write_json(&mut self.0);
        self.0.push(b'\n');
    }

    pub(crate) fn finish(self) -> String {
        String::from_utf8(self.0)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
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

/// Reads one NDJSON line as an event: the fast scanner for plain lines,
/// otherwise the limits check and serde_json, which decide every error.
pub fn read_event<'a>(
    line: usize,
    body: &'a str,
    options: &NdjsonOptions,
) -> Result<Event<'a>, LineError> {
    if body.len() <= options.max_line_bytes {
        let mut raw = RawFields::default();
        if scan_object(body, options.max_depth, &mut raw).is_some() {
            return fields_event(line, &mut raw);
        }
    }
    read_event_slow(line, body, options)
}

fn fields_event<'a>(line: usize, raw: &mut RawFields<'a>) -> Result<Event<'a>, LineError> {
    Event::from_fields(raw).map_err(|e| line_error(line, &ParseError::Event(e)))
}

fn read_event_slow<'a>(
    line: usize,
    body: &'a str,
    options: &NdjsonOptions,
) -> Result<Event<'a>, LineError> {
    if let Some(e) = LineError::over_limits(line, body, options) {
        return Err(e);
    }
    Event::from_json_serde(body).map_err(|e| line_error(line, &e))
}

/// The events of an NDJSON text, one per non-blank line, with line numbers:
/// what [`lines`] and [`read_event`] give line by line, in one pass over the
/// bytes for plain lines (the scanner finds where the line ends).
pub fn events(text: &str, options: NdjsonOptions) -> Events<'_> {
    Events {
        lines: lines(text),
        options,
    }
}

/// The iterator [`events`] returns.
pub struct Events<'a> {
    lines: Lines<'a>,
    options: NdjsonOptions,
}

impl<'a> Iterator for Events<'a> {
    type Item = (usize, Result<Event<'a>, LineError>);

    fn next(&mut self) -> Option<Self::Item> {
        let options = &self.options;
        if let Some(text) = self.lines.remaining() {
            let mut raw = RawFields::default();
            if let Some(end) = scan_object_line(text, options.max_depth, &mut raw) {
                let (line, body) = self.lines.take_line(end)?;
                // The scan bounded the depth; only the length is left to check.
                let max = options.max_line_bytes;
                return Some((
                    line,
                    if body.len() > max {
                        Err(LineError::too_long(line, body.len(), max))
                    } else {
                        fields_event(line, &mut raw)
                    },
                ));
            }
        }
        let (line, body) = self.lines.next()?;
        Some((line, read_event_slow(line, body, options)))
    }
}

/// What the batch path gives its reader: a chunk, an end, or both. A trait
/// object, so the batch path is in the wasm once, not once per caller.
type Feed<'f> = &'f mut dyn FnMut(&mut LineReader, &mut dyn FnMut(Frame<'_, '_>));

impl TelemetryBridge {
    /// Observes every event of an NDJSON text (or of a text that is one JSON
    /// array of events). A bad line is reported and skipped; every other line
    /// is processed, in order. Lines are numbered from 1 in `text`.
    pub fn observe_ndjson(&mut self, text: &str, options: NdjsonOptions) -> NdjsonReport {
        self.whole(text, options, None)
    }

    /// [`observe_ndjson`](Self::observe_ndjson), also lending each closed entry
    /// to `visit` (a sink) as it is produced.
    pub fn observe_ndjson_with(
        &mut self,
        text: &str,
        options: NdjsonOptions,
        mut visit: impl FnMut(&EntryRef<'_>),
    ) -> NdjsonReport {
        self.whole(text, options, Some(&mut visit))
    }

    /// Input that arrives in chunks cut anywhere (stdin, a socket): complete
    /// lines are observed, an unfinished one waits for its end. Lines are
    /// numbered from the first chunk on ([`crate::ndjson::LineReader`]).
    pub fn push_ndjson(
        &mut self,
        chunk: Chunk<'_>,
        options: NdjsonOptions,
        visit: Option<&mut dyn FnMut(&EntryRef<'_>)>,
    ) -> NdjsonReport {
        let mut reader = self.take_reader(options);
        let report = self.batch(
            options,
            visit,
            &mut |r: &mut LineReader, out| r.push_chunk(chunk, out),
            &mut reader,
        );
        self.reader = Some(reader);
        report
    }

    /// The pushed input ended: its unfinished last line is read as a line.
    /// (Runs still open stay open: `finalize` drains them.)
    pub fn end_ndjson(
        &mut self,
        options: NdjsonOptions,
        visit: Option<&mut dyn FnMut(&EntryRef<'_>)>,
    ) -> NdjsonReport {
        let mut reader = self.take_reader(options);
        self.batch(
            options,
            visit,
            &mut |r: &mut LineReader, out| r.end(out),
            &mut reader,
        )
    }

    fn take_reader(&mut self, options: NdjsonOptions) -> LineReader {
        self.reader
            .take()
            .unwrap_or_else(|| LineReader::new(options.max_line_bytes))
    }

    fn whole(
        &mut self,
        text: &str,
        options: NdjsonOptions,
        visit: Option<&mut dyn FnMut(&EntryRef<'_>)>,
    ) -> NdjsonReport {
        let mut reader = LineReader::new(options.max_line_bytes);
        self.batch(
            options,
            visit,
            &mut |r: &mut LineReader, out| {
                r.push_str(text, out);
                r.end(out);
            },
            &mut reader,
        )
    }

    /// The batch path: what `feed` gives the reader is observed, and the
    /// entries are written from what the bridge lends.
    #[inline(never)]
    fn batch(
        &mut self,
        options: NdjsonOptions,
        mut visit: Option<&mut dyn FnMut(&EntryRef<'_>)>,
        feed: Feed<'_>,
        reader: &mut LineReader,
    ) -> NdjsonReport {
        let mut report = NdjsonReport::default();
        let mut out = NdjsonWriter::default();
        // A list of its own, freed with the batch's other buffers: kept in
        // the bridge between batches, it sat among them and fragmented wasm
        // memory, which then grew with history (tests/js/memory.test.mjs).
        let mut closed = Vec::new();
        let mut take = |this: &mut Self, event: Result<Event<'_>, LineError>| match event {
            Ok(event) => {
                report.accepted += 1;
                this.observe_closed(&event, &mut closed);
                for c in &closed {
                    let entry = this.entry_ref(c);
                    out.push(&entry);
                    if let Some(visit) = visit.as_mut() {
                        visit(&entry);
                    }
                }
                closed.clear();
            }
            Err(e) => report.errors.push(e),
        };
        feed(reader, &mut |frame| match frame {
            Frame::Lines(lines) => {
                let mut events = Events {
                    lines: std::mem::replace(lines, Lines::numbered("", 0)),
                    options,
                };
                for (_, event) in &mut events {
                    take(self, event);
                }
                *lines = events.lines;
            }
            Frame::One(line, body) => take(self, read_event(line, body, &options)),
            Frame::Error(e) => take(self, Err(e)),
        });
        report.entries = out.finish();
        report
    }
}
