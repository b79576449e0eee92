//! Property tests (proptest) over random event streams of every dialect: swamp
//! `kind` events, orchestrator `job.lifecycle.*`/`job.module.*`, Tasker
//! `task.*`/`step.*`, in random orders, with duplicates, nested runs, `:` and
//! Unicode in names, missing, wrongly typed and extra fields, and timestamps
//! that are ISO strings, epoch milliseconds, absent, null or out of range.
//!
//! 1. Conservation: every accepted `method_executing` ends as exactly one
//!    child entry by the time `finalize` returns; the only other entries are
//!    synthesised pre-method failures.
//! 2. No panic, no escaped error, for any JSON line, in the bridge and the run
//!    model; `accepted + errors.len()` is the number of non-blank lines; the
//!    snapshot and every exporter run.
//! 3. The run model's counts add up, and workflow aggregates match the runs.
//! 4. Determinism: a log with timestamps gives byte-identical output twice.
//! 5. Redaction: planted secrets never appear in any output.
//!
//! Case counts are fixed (64 per property, `PROPTEST_CASES` overrides), the
//! seed is fixed (`PROPTEST_RNG_SEED` overrides), and failures are not
//! persisted to files.
//!
//! Two bugs found here were fixed, and their shrunk minimal cases stay as
//! regression tests next to the properties over the unrestricted input: a
//! `started` that made a run the root could overwrite an open invocation (a
//! lost entry), and a model named like a filtered key unmasked that key's
//! value in error text (a leak).
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use workflow_telemetry::bridge::{
    events, line_error, read_event, ABANDONED, SUPERSEDED, TERMINATED,
};
use workflow_telemetry::entry::InvocationStatus;
use workflow_telemetry::export::{
    export_metrics, export_traces, export_traces_jsonl, lifecycle_records, to_json_lines,
    to_logfmt, LogOptions, MetricsOptions, TraceOptions,
};
use workflow_telemetry::run::{
    RunModel, RunModelOptions, RunStatus, Snapshot, StepCounts, StepStatus,
};
use workflow_telemetry::{
    Event, FixedClock, LineError, NdjsonOptions, SequentialIds, TelemetryBridge, TelemetryEntry,
    Timestamp, WorkflowEvent,
};

mod fixture;
use fixture::{at, config, T0};

// ---------------------------------------------------------------------------
// Configuration and shared helpers
// ---------------------------------------------------------------------------

/// 64 cases (or `PROPTEST_CASES`), a fixed seed (or `PROPTEST_RNG_SEED`), and
/// no failure files written into the repository.
fn cfg() -> ProptestConfig {
    fixture::proptest_config()
}

/// A bridge with deterministic ids and a clock that advances 7 ms a reading.
fn bridge(readings: usize) -> TelemetryBridge {
    TelemetryBridge::new(
        config(),
        FixedClock::stepping(at(0), 7, readings.max(1)),
        SequentialIds::new("child"),
    )
}

fn model() -> RunModel<FixedClock> {
    let options = RunModelOptions {
        step_threshold_ms: Some(30_000),
        bridge: config(),
        ..Default::default()
    };
    RunModel::new(options, FixedClock::new([at(900_000)]))
}

fn ndjson(events: &[Value]) -> String {
    let mut out = String::new();
    for e in events {
        out.push_str(&serde_json::to_string(e).unwrap());
        out.push('\n');
    }
    out
}

/// The method name an entry records (`model method run <REDACTED> <method>`).
fn method_of(e: &TelemetryEntry) -> &str {
    e.invocation.args.last().map(String::as_str).unwrap_or("")
}

fn job_step_of(e: &TelemetryEntry) -> (&str, &str) {
    let wc = e
        .workflow_context
        .as_ref()
        .expect("entry without workflowContext");
    (&wc.job_name, &wc.step_name)
}

/// Every text output of a run model, by name: the snapshot, each run alone,
/// traces (JSON and JSON Lines), metrics (both formats) and logs (both formats).
fn model_outputs(m: &mut RunModel<FixedClock>) -> Vec<(&'static str, String)> {
    let snap = m.snapshot();
    let ids: Vec<String> = snap.runs.iter().map(|r| r.run.id.clone()).collect();
    let mut runs = String::new();
    for id in ids {
        let d = m.run(&id).expect("a run of the snapshot is found by id");
        runs.push_str(&serde_json::to_string(&d).unwrap());
        runs.push('\n');
    }
    let traces = TraceOptions::default();
    let records = lifecycle_records(&snap, &LogOptions::default());
    vec![
        ("snapshot", serde_json::to_string(&snap).unwrap()),
        ("runs", runs),
        (
            "otlp",
            serde_json::to_string(&export_traces(&snap, &traces)).unwrap(),
        ),
        ("otlp-jsonl", export_traces_jsonl(&snap, &traces)),
        ("metrics", export_metrics(&snap, &MetricsOptions::default())),
        (
            "openmetrics",
            export_metrics(
                &snap,
                &MetricsOptions {
                    openmetrics: true,
                    ..Default::default()
                },
            ),
        ),
        ("logs-jsonl", to_json_lines(&records)),
        ("logs-logfmt", to_logfmt(&records)),
    ]
}

// ---------------------------------------------------------------------------
// Strategies: names, timestamps, mutations
// ---------------------------------------------------------------------------

/// Job and step names that collide when joined with `:` (`a:b`/`c` vs
/// `a`/`b:c`), Unicode, spaces and the empty string.
const JOBS: &[&str] = &["a", "a:b", "build", "ünï:日本", ""];
const STEPS: &[&str] = &["c", "b:c", "🚀 deploy", "x"];
const RUNS: &[&str] = &["r1", "r:2", "rün-3"];
const MODELS: &[&str] = &["builder", "fleet-api", "m:odel", "模型", ""];
const WORKFLOWS: &[&str] = &["deploy", "nötify", "w:x"];

fn pick(pool: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(pool).prop_map(str::to_string)
}

fn iso(ms: i64) -> String {
    Timestamp::from_millis(ms).unwrap().to_string()
}

/// A valid timestamp: epoch ms (integer or fractional) or an ISO string.
fn valid_ts() -> impl Strategy<Value = Value> {
    (0i64..600_000, 0u8..3).prop_map(|(off, form)| match form {
        0 => json!(T0 + off),
        1 => json!((T0 + off) as f64 + 0.25),
        _ => json!(iso(T0 + off)),
    })
}

/// Any timestamp an event may carry: `None` means the key is absent.
fn any_ts() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        3 => Just(None),
        6 => valid_ts().prop_map(Some),
        1 => Just(Some(Value::Null)),
        1 => prop::sample::select(vec![
            json!(1e16),
            json!(-1e17),
            json!(253_402_300_800_000_i64),
            json!("99999-01-01T00:00:00Z"),
            json!("2026-13-45T99:00:00Z"),
            json!("not a date"),
            json!(true),
            json!([T0]),
        ])
        .prop_map(Some),
    ]
}

