//! The Tasker dialect: `task.*` (a task is a run), `step.*` (its steps, with
//! retries as attempts), and the `workflow.*` / `observability.*` events that
//! imply a state. States are tasker-core's names ([`tasker_states`]); Rails
//! names are mapped onto them. Payload fields are Rails Tasker's
//! (`EventPayloadBuilder`): `task_id`, `task_name`, `step_name`,
//! `attempt_number`, `execution_duration` (seconds), `error_message`,
//! `exception_class`, `step_inputs`, `step_results`, `step_dependencies`,
//! `task_context`, `correlation_id`.

use super::input::{IngestError, Input};
use super::model::{Dialect, Failure, FailureClass, Run};
use super::slot::Move;
use super::status::{RunStatus, StepStatus};
use super::tasker_states::{self as ts, Entity};
use super::RunModelCore;

pub(super) fn ingest(
    core: &mut RunModelCore,
    input: &Input<'_>,
    line: Option<usize>,
) -> Result<(), IngestError> {
    let name = input.name.as_str();
    let entity = ts::event_entity(name);
    // Validate every field used before touching the model.
    let task_id = match input.opt_id("task_id")? {
        Some(id) => Some(id),
        None => input.opt_id("task_uuid")?,
    };
    let task_name = input.opt_str("task_name")?;
    let step_name = input.opt_str("step_name")?.map(str::to_string);
    let step_id = input.opt_id("step_id")?.or(input.opt_id("step_uuid")?);
    let attempt_number = input
        .opt_number("attempt_number")?
        .map(|n| n.max(1.0) as u32);
    let execution_duration = input.opt_number("execution_duration")?;
    let started_at = input.opt_instant("started_at")?;
    let completed_at = input.opt_instant("completed_at")?;
    let error_message = input
        .opt_str("error_message")?
        .map(|m| core.filter.redact_text(first_line(m)));
    let exception_class = input.opt_str("exception_class")?.map(str::to_string);
    let dependencies = input.opt_strings("step_dependencies")?;
    let correlation = input.opt_str("correlation_id")?;
    let parent_correlation = input.opt_str("parent_correlation_id")?;
    let reason = input
        .opt_str("retry_reason")?
        .or(input.opt_str("cancellation_reason")?)
        .or(input.opt_str("reason")?)
        .map(|r| core.filter.redact_text(r));
    let inputs = input
        .get("step_inputs")
        .map(|v| core.filter.redact_value(v));
    let results = input
        .get("step_results")
        .map(|v| core.filter.redact_value(v));
    let context = input
        .get("task_context")
        .map(|v| core.filter.redact_value(v));
    let Some(task_id) = task_id else {
        if entity.is_some() {
            return Err(IngestError::Missing {
                field: "task_id",
                event: name.to_string(),
            });
        }
        // A workflow.* or observability.* event about no task: nothing to place.
        return Ok(());
    };
    let step_label = match entity {
        Some(Entity::Step) => {
            Some(
                step_name
                    .clone()
                    .or(step_id.clone())
                    .ok_or_else(|| IngestError::Missing {
                        field: "step_name",
                        event: name.to_string(),
                    })?,
            )
        }
        _ => None,
    };
    let at = input.timestamp.or(core.last_at);

    let slot = core.run_slot(Dialect::Tasker, &task_id, || {
        Run::new(
            task_id.clone(),
            Dialect::Tasker,
            String::new(),
            ts::task::PENDING,
            RunStatus::Pending,
        )
    });
    if let Some(n) = task_name.filter(|n| !n.is_empty()) {
        if slot.run.name.is_empty() {
            slot.run.name = n.to_string();
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
    if context.is_some() {
        slot.run.context = context;
    }

    match (entity, step_label) {
        (Some(Entity::Task), _) => {
            let current = (!slot.run.transitions.is_empty()).then(|| slot.run.state.clone());
            let Some(to) = ts::resolve_target_state(Entity::Task, current.as_deref(), name) else {
                return Ok(());
            };
            if current.as_deref() == Some(to) {
                return Ok(());
            }
            let mv = Move {
                event: name,
                to_state: to,
                reason: reason.clone(),
                at,
                line,
            };
            let status = ts::run_status(to);
            let applied = match current.as_deref() {
                Some(from)
                    if ts::is_terminal(Entity::Task, from)
                        && !ts::is_allowed(Entity::Task, Some(from), to) =>
                {
                    slot.move_run(&mv, status, false)
                }
                from if ts::is_allowed(Entity::Task, from, to) => slot.move_run(&mv, status, true),
                from => {
                    let msg = format!(
                        "task {task_id} went from {} to {to}, which Tasker does not allow",
                        from.unwrap_or("(new)")
                    );
                    slot.violation(&mv, None, from, msg);
                    slot.move_run(&mv, status, true)
                }
            };
            if applied {
                match status {
                    RunStatus::Pending | RunStatus::Queued => {
                        slot.run.queued_at = slot.run.queued_at.or(at);
                    }
                    RunStatus::Running | RunStatus::Waiting => {
                        slot.run.started_at = slot.run.started_at.or(at);
                        slot.run.ended_at = None;
                    }
                    RunStatus::Completed | RunStatus::Failed | RunStatus::Cancelled => {
                        slot.run.ended_at = completed_at.or(at);
                        if status != RunStatus::Completed {
                            let class = if status == RunStatus::Cancelled {
                                FailureClass::Cancellation
                            } else if slot
                                .run
                                .steps
                                .iter()
                                .any(|s| s.status == StepStatus::Failed)
                            {
                                FailureClass::Method
                            } else {
                                FailureClass::Structural
                            };
                            let message =
                                error_message.clone().or(reason.clone()).unwrap_or_default();
                            slot.run.error = Some(Failure {
                                class,
                                error_type: exception_class.clone(),
                                message,
                                allowed: false,
                            });
                        }
                    }
                }
            }
        }
        (Some(Entity::Step), Some(label)) => {
            let mv_probe = Move {
                event: name,
                to_state: "",
                reason: None,
                at,
                line,
            };
            if slot.run.status.is_terminal() {
                let msg = format!(
                    "step {label} event after task {task_id} ended ({})",
                    slot.run.state
                );
                let mut mv = mv_probe;
                mv.to_state = ts::target_state(Entity::Step, name).unwrap_or("(none)");
                slot.violation(&mv, Some(&label), None, msg);
                return Ok(());
            }
            let fresh = slot.step_index(&label).is_none();
            let idx = slot.step_at(&label, &label, "", &label, ts::step::PENDING);
            let step = &mut slot.run.steps[idx];
            if !dependencies.is_empty() {
                step.depends_on = dependencies;
            }
            if inputs.is_some() {
                step.inputs = inputs;
            }
            if results.is_some() {
                step.results = results;
            }
            let current = (!fresh && !step.transitions.is_empty()).then(|| step.state.clone());
            let Some(to) = ts::resolve_target_state(Entity::Step, current.as_deref(), name) else {
                return Ok(());
            };
            if current.as_deref() == Some(to) {
                return Ok(());
            }
            let mv = Move {
                event: name,
                to_state: to,
                reason: reason.clone(),
                at,
                line,
            };
            let status = ts::step_status(to);
            let from = current.as_deref();
            let allowed = ts::is_allowed(Entity::Step, from, to);
            if !allowed {
                let terminal = from.is_some_and(|f| ts::is_terminal(Entity::Step, f));
                if terminal {
                    slot.move_step(idx, &mv, status, false);
                    return Ok(());
                }
                let msg = format!(
                    "step {label} went from {} to {to}, which Tasker does not allow",
                    from.unwrap_or("(new)")
                );
                slot.violation(&mv, Some(&label), from, msg);
            }
            slot.move_step(idx, &mv, status, true);
            let step = &mut slot.run.steps[idx];
            let wanted = attempt_number.unwrap_or(0) as usize;
            if ts::starts_new_attempt(from, to)
                && step.attempts.len() >= wanted.max(1)
                && !step.attempts.is_empty()
            {
                step.new_attempt();
            }
            while step.attempts.len() < wanted {
                step.new_attempt();
            }
            let attempt = step.attempt_mut();
            // Waiting for a retry is the step's state; the failed attempt stays failed.
            if status != StepStatus::Retrying {
                attempt.status = status;
            }
            match status {
                StepStatus::Pending | StepStatus::Queued => {
                    attempt.queued_at = attempt.queued_at.or(at)
                }
                StepStatus::Running => {
                    attempt.started_at = attempt.started_at.or(started_at.or(at))
                }
                StepStatus::Retrying => {}
                _ => {
                    let end = completed_at.or(at);
                    attempt.ended_at = end;
                    if attempt.started_at.is_none() {
                        attempt.started_at = started_at;
                    }
                    attempt.duration_ms = execution_duration
                        .filter(|d| *d > 0.0)
                        .map(|d| (d * 1000.0).round() as i64)
                        .or(match (attempt.started_at, end) {
                            (Some(s), Some(e)) => Some(e.millis_since(s)),
                            _ => None,
                        });
                    if status == StepStatus::Failed {
                        attempt.error = Some(Failure {
                            class: FailureClass::Method,
                            error_type: Some(
                                exception_class
                                    .clone()
                                    .unwrap_or_else(|| "StandardError".into()),
                            ),
                            message: error_message.clone().unwrap_or_default(),
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
        _ => {}
    }
    Ok(())
}

fn first_line(s: &str) -> &str {
    s.split(['\n', '\r']).next().unwrap_or("")
}
