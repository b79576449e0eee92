//! Streams as they really come: many runs one after another, several
//! producers at once, runs whose engine died, nested runs, events without
//! timestamps. Every scenario and its expected result is written out by hand
//! (not derived from a second implementation of the rules), through the
//! bridge and through the run model.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use workflow_telemetry::bridge::{ABANDONED, TERMINATED};
use workflow_telemetry::ndjson::Chunk;
use workflow_telemetry::run::{
    FailureClass, IngestOptions, Retention, RunModel, RunModelOptions, RunQuery, RunStatus,
    StepStatus,
};
use workflow_telemetry::{
    FixedClock, NdjsonOptions, SequentialIds, TelemetryBridge, TelemetryEntry,
};

mod fixture;
use fixture::{at, config, T0};

// ---------------------------------------------------------------- events

/// An event line at `T0 + ms` (or without a timestamp when `ms` is `None`).
fn ev(kind: &str, ms: Option<i64>, fields: Value) -> String {
    let mut v = json!({ "kind": kind });
    for (k, x) in fields.as_object().unwrap() {
        v[k] = x.clone();
    }
    if let Some(ms) = ms {
        v["timestamp"] = json!(T0 + ms);
    }
    v.to_string()
}

fn started(run: &str, wf: &str, ms: i64) -> String {
    ev(
        "started",
        Some(ms),
        json!({"runId": run, "workflowName": wf}),
    )
}

/// A step event of `kind` at `T0 + ms`, in the root run (`run` `None`) or
/// in the run it names, with `extra` fields.
fn step_ev(kind: &str, run: Option<&str>, job: &str, step: &str, ms: i64, extra: Value) -> String {
    let mut fields = json!({"jobId": job, "stepId": step});
    if let Some(r) = run {
        fields["runId"] = json!(r);
    }
    for (k, x) in extra.as_object().unwrap() {
        fields[k] = x.clone();
    }
    ev(kind, Some(ms), fields)
}

fn step_started(job: &str, step: &str, ms: i64) -> String {
    step_ev("step_started", None, job, step, ms, json!({}))
}

fn exec_in(run: Option<&str>, job: &str, step: &str, method: &str, ms: i64) -> String {
    let model = if run.is_some() { "m" } else { "secret-model" };
    let extra = json!({"modelName": model, "methodName": method});
    step_ev("method_executing", run, job, step, ms, extra)
}

fn exec(job: &str, step: &str, method: &str, ms: i64) -> String {
    exec_in(None, job, step, method, ms)
}

fn done_in(run: Option<&str>, job: &str, step: &str, ms: i64) -> String {
    step_ev("step_completed", run, job, step, ms, json!({}))
}

fn done(job: &str, step: &str, ms: i64) -> String {
    done_in(None, job, step, ms)
}

fn failed(job: &str, step: &str, error: &str, ms: i64) -> String {
    step_ev(
        "step_failed",
        None,
        job,
        step,
        ms,
        json!({ "error": error }),
    )
}

fn completed(run: &str, ms: i64) -> String {
    ev("completed", Some(ms), json!({ "runId": run }))
}

/// One ordinary run: two method steps, then `completed`.
fn tidy_run(run: &str, wf: &str, t: i64) -> Vec<String> {
    vec![
        started(run, wf, t),
        step_started("build", "compile", t + 1),
        exec("build", "compile", "run", t + 2),
        done("build", "compile", t + 10),
        step_started("build", "test", t + 11),
        exec("build", "test", "check", t + 12),
        done("build", "test", t + 20),
        completed(run, t + 21),
    ]
}

fn text(lines: &[String]) -> String {
    let mut t = lines.join("\n");
    t.push('\n');
    t
}

// ---------------------------------------------------------------- hosts

fn bridge() -> TelemetryBridge {
    TelemetryBridge::new(config(), FixedClock::new([at(0)]), SequentialIds::new("e"))
}

/// (runId, workflowName, job/step, method, status, errorMessage) of an entry.
type Row = (String, String, String, String, String, Option<String>);

fn row(e: &TelemetryEntry) -> Row {
    let wc = e.workflow_context.as_ref().unwrap();
    (
        wc.run_id.clone(),
        wc.workflow_name.clone(),
        format!("{}/{}", wc.job_name, wc.step_name),
        e.invocation.args[2].clone(),
        format!("{:?}", e.result.status).to_lowercase(),
        e.result.error_message.clone(),
    )
}

