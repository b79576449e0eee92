//! The run model: one picture of every workflow run, from event streams in
//! any of the dialects listed in `dialects/` (swamp, GitHub Actions, an
//! orchestrator's `job.*`, Tasker).
//!
//! Layers, each importing only those below it: `input` reads an event and
//! recognises its dialect by its shape (the first dialect in the list whose
//! `recognise` claims it); the dialect's adapter (`dialects/`) validates the
//! whole event first, then translates it into moves of typed states and the
//! facts they carry; `lifecycle` judges each move under the one policy every
//! dialect shares, and the run slot (`slot`) applies it, so a malformed event
//! is refused whole and an illegal transition is recorded as a violation,
//! never applied silently; `core` holds the runs (`store`, `retention`), and
//! `analytics`, `query` and `totals` read them. Payloads are redacted by the
//! [`ParameterFilter`] as they enter. This file is the facade: the
//! [`RunModel`] API, its options, and batch ingestion.

mod analytics;
mod core;
mod dialects;
pub mod lifecycle;
/// The parameter filter, kept reachable at its former path.
pub use crate::redact::filter;
pub mod input;
pub mod model;
mod query;
mod retention;
mod scanned;
mod slot;
pub mod status;
mod store;
pub use dialects::tasker_states;
pub mod totals;

use std::collections::HashMap;
use std::rc::Rc;

use serde::Serialize;
use serde_json::Value;

pub use analytics::{RunSummary, StepStat, WorkflowAggregate};
pub use dialects::MAX_SOURCES;
pub use filter::{FilterError, ParameterFilter, DEFAULT_FILTERS, DEFAULT_MASK};
pub use input::IngestError;
pub use model::{
    Attempt, Canonical, Dialect, Failure, FailureClass, HeldBack, Job, Milestone, Run, Step,
    StepCounts, Transition, Violation,
};
pub use query::{is_status_name, RunPage, RunQuery};
pub use retention::{Evicted, Retention};
pub use status::{RunStatus, StepStatus};

use crate::clock::Clock;
use crate::entry::TelemetryEntry;
use crate::ids::{IdSource, RandomIds};
use crate::ndjson::{Chunk, Frame, LineError, LineErrorKind, LineReader, Lines, NdjsonOptions};
use crate::time::Timestamp;
use core::RunModelCore;
use input::Input;
pub use scanned::ObjectMember;
use scanned::ScannedFields;

/// The default [`RunModelOptions::stall_after_ms`]: a quarter of an hour
/// with no event. Long enough for the quiet stretch of a slow deploy step
/// (swamp steps send `method_output` as they go), short enough that a dead
/// engine shows before anyone is paged for it twice.
pub const DEFAULT_STALL_AFTER_MS: i64 = 15 * 60 * 1000;

/// What the model is told at construction.
#[derive(Debug, Clone)]
pub struct RunModelOptions {
    pub filter: ParameterFilter,
    /// Steps longer than this are marked over threshold (Tasker's bottleneck
    /// thresholds); per-step-name values in `step_thresholds_ms` win.
    pub step_threshold_ms: Option<i64>,
    pub step_thresholds_ms: HashMap<String, i64>,
    pub ndjson: NdjsonOptions,
    /// Which events enter the model, by exact name or glob (`method_output`,
    /// `observability.*`); a filtered event is accepted and ignored.
    pub events: crate::event::EventFilter,
    /// Parent invocation, versions and platform for swamp child entries.
    pub bridge: crate::bridge::BridgeConfig,
    /// A run not ended with no event for this long (on the model's clock) is
    /// reported as stalled; `None`: never.
    pub stall_after_ms: Option<i64>,
    /// How many runs to hold, and for how long after they end.
    pub retention: Retention,
    /// The duration buckets (seconds) evicted runs are counted in, for the
    /// metrics to stay cumulative; the Prometheus export's must then match.
    pub metrics_buckets: Vec<f64>,
}

