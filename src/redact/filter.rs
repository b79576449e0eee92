//! The parameter filter: redaction applied where payload data enters the run
//! model, so that no snapshot, export or viewer can show a filtered value.
//!
//! A key is filtered when it contains one of the substrings (case-insensitive)
//! or matches one of the regular expressions. Its value, whatever its type, is
//! replaced by the mask. Free text (error messages, reasons) is also scanned for
//! `key=value` and `key: value` pairs whose key is filtered, and the value is
//! masked there too, because secrets travel in error strings as often as in
//! payload keys.

use regex_lite::Regex;
use serde_json::{Map, Value};
use thiserror::Error;

/// Tasker's default `filter_parameters`.
pub const DEFAULT_FILTERS: [&str; 10] = [
    "passw",
    "email",
    "secret",
    "token",
    "_key",
    "crypt",
    "salt",
    "certificate",
    "otp",
    "ssn",
];
/// The default mask.
pub const DEFAULT_MASK: &str = "[REDACTED]";

/// A filter that could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("filterPatterns[{index}]: invalid regular expression: {reason}")]
pub struct FilterError {
    pub index: usize,
    pub reason: String,
}

/// Keys to mask, and the mask.
#[derive(Debug, Clone)]
pub struct ParameterFilter {
    substrings: Vec<String>,
    patterns: Vec<Regex>,
    mask: String,
    /// Lowercases a non-ASCII key for the substring test. A function chosen
    /// at construction rather than a branch, so that std's Unicode lowercase
    /// tables (about 11 KB) are linked only where a filter with non-ASCII
    /// substrings can be built: never in the bridge-only wasm.
    lower: fn(&str) -> String,
}

impl Default for ParameterFilter {
    fn default() -> Self {
        ParameterFilter {
            substrings: DEFAULT_FILTERS.iter().map(|s| s.to_string()).collect(),
            patterns: Vec::new(),
            mask: DEFAULT_MASK.to_string(),
            lower: lower_for_ascii_substrings,
        }
    }
}