fn r(run: &str, wf: &str, step: &str, method: &str, status: &str, error: Option<&str>) -> Row {
    (
        run.into(),
        wf.into(),
        step.into(),
        method.into(),
        status.into(),
        error.map(str::to_string),
    )
}

/// Every entry one bridge gives for the whole stream (fed line by line,
/// then finalized at the last instant).
fn bridge_rows(lines: &[String]) -> Vec<Row> {
    let mut b = bridge();
    let report = b.observe_ndjson(&text(lines), NdjsonOptions::default());
    assert_eq!(report.errors, vec![]);
    let mut rows: Vec<Row> = report
        .entries
        .lines()
        .map(|l| row(&TelemetryEntry::from_data(&serde_json::from_str(l).unwrap()).unwrap()))
        .collect();
    let last = b.last_event_at();
    rows.extend(b.finalize_at(None, last).iter().map(row));
    rows
}

fn model() -> RunModel<FixedClock> {
    model_with(RunModelOptions {
        bridge: config(),
        ..Default::default()
    })
}

fn model_with(options: RunModelOptions) -> RunModel<FixedClock> {
    RunModel::new(options, FixedClock::new([at(0)])).with_ids(SequentialIds::new("e"))
}

/// (id, name, status, parent) of every run, and each run's step statuses.
fn runs_of(m: &mut RunModel<FixedClock>) -> Vec<(String, String, RunStatus, Option<String>)> {
    m.snapshot()
        .runs
        .iter()
        .map(|d| {
            (
                d.run.id.clone(),
                d.run.name.clone(),
                d.run.status,
                d.run.parent_run.clone(),
            )
        })
        .collect()
}

fn steps_of(m: &mut RunModel<FixedClock>, run: &str) -> Vec<(String, StepStatus)> {
    m.run(run)
        .unwrap()
        .run
        .steps
        .iter()
        .map(|s| (s.id.clone(), s.status))
        .collect()
}

fn run_row(
    id: &str,
    name: &str,
    status: RunStatus,
    parent: Option<&str>,
) -> (String, String, RunStatus, Option<String>) {
    (id.into(), name.into(), status, parent.map(str::to_string))
}

// ---------------------------------------------------------------- scenarios

#[test]
fn sequential_runs_through_one_bridge_each_keep_their_own_run() {
    let mut lines = tidy_run("r1", "wf-one", 0);
    lines.extend(tidy_run("r2", "wf-two", 100));
    lines.extend(tidy_run("r3", "wf-three", 200));
    assert_eq!(
        bridge_rows(&lines),
        vec![
            r("r1", "wf-one", "build/compile", "run", "success", None),
            r("r1", "wf-one", "build/test", "check", "success", None),
            r("r2", "wf-two", "build/compile", "run", "success", None),
            r("r2", "wf-two", "build/test", "check", "success", None),
            r("r3", "wf-three", "build/compile", "run", "success", None),
            r("r3", "wf-three", "build/test", "check", "success", None),
        ]
    );
    let mut b = bridge();
    b.observe_ndjson(&text(&lines), NdjsonOptions::default());
    assert_eq!(b.stats().runs, 3);
    assert_eq!(b.stats().abandoned, 0);
}

#[test]
fn sequential_runs_through_one_model_are_three_top_level_runs() {
    let mut lines = tidy_run("r1", "wf-one", 0);
    lines.extend(tidy_run("r2", "wf-two", 100));
    lines.extend(tidy_run("r3", "wf-three", 200));
    let mut m = model();
    let report = m.ingest_ndjson(&text(&lines));
    assert_eq!((report.accepted, report.errors.len()), (24, 0));
    assert_eq!(
        runs_of(&mut m),
        vec![
            run_row("r1", "wf-one", RunStatus::Completed, None),
            run_row("r2", "wf-two", RunStatus::Completed, None),
            run_row("r3", "wf-three", RunStatus::Completed, None),
        ]
    );
    for id in ["r1", "r2", "r3"] {
        let d = m.run(id).unwrap();
        assert_eq!(
            steps_of(&mut m, id),
            vec![
                ("build/compile".to_string(), StepStatus::Completed),
                ("build/test".to_string(), StepStatus::Completed)
            ]
        );
        // Each step carries its own run's entry.
        for s in &d.run.steps {
            let wc = s
                .telemetry
                .as_ref()
                .unwrap()
                .workflow_context
                .clone()
                .unwrap();
            assert_eq!(wc.run_id, id);
            assert_eq!(wc.workflow_name, d.run.name);
        }
        assert!(d.run.violations.is_empty(), "{:?}", d.run.violations);
        assert_eq!(d.summary.duration_ms, Some(21));
    }
}

