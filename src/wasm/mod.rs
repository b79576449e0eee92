//! The JavaScript binding: the only module that knows about JS.
//!
//! Every export has the same rhythm: convert the JS arguments (validating them
//! into core types), call the core, convert the result back to plain JSON-
//! compatible JS values (objects, not Maps, keys in wire order), and turn core
//! errors into real JS `Error`s whose `name` is the core error type and whose
//! extra properties (`path`, `field`, `expected`) say what was wrong.
//!
//! The host workflow must never notice telemetry failures, so the injected
//! `clock`, `idGenerator` and `sink` callbacks are fenced: a clock that throws or
//! returns a non-instant falls back to `Date.now()`, an id generator that throws
//! or returns a non-string falls back to a random UUID, and a sink that throws or
//! rejects is counted in `sinkErrors` and otherwise ignored.

//!
//! Files: `errors` (core errors as JS errors, one `From` each), `entry_tape`
//! and `event_reader` (entries out and events in without JSON), `interop`
//! (values across the boundary, and the one options reader), `sources` (the
//! injected, fenced callbacks), then one facade per JS class or function
//! group: `bridge`, `functions`, `run_model`.

use wasm_bindgen::prelude::*;

mod bridge;
mod entry_tape;
mod errors;
mod event_reader;
mod functions;
mod interop;
#[cfg(feature = "run-model")]
mod run_model;
mod sources;

pub use bridge::JsTelemetryBridge;
pub use functions::{decode_entry, redact_invocation_js, to_wire};
#[cfg(feature = "run-model")]
pub use run_model::JsRunModel;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// The crate version, for diagnostics.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Bytes of linear memory the module holds, for diagnostics: memory only
/// grows, so a value that stays flat under a steady stream shows that nothing
/// accumulates with history.
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65_536) as f64
}
