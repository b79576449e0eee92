//! Redaction, all of it in one place, applied where data enters: command
//! lines of direct CLI invocations; the parameter filter shared by the bridge
//! (error text) and the run model (payloads, reasons, error text); model
//! names scrubbed from error text and unresolved method names (`scrub`); and
//! events redacted for passing on (`event`).

mod command_line;
pub mod event;
pub mod filter;
pub mod scrub;

pub use command_line::{redact_invocation, ArgKind, CommandSchema};
