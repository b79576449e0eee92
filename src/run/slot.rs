//! One run being built: the run, an index of its steps, and the shared moves
//! every dialect makes (record a transition or a violation, find or add a step).

use std::borrow::Cow;
// foldhash, not SipHash: per-event lookups on short keys (as in the bridge).
use foldhash::HashMap;

use super::lifecycle::{
    judge, message as policy_message, Machine, Milestone, RunMachine, StepMachine, Verdict,
};
use super::model::{Canonical, Run, Step, Transition, Violation};
use super::status::StepStatus;
use crate::time::Timestamp;

/// What an event asks of a state machine.
pub struct Move<'a> {
    pub event: &'a str,
    /// States come from each dialect's fixed list.
    pub to_state: &'static str,
    pub reason: Option<String>,
    pub at: Option<Timestamp>,
    pub line: Option<usize>,
    /// A new attempt of the thing (a re-run): its machine starts over, so
    /// the move is judged as its first.
    pub anew: bool,
}

pub struct RunSlot {
    pub run: Run,
    steps: HashMap<String, usize>,
    /// The order the model first saw the run in (stable across evictions:
    /// what `/runs` cursors are made of).
    pub seq: u64,
    /// When the model last received an event of the run, on its own clock
    /// (stalls are measured from it, whatever the events' timestamps say).
    pub seen: Option<Timestamp>,
    /// When the model saw the run end, on its own clock (retention's age).
    pub ended_seen: Option<Timestamp>,
}

