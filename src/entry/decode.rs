//! Field-by-field decoding of JSON data with errors that name the field path
//! (`result.status: expected one of success, error, user_error`).
//!
//! Decoding is hand-written over `serde_json::Value` rather than derived, because
//! the derived errors do not name the field and the wire rules differ per field
//! (some empty strings are dropped, some kept; `null` counts as absent).

use serde_json::{Map, Value};
use thiserror::Error;

/// A decode failure: where, and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{path}: expected {expected}")]
pub struct DecodeError {
    /// Dotted path from the root, with `[i]` for array elements: `invocation.args[2]`.
    pub path: String,
    /// What the field must hold: `a string`, `one of success, error, user_error`.
    pub expected: String,
    /// The JSON type found there (`number`, `missing`, ...).
    pub found: &'static str,
}

/// The JSON type name of a value, for error messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// An object being decoded, with its path for error messages.
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    path: &'a str,
}

impl<'a> Fields<'a> {
    /// `value` must be an object; `path` names it (empty for the root).
    pub fn new(value: &'a Value, path: &'a str) -> Result<Self, DecodeError> {
        match value {
            Value::Object(map) => Ok(Fields { map, path }),
            other => Err(DecodeError {
                path: if path.is_empty() {
                    "(root)".into()
                } else {
                    path.into()
                },
                expected: "an object".into(),
                found: type_name(other),
            }),
        }
    }

    pub fn path_of(&self, key: &str) -> String {
        join(self.path, key)
    }

    fn err(&self, key: &str, expected: &str, found: &'static str) -> DecodeError {
        DecodeError {
            path: self.path_of(key),
            expected: expected.into(),
            found,
        }
    }

    /// The value of `key`, treating `null` as absent.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        match self.map.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    pub fn required(&self, key: &str, expected: &str) -> Result<&'a Value, DecodeError> {
        self.get(key)
            .ok_or_else(|| self.err(key, expected, "missing"))
    }

    pub fn string(&self, key: &str) -> Result<String, DecodeError> {
        match self.required(key, "a string")? {
            Value::String(s) => Ok(s.clone()),
            other => Err(self.err(key, "a string", type_name(other))),
        }
    }

    /// An optional string, kept even when empty.
    pub fn opt_string(&self, key: &str) -> Result<Option<String>, DecodeError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.err(key, "a string", type_name(other))),
        }
    }

    /// An optional string under the "truthy" rule: an empty string is dropped.
    pub fn truthy_string(&self, key: &str) -> Result<Option<String>, DecodeError> {
        Ok(self.opt_string(key)?.filter(|s| !s.is_empty()))
    }

    pub fn bool(&self, key: &str) -> Result<bool, DecodeError> {
        match self.required(key, "a boolean")? {
            Value::Bool(b) => Ok(*b),
            other => Err(self.err(key, "a boolean", type_name(other))),
        }
    }

    /// An integer (a JSON number with no fraction that fits in 64 bits).
    pub fn integer(&self, key: &str) -> Result<i64, DecodeError> {
        let v = self.required(key, "an integer")?;
        as_integer(v).ok_or_else(|| self.err(key, "an integer", type_name(v)))
    }

    pub fn strings(&self, key: &str) -> Result<Vec<String>, DecodeError> {
        let v = self.required(key, "an array of strings")?;
        self.string_array(key, v)
    }

    pub fn opt_strings(&self, key: &str) -> Result<Option<Vec<String>>, DecodeError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => self.string_array(key, v).map(Some),
        }
    }

    fn string_array(&self, key: &str, v: &Value) -> Result<Vec<String>, DecodeError> {
        let Value::Array(items) = v else {
            return Err(self.err(key, "an array of strings", type_name(v)));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(DecodeError {
                    path: format!("{}[{i}]", self.path_of(key)),
                    expected: "a string".into(),
                    found: type_name(other),
                }),
            })
            .collect()
    }
}

/// A JSON number as an exact integer, if it is one (`3` and `3.0` both are).
pub fn as_integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15)
                .map(|f| f as i64)
        }),
        _ => None,
    }
}
