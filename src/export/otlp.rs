//! OTLP/JSON traces (`ExportTraceServiceRequest`) from the run model.
//!
//! One trace per top-level run; a root span per run (CI/CD pipeline-run
//! conventions, kind SERVER); a child span per step attempt (`cicd.pipeline.task.*`,
//! kind INTERNAL); a nested run's span is a child of the workflow step that ran
//! it, in the same trace; the parent CLI invocation is a link. Times come from
//! event timestamps. Encoding follows the OTLP JSON rules: lowerCamelCase keys,
//! integer enums, 64-bit integers as decimal strings, hex ids.

use std::collections::HashMap;

use serde::Serialize;

use super::ids::{sampling_draw, span_id, trace_id};
use crate::run::{FailureClass, RunDetail, RunStatus, Snapshot, StepStatus};
use crate::time::Timestamp;

pub const SCOPE_NAME: &str = "workflow-telemetry";

/// What to export.
#[derive(Debug, Clone)]
pub struct TraceOptions {
    pub service_name: String,
    pub service_version: String,
    /// Share of runs whose traces are kept, decided once per run from its
    /// trace id. Failed, panicked and over-threshold runs are always kept.
    pub sample_rate: f64,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions {
            service_name: SCOPE_NAME.to_string(),
            service_version: env!("CARGO_PKG_VERSION").to_string(),
            sample_rate: 1.0,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportTraceServiceRequest {
    pub resource_spans: Vec<ResourceSpans>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSpans {
    pub resource: Resource,
    pub scope_spans: Vec<ScopeSpans>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    pub attributes: Vec<KeyValue>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScopeSpans {
    pub scope: Scope,
    pub spans: Vec<Span>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Scope {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Span {
    pub trace_id: String,
    pub span_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_span_id: Option<String>,
    pub name: String,
    /// 1 INTERNAL, 2 SERVER.
    pub kind: u8,
    pub start_time_unix_nano: String,
    pub end_time_unix_nano: String,
    pub attributes: Vec<KeyValue>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<SpanEvent>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    pub status: Status,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpanEvent {
    pub time_unix_nano: String,
    pub name: String,
    pub attributes: Vec<KeyValue>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    pub trace_id: String,
    pub span_id: String,
    pub attributes: Vec<KeyValue>,
}

/// `code`: 0 UNSET, 1 OK, 2 ERROR.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub code: u8,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyValue {
    pub key: String,
    pub value: AnyValue,
}

#[derive(Debug, Clone, Serialize)]
pub enum AnyValue {
    #[serde(rename = "stringValue")]
    String(String),
    /// int64 as a decimal string (proto3 JSON).
    #[serde(rename = "intValue")]
    Int(String),
    #[serde(rename = "boolValue")]
    Bool(bool),
}

fn kv(key: &str, value: impl Into<String>) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: AnyValue::String(value.into()),
    }
}

fn kv_int(key: &str, value: i64) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: AnyValue::Int(value.to_string()),
    }
}

fn nanos(t: Timestamp) -> String {
    // Milliseconds to nanoseconds in a fixed64: instants before 1970 clamp to 0,
    // instants after 2554 to the largest value.
    let ns = t.millis().max(0) as u128 * 1_000_000;
    ns.min(u128::from(u64::MAX)).to_string()
}

/// `cicd.pipeline.result` of a run, if it has ended.
pub fn run_result(run: &RunDetail) -> Option<&'static str> {
    match run.run.status {
        RunStatus::Completed => Some("success"),
        RunStatus::Cancelled => Some("cancellation"),
        // The semantic conventions' `error`: "failed due to an error in the
        // CICD system, eg. due to the worker being killed".
        RunStatus::Abandoned => Some("error"),
        RunStatus::Failed => Some(match run.summary.failure {
            Some(FailureClass::Method) | None => "failure",
            Some(_) => "error",
        }),
        _ => None,
    }
}

/// `cicd.pipeline.task.run.result` of a step attempt, if it has ended.
pub fn step_result(status: StepStatus) -> Option<&'static str> {
    match status {
        StepStatus::Completed => Some("success"),
        StepStatus::Failed => Some("failure"),
        StepStatus::Panicked => Some("error"),
        StepStatus::Cancelled => Some("cancellation"),
        StepStatus::Skipped => Some("skip"),
        _ => None,
    }
}

