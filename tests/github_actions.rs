//! The GitHub Actions dialect, on scenarios written out by hand: the bundled
//! sample (a run whose test job fails, then is re-run and passes), repeated
//! and out-of-order deliveries, the objects `gh api` returns, and bad
//! payloads refused whole with the nested field named.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use workflow_telemetry::export::{
    export_metrics, export_traces, lifecycle_records, LogOptions, MetricsOptions, TraceOptions,
};
use workflow_telemetry::run::{
    Dialect, FailureClass, RunModel, RunModelOptions, RunStatus, StepStatus,
};
use workflow_telemetry::{FixedClock, Timestamp};

fn model() -> RunModel<FixedClock> {
    RunModel::new(
        RunModelOptions::default(),
        FixedClock::new([Timestamp::parse_iso("2026-03-02T12:00:00Z").unwrap()]),
    )
}

fn sample() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/www/samples/github-actions-ci.ndjson"
    ))
    .unwrap()
}

fn iso(t: &str) -> Option<Timestamp> {
    Some(Timestamp::parse_iso(t).unwrap())
}

#[test]
fn the_sample_is_one_run_with_jobs_steps_a_failure_and_a_rerun() {
    let mut m = model();
    let r = m.ingest_ndjson(&sample());
    assert_eq!((r.accepted, r.errors.len()), (15, 0), "{:?}", r.errors);
    let snap = m.snapshot();
    assert_eq!(snap.runs.len(), 1);
    let d = &snap.runs[0];
    assert_eq!(d.run.id, "9876543210");
    assert_eq!(d.run.dialect, Dialect::GithubActions);
    assert_eq!(d.run.name, "CI");
    assert_eq!(d.run.project.as_deref(), Some("acme/shop"));
    // Attempt 2 passed: the run ends completed, its first failure cleared.
    assert_eq!(d.run.status, RunStatus::Completed);
    assert_eq!(d.run.state, "success");
    assert_eq!(d.run.error, None);
    let states: Vec<(&str, &str, Option<&str>)> = d
        .run
        .transitions
        .iter()
        .map(|t| (t.from.as_deref().unwrap(), &*t.to, t.reason.as_deref()))
        .collect();
    assert_eq!(
        states,
        [
            ("new", "queued", None),
            ("queued", "in_progress", None),
            ("in_progress", "failure", None),
            ("failure", "queued", Some("re-run: attempt 2")),
            ("queued", "in_progress", None),
            ("in_progress", "success", None),
        ]
    );
    assert_eq!(d.run.queued_at, iso("2026-03-02T10:00:00Z"));
    assert_eq!(d.run.started_at, iso("2026-03-02T10:00:00Z"));
    assert_eq!(d.run.ended_at, iso("2026-03-02T10:07:12Z"));
    assert_eq!(d.summary.duration_ms, Some(432_000));
    let jobs: Vec<(&str, Option<&str>)> = d
        .run
        .jobs
        .iter()
        .map(|j| (j.name.as_str(), j.status.as_deref()))
        .collect();
    assert_eq!(
        jobs,
        [
            ("build", Some("success")),
            ("test (ubuntu-latest, 20)", Some("success"))
        ]
    );
    // Steps, in the order first seen: the build job's once; the test job's
    // in two attempts (its first step was seen running before build ended).
    type Row<'a> = (&'a str, &'a str, StepStatus, Vec<(u32, StepStatus)>);
    let steps: Vec<Row> = d
        .run
        .steps
        .iter()
        .map(|s| {
            (
                s.id.as_str(),
                s.name.as_str(),
                s.status,
                s.attempts.iter().map(|a| (a.number, a.status)).collect(),
            )
        })
        .collect();
    use StepStatus::{Completed as C, Failed as F, Skipped as S};
    let test = "test (ubuntu-latest, 20)";
    assert_eq!(
        steps,
        vec![
            ("build/1", "Set up job", C, vec![(1, C)]),
            ("build/2", "Run actions/checkout@v4", C, vec![(1, C)]),
            (&format!("{test}/1"), "Set up job", C, vec![(1, C), (2, C)]),
            ("build/3", "npm ci", C, vec![(1, C)]),
            ("build/4", "npm run build", C, vec![(1, C)]),
            ("build/5", "Complete job", C, vec![(1, C)]),
            (
                &format!("{test}/2"),
                "Run actions/checkout@v4",
                C,
                vec![(1, C), (2, C)]
            ),
            (&format!("{test}/3"), "npm ci", C, vec![(1, C), (2, C)]),
            (&format!("{test}/4"), "npm test", C, vec![(1, F), (2, C)]),
            (
                &format!("{test}/5"),
                "Upload coverage",
                C,
                vec![(1, S), (2, C)]
            ),
            (
                &format!("{test}/6"),
                "Complete job",
                C,
                vec![(1, C), (2, C)]
            ),
        ]
        .into_iter()
        .map(|(a, b, c, e)| (a.to_string(), b, c, e))
        .collect::<Vec<_>>()
        .iter()
        .map(|(a, b, c, e)| (a.as_str(), *b, *c, e.clone()))
        .collect::<Vec<_>>()
    );
    let npm_test = &d.run.steps[8];
    assert_eq!(npm_test.job, test);
    let first = &npm_test.attempts[0];
    assert_eq!(first.duration_ms, Some(104_000)); // 10:00:44 to 10:02:28
    let failure = first.error.as_ref().unwrap();
    assert_eq!(failure.class, FailureClass::Method);
    assert_eq!(failure.error_type.as_deref(), Some("failure"));
    assert!(d.summary.counts.adds_up());
    assert_eq!(d.summary.counts.completed, 11);
    // The repeated build delivery moved nothing back.
    assert!(d.run.violations.is_empty(), "{:?}", d.run.violations);
    let build_checkout = &d.run.steps[1];
    assert_eq!(build_checkout.transitions.len(), 2); // new -> in_progress -> success
}

