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
//! Attribution (W4): every `started` fills a `runId -> workflowName` table; the
//! first one is the root run. A step event with `runId` belongs to that run; one
//! without belongs to the root run. A nested `started` never re-attributes the
//! steps of an enclosing run. In-flight state is keyed per run.

mod config;
mod ndjson;
pub mod scrub;
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
use crate::time::Timestamp;

/// The message of invocations drained by `finalize()` without a reason.
pub const TERMINATED: &str = "workflow run terminated before completion";
/// The message of an invocation replaced by a repeated `method_executing`.
pub const SUPERSEDED: &str = "superseded by a repeated method_executing for the same step";

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

/// An invocation just closed: what is its own, owned. The rest of its entry
/// (the parent's identity and environment, the run's name) the bridge lends
/// when the entry is written or handed out ([`TelemetryBridge::entry_ref`]):
/// the batch path writes entries without copying those onto each one.
#[derive(Debug)]
struct Closed {
    id: String,
    key: StepKey,
    record: InFlight,
    completed_at: Timestamp,
    result: InvocationResult,
    executor: Option<String>,
}

/// Counters a host can show or alert on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BridgeStats {
    pub events: u64,
    pub ignored: u64,
    pub entries: u64,
    pub synthesised: u64,
    pub superseded: u64,
    pub drained: u64,
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
    root_run: Option<String>,
    run_names: HashMap<String, String>,
    in_flight: HashMap<StepKey, InFlight>,
    model_types: HashMap<StepKey, String>,
    next_seq: u64,
    finalized: bool,
    last_event_at: Option<Timestamp>,
    stats: BridgeStats,
    filter: ParameterFilter,
    /// What one event closed, kept between events so that closing costs no
    /// allocation for the list (a `Closed` is a few hundred bytes).
    closed: Vec<Closed>,
}

