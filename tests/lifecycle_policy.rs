//! The one move policy, as each dialect meets it: duplicate deliveries, a
//! second end, a skipped state, a move backwards, a move out of an ended
//! state, a result before its start. Every scenario and its expected
//! transitions and violations are written by hand.
#![cfg(not(target_arch = "wasm32"))]

use workflow_telemetry::run::{RunDetail, RunModel, RunModelOptions, RunStatus, StepStatus};
use workflow_telemetry::{FixedClock, Timestamp};

fn model_of(lines: &[&str]) -> RunModel<FixedClock> {
    let mut m = RunModel::new(
        RunModelOptions::default(),
        FixedClock::new([Timestamp::from_millis(0).unwrap()]),
    );
    let report = m.ingest_ndjson(&lines.join("\n"));
    assert_eq!(report.errors, vec![], "every line is well formed");
    m
}

fn tos(d: &RunDetail) -> Vec<&str> {
    d.run.transitions.iter().map(|t| &*t.to).collect()
}

fn messages(d: &RunDetail) -> Vec<&str> {
    d.run
        .violations
        .iter()
        .map(|v| v.message.as_str())
        .collect()
}

#[test]
fn orchestrator_duplicates_are_refused_and_named() {
    let m = &mut model_of(&[
        r#"{"event":"job.lifecycle.enqueue","job_id":"j","timestamp":1}"#,
        r#"{"event":"job.lifecycle.start","job_id":"j","timestamp":2}"#,
        r#"{"event":"job.lifecycle.start","job_id":"j","timestamp":3}"#,
        r#"{"event":"job.lifecycle.enqueue","job_id":"j","timestamp":4}"#,
        r#"{"event":"job.lifecycle.complete","job_id":"j","timestamp":5}"#,
        r#"{"event":"job.lifecycle.complete","job_id":"j","timestamp":6}"#,
        r#"{"event":"job.lifecycle.fail","job_id":"j","timestamp":7}"#,
    ]);
    let d = m.run("j").unwrap();
    assert_eq!(tos(&d), ["Queued", "Running", "Completed"]);
    assert_eq!(d.run.status, RunStatus::Completed);
    assert_eq!(
        messages(&d),
        [
            "job j reached Running twice",
            "job j cannot go from Running to Queued",
            "job j reached Completed twice",
            "job j cannot go from Completed to Failed",
        ]
    );
    // The violation names where the job was and where the event tried to go.
    let v = &d.run.violations[1];
    assert_eq!(
        (v.from.as_deref(), v.to.as_str()),
        (Some("Running"), "Queued")
    );
    assert_eq!(v.event, "job.lifecycle.enqueue");
}

#[test]
fn orchestrator_skipped_state_is_applied_and_flagged() {
    let m = &mut model_of(&[
        r#"{"event":"job.lifecycle.enqueue","job_id":"j","timestamp":1}"#,
        r#"{"event":"job.lifecycle.complete","job_id":"j","timestamp":5}"#,
    ]);
    let d = m.run("j").unwrap();
    assert_eq!(tos(&d), ["Queued", "Completed"]);
    assert_eq!(
        messages(&d),
        ["job j went from Queued to Completed, skipping a state"]
    );
    // Each transition records the canonical status it reached.
    let statuses: Vec<_> = d.run.transitions.iter().map(|t| t.status).collect();
    assert_eq!(
        statuses,
        [
            Some(workflow_telemetry::run::Canonical::Run(RunStatus::Queued)),
            Some(workflow_telemetry::run::Canonical::Run(
                RunStatus::Completed
            )),
        ]
    );
}

#[test]
fn an_orchestrator_result_before_its_spawn_is_kept_and_flagged_then_nothing_moves_it() {
    let m = &mut model_of(&[
        r#"{"event":"job.lifecycle.enqueue","job_id":"j","timestamp":1}"#,
        r#"{"event":"job.lifecycle.start","job_id":"j","timestamp":2}"#,
        r#"{"event":"job.module.complete","job_id":"j","module":"m","timestamp":3}"#,
        r#"{"event":"job.module.spawn","job_id":"j","module":"m","timestamp":4}"#,
    ]);
    let d = m.run("j").unwrap();
    let s = &d.run.steps[0];
    assert_eq!(s.status, StepStatus::Completed);
    assert_eq!(s.transitions.len(), 1);
    assert_eq!(
        messages(&d),
        [
            "module m cannot go from (new) to Completed: kept, as its earlier events may be late",
            "module m cannot go from Completed to Spawned",
        ]
    );
}

#[test]
fn swamp_repeated_step_events_are_refused_once_each() {
    let m = &mut model_of(&[
        r#"{"kind":"started","runId":"r","workflowName":"w","timestamp":0}"#,
        r#"{"kind":"step_started","jobId":"j","stepId":"s","timestamp":1}"#,
        r#"{"kind":"step_started","jobId":"j","stepId":"s","timestamp":2}"#,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","methodName":"m","timestamp":3}"#,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","methodName":"m","timestamp":4}"#,
        r#"{"kind":"step_started","jobId":"j","stepId":"s","timestamp":5}"#,
        r#"{"kind":"step_completed","jobId":"j","stepId":"s","timestamp":6}"#,
        r#"{"kind":"step_completed","jobId":"j","stepId":"t","timestamp":7}"#,
        r#"{"kind":"completed","runId":"r","timestamp":8}"#,
    ]);
    let d = m.run("r").unwrap();
    let s = &d.run.steps[0];
    let steps: Vec<&str> = s.transitions.iter().map(|t| &*t.to).collect();
    assert_eq!(steps, ["running", "executing", "completed"]);
    assert_eq!(s.attempts[0].started_at.map(|t| t.millis()), Some(1));
    assert_eq!(d.run.steps[1].status, StepStatus::Completed, "kept");
    assert_eq!(
        messages(&d),
        [
            "step j/s reached running twice",
            "step j/s reached executing twice",
            "step j/s cannot go from executing to running",
            "step j/t went from pending to completed, skipping a state",
        ]
    );
    assert_eq!(tos(&d), ["running", "completed"]);
}

#[test]
fn tasker_quiet_repeats_stay_quiet_and_a_second_error_is_named() {
    let e = |name: &str| format!(r#"{{"event":"{name}","task_id":1,"step_name":"s"}}"#);
    let lines = [
        e("task.start_requested"),
        e("step.execution_requested"),
        e("step.execution_requested"),
        e("step.failed"),
        e("step.failed"),
        e("step.retry_requested"),
        e("step.execution_requested"),
        e("step.completed"),
    ];
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let m = &mut model_of(&refs);
    let d = m.run("1").unwrap();
    let s = &d.run.steps[0];
    let steps: Vec<&str> = s.transitions.iter().map(|t| &*t.to).collect();
    assert_eq!(
        steps,
        ["in_progress", "error", "pending", "in_progress", "complete"]
    );
    assert_eq!(s.attempts.len(), 2, "the retry opened a second attempt");
    assert_eq!(messages(&d), ["step s reached error twice"]);
}
