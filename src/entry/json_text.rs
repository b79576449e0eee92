//! The entry's wire form, written once: its field list, in wire order, and
//! the compact JSON of every value object, straight into a byte buffer. The
//! bridge's batch path writes one entry per closed invocation, and going
//! through serde's generic map machinery, `fmt::write` for timestamps and a
//! per-byte escape table cost several times more than the bytes themselves
//! (callgrind: entry serialisation was over a third of the batch path).
//!
//! It is also every `Serialize` of the entry and its value objects (below:
//! the text, handed to serde as raw JSON), and the ingest envelope's
//! `properties` (the entry's fields, then `$repo_id`). The one other place
//! that knows the fields is the decoder (`from_data`), and the declarations
//! (`pkg/bridge.d.ts`), checked against real output by
//! `tests/js/type-drift.test.mjs`.

use serde::{Serialize, Serializer};

use super::{
    CommandInvocation, EntryRef, InvocationContext, InvocationRef, InvocationResult,
    TelemetryEntry, WorkflowContext, WorkflowContextRef, REDACTED,
};
use crate::time::Timestamp;

/// Fixed JSON text: punctuation and keys, which need no escaping. Each object
/// is written as its literal runs (`{"id":`, `,"invocation":{"command":`)
/// between values, one copy per run: no per-key comma bookkeeping, a third
/// of the pushes.
#[inline(always)]
fn lit(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.as_bytes());
}

/// `text` (`,"key":` with its comma) and the string, when there is one.
#[inline]
fn opt_str(out: &mut Vec<u8>, text: &str, value: Option<&str>) {
    if let Some(v) = value {
        lit(out, text);
        string(out, v);
    }
}

/// `[` strings `]`.
fn strs(out: &mut Vec<u8>, values: &[String]) {
    out.push(b'[');
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, v);
    }
    out.push(b']');
}

/// A timestamp as its quoted ISO-8601 text.
#[inline]
fn time(out: &mut Vec<u8>, value: Timestamp) {
    out.push(b'"');
    out.extend_from_slice(&value.iso_bytes());
    out.push(b'"');
}

fn bool(out: &mut Vec<u8>, value: bool) {
    lit(out, if value { "true" } else { "false" });
}

/// A JSON string with serde_json's escaping: `"`, `\` and control characters
/// only; runs of bytes that need none are copied at once.
fn string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Eight bytes per step up to the next byte that needs escaping; most
    // strings have none and are one copy.
    let mut start = 0;
    loop {
        let stop = start + crate::event::scan::first_string_stop(&bytes[start..]);
        out.extend_from_slice(&bytes[start..stop]);
        let Some(&b) = bytes.get(stop) else { break };
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            0..=0x1f => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
            }
            _ => out.push(b),
        }
        start = stop + 1;
    }
    out.push(b'"');
}

/// An integer in decimal, without `fmt`.
fn integer(out: &mut Vec<u8>, value: i64) {
    if value < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(crate::decimal::digits(value.unsigned_abs(), &mut [0u8; 20]));
}

impl TelemetryEntry {
    /// Appends the entry as compact JSON, keys in wire order: the same bytes as
    /// `serde_json::to_writer(out, self)`, several times faster.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        self.as_entry_ref().write_json(out);
    }
}

impl EntryRef<'_> {
    /// Appends the entry as compact JSON, keys in wire order: what
    /// [`TelemetryEntry::write_json`] writes for [`EntryRef::to_entry`].
    pub fn write_json(&self, out: &mut Vec<u8>) {
        self.write_json_then(out, |_| {});
    }

    /// The entry's JSON with more members after its own (`tail` writes them,
    /// each with its leading comma): the ingest envelope's `$repo_id`.
    pub(crate) fn write_json_then(&self, out: &mut Vec<u8>, tail: impl FnOnce(&mut Vec<u8>)) {
        lit(out, "{\"id\":");
        string(out, self.id);
        lit(out, ",\"invocation\":");
        match self.invocation {
            InvocationRef::Command(c) => invocation(out, c),
            InvocationRef::ModelMethodRun(method) => model_method_run(out, method),
        }
        lit(out, ",\"result\":");
        result(out, self.result);
        lit(out, ",\"startedAt\":");
        time(out, self.started_at);
        lit(out, ",\"completedAt\":");
        time(out, self.completed_at);
        lit(out, ",\"durationMs\":");
        integer(out, self.duration_ms);
        lit(out, ",\"swampVersion\":");
        string(out, self.swamp_version);
        lit(out, ",\"denoVersion\":");
        string(out, self.deno_version);
        lit(out, ",\"platform\":");
        string(out, self.platform);
        if let Some(c) = self.invocation_context {
            lit(out, ",\"invocationContext\":");
            invocation_context(out, c);
        }
        opt_str(out, ",\"parentInvocationId\":", self.parent_invocation_id);
        if let Some(w) = &self.workflow_context {
            lit(out, ",\"workflowContext\":");
            workflow_context(out, w);
        }
        tail(out);
        out.push(b'}');
    }
}

/// A JSON string (what serde_json writes for it).
pub(crate) fn string_json(out: &mut Vec<u8>, s: &str) {
    string(out, s);
}

