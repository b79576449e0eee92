//! Redaction of what enters: command lines of direct CLI invocations.

mod command_line;

pub use command_line::{redact_invocation, ArgKind, CommandSchema};
