//! `InvocationResult`: how an invocation ended, classified for telemetry.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use super::decode::{DecodeError, Fields};

/// The three outcomes of the wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvocationStatus {
    Success,
    Error,
    /// The failure was the user's (bad input, validation): `UserError` in swamp.
    UserError,
}

impl InvocationStatus {
    pub const ALL: [InvocationStatus; 3] = [
        InvocationStatus::Success,
        InvocationStatus::Error,
        InvocationStatus::UserError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InvocationStatus::Success => "success",
            InvocationStatus::Error => "error",
            InvocationStatus::UserError => "user_error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        InvocationStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

impl fmt::Display for InvocationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure as the bridge knows it: a class name, a message and whether it was
/// the user's fault. Carrying the class instead of a bare string is what lets
/// `step_failed.userError` survive into the entry (W6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub error_type: String,
    pub message: String,
    pub user_error: bool,
}

impl Failure {
    /// A plain `Error` with this message.
    pub fn error(message: impl Into<String>) -> Self {
        Failure {
            error_type: "Error".into(),
            message: message.into(),
            user_error: false,
        }
    }
}

/// Keys serialise in wire order: `status`, `exitCode`, then `errorType` and
/// `errorMessage` only when non-empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvocationResult {
    pub status: InvocationStatus,
    pub exit_code: i64,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
}

impl InvocationResult {
    pub fn success() -> Self {
        InvocationResult {
            status: InvocationStatus::Success,
            exit_code: 0,
            error_type: None,
            error_message: None,
        }
    }

    /// Classifies a failure the way swamp's `TelemetryService` does: status
    /// `user_error` or `error`, exit code 1, the message cut at its first line,
    /// and empty type or message omitted.
    pub fn failure(failure: &Failure) -> Self {
        let first_line = failure.message.split(['\n', '\r']).next().unwrap_or("");
        InvocationResult {
            status: if failure.user_error {
                InvocationStatus::UserError
            } else {
                InvocationStatus::Error
            },
            exit_code: 1,
            error_type: Some(failure.error_type.clone()).filter(|s| !s.is_empty()),
            error_message: Some(first_line.to_string()).filter(|s| !s.is_empty()),
        }
    }

    pub fn from_data(value: &Value, path: &str) -> Result<Self, DecodeError> {
        let f = Fields::new(value, path)?;
        let status_v = f.required("status", "one of success, error, user_error")?;
        let status = status_v
            .as_str()
            .and_then(InvocationStatus::parse)
            .ok_or_else(|| DecodeError {
                path: f.path_of("status"),
                expected: "one of success, error, user_error".into(),
                found: super::decode::type_name(status_v),
            })?;
        Ok(InvocationResult {
            status,
            exit_code: f.integer("exitCode")?,
            error_type: f.truthy_string("errorType")?,
            error_message: f.truthy_string("errorMessage")?,
        })
    }
}
