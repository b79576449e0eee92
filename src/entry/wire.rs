//! swamp's HTTP ingest envelope (`HttpTelemetrySender.sendBatch`).
//!
//! The envelope is built from typed structs, not a JSON map, so that the keys keep
//! wire order when serialised to JSON text or to a JS object.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use super::TelemetryEntry;

/// The event name of every entry, parent or child.
pub const CLI_INVOCATION: &str = "cli_invocation";

/// Who the entries belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireIdentity {
    /// The user's (or repository's) UUID, sent as `distinct_id`.
    pub distinct_id: String,
    /// Sent as `properties.$repo_id`, only when non-empty.
    pub repo_id: Option<String>,
}

/// One event object: `{event, distinct_id, properties}` where `properties` is the
/// entry's data followed by `$repo_id` when there is one.
#[derive(Debug, Clone, Serialize)]
pub struct WireEvent<'a> {
    pub event: &'static str,
    pub distinct_id: &'a str,
    pub properties: Properties<'a>,
}

/// An entry's data with `$repo_id` appended.
#[derive(Debug, Clone)]
pub struct Properties<'a> {
    entry: &'a TelemetryEntry,
    repo_id: Option<&'a str>,
}

impl Serialize for Properties<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Re-emit the entry's own fields through a map so `$repo_id` can follow them.
        let mut map = s.serialize_map(None)?;
        self.entry.serialize_fields(&mut map)?;
        if let Some(repo) = self.repo_id {
            map.serialize_entry("$repo_id", repo)?;
        }
        map.end()
    }
}

/// The request body: one entry is sent as the bare event object, any other
/// number as `{"events": [...]}` (including `{"events": []}` for none).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum WireBody<'a> {
    Single(WireEvent<'a>),
    Batch { events: Vec<WireEvent<'a>> },
}

pub fn wire_event<'a>(entry: &'a TelemetryEntry, who: &'a WireIdentity) -> WireEvent<'a> {
    WireEvent {
        event: CLI_INVOCATION,
        distinct_id: &who.distinct_id,
        properties: Properties {
            entry,
            repo_id: who.repo_id.as_deref().filter(|r| !r.is_empty()),
        },
    }
}

pub fn to_wire<'a>(entries: &'a [TelemetryEntry], who: &'a WireIdentity) -> WireBody<'a> {
    match entries {
        [only] => WireBody::Single(wire_event(only, who)),
        _ => WireBody::Batch {
            events: entries.iter().map(|e| wire_event(e, who)).collect(),
        },
    }
}