impl TelemetryBridge {
    pub fn new(
        config: BridgeConfig,
        clock: impl Clock + 'static,
        ids: impl IdSource + 'static,
    ) -> Self {
        TelemetryBridge {
            config,
            clock: Box::new(clock),
            ids: Box::new(ids),
            root_run: None,
            run_names: HashMap::default(),
            in_flight: HashMap::default(),
            model_types: HashMap::default(),
            next_seq: 0,
            finalized: false,
            last_event_at: None,
            stats: BridgeStats::default(),
            filter: ParameterFilter::default(),
            closed: Vec::new(),
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
        self.in_flight.len()
    }

    pub fn is_finalized(&self) -> bool {
        self.finalized
    }

    pub fn stats(&self) -> BridgeStats {
        self.stats
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
        let mut closed = std::mem::take(&mut self.closed);
        self.observe_closed(event, &mut closed);
        out.extend(closed.drain(..).map(|c| self.entry(c)));
        self.closed = closed;
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
    fn observe_closed(&mut self, event: &Event<'_>, out: &mut Vec<Closed>) {
        if self.finalized {
            return;
        }
        self.stats.events += 1;
        if let Some(t) = event.timestamp {
            self.last_event_at = Some(self.last_event_at.map_or(t, |l| l.max(t)));
        }
        let before = out.len();
        match &event.kind {
            WorkflowEvent::Started(e) => {
                let superseded = self.on_started(&e.run_id, &e.workflow_name);
                if !superseded.is_empty() {
                    let now = self.now(event);
                    for (key, earlier) in superseded {
                        self.stats.superseded += 1;
                        let failure = Failure::error(SUPERSEDED);
                        out.push(self.close(key, earlier, now, Some(failure), None));
                    }
                }
            }
            WorkflowEvent::ModelResolved(e) => {
                let key = self.key(&e.step);
                self.model_types.insert(key, e.model_type.to_string());
            }
            WorkflowEvent::MethodExecuting(e) => {
                let now = self.now(event);
                // The resolved model type moves into the record, and its key
                // becomes the record's (no copies on the common path).
                let probe = self.probe(&e.step);
                let view: &dyn KeyView = &probe;
                let (key, mut model_type) = match self.model_types.remove_entry(view) {
                    Some((key, model_type)) => (key, Some(model_type)),
                    None => (self.key(&e.step), None),
                };
                if let Some(earlier) = self.in_flight.remove(&key) {
                    // W9: never lose the earlier invocation. A repeat without
                    // its own model_resolved keeps the type resolved before.
                    self.stats.superseded += 1;
                    if model_type.is_none() {
                        model_type.clone_from(&earlier.model_type);
                    }
                    let failure = Failure::error(SUPERSEDED);
                    let entry = self.close(key.clone(), earlier, now, Some(failure), None);
                    out.push(entry);
                }
                let record = InFlight {
                    seq: self.next_seq,
                    started_at: now,
                    model_name: e.model_name.as_deref().map(str::to_string),
                    method_name: e.method_name.to_string(),
                    model_type,
                    driver: e.driver.as_deref().map(str::to_string),
                };
                self.next_seq += 1;
                self.in_flight.insert(key, record);
            }
            WorkflowEvent::StepCompleted(e) => {
                let now = self.now(event);
                let probe = self.probe(&e.step);
                let view: &dyn KeyView = &probe;
                if let Some((key, record)) = self.in_flight.remove_entry(view) {
                    self.model_types.remove(&key);
                    let executor = e.executor.as_deref().map(str::to_string);
                    out.push(self.close(key, record, now, None, executor));
                } else {
                    self.model_types.remove(view);
                }
            }
            WorkflowEvent::StepFailed(e) => {
                let now = self.now(event);
                let probe = self.probe(&e.step);
                let view: &dyn KeyView = &probe;
                let in_flight = self.in_flight.remove_entry(view);
                let model_type = self.model_types.remove(view);
                if let Some((key, record)) = in_flight {
                    let names = [record.model_name.as_deref(), e.model_name.as_deref()];
                    let failure = Failure {
                        error_type: e.error_type.as_deref().unwrap_or("Error").to_string(),
                        // Filter first: once a model named like a filtered
                        // key (`password`) is scrubbed, `password=x` would no
                        // longer look like a pair to mask.
                        message: scrub::error_message(&self.filter.redact_text(&e.error), &names),
                        user_error: e.user_error,
                    };
                    out.push(self.close(key, record, now, Some(failure), None));
                } else if let (Some(model), Some(method)) = (
                    e.model_name.as_deref().filter(|s| !s.is_empty()),
                    e.method_name.as_deref().filter(|s| !s.is_empty()),
                ) {
                    // Pre-method failure: one instant for both ends, so durationMs
                    // is exactly 0 (no placeholder record, W5).
                    self.stats.synthesised += 1;
                    let key = self.key(&e.step);
                    let record = InFlight {
                        seq: self.next_seq,
                        started_at: now,
                        model_name: Some(model.to_string()),
                        method_name: method.to_string(),
                        model_type,
                        driver: e.driver.as_deref().map(str::to_string),
                    };
                    let failure = Failure {
                        error_type: e.error_type.as_deref().unwrap_or("Error").to_string(),
                        message: scrub::error_message(
                            &self.filter.redact_text(&e.error),
                            &[Some(model)],
                        ),
                        user_error: e.user_error,
                    };
                    out.push(self.close(key, record, now, Some(failure), None));
                }
                // Otherwise a structural failure: no child entry.
            }
            WorkflowEvent::Other { .. } => self.stats.ignored += 1,
        }
        self.stats.entries += (out.len() - before) as u64;
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
        let message = reason.unwrap_or(TERMINATED).to_string();
        let mut open: Vec<(StepKey, InFlight)> = self.in_flight.drain().collect();
        // `seq` is unique among in-flight records, so the unstable sort (less
        // code in the wasm than the stable one) gives the one order.
        open.sort_unstable_by_key(|(_, r)| r.seq);
        self.model_types.clear();
        let drained = open.len() as u64;
        self.stats.drained += drained;
        self.stats.entries += drained;
        open.into_iter()
            .map(|(key, record)| {
                let failure = Failure::error(message.clone());
                self.close(key, record, now, Some(failure), None)
            })
            .collect()
    }

    fn now(&mut self, event: &Event<'_>) -> Timestamp {
        match event.timestamp {
            Some(t) => t,
            None => self.clock.now(),
        }
    }

    /// Records a run's name; the first `started` makes its run the root.
    /// Returns the invocations superseded by re-keying (see `rekey_to_root`).
    fn on_started(&mut self, run_id: &str, workflow_name: &str) -> Vec<(StepKey, InFlight)> {
        // First name wins for each run, so a re-sent `started` cannot rename it.
        if !self.run_names.contains_key(run_id) {
            self.run_names
                .insert(run_id.to_string(), workflow_name.to_string());
        }
        if self.root_run.is_none() {
            self.root_run = Some(run_id.to_string());
            // Step events that named this run before its `started` arrived were
            // keyed by id; from now on the root's steps are keyed as root.
            return self.rekey_to_root(run_id);
        }
        Vec::new()
    }

    /// Moves the steps keyed by `run_id` to the root's keys. When the root
    /// already has an invocation of the same step in flight (one event named
    /// the run, another did not), the two can no longer be told apart: the
    /// earlier one is returned, to be closed as superseded (W9), never dropped.
    fn rekey_to_root(&mut self, run_id: &str) -> Vec<(StepKey, InFlight)> {
        let named = |k: &StepKey| k.run.as_deref() == Some(run_id);
        let mut superseded = Vec::new();
        if self.in_flight.keys().any(named) {
            let moved: Vec<_> = self.in_flight.extract_if(|k, _| named(k)).collect();
            for (k, v) in moved {
                let key = StepKey { run: None, ..k };
                let kept = match self.in_flight.remove(&key) {
                    Some(other) if other.seq < v.seq => {
                        superseded.push((key.clone(), other));
                        v
                    }
                    Some(other) => {
                        superseded.push((key.clone(), v));
                        other
                    }
                    None => v,
                };
                self.in_flight.insert(key, kept);
            }
        }
        if self.model_types.keys().any(named) {
            let moved: Vec<_> = self.model_types.extract_if(|k, _| named(k)).collect();
            for (k, v) in moved {
                self.model_types.insert(StepKey { run: None, ..k }, v);
            }
        }
        superseded.sort_unstable_by_key(|(_, r)| r.seq);
        superseded
    }

    /// The run scope of a step event: `None` for the root run.
    fn scope<'s>(&self, step: &'s StepRef<'_>) -> Option<&'s str> {
        match step.run_id.as_deref() {
            Some(r) if self.root_run.as_deref() != Some(r) => Some(r),
            _ => None,
        }
    }

    fn probe<'s>(&self, step: &'s StepRef<'_>) -> (Option<&'s str>, &'s str, &'s str) {
        (self.scope(step), &step.job_id, &step.step_id)
    }

    fn key(&self, step: &StepRef<'_>) -> StepKey {
        StepKey::new(self.scope(step), &step.job_id, &step.step_id)
    }

    /// The workflow name and run id of a scope, as known now.
    fn run_of<'s>(&'s self, scope: Option<&'s str>) -> (&'s str, &'s str) {
        let id = match scope {
            Some(r) => r,
            None => self.root_run.as_deref().unwrap_or(""),
        };
        let name = self.run_names.get(id).map_or("", String::as_str);
        (name, id)
    }

    /// Ends an invocation: its id and result, taken now; its key and record
    /// by value, so the step's names and model become the entry's without a
    /// copy.
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
        Closed {
            id: self.ids.next_id(),
            key,
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
        let (workflow_name, run_id) = self.run_of(c.key.run.as_deref());
        let workflow_context = WorkflowContext {
            workflow_name: workflow_name.to_string(),
            run_id: run_id.to_string(),
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

    /// A closed invocation's entry, borrowed from it and from the bridge. The
    /// run's name is read when the entry is made, which is before the next
    /// event can change it: in the same call.
    fn entry_ref<'s>(&'s self, c: &'s Closed) -> EntryRef<'s> {
        let (workflow_name, run_id) = self.run_of(c.key.run.as_deref());
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
                workflow_name,
                run_id,
                job_name: &c.key.job,
                step_name: &c.key.step,
                model_type: c.record.model_type.as_deref(),
                driver: c.record.driver.as_deref(),
                executor: c.executor.as_deref(),
            }),
        }
    }
}
