//! The orchestrator dialect: `job.lifecycle.*` (a job is a run) and
//! `job.module.*` (a module is a step, its re-spawns are attempts).
//!
//! Job machine: Pending -> Queued -> Running -> Completed | Failed | Cancelled,
//! and Pending | Queued -> Cancelled. Module machine: Spawned -> Completed |
//! Failed | Panicked, and Failed | Panicked -> Spawned (a retry: a new attempt).

use crate::run::core::RunModelCore;
use crate::run::input::{IngestError, Input};
use crate::run::lifecycle::{states, Machine, RunMachine, States, StepMachine, Unlisted};
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

states! {
    /// A job's state.
    pub enum Job {
        Pending = "Pending",
        Queued = "Queued",
        Running = "Running",
        Completed = "Completed",
        Failed = "Failed",
        Cancelled = "Cancelled",
    }
}

impl Machine for Job {
    const NOUN: &'static str = "job";
    const ENGINE: &'static str = "the orchestrator";
    const BORN: Option<Self> = Some(Job::Pending);
    const UNLISTED: Unlisted = Unlisted::Forward;

    fn allows(from: Option<Self>, to: Self) -> bool {
        use Job::*;
        matches!(
            (from.unwrap_or(Pending), to),
            (Pending, Queued)
                | (Queued, Running)
                | (Running, Completed | Failed | Cancelled)
                | (Pending | Queued, Cancelled)
        )
    }
    fn is_terminal(self) -> bool {
        matches!(self, Job::Completed | Job::Failed | Job::Cancelled)
    }
}

impl RunMachine for Job {
    fn status(self) -> RunStatus {
        match self {
            Job::Pending => RunStatus::Pending,
            Job::Queued => RunStatus::Queued,
            Job::Running => RunStatus::Running,
            Job::Completed => RunStatus::Completed,
            Job::Failed => RunStatus::Failed,
            Job::Cancelled => RunStatus::Cancelled,
        }
    }
    fn milestone(self) -> Option<Milestone> {
        Some(match self {
            Job::Pending => return None,
            Job::Queued => Milestone::Enqueued,
            Job::Running => Milestone::Started,
            Job::Completed => Milestone::Completed,
            Job::Failed => Milestone::Failed,
            Job::Cancelled => Milestone::Cancelled,
        })
    }
}

states! {
    /// A module's state: a failed or panicked module may be spawned again
    /// (a retry: a new attempt); a result must follow a spawn.
    pub enum Module {
        Spawned = "Spawned",
        Completed = "Completed",
        Failed = "Failed",
        Panicked = "Panicked",
    }
}

impl Machine for Module {
    const NOUN: &'static str = "module";
    const ENGINE: &'static str = "the orchestrator";
    const BORN: Option<Self> = None;
    const UNLISTED: Unlisted = Unlisted::Refuse;

    fn allows(from: Option<Self>, to: Self) -> bool {
        use Module::*;
        matches!(
            (from, to),
            (None, Spawned)
                | (Some(Spawned), Completed | Failed | Panicked)
                | (Some(Failed | Panicked), Spawned)
        )
    }
    fn is_terminal(self) -> bool {
        self == Module::Completed
    }
}

impl StepMachine for Module {
    fn status(self) -> StepStatus {
        match self {
            Module::Spawned => StepStatus::Running,
            Module::Completed => StepStatus::Completed,
            Module::Failed => StepStatus::Failed,
            Module::Panicked => StepStatus::Panicked,
        }
    }
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
};

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
        let to = match ev {
            JobEvent::Enqueue => Job::Queued,
            JobEvent::Start => Job::Running,
            JobEvent::Complete => Job::Completed,
            JobEvent::Fail => Job::Failed,
            JobEvent::Cancel => Job::Cancelled,
        };
        let mv = Move {
            event: name,
            to_state: to.name(),
            reason: reason.clone(),
            at,
            line,
            anew: false,
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
        if slot.move_run(&mv, to) {
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
    let to = match ev {
        ModuleEvent::Spawn => Module::Spawned,
        ModuleEvent::Complete => Module::Completed,
        ModuleEvent::Error => Module::Failed,
        ModuleEvent::Panic => Module::Panicked,
    };
    let mv = Move {
        event: name,
        to_state: to.name(),
        reason: reason.clone(),
        at,
        line,
        anew: false,
    };
    let run_state = slot.run.state.clone();
    if Job::from_name(&run_state).is_some_and(Job::is_terminal) {
        let msg = format!("module {module} event after job {job_id} ended ({run_state})");
        slot.violation(&mv, Some(module), None, msg);
        return Ok(());
    }
    if run_state != Job::Running.as_str() {
        let msg = format!("module {module} event while job {job_id} is {run_state}");
        slot.violation(&mv, Some(module), None, msg);
    }
    let fresh = slot.step_index(module).is_none();
    let idx = slot.step_at(module, || module.to_string(), "", module, "Pending");
    // A result for a module never spawned is kept (out of order, so nothing
    // is lost); a completed module never moves again, and a failed or
    // panicked one must be re-spawned before it can end again.
    if !slot.move_step(idx, &mv, to) {
        return Ok(());
    }
    let status = to.status();
    let step = &mut slot.run.steps[idx];
    let attempt = if matches!(ev, ModuleEvent::Spawn) && !fresh {
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
