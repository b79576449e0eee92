//! Structured lifecycle log records in the orchestrator's event model, one per
//! run or step transition, whatever dialect the run came from:
//! `job.lifecycle.{enqueue,start,complete,fail,cancel}` with `job_id`,
//! `project_id`, `status_from`, `status_to`, `reason`, `duration_ms` (and the
//! aggregate module counts on the terminal record), and
//! `job.module.{spawn,complete,error,panic,cancel}` with `job_id`, `module`,
//! `duration_ms`, `error`.
//!
//! Levels: `info` for milestones, `warn` for degraded-but-continued (a failed
//! attempt that was retried, an allowed failure, a cancellation), `error` for
//! failures and panics. Every record carries a correlation id: the run's, its
//! root run's, or one derived from the trace id. Keys keep a stable order
//! (timestamp, level, event, correlation_id, ids, states, measures, error).

use serde::Serialize;

use super::ids::trace_id;
use super::otlp;
use crate::event::EventFilter;
use crate::run::{Milestone, RunDetail, Snapshot, StepStatus};
use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogRecord {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    pub level: Level,
    pub event: String,
    pub correlation_id: String,
    pub job_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    pub workflow: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modules_total: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modules_completed: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modules_failed: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modules_panicked: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modules_cancelled: Option<u32>,
}

#[derive(Debug, Clone, Default)]
pub struct LogOptions {
    /// Records below this level are left out. Error records are never left out.
    pub min_level: Option<Level>,
    /// Event-name filter on the records (`job.module.*`, `job.lifecycle.start`).
    pub filter: EventFilter,
    /// Share of runs kept, decided per run from its trace id (as for traces).
    pub sample_rate: Option<f64>,
}

fn record(
    run: &RunDetail,
    correlation: &str,
    event: String,
    level: Level,
    at: Option<Timestamp>,
) -> LogRecord {
    LogRecord {
        timestamp: at,
        level,
        event,
        correlation_id: correlation.to_string(),
        job_id: run.run.id.clone(),
        project_id: run.run.project.clone(),
        workflow: run.run.name.clone(),
        module: None,
        attempt: None,
        status_from: None,
        status_to: None,
        reason: None,
        duration_ms: None,
        error: None,
        modules_total: None,
        modules_completed: None,
        modules_failed: None,
        modules_panicked: None,
        modules_cancelled: None,
    }
}

