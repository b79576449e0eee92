//! Analytics computed from a run: the answers an operator needs at 2 AM.
//! Where did the time go (queue vs execution, time in each state, the critical
//! path, the bottleneck), what was too slow (per-step thresholds), what failed
//! and how (failure class), and how a workflow does across runs (failure rate,
//! p50/p95 per step).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::model::{FailureClass, Run, StepCounts};
use super::status::{RunStatus, StepStatus};
use crate::time::Timestamp;

/// Per-run analytics.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_wait_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_ms: Option<i64>,
    /// Milliseconds spent in each state of the run (the current state up to now).
    pub time_in_state_ms: BTreeMap<String, i64>,
    pub counts: StepCounts,
    /// Step ids on the critical path, first to last.
    pub critical_path: Vec<String>,
    /// The longest step on the critical path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bottleneck: Option<String>,
    /// Step ids whose duration exceeded their threshold.
    pub over_threshold: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<FailureClass>,
    pub violation_count: usize,
}

/// Fills step durations and the `critical` / `over_threshold` marks, and
/// returns the run's summary. `now` closes what is still running.
pub fn summarise(
    run: &mut Run,
    now: Timestamp,
    threshold: Option<i64>,
    per_step: &HashMap<String, i64>,
) -> RunSummary {
    for step in &mut run.steps {
        let start = step
            .started_at
            .or_else(|| step.attempts.first().and_then(|a| a.started_at));
        let end = if step.status.is_terminal() {
            step.ended_at
        } else {
            Some(now)
        };
        step.started_at = start;
        step.duration_ms = match (start, end) {
            (Some(s), Some(e)) => Some(e.millis_since(s)),
            _ => step
                .attempts
                .iter()
                .filter_map(|a| a.duration_ms)
                .reduce(|a, b| a + b),
        };
        let limit = per_step.get(&step.name).copied().or(threshold);
        step.over_threshold = matches!((step.duration_ms, limit), (Some(d), Some(l)) if d > l);
    }
    derive_job_dependencies(run);
    let critical_path = critical_path(run);
    for step in &mut run.steps {
        step.critical = critical_path.contains(&step.id);
    }
    let bottleneck = run
        .steps
        .iter()
        .filter(|s| s.critical)
        .max_by_key(|s| s.duration_ms.unwrap_or(0))
        .map(|s| s.id.clone());
    let end = if run.status.is_terminal() {
        run.ended_at
    } else {
        Some(now)
    };
    let duration_ms = match (run.queued_at.or(run.started_at), end) {
        (Some(s), Some(e)) => Some(e.millis_since(s)),
        _ => None,
    };
    let queue_wait_ms = match (run.queued_at, run.started_at) {
        (Some(q), Some(s)) => Some(s.millis_since(q)),
        _ => None,
    };
    let execution_ms = match (run.started_at, end) {
        (Some(s), Some(e)) => Some(e.millis_since(s)),
        _ => None,
    };
    let mut time_in_state_ms = BTreeMap::new();
    for t in &run.transitions {
        if let (Some(from), Some(ms)) = (&t.from, t.in_previous_ms) {
            *time_in_state_ms.entry(from.clone()).or_insert(0) += ms;
        }
    }
    if let Some(last_at) = run.transitions.last().and_then(|t| t.at) {
        if !run.status.is_terminal() {
            *time_in_state_ms.entry(run.state.clone()).or_insert(0) += now.millis_since(last_at);
        }
    }
    let over_threshold = run
        .steps
        .iter()
        .filter(|s| s.over_threshold)
        .map(|s| s.id.clone())
        .collect();
    let failure = failure_class(run);
    RunSummary {
        duration_ms,
        queue_wait_ms,
        execution_ms,
        time_in_state_ms,
        counts: run.counts(),
        critical_path,
        bottleneck,
        over_threshold,
        failure,
        violation_count: run.violations.len(),
    }
}