#[test]
fn a_crashed_run_is_abandoned_when_the_next_run_starts() {
    // r1's engine died with a method running; r2 and r3 follow normally.
    let mut lines = vec![
        started("r1", "wf-one", 0),
        step_started("build", "compile", 1),
        exec("build", "compile", "run", 2),
    ];
    lines.extend(tidy_run("r2", "wf-two", 100));
    lines.extend(tidy_run("r3", "wf-three", 200));
    assert_eq!(
        bridge_rows(&lines),
        vec![
            // Drained when r2 started: one entry per method_executing.
            r(
                "r1",
                "wf-one",
                "build/compile",
                "run",
                "error",
                Some(ABANDONED)
            ),
            r("r2", "wf-two", "build/compile", "run", "success", None),
            r("r2", "wf-two", "build/test", "check", "success", None),
            r("r3", "wf-three", "build/compile", "run", "success", None),
            r("r3", "wf-three", "build/test", "check", "success", None),
        ]
    );
    let mut m = model();
    m.ingest_ndjson(&text(&lines));
    assert_eq!(
        runs_of(&mut m),
        vec![
            run_row("r1", "wf-one", RunStatus::Abandoned, None),
            run_row("r2", "wf-two", RunStatus::Completed, None),
            run_row("r3", "wf-three", RunStatus::Completed, None),
        ]
    );
    let r1 = m.run("r1").unwrap();
    assert_eq!(
        steps_of(&mut m, "r1"),
        vec![("build/compile".to_string(), StepStatus::Cancelled)]
    );
    assert_eq!(
        r1.run.error.as_ref().unwrap().class,
        FailureClass::Abandoned
    );
    assert_eq!(r1.summary.failure, Some(FailureClass::Abandoned));
    assert_eq!(r1.run.violations.len(), 1);
    assert!(
        r1.run.violations[0].message.contains("run r2 started"),
        "{:?}",
        r1.run.violations
    );
    // It ended at its last event, not whenever the next run came.
    assert_eq!(r1.run.ended_at, Some(at(2)));
    let step = &r1.run.steps[0];
    assert_eq!(step.error.as_ref().unwrap().class, FailureClass::Abandoned);
    let entry = step.telemetry.as_ref().unwrap();
    assert_eq!(entry.result.error_message.as_deref(), Some(ABANDONED));
    assert_eq!(entry.completed_at, at(100));
    // r2 saw nothing of r1.
    assert_eq!(m.run("r2").unwrap().run.violations, vec![]);
}

#[test]
fn a_crash_inside_a_nested_run_abandons_the_whole_family() {
    let lines = vec![
        started("r1", "outer", 0),
        step_started("main", "call", 1),
        // The workflow-task step `call` hosts n1.
        started("n1", "inner", 2),
        exec_in(Some("n1"), "main", "work", "deploy", 3),
        exec("main", "side", "lint", 4),
        // The engine died; the next run begins.
        started("r2", "next", 50),
        step_started("a", "b", 51),
        exec("a", "b", "go", 52),
        done("a", "b", 60),
        completed("r2", 61),
    ];
    assert_eq!(
        bridge_rows(&lines),
        vec![
            r(
                "n1",
                "inner",
                "main/work",
                "deploy",
                "error",
                Some(ABANDONED)
            ),
            r("r1", "outer", "main/side", "lint", "error", Some(ABANDONED)),
            r("r2", "next", "a/b", "go", "success", None),
        ]
    );
    let mut m = model();
    m.ingest_ndjson(&text(&lines));
    assert_eq!(
        runs_of(&mut m),
        vec![
            run_row("r1", "outer", RunStatus::Abandoned, None),
            run_row("n1", "inner", RunStatus::Abandoned, Some("r1")),
            run_row("r2", "next", RunStatus::Completed, None),
        ]
    );
    assert_eq!(
        m.run("n1").unwrap().run.parent_step.as_deref(),
        Some("main/call")
    );
    assert_eq!(
        m.run("r1").unwrap().run.steps[0].child_run.as_deref(),
        Some("n1")
    );
}

