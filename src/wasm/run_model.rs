//! The `RunModel` class: one picture of every run, and its exports. Compiled
//! with the `run-model` feature (on by default); the package's bridge-only
//! build (`workflow-telemetry/bridge`) leaves it out, and with it the run
//! model, the dialect readers, analytics and exporters, which are more than
//! half of the full wasm.

use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;

use super::{
    argument_error, js_error, ndjson_options, rust_string, to_js, to_json, Chunk, JsClock, JsIds,
    Options,
};
use crate::bridge::BridgeConfig;
use crate::ids::RandomIds;
use crate::run::{IngestOptions, Retention, RunQuery};

fn sample_rate(o: &Options) -> Result<Option<f64>, JsValue> {
    let v = o.get("sampleRate");
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(r) if (0.0..=1.0).contains(&r) => Ok(Some(r)),
        _ => Err(argument_error("options.sampleRate", "a number from 0 to 1")),
    }
}

fn trace_options(options: &JsValue) -> Result<crate::export::TraceOptions, JsValue> {
    let o = Options::new(options, "options", false)?;
    let mut t = crate::export::TraceOptions::default();
    if let Some(n) = o.opt_string("serviceName")? {
        t.service_name = n;
    }
    if let Some(v) = o.opt_string("serviceVersion")? {
        t.service_version = v;
    }
    if let Some(r) = sample_rate(&o)? {
        t.sample_rate = r;
    }
    Ok(t)
}

/// One picture of every workflow run, from swamp, orchestrator and Tasker events.
#[wasm_bindgen(js_name = RunModel)]
pub struct JsRunModel {
    inner: crate::run::RunModel<JsClock>,
}

/// `source`, `entries` and `events` of an ingest call's options.
fn ingest_options(options: &JsValue) -> Result<(String, bool, bool), JsValue> {
    let o = Options::new(options, "options", false)?;
    let source = o.opt_string("source")?.unwrap_or_default();
    if source.len() > 1024 {
        return Err(argument_error(
            "options.source",
            "a string of at most 1024 bytes",
        ));
    }
    Ok((
        source,
        o.opt_bool("entries")?.unwrap_or(false),
        o.opt_bool("events")?.unwrap_or(false),
    ))
}

