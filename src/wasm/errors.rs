//! Core errors as JS errors: `name` the core type, extra properties
//! (`field`, `path`, `expected`) saying what was wrong. Each core error has
//! one `From` into [`Fail`], so facade methods use `?`.

use js_sys::Reflect;
use wasm_bindgen::prelude::*;

use crate::entry::DecodeError;
use crate::event::EventError;

/// A JS error: `constructor` is `Error` or `TypeError`; `name` the core type.
pub(super) fn js_error(
    type_error: bool,
    name: &str,
    message: &str,
    props: &[(&str, JsValue)],
) -> JsValue {
    let err: js_sys::Error = if type_error {
        js_sys::TypeError::new(message).into()
    } else {
        js_sys::Error::new(message)
    };
    err.set_name(name);
    for (k, v) in props {
        let _ = Reflect::set(&err, &JsValue::from_str(k), v);
    }
    err.into()
}

/// A bad argument: `TypeError` named `ArgumentError`, with the offending field.
pub(super) fn argument_error(field: &str, expected: &str) -> JsValue {
    js_error(
        true,
        "ArgumentError",
        &format!("{field}: expected {expected}"),
        &[("field", field.into()), ("expected", expected.into())],
    )
}

pub(super) fn decode_error(e: &DecodeError) -> JsValue {
    js_error(
        false,
        "DecodeError",
        &e.to_string(),
        &[
            ("path", e.path.as_str().into()),
            ("expected", e.expected.as_str().into()),
            ("found", e.found.into()),
        ],
    )
}

pub(super) fn event_error(e: &EventError) -> JsValue {
    js_error(
        true,
        "EventError",
        &e.to_string(),
        &[("field", e.field().into())],
    )
}

// Every core error converts into the JS error it throws with `From`, so a
// facade method is its steps joined by `?`.

impl From<crate::config::ConfigError> for JsValue {
    /// An `ArgumentError`: `field` the option's path, `expected` what it
    /// should have been (or, for a key that is no option, `known`: the keys
    /// that are).
    fn from(e: crate::config::ConfigError) -> JsValue {
        let mut props = vec![("field", JsValue::from(e.path.as_str()))];
        match &e.expected {
            Some(x) => props.push(("expected", JsValue::from(x.as_str()))),
            None => {
                let known: js_sys::Array =
                    e.known.iter().map(|k| JsValue::from(k.as_str())).collect();
                props.push(("known", known.into()));
            }
        }
        js_error(true, "ArgumentError", &e.to_string(), &props)
    }
}

#[cfg(feature = "run-model")]
impl From<crate::run::IngestError> for JsValue {
    /// An `IngestError` (a `TypeError`), `field` the event's field.
    fn from(e: crate::run::IngestError) -> JsValue {
        let field = e.field().map_or(JsValue::UNDEFINED, JsValue::from);
        js_error(true, "IngestError", &e.to_string(), &[("field", field)])
    }
}

impl From<DecodeError> for JsValue {
    fn from(e: DecodeError) -> JsValue {
        decode_error(&e)
    }
}

impl From<EventError> for JsValue {
    fn from(e: EventError) -> JsValue {
        event_error(&e)
    }
}

/// Output that could not be written: a bug, not the caller's.
#[cfg(feature = "run-model")]
pub(super) fn serialize_error(e: impl std::fmt::Display) -> JsValue {
    js_error(false, "SerializeError", &e.to_string(), &[])
}