#[test]
fn nested_runs_by_workflow_task_step_and_by_parent_run_id() {
    let lines = vec![
        started("r1", "outer", 0),
        // A model step running: it cannot host a nested run.
        step_started("main", "prep", 1),
        exec("main", "prep", "fit", 2),
        // A workflow-task step: it can.
        step_started("main", "call", 3),
        started("n1", "by-step", 4),
        exec_in(Some("n1"), "x", "y", "inner", 5),
        done_in(Some("n1"), "x", "y", 6),
        // Named by parentRunId (no host step needed), nested in n1.
        ev(
            "started",
            Some(7),
            json!({"runId": "n2", "workflowName": "by-parent", "parentRunId": "n1"}),
        ),
        exec_in(Some("n2"), "p", "q", "deeper", 8),
        // The host step ends: n1 and n2 (inside it) end with it; n2's
        // running method drains as terminated.
        done("main", "call", 9),
        done("main", "prep", 10),
        completed("r1", 11),
    ];
    assert_eq!(
        bridge_rows(&lines),
        vec![
            r("n1", "by-step", "x/y", "inner", "success", None),
            r(
                "n2",
                "by-parent",
                "p/q",
                "deeper",
                "error",
                Some(TERMINATED)
            ),
            r("r1", "outer", "main/prep", "fit", "success", None),
        ]
    );
    let mut m = model();
    m.ingest_ndjson(&text(&lines));
    assert_eq!(
        runs_of(&mut m),
        vec![
            run_row("r1", "outer", RunStatus::Completed, None),
            run_row("n1", "by-step", RunStatus::Completed, Some("r1")),
            run_row("n2", "by-parent", RunStatus::Completed, Some("n1")),
        ]
    );
    assert_eq!(
        m.run("n1").unwrap().run.parent_step.as_deref(),
        Some("main/call")
    );
    assert_eq!(m.run("n2").unwrap().run.parent_step, None);
    assert_eq!(
        steps_of(&mut m, "n2"),
        vec![("p/q".to_string(), StepStatus::Cancelled)]
    );
}

#[test]
fn interleaved_producers_on_their_own_sources_stay_apart() {
    // Three engines, their lines interleaved one by one, each on its source.
    let runs = [("a1", "wf-a"), ("b1", "wf-b"), ("c1", "wf-c")];
    let streams: Vec<Vec<String>> = runs
        .iter()
        .enumerate()
        .map(|(i, (id, wf))| {
            let mut s = tidy_run(id, wf, i as i64 * 3);
            // Then a second run on the same source.
            s.extend(tidy_run(&format!("{id}-again"), wf, 100 + i as i64 * 3));
            s
        })
        .collect();
    let mut m = model();
    for i in 0..streams[0].len() {
        for (s, source) in streams.iter().zip(["A", "B", "C"]) {
            let report = m.ingest_ndjson_with(
                &s[i],
                IngestOptions {
                    source,
                    ..Default::default()
                },
            );
            assert_eq!(report.errors, vec![]);
        }
    }
    let got = runs_of(&mut m);
    assert_eq!(got.len(), 6);
    for (id, _, status, parent) in &got {
        assert_eq!(*status, RunStatus::Completed, "{id}");
        assert_eq!(*parent, None, "{id}");
        let d = m.run(id).unwrap();
        assert_eq!(d.run.steps.len(), 2, "{id}");
        assert!(d.run.violations.is_empty(), "{id}: {:?}", d.run.violations);
        for s in &d.run.steps {
            let wc = s
                .telemetry
                .as_ref()
                .unwrap()
                .workflow_context
                .clone()
                .unwrap();
            assert_eq!(&wc.run_id, id);
        }
    }
    let d = m.run("b1-again").unwrap();
    assert_eq!(d.run.source.as_deref(), Some("B"));

    // The same interleaving on one source cannot be told apart: each
    // `started` finds the others' runs active with no step to host it.
    let mut one = model();
    for i in 0..streams[0].len() {
        for s in &streams {
            one.ingest_ndjson(&s[i]);
        }
    }
    let abandoned = runs_of(&mut one)
        .iter()
        .filter(|r| r.2 == RunStatus::Abandoned)
        .count();
    assert!(abandoned >= 2, "{:?}", runs_of(&mut one));
}

