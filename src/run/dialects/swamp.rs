//! The swamp dialect: workflow runs from canonical `kind` events.
//!
//! Run machine: running (at `started`) -> completed | failed | cancelled (at
//! `completed` or `error`) | abandoned (the next run started on its source
//! first). Step machine: pending -> running (`step_started`) -> executing
//! (`method_executing`) -> completed | failed | skipped; a terminal step never
//! moves again.
//!
//! Which run an event belongs to and when runs end is decided by the
//! telemetry bridge of the event's source (`crate::bridge::runs` states the
//! rules): this adapter keeps one bridge per source, feeds it every event,
//! applies what it decided to the runs, and attaches each child entry it
//! closes to its step. So the entries and the runs agree by construction,
//! and the rules are written once.

use std::rc::Rc;

// foldhash, not SipHash: per-event lookups on short keys (as in the bridge).
use foldhash::HashMap;

use crate::bridge::{Routed, Start, TelemetryBridge, ABANDONED};
use crate::clock::Clock;
use crate::entry::TelemetryEntry;
use crate::event::{Event, WorkflowEvent};
use crate::ids::IdSource;
use crate::run::core::RunModelCore;
use crate::run::input::{IngestError, Input};
use crate::run::lifecycle::{states, Machine, RunMachine, States, StepMachine, Unlisted};
use crate::run::model::{Dialect, Failure, FailureClass, Job, Milestone, Run};
use crate::run::slot::{push_len, push_step_key, Move, RunSlot};
use crate::run::status::{RunStatus, StepStatus};
use crate::time::Timestamp;

/// The bridges' clock inside the run model: the instant of the event being
/// ingested (its timestamp, or its arrival).
#[derive(Clone, Default)]
pub struct EventClock(pub Rc<std::cell::Cell<Option<Timestamp>>>);

impl Clock for EventClock {
    fn now(&mut self) -> Timestamp {
        self.0.get().unwrap_or(Timestamp::EPOCH)
    }
}

/// One id source shared by the bridges of every source, so a replayed log
/// gives the same entry ids whatever its sources.
#[derive(Clone)]
pub struct SharedIds(pub Rc<std::cell::RefCell<Box<dyn IdSource>>>);

impl IdSource for SharedIds {
    fn next_id(&mut self) -> String {
        self.0.borrow_mut().next_id()
    }
}

/// swamp-specific state of the model.
pub struct SwampState {
    /// One bridge per source, and when it last had an event (a tick).
    sources: HashMap<Rc<str>, (TelemetryBridge, u64)>,
    tick: u64,
    clock: EventClock,
    ids: SharedIds,
    /// Model names seen per (run, step), under [`names_key`]: never shown, only
    /// scrubbed from error text, as the bridge does for entries.
    model_names: HashMap<String, String>,
    /// Every model name seen (bounded), to scrub from events passed on raw.
    seen_models: std::collections::BTreeSet<String>,
    /// A buffer for the keys built per event, kept to reuse its allocation.
    scratch: String,
    /// Copies of the child entries closed, while a host collects them.
    pub collected: Option<Vec<TelemetryEntry>>,
}

/// Model names remembered for scrubbing events passed on; beyond this many
/// distinct names, further ones are not remembered.
const MAX_SEEN_MODELS: usize = 10_000;

/// Sources kept at most. A sidecar names sources after what producers send
/// (`?source=`); beyond this many, the one idle the longest is forgotten
/// (and when every source has a run going, the least recently heard one's
/// runs are taken as abandoned), so no producer can grow the model forever.
pub const MAX_SOURCES: usize = 1024;

impl SwampState {
    pub fn new(ids: Box<dyn IdSource>) -> Self {
        SwampState {
            sources: HashMap::default(),
            tick: 0,
            clock: EventClock::default(),
            ids: SharedIds(Rc::new(std::cell::RefCell::new(ids))),
            model_names: HashMap::default(),
            seen_models: Default::default(),
            scratch: String::new(),
            collected: None,
        }
    }

    /// The model names this model has seen.
    pub fn seen_models(&self) -> impl Iterator<Item = &str> {
        self.seen_models.iter().map(|s| s.as_str())
    }

    /// Invocations open over every source.
    pub fn in_flight(&self) -> usize {
        self.sources.values().map(|(b, _)| b.in_flight()).sum()
    }

