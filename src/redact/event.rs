//! An event as it may be passed on (a live stream): what the parameter
//! filter matches masked everywhere, and for swamp events the model name
//! redacted and every model name seen scrubbed from error text, as in the
//! child entries.

use serde_json::Value;

use super::filter::ParameterFilter;
use super::scrub;

/// `event` redacted: every payload key `filter` matches masked, `key=value`
/// secrets in free text masked; for a swamp event (one with `kind`) its
/// `modelName` replaced, its `methodName` made safe, and `models` (every
/// model name seen) plus its own scrubbed from `error` and `error.message`.
pub fn redact_event<'m>(
    filter: &ParameterFilter,
    models: impl Iterator<Item = &'m str>,
    event: &Value,
) -> Value {
    let mut v = filter.redact_value(event);
    let Value::Object(map) = &mut v else {
        return v;
    };
    if !map.contains_key("kind") {
        return v;
    }
    let own = map
        .get("modelName")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut names: Vec<Option<&str>> = models.map(Some).collect();
    names.push(own.as_deref());
    let scrub_text = |text: &str| scrub::error_message(text, &names);
    if let Some(Value::String(e)) = map.get("error") {
        let scrubbed = scrub_text(e);
        map.insert("error".into(), Value::String(scrubbed));
    }
    if let Some(Value::Object(err)) = map.get_mut("error") {
        if let Some(Value::String(m)) = err.get("message") {
            let scrubbed = scrub_text(m);
            err.insert("message".into(), Value::String(scrubbed));
        }
    }
    if let Some(Value::String(m)) = map.get("modelName") {
        if !m.is_empty() {
            map.insert(
                "modelName".into(),
                Value::String(crate::entry::REDACTED.into()),
            );
        }
    }
    if let Some(Value::String(m)) = map.get("methodName") {
        let safe = scrub::method_name(m).to_string();
        map.insert("methodName".into(), Value::String(safe));
    }
    v
}
