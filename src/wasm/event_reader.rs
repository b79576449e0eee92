//! `observe(event)` without JSON. The binding used to `JSON.stringify` each
//! event object in JS and parse the text in wasm; with entries parsed back,
//! the crossing was most of the time of a call (a `node --cpu-prof` profile
//! of 106,278 events: stringify 25%, the text's copy into wasm 12%, wasm
//! itself about 20%). Now `read_event.js` copies the values of the fields
//! the core reads, and only those, from the object into a buffer here, each
//! as a tag (what JSON would hold: null, a boolean, a number, a string) and
//! its scalar value; `decode` turns them into the same [`RawFields`] a parsed
//! line gives, which the core validates as always. An object or array in a
//! field (a `Date`, a boxed primitive, a wrong type: JSON decides what it
//! holds), a bigint, a lone surrogate, a getter that throws, and anything not
//! an object still go through JSON.
//! Unlike JSON, a number is kept as it is: `NaN` or `Infinity` in
//! `timestamp` is an error (JSON would have made it `null`, silently).

use std::borrow::Cow;
use std::cell::Cell;

use wasm_bindgen::prelude::*;

use crate::event::field::Field;
use crate::event::{RawFields, FIELD_NAMES, KIND_FIELDS};
#[cfg(feature = "run-model")]
use crate::run::ObjectMember;

#[wasm_bindgen(module = "/src/wasm/read_event.js")]
extern "C" {
    /// `false` when the reader's names are not [`FIELD_NAMES`]: JSON then,
    /// always. `kinds`: [`KIND_FIELDS`], flat: each kind followed by the
    /// fields it reads and an empty string.
    fn setup(names: &js_sys::Array, kinds: &js_sys::Array) -> bool;
    /// Reads the event's fields and writes them if they fit: the bytes
    /// written, [`USE_JSON`], or minus the bytes they need at most. Never
    /// throws (it catches what a getter throws, which would otherwise unwind
    /// through the bridge and leave it borrowed): no `catch` wrapper, a third
    /// of the call's cost.
    #[wasm_bindgen(js_name = readEvent)]
    fn read_event(event: &JsValue, ptr: u32, cap: u32, memory: &JsValue) -> i32;
    /// Every member of an object, as `readEvent` answers (`readObject`).
    #[cfg(feature = "run-model")]
    #[wasm_bindgen(js_name = readObject)]
    fn read_object(event: &JsValue, ptr: u32, cap: u32, memory: &JsValue) -> i32;
    /// Writes what the last `readEvent` or `readObject` read, now that there is room.
    #[wasm_bindgen(js_name = writeRead)]
    fn write_read(ptr: u32, cap: u32, memory: &JsValue) -> i32;
}

const USE_JSON: i32 = -1;
/// The buffer's size at first: the 16 fields of a typical event take 150 bytes.
const START: usize = 4096;
/// A buffer grown past this for one large event is given back at the next.
const KEEP: usize = 1 << 20;

thread_local! {
    /// Whether `setup` ran, and whether the reader agreed on [`FIELD_NAMES`].
    static READY: Cell<Option<bool>> = const { Cell::new(None) };
    /// This instance's memory, handed to the reader with each event.
    static MEMORY: JsValue = wasm_bindgen::memory();
}

/// The buffer the reader writes into, reused from event to event.
#[derive(Default)]
pub(super) struct EventReader {
    buf: Vec<u8>,
}

impl EventReader {
    /// The known fields of `event`, or `None` when it must go through JSON.
    pub(super) fn read(&mut self, event: &JsValue) -> Option<RawFields<'_>> {
        if !READY.get().unwrap_or_else(set_up) {
            return None;
        }
        decode(self.fill(|ptr, cap, memory| read_event(event, ptr, cap, memory))?)
    }

    /// Every member of `event` JSON would write, or `None` when it must go
    /// through JSON (`RunModel.ingest(object)`).
    #[cfg(feature = "run-model")]
    pub(super) fn read_members(&mut self, event: &JsValue) -> Option<Vec<ObjectMember<'_>>> {
        decode_members(self.fill(|ptr, cap, memory| read_object(event, ptr, cap, memory))?)
    }

    /// The bytes `read` (a reader of the snippet) wrote into the buffer,
    /// with room made and the rest written when they did not fit.
    fn fill(&mut self, read: impl FnOnce(u32, u32, &JsValue) -> i32) -> Option<&[u8]> {
        if self.buf.len() > KEEP {
            self.buf = Vec::new();
        }
        if self.buf.is_empty() {
            self.buf.resize(START, 0);
        }
        let ptr = self.buf.as_mut_ptr() as u32;
        let cap = self.buf.len();
        let mut written = MEMORY.with(|memory| read(ptr, cap as u32, memory));
        if written < USE_JSON {
            // Room for what it read, if memory allows (else JSON's turn:
            // never a failed allocation, which would abort).
            let need = written.unsigned_abs() as usize;
            self.buf.try_reserve_exact(need.saturating_sub(cap)).ok()?;
            self.buf.resize(need, 0);
            let ptr = self.buf.as_mut_ptr() as u32;
            written = MEMORY.with(|memory| write_read(ptr, need as u32, memory));
        }
        let written = usize::try_from(written).ok()?;
        self.buf.get(..written)
    }
}

