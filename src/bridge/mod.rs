//! The telemetry bridge: a state machine from workflow events to child entries.
//!
//! One bridge watches one workflow run stream (nested runs included) and turns
//! each step that ran a model method into one child `TelemetryEntry`, linked to
//! the parent CLI invocation. Semantics follow swamp PR #1349 with every known
//! weakness fixed:
//!
//! | outcome | entry |
//! |---|---|
//! | `method_executing` then `step_completed` | `success`, real duration |
//! | `method_executing` then `step_failed` | `error` (or `user_error` with `userError: true`), real duration |
//! | `step_failed` naming model and method, nothing in flight | `error`, synthesised, `durationMs` exactly 0 |
//! | `step_failed` without model or method (structural) | none |
//! | `step_completed` with nothing in flight | none |
//! | `allowedFailure: true` | recorded as an error like any failure |
//! | repeated `method_executing` for a step in flight | the earlier one closed as an error (W9) |
//! | `finalize(reason)` | every in-flight invocation closed as an error, in start order, one shared completion instant |
//!
//! Failure taxonomy, next to the code as swamp keeps it: a *method failure* has a
//! real duration; a *pre-method failure* (model lookup, validation, vault, vary
//! key) is synthesised at 0 ms; a *structural failure* (workflow-task step, cycle,
//! depth) produces nothing here; a *termination* (cancel, timeout, throw) is
//! drained by `finalize`.
//!
//! Attribution (W4) and streams: which run each event belongs to and when a
//! run ends are decided by [`runs`] (its module docs state the rules): a
//! bridge is one source, and a source carries any number of runs one after
//! another, nested runs, and runs whose engine died. In-flight state is keyed
//! per run scope.

mod config;
mod ndjson;
pub mod runs;
mod step_key;

// foldhash, not SipHash: three lookups per event, and the keys are short; its
// per-process seed still keeps colliding keys from being crafted offline.
use foldhash::HashMap;

pub use config::BridgeConfig;
pub use ndjson::{events, line_error, read_event, Events, NdjsonReport};
pub use step_key::{KeyView, StepKey};

use crate::clock::Clock;
use crate::entry::{
    parent, span, CommandInvocation, EntryProps, EntryRef, Failure, InvocationRef,
    InvocationResult, TelemetryEntry, WorkflowContext, WorkflowContextRef,
};
use crate::event::{Event, StepRef, WorkflowEvent};
use crate::ids::IdSource;
use crate::redact::filter::ParameterFilter;
use crate::redact::scrub;
use crate::time::Timestamp;
use runs::RunTracker;
use std::rc::Rc;

/// The message of invocations drained by `finalize()` without a reason, and
/// of those still open when their run ends.
pub const TERMINATED: &str = "workflow run terminated before completion";
/// The message of an invocation replaced by a repeated `method_executing`.
pub const SUPERSEDED: &str = "superseded by a repeated method_executing for the same step";
/// The message of invocations still open when their run was abandoned: the
/// next run started on the same source before it ended (its engine died).
pub const ABANDONED: &str =
    "workflow run abandoned: another run started on the same source before it ended";

/// An invocation that started and has not ended yet.
#[derive(Debug, Clone)]
struct InFlight {
    /// Start order, for draining in the order invocations began.
    seq: u64,
    started_at: Timestamp,
    model_name: Option<String>,
    method_name: String,
    model_type: Option<String>,
    driver: Option<String>,
}

/// What the bridge knows of one step until it ends.
#[derive(Debug, Default)]
struct StepState {
    /// `step_started` seen, in this order among steps: while nothing else is
    /// known of the step, it may host a nested run (a workflow-task step).
    started: Option<u64>,
    /// The nested run this step hosts.
    child: Option<Rc<str>>,
    /// The type from `model_resolved`, for this step's next invocation (W10:
    /// scoped to the step, gone when it ends).
    model_type: Option<String>,
    /// The invocation running now.
    running: Option<InFlight>,
}