impl Default for RunModelOptions {
    fn default() -> Self {
        RunModelOptions {
            filter: ParameterFilter::default(),
            step_threshold_ms: None,
            step_thresholds_ms: HashMap::new(),
            ndjson: NdjsonOptions::default(),
            events: Default::default(),
            bridge: Default::default(),
            stall_after_ms: Some(DEFAULT_STALL_AFTER_MS),
            retention: Retention::default(),
            metrics_buckets: totals::DEFAULT_BUCKETS.to_vec(),
        }
    }
}

/// Where events come from and what a batch should hand back.
#[derive(Debug, Clone, Copy, Default)]
pub struct IngestOptions<'s> {
    /// The stream (producer) the events belong to: each source has its own
    /// root and nested runs ([`crate::bridge::runs`]). `""`: the default one.
    pub source: &'s str,
    /// Return the child entries the events closed (redacted, as the runs
    /// hold them, with the same ids).
    pub entries: bool,
    /// Return each accepted event redacted as [`RunModel::redact_event`]
    /// does (for passing on: a live stream).
    pub events: bool,
}

/// The outcome of a batch: lines accepted, one error per rejected line, and
/// what [`IngestOptions`] asked for.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IngestReport {
    pub accepted: usize,
    pub errors: Vec<LineError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<TelemetryEntry>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<Value>>,
    /// Bytes of an unfinished last line dropped by [`RunModel::end_ndjson`]
    /// with `discard`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discarded: Option<usize>,
}

/// The run model.
pub struct RunModel<C: Clock> {
    core: RunModelCore,
    events: crate::event::EventFilter,
    filtered: u64,
    clock: C,
    step_threshold_ms: Option<i64>,
    step_thresholds_ms: HashMap<String, i64>,
    ndjson: NdjsonOptions,
    stall_after_ms: Option<i64>,
    retention: Retention,
    evicted: Evicted,
    /// The counts of the runs evicted, for the metrics to stay cumulative
    /// (kept here, not in each snapshot: a copy per snapshot cost time and
    /// about 2 KB of wasm).
    evicted_totals: totals::Totals,
    /// When retention next looks for runs past their age.
    next_age_check: Option<Timestamp>,
    /// One reader per source, for input pushed in chunks.
    readers: HashMap<String, LineReader>,
    /// The model's clock, read once per call: when its events arrived.
    arrival: Option<Timestamp>,
}

impl<C: Clock> RunModel<C> {
    pub fn new(options: RunModelOptions, clock: C) -> Self {
        let swamp = dialects::SwampState::new(Box::new(RandomIds::new()));
        RunModel {
            core: RunModelCore::new(options.filter, options.bridge, swamp),
            events: options.events,
            filtered: 0,
            clock,
            step_threshold_ms: options.step_threshold_ms,
            step_thresholds_ms: options.step_thresholds_ms,
            ndjson: options.ndjson,
            stall_after_ms: options.stall_after_ms,
            retention: options.retention,
            evicted: Evicted::default(),
            evicted_totals: totals::Totals::new(options.metrics_buckets, totals::MAX_SERIES),
            next_age_check: None,
            readers: HashMap::new(),
            arrival: None,
        }
    }

    /// The id source of the child entries (default: random UUIDs), so a
    /// replayed log gives the same ids. Set it before the first event.
    pub fn with_ids(mut self, ids: impl IdSource + 'static) -> Self {
        self.core.swamp = dialects::SwampState::new(Box::new(ids));
        self
    }

    /// Ingests one event (a JSON value) of the default source. A malformed
    /// event is refused whole.
    pub fn ingest(&mut self, event: &Value) -> Result<(), IngestError> {
        self.ingest_from(event, "")
    }

    /// [`RunModel::ingest`] from a given source.
    pub fn ingest_from(&mut self, event: &Value, source: &str) -> Result<(), IngestError> {
        self.begin(IngestOptions {
            source,
            ..Default::default()
        });
        let result = Input::read(event).and_then(|mut input| self.apply(&mut input, None));
        self.finish();
        result
    }

