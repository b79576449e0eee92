//! A step's output (`method_output`) kept on the step: redacted where it
//! enters (filtered secrets, the step's model name), the last 20 lines of at
//! most 500 characters, only for a step the run has, held back from the lite
//! snapshot and given by the step's detail.
#![cfg(not(target_arch = "wasm32"))]

use workflow_telemetry::run::{RunModel, RunModelOptions};
use workflow_telemetry::{FixedClock, Timestamp};

fn model() -> RunModel<FixedClock> {
    RunModel::new(
        RunModelOptions::default(),
        FixedClock::new([Timestamp::from_millis(0).unwrap()]),
    )
}

fn out(step: &str, line: &str) -> String {
    serde_json::json!({"kind": "method_output", "jobId": "j", "stepId": step, "line": line, "timestamp": 5}).to_string()
}

#[test]
fn output_is_redacted_bounded_and_kept_on_its_step() {
    let mut m = model();
    let mut lines = vec![
        r#"{"kind":"started","runId":"r","workflowName":"wf","timestamp":1}"#.to_string(),
        r#"{"kind":"model_resolved","jobId":"j","stepId":"s","modelName":"secret-model","modelType":"command/shell","methodName":"run","timestamp":2}"#.to_string(),
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"secret-model","methodName":"run","timestamp":3}"#.to_string(),
        out("s", "connecting with password=hunter2 to secret-model"),
        out("nope", "a step the run does not have"),
    ];
    for i in 0..25 {
        lines.push(out("s", &format!("line {i}")));
    }
    lines.push(out("s", &"é".repeat(600)));
    lines.push(
        r#"{"kind":"step_failed","jobId":"j","stepId":"s","error":"boom","timestamp":9}"#
            .to_string(),
    );
    let report = m.ingest_ndjson(&lines.join("\n"));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let snapshot = m.snapshot();
    let run = &snapshot.runs[0].run;
    assert_eq!(run.steps.len(), 1, "no step made for an output line");
    let output = &run.steps[0].output;
    assert_eq!(output.len(), 20);
    // The first 7 lines (the secret one and lines 0 to 5) were dropped as newer came.
    assert_eq!(output[0], "line 6");
    assert_eq!(output[18], "line 24");
    assert_eq!(output[19], format!("{}…", "é".repeat(500)));

    // The secret line, before it was pushed out: redacted where it entered.
    let mut m = model();
    m.ingest_ndjson(&lines[..4].join("\n"));
    let snapshot = m.snapshot();
    let kept = &snapshot.runs[0].run.steps[0].output;
    assert_eq!(kept, &["connecting with password=[REDACTED] to <REDACTED>"]);

    // Held back from the lite snapshot; the detail gives it.
    let lite = serde_json::to_value(m.snapshot_lite()).unwrap();
    assert!(lite["runs"][0]["steps"][0].get("output").is_none());
    let detail = serde_json::to_value(m.step_detail(0).unwrap()).unwrap();
    assert_eq!(
        detail["output"],
        serde_json::json!(["connecting with password=[REDACTED] to <REDACTED>"])
    );
}
