//! The `RunModel` class: one picture of every run, and its exports. Compiled
//! with the `run-model` feature (on by default); the package's bridge-only
//! build (`workflow-telemetry/bridge`) leaves it out, and with it the run
//! model, the dialect readers, analytics and exporters, which are more than
//! half of the full wasm.
//!
//! Each method reads its options declaratively ([`crate::config`]), calls the
//! core, and converts the result: a few lines each.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::errors::{argument_error, js_error, serialize_error};
use super::event_reader::EventReader;
use super::interop::{json_text, read_options, rust_string, to_js, to_json, Chunk, Options};
use super::sources::{JsClock, JsIds};
use crate::config::{
    IngestConfig, LogFormat, LogsConfig, MetricsConfig, QueryConfig, RunModelConfig,
    SnapshotConfig, TracesConfig,
};
use crate::ids::RandomIds;
use crate::run::Dialect;

/// One picture of every workflow run, from events of any dialect.
#[wasm_bindgen(js_name = RunModel)]
pub struct JsRunModel {
    inner: crate::run::RunModel<JsClock>,
    reader: EventReader,
}

fn ingest_options(value: &JsValue) -> Result<IngestConfig, JsValue> {
    read_options(value, "options")
}

/// An event that is no JSON data: an `IngestError` naming `event`.
fn unreadable_event() -> JsValue {
    let message =
        "event: expected a JSON-compatible object (no cycles, BigInts or nesting deeper than 128)";
    js_error(true, "IngestError", message, &[("field", "event".into())])
}

/// A `dialect` argument: absent, or one of the dialects' names.
fn dialect_arg(value: &JsValue) -> Result<Option<Dialect>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match value.as_string().and_then(|n| Dialect::parse(&n)) {
        Some(d) => Ok(Some(d)),
        None => {
            let names: Vec<&str> = Dialect::all().map(|d| d.name()).collect();
            Err(argument_error(
                "dialect",
                &format!("one of {}", names.join(", ")),
            ))
        }
    }
}

#[wasm_bindgen(js_class = RunModel)]
impl JsRunModel {
    #[wasm_bindgen(constructor)]
    pub fn new(options_value: JsValue) -> Result<JsRunModel, JsValue> {
        let functions = Options::new(&options_value, "options", false)?;
        let clock = JsClock(functions.opt_function("clock")?);
        let ids = JsIds {
            generator: functions.opt_function("idGenerator")?,
            random: RandomIds::new(),
        };
        let config: RunModelConfig = read_options(&options_value, "options")?;
        let model = crate::run::RunModel::new(config.build("options")?, clock);
        Ok(JsRunModel {
            inner: model.with_ids(ids),
            reader: EventReader::default(),
        })
    }

    /// Ingests one event object of any dialect (`options.source`: its stream).
    /// Throws an `IngestError` (with `field`) for a malformed event; nothing
    /// of it is applied.
    pub fn ingest(&mut self, event: JsValue, options: JsValue) -> Result<(), JsValue> {
        let o = ingest_options(&options)?;
        // Its members read from the object (src/wasm/read_event.js), no
        // JSON text of the whole: stringify and the text's copy into wasm
        // were about half of this call (node --cpu-prof). A member
        // serde_json refuses sends it the JSON way, which names the fault.
        if let Some(members) = self.reader.read_members(&event) {
            match self.inner.ingest_members(members, o.source()) {
                Err(crate::run::IngestError::Json(_)) => {}
                result => return Ok(result?),
            }
        }
        let text = json_text(&event, "event").map_err(|_| unreadable_event())?;
        // Text JSON.stringify wrote that serde_json refuses (a lone
        // surrogate, nesting past its limit) is the object's fault, as before.
        match self.inner.ingest_json(&text, o.source()) {
            Err(crate::run::IngestError::Json(_)) => Err(unreadable_event()),
            result => Ok(result?),
        }
    }

    /// Ingests one event per line, or each element of one JSON array:
    /// `{ accepted, errors: [{ line, kind, field?, message }], entries?, events? }`
    /// (`options`: `source`, and `entries` / `events` to have them back).
    #[wasm_bindgen(js_name = ingestNdjson)]
    pub fn ingest_ndjson(&mut self, text: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let text = rust_string(&text).ok_or_else(|| argument_error("text", "a string"))?;
        let o = ingest_options(&options)?;
        to_js(&self.inner.ingest_ndjson_with(&text, o.options()))
    }

    /// Input of `options.source` in chunks cut anywhere (a string or a
    /// `Uint8Array` of UTF-8): complete lines are ingested, an unfinished one
    /// waits; lines are numbered from the source's first chunk.
    #[wasm_bindgen(js_name = pushNdjson)]
    pub fn push_ndjson(&mut self, chunk: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        // Options first: their transient allocations then come before the
        // chunk's copy, not after it.
        let o = ingest_options(&options)?;
        let chunk = Chunk::read(&chunk)?;
        to_js(&self.inner.push_ndjson(chunk.as_core(), o.options()))
    }

