//! Pages of runs, filtered: what a host serves (`GET /runs` of the sidecar)
//! instead of the whole snapshot.

use serde::Serialize;

use super::status::RunStatus;
use super::{is_stalled, RunDetail, RunModel};
use crate::clock::Clock;

/// Which runs, and which page of them. Filters combine (all must match).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunQuery {
    /// Runs per page (at least 1).
    pub limit: usize,
    /// Where the previous page ended ([`RunPage::next_cursor`]).
    pub cursor: Option<u64>,
    /// Oldest first; newest first by default.
    pub oldest_first: bool,
    /// Any of these statuses (`stalled` matches stalled runs).
    pub status: Vec<String>,
    /// The workflow (run) name, exactly.
    pub workflow: Option<String>,
    /// The run's correlation id, or its parent's.
    pub correlation: Option<String>,
    /// The source, exactly (`""`: the default one).
    pub source: Option<String>,
    /// Only runs nested in no other.
    pub top_level: bool,
}

/// One page of runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunPage {
    pub runs: Vec<RunDetail>,
    /// Pass as `cursor` for the next page; `None` on the last one.
    pub next_cursor: Option<String>,
    /// Runs that match the filters, over every page.
    pub total: usize,
}

/// A status name the query understands.
pub fn is_status_name(s: &str) -> bool {
    s == "stalled"
        || [
            RunStatus::Pending,
            RunStatus::Queued,
            RunStatus::Running,
            RunStatus::Waiting,
            RunStatus::Completed,
            RunStatus::Failed,
            RunStatus::Cancelled,
            RunStatus::Abandoned,
        ]
        .iter()
        .any(|x| x.as_str() == s)
}

impl<C: Clock> RunModel<C> {
    /// A page of the runs that match `q`, newest first unless asked.
    /// Cursors are the order runs were first seen in, so paging is stable
    /// while runs are added and evicted.
    pub fn runs_page(&mut self, q: &RunQuery) -> RunPage {
        let (now, clock) = self.instants();
        let stall = self.stall_after_ms;
        let matches = |s: &super::slot::RunSlot| {
            let r = &s.run;
            (q.status.is_empty()
                || q.status.iter().any(|st| {
                    st == r.status.as_str() || (st == "stalled" && is_stalled(s, stall, clock))
                }))
                && q.workflow.as_deref().is_none_or(|w| r.name == w)
                && q.correlation.as_deref().is_none_or(|c| {
                    r.correlation_id.as_deref() == Some(c)
                        || r.parent_correlation_id.as_deref() == Some(c)
                })
                && q.source
                    .as_deref()
                    .is_none_or(|src| r.source.as_deref().unwrap_or("") == src)
                && (!q.top_level || r.parent_run.is_none())
        };
        let slots: Vec<&super::slot::RunSlot> = if q.oldest_first {
            self.core.runs.iter().filter(|s| matches(s)).collect()
        } else {
            let mut v: Vec<_> = self.core.runs.iter().filter(|s| matches(s)).collect();
            v.reverse();
            v
        };
        let total = slots.len();
        let after = |seq: u64| match q.cursor {
            None => true,
            Some(c) if q.oldest_first => seq > c,
            Some(c) => seq < c,
        };
        let limit = q.limit.max(1);
        let mut page: Vec<&super::slot::RunSlot> = slots
            .into_iter()
            .filter(|s| after(s.seq))
            .take(limit + 1)
            .collect();
        let more = page.len() > limit;
        page.truncate(limit);
        let next_cursor = if more {
            page.last().map(|s| s.seq.to_string())
        } else {
            None
        };
        let runs = page.iter().map(|s| self.detail(s, now, clock)).collect();
        RunPage {
            runs,
            next_cursor,
            total,
        }
    }
}
