//! Reading one event of any dialect: its name, its dialect (detected by shape),
//! its timestamp, and typed field access with errors that name the field.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Map, Value};
use thiserror::Error;

use super::model::Dialect;
use super::scanned::{Scanned, ScannedFields};
use crate::event::field::Field;
use crate::event::{Event, RawEvent};
use crate::time::{Timestamp, TimestampError};

/// Why an event could not be ingested. Nothing of it was applied.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IngestError {
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("event: expected an object, got {0}")]
    NotAnObject(&'static str),
    #[error("kind: expected a `kind`, or an event name under `event`, `event_type` or `name`")]
    NoName,
    #[error("{field}: unknown event {name:?}: not {known}")]
    UnknownDialect {
        field: &'static str,
        name: String,
        /// What the dialects' events look like.
        known: String,
    },
    #[error("{field}: missing, required by {event}")]
    Missing { field: &'static str, event: String },
    #[error("{field}: expected {expected}, got {found}")]
    WrongType {
        field: &'static str,
        expected: &'static str,
        found: &'static str,
    },
    #[error("timestamp: {0}")]
    Timestamp(TimestampError),
    /// An instant under another key (`started_at`, `completed_at`) was unusable.
    #[error("{field}: {reason}")]
    Instant {
        field: &'static str,
        reason: TimestampError,
    },
    /// A swamp event the telemetry bridge's vocabulary refuses.
    #[error(transparent)]
    Event(crate::event::EventError),
    /// A nested field (`workflow_job.steps[2].status`) that is missing, of
    /// the wrong type, or not one of the values its dialect knows.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
}

impl IngestError {
    /// The field at fault, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            IngestError::Json(_) => None,
            IngestError::NotAnObject(_) => Some("event"),
            IngestError::NoName => Some("kind"),
            IngestError::UnknownDialect { field, .. }
            | IngestError::Missing { field, .. }
            | IngestError::WrongType { field, .. } => Some(field),
            IngestError::Timestamp(_) => Some("timestamp"),
            IngestError::Instant { field, .. } => Some(field),
            IngestError::Event(e) => Some(e.field()),
            IngestError::Invalid { field, .. } => Some(field),
        }
    }
}

pub fn type_name(v: &Value) -> &'static str {
    crate::entry::decode::type_name(v)
}

/// Where an event's fields come from: a `serde_json::Value` (any line, and
/// events handed over as values), or the scanner's pick of a plain line's
/// top-level fields ([`ScannedFields`], the NDJSON fast path). Every accessor
/// below reads both the same way; tests/properties.rs holds them to it.
#[derive(Clone, Copy)]
enum Source<'v> {
    Value(&'v Value, &'v Map<String, Value>),
    Scanned(&'v ScannedFields<'v>),
}

/// One top-level value, from either source.
#[derive(Clone, Copy)]
enum Val<'v> {
    Value(&'v Value),
    /// The scanner's reading, the value's JSON text, an array or object parsed.
    Scanned(Scanned<'v, 'v>),
}

impl<'v> Val<'v> {
    /// Null, or a non-finite number read from an object (which JSON would
    /// have carried as null; a timestamp refuses it first: [`timestamp`]).
    fn is_null(self) -> bool {
        match self {
            Val::Value(v) => v.is_null(),
            Val::Scanned((Field::Number(n), None, _)) => !n.is_finite(),
            Val::Scanned((f, _, _)) => matches!(f, Field::Null),
        }
    }

    fn as_str(self) -> Option<&'v str> {
        match self {
            Val::Value(Value::String(s)) => Some(s),
            // The scanner only reads unescaped strings, which it borrows
            // (ScannedFields::scan refuses a line otherwise).
            Val::Scanned((Field::Str(Cow::Borrowed(s)), _, _)) => Some(s),
            _ => None,
        }
    }

    /// A number as serde_json reads it into an `f64` (the scanner reads only
    /// integers exact in an `f64`, and leaves the rest to serde_json).
    fn as_number(self) -> Option<Option<f64>> {
        match self {
            Val::Value(Value::Number(n)) => Some(n.as_f64()),
            Val::Scanned((Field::Number(n), _, _)) => Some(Some(*n)),
            _ => None,
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Val::Value(v) => type_name(v),
            Val::Scanned((f, _, _)) => match f {
                Field::Null => "null",
                Field::Bool(_) => "boolean",
                Field::Number(_) => "number",
                Field::Str(_) => "string",
                Field::Array => "array",
                Field::Object => "object",
            },
        }
    }

    /// As a `Value`: borrowed when parsed (a line on the slow path, an array
    /// or object on the fast one), otherwise decoded from its text.
    fn to_value(self) -> Result<Cow<'v, Value>, IngestError> {
        match self {
            Val::Value(v) | Val::Scanned((_, _, Some(v))) => Ok(Cow::Borrowed(v)),
            Val::Scanned((_, Some(text), None)) => serde_json::from_str(text)
                .map(Cow::Owned)
                .map_err(|e| IngestError::Json(e.to_string())),
            Val::Scanned((field, None, None)) => Ok(Cow::Owned(scalar_value(field))),
        }
    }
}

