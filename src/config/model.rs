//! The run model's options.

use super::reading::options;
use super::values::{Millis, Nullable, Numbers, PositiveInt, Strings, Thresholds};
use super::EventsConfig;
use super::{Config, ConfigError};
use crate::bridge::BridgeConfig;
use crate::ndjson::NdjsonOptions;
use crate::run::{ParameterFilter, Retention, RunModelOptions, DEFAULT_FILTERS, DEFAULT_MASK};

options! {
    /// `new RunModel(options)`, as the README lists them (the `clock` and
    /// `idGenerator` functions are the binding's).
    pub struct RunModelConfig {
        pub filter_parameters: Option<Strings> = "filterParameters",
        pub filter_patterns: Option<Strings> = "filterPatterns",
        pub filter_mask: Option<String> = "filterMask",
        pub step_threshold_ms: Option<PositiveInt> = "stepThresholdMs",
        pub step_thresholds_ms: Option<Thresholds> = "stepThresholdsMs",
        pub max_line_bytes: Option<PositiveInt> = "maxLineBytes",
        pub max_depth: Option<PositiveInt> = "maxDepth",
        pub parent_invocation_id: Option<String> = "parentInvocationId",
        pub version: Option<String> = "version",
        pub runtime_version: Option<String> = "runtimeVersion",
        pub platform: Option<String> = "platform",
        pub events: Option<EventsConfig> = "events",
        /// Absent: the default; `null`: never.
        pub stall_after_ms: Nullable<Millis> = "stallAfterMs",
        pub max_runs: Option<PositiveInt> = "maxRuns",
        pub max_finished_age_ms: Option<PositiveInt> = "maxFinishedAgeMs",
        pub metrics_buckets: Option<Numbers> = "metricsBuckets",
    }
}

impl Config for RunModelConfig {}

impl RunModelConfig {
    /// The core's options (a filter pattern that is no regular expression is
    /// refused here, naming its index).
    pub fn build(self, name: &str) -> Result<RunModelOptions, ConfigError> {
        let strings = |s: Option<Strings>| s.map(|s| s.0);
        let substrings = strings(self.filter_parameters)
            .unwrap_or_else(|| DEFAULT_FILTERS.iter().map(|s| s.to_string()).collect());
        let patterns = strings(self.filter_patterns).unwrap_or_default();
        let mask = self.filter_mask.unwrap_or_else(|| DEFAULT_MASK.to_string());
        let filter = ParameterFilter::new(&substrings, &patterns, &mask).map_err(|e| {
            ConfigError::new(
                format!("{name}.filterPatterns[{}]", e.index),
                format!("a valid regular expression ({})", e.reason),
            )
        })?;
        let defaults = RunModelOptions::default();
        let mut ndjson = NdjsonOptions::default();
        if let Some(n) = self.max_line_bytes {
            ndjson.max_line_bytes = n.0;
        }
        if let Some(n) = self.max_depth {
            ndjson.max_depth = n.0;
        }
        Ok(RunModelOptions {
            filter,
            step_threshold_ms: self.step_threshold_ms.map(|n| n.0 as i64),
            step_thresholds_ms: self
                .step_thresholds_ms
                .map(|t| t.0.into_iter().map(|(k, v)| (k, v.0)).collect())
                .unwrap_or_default(),
            ndjson,
            events: self.events.map(|e| e.filter()).unwrap_or_default(),
            bridge: BridgeConfig {
                parent_invocation_id: self.parent_invocation_id.unwrap_or_default(),
                version: self.version.unwrap_or_default(),
                runtime_version: self.runtime_version.unwrap_or_default(),
                platform: self.platform.unwrap_or_default(),
                invocation_context: None,
            },
            stall_after_ms: match self.stall_after_ms {
                Nullable::Absent => defaults.stall_after_ms,
                Nullable::Null => None,
                Nullable::Value(m) => Some(m.0),
            },
            retention: Retention {
                max_runs: self.max_runs.map(|n| n.0),
                max_finished_age_ms: self.max_finished_age_ms.map(|n| n.0 as i64),
            },
            metrics_buckets: self
                .metrics_buckets
                .map_or(defaults.metrics_buckets, |b| b.0),
        })
    }
}
