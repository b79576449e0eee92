//! Behaviour of `TelemetryBridge` through its public API: the branch table of
//! swamp PR #1349 (spec §3.5, §2.6) and every required weakness fix (spec §3.6).
//!
//! Clocks and ids are injected so that every entry is deterministic, and whole
//! entries are compared as JSON text so that key order is checked too.
#![cfg(not(target_arch = "wasm32"))]

use std::cell::Cell;
use std::rc::Rc;

use workflow_telemetry::bridge::{SUPERSEDED, TERMINATED};
use workflow_telemetry::entry::InvocationContext;
use workflow_telemetry::{
    BridgeConfig, BridgeStats, Event, FixedClock, LineErrorKind, NdjsonOptions, SequentialIds,
    TelemetryBridge, TelemetryEntry, Timestamp,
};

mod fixture;
use fixture::{at, config, T0};

fn bridge(instants: &[i64]) -> TelemetryBridge {
    TelemetryBridge::new(
        config(),
        FixedClock::new(instants.iter().map(|&ms| at(ms))),
        SequentialIds::new("child"),
    )
}

/// A clock that fails the test if it is read.
fn no_clock() -> impl FnMut() -> Timestamp {
    || panic!("the bridge read its clock although every event carried a timestamp")
}

fn feed(b: &mut TelemetryBridge, json: &str) -> Vec<TelemetryEntry> {
    let event = Event::from_json(json).unwrap_or_else(|e| panic!("bad test event {json}: {e}"));
    b.observe(&event)
}

/// Feeds an event that must not close anything.
fn quiet(b: &mut TelemetryBridge, json: &str) {
    let out = feed(b, json);
    assert!(
        out.is_empty(),
        "{json} unexpectedly produced {:?}",
        jsons(&out)
    );
}

/// Feeds an event that must close exactly one entry, and returns its JSON.
fn one(b: &mut TelemetryBridge, json: &str) -> String {
    let out = feed(b, json);
    assert_eq!(out.len(), 1, "{json} produced {:?}", jsons(&out));
    let text = out[0].to_json();
    assert_sane(&text);
    text
}

fn jsons(entries: &[TelemetryEntry]) -> Vec<String> {
    let out: Vec<String> = entries.iter().map(TelemetryEntry::to_json).collect();
    for e in &out {
        assert_sane(e);
    }
    out
}

/// An invariant of every child entry: no 1970 placeholder instant (W5).
fn assert_sane(json: &str) {
    assert!(
        !json.contains("1970-01-01"),
        "placeholder epoch instant in {json}"
    );
}

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

const SUCCESS: &str = r#"{"status":"success","exitCode":0}"#;

fn error(message: &str) -> String {
    format!(
        r#"{{"status":"error","exitCode":1,"errorType":"Error","errorMessage":{}}}"#,
        q(message)
    )
}

fn ctx(workflow: &str, run: &str, job: &str, step: &str, extra: &str) -> String {
    format!(
        r#"{{"workflowName":{},"runId":{},"jobName":{},"stepName":{}{extra}}}"#,
        q(workflow),
        q(run),
        q(job),
        q(step)
    )
}

/// The JSON of a child entry made with `config()`.
fn entry_json(
    id: &str,
    method: &str,
    result: &str,
    started: &str,
    completed: &str,
    duration_ms: i64,
    context: &str,
) -> String {
    format!(
        concat!(
            r#"{{"id":"{id}","invocation":{{"command":"model","args":["run","<REDACTED>",{method}],"#,
            r#""optionKeys":[],"globalOptions":[],"subcommand":"method"}},"result":{result},"#,
            r#""startedAt":"{started}","completedAt":"{completed}","durationMs":{duration},"#,
            r#""swampVersion":"1.2.3","denoVersion":"2.1.4","platform":"linux","#,
            r#""parentInvocationId":"parent-inv-1","workflowContext":{context}}}"#
        ),
        id = id,
        method = q(method),
        result = result,
        started = started,
        completed = completed,
        duration = duration_ms,
        context = context,
    )
}

fn field(json: &str, pointer: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v.pointer(pointer)
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}

const STARTED: &str = r#"{"kind":"started","runId":"run-1","workflowName":"deploy","driver":"docker","jobs":[{"id":"build","stepCount":1,"dependsOn":[]}]}"#;

// ---------------------------------------------------------------------------
// Branch table (spec §3.5)
// ---------------------------------------------------------------------------

#[test]
fn success_entry_has_the_exact_wire_shape() {
    let mut b = bridge(&[0, 1_500]);
    quiet(&mut b, STARTED);
    quiet(
        &mut b,
        r#"{"kind":"model_resolved","jobId":"build","stepId":"compile","modelName":"secret-model","modelType":"command/shell","methodName":"execute"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"build","stepId":"compile","modelName":"secret-model","methodName":"execute","driver":"raw"}"#,
    );
    assert_eq!(b.in_flight(), 1);
    let got = one(
        &mut b,
        r#"{"kind":"step_completed","jobId":"build","stepId":"compile","dataHandles":[{"id":"h1"}]}"#,
    );
    assert_eq!(
        got,
        concat!(
            r#"{"id":"child-1","invocation":{"command":"model","args":["run","<REDACTED>","execute"],"optionKeys":[],"globalOptions":[],"subcommand":"method"},"#,
            r#""result":{"status":"success","exitCode":0},"startedAt":"2026-02-05T10:00:00.000Z","completedAt":"2026-02-05T10:00:01.500Z","durationMs":1500,"#,
            r#""swampVersion":"1.2.3","denoVersion":"2.1.4","platform":"linux","parentInvocationId":"parent-inv-1","#,
            r#""workflowContext":{"workflowName":"deploy","runId":"run-1","jobName":"build","stepName":"compile","modelType":"command/shell","driver":"raw"}}"#
        )
    );
    assert_eq!(b.in_flight(), 0);
}

#[test]
fn configured_invocation_context_is_stamped_on_every_child() {
    let cfg = BridgeConfig {
        invocation_context: Some(InvocationContext {
            agent_session_detected: true,
            is_interactive: false,
            configured_ai_tools: Some(vec![]),
            detected_ai_tool: None,
        }),
        ..config()
    };
    let mut b = TelemetryBridge::new(
        cfg,
        FixedClock::new([at(0), at(7)]),
        SequentialIds::new("c"),
    );
    quiet(&mut b, STARTED);
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"fit"}"#,
    );
    let got = one(
        &mut b,
        r#"{"kind":"step_completed","jobId":"j","stepId":"s"}"#,
    );
    assert_eq!(
        got,
        concat!(
            r#"{"id":"c-1","invocation":{"command":"model","args":["run","<REDACTED>","fit"],"optionKeys":[],"globalOptions":[],"subcommand":"method"},"#,
            r#""result":{"status":"success","exitCode":0},"startedAt":"2026-02-05T10:00:00.000Z","completedAt":"2026-02-05T10:00:00.007Z","durationMs":7,"#,
            r#""swampVersion":"1.2.3","denoVersion":"2.1.4","platform":"linux","#,
            r#""invocationContext":{"agentSessionDetected":true,"isInteractive":false,"configuredAiTools":[]},"#,
            r#""parentInvocationId":"parent-inv-1","#,
            r#""workflowContext":{"workflowName":"deploy","runId":"run-1","jobName":"j","stepName":"s"}}"#
        )
    );
}

#[test]
fn post_method_failure_is_an_error_with_real_duration_and_first_line_only() {
    let mut b = bridge(&[1_000, 3_250]);
    quiet(&mut b, STARTED);
    quiet(
        &mut b,
        r#"{"kind":"model_resolved","jobId":"build","stepId":"compile","modelName":"m","modelType":"command/shell","methodName":"execute"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"build","stepId":"compile","modelName":"m","methodName":"execute","driver":"docker"}"#,
    );
    // The failure's own model/method/driver are ignored for an in-flight key.
    let got = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"build","stepId":"compile","error":"exit status 2\n    at stack line","modelName":"m","methodName":"other-method","driver":"raw"}"#,
    );
    assert_eq!(
        got,
        entry_json(
            "child-1",
            "execute",
            &error("exit status 2"),
            "2026-02-05T10:00:01.000Z",
            "2026-02-05T10:00:03.250Z",
            2_250,
            &ctx(
                "deploy",
                "run-1",
                "build",
                "compile",
                r#","modelType":"command/shell","driver":"docker""#
            ),
        )
    );
    assert_eq!(b.in_flight(), 0);
}

