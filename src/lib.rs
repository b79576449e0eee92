//! workflow-telemetry: turns a workflow engine's execution events into redacted
//! child invocation entries (wire-compatible with swamp's `cli_invocation`
//! entries), a run model of every run, and standard exports (OTLP traces,
//! Prometheus metrics, lifecycle logs, swamp's ingest envelope).
//!
//! The crate is a pure Rust core. Its public API has no wasm-bindgen types:
//! clock and id source are injected ([`Clock`], [`IdSource`]), input is JSON text
//! or serde data, output is plain structs that serialise in wire order. The one
//! module that knows about JavaScript is `wasm` (compiled only for
//! `wasm32-unknown-unknown`), which converts values, delegates here, and turns
//! errors into JS `Error`s.
//!
//! Modules, one concept each, in layers (each imports only those above it in
//! this list):
//! - [`time`], [`clock`], [`ids`]: instants, and the injected sources of
//!   "now" and entry ids;
//! - [`ndjson`]: numbered NDJSON input with per-line errors, and the one
//!   streaming reader every host uses;
//! - [`event`]: the canonical workflow event vocabulary, read and validated,
//!   and event-name filters;
//! - [`entry`]: `TelemetryEntry`, its value objects, their one wire writer,
//!   decoder and ingest envelope;
//! - [`redact`]: everything redacted, where data enters: parameter filters,
//!   command lines, free text, events passed on;
//! - [`bridge`]: the state machine from events to child entries, and the
//!   stream rules (which run an event belongs to, when runs end);
//! - [`run`]: the run model, its dialect adapters and their shared lifecycle;
//! - [`export`]: OTLP, Prometheus and lifecycle logs, from the run model's
//!   canonical facts;
//! - [`config`]: every operation's options as callers write them, declared.
//!
//! Comments cite swamp's upstream bridge weaknesses as W1–W12 and sections
//! of the Tasker reference as §N: `docs/codes.md` defines both.

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
