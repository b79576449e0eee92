//! The exports' options: traces, metrics, lifecycle logs.

use super::reading::{choice, options};
use super::values::{Numbers, PositiveInt, Rate};
use super::Config;
use super::EventsConfig;
use crate::export::{Level, LogOptions, MetricsOptions, TraceOptions};

options! {
    /// `exportTraces(options)` and `exportTracesJsonl(options)`.
    pub struct TracesConfig {
        pub service_name: Option<String> = "serviceName",
        pub service_version: Option<String> = "serviceVersion",
        pub sample_rate: Option<Rate> = "sampleRate",
    }
}

impl Config for TracesConfig {}

impl TracesConfig {
    pub fn build(self) -> TraceOptions {
        let mut t = TraceOptions::default();
        if let Some(n) = self.service_name {
            t.service_name = n;
        }
        if let Some(v) = self.service_version {
            t.service_version = v;
        }
        if let Some(r) = self.sample_rate {
            t.sample_rate = r.0;
        }
        t
    }
}

choice! {
    /// The text format of the metrics.
    pub enum MetricsFormat {
        Prometheus = "prometheus",
        OpenMetrics = "openmetrics",
    }
}

options! {
    /// `exportMetrics(options)`.
    pub struct MetricsConfig {
        pub prefix: Option<String> = "prefix",
        pub buckets: Option<Numbers> = "buckets",
        pub max_series_per_metric: Option<PositiveInt> = "maxSeriesPerMetric",
        pub format: Option<MetricsFormat> = "format",
    }
}

impl Config for MetricsConfig {}

impl MetricsConfig {
    /// The core's options; the prefix and buckets are checked by the export.
    pub fn build(self) -> MetricsOptions {
        let mut m = MetricsOptions::default();
        if let Some(p) = self.prefix {
            m.prefix = p;
        }
        if let Some(b) = self.buckets {
            m.buckets = b.0;
        }
        if let Some(n) = self.max_series_per_metric {
            m.max_series_per_metric = n.0;
        }
        m.openmetrics = self.format == Some(MetricsFormat::OpenMetrics);
        m
    }
}

choice! {
    /// The lowest level of log records kept.
    pub enum MinLevel {
        Info = "info",
        Warn = "warn",
        Error = "error",
    }
}

choice! {
    /// How log records are written: JSON Lines, or logfmt.
    pub enum LogFormat {
        Json = "json",
        Logfmt = "logfmt",
    }
}

options! {
    /// `exportLogs(options)`.
    pub struct LogsConfig {
        pub min_level: Option<MinLevel> = "minLevel",
        pub sample_rate: Option<Rate> = "sampleRate",
        pub events: Option<EventsConfig> = "events",
        pub format: Option<LogFormat> = "format",
    }
}

impl Config for LogsConfig {}

impl LogsConfig {
    /// The core's options, and the format to write the records in.
    pub fn build(self) -> (LogOptions, LogFormat) {
        let options = LogOptions {
            min_level: self.min_level.map(|l| match l {
                MinLevel::Info => Level::Info,
                MinLevel::Warn => Level::Warn,
                MinLevel::Error => Level::Error,
            }),
            filter: self.events.map(|e| e.filter()).unwrap_or_default(),
            sample_rate: self.sample_rate.map(|r| r.0),
        };
        (options, self.format.unwrap_or(LogFormat::Json))
    }
}