#[test]
fn pre_method_failure_is_synthesised_with_zero_duration() {
    let mut b = bridge(&[42_000, 99_000]);
    quiet(&mut b, STARTED);
    quiet(
        &mut b,
        r#"{"kind":"model_resolved","jobId":"build","stepId":"compile","modelName":"m","modelType":"command/shell","methodName":"execute"}"#,
    );
    let got = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"build","stepId":"compile","error":"Vault secret 'token' not found\ndetails","modelName":"m","methodName":"execute","driver":"raw"}"#,
    );
    assert_eq!(
        got,
        entry_json(
            "child-1",
            "execute",
            &error("Vault secret 'token' not found"),
            "2026-02-05T10:00:42.000Z",
            "2026-02-05T10:00:42.000Z",
            0,
            &ctx(
                "deploy",
                "run-1",
                "build",
                "compile",
                r#","modelType":"command/shell","driver":"raw""#
            ),
        )
    );
    assert_eq!(field(&got, "/durationMs"), serde_json::json!(0));
    assert_eq!(field(&got, "/startedAt"), field(&got, "/completedAt"));
    assert_eq!(
        b.in_flight(),
        0,
        "a synthesised entry leaves nothing in flight"
    );
    assert_eq!(b.stats().synthesised, 1);
}

#[test]
fn model_lookup_failure_is_synthesised_without_model_type_or_driver() {
    let mut b = bridge(&[5]);
    quiet(&mut b, STARTED);
    let got = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"s","error":"lookup failed","modelName":"ref","methodName":"fit"}"#,
    );
    assert_eq!(
        got,
        entry_json(
            "child-1",
            "fit",
            &error("lookup failed"),
            "2026-02-05T10:00:00.005Z",
            "2026-02-05T10:00:00.005Z",
            0,
            &ctx("deploy", "run-1", "j", "s", ""),
        )
    );
}

#[test]
fn structural_failures_produce_no_entry() {
    let mut b = bridge(&[0]);
    quiet(&mut b, STARTED);
    // Workflow-task step, cycle, depth: no model or method name.
    quiet(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"nested","error":"Nested workflow failed"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"s","error":"x","modelName":"m"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"s","error":"x","methodName":"fit"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"s","error":"x","modelName":"","methodName":"fit"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"s","error":"x","modelName":"m","methodName":""}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"s","error":"x","modelName":null,"methodName":null}"#,
    );
    assert_eq!(b.in_flight(), 0);
    assert_eq!(b.stats().entries, 0);
    assert_eq!(b.stats().synthesised, 0);
    assert!(b.finalize(None).is_empty());
}

#[test]
fn step_completed_with_nothing_in_flight_produces_nothing() {
    let mut b = bridge(&[0, 10, 20]);
    quiet(&mut b, STARTED);
    quiet(
        &mut b,
        r#"{"kind":"step_completed","jobId":"j","stepId":"workflow-task"}"#,
    );
    // A step of another key in flight is not closed by it either.
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"fit"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"step_completed","jobId":"j","stepId":"other"}"#,
    );
    assert_eq!(b.in_flight(), 1);
    assert_eq!(b.stats().entries, 0);
}

#[test]
fn allowed_failure_is_recorded_as_an_error() {
    let mut b = bridge(&[0, 100, 200]);
    quiet(&mut b, STARTED);
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"fit"}"#,
    );
    let post = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"s","error":"tolerated","allowedFailure":true}"#,
    );
    assert_eq!(
        post,
        entry_json(
            "child-1",
            "fit",
            &error("tolerated"),
            "2026-02-05T10:00:00.000Z",
            "2026-02-05T10:00:00.100Z",
            100,
            &ctx("deploy", "run-1", "j", "s", ""),
        )
    );
    let synth = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"t","error":"tolerated too","allowedFailure":true,"modelName":"m","methodName":"fit"}"#,
    );
    assert_eq!(
        synth,
        entry_json(
            "child-2",
            "fit",
            &error("tolerated too"),
            "2026-02-05T10:00:00.200Z",
            "2026-02-05T10:00:00.200Z",
            0,
            &ctx("deploy", "run-1", "j", "t", ""),
        )
    );
    assert!(!post.contains("allowedFailure") && !synth.contains("allowedFailure"));
}

#[test]
fn for_each_iterations_each_produce_an_entry_with_the_expanded_step_name() {
    let mut b = bridge(&[0, 1, 2, 10, 20, 30]);
    quiet(&mut b, STARTED);
    for region in ["a", "b", "c"] {
        let me = format!(
            r#"{{"kind":"method_executing","jobId":"fan","stepId":"fanout-{region}","modelName":"m","methodName":"deploy"}}"#
        );
        quiet(&mut b, &me);
    }
    assert_eq!(b.in_flight(), 3);
    let b_done = one(
        &mut b,
        r#"{"kind":"step_completed","jobId":"fan","stepId":"fanout-b"}"#,
    );
    let a_fail = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"fan","stepId":"fanout-a","error":"region down"}"#,
    );
    let c_done = one(
        &mut b,
        r#"{"kind":"step_completed","jobId":"fan","stepId":"fanout-c"}"#,
    );
    assert_eq!(
        b_done,
        entry_json(
            "child-1",
            "deploy",
            SUCCESS,
            "2026-02-05T10:00:00.001Z",
            "2026-02-05T10:00:00.010Z",
            9,
            &ctx("deploy", "run-1", "fan", "fanout-b", ""),
        )
    );
    assert_eq!(
        a_fail,
        entry_json(
            "child-2",
            "deploy",
            &error("region down"),
            "2026-02-05T10:00:00.000Z",
            "2026-02-05T10:00:00.020Z",
            20,
            &ctx("deploy", "run-1", "fan", "fanout-a", ""),
        )
    );
    assert_eq!(
        c_done,
        entry_json(
            "child-3",
            "deploy",
            SUCCESS,
            "2026-02-05T10:00:00.002Z",
            "2026-02-05T10:00:00.030Z",
            28,
            &ctx("deploy", "run-1", "fan", "fanout-c", ""),
        )
    );
}

#[test]
fn finalize_drains_in_start_order_with_one_shared_completion_instant() {
    let names = [
        "zeta", "alpha", "mid", "beta", "omega", "gamma", "delta", "kappa",
    ];
    let mut instants: Vec<i64> = (0..names.len() as i64).collect();
    instants.push(10_000);
    let mut b = bridge(&instants);
    quiet(&mut b, STARTED);
    for (i, name) in names.iter().enumerate() {
        let me = format!(
            r#"{{"kind":"method_executing","jobId":"job-{i}","stepId":"{name}","modelName":"m","methodName":"fit","driver":"raw"}}"#
        );
        quiet(&mut b, &me);
    }
    assert_eq!(b.in_flight(), names.len());
    let drained = jsons(&b.finalize(None));
    let expected: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            entry_json(
                &format!("child-{}", i + 1),
                "fit",
                &error("workflow run terminated before completion"),
                &format!("2026-02-05T10:00:00.00{i}Z"),
                "2026-02-05T10:00:10.000Z",
                10_000 - i as i64,
                &ctx(
                    "deploy",
                    "run-1",
                    &format!("job-{i}"),
                    name,
                    r#","driver":"raw""#,
                ),
            )
        })
        .collect();
    assert_eq!(drained, expected);
    assert_eq!(TERMINATED, "workflow run terminated before completion");
    assert_eq!(b.in_flight(), 0);
    assert!(b.is_finalized());
    assert_eq!(b.stats().drained, names.len() as u64);
}

#[test]
fn finalize_skips_invocations_already_closed() {
    let mut b = bridge(&[0, 1, 2, 3, 50]);
    quiet(&mut b, STARTED);
    for s in ["s1", "s2", "s3"] {
        let me = format!(
            r#"{{"kind":"method_executing","jobId":"j","stepId":"{s}","modelName":"m","methodName":"fit"}}"#
        );
        quiet(&mut b, &me);
    }
    one(
        &mut b,
        r#"{"kind":"step_completed","jobId":"j","stepId":"s2"}"#,
    );
    let drained = b.finalize(None);
    let steps: Vec<_> = drained
        .iter()
        .map(|e| e.workflow_context.as_ref().unwrap().step_name.clone())
        .collect();
    assert_eq!(steps, ["s1", "s3"]);
    for e in &drained {
        assert_eq!(e.completed_at, at(50));
    }
}

#[test]
fn finalize_with_a_custom_reason_uses_its_first_line() {
    let mut b = bridge(&[0, 400]);
    quiet(&mut b, STARTED);
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"fit"}"#,
    );
    let drained = jsons(&b.finalize(Some("cancelled by user\nsignal SIGINT")));
    assert_eq!(
        drained,
        vec![entry_json(
            "child-1",
            "fit",
            &error("cancelled by user"),
            "2026-02-05T10:00:00.000Z",
            "2026-02-05T10:00:00.400Z",
            400,
            &ctx("deploy", "run-1", "j", "s", ""),
        )]
    );
}

#[test]
fn finalize_with_an_empty_reason_drops_the_error_message() {
    let mut b = bridge(&[0, 400]);
    quiet(&mut b, STARTED);
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"fit"}"#,
    );
    let drained = jsons(&b.finalize(Some("")));
    assert_eq!(
        drained,
        vec![entry_json(
            "child-1",
            "fit",
            r#"{"status":"error","exitCode":1,"errorType":"Error"}"#,
            "2026-02-05T10:00:00.000Z",
            "2026-02-05T10:00:00.400Z",
            400,
            &ctx("deploy", "run-1", "j", "s", ""),
        )]
    );
    assert!(!drained[0].contains("errorMessage"));
}

