//! The entry model's codec (spec §2.2, §2.3, §2.5, §2.7): decode -> encode
//! round trips, back-compatibility of legacy entries, the "truthy" rules,
//! decode errors that name the field path, timestamp formatting and the
//! ingest envelope.
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;

use serde_json::Value;
use workflow_telemetry::entry::{
    to_wire, CommandInvocation, EntryProps, Failure, InvocationResult, InvocationStatus,
    WireIdentity, WorkflowContext,
};
use workflow_telemetry::{DecodeError, TelemetryEntry, Timestamp};

fn data(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "data", "entries", name]
        .iter()
        .collect();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// JSON text without insignificant whitespace, keys in their original order.
fn compact(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

fn decode(json: &str) -> Result<TelemetryEntry, DecodeError> {
    let value: Value = serde_json::from_str(json).expect("test data must be JSON");
    TelemetryEntry::from_data(&value)
}

fn ts(iso: &str) -> Timestamp {
    Timestamp::parse_iso(iso).unwrap()
}

const VALID: [&str; 3] = ["legacy.json", "child.json", "parent.json"];

// ---------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------

#[test]
fn valid_files_round_trip_to_their_canonical_compact_json() {
    for name in VALID {
        let text = data(name);
        let entry = decode(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(entry.to_json(), compact(&text), "{name}");
        assert_eq!(
            serde_json::to_string(&entry).unwrap(),
            compact(&text),
            "{name}"
        );
        // The on-disk form is the same data pretty-printed with two spaces.
        assert_eq!(
            serde_json::to_string_pretty(&entry).unwrap(),
            text.trim_end(),
            "{name}"
        );
        // Decoding the output again is a fixed point.
        let again = decode(&entry.to_json()).unwrap();
        assert_eq!(again, entry, "{name}");
    }
}

#[test]
fn child_file_decodes_every_field() {
    let entry = decode(&data("child.json")).unwrap();
    assert_eq!(entry.id, "7c9e6679-7425-40de-944b-e07fc1f90ae7");
    assert_eq!(
        entry.invocation,
        CommandInvocation::model_method_run("fit"),
        "the bridge's child invocation shape"
    );
    assert_eq!(entry.result.status, InvocationStatus::Error);
    assert_eq!(entry.result.exit_code, 1);
    assert_eq!(entry.result.error_type.as_deref(), Some("Error"));
    assert_eq!(entry.result.error_message.as_deref(), Some("exit status 2"));
    assert_eq!(entry.started_at, ts("2026-02-05T10:00:01.000Z"));
    assert_eq!(entry.completed_at, ts("2026-02-05T10:00:03.250Z"));
    assert_eq!(entry.duration_ms, 2250);
    assert_eq!(entry.platform, "darwin");
    let ic = entry.invocation_context.as_ref().unwrap();
    assert!(ic.agent_session_detected);
    assert!(!ic.is_interactive);
    assert_eq!(
        ic.configured_ai_tools.as_deref(),
        Some(&["claude-code".to_string(), "cursor".to_string()][..])
    );
    assert_eq!(ic.detected_ai_tool.as_deref(), Some("claude-code"));
    assert_eq!(
        entry.parent_invocation_id.as_deref(),
        Some("0f8fad5b-d9cb-469f-a165-70867728950e")
    );
    assert_eq!(
        entry.workflow_context,
        Some(WorkflowContext {
            workflow_name: "deploy".into(),
            run_id: "3b241101-e2bb-4255-8caf-4136c566a962".into(),
            job_name: "build:all".into(),
            step_name: "compile-us:east".into(),
            model_type: Some("command/shell".into()),
            driver: Some("raw".into()),
            executor: Some("loopback".into()),
        })
    );
}

#[test]
fn legacy_entries_re_encode_without_the_new_keys() {
    let text = data("legacy.json");
    let entry = decode(&text).unwrap();
    assert_eq!(entry.invocation_context, None);
    assert_eq!(entry.parent_invocation_id, None);
    assert_eq!(entry.workflow_context, None);
    let json = entry.to_json();
    for key in ["invocationContext", "parentInvocationId", "workflowContext"] {
        assert!(
            !json.contains(key),
            "{key} must be absent, not null: {json}"
        );
    }
    assert!(!json.contains("null"), "{json}");
    let value: Value = serde_json::from_str(&json).unwrap();
    let obj = value.as_object().unwrap();
    assert_eq!(obj.len(), 9);
    assert!(json.ends_with(r#""platform":"linux"}"#), "{json}");
}

#[test]
fn null_optional_keys_decode_as_absent() {
    let legacy = compact(&data("legacy.json"));
    let with_nulls = legacy.replacen(
        r#""platform":"linux"}"#,
        r#""platform":"linux","invocationContext":null,"parentInvocationId":null,"workflowContext":null}"#,
        1,
    );
    assert_ne!(with_nulls, legacy);
    assert_eq!(decode(&with_nulls).unwrap().to_json(), legacy);
}

#[test]
fn unknown_keys_are_ignored() {
    let legacy = compact(&data("legacy.json"));
    let extra = legacy.replacen(
        r#""platform":"linux"}"#,
        r#""platform":"linux","triggerSource":"cli","initiatedBy":{"kind":"user"}}"#,
        1,
    );
    assert_eq!(decode(&extra).unwrap().to_json(), legacy);
}

#[test]
fn parent_file_keeps_an_empty_configured_ai_tools_list() {
    let entry = decode(&data("parent.json")).unwrap();
    let ic = entry.invocation_context.as_ref().unwrap();
    assert_eq!(ic.configured_ai_tools, Some(vec![]));
    assert_eq!(ic.detected_ai_tool, None);
    assert_eq!(entry.result.status, InvocationStatus::UserError);
    let json = entry.to_json();
    assert!(
        json.contains(r#""invocationContext":{"agentSessionDetected":false,"isInteractive":true,"configuredAiTools":[]}"#),
        "{json}"
    );
    assert!(!json.contains("detectedAiTool"));
    assert!(!json.contains("parentInvocationId"));
    assert!(!json.contains("workflowContext"));
    // Absent differs from []: removing the key removes it from the output.
    let without = json.replacen(r#","configuredAiTools":[]"#, "", 1);
    let entry = decode(&without).unwrap();
    assert_eq!(
        entry
            .invocation_context
            .as_ref()
            .unwrap()
            .configured_ai_tools,
        None
    );
    assert_eq!(entry.to_json(), without);
}

#[test]
fn decode_trusts_the_stored_duration() {
    let legacy = compact(&data("legacy.json"));
    let odd = legacy.replacen(r#""durationMs":2345"#, r#""durationMs":999999"#, 1);
    let entry = decode(&odd).unwrap();
    assert_eq!(entry.duration_ms, 999_999);
    assert_eq!(entry.to_json(), odd);
    // A whole number written with a fraction is still an integer.
    let float = legacy.replacen(r#""durationMs":2345"#, r#""durationMs":2345.0"#, 1);
    assert_eq!(decode(&float).unwrap().to_json(), legacy);
}

// ---------------------------------------------------------------------------
// The "truthy" rules
// ---------------------------------------------------------------------------

#[test]
fn decode_drops_empty_truthy_fields_and_keeps_other_empty_strings() {
    let input = concat!(
        r#"{"id":"e-1","invocation":{"command":"model","args":[],"optionKeys":[],"globalOptions":[],"subcommand":""},"#,
        r#""result":{"status":"error","exitCode":1,"errorType":"","errorMessage":""},"#,
        r#""startedAt":"2026-02-05T10:00:00.000Z","completedAt":"2026-02-05T10:00:00.000Z","durationMs":0,"#,
        r#""swampVersion":"","denoVersion":"","platform":"","#,
        r#""invocationContext":{"agentSessionDetected":false,"isInteractive":false,"configuredAiTools":[]},"#,
        r#""parentInvocationId":"","#,
        r#""workflowContext":{"workflowName":"","runId":"","jobName":"","stepName":"","modelType":"","driver":""}}"#
    );
    let entry = decode(input).unwrap();
    assert_eq!(entry.invocation.subcommand, None);
    assert_eq!(entry.result.error_type, None);
    assert_eq!(entry.result.error_message, None);
    assert_eq!(entry.parent_invocation_id, None);
    let wc = entry.workflow_context.as_ref().unwrap();
    assert_eq!(wc.model_type.as_deref(), Some(""));
    assert_eq!(wc.driver.as_deref(), Some(""));
    assert_eq!(wc.executor, None);
    assert_eq!(
        entry.to_json(),
        concat!(
            r#"{"id":"e-1","invocation":{"command":"model","args":[],"optionKeys":[],"globalOptions":[]},"#,
            r#""result":{"status":"error","exitCode":1},"#,
            r#""startedAt":"2026-02-05T10:00:00.000Z","completedAt":"2026-02-05T10:00:00.000Z","durationMs":0,"#,
            r#""swampVersion":"","denoVersion":"","platform":"","#,
            r#""invocationContext":{"agentSessionDetected":false,"isInteractive":false,"configuredAiTools":[]},"#,
            r#""workflowContext":{"workflowName":"","runId":"","jobName":"","stepName":"","modelType":"","driver":""}}"#
        )
    );
}

#[test]
fn create_applies_the_truthy_rules_and_computes_the_duration() {
    let entry = TelemetryEntry::create(EntryProps {
        id: "e-1".into(),
        invocation: CommandInvocation::create(
            "model",
            Some(String::new()),
            vec!["run".into()],
            vec![],
            vec![],
        ),
        result: InvocationResult::failure(&Failure {
            error_type: String::new(),
            message: "\nsecond line".into(),
            user_error: true,
        }),
        started_at: ts("2026-02-05T10:00:00.000Z"),
        completed_at: ts("2026-02-05T10:00:01.234Z"),
        swamp_version: "v".into(),
        deno_version: "d".into(),
        platform: "linux".into(),
        invocation_context: None,
        parent_invocation_id: Some(String::new()),
        workflow_context: Some(WorkflowContext {
            workflow_name: String::new(),
            run_id: String::new(),
            job_name: String::new(),
            step_name: String::new(),
            model_type: Some(String::new()),
            driver: Some(String::new()),
            executor: None,
        }),
    });
    assert_eq!(entry.parent_invocation_id, None);
    assert_eq!(entry.duration_ms, 1234);
    assert_eq!(
        entry.to_json(),
        concat!(
            r#"{"id":"e-1","invocation":{"command":"model","args":["run"],"optionKeys":[],"globalOptions":[]},"#,
            r#""result":{"status":"user_error","exitCode":1},"#,
            r#""startedAt":"2026-02-05T10:00:00.000Z","completedAt":"2026-02-05T10:00:01.234Z","durationMs":1234,"#,
            r#""swampVersion":"v","denoVersion":"d","platform":"linux","#,
            r#""workflowContext":{"workflowName":"","runId":"","jobName":"","stepName":"","modelType":"","driver":""}}"#
        )
    );
}

#[test]
fn create_keeps_a_non_empty_parent_and_subcommand() {
    let entry = TelemetryEntry::create(EntryProps {
        id: "e-2".into(),
        invocation: CommandInvocation::create(
            "workflow",
            Some("run".into()),
            vec!["<REDACTED>".into()],
            vec!["--input".into()],
            vec!["--json".into()],
        ),
        result: InvocationResult::success(),
        started_at: ts("2026-02-05T10:00:00.000Z"),
        completed_at: ts("2026-02-05T10:00:00.000Z"),
        swamp_version: "v".into(),
        deno_version: "d".into(),
        platform: "linux".into(),
        invocation_context: None,
        parent_invocation_id: Some("p-1".into()),
        workflow_context: None,
    });
    assert_eq!(
        entry.to_json(),
        concat!(
            r#"{"id":"e-2","invocation":{"command":"workflow","args":["<REDACTED>"],"optionKeys":["--input"],"globalOptions":["--json"],"subcommand":"run"},"#,
            r#""result":{"status":"success","exitCode":0},"#,
            r#""startedAt":"2026-02-05T10:00:00.000Z","completedAt":"2026-02-05T10:00:00.000Z","durationMs":0,"#,
            r#""swampVersion":"v","denoVersion":"d","platform":"linux","parentInvocationId":"p-1"}"#
        )
    );
}

#[test]
fn create_never_gives_a_negative_duration() {
    let entry = TelemetryEntry::create(EntryProps {
        id: "e-3".into(),
        invocation: CommandInvocation::model_method_run("fit"),
        result: InvocationResult::success(),
        started_at: ts("2026-02-05T10:00:05.000Z"),
        completed_at: ts("2026-02-05T10:00:01.000Z"),
        swamp_version: "v".into(),
        deno_version: "d".into(),
        platform: "linux".into(),
        invocation_context: None,
        parent_invocation_id: None,
        workflow_context: None,
    });
    assert_eq!(entry.duration_ms, 0);
    assert!(entry.completed_at >= entry.started_at);
}

#[test]
fn failures_are_classified_like_the_telemetry_service() {
    let result = |error_type: &str, message: &str, user_error: bool| {
        serde_json::to_string(&InvocationResult::failure(&Failure {
            error_type: error_type.into(),
            message: message.into(),
            user_error,
        }))
        .unwrap()
    };
    assert_eq!(
        serde_json::to_string(&InvocationResult::success()).unwrap(),
        r#"{"status":"success","exitCode":0}"#
    );
    assert_eq!(
        result("Error", "first\nsecond\nthird", false),
        r#"{"status":"error","exitCode":1,"errorType":"Error","errorMessage":"first"}"#
    );
    assert_eq!(
        result("UserError", "bad input", true),
        r#"{"status":"user_error","exitCode":1,"errorType":"UserError","errorMessage":"bad input"}"#
    );
    assert_eq!(result("", "", false), r#"{"status":"error","exitCode":1}"#);
    assert_eq!(
        serde_json::to_string(&InvocationResult::failure(&Failure::error("plain"))).unwrap(),
        r#"{"status":"error","exitCode":1,"errorType":"Error","errorMessage":"plain"}"#
    );
    for status in InvocationStatus::ALL {
        assert_eq!(InvocationStatus::parse(status.as_str()), Some(status));
    }
    assert_eq!(InvocationStatus::parse("failed"), None);
}

// ---------------------------------------------------------------------------
// Decode errors
// ---------------------------------------------------------------------------

#[test]
fn invalid_files_fail_with_the_exact_field_path() {
    let cases = [
        (
            "invalid_status.json",
            "result.status: expected one of success, error, user_error",
            "string",
        ),
        (
            "invalid_arg_type.json",
            "invocation.args[1]: expected a string",
            "number",
        ),
        (
            "invalid_started_at.json",
            "startedAt: expected an ISO-8601 UTC timestamp such as 2026-02-05T10:00:00.000Z",
            "string",
        ),
        (
            "invalid_run_id.json",
            "workflowContext.runId: expected a string",
            "number",
        ),
        (
            "invalid_ai_tools.json",
            "invocationContext.configuredAiTools[1]: expected a string",
            "null",
        ),
        (
            "invalid_duration.json",
            "durationMs: expected an integer",
            "number",
        ),
        (
            "invalid_missing_result.json",
            "result: expected an object",
            "missing",
        ),
    ];
    for (name, message, found) in cases {
        let err = decode(&data(name)).expect_err(name);
        assert_eq!(err.to_string(), message, "{name}");
        assert_eq!(err.found, found, "{name}");
    }
}

#[test]
fn inline_decode_errors_name_the_path() {
    let legacy = compact(&data("legacy.json"));
    let child = compact(&data("child.json"));
    let err = |json: &str| decode(json).unwrap_err();

    let e = err("[]");
    assert_eq!(e.to_string(), "(root): expected an object");
    assert_eq!(e.found, "array");

    let e = err(&legacy.replacen(r#""id":"0f8fad5b-d9cb-469f-a165-70867728950e","#, "", 1));
    assert_eq!(e.path, "id");
    assert_eq!(e.found, "missing");
    assert_eq!(e.to_string(), "id: expected a string");

    let e = err(&legacy.replacen(r#""status":"success""#, r#""status":0"#, 1));
    assert_eq!(
        e.to_string(),
        "result.status: expected one of success, error, user_error"
    );
    assert_eq!(e.found, "number");

    let e = err(&legacy.replacen(r#""exitCode":0"#, r#""exitCode":"0""#, 1));
    assert_eq!(e.to_string(), "result.exitCode: expected an integer");

    let e = err(&legacy.replacen(r#""command":"workflow""#, r#""command":true"#, 1));
    assert_eq!(e.to_string(), "invocation.command: expected a string");
    assert_eq!(e.found, "boolean");

    let e = err(&legacy.replacen(
        r#""optionKeys":["--repo-dir","--input"]"#,
        r#""optionKeys":"--repo-dir""#,
        1,
    ));
    assert_eq!(
        e.to_string(),
        "invocation.optionKeys: expected an array of strings"
    );

    let e = err(&legacy.replacen(
        r#""globalOptions":["--json"]"#,
        r#""globalOptions":[["--json"]]"#,
        1,
    ));
    assert_eq!(
        e.to_string(),
        "invocation.globalOptions[0]: expected a string"
    );
    assert_eq!(e.found, "array");

    let e = err(&legacy.replacen(
        r#""startedAt":"2026-02-05T10:00:00.000Z""#,
        r#""startedAt":1770285600000"#,
        1,
    ));
    assert_eq!(e.path, "startedAt");
    assert!(
        e.to_string().starts_with("startedAt: expected an ISO-8601"),
        "{e}"
    );

    let e = err(&legacy.replacen(
        r#""completedAt":"2026-02-05T10:00:02.345Z""#,
        r#""completedAt":"2026-02-05 ten o'clock""#,
        1,
    ));
    assert_eq!(e.path, "completedAt");

    let e = err(&legacy.replacen(r#""platform":"linux""#, r#""platform":["linux"]"#, 1));
    assert_eq!(e.to_string(), "platform: expected a string");

    let e = err(&child.replacen(
        r#""agentSessionDetected":true"#,
        r#""agentSessionDetected":"yes""#,
        1,
    ));
    assert_eq!(
        e.to_string(),
        "invocationContext.agentSessionDetected: expected a boolean"
    );
    assert_eq!(e.found, "string");

    let e = err(&child.replacen(
        r#""parentInvocationId":"0f8fad5b-d9cb-469f-a165-70867728950e""#,
        r#""parentInvocationId":5"#,
        1,
    ));
    assert_eq!(e.to_string(), "parentInvocationId: expected a string");

    let e = err(&child.replacen(r#""modelType":"command/shell""#, r#""modelType":{}"#, 1));
    assert_eq!(
        e.to_string(),
        "workflowContext.modelType: expected a string"
    );
    assert_eq!(e.found, "object");

    let e = err(&child.replacen(r#""stepName":"compile-us:east","#, "", 1));
    assert_eq!(e.to_string(), "workflowContext.stepName: expected a string");
    assert_eq!(e.found, "missing");

    let wc_start = child.find(r#""workflowContext":"#).unwrap();
    let not_object = format!(r#"{}"workflowContext":"deploy"}}"#, &child[..wc_start]);
    let e = err(&not_object);
    assert_eq!(e.to_string(), "workflowContext: expected an object");
    assert_eq!(e.found, "string");
}

// ---------------------------------------------------------------------------
// Timestamps
// ---------------------------------------------------------------------------

#[test]
fn timestamps_are_written_like_to_iso_string() {
    let cases = [
        ("2026-02-05T10:00:00Z", "2026-02-05T10:00:00.000Z"),
        ("2026-02-05T12:00:00.5+02:00", "2026-02-05T10:00:00.500Z"),
        (
            "2026-02-05T09:30:00.123456-00:30",
            "2026-02-05T10:00:00.123Z",
        ),
        ("2026-02-05t10:00:00.07z", "2026-02-05T10:00:00.070Z"),
        ("2024-02-29T23:59:59.999Z", "2024-02-29T23:59:59.999Z"),
        ("2025-12-31T23:30:00-01:00", "2026-01-01T00:30:00.000Z"),
    ];
    let legacy = compact(&data("legacy.json"));
    for (input, written) in cases {
        let json = legacy.replacen(
            r#""startedAt":"2026-02-05T10:00:00.000Z""#,
            &format!(r#""startedAt":"{input}""#),
            1,
        );
        let entry = decode(&json).unwrap_or_else(|e| panic!("{input}: {e}"));
        let out = entry.to_json();
        assert!(
            out.contains(&format!(r#""startedAt":"{written}""#)),
            "{input} -> {out}"
        );
        assert_eq!(entry.started_at.to_string(), written);
    }
    assert_eq!(
        Timestamp::from_millis(1_770_285_600_007)
            .unwrap()
            .to_string(),
        "2026-02-05T10:00:00.007Z"
    );
    assert_eq!(
        Timestamp::from_millis(-1).unwrap().to_string(),
        "1969-12-31T23:59:59.999Z"
    );
    assert_eq!(
        Timestamp::from_millis(253_402_300_799_999)
            .unwrap()
            .to_string(),
        "9999-12-31T23:59:59.999Z"
    );
}

#[test]
fn timestamps_without_a_zone_or_with_impossible_fields_are_refused() {
    let legacy = compact(&data("legacy.json"));
    for bad in [
        "2026-02-05T10:00:00.000",
        "2026-02-29T10:00:00.000Z",
        "2026-02-05T24:00:00.000Z",
        "2026-02-05",
        "",
    ] {
        let json = legacy.replacen(
            r#""startedAt":"2026-02-05T10:00:00.000Z""#,
            &format!(r#""startedAt":"{bad}""#),
            1,
        );
        let e = decode(&json).unwrap_err();
        assert_eq!(e.path, "startedAt", "{bad}");
    }
}

// ---------------------------------------------------------------------------
// Ingest envelope
// ---------------------------------------------------------------------------

fn who(repo: Option<&str>) -> WireIdentity {
    WireIdentity {
        distinct_id: "user-uuid-1".into(),
        repo_id: repo.map(String::from),
    }
}

/// The entry's compact JSON with `extra` appended inside the object.
fn with_tail(entry_json: &str, extra: &str) -> String {
    format!("{}{extra}}}", &entry_json[..entry_json.len() - 1])
}

#[test]
fn wire_single_entry_is_the_bare_event_with_repo_id_last() {
    let child = decode(&data("child.json")).unwrap();
    let body = serde_json::to_string(&to_wire(std::slice::from_ref(&child), &who(Some("repo-9"))))
        .unwrap();
    assert_eq!(
        body,
        format!(
            r#"{{"event":"cli_invocation","distinct_id":"user-uuid-1","properties":{}}}"#,
            with_tail(&child.to_json(), r#","$repo_id":"repo-9""#)
        )
    );
    let props = &serde_json::from_str::<Value>(&body).unwrap()["properties"];
    assert_eq!(
        props["parentInvocationId"],
        "0f8fad5b-d9cb-469f-a165-70867728950e"
    );
    assert_eq!(props["workflowContext"]["jobName"], "build:all");
}

#[test]
fn wire_omits_repo_id_when_absent_or_empty() {
    let legacy = decode(&data("legacy.json")).unwrap();
    let expected = format!(
        r#"{{"event":"cli_invocation","distinct_id":"user-uuid-1","properties":{}}}"#,
        legacy.to_json()
    );
    for repo in [None, Some("")] {
        let body =
            serde_json::to_string(&to_wire(std::slice::from_ref(&legacy), &who(repo))).unwrap();
        assert_eq!(body, expected, "{repo:?}");
        assert!(!body.contains("$repo_id"));
    }
}

#[test]
fn wire_several_entries_are_wrapped_in_events() {
    let entries = [
        decode(&data("parent.json")).unwrap(),
        decode(&data("child.json")).unwrap(),
        decode(&data("legacy.json")).unwrap(),
    ];
    let body = serde_json::to_string(&to_wire(&entries, &who(Some("repo-9")))).unwrap();
    let events: Vec<String> = entries
        .iter()
        .map(|e| {
            format!(
                r#"{{"event":"cli_invocation","distinct_id":"user-uuid-1","properties":{}}}"#,
                with_tail(&e.to_json(), r#","$repo_id":"repo-9""#)
            )
        })
        .collect();
    assert_eq!(body, format!(r#"{{"events":[{}]}}"#, events.join(",")));

    let two = serde_json::to_string(&to_wire(&entries[..2], &who(None))).unwrap();
    assert_eq!(
        two,
        format!(
            r#"{{"events":[{{"event":"cli_invocation","distinct_id":"user-uuid-1","properties":{}}},{{"event":"cli_invocation","distinct_id":"user-uuid-1","properties":{}}}]}}"#,
            entries[0].to_json(),
            entries[1].to_json()
        )
    );
}

#[test]
fn wire_zero_entries_is_an_empty_events_list() {
    let body = serde_json::to_string(&to_wire(&[], &who(Some("repo-9")))).unwrap();
    assert_eq!(body, r#"{"events":[]}"#);
}
