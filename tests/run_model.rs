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
        .map(|t| (t.from.as_deref().unwrap().to_string(), t.to.to_string()))
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

fn swamp_sample() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/www/samples/swamp-deploy.ndjson"
    ))
    .unwrap()
}

#[test]
fn the_swamp_sample_maps_runs_steps_nesting_and_child_entries() {
    let mut m = model();
    let report = m.ingest_ndjson(&swamp_sample());
    assert_eq!(report.errors, vec![]);
    let snap = m.snapshot();
    let ids: Vec<_> = snap
        .runs
        .iter()
        .map(|d| (d.run.id.as_str(), d.run.name.as_str(), d.run.status))
        .collect();
    assert_eq!(
        ids,
        vec![
            ("run-7f3a", "deploy-fleet", RunStatus::Cancelled),
            ("run-nested-1", "notify", RunStatus::Failed)
        ]
    );
    let root = &snap.runs[0];
    let steps: Vec<_> = root
        .run
        .steps
        .iter()
        .map(|s| (s.id.as_str(), s.status))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("build/compile", StepStatus::Completed),
            ("build/lint", StepStatus::Failed),
            ("deploy/rollout-us:east", StepStatus::Completed),
            ("deploy/rollout-eu-west", StepStatus::Failed),
            ("deploy/verify", StepStatus::Failed),
            ("deploy/notify", StepStatus::Failed),
            ("deploy/smoke-test", StepStatus::Cancelled),
        ]
    );
    assert!(root.summary.counts.adds_up());
    let lint = &root.run.steps[1];
    assert!(lint.error.as_ref().unwrap().allowed);
    assert_eq!(
        lint.error.as_ref().unwrap().message,
        "3 lint warnings in <REDACTED> config"
    );
    let compile = &root.run.steps[0];
    let entry = compile.telemetry.as_ref().expect("child entry attached");
    assert_eq!(entry.duration_ms, 4200);
    assert_eq!(entry.invocation.args, vec!["run", "<REDACTED>", "run"]);
    let smoke = &root.run.steps[6];
    assert_eq!(
        smoke
            .telemetry
            .as_ref()
            .unwrap()
            .result
            .error_message
            .as_deref(),
        Some("workflow run terminated before completion")
    );
    assert_eq!(
        root.run.error.as_ref().unwrap().class,
        FailureClass::Cancellation
    );
    let nested = &snap.runs[1];
    assert_eq!(nested.run.parent_run.as_deref(), Some("run-7f3a"));
    assert_eq!(
        nested.run.steps[0]
            .telemetry
            .as_ref()
            .unwrap()
            .workflow_context
            .as_ref()
            .unwrap()
            .workflow_name,
        "notify"
    );
    let text = serde_json::to_string(&snap).unwrap();
    for secret in ["fleet-api", "verify-model", "ghp_s3cr3t"] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
}

fn swamp_events(lines: &[&str]) -> RunModel<FixedClock> {
    let mut m = model();
    let r = m.ingest_ndjson(&lines.join("\n"));
    assert_eq!(r.errors, vec![]);
    m
}

#[test]
fn swamp_illegal_step_transitions_and_late_events_are_violations() {
    let m = &mut swamp_events(&[
        r#"{"kind":"started","runId":"r","workflowName":"w","timestamp":0}"#,
        r#"{"kind":"step_started","jobId":"j","stepId":"s","timestamp":1}"#,
        r#"{"kind":"step_completed","jobId":"j","stepId":"s","timestamp":2}"#,
        r#"{"kind":"step_failed","jobId":"j","stepId":"s","error":"late","timestamp":3}"#,
        r#"{"kind":"started","runId":"r","workflowName":"w","timestamp":4}"#,
        r#"{"kind":"completed","runId":"r","timestamp":5}"#,
        r#"{"kind":"step_started","jobId":"j","stepId":"t","timestamp":6}"#,
    ]);
    let d = m.run("r").unwrap();
    assert_eq!(d.run.status, RunStatus::Completed);
    assert_eq!(
        d.run.steps[0].status,
        StepStatus::Completed,
        "a terminal step never moves"
    );
    let v: Vec<_> = d
        .run
        .violations
        .iter()
        .map(|v| (v.event.as_str(), v.from.as_deref(), v.to.as_str()))
        .collect();
    assert_eq!(
        v,
        vec![
            ("step_failed", Some("completed"), "failed"),
            ("started", None, "running"),
            ("step_started", None, "running"),
        ]
    );
    assert_eq!(
        d.run.steps.len(),
        1,
        "a late step event creates no phantom step"
    );
    assert!(d.summary.counts.adds_up());
    assert_eq!(d.run.violations[0].line, Some(4));
    let s = &d.run.steps[0];
    assert_eq!(s.transitions.len(), 2);
    assert_eq!(s.transitions[1].in_previous_ms, Some(1));
}