#[test]
fn finalize_is_idempotent_and_events_after_it_are_ignored() {
    let mut b = bridge(&[0, 100, 200, 300, 400]);
    quiet(&mut b, STARTED);
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"fit"}"#,
    );
    assert_eq!(b.finalize(None).len(), 1);
    let stats = b.stats();
    assert!(b.finalize(None).is_empty());
    assert!(b.finalize(Some("again")).is_empty());
    assert!(b.finalize_at(None, Some(at(999))).is_empty());
    // Every kind is ignored after finalize, `started` included.
    quiet(
        &mut b,
        r#"{"kind":"started","runId":"run-2","workflowName":"other"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"fit"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"step_completed","jobId":"j","stepId":"s"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"s","error":"e","modelName":"m","methodName":"fit"}"#,
    );
    assert_eq!(b.in_flight(), 0);
    assert!(b.finalize(None).is_empty());
    assert!(b.is_finalized());
    assert_eq!(b.stats(), stats, "nothing after finalize is counted");
}

#[test]
fn finalize_with_nothing_in_flight_returns_nothing_and_still_closes_the_bridge() {
    let mut b = bridge(&[0]);
    quiet(&mut b, STARTED);
    assert!(b.finalize(None).is_empty());
    assert!(b.is_finalized());
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"fit"}"#,
    );
    assert_eq!(b.in_flight(), 0);
}

#[test]
fn finalize_at_uses_the_given_instant_not_the_clock() {
    let mut b = TelemetryBridge::new(config(), no_clock(), SequentialIds::new("child"));
    quiet(&mut b, STARTED);
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"fit","timestamp":"2026-02-05T10:00:00.000Z"}"#,
    );
    let drained = jsons(&b.finalize_at(None, Some(at(3_000))));
    assert_eq!(
        drained,
        vec![entry_json(
            "child-1",
            "fit",
            &error(TERMINATED),
            "2026-02-05T10:00:00.000Z",
            "2026-02-05T10:00:03.000Z",
            3_000,
            &ctx("deploy", "run-1", "j", "s", ""),
        )]
    );
}

#[test]
fn other_kinds_are_ignored_and_a_run_end_drains_what_is_open() {
    let mut b = bridge(&[0, 60]);
    quiet(&mut b, STARTED);
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"fit"}"#,
    );
    let ignored = [
        r#"{"kind":"job_started","jobId":"j"}"#,
        r#"{"kind":"job_completed","jobId":"j","status":"succeeded"}"#,
        r#"{"kind":"job_skipped","jobId":"k"}"#,
        r#"{"kind":"env_var_warning","jobId":"j","stepId":"s"}"#,
        r#"{"kind":"method_output","jobId":"j","stepId":"s","line":"hello"}"#,
        r#"{"kind":"method_event","jobId":"j","stepId":"s"}"#,
        r#"{"kind":"report_started","name":"r"}"#,
        r#"{"kind":"report_completed","name":"r"}"#,
        r#"{"kind":"report_failed","name":"r","error":"x"}"#,
        r#"{"kind":"validating_inputs"}"#,
        r#"{"kind":"evaluating_workflow"}"#,
    ];
    for e in ignored {
        quiet(&mut b, e);
    }
    // A step that started and was skipped, and another step's start: no entry.
    quiet(
        &mut b,
        r#"{"kind":"step_started","jobId":"j","stepId":"t"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"step_skipped","jobId":"j","stepId":"t"}"#,
    );
    // A skip does not end a running invocation.
    quiet(
        &mut b,
        r#"{"kind":"step_skipped","jobId":"j","stepId":"s"}"#,
    );
    assert_eq!(b.in_flight(), 1);
    assert_eq!(b.stats().ignored, ignored.len() as u64);
    // The root's `error` ends the run: what is open drains as terminated at
    // that instant, and the bridge goes on (it is not finalized).
    let got = one(&mut b, r#"{"kind":"error","error":"boom"}"#);
    assert_eq!(field(&got, "/durationMs"), serde_json::json!(60));
    assert_eq!(
        field(&got, "/result/errorMessage"),
        serde_json::json!(TERMINATED)
    );
    assert_eq!(
        field(&got, "/workflowContext/runId"),
        serde_json::json!("run-1")
    );
    assert!(!b.is_finalized());
    assert_eq!(b.in_flight(), 0);
    assert_eq!(b.stats().drained, 1);
}

#[test]
fn two_bridges_are_independent_and_carry_their_own_run() {
    let mut first = bridge(&[0, 10]);
    let mut second = bridge(&[0, 10]);
    quiet(
        &mut first,
        r#"{"kind":"started","runId":"run-a","workflowName":"wf"}"#,
    );
    quiet(
        &mut second,
        r#"{"kind":"started","runId":"run-b","workflowName":"wf"}"#,
    );
    let me = r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"fit"}"#;
    quiet(&mut first, me);
    quiet(&mut second, me);
    let a = one(
        &mut first,
        r#"{"kind":"step_completed","jobId":"j","stepId":"s"}"#,
    );
    assert_eq!(second.in_flight(), 1);
    let b = one(
        &mut second,
        r#"{"kind":"step_completed","jobId":"j","stepId":"s"}"#,
    );
    assert_eq!(
        field(&a, "/workflowContext/runId"),
        serde_json::json!("run-a")
    );
    assert_eq!(
        field(&b, "/workflowContext/runId"),
        serde_json::json!("run-b")
    );
}

// ---------------------------------------------------------------------------
// W1: colon-containing, empty and Unicode names
// ---------------------------------------------------------------------------

fn method_executing(job: &str, step: &str, method: &str) -> String {
    serde_json::json!({
        "kind": "method_executing", "jobId": job, "stepId": step,
        "modelName": "m", "methodName": method,
    })
    .to_string()
}

fn model_resolved(job: &str, step: &str, model_type: &str) -> String {
    serde_json::json!({
        "kind": "model_resolved", "jobId": job, "stepId": step,
        "modelName": "m", "modelType": model_type, "methodName": "fit",
    })
    .to_string()
}

fn step_completed(job: &str, step: &str) -> String {
    serde_json::json!({"kind": "step_completed", "jobId": job, "stepId": step}).to_string()
}

fn step_failed(job: &str, step: &str, error: &str) -> String {
    serde_json::json!({"kind": "step_failed", "jobId": job, "stepId": step, "error": error})
        .to_string()
}

#[test]
fn w1_colon_names_survive_success_failure_and_drain() {
    let mut b = bridge(&[0, 1, 2, 10, 20, 30]);
    quiet(&mut b, STARTED);
    quiet(&mut b, &method_executing("a:b", "c", "fit"));
    quiet(&mut b, &method_executing("build", "x:y", "fit"));
    quiet(&mut b, &method_executing("deploy", "deploy-us:east", "fit"));
    let ok = one(&mut b, &step_completed("a:b", "c"));
    assert_eq!(
        ok,
        entry_json(
            "child-1",
            "fit",
            SUCCESS,
            "2026-02-05T10:00:00.000Z",
            "2026-02-05T10:00:00.010Z",
            10,
            &ctx("deploy", "run-1", "a:b", "c", ""),
        )
    );
    let failed = one(&mut b, &step_failed("build", "x:y", "nope"));
    assert_eq!(
        failed,
        entry_json(
            "child-2",
            "fit",
            &error("nope"),
            "2026-02-05T10:00:00.001Z",
            "2026-02-05T10:00:00.020Z",
            19,
            &ctx("deploy", "run-1", "build", "x:y", ""),
        )
    );
    let drained = jsons(&b.finalize(None));
    assert_eq!(
        drained,
        vec![entry_json(
            "child-3",
            "fit",
            &error(TERMINATED),
            "2026-02-05T10:00:00.002Z",
            "2026-02-05T10:00:00.030Z",
            28,
            &ctx("deploy", "run-1", "deploy", "deploy-us:east", ""),
        )]
    );
}

#[test]
fn w1_drained_entries_keep_colon_names_exactly() {
    let pairs = [
        ("a:b", "c"),
        ("a", "b:c"),
        ("build", "x:y"),
        (":", ":"),
        ("a::", "::b"),
    ];
    let mut b = bridge(&[0, 1, 2, 3, 4, 100]);
    quiet(&mut b, STARTED);
    for (job, step) in pairs {
        quiet(&mut b, &method_executing(job, step, "fit"));
    }
    assert_eq!(
        b.in_flight(),
        pairs.len(),
        "distinct pairs must not collide"
    );
    let drained = b.finalize(None);
    let got: Vec<(String, String)> = drained
        .iter()
        .map(|e| {
            let c = e.workflow_context.as_ref().unwrap();
            (c.job_name.clone(), c.step_name.clone())
        })
        .collect();
    let expected: Vec<(String, String)> = pairs
        .iter()
        .map(|(j, s)| (j.to_string(), s.to_string()))
        .collect();
    assert_eq!(got, expected);
    for (e, (job, step)) in jsons(&drained).iter().zip(pairs) {
        assert!(
            e.ends_with(&format!(
                r#""workflowContext":{}}}"#,
                ctx("deploy", "run-1", job, step, "")
            )),
            "{e}"
        );
    }
}

