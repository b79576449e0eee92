//! Values across the boundary: JS strings and JSON-compatible data in,
//! plain JS values out, and options read, declaratively
//! ([`options`]) or by hand for the bridge-only build ([`Options`]).

use js_sys::{Array, Function, Object, Reflect};
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use super::entry_tape::EntryTape;
use super::errors::{argument_error, js_error};
use crate::entry::EntryRef;
use crate::ndjson::NdjsonOptions;
use crate::time::Timestamp;

/// A Rust value as a plain JS value. Values cross the boundary as JSON text,
/// one `JSON.parse` per call: far fewer crossings than building objects field by
/// field, and one serialiser in the wasm instead of two.
pub(super) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|e| js_error(false, "SerializeError", &e.to_string(), &[]))?;
    js_sys::JSON::parse(&text)
}

/// One entry as a JS object, built from the entry tape (no JSON).
pub(super) fn entry_js(entry: &EntryRef<'_>) -> JsValue {
    let mut tape = EntryTape::default();
    tape.push(entry);
    tape.take().get(0)
}

/// JSON text written by this crate (always UTF-8) parsed by the host.
pub(super) fn parse_json_bytes(text: Vec<u8>) -> Result<JsValue, JsValue> {
    let text = String::from_utf8(text)
        .map_err(|e| js_error(false, "SerializeError", &e.to_string(), &[]))?;
    js_sys::JSON::parse(&text)
}