impl StepState {
    /// Started, and known to run no method (yet): may host a nested run.
    fn may_host(&self) -> bool {
        self.started.is_some()
            && self.child.is_none()
            && self.model_type.is_none()
            && self.running.is_none()
    }
}

/// An invocation just closed: what is its own, owned, with the run it
/// belongs to as known when it closed. The rest of its entry (the parent's
/// identity and environment) the bridge lends when the entry is written or
/// handed out ([`TelemetryBridge::entry_ref`]): the batch path writes entries
/// without copying those onto each one.
#[derive(Debug)]
struct Closed {
    id: String,
    key: StepKey,
    run_id: Rc<str>,
    workflow_name: Rc<str>,
    record: InFlight,
    completed_at: Timestamp,
    result: InvocationResult,
    executor: Option<String>,
}

/// Counters a host can show or alert on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct BridgeStats {
    pub events: u64,
    pub ignored: u64,
    pub entries: u64,
    pub synthesised: u64,
    pub superseded: u64,
    /// Invocations closed because their run ended or was abandoned, or by
    /// `finalize`.
    pub drained: u64,
    /// Root runs started on the source.
    pub runs: u64,
    /// Runs abandoned: another run started before they ended.
    pub abandoned: u64,
}

/// What one event meant for the runs of the source: the bridge's routing,
/// which the run model applies to its runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Routed {
    /// Nothing about runs (an ignored kind, or an event after `finalize`).
    Nothing,
    /// A `started`.
    Started(Start),
    /// A `completed` or `error`: the runs that ended, the root (or the named
    /// run) first; empty when it named no active run.
    Ended(Vec<Rc<str>>),
    /// A step event; `ended`: nested runs that ended with the step that
    /// hosted them, outermost first. (Which run the step belongs to is
    /// [`TelemetryBridge::run_of`] before the event.)
    Step { ended: Vec<Rc<str>> },
}

/// The step (job, step) of a run that hosts a nested run.
pub type HostStep = (Box<str>, Box<str>);

/// How a `started` was placed.
#[derive(Debug, Clone, PartialEq)]
pub struct Start {
    /// The run it names was already active: nothing changed.
    pub duplicate: bool,
    /// Nested in this active run, and hosted by this step of it when one
    /// was found.
    pub parent: Option<(Rc<str>, Option<HostStep>)>,
    /// Runs that ended abandoned because this one started, root first.
    pub abandoned: Vec<Rc<str>>,
    /// It named a `parentRunId` that is not active on this source.
    pub unknown_parent: bool,
}

/// The bridge. Its clock supplies "now" for events without a timestamp; its
/// id source supplies entry ids. Both are trait objects rather than type
/// parameters: the package holds two bridges (the JS one, and the run model's)
/// with different clocks, and a generic bridge was compiled twice into the wasm
/// (~25 KB) for a call or two per entry that dynamic dispatch serves as well.
pub struct TelemetryBridge {
    config: BridgeConfig,
    clock: Box<dyn Clock>,
    ids: Box<dyn IdSource>,
    runs: RunTracker,
    /// Every step not ended yet, by (run scope, job, step): one map, so a step
    /// costs one key for its whole life (`step_started` to its end).
    steps: HashMap<StepKey, StepState>,
    /// Steps with an invocation running.
    running: usize,
    next_seq: u64,
    finalized: bool,
    last_event_at: Option<Timestamp>,
    stats: BridgeStats,
    filter: ParameterFilter,
    /// What one event closed, kept between events so that closing costs no
    /// allocation for the list (a `Closed` is a few hundred bytes).
    closed: Vec<Closed>,
    /// The reader of input pushed in chunks ([`TelemetryBridge::push_ndjson`]).
    reader: Option<crate::ndjson::LineReader>,
}

impl TelemetryBridge {
    pub fn new(
        config: BridgeConfig,
        clock: impl Clock + 'static,
        ids: impl IdSource + 'static,
    ) -> Self {
        TelemetryBridge::new_boxed(config, Box::new(clock), Box::new(ids))
    }