#[test]
fn w1_colon_pairs_never_interfere() {
    let mut b = bridge(&[0, 5, 10, 20, 30, 40]);
    quiet(&mut b, STARTED);
    quiet(&mut b, &model_resolved("a:b", "c", "type/left"));
    quiet(&mut b, &model_resolved("a", "b:c", "type/right"));
    quiet(&mut b, &method_executing("a:b", "c", "left-method"));
    quiet(&mut b, &method_executing("a", "b:c", "right-method"));
    assert_eq!(b.in_flight(), 2);
    assert_eq!(b.stats().superseded, 0);
    let right = one(&mut b, &step_completed("a", "b:c"));
    assert_eq!(
        right,
        entry_json(
            "child-1",
            "right-method",
            SUCCESS,
            "2026-02-05T10:00:00.005Z",
            "2026-02-05T10:00:00.010Z",
            5,
            &ctx(
                "deploy",
                "run-1",
                "a",
                "b:c",
                r#","modelType":"type/right""#
            ),
        )
    );
    assert_eq!(b.in_flight(), 1);
    // Closing (a, b:c) again finds nothing: it must not reach (a:b, c).
    quiet(&mut b, &step_completed("a", "b:c"));
    assert_eq!(b.in_flight(), 1);
    let left = one(&mut b, &step_failed("a:b", "c", "left broke"));
    assert_eq!(
        left,
        entry_json(
            "child-2",
            "left-method",
            &error("left broke"),
            "2026-02-05T10:00:00.000Z",
            "2026-02-05T10:00:00.030Z",
            30,
            &ctx("deploy", "run-1", "a:b", "c", r#","modelType":"type/left""#),
        )
    );
    // The model types were not shared either: a synthesised failure of the
    // other pair after both closed has no model type.
    quiet(&mut b, &model_resolved("a", "b:c", "type/again"));
    let synth = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"a:b","stepId":"c","error":"e","modelName":"m","methodName":"fit"}"#,
    );
    assert_eq!(
        field(&synth, "/workflowContext/modelType"),
        serde_json::Value::Null
    );
}

