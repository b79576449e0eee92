//! Reading one event of any dialect: its name, its dialect (detected by shape),
//! its timestamp, and typed field access with errors that name the field.

use std::borrow::Cow;

use serde_json::{Map, Value};
use thiserror::Error;

use super::model::Dialect;
use crate::time::{Timestamp, TimestampError};

/// Why an event could not be ingested. Nothing of it was applied.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IngestError {
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("event: expected an object, got {0}")]
    NotAnObject(&'static str),
    #[error("kind: expected a `kind`, or an event name under `event`, `event_type` or `name`")]
    NoName,
    #[error("{field}: unknown event {name:?}: not a swamp kind, job.lifecycle.*, job.module.*, task.*, step.* or workflow.* event")]
    UnknownDialect { field: &'static str, name: String },
    #[error("{field}: missing, required by {event}")]
    Missing { field: &'static str, event: String },
    #[error("{field}: expected {expected}, got {found}")]
    WrongType {
        field: &'static str,
        expected: &'static str,
        found: &'static str,
    },
    #[error("timestamp: {0}")]
    Timestamp(TimestampError),
    /// An instant under another key (`started_at`, `completed_at`) was unusable.
    #[error("{field}: {reason}")]
    Instant {
        field: &'static str,
        reason: TimestampError,
    },
    /// A swamp event the telemetry bridge's vocabulary refuses.
    #[error(transparent)]
    Event(crate::event::EventError),
}

impl IngestError {
    /// The field at fault, when there is one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            IngestError::Json(_) => None,
            IngestError::NotAnObject(_) => Some("event"),
            IngestError::NoName => Some("kind"),
            IngestError::UnknownDialect { field, .. }
            | IngestError::Missing { field, .. }
            | IngestError::WrongType { field, .. } => Some(field),
            IngestError::Timestamp(_) => Some("timestamp"),
            IngestError::Instant { field, .. } => Some(field),
            IngestError::Event(e) => Some(e.field()),
        }
    }
}

pub fn type_name(v: &Value) -> &'static str {
    crate::entry::decode::type_name(v)
}

/// An event being ingested.
pub struct Input<'v> {
    pub value: &'v Value,
    pub map: &'v Map<String, Value>,
    pub name: &'v str,
    pub dialect: Dialect,
    pub timestamp: Option<Timestamp>,
}

const NAME_KEYS: [&str; 3] = ["event", "event_type", "name"];

impl<'v> Input<'v> {
    pub fn read(value: &'v Value) -> Result<Self, IngestError> {
        let Value::Object(map) = value else {
            return Err(IngestError::NotAnObject(type_name(value)));
        };
        let (name, dialect) = if let Some(kind) = map.get("kind").filter(|v| !v.is_null()) {
            match kind {
                Value::String(k) => (k.as_str(), Dialect::Swamp),
                other => {
                    return Err(IngestError::WrongType {
                        field: "kind",
                        expected: "a string",
                        found: type_name(other),
                    })
                }
            }
        } else {
            let (field, name) = NAME_KEYS
                .iter()
                .find_map(|k| map.get(*k).and_then(Value::as_str).map(|s| (*k, s)))
                .ok_or(IngestError::NoName)?;
            let dialect = if name.starts_with("job.lifecycle.") || name.starts_with("job.module.") {
                Dialect::Orchestrator
            } else if ["task.", "step.", "workflow.", "observability."]
                .iter()
                .any(|p| name.starts_with(p))
            {
                Dialect::Tasker
            } else {
                return Err(IngestError::UnknownDialect {
                    field,
                    name: name.to_string(),
                });
            };
            (name, dialect)
        };
        let timestamp = timestamp(map.get("timestamp"))?;
        Ok(Input {
            value,
            map,
            name,
            dialect,
            timestamp,
        })
    }

    pub fn get(&self, key: &str) -> Option<&'v Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn opt_str(&self, key: &'static str) -> Result<Option<&'v str>, IngestError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(IngestError::WrongType {
                field: key,
                expected: "a string",
                found: type_name(other),
            }),
        }
    }

    pub fn str(&self, key: &'static str) -> Result<&'v str, IngestError> {
        self.opt_str(key)?.ok_or_else(|| IngestError::Missing {
            field: key,
            event: self.name.to_string(),
        })
    }

    /// A string or number identifier (Tasker and orchestrator ids may be numbers).
    pub fn opt_id(&self, key: &'static str) -> Result<Option<Cow<'v, str>>, IngestError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(Cow::Borrowed(s))),
            Some(Value::Number(n)) => Ok(Some(Cow::Owned(n.to_string()))),
            Some(other) => Err(IngestError::WrongType {
                field: key,
                expected: "a string or number id",
                found: type_name(other),
            }),
        }
    }

    pub fn id(&self, key: &'static str) -> Result<Cow<'v, str>, IngestError> {
        self.opt_id(key)?.ok_or_else(|| IngestError::Missing {
            field: key,
            event: self.name.to_string(),
        })
    }

    pub fn opt_bool(&self, key: &'static str) -> Result<bool, IngestError> {
        match self.get(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(IngestError::WrongType {
                field: key,
                expected: "a boolean",
                found: type_name(other),
            }),
        }
    }

    pub fn opt_number(&self, key: &'static str) -> Result<Option<f64>, IngestError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64().filter(|f| f.is_finite())),
            Some(other) => Err(IngestError::WrongType {
                field: key,
                expected: "a number",
                found: type_name(other),
            }),
        }
    }

    pub fn opt_strings(&self, key: &'static str) -> Result<Vec<String>, IngestError> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(IngestError::WrongType {
                        field: key,
                        expected: "an array of strings",
                        found: type_name(other),
                    }),
                })
                .collect(),
            Some(other) => Err(IngestError::WrongType {
                field: key,
                expected: "an array of strings",
                found: type_name(other),
            }),
        }
    }

    /// An optional instant under another key (`started_at`, `completed_at`).
    pub fn opt_instant(&self, key: &'static str) -> Result<Option<Timestamp>, IngestError> {
        timestamp(self.get(key)).map_err(|e| match e {
            IngestError::Timestamp(reason) => IngestError::Instant { field: key, reason },
            IngestError::WrongType {
                expected, found, ..
            } => IngestError::WrongType {
                field: key,
                expected,
                found,
            },
            other => other,
        })
    }

    /// An optional duration, given in `unit_ms` milliseconds per unit (1 for
    /// `duration_ms`, 1000 for Tasker's `execution_duration` in seconds), clamped
    /// to [0, the span of representable instants] so no arithmetic on it can
    /// overflow.
    pub fn opt_duration(
        &self,
        key: &'static str,
        unit_ms: f64,
    ) -> Result<Option<i64>, IngestError> {
        const MAX: f64 = (crate::time::MAX_MS - crate::time::MIN_MS) as f64;
        Ok(self
            .opt_number(key)?
            .map(|v| (v * unit_ms).round().clamp(0.0, MAX) as i64))
    }
}

fn timestamp(v: Option<&Value>) -> Result<Option<Timestamp>, IngestError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .ok_or(IngestError::Timestamp(TimestampError::NotFinite))
            .and_then(|ms| Timestamp::from_millis_f64(ms).map_err(IngestError::Timestamp))
            .map(Some),
        Some(Value::String(s)) => Timestamp::parse_iso(s)
            .map(Some)
            .map_err(IngestError::Timestamp),
        Some(other) => Err(IngestError::WrongType {
            field: "timestamp",
            expected: "an ISO-8601 string or epoch milliseconds",
            found: type_name(other),
        }),
    }
}
