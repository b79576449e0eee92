//! What is wrong with an option, and where.

/// A bad option: its path (`options.stepThresholdsMs.build`) and what was
/// expected there (`a non-negative number of milliseconds`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {}", self.what())]
pub struct ConfigError {
    pub path: String,
    /// What the value should have been; `None` for a key that is no option.
    pub expected: Option<String>,
    /// For a key that is no option: the keys that are.
    pub known: Vec<String>,
}

impl ConfigError {
    pub fn new(path: impl Into<String>, expected: impl Into<String>) -> Self {
        ConfigError {
            path: path.into(),
            expected: Some(expected.into()),
            known: Vec::new(),
        }
    }

    /// A key at `path` that is none of `known`.
    pub fn unknown(path: impl Into<String>, known: &[&str]) -> Self {
        ConfigError {
            path: path.into(),
            expected: None,
            known: known.iter().map(|k| k.to_string()).collect(),
        }
    }

    fn what(&self) -> String {
        match &self.expected {
            Some(e) => format!("expected {e}"),
            None => format!("no such option (the options are {})", self.known.join(", ")),
        }
    }
}
