//! The JavaScript binding: the only module that knows about JS.
//!
//! Every export has the same rhythm: convert the JS arguments (validating them
//! into core types), call the core, convert the result back to plain JSON-
//! compatible JS values (objects, not Maps, keys in wire order), and turn core
//! errors into real JS `Error`s whose `name` is the core error type and whose
//! extra properties (`path`, `field`, `expected`) say what was wrong.
//!
//! The host workflow must never notice telemetry failures, so the injected
//! `clock`, `idGenerator` and `sink` callbacks are fenced: a clock that throws or
//! returns a non-instant falls back to `Date.now()`, an id generator that throws
//! or returns a non-string falls back to a random UUID, and a sink that throws or
//! rejects is counted in `sinkErrors` and otherwise ignored (W2/W3).

use js_sys::{Array, Function, Object, Promise, Reflect};
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::bridge::{BridgeConfig, TelemetryBridge as CoreBridge};
use crate::clock::Clock;
use crate::entry::{self, DecodeError, EntryRef, InvocationContext, TelemetryEntry, WireIdentity};
use crate::event::{Event, EventError, ParseError};
use crate::ids::{IdSource, RandomIds};
use crate::ndjson::NdjsonOptions;
use crate::redact::{redact_invocation, ArgKind, CommandSchema};
use crate::time::Timestamp;

#[cfg(feature = "run-model")]
mod run_model;
#[cfg(feature = "run-model")]
pub use run_model::JsRunModel;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// The crate version, for diagnostics.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Bytes of linear memory the module holds, for diagnostics: memory only
/// grows, so a value that stays flat under a steady stream shows that nothing
/// accumulates with history.
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65_536) as f64
}

// ---------------------------------------------------------------- errors

/// A JS error: `constructor` is `Error` or `TypeError`; `name` the core type.
fn js_error(type_error: bool, name: &str, message: &str, props: &[(&str, JsValue)]) -> JsValue {
    let err: js_sys::Error = if type_error {
        js_sys::TypeError::new(message).into()
    } else {
        js_sys::Error::new(message)
    };
    err.set_name(name);
    for (k, v) in props {
        let _ = Reflect::set(&err, &JsValue::from_str(k), v);
    }
    err.into()
}

/// A bad argument: `TypeError` named `ArgumentError`, with the offending field.
fn argument_error(field: &str, expected: &str) -> JsValue {
    js_error(
        true,
        "ArgumentError",
        &format!("{field}: expected {expected}"),
        &[("field", field.into()), ("expected", expected.into())],
    )
}

fn decode_error(e: &DecodeError) -> JsValue {
    js_error(
        false,
        "DecodeError",
        &e.to_string(),
        &[
            ("path", e.path.as_str().into()),
            ("expected", e.expected.as_str().into()),
            ("found", e.found.into()),
        ],
    )
}

fn event_error(e: &EventError) -> JsValue {
    js_error(
        true,
        "EventError",
        &e.to_string(),
        &[("field", e.field().into())],
    )
}

/// A Rust value as a plain JS value. Values cross the boundary as JSON text,
/// one `JSON.parse` per call: far fewer crossings than building objects field by
/// field, and one serialiser in the wasm instead of two.
fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|e| js_error(false, "SerializeError", &e.to_string(), &[]))?;
    js_sys::JSON::parse(&text)
}

/// One entry as a JS object, through the hand-written entry JSON (byte-identical
/// to serde_json's, and several times faster) and the host's JSON.parse.
fn entry_js(entry: &EntryRef<'_>) -> Result<JsValue, JsValue> {
    let mut text = Vec::with_capacity(512);
    entry.write_json(&mut text);
    parse_json_bytes(text)
}

/// JSON text written by this crate (always UTF-8) parsed by the host.
fn parse_json_bytes(text: Vec<u8>) -> Result<JsValue, JsValue> {
    let text = String::from_utf8(text)
        .map_err(|e| js_error(false, "SerializeError", &e.to_string(), &[]))?;
    js_sys::JSON::parse(&text)
}

