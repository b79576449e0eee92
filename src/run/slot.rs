//! One run being built: the run, an index of its steps, and the shared moves
//! every dialect makes (record a transition or a violation, find or add a step).

use std::collections::HashMap;

use super::model::{Run, Step, Transition, Violation};
use super::status::{RunStatus, StepStatus};
use crate::time::Timestamp;

/// What an event asks of a state machine.
pub struct Move<'a> {
    pub event: &'a str,
    pub to_state: &'a str,
    pub reason: Option<String>,
    pub at: Option<Timestamp>,
    pub line: Option<usize>,
}

pub struct RunSlot {
    pub run: Run,
    steps: HashMap<String, usize>,
}

impl RunSlot {
    pub fn new(run: Run) -> Self {
        RunSlot {
            run,
            steps: HashMap::new(),
        }
    }

    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.get(id).copied()
    }

    /// The index of the step under `key`, added (pending) if new; `key` must
    /// identify the step unambiguously (see [`step_key`]), `id` is for display.
    pub fn step_at(
        &mut self,
        key: &str,
        id: &str,
        job: &str,
        name: &str,
        initial_state: &str,
    ) -> usize {
        match self.steps.get(key) {
            Some(&i) => i,
            None => {
                let i = self.run.steps.len();
                self.run.steps.push(Step::new(
                    id.into(),
                    job.into(),
                    name.into(),
                    initial_state,
                    StepStatus::Pending,
                ));
                self.steps.insert(key.to_string(), i);
                i
            }
        }
    }

    /// The step with this id (its own key), added (pending) if new.
    pub fn step_mut(&mut self, id: &str, job: &str, name: &str, initial_state: &str) -> &mut Step {
        let idx = self.step_at(id, id, job, name, initial_state);
        &mut self.run.steps[idx]
    }

    pub fn violation(
        &mut self,
        mv: &Move<'_>,
        step: Option<&str>,
        from: Option<&str>,
        message: String,
    ) {
        self.run.violations.push(Violation {
            event: mv.event.to_string(),
            line: mv.line,
            step: step.map(str::to_string),
            from: from.map(str::to_string),
            to: mv.to_state.to_string(),
            message,
            at: mv.at,
        });
    }

    /// Moves the run to `mv.to_state` if `allowed`, else records a violation.
    /// Returns whether the move was applied.
    pub fn move_run(&mut self, mv: &Move<'_>, status: RunStatus, allowed: bool) -> bool {
        let from = self.run.state.clone();
        if !allowed {
            let message = format!(
                "run {} cannot go from {from} to {}",
                self.run.id, mv.to_state
            );
            self.violation(mv, None, Some(&from), message);
            return false;
        }
        let previous_at = self.run.transitions.last().and_then(|t| t.at);
        self.run
            .transitions
            .push(transition(Some(from), mv, previous_at));
        self.run.state = mv.to_state.to_string();
        self.run.status = status;
        true
    }

    /// Moves a step to `mv.to_state` if `allowed`, else records a violation.
    pub fn move_step(
        &mut self,
        idx: usize,
        mv: &Move<'_>,
        status: StepStatus,
        allowed: bool,
    ) -> bool {
        let step = &self.run.steps[idx];
        let from = step.state.clone();
        let from_opt = if step.transitions.is_empty() && from == "pending" {
            None
        } else {
            Some(from.clone())
        };
        if !allowed {
            let message = format!("step {} cannot go from {from} to {}", step.id, mv.to_state);
            let id = step.id.clone();
            self.violation(mv, Some(&id), Some(&from), message);
            return false;
        }
        let step = &mut self.run.steps[idx];
        let previous_at = step.transitions.last().and_then(|t| t.at);
        step.transitions.push(transition(from_opt, mv, previous_at));
        step.state = mv.to_state.to_string();
        step.status = status;
        true
    }
}

/// An unambiguous index key for a (job, step) pair: length-prefixed, so names
/// may contain any character (the W1 lesson).
pub fn step_key(job: &str, step: &str) -> String {
    format!("{}:{job}{step}", job.len())
}

fn transition(from: Option<String>, mv: &Move<'_>, previous_at: Option<Timestamp>) -> Transition {
    Transition {
        from,
        to: mv.to_state.to_string(),
        event: mv.event.to_string(),
        reason: mv.reason.clone(),
        at: mv.at,
        in_previous_ms: match (previous_at, mv.at) {
            (Some(p), Some(a)) => Some(a.millis_since(p)),
            _ => None,
        },
    }
}