#[test]
fn swamp_malformed_events_are_refused_whole() {
    let mut m = model();
    let r = m.ingest_ndjson(
        &[
            r#"{"kind":"started","runId":"r","workflowName":"w"}"#,
            r#"{"kind":"method_executing","jobId":"j","stepId":"s"}"#,
            r#"{"kind":"step_started","jobId":"j"}"#,
            r#"{"kind":"step_failed","jobId":"j","stepId":"s","error":{"x":1}}"#,
        ]
        .join("\n"),
    );
    let got: Vec<_> = r
        .errors
        .iter()
        .map(|e| (e.line, e.field.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (2, Some("methodName")),
            (3, Some("stepId")),
            (4, Some("error"))
        ]
    );
    assert!(m.run("r").unwrap().run.steps.is_empty());
}

#[test]
fn swamp_nested_runs_with_run_ids_and_same_named_steps_stay_apart() {
    let m = &mut swamp_events(&[
        r#"{"kind":"started","runId":"outer","workflowName":"o","timestamp":0}"#,
        r#"{"kind":"step_started","jobId":"j","stepId":"call","timestamp":1}"#,
        r#"{"kind":"started","runId":"inner","workflowName":"i","timestamp":2}"#,
        r#"{"kind":"method_executing","runId":"inner","jobId":"j","stepId":"call","methodName":"m","timestamp":3}"#,
        r#"{"kind":"step_completed","runId":"inner","jobId":"j","stepId":"call","timestamp":5}"#,
        r#"{"kind":"step_completed","jobId":"j","stepId":"call","timestamp":6}"#,
        r#"{"kind":"completed","runId":"outer","timestamp":7}"#,
    ]);
    let outer = m.run("outer").unwrap();
    let inner = m.run("inner").unwrap();
    assert_eq!(outer.run.steps[0].child_run.as_deref(), Some("inner"));
    assert!(
        outer.run.steps[0].telemetry.is_none(),
        "the workflow-task step ran no method"
    );
    assert_eq!(inner.run.parent_run.as_deref(), Some("outer"));
    assert_eq!(inner.run.parent_step.as_deref(), Some("j/call"));
    assert_eq!(
        inner.run.status,
        RunStatus::Completed,
        "ends with the step that ran it"
    );
    let e = inner.run.steps[0].telemetry.as_ref().unwrap();
    assert_eq!(e.workflow_context.as_ref().unwrap().run_id, "inner");
    assert_eq!(e.duration_ms, 2);
    assert_eq!(outer.run.status, RunStatus::Completed);
}

