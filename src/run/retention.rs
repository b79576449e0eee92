//! Retention: how many runs the model holds, and for how long after they end.
//!
//! A model fed forever (a sidecar) must not grow forever. Finished top-level
//! runs are evicted, with their nested runs, oldest first (the order the
//! model first saw them): past `max_finished_age_ms` after they ended, and
//! whenever more than `max_runs` are held. When every run held is still
//! going and there are too many, the least recently active goes (counted as
//! unfinished). What was evicted is counted ([`Evicted`], in the snapshot),
//! and the metrics stay cumulative: an evicted run's counts are folded into
//! totals the Prometheus export adds to the runs still held.

use serde::Serialize;

use super::slot::RunSlot;
use super::RunModel;
use crate::clock::Clock;
use crate::time::Timestamp;

/// How many runs a model holds, and for how long after they end. Neither
/// bound is set by default: a viewer showing one log keeps every run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    /// At most this many runs (nested runs count).
    pub max_runs: Option<usize>,
    /// Finished runs go this long after they ended, on the model's clock.
    pub max_finished_age_ms: Option<i64>,
}

/// What retention took out of the model.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evicted {
    /// Runs evicted, nested runs included.
    pub runs: u64,
    /// Their steps.
    pub steps: u64,
    /// Runs evicted before they ended (over `max_runs`, nothing finished).
    pub unfinished: u64,
    /// Events that fit no run, dropped beyond the latest ones kept.
    pub violations: u64,
}

/// Top-level: nested in no run the model holds.
fn top_level<C: Clock>(model: &RunModel<C>, slot: &RunSlot) -> bool {
    slot.run
        .parent_run
        .as_deref()
        .is_none_or(|p| model.core.runs.position(slot.run.dialect, p).is_none())
}

impl<C: Clock> RunModel<C> {
    /// Applies [`Retention`] (after each call that ingests).
    pub(super) fn enforce_retention(&mut self) {
        let r = self.retention;
        if r.max_runs.is_none() && r.max_finished_age_ms.is_none() {
            return;
        }
        if let Some(age) = r.max_finished_age_ms {
            let now = self.arrival();
            // Looked for at most every 1/16 of the age (and at most once a
            // second): a per-event `ingest` must not scan every run.
            if self.next_age_check.is_none_or(|t| now >= t) {
                let step = (age / 16).max(1000);
                self.next_age_check = now.plus_millis(step);
                let old: Vec<usize> = self
                    .core
                    .runs
                    .positions()
                    .filter(|(_, s)| {
                        s.run.status.is_terminal()
                            && top_level(self, s)
                            && s.ended_seen.is_some_and(|t| now.millis_since(t) > age)
                    })
                    .map(|(i, _)| i)
                    .collect();
                for i in old {
                    self.evict(i);
                }
            }
        }
        if let Some(max) = r.max_runs {
            while self.core.runs.len() > max {
                let oldest_finished = self
                    .core
                    .runs
                    .positions()
                    .find(|(_, s)| s.run.status.is_terminal() && top_level(self, s))
                    .map(|(i, _)| i);
                // The least recently active top-level run; failing that
                // (runs nested in each other in a cycle, which the dialects
                // refuse to make), any run, so that the bound always holds.
                let least_active = |top: bool| {
                    self.core
                        .runs
                        .positions()
                        .filter(|(_, s)| !top || top_level(self, s))
                        .min_by_key(|(_, s)| (s.seen, s.seq))
                        .map(|(i, _)| i)
                };
                let victim = oldest_finished
                    .or_else(|| least_active(true))
                    .or_else(|| least_active(false));
                match victim {
                    Some(i) => self.evict(i),
                    None => break,
                }
            }
        }
        self.core.runs.compact();
    }

    /// Evicts the run at `position` and every run nested in it.
    fn evict(&mut self, position: usize) {
        let Some(root) = self.core.runs.get(position) else {
            return;
        };
        let dialect = root.run.dialect;
        let mut family = vec![root.run.id.clone()];
        let mut positions = vec![position];
        // Nested runs name their parent; a family is a handful of runs.
        let mut i = 0;
        while i < family.len() {
            let parent = family[i].clone();
            for (p, s) in self.core.runs.positions() {
                if s.run.dialect == dialect
                    && s.run.parent_run.as_deref() == Some(&parent)
                    && !positions.contains(&p)
                {
                    positions.push(p);
                    family.push(s.run.id.clone());
                }
            }
            i += 1;
        }
        // The instants of this call (no extra clock reading): durations of
        // runs still going end at the latest event; gauges are not counted.
        let now = self
            .core
            .last_at
            .or(self.arrival)
            .unwrap_or(Timestamp::EPOCH);
        for p in positions {
            if let Some(slot) = self.core.runs.get(p) {
                let detail = self.detail(slot, now, now);
                self.evicted_totals.add_run(&detail, false);
            }
            if let Some(slot) = self.core.runs.remove(p) {
                self.evicted.runs += 1;
                self.evicted.steps += slot.run.steps.len() as u64;
                if !slot.run.status.is_terminal() {
                    self.evicted.unfinished += 1;
                }
                self.core.swamp.forget_run(&slot.run.id);
            }
        }
    }
}

impl Timestamp {
    /// `self` plus `ms`, when that is still an instant.
    fn plus_millis(self, ms: i64) -> Option<Timestamp> {
        Timestamp::from_millis(self.millis().saturating_add(ms)).ok()
    }
}
