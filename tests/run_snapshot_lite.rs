//! The lite snapshot (what the viewer loads) against the full one: the same
//! runs, summaries and aggregates; every step numbered by `detailRef` in run
//! then step order, without the four held-back fields, which `step_detail`
//! gives back exactly; and the child entries in the same order.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{Map, Value};
use workflow_telemetry::run::{RunModel, RunModelOptions};
use workflow_telemetry::{FixedClock, Timestamp};

const HELD_BACK: [&str; 5] = ["transitions", "telemetry", "inputs", "results", "output"];

/// A model of all the samples (three dialects, nested swamp runs, secrets).
fn model() -> RunModel<FixedClock> {
    let mut m = RunModel::new(
        RunModelOptions::default(),
        FixedClock::new([Timestamp::from_millis(0).unwrap()]),
    );
    for name in [
        "swamp-deploy",
        "orchestrator-build",
        "tasker-checkout",
        "hostile-names",
    ] {
        let path = format!("{}/www/samples/{name}.ndjson", env!("CARGO_MANIFEST_DIR"));
        let report = m.ingest_ndjson(&std::fs::read_to_string(path).unwrap());
        assert!(report.accepted > 0, "{name}: nothing accepted");
    }
    m
}

fn steps_of(snapshot: &Value) -> Vec<Map<String, Value>> {
    snapshot["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["steps"].as_array().unwrap().iter())
        .map(|s| s.as_object().unwrap().clone())
        .collect()
}

#[test]
fn lite_steps_are_full_steps_without_the_held_back_fields() {
    let mut m = model();
    let full = serde_json::to_value(m.snapshot()).unwrap();
    let lite = serde_json::to_value(m.snapshot_lite()).unwrap();
    let (full_steps, lite_steps) = (steps_of(&full), steps_of(&lite));
    assert!(full_steps.len() > 10, "samples have steps");
    assert_eq!(full_steps.len(), lite_steps.len());
    let mut held = 0;
    for (i, (f, l)) in full_steps.iter().zip(&lite_steps).enumerate() {
        let mut expected = f.clone();
        for k in HELD_BACK {
            held += usize::from(expected.remove(k).is_some());
        }
        expected.insert("detailRef".into(), Value::from(i));
        assert_eq!(l, &expected, "step {i}");

        // What was held back comes back from step_detail, exactly.
        let detail = serde_json::to_value(m.step_detail(i as u32).unwrap()).unwrap();
        let want: Map<String, Value> = HELD_BACK
            .iter()
            .filter_map(|k| f.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
        assert_eq!(detail, Value::Object(want), "detail of step {i}");
    }
    // Transitions on every step, and at least some entries and payloads.
    assert!(held > full_steps.len() + 2, "held back only {held} fields");
    assert!(m.step_detail(full_steps.len() as u32).is_none());
}

#[test]
fn lite_snapshot_keeps_everything_else() {
    let mut m = model();
    let mut full = serde_json::to_value(m.snapshot()).unwrap();
    let mut lite = serde_json::to_value(m.snapshot_lite()).unwrap();
    for snap in [&mut full, &mut lite] {
        for run in snap["runs"].as_array_mut().unwrap() {
            run["steps"] = Value::Null;
        }
    }
    assert_eq!(lite, full);
}

#[test]
fn the_full_snapshot_is_unchanged_by_taking_a_lite_one() {
    let mut m = model();
    let before = serde_json::to_string(&m.snapshot()).unwrap();
    let _ = m.snapshot_lite();
    assert_eq!(serde_json::to_string(&m.snapshot()).unwrap(), before);
    assert!(!before.contains("detailRef"));
}

#[test]
fn child_entries_are_the_steps_entries_in_order() {
    let mut m = model();
    let full = serde_json::to_value(m.snapshot()).unwrap();
    let from_steps: Vec<Value> = steps_of(&full)
        .into_iter()
        .filter_map(|s| s.get("telemetry").cloned())
        .collect();
    let entries: Vec<Value> = m
        .child_entries()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    assert!(!entries.is_empty());
    assert_eq!(entries, from_steps);
}

/// The lite snapshot written run by run (what `snapshotJson({ lite: true })`
/// returns) is byte for byte what serde_json writes for the whole lite
/// snapshot: with runs of every dialect, nested runs, a run with
/// violations, runs evicted by retention (the `evicted` counts), and with no
/// runs at all.
#[test]
fn the_lite_snapshot_written_run_by_run_is_the_same_json() {
    let mut m = model();
    m.ingest_ndjson(r#"{"kind":"step_completed","runId":"nobody","jobId":"j","stepId":"s"}"#);
    let text = |m: &mut RunModel<FixedClock>| {
        let mut out = Vec::new();
        m.snapshot_lite_json(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    let whole = serde_json::to_string(&m.snapshot_lite()).unwrap();
    assert_eq!(text(&mut m), whole);
    let parsed: Value = serde_json::from_str(&whole).unwrap();
    assert!(parsed["runs"].as_array().unwrap().len() >= 5);
    assert!(!parsed["workflows"].as_array().unwrap().is_empty());
    let runs = parsed["runs"].as_array().unwrap();
    assert!(runs
        .iter()
        .any(|r| !r["violations"].as_array().unwrap().is_empty()));

    let mut small = RunModel::new(
        RunModelOptions {
            retention: workflow_telemetry::run::Retention {
                max_runs: Some(1),
                ..Default::default()
            },
            ..Default::default()
        },
        FixedClock::new([Timestamp::from_millis(0).unwrap()]),
    );
    for name in ["swamp-deploy", "orchestrator-build", "tasker-checkout"] {
        let path = format!("{}/www/samples/{name}.ndjson", env!("CARGO_MANIFEST_DIR"));
        small.ingest_ndjson(&std::fs::read_to_string(path).unwrap());
    }
    let whole = serde_json::to_string(&small.snapshot_lite()).unwrap();
    assert!(small.evicted().runs > 0, "retention took runs out");
    assert_eq!(text(&mut small), whole);
    let empty = &mut RunModel::new(
        RunModelOptions::default(),
        FixedClock::new([Timestamp::from_millis(0).unwrap()]),
    );
    assert_eq!(
        text(empty),
        serde_json::to_string(&empty.snapshot_lite()).unwrap()
    );
}

/// The lite snapshot in parts (what the viewer's page parses a part per
/// task): arrays of whole runs in order, each closed once it passes the size
/// asked for, then the rest; put back together, the same data as the whole.
#[test]
fn the_lite_snapshot_in_parts_is_the_whole_in_order() {
    let mut m = model();
    let mut parts: Vec<Value> = Vec::new();
    let mut sizes = Vec::new();
    let rest = m
        .snapshot_lite_parts(2_000, |p| {
            sizes.push(p.len());
            parts.push(serde_json::from_slice(p).unwrap());
        })
        .unwrap();
    assert!(parts.len() >= 3, "{} parts", parts.len());
    let mut whole: Value = serde_json::from_slice(&rest).unwrap();
    assert!(whole.get("runs").is_none());
    let runs: Vec<Value> = parts
        .into_iter()
        .flat_map(|p| p.as_array().unwrap().clone())
        .collect();
    whole["runs"] = Value::Array(runs);
    let expected = serde_json::to_value(m.snapshot_lite()).unwrap();
    assert_eq!(whole, expected);
    // Every part but the last passed the size; none holds half a run.
    assert!(sizes[..sizes.len() - 1].iter().all(|&n| n >= 2_000));
}