#[test]
fn w1_unicode_and_empty_names_survive() {
    let pairs = [
        ("", ""),
        ("", "step"),
        ("job", ""),
        ("ジョブ:🚀", "ステップ-ü"),
        ("naïve\tjob", "line\nbreak \"quoted\" \\"),
    ];
    let mut b = bridge(&[0, 1, 2, 3, 4, 50, 60]);
    quiet(&mut b, STARTED);
    for (job, step) in pairs {
        quiet(&mut b, &method_executing(job, step, "fit"));
    }
    assert_eq!(b.in_flight(), pairs.len());
    // One closes on the success path with its exact names.
    let done = one(&mut b, &step_completed("ジョブ:🚀", "ステップ-ü"));
    assert_eq!(
        done,
        entry_json(
            "child-1",
            "fit",
            SUCCESS,
            "2026-02-05T10:00:00.003Z",
            "2026-02-05T10:00:00.050Z",
            47,
            &ctx("deploy", "run-1", "ジョブ:🚀", "ステップ-ü", ""),
        )
    );
    assert!(done.contains(r#""jobName":"ジョブ:🚀","stepName":"ステップ-ü""#));
    let drained = b.finalize(None);
    let got: Vec<(String, String)> = drained
        .iter()
        .map(|e| {
            let c = e.workflow_context.as_ref().unwrap();
            (c.job_name.clone(), c.step_name.clone())
        })
        .collect();
    let expected: Vec<(String, String)> = [pairs[0], pairs[1], pairs[2], pairs[4]]
        .iter()
        .map(|(j, s)| (j.to_string(), s.to_string()))
        .collect();
    assert_eq!(got, expected);
    let texts = jsons(&drained);
    assert!(
        texts[0].contains(r#""jobName":"","stepName":"""#),
        "{}",
        texts[0]
    );
    assert!(
        texts[3].contains(r#""jobName":"naïve\tjob","stepName":"line\nbreak \"quoted\" \\""#),
        "{}",
        texts[3]
    );
}

// ---------------------------------------------------------------------------
// W4: nested workflows and attribution
// ---------------------------------------------------------------------------

#[test]
fn w4_outer_step_closing_after_a_nested_run_keeps_outer_name_and_run() {
    let mut b = TelemetryBridge::new(config(), no_clock(), SequentialIds::new("child"));
    quiet(
        &mut b,
        r#"{"kind":"started","runId":"outer-run","workflowName":"outer-wf"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"model_resolved","jobId":"main","stepId":"prepare","modelName":"m","modelType":"command/shell","methodName":"execute"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"main","stepId":"prepare","modelName":"m","methodName":"execute","timestamp":"2026-02-05T10:00:00.000Z"}"#,
    );
    // The nested workflow's events, forwarded into the same stream, using the
    // same job and step names as the outer step that is still in flight; a
    // workflow-task step of the outer run hosts it.
    quiet(
        &mut b,
        r#"{"kind":"step_started","jobId":"main","stepId":"call-inner"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"started","runId":"inner-run","workflowName":"inner-wf"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"model_resolved","runId":"inner-run","jobId":"main","stepId":"prepare","modelName":"m2","modelType":"aws/ec2","methodName":"create"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"method_executing","runId":"inner-run","jobId":"main","stepId":"prepare","modelName":"m2","methodName":"create","timestamp":"2026-02-05T10:00:01.000Z"}"#,
    );
    assert_eq!(b.in_flight(), 2, "inner and outer steps must not collide");
    let inner = one(
        &mut b,
        r#"{"kind":"step_completed","runId":"inner-run","jobId":"main","stepId":"prepare","timestamp":"2026-02-05T10:00:03.000Z"}"#,
    );
    assert_eq!(
        inner,
        entry_json(
            "child-1",
            "create",
            SUCCESS,
            "2026-02-05T10:00:01.000Z",
            "2026-02-05T10:00:03.000Z",
            2_000,
            &ctx(
                "inner-wf",
                "inner-run",
                "main",
                "prepare",
                r#","modelType":"aws/ec2""#
            ),
        )
    );
    let outer = one(
        &mut b,
        r#"{"kind":"step_completed","jobId":"main","stepId":"prepare","timestamp":"2026-02-05T10:00:05.000Z"}"#,
    );
    assert_eq!(
        outer,
        entry_json(
            "child-2",
            "execute",
            SUCCESS,
            "2026-02-05T10:00:00.000Z",
            "2026-02-05T10:00:05.000Z",
            5_000,
            &ctx(
                "outer-wf",
                "outer-run",
                "main",
                "prepare",
                r#","modelType":"command/shell""#
            ),
        )
    );
    assert_eq!(b.stats().superseded, 0);
    assert_eq!(b.in_flight(), 0);
}

#[test]
fn w4_steps_without_run_id_belong_to_the_root_run() {
    let mut b = bridge(&[0, 10, 20, 30, 40, 50]);
    quiet(
        &mut b,
        r#"{"kind":"started","runId":"root","workflowName":"root-wf"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"started","runId":"nested","workflowName":"nested-wf","parentRunId":"root"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"started","runId":"nested-2","workflowName":"deeper-wf","parentRunId":"nested"}"#,
    );
    // No runId: the root run, not the latest `started`.
    quiet(&mut b, &method_executing("j", "s", "fit"));
    let root_step = one(&mut b, &step_completed("j", "s"));
    assert_eq!(
        root_step,
        entry_json(
            "child-1",
            "fit",
            SUCCESS,
            "2026-02-05T10:00:00.000Z",
            "2026-02-05T10:00:00.010Z",
            10,
            &ctx("root-wf", "root", "j", "s", ""),
        )
    );
    // A step event naming the root run and one naming no run are the same step.
    quiet(
        &mut b,
        r#"{"kind":"method_executing","runId":"root","jobId":"j","stepId":"t","modelName":"m","methodName":"fit"}"#,
    );
    let same = one(&mut b, &step_completed("j", "t"));
    assert_eq!(
        field(&same, "/workflowContext"),
        serde_json::json!({"workflowName":"root-wf","runId":"root","jobName":"j","stepName":"t"})
    );
    quiet(&mut b, &method_executing("j", "u", "fit"));
    let same = one(
        &mut b,
        r#"{"kind":"step_completed","runId":"root","jobId":"j","stepId":"u"}"#,
    );
    assert_eq!(
        field(&same, "/workflowContext/workflowName"),
        serde_json::json!("root-wf")
    );
    assert_eq!(b.in_flight(), 0);
}

#[test]
fn w4_nested_step_with_run_id_carries_the_inner_name_and_run() {
    let mut b = bridge(&[0, 10, 20, 30]);
    quiet(
        &mut b,
        r#"{"kind":"started","runId":"outer","workflowName":"outer-wf"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"started","runId":"inner","workflowName":"inner-wf","parentRunId":"outer"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"method_executing","runId":"inner","jobId":"j","stepId":"s","modelName":"m","methodName":"fit","driver":"raw"}"#,
    );
    // A runId-less event of the same names is an outer step: it must not close
    // the inner invocation.
    quiet(&mut b, &step_completed("j", "s"));
    assert_eq!(b.in_flight(), 1);
    let failed = one(
        &mut b,
        r#"{"kind":"step_failed","runId":"inner","jobId":"j","stepId":"s","error":"inner failed"}"#,
    );
    assert_eq!(
        failed,
        entry_json(
            "child-1",
            "fit",
            &error("inner failed"),
            "2026-02-05T10:00:00.000Z",
            "2026-02-05T10:00:00.020Z",
            20,
            &ctx("inner-wf", "inner", "j", "s", r#","driver":"raw""#),
        )
    );
    // Synthesised failures are attributed by runId too.
    let synth = one(
        &mut b,
        r#"{"kind":"step_failed","runId":"inner","jobId":"j","stepId":"v","error":"e","modelName":"m","methodName":"fit"}"#,
    );
    assert_eq!(
        field(&synth, "/workflowContext"),
        serde_json::json!({"workflowName":"inner-wf","runId":"inner","jobName":"j","stepName":"v"})
    );
}

#[test]
fn w4_nested_started_never_changes_attribution_of_enclosing_steps() {
    let mut b = bridge(&[0, 1, 2, 3, 100]);
    quiet(
        &mut b,
        r#"{"kind":"started","runId":"outer","workflowName":"outer-wf"}"#,
    );
    // Parallel outer jobs in flight when the nested run starts.
    quiet(&mut b, &method_executing("left", "s", "fit"));
    quiet(&mut b, &method_executing("right", "s", "fit"));
    // The workflow-task step that runs the nested workflow.
    quiet(
        &mut b,
        r#"{"kind":"step_started","jobId":"left","stepId":"call"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"started","runId":"inner","workflowName":"inner-wf"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"method_executing","runId":"inner","jobId":"left","stepId":"s","modelName":"m","methodName":"inner-fit"}"#,
    );
    // A later sequential outer step, after the nested run started.
    quiet(&mut b, &method_executing("after", "s", "fit"));
    assert_eq!(b.in_flight(), 4);
    let drained = b.finalize(None);
    let got: Vec<(String, String, String, String)> = drained
        .iter()
        .map(|e| {
            let c = e.workflow_context.as_ref().unwrap();
            (
                c.workflow_name.clone(),
                c.run_id.clone(),
                c.job_name.clone(),
                e.invocation.args[2].clone(),
            )
        })
        .collect();
    let expected = [
        ("outer-wf", "outer", "left", "fit"),
        ("outer-wf", "outer", "right", "fit"),
        ("inner-wf", "inner", "left", "inner-fit"),
        ("outer-wf", "outer", "after", "fit"),
    ]
    .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()));
    assert_eq!(got, expected);
}

#[test]
fn w4_same_named_steps_in_inner_and_outer_runs_keep_separate_model_types() {
    let mut b = bridge(&[0, 10, 20, 30]);
    quiet(
        &mut b,
        r#"{"kind":"started","runId":"outer","workflowName":"outer-wf"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"started","runId":"inner","workflowName":"inner-wf","parentRunId":"outer"}"#,
    );
    quiet(&mut b, &model_resolved("j", "s", "outer/type"));
    quiet(
        &mut b,
        r#"{"kind":"model_resolved","runId":"inner","jobId":"j","stepId":"s","modelName":"m","modelType":"inner/type","methodName":"fit"}"#,
    );
    // Both fail before method_executing: each synthesised entry carries its
    // own run's model type.
    let inner = one(
        &mut b,
        r#"{"kind":"step_failed","runId":"inner","jobId":"j","stepId":"s","error":"e","modelName":"m","methodName":"fit"}"#,
    );
    let outer = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"s","error":"e","modelName":"m","methodName":"fit"}"#,
    );
    assert_eq!(
        field(&inner, "/workflowContext"),
        serde_json::json!({"workflowName":"inner-wf","runId":"inner","jobName":"j","stepName":"s","modelType":"inner/type"})
    );
    assert_eq!(
        field(&outer, "/workflowContext"),
        serde_json::json!({"workflowName":"outer-wf","runId":"outer","jobName":"j","stepName":"s","modelType":"outer/type"})
    );
}

#[test]
fn w4_step_events_naming_the_root_before_its_started_belong_to_it() {
    let mut b = bridge(&[0, 10]);
    quiet(
        &mut b,
        r#"{"kind":"method_executing","runId":"r1","jobId":"j","stepId":"s","modelName":"m","methodName":"fit"}"#,
    );
    quiet(
        &mut b,
        r#"{"kind":"started","runId":"r1","workflowName":"wf"}"#,
    );
    let got = one(&mut b, &step_completed("j", "s"));
    assert_eq!(
        field(&got, "/workflowContext"),
        serde_json::json!({"workflowName":"wf","runId":"r1","jobName":"j","stepName":"s"})
    );
}

// ---------------------------------------------------------------------------
// W5: no placeholder instants
// ---------------------------------------------------------------------------

#[test]
fn w5_no_entry_carries_a_1970_placeholder() {
    let mut b = bridge(&[7_000, 8_000, 9_000, 20_000]);
    quiet(&mut b, STARTED);
    let synth = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"a","error":"e","modelName":"m","methodName":"fit"}"#,
    );
    assert_eq!(
        field(&synth, "/startedAt"),
        serde_json::json!("2026-02-05T10:00:07.000Z")
    );
    assert_eq!(
        field(&synth, "/completedAt"),
        serde_json::json!("2026-02-05T10:00:07.000Z")
    );
    assert_eq!(field(&synth, "/durationMs"), serde_json::json!(0));
    quiet(&mut b, &method_executing("j", "b", "fit"));
    quiet(&mut b, &method_executing("j", "c", "fit"));
    let drained = jsons(&b.finalize(None));
    assert_eq!(drained.len(), 2);
    for d in &drained {
        assert_eq!(
            field(d, "/completedAt"),
            serde_json::json!("2026-02-05T10:00:20.000Z")
        );
    }
    let all = [vec![synth], drained].concat();
    for e in &all {
        assert!(!e.contains("1970"), "{e}");
    }
}

// ---------------------------------------------------------------------------
// W6: classification survives the bridge
// ---------------------------------------------------------------------------

#[test]
fn w6_user_error_and_error_type_are_carried_into_the_entry() {
    let mut b = bridge(&[0, 10, 20, 30, 40, 50]);
    quiet(&mut b, STARTED);
    quiet(&mut b, &method_executing("j", "s", "fit"));
    let post = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"s","error":"Vary dimension 'x' not found","errorType":"UserError","userError":true}"#,
    );
    assert_eq!(
        post,
        entry_json(
            "child-1",
            "fit",
            r#"{"status":"user_error","exitCode":1,"errorType":"UserError","errorMessage":"Vary dimension 'x' not found"}"#,
            "2026-02-05T10:00:00.000Z",
            "2026-02-05T10:00:00.010Z",
            10,
            &ctx("deploy", "run-1", "j", "s", ""),
        )
    );
    let synth = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"t","error":"bad input","errorType":"ValidationError","userError":true,"modelName":"m","methodName":"fit"}"#,
    );
    assert_eq!(
        field(&synth, "/result"),
        serde_json::json!({"status":"user_error","exitCode":1,"errorType":"ValidationError","errorMessage":"bad input"})
    );
    // A class without the user flag is an error of that class.
    let typed = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"u","error":"x","errorType":"TimeoutError","modelName":"m","methodName":"fit"}"#,
    );
    assert_eq!(
        field(&typed, "/result"),
        serde_json::json!({"status":"error","exitCode":1,"errorType":"TimeoutError","errorMessage":"x"})
    );
    // The user flag without a class: status user_error, type defaults to Error.
    let flagged = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"v","error":"x","userError":true,"modelName":"m","methodName":"fit"}"#,
    );
    assert_eq!(
        field(&flagged, "/result"),
        serde_json::json!({"status":"user_error","exitCode":1,"errorType":"Error","errorMessage":"x"})
    );
    // userError false and no class: plain Error.
    let plain = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"w","error":"x","userError":false,"modelName":"m","methodName":"fit"}"#,
    );
    assert_eq!(
        field(&plain, "/result"),
        serde_json::json!({"status":"error","exitCode":1,"errorType":"Error","errorMessage":"x"})
    );
}

