//! Replays an NDJSON event log through the bridge natively and prints the
//! entries: `cargo run --release --example replay -- events.ndjson`.
//! Useful for profiling the core without JS (e.g. under callgrind).
use std::time::Instant;

use workflow_telemetry::{
    BridgeConfig, NdjsonOptions, SequentialIds, SystemClock, TelemetryBridge,
};

fn main() {
    let path = std::env::args().nth(1).expect("usage: replay FILE.ndjson");
    let text = std::fs::read_to_string(&path).expect("readable file");
    let config = BridgeConfig {
        parent_invocation_id: "parent".into(),
        ..Default::default()
    };
    let mut bridge = TelemetryBridge::new(config, SystemClock, SequentialIds::new("id"));
    let t0 = Instant::now();
    let report = bridge.observe_ndjson(&text, NdjsonOptions::default());
    let elapsed = t0.elapsed();
    eprintln!(
        "{} lines accepted, {} rejected, {} bytes of entries in {:?}",
        report.accepted,
        report.errors.len(),
        report.entries.len(),
        elapsed
    );
}