/// What to do to a well-formed event: usually nothing; sometimes drop a key,
/// give a key a value of the wrong type, or add unknown fields.
#[derive(Debug, Clone)]
enum Mutation {
    None,
    Drop(usize),
    WrongType(usize, Value),
    Extra(Vec<(String, Value)>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        12 => Just(Mutation::None),
        1 => any::<usize>().prop_map(Mutation::Drop),
        1 => (any::<usize>(), prop::sample::select(vec![
            json!(5), json!(true), json!([]), json!({}), json!(null), json!(1.5)
        ]))
            .prop_map(|(i, v)| Mutation::WrongType(i, v)),
        2 => prop::collection::vec(
            (
                prop::sample::select(vec!["dataHandles", "jobs", "line", "x:y", "ключ", "kind2"]),
                prop::sample::select(vec![json!([]), json!({"a": [1, {"b": null}]}), json!("v"), json!(-0.0)]),
            ),
            1..3,
        )
        .prop_map(|kv| Mutation::Extra(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
    ]
}

fn apply(mut v: Value, m: &Mutation) -> Value {
    if let Value::Object(map) = &mut v {
        let keys: Vec<String> = map.keys().cloned().collect();
        match m {
            Mutation::None => {}
            Mutation::Drop(i) if !keys.is_empty() => {
                map.remove(&keys[i % keys.len()]);
            }
            Mutation::WrongType(i, x) if !keys.is_empty() => {
                map.insert(keys[i % keys.len()].clone(), x.clone());
            }
            Mutation::Extra(kv) => {
                for (k, x) in kv {
                    map.entry(k.clone()).or_insert_with(|| x.clone());
                }
            }
            _ => {}
        }
    }
    v
}

fn put(map: &mut Map<String, Value>, key: &str, v: Option<Value>) {
    if let Some(v) = v {
        map.insert(key.to_string(), v);
    }
}

// ---------------------------------------------------------------------------
// Strategies: one event per dialect
// ---------------------------------------------------------------------------

/// swamp kinds, weighted towards the ones the bridge acts on.
const SWAMP_KINDS: &[&str] = &[
    "started",
    "model_resolved",
    "method_executing",
    "method_executing",
    "method_executing",
    "step_completed",
    "step_completed",
    "step_failed",
    "step_failed",
    "step_started",
    "step_skipped",
    "method_output",
    "job_started",
    "job_completed",
    "completed",
    "error",
];

/// A swamp event, well-formed before `Mutation`. Method names are made unique
/// later ([`number_methods`]).
fn swamp_event() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(SWAMP_KINDS),
        pick(JOBS),
        pick(STEPS),
        prop::option::weighted(0.4, pick(RUNS)),
        pick(RUNS),
        pick(WORKFLOWS),
        prop::option::weighted(0.7, pick(MODELS)),
        prop::option::weighted(0.6, Just("run".to_string())),
        (any::<bool>(), any::<bool>(), 0u8..4),
        any_ts(),
        mutation(),
    )
        .prop_map(
            |(kind, job, step, run_id, started_id, wf, model, method, flags, ts, m)| {
                let (user_error, allowed, error_form) = flags;
                let mut e = Map::new();
                e.insert("kind".into(), json!(kind));
                match kind {
                    "started" => {
                        e.insert("runId".into(), json!(started_id));
                        e.insert("workflowName".into(), json!(wf));
                        e.insert(
                            "jobs".into(),
                            json!([{"id": job, "dependsOn": []}, {"id": "later", "dependsOn": [job]}]),
                        );
                    }
                    "completed" | "error" | "job_started" | "job_completed" | "method_output" => {
                        put(&mut e, "runId", run_id.map(Value::from));
                        if kind.starts_with("job_") || kind == "method_output" {
                            e.insert("jobId".into(), json!(job));
                        }
                        if kind == "method_output" {
                            e.insert("stepId".into(), json!(step));
                            e.insert("line".into(), json!("output line"));
                        }
                        if kind == "error" {
                            e.insert(
                                "error".into(),
                                match error_form {
                                    0 => json!({"code": "cancelled", "message": "run cancelled"}),
                                    1 => json!("boom"),
                                    _ => json!({"message": "structural"}),
                                },
                            );
                        }
                    }
                    _ => {
                        put(&mut e, "runId", run_id.map(Value::from));
                        e.insert("jobId".into(), json!(job));
                        e.insert("stepId".into(), json!(step));
                        match kind {
                            "model_resolved" => {
                                e.insert("modelType".into(), json!("aws/ecs:v1"));
                                put(&mut e, "modelName", model.map(Value::from));
                            }
                            "method_executing" => {
                                e.insert("methodName".into(), json!("run"));
                                put(&mut e, "modelName", model.map(Value::from));
                                e.insert("driver".into(), json!("raw"));
                            }
                            "step_completed" => {
                                e.insert("executor".into(), json!("worker-1"));
                            }
                            "step_failed" => {
                                e.insert(
                                    "error".into(),
                                    json!("failed in builder\nstack: at x (y.ts:1)"),
                                );
                                if error_form == 0 {
                                    e.insert("errorType".into(), json!("UserError"));
                                }
                                e.insert("userError".into(), json!(user_error));
                                e.insert("allowedFailure".into(), json!(allowed));
                                put(&mut e, "modelName", model.map(Value::from));
                                put(&mut e, "methodName", method.map(Value::from));
                            }
                            _ => {}
                        }
                    }
                }
                put(&mut e, "timestamp", ts);
                apply(Value::Object(e), &m)
            },
        )
}

/// Gives each `method_executing` the method name `m<i>` and each `step_failed`
/// that names a non-empty method `p<i>` (i: position), so that every entry can
/// be traced back to the event that opened it.
fn number_methods(events: &mut [Value]) {
    for (i, e) in events.iter_mut().enumerate() {
        let kind = e
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let has_method = e
            .get("methodName")
            .and_then(Value::as_str)
            .is_some_and(|m| !m.is_empty());
        if !has_method {
            continue;
        }
        match kind.as_str() {
            "method_executing" => e["methodName"] = json!(format!("m{i}")),
            "step_failed" => e["methodName"] = json!(format!("p{i}")),
            _ => {}
        }
    }
}

/// Copies of some events at random later places: duplicates (same method
/// names, same timestamps).
fn with_duplicates(mut events: Vec<Value>, dups: &[(usize, usize)]) -> Vec<Value> {
    for &(from, to) in dups {
        if events.is_empty() {
            break;
        }
        let e = events[from % events.len()].clone();
        let to = to % (events.len() + 1);
        events.insert(to, e);
    }
    events
}

/// Points most step ends (and some repeats) at a step opened earlier: each
/// `step_completed`, `step_failed`, `model_resolved` and `method_executing`
/// takes, with a 3 in 5 chance, the `runId`, `jobId` and `stepId` of an
/// earlier `method_executing`, so that ends meet their starts and repeats
/// supersede, instead of mostly naming steps never opened.
fn correlate(events: &mut [Value], picks: &[usize]) {
    let mut opened: Vec<usize> = Vec::new();
    for i in 0..events.len() {
        let kind = events[i]
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let pick = picks.get(i).copied().unwrap_or(0);
        let follows = matches!(
            kind.as_str(),
            "step_completed" | "step_failed" | "model_resolved" | "method_executing"
        );
        if follows && pick % 5 < 3 && !opened.is_empty() {
            let from = events[opened[pick % opened.len()]].clone();
            if let Value::Object(map) = &mut events[i] {
                for key in ["runId", "jobId", "stepId"] {
                    match from.get(key) {
                        Some(v) if map.contains_key("jobId") => {
                            map.insert(key.into(), v.clone());
                        }
                        None => {
                            map.remove(key);
                        }
                        _ => {}
                    }
                }
            }
        }
        if kind == "method_executing" {
            opened.push(i);
        }
    }
}

/// A swamp stream: random events, ends correlated with starts, numbered
/// methods, with duplicates.
fn swamp_stream(max: usize) -> impl Strategy<Value = Vec<Value>> {
    (
        prop::collection::vec(swamp_event(), 0..max),
        prop::collection::vec(any::<usize>(), max),
        prop::collection::vec((any::<usize>(), any::<usize>()), 0..4),
    )
        .prop_map(|(mut events, picks, dups)| {
            correlate(&mut events, &picks);
            number_methods(&mut events);
            with_duplicates(events, &dups)
        })
}

const ORCH_EVENTS: &[&str] = &[
    "job.lifecycle.enqueue",
    "job.lifecycle.start",
    "job.lifecycle.complete",
    "job.lifecycle.fail",
    "job.lifecycle.cancel",
    "job.module.spawn",
    "job.module.spawn",
    "job.module.complete",
    "job.module.error",
    "job.module.panic",
    "job.lifecycle.bogus",
];