#[test]
fn swamp_job_dependencies_drive_the_critical_path() {
    let m = &mut swamp_events(&[
        r#"{"kind":"started","runId":"r","workflowName":"w","jobs":[{"id":"a","stepCount":1,"dependsOn":[]},{"id":"b","stepCount":1,"dependsOn":[]},{"id":"c","stepCount":1,"dependsOn":["a"]}],"timestamp":0}"#,
        r#"{"kind":"step_started","jobId":"a","stepId":"x","timestamp":0}"#,
        r#"{"kind":"step_started","jobId":"b","stepId":"y","timestamp":0}"#,
        r#"{"kind":"step_completed","jobId":"a","stepId":"x","timestamp":100}"#,
        r#"{"kind":"step_started","jobId":"c","stepId":"z","timestamp":100}"#,
        r#"{"kind":"step_completed","jobId":"c","stepId":"z","timestamp":150}"#,
        r#"{"kind":"step_completed","jobId":"b","stepId":"y","timestamp":200}"#,
        r#"{"kind":"completed","runId":"r","timestamp":200}"#,
    ]);
    let d = m.run("r").unwrap();
    // By time alone the path would be b/y (ends last); by dependency a/x -> c/z
    // (150 ms) loses to b/y (200 ms) too, so check a graph where it wins:
    assert_eq!(d.summary.critical_path, vec!["b/y"]);
    assert!(
        d.run.steps[2].depends_on.is_empty(),
        "job-level edges are not written into steps"
    );
    let m = &mut swamp_events(&[
        r#"{"kind":"started","runId":"r","workflowName":"w","jobs":[{"id":"a","stepCount":1,"dependsOn":[]},{"id":"b","stepCount":1,"dependsOn":[]},{"id":"c","stepCount":1,"dependsOn":["a"]}],"timestamp":0}"#,
        r#"{"kind":"step_started","jobId":"a","stepId":"x","timestamp":0}"#,
        r#"{"kind":"step_started","jobId":"b","stepId":"y","timestamp":0}"#,
        r#"{"kind":"step_completed","jobId":"a","stepId":"x","timestamp":100}"#,
        r#"{"kind":"step_completed","jobId":"b","stepId":"y","timestamp":180}"#,
        r#"{"kind":"step_started","jobId":"c","stepId":"z","timestamp":100}"#,
        r#"{"kind":"step_completed","jobId":"c","stepId":"z","timestamp":190}"#,
        r#"{"kind":"completed","runId":"r","timestamp":190}"#,
    ]);
    let d = m.run("r").unwrap();
    assert_eq!(d.summary.critical_path, vec!["a/x", "c/z"]);
    assert_eq!(d.summary.bottleneck.as_deref(), Some("a/x"));
}

fn tasker_sample() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/www/samples/tasker-checkout.ndjson"
    ))
    .unwrap()
}

#[test]
fn the_tasker_sample_keeps_the_retry_as_an_attempt() {
    let mut m = model();
    let r = m.ingest_ndjson(&tasker_sample());
    assert_eq!(r.errors, vec![]);
    let snap = m.snapshot();
    assert_eq!(snap.runs.len(), 1);
    let d = &snap.runs[0];
    assert_eq!(
        (d.run.id.as_str(), d.run.name.as_str(), d.run.status),
        ("4812", "checkout", RunStatus::Completed)
    );
    assert_eq!(d.run.correlation_id.as_deref(), Some("tsk_lx2v9k_ab12cd"));
    assert!(d.run.violations.is_empty(), "{:#?}", d.run.violations);
    let steps: Vec<_> = d
        .run
        .steps
        .iter()
        .map(|s| (s.name.as_str(), s.status, s.attempts.len()))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("validate_cart", StepStatus::Completed, 1),
            ("reserve_inventory", StepStatus::Completed, 1),
            ("charge_payment", StepStatus::Completed, 2),
            ("send_confirmation", StepStatus::Completed, 1),
        ]
    );
    let charge = &d.run.steps[2];
    assert_eq!(charge.attempts[0].status, StepStatus::Failed);
    assert!(
        charge.attempts[0]
            .error
            .as_ref()
            .unwrap()
            .message
            .contains("timeout")
            || charge.attempts[0]
                .error
                .as_ref()
                .unwrap()
                .message
                .contains("timed out")
    );
    assert_eq!(charge.attempts[1].status, StepStatus::Completed);
    assert!(charge.error.is_none());
    assert_eq!(d.run.steps[0].duration_ms, Some(148));
    assert_eq!(d.run.steps[1].depends_on, vec!["validate_cart"]);
    assert_eq!(
        d.summary.critical_path,
        vec![
            "validate_cart",
            "reserve_inventory",
            "charge_payment",
            "send_confirmation"
        ]
    );
    assert_eq!(d.summary.bottleneck.as_deref(), Some("charge_payment"));
    assert!(d.summary.counts.adds_up());
    let text = serde_json::to_string(&snap).unwrap();
    assert!(!text.contains("tok_live_SECRET123"), "card token leaked");
    assert!(!text.contains("ada@example.com"), "email leaked");
    assert!(text.contains("\"customer_email\":\"[REDACTED]\""));
}

