//! The first pass over an event: every field the vocabulary knows, read leniently
//! in one pass, whatever the kind. Unknown fields are skipped without being
//! materialised, so extra payload (`jobs`, `dataHandles`, method output) costs
//! only the scan.

use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::field::{Field, JsonType, Key};

/// The known fields of a canonical workflow event, as found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RawFields<'a> {
    pub kind: Option<Field<'a>>,
    pub timestamp: Option<Field<'a>>,
    pub run_id: Option<Field<'a>>,
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
            let slot = match key.as_ref() {
                "kind" => &mut r.kind,
                "timestamp" => &mut r.timestamp,
                "runId" => &mut r.run_id,
                "workflowName" => &mut r.workflow_name,
                "jobId" => &mut r.job_id,
                "stepId" => &mut r.step_id,
                "modelName" => &mut r.model_name,
                "modelType" => &mut r.model_type,
                "methodName" => &mut r.method_name,
                "driver" => &mut r.driver,
                "error" => &mut r.error,
                "errorType" => &mut r.error_type,
                "userError" => &mut r.user_error,
                "allowedFailure" => &mut r.allowed_failure,
                "executor" => &mut r.executor,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
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
