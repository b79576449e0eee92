#![no_main]
//! Fuzz target: see `workflow_telemetry::fuzzing::bridge_ndjson`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| workflow_telemetry::fuzzing::bridge_ndjson(data));
