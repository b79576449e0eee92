//! The swamp dialect: workflow runs from canonical `kind` events.
//!
//! Run machine: running (at `started`) -> completed | failed | cancelled (at
//! `completed` or `error`). Step machine: pending -> running (`step_started`)
//! -> executing (`method_executing`) -> completed | failed | skipped; a
//! terminal step never moves again. A nested `started` (one that arrives while
//! a run is active) is a child of the innermost active run and of its running
//! workflow-task step; nested runs never send `completed`, so they end with the
//! step that ran them. Every event is also fed to a telemetry bridge per root
//! run, and each child entry is attached to its step (the bridge's logic is
//! reused, not repeated).

// foldhash, not SipHash: per-event lookups on short keys (as in the bridge).
use foldhash::HashMap;
use std::rc::Rc;

use super::input::{IngestError, Input};
use super::model::{Dialect, Failure, FailureClass, Job, Run};
use super::slot::{push_len, push_step_key, Move, RunSlot};
use super::status::{RunStatus, StepStatus};
use super::RunModelCore;
use crate::bridge::TelemetryBridge;
use crate::clock::Clock;
use crate::entry::TelemetryEntry;
use crate::event::WorkflowEvent;
use crate::ids::RandomIds;
use crate::time::Timestamp;

/// The bridge's clock inside the run model: the instant of the event being
/// ingested (its timestamp, or the latest instant seen).
#[derive(Clone, Default)]
pub struct EventClock(pub std::rc::Rc<std::cell::Cell<Option<Timestamp>>>);

impl Clock for EventClock {
    fn now(&mut self) -> Timestamp {
        self.0.get().unwrap_or(Timestamp::EPOCH)
    }
}

/// swamp-specific state of the model.
#[derive(Default)]
pub struct SwampState {
    /// Active runs, outermost first (shared, so reading the root is no copy).
    active: Vec<Rc<str>>,
    /// The latest root run, active or not: where step events without `runId`
    /// go once no run is active (they are then late, and recorded as such).
    last_root: Option<Rc<str>>,
    bridge: Option<TelemetryBridge>,
    clock: EventClock,
    /// Model names seen per (run, step), under [`names_key`]: never shown, only
    /// scrubbed from error text, as the bridge does for entries.
    model_names: HashMap<String, String>,
    /// Every model name seen (bounded), to scrub from events passed on raw.
    seen_models: std::collections::BTreeSet<String>,
    /// A buffer for the keys built per event, kept to reuse its allocation.
    scratch: String,
}

/// Model names remembered for scrubbing events passed on; beyond this many
/// distinct names, further ones are not remembered.
const MAX_SEEN_MODELS: usize = 10_000;

impl SwampState {
    /// The model names this model has seen.
    pub fn seen_models(&self) -> impl Iterator<Item = &str> {
        self.seen_models.iter().map(|s| s.as_str())
    }
}

impl SwampState {
    fn root(&self) -> Option<Rc<str>> {
        self.active
            .first()
            .cloned()
            .or_else(|| self.last_root.clone())
    }
}

/// Writes the unambiguous key of (run, step) to `out`: the run's length,
/// `:`, the run, then the step's key ([`push_step_key`]); returns where the step key
/// starts.
fn names_key(out: &mut String, run: &str, job: &str, step: &str) -> usize {
    out.clear();
    push_len(out, run.len());
    out.push_str(run);
    let at = out.len();
    push_step_key(out, job, step);
    at
}

/// `job/step`, a swamp step's display id.
fn label(job: &str, step: &str) -> String {
    let mut s = String::with_capacity(job.len() + 1 + step.len());
    s.push_str(job);
    s.push('/');
    s.push_str(step);
    s
}

fn step_state(kind: &str) -> Option<(&'static str, StepStatus)> {
    Some(match kind {
        "step_started" => ("running", StepStatus::Running),
        "method_executing" => ("executing", StepStatus::Running),
        "step_completed" => ("completed", StepStatus::Completed),
        "step_failed" => ("failed", StepStatus::Failed),
        "step_skipped" => ("skipped", StepStatus::Skipped),
        _ => return None,
    })
}

fn step_terminal(state: &str) -> bool {
    matches!(state, "completed" | "failed" | "skipped" | "cancelled")
}

