//! Prometheus text exposition (format 0.0.4) of metrics aggregated over the
//! runs of a snapshot.
//!
//! Families (with the configurable prefix, default `workflow`):
//! `_runs_total{workflow,status}`, `_steps_total{workflow,step,status}`,
//! `_run_duration_seconds{workflow}` and `_step_duration_seconds{workflow,step}`
//! histograms, `_step_attempts_total{workflow,step,outcome}`,
//! `_step_retries_total{workflow,step}`, `_state_transitions_total{dialect,from,to}`,
//! `_time_in_state_seconds_total{dialect,state}`, `_runs_running{workflow}` and
//! `_steps_running{workflow}` gauges, `_threshold_violations_total{workflow,step}`,
//! `_transition_violations_total{workflow}`, and `_series_dropped_total{metric}`.
//!
//! Rules kept: one HELP and TYPE per family, families contiguous, labels
//! escaped (`\\`, `\"`, `\n`), `_total` exactly once, histogram buckets
//! cumulative in increasing `le` with `+Inf` equal to `_count`. No run ids or
//! correlation ids become labels, and each family holds at most
//! `max_series_per_metric` series; the rest are dropped and counted.
//! Metrics are never sampled.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use thiserror::Error;

use crate::run::{Dialect, RunStatus, Snapshot, StepStatus};

/// Workflow-sized buckets, in seconds: 5 ms to 1 h.
pub const DEFAULT_BUCKETS: [f64; 18] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
    1800.0, 3600.0,
];

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
}

type Labels = Vec<(&'static str, String)>;

#[derive(Default)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

/// One metric family being built, with its series cap.
struct Family<V> {
    series: BTreeMap<Labels, V>,
    dropped: u64,
}

impl<V: Default> Family<V> {
    fn new() -> Self {
        Family {
            series: BTreeMap::new(),
            dropped: 0,
        }
    }

    fn entry(&mut self, labels: Labels, cap: usize) -> Option<&mut V> {
        if !self.series.contains_key(&labels) && self.series.len() >= cap {
            self.dropped += 1;
            return None;
        }
        Some(self.series.entry(labels).or_default())
    }
}

fn run_status(s: RunStatus) -> &'static str {
    s.as_str()
}