    /// The input of `options.source` ended: its unfinished last line is read
    /// (`discard: true` drops it instead: a rotated file's), and its line
    /// numbers start again.
    #[wasm_bindgen(js_name = endNdjson)]
    pub fn end_ndjson(&mut self, options: JsValue) -> Result<JsValue, JsValue> {
        let o = ingest_options(&options)?;
        let discard = o.discard.unwrap_or(false);
        to_js(&self.inner.end_ndjson(o.options(), discard))
    }

    /// A page of runs, newest first: `{ runs, nextCursor, total }`. Query:
    /// `limit` (default 100), `cursor`, `order` (`newest`/`oldest`),
    /// `status`, `workflow`, `correlation`, `source`, `topLevel`.
    pub fn runs(&mut self, query: JsValue) -> Result<JsValue, JsValue> {
        let q: QueryConfig = read_options(&query, "query")?;
        to_js(&self.inner.runs_page(&q.build()))
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
        let o: SnapshotConfig = read_options(&options, "options")?;
        if o.lite.unwrap_or(false) {
            // Written run by run: no copy of the whole model at once.
            let mut out = Vec::new();
            self.inner
                .snapshot_lite_json(&mut out)
                .map_err(serialize_error)?;
            return String::from_utf8(out).map_err(|e| serialize_error(e.utf8_error()));
        }
        serde_json::to_string(&self.inner.snapshot()).map_err(serialize_error)
    }

    /// The lite snapshot in parts, for a page that parses a part per task
    /// and stays responsive: `{ runs, rest }`, `runs` the runs as JSON
    /// arrays of about 1 MiB each, in order, `rest` the other fields as one
    /// JSON object. Measured on a 1,000,000-event log: parsing the whole
    /// lite snapshot (86 MB) was one main-thread task of 1.0 s.
    #[wasm_bindgen(js_name = snapshotJsonParts)]
    pub fn snapshot_json_parts(&mut self) -> Result<JsValue, JsValue> {
        let runs = Array::new();
        let mut bad = None;
        let rest = self
            .inner
            .snapshot_lite_parts(1 << 20, |part| match std::str::from_utf8(part) {
                Ok(text) => {
                    runs.push(&JsValue::from_str(text));
                }
                Err(e) => bad = Some(e),
            })
            .map_err(serialize_error)?;
        if let Some(e) = bad {
            return Err(serialize_error(e));
        }
        let rest = String::from_utf8(rest).map_err(|e| serialize_error(e.utf8_error()))?;
        let out = Object::new();
        Reflect::set(&out, &JsValue::from_str("runs"), &runs)?;
        Reflect::set(&out, &JsValue::from_str("rest"), &JsValue::from_str(&rest))?;
        Ok(out.into())
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
        String::from_utf8(text).map_err(serialize_error)
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
        let o = read_options::<TracesConfig>(&options, "options")?.build();
        to_js(&crate::export::export_traces(&self.inner.snapshot(), &o))
    }

    /// The OTLP file-exporter form: JSON Lines, one `TracesData` per trace.
    #[wasm_bindgen(js_name = exportTracesJsonl)]
    pub fn export_traces_jsonl(&mut self, options: JsValue) -> Result<String, JsValue> {
        let o = read_options::<TracesConfig>(&options, "options")?.build();
        Ok(crate::export::export_traces_jsonl(
            &self.inner.snapshot(),
            &o,
        ))
    }

    /// Prometheus text exposition (0.0.4), or OpenMetrics, of metrics over
    /// every run (never sampled).
    #[wasm_bindgen(js_name = exportMetrics)]
    pub fn export_metrics(&mut self, options: JsValue) -> Result<String, JsValue> {
        let o = read_options::<MetricsConfig>(&options, "options")?.build();
        crate::export::model_metrics(&mut self.inner, &o)
            .map_err(|e| js_error(true, "ArgumentError", &format!("options.{e}"), &[]))
    }

    /// Structured lifecycle log records, JSON Lines (default) or logfmt.
    #[wasm_bindgen(js_name = exportLogs)]
    pub fn export_logs(&mut self, options: JsValue) -> Result<String, JsValue> {
        use crate::export::{lifecycle_records, to_json_lines, to_logfmt};
        let (o, format) = read_options::<LogsConfig>(&options, "options")?.build();
        let records = lifecycle_records(&self.inner.snapshot(), &o);
        Ok(match format {
            LogFormat::Json => to_json_lines(&records),
            LogFormat::Logfmt => to_logfmt(&records),
        })
    }

    /// One run by id, or `undefined`; `dialect` picks among runs of several
    /// dialects that share an id.
    pub fn run(&mut self, run_id: JsValue, dialect: JsValue) -> Result<JsValue, JsValue> {
        let id = run_id
            .as_string()
            .ok_or_else(|| argument_error("runId", "a string"))?;
        match self.inner.run_in(&id, dialect_arg(&dialect)?) {
            Some(d) => to_js(&d),
            None => Ok(JsValue::UNDEFINED),
        }
    }
}