    /// [`new`](Self::new) with the clock and id source already boxed.
    pub fn new_boxed(config: BridgeConfig, clock: Box<dyn Clock>, ids: Box<dyn IdSource>) -> Self {
        TelemetryBridge {
            config,
            clock,
            ids,
            runs: RunTracker::default(),
            steps: HashMap::default(),
            running: 0,
            next_seq: 0,
            finalized: false,
            last_event_at: None,
            stats: BridgeStats::default(),
            filter: ParameterFilter::default(),
            closed: Vec::new(),
            reader: None,
        }
    }

    /// Replaces the parameter filter applied to error messages (default:
    /// Tasker's list, mask `[REDACTED]`): `token=abc` in an error becomes
    /// `token=[REDACTED]` before the entry exists, so no sink can leak it.
    pub fn with_filter(mut self, filter: ParameterFilter) -> Self {
        self.filter = filter;
        self
    }

    pub fn config(&self) -> &BridgeConfig {
        &self.config
    }

    /// How many invocations are open.
    pub fn in_flight(&self) -> usize {
        self.running
    }

    pub fn is_finalized(&self) -> bool {
        self.finalized
    }

    pub fn stats(&self) -> BridgeStats {
        let mut s = self.stats;
        s.runs = self.runs.roots;
        s.abandoned = self.runs.abandoned;
        s
    }

    /// The runs active on this source, root first.
    pub fn active_runs(&self) -> impl Iterator<Item = &str> {
        self.runs.active().iter().map(|a| &*a.id)
    }

    /// The run a step event with this `runId` belongs to now: the one it
    /// names, else the active root; `None` when it names none and no run is
    /// active (rule 5 of [`runs`]).
    pub fn run_of(&self, run_id: Option<&str>) -> Option<Rc<str>> {
        match self.runs.scope(run_id) {
            None => self.runs.root().cloned(),
            Some(id) => Some(self.runs.resolve(Some(id)).0),
        }
    }

    /// The latest root run of this source, active or ended.
    pub fn last_root(&self) -> Option<&Rc<str>> {
        self.runs.last_root()
    }

    /// The latest `timestamp` carried by an observed event, if any carried one:
    /// the natural `finalize_at` instant when replaying a recorded log.
    pub fn last_event_at(&self) -> Option<Timestamp> {
        self.last_event_at
    }

    /// Observes one event; returns the entries it closed, in order.
    pub fn observe(&mut self, event: &Event<'_>) -> Vec<TelemetryEntry> {
        let mut out = Vec::new();
        self.observe_into(event, &mut out);
        out
    }

    /// Observes one event, appending the entries it closed to `out`. After
    /// `finalize`, every event is ignored.
    pub fn observe_into(&mut self, event: &Event<'_>, out: &mut Vec<TelemetryEntry>) {
        self.observe_routed(event, out);
    }

    /// [`observe_into`](Self::observe_into), also saying what the event meant
    /// for the runs of the source (the run model applies it).
    pub fn observe_routed(&mut self, event: &Event<'_>, out: &mut Vec<TelemetryEntry>) -> Routed {
        let mut closed = std::mem::take(&mut self.closed);
        let routed = self.observe_closed(event, &mut closed);
        out.extend(closed.drain(..).map(|c| self.entry(c)));
        self.closed = closed;
        routed
    }

