//! The one streaming reader of event input, for every host: text or bytes
//! arrive in chunks cut anywhere (an HTTP body, a tailed file, stdin, a
//! picked file), and come out as numbered lines.
//!
//! What it decides, once for every host:
//! - **Line numbers** are absolute: they count every line of the stream since
//!   the reader was made, blank ones included, whatever the chunking.
//! - **A partial last line** waits for the rest of its line; [`LineReader::end`]
//!   reads it as a line when the input ends without a final newline.
//! - **An overlong line** is reported once, as `line_too_long`, as soon as it
//!   outgrows `max_line_bytes`, and skipped to its newline without being
//!   buffered: memory stays bounded for input that never sends a newline.
//! - **A blank line** is one of only whitespace ([`super::is_blank`]); it is
//!   numbered and skipped.
//! - **A JSON array** is accepted: a stream whose first character (after a
//!   byte-order mark and whitespace) is `[` is read as one array of events,
//!   each element numbered by its 1-based position (pretty-printed arrays
//!   included). An empty element (`[1,,2]`, a trailing comma), an array never
//!   closed, and anything but whitespace after it are reported.
//! - **A byte-order mark** at the very start is dropped; a line of bytes
//!   that is not UTF-8 is reported (`invalid_json`, with the byte), not
//!   guessed at.
//!
//! Whole lines inside a chunk are handed out in one piece, borrowed from the
//! chunk ([`Frame::Lines`]), so the batch path still reads each line's event
//! and finds its end in one pass ([`crate::bridge::events`]); only a line cut
//! by a chunk boundary is copied.

use super::{is_blank, LineError, LineErrorKind, Lines};

/// A piece of input: text, or bytes of UTF-8 (a character may be cut at
/// either end).
#[derive(Debug, Clone, Copy)]
pub enum Chunk<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

/// What the reader hands its consumer.
pub enum Frame<'a, 'l> {
    /// Complete lines of one chunk, numbered as the stream goes. The consumer
    /// checks each line's length against the limit as it reads it (the batch
    /// readers already do), and reads them to the end (the reader reads the
    /// count back from the iterator).
    Lines(&'l mut Lines<'a>),
    /// One line or array element, never blank and within the limit: its
    /// number and text.
    One(usize, &'a str),
    /// A line or element that could not be framed.
    Error(LineError),
}

/// Where the reader is in its stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Nothing but whitespace (and a byte-order mark) so far.
    Start,
    Lines,
    Array(ArrayScan),
    /// The array closed; only whitespace may follow.
    AfterArray,
    /// Something followed the array; reported once, the rest ignored.
    Done,
}

/// The array framer's state between bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct ArrayScan {
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// The element under way has a non-whitespace byte.
    started: bool,
    /// The element under way outgrew the limit: scanned, not kept.
    dropping: bool,
    /// Its length so far, while dropping.
    dropped: usize,
    /// A `,` was read since the last element ended.
    after_comma: bool,
}