    /// Forgets what is kept of a run the model no longer holds: the model
    /// names of its steps that never ended (an abandoned run's).
    pub fn forget_run(&mut self, id: &str) {
        let mut prefix = String::new();
        push_len(&mut prefix, id.len());
        prefix.push_str(id);
        if !self.model_names.is_empty() {
            self.model_names.retain(|k, _| !k.starts_with(&prefix));
        }
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

fn step_state(kind: &str) -> Option<StepState> {
    Some(match kind {
        "step_started" => StepState::Running,
        "method_executing" => StepState::Executing,
        "step_completed" => StepState::Completed,
        "step_failed" => StepState::Failed,
        "step_skipped" => StepState::Skipped,
        _ => return None,
    })
}

states! {
    /// A swamp run's state: `pending` only while it is known by its step
    /// events alone, before its `started`.
    pub enum RunState {
        Pending = "pending",
        Running = "running",
        Completed = "completed",
        Failed = "failed",
        Cancelled = "cancelled",
        Abandoned = "abandoned",
    }
}

impl Machine for RunState {
    const NOUN: &'static str = "run";
    const ENGINE: &'static str = "swamp";
    const BORN: Option<Self> = Some(RunState::Pending);
    const UNLISTED: Unlisted = Unlisted::Forward;

    /// A run ends from wherever it is, even one only its steps announced.
    fn allows(from: Option<Self>, to: Self) -> bool {
        let from = from.unwrap_or(RunState::Pending);
        !from.is_terminal() && to.order() > from.order()
    }
    fn is_terminal(self) -> bool {
        self.order() >= RunState::Completed.order()
    }
}

impl RunMachine for RunState {
    fn status(self) -> RunStatus {
        match self {
            RunState::Pending => RunStatus::Pending,
            RunState::Running => RunStatus::Running,
            RunState::Completed => RunStatus::Completed,
            RunState::Failed => RunStatus::Failed,
            RunState::Cancelled => RunStatus::Cancelled,
            RunState::Abandoned => RunStatus::Abandoned,
        }
    }
    fn milestone(self) -> Option<Milestone> {
        Some(match self {
            RunState::Pending => return None,
            RunState::Running => Milestone::Started,
            RunState::Completed => Milestone::Completed,
            RunState::Failed => Milestone::Failed,
            RunState::Cancelled => Milestone::Cancelled,
            RunState::Abandoned => Milestone::Abandoned,
        })
    }
}

states! {
    /// A swamp step's state: `running` at `step_started`, `executing` once
    /// its method runs; `cancelled` when its run ended with it open.
    pub enum StepState {
        Pending = "pending",
        Running = "running",
        Executing = "executing",
        Completed = "completed",
        Failed = "failed",
        Skipped = "skipped",
        Cancelled = "cancelled",
    }
}

impl Machine for StepState {
    const NOUN: &'static str = "step";
    const ENGINE: &'static str = "swamp";
    const BORN: Option<Self> = Some(StepState::Pending);
    const UNLISTED: Unlisted = Unlisted::Forward;

    /// Forward, except that a step that never started cannot have completed
    /// (kept, flagged); it can fail, be skipped, or run its method at once.
    fn allows(from: Option<Self>, to: Self) -> bool {
        let from = from.unwrap_or(StepState::Pending);
        !from.is_terminal()
            && to.order() > from.order()
            && !(from == StepState::Pending && to == StepState::Completed)
    }
    fn is_terminal(self) -> bool {
        self.order() >= StepState::Completed.order()
    }
}

impl StepMachine for StepState {
    fn status(self) -> StepStatus {
        match self {
            StepState::Pending => StepStatus::Pending,
            StepState::Running | StepState::Executing => StepStatus::Running,
            StepState::Completed => StepStatus::Completed,
            StepState::Failed => StepStatus::Failed,
            StepState::Skipped => StepStatus::Skipped,
            StepState::Cancelled => StepStatus::Cancelled,
        }
    }
}

/// What the event is, read and validated before anything is applied.
struct Facts<'v> {
    kind: &'v str,
    run_id: Option<&'v str>,
    job: Option<&'v str>,
    step: Option<&'v str>,
    correlation: Option<&'v str>,
    parent_correlation: Option<&'v str>,
    at: Option<Timestamp>,
    line: Option<usize>,
}

impl Facts<'_> {
    fn mv<'a>(&'a self, to: impl Machine, reason: Option<String>) -> Move<'a> {
        Move {
            event: self.kind,
            to_state: to.name(),
            reason,
            at: self.at,
            line: self.line,
            anew: false,
        }
    }
}

