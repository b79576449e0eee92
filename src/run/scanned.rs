//! A plain event line's top-level fields, as the event scanner picks them out
//! (the run model's NDJSON fast path).
//!
//! Why: building a `serde_json::Value` per line (a map, a string per key and
//! per value) and dropping it again was about a third of the run model's
//! ingestion. The scanner (`crate::event::scan`) validates the whole line in
//! one pass and hands over each top-level string, number and literal borrowed
//! from the text. Top-level arrays and objects (payloads, `jobs`) are parsed by
//! serde_json as they are found, exactly as the slow path parses them, so
//! whatever it refuses in them (a number out of range, a lone surrogate) sends
//! the line to the slow path too. A line the scanner does not handle (an
//! escaped string, a fraction, deep nesting, any syntax error) is read through
//! serde_json as before, which therefore decides every error.

use std::borrow::Cow;

use serde_json::Value;

use crate::event::field::Field;
use crate::event::scan::{scan_object, FieldSlots};
use crate::event::RawFields;

/// The top-level members of one line, in order. Reused from line to line.
#[derive(Debug, Default)]
pub struct ScannedFields<'a> {
    members: Vec<Member<'a>>,
}

#[derive(Debug)]
struct Member<'a> {
    key: &'a str,
    /// The scanner's reading (always set once a scan succeeds).
    field: Option<Field<'a>>,
    /// The value's JSON text; none for a scalar read from an object
    /// ([`ScannedFields::fill`]).
    text: Option<&'a str>,
    /// An array or object, parsed.
    nested: Option<Value>,
}

/// One member's value: the scanner's reading, its JSON text when it came
/// from text, and for an array or object the parsed value.
pub type Scanned<'s, 'a> = (&'s Field<'a>, Option<&'a str>, Option<&'s Value>);

/// One top-level member of an event read from an object rather than text
/// (`RunModel.ingest(object)`): its key, its value, and for an array or
/// object the JSON text of that value.
pub type ObjectMember<'a> = (&'a str, Field<'a>, Option<&'a str>);

impl<'a> ScannedFields<'a> {
    /// Reads `line` (one JSON object, nesting at most `max_depth`); false when
    /// the line must take the serde_json path instead.
    pub fn scan(&mut self, line: &'a str, max_depth: usize) -> bool {
        self.members.clear();
        if scan_object(line, max_depth, self).is_none() {
            return false;
        }
        for m in &mut self.members {
            match &m.field {
                // The accessors rely on every string being borrowed.
                None | Some(Field::Str(Cow::Owned(_))) => return false,
                Some(Field::Array | Field::Object) => {
                    match serde_json::from_str(m.text.unwrap_or_default()) {
                        Ok(v) => m.nested = Some(v),
                        Err(_) => return false,
                    }
                }
                Some(_) => {}
            }
        }
        true
    }

    /// The members of an event read from an object, in its key order; false
    /// when an array or object's text is one serde_json refuses (the event
    /// then takes the serde_json path, which decides the error), or a member
    /// that should carry text has none.
    pub fn fill(&mut self, members: impl IntoIterator<Item = ObjectMember<'a>>) -> bool {
        self.members.clear();
        for (key, field, text) in members {
            let nested = match (&field, text) {
                // The event's own object is a level: serde_json's limit of
                // 128 counts it on the JSON path.
                (Field::Array | Field::Object, Some(text))
                    if crate::ndjson::too_deep(text, 127) =>
                {
                    return false
                }
                (Field::Array | Field::Object, Some(text)) => match serde_json::from_str(text) {
                    Ok(v) => Some(v),
                    Err(_) => return false,
                },
                (Field::Array | Field::Object, None) => return false,
                _ => None,
            };
            self.members.push(Member {
                key,
                field: Some(field),
                text,
                nested,
            });
        }
        true
    }

    /// The value under `key`: the last one when a key repeats, as serde_json
    /// and JSON.parse read it.
    pub fn get(&self, key: &str) -> Option<Scanned<'_, 'a>> {
        let m = self.members.iter().rev().find(|m| m.key == key)?;
        Some((m.field.as_ref()?, m.text, m.nested.as_ref()))
    }

    /// The keys of the line, each once.
    pub fn keys(&self) -> impl Iterator<Item = &'a str> + '_ {
        let members = &self.members;
        members
            .iter()
            .enumerate()
            .filter(move |(i, m)| !members[..*i].iter().any(|x| x.key == m.key))
            .map(|(_, m)| m.key)
    }

    /// The fields the swamp event vocabulary reads, as the bridge's own scan
    /// of the same line would fill them.
    pub fn raw_fields(&self) -> RawFields<'a> {
        let mut raw = RawFields::default();
        for m in &self.members {
            if let Some(slot) = raw.slot_for(m.key) {
                match (&m.field, m.text) {
                    // Read from an object: null, as JSON would carry it (a
                    // timestamp is refused before it gets here).
                    (Some(Field::Number(n)), None) if !n.is_finite() => *slot = Some(Field::Null),
                    (field, _) => slot.clone_from(field),
                }
            }
        }
        raw
    }
}

impl<'a> FieldSlots<'a> for ScannedFields<'a> {
    fn slot(&mut self, key: &'a str) -> Option<&mut Option<Field<'a>>> {
        self.members.push(Member {
            key,
            field: None,
            text: None,
            nested: None,
        });
        self.members.last_mut().map(|m| &mut m.field)
    }

    fn value_text(&mut self, text: &'a str) {
        if let Some(m) = self.members.last_mut() {
            m.text = Some(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_member_with_its_text_and_the_last_of_a_repeated_key() {
        let mut f = ScannedFields::default();
        let line = r#"{"a":"x","n":12,"o":{"k":[1,2]},"a":"y","z":null}"#;
        assert!(f.scan(line, 64));
        assert_eq!(
            f.get("a"),
            Some((&Field::Str(Cow::Borrowed("y")), Some(r#""y""#), None))
        );
        assert_eq!(f.get("n"), Some((&Field::Number(12.0), Some("12"), None)));
        let o = serde_json::json!({"k": [1, 2]});
        assert_eq!(
            f.get("o"),
            Some((&Field::Object, Some(r#"{"k":[1,2]}"#), Some(&o)))
        );
        assert_eq!(f.get("z"), Some((&Field::Null, Some("null"), None)));
        assert_eq!(f.get("missing"), None);
    }

    #[test]
    fn leaves_unusual_lines_to_serde_json_and_forgets_the_last_line() {
        let mut f = ScannedFields::default();
        assert!(f.scan(r#"{"a":1}"#, 64));
        for line in [
            r#"{"a":"x\"y"}"#,
            r#"{"a":1.5}"#,
            r#"{"a":[[1]]}"#,
            r#"{"a":1} x"#,
            r#"[1]"#,
            // Valid JSON serde_json refuses: the whole line takes its path.
            r#"{"a":{"n":1e400}}"#,
            r#"{"a":["\ud800"]}"#,
        ] {
            assert!(!f.scan(line, 2), "{line}");
        }
        assert!(f.scan("{}", 64));
        assert_eq!(f.get("a"), None);
    }
}