#[wasm_bindgen]
extern "C" {
    /// The host's UTF-8 encoder (a global in browsers and Node).
    type TextEncoder;
    #[wasm_bindgen(constructor)]
    fn new() -> TextEncoder;
    /// Writes as much of `text` as fits into `dest`, whole characters only.
    #[wasm_bindgen(method, js_name = encodeInto)]
    fn encode_into(
        this: &TextEncoder,
        text: &js_sys::JsString,
        dest: &js_sys::Uint8Array,
    ) -> EncodeIntoResult;

    /// `{ read, written }`: UTF-16 units consumed, bytes written.
    type EncodeIntoResult;
    #[wasm_bindgen(method, getter)]
    fn read(this: &EncodeIntoResult) -> u32;
    #[wasm_bindgen(method, getter)]
    fn written(this: &EncodeIntoResult) -> u32;
}

thread_local! {
    static ENCODER: TextEncoder = TextEncoder::new();
}

/// Strings longer than this are encoded by the host's `TextEncoder` straight
/// into wasm memory: wasm-bindgen's own path walks a string character by
/// character in JS while it is ASCII, and `encode()` allocates a JS buffer
/// per call that is then copied in (together 10% of a `node --cpu-prof`
/// profile of the NDJSON batch path, plus garbage collection).
const BULK_STRING: u32 = 1024;

/// A JS string as a Rust `String`, or `None` for any other value. Lone
/// surrogates become U+FFFD either way.
fn rust_string(value: &JsValue) -> Option<String> {
    let s = value.dyn_ref::<js_sys::JsString>()?;
    if s.length() < BULK_STRING {
        return value.as_string();
    }
    ENCODER.with(|encoder| bulk_utf8(encoder, s))
}

/// Encodes `text` into a `Vec`'s spare capacity. The first try reserves one
/// byte per UTF-16 unit (enough for ASCII, so one call for typical logs);
/// whatever did not fit is encoded after reserving its worst case, 3 bytes
/// per unit.
fn bulk_utf8(encoder: &TextEncoder, text: &js_sys::JsString) -> Option<String> {
    // A power of two: input chunks of about the same size then take blocks of
    // exactly the same size, which the allocator hands back and forth.
    // Sized to the text, a chunk a few bytes longer than any before could not
    // reuse the block freed by the last one and grew memory, late in a stream
    // whose chunks only differed by their last lines (tests/js/memory.test.mjs).
    let mut buf: Vec<u8> = Vec::with_capacity((text.length() as usize + 8).next_power_of_two());
    let mut rest = text.clone();
    // After the first round the rest's worst case fits, so a second round
    // ends it; a third covers a view detached before use (below).
    for _ in 0..3 {
        let spare = buf.spare_capacity_mut();
        // SAFETY: the view covers only the Vec's spare capacity and is written
        // by `encode_into` alone. Should wasm memory grow before that call
        // (handing the view over can grow the externref table's slab), the
        // view is detached: nothing is written, and the next round retries.
        let view =
            unsafe { js_sys::Uint8Array::view_mut_raw(spare.as_mut_ptr().cast(), spare.len()) };
        let done = encoder.encode_into(&rest, &view);
        let (read, written) = (done.read(), done.written() as usize);
        if written > buf.capacity() - buf.len() {
            return None;
        }
        // SAFETY: `encodeInto` initialised exactly `written` bytes of the
        // spare capacity (checked to fit just above).
        unsafe { buf.set_len(buf.len() + written) };
        let left = rest.length().saturating_sub(read);
        if left == 0 {
            // SAFETY: `encodeInto` writes only UTF-8 (a lone surrogate
            // becomes U+FFFD) and only whole code points, so neither one round
            // nor a later round's start splits a character. Checking it again
            // was 2% of `observeNdjson` (Node CPU profile, bench stream).
            // The wasm tests (debug builds) still check it.
            debug_assert!(std::str::from_utf8(&buf).is_ok());
            return Some(unsafe { String::from_utf8_unchecked(buf) });
        }
        rest = rest.slice(read, rest.length());
        buf.reserve(left as usize * 3);
    }
    None
}

/// A JS value as JSON text (`JSON.stringify`); `undefined` becomes `null`.
/// Cycles, BigInts and other values JSON cannot hold are refused.
fn json_text(value: &JsValue, field: &str) -> Result<String, JsValue> {
    if value.is_undefined() {
        return Ok("null".to_string());
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| rust_string(&s))
        .ok_or_else(|| argument_error(field, "JSON-compatible data"))
}

