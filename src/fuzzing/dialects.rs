//! One fuzz body per dialect: scenarios rather than bytes. The fuzzer's bytes
//! are read as choices ([`Draw`]) that build events of one vocabulary (names,
//! ids, states, timestamps in every accepted form and some refused ones,
//! nested runs, payloads and error text carrying secrets), now and then
//! broken (a key dropped, a wrong type, a cut line, a repeat), ingested in a
//! few batches from up to three sources into a model that sometimes holds
//! only a few runs. The model is held to what it promises:
//! - after every batch, every line is accepted or reported (`accepted +
//!   errors = lines`), and no secret is in the entries or the (redacted)
//!   events it returns; every entry decodes to itself;
//! - at the end, in the snapshot: workflow aggregates cover every run held,
//!   no more runs are held than retention allows, no duration is negative
//!   (events state some: `duration_ms`, `execution_duration`), and no secret
//!   appears.
//!
//! The snapshot is checked once, at the end, not after every batch: that
//! made an execution 2.3 times slower (dialect_swamp, 1 KiB inputs: 451/s
//! against 1,052/s). No exporter runs here (`run_model` drives them all):
//! these targets exist to be fast enough for millions of executions, so that
//! the dialects' state machines are explored deeply rather than their JSON
//! parsed.

use serde_json::{json, Map, Value};

use super::draw::Draw;
use crate::clock::FixedClock;
use crate::entry::TelemetryEntry;
use crate::ndjson::lines;
use crate::run::{IngestOptions, Retention, RunModel, RunModelOptions, RunStatus, Snapshot};
use crate::time::Timestamp;

/// The scenarios' epoch (2026-02-05T10:00:00Z). Event times lie within
/// 255 s of it; the model's clock (read once per batch) starts there and
/// advances 30 s a reading, so that runs left open go stalled and finished
/// ones age out.
const T0: i64 = 1_770_285_600_000;
/// What every secret placed in an event contains; no output may.
const SECRET: &str = "SEKRIT";

pub fn swamp(data: &[u8]) -> Outcome {
    scenario(data, swamp_event)
}

pub fn orchestrator(data: &[u8]) -> Outcome {
    scenario(data, orchestrator_event)
}

pub fn tasker(data: &[u8]) -> Outcome {
    scenario(data, tasker_event)
}

pub fn github_actions(data: &[u8]) -> Outcome {
    scenario(data, github_event)
}

type Generator = fn(&mut Draw) -> Value;

/// What a scenario amounted to, so that a test can hold the generators to
/// reaching what they are meant to reach (runs that end each way, refused
/// lines, secrets), which a body that checks nothing would not show.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub accepted: usize,
    pub refused: usize,
    /// Accepted lines that carried a secret.
    pub secrets: usize,
    pub runs: usize,
    pub completed: usize,
    pub failed: usize,
    pub abandoned: usize,
    pub steps: usize,
    /// Runs retention took out.
    pub evicted: u64,
    /// Runs not ended and quiet for longer than the stall limit.
    pub stalled: usize,
}

fn scenario(data: &[u8], event: Generator) -> Outcome {
    let mut outcome = Outcome::default();
    let mut d = Draw::new(data);
    // Mostly unbounded; sometimes so few runs are held that retention evicts
    // (finished ones first, then unfinished), or finished runs age out.
    let retention = Retention {
        max_runs: d.pick(&[None, None, None, Some(2), Some(5)]),
        max_finished_age_ms: d.pick(&[None, None, Some(60_000)]),
    };
    let options = RunModelOptions {
        step_threshold_ms: Some(30_000),
        stall_after_ms: Some(60_000),
        retention,
        ..Default::default()
    };
    let start = Timestamp::from_millis(T0).expect("in range");
    let mut model = RunModel::new(options, FixedClock::stepping(start, 30_000, 64));
    let mut previous = String::new();
    for _ in 0..8 {
        if !d.more() {
            break;
        }
        let source = d.pick(&["", "", "a", "b"]);
        let mut text = String::new();
        for _ in 0..1 + d.below(16) {
            let line = line(&mut d, event, &previous);
            text.push_str(&line);
            text.push('\n');
            previous = line;
        }
        batch(&mut model, &text, source, &mut outcome);
    }
    let snapshot = model.snapshot();
    check(&snapshot, retention);
    tally(&snapshot, &mut outcome);
    outcome
}

