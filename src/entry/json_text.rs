//! The entry's compact JSON written straight into a byte buffer: the bridge's
//! batch path writes one entry per closed invocation, and going through serde's
//! generic map machinery, `fmt::write` for timestamps and a per-byte escape
//! table cost several times more than the bytes themselves (callgrind: entry
//! serialisation was over a third of the batch path). The output is byte for
//! byte what `serde_json::to_string(&entry)` writes; a test holds them together.

use super::{
    CommandInvocation, InvocationContext, InvocationResult, TelemetryEntry, WorkflowContext,
};
use crate::time::Timestamp;

/// A JSON object being written: tracks whether a comma is due.
struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    fn open(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, first: true }
    }

    /// Writes `"name":`; `name` is a fixed key that needs no escaping.
    #[inline]
    fn key(&mut self, name: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    #[inline]
    fn str(&mut self, name: &str, value: &str) {
        string(self.key(name), value);
    }

    fn opt_str(&mut self, name: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.str(name, v);
        }
    }

    fn strs(&mut self, name: &str, values: &[String]) {
        let out = self.key(name);
        out.push(b'[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            string(out, v);
        }
        out.push(b']');
    }

    fn int(&mut self, name: &str, value: i64) {
        integer(self.key(name), value);
    }

    fn bool(&mut self, name: &str, value: bool) {
        let v: &[u8] = if value { b"true" } else { b"false" };
        self.key(name).extend_from_slice(v);
    }

    fn time(&mut self, name: &str, value: Timestamp) {
        let out = self.key(name);
        out.push(b'"');
        out.extend_from_slice(&value.iso_bytes());
        out.push(b'"');
    }

    fn close(self) {
        self.out.push(b'}');
    }
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
        let mut o = Obj::open(out);
        o.str("id", &self.id);
        invocation(o.key("invocation"), &self.invocation);
        result(o.key("result"), &self.result);
        o.time("startedAt", self.started_at);
        o.time("completedAt", self.completed_at);
        o.int("durationMs", self.duration_ms);
        o.str("swampVersion", &self.swamp_version);
        o.str("denoVersion", &self.deno_version);
        o.str("platform", &self.platform);
        if let Some(c) = &self.invocation_context {
            invocation_context(o.key("invocationContext"), c);
        }
        o.opt_str("parentInvocationId", self.parent_invocation_id.as_deref());
        if let Some(w) = &self.workflow_context {
            workflow_context(o.key("workflowContext"), w);
        }
        o.close();
    }
}

fn invocation(out: &mut Vec<u8>, v: &CommandInvocation) {
    let mut o = Obj::open(out);
    o.str("command", &v.command);
    o.strs("args", &v.args);
    o.strs("optionKeys", &v.option_keys);
    o.strs("globalOptions", &v.global_options);
    o.opt_str("subcommand", v.subcommand.as_deref());
    o.close();
}

fn result(out: &mut Vec<u8>, v: &InvocationResult) {
    let mut o = Obj::open(out);
    o.str("status", v.status.as_str());
    o.int("exitCode", v.exit_code);
    o.opt_str("errorType", v.error_type.as_deref());
    o.opt_str("errorMessage", v.error_message.as_deref());
    o.close();
}

fn invocation_context(out: &mut Vec<u8>, v: &InvocationContext) {
    let mut o = Obj::open(out);
    o.bool("agentSessionDetected", v.agent_session_detected);
    o.bool("isInteractive", v.is_interactive);
    if let Some(tools) = &v.configured_ai_tools {
        o.strs("configuredAiTools", tools);
    }
    o.opt_str("detectedAiTool", v.detected_ai_tool.as_deref());
    o.close();
}

fn workflow_context(out: &mut Vec<u8>, v: &WorkflowContext) {
    let mut o = Obj::open(out);
    o.str("workflowName", &v.workflow_name);
    o.str("runId", &v.run_id);
    o.str("jobName", &v.job_name);
    o.str("stepName", &v.step_name);
    o.opt_str("modelType", v.model_type.as_deref());
    o.opt_str("driver", v.driver.as_deref());
    o.opt_str("executor", v.executor.as_deref());
    o.close();
}
