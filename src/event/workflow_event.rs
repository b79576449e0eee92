//! The canonical workflow event vocabulary (swamp's `WorkflowRunEvent`), typed.

use std::borrow::Cow;

use super::error::EventError;
use super::field::Field;
use super::raw::{RawEvent, RawFields};
use super::scan::scan_object;
use crate::ndjson::DEFAULT_MAX_DEPTH;
use crate::time::Timestamp;

/// An event with its optional observation instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Event<'a> {
    /// When the event happened, if the event says so (`timestamp`: ISO-8601 or
    /// epoch ms). A recorded log with timestamps replays deterministically.
    pub timestamp: Option<Timestamp>,
    pub kind: WorkflowEvent<'a>,
}

/// The kinds the bridge acts on; every other kind is `Other` and ignored.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkflowEvent<'a> {
    Started(Started<'a>),
    /// `step_started`: a step began; one that then runs no method (a
    /// workflow-task step) may host a nested run.
    StepStarted(StepRef<'a>),
    ModelResolved(ModelResolved<'a>),
    MethodExecuting(MethodExecuting<'a>),
    StepCompleted(StepCompleted<'a>),
    StepFailed(StepFailed<'a>),
    /// `step_skipped`.
    StepSkipped(StepRef<'a>),
    /// `completed` or `error`: a run ended.
    Ended(Ended<'a>),
    /// Any other kind (`job_started`, `method_output`, ...).
    Other {
        kind: Cow<'a, str>,
    },
}

/// The end of a run: `completed`, or `error` (a run that failed outside its
/// steps: cancelled, timed out, or thrown). Without `runId`, the root run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended<'a> {
    /// `true` for `error`.
    pub error: bool,
    pub run_id: Option<Cow<'a, str>>,
}

/// Which step an event is about. `run_id` is the optional extension that
/// scopes step events to a (possibly nested) run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRef<'a> {
    pub run_id: Option<Cow<'a, str>>,
    pub job_id: Cow<'a, str>,
    pub step_id: Cow<'a, str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started<'a> {
    pub run_id: Cow<'a, str>,
    pub workflow_name: Cow<'a, str>,
    /// The run this one is nested in (extension): nesting without a
    /// workflow-task step to infer it from.
    pub parent_run_id: Option<Cow<'a, str>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelResolved<'a> {
    pub step: StepRef<'a>,
    pub model_type: Cow<'a, str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodExecuting<'a> {
    pub step: StepRef<'a>,
    pub model_name: Option<Cow<'a, str>>,
    pub method_name: Cow<'a, str>,
    pub driver: Option<Cow<'a, str>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepCompleted<'a> {
    pub step: StepRef<'a>,
    pub executor: Option<Cow<'a, str>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFailed<'a> {
    pub step: StepRef<'a>,
    pub error: Cow<'a, str>,
    /// Error class name (extension, W6); `Error` when absent.
    pub error_type: Option<Cow<'a, str>>,
    /// The failure was the user's (extension, W6): status `user_error`.
    pub user_error: bool,
    /// Recorded as an error all the same; kept for consumers other than the bridge.
    pub allowed_failure: bool,
    pub model_name: Option<Cow<'a, str>>,
    pub method_name: Option<Cow<'a, str>>,
    pub driver: Option<Cow<'a, str>>,
}

impl<'a> WorkflowEvent<'a> {
    /// The `kind` discriminant.
    pub fn kind_name(&self) -> &str {
        match self {
            WorkflowEvent::Started(_) => "started",
            WorkflowEvent::StepStarted(_) => "step_started",
            WorkflowEvent::ModelResolved(_) => "model_resolved",
            WorkflowEvent::MethodExecuting(_) => "method_executing",
            WorkflowEvent::StepCompleted(_) => "step_completed",
            WorkflowEvent::StepFailed(_) => "step_failed",
            WorkflowEvent::StepSkipped(_) => "step_skipped",
            WorkflowEvent::Ended(e) if e.error => "error",
            WorkflowEvent::Ended(_) => "completed",
            WorkflowEvent::Other { kind } => kind,
        }
    }
}

/// The fields [`Event::from_fields`] reads of each kind it acts on, beyond
/// `kind` and `timestamp`; any other kind is [`WorkflowEvent::Other`] whatever
/// its other fields hold. So a reader may skip every other field, and
/// `observe(event)` does (a `step_started` is then 5 getters, not 16). Held
/// to `from_fields` by a test: a wrong-typed field is refused exactly when it
/// is listed here.
pub const KIND_FIELDS: [(&str, &[&str]); 9] = [
    ("started", &["runId", "workflowName", "parentRunId"]),
    ("step_started", STEP),
    ("step_skipped", STEP),
    ("completed", &["runId"]),
    ("error", &["runId"]),
    ("model_resolved", &["runId", "jobId", "stepId", "modelType"]),
    (
        "method_executing",
        &[
            "runId",
            "jobId",
            "stepId",
            "modelName",
            "methodName",
            "driver",
        ],
    ),
    ("step_completed", &["runId", "jobId", "stepId", "executor"]),
    (
        "step_failed",
        &[
            "runId",
            "jobId",
            "stepId",
            "error",
            "errorType",
            "userError",
            "allowedFailure",
            "modelName",
            "methodName",
            "driver",
        ],
    ),
];

/// What [`Validator::step`] reads.
const STEP: &[&str] = &["runId", "jobId", "stepId"];

impl<'a> Event<'a> {
    /// Reads one event from JSON text, borrowing strings from it where possible:
    /// the fast scanner for plain objects ([`scan`](super::scan)), serde_json
    /// for anything else, so every error is serde_json's.
    pub fn from_json(text: &'a str) -> Result<Self, ParseError> {
        let mut fields = RawFields::default();
        if scan_object(text, DEFAULT_MAX_DEPTH, &mut fields).is_some() {
            return Event::from_fields(&mut fields).map_err(ParseError::Event);
        }
        Event::from_json_serde(text)
    }

    /// [`from_json`](Self::from_json) through serde_json alone: the reference
    /// the fast scanner is tested against.
    pub fn from_json_serde(text: &'a str) -> Result<Self, ParseError> {
        let raw: RawEvent<'a> = serde_json::from_str(text).map_err(ParseError::Json)?;
        Event::from_raw(raw).map_err(ParseError::Event)
    }

    /// Validates a leniently read event: the fields its kind needs must be present
    /// with the right types; fields present with a wrong type are refused even when
    /// optional, so that nothing is half-understood.
    pub fn from_raw(raw: RawEvent<'a>) -> Result<Self, EventError> {
        match raw {
            RawEvent::Object(mut r) => Event::from_fields(&mut r),
            RawEvent::NotAnObject(found) => Err(EventError::NotAnObject { found }),
        }
    }

    /// [`from_raw`](Self::from_raw) for an object's fields, taking the ones it
    /// uses out of `r` (by reference: the fields are a few hundred bytes, and
    /// this runs once per event).
    pub fn from_fields(r: &mut RawFields<'a>) -> Result<Self, EventError> {
        let kind = match r.kind.take() {
            None | Some(Field::Null) => {
                return Err(EventError::Missing {
                    field: "kind",
                    kind: "(none)".into(),
                })
            }
            Some(Field::Str(k)) => k,
            Some(other) => {
                return Err(EventError::WrongType {
                    field: "kind",
                    expected: "a string",
                    found: other.json_type(),
                })
            }
        };
        let timestamp = timestamp(r.timestamp.take())?;
        let v = Validator { kind: &kind };
        let kind = match kind.as_ref() {
            "started" => WorkflowEvent::Started(Started {
                run_id: v.required("runId", r.run_id.take())?,
                workflow_name: v.required("workflowName", r.workflow_name.take())?,
                parent_run_id: v.optional("parentRunId", r.parent_run_id.take())?,
            }),
            "step_started" => WorkflowEvent::StepStarted(v.step(r)?),
            "step_skipped" => WorkflowEvent::StepSkipped(v.step(r)?),
            "completed" | "error" => WorkflowEvent::Ended(Ended {
                error: kind == "error",
                run_id: v.optional("runId", r.run_id.take())?,
            }),
            "model_resolved" => WorkflowEvent::ModelResolved(ModelResolved {
                step: v.step(r)?,
                model_type: v.required("modelType", r.model_type.take())?,
            }),
            "method_executing" => WorkflowEvent::MethodExecuting(MethodExecuting {
                step: v.step(r)?,
                model_name: v.optional("modelName", r.model_name.take())?,
                method_name: v.required("methodName", r.method_name.take())?,
                driver: v.optional("driver", r.driver.take())?,
            }),
            "step_completed" => WorkflowEvent::StepCompleted(StepCompleted {
                step: v.step(r)?,
                executor: v.optional("executor", r.executor.take())?,
            }),
            "step_failed" => WorkflowEvent::StepFailed(StepFailed {
                step: v.step(r)?,
                error: v.required("error", r.error.take())?,
                error_type: v.optional("errorType", r.error_type.take())?,
                user_error: v.flag("userError", r.user_error.take())?,
                allowed_failure: v.flag("allowedFailure", r.allowed_failure.take())?,
                model_name: v.optional("modelName", r.model_name.take())?,
                method_name: v.optional("methodName", r.method_name.take())?,
                driver: v.optional("driver", r.driver.take())?,
            }),
            _ => WorkflowEvent::Other { kind },
        };
        Ok(Event { timestamp, kind })
    }
}

/// An event line that could not be used: not JSON, or not a valid event.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("invalid JSON: {0}")]
    Json(serde_json::Error),
    #[error(transparent)]
    Event(EventError),
}

impl ParseError {
    /// The field at fault, when the JSON parsed but a field was wrong.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ParseError::Json(_) => None,
            ParseError::Event(e) => Some(e.field()),
        }
    }
}

fn timestamp(f: Option<Field<'_>>) -> Result<Option<Timestamp>, EventError> {
    match f {
        None | Some(Field::Null) => Ok(None),
        Some(Field::Number(ms)) => Timestamp::from_millis_f64(ms)
            .map(Some)
            .map_err(|reason| EventError::Timestamp { reason }),
        Some(Field::Str(s)) => Timestamp::parse_iso(&s)
            .map(Some)
            .map_err(|reason| EventError::Timestamp { reason }),
        Some(other) => Err(EventError::WrongType {
            field: "timestamp",
            expected: "an ISO-8601 string or epoch milliseconds",
            found: other.json_type(),
        }),
    }
}

struct Validator<'k> {
    kind: &'k str,
}

impl Validator<'_> {
    fn required<'a>(
        &self,
        field: &'static str,
        f: Option<Field<'a>>,
    ) -> Result<Cow<'a, str>, EventError> {
        self.optional(field, f)?.ok_or_else(|| EventError::Missing {
            field,
            kind: self.kind.to_string(),
        })
    }

    fn optional<'a>(
        &self,
        field: &'static str,
        f: Option<Field<'a>>,
    ) -> Result<Option<Cow<'a, str>>, EventError> {
        match f {
            None | Some(Field::Null) => Ok(None),
            Some(Field::Str(s)) => Ok(Some(s)),
            Some(other) => Err(EventError::WrongType {
                field,
                expected: "a string",
                found: other.json_type(),
            }),
        }
    }

    fn flag(&self, field: &'static str, f: Option<Field<'_>>) -> Result<bool, EventError> {
        match f {
            None | Some(Field::Null) => Ok(false),
            Some(Field::Bool(b)) => Ok(b),
            Some(other) => Err(EventError::WrongType {
                field,
                expected: "a boolean",
                found: other.json_type(),
            }),
        }
    }

    fn step<'a>(&self, r: &mut RawFields<'a>) -> Result<StepRef<'a>, EventError> {
        Ok(StepRef {
            run_id: self.optional("runId", r.run_id.take())?,
            job_id: self.required("jobId", r.job_id.take())?,
            step_id: self.required("stepId", r.step_id.take())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// KIND_FIELDS says which fields each kind reads: with every field
    /// valid, each kind (and kinds outside the list) reads; one field made a
    /// number where a string or boolean belongs is refused exactly when the
    /// list names it for that kind.
    #[test]
    fn kind_fields_are_the_fields_each_kind_reads() {
        use crate::event::FIELD_NAMES;
        let flags = ["userError", "allowedFailure"];
        let valid = |name: &str| {
            if flags.contains(&name) {
                "true"
            } else {
                "\"x\""
            }
        };
        let kinds = KIND_FIELDS.iter().map(|(k, f)| (*k, *f));
        for (kind, reads) in kinds.chain([("method_output", &[][..]), ("x", &[][..])]) {
            let event = |wrong: Option<&str>| {
                let mut text = format!(r#"{{"kind":"{kind}","timestamp":1"#);
                for name in &FIELD_NAMES[2..] {
                    let value = if Some(*name) == wrong {
                        "5"
                    } else {
                        valid(name)
                    };
                    text.push_str(&format!(r#","{name}":{value}"#));
                }
                text + "}"
            };
            assert!(Event::from_json(&event(None)).is_ok(), "{kind}");
            for name in &FIELD_NAMES[2..] {
                let text = event(Some(name));
                let read = Event::from_json(&text);
                assert_eq!(
                    read.is_err(),
                    reads.contains(name),
                    "{kind}.{name}: {read:?}"
                );
            }
        }
    }
}
