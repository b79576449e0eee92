#![no_main]
//! Fuzz target: see `workflow_telemetry::fuzzing::run_model`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| workflow_telemetry::fuzzing::run_model(data));