/// The lifecycle records of a snapshot, ordered by time (stable).
pub fn lifecycle_records(snapshot: &Snapshot, options: &LogOptions) -> Vec<LogRecord> {
    let rate = options.sample_rate.unwrap_or(1.0);
    let by_id: std::collections::HashMap<&str, &RunDetail> = snapshot
        .runs
        .iter()
        .map(|r| (r.run.id.as_str(), r))
        .collect();
    let mut out = Vec::new();
    for run in &snapshot.runs {
        // The root run carries the sampling decision and, if the run has none,
        // the correlation id.
        let mut root = run;
        for _ in 0..snapshot.runs.len() {
            match root.run.parent_run.as_deref().and_then(|p| by_id.get(p)) {
                Some(p) => root = p,
                None => break,
            }
        }
        if !otlp::sampled(root, rate) && !otlp::always_kept(run) {
            continue;
        }
        let correlation = run
            .run
            .correlation_id
            .clone()
            .or_else(|| root.run.correlation_id.clone())
            .unwrap_or_else(|| format!("wt-{}", &trace_id(&[&root.run.id])[..16]));
        for t in &run.run.transitions {
            // What the transition means is the dialect's to say (its
            // milestone, recorded with it); the record only names it.
            let (action, level) = match t.milestone {
                Some(Milestone::Enqueued) => ("enqueue", Level::Info),
                Some(Milestone::Started) => ("start", Level::Info),
                Some(Milestone::Completed) => ("complete", Level::Info),
                Some(Milestone::Failed) => ("fail", Level::Error),
                Some(Milestone::Cancelled) => ("cancel", Level::Warn),
                // The lifecycle vocabulary has no "abandon": a failure whose
                // `status_to` says which.
                Some(Milestone::Abandoned) => ("fail", Level::Error),
                None => continue,
            };
            let mut r = record(
                run,
                &correlation,
                format!("job.lifecycle.{action}"),
                level,
                t.at,
            );
            r.status_from = t.from.as_deref().map(str::to_string);
            r.status_to = Some(t.to.to_string());
            r.reason = t.reason.clone();
            if matches!(action, "complete" | "fail" | "cancel") {
                r.duration_ms = run.summary.execution_ms.or(run.summary.duration_ms);
                let c = run.summary.counts;
                r.modules_total = Some(c.spawned);
                r.modules_completed = Some(c.completed);
                r.modules_failed = Some(c.failed);
                r.modules_panicked = Some(c.panicked);
                r.modules_cancelled = Some(c.cancelled);
                if action == "fail" {
                    r.error = run.run.error.as_ref().map(|e| e.message.clone());
                }
            } else {
                r.duration_ms = t.in_previous_ms;
            }
            out.push(r);
        }
        for step in &run.run.steps {
            let last = step.attempts.len();
            for a in &step.attempts {
                if let Some(start) = a.started_at {
                    let mut r = record(
                        run,
                        &correlation,
                        "job.module.spawn".into(),
                        Level::Info,
                        Some(start),
                    );
                    r.module = Some(step.name.clone());
                    r.attempt = Some(a.number);
                    out.push(r);
                }
                let (action, level) = match a.status {
                    StepStatus::Completed => ("complete", Level::Info),
                    StepStatus::Panicked => ("panic", Level::Error),
                    StepStatus::Failed => {
                        let retried = (a.number as usize) < last;
                        let allowed = a.error.as_ref().is_some_and(|e| e.allowed);
                        (
                            "error",
                            if retried || allowed {
                                Level::Warn
                            } else {
                                Level::Error
                            },
                        )
                    }
                    StepStatus::Cancelled => ("cancel", Level::Warn),
                    _ => continue,
                };
                let mut r = record(
                    run,
                    &correlation,
                    format!("job.module.{action}"),
                    level,
                    a.ended_at,
                );
                r.module = Some(step.name.clone());
                r.attempt = Some(a.number);
                r.duration_ms = a.duration_ms;
                r.error = a.error.as_ref().map(|e| e.message.clone());
                out.push(r);
            }
        }
    }
    out.retain(|r| {
        r.level == Level::Error
            || (options.min_level.is_none_or(|m| r.level >= m) && options.filter.passes(&r.event))
    });
    out.sort_by_key(|r| r.timestamp);
    out
}

/// One JSON object per line.
pub fn to_json_lines(records: &[LogRecord]) -> String {
    let mut out = String::new();
    for r in records {
        if let Ok(line) = serde_json::to_string(r) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// logfmt: `key=value` pairs, values quoted when they need it.
pub fn to_logfmt(records: &[LogRecord]) -> String {
    let mut out = String::new();
    for r in records {
        let Ok(serde_json::Value::Object(map)) = serde_json::to_value(r) else {
            continue;
        };
        let mut first = true;
        // serde_json's map is sorted; keep the record's own field order instead.
        for key in FIELD_ORDER {
            let Some(v) = map.get(*key) else { continue };
            if !first {
                out.push(' ');
            }
            first = false;
            out.push_str(key);
            out.push('=');
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if text.is_empty()
                || text
                    .chars()
                    .any(|c| c.is_whitespace() || c == '"' || c == '=' || c.is_control())
            {
                out.push_str(&serde_json::to_string(&text).unwrap_or_default());
            } else {
                out.push_str(&text);
            }
        }
        out.push('\n');
    }
    out
}

const FIELD_ORDER: &[&str] = &[
    "timestamp",
    "level",
    "event",
    "correlation_id",
    "job_id",
    "project_id",
    "workflow",
    "module",
    "attempt",
    "status_from",
    "status_to",
    "reason",
    "duration_ms",
    "error",
    "modules_total",
    "modules_completed",
    "modules_failed",
    "modules_panicked",
    "modules_cancelled",
];