/// A streaming NDJSON (or JSON array) reader: `push` chunks, then `end`.
#[derive(Debug, Clone)]
pub struct LineReader {
    max_line_bytes: usize,
    /// Lines (or array elements) numbered so far.
    line: usize,
    /// The unfinished line (or element) carried between chunks.
    partial: Vec<u8>,
    /// Inside an overlong line: its length so far (it is not kept) and
    /// whether its last byte was a `\r`; reported when its newline comes.
    skipping: Option<(usize, bool)>,
    /// Bytes seen, to recognise a byte-order mark at the start.
    seen: usize,
    mode: Mode,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl LineReader {
    pub fn new(max_line_bytes: usize) -> Self {
        LineReader {
            max_line_bytes,
            line: 0,
            partial: Vec::new(),
            skipping: None,
            seen: 0,
            mode: Mode::Start,
        }
    }

    /// Lines (or array elements) numbered so far.
    pub fn lines_read(&self) -> usize {
        self.line
    }

    /// Bytes held for an unfinished line.
    pub fn pending_bytes(&self) -> usize {
        self.partial.len()
    }

    /// Reads a chunk of text or bytes.
    pub fn push_chunk(&mut self, chunk: Chunk<'_>, out: &mut dyn FnMut(Frame<'_, '_>)) {
        match chunk {
            Chunk::Text(t) => self.push(t.as_bytes(), true, out),
            Chunk::Bytes(b) => self.push(b, false, out),
        }
    }

    /// Reads a chunk of text.
    pub fn push_str(&mut self, chunk: &str, out: &mut dyn FnMut(Frame<'_, '_>)) {
        self.push(chunk.as_bytes(), true, out);
    }

    /// Reads a chunk of bytes (UTF-8; a character may be cut by the chunk
    /// boundary).
    pub fn push_bytes(&mut self, chunk: &[u8], out: &mut dyn FnMut(Frame<'_, '_>)) {
        self.push(chunk, false, out);
    }

    /// The input ended: an unfinished last line is read as a line, an array
    /// never closed is reported. The reader then starts a new stream (line
    /// numbers from 1).
    pub fn end(&mut self, out: &mut dyn FnMut(Frame<'_, '_>)) {
        match self.mode {
            Mode::Lines | Mode::Start if self.skipping.is_some() => {
                let (len, cr) = self.skipping.take().unwrap_or_default();
                self.line += 1;
                out(Frame::Error(LineError::too_long(
                    self.line,
                    len - usize::from(cr),
                    self.max_line_bytes,
                )));
            }
            Mode::Lines | Mode::Start if !self.partial.is_empty() => {
                let body = take(&mut self.partial);
                self.line(&body, out);
            }
            Mode::Array(scan) => {
                let number = self.line + 1;
                let what = if scan.started || scan.dropping {
                    "the input ended inside an array element"
                } else {
                    "the JSON array is not closed"
                };
                out(Frame::Error(invalid_json(number, what)));
            }
            _ => {}
        }
        *self = LineReader::new(self.max_line_bytes);
    }

    /// Forgets an unfinished line (a rotated file's last line that will never
    /// be finished); returns how many bytes were dropped.
    pub fn discard_partial(&mut self) -> usize {
        let n = match self.skipping.take() {
            Some((len, _)) => len,
            None => self.partial.len(),
        };
        self.partial.clear();
        n
    }

    // Not inlined into `push_str` and `push_bytes`: one copy in the wasm.
    #[inline(never)]
    fn push(&mut self, mut chunk: &[u8], valid: bool, out: &mut dyn FnMut(Frame<'_, '_>)) {
        if self.seen < BOM.len() {
            chunk = self.strip_bom(chunk);
        }
        while !chunk.is_empty() {
            chunk = match self.mode {
                Mode::Start => self.start(chunk),
                Mode::Lines => {
                    self.lines(chunk, valid, out);
                    &[]
                }
                Mode::Array(scan) => self.array(scan, chunk, out),
                Mode::AfterArray => self.after_array(chunk, out),
                Mode::Done => &[],
            };
        }
    }

    /// Drops a byte-order mark at the very start, possibly cut across chunks.
    fn strip_bom<'c>(&mut self, chunk: &'c [u8]) -> &'c [u8] {
        let mut at = 0;
        while self.seen < BOM.len() && at < chunk.len() {
            if chunk[at] != BOM[self.seen] {
                // Not a mark after all: give back what was taken as one.
                let taken = &BOM[..self.seen];
                self.seen = BOM.len();
                if !taken.is_empty() {
                    self.partial.extend_from_slice(taken);
                    self.mode = Mode::Lines;
                }
                return &chunk[at..];
            }
            self.seen += 1;
            at += 1;
        }
        &chunk[at..]
    }

    /// Whitespace before the first character decides nothing yet; `[` starts
    /// an array, anything else NDJSON.
    fn start<'c>(&mut self, chunk: &'c [u8]) -> &'c [u8] {
        for (i, &b) in chunk.iter().enumerate() {
            match b {
                b'\n' => {
                    self.line += 1;
                    self.partial.clear();
                }
                b' ' | b'\t' | b'\r' => {
                    // Kept as the line's start (error columns stay right),
                    // within the limit.
                    if self.partial.len() < self.max_line_bytes {
                        self.partial.push(b);
                    }
                }
                b'[' => {
                    // Elements are numbered by position, not by line.
                    self.line = 0;
                    self.partial.clear();
                    self.mode = Mode::Array(ArrayScan::default());
                    return &chunk[i + 1..];
                }
                _ => {
                    self.mode = Mode::Lines;
                    return &chunk[i..];
                }
            }
        }
        &[]
    }

    /// NDJSON: the unfinished line first, then whole lines in one piece, then
    /// the new unfinished line.
    fn lines(&mut self, mut chunk: &[u8], valid: bool, out: &mut dyn FnMut(Frame<'_, '_>)) {
        if let Some((len, cr)) = self.skipping {
            match chunk.iter().position(|&b| b == b'\n') {
                None => {
                    let cr = chunk.last().map_or(cr, |&b| b == b'\r');
                    self.skipping = Some((len + chunk.len(), cr));
                    return;
                }
                Some(nl) => {
                    let cr = if nl > 0 { chunk[nl - 1] == b'\r' } else { cr };
                    self.skipping = None;
                    self.line += 1;
                    let len = len + nl - usize::from(cr);
                    let max = self.max_line_bytes;
                    out(Frame::Error(LineError::too_long(self.line, len, max)));
                    chunk = &chunk[nl + 1..];
                }
            }
        }
        if !self.partial.is_empty() {
            match chunk.iter().position(|&b| b == b'\n') {
                None => {
                    self.hold(chunk);
                    return;
                }
                Some(nl) => {
                    let cr = if nl > 0 {
                        chunk[nl - 1] == b'\r'
                    } else {
                        self.partial.last() == Some(&b'\r')
                    };
                    let len = self.partial.len() + nl - usize::from(cr);
                    if len > self.max_line_bytes {
                        // Measured, not copied.
                        self.partial.clear();
                        self.line += 1;
                        let max = self.max_line_bytes;
                        out(Frame::Error(LineError::too_long(self.line, len, max)));
                    } else {
                        self.partial.extend_from_slice(&chunk[..nl]);
                        let body = take(&mut self.partial);
                        self.line(&body, out);
                    }
                    chunk = &chunk[nl + 1..];
                }
            }
        }
        let Some(last) = chunk.iter().rposition(|&b| b == b'\n') else {
            self.hold(chunk);
            return;
        };
        let (whole, rest) = chunk.split_at(last + 1);
        // Text pushed as `&str` is only ever cut at a `\n` (ASCII), so its
        // whole lines are UTF-8; bytes are checked, once for all the lines.
        let text = if valid {
            // SAFETY: as just said.
            Some(unsafe { std::str::from_utf8_unchecked(whole) })
        } else {
            std::str::from_utf8(whole).ok()
        };
        match text {
            Some(text) => {
                let mut lines = Lines::numbered(text, self.line);
                out(Frame::Lines(&mut lines));
                // Whatever the consumer left unread still counts.
                for _ in lines.by_ref() {}
                // `whole` ends in `\n`, after which the iterator numbers one
                // more, empty, line that is not one.
                self.line = lines.number() - 1;
            }
            // Some line is not UTF-8: each on its own, to say which.
            None => {
                for body in whole[..whole.len() - 1].split(|&b| b == b'\n') {
                    self.line(body, out);
                }
            }
        }
        self.hold(rest);
    }

    /// One complete line (without its `\n`), numbered next: too long, not
    /// UTF-8, blank, or handed out.
    fn line(&mut self, body: &[u8], out: &mut dyn FnMut(Frame<'_, '_>)) {
        self.line += 1;
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        if body.len() > self.max_line_bytes {
            let max = self.max_line_bytes;
            out(Frame::Error(LineError::too_long(
                self.line,
                body.len(),
                max,
            )));
            return;
        }
        match std::str::from_utf8(body) {
            Ok(text) if is_blank(text) => {}
            Ok(text) => out(Frame::One(self.line, text)),
            Err(e) => out(Frame::Error(not_utf8(self.line, e.valid_up_to()))),
        }
    }

    /// Keeps the start of an unfinished line, or, once it outgrows the limit
    /// (with a byte of room for a `\r` before its `\n`), only counts it.
    fn hold(&mut self, piece: &[u8]) {
        if piece.is_empty() {
            return;
        }
        let len = self.partial.len() + piece.len();
        if len > self.max_line_bytes + 1 {
            self.skipping = Some((len, piece.last() == Some(&b'\r')));
            self.partial.clear();
        } else {
            self.partial.extend_from_slice(piece);
        }
    }

    /// A JSON array: elements end at a `,` or `]` outside strings and nested
    /// values.
    fn array<'c>(
        &mut self,
        mut s: ArrayScan,
        chunk: &'c [u8],
        out: &mut dyn FnMut(Frame<'_, '_>),
    ) -> &'c [u8] {
        let mut from = 0;
        for (i, &b) in chunk.iter().enumerate() {
            if s.in_string {
                match b {
                    _ if s.escaped => s.escaped = false,
                    b'\\' => s.escaped = true,
                    b'"' => s.in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => {
                    s.in_string = true;
                    s.started = true;
                }
                b'[' | b'{' => {
                    s.depth += 1;
                    s.started = true;
                }
                b']' | b'}' if s.depth > 0 => s.depth -= 1,
                b',' | b']' if s.depth == 0 => {
                    self.keep(&mut s, &chunk[from..i]);
                    self.element(&mut s, b == b']', out);
                    from = i + 1;
                    if b == b']' {
                        self.mode = Mode::AfterArray;
                        return &chunk[i + 1..];
                    }
                    continue;
                }
                b' ' | b'\t' | b'\r' | b'\n' => {}
                _ => s.started = true,
            }
        }
        self.keep(&mut s, &chunk[from..]);
        self.mode = Mode::Array(s);
        &[]
    }

    /// Adds bytes to the element under way, unless it outgrew the limit.
    fn keep(&mut self, s: &mut ArrayScan, piece: &[u8]) {
        if s.dropping {
            s.dropped += piece.len();
            return;
        }
        if self.partial.len() + piece.len() > self.max_line_bytes {
            s.dropping = true;
            s.dropped = self.partial.len() + piece.len();
            self.partial.clear();
        } else {
            self.partial.extend_from_slice(piece);
        }
    }

    /// One element ended at a separator (`closing`: at the `]`).
    fn element(&mut self, s: &mut ArrayScan, closing: bool, out: &mut dyn FnMut(Frame<'_, '_>)) {
        let was = *s;
        *s = ArrayScan {
            after_comma: !closing,
            ..ArrayScan::default()
        };
        if !was.started && !was.dropping {
            self.partial.clear();
            if closing && !was.after_comma {
                return; // `[]`, or `[ ... ]` after a complete element
            }
            self.line += 1;
            out(Frame::Error(invalid_json(
                self.line,
                "expected a value: an empty element of the JSON array",
            )));
            return;
        }
        self.line += 1;
        if was.dropping {
            let (n, max) = (self.line, self.max_line_bytes);
            out(Frame::Error(LineError::too_long(n, was.dropped, max)));
            return;
        }
        let body = take(&mut self.partial);
        match std::str::from_utf8(&body) {
            Ok(text) => out(Frame::One(self.line, text.trim_matches(json_ws))),
            Err(e) => out(Frame::Error(not_utf8(self.line, e.valid_up_to()))),
        }
    }

    fn after_array<'c>(&mut self, chunk: &'c [u8], out: &mut dyn FnMut(Frame<'_, '_>)) -> &'c [u8] {
        if chunk
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        {
            return &[];
        }
        self.mode = Mode::Done;
        out(Frame::Error(invalid_json(
            self.line + 1,
            "text after the end of the JSON array",
        )));
        &[]
    }
}