/// One batch in, and what it returns checked: every line accounted for, no
/// secret in the entries or events handed back, every entry sound.
fn batch(model: &mut RunModel<FixedClock>, text: &str, source: &str, outcome: &mut Outcome) {
    let options = IngestOptions {
        source,
        entries: true,
        events: true,
    };
    let report = model.ingest_ndjson_with(text, options);
    assert_eq!(report.accepted + report.errors.len(), lines(text).count());
    outcome.accepted += report.accepted;
    outcome.refused += report.errors.len();
    let refused: Vec<usize> = report.errors.iter().map(|e| e.line).collect();
    outcome.secrets += lines(text)
        .filter(|(n, body)| body.contains(SECRET) && !refused.contains(n))
        .count();
    for entry in report.entries.iter().flatten() {
        check_entry(entry);
    }
    let returned = serde_json::to_string(&report).expect("serialisable");
    assert!(!returned.contains(SECRET), "a secret returned: {returned}");
}

/// What the scenario's end state holds, for [`Outcome`].
fn tally(snapshot: &Snapshot, outcome: &mut Outcome) {
    outcome.runs = snapshot.runs.len();
    outcome.evicted = snapshot.evicted.runs;
    for d in &snapshot.runs {
        outcome.steps += d.run.steps.len();
        outcome.stalled += usize::from(d.run.stalled);
        match d.run.status {
            RunStatus::Completed => outcome.completed += 1,
            RunStatus::Failed => outcome.failed += 1,
            RunStatus::Abandoned => outcome.abandoned += 1,
            _ => {}
        }
    }
}

/// One line: usually an event (sometimes broken), now and then the previous
/// line again (producers repeat), a blank line or a line cut short.
fn line(d: &mut Draw, event: Generator, previous: &str) -> String {
    match d.byte() % 32 {
        0 => previous.to_string(),
        1 => String::new(),
        2 => {
            let whole = event(d).to_string();
            let cut = d.below(whole.len().max(1));
            whole
                .char_indices()
                .map(|(i, _)| i)
                .take_while(|&i| i <= cut)
                .last()
                .map_or(whole.clone(), |i| whole[..i].to_string())
        }
        _ => {
            let mut v = event(d);
            if d.chance(2) {
                break_object(d, &mut v);
            }
            v.to_string()
        }
    }
}

/// A key dropped, given a value of the wrong type, or an unknown key added.
fn break_object(d: &mut Draw, v: &mut Value) {
    let Value::Object(map) = v else { return };
    let keys: Vec<String> = map.keys().cloned().collect();
    let Some(key) = keys.get(d.below(keys.len().max(1))).cloned() else {
        return;
    };
    match d.below(3) {
        0 => {
            map.remove(&key);
        }
        1 => {
            let wrong = d.pick(&[0u8, 1, 2, 3, 4, 5]);
            map.insert(key, odd_value(wrong));
        }
        _ => {
            map.insert(format!("{key}_x"), json!({"a": [1, null]}));
        }
    }
}

fn odd_value(which: u8) -> Value {
    match which {
        0 => json!(5),
        1 => json!(true),
        2 => json!([]),
        3 => json!({}),
        4 => Value::Null,
        _ => json!(-1.5),
    }
}

