//! `EntryRef`: an entry whose text is borrowed, the form the JSON writer reads.
//!
//! Why: the bridge's batch path writes an entry as JSON the moment it closes,
//! and building an owned [`TelemetryEntry`] first cost about a dozen
//! allocations per entry (the parent's versions, platform and context, copied
//! onto every child, and the fixed `model method run` invocation), each freed
//! again once the line was written. The bridge lends those values instead.
//! Where an owned entry is handed out (the native `observe`, and the run
//! model), the bridge builds it from the same closed invocation, moving the
//! step's own strings; a property test holds the two forms to the same bytes,
//! and [`EntryRef::to_entry`] is the owned copy of any borrowed entry.

use super::{
    CommandInvocation, InvocationContext, InvocationResult, TelemetryEntry, WorkflowContext,
};
use crate::time::Timestamp;

/// What an entry records as run.
#[derive(Debug, Clone, Copy)]
pub enum InvocationRef<'a> {
    Command(&'a CommandInvocation),
    /// [`CommandInvocation::model_method_run`] of this (already scrubbed)
    /// method name: the invocation of every bridge entry.
    ModelMethodRun(&'a str),
}

/// [`WorkflowContext`], borrowed.
#[derive(Debug, Clone, Copy)]
pub struct WorkflowContextRef<'a> {
    pub workflow_name: &'a str,
    pub run_id: &'a str,
    pub job_name: &'a str,
    pub step_name: &'a str,
    pub model_type: Option<&'a str>,
    pub driver: Option<&'a str>,
    pub executor: Option<&'a str>,
}

/// [`TelemetryEntry`], borrowed. Whoever builds one applies the wire rules
/// [`TelemetryEntry::create`] applies: a completion no earlier than the start,
/// `duration_ms` between the two, no empty parent id.
#[derive(Debug, Clone, Copy)]
pub struct EntryRef<'a> {
    pub id: &'a str,
    pub invocation: InvocationRef<'a>,
    pub result: &'a InvocationResult,
    pub started_at: Timestamp,
    pub completed_at: Timestamp,
    pub duration_ms: i64,
    pub swamp_version: &'a str,
    pub deno_version: &'a str,
    pub platform: &'a str,
    pub invocation_context: Option<&'a InvocationContext>,
    pub parent_invocation_id: Option<&'a str>,
    pub workflow_context: Option<WorkflowContextRef<'a>>,
}

/// The completion instant and duration `create` records: a completion before
/// the start moves to the start, so no entry has a negative duration (W12).
pub(crate) fn span(started_at: Timestamp, completed_at: Timestamp) -> (Timestamp, i64) {
    let completed_at = completed_at.max(started_at);
    (completed_at, completed_at.millis_since(started_at))
}

/// An empty parent id means no parent: the key is omitted (the "truthy" rule).
pub(crate) fn parent(id: Option<&str>) -> Option<&str> {
    id.filter(|s| !s.is_empty())
}

impl<'a> EntryRef<'a> {
    /// The owned entry with the same values.
    pub fn to_entry(&self) -> TelemetryEntry {
        let owned = |s: Option<&str>| s.map(str::to_string);
        TelemetryEntry {
            id: self.id.to_string(),
            invocation: match self.invocation {
                InvocationRef::Command(c) => c.clone(),
                InvocationRef::ModelMethodRun(method) => {
                    CommandInvocation::model_method_run(method)
                }
            },
            result: self.result.clone(),
            started_at: self.started_at,
            completed_at: self.completed_at,
            duration_ms: self.duration_ms,
            swamp_version: self.swamp_version.to_string(),
            deno_version: self.deno_version.to_string(),
            platform: self.platform.to_string(),
            invocation_context: self.invocation_context.cloned(),
            parent_invocation_id: owned(self.parent_invocation_id),
            workflow_context: self.workflow_context.map(|w| WorkflowContext {
                workflow_name: w.workflow_name.to_string(),
                run_id: w.run_id.to_string(),
                job_name: w.job_name.to_string(),
                step_name: w.step_name.to_string(),
                model_type: owned(w.model_type),
                driver: owned(w.driver),
                executor: owned(w.executor),
            }),
        }
    }
}

impl TelemetryEntry {
    /// The entry, borrowed.
    pub fn as_entry_ref(&self) -> EntryRef<'_> {
        let opt = Option::as_deref;
        EntryRef {
            id: &self.id,
            invocation: InvocationRef::Command(&self.invocation),
            result: &self.result,
            started_at: self.started_at,
            completed_at: self.completed_at,
            duration_ms: self.duration_ms,
            swamp_version: &self.swamp_version,
            deno_version: &self.deno_version,
            platform: &self.platform,
            invocation_context: self.invocation_context.as_ref(),
            parent_invocation_id: opt(&self.parent_invocation_id),
            workflow_context: self.workflow_context.as_ref().map(WorkflowContext::as_ref),
        }
    }
}

impl WorkflowContext {
    /// The context, borrowed.
    pub fn as_ref(&self) -> WorkflowContextRef<'_> {
        let opt = Option::as_deref;
        WorkflowContextRef {
            workflow_name: &self.workflow_name,
            run_id: &self.run_id,
            job_name: &self.job_name,
            step_name: &self.step_name,
            model_type: opt(&self.model_type),
            driver: opt(&self.driver),
            executor: opt(&self.executor),
        }
    }
}