impl ParameterFilter {
    /// A filter from key substrings (matched case-insensitively), regular
    /// expressions (matched against the key) and a mask.
    pub fn new(
        substrings: &[String],
        patterns: &[String],
        mask: &str,
    ) -> Result<Self, FilterError> {
        let patterns = patterns
            .iter()
            .enumerate()
            .map(|(index, p)| {
                Regex::new(p).map_err(|e| FilterError {
                    index,
                    reason: e.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let substrings: Vec<String> = substrings
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.to_lowercase())
            .collect();
        let lower = if substrings.iter().all(|s| s.is_ascii()) {
            lower_for_ascii_substrings
        } else {
            str::to_lowercase
        };
        Ok(ParameterFilter {
            substrings,
            patterns,
            mask: mask.to_string(),
            lower,
        })
    }

    pub fn mask(&self) -> &str {
        &self.mask
    }

    /// Whether values under `key` are masked.
    pub fn is_filtered(&self, key: &str) -> bool {
        let by_substring = if key.is_ascii() {
            // The substrings are lowercased at construction, so an ASCII key
            // is compared byte by byte, ASCII-lowercased, without a copy.
            self.substrings
                .iter()
                .any(|s| contains_ascii_lowercased(key.as_bytes(), s.as_bytes()))
        } else {
            let lower = (self.lower)(key);
            self.substrings.iter().any(|s| lower.contains(s.as_str()))
        };
        by_substring || self.patterns.iter().any(|p| p.is_match(key))
    }

    /// A copy of `value` with every filtered key's value masked, at any depth,
    /// and every string scanned as free text.
    pub fn redact_value(&self, value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let v = if self.is_filtered(k) {
                            Value::String(self.mask.clone())
                        } else {
                            self.redact_value(v)
                        };
                        (k.clone(), v)
                    })
                    .collect::<Map<String, Value>>(),
            ),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.redact_value(v)).collect())
            }
            Value::String(s) => Value::String(self.redact_text(s)),
            other => other.clone(),
        }
    }

    /// Free text with the value of every `key=value` or `key: value` pair whose
    /// key is filtered replaced by the mask. The value runs to the next
    /// whitespace, `,`, `;`, `&` or closing quote.
    pub fn redact_text(&self, text: &str) -> String {
        let bytes = text.as_bytes();
        if !bytes.iter().any(|&b| b == b'=' || b == b':') {
            // No pair to mask.
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            let sep = bytes[i];
            if sep == b'=' || sep == b':' {
                // The key is the identifier-ish run before the separator, possibly
                // quoted (`"password": "x"` in JSON embedded in an error).
                let mut key_end = i;
                while key_end > 0 && bytes[key_end - 1] == b' ' {
                    key_end -= 1;
                }
                if key_end > 0 && (bytes[key_end - 1] == b'"' || bytes[key_end - 1] == b'\'') {
                    key_end -= 1;
                }
                let mut k = key_end;
                while k > 0 && is_key_byte(bytes[k - 1]) {
                    k -= 1;
                }
                let key = &text[k..key_end];
                let mut v = i + 1;
                while v < bytes.len() && (bytes[v] == b' ' || bytes[v] == b'"' || bytes[v] == b'\'')
                {
                    v += 1;
                }
                if text[v..].starts_with(self.mask.as_str()) {
                    // Already masked: redaction is idempotent.
                    i = v + self.mask.len();
                    continue;
                }
                let mut end = v;
                while end < bytes.len() && !is_value_end(bytes[end]) {
                    end += 1;
                }
                if !key.is_empty() && end > v && self.is_filtered(key) {
                    out.push_str(&text[copied..v]);
                    out.push_str(&self.mask);
                    copied = end;
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
        out.push_str(&text[copied..]);
        out
    }
}

/// `key` lowercased as far as an ASCII substring can tell: exactly where
/// `str::to_lowercase` gives ASCII (ASCII letters, U+0130 and the Kelvin sign;
/// every other character lowercases to non-ASCII characters only, which a
/// test checks over all of Unicode), other characters kept as they are. An
/// ASCII substring is found in this if and only if it is found in
/// `key.to_lowercase()`, without std's lowercase tables.
fn lower_for_ascii_substrings(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 2);
    for c in key.chars() {
        match c {
            '\u{130}' => out.push_str("i\u{307}"),
            '\u{212A}' => out.push('k'),
            c => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

/// Whether `haystack`, ASCII-lowercased, contains `needle` (lowercase).
fn contains_ascii_lowercased(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || haystack.windows(needle.len()).any(|w| {
            w.iter()
                .zip(needle)
                .all(|(h, n)| h.to_ascii_lowercase() == *n)
        })
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.'
}

fn is_value_end(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b',' | b';' | b'&' | b'"' | b'\'' | b')' | b']' | b'}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn default_filter_masks_tasker_keys_at_any_depth() {
        let f = ParameterFilter::default();
        let v = json!({"card_token": "tok_1", "customer": {"Email": "a@b.c", "name": "Ada"},
                       "items": [{"api_key": 5, "sku": "x"}], "password_hint": null});
        let r = f.redact_value(&v);
        assert_eq!(
            r,
            json!({"card_token": "[REDACTED]", "customer": {"Email": "[REDACTED]", "name": "Ada"},
                   "items": [{"api_key": "[REDACTED]", "sku": "x"}], "password_hint": "[REDACTED]"})
        );
    }

    #[test]
    fn free_text_pairs_are_masked() {
        let f = ParameterFilter::default();
        assert_eq!(
            f.redact_text("auth failed: token=abc123, user=ada; api_key: \"k-9\" done"),
            "auth failed: token=[REDACTED], user=ada; api_key: \"[REDACTED]\" done"
        );
        assert_eq!(
            f.redact_text("plain message: nothing here"),
            "plain message: nothing here"
        );
    }

    #[test]
    fn keys_match_case_insensitively_ascii_or_not() {
        let f = ParameterFilter::new(&["Pass".into(), "clé".into()], &[], "*").unwrap();
        for key in [
            "PASSWORD",
            "my_pAsS",
            "pass",
            "MOT_DE_PASSE_É",
            "CLÉ",
            "la_clé",
        ] {
            assert!(f.is_filtered(key), "{key}");
        }
        for key in ["pas", "", "cle", "p_ass"] {
            assert!(!f.is_filtered(key), "{key}");
        }
    }

    #[test]
    fn only_u130_and_the_kelvin_sign_lowercase_from_non_ascii_to_ascii() {
        let gives_ascii: Vec<char> = ('\u{80}'..=char::MAX)
            .filter(|c| c.to_lowercase().any(|l| l.is_ascii()))
            .collect();
        assert_eq!(gives_ascii, ['\u{130}', '\u{212A}']);
        for c in gives_ascii {
            let s = c.to_string();
            assert_eq!(lower_for_ascii_substrings(&s), s.to_lowercase());
        }
    }

    #[test]
    fn ascii_substrings_match_as_under_full_unicode_lowercasing() {
        let ascii = ParameterFilter::default();
        let unicode = ParameterFilter {
            lower: str::to_lowercase,
            ..Default::default()
        };
        for key in [
            "PASSWORD_é",
            "\u{212A}EY_é",
            "API_\u{212A}EY",
            "\u{130}D_TO\u{212A}EN",
            "ŞECRET",
            "SECRET_Σ",
            "ﬀ_token",
            "émail",
            "E\u{301}MAIL",
            "TOKÉN",
            "ÖTP",
            "oтp",
            "",
        ] {
            assert_eq!(ascii.is_filtered(key), unicode.is_filtered(key), "{key}");
        }
        assert!(
            ascii.is_filtered("API_\u{212A}EY"),
            "the Kelvin sign lowercases to k"
        );
        assert!(!ascii.is_filtered("TOKÉN"));
    }

    #[test]
    fn custom_patterns_and_mask() {
        let f = ParameterFilter::new(&["pin".into()], &["^x-.*-id$".into()], "***").unwrap();
        let r = f.redact_value(&json!({"PIN": 1234, "x-tenant-id": "t", "token": "kept"}));
        assert_eq!(
            r,
            json!({"PIN": "***", "x-tenant-id": "***", "token": "kept"})
        );
        let e = ParameterFilter::new(&[], &["(".into()], "*").unwrap_err();
        assert_eq!(e.index, 0);
    }
}
