//! Run analytics under pressure: long dependency chains and long sequences
//! (no recursion, no cubic walks), absurd durations (saturating, never a
//! panic), run duration measured from the earlier of queued and started, and
//! job-level dependencies kept out of the serialised steps.
#![cfg(not(target_arch = "wasm32"))]

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use workflow_telemetry::run::{RunDetail, RunModel, RunModelOptions};
use workflow_telemetry::{FixedClock, Timestamp};

fn model() -> RunModel<FixedClock> {
    RunModel::new(
        RunModelOptions::default(),
        FixedClock::new([Timestamp::from_millis(0).unwrap()]),
    )
}

/// A model whose clock (the arrival of events without a timestamp) reads a
/// second later at every call, from 2027.
fn arriving_model() -> RunModel<FixedClock> {
    let start = Timestamp::parse_iso("2027-01-01T00:00:00.000Z").unwrap();
    RunModel::new(
        RunModelOptions::default(),
        FixedClock::stepping(start, 1000, 1000),
    )
}

fn job(name: &str, extra: Value) -> Value {
    let mut v = json!({"event": name, "job_id": "j1"});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

fn task(name: &str, extra: Value) -> Value {
    let mut v = json!({"event": name, "task_id": 1, "task_name": "t"});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

/// Ingests every event; any refusal fails the test.
fn ingest_all(m: &mut RunModel<FixedClock>, events: &[Value]) {
    for e in events {
        m.ingest(e).unwrap_or_else(|err| panic!("{e}: {err}"));
    }
}

/// A Tasker chain of `n` steps where `s{i}` depends on `s{i+1}`, each taking
/// `ms` milliseconds, so the critical path is `s{n-1}` .. `s0`. The steps are
/// added `s0` first, so a depth-first walk from the first step goes `n` deep.
fn tasker_chain(n: usize, ms: i64) -> RunModel<FixedClock> {
    let mut m = model();
    m.ingest(&task("task.start_requested", json!({"timestamp": 0})))
        .unwrap();
    for i in 0..n {
        let deps: Vec<String> = if i + 1 < n {
            vec![format!("s{}", i + 1)]
        } else {
            vec![]
        };
        let t = (n - 1 - i) as i64 * ms;
        ingest_all(
            &mut m,
            &[
                task(
                    "step.execution_requested",
                    json!({"step_name": format!("s{i}"), "step_dependencies": deps, "timestamp": t}),
                ),
                task(
                    "step.completed",
                    json!({"step_name": format!("s{i}"), "timestamp": t + ms}),
                ),
            ],
        );
    }
    m
}

fn timed<T>(what: &str, limit: Duration, f: impl FnOnce() -> T) -> T {
    let t0 = Instant::now();
    let out = f();
    let took = t0.elapsed();
    eprintln!("{what}: {took:?}");
    assert!(took < limit, "{what} took {took:?}, over {limit:?}");
    out
}

#[test]
fn a_50000_step_dependency_chain_is_walked_without_recursion() {
    const N: usize = 50_000;
    let mut m = tasker_chain(N, 2);
    let d: RunDetail = timed("50k-step dependency chain", Duration::from_secs(10), || {
        m.run("1").unwrap()
    });
    let path = &d.summary.critical_path;
    assert_eq!(path.len(), N);
    assert_eq!(path.first().map(String::as_str), Some("s49999"));
    assert_eq!(path.last().map(String::as_str), Some("s0"));
    assert!(d.run.steps.iter().all(|s| s.critical));
}

#[test]
fn a_dependency_cycle_is_cut_deterministically() {
    // A ring of 20,000 steps (each depends on the next, the last on the first)
    // plus a two-step cycle: no panic, no overflow, the same answer twice, and
    // no step twice on the path.
    const N: usize = 20_000;
    let mut m = model();
    for i in 0..N {
        let next = format!("r{}", (i + 1) % N);
        ingest_all(
            &mut m,
            &[
                task(
                    "step.execution_requested",
                    json!({"step_name": format!("r{i}"), "step_dependencies": [next], "timestamp": i}),
                ),
                task(
                    "step.completed",
                    json!({"step_name": format!("r{i}"), "timestamp": i + 1}),
                ),
            ],
        );
    }
    ingest_all(
        &mut m,
        &[
            task(
                "step.execution_requested",
                json!({"step_name": "a", "step_dependencies": ["b"], "timestamp": 0}),
            ),
            task(
                "step.execution_requested",
                json!({"step_name": "b", "step_dependencies": ["a"], "timestamp": 0}),
            ),
        ],
    );
    let first = timed("20k-step dependency ring", Duration::from_secs(10), || {
        m.run("1").unwrap()
    });
    let second = m.run("1").unwrap();
    assert_eq!(first.summary.critical_path, second.summary.critical_path);
    let path = &first.summary.critical_path;
    assert!(!path.is_empty());
    let mut seen = std::collections::HashSet::new();
    assert!(path.iter().all(|id| seen.insert(id)), "a step repeats");
}

#[test]
fn twenty_thousand_sequential_modules_have_a_linear_time_critical_path() {
    const N: i64 = 20_000;
    let mut m = model();
    m.ingest(&job("job.lifecycle.enqueue", json!({"timestamp": 0})))
        .unwrap();
    m.ingest(&job("job.lifecycle.start", json!({"timestamp": 1})))
        .unwrap();
    for i in 0..N {
        let module = format!("m{i}");
        ingest_all(
            &mut m,
            &[
                job(
                    "job.module.spawn",
                    json!({"module": module, "timestamp": 10 + i * 10}),
                ),
                job(
                    "job.module.complete",
                    json!({"module": module, "timestamp": 15 + i * 10}),
                ),
            ],
        );
    }
    let d = timed("20k sequential modules", Duration::from_secs(10), || {
        m.run("j1").unwrap()
    });
    let path = &d.summary.critical_path;
    assert_eq!(path.len(), N as usize);
    assert_eq!(path.first().map(String::as_str), Some("m0"));
    assert_eq!(path.last().map(String::as_str), Some("m19999"));
    assert!(path.windows(2).all(|w| w[0] != w[1]));
}

#[test]
fn the_time_path_hops_to_the_latest_end_then_the_longest() {
    // a [0,10) b [0,20) c [5,20) d [20,30) e [25,40): e ends last; before 25
    // the latest end is 20 (b and c), b is longer; before b's start nothing.
    let mut m = model();
    m.ingest(&job("job.lifecycle.start", json!({"timestamp": 0})))
        .unwrap();
    for (name, s, e) in [
        ("a", 0, 10),
        ("b", 0, 20),
        ("c", 5, 20),
        ("d", 20, 30),
        ("e", 25, 40),
    ] {
        ingest_all(
            &mut m,
            &[
                job("job.module.spawn", json!({"module": name, "timestamp": s})),
                job(
                    "job.module.complete",
                    json!({"module": name, "timestamp": e}),
                ),
            ],
        );
    }
    let d = m.run("j1").unwrap();
    assert_eq!(d.summary.critical_path, vec!["b", "e"]);
    assert_eq!(d.summary.bottleneck.as_deref(), Some("b"));
}

#[test]
fn the_time_path_breaks_full_ties_by_the_first_step() {
    // Two identical spans ending last: the first one heads the path; the
    // other ends exactly when the first starts only if it has zero length,
    // so here nothing precedes.
    let mut m = model();
    for name in ["x", "y"] {
        ingest_all(
            &mut m,
            &[
                job("job.module.spawn", json!({"module": name, "timestamp": 0})),
                job(
                    "job.module.complete",
                    json!({"module": name, "timestamp": 10}),
                ),
            ],
        );
    }
    let d = m.run("j1").unwrap();
    assert_eq!(d.summary.critical_path, vec!["x"]);
}

#[test]
fn huge_module_durations_saturate_instead_of_panicking() {
    // No timestamps: the events are stamped on arrival (a clock a second
    // apart per call); a completion without a spawn starts its attempt its
    // reported duration (1e300 s, saturated) earlier.
    let mut m = arriving_model();
    ingest_all(
        &mut m,
        &[
            job(
                "job.module.error",
                json!({"module": "big", "duration_ms": 1e300}),
            ),
            job("job.module.spawn", json!({"module": "big"})),
            job(
                "job.module.complete",
                json!({"module": "big", "duration_ms": 1e300}),
            ),
            job(
                "job.module.complete",
                json!({"module": "other", "duration_ms": 1e300}),
            ),
        ],
    );
    let snap = m.snapshot();
    let d = &snap.runs[0];
    let big = d.run.steps.iter().find(|s| s.id == "big").unwrap();
    assert!(big.duration_ms.unwrap() > 0, "{:?}", big.duration_ms);
    assert!(snap.workflows[0].steps.iter().all(|s| s.p95_ms >= 0));
    serde_json::to_string(&snap).unwrap();
}

#[test]
fn huge_tasker_durations_saturate_on_both_critical_paths() {
    // Steps started at a known instant whose completion carries no instant
    // but a reported duration of 1e300 s (saturated): the completion is
    // stamped on arrival, and the summed dependency path must saturate.
    let started = "2026-02-05T14:30:00.000Z";
    let run = |deps: bool| {
        let mut m = arriving_model();
        for (name, dep) in [("s0", None), ("s1", Some("s0")), ("s2", Some("s1"))] {
            let dep: Vec<&str> = if deps {
                dep.into_iter().collect()
            } else {
                vec![]
            };
            ingest_all(
                &mut m,
                &[
                    task(
                        "step.execution_requested",
                        json!({"step_name": name, "started_at": started, "step_dependencies": dep}),
                    ),
                    task(
                        "step.completed",
                        json!({"step_name": name, "execution_duration": 1e300}),
                    ),
                ],
            );
        }
        let snap = m.snapshot();
        serde_json::to_string(&snap).unwrap();
        snap.runs.into_iter().next().unwrap()
    };
    let by_time = run(false);
    assert!(by_time.run.steps.iter().all(|s| s.duration_ms > Some(0)));
    assert!(!by_time.summary.critical_path.is_empty());
    let by_dependency = run(true);
    // Saturated lengths tie, so the path may stop early; it must still be a
    // stretch of the chain, ending where the first longest total ends.
    let path = &by_dependency.summary.critical_path;
    assert!(!path.is_empty());
    assert!(
        ["s0", "s0 s1", "s0 s1 s2"].contains(&path.join(" ").as_str()),
        "{path:?}"
    );
    assert!(by_dependency.summary.bottleneck.is_some());
}

#[test]
fn run_duration_starts_at_the_earlier_of_queued_and_started() {
    // Started (50) before it was queued (100), as clocks on two machines can
    // say: the run lasted from 50, so duration is never below execution time.
    let mut m = model();
    for (name, t) in [
        ("job.lifecycle.enqueue", 100),
        ("job.lifecycle.start", 50),
        ("job.lifecycle.complete", 200),
    ] {
        m.ingest(&job(name, json!({ "timestamp": t }))).unwrap();
    }
    let d = m.run("j1").unwrap();
    assert_eq!(d.run.queued_at.map(Timestamp::millis), Some(100));
    assert_eq!(d.run.started_at.map(Timestamp::millis), Some(50));
    assert_eq!(d.summary.execution_ms, Some(150));
    assert_eq!(d.summary.duration_ms, Some(150));
    assert!(d.summary.duration_ms >= d.summary.execution_ms);
}

#[test]
fn run_duration_still_starts_at_queued_when_queued_first() {
    let mut m = model();
    for (name, t) in [
        ("job.lifecycle.enqueue", 0),
        ("job.lifecycle.start", 40),
        ("job.lifecycle.complete", 100),
    ] {
        m.ingest(&job(name, json!({ "timestamp": t }))).unwrap();
    }
    let d = m.run("j1").unwrap();
    assert_eq!(d.summary.duration_ms, Some(100));
    assert_eq!(d.summary.queue_wait_ms, Some(40));
    assert_eq!(d.summary.execution_ms, Some(60));
}

fn swamp(lines: &[String]) -> RunModel<FixedClock> {
    let mut m = model();
    let r = m.ingest_ndjson(&lines.join("\n"));
    assert_eq!(r.errors, vec![]);
    m
}

#[test]
fn job_dependencies_drive_the_path_but_are_not_serialised() {
    let m = &mut swamp(&[
        r#"{"kind":"started","runId":"r","workflowName":"w","jobs":[{"id":"a","stepCount":1,"dependsOn":[]},{"id":"b","stepCount":1,"dependsOn":[]},{"id":"c","stepCount":1,"dependsOn":["a"]}],"timestamp":0}"#.into(),
        r#"{"kind":"step_started","jobId":"a","stepId":"x","timestamp":0}"#.into(),
        r#"{"kind":"step_started","jobId":"b","stepId":"y","timestamp":0}"#.into(),
        r#"{"kind":"step_completed","jobId":"a","stepId":"x","timestamp":100}"#.into(),
        r#"{"kind":"step_completed","jobId":"b","stepId":"y","timestamp":180}"#.into(),
        r#"{"kind":"step_started","jobId":"c","stepId":"z","timestamp":100}"#.into(),
        r#"{"kind":"step_completed","jobId":"c","stepId":"z","timestamp":190}"#.into(),
        r#"{"kind":"completed","runId":"r","timestamp":190}"#.into(),
    ]);
    let d = m.run("r").unwrap();
    assert_eq!(d.summary.critical_path, vec!["a/x", "c/z"]);
    assert_eq!(d.summary.bottleneck.as_deref(), Some("a/x"));
    let z = d.run.steps.iter().find(|s| s.id == "c/z").unwrap();
    assert!(z.depends_on.is_empty(), "{:?}", z.depends_on);
    let text = serde_json::to_string(&d).unwrap();
    assert!(!text.contains("dependsOn\":[\"a/x"), "{text}");
}

#[test]
fn a_300_by_300_job_fan_out_keeps_the_snapshot_small() {
    const N: usize = 300;
    let mut lines = vec![format!(
        r#"{{"kind":"started","runId":"r","workflowName":"w","jobs":[{{"id":"a","stepCount":{N},"dependsOn":[]}},{{"id":"b","stepCount":{N},"dependsOn":["a"]}}],"timestamp":0}}"#
    )];
    for i in 0..N {
        lines.push(format!(
            r#"{{"kind":"step_started","jobId":"a","stepId":"a{i}","timestamp":0}}"#
        ));
        lines.push(format!(
            r#"{{"kind":"step_completed","jobId":"a","stepId":"a{i}","timestamp":{}}}"#,
            10 + i
        ));
    }
    for i in 0..N {
        lines.push(format!(
            r#"{{"kind":"step_started","jobId":"b","stepId":"b{i}","timestamp":400}}"#
        ));
        lines.push(format!(
            r#"{{"kind":"step_completed","jobId":"b","stepId":"b{i}","timestamp":{}}}"#,
            410 + (i % 7)
        ));
    }
    let m = &mut swamp(&lines);
    let snap = timed("300x300 fan-out snapshot", Duration::from_secs(10), || {
        m.snapshot()
    });
    let d = &snap.runs[0];
    assert!(d.run.steps.iter().all(|s| s.depends_on.is_empty()));
    // The longest a-step (a299, 309 ms) then the longest b-step (b6, 16 ms).
    assert_eq!(d.summary.critical_path, vec!["a/a299", "b/b6"]);
    let text = serde_json::to_string(&snap).unwrap();
    eprintln!("300x300 fan-out snapshot: {} bytes", text.len());
    assert!(text.len() < 400_000, "{} bytes", text.len());
    assert!(!text.contains("dependsOn\":[\"a/"));
}