/// A timestamp: mostly valid (epoch milliseconds, fractional, ISO), sometimes
/// absent (`None`), null or refused.
fn timestamp(d: &mut Draw) -> Option<Value> {
    let ms = T0 + i64::from(d.byte()) * 1_000;
    match d.below(32) {
        0..=5 => None,
        6..=15 => Some(json!(ms)),
        16..=17 => Some(json!(ms as f64 + 0.25)),
        18..=28 => Some(iso(ms)),
        29 => Some(Value::Null),
        30 => Some(json!("2026-13-45T99:00:00Z")),
        _ => Some(json!(1e300)),
    }
}

/// A timestamp as GitHub writes them: an ISO string (or null, absent, and
/// rarely a number, which is refused).
fn github_timestamp(d: &mut Draw) -> Option<Value> {
    let ms = T0 + i64::from(d.byte()) * 1_000;
    match d.below(32) {
        0..=5 => None,
        6..=7 => Some(Value::Null),
        8..=30 => Some(iso(ms)),
        _ => Some(json!(ms)),
    }
}

fn iso(ms: i64) -> Value {
    json!(Timestamp::from_millis(ms).expect("in range").to_string())
}

fn put(map: &mut Map<String, Value>, key: &str, v: Option<Value>) {
    if let Some(v) = v {
        map.insert(key.to_string(), v);
    }
}

/// Error text, sometimes carrying a secret in one of the forms the filter
/// masks in free text.
fn error_text(d: &mut Draw) -> Value {
    let mut text = String::from(d.pick(&["boom", "failed: ", "", "exit 1\n"]));
    if d.chance(8) {
        text.push_str(d.pick(&[
            "password=SEKRIT1",
            "api_token: SEKRIT2 then",
            "{\"client_secret\": \"SEKRIT3\"}",
            "db_key=SEKRIT4,retry",
        ]));
    }
    json!(text)
}

/// A payload object, sometimes with secrets under filtered keys, nested.
fn payload(d: &mut Draw) -> Value {
    match d.below(4) {
        0 => json!({"cart_id": "c1", "amount": 12}),
        1 => json!({"password": "SEKRIT5", "user": "u"}),
        2 => json!({"items": [{"api_key": "SEKRIT6"}, {"sku": "a"}]}),
        _ => json!("plain"),
    }
}

const SWAMP_KINDS: [&str; 14] = [
    "started",
    "model_resolved",
    "method_executing",
    "method_executing",
    "method_output",
    "step_started",
    "step_completed",
    "step_failed",
    "step_skipped",
    "job_started",
    "job_completed",
    "completed",
    "error",
    "cancelled",
];

fn swamp_event(d: &mut Draw) -> Value {
    let kind = d.pick(&SWAMP_KINDS);
    let mut e = Map::new();
    e.insert("kind".into(), json!(kind));
    let run = d.pick(&[Some("r1"), Some("r2"), Some("r3"), None]);
    put(&mut e, "runId", run.map(Value::from));
    if d.chance(2) {
        let parent = d.pick(&["r1", "r2", "c1"]);
        e.insert("parentCorrelationId".into(), json!(parent));
    }
    if d.chance(2) {
        e.insert("correlationId".into(), json!(d.pick(&["c1", "c2"])));
    }
    let job = d.pick(&["build", "deploy", "ジョブ:1"]);
    let step = d.pick(&["compile", "push", "s:1", ""]);
    match kind {
        "started" => {
            e.insert("workflowName".into(), json!(d.pick(&["deploy", "nightly"])));
            e.insert(
                "jobs".into(),
                json!([{"id": "build", "dependsOn": []}, {"id": "deploy", "dependsOn": ["build"]}]),
            );
        }
        "completed" | "cancelled" | "job_started" | "job_completed" => {
            if kind.starts_with("job_") {
                e.insert("jobId".into(), json!(job));
            }
        }
        "error" => {
            e.insert("error".into(), error_text(d));
        }
        _ => {
            e.insert("jobId".into(), json!(job));
            e.insert("stepId".into(), json!(step));
            let model = d.pick(&[Some("web"), Some("db"), None]);
            match kind {
                "model_resolved" => {
                    e.insert("modelType".into(), json!("aws/ecs:v1"));
                    put(&mut e, "modelName", model.map(Value::from));
                }
                "method_executing" => {
                    e.insert(
                        "methodName".into(),
                        json!(d.pick(&["run", "sync", "${{ x }}"])),
                    );
                    put(&mut e, "modelName", model.map(Value::from));
                }
                "method_output" => {
                    e.insert("line".into(), error_text(d));
                }
                "step_failed" => {
                    e.insert("error".into(), error_text(d));
                    e.insert("userError".into(), json!(d.chance(8)));
                    e.insert("allowedFailure".into(), json!(d.chance(4)));
                    put(&mut e, "modelName", model.map(Value::from));
                    if d.chance(8) {
                        e.insert("methodName".into(), json!("run"));
                    }
                }
                _ => {}
            }
        }
    }
    put(&mut e, "timestamp", timestamp(d));
    Value::Object(e)
}