#[test]
fn events_without_timestamps_are_stamped_on_arrival() {
    let no_ts = |kind: &str, fields: Value| ev(kind, None, fields);
    // The bridge: its clock, read per event without a timestamp.
    let mut b = TelemetryBridge::new(
        config(),
        FixedClock::new([at(1_000), at(4_000)]),
        SequentialIds::new("e"),
    );
    let lines = [
        no_ts("started", json!({"runId": "r", "workflowName": "w"})),
        no_ts(
            "method_executing",
            json!({"jobId": "j", "stepId": "s", "methodName": "m"}),
        ),
        no_ts("step_completed", json!({"jobId": "j", "stepId": "s"})),
    ];
    let report = b.observe_ndjson(&text(&lines), NdjsonOptions::default());
    let entry: Value = serde_json::from_str(report.entries.trim()).unwrap();
    assert_eq!(entry["durationMs"], json!(3000));
    // The run model: its clock, read once per call (the call's arrival).
    let mut m = RunModel::new(
        RunModelOptions::default(),
        FixedClock::stepping(at(0), 500, 10),
    );
    for l in &lines {
        m.ingest_ndjson(l);
    }
    let d = m.run("r").unwrap();
    assert_eq!(d.run.started_at, Some(at(0)));
    assert_eq!(d.run.steps[0].duration_ms, Some(500));
    assert_eq!(d.run.last_event_at, Some(at(1000)));
}

#[test]
fn a_run_with_no_event_for_too_long_is_stalled_but_not_closed() {
    let mut m = RunModel::new(
        RunModelOptions {
            stall_after_ms: Some(60_000),
            ..Default::default()
        },
        // One reading per ingest call and per look at a run.
        FixedClock::new([
            at(0),
            at(0),
            at(10_000),
            at(30_000),
            at(61_000),
            at(61_000),
            at(62_000),
        ]),
    );
    m.ingest_ndjson(&started("r", "w", 0)); // seen at 0
    m.ingest_ndjson(&started("done", "w", 0)); // abandons r: a new root
    assert_eq!(m.run("r").unwrap().run.status, RunStatus::Abandoned); // read at 10 s
                                                                      // Stalled: not ended, nothing for more than a minute of the model's clock.
    assert!(!m.run("done").unwrap().run.stalled); // read at 30 s
    let d = m.run("done").unwrap(); // read at 61 s
    assert!(d.run.stalled);
    assert_eq!(d.run.status, RunStatus::Running);
    m.ingest_ndjson(&completed("done", 5)); // seen at 61 s
    assert!(
        !m.run("done").unwrap().run.stalled,
        "an ended run never stalls"
    );
}

#[test]
fn the_model_delivers_the_entries_its_runs_show_with_the_same_ids() {
    let mut lines = vec![started("r1", "one", 0), exec("j", "s", "m", 1)];
    lines.extend(tidy_run("r2", "two", 10));
    let mut m = model();
    let report = m.ingest_ndjson_with(
        &text(&lines),
        IngestOptions {
            entries: true,
            ..Default::default()
        },
    );
    let delivered: Vec<TelemetryEntry> = report.entries.unwrap();
    let shown: Vec<TelemetryEntry> = m.child_entries().cloned().collect();
    assert_eq!(delivered, shown);
    assert_eq!(
        delivered.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        ["e-1", "e-2", "e-3"]
    );
    // And the same as one bridge over the stream gives.
    assert_eq!(
        delivered.iter().map(row).collect::<Vec<_>>(),
        bridge_rows(&lines)
    );
}

#[test]
fn chunks_cut_anywhere_give_the_same_runs_and_line_numbers() {
    let mut lines = tidy_run("r1", "one", 0);
    lines.insert(3, "{not json".to_string());
    lines.push(String::new());
    lines.extend(tidy_run("r2", "two", 100));
    let whole = text(&lines);
    let mut reference = model();
    let expected = reference.ingest_ndjson(&whole);
    assert_eq!(expected.errors.len(), 1);
    assert_eq!(expected.errors[0].line, 4);
    let bytes = whole.as_bytes();
    for cut in [1, 7, 13, 64, 200] {
        let mut m = model();
        let mut errors = Vec::new();
        let mut accepted = 0;
        let opts = IngestOptions {
            source: "tail",
            ..Default::default()
        };
        for chunk in bytes.chunks(cut) {
            let r = m.push_ndjson(Chunk::Bytes(chunk), opts);
            accepted += r.accepted;
            errors.extend(r.errors);
        }
        let r = m.end_ndjson(opts, false);
        accepted += r.accepted;
        errors.extend(r.errors);
        assert_eq!(
            (accepted, errors.clone()),
            (expected.accepted, expected.errors.clone()),
            "chunks of {cut}"
        );
        assert_eq!(runs_of(&mut m), runs_of(&mut reference), "chunks of {cut}");
    }
}