fn dialect(d: Dialect) -> &'static str {
    match d {
        Dialect::Swamp => "swamp",
        Dialect::Orchestrator => "orchestrator",
        Dialect::Tasker => "tasker",
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

/// The exposition text.
pub fn export_metrics(snapshot: &Snapshot, o: &MetricsOptions) -> String {
    let cap = o.max_series_per_metric;
    let mut runs_total: Family<u64> = Family::new();
    let mut steps_total: Family<u64> = Family::new();
    let mut run_duration: Family<Histogram> = Family::new();
    let mut step_duration: Family<Histogram> = Family::new();
    let mut attempts: Family<u64> = Family::new();
    let mut retries: Family<u64> = Family::new();
    let mut transitions: Family<u64> = Family::new();
    let mut time_in_state: Family<f64> = Family::new();
    let mut runs_running: Family<u64> = Family::new();
    let mut steps_running: Family<u64> = Family::new();
    let mut threshold: Family<u64> = Family::new();
    let mut violations: Family<u64> = Family::new();

    let observe = |h: &mut Histogram, seconds: f64, buckets: &[f64]| {
        if h.counts.is_empty() {
            h.counts = vec![0; buckets.len()];
        }
        for (i, b) in buckets.iter().enumerate() {
            if seconds <= *b {
                h.counts[i] += 1;
            }
        }
        h.sum += seconds;
        h.count += 1;
    };

    for d in &snapshot.runs {
        let run = &d.run;
        let wf = run.name.clone();
        if let Some(v) = runs_total.entry(
            vec![
                ("workflow", wf.clone()),
                ("status", run_status(run.status).into()),
            ],
            cap,
        ) {
            *v += 1;
        }
        if run.status.is_terminal() {
            if let (Some(ms), Some(h)) = (
                d.summary.duration_ms,
                run_duration.entry(vec![("workflow", wf.clone())], cap),
            ) {
                observe(h, ms as f64 / 1000.0, &o.buckets);
            }
        } else if let Some(v) = runs_running.entry(vec![("workflow", wf.clone())], cap) {
            *v += 1;
        }
        if !run.violations.is_empty() {
            if let Some(v) = violations.entry(vec![("workflow", wf.clone())], cap) {
                *v += run.violations.len() as u64;
            }
        }
        for t in &run.transitions {
            let from = t.from.as_deref().unwrap_or("none").to_string();
            let labels = vec![
                ("dialect", dialect(run.dialect).into()),
                ("from", from.clone()),
                ("to", t.to.to_string()),
            ];
            if let Some(v) = transitions.entry(labels, cap) {
                *v += 1;
            }
            if let (Some(ms), Some(_)) = (t.in_previous_ms, &t.from) {
                let labels = vec![("dialect", dialect(run.dialect).into()), ("state", from)];
                if let Some(v) = time_in_state.entry(labels, cap) {
                    *v += ms as f64 / 1000.0;
                }
            }
        }
        for s in &run.steps {
            let step_labels = || vec![("workflow", wf.clone()), ("step", s.name.clone())];
            let mut l = step_labels();
            l.push(("status", s.status.as_str().into()));
            if let Some(v) = steps_total.entry(l, cap) {
                *v += 1;
            }
            if s.status.is_terminal() {
                if let (Some(ms), Some(h)) =
                    (s.duration_ms, step_duration.entry(step_labels(), cap))
                {
                    observe(h, ms as f64 / 1000.0, &o.buckets);
                }
            } else if matches!(s.status, StepStatus::Running | StepStatus::Retrying) {
                if let Some(v) = steps_running.entry(vec![("workflow", wf.clone())], cap) {
                    *v += 1;
                }
            }
            for a in &s.attempts {
                if !a.status.is_terminal() {
                    continue;
                }
                let mut l = step_labels();
                l.push(("outcome", a.status.as_str().into()));
                if let Some(v) = attempts.entry(l, cap) {
                    *v += 1;
                }
            }
            if s.attempts.len() > 1 {
                if let Some(v) = retries.entry(step_labels(), cap) {
                    *v += s.attempts.len() as u64 - 1;
                }
            }
            if s.over_threshold {
                if let Some(v) = threshold.entry(step_labels(), cap) {
                    *v += 1;
                }
            }
        }
    }

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
        &runs_total,
        int,
    );
    w.simple(
        "steps_total",
        "Steps by status.",
        "counter",
        &steps_total,
        int,
    );
    w.simple(
        "step_attempts_total",
        "Step attempts by outcome, failed retries included.",
        "counter",
        &attempts,
        int,
    );
    w.simple(
        "step_retries_total",
        "Retries: attempts after the first.",
        "counter",
        &retries,
        int,
    );
    w.simple(
        "state_transitions_total",
        "State transitions of runs.",
        "counter",
        &transitions,
        int,
    );
    w.simple(
        "threshold_violations_total",
        "Steps longer than their duration threshold.",
        "counter",
        &threshold,
        int,
    );
    w.simple(
        "transition_violations_total",
        "Transitions the dialect's state machine does not allow.",
        "counter",
        &violations,
        int,
    );
    w.simple(
        "time_in_state_seconds_total",
        "Seconds runs spent in each state before leaving it.",
        "counter",
        &time_in_state,
        |v: &f64| format_value(*v),
    );
    w.simple(
        "runs_running",
        "Runs not yet ended.",
        "gauge",
        &runs_running,
        int,
    );
    w.simple(
        "steps_running",
        "Steps running or waiting for a retry.",
        "gauge",
        &steps_running,
        int,
    );
    w.histogram(
        "run_duration_seconds",
        "Duration of ended runs, enqueue to end.",
        &run_duration,
        &o.buckets,
    );
    w.histogram(
        "step_duration_seconds",
        "Duration of ended steps, all attempts.",
        &step_duration,
        &o.buckets,
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