/// The swamp dialect: an event with a `kind`.
pub(super) const SPEC: super::Spec = super::Spec {
    dialect: Dialect::Swamp,
    name: "swamp",
    events: "a swamp kind",
    recognise: |input| input.kind(),
    ingest,
};

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
    // Validate: the bridge's typed view checks the kinds it acts on.
    let event = input.swamp_event()?;
    let f = Facts {
        kind: input.name,
        run_id: input.opt_str("runId")?,
        job: input.opt_str("jobId")?,
        step: input.opt_str("stepId")?,
        correlation: match input.opt_str("correlationId")? {
            Some(c) => Some(c),
            None => input.opt_str("correlation_id")?,
        },
        parent_correlation: match input.opt_str("parentCorrelationId")? {
            Some(c) => Some(c),
            None => input.opt_str("parent_correlation_id")?,
        },
        at: core.event_at,
        line,
    };
    if step_state(f.kind).is_some() && (f.job.is_none() || f.step.is_none()) {
        let field = if f.job.is_none() { "jobId" } else { "stepId" };
        return Err(IngestError::Missing {
            field,
            event: f.kind.to_string(),
        });
    }
    let model = input.opt_str("modelName")?;
    let output = match f.kind {
        "method_output" => input.opt_str("line")?,
        _ => None,
    };
    let status_field = input.opt_str("status").ok().flatten().unwrap_or("");
    let error_text = (f.kind == "error").then(|| error_text(input));
    let jobs = matches!(event.kind, WorkflowEvent::Started(_)).then(|| jobs_of(input));

    // Everything is valid: route it through the source's bridge.
    core.swamp.clock.0.set(f.at);
    let mut entries = Vec::new();
    if core.swamp.sources.len() >= MAX_SOURCES && !core.swamp.sources.contains_key(&*core.source) {
        retire_source(core, &f, &mut entries);
    }
    let (belongs, last_root, routed) = route(core, &event, f.run_id, &mut entries);
    // Where a step or job event goes: the run it names or the active root;
    // with no run active, the latest root (the event is late: recorded as a
    // violation there), or no run at all ("").
    let late = belongs.is_none();
    let target: Rc<str> = belongs.or(last_root).unwrap_or_else(|| Rc::from(""));

    let step_key_at = match (f.job, f.step) {
        (Some(j), Some(s)) => Some(names_key(key, &target, j, s)),
        _ => None,
    };
    remember_model(core, key, step_key_at.is_some(), model);
    let failure_message = match &event.kind {
        WorkflowEvent::StepFailed(sf) => {
            let known = step_key_at.and_then(|_| core.swamp.model_names.get(key.as_str()));
            // Filter before scrubbing model names, as the bridge does.
            Some(crate::redact::scrub::error_message(
                &core.filter.redact_text(first_line(&sf.error)),
                &[known.map(String::as_str), sf.model_name.as_deref()],
            ))
        }
        _ => None,
    };
    if step_key_at.is_some() && matches!(f.kind, "step_completed" | "step_failed" | "step_skipped")
    {
        core.swamp.model_names.remove(key.as_str());
    }

    match (&event.kind, &routed) {
        (WorkflowEvent::Started(s), Routed::Started(start)) => {
            apply_started(core, &f, &s.run_id, &s.workflow_name, start, jobs);
        }
        (WorkflowEvent::Ended(_), Routed::Ended(ended)) => {
            let reason = error_text.map(|e| core.filter.redact_text(&e));
            apply_ended(core, &f, &target, ended, status_field, reason);
        }
        (_, Routed::Step { ended }) => {
            if let (Some(job), Some(step), Some(at)) = (f.job, f.step, step_key_at) {
                let error_type = match &event.kind {
                    WorkflowEvent::StepFailed(sf) => core
                        .filter
                        .redact_text(sf.error_type.as_deref().unwrap_or("Error")),
                    _ => String::new(),
                };
                let step_key = key[at..].to_string();
                let ctx = StepFacts {
                    event: &event,
                    job,
                    step,
                    step_key: &step_key,
                    late,
                    failure_message,
                    error_type,
                };
                apply_step(core, &f, &target, &ctx);
            }
            end_nested(core, &f, ended, &event);
        }
        _ => {}
    }
    if let (Some(j), true) = (f.job, f.kind.starts_with("job_")) {
        apply_job(core, &f, input, &target, j);
    }
    if let (Some(text), Some(at)) = (output, step_key_at) {
        let known = core.swamp.model_names.get(key.as_str()).cloned();
        apply_output(core, &target, &key[at..], &[known.as_deref(), model], text);
    }
    attach(core, entries, key);
    Ok(())
}

