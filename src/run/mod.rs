//! The run model: one picture of every workflow run, from swamp, orchestrator
//! and Tasker event streams.
//!
//! Each event's dialect is detected by its shape ([`input`]): a `kind` is
//! swamp's vocabulary; a dotted name under `event`, `event_type` or `name` is
//! the orchestrator's (`job.lifecycle.*`, `job.module.*`) or Tasker's (`task.*`,
//! `step.*`, `workflow.*`). Each dialect adapter validates the whole event
//! first, then applies it to its run through that dialect's state machine, so a
//! malformed event is refused whole and an illegal transition is recorded as a
//! violation, never applied silently. Payloads are redacted by the
//! [`ParameterFilter`] as they enter.

mod analytics;
/// The parameter filter, kept reachable at its former path.
pub use crate::redact::filter;
pub mod input;
pub mod model;
mod orchestrator;
mod scanned;
mod slot;
pub mod status;
mod swamp;
mod tasker;
pub mod tasker_states;

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

pub use analytics::{RunSummary, StepStat, WorkflowAggregate};
pub use filter::{FilterError, ParameterFilter, DEFAULT_FILTERS, DEFAULT_MASK};
pub use input::IngestError;
pub use model::{
    Attempt, Dialect, Failure, FailureClass, HeldBack, Job, Run, Step, StepCounts, Transition,
    Violation,
};
pub use status::{RunStatus, StepStatus};

use crate::clock::Clock;
use crate::entry::TelemetryEntry;
use crate::ndjson::{lines, LineError, LineErrorKind, NdjsonOptions};
use crate::time::Timestamp;
use input::Input;
use scanned::ScannedFields;
use slot::RunSlot;

/// What the model is told at construction.
#[derive(Debug, Clone, Default)]
pub struct RunModelOptions {
    pub filter: ParameterFilter,
    /// Steps longer than this are marked over threshold (Tasker's bottleneck
    /// thresholds); per-step-name values in `step_thresholds_ms` win.
    pub step_threshold_ms: Option<i64>,
    pub step_thresholds_ms: HashMap<String, i64>,
    pub ndjson: NdjsonOptions,
    /// Which events enter the model, by exact name or glob (`method_output`,
    /// `observability.*`); a filtered event is accepted and ignored.
    pub events: crate::export::EventFilter,
    /// Parent invocation, versions and platform for swamp child entries.
    pub bridge: crate::bridge::BridgeConfig,
}

/// State shared by the dialect adapters.
pub(crate) struct RunModelCore {
    pub filter: ParameterFilter,
    /// Stamped on the child telemetry entries of swamp runs.
    pub bridge_config: crate::bridge::BridgeConfig,
    swamp: swamp::SwampState,
    /// The latest instant seen; events without a timestamp are placed here.
    pub last_at: Option<Timestamp>,
    /// Events that belong to no run (a `completed` for a run never started).
    orphans: Vec<Violation>,
    runs: Vec<RunSlot>,
    /// Run positions by id, one map per dialect (looked up by `&str`).
    // foldhash, not SipHash: a lookup per event on short keys (as in the bridge).
    index: [foldhash::HashMap<String, usize>; 3],
}

fn dialect_index(dialect: Dialect) -> usize {
    match dialect {
        Dialect::Swamp => 0,
        Dialect::Orchestrator => 1,
        Dialect::Tasker => 2,
    }
}

impl RunModelCore {
    /// The run with this id in this dialect, created by `make` if new.
    /// Records an event that cannot be placed on any run.
    pub fn orphan(
        &mut self,
        event: &str,
        to: &str,
        message: String,
        at: Option<Timestamp>,
        line: Option<usize>,
    ) {
        self.orphans.push(Violation {
            event: event.to_string(),
            line,
            step: None,
            from: None,
            to: to.to_string(),
            message,
            at,
        });
    }

    pub fn has_run(&self, dialect: Dialect, id: &str) -> bool {
        self.index[dialect_index(dialect)].contains_key(id)
    }

    /// Where the run with this id in this dialect is in `runs`, if known.
    fn run_position(&self, dialect: Dialect, id: &str) -> Option<usize> {
        self.index[dialect_index(dialect)].get(id).copied()
    }

    /// The run with this id in this dialect, if known.
    pub fn existing_run(&mut self, dialect: Dialect, id: &str) -> Option<&mut RunSlot> {
        let i = self.run_position(dialect, id)?;
        Some(&mut self.runs[i])
    }

    pub fn run_slot(
        &mut self,
        dialect: Dialect,
        id: &str,
        make: impl FnOnce() -> Run,
    ) -> &mut RunSlot {
        let index = &mut self.index[dialect_index(dialect)];
        let i = match index.get(id) {
            Some(&i) => i,
            None => {
                self.runs.push(RunSlot::new(make()));
                let i = self.runs.len() - 1;
                index.insert(id.to_string(), i);
                i
            }
        };
        &mut self.runs[i]
    }
}

/// The outcome of an NDJSON batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    pub accepted: usize,
    pub errors: Vec<LineError>,
}

