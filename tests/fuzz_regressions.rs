//! Every fuzz seed and every input a fuzzer ever crashed on, replayed on the
//! stable toolchain through the same bodies libFuzzer drives
//! (`workflow_telemetry::fuzzing`): `fuzz/seeds/<target>/` and
//! `fuzz/regressions/<target>/`.
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

use workflow_telemetry::fuzzing;

type Body = fn(&[u8]);

const TARGETS: [(&str, Body); 8] = [
    ("bridge_ndjson", fuzzing::bridge_ndjson),
    ("run_model", fuzzing::run_model),
    ("entry_decode", fuzzing::entry_decode),
    ("timestamps", fuzzing::timestamps),
    ("dialect_swamp", |d| {
        fuzzing::swamp(d);
    }),
    ("dialect_orchestrator", |d| {
        fuzzing::orchestrator(d);
    }),
    ("dialect_tasker", |d| {
        fuzzing::tasker(d);
    }),
    ("dialect_github_actions", |d| {
        fuzzing::github_actions(d);
    }),
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

/// 300 pseudo-random inputs of 40 to 1,000 bytes (xorshift, fixed seed).
fn random_inputs() -> Vec<Vec<u8>> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..300)
        .map(|_| {
            let len = 40 + (next() % 960) as usize;
            (0..len).map(|_| next() as u8).collect()
        })
        .collect()
}

/// The per-dialect bodies check only what their scenarios reach: a
/// generator that built nothing a dialect accepts, no run that ends, or no
/// secret, would pass every input while testing nothing. Across 300 random
/// inputs each must reach runs that complete and fail, steps, refused lines,
/// runs evicted, runs stalled, and accepted lines carrying secrets (the
/// bodies assert none comes out).
#[test]
fn each_dialect_scenario_reaches_runs_failures_refusals_and_secrets() {
    type Scenario = fn(&[u8]) -> fuzzing::Outcome;
    let dialects: [(&str, Scenario); 4] = [
        ("swamp", fuzzing::swamp),
        ("orchestrator", fuzzing::orchestrator),
        ("tasker", fuzzing::tasker),
        ("github_actions", fuzzing::github_actions),
    ];
    let inputs = random_inputs();
    for (name, scenario) in dialects {
        let mut total = fuzzing::Outcome::default();
        for input in &inputs {
            let o = scenario(input);
            total.accepted += o.accepted;
            total.refused += o.refused;
            total.secrets += o.secrets;
            total.runs += o.runs;
            total.completed += o.completed;
            total.failed += o.failed;
            total.abandoned += o.abandoned;
            total.steps += o.steps;
            total.evicted += o.evicted;
            total.stalled += o.stalled;
        }
        eprintln!("{name}: {total:?}");
        assert!(total.accepted > 2 * total.refused, "{name}: {total:?}");
        assert!(total.refused > 0, "{name}: {total:?}");
        assert!(
            total.runs >= 300 && 2 * total.steps > total.runs,
            "{name}: {total:?}"
        );
        assert!(total.completed > 0 && total.failed > 0, "{name}: {total:?}");
        assert!(
            total.evicted > 0,
            "{name}: retention never evicted: {total:?}"
        );
        if name != "github_actions" {
            // GitHub's payloads carry no free text or payloads to filter.
            assert!(total.secrets > 100, "{name}: {total:?}");
        }
    }
}