/// An array of histogram bounds under `key`, if given.
fn buckets(o: &Options, key: &str) -> Result<Option<Vec<f64>>, JsValue> {
    let b = o.get(key);
    if b.is_undefined() || b.is_null() {
        return Ok(None);
    }
    let path = format!("options.{key}");
    let arr = Array::is_array(&b)
        .then(|| Array::from(&b))
        .ok_or_else(|| argument_error(&path, "an array of numbers"))?;
    arr.iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_f64()
                .ok_or_else(|| argument_error(&format!("{path}[{i}]"), "a number"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn run_query(query: &JsValue) -> Result<RunQuery, JsValue> {
    let o = Options::new(query, "query", false)?;
    let cursor = match o.opt_string("cursor")? {
        None => None,
        Some(c) if c.is_empty() => None,
        Some(c) => Some(
            c.parse::<u64>()
                .map_err(|_| argument_error("query.cursor", "a cursor from a previous page"))?,
        ),
    };
    let oldest_first = match o.opt_string("order")?.as_deref() {
        None | Some("newest") => false,
        Some("oldest") => true,
        Some(_) => return Err(argument_error("query.order", "one of newest, oldest")),
    };
    let status = match o.get("status") {
        v if v.is_undefined() || v.is_null() => Vec::new(),
        v => match v.as_string() {
            Some(s) => s.split(',').map(str::to_string).collect(),
            None => o.opt_strings("status")?.unwrap_or_default(),
        },
    };
    if let Some(bad) = status.iter().find(|s| !crate::run::is_status_name(s)) {
        return Err(argument_error(
            "query.status",
            &format!("run statuses (pending, queued, running, waiting, completed, failed, cancelled, abandoned, stalled), not {bad:?}"),
        ));
    }
    Ok(RunQuery {
        limit: o.opt_positive_integer("limit")?.unwrap_or(100).min(10_000),
        cursor,
        oldest_first,
        status,
        workflow: o.opt_string("workflow")?,
        correlation: o.opt_string("correlation")?,
        source: o.opt_string("source")?,
        top_level: o.opt_bool("topLevel")?.unwrap_or(false),
    })
}

/// A `dialect` that names none: the error lists them.
fn dialect_error() -> JsValue {
    let names: Vec<&str> = crate::run::Dialect::all().map(|d| d.name()).collect();
    argument_error("dialect", &format!("one of {}", names.join(", ")))
}

fn ingest_error(e: &crate::run::IngestError) -> JsValue {
    let field = e.field().map_or(JsValue::UNDEFINED, JsValue::from);
    js_error(true, "IngestError", &e.to_string(), &[("field", field)])
}

#[wasm_bindgen(js_class = RunModel)]
impl JsRunModel {
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<JsRunModel, JsValue> {
        use crate::run::{ParameterFilter, RunModelOptions, DEFAULT_FILTERS, DEFAULT_MASK};
        let o = Options::new(&options, "options", false)?;
        let substrings = o
            .opt_strings("filterParameters")?
            .unwrap_or_else(|| DEFAULT_FILTERS.iter().map(|s| s.to_string()).collect());
        let patterns = o.opt_strings("filterPatterns")?.unwrap_or_default();
        let mask = o
            .opt_string("filterMask")?
            .unwrap_or_else(|| DEFAULT_MASK.to_string());
        let filter = ParameterFilter::new(&substrings, &patterns, &mask).map_err(|e| {
            argument_error(
                &format!("options.filterPatterns[{}]", e.index),
                &format!("a valid regular expression ({})", e.reason),
            )
        })?;
        let mut opts = RunModelOptions {
            filter,
            ..Default::default()
        };
        opts.step_threshold_ms = o.opt_positive_integer("stepThresholdMs")?.map(|n| n as i64);
        let per_step = o.get("stepThresholdsMs");
        if !(per_step.is_undefined() || per_step.is_null()) {
            if !per_step.is_object() || Array::is_array(&per_step) {
                return Err(argument_error(
                    "options.stepThresholdsMs",
                    "an object of step name to milliseconds",
                ));
            }
            for pair in Object::entries(per_step.unchecked_ref()).iter() {
                let pair: Array = pair.unchecked_into();
                let name = pair.get(0).as_string().unwrap_or_default();
                let ms = pair
                    .get(1)
                    .as_f64()
                    .filter(|n| n.is_finite() && *n >= 0.0)
                    .ok_or_else(|| {
                        argument_error(
                            &format!("options.stepThresholdsMs.{name}"),
                            "a non-negative number of milliseconds",
                        )
                    })?;
                opts.step_thresholds_ms.insert(name, ms as i64);
            }
        }
        opts.ndjson = ndjson_options(&o)?;
        opts.bridge = BridgeConfig {
            parent_invocation_id: o.opt_string("parentInvocationId")?.unwrap_or_default(),
            version: o.opt_string("version")?.unwrap_or_default(),
            runtime_version: o.opt_string("runtimeVersion")?.unwrap_or_default(),
            platform: o.opt_string("platform")?.unwrap_or_default(),
            invocation_context: None,
        };
        let events = o.get("events");
        if !(events.is_undefined() || events.is_null()) {
            let e = Options::new(&events, "options.events", true)?;
            let allow = e.opt_strings("allow")?.unwrap_or_default();
            let deny = e.opt_strings("deny")?.unwrap_or_default();
            opts.events = crate::event::EventFilter::new(&allow, &deny);
        }
        opts.stall_after_ms = match o.get("stallAfterMs") {
            v if v.is_undefined() => opts.stall_after_ms,
            v if v.is_null() => None,
            v => Some(
                v.as_f64()
                    .filter(|n| n.is_finite() && *n >= 0.0)
                    .ok_or_else(|| {
                        argument_error("options.stallAfterMs", "a non-negative number or null")
                    })? as i64,
            ),
        };
        opts.retention = Retention {
            max_runs: o.opt_positive_integer("maxRuns")?,
            max_finished_age_ms: o
                .opt_positive_integer("maxFinishedAgeMs")?
                .map(|n| n as i64),
        };
        if let Some(b) = buckets(&o, "metricsBuckets")? {
            opts.metrics_buckets = b;
        }
        let clock = JsClock(o.opt_function("clock")?);
        let ids = JsIds {
            generator: o.opt_function("idGenerator")?,
            random: RandomIds::new(),
        };
        Ok(JsRunModel {
            inner: crate::run::RunModel::new(opts, clock).with_ids(ids),
        })
    }

    /// Ingests one event object of any dialect (`options.source`: its stream).
    /// Throws an `IngestError` (with `field`) for a malformed event; nothing
    /// of it is applied.
    pub fn ingest(&mut self, event: JsValue, options: JsValue) -> Result<(), JsValue> {
        let (source, _, _) = ingest_options(&options)?;
        let value = to_json(event, "event").map_err(|_| {
            let message = "event: expected a JSON-compatible object (no cycles, BigInts or nesting deeper than 128)";
            js_error(true, "IngestError", message, &[("field", "event".into())])
        })?;
        self.inner
            .ingest_from(&value, &source)
            .map_err(|e| ingest_error(&e))
    }

    /// Ingests one event per line, or each element of one JSON array:
    /// `{ accepted, errors: [{ line, kind, field?, message }], entries?, events? }`
    /// (`options`: `source`, and `entries` / `events` to have them back).
    #[wasm_bindgen(js_name = ingestNdjson)]
    pub fn ingest_ndjson(&mut self, text: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let text = rust_string(&text).ok_or_else(|| argument_error("text", "a string"))?;
        let (source, entries, events) = ingest_options(&options)?;
        let o = IngestOptions {
            source: &source,
            entries,
            events,
        };
        to_js(&self.inner.ingest_ndjson_with(&text, o))
    }

    /// Input of `options.source` in chunks cut anywhere (a string or a
    /// `Uint8Array` of UTF-8): complete lines are ingested, an unfinished one
    /// waits; lines are numbered from the source's first chunk.
    #[wasm_bindgen(js_name = pushNdjson)]
    pub fn push_ndjson(&mut self, chunk: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let chunk = Chunk::read(&chunk)?;
        let (source, entries, events) = ingest_options(&options)?;
        let o = IngestOptions {
            source: &source,
            entries,
            events,
        };
        to_js(&self.inner.push_ndjson(chunk.as_core(), o))
    }

    /// The input of `options.source` ended: its unfinished last line is read
    /// (`discard: true` drops it instead: a rotated file's), and its line
    /// numbers start again.
    #[wasm_bindgen(js_name = endNdjson)]
    pub fn end_ndjson(&mut self, options: JsValue) -> Result<JsValue, JsValue> {
        let (source, entries, events) = ingest_options(&options)?;
        let discard = Options::new(&options, "options", false)?
            .opt_bool("discard")?
            .unwrap_or(false);
        let o = IngestOptions {
            source: &source,
            entries,
            events,
        };
        to_js(&self.inner.end_ndjson(o, discard))
    }

    /// A page of runs, newest first: `{ runs, nextCursor, total }`. Query:
    /// `limit` (default 100), `cursor`, `order` (`newest`/`oldest`),
    /// `status`, `workflow`, `correlation`, `source`, `topLevel`.
    pub fn runs(&mut self, query: JsValue) -> Result<JsValue, JsValue> {
        to_js(&self.inner.runs_page(&run_query(&query)?))
    }

    /// Method invocations open over every source.
    #[wasm_bindgen(getter, js_name = inFlight)]
    pub fn in_flight(&self) -> u32 {
        self.inner.in_flight() as u32
    }

    /// Runs held now (cheap: no snapshot).
    #[wasm_bindgen(getter, js_name = runCount)]
    pub fn run_count(&self) -> u32 {
        self.inner.run_count() as u32
    }

    /// What retention took out so far: `{ runs, steps, unfinished, violations }`.
    #[wasm_bindgen(getter)]
    pub fn evicted(&self) -> Result<JsValue, JsValue> {
        to_js(self.inner.evicted())
    }

    /// Every run with its analytics, and per-workflow aggregates.
    pub fn snapshot(&mut self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.snapshot())
    }

    /// The snapshot as JSON text (one string crosses to JS, not a tree of
    /// objects). `{ lite: true }`: each step without its `transitions`,
    /// `telemetry`, `inputs` and `results`, numbered by `detailRef` for
    /// `stepDetail`; about a third of the size, what the viewer loads.
    #[wasm_bindgen(js_name = snapshotJson)]
    pub fn snapshot_json(&mut self, options: JsValue) -> Result<String, JsValue> {
        let o = Options::new(&options, "options", false)?;
        let snapshot = if o.opt_bool("lite")?.unwrap_or(false) {
            self.inner.snapshot_lite()
        } else {
            self.inner.snapshot()
        };
        serde_json::to_string(&snapshot)
            .map_err(|e| js_error(false, "SerializeError", &e.to_string(), &[]))
    }

    /// What a lite snapshot held back of the step with `detailRef`:
    /// `{ transitions, telemetry?, inputs?, results? }`, or undefined when the
    /// model has no such step. Valid while no event has been ingested since
    /// the lite snapshot was taken.
    #[wasm_bindgen(js_name = stepDetail)]
    pub fn step_detail(&self, detail_ref: JsValue) -> Result<JsValue, JsValue> {
        let r = match detail_ref.as_f64() {
            Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= u32::MAX as f64 => n as u32,
            _ => return Err(argument_error("detailRef", "a non-negative integer")),
        };
        match self.inner.step_detail(r) {
            Some(d) => to_js(&d),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// The redacted child telemetry entries of every swamp step as NDJSON, in
    /// run then step order ("" when there are none).
    #[wasm_bindgen(js_name = childEntriesNdjson)]
    pub fn child_entries_ndjson(&self) -> Result<String, JsValue> {
        let mut text = Vec::new();
        for entry in self.inner.child_entries() {
            entry.write_json(&mut text);
            text.push(b'\n');
        }
        String::from_utf8(text).map_err(|e| js_error(false, "SerializeError", &e.to_string(), &[]))
    }

    /// The event as it may be passed on: filtered keys and `key=value` secrets
    /// masked, swamp model names redacted (see the README's redaction rules).
    #[wasm_bindgen(js_name = redactEvent)]
    pub fn redact_event(&self, event: JsValue) -> Result<JsValue, JsValue> {
        let value = to_json(event, "event")?;
        to_js(&self.inner.redact_event(&value))
    }

    /// How many events the `events` filter kept out.
    #[wasm_bindgen(getter)]
    pub fn filtered(&self) -> f64 {
        self.inner.filtered() as f64
    }

    /// OTLP/JSON `ExportTraceServiceRequest` of every sampled run.
    #[wasm_bindgen(js_name = exportTraces)]
    pub fn export_traces(&mut self, options: JsValue) -> Result<JsValue, JsValue> {
        let o = trace_options(&options)?;
        to_js(&crate::export::export_traces(&self.inner.snapshot(), &o))
    }

    /// The OTLP file-exporter form: JSON Lines, one `TracesData` per trace.
    #[wasm_bindgen(js_name = exportTracesJsonl)]
    pub fn export_traces_jsonl(&mut self, options: JsValue) -> Result<String, JsValue> {
        let o = trace_options(&options)?;
        Ok(crate::export::export_traces_jsonl(
            &self.inner.snapshot(),
            &o,
        ))
    }

    /// Prometheus text exposition (0.0.4) of metrics over every run (never sampled).
    #[wasm_bindgen(js_name = exportMetrics)]
    pub fn export_metrics(&mut self, options: JsValue) -> Result<String, JsValue> {
        let o = Options::new(&options, "options", false)?;
        let mut m = crate::export::MetricsOptions::default();
        if let Some(p) = o.opt_string("prefix")? {
            m.prefix = p;
        }
        if let Some(b) = buckets(&o, "buckets")? {
            m.buckets = b;
        }
        if let Some(n) = o.opt_positive_integer("maxSeriesPerMetric")? {
            m.max_series_per_metric = n;
        }
        m.openmetrics = match o.opt_string("format")?.as_deref() {
            None | Some("prometheus") => false,
            Some("openmetrics") => true,
            Some(_) => {
                return Err(argument_error(
                    "options.format",
                    "one of prometheus, openmetrics",
                ))
            }
        };
        crate::export::model_metrics(&mut self.inner, &m)
            .map_err(|e| js_error(true, "ArgumentError", &format!("options.{e}"), &[]))
    }

    /// Structured lifecycle log records, JSON Lines (default) or logfmt.
    #[wasm_bindgen(js_name = exportLogs)]
    pub fn export_logs(&mut self, options: JsValue) -> Result<String, JsValue> {
        use crate::export::{lifecycle_records, to_json_lines, to_logfmt, Level, LogOptions};
        let o = Options::new(&options, "options", false)?;
        let mut l = LogOptions {
            min_level: match o.opt_string("minLevel")?.as_deref() {
                None => None,
                Some("info") => Some(Level::Info),
                Some("warn") => Some(Level::Warn),
                Some("error") => Some(Level::Error),
                Some(_) => {
                    return Err(argument_error(
                        "options.minLevel",
                        "one of info, warn, error",
                    ))
                }
            },
            sample_rate: sample_rate(&o)?,
            ..Default::default()
        };
        let events = o.get("events");
        if !(events.is_undefined() || events.is_null()) {
            let e = Options::new(&events, "options.events", true)?;
            l.filter = crate::event::EventFilter::new(
                &e.opt_strings("allow")?.unwrap_or_default(),
                &e.opt_strings("deny")?.unwrap_or_default(),
            );
        }
        let records = lifecycle_records(&self.inner.snapshot(), &l);
        match o.opt_string("format")?.as_deref() {
            None | Some("json") => Ok(to_json_lines(&records)),
            Some("logfmt") => Ok(to_logfmt(&records)),
            Some(_) => Err(argument_error("options.format", "one of json, logfmt")),
        }
    }

    /// One run by id, or `undefined`; `dialect` picks among runs of several
    /// dialects that share an id.
    pub fn run(&mut self, run_id: JsValue, dialect: JsValue) -> Result<JsValue, JsValue> {
        let id = run_id
            .as_string()
            .ok_or_else(|| argument_error("runId", "a string"))?;
        let dialect = match dialect.as_string() {
            _ if dialect.is_undefined() || dialect.is_null() => None,
            Some(name) => Some(crate::run::Dialect::parse(&name).ok_or_else(dialect_error)?),
            None => return Err(dialect_error()),
        };
        match self.inner.run_in(&id, dialect) {
            Some(d) => to_js(&d),
            None => Ok(JsValue::UNDEFINED),
        }
    }
}
