//! The run model on the orchestrator dialect: mapping, legal and illegal
//! transitions, retries as attempts, counts that add up, analytics, redaction
//! at ingestion, and malformed input refused whole.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use workflow_telemetry::run::{
    FailureClass, ParameterFilter, RunModel, RunModelOptions, RunStatus, StepStatus,
};
use workflow_telemetry::{FixedClock, Timestamp};

fn model() -> RunModel<FixedClock> {
    RunModel::new(
        RunModelOptions::default(),
        FixedClock::new([Timestamp::from_millis(0).unwrap()]),
    )
}

fn sample() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/www/samples/orchestrator-build.ndjson"
    ))
    .unwrap()
}

fn ev(name: &str, extra: Value) -> Value {
    let mut v = json!({"event": name, "job_id": "j1"});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

#[test]
fn the_orchestrator_sample_maps_onto_one_failed_run() {
    let mut m = model();
    let report = m.ingest_ndjson(&sample());
    assert_eq!(report.errors, vec![]);
    assert_eq!(report.accepted, 11);
    let snap = m.snapshot();
    assert_eq!(snap.runs.len(), 1);
    let d = &snap.runs[0];
    assert_eq!(d.run.id, "job-4821");
    assert_eq!(d.run.name, "web-shop");
    assert_eq!(d.run.status, RunStatus::Failed);
    assert_eq!(d.run.correlation_id.as_deref(), Some("c-9f2e1a"));
    let states: Vec<_> = d
        .run
        .transitions
        .iter()
        .map(|t| (t.from.clone().unwrap(), t.to.clone()))
        .collect();
    assert_eq!(
        states,
        [
            ("Pending", "Queued"),
            ("Queued", "Running"),
            ("Running", "Failed")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(d.run.transitions[1].in_previous_ms, Some(4500));
    assert_eq!(d.summary.queue_wait_ms, Some(4500));
    assert_eq!(d.summary.execution_ms, Some(41500));
    assert_eq!(d.summary.duration_ms, Some(46000));
    assert_eq!(d.summary.time_in_state_ms.get("Queued"), Some(&4500));
    let statuses: Vec<_> = d
        .run
        .steps
        .iter()
        .map(|s| (s.name.as_str(), s.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("checkout", StepStatus::Completed),
            ("compile-frontend", StepStatus::Completed),
            ("compile-backend", StepStatus::Panicked),
            ("unit-tests", StepStatus::Failed),
        ]
    );
    let c = d.summary.counts;
    assert_eq!(
        (c.spawned, c.completed, c.failed, c.panicked, c.running),
        (4, 2, 1, 1, 0)
    );
    assert!(c.adds_up());
    assert_eq!(d.summary.failure, Some(FailureClass::Panic));
    assert_eq!(
        d.run.steps[2].error.as_ref().unwrap().class,
        FailureClass::Panic
    );
    assert_eq!(d.run.steps[3].duration_ms, Some(18280));
    assert!(d.run.violations.is_empty(), "{:?}", d.run.violations);
    // Critical path by time ends with the step that ended last.
    assert_eq!(
        d.summary.critical_path.last().map(String::as_str),
        Some("compile-frontend")
    );
    assert_eq!(d.summary.bottleneck.as_deref(), Some("compile-frontend"));
}

#[test]
fn secrets_in_error_text_never_reach_the_snapshot() {
    let mut m = model();
    m.ingest_ndjson(&sample());
    let text = serde_json::to_string(&m.snapshot()).unwrap();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("DB_PASSWORD=[REDACTED]"));
}

#[test]
fn complete_before_start_is_a_violation_but_the_run_still_ends() {
    let mut m = model();
    m.ingest(&ev("job.lifecycle.enqueue", json!({"timestamp": 0})))
        .unwrap();
    m.ingest(&ev("job.lifecycle.complete", json!({"timestamp": 10})))
        .unwrap();
    let d = m.run("j1").unwrap();
    assert_eq!(d.run.status, RunStatus::Completed);
    assert_eq!(d.run.violations.len(), 1);
    assert_eq!(d.run.violations[0].from.as_deref(), Some("Queued"));
    assert_eq!(d.run.violations[0].to, "Completed");
    assert_eq!(d.run.violations[0].event, "job.lifecycle.complete");
}

#[test]
fn a_second_terminal_event_is_recorded_and_not_applied() {
    let mut m = model();
    for (name, t) in [
        ("job.lifecycle.enqueue", 0),
        ("job.lifecycle.start", 1),
        ("job.lifecycle.complete", 2),
        ("job.lifecycle.fail", 3),
    ] {
        m.ingest(&ev(name, json!({ "timestamp": t }))).unwrap();
    }
    let d = m.run("j1").unwrap();
    assert_eq!(d.run.status, RunStatus::Completed);
    assert_eq!(d.run.transitions.len(), 3);
    assert_eq!(d.run.violations.len(), 1);
    assert_eq!(d.run.violations[0].event, "job.lifecycle.fail");
}

#[test]
fn module_events_after_the_job_ended_are_violations() {
    let mut m = model();
    for (name, t) in [
        ("job.lifecycle.enqueue", 0),
        ("job.lifecycle.start", 1),
        ("job.lifecycle.cancel", 2),
    ] {
        m.ingest(&ev(name, json!({ "timestamp": t }))).unwrap();
    }
    m.ingest(&ev(
        "job.module.spawn",
        json!({"module": "late", "timestamp": 3}),
    ))
    .unwrap();
    let d = m.run("j1").unwrap();
    assert_eq!(d.run.status, RunStatus::Cancelled);
    assert!(d.run.steps.is_empty());
    assert_eq!(d.run.violations.len(), 1);
    assert_eq!(d.run.violations[0].step.as_deref(), Some("late"));
    assert_eq!(d.summary.failure, Some(FailureClass::Cancellation));
}

#[test]
fn a_respawned_module_keeps_every_attempt() {
    let mut m = model();
    m.ingest(&ev("job.lifecycle.enqueue", json!({"timestamp": 0})))
        .unwrap();
    m.ingest(&ev("job.lifecycle.start", json!({"timestamp": 0})))
        .unwrap();
    m.ingest(&ev(
        "job.module.spawn",
        json!({"module": "m", "timestamp": 100}),
    ))
    .unwrap();
    m.ingest(&ev(
        "job.module.error",
        json!({"module": "m", "error": "flaky", "timestamp": 300}),
    ))
    .unwrap();
    m.ingest(&ev(
        "job.module.spawn",
        json!({"module": "m", "timestamp": 400}),
    ))
    .unwrap();
    m.ingest(&ev(
        "job.module.complete",
        json!({"module": "m", "timestamp": 1000}),
    ))
    .unwrap();
    let d = m.run("j1").unwrap();
    let s = &d.run.steps[0];
    assert_eq!(s.attempts.len(), 2);
    assert_eq!(s.attempts[0].status, StepStatus::Failed);
    assert_eq!(s.attempts[0].duration_ms, Some(200));
    assert_eq!(s.attempts[0].error.as_ref().unwrap().message, "flaky");
    assert_eq!(s.attempts[1].status, StepStatus::Completed);
    assert_eq!(s.attempts[1].duration_ms, Some(600));
    assert_eq!(s.status, StepStatus::Completed);
    assert!(s.error.is_none());
    assert_eq!(s.duration_ms, Some(900));
    // A completed module cannot complete again.
    m.ingest(&ev(
        "job.module.complete",
        json!({"module": "m", "timestamp": 1100}),
    ))
    .unwrap();
    let d = m.run("j1").unwrap();
    assert_eq!(d.run.violations.len(), 1);
    assert_eq!(d.run.steps[0].attempts.len(), 2);
}

#[test]
fn counts_add_up_while_modules_are_running() {
    let mut m = model();
    m.ingest(&ev("job.lifecycle.enqueue", json!({}))).unwrap();
    m.ingest(&ev("job.lifecycle.start", json!({}))).unwrap();
    for i in 0..5 {
        m.ingest(&ev(
            "job.module.spawn",
            json!({ "module": format!("m{i}") }),
        ))
        .unwrap();
    }
    m.ingest(&ev("job.module.complete", json!({"module": "m0"})))
        .unwrap();
    m.ingest(&ev("job.module.panic", json!({"module": "m1"})))
        .unwrap();
    let c = m.run("j1").unwrap().summary.counts;
    assert_eq!(
        (c.spawned, c.running, c.completed, c.panicked),
        (5, 3, 1, 1)
    );
    assert!(c.adds_up());
}

#[test]
fn thresholds_mark_slow_steps() {
    let mut opts = RunModelOptions {
        step_threshold_ms: Some(20_000),
        ..Default::default()
    };
    opts.step_thresholds_ms.insert("checkout".into(), 1_000);
    let mut m = RunModel::new(opts, FixedClock::new([Timestamp::from_millis(0).unwrap()]));
    m.ingest_ndjson(&sample());
    let d = m.run("job-4821").unwrap();
    assert_eq!(
        d.summary.over_threshold,
        vec!["checkout", "compile-frontend"]
    );
    assert!(d.run.steps[0].over_threshold);
    assert!(!d.run.steps[3].over_threshold);
}

#[test]
fn malformed_events_are_refused_whole_with_the_field_named() {
    let mut m = model();
    let text = [
        r#"{"event":"job.lifecycle.enqueue"}"#,
        r#"{"event":"job.lifecycle.enqueue","job_id":"j1","reason":5}"#,
        r#"{"event":"job.module.spawn","job_id":"j1"}"#,
        r#"{"event":"job.lifecycle.enqueue","job_id":"j1","timestamp":"yesterday"}"#,
        r#"{"event":"deploy.started","job_id":"j1"}"#,
        r#"[1,2]"#,
        r#"{"job_id":"j1"}"#,
        r#"{not json"#,
    ]
    .join("\n");
    let r = m.ingest_ndjson(&text);
    assert_eq!(r.accepted, 0);
    let got: Vec<_> = r.errors.iter().map(|e| (e.line, e.field.clone())).collect();
    let f = |s: &str| Some(s.to_string());
    assert_eq!(
        got,
        vec![
            (1, f("job_id")),
            (2, f("reason")),
            (3, f("module")),
            (4, f("timestamp")),
            (5, f("event")),
            (6, f("event")),
            (7, f("kind")),
            (8, None)
        ]
    );
    assert_eq!(r.errors[1].message, "reason: expected a string, got number");
    assert!(m.snapshot().runs.is_empty(), "nothing half-applied");
}

#[test]
fn event_names_are_read_from_event_event_type_or_name() {
    let mut m = model();
    m.ingest(&json!({"event_type": "job.lifecycle.enqueue", "job_id": 7}))
        .unwrap();
    m.ingest(&json!({"name": "job.lifecycle.start", "job_id": 7}))
        .unwrap();
    assert_eq!(m.run("7").unwrap().run.status, RunStatus::Running);
}

#[test]
fn aggregates_per_workflow_give_failure_rate_and_percentiles() {
    let mut m = model();
    for (job, ms, fail) in [
        ("a", 100, false),
        ("b", 300, true),
        ("c", 200, false),
        ("d", 1000, false),
    ] {
        let e = |n: &str, x: Value| {
            let mut v = ev(n, x);
            v["job_id"] = json!(job);
            v["project_id"] = json!("shop");
            v
        };
        m.ingest(&e("job.lifecycle.enqueue", json!({"timestamp": 0})))
            .unwrap();
        m.ingest(&e("job.lifecycle.start", json!({"timestamp": 0})))
            .unwrap();
        m.ingest(&e(
            "job.module.spawn",
            json!({"module": "build", "timestamp": 0}),
        ))
        .unwrap();
        m.ingest(&e(
            "job.module.complete",
            json!({"module": "build", "timestamp": ms}),
        ))
        .unwrap();
        let end = if fail {
            "job.lifecycle.fail"
        } else {
            "job.lifecycle.complete"
        };
        m.ingest(&e(end, json!({"timestamp": ms}))).unwrap();
    }
    let snap = m.snapshot();
    assert_eq!(snap.workflows.len(), 1);
    let w = &snap.workflows[0];
    assert_eq!((w.name.as_str(), w.runs, w.failed), ("shop", 4, 1));
    assert!((w.failure_rate - 0.25).abs() < 1e-9);
    assert_eq!(
        (w.steps[0].p50_ms, w.steps[0].p95_ms, w.steps[0].count),
        (200, 1000, 4)
    );
}

#[test]
fn parameter_filter_applies_to_custom_keys() {
    let f = ParameterFilter::new(&["pin".to_string()], &[], "###").unwrap();
    let mut m = RunModel::new(
        RunModelOptions {
            filter: f,
            ..Default::default()
        },
        FixedClock::new([]),
    );
    m.ingest(&ev(
        "job.lifecycle.enqueue",
        json!({"reason": "retry with pin=1234"}),
    ))
    .unwrap();
    let d = m.run("j1").unwrap();
    assert_eq!(
        d.run.transitions[0].reason.as_deref(),
        Some("retry with pin=###")
    );
}
