//! Exports of the run model into the engines teams already run: OTLP/JSON
//! traces (and the OTLP file-exporter JSON Lines form), Prometheus text
//! exposition, and structured lifecycle log records (JSON Lines or logfmt).
//! Each is a pure function of a [`Snapshot`](crate::run::Snapshot), so a
//! replayed log exports the same bytes every time. Traces and logs are sampled
//! once per run from its trace id; metrics never are.

pub mod ids;
pub mod lifecycle;
pub mod otlp;
pub mod prometheus;

/// Event-name filters, kept reachable here (they live with the events).
pub use crate::event::{EventFilter, NamePattern};
pub use lifecycle::{lifecycle_records, to_json_lines, to_logfmt, Level, LogOptions, LogRecord};
pub use otlp::{export_traces, export_traces_jsonl, ExportTraceServiceRequest, TraceOptions};
pub use prometheus::{
    export_metrics, export_metrics_with, model_metrics, MetricsOptions, MetricsOptionsError,
    DEFAULT_BUCKETS,
};