fn orchestrator_event() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(ORCH_EVENTS),
        prop::sample::select(vec!["event", "event", "event_type", "name"]),
        prop::sample::select(vec![json!("j1"), json!("j:2"), json!(7), json!("ジョブ")]),
        prop::sample::select(vec!["checkout", "compile:fe", "テスト", ""]),
        prop::option::weighted(0.5, prop::sample::select(vec!["web-shop", "pröject:x"])),
        prop::option::weighted(
            0.5,
            prop::sample::select(vec![
                json!(2400),
                json!(0),
                json!(-5),
                json!(1e300),
                json!(0.5),
            ]),
        ),
        prop::option::weighted(
            0.3,
            prop::sample::select(vec!["Pending", "Running", "queued"]),
        ),
        (any::<bool>(), any::<bool>()),
        any_ts(),
        mutation(),
    )
        .prop_map(
            |(name, name_key, job, module, project, dur, status_from, (reason, corr), ts, m)| {
                let mut e = Map::new();
                e.insert(name_key.into(), json!(name));
                e.insert("job_id".into(), job);
                if name.starts_with("job.module.") {
                    e.insert("module".into(), json!(module));
                }
                put(&mut e, "project_id", project.map(Value::from));
                put(&mut e, "duration_ms", dur);
                put(&mut e, "status_from", status_from.map(Value::from));
                if reason {
                    e.insert("reason".into(), json!("push to main"));
                    e.insert("error".into(), json!("3 tests failed"));
                }
                if corr {
                    e.insert("correlation_id".into(), json!("c-9f2e"));
                }
                put(&mut e, "timestamp", ts);
                apply(Value::Object(e), &m)
            },
        )
}

const TASKER_EVENTS: &[&str] = &[
    "task.initialize_requested",
    "task.start_requested",
    "task.started",
    "task.steps_discovery_completed",
    "task.steps_enqueued",
    "task.awaiting_dependencies",
    "task.retry_backoff_started",
    "task.blocked_by_failures",
    "task.completed",
    "task.failed",
    "task.cancelled",
    "task.resolved_manually",
    "task.retry_requested",
    "workflow.task_started",
    "workflow.viable_steps_discovered",
    "observability.task.enqueue",
    "step.initialize_requested",
    "step.enqueue_requested",
    "step.execution_requested",
    "step.execution_requested",
    "step.before_handle",
    "step.completed",
    "step.completed",
    "step.failed",
    "step.failed",
    "step.retry_requested",
    "step.cancelled",
    "step.resolved_manually",
    "step.enqueued_for_orchestration",
    "observability.step.backoff",
    "workflow.step_completed",
    "step.before_transition",
];

fn tasker_event() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(TASKER_EVENTS),
        prop::sample::select(vec!["event", "event", "event_type", "name"]),
        prop::sample::select(vec![json!(4812), json!("t:1"), json!("tâche")]),
        prop::sample::select(vec!["validate_cart", "charge:payment", "送信"]),
        prop::option::weighted(0.5, prop::sample::select(vec!["checkout", "refund:v2"])),
        prop::option::weighted(
            0.4,
            prop::sample::select(vec![
                json!(1),
                json!(2),
                json!(3),
                json!(1e12),
                json!(-3),
                json!(0.5),
            ]),
        ),
        prop::option::weighted(
            0.4,
            prop::sample::select(vec![json!(0.148), json!(0), json!(1e300), json!(-1)]),
        ),
        (
            prop::option::weighted(0.3, valid_ts()),
            prop::option::weighted(0.3, valid_ts()),
        ),
        (any::<bool>(), any::<bool>(), any::<bool>()),
        any_ts(),
        mutation(),
    )
        .prop_map(
            |(name, name_key, task, step, task_name, attempt, dur, (st, ct), flags, ts, m)| {
                let (payload, deps, err) = flags;
                let mut e = Map::new();
                e.insert(name_key.into(), json!(name));
                e.insert("task_id".into(), task);
                if name.contains("step") {
                    e.insert("step_name".into(), json!(step));
                }
                put(&mut e, "task_name", task_name.map(Value::from));
                put(&mut e, "attempt_number", attempt);
                put(&mut e, "execution_duration", dur);
                put(&mut e, "started_at", st);
                put(&mut e, "completed_at", ct);
                if payload {
                    e.insert(
                        "task_context".into(),
                        json!({"cart_id": "c1", "amount": 12}),
                    );
                    e.insert("step_inputs".into(), json!({"sku": ["a", "b"]}));
                    e.insert("step_results".into(), json!({"ok": true}));
                }
                if deps {
                    e.insert(
                        "step_dependencies".into(),
                        json!(["validate_cart", "charge:payment"]),
                    );
                }
                if err {
                    e.insert("error_message".into(), json!("gateway timeout\nbacktrace"));
                    e.insert("exception_class".into(), json!("Tasker::RetryableError"));
                    e.insert("retry_reason".into(), json!("timeout"));
                }
                e.insert("correlation_id".into(), json!("tsk_1"));
                put(&mut e, "timestamp", ts);
                apply(Value::Object(e), &m)
            },
        )
}

/// A stream mixing the three dialects, with duplicates.
fn mixed_stream(max: usize) -> impl Strategy<Value = Vec<Value>> {
    (
        prop::collection::vec(
            prop_oneof![
                2 => swamp_event(),
                1 => orchestrator_event(),
                1 => tasker_event(),
            ],
            0..max,
        ),
        prop::collection::vec(any::<usize>(), max),
        prop::collection::vec((any::<usize>(), any::<usize>()), 0..4),
    )
        .prop_map(|(mut events, picks, dups)| {
            correlate(&mut events, &picks);
            number_methods(&mut events);
            with_duplicates(events, &dups)
        })
}

/// Sets a valid timestamp on every event (for the determinism property).
fn timestamped(events: Vec<Value>, stamps: &[i64]) -> Vec<Value> {
    events
        .into_iter()
        .enumerate()
        .map(|(i, mut e)| {
            if let Value::Object(map) = &mut e {
                let off = stamps.get(i).copied().unwrap_or(i as i64);
                let v = if off % 2 == 0 {
                    json!(T0 + off)
                } else {
                    json!(iso(T0 + off))
                };
                map.insert("timestamp".into(), v);
            }
            e
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Arbitrary JSON
// ---------------------------------------------------------------------------

const KNOWN_KEYS: &[&str] = &[
    "kind",
    "event",
    "event_type",
    "name",
    "timestamp",
    "runId",
    "workflowName",
    "jobId",
    "stepId",
    "modelName",
    "modelType",
    "methodName",
    "driver",
    "error",
    "errorType",
    "userError",
    "allowedFailure",
    "executor",
    "jobs",
    "status",
    "correlationId",
    "job_id",
    "module",
    "project_id",
    "duration_ms",
    "status_from",
    "reason",
    "task_id",
    "task_uuid",
    "step_name",
    "step_id",
    "attempt_number",
    "execution_duration",
    "started_at",
    "completed_at",
    "error_message",
    "exception_class",
    "step_dependencies",
    "task_context",
    "step_inputs",
    "step_results",
    "correlation_id",
    "retry_reason",
];

const KNOWN_NAMES: &[&str] = &[
    "started",
    "method_executing",
    "step_completed",
    "step_failed",
    "model_resolved",
    "step_started",
    "completed",
    "error",
    "job_started",
    "job.lifecycle.start",
    "job.lifecycle.complete",
    "job.module.spawn",
    "job.module.panic",
    "task.completed",
    "task.initialize_requested",
    "step.failed",
    "step.retry_requested",
    "workflow.viable_steps_discovered",
    "observability.step.backoff",
    "custom.thing",
];

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        (0i64..600_000).prop_map(|o| json!(T0 + o)),
        (0i64..600_000).prop_map(|o| json!(iso(T0 + o))),
        prop::sample::select(KNOWN_NAMES).prop_map(Value::from),
        prop::sample::select(RUNS).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        Just(json!("password=hunter2 token: x \"api_key\": \"y\"")),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        3 => prop::sample::select(KNOWN_KEYS).prop_map(str::to_string),
                        1 => ".{0,6}",
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// An object that looks like an event: a name under a known key, then random
/// known and unknown keys with values of any type.
fn eventish_json() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["kind", "event", "event_type", "name"]),
        prop::sample::select(KNOWN_NAMES),
        prop::collection::vec(
            (
                prop_oneof![
                    4 => prop::sample::select(KNOWN_KEYS).prop_map(str::to_string),
                    1 => ".{0,6}",
                ],
                any_json(),
            ),
            0..10,
        ),
    )
        .prop_map(|(key, name, kv)| {
            let mut map: Map<String, Value> = kv.into_iter().collect();
            map.insert(key.to_string(), json!(name));
            Value::Object(map)
        })
}

