//! The state the dialect adapters share: the runs, the events that fit no
//! run, and what is known of the event being ingested (its source, its
//! instant, when it arrived).

use std::collections::VecDeque;
use std::rc::Rc;

use super::dialects::SwampState;
use super::model::{Dialect, Run, Violation};
use super::slot::RunSlot;
use super::store::RunStore;
use crate::bridge::BridgeConfig;
use crate::redact::filter::ParameterFilter;
use crate::time::Timestamp;

/// Events that fit no run are kept up to this many (the latest); the rest
/// are counted. A long-running sidecar fed garbage must not grow with it.
pub const MAX_ORPHANS: usize = 1000;

pub(crate) struct RunModelCore {
    pub filter: ParameterFilter,
    /// Stamped on the child telemetry entries of swamp runs.
    pub bridge_config: BridgeConfig,
    pub swamp: SwampState,
    /// The latest instant seen.
    pub last_at: Option<Timestamp>,
    /// Events that belong to no run (a `completed` for a run never started).
    pub orphans: VecDeque<Violation>,
    pub orphans_dropped: u64,
    pub runs: RunStore,
    /// The source of the event being ingested (`""`: the default one).
    pub source: Rc<str>,
    /// The instant of the event being ingested: its timestamp, or its arrival.
    pub event_at: Option<Timestamp>,
    /// When the event being ingested arrived, on the model's clock.
    pub seen: Option<Timestamp>,
}

impl RunModelCore {
    pub fn new(filter: ParameterFilter, bridge_config: BridgeConfig, swamp: SwampState) -> Self {
        RunModelCore {
            filter,
            bridge_config,
            swamp,
            last_at: None,
            orphans: VecDeque::new(),
            orphans_dropped: 0,
            runs: RunStore::default(),
            source: Rc::from(""),
            event_at: None,
            seen: None,
        }
    }

    /// Records an event that cannot be placed on any run.
    pub fn orphan(
        &mut self,
        event: &str,
        to: &str,
        message: String,
        at: Option<Timestamp>,
        line: Option<usize>,
    ) {
        if self.orphans.len() >= MAX_ORPHANS {
            self.orphans.pop_front();
            self.orphans_dropped += 1;
        }
        self.orphans.push_back(Violation {
            event: event.to_string(),
            line,
            step: None,
            from: None,
            to: to.to_string(),
            message,
            at,
        });
    }

    pub fn has_run(&self, dialect: Dialect, id: &str) -> bool {
        self.runs.position(dialect, id).is_some()
    }

    /// Where the run with this id in this dialect is held, if it is.
    pub fn run_position(&self, dialect: Dialect, id: &str) -> Option<usize> {
        self.runs.position(dialect, id)
    }

    /// The run with this id in this dialect, if known, not marked as having
    /// an event (what happens to it is not its own doing: it was abandoned).
    pub fn held_run(&mut self, dialect: Dialect, id: &str) -> Option<&mut RunSlot> {
        let i = self.runs.position(dialect, id)?;
        self.runs.get_mut(i)
    }

    /// The run with this id in this dialect, if known; marked as having an
    /// event now.
    pub fn existing_run(&mut self, dialect: Dialect, id: &str) -> Option<&mut RunSlot> {
        let i = self.runs.position(dialect, id)?;
        let (seen, at) = (self.seen, self.event_at);
        let slot = self.runs.get_mut(i)?;
        touch(slot, seen, at);
        Some(slot)
    }

    /// The run with this id in this dialect, created by `make` if new (from
    /// the event's source); marked as having an event now.
    pub fn run_slot(
        &mut self,
        dialect: Dialect,
        id: &str,
        make: impl FnOnce() -> Run,
    ) -> &mut RunSlot {
        let i = match self.runs.position(dialect, id) {
            Some(i) => i,
            None => {
                let mut run = make();
                if !self.source.is_empty() {
                    run.source = Some(self.source.to_string());
                }
                self.runs.insert(run)
            }
        };
        let (seen, at) = (self.seen, self.event_at);
        let slot = self.runs.get_mut(i).expect("held: just found or added");
        touch(slot, seen, at);
        slot
    }
}

fn touch(slot: &mut RunSlot, seen: Option<Timestamp>, at: Option<Timestamp>) {
    if seen.is_some() {
        slot.seen = seen;
    }
    if let Some(t) = at {
        slot.run.last_event_at = Some(slot.run.last_event_at.map_or(t, |l| l.max(t)));
    }
}
