//! Native benchmarks of the core: events/s (criterion, `Throughput::Elements`)
//! and allocations per event (a counting global allocator) for the bridge, the
//! run model's ingest per dialect, the snapshot and each exporter.
//!
//! ```sh
//! BENCH_QUICK=1 cargo bench --bench core      # about a minute of running on 2 cores
//! cargo bench --bench core                    # longer criterion measurements
//! cargo bench --bench core -- bridge          # criterion's name filter
//! ```
//!
//! Inputs are generated here, deterministically: the swamp stream mirrors
//! `bench/generate.mjs` (seeded xorshift32, runs x steps, forEach names, 5%
//! failures; byte-identical lines), and the orchestrator and Tasker streams
//! repeat `www/samples/orchestrator-build.ndjson` and `tasker-checkout.ndjson`
//! with fresh ids and shifted timestamps until they are as long as the swamp
//! stream. Clock and ids are injected (fixed clock, UUID-shaped sequential
//! ids); every event carries a timestamp.
//!
//! After criterion, one more pass per path counts allocations and bytes, takes
//! the path's time per call from criterion's estimates of this run (or, for a
//! path criterion's filter skipped, times a few calls itself), prints a table
//! and writes `target/bench/native.json` (or under `$CARGO_TARGET_DIR`).
//!
//! Environment: `BENCH_QUICK=1` (short criterion settings), `BENCH_RUNS`,
//! `BENCH_STEPS` (swamp stream size, default 200 x 50 as `bench/config.json`),
//! `BENCH_JSON=0` (skip the allocation pass and native.json),
//! `BENCH_ONLY=<group/name>` (run that one path `BENCH_ITERS` times, default
//! 1, and nothing else: for callgrind, dhat or perf; the profiled call is
//! `profile_target`),
//! `BENCH_DUMP_DIR=dir` (write the generated streams there, e.g. to compare
//! with `bench/generate.mjs`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::any::Any;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant, SystemTime};

use criterion::{Criterion, SamplingMode, Throughput};
use serde_json::{json, Value};
use workflow_telemetry::bridge::BridgeConfig;
use workflow_telemetry::export::{
    export_metrics, export_traces, export_traces_jsonl, lifecycle_records, to_json_lines,
    LogOptions, MetricsOptions, TraceOptions,
};
use workflow_telemetry::run::{RunModel, RunModelOptions, Snapshot};
use workflow_telemetry::{Event, FixedClock, NdjsonOptions, TelemetryBridge, Timestamp};

// ---------------------------------------------------------------------------
// Counting allocator
// ---------------------------------------------------------------------------

/// `System`, counting calls and bytes as dhat does: `alloc`, `alloc_zeroed`
/// and `realloc` are each one allocation, of the (new) size requested;
/// deallocations are not counted. Counting is switched on only around the
/// counted pass, so timed code pays one relaxed load per allocation, not
/// three locked adds.
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicU64 = AtomicU64::new(0);
static REALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

fn record(bytes: usize, realloc: bool) {
    if COUNTING.load(Relaxed) {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(bytes as u64, Relaxed);
        if realloc {
            REALLOCS.fetch_add(1, Relaxed);
        }
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size(), false);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size(), false);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size, true);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Debug, Clone, Copy)]
struct AllocCount {
    allocs: u64,
    reallocs: u64,
    bytes: u64,
}

fn alloc_snapshot() -> AllocCount {
    AllocCount {
        allocs: ALLOCS.load(Relaxed),
        reallocs: REALLOCS.load(Relaxed),
        bytes: BYTES.load(Relaxed),
    }
}

/// Allocations made by `f` (the drop of its result excluded).
fn count_allocs<T>(f: impl FnOnce() -> T) -> (AllocCount, T) {
    let a = alloc_snapshot();
    COUNTING.store(true, Relaxed);
    let out = f();
    COUNTING.store(false, Relaxed);
    let b = alloc_snapshot();
    let count = AllocCount {
        allocs: b.allocs - a.allocs,
        reallocs: b.reallocs - a.reallocs,
        bytes: b.bytes - a.bytes,
    };
    (count, out)
}