/// Whether the stream reader takes `text` for one JSON array: its first
/// character after whitespace is `[`.
fn is_array_document(text: &str) -> bool {
    text.trim_start_matches([' ', '\t', '\r', '\n'])
        .starts_with('[')
}

/// One input line: JSON of any shape, a blank line, or text that is not JSON.
#[derive(Debug, Clone)]
enum Line {
    Json(Value),
    Blank(&'static str),
    Garbage(String),
}

fn any_line() -> impl Strategy<Value = Line> {
    prop_oneof![
        4 => eventish_json().prop_map(Line::Json),
        2 => any_json().prop_map(Line::Json),
        3 => swamp_event().prop_map(Line::Json),
        1 => orchestrator_event().prop_map(Line::Json),
        1 => tasker_event().prop_map(Line::Json),
        1 => prop::sample::select(vec!["", "   ", "\t", "\r"]).prop_map(Line::Blank),
        1 => prop_oneof![
            Just("{".to_string()),
            Just("{\"kind\":".to_string()),
            Just("nul".to_string()),
            Just("[1,2".to_string()),
            Just("{\"kind\":\"started\"} x".to_string()),
            Just("{} {}".to_string()),
            Just("{\"kind\":\"job_started\"}\t\r".to_string()),
            Just(" \t{\"kind\":\"job_started\"}".to_string()),
            "[^\n]{1,10}",
        ]
        .prop_map(Line::Garbage),
    ]
}

// ---------------------------------------------------------------------------
// Property 1: conservation in the bridge
// ---------------------------------------------------------------------------

/// Feeds `events` one by one (each line parsed as the bridge's NDJSON path
/// would), checks what each event may close, finalizes, then checks the
/// accounting over every entry, and that the NDJSON batch path agrees.
fn conservation_check(events: &[Value]) -> Result<(), TestCaseError> {
    let text = ndjson(events);
    let mut b = bridge(events.len() + 1);
    // Per method name: accepted method_executing events (opened) and accepted
    // step_failed events that may synthesise an entry.
    let mut opened: BTreeMap<String, usize> = BTreeMap::new();
    let mut may_synthesise: BTreeMap<String, usize> = BTreeMap::new();
    let mut entries: Vec<(Option<usize>, TelemetryEntry)> = Vec::new();
    let mut accepted = 0usize;
    for (i, e) in events.iter().enumerate() {
        let line = serde_json::to_string(e).unwrap();
        let Ok(event) = Event::from_json(&line) else {
            continue;
        };
        accepted += 1;
        let out = b.observe(&event);
        // Invocations drained because their run ended (or was abandoned)
        // come with any event that ends runs; at most one other entry closes.
        let drained_as = |x: &TelemetryEntry, why: &str| {
            x.result.status == InvocationStatus::Error
                && x.result.error_message.as_deref() == Some(why)
        };
        let (drains, direct): (Vec<&TelemetryEntry>, Vec<&TelemetryEntry>) = out
            .iter()
            .partition(|x| drained_as(x, TERMINATED) || drained_as(x, ABANDONED));
        for x in &drains {
            prop_assert!(method_of(x).starts_with('m'), "only invocations drain");
            let abandoned = drained_as(x, ABANDONED);
            prop_assert_eq!(
                abandoned,
                matches!(event.kind, WorkflowEvent::Started(_)),
                "event {} ({}) drained {:?}",
                i,
                &line,
                x.result.error_message
            );
        }
        let may_drain = matches!(
            event.kind,
            WorkflowEvent::Started(_)
                | WorkflowEvent::Ended(_)
                | WorkflowEvent::StepCompleted(_)
                | WorkflowEvent::StepFailed(_)
                | WorkflowEvent::StepSkipped(_)
        );
        prop_assert!(may_drain || drains.is_empty(), "event {i} ({line}) drained");
        let is_started = matches!(event.kind, WorkflowEvent::Started(_));
        prop_assert!(
            is_started || direct.len() <= 1,
            "event {i} closed {} entries",
            direct.len()
        );
        match &event.kind {
            WorkflowEvent::Started(_) => {
                // Making a run the root can put two open invocations of one
                // step on one key: the earlier is closed as superseded (W9).
                for x in &direct {
                    prop_assert_eq!(x.result.status, InvocationStatus::Error);
                    prop_assert_eq!(x.result.error_message.as_deref(), Some(SUPERSEDED));
                }
            }
            WorkflowEvent::MethodExecuting(me) => {
                *opened.entry(me.method_name.to_string()).or_default() += 1;
                if let Some(x) = direct.first() {
                    // W9: the earlier invocation of the same step, closed as an error.
                    prop_assert_eq!(x.result.status, InvocationStatus::Error);
                    prop_assert_eq!(x.result.error_message.as_deref(), Some(SUPERSEDED));
                    prop_assert_eq!(job_step_of(x), (&*me.step.job_id, &*me.step.step_id));
                }
            }
            WorkflowEvent::StepCompleted(sc) => {
                if let Some(x) = direct.first() {
                    prop_assert_eq!(x.result.status, InvocationStatus::Success);
                    prop_assert_eq!(job_step_of(x), (&*sc.step.job_id, &*sc.step.step_id));
                    prop_assert!(method_of(x).starts_with('m'));
                }
            }
            WorkflowEvent::StepFailed(sf) => {
                let named = sf.model_name.as_deref().is_some_and(|s| !s.is_empty())
                    && sf.method_name.as_deref().is_some_and(|s| !s.is_empty());
                if named {
                    *may_synthesise
                        .entry(sf.method_name.as_deref().unwrap_or("").to_string())
                        .or_default() += 1;
                }
                if let Some(x) = direct.first() {
                    let want = if sf.user_error {
                        InvocationStatus::UserError
                    } else {
                        InvocationStatus::Error
                    };
                    prop_assert_eq!(x.result.status, want);
                    prop_assert_eq!(job_step_of(x), (&*sf.step.job_id, &*sf.step.step_id));
                    if method_of(x).starts_with('p') {
                        // Synthesised: only for a step_failed naming model and method,
                        // at one instant.
                        prop_assert!(named, "synthesised entry from unnamed step_failed {i}");
                        prop_assert_eq!(Some(method_of(x)), sf.method_name.as_deref());
                        prop_assert_eq!(x.duration_ms, 0);
                    }
                }
            }
            _ => prop_assert!(direct.is_empty(), "event {i} ({line}) closed an entry"),
        }
        entries.extend(out.into_iter().map(|x| (Some(i), x)));
    }
    let in_flight = b.in_flight();
    let drained = b.finalize(None);
    prop_assert_eq!(drained.len(), in_flight);
    prop_assert_eq!(b.in_flight(), 0);
    for x in &drained {
        prop_assert_eq!(x.result.status, InvocationStatus::Error);
        prop_assert_eq!(x.result.error_message.as_deref(), Some(TERMINATED));
        prop_assert!(method_of(x).starts_with('m'));
    }
    prop_assert!(b.finalize(None).is_empty(), "finalize is idempotent");
    entries.extend(drained.into_iter().map(|x| (None, x)));

    // The accounting, on the entries themselves.
    let mut closed: BTreeMap<String, usize> = BTreeMap::new();
    let mut synthesised: BTreeMap<String, usize> = BTreeMap::new();
    for (_, x) in &entries {
        prop_assert!(x.duration_ms >= 0);
        prop_assert!(x.completed_at >= x.started_at);
        let m = method_of(x).to_string();
        if m.starts_with('m') {
            *closed.entry(m).or_default() += 1;
        } else if m.starts_with('p') {
            *synthesised.entry(m).or_default() += 1;
        } else {
            prop_assert!(false, "entry with unknown method {m:?}");
        }
    }
    prop_assert_eq!(
        &closed,
        &opened,
        "each method_executing must yield exactly one entry"
    );
    for (m, n) in &synthesised {
        prop_assert!(
            *n <= may_synthesise.get(m).copied().unwrap_or(0),
            "{} synthesised entries for {}",
            n,
            m
        );
    }
    let n_opened: usize = opened.values().sum();
    let n_synth: usize = synthesised.values().sum();
    prop_assert_eq!(entries.len(), n_opened + n_synth);
    let stats = b.stats();
    prop_assert_eq!(stats.entries as usize, entries.len());
    prop_assert_eq!(stats.synthesised as usize, n_synth);
    prop_assert_eq!(stats.events as usize, accepted);

    // The batch path sees the same events and writes the same entries.
    let mut batch = bridge(events.len() + 1);
    let report = batch.observe_ndjson(&text, NdjsonOptions::default());
    prop_assert_eq!(report.accepted, accepted);
    prop_assert_eq!(report.accepted + report.errors.len(), events.len());
    let mut all = report.entries;
    for x in batch.finalize(None) {
        all.push_str(&x.to_json());
        all.push('\n');
    }
    let mut expected = String::new();
    for (_, x) in &entries {
        expected.push_str(&x.to_json());
        expected.push('\n');
    }
    prop_assert_eq!(all, expected);
    Ok(())
}

/// Gives a `runId` to every step event that comes before the first accepted
/// `started` and has none, so that no invocation is open at the root scope
/// when the root run starts (the case of the known bug, see
/// [`conservation_rekey_to_root_keeps_both_invocations`]). Step events before
/// `started` that name their run are kept: their re-keying is still exercised.
fn scope_early_steps(mut events: Vec<Value>, run: &str) -> Vec<Value> {
    let first_started = events.iter().position(|e| {
        let line = serde_json::to_string(e).unwrap();
        matches!(Event::from_json(&line), Ok(ev) if matches!(ev.kind, WorkflowEvent::Started(_)))
    });
    let end = first_started.unwrap_or(events.len());
    for e in &mut events[..end] {
        if let Value::Object(map) = e {
            if map.contains_key("jobId") && map.get("runId").is_none_or(Value::is_null) {
                map.insert("runId".into(), json!(run));
            }
        }
    }
    events
}

proptest! {
    #![proptest_config(cfg())]

    /// Every accepted `method_executing` yields exactly one child entry by the
    /// time `finalize` returns (closed by its step's end, superseded by a
    /// repeat, or drained), and no entry exists without one, except a
    /// synthesised pre-method failure: at most one per `step_failed` naming a
    /// model and a method, with `durationMs` 0. Each entry names the job and
    /// step of the event that closed it; the batch NDJSON path writes the same
    /// entries. Step events before the first `started` carry a `runId` here
    /// (see the ignored property below for the unrestricted stream).
    #[test]
    fn conservation_every_method_executing_yields_one_entry(
        events in swamp_stream(60),
        run in pick(RUNS),
    ) {
        conservation_check(&scope_early_steps(events, &run))?;
    }

    /// The same property over unrestricted streams, where a step event without
    /// `runId` may come before any run started (the input that found the
    /// re-keying bug).
    #[test]
    fn conservation_in_any_order(events in swamp_stream(60)) {
        conservation_check(&events)?;
    }
}

/// Regression (was a lost entry): the minimal stream proptest shrank the
/// unrestricted property to: a step
/// opened under `runId` `r1` before any run started (keyed by that id), the
/// same job and step opened without `runId` (keyed as root, as there is no
/// root yet), then `started` for `r1` makes `r1` the root and re-keys the
/// first invocation onto the second's key: the second is overwritten and
/// never yields an entry (expected 2 entries, m0 and m1; got 1, m0's only).
#[test]
fn conservation_rekey_to_root_keeps_both_invocations() {
    let events = vec![
        json!({"kind": "method_executing", "runId": "r1", "jobId": "a", "stepId": "c", "methodName": "m0"}),
        json!({"kind": "method_executing", "jobId": "a", "stepId": "c", "methodName": "m1"}),
        json!({"kind": "started", "runId": "r1", "workflowName": "deploy"}),
    ];
    conservation_check(&events).unwrap();
}

// ---------------------------------------------------------------------------
// Property 2: no panic, per-line errors only
// ---------------------------------------------------------------------------

fn lines_text(lines: &[Line], crlf: bool) -> (String, usize) {
    let mut text = String::new();
    let mut non_blank = 0;
    for l in lines {
        match l {
            Line::Json(v) => {
                text.push_str(&serde_json::to_string(v).unwrap());
                non_blank += 1;
            }
            Line::Blank(b) => text.push_str(b),
            Line::Garbage(g) => {
                // A byte-order mark that begins the text is dropped (README,
                // Input framing): a first line of only that is blank. Found
                // at 10,000 cases (`make soak`): the expectation, not the
                // reader, was wrong.
                let read = match text.is_empty() {
                    true => g.strip_prefix('\u{feff}').unwrap_or(g),
                    false => g,
                };
                text.push_str(g);
                if !read.trim().is_empty() {
                    non_blank += 1;
                }
            }
        }
        text.push_str(if crlf { "\r\n" } else { "\n" });
    }
    (text, non_blank)
}

proptest! {
    #![proptest_config(cfg())]

    /// For any JSON lines (and blank and non-JSON ones), both NDJSON entry
    /// points return, one error per rejected line with its line number, and
    /// `accepted + errors.len()` is the number of non-blank lines; then
    /// `finalize`, `snapshot`, `run`, `redact_event` and every exporter run.
    #[test]
    fn any_json_lines_are_accepted_or_reported_never_a_panic(
        lines in prop::collection::vec(any_line(), 0..40),
        crlf in any::<bool>(),
    ) {
        let (text, non_blank) = lines_text(&lines, crlf);
        // A text whose first character is `[` is read as one JSON array
        // (tests/streams.rs); this property is about NDJSON.
        prop_assume!(!is_array_document(&text));
        let total_lines = text.split('\n').count();

        let mut b = bridge(lines.len() + 1);
        let report = b.observe_ndjson(&text, NdjsonOptions::default());
        prop_assert_eq!(report.accepted + report.errors.len(), non_blank);
        prop_assert!(report.errors.windows(2).all(|w| w[0].line < w[1].line));
        prop_assert!(report.errors.iter().all(|e| e.line >= 1 && e.line <= total_lines));
        for l in report.entries.lines() {
            let v: Value = serde_json::from_str(l).unwrap();
            prop_assert!(TelemetryEntry::from_data(&v).is_ok());
        }
        let _ = b.finalize(None);

        let mut m = model();
        let report = m.ingest_ndjson(&text);
        prop_assert_eq!(report.accepted + report.errors.len(), non_blank);
        prop_assert!(report.errors.windows(2).all(|w| w[0].line < w[1].line));
        prop_assert!(report.errors.iter().all(|e| e.line >= 1 && e.line <= total_lines));
        for l in &lines {
            if let Line::Json(v) = l {
                let _ = m.redact_event(v);
                // One event at a time too: an error, never a panic.
                let _ = m.ingest(v);
            }
        }
        for (name, out) in model_outputs(&mut m) {
            match name {
                "snapshot" | "otlp" => {
                    prop_assert!(serde_json::from_str::<Value>(&out).is_ok(), "{} is not JSON", name);
                }
                "runs" | "otlp-jsonl" | "logs-jsonl" => {
                    for l in out.lines() {
                        prop_assert!(serde_json::from_str::<Value>(l).is_ok(), "{} line is not JSON", name);
                    }
                }
                _ => {}
            }
        }
        let _ = m.run("r1");
        let _ = m.run_in("j1", Some(workflow_telemetry::run::Dialect::Orchestrator));
    }
}

// ---------------------------------------------------------------------------
// Property 2b: the fast line reader agrees with serde_json
// ---------------------------------------------------------------------------

/// The reference reading of one line: the limits check, then serde_json.
fn read_event_reference<'a>(
    body: &'a str,
    options: &NdjsonOptions,
) -> Result<Event<'a>, LineError> {
    if let Some(e) = LineError::over_limits(7, body, options) {
        return Err(e);
    }
    Event::from_json_serde(body).map_err(|e| line_error(7, &e))
}