    /// Observes one event, lending each entry it closed to `visit`, in order:
    /// for a host that writes entries out at once, with no owned copy.
    pub fn observe_with(&mut self, event: &Event<'_>, mut visit: impl FnMut(&EntryRef<'_>)) {
        let mut closed = std::mem::take(&mut self.closed);
        self.observe_closed(event, &mut closed);
        for c in &closed {
            visit(&self.entry_ref(c));
        }
        closed.clear();
        self.closed = closed;
    }

    /// [`observe_into`](Self::observe_into), the closed invocations not yet
    /// made entries.
    fn observe_closed(&mut self, event: &Event<'_>, out: &mut Vec<Closed>) -> Routed {
        if self.finalized {
            return Routed::Nothing;
        }
        self.stats.events += 1;
        if let Some(t) = event.timestamp {
            self.last_event_at = Some(self.last_event_at.map_or(t, |l| l.max(t)));
        }
        let before = out.len();
        let routed = match &event.kind {
            WorkflowEvent::Started(e) => Routed::Started(self.on_started(event, e, out)),
            WorkflowEvent::Ended(e) => {
                let ended = match e.run_id.as_deref().or(self.runs.root().map(|r| &**r)) {
                    Some(id) if self.runs.root().is_some_and(|r| &**r == id) => {
                        let now = self.now(event);
                        self.drain_runs(None, Some(TERMINATED), now, out);
                        self.runs.end_all()
                    }
                    Some(id) if self.runs.is_active(id) => {
                        let id = Rc::<str>::from(id);
                        self.end_nested(&id, event, out)
                    }
                    _ => Vec::new(),
                };
                Routed::Ended(ended)
            }
            WorkflowEvent::StepStarted(step) => {
                let seq = self.next_seq;
                self.next_seq += 1;
                let st = self.state_mut(step);
                st.started.get_or_insert(seq);
                Routed::Step { ended: Vec::new() }
            }
            WorkflowEvent::ModelResolved(e) => {
                self.state_mut(&e.step).model_type = Some(e.model_type.to_string());
                Routed::Step { ended: Vec::new() }
            }
            WorkflowEvent::MethodExecuting(e) => {
                let now = self.now(event);
                self.on_method_executing(e, now, out);
                Routed::Step { ended: Vec::new() }
            }
            WorkflowEvent::StepCompleted(e) => {
                let now = self.now(event);
                let probe = self.probe(&e.step);
                let view: &dyn KeyView = &probe;
                let mut ended = Vec::new();
                if let Some((key, st)) = self.steps.remove_entry(view) {
                    if let Some(record) = st.running {
                        self.running -= 1;
                        let executor = e.executor.as_deref().map(str::to_string);
                        out.push(self.close(key, record, now, None, executor));
                    }
                    if let Some(child) = st.child {
                        ended = self.end_nested(&child, event, out);
                    }
                }
                Routed::Step { ended }
            }
            WorkflowEvent::StepFailed(e) => {
                let ended = self.on_step_failed(event, e, out);
                Routed::Step { ended }
            }
            WorkflowEvent::StepSkipped(step) => {
                let probe = self.probe(step);
                let view: &dyn KeyView = &probe;
                let mut child = None;
                if let Some(st) = self.steps.get_mut(view) {
                    child = st.child.take();
                    if st.running.is_none() {
                        self.steps.remove(view);
                    } else {
                        // A skip does not end a running invocation: its own
                        // end (or the run's) does.
                        st.started = None;
                        st.model_type = None;
                    }
                }
                let ended = match child {
                    Some(c) => self.end_nested(&c, event, out),
                    None => Vec::new(),
                };
                Routed::Step { ended }
            }
            WorkflowEvent::Other { .. } => {
                self.stats.ignored += 1;
                Routed::Nothing
            }
        };
        self.stats.entries += (out.len() - before) as u64;
        routed
    }

    /// The step's state, created if new (its key allocated only then).
    fn state_mut(&mut self, step: &StepRef<'_>) -> &mut StepState {
        let probe = self.probe(step);
        let view: &dyn KeyView = &probe;
        if !self.steps.contains_key(view) {
            // `insert`, not `entry`: one less map method in the wasm.
            let key = self.key(step);
            self.steps.insert(key, StepState::default());
        }
        self.steps
            .get_mut(view)
            .expect("present: found or just added")
    }

    fn on_method_executing(
        &mut self,
        e: &crate::event::MethodExecuting<'_>,
        now: Timestamp,
        out: &mut Vec<Closed>,
    ) {
        let record = InFlight {
            seq: self.next_seq,
            started_at: now,
            model_name: e.model_name.as_deref().map(str::to_string),
            method_name: e.method_name.to_string(),
            model_type: None,
            driver: e.driver.as_deref().map(str::to_string),
        };
        self.next_seq += 1;
        let probe = self.probe(&e.step);
        let view: &dyn KeyView = &probe;
        let earlier = match self.steps.get_mut(view) {
            Some(st) => {
                // The resolved model type moves into the record.
                let mut record = record;
                record.model_type = st.model_type.take();
                st.started = None;
                let earlier = st.running.replace(record);
                if earlier.is_none() {
                    self.running += 1;
                }
                earlier
            }
            None => {
                let key = self.key(&e.step);
                self.steps.insert(
                    key,
                    StepState {
                        running: Some(record),
                        ..StepState::default()
                    },
                );
                self.running += 1;
                None
            }
        };
        if let Some(earlier) = earlier {
            // W9: never lose the earlier invocation. A repeat without its own
            // model_resolved keeps the type resolved before.
            self.stats.superseded += 1;
            let st = self.steps.get_mut(view).expect("just replaced");
            let current = st.running.as_mut().expect("just replaced");
            if current.model_type.is_none() {
                current.model_type.clone_from(&earlier.model_type);
            }
            let key = self.key(&e.step);
            let failure = Failure::error(SUPERSEDED);
            out.push(self.close(key, earlier, now, Some(failure), None));
        }
    }

    /// Returns the nested runs that ended with the step.
    fn on_step_failed(
        &mut self,
        event: &Event<'_>,
        e: &crate::event::StepFailed<'_>,
        out: &mut Vec<Closed>,
    ) -> Vec<Rc<str>> {
        let probe = self.probe(&e.step);
        let view: &dyn KeyView = &probe;
        let (key, st) = match self.steps.remove_entry(view) {
            Some((key, st)) => (Some(key), st),
            None => (None, StepState::default()),
        };
        let now = self.now(event);
        if let (Some(key), Some(record)) = (key, st.running) {
            self.running -= 1;
            let names = [record.model_name.as_deref(), e.model_name.as_deref()];
            let failure = Failure {
                error_type: e.error_type.as_deref().unwrap_or("Error").to_string(),
                // Filter first: once a model named like a filtered key
                // (`password`) is scrubbed, `password=x` would no longer
                // look like a pair to mask.
                message: scrub::error_message(&self.filter.redact_text(&e.error), &names),
                user_error: e.user_error,
            };
            out.push(self.close(key, record, now, Some(failure), None));
        } else if let (Some(model), Some(method)) = (
            e.model_name.as_deref().filter(|s| !s.is_empty()),
            e.method_name.as_deref().filter(|s| !s.is_empty()),
        ) {
            // Pre-method failure: one instant for both ends, so durationMs is
            // exactly 0 (no placeholder record, W5).
            self.stats.synthesised += 1;
            let key = self.key(&e.step);
            let record = InFlight {
                seq: self.next_seq,
                started_at: now,
                model_name: Some(model.to_string()),
                method_name: method.to_string(),
                model_type: st.model_type,
                driver: e.driver.as_deref().map(str::to_string),
            };
            let failure = Failure {
                error_type: e.error_type.as_deref().unwrap_or("Error").to_string(),
                message: scrub::error_message(&self.filter.redact_text(&e.error), &[Some(model)]),
                user_error: e.user_error,
            };
            out.push(self.close(key, record, now, Some(failure), None));
        }
        // Otherwise a structural failure: no child entry.
        match st.child {
            Some(child) => self.end_nested(&child, event, out),
            None => Vec::new(),
        }
    }

    /// A `started` (rules 1, 3 and 4 of [`runs`]).
    fn on_started(
        &mut self,
        event: &Event<'_>,
        e: &crate::event::Started<'_>,
        out: &mut Vec<Closed>,
    ) -> Start {
        let mut start = Start {
            duplicate: false,
            parent: None,
            abandoned: Vec::new(),
            unknown_parent: false,
        };
        if self.runs.is_active(&e.run_id) {
            start.duplicate = true;
            return start;
        }
        let named = e.parent_run_id.as_deref();
        start.unknown_parent = named.is_some_and(|p| !self.runs.is_active(p));
        let parent = match named.filter(|p| self.runs.is_active(p)) {
            Some(p) => {
                let p = self
                    .runs
                    .active()
                    .iter()
                    .find(|a| &*a.id == p)
                    .map(|a| a.id.clone());
                p.map(|p| {
                    let host = self.free_host(&p);
                    (p, host)
                })
            }
            None => self
                .runs
                .active()
                .iter()
                .rev()
                .map(|a| a.id.clone())
                .collect::<Vec<_>>()
                .into_iter()
                .find_map(|p| self.free_host(&p).map(|h| (p, Some(h)))),
        };
        if let Some((p, host)) = parent {
            let id = self
                .runs
                .nest(&e.run_id, &e.workflow_name, p.clone(), host.clone());
            if let Some(h) = &host {
                if let Some(st) = self.steps.get_mut(h) {
                    st.child = Some(id);
                }
            }
            start.parent = Some((p, host.map(|h| (h.job, h.step))));
            return start;
        }
        if self.runs.root().is_some() {
            // Rule 4: the runs active here were abandoned.
            let now = self.now(event);
            self.drain_runs(Some(&e.run_id), Some(ABANDONED), now, out);
            start.abandoned = self.runs.end_all();
            self.runs.abandoned += start.abandoned.len() as u64;
        }
        self.runs.start_root(&e.run_id, &e.workflow_name);
        let superseded = self.rekey_to_root(&e.run_id);
        if !superseded.is_empty() {
            let now = self.now(event);
            for (key, earlier) in superseded {
                self.stats.superseded += 1;
                let failure = Failure::error(SUPERSEDED);
                out.push(self.close(key, earlier, now, Some(failure), None));
            }
        }
        start
    }

    /// The step of run `run` that may host a nested run (rule 3): the latest
    /// started of those that may.
    fn free_host(&self, run: &Rc<str>) -> Option<StepKey> {
        let scope = if self.runs.root() == Some(run) {
            None
        } else {
            Some(&**run)
        };
        self.steps
            .iter()
            .filter(|(k, st)| k.run.as_deref() == scope && st.may_host())
            .max_by_key(|(_, st)| st.started)
            .map(|(k, _)| k.clone())
    }

    /// The nested run `id` and the runs nested in it end: their open
    /// invocations drain as terminated, their steps are forgotten.
    fn end_nested(
        &mut self,
        id: &Rc<str>,
        event: &Event<'_>,
        out: &mut Vec<Closed>,
    ) -> Vec<Rc<str>> {
        let ended = self.runs.end_nested(id);
        if ended.is_empty() {
            return Vec::new();
        }
        let ids: Vec<Rc<str>> = ended.iter().map(|a| a.id.clone()).collect();
        let now = self.now(event);
        let mut open: Vec<(StepKey, InFlight)> = Vec::new();
        let mut running = 0;
        self.steps.retain(|k, st| {
            let inside = k
                .run
                .as_deref()
                .is_some_and(|r| ids.iter().any(|i| &**i == r));
            if inside {
                if let Some(record) = st.running.take() {
                    running += 1;
                    open.push((k.clone(), record));
                }
            }
            !inside
        });
        self.running -= running;
        self.close_drained(open, TERMINATED, now, out);
        ids
    }

    /// Closes every open invocation as an error with `reason` at `now`, in
    /// start order, and forgets every step, except the steps keyed under the
    /// run `keep` (events that named a run before its `started`).
    fn drain_runs(
        &mut self,
        keep: Option<&str>,
        reason: Option<&str>,
        now: Timestamp,
        out: &mut Vec<Closed>,
    ) {
        let mut open: Vec<(StepKey, InFlight)> = Vec::new();
        let mut running = 0;
        self.steps.retain(|k, st| {
            if keep.is_some() && k.run.as_deref() == keep {
                return true;
            }
            if let Some(record) = st.running.take() {
                running += 1;
                open.push((k.clone(), record));
            }
            false
        });
        self.running -= running;
        self.close_drained(open, reason.unwrap_or(TERMINATED), now, out);
    }

    fn close_drained(
        &mut self,
        mut open: Vec<(StepKey, InFlight)>,
        message: &str,
        now: Timestamp,
        out: &mut Vec<Closed>,
    ) {
        // `seq` is unique among in-flight records, so the unstable sort (less
        // code in the wasm than the stable one) gives the one order.
        open.sort_unstable_by_key(|(_, r)| r.seq);
        self.stats.drained += open.len() as u64;
        for (key, record) in open {
            let failure = Failure::error(message.to_string());
            out.push(self.close(key, record, now, Some(failure), None));
        }
    }

    /// Closes every in-flight invocation as an error, in start order, all with
    /// one completion instant taken now. `reason` defaults to [`TERMINATED`]; an
    /// empty reason leaves `errorMessage` out. Idempotent: only the first call
    /// drains; every later call, and every later event, does nothing.
    pub fn finalize(&mut self, reason: Option<&str>) -> Vec<TelemetryEntry> {
        self.finalize_at(reason, None)
    }

    /// [`finalize`](Self::finalize) at a given instant instead of the clock's,
    /// for deterministic replays of recorded logs.
    pub fn finalize_at(
        &mut self,
        reason: Option<&str>,
        at: Option<Timestamp>,
    ) -> Vec<TelemetryEntry> {
        let mut out = Vec::new();
        for c in self.drain(reason, at) {
            out.push(self.entry(c));
        }
        out
    }

    /// [`finalize_at`](Self::finalize_at), lending each entry to `visit`.
    pub fn finalize_with(
        &mut self,
        reason: Option<&str>,
        at: Option<Timestamp>,
        mut visit: impl FnMut(&EntryRef<'_>),
    ) {
        for c in self.drain(reason, at) {
            visit(&self.entry_ref(&c));
        }
    }

    /// Closes what is in flight, for `finalize_at` and `finalize_with`.
    fn drain(&mut self, reason: Option<&str>, at: Option<Timestamp>) -> Vec<Closed> {
        if self.finalized {
            return Vec::new();
        }
        self.finalized = true;
        let now = at.unwrap_or_else(|| self.clock.now());
        let mut out = Vec::new();
        let before = self.stats.drained;
        self.drain_runs(None, Some(reason.unwrap_or(TERMINATED)), now, &mut out);
        self.stats.entries += self.stats.drained - before;
        out
    }

    fn now(&mut self, event: &Event<'_>) -> Timestamp {
        match event.timestamp {
            Some(t) => t,
            None => self.clock.now(),
        }
    }

    /// Moves the steps keyed by `run_id` to the root's keys. When the root
    /// already has an invocation of the same step in flight (one event named
    /// the run, another did not), the two can no longer be told apart: the
    /// earlier one is returned, to be closed as superseded (W9), never dropped.
    fn rekey_to_root(&mut self, run_id: &str) -> Vec<(StepKey, InFlight)> {
        let named = |k: &StepKey| k.run.as_deref() == Some(run_id);
        let mut superseded = Vec::new();
        if !self.steps.keys().any(named) {
            return superseded;
        }
        // `retain`, as the drains use: one less map method in the wasm (and
        // this runs once per root, when events named it before `started`).
        let mut moved = Vec::new();
        self.steps.retain(|k, v| {
            if named(k) {
                moved.push((k.clone(), std::mem::take(v)));
            }
            !named(k)
        });
        for (k, mut v) in moved {
            let key = StepKey { run: None, ..k };
            if let Some(other) = self.steps.remove(&key) {
                match (other.running, v.running.take()) {
                    (Some(o), Some(n)) => {
                        self.running -= 1;
                        let (earlier, kept) = if o.seq < n.seq { (o, n) } else { (n, o) };
                        superseded.push((key.clone(), earlier));
                        v.running = Some(kept);
                    }
                    (o, n) => v.running = n.or(o),
                }
                v.started = v.started.or(other.started);
                v.child = v.child.or(other.child);
                v.model_type = v.model_type.or(other.model_type);
            }
            self.steps.insert(key, v);
        }
        superseded.sort_unstable_by_key(|(_, r)| r.seq);
        superseded
    }

    fn probe<'s>(&self, step: &'s StepRef<'_>) -> (Option<&'s str>, &'s str, &'s str) {
        (
            self.runs.scope(step.run_id.as_deref()),
            &step.job_id,
            &step.step_id,
        )
    }

    fn key(&self, step: &StepRef<'_>) -> StepKey {
        StepKey::new(
            self.runs.scope(step.run_id.as_deref()),
            &step.job_id,
            &step.step_id,
        )
    }

    /// Ends an invocation: its id, run and result, taken now; its key and
    /// record by value, so the step's names and model become the entry's
    /// without a copy.
    fn close(
        &mut self,
        key: StepKey,
        record: InFlight,
        completed_at: Timestamp,
        failure: Option<Failure>,
        executor: Option<String>,
    ) -> Closed {
        let result = match &failure {
            None => InvocationResult::success(),
            Some(f) => InvocationResult::failure(f),
        };
        let (run_id, workflow_name) = self.runs.resolve(key.run.as_deref());
        Closed {
            id: self.ids.next_id(),
            key,
            run_id,
            workflow_name,
            record,
            completed_at,
            result,
            executor,
        }
    }

    /// A closed invocation's entry, owned: the step's names, model type and
    /// driver move into it; what the bridge lends ([`entry_ref`](Self::entry_ref))
    /// is copied. The two hold the same values (a property test compares the
    /// batch path's text with these entries').
    fn entry(&self, c: Closed) -> TelemetryEntry {
        let workflow_context = WorkflowContext {
            workflow_name: c.workflow_name.to_string(),
            run_id: c.run_id.to_string(),
            job_name: c.key.job.into_string(),
            step_name: c.key.step.into_string(),
            model_type: c.record.model_type,
            driver: c.record.driver,
            executor: c.executor,
        };
        let config = &self.config;
        TelemetryEntry::create(EntryProps {
            id: c.id,
            invocation: CommandInvocation::model_method_run(scrub::method_name(
                &c.record.method_name,
            )),
            result: c.result,
            started_at: c.record.started_at,
            completed_at: c.completed_at,
            swamp_version: config.version.clone(),
            deno_version: config.runtime_version.clone(),
            platform: config.platform.clone(),
            invocation_context: config.invocation_context.clone(),
            parent_invocation_id: Some(config.parent_invocation_id.clone()),
            workflow_context: Some(workflow_context),
        })
    }

    /// A closed invocation's entry, borrowed from it and from the bridge.
    fn entry_ref<'s>(&'s self, c: &'s Closed) -> EntryRef<'s> {
        let (completed_at, duration_ms) = span(c.record.started_at, c.completed_at);
        let config = &self.config;
        EntryRef {
            id: &c.id,
            invocation: InvocationRef::ModelMethodRun(scrub::method_name(&c.record.method_name)),
            result: &c.result,
            started_at: c.record.started_at,
            completed_at,
            duration_ms,
            swamp_version: &config.version,
            deno_version: &config.runtime_version,
            platform: &config.platform,
            invocation_context: config.invocation_context.as_ref(),
            parent_invocation_id: parent(Some(&config.parent_invocation_id)),
            workflow_context: Some(WorkflowContextRef {
                workflow_name: &c.workflow_name,
                run_id: &c.run_id,
                job_name: &c.key.job,
                step_name: &c.key.step,
                model_type: c.record.model_type.as_deref(),
                driver: c.record.driver.as_deref(),
                executor: c.executor.as_deref(),
            }),
        }
    }
}