    /// Ingests one event given as JSON text, of `source`: a plain object is
    /// read by the event scanner, as a line of NDJSON is, with no
    /// `serde_json::Value` built (`RunModel.ingest(object)` stringifies the
    /// object and comes here: measured 1.6x faster than reading a `Value`);
    /// anything else goes through serde_json, which decides its errors.
    pub fn ingest_json(&mut self, text: &str, source: &str) -> Result<(), IngestError> {
        self.begin(IngestOptions {
            source,
            ..Default::default()
        });
        let mut fields = ScannedFields::default();
        let result = if fields.scan(text, self.ndjson.max_depth) {
            Input::read_scanned(&fields).and_then(|mut input| self.apply(&mut input, None))
        } else {
            serde_json::from_str::<Value>(text)
                .map_err(|e| IngestError::Json(e.to_string()))
                .and_then(|v| self.ingest_at_line(&v, None))
        };
        self.finish();
        result
    }

    /// Ingests one event given as its top-level members, in key order, as a
    /// host read them from an object (`RunModel.ingest(object)`: no JSON text
    /// of the whole event is made): each key, its value (a string, number,
    /// boolean or null as itself; an array or object as [`Field::Array`] or
    /// [`Field::Object`] with its JSON text). The same model and errors as
    /// [`RunModel::ingest_json`] of the object's JSON text, except that a
    /// non-finite `timestamp` (or instant) is an error where JSON would have
    /// made it null. `Err(IngestError::Json)` when an array or object's text
    /// is one serde_json refuses.
    ///
    /// [`Field::Array`]: crate::event::field::Field::Array
    /// [`Field::Object`]: crate::event::field::Field::Object
    pub fn ingest_members<'a>(
        &mut self,
        members: impl IntoIterator<Item = ObjectMember<'a>>,
        source: &str,
    ) -> Result<(), IngestError> {
        self.begin(IngestOptions {
            source,
            ..Default::default()
        });
        let mut fields = ScannedFields::default();
        let result = if fields.fill(members) {
            Input::read_scanned(&fields).and_then(|mut input| self.apply(&mut input, None))
        } else {
            Err(IngestError::Json(
                "an array or object member is not JSON".into(),
            ))
        };
        self.finish();
        result
    }

    /// Ingests one event per line of the default source. A bad line is
    /// reported with its number and skipped; every other line is applied, in
    /// order. A text that is one JSON array is read element by element.
    pub fn ingest_ndjson(&mut self, text: &str) -> IngestReport {
        self.ingest_ndjson_with(text, IngestOptions::default())
    }

    /// [`RunModel::ingest_ndjson`] with a source, and the entries or
    /// redacted events it asks for. Lines are numbered from 1 in `text`.
    ///
    /// A plain line (the usual kind) is read by the event scanner without
    /// building a `Value` (`run::scanned`); any other line, and every error, goes
    /// through the limits check and serde_json, as [`RunModel::ingest_ndjson_serde`]
    /// reads every line. The two give the same model and report.
    pub fn ingest_ndjson_with(&mut self, text: &str, options: IngestOptions<'_>) -> IngestReport {
        let mut reader = LineReader::new(self.ndjson.max_line_bytes);
        let mut report = self.begin(options);
        reader.push_str(text, &mut |f| {
            self.take_frame(f, &mut report, options.events)
        });
        reader.end(&mut |f| self.take_frame(f, &mut report, options.events));
        self.finish_report(report)
    }

    /// Input that arrives in chunks cut anywhere (a tailed file, a socket),
    /// of `options.source`: complete lines are ingested, an unfinished one
    /// waits for its end; lines are numbered from the source's first chunk.
    pub fn push_ndjson(&mut self, chunk: Chunk<'_>, options: IngestOptions<'_>) -> IngestReport {
        let mut reader = self.reader(options.source);
        let mut report = self.begin(options);
        reader.push_chunk(chunk, &mut |f| {
            self.take_frame(f, &mut report, options.events)
        });
        self.readers.insert(options.source.to_string(), reader);
        self.finish_report(report)
    }

    /// The source's input ended: its unfinished last line is read as a line
    /// (or, with `discard`, dropped: a rotated file's line that will never
    /// be finished), and its line numbers start again.
    pub fn end_ndjson(&mut self, options: IngestOptions<'_>, discard: bool) -> IngestReport {
        let mut reader = self.reader(options.source);
        self.readers.remove(options.source);
        let mut report = self.begin(options);
        if discard {
            report.discarded = Some(reader.discard_partial());
        }
        reader.end(&mut |f| self.take_frame(f, &mut report, options.events));
        self.finish_report(report)
    }

    fn reader(&mut self, source: &str) -> LineReader {
        self.readers
            .remove(source)
            .unwrap_or_else(|| LineReader::new(self.ndjson.max_line_bytes))
    }

    /// Starts a call: its source, and a fresh reading of the clock.
    fn begin(&mut self, options: IngestOptions<'_>) -> IngestReport {
        self.arrival = None;
        if &*self.core.source != options.source {
            self.core.source = Rc::from(options.source);
        }
        self.core.swamp.collected = options.entries.then(Vec::new);
        IngestReport {
            events: options.events.then(Vec::new),
            ..Default::default()
        }
    }

    /// Ends a call: retention runs once per call, not per event.
    fn finish(&mut self) {
        self.core.swamp.collected = None;
        self.enforce_retention();
    }

    fn finish_report(&mut self, mut report: IngestReport) -> IngestReport {
        report.entries = self.core.swamp.collected.take();
        self.finish();
        report
    }

    /// When the events of this call arrived, on the model's clock.
    fn arrival(&mut self) -> Timestamp {
        match self.arrival {
            Some(t) => t,
            None => {
                let t = self.clock.now();
                self.arrival = Some(t);
                t
            }
        }
    }

    fn take_frame(&mut self, frame: Frame<'_, '_>, report: &mut IngestReport, echo: bool) {
        match frame {
            Frame::Lines(lines) => self.take_lines(lines, report, echo),
            Frame::One(line, body) => {
                let mut fields = ScannedFields::default();
                self.take_line(line, body, &mut fields, report, echo);
            }
            Frame::Error(e) => report.errors.push(e),
        }
    }

    fn take_lines(&mut self, lines: &mut Lines<'_>, report: &mut IngestReport, echo: bool) {
        let mut fields = ScannedFields::default();
        for (line, body) in lines {
            self.take_line(line, body, &mut fields, report, echo);
        }
    }

    fn take_line<'a>(
        &mut self,
        line: usize,
        body: &'a str,
        fields: &mut ScannedFields<'a>,
        report: &mut IngestReport,
        echo: bool,
    ) {
        let result = if body.len() <= self.ndjson.max_line_bytes
            && fields.scan(body, self.ndjson.max_depth)
        {
            Input::read_scanned(fields)
                .and_then(|mut input| self.apply(&mut input, Some(line)))
                .map_err(|e| line_error(line, &e))
        } else {
            self.ingest_line_serde(line, body)
        };
        match result {
            Ok(()) => {
                report.accepted += 1;
                if let (true, Some(events)) = (echo, report.events.as_mut()) {
                    if let Ok(v) = serde_json::from_str::<Value>(body) {
                        events.push(self.redact_event(&v));
                    }
                }
            }
            Err(e) => report.errors.push(e),
        }
    }

    fn ingest_at_line(&mut self, event: &Value, line: Option<usize>) -> Result<(), IngestError> {
        let mut input = Input::read(event)?;
        self.apply(&mut input, line)
    }

    /// Applies one read event. An event without `timestamp` is stamped with
    /// its arrival on the model's clock, as the bridge stamps it.
    fn apply(&mut self, input: &mut Input<'_>, line: Option<usize>) -> Result<(), IngestError> {
        if !self.events.passes(input.name) {
            // Filtered out by name: accepted, and deliberately not applied.
            self.filtered += 1;
            return Ok(());
        }
        let arrival = self.arrival();
        let at = input.timestamp.unwrap_or(arrival);
        input.timestamp = Some(at);
        self.core.event_at = Some(at);
        self.core.seen = Some(arrival);
        let result = (input.dialect.spec().ingest)(&mut self.core, input, line);
        if result.is_ok() {
            self.core.last_at = Some(self.core.last_at.map_or(at, |l| l.max(at)));
        }
        result
    }

    /// [`RunModel::ingest_ndjson`] with every line read through serde_json:
    /// the reference the fast path is tested against.
    #[doc(hidden)]
    pub fn ingest_ndjson_serde(&mut self, text: &str) -> IngestReport {
        let mut report = self.begin(IngestOptions::default());
        for (line, body) in crate::ndjson::lines(text) {
            match self.ingest_line_serde(line, body) {
                Ok(()) => report.accepted += 1,
                Err(e) => report.errors.push(e),
            }
        }
        self.finish_report(report)
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
        crate::redact::event::redact_event(&self.core.filter, self.core.swamp.seen_models(), event)
    }

    /// How many events the event filter kept out.
    pub fn filtered(&self) -> u64 {
        self.filtered
    }

    /// Method invocations open over every source (their entries come when
    /// they end, or when their run ends).
    pub fn in_flight(&self) -> usize {
        self.core.swamp.in_flight()
    }

    /// Runs held now.
    pub fn run_count(&self) -> usize {
        self.core.runs.len()
    }

    /// What [`Retention`] has taken out so far.
    pub fn evicted(&self) -> &Evicted {
        &self.evicted
    }

    /// The counts of the runs [`Retention`] took out, which the metrics add
    /// to the runs held (`crate::export::model_metrics`).
    pub fn evicted_totals(&self) -> &totals::Totals {
        &self.evicted_totals
    }

    /// The instants a snapshot is taken at: `now` for the durations of runs
    /// still going (the latest event's instant, so a replayed log reads the
    /// same every time), and the model's clock for stalls.
    fn instants(&mut self) -> (Timestamp, Timestamp) {
        let clock = self.clock.now();
        (self.core.last_at.unwrap_or(clock), clock)
    }

    /// Every run, with its analytics, and per-workflow aggregates.
    pub fn snapshot(&mut self) -> Snapshot {
        let (now, clock) = self.instants();
        let runs: Vec<RunDetail> = self
            .core
            .runs
            .iter()
            .map(|s| self.detail(s, now, clock))
            .collect();
        self.snapshot_of(runs)
    }

    fn snapshot_of(&self, runs: Vec<RunDetail>) -> Snapshot {
        let workflows = analytics::aggregates(&runs);
        Snapshot {
            runs,
            workflows,
            violations: self.core.orphans.iter().cloned().collect(),
            evicted: self.evicted_now(),
        }
    }

    /// What retention took out, with the dropped events that fit no run.
    fn evicted_now(&self) -> Evicted {
        Evicted {
            violations: self.core.orphans_dropped,
            ..self.evicted.clone()
        }
    }

    /// The snapshot as the viewer loads it: every step lite ([`Step::lite`]),
    /// numbered in run then step order by `detail_ref`, the rest as in
    /// [`RunModel::snapshot`]. The held-back fields are fetched one step at a
    /// time with [`RunModel::step_detail`] while the model is unchanged.
    pub fn snapshot_lite(&mut self) -> Snapshot {
        let mut runs = Vec::with_capacity(self.core.runs.len());
        self.each_lite_run(|run| runs.push(run));
        self.snapshot_of(runs)
    }

    /// [`RunModel::snapshot_lite`] as JSON text, the same bytes as serde_json
    /// writes for it, each run written as soon as it is made and dropped: the
    /// copies of one run at a time, not of the whole model. Measured on a
    /// 1,000,000-event log (4,008 runs, 200,384 steps): wasm memory grew from
    /// 385 to 792 MiB while the whole lite snapshot was built.
    pub fn snapshot_lite_json(&mut self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        out.extend_from_slice(b"{\"runs\":[");
        let mut first = true;
        // Parts of 1 MiB: the whole text is built once, in `out`.
        let rest = self.snapshot_lite_parts(1 << 20, |part| {
            // Each part is a JSON array of runs: its elements, joined.
            let inner = &part[1..part.len() - 1];
            if !inner.is_empty() {
                if !std::mem::take(&mut first) {
                    out.push(b',');
                }
                out.extend_from_slice(inner);
            }
        })?;
        out.extend_from_slice(b"],");
        out.extend_from_slice(&rest[1..]);
        Ok(())
    }

    /// The lite snapshot in pieces, for a page that parses it a piece per
    /// task: the runs, in order, as JSON arrays handed to `part` as each
    /// reaches `part_bytes` (the last may be shorter; none when there are no
    /// runs); then, returned, the rest as an object (`workflows`,
    /// `violations`, `evicted`). Together the same data as
    /// [`RunModel::snapshot_lite_json`].
    pub fn snapshot_lite_parts(
        &mut self,
        part_bytes: usize,
        mut part: impl FnMut(&[u8]),
    ) -> serde_json::Result<Vec<u8>> {
        let mut result = Ok(());
        let mut buf = Vec::new();
        let mut workflows = analytics::Aggregates::default();
        self.each_lite_run(|run| {
            workflows.add(&run);
            if result.is_err() {
                return;
            }
            buf.push(if buf.is_empty() { b'[' } else { b',' });
            result = serde_json::to_writer(&mut buf, &run);
            if buf.len() >= part_bytes {
                buf.push(b']');
                part(&buf);
                buf.clear();
            }
        });
        result?;
        if !buf.is_empty() {
            buf.push(b']');
            part(&buf);
        }
        let mut rest = b"{\"workflows\":".to_vec();
        serde_json::to_writer(&mut rest, &workflows.finish())?;
        rest.extend_from_slice(b",\"violations\":");
        let violations: Vec<&Violation> = self.core.orphans.iter().collect();
        serde_json::to_writer(&mut rest, &violations)?;
        rest.extend_from_slice(b",\"evicted\":");
        serde_json::to_writer(&mut rest, &self.evicted_now())?;
        rest.push(b'}');
        Ok(rest)
    }

    /// Each run as the lite snapshot has it, in order.
    fn each_lite_run(&mut self, mut visit: impl FnMut(RunDetail)) {
        let (now, clock) = self.instants();
        let mut next_ref: u32 = 0;
        let stall = self.stall_after_ms;
        for slot in self.core.runs.iter_mut() {
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
            run.stalled = is_stalled(slot, stall, clock);
            let summary = analytics::summarise(
                &mut run,
                now,
                self.step_threshold_ms,
                &self.step_thresholds_ms,
            );
            visit(RunDetail { run, summary });
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
        let (now, clock) = self.instants();
        let position = Dialect::all()
            .filter(|d| dialect.is_none_or(|x| x == *d))
            .filter_map(|d| self.core.runs.position(d, id))
            .min()?;
        let slot = self.core.runs.get(position)?;
        Some(self.detail(slot, now, clock))
    }

    fn detail(&self, slot: &slot::RunSlot, now: Timestamp, clock: Timestamp) -> RunDetail {
        let mut run = slot.run.clone();
        run.stalled = is_stalled(slot, self.stall_after_ms, clock);
        let summary = analytics::summarise(
            &mut run,
            now,
            self.step_threshold_ms,
            &self.step_thresholds_ms,
        );
        RunDetail { run, summary }
    }
}

/// Not ended, and nothing heard of it for longer than `after` on the model's
/// clock.
fn is_stalled(slot: &slot::RunSlot, after: Option<i64>, clock: Timestamp) -> bool {
    match (after, slot.seen) {
        (Some(after), Some(seen)) => {
            !slot.run.status.is_terminal() && clock.millis_since(seen) > after
        }
        _ => false,
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
    /// Events that belong to no run, recorded rather than dropped (the
    /// latest 1,000).
    pub violations: Vec<Violation>,
    /// What retention took out of the model (and how many of the events
    /// that fit no run were dropped).
    pub evicted: Evicted,
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