#[wasm_bindgen]
extern "C" {
    /// The host's UTF-8 encoder (a global in browsers and Node).
    type TextEncoder;
    #[wasm_bindgen(constructor)]
    pub(super) fn new() -> TextEncoder;
    /// Writes as much of `text` as fits into `dest`, whole characters only.
    #[wasm_bindgen(method, js_name = encodeInto)]
    pub(super) fn encode_into(
        this: &TextEncoder,
        text: &js_sys::JsString,
        dest: &js_sys::Uint8Array,
    ) -> EncodeIntoResult;

    /// `{ read, written }`: UTF-16 units consumed, bytes written.
    type EncodeIntoResult;
    #[wasm_bindgen(method, getter)]
    pub(super) fn read(this: &EncodeIntoResult) -> u32;
    #[wasm_bindgen(method, getter)]
    pub(super) fn written(this: &EncodeIntoResult) -> u32;
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
pub(super) fn rust_string(value: &JsValue) -> Option<String> {
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
pub(super) fn json_text(value: &JsValue, field: &str) -> Result<String, JsValue> {
    if value.is_undefined() {
        return Ok("null".to_string());
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| rust_string(&s))
        .ok_or_else(|| argument_error(field, "JSON-compatible data"))
}

/// A JS value as JSON data.
pub(super) fn to_json(value: JsValue, field: &str) -> Result<Value, JsValue> {
    let text = json_text(&value, field)?;
    serde_json::from_str(&text).map_err(|_| argument_error(field, "JSON-compatible data"))
}

/// Reads properties of an options object by hand, validating their types
/// (the bridge's and the functions': see `bridge.rs` for why not [`read_options`]).
pub(super) struct Options {
    pub(super) obj: Option<Object>,
    pub(super) name: &'static str,
}

impl Options {
    pub(super) fn new(
        value: &JsValue,
        name: &'static str,
        required: bool,
    ) -> Result<Self, JsValue> {
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

    pub(super) fn get(&self, key: &str) -> JsValue {
        match &self.obj {
            Some(o) => Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED),
            None => JsValue::UNDEFINED,
        }
    }

    pub(super) fn path(&self, key: &str) -> String {
        format!("{}.{key}", self.name)
    }

    pub(super) fn opt_string(&self, key: &str) -> Result<Option<String>, JsValue> {
        let v = self.get(key);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        v.as_string()
            .map(Some)
            .ok_or_else(|| argument_error(&self.path(key), "a string"))
    }

    pub(super) fn string(&self, key: &str) -> Result<String, JsValue> {
        self.opt_string(key)?
            .ok_or_else(|| argument_error(&self.path(key), "a string"))
    }

    pub(super) fn opt_function(&self, key: &str) -> Result<Option<Function>, JsValue> {
        let v = self.get(key);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        v.dyn_into::<Function>()
            .map(Some)
            .map_err(|_| argument_error(&self.path(key), "a function"))
    }

    pub(super) fn opt_strings(&self, key: &str) -> Result<Option<Vec<String>>, JsValue> {
        let v = self.get(key);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        strings(&v, &self.path(key)).map(Some)
    }

    pub(super) fn opt_positive_integer(&self, key: &str) -> Result<Option<usize>, JsValue> {
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

/// `maxLineBytes` and `maxDepth`, shared by the bridge and the run model.
pub(super) fn ndjson_options(o: &Options) -> Result<NdjsonOptions, JsValue> {
    let mut ndjson = NdjsonOptions::default();
    if let Some(n) = o.opt_positive_integer("maxLineBytes")? {
        ndjson.max_line_bytes = n;
    }
    if let Some(n) = o.opt_positive_integer("maxDepth")? {
        ndjson.max_depth = n;
    }
    Ok(ndjson)
}

pub(super) fn strings(v: &JsValue, path: &str) -> Result<Vec<String>, JsValue> {
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

/// A chunk of input: text, or UTF-8 bytes (a `Uint8Array`, Node's `Buffer`
/// included).
pub(super) enum Chunk {
    Text(String),
    Bytes(Vec<u8>),
}

impl Chunk {
    pub(super) fn as_core(&self) -> crate::ndjson::Chunk<'_> {
        match self {
            Chunk::Text(t) => crate::ndjson::Chunk::Text(t),
            Chunk::Bytes(b) => crate::ndjson::Chunk::Bytes(b),
        }
    }

    pub(super) fn read(v: &JsValue) -> Result<Chunk, JsValue> {
        if let Some(text) = rust_string(v) {
            return Ok(Chunk::Text(text));
        }
        if let Some(bytes) = v.dyn_ref::<js_sys::Uint8Array>() {
            return Ok(Chunk::Bytes(bytes.to_vec()));
        }
        Err(argument_error("chunk", "a string or a Uint8Array"))
    }
}

pub(super) fn instant(v: &JsValue, field: &str) -> Result<Option<Timestamp>, JsValue> {
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

#[cfg(feature = "run-model")]
/// Reads the options `name` declaratively ([`crate::config`]): camelCase
/// keys, unknown ones refused, values checked, each error naming its path.
/// Function-valued options are the caller's to read first (they are not
/// data, and do not survive `JSON.stringify`).
pub(super) fn read_options<T: crate::config::Config>(
    value: &JsValue,
    name: &'static str,
) -> Result<T, JsValue> {
    // Most calls pass no options: nothing to read, and nothing allocated
    // (a transient allocation per chunk, placed after the chunk's copy, was
    // enough to grow memory late in bench/model-memory.mjs's stream).
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    if let Some(path) = non_finite(value, name, 0) {
        return Err(argument_error(&path, "a finite number"));
    }
    // Function-valued keys vanish in `JSON.stringify`; any other value
    // under their names was refused as no function by the caller.
    let data = to_json(value.clone(), name)?;
    Ok(crate::config::read(&data, name)?)
}

#[cfg(feature = "run-model")]
/// The path of a `NaN` or infinite number within options (JSON would turn
/// it into `null`, read as "not given"); options nest a few levels at most.
fn non_finite(value: &JsValue, path: &str, depth: u8) -> Option<String> {
    if let Some(n) = value.as_f64() {
        return (!n.is_finite()).then(|| path.to_string());
    }
    if depth > 4 || !value.is_object() || value.is_instance_of::<Function>() {
        return None;
    }
    let arr = Array::is_array(value);
    Object::entries(value.unchecked_ref())
        .iter()
        .find_map(|pair| {
            let pair: Array = pair.unchecked_into();
            let key = pair.get(0).as_string().unwrap_or_default();
            let at = match arr {
                true => format!("{path}[{key}]"),
                false => format!("{path}.{key}"),
            };
            non_finite(&pair.get(1), &at, depth + 1)
        })
}
