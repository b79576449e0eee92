//! The metrics an alert is written against (issue 20): ended runs counted
//! once by result and failure class, no series that comes and goes with
//! runs in flight, and the freshness gauges (last event, last success, oldest
//! run still going), through a run's end and through eviction. The expected
//! samples are written out by hand from the scenario's timestamps.
#![cfg(not(target_arch = "wasm32"))]

use workflow_telemetry::export::{model_metrics, MetricsOptions};
use workflow_telemetry::run::{IngestOptions, Retention, RunModel, RunModelOptions};
use workflow_telemetry::{FixedClock, Timestamp};

/// Seconds as the events' epoch milliseconds.
fn line(kind: &str, s: i64, rest: &str) -> String {
    format!(r#"{{"kind":"{kind}","timestamp":{}{rest}}}"#, s * 1000)
}

fn ingest(m: &mut RunModel<FixedClock>, source: &str, lines: &[String]) {
    let options = IngestOptions {
        source,
        ..Default::default()
    };
    let report = m.ingest_ndjson_with(&lines.join("\n"), options);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
}

/// The samples of `family` (its name and labels, then the value), in order.
fn samples(m: &mut RunModel<FixedClock>, family: &str) -> Vec<String> {
    let text = model_metrics(m, &MetricsOptions::default()).unwrap();
    let name = format!("workflow_{family}");
    text.lines()
        .filter(|l| l.starts_with(&name) && l[name.len()..].starts_with(['{', ' ']))
        .map(str::to_string)
        .collect()
}

fn model(retention: Retention) -> RunModel<FixedClock> {
    let options = RunModelOptions {
        retention,
        ..Default::default()
    };
    RunModel::new(
        options,
        FixedClock::new([Timestamp::from_millis(2_000_000).unwrap()]),
    )
}

#[test]
fn ended_runs_count_once_by_result_and_class_and_freshness_follows_the_runs() {
    let mut m = model(Retention::default());
    let run = |id: &str, wf: &str, s: i64| {
        line(
            "started",
            s,
            &format!(r#","runId":"{id}","workflowName":"{wf}""#),
        )
    };
    let step = |kind: &str, s: i64, rest: &str| {
        line(kind, s, &format!(r#","jobId":"j","stepId":"s"{rest}"#))
    };
    ingest(
        &mut m,
        "engine-1",
        &[
            run("a", "deploy", 1000),
            line("completed", 1010, r#","runId":"a""#),
            run("b", "deploy", 1020),
            step("method_executing", 1021, r#","methodName":"m""#),
            step("step_failed", 1025, r#","error":"boom""#),
            line("error", 1030, r#","runId":"b""#),
            run("c", "deploy", 1040),
        ],
    );
    ingest(&mut m, "engine-2", &[run("d", "report", 1035)]);

    assert_eq!(
        samples(&mut m, "runs_finished_total"),
        [
            r#"workflow_runs_finished_total{workflow="deploy",result="completed",failure_class="none"} 1"#,
            r#"workflow_runs_finished_total{workflow="deploy",result="failed",failure_class="method"} 1"#,
        ],
        "c and d are going: no series for them"
    );
    assert_eq!(
        samples(&mut m, "last_success_timestamp_seconds"),
        [r#"workflow_last_success_timestamp_seconds{workflow="deploy"} 1010"#]
    );
    assert_eq!(
        samples(&mut m, "last_event_timestamp_seconds"),
        [
            r#"workflow_last_event_timestamp_seconds{workflow="deploy"} 1040"#,
            r#"workflow_last_event_timestamp_seconds{workflow="report"} 1035"#,
        ]
    );
    assert_eq!(
        samples(&mut m, "oldest_running_run_start_timestamp_seconds"),
        [
            r#"workflow_oldest_running_run_start_timestamp_seconds{workflow="deploy"} 1040"#,
            r#"workflow_oldest_running_run_start_timestamp_seconds{workflow="report"} 1035"#,
        ]
    );

    // c completes: counted once, the last success moves, deploy has nothing going.
    ingest(
        &mut m,
        "engine-1",
        &[line("completed", 1050, r#","runId":"c""#)],
    );
    assert_eq!(
        samples(&mut m, "runs_finished_total"),
        [
            r#"workflow_runs_finished_total{workflow="deploy",result="completed",failure_class="none"} 2"#,
            r#"workflow_runs_finished_total{workflow="deploy",result="failed",failure_class="method"} 1"#,
        ]
    );
    assert_eq!(
        samples(&mut m, "last_success_timestamp_seconds"),
        [r#"workflow_last_success_timestamp_seconds{workflow="deploy"} 1050"#]
    );
    assert_eq!(
        samples(&mut m, "oldest_running_run_start_timestamp_seconds"),
        [r#"workflow_oldest_running_run_start_timestamp_seconds{workflow="report"} 1035"#]
    );
}

#[test]
fn eviction_keeps_the_counts_and_the_freshness_of_runs_gone() {
    let mut m = model(Retention {
        max_runs: Some(1),
        max_finished_age_ms: None,
    });
    let mut lines = Vec::new();
    for (i, s) in [(0, 1000), (1, 1100), (2, 1200)] {
        lines.push(line(
            "started",
            s,
            &format!(r#","runId":"r{i}","workflowName":"nightly""#),
        ));
        lines.push(line("completed", s + 30, &format!(r#","runId":"r{i}""#)));
    }
    lines.push(line(
        "started",
        1300,
        r#","runId":"r3","workflowName":"nightly""#,
    ));
    lines.push(line("error", 1310, r#","runId":"r3""#));
    ingest(&mut m, "", &lines);
    assert_eq!(m.snapshot().runs.len(), 1, "one run held");
    assert_eq!(
        samples(&mut m, "runs_finished_total"),
        [
            r#"workflow_runs_finished_total{workflow="nightly",result="completed",failure_class="none"} 3"#,
            r#"workflow_runs_finished_total{workflow="nightly",result="failed",failure_class="structural"} 1"#,
        ]
    );
    assert_eq!(
        samples(&mut m, "last_success_timestamp_seconds"),
        [r#"workflow_last_success_timestamp_seconds{workflow="nightly"} 1230"#],
        "the last success is an evicted run's"
    );
    assert_eq!(
        samples(&mut m, "last_event_timestamp_seconds"),
        [r#"workflow_last_event_timestamp_seconds{workflow="nightly"} 1310"#]
    );
}
