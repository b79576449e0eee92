//! Binding tests shared by the Node and browser suites: every case runs in Node,
//! headless Chrome and headless Firefox.
#![allow(dead_code)]

use js_sys::{Array, Function, Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use workflow_telemetry::wasm::{decode_entry, redact_invocation_js, to_wire, JsTelemetryBridge};

pub fn json(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

pub fn stringify(v: &JsValue) -> String {
    JSON::stringify(v).unwrap().as_string().unwrap()
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

/// A bridge with options given as JSON, plus a fixed clock and sequential ids.
pub fn bridge(options: &str) -> JsTelemetryBridge {
    JsTelemetryBridge::new(json(options)).unwrap()
}

/// Options with functions, each given as the body of a factory that returns the
/// function (so it can keep state in its closure).
fn with_fns(options: &str, fns: &[(&str, &str)]) -> JsValue {
    let o = json(options);
    for (k, body) in fns {
        let f = Function::new_no_args(body)
            .call0(&JsValue::UNDEFINED)
            .unwrap();
        Reflect::set(&o, &(*k).into(), &f).unwrap();
    }
    o
}

/// Clock at 2026-02-05T10:00:00.000Z advancing 250 ms per reading; ids id-1, id-2, ...
fn deterministic() -> JsTelemetryBridge {
    let o = with_fns(
        r#"{"parentInvocationId":"parent-1","version":"1.2.3","runtimeVersion":"2.0.0","platform":"linux"}"#,
        &[
            (
                "clock",
                "let t = 1770285600000 - 250; return () => (t += 250);",
            ),
            ("idGenerator", "let n = 0; return () => 'id-' + (++n);"),
        ],
    );
    JsTelemetryBridge::new(o).unwrap()
}

fn error_of<T>(r: Result<T, JsValue>) -> js_sys::Error {
    let Err(e) = r else {
        panic!("expected an error")
    };
    assert!(e.is_instance_of::<js_sys::Error>(), "not a JS Error: {e:?}");
    e.unchecked_into()
}

#[wasm_bindgen_test]
fn observe_returns_plain_objects_in_wire_order() {
    let mut b = deterministic();
    assert_eq!(
        b.observe(json(
            r#"{"kind":"started","runId":"r1","workflowName":"wf"}"#
        ))
        .unwrap()
        .length(),
        0
    );
    b.observe(json(
        r#"{"kind":"model_resolved","jobId":"j","stepId":"s","modelType":"command/shell"}"#,
    ))
    .unwrap();
    b.observe(json(r#"{"kind":"method_executing","jobId":"j","stepId":"s","modelName":"secret-model","methodName":"fit","driver":"raw"}"#)).unwrap();
    assert_eq!(b.in_flight(), 1);
    let out = b
        .observe(json(
            r#"{"kind":"step_completed","jobId":"j","stepId":"s"}"#,
        ))
        .unwrap();
    assert_eq!(out.length(), 1);
    let entry = out.get(0);
    assert_eq!(
        Object::get_prototype_of(&entry),
        Object::get_prototype_of(&Object::new())
    );
    assert_eq!(
        stringify(&entry),
        r#"{"id":"id-1","invocation":{"command":"model","args":["run","<REDACTED>","fit"],"optionKeys":[],"globalOptions":[],"subcommand":"method"},"result":{"status":"success","exitCode":0},"startedAt":"2026-02-05T10:00:00.000Z","completedAt":"2026-02-05T10:00:00.250Z","durationMs":250,"swampVersion":"1.2.3","denoVersion":"2.0.0","platform":"linux","parentInvocationId":"parent-1","workflowContext":{"workflowName":"wf","runId":"r1","jobName":"j","stepName":"s","modelType":"command/shell","driver":"raw"}}"#
    );
    assert!(!stringify(&entry).contains("secret-model"));
    assert_eq!(b.in_flight(), 0);
}

#[wasm_bindgen_test]
fn constructor_rejects_bad_options_with_real_errors() {
    let e = error_of(JsTelemetryBridge::new(json("{}")));
    assert!(e.is_instance_of::<js_sys::TypeError>());
    assert_eq!(e.name(), "ArgumentError");
    assert_eq!(
        String::from(e.message()),
        "options.parentInvocationId: expected a string"
    );
    let e = error_of(JsTelemetryBridge::new(JsValue::UNDEFINED));
    assert_eq!(
        String::from(e.message()),
        "options: expected an options object"
    );
    let e = error_of(JsTelemetryBridge::new(json(
        r#"{"parentInvocationId":"p","clock":5}"#,
    )));
    assert_eq!(
        String::from(e.message()),
        "options.clock: expected a function"
    );
    let e = error_of(JsTelemetryBridge::new(json(
        r#"{"parentInvocationId":"p","invocationContext":{"agentSessionDetected":"yes","isInteractive":true}}"#,
    )));
    assert_eq!(e.name(), "DecodeError");
    assert_eq!(
        String::from(e.message()),
        "options.invocationContext.agentSessionDetected: expected a boolean"
    );
}

#[wasm_bindgen_test]
fn invalid_events_throw_and_change_nothing() {
    let mut b = deterministic();
    b.observe(json(
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","methodName":"m"}"#,
    ))
    .unwrap();
    let e = error_of(b.observe(json(r#"{"kind":"step_completed","jobId":"j","stepId":7}"#)));
    assert_eq!(e.name(), "EventError");
    assert_eq!(
        String::from(e.message()),
        "stepId: expected a string, got number"
    );
    assert_eq!(get(&e, "field").as_string().as_deref(), Some("stepId"));
    let e = error_of(b.observe(JsValue::from_str("nope")));
    assert_eq!(
        String::from(e.message()),
        "event: expected an object, got string"
    );
    assert_eq!(b.in_flight(), 1, "the failed events applied nothing");
    let out = b
        .observe(json(r#"{"kind":"report_started","anything":[1,2]}"#))
        .unwrap();
    assert_eq!(out.length(), 0, "unknown kinds are accepted and ignored");
}

/// `observe(object)` reads the event's fields without JSON (read_event.js):
/// in each engine, a non-finite timestamp is refused (JSON would have made it
/// null), strings beyond ASCII and a Date arrive as they are, and nothing
/// closed returns the one frozen empty array.
#[wasm_bindgen_test]
fn object_events_cross_without_json() {
    let mut b = deterministic();
    let event = json(
        r#"{"kind":"method_executing","jobId":"ジョブ","stepId":"déployer-🚀","methodName":"m"}"#,
    );
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        Reflect::set(&event, &"timestamp".into(), &bad.into()).unwrap();
        let e = error_of(b.observe(event.clone()));
        assert_eq!(get(&e, "field").as_string().as_deref(), Some("timestamp"));
    }
    assert_eq!(b.in_flight(), 0);
    let date = js_sys::Date::new(&JsValue::from_f64(1_770_285_600_000.0));
    Reflect::set(&event, &"timestamp".into(), &date).unwrap();
    let empty = b.observe(event).unwrap();
    assert!(Object::is_frozen(&empty) && empty.length() == 0);
    let again = b
        .observe(json(r#"{"kind":"job_started","jobId":5}"#))
        .unwrap();
    assert!(Object::is(&empty, &again), "one shared empty array");
    let done = b
        .observe(json(r#"{"kind":"step_completed","jobId":"ジョブ","stepId":"déployer-🚀","timestamp":1770285601500}"#))
        .unwrap();
    let entry = done.get(0);
    assert_eq!(
        get(&entry, "startedAt").as_string().as_deref(),
        Some("2026-02-05T10:00:00.000Z")
    );
    assert_eq!(get(&entry, "durationMs").as_f64(), Some(1500.0));
    let context = get(&entry, "workflowContext");
    assert_eq!(
        get(&context, "jobName").as_string().as_deref(),
        Some("ジョブ")
    );
    assert_eq!(
        get(&context, "stepName").as_string().as_deref(),
        Some("déployer-🚀")
    );
}

#[wasm_bindgen_test]
fn finalize_drains_once_and_ignores_later_events() {
    let mut b = deterministic();
    b.observe(json(
        r#"{"kind":"method_executing","jobId":"a","stepId":"x:y","methodName":"m1"}"#,
    ))
    .unwrap();
    b.observe(json(
        r#"{"kind":"method_executing","jobId":"b:c","stepId":"z","methodName":"m2"}"#,
    ))
    .unwrap();
    let out = b.finalize(JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap();
    assert_eq!(out.length(), 2);
    let first = out.get(0);
    assert_eq!(
        get(&get(&first, "workflowContext"), "stepName")
            .as_string()
            .as_deref(),
        Some("x:y")
    );
    assert_eq!(
        get(&get(&out.get(1), "workflowContext"), "jobName")
            .as_string()
            .as_deref(),
        Some("b:c")
    );
    assert_eq!(
        get(&get(&first, "result"), "errorMessage")
            .as_string()
            .as_deref(),
        Some("workflow run terminated before completion")
    );
    assert_eq!(
        get(&first, "completedAt").as_string(),
        get(&out.get(1), "completedAt").as_string()
    );
    assert!(b.finalized());
    assert_eq!(
        b.finalize(JsValue::from_str("again"), JsValue::UNDEFINED)
            .unwrap()
            .length(),
        0
    );
    b.observe(json(
        r#"{"kind":"method_executing","jobId":"a","stepId":"b","methodName":"m"}"#,
    ))
    .unwrap();
    assert_eq!(b.in_flight(), 0);
}

#[wasm_bindgen_test]
fn finalize_at_an_instant_and_custom_reason() {
    let mut b = deterministic();
    b.observe(json(r#"{"kind":"method_executing","jobId":"a","stepId":"b","methodName":"m","timestamp":"2026-02-05T10:00:00.000Z"}"#)).unwrap();
    let out = b
        .finalize(
            JsValue::from_str("cancelled"),
            JsValue::from_str("2026-02-05T10:00:09.000Z"),
        )
        .unwrap();
    let e = out.get(0);
    assert_eq!(get(&e, "durationMs").as_f64(), Some(9000.0));
    assert_eq!(
        get(&get(&e, "result"), "errorMessage")
            .as_string()
            .as_deref(),
        Some("cancelled")
    );
    let e = error_of(deterministic().finalize(JsValue::from_f64(1.0), JsValue::UNDEFINED));
    assert_eq!(String::from(e.message()), "reason: expected a string");
}

#[wasm_bindgen_test]
fn observe_ndjson_reports_bad_lines_and_keeps_the_rest() {
    let mut b = deterministic();
    let text = "{\"kind\":\"method_executing\",\"jobId\":\"j\",\"stepId\":\"s\",\"methodName\":\"m\"}\n\
                not json\n\
                \n\
                {\"kind\":\"step_failed\",\"jobId\":\"j\"}\n\
                {\"kind\":\"step_failed\",\"jobId\":\"j\",\"stepId\":\"s\",\"error\":\"boom\\nstack\",\"userError\":true,\"errorType\":\"UserError\"}\n";
    let r = b.observe_ndjson(JsValue::from_str(text)).unwrap();
    assert_eq!(get(&r, "accepted").as_f64(), Some(2.0));
    let errors: Array = get(&r, "errors").unchecked_into();
    assert_eq!(errors.length(), 2);
    assert_eq!(get(&errors.get(0), "line").as_f64(), Some(2.0));
    assert_eq!(
        get(&errors.get(0), "kind").as_string().as_deref(),
        Some("invalid_json")
    );
    assert_eq!(get(&errors.get(1), "line").as_f64(), Some(4.0));
    assert_eq!(
        get(&errors.get(1), "field").as_string().as_deref(),
        Some("stepId")
    );
    let entries = get(&r, "entries").as_string().unwrap();
    let lines: Vec<&str> = entries.lines().collect();
    assert_eq!(lines.len(), 1);
    assert!(entries.ends_with('\n'));
    assert!(lines[0].contains(r#""result":{"status":"user_error","exitCode":1,"errorType":"UserError","errorMessage":"boom"}"#), "{}", lines[0]);
    let e = error_of(b.observe_ndjson(JsValue::from_f64(3.0)));
    assert_eq!(String::from(e.message()), "text: expected a string");
}

#[wasm_bindgen_test]
fn observe_ndjson_reads_long_non_ascii_text_exactly() {
    // Long enough for the bulk copy, and mostly multi-byte, so the first round
    // (one byte per UTF-16 unit) cannot hold it; a lone surrogate at the end.
    let message = "é日本🚀 ".repeat(400);
    let head = format!(
        "{{\"kind\":\"method_executing\",\"jobId\":\"j\",\"stepId\":\"s\",\"methodName\":\"m\"}}\n\
         {{\"kind\":\"step_failed\",\"jobId\":\"j\",\"stepId\":\"s\",\"error\":\"{message}"
    );
    let text = js_sys::JsString::from(head.as_str())
        .concat(&js_sys::JsString::from_char_code1(0xD800))
        .concat(&"\"}\n".into());
    assert!(text.length() > 2048);
    let r = deterministic().observe_ndjson(text.into()).unwrap();
    assert_eq!(get(&r, "accepted").as_f64(), Some(2.0));
    let entries = get(&r, "entries").as_string().unwrap();
    let entry = json(entries.trim_end());
    let got = get(&get(&entry, "result"), "errorMessage")
        .as_string()
        .unwrap();
    assert_eq!(got, format!("{message}\u{FFFD}"));
}

#[wasm_bindgen_test]
fn failing_sinks_are_fenced_and_counted() {
    let o = with_fns(
        r#"{"parentInvocationId":"p"}"#,
        &[("sink", "return () => { throw new Error('sink down'); };")],
    );
    let mut b = JsTelemetryBridge::new(o).unwrap();
    b.observe(json(
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","methodName":"m"}"#,
    ))
    .unwrap();
    let out = b
        .observe(json(
            r#"{"kind":"step_completed","jobId":"j","stepId":"s"}"#,
        ))
        .unwrap();
    assert_eq!(out.length(), 1, "the entry is still returned");
    b.observe(json(
        r#"{"kind":"method_executing","jobId":"j","stepId":"t","methodName":"m"}"#,
    ))
    .unwrap();
    assert_eq!(
        b.finalize(JsValue::UNDEFINED, JsValue::UNDEFINED)
            .unwrap()
            .length(),
        1
    );
    assert_eq!(b.sink_errors(), 2);
}

#[wasm_bindgen_test]
async fn rejecting_sinks_are_counted_asynchronously() {
    let o = with_fns(
        r#"{"parentInvocationId":"p"}"#,
        &[("sink", "return () => Promise.reject(new Error('later'));")],
    );
    let mut b = JsTelemetryBridge::new(o).unwrap();
    b.observe(json(
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","methodName":"m"}"#,
    ))
    .unwrap();
    b.observe(json(
        r#"{"kind":"step_completed","jobId":"j","stepId":"s"}"#,
    ))
    .unwrap();
    // Let the rejection handler run.
    let tick = js_sys::Promise::resolve(&JsValue::NULL);
    wasm_bindgen_futures::JsFuture::from(tick).await.unwrap();
    let tick = js_sys::Promise::resolve(&JsValue::NULL);
    wasm_bindgen_futures::JsFuture::from(tick).await.unwrap();
    assert_eq!(b.sink_errors(), 1);
}

#[wasm_bindgen_test]
fn broken_clock_and_id_generator_fall_back() {
    let o = with_fns(
        r#"{"parentInvocationId":"p"}"#,
        &[
            ("clock", "return () => NaN;"),
            (
                "idGenerator",
                "return () => { throw new Error('no ids'); };",
            ),
        ],
    );
    let mut b = JsTelemetryBridge::new(o).unwrap();
    b.observe(json(
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","methodName":"m"}"#,
    ))
    .unwrap();
    let e = b
        .observe(json(
            r#"{"kind":"step_completed","jobId":"j","stepId":"s"}"#,
        ))
        .unwrap()
        .get(0);
    let started = get(&e, "startedAt").as_string().unwrap();
    assert!(!started.starts_with("1970"), "{started}");
    assert!(js_sys::Date::parse(&started) > 1.7e12);
    assert_eq!(get(&e, "id").as_string().unwrap().len(), 36);
}

#[wasm_bindgen_test]
fn to_wire_builds_the_envelope() {
    let mut b = deterministic();
    b.observe(json(
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","methodName":"m"}"#,
    ))
    .unwrap();
    let one = b
        .observe(json(
            r#"{"kind":"step_completed","jobId":"j","stepId":"s"}"#,
        ))
        .unwrap();
    let body = to_wire(
        one.clone().into(),
        json(r#"{"distinctId":"user-1","repoId":"repo-9"}"#),
    )
    .unwrap();
    assert_eq!(
        get(&body, "event").as_string().as_deref(),
        Some("cli_invocation")
    );
    assert_eq!(
        get(&body, "distinct_id").as_string().as_deref(),
        Some("user-1")
    );
    let props = get(&body, "properties");
    let keys: Vec<String> = Object::keys(props.unchecked_ref::<Object>())
        .iter()
        .map(|k| k.as_string().unwrap())
        .collect();
    assert_eq!(keys.last().map(String::as_str), Some("$repo_id"));
    assert_eq!(keys[0], "id");
    let two = one.concat(&one);
    let body = to_wire(two.into(), json(r#"{"distinctId":"user-1"}"#)).unwrap();
    let events: Array = get(&body, "events").unchecked_into();
    assert_eq!(events.length(), 2);
    assert!(!stringify(&body).contains("$repo_id"));
    let e = error_of(to_wire(
        json(r#"[{"id":"x"}]"#),
        json(r#"{"distinctId":"u"}"#),
    ));
    assert_eq!(
        String::from(e.message()),
        "entries[0].invocation: expected an object"
    );
    let e = error_of(to_wire(Array::new().into(), json("{}")));
    assert_eq!(
        String::from(e.message()),
        "options.distinctId: expected a string"
    );
}

#[wasm_bindgen_test]
fn decode_entry_names_the_field_path() {
    let good = r#"{"id":"3b241101-e2bb-4255-8caf-4136c566a962","invocation":{"command":"model","args":["run","<REDACTED>","fit"],"optionKeys":[],"globalOptions":[],"subcommand":"method"},"result":{"status":"success","exitCode":0},"startedAt":"2026-02-05T10:00:00.000Z","completedAt":"2026-02-05T10:00:01.000Z","durationMs":1000,"swampVersion":"1","denoVersion":"2","platform":"linux"}"#;
    assert_eq!(stringify(&decode_entry(json(good)).unwrap()), good);
    let bad = good.replace(r#""status":"success""#, r#""status":"ok""#);
    let e = error_of(decode_entry(json(&bad)));
    assert_eq!(e.name(), "DecodeError");
    assert_eq!(
        String::from(e.message()),
        "result.status: expected one of success, error, user_error"
    );
    assert_eq!(
        get(&e, "path").as_string().as_deref(),
        Some("result.status")
    );
}

#[wasm_bindgen_test]
fn redact_invocation_defaults_and_custom_schemas() {
    let argv = json(r#"["--json","model","method","run","my-model","fit","--input","secret"]"#);
    let inv = redact_invocation_js(argv.clone(), JsValue::UNDEFINED).unwrap();
    assert_eq!(
        stringify(&inv),
        r#"{"command":"model","args":["run","<REDACTED>","fit"],"optionKeys":["--input"],"globalOptions":["--json"],"subcommand":"method"}"#
    );
    let custom = json(
        r#"{"argSchemas":{"model method":["categorical","categorical","redact"]},"globalOptions":[],"booleanFlags":["--json"]}"#,
    );
    let inv = redact_invocation_js(argv, custom).unwrap();
    assert_eq!(
        stringify(&inv),
        r#"{"command":"model","args":["run","my-model","<REDACTED>"],"optionKeys":["--input"],"globalOptions":[],"subcommand":"method"}"#
    );
    let e = error_of(redact_invocation_js(json("[1]"), JsValue::UNDEFINED));
    assert_eq!(String::from(e.message()), "argv[0]: expected a string");
    let e = error_of(redact_invocation_js(
        json("[]"),
        json(r#"{"argSchemas":{"x":["keep"]}}"#),
    ));
    assert_eq!(
        String::from(e.message()),
        "options.argSchemas.x[0]: expected one of categorical, redact"
    );
}

// ------------------------------------------------------------ run model

use workflow_telemetry::wasm::JsRunModel;

#[wasm_bindgen_test]
fn run_model_ingests_every_dialect_and_snapshots_plain_objects() {
    let mut m = JsRunModel::new(json(r#"{"stepThresholdMs":100}"#)).unwrap();
    m.ingest(
        json(
            r#"{"event":"job.lifecycle.enqueue","job_id":"j1","project_id":"shop","timestamp":0}"#,
        ),
        JsValue::UNDEFINED,
    )
    .unwrap();
    m.ingest(
        json(r#"{"event":"job.lifecycle.start","job_id":"j1","timestamp":10}"#),
        JsValue::UNDEFINED,
    )
    .unwrap();
    m.ingest(
        json(r#"{"event":"job.module.spawn","job_id":"j1","module":"build","timestamp":10}"#),
        JsValue::UNDEFINED,
    )
    .unwrap();
    m.ingest(json(r#"{"event":"job.module.error","job_id":"j1","module":"build","error":"token=abc boom","timestamp":500}"#), JsValue::UNDEFINED).unwrap();
    m.ingest(
        json(r#"{"kind":"started","runId":"r1","workflowName":"wf","timestamp":0}"#),
        JsValue::UNDEFINED,
    )
    .unwrap();
    m.ingest(json(
        r#"{"event_type":"task.start_requested","task_id":7,"task_name":"checkout","timestamp":0}"#,
    ), JsValue::UNDEFINED)
    .unwrap();
    let snap = m.snapshot().unwrap();
    let runs: Array = get(&snap, "runs").unchecked_into();
    assert_eq!(runs.length(), 3);
    let job = m.run(JsValue::from_str("j1"), JsValue::UNDEFINED).unwrap();
    assert_eq!(get(&job, "status").as_string().as_deref(), Some("running"));
    assert_eq!(
        get(&job, "dialect").as_string().as_deref(),
        Some("orchestrator")
    );
    let summary = get(&job, "summary");
    assert_eq!(get(&summary, "queueWaitMs").as_f64(), Some(10.0));
    assert_eq!(stringify(&get(&summary, "overThreshold")), r#"["build"]"#);
    assert_eq!(
        stringify(&get(&get(&summary, "timeInStateMs"), "Queued")),
        "10"
    );
    let step = Array::from(&get(&job, "steps")).get(0);
    assert_eq!(
        get(&get(&step, "error"), "message").as_string().as_deref(),
        Some("token=[REDACTED] boom")
    );
    assert_eq!(
        get(&step, "startedAt").as_string().as_deref(),
        Some("1970-01-01T00:00:00.010Z")
    );
    assert!(m
        .run(JsValue::from_str("nope"), JsValue::UNDEFINED)
        .unwrap()
        .is_undefined());
}

#[wasm_bindgen_test]
fn run_model_refuses_bad_events_and_options_with_real_errors() {
    let mut m = JsRunModel::new(JsValue::UNDEFINED).unwrap();
    let e = error_of(m.ingest(
        json(r#"{"event":"job.lifecycle.start"}"#),
        JsValue::UNDEFINED,
    ));
    assert_eq!(e.name(), "IngestError");
    assert_eq!(
        String::from(e.message()),
        "job_id: missing, required by job.lifecycle.start"
    );
    assert_eq!(get(&e, "field").as_string().as_deref(), Some("job_id"));
    let r = m
        .ingest_ndjson(
            JsValue::from_str("{\"event\":\"job.lifecycle.enqueue\",\"job_id\":1}\n{oops\n"),
            JsValue::UNDEFINED,
        )
        .unwrap();
    assert_eq!(get(&r, "accepted").as_f64(), Some(1.0));
    let errors: Array = get(&r, "errors").unchecked_into();
    assert_eq!(get(&errors.get(0), "line").as_f64(), Some(2.0));
    let e = error_of(JsRunModel::new(json(r#"{"filterPatterns":["("]}"#)));
    assert_eq!(e.name(), "ArgumentError");
    assert!(String::from(e.message())
        .starts_with("options.filterPatterns[0]: expected a valid regular expression"));
    let e = error_of(JsRunModel::new(json(r#"{"stepThresholdsMs":{"a":-1}}"#)));
    assert_eq!(
        String::from(e.message()),
        "options.stepThresholdsMs.a: expected a non-negative number of milliseconds"
    );
}

#[wasm_bindgen_test]
fn run_model_exports_and_dialect_lookup() {
    let mut m = JsRunModel::new(json(r#"{"events":{"deny":["job.module.spawn"]}}"#)).unwrap();
    m.ingest(
        json(r#"{"event":"job.lifecycle.enqueue","job_id":"1","project_id":"shop","timestamp":0}"#),
        JsValue::UNDEFINED,
    )
    .unwrap();
    m.ingest(
        json(r#"{"event":"job.module.spawn","job_id":"1","module":"m","timestamp":1}"#),
        JsValue::UNDEFINED,
    )
    .unwrap();
    m.ingest(
        json(r#"{"event":"task.start_requested","task_id":1,"task_name":"t","timestamp":0}"#),
        JsValue::UNDEFINED,
    )
    .unwrap();
    assert_eq!(m.filtered(), 1.0);
    let tasker = m
        .run(JsValue::from_str("1"), JsValue::from_str("tasker"))
        .unwrap();
    assert_eq!(
        get(&tasker, "dialect").as_string().as_deref(),
        Some("tasker")
    );
    let e = error_of(m.run(JsValue::from_str("1"), JsValue::from_str("jenkins")));
    assert_eq!(
        String::from(e.message()),
        "dialect: expected one of swamp, orchestrator, tasker, github_actions"
    );
    let traces = m.export_traces(JsValue::UNDEFINED).unwrap();
    assert!(stringify(&traces)
        .starts_with(r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name""#));
    let metrics = m.export_metrics(json(r#"{"prefix":"ci"}"#)).unwrap();
    assert!(
        metrics.contains("# TYPE ci_runs_total counter"),
        "{metrics}"
    );
    let e = error_of(m.export_metrics(json(r#"{"buckets":[2,1]}"#)));
    assert_eq!(e.name(), "ArgumentError");
    let logs = m.export_logs(json(r#"{"format":"logfmt"}"#)).unwrap();
    assert!(logs.contains("event=job.lifecycle.enqueue"), "{logs}");
    let e = error_of(m.export_logs(json(r#"{"sampleRate":2}"#)));
    assert_eq!(
        String::from(e.message()),
        "options.sampleRate: expected a number from 0 to 1"
    );
}

#[wasm_bindgen_test]
fn push_ndjson_takes_text_and_bytes_cut_anywhere_with_stream_line_numbers() {
    let mut b = deterministic();
    let text = "{\"kind\":\"started\",\"runId\":\"r1\",\"workflowName\":\"one\"}\n\
                {\"kind\":\"method_executing\",\"jobId\":\"j\",\"stepId\":\"s\",\"methodName\":\"m\"}\n\
                oops\n\
                {\"kind\":\"started\",\"runId\":\"r2\",\"workflowName\":\"two\"}";
    let bytes = text.as_bytes();
    let first = js_sys::Uint8Array::from(&bytes[..70]);
    let r = b.push_ndjson(first.into()).unwrap();
    assert_eq!(get(&r, "accepted").as_f64(), Some(1.0));
    let r = b.push_ndjson(JsValue::from_str(&text[70..])).unwrap();
    let errors: Array = get(&r, "errors").unchecked_into();
    assert_eq!(get(&errors.get(0), "line").as_f64(), Some(3.0));
    assert_eq!(get(&r, "entries").as_string().as_deref(), Some(""));
    // The last line has no newline: read at the end. r1 was abandoned.
    let r = b.end_ndjson().unwrap();
    let entry = json(get(&r, "entries").as_string().unwrap().trim_end());
    let ctx = get(&entry, "workflowContext");
    assert_eq!(get(&ctx, "runId").as_string().as_deref(), Some("r1"));
    let message = get(&get(&entry, "result"), "errorMessage")
        .as_string()
        .unwrap();
    assert!(message.starts_with("workflow run abandoned"), "{message}");
    let stats = b.stats().unwrap();
    assert_eq!(get(&stats, "runs").as_f64(), Some(2.0));
    assert_eq!(get(&stats, "abandoned").as_f64(), Some(1.0));
    let e = error_of(b.push_ndjson(JsValue::from_f64(1.0)));
    assert_eq!(e.name(), "ArgumentError");
    assert_eq!(
        String::from(e.message()),
        "chunk: expected a string or a Uint8Array"
    );
}

#[wasm_bindgen_test]
fn run_model_sources_pages_and_query_errors() {
    let mut m = JsRunModel::new(json(r#"{"maxRuns":2}"#)).unwrap();
    for (source, run) in [("a", "a1"), ("b", "b1"), ("a", "a2")] {
        let text = format!(
            "{{\"kind\":\"started\",\"runId\":\"{run}\",\"workflowName\":\"w\",\"timestamp\":1}}\n\
             {{\"kind\":\"completed\",\"timestamp\":2}}\n"
        );
        let opts = json(&format!(r#"{{"source":"{source}","entries":true}}"#));
        let r = m.ingest_ndjson(JsValue::from_str(&text), opts).unwrap();
        assert_eq!(get(&r, "accepted").as_f64(), Some(2.0));
        let entries: Array = get(&r, "entries").unchecked_into();
        assert_eq!(entries.length(), 0);
    }
    assert_eq!(m.run_count(), 2);
    assert_eq!(get(&m.evicted().unwrap(), "runs").as_f64(), Some(1.0));
    let page = m.runs(json(r#"{"limit":1}"#)).unwrap();
    let runs: Array = get(&page, "runs").unchecked_into();
    assert_eq!(get(&runs.get(0), "id").as_string().as_deref(), Some("a2"));
    assert_eq!(get(&page, "total").as_f64(), Some(2.0));
    let next = get(&page, "nextCursor");
    let page = m
        .runs(json(&format!(
            r#"{{"limit":1,"cursor":"{}"}}"#,
            next.as_string().unwrap()
        )))
        .unwrap();
    let runs: Array = get(&page, "runs").unchecked_into();
    assert_eq!(get(&runs.get(0), "id").as_string().as_deref(), Some("b1"));
    assert!(get(&page, "nextCursor").is_null());
    for (query, field) in [
        (r#"{"status":"finished"}"#, "query.status"),
        (r#"{"order":"sideways"}"#, "query.order"),
        (r#"{"cursor":"x"}"#, "query.cursor"),
        (r#"{"limit":0}"#, "query.limit"),
    ] {
        let e = error_of(m.runs(json(query)));
        assert_eq!(e.name(), "ArgumentError", "{query}");
        assert_eq!(
            get(&e, "field").as_string().as_deref(),
            Some(field),
            "{query}"
        );
    }
    let e = error_of(JsRunModel::new(json(r#"{"stallAfterMs":-1}"#)));
    assert_eq!(
        get(&e, "field").as_string().as_deref(),
        Some("options.stallAfterMs")
    );
}
