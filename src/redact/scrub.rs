//! Last-mile redaction of the two free-text values a child entry carries.

use crate::entry::REDACTED;

/// A method name as it may appear in `args[2]`. A raw task value can still be an
/// unresolved `${{ ... }}` expression (forEach steps that failed before
/// resolution, W7); expressions can embed inputs, so they are redacted whole.
pub fn method_name(name: &str) -> &str {
    if name.contains("${{") {
        REDACTED
    } else {
        name
    }
}

/// An error message with every whole-word occurrence of the model's name
/// replaced by `<REDACTED>`, so that "Model not found: my-model" cannot leak the
/// name that `args` redacts (W8). A word boundary is any character that is not
/// alphanumeric, `-` or `_`, so a short name does not mangle longer words.
pub fn error_message(message: &str, model_names: &[Option<&str>]) -> String {
    let mut out = message.to_string();
    for name in model_names
        .iter()
        .flatten()
        .filter(|n| !n.is_empty() && **n != REDACTED)
    {
        out = replace_words(&out, name);
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '_'
}

fn replace_words(text: &str, word: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(word) {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + word.len()..];
        let before_ok = out.chars().next_back().is_none_or(|c| !is_word(c));
        let after_ok = after.chars().next().is_none_or(|c| !is_word(c));
        out.push_str(if before_ok && after_ok {
            REDACTED
        } else {
            word
        });
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_in_method_names_are_redacted() {
        assert_eq!(method_name("fit"), "fit");
        assert_eq!(method_name("${{ inputs.method }}"), REDACTED);
    }

    #[test]
    fn model_names_are_scrubbed_as_whole_words() {
        assert_eq!(
            error_message("Model not found: my-model", &[Some("my-model")]),
            "Model not found: <REDACTED>"
        );
        assert_eq!(
            error_message("my-model: boom; my-model.", &[Some("my-model")]),
            "<REDACTED>: boom; <REDACTED>."
        );
        assert_eq!(
            error_message("a bad apple", &[Some("a")]),
            "<REDACTED> bad apple"
        );
        assert_eq!(
            error_message("my-models are fine", &[Some("my-model")]),
            "my-models are fine"
        );
        assert_eq!(error_message("nothing", &[None, Some("")]), "nothing");
        assert_eq!(error_message("xx x", &[Some("x")]), "xx <REDACTED>");
    }
}