#[test]
fn the_failed_attempt_is_a_failed_run_until_the_rerun() {
    let text = sample();
    let lines: Vec<&str> = text.lines().collect();
    let mut m = model();
    m.ingest_ndjson(&lines[..10].join("\n")); // through the first attempt's completion
    let d = m.run("9876543210").unwrap();
    assert_eq!(d.run.status, RunStatus::Failed);
    assert_eq!(d.run.state, "failure");
    let error = d.run.error.as_ref().unwrap();
    assert_eq!(error.class, FailureClass::Method, "a step failed");
    assert_eq!(error.error_type.as_deref(), Some("failure"));
    assert_eq!(d.summary.failure, Some(FailureClass::Method));
    // Exports read it as any failed run.
    let snap = m.snapshot();
    let traces = serde_json::to_value(export_traces(&snap, &TraceOptions::default())).unwrap();
    let root = &traces["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    let attr = |k: &str| {
        root["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["key"] == k)
            .map(|a| a["value"]["stringValue"].clone())
    };
    assert_eq!(attr("cicd.pipeline.result"), Some(json!("failure")));
    assert_eq!(attr("workflow.dialect"), Some(json!("github_actions")));
    let metrics = export_metrics(&snap, &MetricsOptions::default());
    assert!(
        metrics.contains("workflow_runs_total{workflow=\"CI\",status=\"failed\"} 1\n"),
        "{metrics}"
    );
    assert!(metrics
        .contains("workflow_steps_total{workflow=\"CI\",step=\"npm test\",status=\"failed\"} 1\n"));
    let events: Vec<String> = lifecycle_records(&snap, &LogOptions::default())
        .iter()
        .filter(|r| r.event.starts_with("job.lifecycle."))
        .map(|r| r.event.clone())
        .collect();
    assert_eq!(
        events,
        [
            "job.lifecycle.enqueue",
            "job.lifecycle.start",
            "job.lifecycle.fail"
        ]
    );
}

#[test]
fn deliveries_out_of_order_and_repeated_only_move_forward() {
    let text = sample();
    let mut lines: Vec<&str> = text.lines().collect();
    // The run's completion arrives before its jobs' and its start; every
    // delivery arrives twice.
    lines.swap(3, 9);
    let doubled: Vec<&str> = lines.iter().flat_map(|l| [*l, *l]).collect();
    let mut m = model();
    let r = m.ingest_ndjson(&doubled.join("\n"));
    assert_eq!(r.errors.len(), 0);
    let d = m.run("9876543210").unwrap();
    assert_eq!(d.run.status, RunStatus::Completed);
    assert_eq!(d.run.steps.len(), 11);
    assert_eq!(d.run.steps[8].attempts.len(), 2);
    // queued -> failure (first attempt, early) never goes back to in_progress.
    let tos: Vec<&str> = d.run.transitions.iter().map(|t| &*t.to).collect();
    assert_eq!(
        tos,
        ["queued", "failure", "queued", "in_progress", "success"]
    );
    // Late and repeated deliveries are how webhooks arrive: not violations.
    assert_eq!(d.run.violations, vec![]);
}

#[test]
fn what_gh_api_returns_reads_as_the_webhooks_do() {
    let run = json!({"id": 77, "name": "Nightly", "run_attempt": 1, "workflow_id": 5,
        "status": "completed", "conclusion": "cancelled",
        "created_at": "2026-03-02T01:00:00Z", "run_started_at": "2026-03-02T01:00:05Z",
        "updated_at": "2026-03-02T01:30:00Z", "repository": {"full_name": "acme/ops"}});
    let jobs = json!({"total_count": 1, "jobs": [{"id": 1, "run_id": 77, "run_attempt": 1,
        "name": "sweep", "status": "completed", "conclusion": "cancelled",
        "created_at": "2026-03-02T01:00:06Z",
        "steps": [{"number": 1, "name": "sweep caches", "status": "completed",
            "conclusion": "cancelled", "started_at": "2026-03-02T01:00:10Z",
            "completed_at": "2026-03-02T01:30:00Z"}]}]});
    let mut m = model();
    m.ingest(&jobs).unwrap();
    m.ingest(&run).unwrap();
    let d = m.run("77").unwrap();
    assert_eq!(d.run.name, "Nightly");
    assert_eq!(d.run.project.as_deref(), Some("acme/ops"));
    assert_eq!(d.run.status, RunStatus::Cancelled);
    assert_eq!(
        d.run.error.as_ref().unwrap().class,
        FailureClass::Cancellation
    );
    assert_eq!(d.run.steps[0].status, StepStatus::Cancelled);
    assert_eq!(d.run.steps[0].attempts[0].duration_ms, Some(1_790_000));
}

#[test]
fn bad_payloads_are_refused_whole_naming_the_nested_field() {
    let mut m = model();
    let cases: [(Value, &str); 4] = [
        (
            json!({"action": "completed", "workflow_job": {"id": 1, "run_id": 2, "name": "j",
                "status": "completed", "conclusion": "failure",
                "steps": [{"number": 1, "name": "a", "status": "completed", "conclusion": "failure"},
                          {"number": 2, "name": 5, "status": "completed", "conclusion": "success"}]}}),
            "workflow_job.steps[1].name",
        ),
        (
            json!({"action": "completed", "workflow_run": {"id": 3, "status": "completed"}}),
            "workflow_run.conclusion",
        ),
        (
            json!({"action": "in_progress", "workflow_run": {"id": 3, "status": "running"}}),
            "workflow_run.status",
        ),
        (
            json!({"action": "queued", "workflow_job": {"id": 1, "name": "j", "status": "queued"}}),
            "workflow_job.run_id",
        ),
    ];
    for (event, field) in cases {
        let e = m.ingest(&event).unwrap_err();
        assert_eq!(e.field(), Some(field), "{e}");
        assert!(e.to_string().starts_with(&format!("{field}: ")), "{e}");
    }
    assert!(
        m.snapshot().runs.is_empty(),
        "nothing of a refused payload applied"
    );
}

#[test]
fn step_names_and_commit_titles_are_filtered_as_they_enter() {
    let job = json!({"action": "completed", "workflow_job": {"id": 1, "run_id": 5,
        "run_attempt": 1, "name": "deploy", "status": "completed", "conclusion": "success",
        "steps": [{"number": 1, "name": "Run ./deploy --token=ghp_live123 --region eu",
            "status": "completed", "conclusion": "success"}]}});
    let run = json!({"action": "completed", "workflow_run": {"id": 5, "name": "Deploy",
        "run_attempt": 1, "status": "completed", "conclusion": "success",
        "display_title": "rotate password=hunter2 now"}});
    let mut m = model();
    m.ingest(&job).unwrap();
    m.ingest(&run).unwrap();
    let d = m.run("5").unwrap();
    assert_eq!(
        d.run.steps[0].name,
        "Run ./deploy --token=[REDACTED] --region eu"
    );
    let context = serde_json::to_string(&d.run.context).unwrap();
    assert!(!context.contains("hunter2"), "{context}");
    let all = serde_json::to_string(&m.snapshot()).unwrap();
    assert!(!all.contains("ghp_live123") && !all.contains("hunter2"));
}

/// A re-run reopens its run, and retention measures its age from when it
/// ended last: a run that failed two hours ago and was re-run just now is
/// not taken for two hours finished (`maxFinishedAgeMs` one hour).
#[test]
fn a_rerun_is_aged_from_its_own_end_not_its_first() {
    use std::cell::Cell;
    use std::rc::Rc;
    use workflow_telemetry::run::Retention;
    let now = Rc::new(Cell::new(0i64));
    let clock = {
        let now = now.clone();
        move || Timestamp::from_millis(now.get()).unwrap()
    };
    let mut m = RunModel::new(
        RunModelOptions {
            retention: Retention {
                max_runs: None,
                max_finished_age_ms: Some(3_600_000),
            },
            ..Default::default()
        },
        clock,
    );
    let run = |attempt: u32, status: &str, conclusion: Option<&str>| {
        json!({"action": if status == "completed" { "completed" } else { "in_progress" },
            "workflow_run": {"id": 5, "name": "CI", "run_attempt": attempt,
                "status": status, "conclusion": conclusion}})
    };
    m.ingest(&run(1, "completed", Some("failure"))).unwrap();
    now.set(2 * 3_600_000);
    m.ingest(&run(2, "in_progress", None)).unwrap();
    assert_eq!(m.run("5").unwrap().run.status, RunStatus::Running);
    // (Ages are checked every sixteenth of the age, 3 min 45 s here.)
    now.set(2 * 3_600_000 + 240_000);
    m.ingest(&run(2, "completed", Some("success"))).unwrap();
    now.set(2 * 3_600_000 + 480_000);
    m.ingest(&json!({"event": "job.lifecycle.enqueue", "job_id": "tick"}))
        .unwrap();
    let d = m.run("5").expect("the re-run ended four minutes ago: held");
    assert_eq!(d.run.status, RunStatus::Completed);
    assert_eq!(m.evicted().runs, 0);
    // An hour after its own end it goes, as any finished run does.
    now.set(3 * 3_600_000 + 480_000);
    m.ingest(&json!({"event": "job.lifecycle.enqueue", "job_id": "tock"}))
        .unwrap();
    assert!(m.run("5").is_none());
}