/// A JS value as JSON data.
fn to_json(value: JsValue, field: &str) -> Result<Value, JsValue> {
    let text = json_text(&value, field)?;
    serde_json::from_str(&text).map_err(|_| argument_error(field, "JSON-compatible data"))
}

// ------------------------------------------------------ option reading

/// Reads properties of an options object, validating their types.
struct Options {
    obj: Option<Object>,
    name: &'static str,
}

impl Options {
    fn new(value: &JsValue, name: &'static str, required: bool) -> Result<Self, JsValue> {
        if value.is_undefined() || value.is_null() {
            if required {
                return Err(argument_error(name, "an options object"));
            }
            return Ok(Options { obj: None, name });
        }
        if !value.is_object() || Array::is_array(value) {
            return Err(argument_error(name, "an options object"));
        }
        Ok(Options {
            obj: Some(value.clone().unchecked_into()),
            name,
        })
    }

    fn get(&self, key: &str) -> JsValue {
        match &self.obj {
            Some(o) => Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED),
            None => JsValue::UNDEFINED,
        }
    }

    fn path(&self, key: &str) -> String {
        format!("{}.{key}", self.name)
    }

    fn opt_string(&self, key: &str) -> Result<Option<String>, JsValue> {
        let v = self.get(key);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        v.as_string()
            .map(Some)
            .ok_or_else(|| argument_error(&self.path(key), "a string"))
    }

    fn string(&self, key: &str) -> Result<String, JsValue> {
        self.opt_string(key)?
            .ok_or_else(|| argument_error(&self.path(key), "a string"))
    }

    #[cfg(feature = "run-model")]
    fn opt_bool(&self, key: &str) -> Result<Option<bool>, JsValue> {
        let v = self.get(key);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        v.as_bool()
            .map(Some)
            .ok_or_else(|| argument_error(&self.path(key), "a boolean"))
    }

    fn opt_function(&self, key: &str) -> Result<Option<Function>, JsValue> {
        let v = self.get(key);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        v.dyn_into::<Function>()
            .map(Some)
            .map_err(|_| argument_error(&self.path(key), "a function"))
    }

    fn opt_strings(&self, key: &str) -> Result<Option<Vec<String>>, JsValue> {
        let v = self.get(key);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        strings(&v, &self.path(key)).map(Some)
    }

    fn opt_positive_integer(&self, key: &str) -> Result<Option<usize>, JsValue> {
        let v = self.get(key);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        match v.as_f64() {
            Some(n) if n >= 1.0 && n.fract() == 0.0 && n <= 4_294_967_295.0 => Ok(Some(n as usize)),
            _ => Err(argument_error(&self.path(key), "a positive integer")),
        }
    }
}

fn strings(v: &JsValue, path: &str) -> Result<Vec<String>, JsValue> {
    if !Array::is_array(v) {
        return Err(argument_error(path, "an array of strings"));
    }
    let arr: &Array = v.unchecked_ref();
    arr.iter()
        .enumerate()
        .map(|(i, item)| {
            item.as_string()
                .ok_or_else(|| argument_error(&format!("{path}[{i}]"), "a string"))
        })
        .collect()
}

/// `maxLineBytes` and `maxDepth`, shared by the bridge and the run model.
fn ndjson_options(o: &Options) -> Result<NdjsonOptions, JsValue> {
    let mut ndjson = NdjsonOptions::default();
    if let Some(n) = o.opt_positive_integer("maxLineBytes")? {
        ndjson.max_line_bytes = n;
    }
    if let Some(n) = o.opt_positive_integer("maxDepth")? {
        ndjson.max_depth = n;
    }
    Ok(ndjson)
}

// ---------------------------------------------------- injected sources

/// The caller's `clock`, fenced: anything but a valid instant means `Date.now()`.
struct JsClock(Option<Function>);

impl Clock for JsClock {
    fn now(&mut self) -> Timestamp {
        let from_caller = self
            .0
            .as_ref()
            .and_then(|f| f.call0(&JsValue::UNDEFINED).ok())
            .and_then(|v| v.as_f64())
            .and_then(|ms| Timestamp::from_millis_f64(ms).ok());
        from_caller.unwrap_or_else(|| {
            Timestamp::from_millis_f64(js_sys::Date::now()).unwrap_or(Timestamp::EPOCH)
        })
    }
}

