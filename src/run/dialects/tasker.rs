//! The Tasker dialect: `task.*` (a task is a run), `step.*` (its steps, with
//! retries as attempts), and the `workflow.*` / `observability.*` events that
//! imply a state. States are tasker-core's names ([`tasker_states`]); Rails
//! names are mapped onto them. Payload fields are Rails Tasker's
//! (`EventPayloadBuilder`): `task_id`, `task_name`, `step_name`,
//! `attempt_number`, `execution_duration` (seconds), `error_message`,
//! `exception_class`, `step_inputs`, `step_results`, `step_dependencies`,
//! `task_context`, `correlation_id`.
//!
//! An event's payload (inputs, results, context) is kept only when the event
//! itself is applied: a refused or repeated event changes nothing.

use std::borrow::Cow;

use super::tasker_states::{self as ts, Entity, StepState, TaskState};
use crate::run::core::RunModelCore;
use crate::run::input::{IngestError, Input};
use crate::run::lifecycle::{judge, Machine, RunMachine, States, StepMachine, Unlisted, Verdict};
use crate::run::model::{Dialect, Failure, FailureClass, Milestone, Run};
use crate::run::slot::{Move, RunSlot};
use crate::run::status::{RunStatus, StepStatus};
use crate::time::Timestamp;

/// Retries beyond this are not believed: an `attempt_number` of 10^12 must not
/// allocate 10^12 attempts.
const MAX_ATTEMPT_JUMP: u32 = 1;

/// Everything an event says, validated and redacted before the model is touched.
struct Payload<'v> {
    task_name: Option<&'v str>,
    attempt_number: Option<u32>,
    execution_ms: Option<i64>,
    started_at: Option<Timestamp>,
    completed_at: Option<Timestamp>,
    error_message: Option<String>,
    exception_class: Option<String>,
    dependencies: Vec<String>,
    correlation: Option<&'v str>,
    parent_correlation: Option<&'v str>,
    reason: Option<String>,
    inputs: Option<serde_json::Value>,
    results: Option<serde_json::Value>,
    context: Option<serde_json::Value>,
}

/// The Tasker dialect: `task.*`, `step.*`, `workflow.*` and
/// `observability.*` names.
pub(super) const SPEC: super::Spec = super::Spec {
    dialect: Dialect::Tasker,
    name: "tasker",
    events: "task.*, step.*, workflow.* or observability.*",
    recognise: |input| {
        Ok(input.event_name().map(|(_, n)| n).filter(|n| {
            ["task.", "step.", "workflow.", "observability."]
                .iter()
                .any(|p| n.starts_with(p))
        }))
    },
    ingest,
};

/// What reaching a task state means: its `pending` is the enqueue, its
/// first working states the start.
fn milestone(state: &str) -> Option<Milestone> {
    if state == ts::task::PENDING {
        return Some(Milestone::Enqueued);
    }
    if state == ts::task::INITIALIZING || state == ts::task::STEPS_IN_PROCESS {
        return Some(Milestone::Started);
    }
    Some(match ts::run_status(state) {
        RunStatus::Completed => Milestone::Completed,
        RunStatus::Failed => Milestone::Failed,
        RunStatus::Cancelled => Milestone::Cancelled,
        _ => return None,
    })
}

