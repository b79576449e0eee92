//! Prometheus text exposition (format 0.0.4) of metrics aggregated over the
//! runs of a snapshot.
//!
//! Families (with the configurable prefix, default `workflow`):
//! `_runs_total{workflow,status}`, `_runs_finished_total{workflow,result,failure_class}`,
//! `_steps_total{workflow,step,status}`,
//! `_run_duration_seconds{workflow}` and `_step_duration_seconds{workflow,step}`
//! histograms, `_step_attempts_total{workflow,step,outcome}`,
//! `_step_retries_total{workflow,step}`, `_state_transitions_total{dialect,from,to}`,
//! `_time_in_state_seconds_total{dialect,state}`, `_runs_running{workflow}` and
//! `_steps_running{workflow}` gauges, `_threshold_violations_total{workflow,step}`,
//! `_transition_violations_total{workflow}`, `_runs_stalled{workflow}`,
//! `_last_event_timestamp_seconds{workflow}`, `_last_success_timestamp_seconds{workflow}`
//! and `_oldest_running_run_start_timestamp_seconds{workflow}` gauges,
//! `_runs_evicted_total`, and `_series_dropped_total{metric}`.
//!
//! The counts themselves are the run model's ([`Totals`]): the runs a
//! snapshot holds, added to the totals of the runs retention evicted, so
//! counters never go down.
//!
//! Rules kept: one HELP and TYPE per family, families contiguous, labels
//! escaped (`\\`, `\"`, `\n`), `_total` exactly once, histogram buckets
//! cumulative in increasing `le` with `+Inf` equal to `_count`. No run ids or
//! correlation ids become labels, and each family holds at most
//! `max_series_per_metric` series; the rest are dropped and counted.
//! Metrics are never sampled.

use std::fmt::Write as _;

use thiserror::Error;

pub use crate::run::totals::DEFAULT_BUCKETS;
use crate::run::totals::{Earliest, Family, Histogram, Labels, Latest, Totals};
use crate::run::Snapshot;

#[derive(Debug, Clone)]
pub struct MetricsOptions {
    pub prefix: String,
    /// Histogram upper bounds in seconds, strictly increasing, finite.
    pub buckets: Vec<f64>,
    pub max_series_per_metric: usize,
    /// OpenMetrics 1.0 instead of text format 0.0.4: counter families named
    /// without `_total`, canonical float `le` values, and a final `# EOF`.
    pub openmetrics: bool,
}

impl Default for MetricsOptions {
    fn default() -> Self {
        MetricsOptions {
            prefix: "workflow".into(),
            buckets: DEFAULT_BUCKETS.to_vec(),
            max_series_per_metric: 1000,
            openmetrics: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MetricsOptionsError {
    #[error("prefix: expected a metric name prefix matching [a-zA-Z_:][a-zA-Z0-9_:]*, got {0:?}")]
    Prefix(String),
    #[error("buckets: expected strictly increasing finite positive numbers")]
    Buckets,
    #[error("maxSeriesPerMetric: expected at least 1")]
    SeriesCap,
    /// Evicted runs were counted in the model's buckets; others cannot be
    /// made of them.
    #[error(
        "buckets: expected the model's metricsBuckets [{0}]: runs it evicted were counted in those"
    )]
    EvictedBuckets(String),
}

impl MetricsOptions {
    pub fn validate(&self) -> Result<(), MetricsOptionsError> {
        let valid_name = |s: &str| {
            let mut chars = s.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        };
        if !valid_name(&self.prefix) {
            return Err(MetricsOptionsError::Prefix(self.prefix.clone()));
        }
        if self.buckets.is_empty()
            || self.buckets.iter().any(|b| !b.is_finite() || *b <= 0.0)
            || self.buckets.windows(2).any(|w| w[0] >= w[1])
        {
            return Err(MetricsOptionsError::Buckets);
        }
        if self.max_series_per_metric == 0 {
            return Err(MetricsOptionsError::SeriesCap);
        }
        Ok(())
    }

    /// [`validate`](Self::validate), and buckets that fit the totals of
    /// evicted runs: once there are any, the model's own.
    pub fn validate_for(&self, evicted: &Totals) -> Result<(), MetricsOptionsError> {
        self.validate()?;
        if !evicted.is_empty() && evicted.buckets != self.buckets {
            let list: Vec<String> = evicted.buckets.iter().map(|b| format_value(*b)).collect();
            return Err(MetricsOptionsError::EvictedBuckets(list.join(", ")));
        }
        Ok(())
    }
}

/// Escapes a label value: backslash, double quote and newline.
pub fn escape_label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out
}

/// A float in OpenMetrics' canonical form: `1.0`, `0.005`, `+Inf`.
pub fn canonical(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}.0", v as i64)
    } else {
        format_value(v)
    }
}