const ORCHESTRATOR_EVENTS: [&str; 10] = [
    "job.lifecycle.enqueue",
    "job.lifecycle.start",
    "job.lifecycle.complete",
    "job.lifecycle.fail",
    "job.lifecycle.cancel",
    "job.module.spawn",
    "job.module.complete",
    "job.module.error",
    "job.module.panic",
    "job.lifecycle.bogus",
];

fn orchestrator_event(d: &mut Draw) -> Value {
    let name = d.pick(&ORCHESTRATOR_EVENTS);
    let mut e = Map::new();
    e.insert(d.pick(&["event", "event", "name"]).into(), json!(name));
    let job = match d.below(4) {
        0 => json!(7),
        1 => json!("j:2"),
        _ => json!("j1"),
    };
    e.insert("job_id".into(), job);
    if name.starts_with("job.module.") {
        e.insert(
            "module".into(),
            json!(d.pick(&["checkout", "compile:fe", "テスト"])),
        );
    }
    if d.chance(8) {
        e.insert("project_id".into(), json!(d.pick(&["web-shop", "p:x"])));
    }
    if d.chance(6) {
        let ms = d.pick(&[2400.0, 0.0, -5.0, 1e300, 0.5]);
        e.insert("duration_ms".into(), json!(ms));
    }
    if d.chance(4) {
        e.insert(
            "status_from".into(),
            json!(d.pick(&["Pending", "Running", "queued"])),
        );
    }
    if d.chance(6) {
        e.insert("reason".into(), error_text(d));
        e.insert("error".into(), error_text(d));
    }
    if d.chance(3) {
        e.insert(
            "parent_correlation_id".into(),
            json!(d.pick(&["j1", "c-1"])),
        );
        e.insert("correlation_id".into(), json!("c-1"));
    }
    put(&mut e, "timestamp", timestamp(d));
    Value::Object(e)
}

const TASKER_EVENTS: [&str; 24] = [
    "task.initialize_requested",
    "task.start_requested",
    "task.started",
    "task.steps_discovery_completed",
    "task.awaiting_dependencies",
    "task.retry_backoff_started",
    "task.blocked_by_failures",
    "task.completed",
    "task.failed",
    "task.cancelled",
    "task.resolved_manually",
    "task.retry_requested",
    "step.initialize_requested",
    "step.enqueue_requested",
    "step.execution_requested",
    "step.before_handle",
    "step.completed",
    "step.failed",
    "step.failed",
    "step.retry_requested",
    "step.cancelled",
    "step.resolved_manually",
    "observability.step.backoff",
    "workflow.step_completed",
];

