//! The bodies of the fuzz targets (`fuzz/fuzz_targets/*.rs`), kept in the
//! library so that the stable test suite replays the same code over the seed
//! corpus and every crash ever found (`tests/fuzz_regressions.rs`), while
//! libFuzzer drives it on nightly (`make fuzz`). Each body feeds arbitrary
//! bytes to one input path and asserts the bad-input contract: no panic,
//! every non-blank line accepted or reported, outputs that parse back.
//! Not part of the supported API.

use serde_json::Value;

mod dialects;
mod draw;

pub use dialects::{github_actions, orchestrator, swamp, tasker, Outcome};

use crate::bridge::{events, line_error, read_event, BridgeConfig, TelemetryBridge};
use crate::clock::FixedClock;
use crate::entry::TelemetryEntry;
use crate::event::Event;
use crate::export::{self, LogOptions, MetricsOptions, TraceOptions};
use crate::ids::SequentialIds;
use crate::ndjson::{lines, LineError, NdjsonOptions};
use crate::run::{RunModel, RunModelOptions};
use crate::time::Timestamp;

/// Small limits, so the fuzzer explores them rather than large inputs.
fn limits() -> NdjsonOptions {
    NdjsonOptions {
        max_line_bytes: 4096,
        max_depth: 16,
    }
}

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// How the line-based reference reads `text`: `Ok(ndjson)` for NDJSON (a
/// leading byte-order mark dropped, as the stream reader drops it); for a
/// document that is one JSON array (its first character is `[`),
/// `Err(Some(n))` with its element count when serde_json reads it as an
/// array, `Err(None)` when it does not (broken arrays are only held to the
/// no-panic contract).
fn reference_text(text: &str) -> Result<&str, Option<usize>> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !body
        .trim_start_matches([' ', '\t', '\r', '\n'])
        .starts_with('[')
    {
        return Ok(body);
    }
    Err(serde_json::from_str::<Vec<serde::de::IgnoredAny>>(body)
        .ok()
        .map(|v| v.len()))
}

/// The bridge's NDJSON path, then `finalize`: counts reconcile, and every
/// entry serialises and decodes back to itself.
pub fn bridge_ndjson(data: &[u8]) {
    let text = text(data);
    let config = BridgeConfig {
        parent_invocation_id: "parent".into(),
        ..Default::default()
    };
    let mut bridge = TelemetryBridge::new(
        config,
        FixedClock::new([Timestamp::EPOCH]),
        SequentialIds::new("id"),
    );
    let report = bridge.observe_ndjson(&text, limits());
    // The same text pushed in three chunks cut anywhere (inside characters
    // too) gives the same report and entries: the stream reader's framing
    // does not depend on where chunks end.
    let bytes = text.as_bytes();
    let cuts = [bytes.len() / 3, bytes.len() * 2 / 3];
    let mut pushed = TelemetryBridge::new(
        BridgeConfig {
            parent_invocation_id: "parent".into(),
            ..Default::default()
        },
        FixedClock::new([Timestamp::EPOCH]),
        SequentialIds::new("id"),
    );
    let mut whole = crate::bridge::NdjsonReport::default();
    for piece in [
        &bytes[..cuts[0]],
        &bytes[cuts[0]..cuts[1]],
        &bytes[cuts[1]..],
    ] {
        let r = pushed.push_ndjson(crate::ndjson::Chunk::Bytes(piece), limits(), None);
        whole.accepted += r.accepted;
        whole.errors.extend(r.errors);
        whole.entries.push_str(&r.entries);
    }
    let r = pushed.end_ndjson(limits(), None);
    whole.accepted += r.accepted;
    whole.errors.extend(r.errors);
    whole.entries.push_str(&r.entries);
    assert_eq!(whole, report, "pushed in chunks");
    let text = match reference_text(&text) {
        Ok(ndjson) => ndjson.to_string(),
        Err(elements) => {
            if let Some(n) = elements {
                assert_eq!(report.accepted + report.errors.len(), n);
            }
            return;
        }
    };
    assert_eq!(report.accepted + report.errors.len(), lines(&text).count());
    // The fast line reader decides exactly as the limits check plus serde_json.
    for (line, body) in lines(&text) {
        let reference = match LineError::over_limits(line, body, &limits()) {
            Some(e) => Err(e),
            None => Event::from_json_serde(body).map_err(|e| line_error(line, &e)),
        };
        assert_eq!(read_event(line, body, &limits()), reference, "{body:?}");
    }
    // And the one-pass batch reader as line by line.
    let by_line: Vec<_> = lines(&text)
        .map(|(line, body)| (line, read_event(line, body, &limits())))
        .collect();
    assert_eq!(events(&text, limits()).collect::<Vec<_>>(), by_line);
    let drained = bridge.finalize(None);
    assert_eq!(bridge.in_flight(), 0);
    for line in report.entries.lines() {
        round_trip(&serde_json::from_str(line).expect("entries are JSON"));
    }
    for entry in &drained {
        round_trip(&serde_json::to_value(entry).expect("serialisable"));
    }
}

