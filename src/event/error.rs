//! Why an event was refused. Every variant names the field.

use thiserror::Error;

use super::field::JsonType;
use crate::time::TimestampError;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EventError {
    /// The event was not a JSON object.
    #[error("event: expected an object, got {found}")]
    NotAnObject { found: JsonType },
    /// A field the event's kind requires was absent (or `null`).
    #[error("{field}: missing, required by kind {kind}")]
    Missing { field: &'static str, kind: String },
    /// A field held the wrong JSON type.
    #[error("{field}: expected {expected}, got {found}")]
    WrongType {
        field: &'static str,
        expected: &'static str,
        found: JsonType,
    },
    /// `timestamp` was present but is not a usable instant.
    #[error("timestamp: {reason}")]
    Timestamp { reason: TimestampError },
}

impl EventError {
    /// The field the error is about (`event` when the whole value was wrong).
    pub fn field(&self) -> &'static str {
        match self {
            EventError::NotAnObject { .. } => "event",
            EventError::Missing { field, .. } | EventError::WrongType { field, .. } => field,
            EventError::Timestamp { .. } => "timestamp",
        }
    }
}