fn tasker_event(d: &mut Draw) -> Value {
    let name = d.pick(&TASKER_EVENTS);
    let mut e = Map::new();
    e.insert(d.pick(&["event", "event", "name"]).into(), json!(name));
    let task = match d.below(4) {
        0 => json!(4812),
        1 => json!("t:1"),
        _ => json!("tâche"),
    };
    e.insert("task_id".into(), task);
    if name.contains("step") {
        let step = d.pick(&["validate_cart", "charge:payment", "送信"]);
        e.insert("step_name".into(), json!(step));
    }
    if d.chance(8) {
        e.insert(
            "task_name".into(),
            json!(d.pick(&["checkout", "refund:v2"])),
        );
    }
    if d.chance(6) {
        let n = d.pick(&[1.0, 2.0, 3.0, 1e12, -3.0, 0.5]);
        e.insert("attempt_number".into(), json!(n));
    }
    if d.chance(6) {
        let s = d.pick(&[0.148, 0.0, 1e300, -1.0]);
        e.insert("execution_duration".into(), json!(s));
    }
    put(&mut e, "started_at", timestamp(d).filter(|_| d.chance(5)));
    put(&mut e, "completed_at", timestamp(d).filter(|_| d.chance(5)));
    if d.chance(6) {
        e.insert("task_context".into(), payload(d));
        e.insert("step_inputs".into(), payload(d));
        e.insert("step_results".into(), payload(d));
    }
    if d.chance(4) {
        e.insert(
            "step_dependencies".into(),
            json!(["validate_cart", "charge:payment"]),
        );
    }
    if d.chance(6) {
        e.insert("error_message".into(), error_text(d));
        e.insert("exception_class".into(), json!("Tasker::RetryableError"));
        e.insert("retry_reason".into(), error_text(d));
    }
    if d.chance(3) {
        e.insert("parent_correlation_id".into(), json!("tsk_0"));
    }
    e.insert("correlation_id".into(), json!(d.pick(&["tsk_1", "tsk_0"])));
    put(&mut e, "timestamp", timestamp(d));
    Value::Object(e)
}

/// GitHub's statuses, weighted towards the ones that move things; one
/// unknown.
const GITHUB_STATES: [&str; 16] = [
    "requested",
    "queued",
    "queued",
    "pending",
    "waiting",
    "in_progress",
    "in_progress",
    "in_progress",
    "completed",
    "completed",
    "completed",
    "completed",
    "completed",
    "completed",
    "completed",
    "bogus",
];
/// Conclusions once completed; one missing, one unknown.
const GITHUB_CONCLUSIONS: [Option<&str>; 16] = [
    None,
    Some("success"),
    Some("success"),
    Some("success"),
    Some("success"),
    Some("failure"),
    Some("failure"),
    Some("failure"),
    Some("cancelled"),
    Some("skipped"),
    Some("timed_out"),
    Some("startup_failure"),
    Some("neutral"),
    Some("action_required"),
    Some("stale"),
    Some("bogus"),
];

fn github_event(d: &mut Draw) -> Value {
    let run_id = d.pick(&[1u64, 2, 9_876_543_210]);
    let attempt = d.pick(&[1, 1, 2, 3, 0]);
    let repository = json!({"full_name": d.pick(&["acme/shop", "a/b:c"])});
    match d.below(8) {
        0..=1 => {
            let mut run = Map::new();
            run.insert("id".into(), json!(run_id));
            run.insert("name".into(), json!(d.pick(&["CI", "Deploy", ""])));
            run.insert("run_attempt".into(), json!(attempt));
            run.insert("workflow_id".into(), json!(161_335));
            github_status(d, &mut run);
            put(&mut run, "created_at", github_timestamp(d));
            put(&mut run, "run_started_at", github_timestamp(d));
            put(&mut run, "updated_at", github_timestamp(d));
            if d.chance(2) {
                // `gh api repos/O/R/actions/runs/ID`: the run alone.
                return Value::Object(run);
            }
            let action = d.pick(&["requested", "in_progress", "completed", "bogus"]);
            json!({"action": action, "workflow_run": run, "repository": repository})
        }
        2 => {
            let jobs: Vec<Value> = (0..d.below(4))
                .map(|_| github_job(d, run_id, attempt))
                .collect();
            json!({"total_count": jobs.len(), "jobs": jobs})
        }
        _ => {
            let job = github_job(d, run_id, attempt);
            let action = d.pick(&["queued", "waiting", "in_progress", "completed"]);
            json!({"action": action, "workflow_job": job, "repository": repository})
        }
    }
}