/// The top-level run of each run (nested runs share their root's trace).
/// Parent links followed at most this far: deeper than any real nesting, and a
/// bound on the walk when hostile input makes a cycle.
const MAX_NESTING_HOPS: usize = 256;

fn roots(snapshot: &Snapshot) -> HashMap<&str, &RunDetail> {
    let by_id: HashMap<&str, &RunDetail> = snapshot
        .runs
        .iter()
        .map(|r| (r.run.id.as_str(), r))
        .collect();
    let mut out = HashMap::new();
    for r in &snapshot.runs {
        let mut top = r;
        let mut hops = 0;
        while let Some(p) = top.run.parent_run.as_deref().and_then(|p| by_id.get(p)) {
            top = p;
            hops += 1;
            if hops > MAX_NESTING_HOPS.min(snapshot.runs.len()) {
                break; // a cycle in hostile input
            }
        }
        out.insert(r.run.id.as_str(), top);
    }
    out
}

/// The trace id of a run's trace.
pub fn run_trace_id(root: &RunDetail) -> String {
    trace_id(&[dialect(root), &root.run.id])
}

fn dialect(r: &RunDetail) -> &'static str {
    r.run.dialect.name()
}

fn run_span_id(r: &RunDetail) -> String {
    span_id(&["run", dialect(r), &r.run.id])
}

fn attempt_span_id(r: &RunDetail, step_id: &str, attempt: u32) -> String {
    span_id(&[
        "attempt",
        dialect(r),
        &r.run.id,
        step_id,
        &attempt.to_string(),
    ])
}

/// Whether a run must be kept whatever the sample rate: it failed, panicked,
/// or has a step over its threshold.
pub fn always_kept(r: &RunDetail) -> bool {
    r.summary
        .failure
        .is_some_and(|f| f != FailureClass::Cancellation)
        || r.run
            .steps
            .iter()
            .any(|s| matches!(s.status, StepStatus::Failed | StepStatus::Panicked))
        || !r.summary.over_threshold.is_empty()
}

/// The sampling decision for a top-level run, made once from its trace id.
pub fn sampled(root: &RunDetail, rate: f64) -> bool {
    rate >= 1.0 || always_kept(root) || sampling_draw(&run_trace_id(root)) < rate.max(0.0)
}

/// The spans of every sampled run, in snapshot order.
pub fn spans(snapshot: &Snapshot, options: &TraceOptions) -> Vec<Span> {
    let roots = roots(snapshot);
    // A nested run's failure keeps its whole trace: one pass over the runs
    // (a scan per root made the export quadratic in the number of runs).
    let mut family_failed: HashMap<&str, bool> = HashMap::new();
    for x in &snapshot.runs {
        if let Some(top) = roots.get(x.run.id.as_str()) {
            let failed = family_failed.entry(top.run.id.as_str()).or_insert(false);
            *failed = *failed || always_kept(x);
        }
    }
    let first_by_id = first_by_id(snapshot);
    let mut keep: HashMap<&str, bool> = HashMap::new();
    let mut out = Vec::new();
    for r in &snapshot.runs {
        let root = roots.get(r.run.id.as_str()).copied().unwrap_or(r);
        let kept = *keep.entry(root.run.id.as_str()).or_insert_with(|| {
            family_failed.get(root.run.id.as_str()) == Some(&true)
                || sampled(root, options.sample_rate)
        });
        if kept {
            run_spans(r, root, &first_by_id, &mut out);
        }
    }
    out
}

