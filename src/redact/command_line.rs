//! Command-line redaction for direct CLI invocations (swamp's `extractCommandInfo`).
//!
//! Three phases over argv:
//! 1. before the command: global options are kept (exact match), every other
//!    option is dropped; the first non-option token is the command;
//! 2. before the subcommand: global options are appended (exact match, no
//!    dedupe), other options go to `optionKeys` as the part before `=`; the next
//!    non-option token is the subcommand;
//! 3. the rest: options are recorded as the part before `=`, deduplicated, in
//!    `globalOptions` or `optionKeys`; positionals are kept only where the
//!    command's argument schema says `categorical`, else `<REDACTED>`.
//!
//! In every phase an option that is not a known boolean flag swallows the next
//! token as its value when that token does not start with `-`. Option values are
//! never recorded. The quirks are kept on purpose for wire parity: `--opt=value`
//! still swallows the next positional, and an unknown boolean flag followed by a
//! positional drops that positional.

use crate::entry::{CommandInvocation, REDACTED};

/// How a positional argument is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// Kept verbatim: a value from a small, known set (`run`, `create`).
    Categorical,
    /// Replaced by `<REDACTED>`.
    Redact,
}

/// Argument schemas, global options and boolean flags of a CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSchema {
    /// Keyed by `"command subcommand"`, or `"command"` for commands without
    /// one (the last of a repeated key counts). A list, not a map: a CLI has
    /// a few dozen, looked up once per invocation, and a map type of its own
    /// cost the wasm about 1 KB gzipped.
    pub arg_schemas: Vec<(String, Vec<ArgKind>)>,
    /// Options recorded in `globalOptions`.
    pub global_options: Vec<String>,
    /// Options that take no value (in addition to the global options).
    pub boolean_flags: Vec<String>,
}

impl CommandSchema {
    /// swamp's schemas, global set and boolean flags.
    pub fn swamp() -> Self {
        use ArgKind::{Categorical as C, Redact as R};
        let arg_schemas = [
            ("model create", vec![C, R]),
            ("model method", vec![C, R, C]),
            ("model output", vec![C, R]),
            ("vault create", vec![C, R]),
            ("type describe", vec![C]),
            ("workflow history", vec![C, R]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let global_options = [
            "--json",
            "-q",
            "--quiet",
            "-v",
            "--verbose",
            "--no-telemetry",
            "--no-color",
            "--show-properties",
        ]
        .map(String::from)
        .to_vec();
        let boolean_flags = [
            "--force",
            "-f",
            "--help",
            "-h",
            "--version",
            "-V",
            "--dry-run",
            "--all",
            "-a",
            "--yes",
            "-y",
            "--check",
            "--verify",
            "--prune",
            "--streaming",
            "--last-evaluated",
        ]
        .map(String::from)
        .to_vec();
        CommandSchema {
            arg_schemas,
            global_options,
            boolean_flags,
        }
    }

    /// The argument schema of `"command subcommand"`.
    pub fn arg_schema(&self, key: &str) -> Option<&Vec<ArgKind>> {
        self.arg_schemas
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    fn is_global(&self, token: &str) -> bool {
        self.global_options.iter().any(|g| g == token)
    }

    fn is_boolean(&self, token: &str) -> bool {
        self.is_global(token) || self.boolean_flags.iter().any(|b| b == token)
    }
}

impl Default for CommandSchema {
    fn default() -> Self {
        CommandSchema::swamp()
    }
}

fn option_key(token: &str) -> &str {
    token.split('=').next().unwrap_or(token)
}

/// Redacts a direct invocation's argv (without the program name).
pub fn redact_invocation(argv: &[String], schema: &CommandSchema) -> CommandInvocation {
    let mut global_options: Vec<String> = Vec::new();
    let mut option_keys: Vec<String> = Vec::new();
    let mut command: Option<String> = None;
    let mut subcommand: Option<String> = None;
    let mut args: Vec<String> = Vec::new();
    let mut positional = 0usize;
    let mut kinds: Option<&Vec<ArgKind>> = None;

    let mut i = 0;
    while i < argv.len() {
        let token = argv[i].as_str();
        if token.starts_with('-') {
            match (&command, &subcommand) {
                (None, _) => {
                    if schema.is_global(token) {
                        global_options.push(token.to_string());
                    }
                }
                (Some(_), None) => {
                    if schema.is_global(token) {
                        global_options.push(token.to_string());
                    } else {
                        option_keys.push(option_key(token).to_string());
                    }
                }
                (Some(_), Some(_)) => {
                    let key = option_key(token);
                    let list = if schema.is_global(key) {
                        &mut global_options
                    } else {
                        &mut option_keys
                    };
                    if !list.iter().any(|k| k == key) {
                        list.push(key.to_string());
                    }
                }
            }
            let next_is_value = argv.get(i + 1).is_some_and(|n| !n.starts_with('-'));
            if next_is_value && !schema.is_boolean(token) {
                i += 1;
            }
        } else if command.is_none() {
            command = Some(token.to_string());
        } else if subcommand.is_none() {
            subcommand = Some(token.to_string());
            let cmd = command.as_deref().unwrap_or("");
            kinds = schema.arg_schema(&format!("{cmd} {token}"));
        } else {
            let kind = kinds
                .and_then(|k| k.get(positional))
                .copied()
                .unwrap_or(ArgKind::Redact);
            args.push(match kind {
                ArgKind::Categorical => token.to_string(),
                ArgKind::Redact => REDACTED.to_string(),
            });
            positional += 1;
        }
        i += 1;
    }
    CommandInvocation::create(
        command.unwrap_or_default(),
        subcommand,
        args,
        option_keys,
        global_options,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn the_reference_example() {
        let inv = redact_invocation(
            &argv("--json workflow run NAME --repo-dir D --input {x} --skip-reports --skip-checks"),
            &CommandSchema::swamp(),
        );
        assert_eq!(inv.command, "workflow");
        assert_eq!(inv.subcommand.as_deref(), Some("run"));
        assert_eq!(inv.args, vec![REDACTED]);
        assert_eq!(
            inv.option_keys,
            vec!["--repo-dir", "--input", "--skip-reports", "--skip-checks"]
        );
        assert_eq!(inv.global_options, vec!["--json"]);
    }
}
