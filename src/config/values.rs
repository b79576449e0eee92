//! The kinds of option values, each checked as it is read and worded as the
//! README words it: a wrong type and a wrong range give the same message.

use serde_json::Value;

use super::reading::{elements, number, options, At, Read};
use super::ConfigError;

/// A whole number from 1 to 2^32 - 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PositiveInt(pub usize);

impl Read for PositiveInt {
    #[inline(never)]
    fn read(value: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        number(value, at, "a positive integer", |n| {
            (1.0..=4_294_967_295.0).contains(&n) && n.fract() == 0.0
        })
        .map(|n| PositiveInt(n as usize))
    }
}

/// A non-negative, finite number of milliseconds (its fraction dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Millis(pub i64);

impl Read for Millis {
    #[inline(never)]
    fn read(value: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        number(value, at, "a non-negative number of milliseconds", |n| {
            n.is_finite() && n >= 0.0
        })
        .map(|n| Millis(n as i64))
    }
}

/// A share, from 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate(pub f64);

impl Read for Rate {
    #[inline(never)]
    fn read(value: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        number(value, at, "a number from 0 to 1", |n| {
            (0.0..=1.0).contains(&n)
        })
        .map(Rate)
    }
}

/// An array of strings (an element of another type is named by its index).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Strings(pub Vec<String>);

impl Read for Strings {
    #[inline(never)]
    fn read(value: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        elements(value, at, "an array of strings").map(Strings)
    }
}

/// Any number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number(pub f64);

impl Read for Number {
    #[inline(never)]
    fn read(value: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        number(value, at, "a number", |_| true).map(Number)
    }
}

/// An array of numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Numbers(pub Vec<f64>);

impl Read for Numbers {
    #[inline(never)]
    fn read(value: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        let all: Vec<Number> = elements(value, at, "an array of numbers")?;
        Ok(Numbers(all.into_iter().map(|n| n.0).collect()))
    }
}

/// A key that may be absent (the default), `null` (none), or a value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Nullable<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<T: Read> Read for Nullable<T> {
    #[inline(never)]
    fn read(value: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        match value {
            Value::Null => Ok(Nullable::Null),
            v => T::read(v, at).map(Nullable::Value),
        }
    }
}

/// Per-step-name milliseconds: `{ "build": 60000 }`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Thresholds(pub Vec<(String, Millis)>);

impl Read for Thresholds {
    #[inline(never)]
    fn read(value: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        let Value::Object(map) = value else {
            return Err(at.expected("an object of step name to milliseconds"));
        };
        map.iter()
            .map(|(k, v)| Ok((k.clone(), Millis::read(v, &at.key(k))?)))
            .collect::<Result<_, _>>()
            .map(Thresholds)
    }
}

options! {
    /// `{ allow, deny }` event-name lists (exact names or globs).
    pub struct EventsConfig {
        pub allow: Option<Strings> = "allow",
        pub deny: Option<Strings> = "deny",
    }
}

impl EventsConfig {
    pub fn filter(&self) -> crate::event::EventFilter {
        let list = |s: &Option<Strings>| s.as_ref().map(|s| s.0.clone()).unwrap_or_default();
        crate::event::EventFilter::new(&list(&self.allow), &list(&self.deny))
    }
}