/// Hands the reader the core's field names and what each kind reads, once.
#[cold]
fn set_up() -> bool {
    let names: js_sys::Array = FIELD_NAMES.iter().map(|n| JsValue::from_str(n)).collect();
    let kinds = js_sys::Array::new();
    for (kind, fields) in KIND_FIELDS {
        kinds.push(&JsValue::from_str(kind));
        fields
            .iter()
            .for_each(|f| _ = kinds.push(&JsValue::from_str(f)));
        kinds.push(&JsValue::from_str(""));
    }
    let agreed = setup(&names, &kinds);
    READY.set(Some(agreed));
    agreed
}

/// The fields as the reader wrote them: per key of [`FIELD_NAMES`], a tag and its
/// value (absent where the kind reads no such field: [`KIND_FIELDS`]), up to
/// where it stopped (after `kind` and `timestamp` for a kind outside the list). `None` if the bytes are not what the reader
/// writes (never, short of a bug: the event then goes through JSON).
fn decode(buf: &[u8]) -> Option<RawFields<'_>> {
    let mut fields = RawFields::default();
    let mut at = 0;
    for key in FIELD_NAMES {
        let Some(&tag) = buf.get(at) else { break };
        at += 1;
        let field = match tag {
            0 => continue,
            1 => Field::Null,
            2 => Field::Bool(false),
            3 => Field::Bool(true),
            4 => {
                let bytes = buf.get(at..at + 8)?;
                at += 8;
                Field::Number(f64::from_le_bytes(bytes.try_into().ok()?))
            }
            5 => {
                let len = u32::from_le_bytes(buf.get(at..at + 4)?.try_into().ok()?) as usize;
                at += 4;
                let text = std::str::from_utf8(buf.get(at..at + len)?).ok()?;
                at += len;
                Field::Str(Cow::Borrowed(text))
            }
            _ => return None,
        };
        *fields.slot_for(key)? = Some(field);
    }
    Some(fields)
}

/// The members as `readObject` wrote them: their count (u32), then per
/// member its key, a tag (those of [`decode`], and 6 or 7 for an array or
/// object given as its JSON text) and the value.
#[cfg(feature = "run-model")]
fn decode_members(buf: &[u8]) -> Option<Vec<ObjectMember<'_>>> {
    let count = u32::from_le_bytes(buf.get(..4)?.try_into().ok()?) as usize;
    let mut at = 4;
    let mut out = Vec::with_capacity(count.min(buf.len() / 6));
    for _ in 0..count {
        let key = text(buf, &mut at)?;
        let tag = *buf.get(at)?;
        at += 1;
        let member = match tag {
            6 => (key, Field::Array, Some(text(buf, &mut at)?)),
            7 => (key, Field::Object, Some(text(buf, &mut at)?)),
            1 => (key, Field::Null, None),
            2 | 3 => (key, Field::Bool(tag == 3), None),
            4 => {
                let bytes = buf.get(at..at + 8)?;
                at += 8;
                (
                    key,
                    Field::Number(f64::from_le_bytes(bytes.try_into().ok()?)),
                    None,
                )
            }
            5 => (key, Field::Str(Cow::Borrowed(text(buf, &mut at)?)), None),
            _ => return None,
        };
        out.push(member);
    }
    Some(out)
}

/// A length (u32) and that many bytes of UTF-8, at `at`, which it passes.
#[cfg(feature = "run-model")]
fn text<'a>(buf: &'a [u8], at: &mut usize) -> Option<&'a str> {
    let len = u32::from_le_bytes(buf.get(*at..*at + 4)?.try_into().ok()?) as usize;
    let start = *at + 4;
    let text = std::str::from_utf8(buf.get(start..start + len)?).ok()?;
    *at = start + len;
    Some(text)
}