/// The caller's `idGenerator`, fenced: anything but a non-empty string means a
/// random UUID v4.
struct JsIds {
    generator: Option<Function>,
    random: RandomIds,
}

impl IdSource for JsIds {
    fn next_id(&mut self) -> String {
        let from_caller = self
            .generator
            .as_ref()
            .and_then(|f| f.call0(&JsValue::UNDEFINED).ok())
            .and_then(|v| v.as_string())
            .filter(|s| !s.is_empty());
        from_caller.unwrap_or_else(|| self.random.next_id())
    }
}

/// The caller's `sink`, fenced: throws and rejected promises are counted, never
/// propagated.
struct JsSink {
    f: Function,
    errors: std::rc::Rc<std::cell::Cell<u32>>,
    on_reject: Closure<dyn FnMut(JsValue)>,
}

impl JsSink {
    fn new(f: Function) -> Self {
        let errors = std::rc::Rc::new(std::cell::Cell::new(0u32));
        let counter = errors.clone();
        let on_reject =
            Closure::new(move |_reason: JsValue| counter.set(counter.get().saturating_add(1)));
        JsSink {
            f,
            errors,
            on_reject,
        }
    }

    fn deliver(&self, entry: &JsValue) {
        match self.f.call1(&JsValue::UNDEFINED, entry) {
            Err(_) => self.errors.set(self.errors.get().saturating_add(1)),
            Ok(ret) => {
                if let Some(p) = ret.dyn_ref::<Promise>() {
                    let _ = p.catch(&self.on_reject);
                }
            }
        }
    }
}

// ------------------------------------------------------------- bridge

