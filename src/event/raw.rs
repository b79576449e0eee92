//! The first pass over an event: every field the vocabulary knows, read leniently
//! in one pass, whatever the kind. Unknown fields are skipped without being
//! materialised, so extra payload (`jobs`, `dataHandles`, method output) costs
//! only the scan.

use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::field::{Field, JsonType, Key};
use super::scan::FieldSlots;

/// The names of [`RawFields`]' slots, in declaration order: what a reader of
/// an event from elsewhere than JSON text reads (`observe(object)`'s, in
/// `src/wasm/event_reader.rs`). Held to the slots by a test below.
pub const FIELD_NAMES: [&str; 16] = [
    "kind",
    "timestamp",
    "runId",
    "parentRunId",
    "workflowName",
    "jobId",
    "stepId",
    "modelName",
    "modelType",
    "methodName",
    "driver",
    "error",
    "errorType",
    "userError",
    "allowedFailure",
    "executor",
];

/// The known fields of a canonical workflow event, as found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RawFields<'a> {
    pub kind: Option<Field<'a>>,
    pub timestamp: Option<Field<'a>>,
    pub run_id: Option<Field<'a>>,
    pub parent_run_id: Option<Field<'a>>,
    pub workflow_name: Option<Field<'a>>,
    pub job_id: Option<Field<'a>>,
    pub step_id: Option<Field<'a>>,
    pub model_name: Option<Field<'a>>,
    pub model_type: Option<Field<'a>>,
    pub method_name: Option<Field<'a>>,
    pub driver: Option<Field<'a>>,
    pub error: Option<Field<'a>>,
    pub error_type: Option<Field<'a>>,
    pub user_error: Option<Field<'a>>,
    pub allowed_failure: Option<Field<'a>>,
    pub executor: Option<Field<'a>>,
}

impl<'a> FieldSlots<'a> for RawFields<'a> {
    #[inline(always)]
    fn slot(&mut self, key: &'a str) -> Option<&mut Option<Field<'a>>> {
        self.slot_for(key)
    }
}

impl<'a> RawFields<'a> {
    /// The slot for `key` (any lifetime: the serde visitor's keys are its own).
    /// Dispatches on the key's length first: one comparison per key instead
    /// of one per known name (string `match` arms are compared in turn).
    pub fn slot_for(&mut self, key: &str) -> Option<&mut Option<Field<'a>>> {
        let slot = match key.len() {
            4 => (key == "kind", &mut self.kind),
            5 => match key.as_bytes()[0] {
                b'r' => (key == "runId", &mut self.run_id),
                b'j' => (key == "jobId", &mut self.job_id),
                _ => (key == "error", &mut self.error),
            },
            6 if key == "stepId" => (true, &mut self.step_id),
            6 => (key == "driver", &mut self.driver),
            8 => (key == "executor", &mut self.executor),
            9 => match key.as_bytes()[0] {
                b't' => (key == "timestamp", &mut self.timestamp),
                b'e' => (key == "errorType", &mut self.error_type),
                b'u' => (key == "userError", &mut self.user_error),
                _ if key == "modelName" => (true, &mut self.model_name),
                _ => (key == "modelType", &mut self.model_type),
            },
            10 => (key == "methodName", &mut self.method_name),
            11 => (key == "parentRunId", &mut self.parent_run_id),
            12 => (key == "workflowName", &mut self.workflow_name),
            14 => (key == "allowedFailure", &mut self.allowed_failure),
            _ => return None,
        };
        slot.0.then_some(slot.1)
    }
}

/// An event as read: its known fields, or the JSON type it had instead of an object.
/// It lives on the stack for one event; boxing the large variant would cost an
/// allocation per event on the hot path.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum RawEvent<'a> {
    Object(RawFields<'a>),
    NotAnObject(JsonType),
}

impl<'de> Deserialize<'de> for RawEvent<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawEvent<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut r = RawFields::default();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let Some(slot) = r.slot_for(&key) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            // A repeated key: the last one wins, as in JSON.parse.
            *slot = Some(map.next_value::<Field<'de>>()?);
        }
        Ok(RawEvent::Object(r))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(RawEvent::NotAnObject(JsonType::Array))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(RawEvent::NotAnObject(JsonType::Null))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(RawEvent::NotAnObject(JsonType::Null))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(RawEvent::NotAnObject(JsonType::Boolean))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(RawEvent::NotAnObject(JsonType::Number))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(RawEvent::NotAnObject(JsonType::Number))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(RawEvent::NotAnObject(JsonType::Number))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(RawEvent::NotAnObject(JsonType::String))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every known key reaches its own slot (named here independently of
    /// `slot`), and near misses reach none.
    #[test]
    fn each_known_key_has_its_slot() {
        type Get = for<'r> fn(&'r RawFields<'static>) -> &'r Option<Field<'static>>;
        let keys: [(&str, Get); 16] = [
            ("kind", |r| &r.kind),
            ("timestamp", |r| &r.timestamp),
            ("runId", |r| &r.run_id),
            ("parentRunId", |r| &r.parent_run_id),
            ("workflowName", |r| &r.workflow_name),
            ("jobId", |r| &r.job_id),
            ("stepId", |r| &r.step_id),
            ("modelName", |r| &r.model_name),
            ("modelType", |r| &r.model_type),
            ("methodName", |r| &r.method_name),
            ("driver", |r| &r.driver),
            ("error", |r| &r.error),
            ("errorType", |r| &r.error_type),
            ("userError", |r| &r.user_error),
            ("allowedFailure", |r| &r.allowed_failure),
            ("executor", |r| &r.executor),
        ];
        for (key, _) in keys {
            let mut r = RawFields::default();
            *r.slot(key).expect(key) = Some(Field::Bool(true));
            // The named field, and only it, was set.
            for (other, other_get) in keys {
                assert_eq!(other_get(&r).is_some(), other == key, "{key} set {other}");
            }
            // The same length and first letter, but not the key.
            let mut near = key.to_string();
            near.pop();
            near.push('_');
            assert!(RawFields::default().slot(&near).is_none(), "{near}");
        }
        let names: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
        assert_eq!(names, FIELD_NAMES, "FIELD_NAMES names every slot, in order");
        assert!(RawFields::default().slot("").is_none());
        assert!(RawFields::default().slot("Kind").is_none());
    }
}
