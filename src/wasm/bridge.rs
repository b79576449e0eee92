//! The `TelemetryBridge` class: events in, redacted child entries out.
//!
//! Its options are read by hand ([`Options`]), not declaratively as the run
//! model's are: serde's derived readers and their error messages (which
//! format floats) cost the bridge-only wasm 31 KB gzipped, measured, of its
//! 100 KB budget.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::entry_tape::EntryTape;
use super::errors::{argument_error, decode_error, event_error, js_error};
use super::event_reader::EventReader;
use super::interop::{
    entry_js, instant, json_text, ndjson_options, rust_string, to_js, to_json, Chunk, Options,
};
use super::sources::{JsClock, JsIds, JsSink};
use crate::bridge::{BridgeConfig, TelemetryBridge as CoreBridge};
use crate::entry::{EntryRef, InvocationContext};
use crate::event::{Event, EventError, ParseError};
use crate::ids::RandomIds;
use crate::ndjson::NdjsonOptions;

/// Turns workflow events into redacted child invocation entries.
#[wasm_bindgen(js_name = TelemetryBridge)]
pub struct JsTelemetryBridge {
    inner: CoreBridge,
    sink: Option<JsSink>,
    ndjson: NdjsonOptions,
    reader: EventReader,
    tape: EntryTape,
}

#[wasm_bindgen(js_class = TelemetryBridge)]
impl JsTelemetryBridge {
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<JsTelemetryBridge, JsValue> {
        let o = Options::new(&options, "options", true)?;
        let invocation_context = match o.get("invocationContext") {
            v if v.is_undefined() || v.is_null() => None,
            v => {
                let data = to_json(v, "options.invocationContext")?;
                Some(
                    InvocationContext::from_data(&data, "options.invocationContext")
                        .map_err(|e| decode_error(&e))?,
                )
            }
        };
        let config = BridgeConfig {
            parent_invocation_id: o.string("parentInvocationId")?,
            version: o.opt_string("version")?.unwrap_or_default(),
            runtime_version: o.opt_string("runtimeVersion")?.unwrap_or_default(),
            platform: o.opt_string("platform")?.unwrap_or_default(),
            invocation_context,
        };
        let clock = JsClock(o.opt_function("clock")?);
        let ids = JsIds {
            generator: o.opt_function("idGenerator")?,
            random: RandomIds::new(),
        };
        let sink = o.opt_function("sink")?.map(JsSink::new);
        let ndjson = ndjson_options(&o)?;
        Ok(JsTelemetryBridge {
            inner: CoreBridge::new(config, clock, ids),
            sink,
            ndjson,
            reader: EventReader::default(),
            tape: EntryTape::default(),
        })
    }

    /// Observes one event object; returns the entries it closed, in order.
    pub fn observe(&mut self, event: JsValue) -> Result<Array, JsValue> {
        let tape = &mut self.tape;
        if let Some(mut fields) = self.reader.read(&event) {
            let event = Event::from_fields(&mut fields).map_err(|e| event_error(&e))?;
            self.inner.observe_with(&event, |e| tape.push(e));
            return Ok(self.emit());
        }
        // JSON would make a non-finite timestamp null: refused here as the
        // reader refuses it.
        let timestamp = Reflect::get(&event, &JsValue::from_str("timestamp")).ok();
        if timestamp
            .and_then(|t| t.as_f64())
            .is_some_and(|t| !t.is_finite())
        {
            let reason = crate::time::TimestampError::NotFinite;
            return Err(event_error(&EventError::Timestamp { reason }));
        }
        let text = json_text(&event, "event")?;
        let event = Event::from_json(&text).map_err(|e| match e {
            ParseError::Event(e) => event_error(&e),
            ParseError::Json(e) => js_error(
                true,
                "EventError",
                &format!("event: {e}"),
                &[("field", "event".into())],
            ),
        })?;
        self.inner.observe_with(&event, |e| tape.push(e));
        Ok(self.emit())
    }

    /// Closes every in-flight invocation as an error. Idempotent; never throws
    /// because of a sink. `at` (epoch ms or ISO-8601) replaces the clock reading.
    pub fn finalize(&mut self, reason: JsValue, at: JsValue) -> Result<Array, JsValue> {
        let reason = match reason {
            r if r.is_undefined() || r.is_null() => None,
            r => Some(
                r.as_string()
                    .ok_or_else(|| argument_error("reason", "a string"))?,
            ),
        };
        let at = instant(&at, "at")?;
        let tape = &mut self.tape;
        self.inner
            .finalize_with(reason.as_deref(), at, |e| tape.push(e));
        Ok(self.emit())
    }

