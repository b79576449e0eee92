//! The run model's data: runs, jobs, steps, attempts, transitions, violations.
//! It serialises (camelCase, absent values omitted) as the snapshot the viewer
//! and exporters read.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

pub use super::dialects::Dialect;
pub use super::lifecycle::Milestone;
use super::status::{RunStatus, StepStatus};
use crate::entry::TelemetryEntry;
use crate::time::Timestamp;

/// One state change, as the dialect names its states.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Transition {
    /// States are from each dialect's fixed list, so these are not allocated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Cow<'static, str>>,
    pub to: Cow<'static, str>,
    /// The event that caused it.
    pub event: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    /// Time spent in `from`, when both instants are known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_previous_ms: Option<i64>,
    /// The canonical status it moved to, whatever the dialect's state names
    /// (not serialised: the snapshot's shape stays as it was; exporters read
    /// it in memory).
    #[serde(skip)]
    pub status: Option<Canonical>,
    /// What it means for a run's lifecycle (a run's transitions only).
    #[serde(skip)]
    pub milestone: Option<Milestone>,
}

/// A canonical status: a run's or a step's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canonical {
    Run(RunStatus),
    Step(StepStatus),
}

/// A transition the dialect's state machine does not allow, or an event that
/// cannot be placed. Recorded, never applied silently, never a crash.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    /// The offending event's name (`kind` or dotted name).
    pub event: String,
    /// Input line, when the event came from NDJSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    pub to: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
}

/// How a failure is classified, for operators and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// A method (swamp) or module (orchestrator) or step handler (Tasker) failed.
    Method,
    /// A structural failure: workflow-task step, nesting, cycle, validation
    /// before the method, or a failure with no step to blame.
    Structural,
    /// An illegal transition was observed.
    Transition,
    /// A crash (`job.module.panic`).
    Panic,
    /// Cancelled or timed out from outside.
    Cancellation,
    /// The run never ended: the next run started on its source first (its
    /// engine died or lost it), so what it was doing is unknown.
    Abandoned,
}

impl FailureClass {
    /// Its name in snapshots and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureClass::Method => "method",
            FailureClass::Structural => "structural",
            FailureClass::Transition => "transition",
            FailureClass::Panic => "panic",
            FailureClass::Cancellation => "cancellation",
            FailureClass::Abandoned => "abandoned",
        }
    }
}

/// A failure: what, why, and its class. Messages are redacted at ingestion.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    pub class: FailureClass,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    pub message: String,
    /// Recorded as failed, but the run was allowed to continue (swamp `allowedFailure`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allowed: bool,
}

/// One try of a step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub number: u32,
    pub status: StepStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queued_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
}

/// A step (swamp step, orchestrator module, Tasker step).
///
/// Serialised by hand (below) rather than derived: a lite step (see
/// [`Step::lite`]) leaves out the fields it holds back, which a derive cannot
/// express. Absent values are omitted, as everywhere in the snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Unique within the run: `job/step` for swamp, the module or step name otherwise.
    pub id: String,
    pub job: String,
    pub name: String,
    pub status: StepStatus,
    /// The dialect's state name (one of a fixed list, so not allocated).
    pub state: Cow<'static, str>,
    pub attempts: Vec<Attempt>,
    pub transitions: Vec<Transition>,
    pub depends_on: Vec<String>,
    pub error: Option<Failure>,
    pub queued_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    pub duration_ms: Option<i64>,
    /// Step inputs and results, redacted.
    pub inputs: Option<Value>,
    pub results: Option<Value>,
    /// A nested run started by this step (swamp workflow-task steps).
    pub child_run: Option<String>,
    /// The redacted child telemetry entry of this step (swamp).
    pub telemetry: Option<TelemetryEntry>,
    /// The last lines the step wrote (swamp `method_output`), redacted at
    /// ingestion and bounded ([`Step::push_output`]): the evidence next to
    /// an error's first line.
    pub output: Vec<String>,
    /// Over its duration threshold.
    pub over_threshold: bool,
    /// On the run's critical path.
    pub critical: bool,
    /// Set only on the steps of a lite snapshot ([`super::RunModel::snapshot_lite`]),
    /// which leave out `transitions`, `telemetry`, `inputs` and `results`: the
    /// index to fetch them with ([`super::RunModel::step_detail`]).
    pub detail_ref: Option<u32>,
}