// ---------------------------------------------------------------------------
// Deterministic inputs
// ---------------------------------------------------------------------------

const ORCHESTRATOR_SAMPLE: &str = include_str!("../www/samples/orchestrator-build.ndjson");
const TASKER_SAMPLE: &str = include_str!("../www/samples/tasker-checkout.ndjson");

/// `bench/generate.mjs`'s `rng`: xorshift32, floats in [0, 1).
struct XorShift32(u32);

impl XorShift32 {
    fn new(seed: u32) -> Self {
        XorShift32(if seed == 0 { 1 } else { seed })
    }

    fn next(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        f64::from(x) / 4_294_967_296.0
    }

    /// `Math.floor(rand() * n)`.
    fn below(&mut self, n: i64) -> i64 {
        (self.next() * n as f64).floor() as i64
    }
}

fn millis(iso: &str) -> i64 {
    Timestamp::parse_iso(iso)
        .expect("valid ISO instant")
        .millis()
}

/// `bench/generate.mjs`'s `swampStream`, line for line (same keys in the same
/// order, same numbers): NDJSON text and its number of lines.
fn swamp_stream(runs: usize, steps: usize, fail_rate: f64, seed: u32) -> (String, u64) {
    let mut rand = XorShift32::new(seed);
    let mut out = String::new();
    let mut n = 0u64;
    let mut t = millis("2026-02-05T10:00:00.000Z");
    let mut line = |out: &mut String, args: std::fmt::Arguments<'_>| {
        out.write_fmt(args).expect("writing to a String");
        out.push('\n');
        n += 1;
    };
    for r in 0..runs {
        line(
            &mut out,
            format_args!(
                r#"{{"kind":"started","runId":"run-{r}","workflowName":"wf-{}","timestamp":{t}}}"#,
                r % 7
            ),
        );
        for s in 0..steps {
            let job = format!("job-{}", s / 10);
            let step = format!("deploy-{}-{s}", ["us:east", "eu-west", "ap-south"][s % 3]);
            let ids = format!(r#""jobId":"{job}","stepId":"{step}""#);
            t += 1 + rand.below(5);
            line(
                &mut out,
                format_args!(r#"{{"kind":"step_started",{ids},"timestamp":{t}}}"#),
            );
            line(
                &mut out,
                format_args!(
                    r#"{{"kind":"model_resolved",{ids},"modelName":"model-{s}","modelType":"command/shell","methodName":"run","timestamp":{t}}}"#
                ),
            );
            line(
                &mut out,
                format_args!(
                    r#"{{"kind":"method_executing",{ids},"modelName":"model-{s}","methodName":"run","driver":"raw","timestamp":{t}}}"#
                ),
            );
            t += 10 + rand.below(200);
            if rand.next() < fail_rate {
                line(
                    &mut out,
                    format_args!(
                        r#"{{"kind":"step_failed",{ids},"error":"exit code 1 from model-{s}\nstack trace","timestamp":{t}}}"#
                    ),
                );
            } else {
                line(
                    &mut out,
                    format_args!(r#"{{"kind":"method_output",{ids},"line":"ok","timestamp":{t}}}"#),
                );
                line(
                    &mut out,
                    format_args!(
                        r#"{{"kind":"step_completed",{ids},"executor":"loopback","timestamp":{t}}}"#
                    ),
                );
            }
        }
        line(
            &mut out,
            format_args!(r#"{{"kind":"completed","runId":"run-{r}","timestamp":{t}}}"#),
        );
    }
    (out, n)
}

/// `sample` repeated `reps` times, each copy with `rename(i, line)` applied to
/// every line: NDJSON text and its number of lines.
fn repeat_sample(
    sample: &str,
    reps: usize,
    rename: impl Fn(usize, &str) -> String,
) -> (String, u64) {
    let lines: Vec<&str> = sample.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut out = String::with_capacity(sample.len() * reps + reps * lines.len() * 8);
    for i in 0..reps {
        for l in &lines {
            out.push_str(&rename(i, l));
            out.push('\n');
        }
    }
    (out, (lines.len() * reps) as u64)
}

/// The `YYYY-MM-DDTHH:MM:` prefix of `base` plus `minutes`.
fn minute_prefix(base: &str, minutes: usize) -> String {
    let t = Timestamp::from_millis(millis(base) + minutes as i64 * 60_000).expect("in range");
    t.to_string()[..17].to_string()
}

/// The orchestrator sample (one job, 11 events) repeated: job `job-<i>`,
/// correlation id `c-<i>`, the whole job shifted by `i` minutes.
fn orchestrator_stream(reps: usize) -> (String, u64) {
    repeat_sample(ORCHESTRATOR_SAMPLE, reps, |i, l| {
        assert!(l.contains("\"job_id\":\"job-4821\""), "sample changed: {l}");
        l.replace(
            "\"job_id\":\"job-4821\"",
            &format!("\"job_id\":\"job-{i}\""),
        )
        .replace("\"c-9f2e1a\"", &format!("\"c-{i:06x}\""))
        .replace(
            "2026-02-05T11:00:",
            &minute_prefix("2026-02-05T11:00:00.000Z", i),
        )
    })
}

/// The Tasker sample (one task of 4 steps, one retried, 33 events) repeated:
/// task id `100000 + i`, step ids `1000000 + 4i + k`, correlation id
/// `tsk_<i>`, the whole task shifted by `i` minutes.
fn tasker_stream(reps: usize) -> (String, u64) {
    repeat_sample(TASKER_SAMPLE, reps, |i, l| {
        assert!(l.contains("\"task_id\":4812,"), "sample changed: {l}");
        let mut s = l
            .replace(
                "\"task_id\":4812,",
                &format!("\"task_id\":{},", 100_000 + i),
            )
            .replace("\"tsk_lx2v9k_ab12cd\"", &format!("\"tsk_{i:013x}\""))
            .replace(
                "2026-02-05T14:30:",
                &minute_prefix("2026-02-05T14:30:00.000Z", i),
            );
        // Two phases, so a new id can never be taken for an old one.
        for k in 0..4 {
            s = s.replace(&format!("{}", 19231 + k), &format!("@step{k}@"));
        }
        for k in 0..4 {
            s = s.replace(&format!("@step{k}@"), &format!("{}", 1_000_000 + 4 * i + k));
        }
        s
    })
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// One generated stream.
struct Stream {
    name: &'static str,
    text: String,
    events: u64,
}

impl Stream {
    fn lines(&self) -> impl Iterator<Item = &str> {
        self.text.lines().filter(|l| !l.trim().is_empty())
    }

    fn values(&self) -> Vec<Value> {
        self.lines()
            .map(|l| serde_json::from_str(l).expect("generated JSON"))
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Paths under test
// ---------------------------------------------------------------------------

const PARENT: &str = "00000000-0000-4000-8000-000000000000";

fn bridge_config() -> BridgeConfig {
    BridgeConfig {
        parent_invocation_id: PARENT.into(),
        version: "1.4.0".into(),
        runtime_version: "2.1.0".into(),
        platform: "linux".into(),
        invocation_context: None,
    }
}

/// UUID-shaped sequential ids: one 36-byte allocation per id, like `RandomIds`.
fn uuid_ids() -> impl FnMut() -> String {
    let mut n = 0u64;
    move || {
        n += 1;
        let mut s = String::with_capacity(36);
        let _ = write!(s, "00000000-0000-4000-8000-{n:012x}");
        s
    }
}

fn fixed_clock() -> FixedClock {
    FixedClock::new([Timestamp::from_millis(millis("2026-02-05T10:00:00.000Z")).expect("in range")])
}

fn model_options() -> RunModelOptions {
    RunModelOptions {
        bridge: bridge_config(),
        ..Default::default()
    }
}

fn ingest_all<'t>(streams: impl IntoIterator<Item = &'t str>) -> RunModel<FixedClock> {
    let mut model = RunModel::new(model_options(), fixed_clock());
    for text in streams {
        let report = model.ingest_ndjson(text);
        assert!(
            report.errors.is_empty(),
            "rejected: {:?}",
            report.errors.first()
        );
    }
    model
}

type Routine<'a> = Box<dyn FnMut() -> Box<dyn Any> + 'a>;

/// A benchmarked path: criterion group and name, events it processes per
/// call, what it produces, and the call itself (its result is dropped outside
/// the measurement).
struct Case<'a> {
    group: &'static str,
    name: String,
    events: u64,
    input_bytes: usize,
    note: &'static str,
    run: Routine<'a>,
}

impl Case<'_> {
    fn id(&self) -> String {
        format!("{}/{}", self.group, self.name)
    }
}

fn cases<'a>(
    swamp: &'a Stream,
    dialects: &'a [Stream; 3],
    swamp_events: &'a [Event<'a>],
    values: &'a [Vec<Value>; 3],
    all_events: u64,
    snapshot: &'a Snapshot,
) -> Vec<Case<'a>> {
    let mut v: Vec<Case<'a>> = Vec::new();
    let last_at = swamp_events.iter().filter_map(|e| e.timestamp).max();

    v.push(Case {
        group: "bridge",
        name: "parse_events".into(),
        events: swamp.events,
        input_bytes: swamp.text.len(),
        note: "Event::from_json per swamp line (the bridge's typed read, no state machine)",
        run: Box::new(move || {
            let mut ok = 0usize;
            for l in swamp.lines() {
                ok += usize::from(black_box(Event::from_json(l)).is_ok());
            }
            Box::new(ok)
        }),
    });
    v.push(Case {
        group: "bridge",
        name: "observe".into(),
        events: swamp.events,
        input_bytes: swamp.text.len(),
        note: "TelemetryBridge::observe per pre-parsed swamp event, then finalize_at (entries kept, not serialised)",
        run: Box::new(move || {
            let mut bridge = TelemetryBridge::new(bridge_config(), fixed_clock(), uuid_ids());
            let mut entries = Vec::new();
            for e in swamp_events {
                entries.extend(bridge.observe(e));
            }
            entries.extend(bridge.finalize_at(None, last_at));
            Box::new(entries)
        }),
    });
    v.push(Case {
        group: "bridge",
        name: "observe_ndjson".into(),
        events: swamp.events,
        input_bytes: swamp.text.len(),
        note: "TelemetryBridge::observe_ndjson over the whole swamp text (parse, observe, entries serialised as NDJSON)",
        run: Box::new(move || {
            let mut bridge = TelemetryBridge::new(bridge_config(), fixed_clock(), uuid_ids());
            Box::new(bridge.observe_ndjson(&swamp.text, NdjsonOptions::default()))
        }),
    });

    for (i, s) in dialects.iter().enumerate() {
        v.push(Case {
            group: "json_floor",
            name: format!("parse_value/{}", s.name),
            events: s.events,
            input_bytes: s.text.len(),
            note:
                "serde_json::from_str::<Value> per line: the parse floor of the run model's ingest",
            run: Box::new(move || {
                let mut n = 0usize;
                for l in s.lines() {
                    let v: Value = serde_json::from_str(l).expect("generated JSON");
                    n += usize::from(black_box(&v).is_object());
                }
                Box::new(n)
            }),
        });
        v.push(Case {
            group: "run_model",
            name: format!("ingest_ndjson/{}", s.name),
            events: s.events,
            input_bytes: s.text.len(),
            note: "RunModel::ingest_ndjson over the whole text, into a new model",
            run: Box::new(move || Box::new(ingest_all([s.text.as_str()]))),
        });
        let vals = &values[i];
        v.push(Case {
            group: "run_model",
            name: format!("ingest_value/{}", s.name),
            events: s.events,
            input_bytes: s.text.len(),
            note: "RunModel::ingest per pre-parsed serde_json::Value, into a new model",
            run: Box::new(move || {
                let mut model = RunModel::new(model_options(), fixed_clock());
                for value in vals {
                    model.ingest(value).expect("valid event");
                }
                Box::new(model)
            }),
        });
    }

    let all_bytes: usize = dialects.iter().map(|s| s.text.len()).sum();
    let mut model = ingest_all(dialects.iter().map(|s| s.text.as_str()));
    v.push(Case {
        group: "run_model",
        name: "snapshot".into(),
        events: all_events,
        input_bytes: all_bytes,
        note: "RunModel::snapshot of the model of all three streams (every export starts with one)",
        run: Box::new(move || Box::new(model.snapshot())),
    });
    v.push(Case {
        group: "export",
        name: "traces".into(),
        events: all_events,
        input_bytes: all_bytes,
        note: "export_traces over the snapshot, serialised to OTLP/JSON text",
        run: Box::new(move || {
            let req = export_traces(snapshot, &TraceOptions::default());
            Box::new(serde_json::to_string(&req).expect("serialisable"))
        }),
    });
    v.push(Case {
        group: "export",
        name: "traces_jsonl".into(),
        events: all_events,
        input_bytes: all_bytes,
        note: "export_traces_jsonl over the snapshot",
        run: Box::new(move || Box::new(export_traces_jsonl(snapshot, &TraceOptions::default()))),
    });
    v.push(Case {
        group: "export",
        name: "metrics".into(),
        events: all_events,
        input_bytes: all_bytes,
        note: "export_metrics (Prometheus text 0.0.4) over the snapshot",
        run: Box::new(move || Box::new(export_metrics(snapshot, &MetricsOptions::default()))),
    });
    v.push(Case {
        group: "export",
        name: "logs".into(),
        events: all_events,
        input_bytes: all_bytes,
        note: "lifecycle_records + to_json_lines over the snapshot",
        run: Box::new(move || {
            let records = lifecycle_records(snapshot, &LogOptions::default());
            Box::new(to_json_lines(&records))
        }),
    });
    v
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

struct Settings {
    quick: bool,
    warm_up: Duration,
    measurement: Duration,
    samples: usize,
    /// Time budget of the own short measurement per path.
    own_budget: Duration,
}

fn settings() -> Settings {
    let quick = env_flag("BENCH_QUICK");
    if quick {
        Settings {
            quick,
            warm_up: Duration::from_millis(300),
            measurement: Duration::from_millis(1000),
            samples: 10,
            own_budget: Duration::from_millis(300),
        }
    } else {
        Settings {
            quick,
            warm_up: Duration::from_secs(1),
            measurement: Duration::from_secs(4),
            samples: 20,
            own_budget: Duration::from_secs(1),
        }
    }
}

fn main() {
    let started = SystemTime::now();
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    // As criterion decides: `cargo bench` passes --bench; `cargo test --benches`
    // does not (test mode runs each routine once).
    let bench_mode = has("--bench") && !has("--test") && !has("--list") && !has("--profile-time");
    let st = settings();

    let runs = env_usize("BENCH_RUNS", 200);
    let steps = env_usize("BENCH_STEPS", 50);
    let (fail_rate, seed) = (0.05, 42);
    let (text, events) = swamp_stream(runs, steps, fail_rate, seed);
    let swamp = Stream {
        name: "swamp",
        text,
        events,
    };
    // The other dialects sized like the swamp stream.
    let orch_lines = ORCHESTRATOR_SAMPLE
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    let tasker_lines = TASKER_SAMPLE
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    let orch_reps = (events as usize).div_ceil(orch_lines).max(1);
    let tasker_reps = (events as usize).div_ceil(tasker_lines).max(1);
    let (text, events) = orchestrator_stream(orch_reps);
    let orchestrator = Stream {
        name: "orchestrator",
        text,
        events,
    };
    let (text, events) = tasker_stream(tasker_reps);
    let tasker = Stream {
        name: "tasker",
        text,
        events,
    };
    let dialects = [swamp, orchestrator, tasker];
    if let Some(dir) = std::env::var_os("BENCH_DUMP_DIR") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("BENCH_DUMP_DIR writable");
        for s in &dialects {
            std::fs::write(dir.join(format!("{}.ndjson", s.name)), &s.text).expect("writable");
        }
    }
    let swamp = &dialects[0];
    let values = [
        dialects[0].values(),
        dialects[1].values(),
        dialects[2].values(),
    ];
    let swamp_events: Vec<Event<'_>> = swamp
        .lines()
        .map(|l| Event::from_json(l).expect("generated event"))
        .collect();
    let all_events: u64 = dialects.iter().map(|s| s.events).sum();
    let snapshot = ingest_all(dialects.iter().map(|s| s.text.as_str())).snapshot();
    let snapshot_runs = snapshot.runs.len();

    let mut cases = cases(
        swamp,
        &dialects,
        &swamp_events,
        &values,
        all_events,
        &snapshot,
    );

    if let Ok(only) = std::env::var("BENCH_ONLY") {
        // For profilers (callgrind, dhat, perf): run one path and nothing else.
        let case = cases
            .iter_mut()
            .find(|k| k.id() == only)
            .unwrap_or_else(|| panic!("BENCH_ONLY: no path {only:?}"));
        for _ in 0..env_usize("BENCH_ITERS", 1) {
            drop(profile_target(&mut case.run));
        }
        return;
    }

    let mut c = Criterion::default()
        .warm_up_time(st.warm_up)
        .measurement_time(st.measurement)
        .sample_size(st.samples)
        .configure_from_args();
    for group in ["bridge", "json_floor", "run_model", "export"] {
        let mut g = c.benchmark_group(group);
        g.sampling_mode(SamplingMode::Flat);
        for case in cases.iter_mut().filter(|k| k.group == group) {
            g.throughput(Throughput::Elements(case.events));
            let run = &mut case.run;
            g.bench_function(case.name.as_str(), |b| b.iter_with_large_drop(&mut *run));
        }
        g.finish();
    }
    c.final_summary();

    if !bench_mode || std::env::var("BENCH_JSON").is_ok_and(|v| v == "0") {
        return;
    }
    allocation_pass(
        &st,
        &mut cases,
        &[
            ("swamp", runs, steps, &dialects[0]),
            ("orchestrator", orch_reps, orch_lines, &dialects[1]),
            ("tasker", tasker_reps, tasker_lines, &dialects[2]),
        ],
        snapshot_runs,
        started,
    );
}