pub(super) fn ingest(
    core: &mut RunModelCore,
    input: &Input<'_>,
    line: Option<usize>,
) -> Result<(), IngestError> {
    let mut scratch = std::mem::take(&mut core.swamp.scratch);
    let result = ingest_with(core, input, line, &mut scratch);
    core.swamp.scratch = scratch;
    result
}

fn ingest_with(
    core: &mut RunModelCore,
    input: &Input<'_>,
    line: Option<usize>,
    key: &mut String,
) -> Result<(), IngestError> {
    // Validate: the bridge's typed view checks the five kinds it acts on.
    let event = input.swamp_event()?;
    let kind = input.name;
    let run_id = input.opt_str("runId")?;
    let job = input.opt_str("jobId")?;
    let step = input.opt_str("stepId")?;
    if step_state(kind).is_some() && (job.is_none() || step.is_none()) {
        let field = if job.is_none() { "jobId" } else { "stepId" };
        return Err(IngestError::Missing {
            field,
            event: kind.to_string(),
        });
    }
    let correlation = match input.opt_str("correlationId")? {
        Some(c) => Some(c),
        None => input.opt_str("correlation_id")?,
    };
    let parent_correlation = match input.opt_str("parentCorrelationId")? {
        Some(c) => Some(c),
        None => input.opt_str("parent_correlation_id")?,
    };
    let at = input.timestamp.or(core.last_at);
    core.swamp.clock.0.set(at);
    // Remember model names, and redact free text before any run is borrowed.
    // `key` holds the (run, step) key of the model names, and its tail from
    // `step_key_at` the step's key within its run.
    let step_key_at = match (job, step) {
        (Some(j), Some(s)) => {
            let root = if run_id.is_none() {
                core.swamp.root()
            } else {
                None
            };
            let run = run_id.or(root.as_deref()).unwrap_or_default();
            Some(names_key(key, run, j, s))
        }
        _ => None,
    };
    let has_names_key = step_key_at.is_some();
    if let (true, Some(model)) = (has_names_key, input.opt_str("modelName")?) {
        if !model.is_empty() {
            match core.swamp.model_names.get_mut(key.as_str()) {
                Some(known) => {
                    if known != model {
                        model.clone_into(known);
                    }
                }
                None => {
                    core.swamp
                        .model_names
                        .insert(key.clone(), model.to_string());
                }
            }
            if core.swamp.seen_models.len() < MAX_SEEN_MODELS
                && !core.swamp.seen_models.contains(model)
            {
                core.swamp.seen_models.insert(model.to_string());
            }
        }
    }
    let failure_message = match &event.kind {
        WorkflowEvent::StepFailed(f) => {
            let known = if has_names_key {
                core.swamp.model_names.get(key.as_str()).map(String::as_str)
            } else {
                None
            };
            // Filter before scrubbing model names, as the bridge does.
            Some(crate::bridge::scrub::error_message(
                &core.filter.redact_text(first_line(&f.error)),
                &[known, f.model_name.as_deref()],
            ))
        }
        _ => None,
    };
    if has_names_key && matches!(kind, "step_completed" | "step_failed" | "step_skipped") {
        core.swamp.model_names.remove(key.as_str());
    }
    let error_type = match &event.kind {
        WorkflowEvent::StepFailed(f) => core
            .filter
            .redact_text(f.error_type.as_deref().unwrap_or("Error")),
        _ => String::new(),
    };
    let error_reason = (kind == "error").then(|| core.filter.redact_text(&error_text(input)));

    match &event.kind {
        WorkflowEvent::Started(s) => {
            let id: &str = &s.run_id;
            let mv = Move {
                event: kind,
                to_state: "running",
                reason: None,
                at,
                line,
            };
            let parent = core.swamp.active.last().cloned();
            // A run first seen through its step events is a placeholder until its
            // `started` arrives and fills it in.
            let existing = core
                .existing_run(Dialect::Swamp, id)
                .map(|slot| slot.run.transitions.is_empty());
            if let (Some(false), Some(slot)) = (existing, core.existing_run(Dialect::Swamp, id)) {
                slot.violation(&mv, None, None, format!("run {id} started twice"));
            } else {
                let parent_invocation =
                    Some(core.bridge_config.parent_invocation_id.clone()).filter(|p| !p.is_empty());
                let jobs = jobs_of(input);
                let slot = core.run_slot(Dialect::Swamp, id, || unreachable_run(id));
                slot.run.name = s.workflow_name.to_string();
                slot.run.jobs = jobs;
                slot.run.correlation_id = correlation.map(str::to_string);
                slot.run.parent_invocation_id = parent_invocation;
                slot.run.parent_correlation_id = parent_correlation.map(str::to_string);
                slot.run.started_at = at;
                slot.move_run(&mv, RunStatus::Running, true);
                let id: Rc<str> = Rc::from(id);
                if parent.is_none() {
                    core.swamp.last_root = Some(id.clone());
                    core.swamp.bridge = Some(TelemetryBridge::new(
                        core.bridge_config.clone(),
                        core.swamp.clock.clone(),
                        RandomIds::new(),
                    ));
                } else if let Some(p) = &parent {
                    let pslot = core.run_slot(Dialect::Swamp, p, || unreachable_run(p));
                    let parent_step = pslot
                        .run
                        .steps
                        .iter()
                        .rev()
                        .find(|st| st.state == "running" && st.child_run.is_none())
                        .map(|st| st.id.clone());
                    if let Some(ps) = &parent_step {
                        if let Some(st) = pslot.run.steps.iter_mut().find(|st| &st.id == ps) {
                            st.child_run = Some(id.to_string());
                        }
                    }
                    let parent_corr = pslot.run.correlation_id.clone();
                    let slot = core.run_slot(Dialect::Swamp, &id, || unreachable_run(&id));
                    if slot.run.parent_correlation_id.is_none() {
                        slot.run.parent_correlation_id = parent_corr;
                    }
                    slot.run.parent_run = Some(p.to_string());
                    slot.run.parent_step = parent_step;
                }
                core.swamp.active.push(id);
            }
        }
        WorkflowEvent::Other { .. } if kind == "completed" || kind == "error" => {
            let Some(root) = run_id
                .map(Rc::from)
                .or_else(|| core.swamp.root())
                .filter(|r| core.has_run(Dialect::Swamp, r))
            else {
                let to = if kind == "error" {
                    "failed"
                } else {
                    "completed"
                };
                let message = match run_id {
                    Some(r) => format!("{kind} for run {r}, which never started"),
                    None => format!("{kind} before any run started"),
                };
                core.orphan(kind, to, message, at, line);
                return Ok(());
            };
            let cancelled = kind == "error" && error_text(input).to_lowercase().contains("cancel");
            let status_field = input.opt_str("status").ok().flatten().unwrap_or("");
            let slot = core.run_slot(Dialect::Swamp, &root, || unreachable_run(&root));
            let any_failed = slot.run.steps.iter().any(|s| {
                s.status == StepStatus::Failed && !s.error.as_ref().is_some_and(|e| e.allowed)
            });
            let (to, status) = if cancelled || status_field == "cancelled" {
                ("cancelled", RunStatus::Cancelled)
            } else if kind == "error" || any_failed || status_field == "failed" {
                ("failed", RunStatus::Failed)
            } else {
                ("completed", RunStatus::Completed)
            };
            let reason = error_reason;
            let mv = Move {
                event: kind,
                to_state: to,
                reason: reason.clone(),
                at,
                line,
            };
            let terminal = slot.run.status.is_terminal();
            if slot.move_run(&mv, status, !terminal) {
                slot.run.ended_at = at;
                if kind == "error" {
                    let class = if cancelled {
                        FailureClass::Cancellation
                    } else {
                        FailureClass::Structural
                    };
                    slot.run.error = Some(Failure {
                        class,
                        error_type: None,
                        message: reason.unwrap_or_default(),
                        allowed: false,
                    });
                }
                cancel_open_steps(slot, kind, at, line);
                if core.swamp.active.first() == Some(&root) {
                    let nested: Vec<Rc<str>> = core.swamp.active.drain(..).skip(1).collect();
                    for n in nested {
                        let s = core.run_slot(Dialect::Swamp, &n, || unreachable_run(&n));
                        let mv = Move {
                            event: kind,
                            to_state: to,
                            reason: None,
                            at,
                            line,
                        };
                        if s.move_run(&mv, status, !s.run.status.is_terminal()) {
                            s.run.ended_at = at;
                            cancel_open_steps(s, kind, at, line);
                        }
                    }
                    if let Some(mut bridge) = core.swamp.bridge.take() {
                        let drained = bridge.finalize_at(None, at);
                        attach(core, &root, drained, key);
                    }
                }
            }
        }
        _ => {}
    }

    if let (Some((to, status)), Some(job), Some(step), Some(step_key_at)) =
        (step_state(kind), job, step, step_key_at)
    {
        let root = if run_id.is_none() {
            core.swamp.root()
        } else {
            None
        };
        let target = run_id.or(root.as_deref()).unwrap_or_default();
        let known = core.has_run(Dialect::Swamp, target);
        let slot = core.run_slot(Dialect::Swamp, target, || {
            Run::new(
                target.to_string(),
                Dialect::Swamp,
                String::new(),
                "pending",
                RunStatus::Pending,
            )
        });
        let mut mv = Move {
            event: kind,
            to_state: to,
            reason: None,
            at,
            line,
        };
        if !known {
            let label = label(job, step);
            let message = if target.is_empty() {
                format!("step {label} event before any run started")
            } else {
                format!("step {label} event for run {target} before its started")
            };
            slot.violation(&mv, Some(&label), None, message);
        }
        if slot.run.status.is_terminal() {
            // Recorded on the run, and no step is created for it.
            let label = label(job, step);
            let msg = format!("step {label} event after run {target} ended");
            slot.violation(&mv, Some(&label), None, msg);
            return Ok(());
        }
        let idx = slot.step_at(
            &key[step_key_at..],
            || label(job, step),
            job,
            step,
            "pending",
        );
        let from = slot.run.steps[idx].state.clone();
        if step_terminal(&from) || (from == "executing" && to == "running") {
            slot.move_step(idx, &mv, status, false);
        } else if from == to && kind == "step_started" {
            let label = label(job, step);
            slot.violation(
                &mv,
                Some(&label),
                Some(&from),
                format!("step {label} started twice"),
            );
        } else if from != to || kind == "method_executing" {
            if from == "executing" && kind == "method_executing" {
                let label = label(job, step);
                let msg = format!("method_executing repeated for step {label}");
                slot.violation(&mv, Some(&label), Some(&from), msg);
            }
            if from == "pending" && kind == "step_completed" {
                // Kept (the step did complete), and flagged: it never started.
                let label = label(job, step);
                let msg = format!("step {label} completed before it started");
                slot.violation(&mv, Some(&label), Some(&from), msg);
            }
            mv.reason = failure_message.clone();
            slot.move_step(idx, &mv, status, true);
            let st = &mut slot.run.steps[idx];
            st.attempt_mut().status = status;
            match kind {
                "step_started" | "method_executing" => {
                    let attempt = st.attempt_mut();
                    attempt.started_at = attempt.started_at.or(at);
                    st.started_at = st.started_at.or(at);
                }
                _ => {
                    let attempt = st.attempt_mut();
                    attempt.ended_at = at;
                    attempt.duration_ms = match (attempt.started_at, at) {
                        (Some(s), Some(e)) => Some(e.millis_since(s)),
                        _ => None,
                    };
                    st.ended_at = at;
                    if let WorkflowEvent::StepFailed(f) = &event.kind {
                        let class = if from == "executing"
                            || (f.model_name.is_some() && f.method_name.is_some())
                        {
                            FailureClass::Method
                        } else {
                            FailureClass::Structural
                        };
                        let failure = Failure {
                            class,
                            error_type: Some(error_type),
                            message: failure_message.unwrap_or_default(),
                            allowed: f.allowed_failure,
                        };
                        st.attempt_mut().error = Some(failure.clone());
                        st.error = Some(failure);
                    }
                    if let Some(child) = st.child_run.clone() {
                        let (cto, cstatus) = if status == StepStatus::Completed {
                            ("completed", RunStatus::Completed)
                        } else {
                            ("failed", RunStatus::Failed)
                        };
                        let cs = core.run_slot(Dialect::Swamp, &child, || unreachable_run(&child));
                        let cmv = Move {
                            event: kind,
                            to_state: cto,
                            reason: None,
                            at,
                            line,
                        };
                        if cs.move_run(&cmv, cstatus, !cs.run.status.is_terminal()) {
                            cs.run.ended_at = at;
                        }
                        core.swamp.active.retain(|r| **r != *child);
                    }
                }
            }
        }
    }
    if let Some(j) = job {
        if kind.starts_with("job_") {
            let root = if run_id.is_none() {
                core.swamp.root()
            } else {
                None
            };
            let target = run_id.or(root.as_deref()).unwrap_or_default();
            let status = input
                .opt_str("status")
                .ok()
                .flatten()
                .map(|st| core.filter.redact_text(st))
                .unwrap_or_else(|| kind.trim_start_matches("job_").to_string());
            let Some(slot) = core.existing_run(Dialect::Swamp, target) else {
                // A job event for no known run: nothing to attach it to.
                core.orphan(
                    kind,
                    &status,
                    format!("{kind} for job {j} of no started run"),
                    at,
                    line,
                );
                return Ok(());
            };
            match slot.run.jobs.iter_mut().find(|x| x.name == j) {
                Some(x) => x.status = Some(status),
                None => slot.run.jobs.push(Job {
                    name: j.to_string(),
                    depends_on: Vec::new(),
                    status: Some(status),
                }),
            }
        }
    }

    // Child telemetry entries, from the same events, through the bridge.
    if let Some(bridge) = core.swamp.bridge.as_mut() {
        let entries = bridge.observe(&event);
        if !entries.is_empty() {
            let root = core.swamp.active.first().cloned();
            attach(core, root.as_deref().unwrap_or_default(), entries, key);
        }
    }
    Ok(())
}

