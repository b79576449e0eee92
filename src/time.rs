//! Instants in milliseconds since the Unix epoch, and their ISO-8601 form.
//!
//! Entries carry `Date.prototype.toISOString()` strings (`2026-02-05T10:00:00.000Z`):
//! UTC, always three fraction digits, `Z`. Events may carry a `timestamp` as an
//! ISO-8601 string or as epoch milliseconds. Both are parsed here, by hand, because
//! the conversion is forty lines of civil-calendar arithmetic and a date crate would
//! cost more in the wasm than the whole bridge.

use std::fmt;

use serde::{Serialize, Serializer};
use thiserror::Error;

/// Earliest instant with a four-digit year: 0000-01-01T00:00:00.000Z.
pub const MIN_MS: i64 = -62_167_219_200_000;
/// Latest instant with a four-digit year: 9999-12-31T23:59:59.999Z.
pub const MAX_MS: i64 = 253_402_300_799_999;

/// An instant, in whole milliseconds since 1970-01-01T00:00:00Z, between
/// [`MIN_MS`] and [`MAX_MS`] so that it always formats as a four-digit year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// Why a timestamp was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TimestampError {
    #[error("expected an ISO-8601 date-time such as 2026-02-05T10:00:00.000Z")]
    Syntax,
    #[error("out of range: {what}")]
    Field { what: &'static str },
    #[error("out of range: must lie between years 0000 and 9999")]
    Range,
    #[error("expected a finite number of milliseconds")]
    NotFinite,
}

impl Timestamp {
    /// 1970-01-01T00:00:00.000Z. Used only as a saturation value, never emitted
    /// as a placeholder (W5).
    pub const EPOCH: Timestamp = Timestamp(0);

    /// A timestamp from epoch milliseconds, if it lies in the four-digit-year range.
    pub fn from_millis(ms: i64) -> Result<Self, TimestampError> {
        if (MIN_MS..=MAX_MS).contains(&ms) {
            Ok(Timestamp(ms))
        } else {
            Err(TimestampError::Range)
        }
    }

