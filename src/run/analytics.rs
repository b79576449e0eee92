//! Analytics computed from a run: the answers an operator needs at 2 AM.
//! Where did the time go (queue vs execution, time in each state, the critical
//! path, the bottleneck), what was too slow (per-step thresholds), what failed
//! and how (failure class), and how a workflow does across runs (failure rate,
//! p50/p95 per step).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::model::{FailureClass, Run, StepCounts};
use super::status::RunStatus;
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
///
/// Every sum here saturates: durations come from the events (a `duration_ms`
/// of 1e300 arrives as `i64::MAX`), and a debug build must not panic on them
/// nor a release build wrap them into negative times.
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
                .reduce(i64::saturating_add),
        };
        let limit = per_step.get(&step.name).copied().or(threshold);
        step.over_threshold = matches!((step.duration_ms, limit), (Some(d), Some(l)) if d > l);
    }
    let critical_path = critical_path(run);
    // A set, not `Vec::contains`: a path can be as long as the run.
    let on_path: HashSet<&str> = critical_path.iter().map(String::as_str).collect();
    for step in &mut run.steps {
        step.critical = on_path.contains(step.id.as_str());
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
    // The run began at the earlier of the two: clocks on different machines
    // can put the start before the enqueue, and the whole duration must never
    // be shorter than the execution inside it.
    let begin = [run.queued_at, run.started_at].into_iter().flatten().min();
    let duration_ms = match (begin, end) {
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
    let mut time_in_state_ms: BTreeMap<String, i64> = BTreeMap::new();
    for t in &run.transitions {
        if let (Some(from), Some(ms)) = (&t.from, t.in_previous_ms) {
            let total = time_in_state_ms.entry(from.to_string()).or_insert(0);
            *total = total.saturating_add(ms);
        }
    }
    if let Some(last_at) = run.transitions.last().and_then(|t| t.at) {
        if !run.status.is_terminal() {
            let total = time_in_state_ms.entry(run.state.to_string()).or_insert(0);
            *total = total.saturating_add(now.millis_since(last_at));
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

fn failure_class(run: &Run) -> Option<FailureClass> {
    if let Some(e) = &run.error {
        return Some(e.class);
    }
    if let Some(class) = super::lifecycle::step_failure_class(run) {
        Some(class)
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

/// The critical path: by dependency when any step depends on another (the
/// longest chain by summed duration through the dependency graph), otherwise
/// by time (from the step that ended last, repeatedly the step that ended
/// latest no later than the current one started).
pub fn critical_path(run: &Run) -> Vec<String> {
    let path = match DependencyGraph::of(run) {
        Some(graph) => graph.longest_path(run),
        None => path_by_time(run),
    };
    path.into_iter().map(|i| run.steps[i].id.clone()).collect()
}

/// The dependency graph the critical path follows, built afresh for each
/// summary and never written into the steps: a step's serialised `dependsOn`
/// stays what the events declared.
///
/// Nodes `0..steps` are the run's steps. Where jobs declare `dependsOn`
/// (swamp's `started.jobs`), a step without dependencies of its own depends on
/// every step of the jobs its job depends on. Listing those steps on each
/// dependent step costs jobs × steps × steps edges (a 300 × 300 fan-out is
/// 90,000), so each depended-on job is one extra node instead, whose
/// predecessors are the job's steps and whose duration is zero: the same
/// longest paths, with edges linear in the steps.
struct DependencyGraph {
    steps: usize,
    /// The predecessors of each node, in declaration order (ties between equal
    /// chains go to the first declared, as they always have).
    preds: Vec<Vec<usize>>,
}

impl DependencyGraph {
    /// The graph, or `None` when no step depends on anything and the path must
    /// be read from time instead. A declared dependency that names no step
    /// still counts: the run speaks in dependencies, it just names a stranger.
    fn of(run: &Run) -> Option<Self> {
        let steps = run.steps.len();
        // Names and ids alike, later steps winning, as dependencies use either.
        let by_name: HashMap<&str, usize> = run
            .steps
            .iter()
            .enumerate()
            .flat_map(|(i, s)| [(s.name.as_str(), i), (s.id.as_str(), i)])
            .collect();
        // Later jobs of the same name win, as they did when this map was built
        // to copy steps around.
        let job_deps: HashMap<&str, &[String]> =
            if run.jobs.iter().any(|j| !j.depends_on.is_empty()) {
                run.jobs
                    .iter()
                    .map(|j| (j.name.as_str(), j.depends_on.as_slice()))
                    .collect()
            } else {
                HashMap::new()
            };
        let mut job_steps: HashMap<&str, Vec<usize>> = HashMap::new();
        if !job_deps.is_empty() {
            for (i, s) in run.steps.iter().enumerate() {
                job_steps.entry(s.job.as_str()).or_default().push(i);
            }
        }
        let mut preds: Vec<Vec<usize>> = vec![Vec::new(); steps];
        let mut job_node: HashMap<&str, usize> = HashMap::new();
        let mut any = false;
        for (i, s) in run.steps.iter().enumerate() {
            if !s.depends_on.is_empty() {
                any = true;
                preds[i] = s
                    .depends_on
                    .iter()
                    .filter_map(|d| by_name.get(d.as_str()).copied())
                    .collect();
                continue;
            }
            let Some(jobs) = job_deps.get(s.job.as_str()) else {
                continue;
            };
            for j in jobs.iter() {
                // A job with no steps adds nothing, as its step list was empty.
                let Some(members) = job_steps.get(j.as_str()) else {
                    continue;
                };
                let node = *job_node.entry(j.as_str()).or_insert_with(|| {
                    preds.push(members.clone());
                    preds.len() - 1
                });
                preds[i].push(node);
                any = true;
            }
        }
        any.then_some(DependencyGraph { steps, preds })
    }

    /// Duration of a node: a step's, or zero for a job node (numbered past
    /// the steps).
    fn weight(run: &Run, node: usize) -> i64 {
        run.steps.get(node).and_then(|s| s.duration_ms).unwrap_or(0)
    }

    /// Step indices of the longest chain by summed (saturating) duration,
    /// first to last.
    ///
    /// A memoised depth-first walk, with an explicit stack rather than
    /// recursion: a chain of 200,000 steps (6,000 in wasm) would overflow the
    /// call stack. It visits in the same order the recursive walk did, so it
    /// gives the same answers: roots in step order, predecessors in declaration
    /// order, the first of equal chains kept. A cycle is cut where the walk
    /// meets a node it is still inside: that edge counts as a chain of length
    /// zero, so every cycle is cut at the same place on every run.
    fn longest_path(&self, run: &Run) -> Vec<usize> {
        let total = self.preds.len();
        // Per node: (longest chain ending here, its previous node).
        let mut best: Vec<Option<(i64, Option<usize>)>> = vec![None; total];
        let mut visiting = vec![false; total];
        // Frames of the walk: node, next predecessor to look at, best so far.
        let mut stack: Vec<(usize, usize, (i64, Option<usize>))> = Vec::new();
        let mut end: Option<(i64, usize)> = None;
        for root in 0..self.steps {
            if best[root].is_none() {
                visiting[root] = true;
                stack.push((root, 0, (0, None)));
            }
            while let Some(&(node, next, top)) = stack.last() {
                let pred = self.preds.get(node).and_then(|p| p.get(next)).copied();
                match pred {
                    Some(j) => {
                        let known = match best[j] {
                            Some((v, _)) => Some(v),
                            None if visiting[j] => Some(0),
                            None => None,
                        };
                        if let Some(frame) = stack.last_mut() {
                            frame.1 = next + 1;
                            if let Some(v) = known {
                                if v > top.0 || top.1.is_none() {
                                    frame.2 = (v, Some(j));
                                }
                            }
                        }
                        if known.is_none() {
                            visiting[j] = true;
                            stack.push((j, 0, (0, None)));
                        }
                    }
                    None => {
                        stack.pop();
                        visiting[node] = false;
                        let v = top.0.saturating_add(Self::weight(run, node));
                        best[node] = Some((v, top.1));
                        if let Some(parent) = stack.last_mut() {
                            if v > parent.2 .0 || parent.2 .1.is_none() {
                                parent.2 = (v, Some(node));
                            }
                        }
                    }
                }
            }
            if let Some((v, _)) = best[root] {
                if end.is_none_or(|(e, _)| v > e) {
                    end = Some((v, root));
                }
            }
        }
        let Some((_, end)) = end else {
            return Vec::new();
        };
        // Walk back; a cycle cut above can still link back onto the path, so
        // stop at the first node seen twice.
        let mut seen = vec![false; total];
        seen[end] = true;
        let mut path = vec![end];
        let mut cur = end;
        while let Some(Some((_, Some(prev)))) = best.get(cur).copied() {
            if seen[prev] {
                break;
            }
            seen[prev] = true;
            if prev < self.steps {
                path.push(prev);
            }
            cur = prev;
        }
        path.reverse();
        path
    }
}

/// A step's place in time, for the time-based path.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: i64,
    /// `start + duration`, saturating.
    end: i64,
    duration: i64,
    step: usize,
}

/// Step indices of the critical path read from time, first to last: from the
/// step that ended last (ties: the longest, then the first), repeatedly the
/// step that ended latest at or before the current one started (ties: the
/// longest, then the first), never a step twice.
///
/// O(n log n): the spans are sorted once so that the best candidate among
/// those ending by a given instant is the last of a prefix. Each hop starts no
/// later than the previous, so that prefix only ever shrinks: one pointer
/// walks down it, stepping over steps already on the path, which can never
/// qualify again.
fn path_by_time(run: &Run) -> Vec<usize> {
    let mut spans: Vec<Span> = run
        .steps
        .iter()
        .enumerate()
        .filter_map(|(step, s)| {
            let start = s.started_at?.millis();
            // Never negative, so no span ends before it starts and each hop's
            // start is no later than the last.
            let duration = s.duration_ms.unwrap_or(0).max(0);
            Some(Span {
                start,
                end: start.saturating_add(duration),
                duration,
                step,
            })
        })
        .collect();
    // Ascending by end, then duration, then descending by index: the last of
    // any prefix is the latest-ending, longest, first step in it.
    spans.sort_unstable_by(|a, b| {
        (a.end, a.duration)
            .cmp(&(b.end, b.duration))
            .then(b.step.cmp(&a.step))
    });
    let Some(&last) = spans.last() else {
        return Vec::new();
    };
    let mut on_path = vec![false; run.steps.len()];
    on_path[last.step] = true;
    let mut path = vec![last.step];
    let mut start = last.start;
    let mut hi = spans.len();
    loop {
        hi = hi.min(spans.partition_point(|s| s.end <= start));
        while hi > 0 && on_path[spans[hi - 1].step] {
            hi -= 1;
        }
        let Some(prev) = hi.checked_sub(1).map(|k| spans[k]) else {
            break;
        };
        on_path[prev.step] = true;
        path.push(prev.step);
        start = prev.start;
    }
    path.reverse();
    path
}

/// Aggregates over every run of one workflow (run name).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowAggregate {
    pub name: String,
    pub runs: u32,
    pub failed: u32,
    pub failure_rate: f64,
    /// Duration percentiles of the workflow's ended runs (enqueue or start
    /// to end), when any ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p50_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p95_ms: Option<i64>,
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

/// Runs, failed runs, ended runs' durations, and step durations by step
/// name, for one workflow.
#[derive(Default)]
struct Tally {
    runs: u32,
    failed: u32,
    durations: Vec<i64>,
    steps: BTreeMap<String, Vec<i64>>,
}

pub fn aggregates(runs: &[super::RunDetail]) -> Vec<WorkflowAggregate> {
    let mut tally = Aggregates::default();
    runs.iter().for_each(|d| tally.add(d));
    tally.finish()
}

/// [`aggregates`] a run at a time, as a snapshot written run by run makes
/// them (each run summarised, so its steps' durations are known, then
/// dropped). Names are copied once each, when first seen.
#[derive(Default)]
pub struct Aggregates {
    by_name: BTreeMap<String, Tally>,
}

impl Aggregates {
    /// Counts one run, summarised (its duration is the summary's).
    pub fn add(&mut self, d: &super::RunDetail) {
        let run = &d.run;
        if !self.by_name.contains_key(&run.name) {
            self.by_name.insert(run.name.clone(), Tally::default());
        }
        let Some(entry) = self.by_name.get_mut(&run.name) else {
            return;
        };
        entry.runs = entry.runs.saturating_add(1);
        if run.status == RunStatus::Failed {
            entry.failed = entry.failed.saturating_add(1);
        }
        if let (true, Some(ms)) = (run.status.is_terminal(), d.summary.duration_ms) {
            entry.durations.push(ms);
        }
        for s in &run.steps {
            if let (true, Some(ms)) = (s.status.is_terminal(), s.duration_ms) {
                match entry.steps.get_mut(&s.name) {
                    Some(v) => v.push(ms),
                    None => {
                        entry.steps.insert(s.name.clone(), vec![ms]);
                    }
                }
            }
        }
    }

    pub fn finish(self) -> Vec<WorkflowAggregate> {
        self.by_name
            .into_iter()
            .map(|(name, mut t)| WorkflowAggregate {
                name,
                runs: t.runs,
                failed: t.failed,
                failure_rate: if t.runs == 0 {
                    0.0
                } else {
                    f64::from(t.failed) / f64::from(t.runs)
                },
                p50_ms: (!t.durations.is_empty()).then(|| {
                    t.durations.sort_unstable();
                    percentile(&t.durations, 50)
                }),
                p95_ms: (!t.durations.is_empty()).then(|| percentile(&t.durations, 95)),
                steps: t
                    .steps
                    .into_iter()
                    .map(|(name, mut v)| {
                        v.sort_unstable();
                        StepStat {
                            name,
                            count: u32::try_from(v.len()).unwrap_or(u32::MAX),
                            p50_ms: percentile(&v, 50),
                            p95_ms: percentile(&v, 95),
                        }
                    })
                    .collect(),
            })
            .collect()
    }
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[i64], p: u32) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (u64::from(p) * sorted.len() as u64).div_ceil(100).max(1) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::model::{Attempt, Dialect, Job, Step, Transition};
    use crate::run::StepStatus;

    fn ts(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms).unwrap_or(Timestamp::EPOCH)
    }

    fn run_of(steps: Vec<Step>) -> Run {
        let mut run = Run::new(
            "r".into(),
            Dialect::Orchestrator,
            "w".into(),
            "Running",
            RunStatus::Running,
        );
        run.steps = steps;
        run
    }

    fn step(id: &str, job: &str, status: StepStatus) -> Step {
        Step::new(id.into(), job.into(), id.into(), "s", status)
    }

    fn attempt(ms: i64) -> Attempt {
        let mut a = Attempt::new(1);
        a.status = StepStatus::Completed;
        a.duration_ms = Some(ms);
        a
    }

    #[test]
    fn attempt_durations_sum_saturating() {
        let mut s = step("a", "j", StepStatus::Completed);
        s.attempts = vec![attempt(i64::MAX), attempt(i64::MAX), attempt(7)];
        let mut run = run_of(vec![s]);
        summarise(&mut run, ts(0), Some(1), &HashMap::new());
        assert_eq!(run.steps[0].duration_ms, Some(i64::MAX));
        assert!(run.steps[0].over_threshold);
    }

    #[test]
    fn dependency_lengths_and_time_spans_saturate() {
        let mut steps: Vec<Step> = (0..3)
            .map(|i| {
                let mut s = step(&format!("s{i}"), "j", StepStatus::Completed);
                s.duration_ms = Some(i64::MAX);
                s.started_at = Some(ts(crate::time::MAX_MS));
                s
            })
            .collect();
        let run = run_of(steps.clone());
        assert_eq!(critical_path(&run), vec!["s0"]);
        steps[1].depends_on = vec!["s0".into()];
        steps[2].depends_on = vec!["s1".into()];
        let run = run_of(steps);
        assert_eq!(critical_path(&run), vec!["s0"]);
    }

    #[test]
    fn time_in_state_sums_saturating() {
        let mut run = run_of(Vec::new());
        run.transitions = (0..3)
            .map(|_| Transition {
                from: Some("Queued".into()),
                to: "Running".into(),
                event: "e".into(),
                reason: None,
                at: Some(ts(0)),
                in_previous_ms: Some(i64::MAX / 2),
                status: None,
                milestone: None,
            })
            .collect();
        let summary = summarise(&mut run, ts(1), None, &HashMap::new());
        assert_eq!(summary.time_in_state_ms.get("Queued"), Some(&i64::MAX));
        assert_eq!(summary.time_in_state_ms.get("Running"), Some(&1));
    }

    #[test]
    fn derived_job_edges_are_not_written_into_steps() {
        let mut steps = vec![
            step("a/x", "a", StepStatus::Completed),
            step("b/y", "b", StepStatus::Completed),
        ];
        // `summarise` recomputes durations, from the attempts here.
        steps[0].attempts = vec![attempt(5)];
        steps[1].attempts = vec![attempt(1)];
        steps[0].duration_ms = Some(5);
        steps[1].duration_ms = Some(1);
        let mut run = run_of(steps);
        run.jobs = vec![
            Job {
                name: "a".into(),
                depends_on: vec![],
                status: None,
            },
            Job {
                name: "b".into(),
                depends_on: vec!["a".into(), "missing".into()],
                status: None,
            },
        ];
        assert_eq!(critical_path(&run), vec!["a/x", "b/y"]);
        summarise(&mut run, ts(0), None, &HashMap::new());
        assert!(run.steps.iter().all(|s| s.depends_on.is_empty()));
        assert!(run.steps.iter().all(|s| s.critical));
    }

    /// A small deterministic generator, so the comparisons below are
    /// reproducible without a dependency.
    struct XorShift(u64);

    impl XorShift {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n.max(1)
        }
    }

    /// The time-based path as first written (quadratic per hop), with ties
    /// broken towards the first step, as the fast version documents.
    fn path_by_time_reference(run: &Run) -> Vec<usize> {
        let n = run.steps.len();
        let dur = |i: usize| run.steps[i].duration_ms.unwrap_or(0).max(0);
        let span = |i: usize| {
            run.steps[i]
                .started_at
                .map(|st| (st.millis(), st.millis().saturating_add(dur(i))))
        };
        let key = |i: usize| span(i).map(|sp| (sp.1, dur(i), std::cmp::Reverse(i)));
        let Some(mut cur) = (0..n)
            .filter(|&i| span(i).is_some())
            .max_by_key(|&i| key(i))
        else {
            return Vec::new();
        };
        let mut path = vec![cur];
        while let Some((start, _)) = span(cur) {
            let prev = (0..n)
                .filter(|j| !path.contains(j))
                .filter(|&j| span(j).is_some_and(|(_, end)| end <= start))
                .max_by_key(|&j| key(j));
            match prev {
                Some(j) => {
                    path.push(j);
                    cur = j;
                }
                None => break,
            }
        }
        path.reverse();
        path
    }

    /// The dependency path as first written: job edges copied onto each step,
    /// then a recursive memoised walk. Fine for the small graphs here.
    fn path_by_dependency_reference(run: &Run) -> Vec<usize> {
        let n = run.steps.len();
        let deps_of: HashMap<&str, &Vec<String>> = run
            .jobs
            .iter()
            .map(|j| (j.name.as_str(), &j.depends_on))
            .collect();
        let mut by_job: HashMap<&str, Vec<String>> = HashMap::new();
        for s in &run.steps {
            by_job.entry(s.job.as_str()).or_default().push(s.id.clone());
        }
        let deps: Vec<Vec<String>> = run
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
        let by_name: HashMap<&str, usize> = run
            .steps
            .iter()
            .enumerate()
            .flat_map(|(i, s)| [(s.name.as_str(), i), (s.id.as_str(), i)])
            .collect();
        fn visit(
            i: usize,
            run: &Run,
            deps: &[Vec<String>],
            by_name: &HashMap<&str, usize>,
            best: &mut Vec<Option<(i64, Option<usize>)>>,
        ) -> i64 {
            if let Some((v, _)) = best[i] {
                return v;
            }
            let mut top = (0i64, None);
            for dep in &deps[i] {
                if let Some(&j) = by_name.get(dep.as_str()) {
                    let v = visit(j, run, deps, by_name, best);
                    if v > top.0 || top.1.is_none() {
                        top = (v, Some(j));
                    }
                }
            }
            let v = top.0.saturating_add(run.steps[i].duration_ms.unwrap_or(0));
            best[i] = Some((v, top.1));
            v
        }
        let mut best = vec![None; n];
        let mut end = 0;
        let mut end_v = i64::MIN;
        for i in 0..n {
            let v = visit(i, run, &deps, &by_name, &mut best);
            if v > end_v {
                end_v = v;
                end = i;
            }
        }
        let mut path = vec![end];
        let mut cur = end;
        while let Some(Some((_, Some(prev)))) = best.get(cur).copied() {
            path.push(prev);
            cur = prev;
        }
        path.reverse();
        path
    }

    #[test]
    fn the_fast_time_path_matches_the_reference() {
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3000 {
            let n = 1 + rng.below(9) as usize;
            let steps = (0..n)
                .map(|i| {
                    let mut s = step(&format!("s{i}"), "j", StepStatus::Completed);
                    // Few distinct instants and durations: plenty of ties.
                    if rng.below(6) != 0 {
                        s.started_at = Some(ts(rng.below(6) as i64 * 5));
                    }
                    s.duration_ms = match rng.below(5) {
                        0 => None,
                        1 => Some(i64::MAX),
                        k => Some((k as i64 - 2) * 5),
                    };
                    s
                })
                .collect();
            let run = run_of(steps);
            assert_eq!(
                path_by_time(&run),
                path_by_time_reference(&run),
                "{:?}",
                run.steps
                    .iter()
                    .map(|s| (s.started_at.map(Timestamp::millis), s.duration_ms))
                    .collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn the_iterative_dependency_path_matches_the_reference_on_acyclic_graphs() {
        let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
        for _ in 0..3000 {
            let jobs = 1 + rng.below(4) as usize;
            let n = 1 + rng.below(9) as usize;
            // Steps in a topological order (job, then position), every edge
            // pointing backwards in it; then stored in a shuffled order so the
            // walk starts from arbitrary places.
            let mut topo: Vec<(usize, Step)> = (0..n)
                .map(|k| {
                    let job = rng.below(jobs as u64) as usize;
                    (
                        job,
                        step(&format!("s{k}"), &format!("j{job}"), StepStatus::Completed),
                    )
                })
                .collect();
            topo.sort_by_key(|(job, _)| *job);
            for k in 0..n {
                if k > 0 && rng.below(3) == 0 {
                    let deps = 1 + rng.below(3);
                    topo[k].1.depends_on = (0..deps)
                        .map(|_| {
                            if rng.below(8) == 0 {
                                "stranger".to_string()
                            } else {
                                topo[rng.below(k as u64) as usize].1.id.clone()
                            }
                        })
                        .collect();
                }
                topo[k].1.duration_ms = match rng.below(5) {
                    0 => None,
                    1 => Some(i64::MAX),
                    v => Some(v as i64 % 3),
                };
            }
            let mut steps: Vec<Step> = topo.into_iter().map(|(_, s)| s).collect();
            for k in (1..steps.len()).rev() {
                let other = rng.below(k as u64 + 1) as usize;
                steps.swap(k, other);
            }
            let mut run = run_of(steps);
            run.jobs = (0..jobs)
                .map(|j| Job {
                    name: format!("j{j}"),
                    depends_on: (0..j)
                        .filter(|_| rng.below(2) == 0)
                        .map(|d| format!("j{d}"))
                        .collect(),
                    status: None,
                })
                .collect();
            let expected = path_by_dependency_reference(&run);
            match DependencyGraph::of(&run) {
                Some(graph) => assert_eq!(graph.longest_path(&run), expected),
                None => assert!(run.steps.iter().all(|s| s.depends_on.is_empty())),
            }
        }
    }

    #[test]
    fn cycles_of_steps_and_jobs_end_without_repeats() {
        let mut steps: Vec<Step> = (0..6)
            .map(|i| {
                let mut s = step(
                    &format!("s{i}"),
                    &format!("j{}", i % 2),
                    StepStatus::Completed,
                );
                s.duration_ms = Some(i);
                s
            })
            .collect();
        steps[0].depends_on = vec!["s0".into()];
        steps[2].depends_on = vec!["s4".into()];
        steps[4].depends_on = vec!["s2".into()];
        let mut run = run_of(steps);
        run.jobs = vec![
            Job {
                name: "j0".into(),
                depends_on: vec!["j1".into()],
                status: None,
            },
            Job {
                name: "j1".into(),
                depends_on: vec!["j0".into(), "j1".into()],
                status: None,
            },
        ];
        let path = critical_path(&run);
        assert!(!path.is_empty());
        let unique: HashSet<&String> = path.iter().collect();
        assert_eq!(unique.len(), path.len(), "{path:?}");
        assert_eq!(path, critical_path(&run));
    }
}
