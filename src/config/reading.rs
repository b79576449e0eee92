//! How option values are read from JSON data: one [`Read`] impl per kind of
//! value, and [`options!`] to declare an options struct (its fields, their
//! camelCase keys, unknown keys refused).
//!
//! Written by hand rather than derived with serde: serde's derived readers
//! plus `serde_path_to_error` (for the paths) cost the full wasm 35 KB
//! gzipped and the bridge-only one 31 KB, measured (mostly visitor code
//! monomorphised per type, and float formatting pulled in by serde's error
//! messages); these readers cost a few KB and name the path by construction.

use serde_json::Value;

use super::ConfigError;

/// Where a value is, written out only for an error (`options.buckets[2]`):
/// reading an option costs no string building.
#[derive(Clone, Copy)]
pub struct At<'a> {
    up: Option<&'a At<'a>>,
    step: Step<'a>,
}

#[derive(Clone, Copy)]
enum Step<'a> {
    Root(&'a str),
    Key(&'a str),
    Index(usize),
}

impl<'a> At<'a> {
    /// The options themselves, named (`options`, `query`).
    pub fn root(name: &'a str) -> Self {
        At {
            up: None,
            step: Step::Root(name),
        }
    }

    pub fn key(&'a self, key: &'a str) -> At<'a> {
        At {
            up: Some(self),
            step: Step::Key(key),
        }
    }

    pub fn index(&'a self, i: usize) -> At<'a> {
        At {
            up: Some(self),
            step: Step::Index(i),
        }
    }

    /// The path, as messages name it.
    #[inline(never)]
    pub fn path(&self) -> String {
        let mut out = self.up.map(At::path).unwrap_or_default();
        match self.step {
            Step::Root(n) => out.push_str(n),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
        out
    }

    /// "Expected `what` here."
    #[inline(never)]
    pub fn expected(&self, what: &str) -> ConfigError {
        ConfigError::new(self.path(), what)
    }
}

/// A value read from JSON at a place in the options.
pub trait Read: Sized {
    fn read(value: &Value, at: &At<'_>) -> Result<Self, ConfigError>;
}

/// `null` is "not given", as an absent key is.
impl<T: Read> Read for Option<T> {
    #[inline(never)]
    fn read(value: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        match value {
            Value::Null => Ok(None),
            v => T::read(v, at).map(Some),
        }
    }
}

impl Read for String {
    #[inline(never)]
    fn read(value: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        match value {
            Value::String(s) => Ok(s.clone()),
            _ => Err(at.expected("a string")),
        }
    }
}

impl Read for bool {
    #[inline(never)]
    fn read(value: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        value.as_bool().ok_or_else(|| at.expected("a boolean"))
    }
}

/// A number that passes `ok`, or `expected`.
pub(super) fn number(
    value: &Value,
    at: &At<'_>,
    expected: &'static str,
    ok: fn(f64) -> bool,
) -> Result<f64, ConfigError> {
    value
        .as_f64()
        .filter(|n| ok(*n))
        .ok_or_else(|| at.expected(expected))
}

/// The elements of an array, each read at its index.
pub(super) fn elements<T: Read>(
    value: &Value,
    at: &At<'_>,
    expected: &'static str,
) -> Result<Vec<T>, ConfigError> {
    let Value::Array(items) = value else {
        return Err(at.expected(expected));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, v)| T::read(v, &at.index(i)))
        .collect()
}

/// Declares an options struct: each field with its type and camelCase key;
/// reading it refuses a non-object and any key not declared, naming it.
macro_rules! options {
    ($(#[$m:meta])* pub struct $name:ident {
        $($(#[$fm:meta])* pub $field:ident: $ty:ty = $key:literal,)+
    }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default)]
        pub struct $name {
            $($(#[$fm])* pub $field: $ty,)+
        }

        impl $name {
            /// Its keys, as callers write them.
            pub const KEYS: &'static [&'static str] = &[$($key),+];
        }

        impl $crate::config::reading::Read for $name {
            fn read(
                value: &serde_json::Value,
                at: &$crate::config::reading::At<'_>,
            ) -> Result<Self, $crate::config::ConfigError> {
                let serde_json::Value::Object(map) = value else {
                    return Err(at.expected("an options object"));
                };
                let mut out = Self::default();
                for (key, v) in map {
                    let here = at.key(key);
                    match key.as_str() {
                        $($key => out.$field = $crate::config::reading::Read::read(v, &here)?,)+
                        _ => return Err($crate::config::ConfigError::unknown(here.path(), Self::KEYS)),
                    }
                }
                Ok(out)
            }
        }
    };
}
pub(crate) use options;

/// Declares an option that is one of a few names: the enum, and a reader
/// that words any other value as `one of a, b, c`.
macro_rules! choice {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($(#[$vm])* $variant,)+ }

        impl $crate::config::reading::Read for $name {
            #[inline(never)]
            fn read(
                value: &serde_json::Value,
                at: &$crate::config::reading::At<'_>,
            ) -> Result<Self, $crate::config::ConfigError> {
                match value.as_str() {
                    $(Some($text) => Ok($name::$variant),)+
                    _ => Err(at.expected(concat!(
                        "one of ",
                        $crate::config::reading::choice!(@list $($text),+)
                    ))),
                }
            }
        }
    };
    (@list $first:literal $(, $rest:literal)*) => { concat!($first $(, ", ", $rest)*) };
}
pub(crate) use choice;