/// Writes `{"$repo_id":…}`-style string members: `,"key":"value"`.
pub(crate) fn member(out: &mut Vec<u8>, key: &str, value: &str) {
    out.push(b',');
    string(out, key);
    out.push(b':');
    string(out, value);
}

/// Appends a command invocation's JSON (what `redactInvocation` returns).
pub(crate) fn invocation(out: &mut Vec<u8>, v: &CommandInvocation) {
    lit(out, "{\"command\":");
    string(out, &v.command);
    lit(out, ",\"args\":");
    strs(out, &v.args);
    lit(out, ",\"optionKeys\":");
    strs(out, &v.option_keys);
    lit(out, ",\"globalOptions\":");
    strs(out, &v.global_options);
    opt_str(out, ",\"subcommand\":", v.subcommand.as_deref());
    out.push(b'}');
}

/// [`CommandInvocation::model_method_run`]`(method)`, as [`invocation`] writes it.
fn model_method_run(out: &mut Vec<u8>, method: &str) {
    lit(out, "{\"command\":\"model\",\"args\":[\"run\",\"");
    lit(out, REDACTED);
    lit(out, "\",");
    string(out, method);
    lit(
        out,
        "],\"optionKeys\":[],\"globalOptions\":[],\"subcommand\":\"method\"}",
    );
}

fn result(out: &mut Vec<u8>, v: &InvocationResult) {
    lit(out, "{\"status\":");
    string(out, v.status.as_str());
    lit(out, ",\"exitCode\":");
    integer(out, v.exit_code);
    opt_str(out, ",\"errorType\":", v.error_type.as_deref());
    opt_str(out, ",\"errorMessage\":", v.error_message.as_deref());
    out.push(b'}');
}

fn invocation_context(out: &mut Vec<u8>, v: &InvocationContext) {
    lit(out, "{\"agentSessionDetected\":");
    bool(out, v.agent_session_detected);
    lit(out, ",\"isInteractive\":");
    bool(out, v.is_interactive);
    if let Some(tools) = &v.configured_ai_tools {
        lit(out, ",\"configuredAiTools\":");
        strs(out, tools);
    }
    opt_str(out, ",\"detectedAiTool\":", v.detected_ai_tool.as_deref());
    out.push(b'}');
}

fn workflow_context(out: &mut Vec<u8>, v: &WorkflowContextRef<'_>) {
    lit(out, "{\"workflowName\":");
    string(out, v.workflow_name);
    lit(out, ",\"runId\":");
    string(out, v.run_id);
    lit(out, ",\"jobName\":");
    string(out, v.job_name);
    lit(out, ",\"stepName\":");
    string(out, v.step_name);
    opt_str(out, ",\"modelType\":", v.model_type);
    opt_str(out, ",\"driver\":", v.driver);
    opt_str(out, ",\"executor\":", v.executor);
    out.push(b'}');
}

// ------------------------------------------------------------- serde

/// Hands JSON this module wrote to any serde serializer, keys in the order
/// written (compact, pretty, or a JS value alike): read back into an ordered
/// tree and serialised from it. Only the serde path pays for the re-read;
/// the bridge and the binding write the bytes directly.
pub(crate) fn raw<S: Serializer>(
    s: S,
    write: impl FnOnce(&mut Vec<u8>),
) -> Result<S::Ok, S::Error> {
    use serde::ser::Error;
    let mut out = Vec::with_capacity(256);
    write(&mut out);
    let tree: Ordered = serde_json::from_slice(&out).map_err(S::Error::custom)?;
    tree.serialize(s)
}

/// JSON data with object keys in the order they were read (serde_json's own
/// `Value` sorts them).
enum Ordered {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Ordered>),
    Object(Vec<(String, Ordered)>),
}

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Ordered, E> {
                Ok(Ordered::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Ordered, E> {
                Ok(Ordered::Number(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Ordered, E> {
                Ok(Ordered::Number(v.into()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Ordered, E> {
                serde_json::Number::from_f64(v)
                    .map(Ordered::Number)
                    .ok_or_else(|| E::custom("a non-finite number"))
            }
            fn visit_str<E>(self, v: &str) -> Result<Ordered, E> {
                Ok(Ordered::String(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Ordered, E> {
                Ok(Ordered::String(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = a.next_element()? {
                    out.push(v);
                }
                Ok(Ordered::Array(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some(kv) = a.next_entry()? {
                    out.push(kv);
                }
                Ok(Ordered::Object(out))
            }
        }
        d.deserialize_any(Visit)
    }
}

impl Serialize for Ordered {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Ordered::Null => s.serialize_unit(),
            Ordered::Bool(b) => s.serialize_bool(*b),
            Ordered::Number(n) => n.serialize(s),
            Ordered::String(v) => s.serialize_str(v),
            Ordered::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Ordered::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl Serialize for TelemetryEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        raw(s, |out| self.write_json(out))
    }
}

impl Serialize for CommandInvocation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        raw(s, |out| invocation(out, self))
    }
}

impl Serialize for InvocationResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        raw(s, |out| result(out, self))
    }
}

impl Serialize for InvocationContext {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        raw(s, |out| invocation_context(out, self))
    }
}

impl Serialize for WorkflowContext {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        raw(s, |out| workflow_context(out, &self.as_ref()))
    }
}