/// The run model.
pub struct RunModel<C: Clock> {
    core: RunModelCore,
    events: crate::export::EventFilter,
    filtered: u64,
    clock: C,
    step_threshold_ms: Option<i64>,
    step_thresholds_ms: HashMap<String, i64>,
    ndjson: NdjsonOptions,
}

impl<C: Clock> RunModel<C> {
    pub fn new(options: RunModelOptions, clock: C) -> Self {
        RunModel {
            core: RunModelCore {
                filter: options.filter,
                bridge_config: options.bridge,
                swamp: swamp::SwampState::default(),
                last_at: None,
                orphans: Vec::new(),
                runs: Vec::new(),
                index: Default::default(),
            },
            events: options.events,
            filtered: 0,
            clock,
            step_threshold_ms: options.step_threshold_ms,
            step_thresholds_ms: options.step_thresholds_ms,
            ndjson: options.ndjson,
        }
    }

    /// Ingests one event (a JSON value). A malformed event is refused whole.
    pub fn ingest(&mut self, event: &Value) -> Result<(), IngestError> {
        self.ingest_at_line(event, None)
    }

    fn ingest_at_line(&mut self, event: &Value, line: Option<usize>) -> Result<(), IngestError> {
        self.apply(&Input::read(event)?, line)
    }

    fn apply(&mut self, input: &Input<'_>, line: Option<usize>) -> Result<(), IngestError> {
        if !self.events.passes(input.name) {
            // Filtered out by name: accepted, and deliberately not applied.
            self.filtered += 1;
            return Ok(());
        }
        let result = match input.dialect {
            Dialect::Orchestrator => orchestrator::ingest(&mut self.core, input, line),
            Dialect::Swamp => swamp::ingest(&mut self.core, input, line),
            Dialect::Tasker => tasker::ingest(&mut self.core, input, line),
        };
        if result.is_ok() {
            if let Some(t) = input.timestamp {
                self.core.last_at = Some(self.core.last_at.map_or(t, |l| l.max(t)));
            }
        }
        result
    }

    /// Ingests one event per line. A bad line is reported with its number and
    /// skipped; every other line is applied, in order.
    ///
    /// A plain line (the usual kind) is read by the event scanner without
    /// building a `Value` (`run::scanned`); any other line, and every error, goes
    /// through the limits check and serde_json, as [`RunModel::ingest_ndjson_serde`]
    /// reads every line. The two give the same model and report.
    pub fn ingest_ndjson(&mut self, text: &str) -> IngestReport {
        let mut report = IngestReport::default();
        let mut fields = ScannedFields::default();
        for (line, body) in lines(text) {
            let result = if body.len() <= self.ndjson.max_line_bytes
                && fields.scan(body, self.ndjson.max_depth)
            {
                Input::read_scanned(&fields)
                    .and_then(|input| self.apply(&input, Some(line)))
                    .map_err(|e| line_error(line, &e))
            } else {
                self.ingest_line_serde(line, body)
            };
            match result {
                Ok(()) => report.accepted += 1,
                Err(e) => report.errors.push(e),
            }
        }
        report
    }

    /// [`RunModel::ingest_ndjson`] with every line read through serde_json:
    /// the reference the fast path is tested against.
    #[doc(hidden)]
    pub fn ingest_ndjson_serde(&mut self, text: &str) -> IngestReport {
        let mut report = IngestReport::default();
        for (line, body) in lines(text) {
            match self.ingest_line_serde(line, body) {
                Ok(()) => report.accepted += 1,
                Err(e) => report.errors.push(e),
            }
        }
        report
    }

    /// One line the slow way: the limits check, then a `Value`.
    fn ingest_line_serde(&mut self, line: usize, body: &str) -> Result<(), LineError> {
        if let Some(e) = LineError::over_limits(line, body, &self.ndjson) {
            return Err(e);
        }
        serde_json::from_str::<Value>(body)
            .map_err(|e| IngestError::Json(e.to_string()))
            .and_then(|v| self.ingest_at_line(&v, Some(line)))
            .map_err(|e| line_error(line, &e))
    }

    /// An event as it may be passed on (a live stream): every payload key the
    /// parameter filter matches masked, `key=value` secrets in free text
    /// masked, and for swamp events the model name redacted and every model
    /// name this model has seen scrubbed from error text, as in the entries.
    pub fn redact_event(&self, event: &Value) -> Value {
        let mut v = self.core.filter.redact_value(event);
        if let Value::Object(map) = &mut v {
            if map.contains_key("kind") {
                let names: Vec<Option<&str>> = self.core.swamp.seen_models().map(Some).collect();
                let own = map
                    .get("modelName")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let scrub = |text: &str| {
                    let mut all = names.clone();
                    all.push(own.as_deref());
                    crate::bridge::scrub::error_message(text, &all)
                };
                if let Some(Value::String(e)) = map.get("error") {
                    let scrubbed = scrub(e);
                    map.insert("error".into(), Value::String(scrubbed));
                }
                if let Some(Value::Object(err)) = map.get_mut("error") {
                    if let Some(Value::String(m)) = err.get("message") {
                        let scrubbed = scrub(m);
                        err.insert("message".into(), Value::String(scrubbed));
                    }
                }
                if let Some(Value::String(m)) = map.get("modelName") {
                    if !m.is_empty() {
                        map.insert(
                            "modelName".into(),
                            Value::String(crate::entry::REDACTED.into()),
                        );
                    }
                }
                if let Some(Value::String(m)) = map.get("methodName") {
                    let safe = crate::bridge::scrub::method_name(m).to_string();
                    map.insert("methodName".into(), Value::String(safe));
                }
            }
        }
        v
    }