/// An edit to JSON text: insert a byte that matters to a JSON reader, or
/// delete one, at a position (taken modulo the length).
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, char),
    Delete(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let ch = prop::sample::select(vec![
        '{', '}', '[', ']', '"', ',', ':', '\\', ' ', '\t', '\n', '\r', '0', '1', '-', '.', 'e',
        'u', 'n', 't', 'f', 'x', '\u{1}', '\u{e9}', '\u{a0}',
    ]);
    prop_oneof![
        (any::<usize>(), ch).prop_map(|(at, c)| Edit::Insert(at, c)),
        any::<usize>().prop_map(Edit::Delete),
    ]
}

fn apply_edit(text: &mut String, e: &Edit) {
    let boundary = |text: &String, at: usize| {
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    match *e {
        Edit::Insert(at, c) => {
            let at = boundary(text, at);
            text.insert(at, c);
        }
        Edit::Delete(at) if !text.is_empty() => {
            let at = boundary(text, at) % text.len();
            let at = boundary(text, at);
            text.remove(at);
        }
        Edit::Delete(_) => {}
    }
}

proptest! {
    #![proptest_config(cfg())]

    /// The bridge reads a line with a fast scanner when it can and with
    /// serde_json otherwise. For any line (JSON of any shape, compact or
    /// pretty, then randomly edited so that most are broken) and any limits,
    /// the result is exactly the reference's: the same event, or the same
    /// error with the same kind, field and message.
    #[test]
    fn fast_line_reader_agrees_with_serde_json(
        line in any_line(),
        pretty in any::<bool>(),
        edits in prop::collection::vec(edit(), 0..3),
        max_depth in prop::sample::select(vec![0usize, 1, 2, 3, 64, 200]),
        max_line_bytes in prop::sample::select(vec![8usize, 1 << 20]),
    ) {
        let mut text = match &line {
            Line::Json(v) if pretty => serde_json::to_string_pretty(v).unwrap(),
            Line::Json(v) => v.to_string(),
            Line::Blank(b) => b.to_string(),
            Line::Garbage(g) => g.clone(),
        };
        for e in &edits {
            apply_edit(&mut text, e);
        }
        let options = NdjsonOptions { max_line_bytes, max_depth };
        prop_assert_eq!(
            read_event(7, &text, &options),
            read_event_reference(&text, &options),
            "line {:?}", text
        );
        // One event at a time (the `observe` path): the same, as serde_json.
        prop_assert_eq!(
            format!("{:?}", Event::from_json(&text)),
            format!("{:?}", Event::from_json_serde(&text)),
            "text {:?}", text
        );
    }
}

proptest! {
    #![proptest_config(cfg())]

    /// The batch path reads lines and events in one pass; for any text (lines
    /// of any kind, `\n` or `\r\n`, then randomly edited across line
    /// boundaries) and any limits, it yields exactly what splitting into lines
    /// and reading each line gives.
    #[test]
    fn one_pass_batch_reader_agrees_with_line_by_line(
        lines in prop::collection::vec(any_line(), 0..12),
        crlf in any::<bool>(),
        edits in prop::collection::vec(edit(), 0..4),
        max_depth in prop::sample::select(vec![0usize, 1, 2, 64]),
        max_line_bytes in prop::sample::select(vec![8usize, 40, 1 << 20]),
    ) {
        let (mut text, _) = lines_text(&lines, crlf);
        for e in &edits {
            apply_edit(&mut text, e);
        }
        let options = NdjsonOptions { max_line_bytes, max_depth };
        let one_pass: Vec<_> = events(&text, options).collect();
        let by_line: Vec<_> = workflow_telemetry::ndjson::lines(&text)
            .map(|(line, body)| (line, read_event(line, body, &options)))
            .collect();
        prop_assert_eq!(one_pass, by_line, "text {:?}", text);
    }
}

proptest! {
    #![proptest_config(cfg())]

    /// The run model reads plain lines with the event scanner and the rest
    /// with serde_json. For any stream of the three dialects (with wrong
    /// types, repeated events and keys, garbage lines, then random edits
    /// across lines) and any limits, it builds exactly the model and report
    /// that reading every line through serde_json builds: every output the same.
    #[test]
    fn run_model_fast_path_agrees_with_serde_json(
        events in mixed_stream(30),
        extra in prop::collection::vec((any::<usize>(), any_line()), 0..4),
        merges in prop::collection::vec((any::<usize>(), any::<usize>()), 0..3),
        crlf in any::<bool>(),
        edits in prop::collection::vec(edit(), 0..3),
        max_depth in prop::sample::select(vec![1usize, 2, 3, 64]),
        max_line_bytes in prop::sample::select(vec![60usize, 1 << 20]),
    ) {
        let mut lines: Vec<String> = events.iter().map(Value::to_string).collect();
        // Two events in one object: repeated keys (the last one counts).
        for (a, b) in &merges {
            if lines.is_empty() {
                break;
            }
            let (a, b) = (&lines[a % lines.len()], &lines[b % lines.len()]);
            if a.len() > 2 && b.len() > 2 {
                let merged = format!("{},{}", &a[..a.len() - 1], &b[1..]);
                lines.push(merged);
            }
        }
        for (at, line) in &extra {
            let text = match line {
                Line::Json(v) => v.to_string(),
                Line::Blank(b) => b.to_string(),
                Line::Garbage(g) => g.clone(),
            };
            lines.insert(at % (lines.len() + 1), text);
        }
        let mut text = lines.join(if crlf { "\r\n" } else { "\n" });
        for e in &edits {
            apply_edit(&mut text, e);
        }
        prop_assume!(!is_array_document(&text));
        let options = || RunModelOptions {
            ndjson: NdjsonOptions { max_line_bytes, max_depth },
            ..RunModelOptions::default()
        };
        let mut fast = RunModel::new(options(), FixedClock::new([at(900_000)]));
        let mut slow = RunModel::new(options(), FixedClock::new([at(900_000)]));
        prop_assert_eq!(fast.ingest_ndjson(&text), slow.ingest_ndjson_serde(&text), "text {:?}", text);
        for ((name, a), (_, b)) in model_outputs(&mut fast).iter().zip(&model_outputs(&mut slow)) {
            // The internal bridge's entry ids are random.
            prop_assert_eq!(mask_uuids(a), mask_uuids(b), "{} of {:?}", name, text);
        }
    }
}

// ---------------------------------------------------------------------------
// Property 3: counts add up, aggregates match
// ---------------------------------------------------------------------------

fn bucket_counts(statuses: impl Iterator<Item = StepStatus>) -> StepCounts {
    let mut c = StepCounts::default();
    for s in statuses {
        c.spawned += 1;
        match s {
            StepStatus::Pending | StepStatus::Queued => c.pending += 1,
            StepStatus::Running | StepStatus::Retrying => c.running += 1,
            StepStatus::Completed => c.completed += 1,
            StepStatus::Failed => c.failed += 1,
            StepStatus::Panicked => c.panicked += 1,
            StepStatus::Cancelled => c.cancelled += 1,
            StepStatus::Skipped => c.skipped += 1,
        }
    }
    c
}

/// Per workflow name: runs, failed runs, and terminal step durations by step name.
type Tally<'a> = (u32, u32, BTreeMap<&'a str, Vec<i64>>);

