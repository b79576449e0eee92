//! Exports built from the run model: OTLP/JSON traces (and JSON Lines), the
//! Prometheus exposition, lifecycle log records, sampling and event filtering.
//! Each option is shown to have an effect.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{HashMap, HashSet};

use serde_json::{json, Value};
use workflow_telemetry::export::{
    export_metrics, export_traces, export_traces_jsonl, lifecycle_records, to_json_lines,
    to_logfmt, EventFilter, Level, LogOptions, MetricsOptions, TraceOptions,
};
use workflow_telemetry::run::{RunModel, RunModelOptions, Snapshot};
use workflow_telemetry::{FixedClock, Timestamp};

fn sample(name: &str) -> String {
    std::fs::read_to_string(format!("{}/www/samples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn snapshot_of(names: &[&str], options: RunModelOptions) -> Snapshot {
    let mut m = RunModel::new(
        options,
        FixedClock::new([Timestamp::from_millis(0).unwrap()]),
    );
    for n in names {
        assert_eq!(m.ingest_ndjson(&sample(n)).errors, vec![]);
    }
    m.snapshot()
}

fn all() -> Snapshot {
    let opts = RunModelOptions {
        step_threshold_ms: Some(20_000),
        ..Default::default()
    };
    snapshot_of(
        &[
            "swamp-deploy.ndjson",
            "orchestrator-build.ndjson",
            "tasker-checkout.ndjson",
        ],
        opts,
    )
}

fn traces(s: &Snapshot, rate: f64) -> Value {
    serde_json::to_value(export_traces(
        s,
        &TraceOptions {
            sample_rate: rate,
            ..Default::default()
        },
    ))
    .unwrap()
}

fn spans(v: &Value) -> Vec<Value> {
    v["resourceSpans"][0]["scopeSpans"][0]["spans"]
        .as_array()
        .unwrap()
        .clone()
}

fn attr<'a>(span: &'a Value, key: &str) -> Option<&'a Value> {
    span["attributes"]
        .as_array()?
        .iter()
        .find(|a| a["key"] == key)
        .map(|a| &a["value"])
}

#[test]
fn one_trace_per_top_level_run_with_run_and_attempt_spans() {
    let v = traces(&all(), 1.0);
    let spans = spans(&v);
    let traces: HashSet<&str> = spans
        .iter()
        .map(|s| s["traceId"].as_str().unwrap())
        .collect();
    assert_eq!(
        traces.len(),
        3,
        "swamp (with its nested run), orchestrator, tasker"
    );
    let roots: Vec<&Value> = spans.iter().filter(|s| s["kind"] == 2).collect();
    assert_eq!(roots.len(), 4, "a SERVER span per run, nested included");
    let by_id: HashMap<&str, &Value> = spans
        .iter()
        .map(|s| (s["spanId"].as_str().unwrap(), s))
        .collect();
    // The nested run's span hangs under the workflow step that ran it.
    let nested = roots
        .iter()
        .find(|s| attr(s, "cicd.pipeline.name") == Some(&json!({"stringValue": "notify"})))
        .unwrap();
    let parent = by_id[nested["parentSpanId"].as_str().unwrap()];
    assert_eq!(parent["name"], "notify");
    assert_eq!(parent["kind"], 1);
    // Every attempt of the retried Tasker step is its own span.
    let charge: Vec<&Value> = spans
        .iter()
        .filter(|s| s["name"] == "charge_payment")
        .collect();
    assert_eq!(charge.len(), 2);
    assert_eq!(charge[0]["status"]["code"], 2);
    assert_eq!(
        attr(charge[0], "error.type"),
        Some(&json!({"stringValue": "Tasker::RetryableError"}))
    );
    assert_eq!(
        attr(charge[1], "cicd.pipeline.task.run.result"),
        Some(&json!({"stringValue": "success"}))
    );
    let web = roots
        .iter()
        .find(|s| attr(s, "cicd.pipeline.name") == Some(&json!({"stringValue": "web-shop"})))
        .unwrap();
    assert_eq!(web["name"], "RUN web-shop");
    assert_eq!(
        attr(web, "cicd.pipeline.result"),
        Some(&json!({"stringValue": "error"})),
        "a panic is an error"
    );
    assert_eq!(
        attr(web, "cicd.pipeline.run.id"),
        Some(&json!({"stringValue": "job-4821"}))
    );
    assert_eq!(web["startTimeUnixNano"], "1770289200000000000");
    assert_eq!(web["endTimeUnixNano"], "1770289246000000000");
}

