//! Counts over runs, by label: the canonical facts the Prometheus export
//! writes, kept here so that they can outlive the runs.
//!
//! Why here: the model evicts runs ([`super::Retention`]), but counters must
//! not go down when it does. An evicted run is folded into [`Totals`] first
//! (counters and histograms; not the gauges of runs still going), the model
//! keeps those totals ([`super::RunModel::evicted_totals`]), and the export
//! adds the runs still held to them (`crate::export::model_metrics`). The
//! export itself only writes.

use std::collections::BTreeMap;

use super::{Dialect, RunDetail, RunStatus, StepStatus};
use crate::time::Timestamp;

/// Workflow-sized duration buckets, in seconds: 5 ms to 1 h.
pub const DEFAULT_BUCKETS: [f64; 18] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
    1800.0, 3600.0,
];

/// Series kept per family in the totals of evicted runs: names of forEach
/// steps can be unbounded, and so must not be the totals.
pub const MAX_SERIES: usize = 10_000;

/// Label names and values of one series.
pub type Labels = Vec<(&'static str, String)>;

/// Observations of a duration, counted per upper bound.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    /// Observations at or below each bound (cumulative), in bound order.
    pub counts: Vec<u64>,
    pub sum: f64,
    pub count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64, buckets: &[f64]) {
        if self.counts.is_empty() {
            self.counts = vec![0; buckets.len()];
        }
        for (i, b) in buckets.iter().enumerate() {
            if seconds <= *b {
                self.counts[i] += 1;
            }
        }
        self.sum += seconds;
        self.count += 1;
    }

    fn add(&mut self, other: &Histogram) {
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.sum += other.sum;
        self.count += other.count;
    }
}

/// A value that several runs add to.
pub trait Tally: Default + Clone {
    fn add(&mut self, other: &Self);
}

impl Tally for u64 {
    fn add(&mut self, other: &Self) {
        *self = self.saturating_add(*other);
    }
}

impl Tally for f64 {
    fn add(&mut self, other: &Self) {
        *self += other;
    }
}

impl Tally for Histogram {
    fn add(&mut self, other: &Self) {
        Histogram::add(self, other);
    }
}

/// The latest of some instants, in Unix seconds: a freshness gauge that
/// outlives eviction (merged by the latest, not added).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latest(pub f64);

impl Default for Latest {
    fn default() -> Self {
        Latest(f64::NEG_INFINITY)
    }
}

impl Tally for Latest {
    fn add(&mut self, other: &Self) {
        self.0 = self.0.max(other.0);
    }
}

/// The earliest of some instants, in Unix seconds (merged by the earliest).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Earliest(pub f64);

impl Default for Earliest {
    fn default() -> Self {
        Earliest(f64::INFINITY)
    }
}

impl Tally for Earliest {
    fn add(&mut self, other: &Self) {
        self.0 = self.0.min(other.0);
    }
}

fn seconds(t: Timestamp) -> f64 {
    t.millis() as f64 / 1000.0
}

/// One metric's series, with a cap: a series beyond it is dropped and counted.
#[derive(Debug, Clone, PartialEq)]
pub struct Family<V> {
    pub series: BTreeMap<Labels, V>,
    pub dropped: u64,
    cap: usize,
}

impl<V: Tally> Family<V> {
    fn new(cap: usize) -> Self {
        Family {
            series: BTreeMap::new(),
            dropped: 0,
            cap,
        }
    }

    fn entry(&mut self, labels: Labels) -> Option<&mut V> {
        if !self.series.contains_key(&labels) && self.series.len() >= self.cap {
            self.dropped += 1;
            return None;
        }
        Some(self.series.entry(labels).or_default())
    }

    fn merge(&mut self, other: &Family<V>) {
        self.dropped += other.dropped;
        for (labels, v) in &other.series {
            if let Some(mine) = self.entry(labels.clone()) {
                mine.add(v);
            }
        }
    }
}

/// Every metric family over a set of runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Totals {
    /// Histogram upper bounds, in seconds.
    pub buckets: Vec<f64>,
    pub runs_total: Family<u64>,
    pub steps_total: Family<u64>,
    pub run_duration: Family<Histogram>,
    pub step_duration: Family<Histogram>,
    pub attempts: Family<u64>,
    pub retries: Family<u64>,
    pub transitions: Family<u64>,
    pub time_in_state: Family<f64>,
    pub threshold: Family<u64>,
    pub violations: Family<u64>,
    /// Ended runs by result and failure class: each run counted once, when
    /// it has ended, so no series comes and goes with runs in flight (as
    /// `runs_total`'s `running` series do).
    pub runs_finished: Family<u64>,
    /// Freshness, kept through eviction: the last event, and the end of the
    /// last completed run, per workflow.
    pub last_event: Family<Latest>,
    pub last_success: Family<Latest>,
    /// Gauges: only of runs held (an evicted run is over, or gone).
    pub runs_running: Family<u64>,
    pub steps_running: Family<u64>,
    pub runs_stalled: Family<u64>,
    /// The start (or enqueue) of the oldest run not ended, per workflow.
    pub oldest_running: Family<Earliest>,
}

impl Default for Totals {
    fn default() -> Self {
        Totals::new(DEFAULT_BUCKETS.to_vec(), MAX_SERIES)
    }
}

fn dialect(d: Dialect) -> &'static str {
    d.name()
}

