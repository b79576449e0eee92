//! The package's functions: `toWire`, `decodeEntry`, `redactInvocation`
//! (in the bridge-only build too: their options are read by hand, as the
//! bridge's are).

use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;

use super::errors::{argument_error, decode_error};
use super::interop::{entry_js, parse_json_bytes, strings, to_json, Options};
use crate::entry::{self, TelemetryEntry, WireIdentity};
use crate::redact::{redact_invocation, ArgKind, CommandSchema};

/// Wraps entries in swamp's ingest envelope.
#[wasm_bindgen(js_name = toWire)]
pub fn to_wire(entries: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    if !Array::is_array(&entries) {
        return Err(argument_error("entries", "an array of entries"));
    }
    let o = Options::new(&options, "options", true)?;
    let who = WireIdentity {
        distinct_id: o.string("distinctId")?,
        repo_id: o.opt_string("repoId")?,
    };
    let decoded = decode_entries(&entries)?;
    let mut text = Vec::with_capacity(512 * decoded.len());
    entry::to_wire(&decoded, &who).write_json(&mut text);
    parse_json_bytes(text)
}

fn decode_entries(entries: &JsValue) -> Result<Vec<TelemetryEntry>, JsValue> {
    let arr: &Array = entries.unchecked_ref();
    arr.iter()
        .enumerate()
        .map(|(i, v)| {
            let data = to_json(v, &format!("entries[{i}]"))?;
            TelemetryEntry::from_data(&data).map_err(|mut e| {
                e.path = format!("entries[{i}].{}", e.path);
                decode_error(&e)
            })
        })
        .collect()
}

/// Validates entry data and returns it in canonical form.
#[wasm_bindgen(js_name = decodeEntry)]
pub fn decode_entry(data: JsValue) -> Result<JsValue, JsValue> {
    let data = to_json(data, "data")?;
    let entry = TelemetryEntry::from_data(&data).map_err(|e| decode_error(&e))?;
    Ok(entry_js(&entry.as_entry_ref()))
}

/// Redacts a direct CLI invocation's argv.
#[wasm_bindgen(js_name = redactInvocation)]
pub fn redact_invocation_js(argv: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let argv = strings(&argv, "argv")?;
    let o = Options::new(&options, "options", false)?;
    let mut schema = CommandSchema::swamp();
    let schemas = o.get("argSchemas");
    if !(schemas.is_undefined() || schemas.is_null()) {
        schema.arg_schemas = arg_schemas(&schemas)?;
    }
    if let Some(g) = o.opt_strings("globalOptions")? {
        schema.global_options = g;
    }
    if let Some(b) = o.opt_strings("booleanFlags")? {
        schema.boolean_flags = b;
    }
    let mut text = Vec::with_capacity(256);
    redact_invocation(&argv, &schema).write_json(&mut text);
    parse_json_bytes(text)
}

fn arg_schemas(v: &JsValue) -> Result<Vec<(String, Vec<ArgKind>)>, JsValue> {
    const PATH: &str = "options.argSchemas";
    if !v.is_object() || Array::is_array(v) {
        return Err(argument_error(PATH, "an object of argument schemas"));
    }
    let mut out = Vec::new();
    for pair in Object::entries(v.unchecked_ref()).iter() {
        let pair: Array = pair.unchecked_into();
        let key = pair.get(0).as_string().unwrap_or_default();
        let path = format!("{PATH}.{key}");
        let kinds = strings(&pair.get(1), &path)?
            .iter()
            .enumerate()
            .map(|(i, k)| match k.as_str() {
                "categorical" => Ok(ArgKind::Categorical),
                "redact" => Ok(ArgKind::Redact),
                _ => Err(argument_error(
                    &format!("{path}[{i}]"),
                    "one of categorical, redact",
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        out.push((key, kinds));
    }
    Ok(out)
}
