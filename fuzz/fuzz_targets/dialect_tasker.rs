#![no_main]
//! Fuzz target: see `workflow_telemetry::fuzzing::tasker` (scenarios of one
//! dialect drawn from the bytes, no exporters: fast enough for millions).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    workflow_telemetry::fuzzing::tasker(data);
});
