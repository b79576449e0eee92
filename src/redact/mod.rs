//! Redaction of what enters: command lines of direct CLI invocations, and the
//! parameter filter shared by the bridge (error text) and the run model
//! (payloads, reasons, error text).

mod command_line;
pub mod filter;

pub use command_line::{redact_invocation, ArgKind, CommandSchema};