    /// Observes one event per line (or each element of one JSON array);
    /// returns the entries as NDJSON text, the number of accepted lines, and
    /// one error per rejected line.
    #[wasm_bindgen(js_name = observeNdjson)]
    pub fn observe_ndjson(&mut self, text: JsValue) -> Result<JsValue, JsValue> {
        let text = rust_string(&text).ok_or_else(|| argument_error("text", "a string"))?;
        let (sink, ndjson) = (self.sink.as_ref(), self.ndjson);
        let report = match sink {
            // Only with a sink: each entry handed over is built as an object.
            Some(sink) => self
                .inner
                .observe_ndjson_with(&text, ndjson, |e| deliver(sink, e)),
            None => self.inner.observe_ndjson(&text, ndjson),
        };
        ndjson_report(&report)
    }

    /// Input in chunks cut anywhere (a string or a `Uint8Array` of UTF-8):
    /// complete lines are observed, an unfinished last line waits; lines are
    /// numbered from the first chunk.
    #[wasm_bindgen(js_name = pushNdjson)]
    pub fn push_ndjson(&mut self, chunk: JsValue) -> Result<JsValue, JsValue> {
        let chunk = Chunk::read(&chunk)?;
        let (sink, ndjson) = (self.sink.as_ref(), self.ndjson);
        let mut visit = |e: &EntryRef<'_>| {
            if let Some(s) = sink {
                deliver(s, e);
            }
        };
        let report = self
            .inner
            .push_ndjson(chunk.as_core(), ndjson, Some(&mut visit));
        ndjson_report(&report)
    }

    /// The pushed input ended: its unfinished last line is read as a line.
    #[wasm_bindgen(js_name = endNdjson)]
    pub fn end_ndjson(&mut self) -> Result<JsValue, JsValue> {
        let (sink, ndjson) = (self.sink.as_ref(), self.ndjson);
        let mut visit = |e: &EntryRef<'_>| {
            if let Some(s) = sink {
                deliver(s, e);
            }
        };
        ndjson_report(&self.inner.end_ndjson(ndjson, Some(&mut visit)))
    }

    #[wasm_bindgen(getter, js_name = inFlight)]
    pub fn in_flight(&self) -> u32 {
        self.inner.in_flight() as u32
    }

    #[wasm_bindgen(getter)]
    pub fn finalized(&self) -> bool {
        self.inner.is_finalized()
    }

    /// The latest event `timestamp` seen (epoch ms), if any event carried one.
    #[wasm_bindgen(getter, js_name = lastEventAt)]
    pub fn last_event_at(&self) -> Option<f64> {
        self.inner.last_event_at().map(|t| t.millis() as f64)
    }

    /// How many sink calls threw or rejected.
    #[wasm_bindgen(getter, js_name = sinkErrors)]
    pub fn sink_errors(&self) -> u32 {
        self.sink.as_ref().map_or(0, |s| s.errors.get())
    }

    /// Counters: events, ignored, entries, synthesised, superseded, drained,
    /// runs (roots started), abandoned.
    pub fn stats(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.stats())
    }
}

/// One entry handed to the sink, as an object.
fn deliver(sink: &JsSink, entry: &EntryRef<'_>) {
    sink.deliver(&entry_js(entry));
}

/// `{ entries, accepted, errors }`. The entries cross as a JS string of their
/// own: inside JSON text they would be escaped, quote by quote, and parsed
/// back.
fn ndjson_report(report: &crate::bridge::NdjsonReport) -> Result<JsValue, JsValue> {
    let out = Object::new();
    let set = |k: &str, v: &JsValue| Reflect::set(&out, &JsValue::from_str(k), v);
    set("entries", &JsValue::from_str(&report.entries))?;
    set("accepted", &JsValue::from_f64(report.accepted as f64))?;
    set("errors", &to_js(&report.errors)?)?;
    Ok(out.into())
}

impl JsTelemetryBridge {
    /// The entries on the tape as JS objects, each handed to the sink.
    fn emit(&mut self) -> Array {
        if self.tape.is_empty() {
            return EMPTY.with(Array::clone);
        }
        let out = self.tape.take();
        if let Some(s) = &self.sink {
            out.iter().for_each(|v| s.deliver(&v));
        }
        out
    }
}

thread_local! {
    /// What `observe` returns when nothing closed, most calls: one frozen
    /// empty array, not a new one per event (with a cheaper memory check in
    /// the reader, an ignored event's call went from 471 to about 360 ns,
    /// measured together).
    static EMPTY: Array = {
        let empty = Array::new();
        Object::freeze(&empty);
        empty
    };
}