impl Step {
    pub fn new(
        id: String,
        job: String,
        name: String,
        state: &'static str,
        status: StepStatus,
    ) -> Self {
        Step {
            id,
            job,
            name,
            status,
            state: Cow::Borrowed(state),
            attempts: Vec::new(),
            transitions: Vec::new(),
            depends_on: Vec::new(),
            error: None,
            queued_at: None,
            started_at: None,
            ended_at: None,
            duration_ms: None,
            inputs: None,
            results: None,
            child_run: None,
            telemetry: None,
            output: Vec::new(),
            over_threshold: false,
            critical: false,
            detail_ref: None,
        }
    }

    /// Keeps `line` (already redacted) as the step's latest output: at most
    /// [`OUTPUT_LINES`] lines of at most [`OUTPUT_LINE_CHARS`] characters, the
    /// oldest dropped first, so a step that prints for hours holds a screen's
    /// worth.
    pub fn push_output(&mut self, line: &str) {
        if self.output.len() == OUTPUT_LINES {
            self.output.remove(0);
        }
        let cut = line
            .char_indices()
            .nth(OUTPUT_LINE_CHARS)
            .map_or(line.len(), |(i, _)| i);
        let mut kept = line[..cut].to_string();
        if cut < line.len() {
            kept.push('…');
        }
        self.output.push(kept);
    }

    /// A copy without what only a step's detail view shows (`transitions`,
    /// `telemetry`, `inputs`, `results`, `output`), marked with `detail_ref`. A 100,000-
    /// event log's full snapshot is about three times the size of its lite one,
    /// and the viewer needs those fields for one step at a time.
    pub fn lite(&self, detail_ref: u32) -> Step {
        Step {
            id: self.id.clone(),
            job: self.job.clone(),
            name: self.name.clone(),
            status: self.status,
            state: self.state.clone(),
            attempts: self.attempts.clone(),
            transitions: Vec::new(),
            depends_on: self.depends_on.clone(),
            error: self.error.clone(),
            queued_at: self.queued_at,
            started_at: self.started_at,
            ended_at: self.ended_at,
            duration_ms: self.duration_ms,
            inputs: None,
            results: None,
            child_run: self.child_run.clone(),
            telemetry: None,
            output: Vec::new(),
            over_threshold: self.over_threshold,
            critical: self.critical,
            detail_ref: Some(detail_ref),
        }
    }

    /// What [`Step::lite`] leaves out.
    pub fn held_back(&self) -> HeldBack<'_> {
        HeldBack {
            transitions: &self.transitions,
            telemetry: self.telemetry.as_ref(),
            inputs: self.inputs.as_ref(),
            results: self.results.as_ref(),
            output: &self.output,
        }
    }

    /// The current attempt, opening the first if none exists.
    pub fn attempt_mut(&mut self) -> &mut Attempt {
        if self.attempts.is_empty() {
            self.attempts.push(Attempt::new(1));
        }
        let last = self.attempts.len() - 1;
        &mut self.attempts[last]
    }

    /// Opens a new attempt (a retry).
    pub fn new_attempt(&mut self) -> &mut Attempt {
        let n = self.attempts.len() as u32 + 1;
        self.attempts.push(Attempt::new(n));
        let last = self.attempts.len() - 1;
        &mut self.attempts[last]
    }
}

impl Attempt {
    pub fn new(number: u32) -> Self {
        Attempt {
            number,
            status: StepStatus::Pending,
            queued_at: None,
            started_at: None,
            ended_at: None,
            duration_ms: None,
            error: None,
        }
    }
}

/// A job within a run (swamp jobs; a single implicit job otherwise).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// Fan-out accountability: every step is in exactly one bucket, so
/// `spawned == pending + running + completed + failed + panicked + cancelled + skipped`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepCounts {
    pub spawned: u32,
    pub pending: u32,
    pub running: u32,
    pub completed: u32,
    pub failed: u32,
    pub panicked: u32,
    pub cancelled: u32,
    pub skipped: u32,
}

