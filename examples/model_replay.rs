//! Replays an NDJSON log of any dialect through the run model natively and
//! times ingestion, the snapshot and each exporter:
//! `cargo run --release --example model_replay -- events.ndjson`.
//! For profiling without JS (e.g. under callgrind).
use std::time::Instant;

use workflow_telemetry::export::{self, LogOptions, MetricsOptions, TraceOptions};
use workflow_telemetry::run::{RunModel, RunModelOptions};
use workflow_telemetry::FixedClock;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: model_replay FILE.ndjson");
    let text = std::fs::read_to_string(&path).expect("readable file");
    let mut model = RunModel::new(
        RunModelOptions::default(),
        FixedClock::new([workflow_telemetry::Timestamp::EPOCH]),
    );
    let t = Instant::now();
    let report = model.ingest_ndjson(&text);
    eprintln!(
        "ingest: {} accepted, {} rejected in {:?}",
        report.accepted,
        report.errors.len(),
        t.elapsed()
    );
    if std::env::var_os("INGEST_ONLY").is_some() {
        return;
    }
    let t = Instant::now();
    let snapshot = model.snapshot();
    eprintln!(
        "snapshot: {} runs in {:?}",
        snapshot.runs.len(),
        t.elapsed()
    );
    let t = Instant::now();
    let json = serde_json::to_string(&snapshot).unwrap_or_default();
    eprintln!("snapshot JSON: {} bytes in {:?}", json.len(), t.elapsed());
    let t = Instant::now();
    let traces = export::export_traces(&snapshot, &TraceOptions::default());
    eprintln!(
        "traces: {} resource spans in {:?}",
        traces.resource_spans.len(),
        t.elapsed()
    );
    let t = Instant::now();
    let metrics = export::export_metrics(&snapshot, &MetricsOptions::default());
    eprintln!("metrics: {} bytes in {:?}", metrics.len(), t.elapsed());
    let t = Instant::now();
    let logs = export::to_json_lines(&export::lifecycle_records(
        &snapshot,
        &LogOptions::default(),
    ));
    eprintln!("logs: {} bytes in {:?}", logs.len(), t.elapsed());
}
