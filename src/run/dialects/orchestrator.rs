//! The orchestrator dialect: `job.lifecycle.*` (a job is a run) and
//! `job.module.*` (a module is a step, its re-spawns are attempts).
//!
//! Job machine: Pending -> Queued -> Running -> Completed | Failed | Cancelled,
//! and Pending | Queued -> Cancelled. Module machine: Spawned -> Completed |
//! Failed | Panicked, and Failed | Panicked -> Spawned (a retry: a new attempt).

use crate::run::core::RunModelCore;
use crate::run::input::{IngestError, Input};
use crate::run::model::{Dialect, Failure, FailureClass, Milestone, Run};
use crate::run::slot::Move;
use crate::run::status::{RunStatus, StepStatus};
use crate::time::Timestamp;

enum JobEvent {
    Enqueue,
    Start,
    Complete,
    Fail,
    Cancel,
}

enum ModuleEvent {
    Spawn,
    Complete,
    Error,
    Panic,
}

fn job_state(e: &JobEvent) -> (&'static str, RunStatus) {
    match e {
        JobEvent::Enqueue => ("Queued", RunStatus::Queued),
        JobEvent::Start => ("Running", RunStatus::Running),
        JobEvent::Complete => ("Completed", RunStatus::Completed),
        JobEvent::Fail => ("Failed", RunStatus::Failed),
        JobEvent::Cancel => ("Cancelled", RunStatus::Cancelled),
    }
}

/// Whether the job machine allows `from -> to`.
pub fn job_allowed(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("Pending", "Queued")
            | ("Queued", "Running")
            | ("Running", "Completed" | "Failed" | "Cancelled")
            | ("Pending" | "Queued", "Cancelled")
    )
}

/// Position in the job machine, for telling a skipped state from a move backwards.
fn job_rank(state: &str) -> u8 {
    match state {
        "Pending" => 0,
        "Queued" => 1,
        "Running" => 2,
        _ => 3,
    }
}

fn is_terminal(state: &str) -> bool {
    matches!(state, "Completed" | "Failed" | "Cancelled")
}

/// Whether the module machine allows `from -> to` (`None`: never seen).
pub fn module_allowed(from: Option<&str>, to: &str) -> bool {
    matches!(
        (from, to),
        (None, "Spawned")
            | (Some("Spawned"), "Completed" | "Failed" | "Panicked")
            | (Some("Failed" | "Panicked"), "Spawned")
    )
}

/// The orchestrator dialect: `job.lifecycle.*` and `job.module.*` names.
pub(super) const SPEC: super::Spec = super::Spec {
    dialect: Dialect::Orchestrator,
    name: "orchestrator",
    events: "job.lifecycle.* or job.module.*",
    recognise: |input| {
        Ok(input
            .event_name()
            .map(|(_, n)| n)
            .filter(|n| n.starts_with("job.lifecycle.") || n.starts_with("job.module.")))
    },
    ingest,
    milestone,
};

/// What reaching a job state means.
fn milestone(state: &str) -> Option<Milestone> {
    Some(match state {
        "Queued" => Milestone::Enqueued,
        "Running" => Milestone::Started,
        "Completed" => Milestone::Completed,
        "Failed" => Milestone::Failed,
        "Cancelled" => Milestone::Cancelled,
        _ => return None,
    })
}