pub(super) fn ingest(
    core: &mut RunModelCore,
    input: &Input<'_>,
    line: Option<usize>,
) -> Result<(), IngestError> {
    let name = input.name;
    let task_id = match input.opt_id("task_id")? {
        Some(id) => Some(id),
        None => input.opt_id("task_uuid")?,
    };
    let step_label = input
        .opt_str("step_name")?
        .map(Cow::Borrowed)
        .or(input.opt_id("step_id")?)
        .or(input.opt_id("step_uuid")?);
    let f = &core.filter;
    let mut p = Payload {
        task_name: input.opt_str("task_name")?.filter(|n| !n.is_empty()),
        attempt_number: input
            .opt_number("attempt_number")?
            .map(|n| n.clamp(1.0, u32::MAX as f64) as u32),
        execution_ms: input
            .opt_duration("execution_duration", 1000.0)?
            .filter(|d| *d > 0),
        started_at: input.opt_instant("started_at")?,
        completed_at: input.opt_instant("completed_at")?,
        error_message: input
            .opt_str("error_message")?
            .map(|m| f.redact_text(first_line(m))),
        exception_class: input.opt_str("exception_class")?.map(|c| f.redact_text(c)),
        dependencies: input.opt_strings("step_dependencies")?,
        correlation: input.opt_str("correlation_id")?,
        parent_correlation: input.opt_str("parent_correlation_id")?,
        reason: input
            .opt_str("retry_reason")?
            .or(input.opt_str("cancellation_reason")?)
            .or(input.opt_str("reason")?)
            .map(|r| f.redact_text(r)),
        inputs: input.get("step_inputs")?.map(|v| f.redact_value(&v)),
        results: input.get("step_results")?.map(|v| f.redact_value(&v)),
        context: input.get("task_context")?.map(|v| f.redact_value(&v)),
    };
    let entity = ts::event_entity(name);
    // Only events that move a task or a step need one; batch and informational
    // events (`workflow.steps_execution_started`, `step.before_transition`) do not.
    let moves_task = entity == Some(Entity::Task) && ts::target_state(Entity::Task, name).is_some();
    let moves_step = entity == Some(Entity::Step) && ts::target_state(Entity::Step, name).is_some();
    let Some(task_id) = task_id else {
        if moves_task || moves_step {
            return Err(IngestError::Missing {
                field: "task_id",
                event: name.to_string(),
            });
        }
        return Ok(()); // about no task: nothing to place
    };
    if moves_step && step_label.is_none() {
        return Err(IngestError::Missing {
            field: "step_name",
            event: name.to_string(),
        });
    }
    let at = input.timestamp.or(core.last_at);

    let slot = core.run_slot(Dialect::Tasker, &task_id, || {
        Run::new(
            task_id.to_string(),
            Dialect::Tasker,
            String::new(),
            ts::task::PENDING,
            RunStatus::Pending,
        )
    });
    if let (Some(n), true) = (p.task_name, slot.run.name.is_empty()) {
        slot.run.name = n.to_string();
    }
    if let Some(c) = p.correlation {
        slot.run.correlation_id.get_or_insert_with(|| c.to_string());
    }
    if let Some(c) = p.parent_correlation {
        slot.run
            .parent_correlation_id
            .get_or_insert_with(|| c.to_string());
    }
    if moves_step {
        step_event(
            slot,
            name,
            &step_label.unwrap_or_default(),
            &task_id,
            &mut p,
            at,
            line,
        );
    } else if moves_task {
        task_event(slot, name, &task_id, &mut p, at, line);
    } else if p.context.is_some() && !slot.run.status.is_terminal() {
        slot.run.context = p.context;
    }
    Ok(())
}

fn task_event(
    slot: &mut RunSlot,
    name: &str,
    task_id: &str,
    p: &mut Payload<'_>,
    at: Option<Timestamp>,
    line: Option<usize>,
) {
    let current = (!slot.run.transitions.is_empty()).then(|| slot.run.state.clone());
    let to = ts::resolve_target_state(Entity::Task, current.as_deref(), name);
    let Some(to) = to.and_then(TaskState::parse) else {
        return;
    };
    let mv = Move {
        event: name,
        to_state: to.as_str(),
        reason: p.reason.clone(),
        at,
        line,
        anew: false,
    };
    if current.is_none() && to.is_terminal() {
        let msg = format!("task {task_id} reached {} before it started", to.as_str());
        slot.violation(&mv, None, None, msg);
    }
    if !slot.move_run(&mv, to) {
        return;
    }
    let status = to.run_status();
    if p.context.is_some() {
        slot.run.context = p.context.take();
    }
    match status {
        RunStatus::Pending | RunStatus::Queued => {
            slot.run.queued_at = slot.run.queued_at.or(at);
            reopen(slot);
        }
        RunStatus::Running | RunStatus::Waiting => {
            slot.run.started_at = slot.run.started_at.or(at);
            reopen(slot);
        }
        RunStatus::Completed | RunStatus::Failed | RunStatus::Cancelled | RunStatus::Abandoned => {
            slot.run.ended_at = p.completed_at.or(at);
            slot.run.error = match status {
                RunStatus::Completed => None,
                _ => {
                    let cancelled = status == RunStatus::Cancelled;
                    let class = crate::run::lifecycle::run_failure_class(&slot.run, cancelled);
                    let message = p
                        .error_message
                        .clone()
                        .or(p.reason.clone())
                        .unwrap_or_default();
                    Some(Failure {
                        class,
                        error_type: p.exception_class.clone(),
                        message,
                        allowed: false,
                    })
                }
            };
        }
    }
}

impl States for TaskState {
    fn as_str(self) -> &'static str {
        TaskState::as_str(self)
    }
    /// Either engine's spelling ([`TaskState::parse`]).
    fn from_name(name: &str) -> Option<Self> {
        TaskState::parse(name)
    }
    fn order(self) -> u8 {
        self as u8
    }
}

impl States for StepState {
    fn as_str(self) -> &'static str {
        StepState::as_str(self)
    }
    fn from_name(name: &str) -> Option<Self> {
        StepState::parse(name)
    }
    fn order(self) -> u8 {
        self as u8
    }
}

impl Machine for TaskState {
    const NOUN: &'static str = "task";
    const ENGINE: &'static str = "Tasker";
    /// A task's first event may land it in any state (either engine's).
    const BORN: Option<Self> = None;
    const UNLISTED: Unlisted = Unlisted::Trust;

    fn allows(from: Option<Self>, to: Self) -> bool {
        from.is_none_or(|f| f.can_transition_to(to))
    }
    fn is_terminal(self) -> bool {
        TaskState::is_terminal(self)
    }
}

impl RunMachine for TaskState {
    fn status(self) -> RunStatus {
        self.run_status()
    }
    fn milestone(self) -> Option<Milestone> {
        milestone(self.as_str())
    }
}