fn round_trip(value: &Value) {
    let entry = TelemetryEntry::from_data(value).expect("an entry decodes");
    let again = serde_json::to_value(&entry).expect("serialisable");
    assert_eq!(&again, value, "decode then encode is the identity");
}

/// The run model over any dialect, then the snapshot and every exporter.
pub fn run_model(data: &[u8]) {
    let text = text(data);
    let options = RunModelOptions {
        ndjson: limits(),
        ..Default::default()
    };
    let mut reference = RunModel::new(options.clone(), FixedClock::new([Timestamp::EPOCH]));
    let mut model = RunModel::new(options, FixedClock::new([Timestamp::EPOCH]));
    let report = model.ingest_ndjson(&text);
    match reference_text(&text) {
        Ok(ndjson) => {
            assert_eq!(report.accepted + report.errors.len(), lines(ndjson).count());
            // The scanner's fast path builds what serde_json's builds (the
            // lite snapshot leaves out the child entries, whose ids are random).
            assert_eq!(report, reference.ingest_ndjson_serde(ndjson));
            assert_eq!(
                serde_json::to_string(&model.snapshot_lite()).expect("serialisable"),
                serde_json::to_string(&reference.snapshot_lite()).expect("serialisable"),
            );
        }
        Err(Some(n)) => assert_eq!(report.accepted + report.errors.len(), n),
        Err(None) => {}
    }
    for (_, body) in lines(&text) {
        if let Ok(v) = serde_json::from_str::<Value>(body) {
            let _ = model.redact_event(&v);
        }
    }
    let snapshot = model.snapshot();
    serde_json::to_string(&snapshot).expect("serialisable");
    let traces = export::export_traces(&snapshot, &TraceOptions::default());
    serde_json::to_string(&traces).expect("serialisable");
    for line in export::export_traces_jsonl(&snapshot, &TraceOptions::default()).lines() {
        serde_json::from_str::<Value>(line).expect("JSON Lines");
    }
    let mut metrics = MetricsOptions::default();
    export::export_metrics(&snapshot, &metrics);
    metrics.openmetrics = true;
    assert!(export::export_metrics(&snapshot, &metrics).ends_with("# EOF\n"));
    let records = export::lifecycle_records(&snapshot, &LogOptions::default());
    for line in export::to_json_lines(&records).lines() {
        serde_json::from_str::<Value>(line).expect("JSON Lines");
    }
    export::to_logfmt(&records);
}

/// Stored entry data: decoding never panics, and what decodes re-encodes to
/// data that decodes to the same entry.
pub fn entry_decode(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    if let Ok(entry) = TelemetryEntry::from_data(&value) {
        let encoded = serde_json::to_value(&entry).expect("serialisable");
        let again = TelemetryEntry::from_data(&encoded).expect("re-decodes");
        assert_eq!(again, entry);
    }
}

/// Instants in every accepted form: parsing never panics, and what parses
/// formats to a form that parses to the same instant.
pub fn timestamps(data: &[u8]) {
    let text = text(data);
    if let Ok(t) = Timestamp::parse_iso(&text) {
        assert_eq!(Timestamp::parse_iso(&t.to_string()), Ok(t));
    }
}