#[test]
fn tasker_illegal_transitions_are_violations() {
    let mut m = model();
    let e = |name: &str, extra: Value| {
        let mut v = json!({"event": name, "task_id": 1, "task_name": "t"});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    m.ingest(&e("task.start_requested", json!({}))).unwrap();
    m.ingest(&e("step.completed", json!({"step_name": "s"})))
        .unwrap();
    m.ingest(&e("step.execution_requested", json!({"step_name": "s"})))
        .unwrap();
    m.ingest(&e("task.completed", json!({}))).unwrap();
    m.ingest(&e("task.start_requested", json!({}))).unwrap();
    m.ingest(&e("step.failed", json!({"step_name": "s"})))
        .unwrap();
    let d = m.run("1").unwrap();
    assert_eq!(d.run.status, RunStatus::Completed);
    let v: Vec<_> = d
        .run
        .violations
        .iter()
        .map(|v| (v.event.as_str(), v.from.as_deref(), v.to.as_str()))
        .collect();
    assert_eq!(
        v,
        vec![
            ("step.completed", None, "complete"),
            ("step.execution_requested", Some("complete"), "in_progress"),
            ("task.start_requested", Some("complete"), "steps_in_process"),
            ("step.failed", None, "error"),
        ]
    );
    assert!(m
        .ingest(&json!({"event": "step.completed", "step_name": "s"}))
        .is_err());
    let err = m
        .ingest(&json!({"event": "step.completed", "task_id": 1}))
        .unwrap_err();
    assert_eq!(err.field(), Some("step_name"));
}

#[test]
fn correlation_ids_are_kept_and_nested_runs_inherit_the_parent_one() {
    let m = &mut swamp_events(&[
        r#"{"kind":"started","runId":"outer","workflowName":"o","correlationId":"corr-1","timestamp":0}"#,
        r#"{"kind":"step_started","jobId":"j","stepId":"call","timestamp":1}"#,
        r#"{"kind":"started","runId":"inner","workflowName":"i","correlationId":"corr-2","timestamp":2}"#,
    ]);
    assert_eq!(
        m.run("outer").unwrap().run.correlation_id.as_deref(),
        Some("corr-1")
    );
    let inner = m.run("inner").unwrap();
    assert_eq!(inner.run.correlation_id.as_deref(), Some("corr-2"));
    assert_eq!(inner.run.parent_correlation_id.as_deref(), Some("corr-1"));
    let mut t = model();
    t.ingest(&json!({"event": "task.start_requested", "task_id": "t", "correlation_id": "c", "parent_correlation_id": "p"})).unwrap();
    let d = t.run("t").unwrap();
    assert_eq!(
        (
            d.run.correlation_id.as_deref(),
            d.run.parent_correlation_id.as_deref()
        ),
        (Some("c"), Some("p"))
    );
}

#[test]
fn duplicate_events_are_recorded_once_and_flagged() {
    let mut m = model();
    let spawn = ev("job.module.spawn", json!({"module": "m", "timestamp": 1}));
    let done = ev(
        "job.module.complete",
        json!({"module": "m", "timestamp": 2}),
    );
    for e in [
        ev("job.lifecycle.enqueue", json!({"timestamp": 0})),
        ev("job.lifecycle.start", json!({"timestamp": 0})),
        spawn.clone(),
        spawn,
        done.clone(),
        done,
    ] {
        m.ingest(&e).unwrap();
    }
    let d = m.run("j1").unwrap();
    let s = &d.run.steps[0];
    assert_eq!(s.attempts.len(), 1, "a duplicate spawn is not a retry");
    assert_eq!(s.transitions.len(), 2);
    assert_eq!(d.run.violations.len(), 2);
    assert!(d.summary.counts.adds_up());
    let mut sw = swamp_events(&[
        r#"{"kind":"started","runId":"r","workflowName":"w","timestamp":0}"#,
        r#"{"kind":"step_started","jobId":"j","stepId":"s","timestamp":1}"#,
        r#"{"kind":"step_completed","jobId":"j","stepId":"s","timestamp":2}"#,
        r#"{"kind":"step_completed","jobId":"j","stepId":"s","timestamp":2}"#,
    ]);
    let d = sw.run("r").unwrap();
    assert_eq!(d.run.steps[0].transitions.len(), 2);
    assert_eq!(d.run.violations.len(), 1);
}

#[test]
fn out_of_order_events_are_kept_and_flagged_not_lost() {
    // The module's result arrives before its spawn, and the job's start after
    // its first module event.
    let mut m = model();
    m.ingest(&ev("job.lifecycle.enqueue", json!({"timestamp": 0})))
        .unwrap();
    m.ingest(&ev(
        "job.module.complete",
        json!({"module": "m", "duration_ms": 40, "timestamp": 50}),
    ))
    .unwrap();
    m.ingest(&ev("job.lifecycle.start", json!({"timestamp": 5})))
        .unwrap();
    m.ingest(&ev("job.lifecycle.complete", json!({"timestamp": 60})))
        .unwrap();
    let d = m.run("j1").unwrap();
    assert_eq!(d.run.status, RunStatus::Completed);
    let s = &d.run.steps[0];
    assert_eq!(s.status, StepStatus::Completed, "the result is kept");
    assert_eq!(s.attempts[0].duration_ms, Some(40));
    assert_eq!(
        s.started_at.map(|t| t.millis()),
        Some(10),
        "start derived from duration"
    );
    let msgs: Vec<_> = d.run.violations.iter().map(|v| v.message.clone()).collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(msgs[0].contains("while job j1 is Queued"));
    assert!(msgs[1].contains("cannot go from (new) to Completed"));
}

// ------------------------------------------------ review regressions

fn tasker(name: &str, extra: Value) -> Value {
    let mut v = json!({"event": name, "task_id": 1, "task_name": "t"});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

#[test]
fn a_huge_attempt_number_opens_at_most_one_attempt() {
    let mut m = model();
    m.ingest(&tasker("task.start_requested", json!({})))
        .unwrap();
    m.ingest(&tasker(
        "step.execution_requested",
        json!({"step_name": "a"}),
    ))
    .unwrap();
    m.ingest(&tasker(
        "step.failed",
        json!({"step_name": "a", "attempt_number": 1e12}),
    ))
    .unwrap();
    m.ingest(&tasker(
        "step.retry_requested",
        json!({"step_name": "a", "attempt_number": 1e12}),
    ))
    .unwrap();
    m.ingest(&tasker(
        "step.execution_requested",
        json!({"step_name": "a", "attempt_number": 1e12}),
    ))
    .unwrap();
    let d = m.run("1").unwrap();
    assert!(
        d.run.steps[0].attempts.len() <= 3,
        "{}",
        d.run.steps[0].attempts.len()
    );
}

#[test]
fn huge_durations_never_overflow() {
    let mut m = model();
    for e in [
        ev("job.lifecycle.enqueue", json!({"timestamp": -10})),
        ev("job.lifecycle.start", json!({"timestamp": -10})),
        ev("job.module.spawn", json!({"module": "m"})),
        ev(
            "job.module.error",
            json!({"module": "m", "timestamp": -10, "duration_ms": 1e300}),
        ),
        ev("job.module.spawn", json!({"module": "m"})),
        ev(
            "job.module.error",
            json!({"module": "m", "duration_ms": 1e300}),
        ),
        ev("job.lifecycle.complete", json!({"duration_ms": 1e300})),
    ] {
        m.ingest(&e).unwrap();
    }
    m.ingest(&tasker("step.completed", json!({"step_name": "a", "started_at": "2026-01-01T00:00:00Z", "execution_duration": 1e300}))).unwrap();
    m.ingest(&tasker(
        "step.completed",
        json!({"step_name": "b", "step_dependencies": ["a"], "execution_duration": 1e300}),
    ))
    .unwrap();
    let snap = m.snapshot();
    assert_eq!(snap.runs.len(), 2);
}

#[test]
fn secrets_in_method_failures_are_masked_in_the_child_entry_too() {
    let m = &mut swamp_events(&[
        r#"{"kind":"started","runId":"r","workflowName":"w","timestamp":0}"#,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"x","timestamp":1}"#,
        r#"{"kind":"step_failed","jobId":"j","stepId":"s","error":"auth failed token=LEAK3 {\"password\": \"LEAK1\"}","errorType":"secret=LEAK4","timestamp":2}"#,
        r#"{"kind":"job_completed","jobId":"j","status":"failed secret=LEAK5","timestamp":3}"#,
    ]);
    let text = serde_json::to_string(&m.snapshot()).unwrap();
    for leak in ["LEAK1", "LEAK3", "LEAK4", "LEAK5"] {
        assert!(!text.contains(leak), "{leak} leaked: {text}");
    }
    let d = m.run("r").unwrap();
    let entry = d.run.steps[0].telemetry.as_ref().unwrap();
    assert_eq!(
        entry.result.error_message.as_deref(),
        Some(r#"auth failed token=[REDACTED] {"password": "[REDACTED]"}"#)
    );
    let mut t = model();
    t.ingest(&tasker(
        "step.failed",
        json!({"step_name": "a", "exception_class": "Err secret=LEAK10"}),
    ))
    .unwrap();
    assert!(!serde_json::to_string(&t.snapshot())
        .unwrap()
        .contains("LEAK10"));
}

#[test]
fn orchestrator_runs_never_move_backwards_and_failed_modules_need_a_respawn() {
    let mut m = model();
    for e in [
        ev("job.lifecycle.enqueue", json!({})),
        ev("job.lifecycle.start", json!({})),
        ev("job.lifecycle.enqueue", json!({})),
        ev("job.lifecycle.start", json!({})),
        ev("job.module.spawn", json!({"module": "m"})),
        ev("job.module.error", json!({"module": "m", "error": "boom"})),
        ev("job.module.complete", json!({"module": "m"})),
    ] {
        m.ingest(&e).unwrap();
    }
    let d = m.run("j1").unwrap();
    assert_eq!(d.run.status, RunStatus::Running);
    assert_eq!(d.run.transitions.len(), 2);
    let s = &d.run.steps[0];
    assert_eq!(
        s.status,
        StepStatus::Failed,
        "complete without a re-spawn is not applied"
    );
    assert_eq!(s.attempts.len(), 1);
    assert_eq!(d.run.violations.len(), 3);
}

#[test]
fn tasker_repeated_terminal_events_are_flagged_and_change_nothing() {
    let mut m = model();
    m.ingest(&tasker("task.start_requested", json!({})))
        .unwrap();
    m.ingest(&tasker(
        "step.execution_requested",
        json!({"step_name": "a"}),
    ))
    .unwrap();
    m.ingest(&tasker(
        "step.completed",
        json!({"step_name": "a", "step_results": {"v": "FIRST"}}),
    ))
    .unwrap();
    m.ingest(&tasker(
        "step.completed",
        json!({"step_name": "a", "step_results": {"v": "SECOND"}}),
    ))
    .unwrap();
    m.ingest(&tasker("task.failed", json!({"error_message": "bad"})))
        .unwrap();
    m.ingest(&tasker("task.failed", json!({"error_message": "again"})))
        .unwrap();
    let d = m.run("1").unwrap();
    assert_eq!(d.run.steps[0].results, Some(json!({"v": "FIRST"})));
    let events: Vec<_> = d.run.violations.iter().map(|v| v.event.as_str()).collect();
    assert_eq!(events, vec!["step.completed", "task.failed"]);
    assert_eq!(d.run.error.as_ref().unwrap().message, "bad");
}

#[test]
fn a_tasker_task_retried_after_failing_loses_its_old_failure() {
    let mut m = model();
    for (name, t) in [
        ("task.start_requested", 0),
        ("task.failed", 1),
        ("task.retry_requested", 2),
        ("task.start_requested", 3),
        ("task.completed", 5),
    ] {
        m.ingest(&tasker(
            name,
            json!({ "timestamp": t, "error_message": "bad" }),
        ))
        .unwrap();
    }
    let d = m.run("1").unwrap();
    assert_eq!(d.run.status, RunStatus::Completed);
    assert!(d.run.error.is_none());
    assert_eq!(d.summary.failure, None);
    assert!(d.summary.duration_ms >= d.summary.execution_ms);
}

#[test]
fn swamp_events_for_runs_never_started_are_recorded_and_a_late_started_fills_in() {
    let m = &mut swamp_events(&[
        r#"{"kind":"completed","runId":"ghost","timestamp":1}"#,
        r#"{"kind":"method_executing","runId":"r2","jobId":"j","stepId":"s","methodName":"m","timestamp":2}"#,
        r#"{"kind":"started","runId":"r2","workflowName":"late","timestamp":3}"#,
    ]);
    let snap = m.snapshot();
    assert_eq!(snap.violations.len(), 1);
    assert_eq!(
        snap.violations[0].message,
        "completed for run ghost, which never started"
    );
    let d = m.run("r2").unwrap();
    assert_eq!(d.run.name, "late");
    assert_eq!(d.run.status, RunStatus::Running);
    assert_eq!(d.run.violations.len(), 1, "{:?}", d.run.violations);
    assert!(d.run.violations[0].message.contains("before its started"));
}

#[test]
fn tasker_batch_and_informational_events_are_accepted_without_a_step() {
    let mut m = model();
    m.ingest(&tasker("task.start_requested", json!({})))
        .unwrap();
    m.ingest(&tasker(
        "workflow.steps_execution_started",
        json!({"step_count": 2}),
    ))
    .unwrap();
    m.ingest(&tasker("observability.step.find_viable", json!({})))
        .unwrap();
    m.ingest(&tasker("step.before_transition", json!({"step_name": "a"})))
        .unwrap();
    assert!(m.run("1").unwrap().run.steps.is_empty());
}

#[test]
fn bad_instants_name_their_own_field() {
    let mut m = model();
    let e = m
        .ingest(&tasker(
            "step.completed",
            json!({"step_name": "a", "started_at": "soon"}),
        ))
        .unwrap_err();
    assert_eq!(e.field(), Some("started_at"));
    assert!(e.to_string().starts_with("started_at: "), "{e}");
}

#[test]
fn every_legal_orchestrator_transition_applies_without_violations() {
    // Pending -> Cancelled and Queued -> Cancelled.
    let mut m = model();
    m.ingest(&json!({"event": "job.lifecycle.cancel", "job_id": "a"}))
        .unwrap();
    m.ingest(&json!({"event": "job.lifecycle.enqueue", "job_id": "b"}))
        .unwrap();
    m.ingest(&json!({"event": "job.lifecycle.cancel", "job_id": "b"}))
        .unwrap();
    for id in ["a", "b"] {
        let d = m.run(id).unwrap();
        assert_eq!(d.run.status, RunStatus::Cancelled, "{id}");
        assert!(d.run.violations.is_empty(), "{id}: {:?}", d.run.violations);
    }
    // Running -> Completed / Failed / Cancelled, and modules Spawned -> each end,
    // Failed -> Spawned and Panicked -> Spawned (retries).
    for (end, status) in [
        ("job.lifecycle.complete", RunStatus::Completed),
        ("job.lifecycle.fail", RunStatus::Failed),
        ("job.lifecycle.cancel", RunStatus::Cancelled),
    ] {
        let mut m = model();
        let e = |name: &str, module: Option<&str>| {
            let mut v = json!({"event": name, "job_id": "j"});
            if let Some(x) = module {
                v["module"] = json!(x);
            }
            v
        };
        for (name, module) in [
            ("job.lifecycle.enqueue", None),
            ("job.lifecycle.start", None),
            ("job.module.spawn", Some("p")),
            ("job.module.panic", Some("p")),
            ("job.module.spawn", Some("p")),
            ("job.module.error", Some("p")),
            ("job.module.spawn", Some("p")),
            ("job.module.complete", Some("p")),
            (end, None),
        ] {
            m.ingest(&e(name, module)).unwrap();
        }
        let d = m.run("j").unwrap();
        assert_eq!(d.run.status, status);
        assert!(d.run.violations.is_empty(), "{:?}", d.run.violations);
        let attempts: Vec<_> = d.run.steps[0].attempts.iter().map(|a| a.status).collect();
        assert_eq!(
            attempts,
            vec![
                StepStatus::Panicked,
                StepStatus::Failed,
                StepStatus::Completed
            ]
        );
    }
}

#[test]
fn swamp_skipped_steps_and_jobs_are_recorded() {
    let m = &mut swamp_events(&[
        r#"{"kind":"started","runId":"r","workflowName":"w","timestamp":0}"#,
        r#"{"kind":"step_skipped","jobId":"j","stepId":"s","timestamp":1}"#,
        r#"{"kind":"job_skipped","jobId":"k","timestamp":1}"#,
        r#"{"kind":"completed","runId":"r","timestamp":2}"#,
    ]);
    let d = m.run("r").unwrap();
    assert_eq!(d.run.steps[0].status, StepStatus::Skipped);
    assert_eq!(d.summary.counts.skipped, 1);
    assert!(d.summary.counts.adds_up());
    assert_eq!(
        d.run
            .jobs
            .iter()
            .find(|j| j.name == "k")
            .unwrap()
            .status
            .as_deref(),
        Some("skipped")
    );
    assert_eq!(d.run.status, RunStatus::Completed);
    assert!(d.run.violations.is_empty(), "{:?}", d.run.violations);
}

#[test]
fn tasker_duplicate_and_out_of_order_events() {
    let mut m = model();
    // A step's result arrives before its execution request: kept, flagged.
    m.ingest(&tasker("task.start_requested", json!({"timestamp": 0})))
        .unwrap();
    m.ingest(&tasker(
        "step.completed",
        json!({"step_name": "a", "timestamp": 20, "execution_duration": 0.01}),
    ))
    .unwrap();
    m.ingest(&tasker(
        "step.execution_requested",
        json!({"step_name": "a", "timestamp": 10}),
    ))
    .unwrap();
    // A duplicated execution request is a no-op, not a new attempt.
    m.ingest(&tasker(
        "step.execution_requested",
        json!({"step_name": "b", "timestamp": 30}),
    ))
    .unwrap();
    m.ingest(&tasker(
        "step.execution_requested",
        json!({"step_name": "b", "timestamp": 30}),
    ))
    .unwrap();
    m.ingest(&tasker(
        "step.completed",
        json!({"step_name": "b", "timestamp": 40}),
    ))
    .unwrap();
    let d = m.run("1").unwrap();
    let a = &d.run.steps[0];
    assert_eq!(
        a.status,
        StepStatus::Completed,
        "the late request does not reopen a completed step"
    );
    let b = &d.run.steps[1];
    assert_eq!((b.status, b.attempts.len()), (StepStatus::Completed, 1));
    let v: Vec<_> = d
        .run
        .violations
        .iter()
        .map(|v| (v.event.as_str(), v.step.as_deref()))
        .collect();
    assert_eq!(
        v,
        vec![
            ("step.completed", Some("a")),
            ("step.execution_requested", Some("a"))
        ]
    );
    assert!(d.summary.counts.adds_up());
}

#[test]
fn events_passed_on_are_redacted_like_everything_else() {
    let mut m = model();
    let started = json!({"kind": "started", "runId": "r", "workflowName": "w"});
    let exec = json!({"kind": "method_executing", "jobId": "j", "stepId": "s", "modelName": "fleet-api", "methodName": "deploy"});
    let failed = json!({"kind": "step_failed", "jobId": "j", "stepId": "s", "error": "fleet-api rejected token=abc", "inputs": {"password": "p"}});
    for e in [&started, &exec] {
        m.ingest(e).unwrap();
    }
    let out = serde_json::to_string(&m.redact_event(&failed)).unwrap();
    assert!(
        !out.contains("fleet-api") && !out.contains("abc") && !out.contains("\"p\""),
        "{out}"
    );
    assert!(
        out.contains("<REDACTED> rejected token=[REDACTED]"),
        "{out}"
    );
    let exec_out = m.redact_event(&exec);
    assert_eq!(exec_out["modelName"], "<REDACTED>");
    assert_eq!(exec_out["methodName"], "deploy");
    let tasker =
        json!({"event": "step.completed", "task_id": 1, "step_inputs": {"card_token": "tok_1"}});
    assert_eq!(
        m.redact_event(&tasker)["step_inputs"]["card_token"],
        "[REDACTED]"
    );
}
