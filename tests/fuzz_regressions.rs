//! Every fuzz seed and every input a fuzzer ever crashed on, replayed on the
//! stable toolchain through the same bodies libFuzzer drives
//! (`workflow_telemetry::fuzzing`): `fuzz/seeds/<target>/` and
//! `fuzz/regressions/<target>/`.
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

use workflow_telemetry::fuzzing;

type Body = fn(&[u8]);

const TARGETS: [(&str, Body); 4] = [
    ("bridge_ndjson", fuzzing::bridge_ndjson),
    ("run_model", fuzzing::run_model),
    ("entry_decode", fuzzing::entry_decode),
    ("timestamps", fuzzing::timestamps),
];

fn replay(dir: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(dir);
    let mut n = 0;
    for (target, body) in TARGETS {
        let Ok(files) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        for file in files.flatten() {
            let data = std::fs::read(file.path()).expect("readable");
            body(&data);
            n += 1;
        }
    }
    n
}

#[test]
fn every_seed_passes_its_target() {
    assert!(replay("seeds") >= 10);
}

#[test]
fn every_recorded_crash_stays_fixed() {
    replay("regressions");
}

#[test]
fn the_bodies_hold_on_hand_picked_hostile_inputs() {
    let hostile: [&[u8]; 8] = [
        b"",
        b"\n\n\r\n",
        b"\xff\xfe\x00garbage",
        b"{\"kind\":\"method_executing\",\"jobId\":\"j\",\"stepId\":\"s\",\"methodName\":\"m\",\"timestamp\":9e999}",
        b"{\"kind\":\"step_failed\",\"jobId\":\"j\",\"stepId\":\"s\",\"error\":\"\",\"modelName\":\"x\",\"methodName\":\"y\"}",
        b"{\"event\":\"job.lifecycle.fail\",\"job_id\":1e400}",
        b"{\"event\":\"task.completed\",\"task_id\":-0,\"timestamp\":\"9999-12-31T23:59:59.999Z\"}",
        b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    ];
    for data in hostile {
        for (_, body) in TARGETS {
            body(data);
        }
    }
}