/// Attaches child entries to their steps, passing the entry's free text through
/// the parameter filter first: the bridge scrubs model names, the filter masks
/// `key=value` secrets, so the entry shown with a step leaks neither. `key` is
/// scratch space (overwritten).
fn attach(core: &mut RunModelCore, root: &str, entries: Vec<TelemetryEntry>, key: &mut String) {
    for mut entry in entries {
        let Some(wc) = entry.workflow_context.as_ref() else {
            continue;
        };
        let run = if wc.run_id.is_empty() {
            root
        } else {
            wc.run_id.as_str()
        };
        key.clear();
        push_step_key(key, &wc.job_name, &wc.step_name);
        let Some(ri) = core.run_position(Dialect::Swamp, run) else {
            continue;
        };
        let Some(idx) = core.runs[ri].step_index(key) else {
            continue;
        };
        let filter = &core.filter;
        entry.result.error_message = entry.result.error_message.map(|m| filter.redact_text(&m));
        entry.result.error_type = entry.result.error_type.map(|t| filter.redact_text(&t));
        core.runs[ri].run.steps[idx].telemetry = Some(entry);
    }
}

fn cancel_open_steps(slot: &mut RunSlot, kind: &str, at: Option<Timestamp>, line: Option<usize>) {
    for idx in 0..slot.run.steps.len() {
        if !slot.run.steps[idx].status.is_terminal() {
            let mv = Move {
                event: kind,
                to_state: "cancelled",
                reason: None,
                at,
                line,
            };
            slot.move_step(idx, &mv, StepStatus::Cancelled, true);
            let st = &mut slot.run.steps[idx];
            st.ended_at = at;
            let a = st.attempt_mut();
            a.status = StepStatus::Cancelled;
            a.ended_at = at;
        }
    }
}

