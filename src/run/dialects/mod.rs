//! The dialect adapters, and every dialect the run model reads in one list:
//! its name, how its events are recognised, and its adapter.
//!
//! Adding a dialect is its adapter file here, its `mod` line, its variant in
//! [`Dialect`] and its entry in [`DIALECTS`]; the store, the exports, the
//! binding and the sidecar read dialects from this list.

use serde::Serialize;

use super::core::RunModelCore;
use super::input::{IngestError, Input};

mod github;
mod orchestrator;
mod swamp;
mod tasker;
pub mod tasker_states;

pub(crate) use swamp::SwampState;
pub use swamp::MAX_SOURCES;

/// Which vocabulary a run was described in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    /// swamp's workflow events (`kind`).
    Swamp,
    /// An orchestrator's `job.lifecycle.*` / `job.module.*` events.
    Orchestrator,
    /// Tasker's `task.*` / `step.*` events.
    Tasker,
    /// GitHub Actions' `workflow_run` and `workflow_job` webhook deliveries.
    GithubActions,
}

/// One dialect.
pub(crate) struct Spec {
    pub dialect: Dialect,
    /// As serialised, and as `run(id, dialect)` and `?dialect=` take it.
    pub name: &'static str,
    /// What its events look like, for the error about an event of none.
    pub events: &'static str,
    /// The event's name when it is one of this dialect's (`Ok(None)`: it is
    /// not); a wrong type where the dialect's name should be is an error.
    pub recognise: for<'v> fn(&Input<'v>) -> Result<Option<&'v str>, IngestError>,
    /// Applies an event of this dialect (validated whole before anything
    /// changes).
    pub ingest: fn(&mut RunModelCore, &Input<'_>, Option<usize>) -> Result<(), IngestError>,
}

/// The dialects, in the order events are recognised.
pub(crate) const DIALECTS: [&Spec; 4] = [
    &swamp::SPEC,
    &github::SPEC,
    &orchestrator::SPEC,
    &tasker::SPEC,
];

impl Dialect {
    /// Every dialect, in declaration order (as error messages list them).
    pub fn all() -> impl Iterator<Item = Dialect> {
        (0..DIALECTS.len())
            .filter_map(|i| DIALECTS.iter().map(|s| s.dialect).find(|d| d.index() == i))
    }

    pub(crate) fn spec(self) -> &'static Spec {
        DIALECTS
            .iter()
            .find(|s| s.dialect == self)
            .expect("every dialect is in DIALECTS")
    }

    /// Its name (`swamp`, `orchestrator`, `tasker`).
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The dialect of a name, if there is one.
    pub fn parse(name: &str) -> Option<Dialect> {
        DIALECTS.iter().find(|s| s.name == name).map(|s| s.dialect)
    }

    /// A number below `DIALECTS.len()`, its own (for tables indexed by
    /// dialect; the test below holds every variant to one entry).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The dialect and name of an event: the first dialect that recognises it.
pub(crate) fn recognise<'v>(input: &Input<'v>) -> Result<Option<(&'v str, Dialect)>, IngestError> {
    for spec in DIALECTS {
        if let Some(name) = (spec.recognise)(input)? {
            return Ok(Some((name, spec.dialect)));
        }
    }
    Ok(None)
}

/// What every dialect's events look like, for the error about an event of none.
pub(crate) fn described() -> String {
    let all: Vec<&str> = DIALECTS.iter().map(|s| s.events).collect();
    match all.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => all.join(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dialect_has_one_entry_and_its_own_index() {
        let mut seen = [false; DIALECTS.len()];
        for spec in DIALECTS {
            let i = spec.dialect.index();
            assert!(i < DIALECTS.len() && !seen[i], "{}", spec.name);
            seen[i] = true;
            assert_eq!(Dialect::parse(spec.name), Some(spec.dialect));
            assert_eq!(
                serde_json::to_value(spec.dialect).unwrap(),
                serde_json::Value::from(spec.name),
                "the serialised name is the name it parses from"
            );
        }
    }
}