impl Machine for StepState {
    const NOUN: &'static str = "step";
    const ENGINE: &'static str = "Tasker";
    const BORN: Option<Self> = None;
    const UNLISTED: Unlisted = Unlisted::Trust;

    /// Tasker's machine, except that a second `error` with no retry between
    /// is not a quiet repeat: a retry event was lost, and that is recorded.
    fn allows(from: Option<Self>, to: Self) -> bool {
        from.is_none_or(|f| f.can_transition_to(to) && !(f == to && f == StepState::Error))
    }
    fn is_terminal(self) -> bool {
        StepState::is_terminal(self)
    }
}

impl StepMachine for StepState {
    fn status(self) -> StepStatus {
        self.step_status()
    }
}

/// A task that left a terminal state (a retry after `error`) is no longer
/// ended or failed.
fn reopen(slot: &mut RunSlot) {
    slot.run.ended_at = None;
    slot.run.error = None;
}

fn step_event(
    slot: &mut RunSlot,
    name: &str,
    label: &str,
    task_id: &str,
    p: &mut Payload<'_>,
    at: Option<Timestamp>,
    line: Option<usize>,
) {
    let probe_to = ts::target_state(Entity::Step, name).unwrap_or("(none)");
    if slot.run.status.is_terminal() {
        let mv = Move {
            event: name,
            to_state: probe_to,
            reason: None,
            at,
            line,
            anew: false,
        };
        let msg = format!(
            "step {label} event after task {task_id} ended ({})",
            slot.run.state
        );
        slot.violation(&mv, Some(label), None, msg);
        return;
    }
    let fresh = slot.step_index(label).is_none();
    let idx = slot.step_at(label, || label.to_string(), "", label, ts::step::PENDING);
    let current = (!fresh && !slot.run.steps[idx].transitions.is_empty())
        .then(|| slot.run.steps[idx].state.clone());
    let to = ts::resolve_target_state(Entity::Step, current.as_deref(), name);
    let Some(to) = to.and_then(StepState::parse) else {
        return;
    };
    let mv = Move {
        event: name,
        to_state: to.as_str(),
        reason: p.reason.clone(),
        at,
        line,
        anew: false,
    };
    let from = current.as_deref().and_then(StepState::parse);
    let status = to.step_status();
    if judge(from, to) == Verdict::Apply
        && status == StepStatus::Completed
        && !slot.run.steps[idx]
            .transitions
            .iter()
            .any(|t| t.to == ts::step::IN_PROGRESS)
    {
        // Kept (the step did complete), and flagged: it never ran.
        let msg = format!("step {label} completed before it started");
        slot.violation(&mv, Some(label), current.as_deref(), msg);
    }
    if !slot.move_step(idx, &mv, to) {
        return;
    }
    let (from, to) = (current.as_deref(), to.as_str());
    let step = &mut slot.run.steps[idx];
    if !p.dependencies.is_empty() {
        step.depends_on = std::mem::take(&mut p.dependencies);
    }
    if p.inputs.is_some() {
        step.inputs = p.inputs.take();
    }
    if p.results.is_some() {
        step.results = p.results.take();
    }
    if ts::starts_new_attempt(from, to) && !step.attempts.is_empty() {
        step.new_attempt();
    }
    // An attempt number may open the next attempt, never a run of empty ones.
    let known = step.attempts.len() as u32;
    if let Some(n) = p.attempt_number {
        if n > known && n <= known + MAX_ATTEMPT_JUMP && known > 0 {
            step.new_attempt();
        }
    }
    let attempt = step.attempt_mut();
    // Waiting for a retry is the step's state; the failed attempt stays failed.
    if status != StepStatus::Retrying {
        attempt.status = status;
    }
    match status {
        StepStatus::Pending | StepStatus::Queued => attempt.queued_at = attempt.queued_at.or(at),
        StepStatus::Running => attempt.started_at = attempt.started_at.or(p.started_at.or(at)),
        StepStatus::Retrying => {}
        _ => {
            let end = p.completed_at.or(at);
            attempt.ended_at = end;
            if attempt.started_at.is_none() {
                attempt.started_at = p.started_at;
            }
            attempt.duration_ms = p.execution_ms.or(match (attempt.started_at, end) {
                (Some(s), Some(e)) => Some(e.millis_since(s)),
                _ => None,
            });
            if status == StepStatus::Failed {
                attempt.error = Some(Failure {
                    class: FailureClass::Method,
                    error_type: Some(
                        p.exception_class
                            .clone()
                            .unwrap_or_else(|| "StandardError".into()),
                    ),
                    message: p.error_message.clone().unwrap_or_default(),
                    allowed: false,
                });
            }
        }
    }
    let attempt = attempt.clone();
    step.started_at = step.started_at.or(attempt.started_at);
    if status.is_terminal() {
        step.ended_at = attempt.ended_at;
        step.error = attempt.error;
    } else {
        step.ended_at = None;
        step.error = None;
    }
}

fn first_line(s: &str) -> &str {
    s.split(['\n', '\r']).next().unwrap_or("")
}
