//! The fast first pass over one event line: a validating byte scanner that
//! picks out the top-level fields an event vocabulary knows and skips the rest,
//! in one pass, without allocating.
//!
//! Why: reading an event through `serde_json` costs a line-length check, a
//! separate depth scan and a generic deserializer per line, about half of the
//! bridge's time. Most lines are plain: an object of short, unescaped strings
//! and integers. This scanner handles exactly those and answers `None` for
//! anything else (an escape in a key or a known field's string, a fraction or a
//! long number in a known field, deep nesting, a top level that is not an
//! object, any syntax error). The caller then reads the line the slow way, so
//! errors and unusual input keep their exact serde_json behaviour; the scanner
//! only ever has to be right about the lines it accepts. The property tests
//! (`tests/properties.rs`: the bridge's and the run model's fast and slow
//! readers agree) and the fuzz targets (`fuzz/`) check that whatever it
//! accepts, serde_json reads the same way.

use std::borrow::Cow;

use super::field::Field;

/// Where the scanner puts a known field's value.
pub trait FieldSlots<'a> {
    /// The slot for a top-level `key`, or `None` to skip the value.
    fn slot(&mut self, key: &'a str) -> Option<&mut Option<Field<'a>>>;

    /// The JSON text of the value just put in a slot (for a reader that
    /// decodes arrays, objects or numbers later). Ignored by default.
    #[inline(always)]
    fn value_text(&mut self, _text: &'a str) {}
}

/// Deepest nesting the fast path handles; deeper lines (rare) take the slow
/// path, which applies the configured limit and reports it.
const FAST_MAX_DEPTH: usize = 32;

/// Integers with at most this many digits are exact in an `f64`, so the
/// scanner's value is the one serde_json would give (it reads integers as
/// `u64`/`i64` and converts).
const EXACT_DIGITS: usize = 15;

/// Reads `text` as one JSON object into `slots`. `None`: the line is not one
/// the fast path handles (see the module docs); `slots` may then hold partial
/// values and must be discarded.
pub fn scan_object<'a>(
    text: &'a str,
    max_depth: usize,
    slots: &mut impl FieldSlots<'a>,
) -> Option<()> {
    let end = scan_object_line(text, max_depth, slots)?;
    (end == text.len()).then_some(())
}

/// Reads the first line of `text` as one JSON object into `slots`, and
/// returns where that line ends (the index of its `\n`, or the length of
/// `text`): the NDJSON batch path finds line ends and reads events in the
/// same pass. `None` as for [`scan_object`]; a line break anywhere before the
/// end of the object is one of those cases (JSON allows it as whitespace, a
/// line does not).
pub fn scan_object_line<'a>(
    text: &'a str,
    max_depth: usize,
    slots: &mut impl FieldSlots<'a>,
) -> Option<usize> {
    let mut s = Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
        max_depth: max_depth.min(FAST_MAX_DEPTH),
    };
    s.ws();
    s.eat(b'{')?;
    if s.max_depth < 1 {
        return None;
    }
    s.members(b'}', |s| {
        s.eat(b'"')?;
        let key = s.plain_string()?;
        s.colon()?;
        match slots.slot(key) {
            Some(slot) => {
                let start = s.at;
                *slot = Some(s.field()?);
                slots.value_text(&s.text[start..s.at]);
            }
            None => s.skip_value(1)?,
        }
        Some(())
    })?;
    s.ws();
    match s.peek() {
        None | Some(b'\n') => Some(s.at),
        Some(_) => None,
    }
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    max_depth: usize,
}