fn json_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn invalid_json(line: usize, message: &str) -> LineError {
    LineError {
        line,
        kind: LineErrorKind::InvalidJson,
        field: None,
        message: message.to_string(),
    }
}

fn take(v: &mut Vec<u8>) -> Vec<u8> {
    std::mem::take(v)
}

fn not_utf8(line: usize, at: usize) -> LineError {
    LineError {
        line,
        kind: LineErrorKind::InvalidJson,
        field: None,
        message: format!("line is not valid UTF-8 (at byte {})", at + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every frame as (number, text) or (number, "!kind: message"); lines
    /// of a `Frame::Lines` checked for length as the batch readers do.
    fn read(chunks: &[&[u8]], max: usize) -> Vec<(usize, String)> {
        let mut r = LineReader::new(max);
        let mut got = Vec::new();
        let mut sink = |f: Frame<'_, '_>| match f {
            Frame::Lines(lines) => {
                for (n, l) in lines {
                    if l.len() > max {
                        got.push((n, "!LineTooLong".to_string()));
                    } else {
                        got.push((n, l.to_string()));
                    }
                }
            }
            Frame::One(n, l) => got.push((n, l.to_string())),
            Frame::Error(e) => got.push((e.line, format!("!{:?}: {}", e.kind, e.message))),
        };
        for c in chunks {
            r.push_bytes(c, &mut sink);
        }
        r.end(&mut sink);
        got
    }

    fn lines_of(text: &str, max: usize) -> Vec<(usize, String)> {
        read(&[text.as_bytes()], max)
    }

    #[test]
    fn any_chunking_gives_the_same_lines_and_numbers() {
        let text = "{\"a\":1}\n\n  \r\n{\"b\":\"é\"}\r\n{\"c\":3}";
        let whole = lines_of(text, 100);
        assert_eq!(
            whole,
            vec![
                (1, "{\"a\":1}".to_string()),
                (4, "{\"b\":\"é\"}".to_string()),
                (5, "{\"c\":3}".to_string())
            ]
        );
        let bytes = text.as_bytes();
        for cut in 0..=bytes.len() {
            for cut2 in cut..=bytes.len() {
                let got = read(&[&bytes[..cut], &bytes[cut..cut2], &bytes[cut2..]], 100);
                assert_eq!(got, whole, "cut at {cut} and {cut2}");
            }
        }
    }

    #[test]
    fn an_overlong_line_is_reported_once_and_skipped_without_buffering() {
        let mut r = LineReader::new(10);
        let mut got = Vec::new();
        let mut sink = |f: Frame<'_, '_>| match f {
            Frame::Lines(lines) => got.extend(lines.map(|(n, l)| (n, l.to_string()))),
            Frame::One(n, l) => got.push((n, l.to_string())),
            Frame::Error(e) => got.push((e.line, format!("!{:?}", e.kind))),
        };
        r.push_str("ok\n", &mut sink);
        for _ in 0..1000 {
            r.push_str("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", &mut sink);
        }
        assert!(r.pending_bytes() <= 11, "held {}", r.pending_bytes());
        r.push_str("yyy\nafter\n", &mut sink);
        r.end(&mut sink);
        assert_eq!(
            got,
            vec![
                (1, "ok".to_string()),
                (2, "!LineTooLong".to_string()),
                (3, "after".to_string())
            ]
        );
    }

    #[test]
    fn the_limit_is_inclusive_and_a_cr_does_not_count() {
        let exact = format!("{}\r\n{}\n", "a".repeat(8), "b".repeat(9));
        let got = read(&[&exact.as_bytes()[..3], &exact.as_bytes()[3..]], 8);
        assert_eq!(got[0], (1, "a".repeat(8)));
        assert_eq!(got[1].0, 2);
        assert!(got[1].1.starts_with("!LineTooLong"));
    }

    #[test]
    fn a_json_array_is_read_element_by_element() {
        let text = " \u{feff}";
        // A mark that is not at the very start is not a mark.
        assert!(lines_of(text, 100)[0].1.contains('\u{feff}'));
        let text = "\u{feff}\n [ {\"a\": [1, \"],\"]},\n  {\"b\":{\"c\":\"\\\"\"}} ,2 ]\n ";
        let bytes = text.as_bytes();
        let whole = lines_of(text, 100);
        assert_eq!(
            whole,
            vec![
                (1, "{\"a\": [1, \"],\"]}".to_string()),
                (2, "{\"b\":{\"c\":\"\\\"\"}}".to_string()),
                (3, "2".to_string()),
            ]
        );
        for cut in 0..=bytes.len() {
            assert_eq!(
                read(&[&bytes[..cut], &bytes[cut..]], 100),
                whole,
                "cut {cut}"
            );
        }
    }

    #[test]
    fn array_mistakes_are_reported_by_element() {
        let got = lines_of("[1,,2,]", 100);
        assert_eq!(got[0], (1, "1".to_string()));
        assert!(got[1].1.starts_with("!InvalidJson"), "{got:?}");
        assert_eq!(got[1].0, 2);
        assert_eq!(got[2], (3, "2".to_string()));
        assert_eq!(got[3].0, 4);
        assert_eq!(got.len(), 4);
        assert_eq!(lines_of("[]", 100), vec![]);
        let got = lines_of("[{\"a\":1}", 100);
        assert_eq!(
            got[0],
            (
                1,
                "!InvalidJson: the input ended inside an array element".into()
            )
        );
        let got = lines_of("[{}] {}", 100);
        assert_eq!(got[0], (1, "{}".to_string()));
        assert!(
            got[1].1.contains("after the end of the JSON array"),
            "{got:?}"
        );
        let got = lines_of("[\"xxxxxxxxxxxx\", 1]", 5);
        assert!(got[0].1.starts_with("!LineTooLong"), "{got:?}");
        assert_eq!(got[1], (2, "1".to_string()));
    }

    #[test]
    fn invalid_utf8_is_reported_with_its_line() {
        let got = read(&[b"{}\n{\"a\":\"\xff\"}\n{}\n"], 100);
        assert_eq!(
            got,
            vec![
                (1, "{}".to_string()),
                (
                    2,
                    "!InvalidJson: line is not valid UTF-8 (at byte 7)".to_string()
                ),
                (3, "{}".to_string())
            ]
        );
        // A character cut by a chunk boundary survives.
        let text = "{\"a\":\"é\"}\n".as_bytes();
        let at = text.iter().position(|&b| b >= 0x80).unwrap() + 1;
        let got = read(&[&text[..at], &text[at..]], 100);
        assert_eq!(got, vec![(1, "{\"a\":\"é\"}".to_string())]);
    }

    #[test]
    fn leading_blank_lines_are_counted_and_end_starts_a_new_stream() {
        assert_eq!(lines_of("\n\n  {}\n", 100), vec![(3, "  {}".to_string())]);
        let mut r = LineReader::new(100);
        let mut n = Vec::new();
        r.push_str("{}\n{}", &mut |f| {
            if let Frame::Lines(l) = f {
                n.extend(l.map(|(i, _)| i))
            }
        });
        assert_eq!(r.pending_bytes(), 2);
        assert_eq!(r.discard_partial(), 2);
        r.end(&mut |_| panic!("nothing left"));
        assert_eq!(r.lines_read(), 0);
        assert_eq!(n, vec![1]);
    }
}