/// Turns workflow events into redacted child invocation entries.
#[wasm_bindgen(js_name = TelemetryBridge)]
pub struct JsTelemetryBridge {
    inner: CoreBridge,
    sink: Option<JsSink>,
    ndjson: NdjsonOptions,
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
        })
    }

    /// Observes one event object; returns the entries it closed, in order.
    pub fn observe(&mut self, event: JsValue) -> Result<Array, JsValue> {
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
        let mut entries = Entries::default();
        self.inner.observe_with(&event, |e| entries.push(e));
        self.emit(entries)
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
        let mut entries = Entries::default();
        self.inner
            .finalize_with(reason.as_deref(), at, |e| entries.push(e));
        self.emit(entries)
    }

    /// Observes one event per line (or each element of one JSON array);
    /// returns the entries as NDJSON text, the number of accepted lines, and
    /// one error per rejected line.
    #[wasm_bindgen(js_name = observeNdjson)]
    pub fn observe_ndjson(&mut self, text: JsValue) -> Result<JsValue, JsValue> {
        let text = rust_string(&text).ok_or_else(|| argument_error("text", "a string"))?;
        let (sink, ndjson) = (self.sink.as_ref(), self.ndjson);
        let report = match sink {
            // Only with a sink: each entry handed over is one JSON.parse.
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

/// One entry handed to the sink (one `JSON.parse`).
fn deliver(sink: &JsSink, entry: &EntryRef<'_>) {
    if let Ok(v) = entry_js(entry) {
        sink.deliver(&v);
    }
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

/// A chunk of input: text, or UTF-8 bytes (a `Uint8Array`, Node's `Buffer`
/// included).
enum Chunk {
    Text(String),
    Bytes(Vec<u8>),
}

impl Chunk {
    fn as_core(&self) -> crate::ndjson::Chunk<'_> {
        match self {
            Chunk::Text(t) => crate::ndjson::Chunk::Text(t),
            Chunk::Bytes(b) => crate::ndjson::Chunk::Bytes(b),
        }
    }

    fn read(v: &JsValue) -> Result<Chunk, JsValue> {
        if let Some(text) = rust_string(v) {
            return Ok(Chunk::Text(text));
        }
        if let Some(bytes) = v.dyn_ref::<js_sys::Uint8Array>() {
            return Ok(Chunk::Bytes(bytes.to_vec()));
        }
        Err(argument_error("chunk", "a string or a Uint8Array"))
    }
}

impl JsTelemetryBridge {
    /// The entries as JS objects (one `JSON.parse` for all), each handed to
    /// the sink.
    fn emit(&self, entries: Entries) -> Result<Array, JsValue> {
        if entries.0.is_empty() {
            return Ok(Array::new());
        }
        let mut text = entries.0;
        text.push(b']');
        let out: Array = parse_json_bytes(text)?.unchecked_into();
        if let Some(s) = &self.sink {
            out.iter().for_each(|v| s.deliver(&v));
        }
        Ok(out)
    }
}

/// Entries lent by the bridge, written as the text of one JSON array as they
/// come (no owned copies); the closing `]` is `emit`'s.
#[derive(Default)]
struct Entries(Vec<u8>);

impl Entries {
    fn push(&mut self, entry: &EntryRef<'_>) {
        self.0.push(if self.0.is_empty() { b'[' } else { b',' });
        entry.write_json(&mut self.0);
    }
}

fn instant(v: &JsValue, field: &str) -> Result<Option<Timestamp>, JsValue> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    let parsed = if let Some(ms) = v.as_f64() {
        Timestamp::from_millis_f64(ms)
    } else if let Some(s) = v.as_string() {
        Timestamp::parse_iso(&s)
    } else {
        return Err(argument_error(
            field,
            "epoch milliseconds or an ISO-8601 string",
        ));
    };
    parsed
        .map(Some)
        .map_err(|e| argument_error(field, &format!("a valid instant ({e})")))
}

// ---------------------------------------------------------- functions

/// Wraps entries in swamp's ingest envelope.
#[wasm_bindgen(js_name = toWire)]
pub fn to_wire(entries: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    if !Array::is_array(&entries) {
        return Err(argument_error("entries", "an array of entries"));
    }
    let o = Options::new(&options, "options", true)?;
    let who = WireIdentity {
        distinct_id: o.string("distinctId")?,
        repo_id: o.opt_string("repoId")?,
    };
    let decoded = decode_entries(&entries)?;
    to_js(&entry::to_wire(&decoded, &who))
}

fn decode_entries(entries: &JsValue) -> Result<Vec<TelemetryEntry>, JsValue> {
    let arr: &Array = entries.unchecked_ref();
    arr.iter()
        .enumerate()
        .map(|(i, v)| {
            let data = to_json(v, &format!("entries[{i}]"))?;
            TelemetryEntry::from_data(&data).map_err(|mut e| {
                e.path = format!("entries[{i}].{}", e.path);
                decode_error(&e)
            })
        })
        .collect()
}

/// Validates entry data and returns it in canonical form.
#[wasm_bindgen(js_name = decodeEntry)]
pub fn decode_entry(data: JsValue) -> Result<JsValue, JsValue> {
    let data = to_json(data, "data")?;
    let entry = TelemetryEntry::from_data(&data).map_err(|e| decode_error(&e))?;
    to_js(&entry)
}

/// Redacts a direct CLI invocation's argv.
#[wasm_bindgen(js_name = redactInvocation)]
pub fn redact_invocation_js(argv: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let argv = strings(&argv, "argv")?;
    let o = Options::new(&options, "options", false)?;
    let mut schema = CommandSchema::swamp();
    let schemas = o.get("argSchemas");
    if !(schemas.is_undefined() || schemas.is_null()) {
        schema.arg_schemas = arg_schemas(&schemas)?;
    }
    if let Some(g) = o.opt_strings("globalOptions")? {
        schema.global_options = g;
    }
    if let Some(b) = o.opt_strings("booleanFlags")? {
        schema.boolean_flags = b;
    }
    to_js(&redact_invocation(&argv, &schema))
}

fn arg_schemas(v: &JsValue) -> Result<Vec<(String, Vec<ArgKind>)>, JsValue> {
    const PATH: &str = "options.argSchemas";
    if !v.is_object() || Array::is_array(v) {
        return Err(argument_error(PATH, "an object of argument schemas"));
    }
    let mut out = Vec::new();
    for pair in Object::entries(v.unchecked_ref()).iter() {
        let pair: Array = pair.unchecked_into();
        let key = pair.get(0).as_string().unwrap_or_default();
        let path = format!("{PATH}.{key}");
        let kinds = strings(&pair.get(1), &path)?
            .iter()
            .enumerate()
            .map(|(i, k)| match k.as_str() {
                "categorical" => Ok(ArgKind::Categorical),
                "redact" => Ok(ArgKind::Redact),
                _ => Err(argument_error(
                    &format!("{path}[{i}]"),
                    "one of categorical, redact",
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        out.push((key, kinds));
    }
    Ok(out)
}