// ---------------------------------------------------------------------------
// W7, W8: free text that could leak
// ---------------------------------------------------------------------------

#[test]
fn w7_method_names_with_expressions_are_redacted() {
    let mut b = bridge(&[0, 10, 20, 30]);
    quiet(&mut b, STARTED);
    let synth = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"fanout-a","error":"e","modelName":"m","methodName":"${{ self.method }}"}"#,
    );
    assert_eq!(
        serde_json::to_string(&field(&synth, "/invocation/args")).unwrap(),
        r#"["run","<REDACTED>","<REDACTED>"]"#
    );
    assert!(!synth.contains("self.method"));
    quiet(
        &mut b,
        &method_executing("j", "s", "prefix-${{ inputs.m }}"),
    );
    let post = one(&mut b, &step_completed("j", "s"));
    assert_eq!(
        serde_json::to_string(&field(&post, "/invocation/args")).unwrap(),
        r#"["run","<REDACTED>","<REDACTED>"]"#
    );
    assert!(!post.contains("inputs.m"));
    // Names without an expression are kept verbatim, `$` included.
    quiet(&mut b, &method_executing("j", "t", "${not-an-expression}"));
    let kept = one(&mut b, &step_completed("j", "t"));
    assert_eq!(
        serde_json::to_string(&field(&kept, "/invocation/args")).unwrap(),
        r#"["run","<REDACTED>","${not-an-expression}"]"#
    );
}

#[test]
fn w8_model_names_are_scrubbed_from_error_messages() {
    let mut b = bridge(&[0, 10, 20]);
    quiet(&mut b, STARTED);
    let synth = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"s","error":"Model not found: my-secret-model","modelName":"my-secret-model","methodName":"fit"}"#,
    );
    assert_eq!(
        field(&synth, "/result/errorMessage"),
        serde_json::json!("Model not found: <REDACTED>")
    );
    // Post-method: both the resolved name (method_executing) and the raw
    // reference (step_failed) are scrubbed.
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"t","modelName":"resolved-def","methodName":"fit"}"#,
    );
    let post = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"t","error":"resolved-def (ref 7f3c9a1e) failed; resolved-def/fit","modelName":"7f3c9a1e","methodName":"fit"}"#,
    );
    assert_eq!(
        field(&post, "/result/errorMessage"),
        serde_json::json!("<REDACTED> (ref <REDACTED>) failed; <REDACTED>/fit")
    );
}

#[test]
fn w8_the_model_name_never_appears_in_any_entry() {
    const MODEL: &str = "acme-secret-model";
    let mut b = bridge(&[0, 10, 20, 30, 40, 50, 60, 70]);
    quiet(&mut b, STARTED);
    let mut all = Vec::new();
    let resolved = format!(
        r#"{{"kind":"model_resolved","jobId":"j","stepId":"a","modelName":"{MODEL}","modelType":"command/shell","methodName":"fit"}}"#
    );
    let exec = |step: &str| {
        format!(
            r#"{{"kind":"method_executing","jobId":"j","stepId":"{step}","modelName":"{MODEL}","methodName":"fit","driver":"raw"}}"#
        )
    };
    quiet(&mut b, &resolved);
    quiet(&mut b, &exec("a"));
    all.push(one(&mut b, &step_completed("j", "a")));
    quiet(&mut b, &exec("b"));
    all.push(one(
        &mut b,
        &format!(
            r#"{{"kind":"step_failed","jobId":"j","stepId":"b","error":"{MODEL} crashed: {MODEL}","modelName":"{MODEL}","methodName":"fit"}}"#
        ),
    ));
    all.push(one(
        &mut b,
        &format!(
            r#"{{"kind":"step_failed","jobId":"j","stepId":"c","error":"Model not found: {MODEL}","modelName":"{MODEL}","methodName":"fit"}}"#
        ),
    ));
    quiet(&mut b, &exec("d"));
    all.push(one(&mut b, &exec("d")));
    all.extend(jsons(&b.finalize(None)));
    assert_eq!(all.len(), 5);
    for e in &all {
        assert!(!e.contains(MODEL), "model name leaked into {e}");
        assert!(!e.contains("acme"), "model name leaked into {e}");
    }
}

// ---------------------------------------------------------------------------
// W9, W10, W12
// ---------------------------------------------------------------------------

#[test]
fn w9_repeated_method_executing_closes_the_earlier_invocation_as_an_error() {
    let mut b = bridge(&[0, 5_000, 9_000]);
    quiet(&mut b, STARTED);
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"first","driver":"raw"}"#,
    );
    let superseded = one(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"second","driver":"docker"}"#,
    );
    assert_eq!(
        superseded,
        entry_json(
            "child-1",
            "first",
            &error(SUPERSEDED),
            "2026-02-05T10:00:00.000Z",
            "2026-02-05T10:00:05.000Z",
            5_000,
            &ctx("deploy", "run-1", "j", "s", r#","driver":"raw""#),
        )
    );
    assert_eq!(b.in_flight(), 1);
    let done = one(&mut b, &step_completed("j", "s"));
    assert_eq!(
        done,
        entry_json(
            "child-2",
            "second",
            SUCCESS,
            "2026-02-05T10:00:05.000Z",
            "2026-02-05T10:00:09.000Z",
            4_000,
            &ctx("deploy", "run-1", "j", "s", r#","driver":"docker""#),
        )
    );
    assert_eq!(b.stats().superseded, 1);
}

#[test]
fn w9_the_replacement_drains_in_its_own_start_order() {
    let mut b = bridge(&[0, 1, 2, 10]);
    quiet(&mut b, STARTED);
    quiet(&mut b, &method_executing("j", "a", "fit"));
    quiet(&mut b, &method_executing("j", "b", "fit"));
    let superseded = one(&mut b, &method_executing("j", "a", "fit"));
    assert_eq!(
        field(&superseded, "/workflowContext/stepName"),
        serde_json::json!("a")
    );
    let drained = b.finalize(None);
    let order: Vec<(String, i64)> = drained
        .iter()
        .map(|e| {
            (
                e.workflow_context.as_ref().unwrap().step_name.clone(),
                e.started_at.millis() - T0,
            )
        })
        .collect();
    assert_eq!(order, [("b".to_string(), 1), ("a".to_string(), 2)]);
}

#[test]
fn w10_model_type_does_not_leak_to_a_later_synthesised_failure_on_a_closed_key() {
    let mut b = bridge(&[0, 10, 20, 30, 40, 50, 60, 70, 80]);
    quiet(&mut b, STARTED);
    let synth = |step: &str| {
        format!(
            r#"{{"kind":"step_failed","jobId":"j","stepId":"{step}","error":"e","modelName":"m","methodName":"fit"}}"#
        )
    };
    // Closed by success.
    quiet(&mut b, &model_resolved("j", "a", "command/shell"));
    quiet(&mut b, &method_executing("j", "a", "fit"));
    let ok = one(&mut b, &step_completed("j", "a"));
    assert_eq!(
        field(&ok, "/workflowContext/modelType"),
        serde_json::json!("command/shell")
    );
    let later = one(&mut b, &synth("a"));
    assert!(!later.contains("modelType"), "{later}");
    // Closed by a post-method failure.
    quiet(&mut b, &model_resolved("j", "b", "aws/s3"));
    quiet(&mut b, &method_executing("j", "b", "fit"));
    let failed = one(&mut b, &step_failed("j", "b", "x"));
    assert_eq!(
        field(&failed, "/workflowContext/modelType"),
        serde_json::json!("aws/s3")
    );
    let later = one(&mut b, &synth("b"));
    assert!(!later.contains("modelType"), "{later}");
    // Closed by a synthesised failure.
    quiet(&mut b, &model_resolved("j", "c", "gcp/vm"));
    let first = one(&mut b, &synth("c"));
    assert_eq!(
        field(&first, "/workflowContext/modelType"),
        serde_json::json!("gcp/vm")
    );
    let second = one(&mut b, &synth("c"));
    assert!(!second.contains("modelType"), "{second}");
}

#[test]
fn w12_a_clock_going_backwards_never_gives_a_negative_duration() {
    let mut b = bridge(&[5_000, 1_000, 9_000, 2_000]);
    quiet(&mut b, STARTED);
    quiet(&mut b, &method_executing("j", "s", "fit"));
    let got = one(&mut b, &step_completed("j", "s"));
    assert_eq!(
        got,
        entry_json(
            "child-1",
            "fit",
            SUCCESS,
            "2026-02-05T10:00:05.000Z",
            "2026-02-05T10:00:05.000Z",
            0,
            &ctx("deploy", "run-1", "j", "s", ""),
        )
    );
    // finalize before the start: clamped as well.
    quiet(&mut b, &method_executing("j", "t", "fit"));
    let drained = b.finalize(None);
    assert_eq!(drained.len(), 1);
    assert_eq!(drained[0].duration_ms, 0);
    assert_eq!(drained[0].started_at, at(9_000));
    assert_eq!(drained[0].completed_at, at(9_000));
}

#[test]
fn w12_event_timestamps_going_backwards_never_give_a_negative_duration() {
    let mut b = TelemetryBridge::new(config(), no_clock(), SequentialIds::new("child"));
    quiet(&mut b, STARTED);
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"fit","timestamp":"2026-02-05T10:00:10.000Z"}"#,
    );
    let got = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"s","error":"e","timestamp":1770285600000}"#,
    );
    assert_eq!(field(&got, "/durationMs"), serde_json::json!(0));
    assert_eq!(
        field(&got, "/startedAt"),
        serde_json::json!("2026-02-05T10:00:10.000Z")
    );
    assert_eq!(
        field(&got, "/completedAt"),
        serde_json::json!("2026-02-05T10:00:10.000Z")
    );
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"t","modelName":"m","methodName":"fit","timestamp":"2026-02-05T10:00:10.000Z"}"#,
    );
    let drained = b.finalize_at(None, Some(at(0)));
    assert_eq!(drained[0].duration_ms, 0);
    assert!(drained[0].completed_at >= drained[0].started_at);
}