/// Feeds the event to its source's bridge: which run it belonged to when it
/// arrived, the source's latest root, and what it did to the runs.
fn route(
    core: &mut RunModelCore,
    event: &Event<'_>,
    run_id: Option<&str>,
    entries: &mut Vec<TelemetryEntry>,
) -> (Option<Rc<str>>, Option<Rc<str>>, Routed) {
    let swamp = &mut core.swamp;
    swamp.tick += 1;
    let tick = swamp.tick;
    let (bridge, used) = match swamp.sources.get_mut(&*core.source) {
        Some(b) => b,
        None => {
            let b = TelemetryBridge::new(
                core.bridge_config.clone(),
                swamp.clock.clone(),
                swamp.ids.clone(),
            )
            .with_filter(core.filter.clone());
            swamp
                .sources
                .entry(core.source.clone())
                .or_insert((b, tick))
        }
    };
    *used = tick;
    let belongs = bridge.run_of(run_id);
    let last_root = bridge.last_root().cloned();
    let routed = bridge.observe_routed(event, entries);
    (belongs, last_root, routed)
}

/// Makes room for a new source ([`MAX_SOURCES`]): forgets the source idle
/// the longest; when every source has a run going, the least recently heard
/// one, whose runs end abandoned and whose running methods are closed as such.
fn retire_source(core: &mut RunModelCore, f: &Facts<'_>, entries: &mut Vec<TelemetryEntry>) {
    let swamp = &mut core.swamp;
    let idle = |b: &TelemetryBridge| b.active_runs().next().is_none() && b.in_flight() == 0;
    let victim = swamp
        .sources
        .iter()
        .filter(|(_, (b, _))| idle(b))
        .min_by_key(|(_, (_, used))| *used)
        .or_else(|| swamp.sources.iter().min_by_key(|(_, (_, used))| *used))
        .map(|(k, _)| k.clone());
    let Some((mut bridge, _)) = victim.and_then(|k| swamp.sources.remove(&k)) else {
        return;
    };
    let gone: Vec<String> = bridge.active_runs().map(str::to_string).collect();
    entries.extend(bridge.finalize_at(Some(ABANDONED), f.at));
    for id in gone {
        let why = format!(
            "run {id} abandoned: its source was the least recently heard of {MAX_SOURCES} and was retired for a new one"
        );
        abandon(core, f, &id, why);
    }
}

fn remember_model(core: &mut RunModelCore, key: &str, has_key: bool, model: Option<&str>) {
    let Some(model) = model.filter(|m| has_key && !m.is_empty()) else {
        return;
    };
    let swamp = &mut core.swamp;
    match swamp.model_names.get_mut(key) {
        Some(known) => {
            if known != model {
                model.clone_into(known);
            }
        }
        None => {
            swamp.model_names.insert(key.to_string(), model.to_string());
        }
    }
    if swamp.seen_models.len() < MAX_SEEN_MODELS && !swamp.seen_models.contains(model) {
        swamp.seen_models.insert(model.to_string());
    }
}