impl RunSlot {
    pub fn new(run: Run) -> Self {
        RunSlot {
            run,
            steps: HashMap::default(),
            seq: 0,
            seen: None,
            ended_seen: None,
        }
    }

    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.get(id).copied()
    }

    /// The index of the step under `key`, added (pending) if new; `key` must
    /// identify the step unambiguously (see [`push_step_key`]), `id` (for display)
    /// is only made when the step is new.
    pub fn step_at(
        &mut self,
        key: &str,
        id: impl FnOnce() -> String,
        job: &str,
        name: &str,
        initial_state: &'static str,
    ) -> usize {
        match self.steps.get(key) {
            Some(&i) => i,
            None => {
                let i = self.run.steps.len();
                self.run.steps.push(Step::new(
                    id(),
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

    pub fn violation(
        &mut self,
        mv: &Move<'_>,
        step: Option<&str>,
        from: Option<&str>,
        message: String,
    ) {
        let v = violation(mv, step, from, message);
        self.run.violations.push(v);
    }

    /// Moves the run to `to` under the shared policy ([`judge`]): applied
    /// and recorded as a transition, or recorded as a violation, or (a repeat
    /// its engine ignores) nothing. Returns whether the run moved.
    pub fn move_run<M: RunMachine>(&mut self, mv: &Move<'_>, to: M) -> bool {
        let from = start::<M>(mv.anew, self.run.transitions.is_empty(), &self.run.state);
        let mut reached = Reached::of(
            to,
            judge(from, to),
            from.is_some(),
            Canonical::Run(to.status()),
        );
        reached.milestone = to.milestone();
        self.apply_run(mv, reached)
    }

    /// Applies a judged move of the run (not generic: one copy for every
    /// dialect).
    fn apply_run(&mut self, mv: &Move<'_>, to: Reached) -> bool {
        let run = &self.run;
        let fresh = run.transitions.is_empty();
        let shown = (!fresh || to.from_known).then_some(&*run.state);
        let (apply, v) = to.violation(mv, None, &run.id, shown);
        self.run.violations.extend(v);
        if !apply {
            return false;
        }
        let previous_at = self.run.transitions.last().and_then(|t| t.at);
        let from = std::mem::replace(&mut self.run.state, Cow::Borrowed(to.name));
        let mut t = transition(Some(from), mv, to.name, previous_at);
        t.status = Some(to.status);
        t.milestone = to.milestone;
        self.run.transitions.push(t);
        if let Canonical::Run(status) = to.status {
            self.run.status = status;
            // Retention ages a run from when it ended last: a run reopened
            // (a re-run, a Tasker retry) is not ended until it ends again.
            if !status.is_terminal() {
                self.ended_seen = None;
            } else if self.ended_seen.is_none() {
                self.ended_seen = self.seen;
            }
        }
        true
    }

    /// Moves step `idx` to `to` under the shared policy, as [`move_run`](Self::move_run).
    pub fn move_step<M: StepMachine>(&mut self, idx: usize, mv: &Move<'_>, to: M) -> bool {
        let step = &self.run.steps[idx];
        let from = start::<M>(mv.anew, step.transitions.is_empty(), &step.state);
        let reached = Reached::of(
            to,
            judge(from, to),
            from.is_some(),
            Canonical::Step(to.status()),
        );
        self.apply_step(idx, mv, reached)
    }

    /// Applies a judged move of step `idx` (not generic, as `apply_run`).
    fn apply_step(&mut self, idx: usize, mv: &Move<'_>, to: Reached) -> bool {
        let step = &self.run.steps[idx];
        let fresh = step.transitions.is_empty();
        let shown = (!fresh || to.from_known).then_some(&*step.state);
        let (apply, v) = to.violation(mv, Some(&step.id), &step.id, shown);
        self.run.violations.extend(v);
        if !apply {
            return false;
        }
        let step = &mut self.run.steps[idx];
        let previous_at = step.transitions.last().and_then(|t| t.at);
        let from = std::mem::replace(&mut step.state, Cow::Borrowed(to.name));
        // A step's first transition out of `pending` (where swamp and Tasker
        // steps are born) names no `from`, as it always has.
        let from = (!fresh || from != "pending").then_some(from);
        let mut t = transition(from, mv, to.name, previous_at);
        t.status = Some(to.status);
        step.transitions.push(t);
        if let Canonical::Step(status) = to.status {
            step.status = status;
        }
        true
    }
}

/// Where a move starts from, for the policy: nothing for a new attempt, the
/// machine's birth state for a thing never moved, else its state.
fn start<M: Machine>(anew: bool, fresh: bool, state: &str) -> Option<M> {
    match (anew, fresh) {
        (true, _) => None,
        (false, true) => M::BORN,
        (false, false) => M::parse(state),
    }
}

/// A move, judged, with what its target state means: all the slot needs to
/// apply it without knowing the dialect.
struct Reached {
    verdict: Verdict,
    /// Whether the policy knew the state it moved from.
    from_known: bool,
    name: &'static str,
    noun: &'static str,
    engine: &'static str,
    status: Canonical,
    milestone: Option<Milestone>,
}

impl Reached {
    fn of<M: Machine>(to: M, verdict: Verdict, from_known: bool, status: Canonical) -> Reached {
        Reached {
            verdict,
            from_known,
            name: to.name(),
            noun: M::NOUN,
            engine: M::ENGINE,
            status,
            milestone: None,
        }
    }

    /// Whether to apply the move, and the violation it is, if it is one.
    fn violation(
        &self,
        mv: &Move<'_>,
        step: Option<&str>,
        id: &str,
        shown: Option<&str>,
    ) -> (bool, Option<Violation>) {
        let (apply, why) = match self.verdict {
            Verdict::Apply => return (true, None),
            Verdict::Ignored => return (false, None),
            Verdict::Flagged(why) => (true, why),
            Verdict::Refused(why) => (false, why),
        };
        let message = policy_message(why, self.noun, self.engine, id, shown, self.name);
        let mut v = violation(mv, step, shown, message);
        v.to = self.name.to_string();
        (apply, Some(v))
    }
}

fn violation(mv: &Move<'_>, step: Option<&str>, from: Option<&str>, message: String) -> Violation {
    Violation {
        event: mv.event.to_string(),
        line: mv.line,
        step: step.map(str::to_string),
        from: from.map(str::to_string),
        to: mv.to_state.to_string(),
        message,
        at: mv.at,
    }
}

/// Appends the index key of a (job, step) pair to `out`: length-prefixed
/// (`{job.len()}:{job}{step}`), so unambiguous whatever characters the names
/// hold (the W1 lesson).
pub fn push_step_key(out: &mut String, job: &str, step: &str) {
    push_len(out, job.len());
    out.push_str(job);
    out.push_str(step);
}

/// `n` in decimal and a `:`, the length prefix of a key part (without `fmt`,
/// which cost more than the rest of the key, per event).
pub fn push_len(out: &mut String, n: usize) {
    for &d in crate::decimal::digits(n as u64, &mut [0u8; 20]) {
        out.push(char::from(d));
    }
    out.push(':');
}

fn transition(
    from: Option<Cow<'static, str>>,
    mv: &Move<'_>,
    to: &'static str,
    previous_at: Option<Timestamp>,
) -> Transition {
    Transition {
        from,
        to: Cow::Borrowed(to),
        event: mv.event.to_string(),
        reason: mv.reason.clone(),
        at: mv.at,
        in_previous_ms: match (previous_at, mv.at) {
            (Some(p), Some(a)) => Some(a.millis_since(p)),
            _ => None,
        },
        status: None,
        milestone: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_lengths_are_written_in_decimal() {
        for n in [0usize, 7, 10, 99, 100, 12345, usize::MAX] {
            let mut out = String::from("x");
            push_len(&mut out, n);
            assert_eq!(out, format!("x{n}:"));
        }
        let mut key = String::new();
        push_step_key(&mut key, "a:b", "c");
        assert_eq!(key, "3:a:bc");
    }
}