fn github_status(d: &mut Draw, into: &mut Map<String, Value>) {
    let status = d.pick(&GITHUB_STATES);
    into.insert("status".into(), json!(status));
    let conclusion = match status {
        "completed" => d.pick(&GITHUB_CONCLUSIONS),
        _ => None,
    };
    into.insert("conclusion".into(), json!(conclusion));
}

fn github_job(d: &mut Draw, run_id: u64, attempt: i32) -> Value {
    let mut job = Map::new();
    job.insert("id".into(), json!(300 + d.below(4)));
    job.insert("run_id".into(), json!(run_id));
    job.insert("run_attempt".into(), json!(attempt));
    job.insert("workflow_name".into(), json!("CI"));
    let name = d.pick(&["build", "test (ubuntu-latest, 20)", "deploy:prod"]);
    job.insert("name".into(), json!(name));
    github_status(d, &mut job);
    put(&mut job, "started_at", github_timestamp(d));
    put(&mut job, "completed_at", github_timestamp(d));
    let steps: Vec<Value> = (0..d.below(4))
        .map(|n| {
            let mut step = Map::new();
            step.insert(
                "name".into(),
                json!(d.pick(&["Set up job", "Run tests", ""])),
            );
            step.insert("number".into(), json!(n + usize::from(d.chance(2))));
            github_status(d, &mut step);
            put(&mut step, "started_at", github_timestamp(d));
            put(&mut step, "completed_at", github_timestamp(d));
            Value::Object(step)
        })
        .collect();
    job.insert("steps".into(), json!(steps));
    Value::Object(job)
}

/// An entry closed by the events: it decodes back to itself, it does not end
/// before it starts, and its duration is the span between.
fn check_entry(entry: &TelemetryEntry) {
    let data = serde_json::to_value(entry).expect("serialisable");
    assert_eq!(&TelemetryEntry::from_data(&data).expect("decodes"), entry);
    let span = entry.completed_at.millis() - entry.started_at.millis();
    assert!(span >= 0, "an entry that ends before it starts: {data}");
    assert!(entry.duration_ms >= 0, "a negative entry duration: {data}");
}

/// What the model promises, in the snapshot at the end of a scenario. (Each
/// run's step counts are built from its steps by the same code that would
/// check them, so they are not checked here: the property tests hold them to
/// independently generated scenarios.)
fn check(snapshot: &Snapshot, retention: Retention) {
    if let Some(max) = retention.max_runs {
        let held: Vec<_> = snapshot
            .runs
            .iter()
            .map(|d| (&d.run.id, &d.run.parent_run))
            .collect();
        assert!(
            held.len() <= max,
            "{} runs held, at most {max}: {held:?}",
            held.len()
        );
    }
    let text = serde_json::to_string(snapshot).expect("serialisable");
    assert!(!text.contains(SECRET), "a secret in the snapshot: {text}");
    for d in &snapshot.runs {
        // Durations the events state (`duration_ms`, `execution_duration`)
        // included: a negative one must never come through.
        for s in &d.run.steps {
            assert!(
                s.duration_ms.unwrap_or(0) >= 0,
                "step {} of {}",
                s.id,
                d.run.id
            );
            for a in &s.attempts {
                assert!(a.duration_ms.unwrap_or(0) >= 0, "attempt of {}", s.id);
            }
        }
        assert!(d.summary.duration_ms.unwrap_or(0) >= 0, "run {}", d.run.id);
    }
    let runs: u32 = snapshot.workflows.iter().map(|w| w.runs).sum();
    assert_eq!(
        runs as usize,
        snapshot.runs.len(),
        "aggregates over the runs held"
    );
}