fn check_counts(snap: &Snapshot) -> Result<(), TestCaseError> {
    for d in &snap.runs {
        let c = d.summary.counts;
        let sum =
            c.pending + c.running + c.completed + c.failed + c.panicked + c.cancelled + c.skipped;
        prop_assert_eq!(
            sum,
            c.spawned,
            "buckets of run {} do not add up: {:?}",
            d.run.id,
            c
        );
        prop_assert!(c.adds_up());
        prop_assert_eq!(c.spawned as usize, d.run.steps.len());
        prop_assert_eq!(c, bucket_counts(d.run.steps.iter().map(|s| s.status)));
        prop_assert_eq!(d.summary.violation_count, d.run.violations.len());
    }
    // Aggregates: one per workflow (run) name, sorted, matching the runs.
    let mut by_name: BTreeMap<&str, Tally<'_>> = BTreeMap::new();
    for d in &snap.runs {
        let t = by_name.entry(d.run.name.as_str()).or_default();
        t.0 += 1;
        if d.run.status == RunStatus::Failed {
            t.1 += 1;
        }
        for s in &d.run.steps {
            if let (true, Some(ms)) = (s.status.is_terminal(), s.duration_ms) {
                t.2.entry(s.name.as_str()).or_default().push(ms);
            }
        }
    }
    prop_assert_eq!(snap.workflows.len(), by_name.len());
    let total: u32 = snap.workflows.iter().map(|w| w.runs).sum();
    prop_assert_eq!(total as usize, snap.runs.len());
    for (w, (name, (runs, failed, steps))) in snap.workflows.iter().zip(&by_name) {
        prop_assert_eq!(&w.name, name);
        prop_assert_eq!(w.runs, *runs);
        prop_assert_eq!(w.failed, *failed);
        prop_assert!(w.failed <= w.runs);
        prop_assert_eq!(w.failure_rate, f64::from(*failed) / f64::from(*runs));
        prop_assert_eq!(w.steps.len(), steps.len());
        for (st, (sname, durations)) in w.steps.iter().zip(steps) {
            prop_assert_eq!(&st.name, sname);
            prop_assert_eq!(st.count as usize, durations.len());
            prop_assert!(st.p50_ms <= st.p95_ms);
            prop_assert!(durations.contains(&st.p50_ms) && durations.contains(&st.p95_ms));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(cfg())]

    /// For every run, `spawned` equals the sum of the step buckets and the
    /// number of steps, and the buckets match the steps' statuses; workflow
    /// aggregates have one entry per run name with matching run, failure and
    /// step-duration counts. Checked after every batch, not only at the end.
    #[test]
    fn run_counts_add_up_and_aggregates_match(
        batches in prop::collection::vec(mixed_stream(50), 1..4),
    ) {
        let mut m = model();
        for events in &batches {
            let report = m.ingest_ndjson(&ndjson(events));
            prop_assert_eq!(report.accepted + report.errors.len(), events.len());
            check_counts(&m.snapshot())?;
        }
    }
}

// ---------------------------------------------------------------------------
// Property 4: determinism
// ---------------------------------------------------------------------------

/// Entry ids of the run model's internal bridge are random v4 UUIDs: masked
/// before comparing.
fn mask_uuids(text: &str) -> String {
    let re = regex_lite::Regex::new(
        "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
    )
    .unwrap();
    re.replace_all(text, "<uuid>").into_owned()
}

fn has_uuid(text: &str) -> bool {
    mask_uuids(text) != text
}

/// Everything a replay produces: bridge entries (sequential ids), then every
/// run model output.
fn replay(text: &str) -> Vec<(&'static str, String)> {
    let mut b: TelemetryBridge = TelemetryBridge::new(
        config(),
        FixedClock::new([at(0)]),
        SequentialIds::new("child"),
    );
    let report = b.observe_ndjson(text, NdjsonOptions::default());
    let mut entries = report.entries;
    let last = b.last_event_at();
    for x in b.finalize_at(None, last) {
        entries.push_str(&x.to_json());
        entries.push('\n');
    }
    let mut m = model();
    let ingest = m.ingest_ndjson(text);
    let mut out = vec![
        ("bridge", entries),
        ("ingest-report", serde_json::to_string(&ingest).unwrap()),
    ];
    out.extend(model_outputs(&mut m));
    out
}

fn check_deterministic(text: &str) -> Result<(), TestCaseError> {
    let first = replay(text);
    let second = replay(text);
    for ((name, a), (_, b)) in first.iter().zip(&second) {
        match *name {
            // The only outputs that hold the internal bridge's random entry ids.
            "snapshot" | "runs" => prop_assert_eq!(mask_uuids(a), mask_uuids(b), "{}", name),
            _ => {
                prop_assert!(!has_uuid(a), "{} holds a random id", name);
                prop_assert_eq!(a, b, "{}", name);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(cfg())]

    /// The same log, every event timestamped, replays to byte-identical
    /// output: bridge entries (sequential ids, fixed clock, finalized at the
    /// last event's instant), the ingest report, and every run model output.
    /// The snapshot and per-run JSON carry the internal bridge's random UUID
    /// entry ids, so those are compared with UUIDs masked; every other output
    /// is compared raw and checked to hold no UUID.
    #[test]
    fn a_timestamped_log_replays_byte_identically(
        events in mixed_stream(50),
        stamps in prop::collection::vec(0i64..120_000, 50..55),
    ) {
        let events = timestamped(events, &stamps);
        check_deterministic(&ndjson(&events))?;
    }
}

#[test]
fn the_samples_replay_byte_identically() {
    for name in [
        "swamp-deploy.ndjson",
        "orchestrator-build.ndjson",
        "tasker-checkout.ndjson",
        "hostile-names.ndjson",
    ] {
        let text =
            std::fs::read_to_string(format!("{}/www/samples/{name}", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        check_deterministic(&text).unwrap();
    }
}

// ---------------------------------------------------------------------------
// Property 5: redaction
// ---------------------------------------------------------------------------

/// A distinctive secret: cannot occur by chance in any output, and holds no
/// character that ends a `key=value` value.
fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{14}".prop_map(|s| format!("SEKRIT{s}"))
}

/// Filtered keys in free text, and how a pair is written.
const TEXT_KEYS: &[&str] = &[
    "password",
    "DB_PASSWORD",
    "token",
    "api_token",
    "client_secret",
    "x-api_key",
    "Email",
    "otp",
];

fn secret_text(secret: String) -> impl Strategy<Value = String> {
    (
        prop::sample::select(TEXT_KEYS),
        prop::sample::select(vec!["=", ": ", " = ", ":", "=\"", "\": \""]),
        prop::sample::select(vec![
            "",
            " rejected",
            ", retry",
            "; next",
            ")",
            "&x=1",
            "\n2nd line",
        ]),
        prop::sample::select(vec![
            "auth failed (",
            "3 tests failed: ",
            "",
            "connect to db with ",
            "{\"",
        ]),
    )
        .prop_map(move |(key, sep, tail, head)| format!("{head}{key}{sep}{secret}{tail}"))
}

/// Events carrying secrets where the README says they are redacted.
fn secret_event(s: String) -> impl Strategy<Value = Value> {
    let text = secret_text(s.clone());
    (
        0u8..10,
        text,
        pick(JOBS),
        pick(STEPS),
        prop::option::of(pick(RUNS)),
        prop::sample::select(vec!["builder", "fleet-api", "m:odel"]),
        valid_ts(),
    )
        .prop_map(move |(which, text, job, step, run, model, ts)| {
            let s = s.clone();
            let mut v = match which {
                // swamp: error text of a failed step (after a method, or pre-method).
                0 => json!({"kind": "step_failed", "jobId": job, "stepId": step, "error": text,
                            "modelName": model, "methodName": "deploy"}),
                1 => json!({"kind": "step_failed", "jobId": job, "stepId": step, "error": text}),
                // swamp: a run's error, as text or as {code, message}.
                2 => json!({"kind": "error", "error": text}),
                3 => json!({"kind": "error", "error": {"code": "failed", "message": text}}),
                // orchestrator: reason and error text.
                4 => json!({"event": "job.lifecycle.fail", "job_id": "j1", "reason": text,
                            "error": text}),
                5 => json!({"event": "job.module.error", "job_id": "j1", "module": "checkout",
                            "error": text, "reason": text}),
                // Tasker: payload keys matched by the default filter, at any depth.
                6 => json!({"event": "task.initialize_requested", "task_id": 4812,
                            "task_name": "checkout",
                            "task_context": {"api_token": s, "nested": {"password": s},
                                             "list": [{"client_secret": s}], "Email": {"x": s}}}),
                7 => json!({"event": "step.execution_requested", "task_id": 4812,
                            "step_name": step, "step_inputs": {"card_token": s,
                            "customer": {"PASSWORD": s, "otp_code": [s]}}}),
                8 => json!({"event": "step.completed", "task_id": 4812, "step_name": step,
                            "step_results": {"session_token": s, "rows": [{"ssn": s}]}}),
                // Tasker: error text and reasons.
                _ => json!({"event": "step.failed", "task_id": 4812, "step_name": step,
                            "error_message": text, "retry_reason": text,
                            "cancellation_reason": text}),
            };
            if let (Some(r), Value::Object(map)) = (run, &mut v) {
                if map.contains_key("jobId") {
                    map.insert("runId".into(), json!(r));
                }
            }
            v["timestamp"] = ts;
            v
        })
}

/// A run to put secrets into: the openings of each dialect, and steps in flight.
fn secret_scaffold() -> Vec<Value> {
    vec![
        json!({"kind": "started", "runId": "r1", "workflowName": "deploy", "timestamp": T0}),
        json!({"kind": "step_started", "jobId": "a", "stepId": "c", "timestamp": T0 + 1}),
        json!({"kind": "method_executing", "jobId": "a", "stepId": "c", "modelName": "builder",
               "methodName": "run", "timestamp": T0 + 2}),
        json!({"kind": "method_executing", "jobId": "a:b", "stepId": "x", "modelName": "fleet-api",
               "methodName": "deploy", "timestamp": T0 + 3}),
        json!({"event": "job.lifecycle.enqueue", "job_id": "j1", "timestamp": T0}),
        json!({"event": "job.lifecycle.start", "job_id": "j1", "timestamp": T0 + 1}),
        json!({"event": "job.module.spawn", "job_id": "j1", "module": "checkout", "timestamp": T0 + 2}),
        json!({"event": "task.start_requested", "task_id": 4812, "timestamp": T0 + 1}),
        json!({"event": "step.execution_requested", "task_id": 4812, "step_name": "c",
               "timestamp": T0 + 2}),
    ]
}

proptest! {
    #![proptest_config(cfg())]

    /// Secrets planted in swamp error text, orchestrator `reason`/`error`,
    /// Tasker error text and reasons, and under Tasker payload keys the
    /// default filter matches, appear in no output: bridge entries, the run
    /// snapshot and each run, OTLP JSON and JSON Lines, Prometheus and
    /// OpenMetrics text, JSON Lines and logfmt logs, and events passed on
    /// through `redact_event`. Model names here are never filtered keys
    /// themselves (that case leaks: see the ignored property below).
    #[test]
    fn planted_secrets_never_appear_in_any_output(
        planted in prop::collection::vec(secret().prop_flat_map(|s| (Just(s.clone()), secret_event(s))), 1..12),
        noise in mixed_stream(20),
        order in prop::collection::vec(any::<usize>(), 0..40),
    ) {
        let secrets: Vec<String> = planted.iter().map(|(s, _)| s.clone()).collect();
        let mut events = secret_scaffold();
        events.extend(noise);
        for ((_, e), k) in planted.iter().zip(order.iter().chain(std::iter::repeat(&0))) {
            let at = 4 + k % (events.len() - 3);
            events.insert(at, e.clone());
        }
        let text = ndjson(&events);

        let mut outputs: Vec<(&str, String)> = Vec::new();
        let mut b = bridge(events.len() + 1);
        let report = b.observe_ndjson(&text, NdjsonOptions::default());
        let mut entries = report.entries;
        for x in b.finalize(None) {
            entries.push_str(&x.to_json());
            entries.push('\n');
        }
        outputs.push(("bridge entries", entries));

        let mut m = model();
        let report = m.ingest_ndjson(&text);
        prop_assert_eq!(report.accepted + report.errors.len(), events.len());
        let mut passed_on = String::new();
        for (_, e) in &planted {
            passed_on.push_str(&serde_json::to_string(&m.redact_event(e)).unwrap());
            passed_on.push('\n');
        }
        outputs.push(("redact_event", passed_on));
        outputs.extend(model_outputs(&mut m));

        for (name, out) in &outputs {
            for s in &secrets {
                prop_assert!(!out.contains(s.as_str()), "secret {} leaked into {}:\n{}", s, name, out);
            }
        }
    }
}

/// The secret-carrying events are well-formed and accepted by the run model
/// (and the swamp ones by the bridge), so the redaction property is not
/// vacuous.
#[test]
fn planted_secret_events_are_accepted() {
    let mut runner = proptest::test_runner::TestRunner::new(cfg());
    let strategy = prop::collection::vec(secret().prop_flat_map(secret_event), 1..12);
    runner
        .run(&strategy, |events| {
            let mut m = model();
            let report = m.ingest_ndjson(&ndjson(&events));
            prop_assert_eq!(report.errors, vec![]);
            let mut b = bridge(events.len() + 1);
            let report = b.observe_ndjson(&ndjson(&events), NdjsonOptions::default());
            let swamp = events.iter().filter(|e| e.get("kind").is_some()).count();
            prop_assert_eq!(report.accepted, swamp);
            Ok(())
        })
        .unwrap();
}

/// Every output of a swamp stream, bridge entries included.
fn swamp_outputs(events: &[Value]) -> Vec<(&'static str, String)> {
    let text = ndjson(events);
    let mut b = bridge(events.len() + 1);
    let mut entries = b.observe_ndjson(&text, NdjsonOptions::default()).entries;
    for x in b.finalize(None) {
        entries.push_str(&x.to_json());
        entries.push('\n');
    }
    let mut m = model();
    m.ingest_ndjson(&text);
    let mut out = vec![("bridge entries", entries)];
    out.extend(model_outputs(&mut m));
    out
}

proptest! {
    #![proptest_config(cfg())]

    /// A swamp model whose name is itself a filtered key (`password`,
    /// `token`, ...): the model name is scrubbed from error text before the
    /// `key=value` filter runs, so `password=S` becomes `<REDACTED>=S`, the
    /// key is gone and `S` is kept. The redaction property above draws model
    /// names that are not filtered keys; this one covers the collision.
    #[test]
    fn a_model_named_like_a_filtered_key_does_not_unmask_its_value(
        key in prop::sample::select(vec!["password", "token", "api_token", "client_secret"]),
        sep in prop::sample::select(vec!["=", ": "]),
        s in secret(),
        pre_method in any::<bool>(),
    ) {
        let error = format!("rejected {key}{sep}{s}");
        let mut events = vec![json!({"kind": "started", "runId": "r1", "workflowName": "deploy"})];
        if pre_method {
            events.push(json!({"kind": "step_failed", "jobId": "a", "stepId": "c",
                               "modelName": key, "methodName": "rotate", "error": error}));
        } else {
            events.push(json!({"kind": "method_executing", "jobId": "a", "stepId": "c",
                               "modelName": key, "methodName": "rotate"}));
            events.push(json!({"kind": "step_failed", "jobId": "a", "stepId": "c", "error": error}));
        }
        for (name, out) in swamp_outputs(&events) {
            prop_assert!(!out.contains(s.as_str()), "secret leaked into {}:\n{}", name, out);
        }
    }
}

/// Regression (was a leak): the entry's `errorMessage` was
/// `rejected <REDACTED>=SEKRIT1`, and the snapshot, per-run JSON and both log
/// formats carried `SEKRIT1` too: names were scrubbed before the filter ran.
#[test]
fn model_named_like_a_key_minimal() {
    let events = vec![
        json!({"kind": "started", "runId": "r1", "workflowName": "deploy"}),
        json!({"kind": "method_executing", "jobId": "a", "stepId": "c", "modelName": "password", "methodName": "rotate"}),
        json!({"kind": "step_failed", "jobId": "a", "stepId": "c", "error": "rejected password=SEKRIT1"}),
    ];
    for (name, out) in swamp_outputs(&events) {
        assert!(
            !out.contains("SEKRIT1"),
            "secret leaked into {name}:\n{out}"
        );
    }
}