/// A `started`, placed as the bridge placed it.
fn apply_started(
    core: &mut RunModelCore,
    f: &Facts<'_>,
    id: &str,
    name: &str,
    start: &Start,
    jobs: Option<Vec<Job>>,
) {
    for gone in &start.abandoned {
        let why = format!("run {gone} abandoned: run {id} started on its source before it ended");
        abandon(core, f, gone, why);
    }
    let mv = f.mv(RunState::Running, None);
    // A run first seen through its step events is a placeholder until its
    // `started` arrives and fills it in.
    if let Some(slot) = core
        .existing_run(Dialect::Swamp, id)
        .filter(|s| !s.run.transitions.is_empty())
    {
        slot.violation(&mv, None, None, format!("run {id} started twice"));
        return;
    }
    let parent_invocation =
        Some(core.bridge_config.parent_invocation_id.clone()).filter(|p| !p.is_empty());
    let slot = core.run_slot(Dialect::Swamp, id, || placeholder(id));
    slot.run.name = name.to_string();
    slot.run.jobs = jobs.unwrap_or_default();
    slot.run.correlation_id = f.correlation.map(str::to_string);
    slot.run.parent_invocation_id = parent_invocation;
    slot.run.parent_correlation_id = f.parent_correlation.map(str::to_string);
    slot.run.started_at = f.at;
    slot.move_run(&mv, RunState::Running);
    if start.unknown_parent {
        let msg = format!("run {id} names a parent run that is not active on its source");
        slot.violation(&mv, None, None, msg);
    }
    let Some((parent, host)) = &start.parent else {
        return;
    };
    if nests_in(core, parent, id) {
        // A re-started run inside one of its own nested runs: nesting it
        // there would make a cycle, in which no run is top-level (retention
        // could evict none of them; found by the dialect_swamp fuzz target).
        let msg = format!("run {id} cannot nest in run {parent}, which nests in it");
        let slot = core.run_slot(Dialect::Swamp, id, || placeholder(id));
        slot.violation(&mv, None, None, msg);
        return;
    }
    let host = host.as_ref().map(|(j, s)| label(j, s));
    let mut parent_correlation = None;
    if let Some(pslot) = core.existing_run(Dialect::Swamp, parent) {
        if let Some(h) = &host {
            if let Some(st) = pslot.run.steps.iter_mut().find(|st| &st.id == h) {
                st.child_run = Some(id.to_string());
            }
        }
        parent_correlation = pslot.run.correlation_id.clone();
    }
    let slot = core.run_slot(Dialect::Swamp, id, || placeholder(id));
    if slot.run.parent_correlation_id.is_none() {
        slot.run.parent_correlation_id = parent_correlation;
    }
    slot.run.parent_run = Some(parent.to_string());
    slot.run.parent_step = host;
}

/// Whether run `run` is `id` or nests, through its parents, in `id`.
fn nests_in(core: &RunModelCore, run: &str, id: &str) -> bool {
    let mut at = Some(run);
    // Parents form no cycle (this check keeps it so); the bound is a guard.
    for _ in 0..=core.runs.len() {
        match at {
            None => return false,
            Some(a) if a == id => return true,
            Some(a) => {
                at = core
                    .runs
                    .position(Dialect::Swamp, a)
                    .and_then(|p| core.runs.get(p))
                    .and_then(|s| s.run.parent_run.as_deref());
            }
        }
    }
    true
}

/// A run that never ended (`message` says why it is taken for abandoned).
fn abandon(core: &mut RunModelCore, f: &Facts<'_>, id: &str, message: String) {
    let Some(slot) = core.held_run(Dialect::Swamp, id) else {
        return;
    };
    if slot.run.status.is_terminal() {
        return;
    }
    let mv = f.mv(RunState::Abandoned, Some(message.clone()));
    let from = slot.run.state.to_string();
    slot.violation(&mv, None, Some(&from), message.clone());
    slot.move_run(&mv, RunState::Abandoned);
    // When it died is unknown; its last event is the best guess, and does
    // not stretch its duration to whenever the next run came.
    slot.run.ended_at = slot.run.last_event_at.or(f.at);
    slot.run.error = Some(Failure {
        class: FailureClass::Abandoned,
        error_type: None,
        message,
        allowed: false,
    });
    let failure = Failure {
        class: FailureClass::Abandoned,
        error_type: None,
        message: ABANDONED.to_string(),
        allowed: false,
    };
    close_open_steps(slot, f, Some(&failure));
}

