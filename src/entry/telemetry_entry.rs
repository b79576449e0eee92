//! `TelemetryEntry`: one `cli_invocation` record, wire-compatible with swamp's.

use serde_json::Value;

use super::decode::{DecodeError, Fields};
use super::{CommandInvocation, InvocationContext, InvocationResult, WorkflowContext};
use crate::time::Timestamp;

/// An entry. Field order is the serialisation order of the wire format; absent
/// optional fields are omitted, never written as `null`.
///
/// Build one with [`TelemetryEntry::create`] (which applies the wire rules) or
/// [`TelemetryEntry::from_data`] (which validates stored data); serialise it with
/// serde (`serde_json::to_string(&entry)`), which is `toData()` and writes
/// what [`TelemetryEntry::write_json`] writes (the one writer, `json_text.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelemetryEntry {
    pub id: String,
    pub invocation: CommandInvocation,
    pub result: InvocationResult,
    pub started_at: Timestamp,
    pub completed_at: Timestamp,
    pub duration_ms: i64,
    pub swamp_version: String,
    pub deno_version: String,
    pub platform: String,
    pub invocation_context: Option<InvocationContext>,
    pub parent_invocation_id: Option<String>,
    pub workflow_context: Option<WorkflowContext>,
}

/// What `create` needs; the entry's derived fields come from it.
#[derive(Debug, Clone)]
pub struct EntryProps {
    pub id: String,
    pub invocation: CommandInvocation,
    pub result: InvocationResult,
    pub started_at: Timestamp,
    pub completed_at: Timestamp,
    pub swamp_version: String,
    pub deno_version: String,
    pub platform: String,
    pub invocation_context: Option<InvocationContext>,
    pub parent_invocation_id: Option<String>,
    pub workflow_context: Option<WorkflowContext>,
}

impl TelemetryEntry {
    /// Builds an entry: `durationMs` is computed from the two instants, and an
    /// instant before the start is moved to the start, so that an entry never
    /// has a negative duration nor a completion before its start (W12). An empty
    /// `parentInvocationId` is dropped.
    pub fn create(props: EntryProps) -> Self {
        let (completed_at, duration_ms) =
            super::entry_ref::span(props.started_at, props.completed_at);
        TelemetryEntry {
            id: props.id,
            invocation: props.invocation,
            result: props.result,
            started_at: props.started_at,
            completed_at,
            duration_ms,
            swamp_version: props.swamp_version,
            deno_version: props.deno_version,
            platform: props.platform,
            invocation_context: props.invocation_context,
            parent_invocation_id: props.parent_invocation_id.filter(|s| !s.is_empty()),
            workflow_context: props.workflow_context,
        }
    }

    /// Decodes stored or received entry data (`fromData`). Legacy entries without
    /// `invocationContext`, `parentInvocationId` or `workflowContext` decode with
    /// those absent. `durationMs` is trusted as stored, not recomputed. Unknown
    /// keys are ignored. The first invalid field fails the whole decode, with its
    /// path in the error.
    pub fn from_data(value: &Value) -> Result<Self, DecodeError> {
        let f = Fields::new(value, "")?;
        let id = f.string("id")?;
        if id.is_empty() {
            return Err(DecodeError {
                path: "id".into(),
                expected: "a non-empty string".into(),
                found: "string",
            });
        }
        Ok(TelemetryEntry {
            id,
            invocation: CommandInvocation::from_data(
                f.required("invocation", "an object")?,
                "invocation",
            )?,
            result: InvocationResult::from_data(f.required("result", "an object")?, "result")?,
            started_at: timestamp(&f, "startedAt")?,
            completed_at: timestamp(&f, "completedAt")?,
            duration_ms: f.integer("durationMs")?,
            swamp_version: f.string("swampVersion")?,
            deno_version: f.string("denoVersion")?,
            platform: f.string("platform")?,
            invocation_context: match f.get("invocationContext") {
                Some(v) => Some(InvocationContext::from_data(v, "invocationContext")?),
                None => None,
            },
            parent_invocation_id: f.truthy_string("parentInvocationId")?,
            workflow_context: match f.get("workflowContext") {
                Some(v) => Some(WorkflowContext::from_data(v, "workflowContext")?),
                None => None,
            },
        })
    }

    /// The entry as one line of compact JSON, keys in wire order (`toData`).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn timestamp(f: &Fields<'_>, key: &str) -> Result<Timestamp, DecodeError> {
    const EXPECTED: &str = "an ISO-8601 UTC timestamp such as 2026-02-05T10:00:00.000Z";
    let v = f.required(key, EXPECTED)?;
    v.as_str()
        .and_then(|s| Timestamp::parse_iso(s).ok())
        .ok_or_else(|| DecodeError {
            path: f.path_of(key),
            expected: EXPECTED.into(),
            found: super::decode::type_name(v),
        })
}