/// A scalar read from an object, as the `Value` serde_json reads from
/// `JSON.stringify`'s text of it, so that a large integer id is spelled as
/// the JSON path spells it; a non-finite number as null.
fn scalar_value(field: &Field<'_>) -> Value {
    match field {
        Field::Bool(b) => Value::Bool(*b),
        Field::Str(s) => Value::String(s.to_string()),
        Field::Number(n) if n.is_finite() => {
            serde_json::from_str(&js_number_text(*n)).unwrap_or(Value::Null)
        }
        Field::Number(_) | Field::Null | Field::Array | Field::Object => Value::Null,
    }
}

/// A finite number as JS writes it, or text serde_json reads as the same:
/// the shortest digits that round-trip (ryu's, through serde_json, which JS
/// also writes), as an integer with zeros after them when the number is
/// integral below 1e21 (JS: `2 ** 60` is `1152921504606847000`), otherwise as
/// ryu writes it (JS's `1e+21` and ryu's `1e21` read alike). Not Rust's `{}`
/// for floats: its formatting tables cost the full wasm 11.5 KB.
fn js_number_text(n: f64) -> String {
    let ryu = serde_json::Number::from_f64(n).map_or_else(String::new, |x| x.to_string());
    if n == 0.0 {
        return "0".into();
    }
    if n.fract() != 0.0 || n.abs() >= 1e21 {
        return ryu;
    }
    let (sign, rest) = ryu
        .strip_prefix('-')
        .map_or(("", ryu.as_str()), |r| ("-", r));
    let (mantissa, exp) = match rest.split_once('e') {
        Some((m, e)) => (m, e.parse::<usize>().unwrap_or(0)),
        None => (rest, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let frac = frac.trim_end_matches('0');
    let mut text = String::with_capacity(24);
    text.push_str(sign);
    text.push_str(int);
    text.push_str(frac);
    (frac.len()..exp).for_each(|_| text.push('0'));
    text
}

/// An event being ingested.
pub struct Input<'v> {
    source: Source<'v>,
    pub name: &'v str,
    pub dialect: Dialect,
    pub timestamp: Option<Timestamp>,
}

const NAME_KEYS: [&str; 3] = ["event", "event_type", "name"];

impl<'v> Input<'v> {
    /// An event given as a value (any JSON value: a non-object is refused).
    pub fn read(value: &'v Value) -> Result<Self, IngestError> {
        let Value::Object(map) = value else {
            return Err(IngestError::NotAnObject(type_name(value)));
        };
        Input::from_source(Source::Value(value, map))
    }

    /// An event whose top-level fields the scanner picked out of its line.
    pub fn read_scanned(fields: &'v ScannedFields<'v>) -> Result<Self, IngestError> {
        Input::from_source(Source::Scanned(fields))
    }

    fn from_source(source: Source<'v>) -> Result<Self, IngestError> {
        let mut input = Input {
            source,
            name: "",
            dialect: Dialect::Swamp,
            timestamp: None,
        };
        let (name, dialect) = match super::dialects::recognise(&input)? {
            Some(found) => found,
            None => {
                let (field, name) = input.event_name().ok_or(IngestError::NoName)?;
                return Err(IngestError::UnknownDialect {
                    field,
                    name: name.to_string(),
                    known: super::dialects::described(),
                });
            }
        };
        input.timestamp = timestamp(input.raw_val("timestamp"))?;
        input.name = name;
        input.dialect = dialect;
        Ok(input)
    }

    /// The `kind` of a swamp event, when there is one (a `kind` that is not
    /// a string is an error).
    pub fn kind(&self) -> Result<Option<&'v str>, IngestError> {
        match self.get_val("kind") {
            None => Ok(None),
            Some(kind) => kind.as_str().map(Some).ok_or(IngestError::WrongType {
                field: "kind",
                expected: "a string",
                found: kind.type_name(),
            }),
        }
    }

    /// The first event name under `event`, `event_type` or `name`, with the
    /// key it was under (dotted names: the orchestrator's and Tasker's).
    pub fn event_name(&self) -> Option<(&'static str, &'v str)> {
        NAME_KEYS
            .iter()
            .find_map(|k| self.raw_val(k).and_then(Val::as_str).map(|s| (*k, s)))
    }

    /// Whether `key` holds anything but null.
    pub fn has(&self, key: &str) -> bool {
        self.get_val(key).is_some()
    }

    /// Whether `key` holds an object.
    pub fn has_object(&self, key: &str) -> bool {
        match self.get_val(key) {
            Some(Val::Value(v)) => v.is_object(),
            Some(Val::Scanned((f, _, _))) => matches!(f, Field::Object),
            None => false,
        }
    }

    /// The value under `key`, null included (a repeated key: the last one,
    /// as serde_json and JSON.parse read it).
    fn raw_val(&self, key: &str) -> Option<Val<'v>> {
        match self.source {
            Source::Value(_, map) => map.get(key).map(Val::Value),
            Source::Scanned(fields) => fields.get(key).map(Val::Scanned),
        }
    }

    /// The value under `key`, null read as absent.
    fn get_val(&self, key: &str) -> Option<Val<'v>> {
        self.raw_val(key).filter(|v| !v.is_null())
    }

    /// The whole event as a `Value`.
    pub fn value(&self) -> Result<Value, IngestError> {
        match self.source {
            Source::Value(value, _) => Ok(value.clone()),
            Source::Scanned(fields) => {
                let mut map = Map::new();
                for key in fields.keys() {
                    if let Some(v) = self.get(key)? {
                        map.insert(key.to_string(), v.into_owned());
                    }
                }
                Ok(Value::Object(map))
            }
        }
    }

    /// The value under `key` as a `Value` (null read as absent).
    pub fn get(&self, key: &str) -> Result<Option<Cow<'v, Value>>, IngestError> {
        self.get_val(key).map(Val::to_value).transpose()
    }

    /// The swamp event vocabulary's typed reading of this event (the bridge's).
    pub fn swamp_event(&self) -> Result<Event<'v>, IngestError> {
        match self.source {
            Source::Value(value, _) => {
                let raw =
                    RawEvent::deserialize(value).map_err(|e| IngestError::Json(e.to_string()))?;
                Event::from_raw(raw).map_err(IngestError::Event)
            }
            Source::Scanned(fields) => {
                Event::from_fields(&mut fields.raw_fields()).map_err(IngestError::Event)
            }
        }
    }

    pub fn opt_str(&self, key: &'static str) -> Result<Option<&'v str>, IngestError> {
        match self.get_val(key) {
            None => Ok(None),
            Some(v) => v.as_str().map(Some).ok_or(IngestError::WrongType {
                field: key,
                expected: "a string",
                found: v.type_name(),
            }),
        }
    }

    pub fn str(&self, key: &'static str) -> Result<&'v str, IngestError> {
        self.opt_str(key)?.ok_or_else(|| IngestError::Missing {
            field: key,
            event: self.name.to_string(),
        })
    }

    /// A string or number identifier (Tasker and orchestrator ids may be numbers).
    pub fn opt_id(&self, key: &'static str) -> Result<Option<Cow<'v, str>>, IngestError> {
        let Some(v) = self.get_val(key) else {
            return Ok(None);
        };
        if let Some(s) = v.as_str() {
            return Ok(Some(Cow::Borrowed(s)));
        }
        if v.as_number().is_some() {
            // serde_json's own spelling of the number, from either source.
            if let Value::Number(n) = &*v.to_value()? {
                return Ok(Some(Cow::Owned(n.to_string())));
            }
        }
        Err(IngestError::WrongType {
            field: key,
            expected: "a string or number id",
            found: v.type_name(),
        })
    }

    pub fn id(&self, key: &'static str) -> Result<Cow<'v, str>, IngestError> {
        self.opt_id(key)?.ok_or_else(|| IngestError::Missing {
            field: key,
            event: self.name.to_string(),
        })
    }

    pub fn opt_bool(&self, key: &'static str) -> Result<bool, IngestError> {
        match self.get_val(key) {
            None => Ok(false),
            Some(Val::Value(Value::Bool(b))) | Some(Val::Scanned((Field::Bool(b), _, _))) => Ok(*b),
            Some(other) => Err(IngestError::WrongType {
                field: key,
                expected: "a boolean",
                found: other.type_name(),
            }),
        }
    }

    pub fn opt_number(&self, key: &'static str) -> Result<Option<f64>, IngestError> {
        match self.get_val(key) {
            None => Ok(None),
            Some(v) => match v.as_number() {
                Some(n) => Ok(n.filter(|f| f.is_finite())),
                None => Err(IngestError::WrongType {
                    field: key,
                    expected: "a number",
                    found: v.type_name(),
                }),
            },
        }
    }

    pub fn opt_strings(&self, key: &'static str) -> Result<Vec<String>, IngestError> {
        let Some(v) = self.get_val(key) else {
            return Ok(Vec::new());
        };
        match &*v.to_value()? {
            Value::Array(items) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(IngestError::WrongType {
                        field: key,
                        expected: "an array of strings",
                        found: type_name(other),
                    }),
                })
                .collect(),
            other => Err(IngestError::WrongType {
                field: key,
                expected: "an array of strings",
                found: type_name(other),
            }),
        }
    }

    /// An optional instant under another key (`started_at`, `completed_at`).
    pub fn opt_instant(&self, key: &'static str) -> Result<Option<Timestamp>, IngestError> {
        timestamp(self.raw_val(key)).map_err(|e| match e {
            IngestError::Timestamp(reason) => IngestError::Instant { field: key, reason },
            IngestError::WrongType {
                expected, found, ..
            } => IngestError::WrongType {
                field: key,
                expected,
                found,
            },
            other => other,
        })
    }

    /// An optional duration, given in `unit_ms` milliseconds per unit (1 for
    /// `duration_ms`, 1000 for Tasker's `execution_duration` in seconds), clamped
    /// to [0, the span of representable instants] so no arithmetic on it can
    /// overflow.
    pub fn opt_duration(
        &self,
        key: &'static str,
        unit_ms: f64,
    ) -> Result<Option<i64>, IngestError> {
        const MAX: f64 = (crate::time::MAX_MS - crate::time::MIN_MS) as f64;
        Ok(self
            .opt_number(key)?
            .map(|v| (v * unit_ms).round().clamp(0.0, MAX) as i64))
    }
}

fn timestamp(v: Option<Val<'_>>) -> Result<Option<Timestamp>, IngestError> {
    // NaN or Infinity from an object: an error, not the null JSON makes of it.
    if let Some(Val::Scanned((Field::Number(n), _, _))) = v {
        if !n.is_finite() {
            return Err(IngestError::Timestamp(TimestampError::NotFinite));
        }
    }
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    if let Some(n) = v.as_number() {
        return n
            .ok_or(IngestError::Timestamp(TimestampError::NotFinite))
            .and_then(|ms| Timestamp::from_millis_f64(ms).map_err(IngestError::Timestamp))
            .map(Some);
    }
    match v.as_str() {
        Some(s) => Timestamp::parse_iso(s)
            .map(Some)
            .map_err(IngestError::Timestamp),
        None => Err(IngestError::WrongType {
            field: "timestamp",
            expected: "an ISO-8601 string or epoch milliseconds",
            found: v.type_name(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A number read from an object becomes the `Value` serde_json reads
    /// from `JSON.stringify`'s text of it (the texts written out by hand,
    /// as Node 20 writes them).
    #[test]
    fn scalars_from_objects_are_the_values_json_text_would_give() {
        for (n, js_text) in [
            (12.0, "12"),
            (-0.0, "0"),
            (-3.0, "-3"),
            (1.5, "1.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.5e-7, "1.5e-7"),
            (1152921504606846976.0, "1152921504606847000"),
            (9223372036854775808.0, "9223372036854776000"),
            (-9223372036854775808.0, "-9223372036854776000"),
            (1e19, "10000000000000000000"),
            (2e19, "20000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (1e21, "1e+21"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (-2.5e-7, "-2.5e-7"),
            (0.000001, "0.000001"),
            (5e-324, "5e-324"),
        ] {
            let json: Value = serde_json::from_str(js_text).unwrap();
            assert_eq!(scalar_value(&Field::Number(n)), json, "{n} as {js_text}");
        }
        for n in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(scalar_value(&Field::Number(n)), Value::Null);
        }
        // Integral below 1e21: JS's own text, digit for digit.
        for (n, js_text) in [
            (12.0, "12"),
            (-3.0, "-3"),
            (1152921504606846976.0, "1152921504606847000"),
            (-9223372036854775808.0, "-9223372036854776000"),
            (123456789012345680000.0, "123456789012345680000"),
        ] {
            assert_eq!(js_number_text(n), js_text);
        }
        let s = Field::Str(Cow::Borrowed("x"));
        assert_eq!(scalar_value(&s), Value::String("x".into()));
        assert_eq!(scalar_value(&Field::Bool(true)), Value::Bool(true));
        assert_eq!(scalar_value(&Field::Null), Value::Null);
    }
}