#[test]
fn a_json_array_of_events_is_read_element_by_element() {
    let lines = tidy_run("r1", "one", 0);
    let array = format!("[\n  {}\n]", lines.join(",\n  "));
    let mut m = model();
    let report = m.ingest_ndjson(&array);
    assert_eq!((report.accepted, report.errors.len()), (8, 0));
    assert_eq!(
        runs_of(&mut m),
        vec![run_row("r1", "one", RunStatus::Completed, None)]
    );
    let mut b = bridge();
    let report = b.observe_ndjson(&array, NdjsonOptions::default());
    assert_eq!(report.entries.lines().count(), 2);
    let broken = "[{\"kind\":\"started\",\"runId\":\"r\",\"workflowName\":\"w\"}, 5, ";
    let report = model().ingest_ndjson(broken);
    let errs: Vec<_> = report
        .errors
        .iter()
        .map(|e| (e.line, e.field.as_deref()))
        .collect();
    assert_eq!(report.accepted, 1);
    assert_eq!(errs, vec![(2, Some("event")), (3, None)]);
}

#[test]
fn retention_bounds_the_runs_held_and_says_what_it_evicted() {
    let mut m = model_with(RunModelOptions {
        retention: Retention {
            max_runs: Some(3),
            max_finished_age_ms: None,
        },
        ..Default::default()
    });
    // A run that never ends on its own source, then ten tidy runs.
    m.ingest_ndjson_with(
        &started("stuck", "w", 0),
        IngestOptions {
            source: "other",
            ..Default::default()
        },
    );
    for i in 0..10 {
        m.ingest_ndjson(&text(&tidy_run(&format!("r{i}"), "w", i * 100)));
    }
    let snap = m.snapshot();
    let ids: Vec<_> = snap.runs.iter().map(|d| d.run.id.as_str()).collect();
    // Finished runs go first, oldest first: the unfinished one stays.
    assert_eq!(ids, ["stuck", "r8", "r9"]);
    assert_eq!(snap.evicted.runs, 8);
    assert_eq!(snap.evicted.steps, 16);
    assert_eq!(snap.evicted.unfinished, 0);
}

#[test]
fn finished_runs_past_their_age_are_evicted() {
    let mut m = RunModel::new(
        RunModelOptions {
            retention: Retention {
                max_runs: None,
                max_finished_age_ms: Some(10_000),
            },
            ..Default::default()
        },
        FixedClock::new([at(0), at(5_000), at(20_000), at(20_000)]),
    );
    m.ingest_ndjson(&text(&tidy_run("old", "w", 0))); // ends, seen at 0
    m.ingest_ndjson(&started("young", "w", 100)); // at 5 s
    assert_eq!(m.run_count(), 2);
    m.ingest_ndjson(&completed("young", 200)); // at 20 s: old is 20 s gone
    let ids: Vec<_> = m.snapshot().runs.iter().map(|d| d.run.id.clone()).collect();
    assert_eq!(ids, ["young"]);
    assert_eq!(m.evicted().runs, 1);
}

