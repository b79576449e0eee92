//! Every output of the four sample logs, byte for byte: the snapshot (full
//! and lite), the child entries, OTLP (JSON and JSON Lines), Prometheus and
//! OpenMetrics text, lifecycle logs (JSON Lines and logfmt). The expected
//! bytes are files under `tests/data/golden/`, written once from the code
//! and read by eye; a refactor must leave them as they are, and a change of
//! output shows up here as a diff to review (`UPDATE_GOLDEN=1 cargo test
//! --test sample_outputs` rewrites them, for a change that is meant).
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;

use workflow_telemetry::export::{
    export_metrics, export_traces, export_traces_jsonl, lifecycle_records, to_json_lines,
    to_logfmt, LogOptions, MetricsOptions, TraceOptions,
};
use workflow_telemetry::run::{RunModel, RunModelOptions};
use workflow_telemetry::{FixedClock, SequentialIds};

mod fixture;
use fixture::{at, config};

const SAMPLES: [&str; 5] = [
    "swamp-deploy",
    "orchestrator-build",
    "tasker-checkout",
    "hostile-names",
    "github-actions-ci",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every output of one sample, by file suffix.
fn outputs(name: &str) -> Vec<(&'static str, String)> {
    let text = std::fs::read_to_string(root().join(format!("www/samples/{name}.ndjson"))).unwrap();
    let mut m = RunModel::new(
        RunModelOptions {
            bridge: config(),
            step_threshold_ms: Some(20_000),
            ..Default::default()
        },
        // Later than every sample event: nothing is stamped, nothing stalls.
        FixedClock::new([at(60_000)]),
    )
    .with_ids(SequentialIds::new("entry"));
    let report = m.ingest_ndjson(&text);
    assert_eq!(report.errors, vec![], "{name}");
    let snapshot = m.snapshot();
    let pretty = |v: &dyn erased::Json| v.pretty();
    let mut entries = String::new();
    for e in m.child_entries() {
        entries.push_str(&e.to_json());
        entries.push('\n');
    }
    let metrics = MetricsOptions::default();
    let openmetrics = MetricsOptions {
        openmetrics: true,
        ..Default::default()
    };
    let records = lifecycle_records(&snapshot, &LogOptions::default());
    vec![
        ("snapshot.json", pretty(&snapshot)),
        ("lite.json", pretty(&m.snapshot_lite())),
        ("entries.ndjson", entries),
        (
            "otlp.json",
            pretty(&export_traces(&snapshot, &TraceOptions::default())),
        ),
        (
            "otlp.jsonl",
            export_traces_jsonl(&snapshot, &TraceOptions::default()),
        ),
        ("metrics.prom", export_metrics(&snapshot, &metrics)),
        ("metrics.om", export_metrics(&snapshot, &openmetrics)),
        ("logs.jsonl", to_json_lines(&records)),
        ("logs.logfmt", to_logfmt(&records)),
    ]
}

/// Pretty JSON of any serialisable value (one line per field: readable diffs).
mod erased {
    pub trait Json {
        fn pretty(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn pretty(&self) -> String {
            let mut s = serde_json::to_string_pretty(self).unwrap();
            s.push('\n');
            s
        }
    }
}

#[test]
fn every_output_of_every_sample_is_as_recorded() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let dir = root().join("tests/data/golden");
    let mut differ = Vec::new();
    for name in SAMPLES {
        for (suffix, got) in outputs(name) {
            let path = dir.join(format!("{name}.{suffix}"));
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &got).unwrap();
                continue;
            }
            let want = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
            if got != want {
                let line = got
                    .lines()
                    .zip(want.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| got.lines().count().min(want.lines().count()));
                differ.push(format!(
                    "{name}.{suffix}: first difference at line {}:\n  got:  {}\n  want: {}",
                    line + 1,
                    got.lines().nth(line).unwrap_or("(end)"),
                    want.lines().nth(line).unwrap_or("(end)")
                ));
            }
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
