//! The entry model: `TelemetryEntry` and the value objects it holds, their
//! wire-order serialisation, validating decode, and the ingest envelope.

pub mod decode;
mod entry_ref;
mod invocation;
mod invocation_context;
mod json_text;
mod result;
mod telemetry_entry;
mod wire;
mod workflow_context;

pub use decode::DecodeError;
pub(crate) use entry_ref::{parent, span};
pub use entry_ref::{EntryRef, InvocationRef, WorkflowContextRef};
pub use invocation::{CommandInvocation, REDACTED};
pub use invocation_context::InvocationContext;
pub use result::{Failure, InvocationResult, InvocationStatus};
pub use telemetry_entry::{EntryProps, TelemetryEntry};
pub use wire::{
    to_wire, wire_event, Properties, WireBody, WireEvent, WireIdentity, CLI_INVOCATION,
};
pub use workflow_context::WorkflowContext;
