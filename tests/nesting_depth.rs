//! The nesting bound of the bad-input contract: a line that nests arrays and
//! objects deeper than `max_depth` is reported as `too_deep` with its line
//! number, before it is parsed (so a hostile depth costs no stack), and every
//! other line is still processed; the counts reconcile.
#![cfg(not(target_arch = "wasm32"))]

use workflow_telemetry::run::{RunModel, RunModelOptions};
use workflow_telemetry::{
    BridgeConfig, FixedClock, LineErrorKind, NdjsonOptions, SequentialIds, TelemetryBridge,
    Timestamp,
};

/// A swamp event whose `payload` nests `depth - 1` arrays (the event is depth 1).
fn nested(depth: usize) -> String {
    let payload = format!("{}{}", "[".repeat(depth - 1), "]".repeat(depth - 1));
    format!(r#"{{"kind":"method_output","jobId":"j","stepId":"s","payload":{payload}}}"#)
}

fn log(middle: &str) -> String {
    [
        r#"{"kind":"started","runId":"r","workflowName":"w","timestamp":1000}"#,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","methodName":"m","timestamp":1001}"#,
        middle,
        r#"{"kind":"step_completed","jobId":"j","stepId":"s","timestamp":1005}"#,
    ]
    .join("\n")
}

fn bridge() -> TelemetryBridge {
    let config = BridgeConfig {
        parent_invocation_id: "p".into(),
        ..Default::default()
    };
    TelemetryBridge::new(
        config,
        FixedClock::new([Timestamp::EPOCH]),
        SequentialIds::new("id"),
    )
}

#[test]
fn the_bridge_reports_a_too_deep_line_and_processes_the_rest() {
    let text = log(&nested(65));
    let report = bridge().observe_ndjson(&text, NdjsonOptions::default());
    assert_eq!(report.accepted, 3);
    assert_eq!(report.errors.len(), 1);
    let e = &report.errors[0];
    assert_eq!((e.line, e.kind), (3, LineErrorKind::TooDeep));
    assert!(
        e.message.contains("deeper than the limit of 64"),
        "{}",
        e.message
    );
    assert_eq!(report.entries.lines().count(), 1, "the step still closes");

    let at_limit = bridge().observe_ndjson(&log(&nested(64)), NdjsonOptions::default());
    assert_eq!((at_limit.accepted, at_limit.errors.len()), (4, 0));
}

#[test]
fn a_hostile_depth_costs_nothing_and_the_limit_is_configurable() {
    let hostile = format!(r#"{{"kind":"x","a":{}}}"#, "[".repeat(1_000_000));
    let report = bridge().observe_ndjson(&log(&hostile), NdjsonOptions::default());
    assert_eq!(
        (report.accepted, report.errors[0].kind),
        (3, LineErrorKind::TooDeep)
    );

    let strict = NdjsonOptions {
        max_depth: 2,
        ..Default::default()
    };
    let report = bridge().observe_ndjson(&log(&nested(3)), strict);
    assert_eq!((report.accepted, report.errors.len()), (3, 1));
    // Brackets inside strings are text, not nesting.
    let quoted = r#"{"kind":"method_output","jobId":"j","stepId":"s","line":"[[[{{{"}"#;
    let report = bridge().observe_ndjson(&log(quoted), strict);
    assert_eq!((report.accepted, report.errors.len()), (4, 0));
}

#[test]
fn the_run_model_reports_a_too_deep_line_and_applies_the_rest() {
    let mut model = RunModel::new(
        RunModelOptions::default(),
        FixedClock::new([Timestamp::EPOCH]),
    );
    let report = model.ingest_ndjson(&log(&nested(65)));
    assert_eq!(report.accepted, 3);
    assert_eq!(report.errors.len(), 1);
    assert_eq!(
        (report.errors[0].line, report.errors[0].kind),
        (3, LineErrorKind::TooDeep)
    );
    let snapshot = model.snapshot();
    assert_eq!(snapshot.runs.len(), 1);
    assert_eq!(snapshot.runs[0].run.steps.len(), 1);
}
