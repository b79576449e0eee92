//! What an ingest call and a snapshot are asked for.

use super::reading::options;
use super::{Config, ConfigError};

/// The longest source name: sources name producers, and a name is kept per
/// run and per source.
pub const MAX_SOURCE_BYTES: usize = 1024;

options! {
    /// `ingest`, `ingestNdjson`, `pushNdjson` and `endNdjson` options.
    pub struct IngestConfig {
        /// The stream (producer) the events belong to; `""`: the default one.
        pub source: Option<String> = "source",
        /// Hand back the child entries the events closed.
        pub entries: Option<bool> = "entries",
        /// Hand back each accepted event, redacted.
        pub events: Option<bool> = "events",
        /// `endNdjson`: drop an unfinished last line instead of reading it.
        pub discard: Option<bool> = "discard",
    }
}

impl Config for IngestConfig {
    fn validate(&self, name: &str) -> Result<(), ConfigError> {
        match &self.source {
            Some(s) if s.len() > MAX_SOURCE_BYTES => Err(ConfigError::new(
                format!("{name}.source"),
                "a string of at most 1024 bytes",
            )),
            _ => Ok(()),
        }
    }
}

impl IngestConfig {
    pub fn source(&self) -> &str {
        self.source.as_deref().unwrap_or("")
    }

    pub fn options(&self) -> crate::run::IngestOptions<'_> {
        crate::run::IngestOptions {
            source: self.source(),
            entries: self.entries.unwrap_or(false),
            events: self.events.unwrap_or(false),
        }
    }
}

options! {
    /// `snapshotJson(options)`.
    pub struct SnapshotConfig {
        /// Steps without their transitions, telemetry, inputs and results.
        pub lite: Option<bool> = "lite",
    }
}

impl Config for SnapshotConfig {}