impl Totals {
    /// Empty totals with these bounds and at most `cap` series per family.
    pub fn new(buckets: Vec<f64>, cap: usize) -> Self {
        Totals {
            buckets,
            runs_total: Family::new(cap),
            steps_total: Family::new(cap),
            run_duration: Family::new(cap),
            step_duration: Family::new(cap),
            attempts: Family::new(cap),
            retries: Family::new(cap),
            transitions: Family::new(cap),
            time_in_state: Family::new(cap),
            threshold: Family::new(cap),
            violations: Family::new(cap),
            runs_finished: Family::new(cap),
            last_event: Family::new(cap),
            last_success: Family::new(cap),
            runs_running: Family::new(cap),
            steps_running: Family::new(cap),
            runs_stalled: Family::new(cap),
            oldest_running: Family::new(cap),
        }
    }

    /// Whether any run was counted.
    pub fn is_empty(&self) -> bool {
        self.runs_total.series.is_empty() && self.runs_total.dropped == 0
    }

    /// Adds `other`'s counts (of runs counted with the same buckets).
    pub fn merge(&mut self, other: &Totals) {
        self.runs_total.merge(&other.runs_total);
        self.steps_total.merge(&other.steps_total);
        self.run_duration.merge(&other.run_duration);
        self.step_duration.merge(&other.step_duration);
        self.attempts.merge(&other.attempts);
        self.retries.merge(&other.retries);
        self.transitions.merge(&other.transitions);
        self.time_in_state.merge(&other.time_in_state);
        self.threshold.merge(&other.threshold);
        self.violations.merge(&other.violations);
        self.runs_finished.merge(&other.runs_finished);
        self.last_event.merge(&other.last_event);
        self.last_success.merge(&other.last_success);
        self.runs_running.merge(&other.runs_running);
        self.steps_running.merge(&other.steps_running);
        self.runs_stalled.merge(&other.runs_stalled);
        self.oldest_running.merge(&other.oldest_running);
    }

    /// Counts one run. Its gauges (running, stalled) only when it is `held`:
    /// an evicted run counts in the counters alone.
    pub fn add_run(&mut self, d: &RunDetail, held: bool) {
        let run = &d.run;
        let wf = &run.name;
        let buckets = &self.buckets;
        let workflow = || vec![("workflow", wf.clone())];
        if let Some(v) = self.runs_total.entry(vec![
            ("workflow", wf.clone()),
            ("status", run.status.as_str().into()),
        ]) {
            *v += 1;
        }
        if let (Some(t), Some(v)) = (run.last_event_at, self.last_event.entry(workflow())) {
            v.add(&Latest(seconds(t)));
        }
        if run.status.is_terminal() {
            if let (Some(ms), Some(h)) =
                (d.summary.duration_ms, self.run_duration.entry(workflow()))
            {
                h.observe(ms as f64 / 1000.0, buckets);
            }
            self.add_finished(d);
        } else if held {
            let start = run.started_at.or(run.queued_at);
            if let (Some(t), Some(v)) = (start, self.oldest_running.entry(workflow())) {
                v.add(&Earliest(seconds(t)));
            }
            if let Some(v) = self.runs_running.entry(workflow()) {
                *v += 1;
            }
            if run.stalled {
                if let Some(v) = self.runs_stalled.entry(workflow()) {
                    *v += 1;
                }
            }
        }
        if !run.violations.is_empty() {
            if let Some(v) = self.violations.entry(workflow()) {
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
            if let Some(v) = self.transitions.entry(labels) {
                *v += 1;
            }
            if let (Some(ms), Some(_)) = (t.in_previous_ms, &t.from) {
                let labels = vec![("dialect", dialect(run.dialect).into()), ("state", from)];
                if let Some(v) = self.time_in_state.entry(labels) {
                    *v += ms as f64 / 1000.0;
                }
            }
        }
        for s in &run.steps {
            self.add_step(wf, s, held);
        }
    }

    /// An ended run: its result and failure class (`none` for a completed
    /// run, whatever failures it was allowed), and for a completed one, when.
    fn add_finished(&mut self, d: &RunDetail) {
        let run = &d.run;
        let completed = run.status == RunStatus::Completed;
        let class = match d.summary.failure {
            Some(c) if !completed => c.as_str(),
            _ => "none",
        };
        let labels = vec![
            ("workflow", run.name.clone()),
            ("result", run.status.as_str().into()),
            ("failure_class", class.into()),
        ];
        if let Some(v) = self.runs_finished.entry(labels) {
            *v += 1;
        }
        let end = run.ended_at.or(run.last_event_at);
        if let (true, Some(t)) = (completed, end) {
            if let Some(v) = self
                .last_success
                .entry(vec![("workflow", run.name.clone())])
            {
                v.add(&Latest(seconds(t)));
            }
        }
    }

    fn add_step(&mut self, wf: &str, s: &super::Step, held: bool) {
        let buckets = &self.buckets;
        let step_labels = || vec![("workflow", wf.to_string()), ("step", s.name.clone())];
        let mut l = step_labels();
        l.push(("status", s.status.as_str().into()));
        if let Some(v) = self.steps_total.entry(l) {
            *v += 1;
        }
        if s.status.is_terminal() {
            if let (Some(ms), Some(h)) = (s.duration_ms, self.step_duration.entry(step_labels())) {
                h.observe(ms as f64 / 1000.0, buckets);
            }
        } else if held && matches!(s.status, StepStatus::Running | StepStatus::Retrying) {
            if let Some(v) = self.steps_running.entry(vec![("workflow", wf.to_string())]) {
                *v += 1;
            }
        }
        for a in &s.attempts {
            if !a.status.is_terminal() {
                continue;
            }
            let mut l = step_labels();
            l.push(("outcome", a.status.as_str().into()));
            if let Some(v) = self.attempts.entry(l) {
                *v += 1;
            }
        }
        if s.attempts.len() > 1 {
            if let Some(v) = self.retries.entry(step_labels()) {
                *v += s.attempts.len() as u64 - 1;
            }
        }
        if s.over_threshold {
            if let Some(v) = self.threshold.entry(step_labels()) {
                *v += 1;
            }
        }
    }
}