// ---------------------------------------------------------------------------
// Extensions and field sources
// ---------------------------------------------------------------------------

#[test]
fn event_timestamps_as_iso_strings_and_epoch_ms_are_used_instead_of_the_clock() {
    let mut b = TelemetryBridge::new(config(), no_clock(), SequentialIds::new("child"));
    quiet(&mut b, STARTED);
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"fit","timestamp":"2026-02-05T12:00:00.25+02:00"}"#,
    );
    let got = one(
        &mut b,
        r#"{"kind":"step_completed","jobId":"j","stepId":"s","timestamp":1770285601000.9}"#,
    );
    assert_eq!(
        got,
        entry_json(
            "child-1",
            "fit",
            SUCCESS,
            "2026-02-05T10:00:00.250Z",
            "2026-02-05T10:00:01.000Z",
            750,
            &ctx("deploy", "run-1", "j", "s", ""),
        )
    );
    let synth = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"t","error":"e","modelName":"m","methodName":"fit","timestamp":1770285602345}"#,
    );
    assert_eq!(
        field(&synth, "/startedAt"),
        serde_json::json!("2026-02-05T10:00:02.345Z")
    );
    assert_eq!(
        field(&synth, "/completedAt"),
        serde_json::json!("2026-02-05T10:00:02.345Z")
    );
}

#[test]
fn executor_comes_from_step_completed_only() {
    let mut b = bridge(&[0, 10, 20, 30]);
    quiet(&mut b, STARTED);
    quiet(&mut b, &model_resolved("j", "s", "command/shell"));
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"fit","driver":"raw"}"#,
    );
    let ok = one(
        &mut b,
        r#"{"kind":"step_completed","jobId":"j","stepId":"s","executor":"loopback"}"#,
    );
    assert!(
        ok.ends_with(
            r#""workflowContext":{"workflowName":"deploy","runId":"run-1","jobName":"j","stepName":"s","modelType":"command/shell","driver":"raw","executor":"loopback"}}"#
        ),
        "{ok}"
    );
    quiet(&mut b, &method_executing("j", "t", "fit"));
    let failed = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"t","error":"e","executor":"worker-1"}"#,
    );
    assert!(!failed.contains("executor"), "{failed}");
}

#[test]
fn model_type_is_captured_when_the_method_starts() {
    let mut b = bridge(&[0, 10, 20, 30]);
    quiet(&mut b, STARTED);
    // Last model_resolved before method_executing wins.
    quiet(&mut b, &model_resolved("j", "s", "first/type"));
    quiet(&mut b, &model_resolved("j", "s", "second/type"));
    quiet(&mut b, &method_executing("j", "s", "fit"));
    // A model_resolved arriving after method_executing does not change it.
    quiet(&mut b, &model_resolved("j", "s", "late/type"));
    let got = one(&mut b, &step_completed("j", "s"));
    assert_eq!(
        field(&got, "/workflowContext/modelType"),
        serde_json::json!("second/type")
    );
    // No model_resolved before the method: no modelType, even if one comes later.
    quiet(&mut b, &method_executing("j", "t", "fit"));
    quiet(&mut b, &model_resolved("j", "t", "late/type"));
    let got = one(&mut b, &step_completed("j", "t"));
    assert!(!got.contains("modelType"), "{got}");
    // An empty model type is kept.
    quiet(&mut b, &model_resolved("j", "u", ""));
    quiet(&mut b, &method_executing("j", "u", "fit"));
    let got = one(&mut b, &step_completed("j", "u"));
    assert!(got.contains(r#""stepName":"u","modelType":""}"#), "{got}");
}

#[test]
fn driver_comes_from_method_executing_or_from_step_failed_when_synthesised() {
    let mut b = bridge(&[0, 10, 20, 30, 40, 50, 60]);
    quiet(&mut b, STARTED);
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"a","modelName":"m","methodName":"fit","driver":"docker"}"#,
    );
    let post = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"a","error":"e","driver":"raw"}"#,
    );
    assert_eq!(
        field(&post, "/workflowContext/driver"),
        serde_json::json!("docker")
    );
    let synth = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"b","error":"e","modelName":"m","methodName":"fit","driver":"raw"}"#,
    );
    assert_eq!(
        field(&synth, "/workflowContext/driver"),
        serde_json::json!("raw")
    );
    // Absent driver: the key is omitted.
    quiet(&mut b, &method_executing("j", "c", "fit"));
    let none = one(&mut b, &step_completed("j", "c"));
    assert!(!none.contains("driver"), "{none}");
    // An empty driver is kept.
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"d","modelName":"m","methodName":"fit","driver":""}"#,
    );
    let empty = one(&mut b, &step_completed("j", "d"));
    assert!(empty.contains(r#""stepName":"d","driver":""}"#), "{empty}");
    // Drained entries carry the method_executing driver.
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"e","modelName":"m","methodName":"fit","driver":"k8s"}"#,
    );
    let drained = jsons(&b.finalize(None));
    assert_eq!(
        field(&drained[0], "/workflowContext/driver"),
        serde_json::json!("k8s")
    );
}

#[test]
fn child_invocation_has_exactly_the_model_method_run_shape() {
    let mut b = bridge(&[0, 10, 20]);
    quiet(&mut b, STARTED);
    quiet(&mut b, &method_executing("j", "s", "fit"));
    let entries = b.observe(&Event::from_json(&step_completed("j", "s")).unwrap());
    let synth = b.observe(
        &Event::from_json(
            r#"{"kind":"step_failed","jobId":"j","stepId":"t","error":"e","modelName":"m","methodName":"plan"}"#,
        )
        .unwrap(),
    );
    assert_eq!(
        serde_json::to_string(&entries[0].invocation).unwrap(),
        r#"{"command":"model","args":["run","<REDACTED>","fit"],"optionKeys":[],"globalOptions":[],"subcommand":"method"}"#
    );
    assert_eq!(
        serde_json::to_string(&synth[0].invocation).unwrap(),
        r#"{"command":"model","args":["run","<REDACTED>","plan"],"optionKeys":[],"globalOptions":[],"subcommand":"method"}"#
    );
}

