//! Entries handed to JS as objects without JSON. `observe` used to write the
//! entries it closed as JSON text and have the host `JSON.parse` it: a third
//! of the call's time in a `node --cpu-prof` profile of the bench's 354,515
//! events (50,000 entries of about 550 bytes), and most of its garbage. Now
//! the entries are written here as a tape, their strings in one UTF-8 text
//! and, in wire order, each string's length in UTF-16 units, each number and
//! each optional member's presence as an `f64`; `build_entries.js` decodes
//! the text once per call and builds each entry as object literals of fixed
//! shape, slicing its strings out of that text. Measured alone on those
//! 50,000 entries: about 150 ms through `JSON.parse`, 25 ms built.
//!
//! The keys and their order are the JSON writer's (`src/entry/json_text.rs`):
//! `tests/js/entry-tape.test.mjs` holds every optional member of the builder
//! to that text, byte for byte through `JSON.stringify`.

use js_sys::Array;
use wasm_bindgen::prelude::*;

use crate::entry::{
    CommandInvocation, EntryRef, InvocationContext, InvocationRef, InvocationResult,
    WorkflowContextRef,
};

#[wasm_bindgen(module = "/src/wasm/build_entries.js")]
extern "C" {
    /// The `count` entries on the tape, as an array of plain objects.
    #[wasm_bindgen(js_name = buildEntries)]
    fn build_entries(text: u32, text_len: u32, words: u32, count: u32, memory: &JsValue) -> Array;
}

/// What a string slot holds when the member is absent.
const ABSENT: f64 = -1.0;

thread_local! {
    static MEMORY: JsValue = wasm_bindgen::memory();
}

/// Entries written for `buildEntries`; reused from call to call.
#[derive(Default)]
pub(super) struct EntryTape {
    text: Vec<u8>,
    words: Vec<f64>,
    count: u32,
}

impl EntryTape {
    pub(super) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The entries written so far as JS objects; the tape is then empty.
    pub(super) fn take(&mut self) -> Array {
        let out = MEMORY.with(|memory| {
            build_entries(
                self.text.as_ptr() as u32,
                self.text.len() as u32,
                self.words.as_ptr() as u32,
                self.count,
                memory,
            )
        });
        self.text.clear();
        self.words.clear();
        self.count = 0;
        out
    }

    /// Writes one entry, members in wire order. Not inlined: one copy for
    /// `observe`, `finalize` and the sink (1.6 KB of the bridge-only wasm).
    #[inline(never)]
    pub(super) fn push(&mut self, e: &EntryRef<'_>) {
        self.count += 1;
        self.str(e.id);
        match e.invocation {
            InvocationRef::ModelMethodRun(method) => {
                self.flag(false);
                self.str(method);
            }
            InvocationRef::Command(c) => {
                self.flag(true);
                self.command(c);
            }
        }
        self.result(e.result);
        self.text.extend_from_slice(&e.started_at.iso_bytes());
        self.text.extend_from_slice(&e.completed_at.iso_bytes());
        self.number(e.duration_ms);
        self.str(e.swamp_version);
        self.str(e.deno_version);
        self.str(e.platform);
        self.flag(e.invocation_context.is_some());
        if let Some(c) = e.invocation_context {
            self.invocation_context(c);
        }
        self.opt_str(e.parent_invocation_id);
        self.flag(e.workflow_context.is_some());
        if let Some(w) = &e.workflow_context {
            self.workflow_context(w);
        }
    }

    fn command(&mut self, c: &CommandInvocation) {
        self.str(&c.command);
        self.strs(&c.args);
        self.strs(&c.option_keys);
        self.strs(&c.global_options);
        self.opt_str(c.subcommand.as_deref());
    }

    fn result(&mut self, r: &InvocationResult) {
        self.str(r.status.as_str());
        self.number(r.exit_code);
        self.opt_str(r.error_type.as_deref());
        self.opt_str(r.error_message.as_deref());
    }

    fn invocation_context(&mut self, c: &InvocationContext) {
        self.flag(c.agent_session_detected);
        self.flag(c.is_interactive);
        self.flag(c.configured_ai_tools.is_some());
        if let Some(tools) = &c.configured_ai_tools {
            self.strs(tools);
        }
        self.opt_str(c.detected_ai_tool.as_deref());
    }

    fn workflow_context(&mut self, w: &WorkflowContextRef<'_>) {
        self.str(w.workflow_name);
        self.str(w.run_id);
        self.str(w.job_name);
        self.str(w.step_name);
        self.opt_str(w.model_type);
        self.opt_str(w.driver);
        self.opt_str(w.executor);
    }

    #[inline(never)]
    fn str(&mut self, s: &str) {
        self.text.extend_from_slice(s.as_bytes());
        // The builder slices the decoded text, whose offsets are UTF-16 units.
        let units = if s.is_ascii() {
            s.len()
        } else {
            s.encode_utf16().count()
        };
        self.words.push(units as f64);
    }

    #[inline(never)]
    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.str(s),
            None => self.words.push(ABSENT),
        }
    }

    fn strs(&mut self, list: &[String]) {
        self.words.push(list.len() as f64);
        list.iter().for_each(|s| self.str(s));
    }

    /// A number as JSON would carry it to JS (an `f64`, as `JSON.parse` reads it).
    fn number(&mut self, n: i64) {
        self.words.push(n as f64);
    }

    fn flag(&mut self, on: bool) {
        self.words.push(if on { 1.0 } else { 0.0 });
    }
}