    /// A timestamp from a JS-style number of epoch milliseconds; fractions are floored.
    pub fn from_millis_f64(ms: f64) -> Result<Self, TimestampError> {
        if !ms.is_finite() {
            return Err(TimestampError::NotFinite);
        }
        let floored = ms.floor();
        if floored < MIN_MS as f64 || floored > MAX_MS as f64 {
            return Err(TimestampError::Range);
        }
        Ok(Timestamp(floored as i64))
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// Milliseconds from `earlier` to `self`, clamped at 0 (W12: never negative).
    pub fn millis_since(self, earlier: Timestamp) -> i64 {
        (self.0 - earlier.0).max(0)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM)`. The fraction may have
    /// any number of digits; digits past milliseconds are truncated. A date without a
    /// zone is refused: an instant must be unambiguous.
    pub fn parse_iso(text: &str) -> Result<Self, TimestampError> {
        let b = text.as_bytes();
        let mut p = Cursor { b, i: 0 };
        let year = p.digits(4)?;
        p.expect(b'-')?;
        let month = p.digits(2)?;
        p.expect(b'-')?;
        let day = p.digits(2)?;
        match p.next() {
            Some(b'T' | b't' | b' ') => {}
            _ => return Err(TimestampError::Syntax),
        }
        let hour = p.digits(2)?;
        p.expect(b':')?;
        let minute = p.digits(2)?;
        p.expect(b':')?;
        let second = p.digits(2)?;
        let mut millis = 0i64;
        if p.peek() == Some(b'.') || p.peek() == Some(b',') {
            p.i += 1;
            let start = p.i;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                let n = p.i - start;
                let d = i64::from(b[p.i] - b'0');
                if n < 3 {
                    millis = millis * 10 + d;
                }
                p.i += 1;
            }
            let n = p.i - start;
            if n == 0 {
                return Err(TimestampError::Syntax);
            }
            for _ in n..3 {
                millis *= 10;
            }
        }
        let offset_min = match p.next() {
            Some(b'Z' | b'z') => 0,
            Some(sign @ (b'+' | b'-')) => {
                let oh = p.digits(2)?;
                if p.peek() == Some(b':') {
                    p.i += 1;
                }
                let om = p.digits(2)?;
                if oh > 23 || om > 59 {
                    return Err(TimestampError::Field {
                        what: "zone offset",
                    });
                }
                let total = oh * 60 + om;
                if sign == b'-' {
                    -total
                } else {
                    total
                }
            }
            _ => return Err(TimestampError::Syntax),
        };
        if p.i != b.len() {
            return Err(TimestampError::Syntax);
        }
        if !(1..=12).contains(&month) {
            return Err(TimestampError::Field { what: "month" });
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(TimestampError::Field { what: "day" });
        }
        if hour > 23 {
            return Err(TimestampError::Field { what: "hour" });
        }
        if minute > 59 {
            return Err(TimestampError::Field { what: "minute" });
        }
        if second > 59 {
            return Err(TimestampError::Field { what: "second" });
        }
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_min * 60;
        Timestamp::from_millis(secs * 1_000 + millis)
    }
}

impl Timestamp {
    /// `Date.prototype.toISOString()` form, `YYYY-MM-DDTHH:MM:SS.mmmZ`, as bytes:
    /// the range invariant makes it always 24 of them, so it is written digit
    /// by digit without `fmt` (this runs twice per entry on the hot path).
    pub fn iso_bytes(self) -> [u8; 24] {
        let ms = self.0.rem_euclid(1_000);
        let secs = self.0.div_euclid(1_000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let mut b = *b"0000-00-00T00:00:00.000Z";
        let mut put = |at: usize, width: usize, mut v: i64| {
            for i in (at..at + width).rev() {
                b[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, 4, y);
        put(5, 2, m);
        put(8, 2, d);
        put(11, 2, sod / 3_600);
        put(14, 2, (sod / 60) % 60);
        put(17, 2, sod % 60);
        put(20, 3, ms);
        b
    }
}

impl fmt::Display for Timestamp {
    /// `Date.prototype.toISOString()` form: `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // ASCII digits and punctuation only, so always valid UTF-8.
        f.write_str(std::str::from_utf8(&self.iso_bytes()).unwrap_or_default())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let c = self.peek();
        self.i += 1;
        c
    }
    fn expect(&mut self, c: u8) -> Result<(), TimestampError> {
        if self.next() == Some(c) {
            Ok(())
        } else {
            Err(TimestampError::Syntax)
        }
    }
    fn digits(&mut self, n: usize) -> Result<i64, TimestampError> {
        let mut v = 0i64;
        for _ in 0..n {
            match self.next() {
                Some(c @ b'0'..=b'9') => v = v * 10 + i64::from(c - b'0'),
                _ => return Err(TimestampError::Syntax),
            }
        }
        Ok(v)
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_to_iso_string() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Timestamp(1_770_285_600_000).to_string(),
            "2026-02-05T10:00:00.000Z"
        );
        assert_eq!(Timestamp(-1).to_string(), "1969-12-31T23:59:59.999Z");
        assert_eq!(Timestamp(MIN_MS).to_string(), "0000-01-01T00:00:00.000Z");
        assert_eq!(Timestamp(MAX_MS).to_string(), "9999-12-31T23:59:59.999Z");
        assert_eq!(
            Timestamp(951_782_400_123).to_string(),
            "2000-02-29T00:00:00.123Z"
        );
    }

    #[test]
    fn parses_what_it_formats_and_common_variants() {
        for ms in [0, 1, -1, 951_782_400_123, 1_770_285_600_007, MIN_MS, MAX_MS] {
            let t = Timestamp(ms);
            assert_eq!(Timestamp::parse_iso(&t.to_string()), Ok(t));
        }
        let t = Timestamp::parse_iso("2026-02-05T10:00:00Z").unwrap();
        assert_eq!(t.millis(), 1_770_285_600_000);
        let t = Timestamp::parse_iso("2026-02-05T12:00:00.5+02:00").unwrap();
        assert_eq!(t.millis(), 1_770_285_600_500);
        let t = Timestamp::parse_iso("2026-02-05T09:30:00.123456789-0030").unwrap();
        assert_eq!(t.millis(), 1_770_285_600_123);
    }

    #[test]
    fn refuses_bad_dates_with_a_reason() {
        assert_eq!(
            Timestamp::parse_iso("2026-02-30T00:00:00Z"),
            Err(TimestampError::Field { what: "day" })
        );
        assert_eq!(
            Timestamp::parse_iso("2026-13-01T00:00:00Z"),
            Err(TimestampError::Field { what: "month" })
        );
        assert_eq!(
            Timestamp::parse_iso("2026-02-05T24:00:00Z"),
            Err(TimestampError::Field { what: "hour" })
        );
        assert_eq!(
            Timestamp::parse_iso("2026-02-05T10:00:00"),
            Err(TimestampError::Syntax)
        );
        assert_eq!(
            Timestamp::parse_iso("yesterday"),
            Err(TimestampError::Syntax)
        );
        assert_eq!(
            Timestamp::parse_iso("2026-02-05T10:00:00.Z"),
            Err(TimestampError::Syntax)
        );
        assert_eq!(
            Timestamp::from_millis_f64(f64::NAN),
            Err(TimestampError::NotFinite)
        );
        assert_eq!(
            Timestamp::from_millis_f64(1e300),
            Err(TimestampError::Range)
        );
        assert_eq!(
            Timestamp::from_millis(MAX_MS + 1),
            Err(TimestampError::Range)
        );
        assert_eq!(Timestamp::from_millis_f64(1.9).unwrap().millis(), 1);
    }

    #[test]
    fn durations_clamp_at_zero() {
        assert_eq!(Timestamp(10).millis_since(Timestamp(4)), 6);
        assert_eq!(Timestamp(4).millis_since(Timestamp(10)), 0);
    }
}