/// One counted pass per path, a short timing of its own, a table, and
/// `target/bench/native.json`.
fn allocation_pass(
    st: &Settings,
    cases: &mut [Case<'_>],
    inputs: &[(&str, usize, usize, &Stream)],
    snapshot_runs: usize,
    started: SystemTime,
) {
    println!();
    println!(
        "{:<34} {:>8} {:>12} {:>9} {:>11} {:>11}",
        "path", "events", "events/s", "ns/event", "allocs/ev", "bytes/ev"
    );
    let mut paths = Vec::new();
    for case in cases.iter_mut() {
        // Count one pass; one-time costs (lazy statics, first use of a hasher)
        // are noise over tens of thousands of events.
        let (count, out) = count_allocs(&mut case.run);
        drop(out);
        // Time per call: criterion's median from this process's run when there
        // is one (criterion's name filter may have skipped the path), else a
        // short measurement: the median of as many calls as fit the budget (at
        // least 2).
        let (median, source, calls) = match criterion_median(case, started) {
            Some(ns) => (ns / 1e9, "criterion median", None),
            None => {
                let mut times = Vec::new();
                let start = Instant::now();
                while times.len() < 2 || (start.elapsed() < st.own_budget && times.len() < 1000) {
                    let t0 = Instant::now();
                    let out = black_box((case.run)());
                    times.push(t0.elapsed());
                    drop(out);
                }
                times.sort();
                let median = times[times.len() / 2].as_secs_f64();
                (median, "own short measurement, median", Some(times.len()))
            }
        };
        let n = case.events as f64;
        let eps = n / median;
        let allocs = count.allocs as f64 / n;
        let bytes = count.bytes as f64 / n;
        println!(
            "{:<34} {:>8} {:>12.0} {:>9.0} {:>11.2} {:>11.1}",
            case.id(),
            case.events,
            eps,
            median * 1e9 / n,
            allocs,
            bytes
        );
        paths.push(json!({
            "name": case.id(),
            "note": case.note,
            "events": case.events,
            "inputBytes": case.input_bytes,
            "eventsPerSec": round(eps, 0),
            "nsPerEvent": round(median * 1e9 / n, 1),
            "medianMs": round(median * 1e3, 3),
            "timing": source,
            "timedCalls": calls,
            "allocationsPerEvent": round(allocs, 3),
            "reallocationsPerEvent": round(count.reallocs as f64 / n, 3),
            "bytesPerEvent": round(bytes, 1),
            "allocations": count.allocs,
            "bytes": count.bytes,
        }));
    }
    let mut input = serde_json::Map::new();
    for (name, reps, per, s) in inputs {
        let v = if *name == "swamp" {
            json!({"generator": "bench/generate.mjs swampStream, mirrored", "runs": reps, "steps": per,
                   "failRate": 0.05, "seed": 42, "events": s.events, "bytes": s.text.len()})
        } else {
            json!({"generator": format!("www/samples/{}.ndjson repeated with fresh ids, shifted a minute per copy",
                                        if *name == "tasker" { "tasker-checkout" } else { "orchestrator-build" }),
                   "copies": reps, "eventsPerCopy": per, "events": s.events, "bytes": s.text.len()})
        };
        input.insert((*name).to_string(), v);
    }
    let doc = json!({
        "generatedBy": "cargo bench --bench core (benches/core.rs)",
        "quick": st.quick,
        "profile": "bench (inherits [profile.release])",
        "target": std::env::consts::ARCH,
        "allocationCounting": "global allocator wrapper over System; alloc, alloc_zeroed and realloc each count as one allocation of the (new) size requested, as dhat counts; frees not counted; one pass; the drop of the path's output excluded",
        "timing": format!("per path: criterion's median time per call from this run (estimates.json), or, for a path criterion did not run, the median of at least 2 calls within {} ms", st.own_budget.as_millis()),
        "inputs": input,
        "snapshot": format!("run_model/snapshot and export/* use the model of all three streams: {snapshot_runs} runs; their events are the events ingested"),
        "paths": paths,
    });
    let dir = target_dir().join("bench");
    std::fs::create_dir_all(&dir).expect("target/bench writable");
    let file = dir.join("native.json");
    let text = serde_json::to_string_pretty(&doc).expect("serialisable") + "\n";
    std::fs::write(&file, text).expect("native.json writable");
    println!("\nwrote {}", file.display());
}

/// The profiled call of `BENCH_ONLY` (`--toggle-collect=*profile_target*`).
#[inline(never)]
fn profile_target(run: &mut Routine<'_>) -> Box<dyn Any> {
    black_box(run())
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// Criterion's median time per call (ns) of `case`, if criterion measured it
/// in this process (its `new/estimates.json` is newer than `started`).
fn criterion_median(case: &Case<'_>, started: SystemTime) -> Option<f64> {
    let root = std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("criterion"));
    let file = root
        .join(case.group)
        .join(case.name.replace('/', "_"))
        .join("new")
        .join("estimates.json");
    let fresh = std::fs::metadata(&file)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t >= started);
    if !fresh {
        return None;
    }
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&file).ok()?).ok()?;
    v["median"]["point_estimate"]
        .as_f64()
        .filter(|ns| *ns > 0.0)
}

fn round(v: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    (v * p).round() / p
}
