//! Options read declaratively: defaults, values, and every kind of bad
//! option refused with its path and what was expected there.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use workflow_telemetry::config::{
    read, IngestConfig, LogFormat, LogsConfig, MetricsConfig, QueryConfig, RunModelConfig,
    TracesConfig,
};

fn err<T: workflow_telemetry::config::Config + std::fmt::Debug>(v: Value) -> String {
    read::<T>(&v, "options").unwrap_err().to_string()
}

#[test]
fn absent_options_are_every_default() {
    let o = read::<RunModelConfig>(&Value::Null, "options")
        .unwrap()
        .build("options")
        .unwrap();
    assert_eq!(o.stall_after_ms, Some(15 * 60 * 1000));
    assert_eq!(o.retention.max_runs, None);
    let q = read::<QueryConfig>(&json!({}), "query").unwrap().build();
    assert_eq!((q.limit, q.oldest_first, q.top_level), (100, false, false));
}

#[test]
fn values_reach_the_core_options() {
    let o = read::<RunModelConfig>(
        &json!({"stepThresholdMs": 5000, "stepThresholdsMs": {"build": 60000.7},
            "maxLineBytes": 4096, "maxDepth": 8, "parentInvocationId": "p",
            "stallAfterMs": null, "maxRuns": 50, "maxFinishedAgeMs": 1000,
            "metricsBuckets": [0.5, 1], "events": {"deny": ["method_output"]},
            "filterParameters": ["apikey"], "filterMask": "***"}),
        "options",
    )
    .unwrap()
    .build("options")
    .unwrap();
    assert_eq!(o.step_threshold_ms, Some(5000));
    assert_eq!(o.step_thresholds_ms.get("build"), Some(&60000));
    assert_eq!((o.ndjson.max_line_bytes, o.ndjson.max_depth), (4096, 8));
    assert_eq!(o.bridge.parent_invocation_id, "p");
    assert_eq!(o.stall_after_ms, None, "null: never");
    assert_eq!(o.retention.max_runs, Some(50));
    assert_eq!(o.metrics_buckets, vec![0.5, 1.0]);
    assert!(!o.events.passes("method_output") && o.events.passes("step_started"));
    assert_eq!(
        o.filter.redact_text("apikey=1 token=2"),
        "apikey=*** token=2"
    );
    let (logs, format) =
        read::<LogsConfig>(&json!({"format": "logfmt", "minLevel": "warn"}), "options")
            .unwrap()
            .build();
    assert_eq!(format, LogFormat::Logfmt);
    assert!(logs.min_level.is_some());
    let m = read::<MetricsConfig>(
        &json!({"format": "openmetrics", "maxSeriesPerMetric": 9}),
        "options",
    )
    .unwrap()
    .build();
    assert!(m.openmetrics);
    assert_eq!(m.max_series_per_metric, 9);
    let q = read::<QueryConfig>(
        &json!({"status": "failed,stalled", "order": "oldest", "cursor": "12"}),
        "query",
    )
    .unwrap()
    .build();
    assert_eq!(q.status, ["failed", "stalled"]);
    assert_eq!((q.oldest_first, q.cursor), (true, Some(12)));
}

#[test]
fn bad_options_name_their_path_and_what_was_expected() {
    let cases: Vec<(String, &str)> = vec![
        (
            err::<RunModelConfig>(json!({"stepThresholdsMs": {"a": -1}})),
            "options.stepThresholdsMs.a: expected a non-negative number of milliseconds",
        ),
        (
            err::<RunModelConfig>(json!({"stepThresholdsMs": [1]})),
            "options.stepThresholdsMs: expected an object of step name to milliseconds",
        ),
        (
            err::<RunModelConfig>(json!({"maxDepth": 0})),
            "options.maxDepth: expected a positive integer",
        ),
        (
            err::<RunModelConfig>(json!({"maxRuns": "ten"})),
            "options.maxRuns: expected a positive integer",
        ),
        (
            err::<RunModelConfig>(json!({"filterParameters": ["a", 5]})),
            "options.filterParameters[1]: expected a string",
        ),
        (
            err::<RunModelConfig>(json!({"filterParameters": "a"})),
            "options.filterParameters: expected an array of strings",
        ),
        (
            err::<RunModelConfig>(json!({"metricsBuckets": [1, "2"]})),
            "options.metricsBuckets[1]: expected a number",
        ),
        (
            err::<RunModelConfig>(json!({"events": {"allow": "x"}})),
            "options.events.allow: expected an array of strings",
        ),
        (
            err::<RunModelConfig>(json!({"events": 5})),
            "options.events: expected an options object",
        ),
        (
            err::<RunModelConfig>(json!({"stallAfterMs": "soon"})),
            "options.stallAfterMs: expected a non-negative number of milliseconds",
        ),
        (
            err::<RunModelConfig>(json!({"version": 1})),
            "options.version: expected a string",
        ),
        (
            err::<TracesConfig>(json!({"sampleRate": 2})),
            "options.sampleRate: expected a number from 0 to 1",
        ),
        (
            err::<LogsConfig>(json!({"format": "xml"})),
            "options.format: expected one of json, logfmt",
        ),
        (
            err::<LogsConfig>(json!({"minLevel": 3})),
            "options.minLevel: expected one of info, warn, error",
        ),
        (
            err::<MetricsConfig>(json!({"format": "text"})),
            "options.format: expected one of prometheus, openmetrics",
        ),
        (
            err::<IngestConfig>(json!({"entries": "yes"})),
            "options.entries: expected a boolean",
        ),
        (
            err::<IngestConfig>(json!({"source": "x".repeat(1025)})),
            "options.source: expected a string of at most 1024 bytes",
        ),
        (
            err::<IngestConfig>(json!([1])),
            "options: expected an options object",
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
    let q = |v| read::<QueryConfig>(&v, "query").unwrap_err().to_string();
    assert_eq!(
        q(json!({"cursor": "x"})),
        "query.cursor: expected a cursor from a previous page"
    );
    assert!(q(json!({"status": "nope"})).starts_with("query.status: expected run statuses"));
    assert_eq!(
        q(json!({"order": "up"})),
        "query.order: expected one of newest, oldest"
    );
}

#[test]
fn unknown_keys_are_refused_naming_the_key_and_the_options() {
    let e = read::<TracesConfig>(&json!({"serviceName": "s", "sampleRat": 0.5}), "options")
        .unwrap_err();
    assert_eq!(e.path, "options.sampleRat");
    assert_eq!(e.expected, None);
    assert_eq!(e.known, ["serviceName", "serviceVersion", "sampleRate"]);
    assert_eq!(
        e.to_string(),
        "options.sampleRat: no such option (the options are serviceName, serviceVersion, sampleRate)"
    );
    let e = read::<RunModelConfig>(&json!({"events": {"allow": [], "block": []}}), "options")
        .unwrap_err();
    assert_eq!(e.path, "options.events.block");
}

#[test]
fn a_bad_filter_pattern_is_named_by_index() {
    let e = read::<RunModelConfig>(&json!({"filterPatterns": ["ok", "("]}), "options")
        .unwrap()
        .build("options")
        .unwrap_err();
    assert_eq!(e.path, "options.filterPatterns[1]");
    assert!(e
        .to_string()
        .starts_with("options.filterPatterns[1]: expected a valid regular expression"));
}