    /// How many events the event filter kept out.
    pub fn filtered(&self) -> u64 {
        self.filtered
    }

    /// Every run, with its analytics, and per-workflow aggregates.
    pub fn snapshot(&mut self) -> Snapshot {
        let now = self.core.last_at.unwrap_or_else(|| self.clock.now());
        let runs: Vec<RunDetail> = self
            .core
            .runs
            .iter()
            .map(|s| self.detail(&s.run, now))
            .collect();
        let workflows = analytics::aggregates(&runs);
        Snapshot {
            runs,
            workflows,
            violations: self.core.orphans.clone(),
        }
    }

    /// The snapshot as the viewer loads it: every step lite ([`Step::lite`]),
    /// numbered in run then step order by `detail_ref`, the rest as in
    /// [`RunModel::snapshot`]. The held-back fields are fetched one step at a
    /// time with [`RunModel::step_detail`] while the model is unchanged.
    pub fn snapshot_lite(&mut self) -> Snapshot {
        let now = self.core.last_at.unwrap_or_else(|| self.clock.now());
        let mut next_ref: u32 = 0;
        let mut runs = Vec::with_capacity(self.core.runs.len());
        for slot in &mut self.core.runs {
            // Steps move out while the rest of the run is copied, so the
            // held-back fields are never copied at all.
            let steps = std::mem::take(&mut slot.run.steps);
            let mut run = slot.run.clone();
            run.steps = steps
                .iter()
                .map(|s| {
                    let r = next_ref;
                    next_ref = next_ref.saturating_add(1);
                    s.lite(r)
                })
                .collect();
            slot.run.steps = steps;
            let summary = analytics::summarise(
                &mut run,
                now,
                self.step_threshold_ms,
                &self.step_thresholds_ms,
            );
            runs.push(RunDetail { run, summary });
        }
        let workflows = analytics::aggregates(&runs);
        Snapshot {
            runs,
            workflows,
            violations: self.core.orphans.clone(),
        }
    }

    /// What the lite snapshot held back of the step with `detail_ref`, if the
    /// model still has that many steps.
    pub fn step_detail(&self, detail_ref: u32) -> Option<HeldBack<'_>> {
        self.steps().nth(detail_ref as usize).map(Step::held_back)
    }

    /// The redacted child telemetry entries of every swamp step, in run then
    /// step order (what the snapshot's steps carry as `telemetry`).
    pub fn child_entries(&self) -> impl Iterator<Item = &TelemetryEntry> {
        self.steps().filter_map(|s| s.telemetry.as_ref())
    }

    /// Every step, in run then step order (the order of `detail_ref`).
    fn steps(&self) -> impl Iterator<Item = &Step> {
        self.core.runs.iter().flat_map(|slot| slot.run.steps.iter())
    }

    /// One run by id (the first of any dialect with that id).
    pub fn run(&mut self, id: &str) -> Option<RunDetail> {
        self.run_in(id, None)
    }

    /// One run by id, in a given dialect when several share the id.
    pub fn run_in(&mut self, id: &str, dialect: Option<Dialect>) -> Option<RunDetail> {
        let now = self.core.last_at.unwrap_or_else(|| self.clock.now());
        self.core
            .runs
            .iter()
            .find(|s| s.run.id == id && dialect.is_none_or(|d| s.run.dialect == d))
            .map(|s| self.detail(&s.run, now))
    }

    fn detail(&self, run: &Run, now: Timestamp) -> RunDetail {
        let mut run = run.clone();
        let summary = analytics::summarise(
            &mut run,
            now,
            self.step_threshold_ms,
            &self.step_thresholds_ms,
        );
        RunDetail { run, summary }
    }
}

/// A run with its analytics.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunDetail {
    #[serde(flatten)]
    pub run: Run,
    pub summary: RunSummary,
}

/// Every run, and aggregates per workflow name.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub runs: Vec<RunDetail>,
    pub workflows: Vec<WorkflowAggregate>,
    /// Events that belong to no run, recorded rather than dropped.
    pub violations: Vec<Violation>,
}

fn line_error(line: usize, e: &IngestError) -> LineError {
    let kind = match e {
        IngestError::Json(_) => LineErrorKind::InvalidJson,
        _ => LineErrorKind::InvalidEvent,
    };
    LineError {
        line,
        kind,
        field: e.field().map(str::to_string),
        message: e.to_string(),
    }
}