pub(super) fn ingest(
    core: &mut RunModelCore,
    input: &Input<'_>,
    line: Option<usize>,
) -> Result<(), IngestError> {
    // Validate everything before touching the model.
    let job_id = input.id("job_id")?;
    let project = input.opt_id("project_id")?;
    let reason = input.opt_str("reason")?.map(|r| core.filter.redact_text(r));
    let error = input.opt_str("error")?.map(|e| core.filter.redact_text(e));
    let duration_ms = input.opt_duration("duration_ms", 1.0)?;
    let status_from = input.opt_str("status_from")?;
    let correlation = input.opt_str("correlation_id")?;
    let parent_correlation = input.opt_str("parent_correlation_id")?;
    let at = input.timestamp.or(core.last_at);
    let name = input.name;
    let job_event = match name {
        "job.lifecycle.enqueue" => Some(JobEvent::Enqueue),
        "job.lifecycle.start" => Some(JobEvent::Start),
        "job.lifecycle.complete" => Some(JobEvent::Complete),
        "job.lifecycle.fail" => Some(JobEvent::Fail),
        "job.lifecycle.cancel" => Some(JobEvent::Cancel),
        _ => None,
    };
    let module_event = match name {
        "job.module.spawn" => Some(ModuleEvent::Spawn),
        "job.module.complete" => Some(ModuleEvent::Complete),
        "job.module.error" => Some(ModuleEvent::Error),
        "job.module.panic" => Some(ModuleEvent::Panic),
        _ => None,
    };
    let module = match module_event {
        Some(_) => Some(input.str("module")?),
        None => None,
    };
    if job_event.is_none() && module_event.is_none() {
        return Err(IngestError::UnknownDialect {
            field: "event",
            name: name.to_string(),
            known: super::described(),
        });
    }

    let slot = core.run_slot(Dialect::Orchestrator, &job_id, || {
        // The run's name is its project (a workflow-level name, safe as a
        // metric label); a job id never becomes a name.
        Run::new(
            job_id.to_string(),
            Dialect::Orchestrator,
            String::new(),
            "Pending",
            RunStatus::Pending,
        )
    });
    if slot.run.project.is_none() {
        if let Some(p) = &project {
            slot.run.project = Some(p.to_string());
            slot.run.name = p.to_string();
        }
    }
    if let Some(c) = correlation {
        slot.run.correlation_id.get_or_insert_with(|| c.to_string());
    }
    if let Some(c) = parent_correlation {
        slot.run
            .parent_correlation_id
            .get_or_insert_with(|| c.to_string());
    }

    if let Some(ev) = job_event {
        let (to, status) = job_state(&ev);
        let mv = Move {
            event: name,
            to_state: to,
            reason: reason.clone(),
            at,
            line,
        };
        let from = slot.run.state.clone();
        if let Some(sf) = status_from.filter(|sf| !sf.eq_ignore_ascii_case(&from)) {
            slot.violation(
                &mv,
                None,
                Some(&*from),
                format!("status_from says {sf} but the job is {from}"),
            );
        }
        let applied = if is_terminal(&from) {
            slot.move_run(&mv, status, false)
        } else if job_allowed(&from, to) {
            slot.move_run(&mv, status, true)
        } else if job_rank(to) > job_rank(&from) {
            // A skipped state (complete before start): recorded, then applied so
            // the run still ends where the events say.
            let msg = format!("job {job_id} went from {from} to {to}, skipping a state");
            slot.violation(&mv, None, Some(&*from), msg);
            slot.move_run(&mv, status, true)
        } else {
            // Backwards or repeated (enqueue after start, a second start): recorded,
            // never applied, so a run does not move back in time.
            slot.move_run(&mv, status, false)
        };
        if applied {
            match ev {
                JobEvent::Enqueue => slot.run.queued_at = slot.run.queued_at.or(at),
                JobEvent::Start => slot.run.started_at = slot.run.started_at.or(at),
                JobEvent::Complete | JobEvent::Fail | JobEvent::Cancel => {
                    slot.run.ended_at = at;
                    if slot.run.started_at.is_none() {
                        slot.run.started_at = back(at, duration_ms);
                    }
                    if matches!(ev, JobEvent::Fail | JobEvent::Cancel) {
                        let cancelled = matches!(ev, JobEvent::Cancel);
                        let class = crate::run::lifecycle::run_failure_class(&slot.run, cancelled);
                        let message = error.clone().or(reason.clone()).unwrap_or_default();
                        slot.run.error = Some(Failure {
                            class,
                            error_type: None,
                            message,
                            allowed: false,
                        });
                    }
                }
            }
        }
        return Ok(());
    }

    let (Some(ev), Some(module)) = (module_event, module) else {
        return Ok(());
    };
    let (to, status) = match ev {
        ModuleEvent::Spawn => ("Spawned", StepStatus::Running),
        ModuleEvent::Complete => ("Completed", StepStatus::Completed),
        ModuleEvent::Error => ("Failed", StepStatus::Failed),
        ModuleEvent::Panic => ("Panicked", StepStatus::Panicked),
    };
    let mv = Move {
        event: name,
        to_state: to,
        reason: reason.clone(),
        at,
        line,
    };
    let run_state = slot.run.state.clone();
    if is_terminal(&run_state) {
        let msg = format!("module {module} event after job {job_id} ended ({run_state})");
        slot.violation(&mv, Some(module), None, msg);
        return Ok(());
    }
    if run_state != "Running" {
        let msg = format!("module {module} event while job {job_id} is {run_state}");
        slot.violation(&mv, Some(module), None, msg);
    }
    let idx = {
        let fresh = slot.step_index(module).is_none();
        slot.step_mut(module, "", module, "Pending");
        (slot.step_index(module).unwrap_or(0), fresh)
    };
    let (idx, fresh) = idx;
    let from = if fresh {
        None
    } else {
        Some(slot.run.steps[idx].state.clone())
    };
    if !module_allowed(from.as_deref(), to) {
        let message = format!(
            "module {module} cannot go from {} to {to}",
            from.as_deref().unwrap_or("(new)")
        );
        slot.violation(&mv, Some(module), from.as_deref(), message);
        // Only a result for a module never spawned is kept (out of order, so
        // nothing is lost); a completed module never moves again, and a failed or
        // panicked one must be re-spawned before it can end again.
        if from.is_some() {
            return Ok(());
        }
    }
    slot.move_step(idx, &mv, status, true);
    let step = &mut slot.run.steps[idx];
    let attempt = if matches!(ev, ModuleEvent::Spawn) && from.is_some() {
        step.new_attempt()
    } else {
        step.attempt_mut()
    };
    attempt.status = status;
    match ev {
        ModuleEvent::Spawn => attempt.started_at = at,
        _ => {
            attempt.ended_at = at;
            attempt.duration_ms = duration_ms.or(match (attempt.started_at, at) {
                (Some(s), Some(e)) => Some(e.millis_since(s)),
                _ => None,
            });
            if attempt.started_at.is_none() {
                attempt.started_at = back(at, duration_ms);
            }
            if !matches!(ev, ModuleEvent::Complete) {
                let class = if matches!(ev, ModuleEvent::Panic) {
                    FailureClass::Panic
                } else {
                    FailureClass::Method
                };
                attempt.error = Some(Failure {
                    class,
                    error_type: Some(
                        if matches!(ev, ModuleEvent::Panic) {
                            "panic"
                        } else {
                            "error"
                        }
                        .to_string(),
                    ),
                    message: error.clone().unwrap_or_default(),
                    allowed: false,
                });
            }
        }
    }
    let attempt = attempt.clone();
    step.started_at = step.started_at.or(attempt.started_at);
    if status.is_terminal() {
        step.ended_at = attempt.ended_at;
        step.error = attempt.error.clone();
    } else {
        step.ended_at = None;
    }
    Ok(())
}

fn back(at: Option<Timestamp>, duration_ms: Option<i64>) -> Option<Timestamp> {
    match (at, duration_ms) {
        (Some(a), Some(d)) => Timestamp::from_millis(a.millis().saturating_sub(d)).ok(),
        _ => None,
    }
}