/// A `completed` or `error`: `ended` are the runs the bridge ended (the
/// root or the named run first); with none, the event was for a run no
/// longer active (`target`), or for none.
fn apply_ended(
    core: &mut RunModelCore,
    f: &Facts<'_>,
    target: &Rc<str>,
    ended: &[Rc<str>],
    status_field: &str,
    reason: Option<String>,
) {
    let root = match (ended.first(), f.run_id) {
        (Some(r), _) => r.clone(),
        (None, Some(named)) => Rc::from(named),
        (None, None) => target.clone(),
    };
    if !core.has_run(Dialect::Swamp, &root) {
        let to = if f.kind == "error" {
            "failed"
        } else {
            "completed"
        };
        let message = match f.run_id {
            Some(r) => format!("{} for run {r}, which never started", f.kind),
            None => format!("{} before any run started", f.kind),
        };
        core.orphan(f.kind, to, message, f.at, f.line);
        return;
    }
    let cancelled = f.kind == "error"
        && reason
            .as_deref()
            .is_some_and(|r| r.to_lowercase().contains("cancel"));
    let slot = core.run_slot(Dialect::Swamp, &root, || placeholder(&root));
    let any_failed =
        slot.run.steps.iter().any(|s| {
            s.status == StepStatus::Failed && !s.error.as_ref().is_some_and(|e| e.allowed)
        });
    let to = if cancelled || status_field == "cancelled" {
        RunState::Cancelled
    } else if f.kind == "error" || any_failed || status_field == "failed" {
        RunState::Failed
    } else {
        RunState::Completed
    };
    let mv = f.mv(to, reason.clone());
    if !slot.move_run(&mv, to) {
        return;
    }
    slot.run.ended_at = f.at;
    if f.kind == "error" {
        // As every dialect classes it: the failed step's class when a step
        // explains the error, structural only when none does.
        let class = crate::run::lifecycle::run_failure_class(&slot.run, cancelled);
        slot.run.error = Some(Failure {
            class,
            error_type: None,
            message: reason.unwrap_or_default(),
            allowed: false,
        });
    }
    close_open_steps(slot, f, None);
    for nested in ended.iter().skip(1) {
        end_run(core, f, nested, to);
    }
}

/// Ends a nested run with its host (or its root): `to`/`status` unless it
/// already ended.
fn end_run(core: &mut RunModelCore, f: &Facts<'_>, id: &str, to: RunState) {
    let Some(s) = core.existing_run(Dialect::Swamp, id) else {
        return;
    };
    let mv = f.mv(to, None);
    if s.move_run(&mv, to) {
        s.run.ended_at = f.at;
        close_open_steps(s, f, None);
    }
}

/// Nested runs that ended with the step that hosted them: completed with a
/// completed step, cancelled with a skipped one, failed otherwise.
fn end_nested(core: &mut RunModelCore, f: &Facts<'_>, ended: &[Rc<str>], event: &Event<'_>) {
    let to = match event.kind {
        WorkflowEvent::StepCompleted(_) => RunState::Completed,
        WorkflowEvent::StepSkipped(_) => RunState::Cancelled,
        _ => RunState::Failed,
    };
    for id in ended {
        end_run(core, f, id, to);
    }
}

/// What a step event says, beyond its [`Facts`].
struct StepFacts<'a, 'e> {
    event: &'a Event<'e>,
    job: &'a str,
    step: &'a str,
    /// The step's key within its run ([`push_step_key`]).
    step_key: &'a str,
    /// No run was active: the event is for `target`, which already ended.
    late: bool,
    failure_message: Option<String>,
    error_type: String,
}

/// A line the step wrote (`method_output`), kept on the step it names in
/// its run, redacted as an error message is (filtered secrets, the model's
/// name); a line for a step the run does not have is not kept.
fn apply_output(
    core: &mut RunModelCore,
    target: &str,
    step_key: &str,
    models: &[Option<&str>],
    text: &str,
) {
    let filtered = core.filter.redact_text(text);
    let Some(slot) = core.held_run(Dialect::Swamp, target) else {
        return;
    };
    let Some(i) = slot.step_index(step_key) else {
        return;
    };
    let line = crate::redact::scrub::error_message(&filtered, models);
    slot.run.steps[i].push_output(&line);
}