/// Where jobs declare `dependsOn` (swamp's `started.jobs`), each step without
/// its own dependencies depends on every step of the jobs its job depends on,
/// so the critical path can follow the declared graph instead of guessing from
/// time.
fn derive_job_dependencies(run: &mut Run) {
    if !run.jobs.iter().any(|j| !j.depends_on.is_empty()) {
        return;
    }
    let deps_of: HashMap<&str, &Vec<String>> = run
        .jobs
        .iter()
        .map(|j| (j.name.as_str(), &j.depends_on))
        .collect();
    let mut by_job: HashMap<&str, Vec<String>> = HashMap::new();
    for s in &run.steps {
        by_job.entry(s.job.as_str()).or_default().push(s.id.clone());
    }
    let derived: Vec<Vec<String>> = run
        .steps
        .iter()
        .map(|s| {
            if !s.depends_on.is_empty() {
                return s.depends_on.clone();
            }
            deps_of
                .get(s.job.as_str())
                .map(|jobs| {
                    jobs.iter()
                        .flat_map(|j| by_job.get(j.as_str()).cloned().unwrap_or_default())
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    for (s, d) in run.steps.iter_mut().zip(derived) {
        s.depends_on = d;
    }
}

fn failure_class(run: &Run) -> Option<FailureClass> {
    if let Some(e) = &run.error {
        return Some(e.class);
    }
    let failed = |st: StepStatus| {
        run.steps
            .iter()
            .any(|s| s.status == st && !s.error.as_ref().is_some_and(|e| e.allowed))
    };
    if failed(StepStatus::Panicked) {
        Some(FailureClass::Panic)
    } else if failed(StepStatus::Failed) {
        Some(
            run.steps
                .iter()
                .find_map(|s| s.error.as_ref().filter(|e| !e.allowed).map(|e| e.class))
                .unwrap_or(FailureClass::Method),
        )
    } else if run.status == RunStatus::Failed {
        Some(if run.violations.is_empty() {
            FailureClass::Structural
        } else {
            FailureClass::Transition
        })
    } else if run.status == RunStatus::Cancelled {
        Some(FailureClass::Cancellation)
    } else {
        None
    }
}

/// The critical path: by dependency when any step declares one (the longest
/// chain by summed duration through the dependency graph), otherwise by time
/// (from the step that ended last, repeatedly the step that ended latest no
/// later than the current one started).
pub fn critical_path(run: &Run) -> Vec<String> {
    let dur = |i: usize| run.steps[i].duration_ms.unwrap_or(0);
    let n = run.steps.len();
    if n == 0 {
        return Vec::new();
    }
    if run.steps.iter().any(|s| !s.depends_on.is_empty()) {
        let by_name: HashMap<&str, usize> = run
            .steps
            .iter()
            .enumerate()
            .flat_map(|(i, s)| [(s.name.as_str(), i), (s.id.as_str(), i)])
            .collect();
        // Longest path by memoised DFS; cycles are cut by the `visiting` mark.
        let mut best: Vec<Option<(i64, Option<usize>)>> = vec![None; n];
        let mut visiting = vec![false; n];
        fn visit(
            i: usize,
            run: &Run,
            by_name: &HashMap<&str, usize>,
            best: &mut Vec<Option<(i64, Option<usize>)>>,
            visiting: &mut Vec<bool>,
        ) -> i64 {
            if let Some((v, _)) = best[i] {
                return v;
            }
            if visiting[i] {
                return 0;
            }
            visiting[i] = true;
            let mut top = (0i64, None);
            for dep in &run.steps[i].depends_on {
                if let Some(&j) = by_name.get(dep.as_str()) {
                    let v = visit(j, run, by_name, best, visiting);
                    if v > top.0 || top.1.is_none() {
                        top = (v, Some(j));
                    }
                }
            }
            visiting[i] = false;
            let v = top.0 + run.steps[i].duration_ms.unwrap_or(0);
            best[i] = Some((v, top.1));
            v
        }
        let mut end = 0;
        let mut end_v = i64::MIN;
        for i in 0..n {
            let v = visit(i, run, &by_name, &mut best, &mut visiting);
            if v > end_v {
                end_v = v;
                end = i;
            }
        }
        let mut path = vec![end];
        let mut cur = end;
        while let Some(Some((_, Some(prev)))) = best.get(cur).copied() {
            if path.contains(&prev) {
                break;
            }
            path.push(prev);
            cur = prev;
        }
        path.reverse();
        return path.into_iter().map(|i| run.steps[i].id.clone()).collect();
    }
    let span = |i: usize| {
        let s = &run.steps[i];
        s.started_at
            .map(|st| (st.millis(), st.millis() + s.duration_ms.unwrap_or(0)))
    };
    let Some(mut cur) = (0..n)
        .filter(|&i| span(i).is_some())
        .max_by_key(|&i| (span(i).map(|x| x.1), dur(i)))
    else {
        return Vec::new();
    };
    let mut path = vec![cur];
    while let Some((start, _)) = span(cur) {
        let prev = (0..n)
            .filter(|&j| !path.contains(&j))
            .filter_map(|j| span(j).map(|sp| (j, sp)))
            .filter(|(_, (_, end))| *end <= start)
            .max_by_key(|(j, (_, end))| (*end, dur(*j)));
        match prev {
            Some((j, _)) => {
                path.push(j);
                cur = j;
            }
            None => break,
        }
    }
    path.reverse();
    path.into_iter().map(|i| run.steps[i].id.clone()).collect()
}

/// Aggregates over every run of one workflow (run name).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowAggregate {
    pub name: String,
    pub runs: u32,
    pub failed: u32,
    pub failure_rate: f64,
    pub steps: Vec<StepStat>,
}

/// Duration percentiles of one step name across runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepStat {
    pub name: String,
    pub count: u32,
    pub p50_ms: i64,
    pub p95_ms: i64,
}

/// Runs, failed runs, and step durations by step name, for one workflow.
type Tally<'a> = (u32, u32, BTreeMap<&'a str, Vec<i64>>);

pub fn aggregates(runs: &[super::RunDetail]) -> Vec<WorkflowAggregate> {
    let mut by_name: BTreeMap<&str, Tally<'_>> = BTreeMap::new();
    for d in runs {
        let entry = by_name.entry(d.run.name.as_str()).or_default();
        entry.0 += 1;
        if d.run.status == RunStatus::Failed {
            entry.1 += 1;
        }
        for s in &d.run.steps {
            if let (true, Some(ms)) = (s.status.is_terminal(), s.duration_ms) {
                entry.2.entry(s.name.as_str()).or_default().push(ms);
            }
        }
    }
    by_name
        .into_iter()
        .map(|(name, (runs, failed, steps))| WorkflowAggregate {
            name: name.to_string(),
            runs,
            failed,
            failure_rate: if runs == 0 {
                0.0
            } else {
                f64::from(failed) / f64::from(runs)
            },
            steps: steps
                .into_iter()
                .map(|(name, mut v)| {
                    v.sort_unstable();
                    StepStat {
                        name: name.to_string(),
                        count: v.len() as u32,
                        p50_ms: percentile(&v, 50),
                        p95_ms: percentile(&v, 95),
                    }
                })
                .collect(),
        })
        .collect()
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[i64], p: u32) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (u64::from(p) * sorted.len() as u64).div_ceil(100).max(1) as usize;
    sorted[rank.min(sorted.len()) - 1]
}
