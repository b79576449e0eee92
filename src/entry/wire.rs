//! swamp's HTTP ingest envelope (`HttpTelemetrySender.sendBatch`).
//!
//! The envelope is built from typed structs, not a JSON map, so that the keys keep
//! wire order when serialised to JSON text or to a JS object.

use serde::ser::Serializer;
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
#[derive(Debug, Clone)]
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

impl Properties<'_> {
    /// The entry's own JSON, with `$repo_id` after its fields.
    fn write_json(&self, out: &mut Vec<u8>) {
        self.entry.as_entry_ref().write_json_then(out, |out| {
            if let Some(repo) = self.repo_id {
                super::json_text::member(out, "$repo_id", repo);
            }
        });
    }
}

impl WireEvent<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"event\":");
        super::json_text::string_json(out, self.event);
        super::json_text::member(out, "distinct_id", self.distinct_id);
        out.extend_from_slice(b",\"properties\":");
        self.properties.write_json(out);
        out.push(b'}');
    }
}

impl WireBody<'_> {
    /// The body as compact JSON (what `Serialize` writes, without serde).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            WireBody::Single(e) => e.write_json(out),
            WireBody::Batch { events } => {
                out.extend_from_slice(b"{\"events\":[");
                for (i, e) in events.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    e.write_json(out);
                }
                out.extend_from_slice(b"]}");
            }
        }
    }
}

impl Serialize for Properties<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        super::json_text::raw(s, |out| self.write_json(out))
    }
}

impl Serialize for WireEvent<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        super::json_text::raw(s, |out| self.write_json(out))
    }
}

impl Serialize for WireBody<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        super::json_text::raw(s, |out| self.write_json(out))
    }
}

/// The request body: one entry is sent as the bare event object, any other
/// number as `{"events": [...]}` (including `{"events": []}` for none).
#[derive(Debug, Clone)]
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