fn apply_step(core: &mut RunModelCore, f: &Facts<'_>, target: &str, c: &StepFacts<'_, '_>) {
    let Some(to) = step_state(f.kind) else {
        return;
    };
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
    let mut mv = f.mv(to, None);
    let step_label = || label(c.job, c.step);
    if !known {
        let message = if target.is_empty() {
            format!("step {} event before any run started", step_label())
        } else {
            format!(
                "step {} event for run {target} before its started",
                step_label()
            )
        };
        slot.violation(&mv, Some(&step_label()), None, message);
    }
    // A late event (no run active on its source; `target` is the latest
    // root, which ended) never creates a step: it is recorded on the run.
    if slot.run.status.is_terminal() || (c.late && known) {
        let msg = format!("step {} event after run {target} ended", step_label());
        slot.violation(&mv, Some(&step_label()), None, msg);
        return;
    }
    let idx = slot.step_at(c.step_key, step_label, c.job, c.step, "pending");
    let from = slot.run.steps[idx].state.clone();
    mv.reason = c.failure_message.clone();
    if !slot.move_step(idx, &mv, to) {
        return;
    }
    let status = to.status();
    let st = &mut slot.run.steps[idx];
    st.attempt_mut().status = status;
    if matches!(f.kind, "step_started" | "method_executing") {
        let attempt = st.attempt_mut();
        attempt.started_at = attempt.started_at.or(f.at);
        st.started_at = st.started_at.or(f.at);
        return;
    }
    let attempt = st.attempt_mut();
    attempt.ended_at = f.at;
    attempt.duration_ms = match (attempt.started_at, f.at) {
        (Some(s), Some(e)) => Some(e.millis_since(s)),
        _ => None,
    };
    st.ended_at = f.at;
    if let WorkflowEvent::StepFailed(sf) = &c.event.kind {
        let class = if from == "executing" || (sf.model_name.is_some() && sf.method_name.is_some())
        {
            FailureClass::Method
        } else {
            FailureClass::Structural
        };
        let failure = Failure {
            class,
            error_type: Some(c.error_type.clone()),
            message: c.failure_message.clone().unwrap_or_default(),
            allowed: sf.allowed_failure,
        };
        st.attempt_mut().error = Some(failure.clone());
        st.error = Some(failure);
    }
}

/// `job_*` events: the job's status on its run.
fn apply_job(core: &mut RunModelCore, f: &Facts<'_>, input: &Input<'_>, target: &str, job: &str) {
    let status = input
        .opt_str("status")
        .ok()
        .flatten()
        .map(|st| core.filter.redact_text(st))
        .unwrap_or_else(|| f.kind.trim_start_matches("job_").to_string());
    let Some(slot) = core.existing_run(Dialect::Swamp, target) else {
        // A job event for no known run: nothing to attach it to.
        let message = format!("{} for job {job} of no started run", f.kind);
        core.orphan(f.kind, &status, message, f.at, f.line);
        return;
    };
    match slot.run.jobs.iter_mut().find(|x| x.name == job) {
        Some(x) => x.status = Some(status),
        None => slot.run.jobs.push(Job {
            name: job.to_string(),
            depends_on: Vec::new(),
            status: Some(status),
        }),
    }
}

/// Attaches child entries to their steps, passing the entry's free text through
/// the parameter filter first: the bridge scrubs model names, the filter masks
/// `key=value` secrets, so the entry shown with a step leaks neither. `key` is
/// scratch space (overwritten).
fn attach(core: &mut RunModelCore, entries: Vec<TelemetryEntry>, key: &mut String) {
    for mut entry in entries {
        let filter = &core.filter;
        entry.result.error_message = entry.result.error_message.map(|m| filter.redact_text(&m));
        entry.result.error_type = entry.result.error_type.map(|t| filter.redact_text(&t));
        if let Some(all) = core.swamp.collected.as_mut() {
            all.push(entry.clone());
        }
        let Some(wc) = entry.workflow_context.as_ref() else {
            continue;
        };
        key.clear();
        push_step_key(key, &wc.job_name, &wc.step_name);
        let Some(ri) = core.run_position(Dialect::Swamp, &wc.run_id) else {
            continue;
        };
        let Some(slot) = core.runs.get_mut(ri) else {
            continue;
        };
        if let Some(idx) = slot.step_index(key) {
            slot.run.steps[idx].telemetry = Some(entry);
        }
    }
}

/// Ends every step still open when its run ends: cancelled, with `failure`
/// as the reason when there is one (an abandoned run's).
fn close_open_steps(slot: &mut RunSlot, f: &Facts<'_>, failure: Option<&Failure>) {
    for idx in 0..slot.run.steps.len() {
        if slot.run.steps[idx].status.is_terminal() {
            continue;
        }
        let mv = f.mv(StepState::Cancelled, failure.map(|x| x.message.clone()));
        slot.move_step(idx, &mv, StepState::Cancelled);
        let st = &mut slot.run.steps[idx];
        st.ended_at = f.at;
        if let Some(x) = failure {
            st.error = Some(x.clone());
        }
        let a = st.attempt_mut();
        a.status = StepStatus::Cancelled;
        a.ended_at = f.at;
        if let Some(x) = failure {
            a.error = Some(x.clone());
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

/// A swamp run known only by id so far.
fn placeholder(id: &str) -> Run {
    Run::new(
        id.to_string(),
        Dialect::Swamp,
        String::new(),
        "pending",
        RunStatus::Pending,
    )
}