/// Runs by id; the first of several runs sharing an id (across dialects) wins.
fn first_by_id(snapshot: &Snapshot) -> HashMap<&str, &RunDetail> {
    let mut by_id = HashMap::with_capacity(snapshot.runs.len());
    for r in &snapshot.runs {
        by_id.entry(r.run.id.as_str()).or_insert(r);
    }
    by_id
}

fn run_spans(
    r: &RunDetail,
    root: &RunDetail,
    by_id: &HashMap<&str, &RunDetail>,
    out: &mut Vec<Span>,
) {
    let trace = run_trace_id(root);
    let Some(start) = r
        .run
        .queued_at
        .or(r.run.started_at)
        .or_else(|| r.run.steps.iter().find_map(|s| s.started_at))
    else {
        return; // a run with no instant at all cannot be placed on a timeline
    };
    let end = r.run.ended_at.or_else(|| {
        r.summary
            .duration_ms
            .and_then(|d| Timestamp::from_millis(start.millis() + d).ok())
    });
    let end = end.unwrap_or(start).max(start);
    // A nested run hangs under the last attempt of the step that ran it.
    let parent = r.run.parent_run.as_deref().and_then(|pid| {
        let p = *by_id.get(pid)?;
        let step = p
            .run
            .steps
            .iter()
            .find(|s| s.child_run.as_deref() == Some(r.run.id.as_str()))?;
        let n = step.attempts.len().max(1) as u32;
        Some(attempt_span_id(p, &step.id, n))
    });
    let mut attributes = vec![
        kv("cicd.pipeline.name", r.run.name.clone()),
        kv("cicd.pipeline.run.id", r.run.id.clone()),
        kv("cicd.pipeline.action.name", "RUN"),
        kv("workflow.dialect", dialect(r)),
        kv(
            "cicd.pipeline.run.state",
            if r.run.status.is_terminal() {
                "finalizing"
            } else {
                "executing"
            },
        ),
    ];
    if let Some(result) = run_result(r) {
        attributes.push(kv("cicd.pipeline.result", result));
    }
    if let Some(c) = &r.run.correlation_id {
        attributes.push(kv("workflow.correlation_id", c.clone()));
    }
    if let Some(c) = &r.run.parent_correlation_id {
        attributes.push(kv("workflow.parent_correlation_id", c.clone()));
    }
    if let Some(p) = &r.run.project {
        attributes.push(kv("workflow.project", p.clone()));
    }
    let mut status = Status {
        message: None,
        code: 0,
    };
    if matches!(
        r.run.status,
        RunStatus::Failed | RunStatus::Cancelled | RunStatus::Abandoned
    ) {
        let class = r
            .summary
            .failure
            .map(FailureClass::as_str)
            .unwrap_or("_OTHER");
        let error_type = r
            .run
            .error
            .as_ref()
            .and_then(|e| e.error_type.clone())
            .unwrap_or_else(|| class.to_string());
        attributes.push(kv("error.type", error_type));
        if matches!(r.run.status, RunStatus::Failed | RunStatus::Abandoned) {
            status = Status {
                message: r.run.error.as_ref().map(|e| e.message.clone()),
                code: 2,
            };
        }
    }
    let links = match &r.run.parent_invocation_id {
        Some(pid) if r.run.parent_run.is_none() => vec![Link {
            trace_id: trace_id(&["invocation", pid]),
            span_id: span_id(&["invocation", pid]),
            attributes: vec![
                kv("workflow.link.type", "parent_invocation"),
                kv("workflow.parent_invocation_id", pid.clone()),
            ],
        }],
        _ => Vec::new(),
    };
    let run_span = run_span_id(r);
    out.push(Span {
        trace_id: trace.clone(),
        span_id: run_span.clone(),
        parent_span_id: parent,
        name: if r.run.name.is_empty() {
            "RUN".to_string()
        } else {
            format!("RUN {}", r.run.name)
        },
        kind: 2,
        start_time_unix_nano: nanos(start),
        end_time_unix_nano: nanos(end),
        attributes,
        events: Vec::new(),
        links,
        status,
    });
    for step in &r.run.steps {
        for attempt in &step.attempts {
            let Some(a_start) = attempt
                .started_at
                .or(attempt.queued_at)
                .or(attempt.ended_at)
                .or(step.started_at)
            else {
                continue;
            };
            let a_end = attempt
                .ended_at
                .or_else(|| {
                    attempt
                        .duration_ms
                        .and_then(|d| Timestamp::from_millis(a_start.millis() + d).ok())
                })
                .unwrap_or(end)
                .max(a_start);
            let mut attributes = vec![
                kv("cicd.pipeline.task.name", step.name.clone()),
                kv(
                    "cicd.pipeline.task.run.id",
                    format!("{}/{}#{}", r.run.id, step.id, attempt.number),
                ),
                kv_int("workflow.step.attempt", i64::from(attempt.number)),
            ];
            if !step.job.is_empty() {
                attributes.push(kv("workflow.job.name", step.job.clone()));
            }
            if let Some(result) = step_result(attempt.status) {
                attributes.push(kv("cicd.pipeline.task.run.result", result));
            }
            let mut events = Vec::new();
            let mut status = Status {
                message: None,
                code: 0,
            };
            if let Some(err) = &attempt.error {
                let error_type = err
                    .error_type
                    .clone()
                    .unwrap_or_else(|| err.class.as_str().to_string());
                attributes.push(kv("error.type", error_type.clone()));
                if err.allowed {
                    attributes.push(KeyValue {
                        key: "workflow.failure.allowed".into(),
                        value: AnyValue::Bool(true),
                    });
                }
                status = Status {
                    message: Some(err.message.clone()),
                    code: 2,
                };
                events.push(SpanEvent {
                    time_unix_nano: nanos(a_end),
                    name: "exception".into(),
                    attributes: vec![
                        kv("exception.type", error_type),
                        kv("exception.message", err.message.clone()),
                    ],
                });
            }
            out.push(Span {
                trace_id: trace.clone(),
                span_id: attempt_span_id(r, &step.id, attempt.number),
                parent_span_id: Some(run_span.clone()),
                name: step.name.clone(),
                kind: 1,
                start_time_unix_nano: nanos(a_start),
                end_time_unix_nano: nanos(a_end),
                attributes,
                events,
                links: Vec::new(),
                status,
            });
        }
    }
}