impl Serialize for Step {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let lite = self.detail_ref.is_some();
        let mut st = serializer.serialize_struct("Step", 20)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("job", &self.job)?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("status", &self.status)?;
        st.serialize_field("state", &self.state)?;
        st.serialize_field("attempts", &self.attempts)?;
        if !lite {
            st.serialize_field("transitions", &self.transitions)?;
        }
        if !self.depends_on.is_empty() {
            st.serialize_field("dependsOn", &self.depends_on)?;
        }
        optional(&mut st, "error", &self.error)?;
        optional(&mut st, "queuedAt", &self.queued_at)?;
        optional(&mut st, "startedAt", &self.started_at)?;
        optional(&mut st, "endedAt", &self.ended_at)?;
        optional(&mut st, "durationMs", &self.duration_ms)?;
        optional(&mut st, "inputs", &self.inputs)?;
        optional(&mut st, "results", &self.results)?;
        optional(&mut st, "childRun", &self.child_run)?;
        optional(&mut st, "telemetry", &self.telemetry)?;
        if !self.output.is_empty() {
            st.serialize_field("output", &self.output)?;
        }
        if self.over_threshold {
            st.serialize_field("overThreshold", &true)?;
        }
        if self.critical {
            st.serialize_field("critical", &true)?;
        }
        optional(&mut st, "detailRef", &self.detail_ref)?;
        st.end()
    }
}

/// Writes `key` only when `value` is present (the snapshot omits absent values).
fn optional<S: serde::ser::SerializeStruct, T: Serialize>(
    st: &mut S,
    key: &'static str,
    value: &Option<T>,
) -> Result<(), S::Error> {
    match value {
        Some(v) => st.serialize_field(key, v),
        None => Ok(()),
    }
}

/// The part of a step a lite snapshot holds back ([`Step::lite`]), as the
/// detail view fetches it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeldBack<'a> {
    pub transitions: &'a [Transition],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub telemetry: Option<&'a TelemetryEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<&'a Value>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub output: &'a [String],
}

/// Output lines a step keeps ([`Step::push_output`]).
pub const OUTPUT_LINES: usize = 20;
/// Characters kept of one output line.
pub const OUTPUT_LINE_CHARS: usize = 500;

impl StepCounts {
    pub fn add(&mut self, status: StepStatus) {
        self.spawned = self.spawned.saturating_add(1);
        match status {
            StepStatus::Pending | StepStatus::Queued => {
                self.pending = self.pending.saturating_add(1)
            }
            StepStatus::Running | StepStatus::Retrying => {
                self.running = self.running.saturating_add(1)
            }
            StepStatus::Completed => self.completed = self.completed.saturating_add(1),
            StepStatus::Failed => self.failed = self.failed.saturating_add(1),
            StepStatus::Panicked => self.panicked = self.panicked.saturating_add(1),
            StepStatus::Cancelled => self.cancelled = self.cancelled.saturating_add(1),
            StepStatus::Skipped => self.skipped = self.skipped.saturating_add(1),
        }
    }

    /// The invariant: the buckets add up to `spawned`.
    pub fn adds_up(&self) -> bool {
        self.pending
            + self.running
            + self.completed
            + self.failed
            + self.panicked
            + self.cancelled
            + self.skipped
            == self.spawned
    }
}

/// A run (swamp workflow run, orchestrator job, Tasker task).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub id: String,
    pub dialect: Dialect,
    pub name: String,
    pub status: RunStatus,
    /// The dialect's state name (one of a fixed list, so not allocated).
    pub state: Cow<'static, str>,
    /// The stream it came from, when not the default one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The instant of its latest event (the event's timestamp, or its
    /// arrival on the model's clock).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_event_at: Option<Timestamp>,
    /// Not ended, and no event for longer than the model's `stall_after_ms`
    /// on its clock: reported, not closed (its engine may come back).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stalled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_correlation_id: Option<String>,
    /// The enclosing run of a nested run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_run: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_step: Option<String>,
    /// The parent CLI invocation of the child telemetry entries (swamp).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_invocation_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queued_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    pub jobs: Vec<Job>,
    pub steps: Vec<Step>,
    pub transitions: Vec<Transition>,
    pub violations: Vec<Violation>,
}

impl Run {
    pub fn new(
        id: String,
        dialect: Dialect,
        name: String,
        state: &'static str,
        status: RunStatus,
    ) -> Self {
        Run {
            id,
            dialect,
            name,
            status,
            state: Cow::Borrowed(state),
            source: None,
            last_event_at: None,
            stalled: false,
            project: None,
            correlation_id: None,
            parent_correlation_id: None,
            parent_run: None,
            parent_step: None,
            parent_invocation_id: None,
            queued_at: None,
            started_at: None,
            ended_at: None,
            error: None,
            context: None,
            jobs: Vec::new(),
            steps: Vec::new(),
            transitions: Vec::new(),
            violations: Vec::new(),
        }
    }

    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }

    pub fn counts(&self) -> StepCounts {
        let mut c = StepCounts::default();
        for s in &self.steps {
            c.add(s.status);
        }
        c
    }
}
