//! Which run an event belongs to, and when a run ends: the rules for one
//! source (one producer's stream of swamp events), written once. A bridge
//! keeps one [`RunTracker`]; the run model keeps one bridge per source and
//! applies what it decided ([`super::Routed`]), so the entries and the runs
//! can never disagree.
//!
//! The rules:
//! 1. **A root run** starts with a `started` while no run is active on the
//!    source. Step events without `runId` belong to it; so do step events
//!    that name it, or that arrived before its `started` naming it.
//! 2. **A root's `completed` or `error`** (without `runId`, or naming it) ends
//!    it and every run nested in it. Invocations still open are drained as
//!    errors ([`super::TERMINATED`]). The next `started` is a new root.
//! 3. **A `started` while a run is active is nested** only when it can be:
//!    it names an active run as `parentRunId`, or an active run (the innermost
//!    first) has an open step that runs no method, a workflow-task step: one
//!    with `step_started`, no `model_resolved`, no `method_executing` and no
//!    nested run yet (the latest such step, when there are several). A
//!    nested run ends with the step that hosts it, or with a `completed` or
//!    `error` naming it, and takes its own nested runs with it.
//! 4. **Otherwise the active run was abandoned** (its engine died and the
//!    source moved on): every run active on the source ends, its open
//!    invocations drained as errors ([`super::ABANDONED`]), and the new
//!    `started` is a root. The run model marks those runs `abandoned`, with a
//!    violation.
//! 5. **A step event of no active run** (after a root ended, before the next
//!    `started`) has no root: it waits, as steps before the first `started`
//!    always have (swamp's W11), and the next root adopts it. One naming a
//!    run keeps that run's id.
//!
//! A re-sent `started` for a run that is active changes nothing.

use std::rc::Rc;

use super::StepKey;

/// Workflow names by run id. A list, not a map: a root and its nested runs
/// are a handful, and a map type of its own cost the wasm about 2 KB.
type Names = Vec<(Rc<str>, Rc<str>)>;

fn name_of<'n>(names: &'n Names, id: &str) -> Option<&'n (Rc<str>, Rc<str>)> {
    names.iter().find(|(k, _)| &**k == id)
}

/// A run active on the source.
#[derive(Debug, Clone)]
pub struct Active {
    pub id: Rc<str>,
    /// The run it is nested in; `None` for the root.
    pub parent: Option<Rc<str>>,
    /// The step of the parent run that hosts it, when one was found.
    pub host: Option<StepKey>,
}

/// The runs of one source: the active ones, root first, and the names of
/// the runs of the current root and the one before it (bounded: a source
/// carries any number of runs one after another).
#[derive(Debug)]
pub struct RunTracker {
    active: Vec<Active>,
    names: Names,
    previous: Names,
    last_root: Option<Rc<str>>,
    empty: Rc<str>,
    /// Roots started, and runs abandoned, on this source.
    pub roots: u64,
    pub abandoned: u64,
}

impl Default for RunTracker {
    fn default() -> Self {
        RunTracker {
            active: Vec::new(),
            names: Names::new(),
            previous: Names::new(),
            last_root: None,
            empty: Rc::from(""),
            roots: 0,
            abandoned: 0,
        }
    }
}

impl RunTracker {
    /// The active root run.
    pub fn root(&self) -> Option<&Rc<str>> {
        self.active.first().map(|a| &a.id)
    }

    /// The latest root, active or ended.
    pub fn last_root(&self) -> Option<&Rc<str>> {
        self.last_root.as_ref()
    }

    pub fn active(&self) -> &[Active] {
        &self.active
    }

    pub fn is_active(&self, id: &str) -> bool {
        self.active.iter().any(|a| &*a.id == id)
    }

    /// The scope a step event is keyed under: `None` for the root run (no
    /// `runId`, or the root's), the named run otherwise.
    pub fn scope<'s>(&self, run_id: Option<&'s str>) -> Option<&'s str> {
        match run_id {
            Some(r) if self.root().map(|x| &**x) != Some(r) => Some(r),
            _ => None,
        }
    }

    /// The run id and workflow name of a scope, as known now: the root's for
    /// `None` (empty strings when no root is active: rule 5).
    pub fn resolve(&self, scope: Option<&str>) -> (Rc<str>, Rc<str>) {
        let id = match scope {
            None => match self.root() {
                Some(r) => r.clone(),
                None => return (self.empty.clone(), self.empty.clone()),
            },
            Some(s) => match self.active.iter().find(|a| &*a.id == s) {
                Some(a) => a.id.clone(),
                None => match name_of(&self.names, s) {
                    Some((k, _)) => k.clone(),
                    None => Rc::from(s),
                },
            },
        };
        let name = name_of(&self.names, &id)
            .or_else(|| name_of(&self.previous, &id))
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| self.empty.clone());
        (id, name)
    }

    /// `id` becomes the root (rule 1): names of the root before it are kept
    /// one root longer, for late events.
    pub fn start_root(&mut self, id: &str, name: &str) -> Rc<str> {
        let id: Rc<str> = Rc::from(id);
        self.previous = std::mem::take(&mut self.names);
        self.names.push((id.clone(), Rc::from(name)));
        self.active.clear();
        self.active.push(Active {
            id: id.clone(),
            parent: None,
            host: None,
        });
        self.last_root = Some(id.clone());
        self.roots += 1;
        id
    }

    /// `id` starts nested in the active run `parent` (rule 3).
    pub fn nest(
        &mut self,
        id: &str,
        name: &str,
        parent: Rc<str>,
        host: Option<StepKey>,
    ) -> Rc<str> {
        let id: Rc<str> = Rc::from(id);
        // First name wins, so a re-sent `started` cannot rename a run.
        if name_of(&self.names, &id).is_none() {
            self.names.push((id.clone(), Rc::from(name)));
        }
        self.active.push(Active {
            id: id.clone(),
            parent: Some(parent),
            host,
        });
        id
    }

    /// Every active run ends (rules 2 and 4): their ids, root first.
    pub fn end_all(&mut self) -> Vec<Rc<str>> {
        self.active.drain(..).map(|a| a.id).collect()
    }

    /// The active run `id` and the runs nested in it end: their ids, `id`
    /// first; their hosts, for the bridge to release.
    pub fn end_nested(&mut self, id: &str) -> Vec<Active> {
        let mut ended: Vec<Active> = Vec::new();
        let mut kept = Vec::with_capacity(self.active.len());
        for a in self.active.drain(..) {
            // Parents start before their children, so one pass finds all.
            let inside = &*a.id == id
                || a.parent
                    .as_ref()
                    .is_some_and(|p| ended.iter().any(|e| e.id == *p));
            if inside {
                ended.push(a);
            } else {
                kept.push(a);
            }
        }
        self.active = kept;
        ended
    }
}