fn wrap(spans: Vec<Span>, options: &TraceOptions) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Resource {
                attributes: vec![
                    kv("service.name", options.service_name.clone()),
                    kv("service.version", options.service_version.clone()),
                ],
            },
            scope_spans: vec![ScopeSpans {
                scope: Scope {
                    name: SCOPE_NAME.to_string(),
                    version: env!("CARGO_PKG_VERSION").to_string(),
                },
                spans,
            }],
        }],
    }
}

/// One request with every sampled run's spans.
pub fn export_traces(snapshot: &Snapshot, options: &TraceOptions) -> ExportTraceServiceRequest {
    wrap(spans(snapshot, options), options)
}

/// The OTLP file-exporter form: JSON Lines, one `TracesData` per trace.
pub fn export_traces_jsonl(snapshot: &Snapshot, options: &TraceOptions) -> String {
    // Traces in order of their first span; an index instead of a scan per span.
    let mut by_trace: Vec<Vec<Span>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for span in spans(snapshot, options) {
        match index.get(&span.trace_id) {
            Some(&i) => by_trace[i].push(span),
            None => {
                index.insert(span.trace_id.clone(), by_trace.len());
                by_trace.push(vec![span]);
            }
        }
    }
    let mut out = String::new();
    for spans in by_trace {
        if let Ok(line) = serde_json::to_string(&wrap(spans, options)) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}