/// A float as Prometheus writes it: integers without a fraction, `+Inf`.
pub fn format_value(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if v.is_nan() {
        return "NaN".into();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        // zmij (serde_json's float writer, so already linked) rather than
        // `{v}`: core's float formatting costs ~15 KB of wasm. Both give the
        // shortest text that reads back as `v`; zmij writes 1e-7 and 1.5e+20
        // with an exponent, which Prometheus and OpenMetrics parsers accept.
        zmij::Buffer::new().format_finite(v).to_string()
    }
}

fn labels_text(labels: &Labels, extra: Option<(&str, &str)>) -> String {
    let mut parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
        .collect();
    if let Some((k, v)) = extra {
        parts.push(format!("{k}=\"{}\"", escape_label(v)));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

/// The exposition text of the runs of a snapshot.
pub fn export_metrics(snapshot: &Snapshot, o: &MetricsOptions) -> String {
    export_metrics_with(snapshot, None, o)
}

/// The metrics of a model: its snapshot's runs added to the totals of the
/// runs it evicted, so counters never go down. `o` is checked first
/// ([`MetricsOptions::validate_for`]).
pub fn model_metrics<C: crate::clock::Clock>(
    model: &mut crate::run::RunModel<C>,
    o: &MetricsOptions,
) -> Result<String, MetricsOptionsError> {
    o.validate_for(model.evicted_totals())?;
    let snapshot = model.snapshot();
    Ok(export_metrics_with(
        &snapshot,
        Some(model.evicted_totals()),
        o,
    ))
}

/// [`export_metrics`] with the totals of evicted runs added. Once there are
/// any, histograms use their buckets whatever `o.buckets` says.
pub fn export_metrics_with(
    snapshot: &Snapshot,
    evicted: Option<&Totals>,
    o: &MetricsOptions,
) -> String {
    let evicted = evicted.filter(|t| !t.is_empty());
    let buckets = match evicted {
        Some(e) => e.buckets.clone(),
        None => o.buckets.clone(),
    };
    let mut t = Totals::new(buckets, o.max_series_per_metric);
    if let Some(e) = evicted {
        t.merge(e);
    }
    for d in &snapshot.runs {
        t.add_run(d, true);
    }
    write(&t, snapshot.evicted.runs, o)
}

fn write(t: &Totals, evicted: u64, o: &MetricsOptions) -> String {
    let p = &o.prefix;
    let mut w = Writer {
        out: String::new(),
        dropped: Vec::new(),
        prefix: p,
        openmetrics: o.openmetrics,
    };
    let int = |v: &u64| v.to_string();
    w.simple(
        "runs_total",
        "Workflow runs by final or current status.",
        "counter",
        &t.runs_total,
        int,
    );
    w.simple(
        "runs_finished_total",
        "Ended runs by result (completed, failed, cancelled, abandoned) and failure class (none for completed).",
        "counter",
        &t.runs_finished,
        int,
    );
    w.simple(
        "steps_total",
        "Steps by status.",
        "counter",
        &t.steps_total,
        int,
    );
    w.simple(
        "step_attempts_total",
        "Step attempts by outcome, failed retries included.",
        "counter",
        &t.attempts,
        int,
    );
    w.simple(
        "step_retries_total",
        "Retries: attempts after the first.",
        "counter",
        &t.retries,
        int,
    );
    w.simple(
        "state_transitions_total",
        "State transitions of runs.",
        "counter",
        &t.transitions,
        int,
    );
    w.simple(
        "threshold_violations_total",
        "Steps longer than their duration threshold.",
        "counter",
        &t.threshold,
        int,
    );
    w.simple(
        "transition_violations_total",
        "Transitions the dialect's state machine does not allow.",
        "counter",
        &t.violations,
        int,
    );
    w.simple(
        "time_in_state_seconds_total",
        "Seconds runs spent in each state before leaving it.",
        "counter",
        &t.time_in_state,
        |v: &f64| format_value(*v),
    );
    w.simple(
        "runs_running",
        "Runs not yet ended.",
        "gauge",
        &t.runs_running,
        int,
    );
    w.simple(
        "steps_running",
        "Steps running or waiting for a retry.",
        "gauge",
        &t.steps_running,
        int,
    );
    w.simple(
        "runs_stalled",
        "Runs not ended with no event for longer than the model's stall time.",
        "gauge",
        &t.runs_stalled,
        int,
    );
    let when = |v: &f64| format_value(*v);
    w.simple(
        "last_event_timestamp_seconds",
        "When a run of the workflow last had an event (Unix time).",
        "gauge",
        &t.last_event,
        |v: &Latest| when(&v.0),
    );
    w.simple(
        "last_success_timestamp_seconds",
        "When the workflow's last completed run ended (Unix time).",
        "gauge",
        &t.last_success,
        |v: &Latest| when(&v.0),
    );
    w.simple(
        "oldest_running_run_start_timestamp_seconds",
        "When the workflow's oldest run not yet ended started or was enqueued (Unix time).",
        "gauge",
        &t.oldest_running,
        |v: &Earliest| when(&v.0),
    );
    let full = format!("{p}_runs_evicted_total");
    w.header(
        &full,
        "Runs the model no longer holds (retention); their counts stay in the other counters.",
        "counter",
    );
    let _ = writeln!(w.out, "{full} {evicted}");
    w.histogram(
        "run_duration_seconds",
        "Duration of ended runs, enqueue to end.",
        &t.run_duration,
        &t.buckets,
    );
    w.histogram(
        "step_duration_seconds",
        "Duration of ended steps, all attempts.",
        &t.step_duration,
        &t.buckets,
    );
    w.finish()
}

/// Writes families one after another, each contiguous with one HELP and TYPE.
struct Writer<'a> {
    out: String,
    dropped: Vec<(String, u64)>,
    prefix: &'a str,
    openmetrics: bool,
}

impl Writer<'_> {
    /// HELP and TYPE of a family. OpenMetrics names a counter family without
    /// its `_total` suffix (the samples keep it).
    fn header(&mut self, full: &str, help: &str, kind: &str) {
        let family = match (self.openmetrics, kind) {
            (true, "counter") => full.strip_suffix("_total").unwrap_or(full),
            _ => full,
        };
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.out, "# HELP {family} {help}");
        let _ = writeln!(self.out, "# TYPE {family} {kind}");
    }

    /// The series-dropped family, then `# EOF` for OpenMetrics.
    fn finish(mut self) -> String {
        let full = format!("{}_series_dropped_total", self.prefix);
        self.header(
            &full,
            "Series not exported because a family reached its series cap.",
            "counter",
        );
        for (metric, n) in std::mem::take(&mut self.dropped) {
            let _ = writeln!(
                self.out,
                "{full}{{metric=\"{}\"}} {n}",
                escape_label(&metric)
            );
        }
        if self.openmetrics {
            self.out.push_str("# EOF\n");
        }
        self.out
    }

    fn simple<V>(
        &mut self,
        name: &str,
        help: &str,
        kind: &str,
        fam: &Family<V>,
        value: impl Fn(&V) -> String,
    ) {
        let full = format!("{}_{name}", self.prefix);
        self.header(&full, help, kind);
        for (labels, v) in &fam.series {
            let _ = writeln!(self.out, "{full}{} {}", labels_text(labels, None), value(v));
        }
        if fam.dropped > 0 {
            self.dropped.push((full, fam.dropped));
        }
    }

    fn histogram(&mut self, name: &str, help: &str, fam: &Family<Histogram>, buckets: &[f64]) {
        let full = format!("{}_{name}", self.prefix);
        self.header(&full, help, "histogram");
        for (labels, h) in &fam.series {
            for (i, b) in buckets.iter().enumerate() {
                let le = if self.openmetrics {
                    canonical(*b)
                } else {
                    format_value(*b)
                };
                let count = h.counts.get(i).copied().unwrap_or(0);
                let _ = writeln!(
                    self.out,
                    "{full}_bucket{} {count}",
                    labels_text(labels, Some(("le", &le)))
                );
            }
            let _ = writeln!(
                self.out,
                "{full}_bucket{} {}",
                labels_text(labels, Some(("le", "+Inf"))),
                h.count
            );
            let _ = writeln!(
                self.out,
                "{full}_sum{} {}",
                labels_text(labels, None),
                format_value(h.sum)
            );
            let _ = writeln!(
                self.out,
                "{full}_count{} {}",
                labels_text(labels, None),
                h.count
            );
        }
        if fam.dropped > 0 {
            self.dropped.push((full, fam.dropped));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{canonical, format_value};

    #[test]
    fn values_read_back_exactly_in_the_text_format() {
        assert_eq!(format_value(5.0), "5");
        assert_eq!(format_value(-3.0), "-3");
        assert_eq!(format_value(0.005), "0.005");
        assert_eq!(format_value(12.345), "12.345");
        assert_eq!(format_value(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_value(1e-7), "1e-7");
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_value(f64::NAN), "NaN");
        for v in [0.005, 12.345, 1e-7, 2.5e20, 123456.789] {
            assert_eq!(format_value(v).parse::<f64>(), Ok(v));
        }
    }

    #[test]
    fn bucket_bounds_are_canonical() {
        assert_eq!(canonical(1.0), "1.0");
        assert_eq!(canonical(30.0), "30.0");
        assert_eq!(canonical(0.25), "0.25");
        assert_eq!(canonical(f64::INFINITY), "+Inf");
    }
}
