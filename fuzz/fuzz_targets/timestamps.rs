#![no_main]
//! Fuzz target: see `workflow_telemetry::fuzzing::timestamps`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| workflow_telemetry::fuzzing::timestamps(data));