#[test]
fn encoding_rules_hold_for_every_span() {
    let v = traces(&all(), 1.0);
    fn walk(v: &Value, path: &str) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    assert!(!k.contains('_'), "snake_case key {path}.{k}");
                    walk(x, &format!("{path}.{k}"));
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, path)),
            _ => {}
        }
    }
    walk(&v, "");
    for s in spans(&v) {
        let tid = s["traceId"].as_str().unwrap();
        assert!(
            tid.len() == 32
                && tid
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                && tid != "0".repeat(32)
        );
        let sid = s["spanId"].as_str().unwrap();
        assert!(sid.len() == 16 && sid != "0".repeat(16));
        assert!(s["startTimeUnixNano"].is_string() && s["endTimeUnixNano"].is_string());
        assert!(s["kind"].is_u64() && s["status"]["code"].is_u64());
        let start: u128 = s["startTimeUnixNano"].as_str().unwrap().parse().unwrap();
        let end: u128 = s["endTimeUnixNano"].as_str().unwrap().parse().unwrap();
        assert!(end >= start);
        let keys: Vec<&str> = s["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["key"].as_str().unwrap())
            .collect();
        assert_eq!(
            keys.len(),
            keys.iter().collect::<HashSet<_>>().len(),
            "unique attribute keys"
        );
    }
    let swamp_root = spans(&v)
        .into_iter()
        .find(|s| s["name"] == "RUN deploy-fleet")
        .unwrap();
    assert!(
        swamp_root["links"].is_null(),
        "no parent invocation configured, no link"
    );
}