#[test]
fn parent_invocation_id_is_present_and_omitted_when_configured_empty() {
    let mut b = bridge(&[0, 10]);
    quiet(&mut b, STARTED);
    quiet(&mut b, &method_executing("j", "s", "fit"));
    let got = one(&mut b, &step_completed("j", "s"));
    assert_eq!(
        field(&got, "/parentInvocationId"),
        serde_json::json!("parent-inv-1")
    );

    let cfg = BridgeConfig {
        parent_invocation_id: String::new(),
        ..config()
    };
    let mut b = TelemetryBridge::new(
        cfg,
        FixedClock::new([at(0), at(10)]),
        SequentialIds::new("x"),
    );
    quiet(&mut b, STARTED);
    quiet(&mut b, &method_executing("j", "s", "fit"));
    let got = one(&mut b, &step_completed("j", "s"));
    assert!(!got.contains("parentInvocationId"), "{got}");
    assert!(
        got.contains(r#""platform":"linux","workflowContext":"#),
        "{got}"
    );
}

#[test]
fn stats_count_events_entries_and_their_causes() {
    let mut b = bridge(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert_eq!(b.stats(), BridgeStats::default());
    quiet(&mut b, STARTED);
    quiet(&mut b, r#"{"kind":"job_started","jobId":"j"}"#);
    quiet(&mut b, &model_resolved("j", "a", "t"));
    quiet(&mut b, &method_executing("j", "a", "fit"));
    one(&mut b, &method_executing("j", "a", "fit"));
    one(&mut b, &step_completed("j", "a"));
    one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"b","error":"e","modelName":"m","methodName":"fit"}"#,
    );
    quiet(&mut b, &step_failed("j", "c", "structural"));
    quiet(&mut b, &step_completed("j", "d"));
    quiet(&mut b, r#"{"kind":"completed","run":{}}"#);
    quiet(&mut b, &method_executing("j", "e", "fit"));
    quiet(&mut b, &method_executing("j", "f", "fit"));
    assert_eq!(b.finalize(None).len(), 2);
    quiet(&mut b, &method_executing("j", "g", "fit"));
    assert_eq!(
        b.stats(),
        BridgeStats {
            events: 12,
            // job_started; `completed` ends the run (nothing was open).
            ignored: 1,
            entries: 5,
            synthesised: 1,
            superseded: 1,
            drained: 2,
            runs: 1,
            abandoned: 0,
        }
    );
}

#[test]
fn entry_ids_come_from_the_id_source_in_emission_order() {
    let counter = Rc::new(Cell::new(0u32));
    let c = counter.clone();
    let ids = move || {
        c.set(c.get() + 1);
        format!("id-{}", c.get())
    };
    let mut b = TelemetryBridge::new(config(), FixedClock::new([at(0)]), ids);
    quiet(&mut b, STARTED);
    quiet(&mut b, &method_executing("j", "a", "fit"));
    quiet(&mut b, &method_executing("j", "b", "fit"));
    let first = one(&mut b, &step_completed("j", "b"));
    let rest = b.finalize(None);
    assert_eq!(field(&first, "/id"), serde_json::json!("id-1"));
    assert_eq!(rest[0].id, "id-2");
    assert_eq!(counter.get(), 2, "one id per entry, none for events");
}

// ---------------------------------------------------------------------------
// observe_ndjson
// ---------------------------------------------------------------------------

#[test]
fn ndjson_reports_bad_lines_and_processes_every_other_line() {
    let long_line = format!(
        r#"{{"kind":"job_started","jobId":"j","padding":"{}"}}"#,
        "x".repeat(300)
    );
    let lines = [
        /* 1 */ r#"{"kind":"started","runId":"run-1","workflowName":"deploy"}"#.to_string(),
        /* 2 */ String::new(),
        /* 3 */ r#"{"kind":"method_executing","jobId":"j""#.to_string(),
        /* 4 */ r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"fit","timestamp":"2026-02-05T10:00:00.000Z"}"#.to_string(),
        /* 5 */ r#"{"kind":"step_completed","jobId":7,"stepId":"s"}"#.to_string(),
        /* 6 */ r#"{"kind":"step_failed","jobId":"j","error":"x"}"#.to_string(),
        /* 7 */ r#"[1,2,3]"#.to_string(),
        /* 8 */ long_line.clone(),
        /* 9 */ "   \t ".to_string(),
        /* 10 */ r#"{"jobId":"j","stepId":"s"}"#.to_string(),
        /* 11 */ r#"{"kind":"step_completed","jobId":"j","stepId":"s","timestamp":"not a time"}"#.to_string(),
        /* 12 */ r#"{"kind":"step_completed","jobId":"j","stepId":"s","timestamp":"2026-02-05T10:00:02.000Z"}"#.to_string(),
    ];
    let text = lines.join("\n") + "\n";
    let mut b = TelemetryBridge::new(config(), no_clock(), SequentialIds::new("child"));
    let report = b.observe_ndjson(
        &text,
        NdjsonOptions {
            max_line_bytes: 200,
            ..Default::default()
        },
    );

    assert_eq!(report.accepted, 3);
    let non_blank = lines.iter().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(non_blank, 10);
    assert_eq!(report.accepted + report.errors.len(), non_blank);

    let summary: Vec<(usize, LineErrorKind, Option<&str>)> = report
        .errors
        .iter()
        .map(|e| (e.line, e.kind, e.field.as_deref()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (3, LineErrorKind::InvalidJson, None),
            (5, LineErrorKind::InvalidEvent, Some("jobId")),
            (6, LineErrorKind::InvalidEvent, Some("stepId")),
            (7, LineErrorKind::InvalidEvent, Some("event")),
            (8, LineErrorKind::LineTooLong, None),
            (10, LineErrorKind::InvalidEvent, Some("kind")),
            (11, LineErrorKind::InvalidEvent, Some("timestamp")),
        ]
    );
    assert!(
        report.errors[0].message.starts_with("invalid JSON"),
        "{}",
        report.errors[0].message
    );
    assert_eq!(
        report.errors[1].message,
        "jobId: expected a string, got number"
    );
    assert_eq!(
        report.errors[1].to_string(),
        "line 5: jobId: expected a string, got number"
    );
    assert_eq!(
        report.errors[2].message,
        "stepId: missing, required by kind step_failed"
    );
    assert_eq!(
        report.errors[3].message,
        "event: expected an object, got array"
    );
    assert_eq!(
        report.errors[4].message,
        format!(
            "line is {} bytes, longer than the limit of 200 bytes",
            long_line.len()
        )
    );
    assert!(
        report.errors[5].message.starts_with("kind: missing"),
        "{}",
        report.errors[5].message
    );
    assert!(
        report.errors[6].message.starts_with("timestamp: "),
        "{}",
        report.errors[6].message
    );

    let expected = entry_json(
        "child-1",
        "fit",
        SUCCESS,
        "2026-02-05T10:00:00.000Z",
        "2026-02-05T10:00:02.000Z",
        2_000,
        &ctx("deploy", "run-1", "j", "s", ""),
    );
    assert_eq!(report.entries, format!("{expected}\n"));
    assert_eq!(b.in_flight(), 0);
}

#[test]
fn ndjson_output_is_one_entry_per_line_across_calls_and_crlf() {
    let text = concat!(
        r#"{"kind":"started","runId":"r","workflowName":"wf"}"#,
        "\r\n",
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"fit","timestamp":1770285600000}"#,
        "\r\n",
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"fit","timestamp":1770285600100}"#,
        "\r\n",
        r#"{"kind":"step_failed","jobId":"j","stepId":"t","error":"e","modelName":"m","methodName":"fit","timestamp":1770285600200}"#,
        "\r\n",
    );
    let mut b = TelemetryBridge::new(
        config(),
        FixedClock::new([at(900)]),
        SequentialIds::new("child"),
    );
    let report = b.observe_ndjson(text, NdjsonOptions::default());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.accepted, 4);
    let lines: Vec<&str> = report.entries.lines().collect();
    assert_eq!(lines.len(), 2, "{}", report.entries);
    assert!(report.entries.ends_with('\n'));
    assert_eq!(
        field(lines[0], "/result/errorMessage"),
        serde_json::json!(SUPERSEDED)
    );
    assert_eq!(field(lines[1], "/durationMs"), serde_json::json!(0));
    // The bridge's state carries over to the next batch.
    let report = b.observe_ndjson(
        r#"{"kind":"step_completed","jobId":"j","stepId":"s","timestamp":1770285600400}"#,
        NdjsonOptions::default(),
    );
    assert_eq!(report.accepted, 1);
    let expected = entry_json(
        "child-3",
        "fit",
        SUCCESS,
        "2026-02-05T10:00:00.100Z",
        "2026-02-05T10:00:00.400Z",
        300,
        &ctx("wf", "r", "j", "s", ""),
    );
    assert_eq!(report.entries, format!("{expected}\n"));
}

#[test]
fn ndjson_line_limit_is_inclusive() {
    let line = r#"{"kind":"job_started","jobId":"j"}"#;
    let mut b = bridge(&[0]);
    let at_limit = b.observe_ndjson(
        line,
        NdjsonOptions {
            max_line_bytes: line.len(),
            ..Default::default()
        },
    );
    assert_eq!((at_limit.accepted, at_limit.errors.len()), (1, 0));
    let over = b.observe_ndjson(
        line,
        NdjsonOptions {
            max_line_bytes: line.len() - 1,
            ..Default::default()
        },
    );
    assert_eq!(over.accepted, 0);
    assert_eq!(over.errors.len(), 1);
    assert_eq!(over.errors[0].line, 1);
    assert_eq!(over.errors[0].kind, LineErrorKind::LineTooLong);
    assert_eq!(
        b.observe_ndjson("\n\n  \n", NdjsonOptions::default()),
        Default::default()
    );
}

#[test]
fn secrets_in_error_text_are_masked_by_the_parameter_filter() {
    let mut b = bridge(&[0, 100]);
    quiet(&mut b, STARTED);
    quiet(
        &mut b,
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"m","methodName":"fit"}"#,
    );
    let json = one(
        &mut b,
        r#"{"kind":"step_failed","jobId":"j","stepId":"s","error":"login failed: password=hunter2 api_key: k-1"}"#,
    );
    assert!(!json.contains("hunter2") && !json.contains("k-1"), "{json}");
    assert!(
        json.contains(r#""errorMessage":"login failed: password=[REDACTED] api_key: [REDACTED]""#),
        "{json}"
    );
}
