//! workflow-telemetry: turns a workflow engine's execution events into redacted
//! child invocation entries (wire-compatible with swamp's `cli_invocation`
//! entries), and, later, run models and standard exports.
//!
//! The crate is a pure Rust core. Its public API has no wasm-bindgen types:
//! clock and id source are injected ([`Clock`], [`IdSource`]), input is JSON text
//! or serde data, output is plain structs that serialise in wire order. The one
//! module that knows about JavaScript is `wasm` (compiled only for
//! `wasm32-unknown-unknown`), which converts values, delegates here, and turns
//! errors into JS `Error`s.
//!
//! Modules, one concept each:
//! - [`time`]: instants and their ISO-8601 form;
//! - [`clock`], [`ids`]: injected sources of "now" and entry ids;
//! - [`entry`]: `TelemetryEntry` and its value objects, codec and ingest envelope;
//! - [`event`]: the canonical workflow event vocabulary, read and validated;
//! - [`bridge`]: the state machine from events to child entries;
//! - [`redact`]: command-line redaction for direct invocations;
//! - [`ndjson`]: numbered NDJSON input with per-line errors, and the one
//!   streaming reader every host uses.

pub mod bridge;
pub mod clock;
pub mod config;
mod decimal;
pub mod entry;
pub mod event;
pub mod export;
#[doc(hidden)]
pub mod fuzzing;
pub mod ids;
pub mod ndjson;
pub mod redact;
pub mod run;
pub mod time;

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub mod wasm;

pub use bridge::{BridgeConfig, BridgeStats, NdjsonReport, TelemetryBridge};
pub use clock::{Clock, FixedClock, SystemClock};
pub use entry::{DecodeError, TelemetryEntry};
pub use event::{Event, EventError, ParseError, WorkflowEvent};
pub use ids::{IdSource, RandomIds, SequentialIds};
pub use ndjson::{LineError, LineErrorKind, NdjsonOptions};
pub use redact::{redact_invocation, ArgKind, CommandSchema};
pub use time::{Timestamp, TimestampError};