/// Bytes that end the fast run through a string: `"`, `\` and control
/// characters (which JSON forbids unescaped).
static STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// How many bytes of `bytes` precede the first 8-byte word holding a string
/// stop byte (or the trailing partial word): eight bytes per step, without
/// a lookup per byte (strings are most of an event line's bytes).
///
/// Each mask below flags, in the high bit of a byte, bytes equal to `"`, equal
/// to `\`, or below 0x20. Borrows can also flag bytes after a flagged one,
/// never before, so the lowest flag of their union is always a true stop.
#[inline(always)]
fn stop_in_words(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    while let Some(word) = bytes.get(at..at + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let x = u64::from_le_bytes(w);
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        let stops = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (x.wrapping_sub(ONES * 0x20) & !x))
            & HIGH;
        if stops != 0 {
            return at + (stops.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at
}

/// Where the first byte that JSON text cannot hold unescaped inside a string
/// (`"`, `\\`, control) lies in `bytes`, or `bytes.len()`: what the entry
/// writer asks before copying a string as it is.
#[inline]
pub(crate) fn first_string_stop(bytes: &[u8]) -> usize {
    let words = stop_in_words(bytes);
    bytes[words..]
        .iter()
        .position(|&b| STRING_STOP[b as usize])
        .map_or(bytes.len(), |i| words + i)
}

impl<'a> Scanner<'a> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    #[inline(always)]
    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    #[inline(always)]
    fn eat(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    /// JSON whitespace, except `\n`, which ends an NDJSON line (a line break
    /// inside an object leaves the line to the slow path).
    #[inline(always)]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// Advances past the next `"`, `\` or control byte; returns it.
    #[inline(always)]
    fn skip_to_string_stop(&mut self) -> Option<u8> {
        self.at += stop_in_words(self.bytes.get(self.at..)?);
        // The last few bytes, and the stop byte itself. A plain loop:
        // `position` is not inlined in the small-code build.
        while let Some(&b) = self.bytes.get(self.at) {
            self.at += 1;
            if STRING_STOP[b as usize] {
                return Some(b);
            }
        }
        None
    }

    /// The rest of a string whose opening quote was read, when it has no
    /// escapes: borrowed from the input. Escapes and control bytes: `None`.
    #[inline(always)]
    fn plain_string(&mut self) -> Option<&'a str> {
        let start = self.at;
        match self.skip_to_string_stop()? {
            // The quote is ASCII, so both ends are char boundaries.
            b'"' => self.text.get(start..self.at - 1),
            _ => None,
        }
    }

    /// Skips the rest of a string whose opening quote was read, validating
    /// its escapes.
    fn skip_string(&mut self) -> Option<()> {
        loop {
            match self.skip_to_string_stop()? {
                b'"' => return Some(()),
                b'\\' => match self.next()? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => {
                        for _ in 0..4 {
                            if !self.next()?.is_ascii_hexdigit() {
                                return None;
                            }
                        }
                    }
                    _ => return None,
                },
                _ => return None,
            }
        }
    }

    #[inline(always)]
    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word).then(|| self.at = end)
    }

    #[inline(always)]
    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        self.at - start
    }

    /// Validates a number (JSON grammar). `Some(Some(value))` for an integer
    /// of at most [`EXACT_DIGITS`] digits, whose value is read in the same
    /// pass; `Some(None)` for any other number.
    fn number(&mut self) -> Option<Option<i64>> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let start = self.at;
        let mut magnitude = 0i64;
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => {
                while let Some(d @ b'0'..=b'9') = self.peek() {
                    // Wraps only past EXACT_DIGITS digits, whose value is
                    // not used.
                    magnitude = magnitude.wrapping_mul(10).wrapping_add(i64::from(d - b'0'));
                    self.at += 1;
                }
            }
            _ => return None,
        }
        let exact = self.at - start <= EXACT_DIGITS;
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return None;
            }
            integer = false;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits() == 0 {
                return None;
            }
            integer = false;
        }
        // In i64 first: `-0` is 0, as serde_json reads it.
        Some((integer && exact).then_some(if negative { -magnitude } else { magnitude }))
    }

    /// A known field's value, as [`Field`] holds it.
    fn field(&mut self) -> Option<Field<'a>> {
        Some(match self.peek()? {
            b'"' => {
                self.at += 1;
                Field::Str(Cow::Borrowed(self.plain_string()?))
            }
            b'n' => {
                self.literal(b"null")?;
                Field::Null
            }
            b't' => {
                self.literal(b"true")?;
                Field::Bool(true)
            }
            b'f' => {
                self.literal(b"false")?;
                Field::Bool(false)
            }
            b'[' => {
                self.skip_value(1)?;
                Field::Array
            }
            b'{' => {
                self.skip_value(1)?;
                Field::Object
            }
            // Fractions, exponents and long integers take the slow path.
            _ => Field::Number(self.number()?? as f64),
        })
    }

    /// The members of an array or object whose opening bracket was read, each
    /// read by `member`, separated by commas, through the closing `close`.
    #[inline(always)]
    fn members(
        &mut self,
        close: u8,
        mut member: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        self.ws();
        if self.peek() == Some(close) {
            self.at += 1;
            return Some(());
        }
        loop {
            member(self)?;
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b if b == close => return Some(()),
                _ => return None,
            }
        }
    }

    /// The `:` between a key and its value, with whitespace either side.
    #[inline(always)]
    fn colon(&mut self) -> Option<()> {
        self.ws();
        self.eat(b':')?;
        self.ws();
        Some(())
    }

    /// Skips one value at nesting `depth` (1 inside the top-level object),
    /// validating it.
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => {
                self.at += 1;
                self.skip_string()
            }
            b'n' => self.literal(b"null"),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'[' | b'{' if depth + 1 > self.max_depth => None,
            b'[' => {
                self.at += 1;
                self.members(b']', |s| s.skip_value(depth + 1))
            }
            b'{' => {
                self.at += 1;
                self.members(b'}', |s| {
                    s.eat(b'"')?;
                    s.skip_string()?;
                    s.colon()?;
                    s.skip_value(depth + 1)
                })
            }
            _ => self.number().map(|_| ()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default, Debug, PartialEq)]
    struct Two<'a> {
        a: Option<Field<'a>>,
        b: Option<Field<'a>>,
    }

    impl<'a> FieldSlots<'a> for Two<'a> {
        fn slot(&mut self, key: &'a str) -> Option<&mut Option<Field<'a>>> {
            match key {
                "a" => Some(&mut self.a),
                "b" => Some(&mut self.b),
                _ => None,
            }
        }
    }

    fn scan(text: &str) -> Option<Two<'_>> {
        let mut t = Two::default();
        scan_object(text, 64, &mut t).map(|_| t)
    }

    #[test]
    fn reads_known_fields_and_skips_others() {
        let t = scan(r#" {"x":[1,{"y":"\u00e9\n"},-2.5e3,true,null],"a":"hi","b":-0, "z":{}} "#)
            .unwrap();
        assert_eq!(t.a, Some(Field::Str(Cow::Borrowed("hi"))));
        assert_eq!(t.b, Some(Field::Number(0.0)));
        assert!(scan(r#"{"b":1770285600000}"#).unwrap().b == Some(Field::Number(1770285600000.0)));
        // Fifteen digits, the most that are exact, either sign; one more, or an
        // exponent, is the slow path's.
        for (text, n) in [
            (r#"{"b":999999999999999}"#, 999_999_999_999_999.0),
            (r#"{"b":-123456789012345}"#, -123_456_789_012_345.0),
            (r#"{"b":0}"#, 0.0),
        ] {
            assert_eq!(scan(text).unwrap().b, Some(Field::Number(n)), "{text}");
        }
        assert!(scan(r#"{"b":-1234567890123456}"#).is_none());
        assert!(scan(r#"{"b":1e3}"#).is_none());
        assert!(
            scan(r#"{"x":-99999999999999999999.5e-3,"b":7}"#).unwrap().b
                == Some(Field::Number(7.0))
        );
        assert_eq!(scan(r#"{"a":[],"b":{}}"#).unwrap().a, Some(Field::Array));
        assert_eq!(scan("{}").unwrap(), Two::default());
    }

    #[test]
    fn word_scan_finds_the_first_stop_byte() {
        // Every position and every byte value, against a byte-by-byte search.
        for len in 0..20usize {
            for at in 0..=len {
                for stop in 0u8..=255 {
                    let mut bytes = vec![b'a'; len];
                    if at < len {
                        bytes[at] = stop;
                    }
                    // Bytes after the stop that could confuse borrows.
                    for b in bytes.iter_mut().skip(at + 1).step_by(2) {
                        *b = 0x1f;
                    }
                    let first = bytes.iter().position(|&b| STRING_STOP[b as usize]);
                    let words = stop_in_words(&bytes);
                    // The word scan stops at or before the first stop byte and
                    // skips no stop byte; it only leaves the tail (< 8 bytes).
                    match first {
                        Some(p) => assert!(words <= p && p - words < 8, "{bytes:?}"),
                        None => assert!(len - words < 8, "{bytes:?}"),
                    }
                    if let Some(p) = first {
                        if p / 8 < len / 8 {
                            assert_eq!(words, p, "{bytes:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn leaves_unusual_and_bad_lines_to_the_slow_path() {
        for text in [
            r#"{"a":"\n"}"#,             // escape in a known field
            r#"{"\u0061":1}"#,           // escape in a key
            r#"{"b":1.5}"#,              // fraction in a known field
            r#"{"b":1234567890123456}"#, // too long to be exact
            "[1]",                       // not an object
            r#"{"a":1,}"#,               // trailing comma
            r#"{"a":01}"#,               // leading zero
            r#"{"x":"a	b"}"#,            // raw control character
            r#"{"x":"\q"}"#,             // bad escape
            r#"{"x":tru}"#,              // bad literal
            r#"{"a":1} x"#,              // trailing data
            r#"{"a":1"#,                 // unterminated
            r#"{"x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#, // deep
        ] {
            assert!(scan(text).is_none(), "{text}");
        }
    }
}