fn jobs_of(input: &Input<'_>) -> Vec<Job> {
    // A `jobs` that is not an array of `{id, dependsOn}` is no job list.
    let jobs = input.get("jobs").ok().flatten();
    let Some(serde_json::Value::Array(jobs)) = jobs.as_deref() else {
        return Vec::new();
    };
    jobs.iter()
        .filter_map(|j| {
            let name = j.get("id")?.as_str()?.to_string();
            let depends_on = j
                .get("dependsOn")
                .and_then(|d| d.as_array())
                .map(|d| {
                    d.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            Some(Job {
                name,
                depends_on,
                status: None,
            })
        })
        .collect()
}

fn error_text(input: &Input<'_>) -> String {
    match input.get("error").ok().flatten().as_deref() {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Object(o)) => {
            let code = o.get("code").and_then(|c| c.as_str()).unwrap_or("");
            let msg = o.get("message").and_then(|c| c.as_str()).unwrap_or("");
            format!("{code}: {msg}")
                .trim_start_matches(": ")
                .to_string()
        }
        _ => String::new(),
    }
}

fn first_line(s: &str) -> &str {
    s.split(['\n', '\r']).next().unwrap_or("")
}

/// Only reached for runs already known to exist.
fn unreachable_run(id: &str) -> Run {
    Run::new(
        id.to_string(),
        Dialect::Swamp,
        String::new(),
        "pending",
        RunStatus::Pending,
    )
}
