//! A query for a page of runs.

use serde_json::Value;

use super::reading::{choice, options, At, Read};
use super::values::PositiveInt;
use super::{Config, ConfigError};
use crate::run::{is_status_name, RunQuery};

/// Runs per page at most.
pub const MAX_LIMIT: usize = 10_000;

choice! {
    /// Newest or oldest first.
    pub enum Order {
        Newest = "newest",
        Oldest = "oldest",
    }
}

options! {
    /// `runs(query)`.
    pub struct QueryConfig {
        pub limit: Option<PositiveInt> = "limit",
        pub cursor: Option<String> = "cursor",
        pub order: Option<Order> = "order",
        /// Statuses, as an array or comma-separated.
        pub status: Option<Statuses> = "status",
        pub workflow: Option<String> = "workflow",
        pub correlation: Option<String> = "correlation",
        pub source: Option<String> = "source",
        pub top_level: Option<bool> = "topLevel",
    }
}

/// Run statuses, as an array or one comma-separated string.
#[derive(Debug, Clone, Default)]
pub struct Statuses(pub Vec<String>);

impl Read for Statuses {
    #[inline(never)]
    fn read(value: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        match value {
            Value::String(s) => Ok(Statuses(s.split(',').map(str::to_string).collect())),
            v => super::Strings::read(v, at).map(|s| Statuses(s.0)),
        }
    }
}

impl Config for QueryConfig {
    fn validate(&self, name: &str) -> Result<(), ConfigError> {
        let statuses = self.status.as_ref().map_or(&[][..], |s| &s.0[..]);
        if let Some(bad) = statuses.iter().find(|s| !is_status_name(s)) {
            return Err(ConfigError::new(
                format!("{name}.status"),
                format!("run statuses (pending, queued, running, waiting, completed, failed, cancelled, abandoned, stalled), not {bad:?}"),
            ));
        }
        self.cursor().map(|_| ()).map_err(|_| {
            ConfigError::new(format!("{name}.cursor"), "a cursor from a previous page")
        })
    }
}

impl QueryConfig {
    fn cursor(&self) -> Result<Option<u64>, std::num::ParseIntError> {
        match self.cursor.as_deref() {
            None | Some("") => Ok(None),
            Some(c) => c.parse().map(Some),
        }
    }

    pub fn build(self) -> RunQuery {
        RunQuery {
            limit: self.limit.map_or(100, |n| n.0).min(MAX_LIMIT),
            cursor: self.cursor().ok().flatten(),
            oldest_first: self.order == Some(Order::Oldest),
            status: self.status.map(|s| s.0).unwrap_or_default(),
            workflow: self.workflow,
            correlation: self.correlation,
            source: self.source,
            top_level: self.top_level.unwrap_or(false),
        }
    }
}