#[test]
fn pages_of_runs_are_filtered_and_stable() {
    let mut m = model();
    for i in 0..7 {
        let source = if i % 2 == 0 { "even" } else { "odd" };
        let mut lines = tidy_run(
            &format!("r{i}"),
            if i < 3 { "early" } else { "late" },
            i * 100,
        );
        if i == 4 {
            lines.truncate(3); // still running
        }
        m.ingest_ndjson_with(
            &text(&lines),
            IngestOptions {
                source,
                ..Default::default()
            },
        );
    }
    let ids = |p: &workflow_telemetry::run::RunPage| {
        p.runs.iter().map(|d| d.run.id.clone()).collect::<Vec<_>>()
    };
    let mut q = RunQuery {
        limit: 3,
        ..Default::default()
    };
    let p1 = m.runs_page(&q);
    assert_eq!(ids(&p1), ["r6", "r5", "r4"]);
    assert_eq!(p1.total, 7);
    q.cursor = p1.next_cursor.as_deref().map(|c| c.parse().unwrap());
    let p2 = m.runs_page(&q);
    assert_eq!(ids(&p2), ["r3", "r2", "r1"]);
    q.cursor = p2.next_cursor.as_deref().map(|c| c.parse().unwrap());
    let p3 = m.runs_page(&q);
    assert_eq!(ids(&p3), ["r0"]);
    assert_eq!(p3.next_cursor, None);
    let filtered = m.runs_page(&RunQuery {
        limit: 10,
        oldest_first: true,
        source: Some("even".into()),
        status: vec!["completed".into()],
        ..Default::default()
    });
    assert_eq!(ids(&filtered), ["r0", "r2", "r6"]);
    let early = m.runs_page(&RunQuery {
        limit: 10,
        workflow: Some("early".into()),
        ..Default::default()
    });
    assert_eq!(ids(&early), ["r2", "r1", "r0"]);
}