#[test]
fn ids_are_deterministic_and_the_parent_invocation_is_a_link() {
    let opts = || RunModelOptions {
        bridge: workflow_telemetry::BridgeConfig {
            parent_invocation_id: "inv-1".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    let a = serde_json::to_string(&export_traces(
        &snapshot_of(&["swamp-deploy.ndjson"], opts()),
        &TraceOptions::default(),
    ))
    .unwrap();
    let b = serde_json::to_string(&export_traces(
        &snapshot_of(&["swamp-deploy.ndjson"], opts()),
        &TraceOptions::default(),
    ))
    .unwrap();
    assert_eq!(a, b, "byte-identical twice");
    let v: Value = serde_json::from_str(&a).unwrap();
    let root = spans(&v)
        .into_iter()
        .find(|s| s["name"] == "RUN deploy-fleet")
        .unwrap();
    let link = &root["links"][0];
    assert_eq!(link["traceId"].as_str().unwrap().len(), 32);
    assert_eq!(
        attr(link, "workflow.parent_invocation_id"),
        Some(&json!({"stringValue": "inv-1"}))
    );
}

#[test]
fn jsonl_has_one_traces_data_per_trace() {
    let text = export_traces_jsonl(&all(), &TraceOptions::default());
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    for l in &lines {
        let ids: HashSet<String> = spans(l)
            .iter()
            .map(|s| s["traceId"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids.len(), 1);
    }
}

#[test]
fn sampling_keeps_failures_always_and_decides_once_per_run() {
    // 40 successful runs and 1 failed one.
    let mut m = RunModel::new(RunModelOptions::default(), FixedClock::new([]));
    for i in 0..40 {
        for (e, t) in [
            ("job.lifecycle.enqueue", 0),
            ("job.lifecycle.start", 1),
            ("job.module.spawn", 1),
            ("job.module.complete", 2),
            ("job.lifecycle.complete", 3),
        ] {
            m.ingest(
                &json!({"event": e, "job_id": format!("ok-{i}"), "module": "m", "timestamp": t}),
            )
            .unwrap();
        }
    }
    for (e, t) in [
        ("job.lifecycle.enqueue", 0),
        ("job.lifecycle.start", 1),
        ("job.module.spawn", 1),
        ("job.module.error", 2),
        ("job.lifecycle.fail", 3),
    ] {
        m.ingest(&json!({"event": e, "job_id": "bad", "module": "m", "timestamp": t}))
            .unwrap();
    }
    let s = m.snapshot();
    let runs_in = |rate: f64| -> HashSet<String> {
        spans(&traces(&s, rate))
            .iter()
            .filter(|x| x["kind"] == 2)
            .map(|x| {
                attr(x, "cicd.pipeline.run.id").unwrap()["stringValue"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(
        runs_in(0.0),
        HashSet::from(["bad".to_string()]),
        "rate 0 keeps only the failure"
    );
    assert_eq!(runs_in(1.0).len(), 41);
    let half = runs_in(0.5);
    assert!(half.contains("bad"));
    assert!((8..=33).contains(&half.len()), "{}", half.len());
    assert_eq!(runs_in(0.5), half, "the same decision every time");
    // A kept run keeps all its spans: no partial traces.
    let v = traces(&s, 0.5);
    let all_spans = spans(&v);
    let kept_traces: HashSet<&str> = all_spans
        .iter()
        .filter(|x| x["kind"] == 2)
        .map(|x| x["traceId"].as_str().unwrap())
        .collect();
    assert!(all_spans
        .iter()
        .all(|x| kept_traces.contains(x["traceId"].as_str().unwrap())));
    // Metrics are never sampled.
    let metrics = export_metrics(&s, &MetricsOptions::default());
    assert!(
        metrics.contains("workflow_runs_total{status=\"completed\",workflow=\"\"} 40")
            || metrics.contains("workflow_runs_total{workflow=\"\",status=\"completed\"} 40"),
        "{metrics}"
    );
    // Logs are sampled like traces.
    let logs = |rate| {
        lifecycle_records(
            &s,
            &LogOptions {
                sample_rate: Some(rate),
                ..Default::default()
            },
        )
    };
    assert!(logs(0.0).iter().all(|r| r.job_id == "bad"));
    assert_eq!(
        logs(1.0)
            .iter()
            .map(|r| r.job_id.clone())
            .collect::<HashSet<_>>()
            .len(),
        41
    );
}

fn families(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .map(|l| {
            let (n, t) = l.split_once(' ').unwrap();
            (n.to_string(), t.to_string())
        })
        .collect()
}

#[test]
fn the_exposition_follows_the_format_rules() {
    let text = export_metrics(&all(), &MetricsOptions::default());
    assert!(text.ends_with('\n'));
    let fams = families(&text);
    let names: Vec<&str> = fams.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names.len(),
        names.iter().collect::<HashSet<_>>().len(),
        "one TYPE per family"
    );
    assert_eq!(
        text.matches("# HELP ").count(),
        names.len(),
        "one HELP per family"
    );
    for (n, t) in &fams {
        if t == "counter" {
            assert!(n.ends_with("_total") && !n.ends_with("_total_total"), "{n}");
        }
        // Samples of a family are contiguous, right after its header.
        let first = text.find(&format!("\n{n}")).unwrap_or(usize::MAX);
        let header = text.find(&format!("# TYPE {n} ")).unwrap();
        assert!(
            first == usize::MAX || first > header,
            "{n} sample before its TYPE"
        );
    }
    // Histograms: cumulative buckets, +Inf equal to _count.
    let mut series: HashMap<String, Vec<(String, f64)>> = HashMap::new();
    for line in text.lines().filter(|l| l.contains("_bucket{")) {
        let (head, value) = line.rsplit_once(' ').unwrap();
        let le_at = head.find("le=\"").unwrap();
        let le = head[le_at + 4..].split('"').next().unwrap().to_string();
        let key = head[..le_at].to_string();
        series
            .entry(key)
            .or_default()
            .push((le, value.parse().unwrap()));
    }
    assert!(!series.is_empty());
    for (key, buckets) in &series {
        let counts: Vec<f64> = buckets.iter().map(|b| b.1).collect();
        assert!(
            counts.windows(2).all(|w| w[0] <= w[1]),
            "{key} not cumulative"
        );
        assert_eq!(buckets.last().unwrap().0, "+Inf");
        let count_line = key
            .replace("_bucket{", "_count{")
            .trim_end_matches(',')
            .to_string();
        let count_line = if count_line.ends_with('{') {
            count_line.trim_end_matches('{').to_string()
        } else {
            format!("{count_line}}}")
        };
        let count: f64 = text
            .lines()
            .find(|l| l.starts_with(&format!("{count_line} ")))
            .unwrap_or_else(|| panic!("no {count_line}"))
            .rsplit_once(' ')
            .unwrap()
            .1
            .parse()
            .unwrap();
        assert_eq!(buckets.last().unwrap().1, count, "{key}: +Inf == _count");
    }
    assert!(text
        .contains("workflow_step_retries_total{workflow=\"checkout\",step=\"charge_payment\"} 1"));
    assert!(text.contains("workflow_step_attempts_total{workflow=\"checkout\",step=\"charge_payment\",outcome=\"failed\"} 1"));
    assert!(text.contains(
        "workflow_threshold_violations_total{workflow=\"deploy-fleet\",step=\"rollout-eu-west\"} 1"
    ));
    assert!(
        !text.contains("job-4821") && !text.contains("run-7f3a") && !text.contains("tsk_lx2v9k"),
        "no run or correlation ids as labels"
    );
}

#[test]
fn metric_options_change_the_output() {
    let s = all();
    let custom = MetricsOptions {
        prefix: "ci".into(),
        buckets: vec![1.0, 60.0],
        max_series_per_metric: 2,
        openmetrics: false,
    };
    custom.validate().unwrap();
    let text = export_metrics(&s, &custom);
    assert!(text.contains("# TYPE ci_runs_total counter"));
    assert!(!text.contains("workflow_"));
    assert!(text.contains("le=\"60\""));
    assert!(!text.contains("le=\"0.005\""));
    let runs_series = text
        .lines()
        .filter(|l| l.starts_with("ci_runs_total{"))
        .count();
    assert_eq!(runs_series, 2, "the series cap holds");
    assert!(text.contains("ci_series_dropped_total{metric=\"ci_runs_total\"} 2"));
    let om = export_metrics(
        &s,
        &MetricsOptions {
            openmetrics: true,
            ..custom.clone()
        },
    );
    assert!(om.contains("# TYPE ci_runs counter") && om.ends_with("# EOF\n"));
    assert!(om.contains("le=\"60.0\"") && !text.contains("le=\"60.0\""));
    for bad in [
        MetricsOptions {
            prefix: "9x".into(),
            ..Default::default()
        },
        MetricsOptions {
            buckets: vec![2.0, 1.0],
            ..Default::default()
        },
        MetricsOptions {
            max_series_per_metric: 0,
            ..Default::default()
        },
    ] {
        assert!(bad.validate().is_err());
    }
}

#[test]
fn label_values_are_escaped() {
    let mut m = RunModel::new(RunModelOptions::default(), FixedClock::new([]));
    m.ingest(&json!({"event": "job.lifecycle.enqueue", "job_id": "j", "project_id": "a\"b\\c\nd"}))
        .unwrap();
    let text = export_metrics(&m.snapshot(), &MetricsOptions::default());
    assert!(text.contains(r#"workflow="a\"b\\c\nd""#), "{text}");
}

#[test]
fn lifecycle_records_have_levels_correlation_ids_and_counts() {
    let records = lifecycle_records(&all(), &LogOptions::default());
    assert!(records.iter().all(|r| !r.correlation_id.is_empty()));
    let job: Vec<_> = records.iter().filter(|r| r.job_id == "job-4821").collect();
    let events: Vec<(&str, Level)> = job
        .iter()
        .filter(|r| r.event.starts_with("job.lifecycle"))
        .map(|r| (r.event.as_str(), r.level))
        .collect();
    assert_eq!(
        events,
        vec![
            ("job.lifecycle.enqueue", Level::Info),
            ("job.lifecycle.start", Level::Info),
            ("job.lifecycle.fail", Level::Error)
        ]
    );
    let fail = job
        .iter()
        .find(|r| r.event == "job.lifecycle.fail")
        .unwrap();
    assert_eq!(
        (
            fail.modules_total,
            fail.modules_completed,
            fail.modules_failed,
            fail.modules_panicked
        ),
        (Some(4), Some(2), Some(1), Some(1))
    );
    assert_eq!(fail.correlation_id, "c-9f2e1a");
    let panic = job.iter().find(|r| r.event == "job.module.panic").unwrap();
    assert_eq!(
        (panic.level, panic.module.as_deref()),
        (Level::Error, Some("compile-backend"))
    );
    // A failed attempt that was retried is degraded-but-continued: warn.
    let retried = records
        .iter()
        .find(|r| r.module.as_deref() == Some("charge_payment") && r.event == "job.module.error")
        .unwrap();
    assert_eq!(retried.level, Level::Warn);
    // The allowed swamp failure is a warning too; the real one an error.
    let lint = records
        .iter()
        .find(|r| r.module.as_deref() == Some("lint") && r.event == "job.module.error")
        .unwrap();
    assert_eq!(lint.level, Level::Warn);
    let ts: Vec<_> = records.iter().map(|r| r.timestamp).collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "ordered by time");
    let lines = to_json_lines(&records);
    let first: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(
        first.as_object().unwrap().keys().next().map(String::as_str),
        Some("correlation_id").or(Some("correlation_id"))
    );
    let text = to_logfmt(&records[..3]);
    assert!(text.lines().all(|l| l.starts_with("timestamp=")), "{text}");
    assert!(
        text.contains("level=info event=job.lifecycle.start")
            || text.contains("level=info event=job.lifecycle.enqueue")
    );
}

#[test]
fn log_options_filter_levels_and_names_but_never_errors() {
    let s = all();
    let warn = lifecycle_records(
        &s,
        &LogOptions {
            min_level: Some(Level::Warn),
            ..Default::default()
        },
    );
    assert!(!warn.is_empty() && warn.iter().all(|r| r.level >= Level::Warn));
    let only_lifecycle = lifecycle_records(
        &s,
        &LogOptions {
            filter: EventFilter::new(&["job.lifecycle.*".into()], &[]),
            ..Default::default()
        },
    );
    assert!(only_lifecycle
        .iter()
        .all(|r| r.event.starts_with("job.lifecycle.") || r.level == Level::Error));
    assert!(
        only_lifecycle.iter().any(|r| r.event == "job.module.panic"),
        "errors are never filtered out"
    );
    let no_spawn = lifecycle_records(
        &s,
        &LogOptions {
            filter: EventFilter::new(&[], &["job.module.spawn".into()]),
            ..Default::default()
        },
    );
    assert!(no_spawn.iter().all(|r| r.event != "job.module.spawn"));
}

#[test]
fn the_event_filter_keeps_events_out_of_the_model() {
    let deny = RunModelOptions {
        events: EventFilter::new(&[], &["job.module.*".into()]),
        ..Default::default()
    };
    let s = snapshot_of(&["orchestrator-build.ndjson"], deny);
    assert!(s.runs[0].run.steps.is_empty());
    let allow = RunModelOptions {
        events: EventFilter::new(&["task.*".into()], &[]),
        ..Default::default()
    };
    let s = snapshot_of(
        &["tasker-checkout.ndjson", "orchestrator-build.ndjson"],
        allow,
    );
    assert_eq!(s.runs.len(), 1);
    assert!(s.runs[0].run.steps.is_empty());
}
