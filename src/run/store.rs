//! The runs the model holds: in the order they were first seen, found by id
//! per dialect, and removed whole when retention evicts them.
//!
//! Why a slab (`Vec<Option<_>>`) and not a `Vec`: eviction takes finished
//! runs from anywhere (the oldest finished one may sit behind a run still
//! going), and shifting every later run and re-indexing them per eviction
//! made a 20,000-run stream quadratic. A removed run leaves a hole; the holes
//! are squeezed out once they outnumber the runs, which re-indexes once per
//! as many evictions as there are runs.

// foldhash, not SipHash: a lookup per event on short keys (as in the bridge).
use foldhash::HashMap;

use super::model::{Dialect, Run};
use super::slot::RunSlot;

#[derive(Default)]
pub(crate) struct RunStore {
    slots: Vec<Option<RunSlot>>,
    live: usize,
    next_seq: u64,
    /// Positions in `slots` by run id, one map per dialect.
    index: [HashMap<String, usize>; super::dialects::DIALECTS.len()],
}

fn dialect_index(dialect: Dialect) -> usize {
    dialect.index()
}

impl RunStore {
    /// Runs held.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Where the run with this id in this dialect is, if held. Positions stay
    /// valid until the next [`RunStore::compact`].
    pub fn position(&self, dialect: Dialect, id: &str) -> Option<usize> {
        self.index[dialect_index(dialect)].get(id).copied()
    }

    pub fn get(&self, position: usize) -> Option<&RunSlot> {
        self.slots.get(position)?.as_ref()
    }

    pub fn get_mut(&mut self, position: usize) -> Option<&mut RunSlot> {
        self.slots.get_mut(position)?.as_mut()
    }

    /// Adds a run (its id not held yet in its dialect); returns its position.
    pub fn insert(&mut self, run: Run) -> usize {
        let at = self.slots.len();
        let key = dialect_index(run.dialect);
        self.index[key].insert(run.id.clone(), at);
        let mut slot = RunSlot::new(run);
        slot.seq = self.next_seq;
        self.next_seq += 1;
        self.slots.push(Some(slot));
        self.live += 1;
        at
    }

    /// Every run held, in the order first seen.
    pub fn iter(&self) -> impl Iterator<Item = &RunSlot> {
        self.slots.iter().flatten()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut RunSlot> {
        self.slots.iter_mut().flatten()
    }

    /// Every run held with its position.
    pub fn positions(&self) -> impl Iterator<Item = (usize, &RunSlot)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| (i, s)))
    }

    /// Takes a run out.
    pub fn remove(&mut self, position: usize) -> Option<RunSlot> {
        let slot = self.slots.get_mut(position)?.take()?;
        self.index[dialect_index(slot.run.dialect)].remove(&slot.run.id);
        self.live -= 1;
        Some(slot)
    }

    /// Squeezes out the holes once they outnumber the runs (positions change).
    pub fn compact(&mut self) {
        let holes = self.slots.len() - self.live;
        if holes <= self.live.max(64) {
            return;
        }
        self.slots.retain(Option::is_some);
        for index in &mut self.index {
            index.clear();
        }
        for (i, slot) in self.slots.iter().enumerate() {
            if let Some(s) = slot {
                self.index[dialect_index(s.run.dialect)].insert(s.run.id.clone(), i);
            }
        }
        // Keep the capacity a steady stream needs (twice the runs, which the
        // holes refill before the next squeeze): shrinking it each time made
        // the next pushes grow it again, a block of the slab's size (about
        // 0.7 MB at 500 runs) reallocated once per cycle, and the heap grew
        // whenever no hole of that size happened to be free (a late growth
        // in bench/model-memory.mjs after an unrelated change moved things).
        // Shrunk only when far beyond that: the runs held fell for good.
        if self.slots.capacity() > self.live.max(64) * 8 {
            self.slots.shrink_to(self.live.max(64) * 2);
        }
    }
}