#[test]
fn metrics_stay_cumulative_when_runs_are_evicted() {
    use workflow_telemetry::export::{model_metrics, MetricsOptions};
    let mut m = model_with(RunModelOptions {
        retention: Retention {
            max_runs: Some(2),
            max_finished_age_ms: None,
        },
        ..Default::default()
    });
    for i in 0..10 {
        m.ingest_ndjson(&text(&tidy_run(&format!("r{i}"), "w", i * 100)));
    }
    // One more that is still going.
    m.ingest_ndjson(&started("live", "w", 2000));
    let snap = m.snapshot();
    assert_eq!(snap.runs.len(), 2);
    assert_eq!(snap.evicted.runs, 9);
    let text = model_metrics(&mut m, &MetricsOptions::default()).unwrap();
    let sample = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} in\n{text}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        sample(r#"workflow_runs_total{workflow="w",status="completed"}"#),
        "10"
    );
    assert_eq!(
        sample(r#"workflow_runs_total{workflow="w",status="running"}"#),
        "1"
    );
    assert_eq!(sample("workflow_runs_evicted_total"), "9");
    assert_eq!(
        sample(r#"workflow_run_duration_seconds_count{workflow="w"}"#),
        "10"
    );
    assert_eq!(
        sample(r#"workflow_steps_total{workflow="w",step="compile",status="completed"}"#),
        "10"
    );
    assert_eq!(sample(r#"workflow_runs_running{workflow="w"}"#), "1");
    // Other buckets cannot be made of what was evicted: said, not guessed.
    let other = MetricsOptions {
        buckets: vec![1.0, 2.0],
        ..Default::default()
    };
    let err = model_metrics(&mut m, &other).unwrap_err();
    assert!(err.to_string().starts_with("buckets: "), "{err}");
    assert!(MetricsOptions::default()
        .validate_for(m.evicted_totals())
        .is_ok());
}

#[test]
fn stalled_runs_are_a_gauge() {
    use workflow_telemetry::export::{export_metrics, MetricsOptions};
    let mut m = RunModel::new(
        RunModelOptions {
            stall_after_ms: Some(1000),
            ..Default::default()
        },
        FixedClock::new([at(0), at(0), at(5_000)]),
    );
    m.ingest_ndjson_with(
        &started("a", "w", 0),
        IngestOptions {
            source: "x",
            ..Default::default()
        },
    );
    m.ingest_ndjson_with(
        &started("b", "w", 0),
        IngestOptions {
            source: "y",
            ..Default::default()
        },
    );
    let text = export_metrics(&m.snapshot(), &MetricsOptions::default());
    assert!(
        text.contains("workflow_runs_stalled{workflow=\"w\"} 2\n"),
        "{text}"
    );
}

#[test]
fn a_failed_run_does_not_colour_the_next_one() {
    let mut lines = vec![
        started("r1", "one", 0),
        step_started("j", "s", 1),
        exec("j", "s", "m", 2),
        failed("j", "s", "boom token=abc", 3),
        completed("r1", 4),
    ];
    lines.extend(tidy_run("r2", "two", 10));
    assert_eq!(
        bridge_rows(&lines),
        vec![
            r(
                "r1",
                "one",
                "j/s",
                "m",
                "error",
                Some("boom token=[REDACTED]")
            ),
            r("r2", "two", "build/compile", "run", "success", None),
            r("r2", "two", "build/test", "check", "success", None),
        ]
    );
    let mut m = model();
    m.ingest_ndjson(&text(&lines));
    assert_eq!(
        runs_of(&mut m),
        vec![
            run_row("r1", "one", RunStatus::Failed, None),
            run_row("r2", "two", RunStatus::Completed, None),
        ]
    );
    assert_eq!(m.run("r2").unwrap().summary.failure, None);
}

#[test]
fn sources_are_bounded_and_the_quietest_goes_first() {
    use workflow_telemetry::run::MAX_SOURCES;
    let mut m = model();
    let open = |m: &mut RunModel<FixedClock>, source: &str, run: &str| {
        let r = m.ingest_ndjson_with(
            &started(run, "w", 0),
            IngestOptions {
                source,
                ..Default::default()
            },
        );
        assert_eq!(r.errors, vec![]);
    };
    // An idle source (its run ended), then sources with a run each.
    m.ingest_ndjson_with(
        &text(&tidy_run("idle", "w", 0)),
        IngestOptions {
            source: "s-idle",
            ..Default::default()
        },
    );
    for i in 0..MAX_SOURCES - 1 {
        open(&mut m, &format!("s{i}"), &format!("r{i}"));
    }
    // One more: the idle source is forgotten, nothing is abandoned.
    open(&mut m, "extra", "r-extra");
    assert_eq!(m.run("r0").unwrap().run.status, RunStatus::Running);
    // And one more: every source has a run going; the quietest (s0) goes.
    open(&mut m, "extra-2", "r-extra-2");
    let d = m.run("r0").unwrap();
    assert_eq!(d.run.status, RunStatus::Abandoned);
    assert!(
        d.run.violations[0].message.contains("retired"),
        "{:?}",
        d.run.violations
    );
    assert_eq!(m.run("r1").unwrap().run.status, RunStatus::Running);
}

/// Two producers reuse each other's run ids, and retention evicts a run one
/// of them still has active. Source b nests r1 in r3 after the model evicted
/// r3; source a then starts r1 again and r3 inside it. Nesting r3 there would
/// close a cycle of parents (r1 in r3 in r1) with no top-level run, which
/// retention could never evict: the cycle held on and every new run was
/// evicted at once instead. Found by the `dialect_swamp` fuzz target (its
/// input is in `fuzz/regressions/dialect_swamp/`); written out by hand here.
#[test]
fn a_run_started_inside_its_own_nested_run_is_refused_not_made_a_cycle() {
    let mut m = model_with(RunModelOptions {
        bridge: config(),
        retention: Retention {
            max_runs: Some(2),
            max_finished_age_ms: None,
        },
        ..Default::default()
    });
    let on = |m: &mut RunModel<FixedClock>, source: &str, lines: &[String]| {
        let options = IngestOptions {
            source,
            ..Default::default()
        };
        let report = m.ingest_ndjson_with(&text(lines), options);
        assert_eq!(report.errors, vec![], "{source}");
    };
    on(
        &mut m,
        "b",
        &[started("r3", "outer", 0), step_started("deploy", "host", 1)],
    );
    on(&mut m, "c", &[started("x", "other", 2)]);
    on(&mut m, "d", &[started("y", "other", 3)]); // over 2: r3, the least active, goes
    on(&mut m, "b", &[started("r1", "inner", 4)]); // nested in r3, active on b
    on(
        &mut m,
        "a",
        &[
            started("r1", "inner", 5),
            step_ev("step_started", Some("r1"), "build", "host", 6, json!({})),
            started("r3", "outer", 7), // inside r1, which nests in r3
        ],
    );
    let held = runs_of(&mut m);
    let ids: Vec<&str> = held.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(ids, ["r1", "r3"], "{held:?}");
    let r3 = m.run("r3").unwrap();
    assert_eq!(r3.run.parent_run, None, "r3 is not nested in r1");
    let said: Vec<&str> = r3
        .run
        .violations
        .iter()
        .map(|v| v.message.as_str())
        .collect();
    assert!(
        said.contains(&"run r3 cannot nest in run r1, which nests in it"),
        "{said:?}"
    );
    // r3 is top-level, so the next run evicts it (with r1, nested in it)
    // rather than being evicted itself.
    on(&mut m, "e", &[started("z", "newest", 8)]);
    let ids: Vec<String> = runs_of(&mut m).into_iter().map(|r| r.0).collect();
    assert_eq!(ids, ["z"]);
}
