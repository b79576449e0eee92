//! `CommandInvocationData`: what was run, with every free-form value redacted.

use serde_json::Value;

use super::decode::{DecodeError, Fields};

/// The literal that stands in for a redacted positional argument.
pub const REDACTED: &str = "<REDACTED>";

/// A command invocation as recorded in an entry. Keys serialise in wire order:
/// `command`, `args`, `optionKeys`, `globalOptions`, then `subcommand` only when
/// it is non-empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandInvocation {
    pub command: String,
    pub args: Vec<String>,
    pub option_keys: Vec<String>,
    pub global_options: Vec<String>,
    pub subcommand: Option<String>,
}

impl CommandInvocation {
    /// Builds an invocation, dropping an empty `subcommand` (the "truthy" rule).
    pub fn create(
        command: impl Into<String>,
        subcommand: Option<String>,
        args: Vec<String>,
        option_keys: Vec<String>,
        global_options: Vec<String>,
    ) -> Self {
        CommandInvocation {
            command: command.into(),
            args,
            option_keys,
            global_options,
            subcommand: subcommand.filter(|s| !s.is_empty()),
        }
    }

    /// The child invocation every bridge entry carries, whatever the step's inputs:
    /// what `swamp model method run <name> <method>` records, with the model name
    /// redacted and no option lists.
    pub fn model_method_run(method_name: &str) -> Self {
        CommandInvocation {
            command: "model".into(),
            args: vec!["run".into(), REDACTED.into(), method_name.into()],
            option_keys: Vec::new(),
            global_options: Vec::new(),
            subcommand: Some("method".into()),
        }
    }

    pub fn from_data(value: &Value, path: &str) -> Result<Self, DecodeError> {
        let f = Fields::new(value, path)?;
        Ok(CommandInvocation {
            command: f.string("command")?,
            args: f.strings("args")?,
            option_keys: f.strings("optionKeys")?,
            global_options: f.strings("globalOptions")?,
            subcommand: f.truthy_string("subcommand")?,
        })
    }
}

impl CommandInvocation {
    /// Appends the invocation as compact JSON, keys in wire order.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        super::json_text::invocation(out, self);
    }
}
