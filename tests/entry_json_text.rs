//! The batch path's hand-written entry JSON (`TelemetryEntry::write_json`) must
//! be byte for byte what serde_json writes for the same entry, for every string
//! content (all control characters, quotes, backslashes, non-ASCII) and every
//! optional field present or absent.
#![cfg(not(target_arch = "wasm32"))]
// `i % n == 0` picks combinations of present and absent fields.
#![allow(clippy::manual_is_multiple_of)]

use workflow_telemetry::entry::{
    CommandInvocation, InvocationContext, InvocationResult, InvocationStatus, TelemetryEntry,
    WorkflowContext,
};
use workflow_telemetry::time::{MAX_MS, MIN_MS};
use workflow_telemetry::Timestamp;

fn tricky_strings() -> Vec<String> {
    let mut all: Vec<String> = (0u8..0x20).map(|b| format!("a{}b", b as char)).collect();
    all.extend(
        [
            "",
            "plain",
            "quote\"inside",
            "back\\slash",
            "\u{7f}del",
            "é ü 漢字",
            "emoji 🚀",
            "\u{2028}\u{2029}",
            "</script>",
            "\"\\\"\\",
            "trailing\\",
        ]
        .map(String::from),
    );
    // Longer than a word, with the bytes to escape before, on and after
    // word boundaries (the writer skips clean bytes eight at a time).
    for at in [0usize, 7, 8, 9, 15, 16, 17, 23] {
        for stop in ['"', '\\', '\n', '\u{1}', '\u{1f}'] {
            let mut t: String = "abcdéfgh".chars().cycle().take(at).collect();
            t.push(stop);
            t.push_str("ijklmnopqrstuvw\"xyz\\0123456789");
            all.push(t);
        }
    }
    all
}

fn entry(s: &str, i: usize, ms: i64) -> TelemetryEntry {
    let some = |on: bool| on.then(|| s.to_string());
    TelemetryEntry {
        id: s.to_string(),
        invocation: CommandInvocation {
            command: "model".into(),
            args: vec![s.into(), "<REDACTED>".into()],
            option_keys: if i % 2 == 0 { vec![] } else { vec![s.into()] },
            global_options: vec![],
            subcommand: some(i % 3 != 0),
        },
        result: InvocationResult {
            status: [
                InvocationStatus::Success,
                InvocationStatus::Error,
                InvocationStatus::UserError,
            ][i % 3],
            exit_code: [0, 1, -1, i64::MIN, i64::MAX][i % 5],
            error_type: some(i % 2 == 1),
            error_message: some(i % 4 == 1),
        },
        started_at: Timestamp::from_millis(ms).unwrap(),
        completed_at: Timestamp::from_millis(MAX_MS - ms.abs() % 1000).unwrap(),
        duration_ms: [0, 7, i64::MAX, -3, 1_000_000][i % 5],
        swamp_version: s.into(),
        deno_version: String::new(),
        platform: "linux".into(),
        invocation_context: (i % 2 == 0).then(|| InvocationContext {
            agent_session_detected: i % 4 == 0,
            is_interactive: i % 3 == 0,
            configured_ai_tools: (i % 3 == 1).then(|| vec![s.into(), "claude".into()]),
            detected_ai_tool: some(i % 5 == 0),
        }),
        parent_invocation_id: some(i % 2 == 0),
        workflow_context: (i % 5 != 4).then(|| WorkflowContext {
            workflow_name: s.into(),
            run_id: "r".into(),
            job_name: s.into(),
            step_name: format!("{s}:{i}"),
            model_type: some(i % 2 == 0),
            driver: some(i % 3 == 0),
            executor: some(i % 4 == 0),
        }),
    }
}

#[test]
fn write_json_is_byte_identical_to_serde_json() {
    let times = [MIN_MS, -1, 0, 1_770_285_600_123, 951_782_400_999, MAX_MS];
    let mut checked = 0;
    for (i, s) in tricky_strings().iter().enumerate() {
        for (k, &ms) in times.iter().enumerate() {
            let e = entry(s, i + k, ms);
            let mut fast = Vec::new();
            e.write_json(&mut fast);
            let fast = String::from_utf8(fast).expect("UTF-8");
            assert_eq!(fast, serde_json::to_string(&e).unwrap(), "entry {i}/{k}");
            checked += 1;
        }
    }
    assert_eq!(checked, (43 + 8 * 5) * 6);
}

#[test]
fn write_json_appends_to_what_is_already_in_the_buffer() {
    let e = entry("x", 1, 0);
    let mut out = b"prefix\n".to_vec();
    e.write_json(&mut out);
    assert!(out.starts_with(b"prefix\n{\"id\":\"x\""));
}

/// The bridge writes its entries from a borrowed `EntryRef` whose invocation is
/// the fixed `model method run`: the same bytes as serde_json writes for the
/// owned entry it stands for, and `to_entry`/`as_entry_ref` keep every value.
#[test]
fn entry_ref_of_a_method_run_writes_what_its_owned_entry_serialises_to() {
    use workflow_telemetry::entry::{EntryRef, InvocationRef};
    let mut checked = 0;
    for (i, s) in tricky_strings().iter().enumerate() {
        let owned = entry(s, i, 1_770_285_600_123);
        let r = EntryRef {
            invocation: InvocationRef::ModelMethodRun(s),
            ..owned.as_entry_ref()
        };
        let made = r.to_entry();
        assert_eq!(made.invocation, CommandInvocation::model_method_run(s));
        assert_eq!(
            TelemetryEntry {
                invocation: owned.invocation.clone(),
                ..made.clone()
            },
            owned,
            "entry {i}"
        );
        let mut fast = Vec::new();
        r.write_json(&mut fast);
        let fast = String::from_utf8(fast).expect("UTF-8");
        assert_eq!(fast, serde_json::to_string(&made).unwrap(), "entry {i}");
        assert!(fast.contains(r#""args":["run","<REDACTED>","#), "{fast}");
        checked += 1;
    }
    assert_eq!(checked, 43 + 8 * 5);
}
