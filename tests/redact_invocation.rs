//! Command-line redaction of direct invocations (spec §2.9, swamp's
//! `extractCommandInfo`): the three phases, the value-skipping heuristic and
//! its two quirks, and argument schemas.
#![cfg(not(target_arch = "wasm32"))]

use workflow_telemetry::entry::CommandInvocation;
use workflow_telemetry::{redact_invocation, ArgKind, CommandSchema};

fn argv(tokens: &[&str]) -> Vec<String> {
    tokens.iter().map(|t| t.to_string()).collect()
}

/// The redacted invocation of `tokens` under swamp's schema, as wire JSON.
fn swamp(tokens: &[&str]) -> String {
    redacted(tokens, &CommandSchema::swamp())
}

fn redacted(tokens: &[&str], schema: &CommandSchema) -> String {
    serde_json::to_string(&redact_invocation(&argv(tokens), schema)).unwrap()
}

fn inv(
    command: &str,
    args: &[&str],
    option_keys: &[&str],
    globals: &[&str],
    sub: Option<&str>,
) -> String {
    serde_json::to_string(&CommandInvocation::create(
        command,
        sub.map(String::from),
        argv(args),
        argv(option_keys),
        argv(globals),
    ))
    .unwrap()
}

const R: &str = "<REDACTED>";

#[test]
fn the_reference_example() {
    let tokens = [
        "--json",
        "workflow",
        "run",
        "NAME",
        "--repo-dir",
        "D",
        "--input",
        r#"{"region": "us-east-1", "token": "s3cr3t"}"#,
        "--skip-reports",
        "--skip-checks",
    ];
    let got = swamp(&tokens);
    assert_eq!(
        got,
        r#"{"command":"workflow","args":["<REDACTED>"],"optionKeys":["--repo-dir","--input","--skip-reports","--skip-checks"],"globalOptions":["--json"],"subcommand":"run"}"#
    );
    for secret in ["NAME", "\"D\"", "us-east-1", "s3cr3t"] {
        assert!(!got.contains(secret), "{secret} leaked into {got}");
    }
}

#[test]
fn model_method_run_redacts_the_model_name_only() {
    let got = redact_invocation(
        &argv(&["model", "method", "run", "my-secret-model", "fit"]),
        &CommandSchema::swamp(),
    );
    assert_eq!(got.args, ["run", R, "fit"]);
    assert_eq!(got, CommandInvocation::model_method_run("fit"));
    assert_eq!(
        serde_json::to_string(&got).unwrap(),
        r#"{"command":"model","args":["run","<REDACTED>","fit"],"optionKeys":[],"globalOptions":[],"subcommand":"method"}"#
    );
}

#[test]
fn empty_argv_records_an_empty_command() {
    let got = redact_invocation(&[], &CommandSchema::swamp());
    assert_eq!(got.command, "");
    assert_eq!(got.subcommand, None);
    assert!(got.args.is_empty() && got.option_keys.is_empty() && got.global_options.is_empty());
    assert_eq!(
        serde_json::to_string(&got).unwrap(),
        r#"{"command":"","args":[],"optionKeys":[],"globalOptions":[]}"#
    );
}

// ---------------------------------------------------------------------------
// Phase 1: before the command
// ---------------------------------------------------------------------------

#[test]
fn phase_one_keeps_global_options_and_drops_the_others() {
    assert_eq!(
        swamp(&[
            "-v",
            "--repo-dir",
            "/tmp/repo",
            "--no-color",
            "--force",
            "model",
            "create",
            "command/shell",
            "my-model",
        ]),
        inv(
            "model",
            &["command/shell", R],
            &[],
            &["-v", "--no-color"],
            Some("create")
        )
    );
}

#[test]
fn phase_one_matches_global_options_exactly() {
    // `--json=1` is not `--json`: dropped, like any other non-global option.
    assert_eq!(
        swamp(&["--json=1", "-q", "workflow", "run", "wf"]),
        inv("workflow", &[R], &[], &["-q"], Some("run"))
    );
}

#[test]
fn phase_one_appends_every_global_option() {
    assert_eq!(
        swamp(&[
            "--json",
            "--quiet",
            "--verbose",
            "--no-telemetry",
            "--show-properties",
            "type",
            "describe",
            "aws/ec2"
        ]),
        inv(
            "type",
            &["aws/ec2"],
            &[],
            &[
                "--json",
                "--quiet",
                "--verbose",
                "--no-telemetry",
                "--show-properties"
            ],
            Some("describe")
        )
    );
}

// ---------------------------------------------------------------------------
// Phase 2: before the subcommand
// ---------------------------------------------------------------------------

#[test]
fn phase_two_appends_without_dedupe_and_splits_at_equals() {
    assert_eq!(
        swamp(&[
            "model",
            "-q",
            "-q",
            "--tag",
            "--tag=v",
            "--verbose=1",
            "--force",
            "method",
            "run",
            "M",
            "fit",
        ]),
        inv(
            "model",
            &["run", R, "fit"],
            &["--tag", "--tag", "--verbose", "--force"],
            &["-q", "-q"],
            Some("method")
        )
    );
}

#[test]
fn phase_two_options_swallow_their_value() {
    assert_eq!(
        swamp(&["model", "--repo-dir", "/r", "method", "run", "M", "fit"]),
        inv(
            "model",
            &["run", R, "fit"],
            &["--repo-dir"],
            &[],
            Some("method")
        )
    );
}

// ---------------------------------------------------------------------------
// Phase 3: after the subcommand
// ---------------------------------------------------------------------------

#[test]
fn phase_three_dedupes_and_splits_at_equals() {
    assert_eq!(
        swamp(&[
            "model",
            "method",
            "run",
            "M",
            "fit",
            "--input",
            "a=1",
            "--input=b",
            "--json",
            "--json=x",
            "-v",
            "--verbose",
            "-v",
        ]),
        inv(
            "model",
            &["run", R, "fit"],
            &["--input"],
            &["--json", "-v", "--verbose"],
            Some("method")
        )
    );
}

#[test]
fn phase_three_dedupes_against_options_recorded_earlier() {
    assert_eq!(
        swamp(&["--json", "model", "--force", "method", "run", "M", "fit", "--json", "--force"]),
        inv(
            "model",
            &["run", R, "fit"],
            &["--force"],
            &["--json"],
            Some("method")
        )
    );
}

// ---------------------------------------------------------------------------
// The value-skipping heuristic and its quirks
// ---------------------------------------------------------------------------

#[test]
fn options_skip_a_following_value_unless_boolean_or_followed_by_an_option() {
    assert_eq!(
        swamp(&[
            "model",
            "method",
            "run",
            "--dry-run",
            "M",
            "fit",
            "--timeout",
            "30",
            "--verbose",
            "--last"
        ]),
        inv(
            "model",
            &["run", R, "fit"],
            &["--dry-run", "--timeout", "--last"],
            &["--verbose"],
            Some("method")
        )
    );
}

#[test]
fn every_known_boolean_flag_leaves_the_next_positional_alone() {
    let flags = [
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
    ];
    for flag in flags {
        assert_eq!(
            swamp(&["type", "describe", flag, "command/shell"]),
            inv("type", &["command/shell"], &[flag], &[], Some("describe")),
            "{flag}"
        );
    }
    let globals = [
        "--json",
        "-q",
        "--quiet",
        "-v",
        "--verbose",
        "--no-telemetry",
        "--no-color",
        "--show-properties",
    ];
    for flag in globals {
        assert_eq!(
            swamp(&["type", "describe", flag, "command/shell"]),
            inv("type", &["command/shell"], &[], &[flag], Some("describe")),
            "{flag}"
        );
    }
}

#[test]
fn quirk_option_with_equals_still_swallows_the_next_positional() {
    // `M` is taken as the value of `--input=x`, so `fit` becomes position 1.
    assert_eq!(
        swamp(&["model", "method", "run", "--input=x", "M", "fit"]),
        inv("model", &["run", R], &["--input"], &[], Some("method"))
    );
    assert_eq!(
        swamp(&["type", "describe", "--format=json", "command/shell"]),
        inv("type", &[], &["--format"], &[], Some("describe"))
    );
    // Even a known boolean flag or global option swallows it when written with
    // `=`: the heuristic looks at the token as written.
    assert_eq!(
        swamp(&["type", "describe", "--force=true", "command/shell"]),
        inv("type", &[], &["--force"], &[], Some("describe"))
    );
    assert_eq!(
        swamp(&["type", "describe", "--json=1", "command/shell"]),
        inv("type", &[], &[], &["--json"], Some("describe"))
    );
}

#[test]
fn quirk_unknown_boolean_flag_drops_the_next_positional() {
    assert_eq!(
        swamp(&["type", "describe", "--pretty", "command/shell"]),
        inv("type", &[], &["--pretty"], &[], Some("describe"))
    );
    assert_eq!(
        swamp(&["type", "describe", "--force", "command/shell"]),
        inv(
            "type",
            &["command/shell"],
            &["--force"],
            &[],
            Some("describe")
        )
    );
    // In phase 1 the dropped positional is the would-be command.
    assert_eq!(
        swamp(&["--weird", "model", "create", "X"]),
        inv("create", &[], &[], &[], Some("X"))
    );
}

// ---------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------

#[test]
fn categorical_positions_are_kept_and_others_redacted() {
    let cases: [(&[&str], &[&str]); 6] = [
        (
            &["model", "create", "command/shell", "my-model"],
            &["command/shell", R],
        ),
        (
            &["model", "method", "run", "my-model", "fit"],
            &["run", R, "fit"],
        ),
        (&["model", "output", "get", "my-model"], &["get", R]),
        (&["vault", "create", "aws-sm", "my-vault"], &["aws-sm", R]),
        (&["type", "describe", "aws/ec2"], &["aws/ec2"]),
        (&["workflow", "history", "get", "my-workflow"], &["get", R]),
    ];
    for (tokens, args) in cases {
        let got = redact_invocation(&argv(tokens), &CommandSchema::swamp());
        assert_eq!(got.args, args, "{tokens:?}");
        assert_eq!(got.command, tokens[0]);
        assert_eq!(got.subcommand.as_deref(), Some(tokens[1]));
    }
}

#[test]
fn positions_beyond_the_schema_are_redacted() {
    assert_eq!(
        swamp(&["model", "method", "run", "M", "fit", "extra", "more"]),
        inv("model", &["run", R, "fit", R, R], &[], &[], Some("method"))
    );
    assert_eq!(
        swamp(&["type", "describe", "aws/ec2", "extra"]),
        inv("type", &["aws/ec2", R], &[], &[], Some("describe"))
    );
}

#[test]
fn commands_without_a_schema_redact_every_positional() {
    assert_eq!(
        swamp(&["workflow", "run", "deploy", "staging"]),
        inv("workflow", &[R, R], &[], &[], Some("run"))
    );
    // The schema is looked up by command and subcommand together.
    assert_eq!(
        swamp(&["vault", "method", "run", "v", "fit"]),
        inv("vault", &[R, R, R], &[], &[], Some("method"))
    );
    assert_eq!(swamp(&["init"]), inv("init", &[], &[], &[], None));
    assert_eq!(
        swamp(&["version", "--json"]),
        r#"{"command":"version","args":[],"optionKeys":[],"globalOptions":["--json"]}"#
    );
}

fn custom() -> CommandSchema {
    use ArgKind::{Categorical as C, Redact as X};
    let arg_schemas = vec![
        ("db migrate".to_string(), vec![C, C, X]),
        ("deploy".to_string(), vec![C, C]),
    ];
    CommandSchema {
        arg_schemas,
        global_options: vec!["--trace".into()],
        boolean_flags: vec!["--fast".into()],
    }
}

#[test]
fn a_custom_schema_supplies_positions_globals_and_boolean_flags() {
    let schema = custom();
    assert_eq!(
        redacted(
            &[
                "--trace", "db", "--json", "v", "migrate", "up", "3", "secret", "extra", "--fast",
                "X", "--json", "Y", "--trace",
            ],
            &schema
        ),
        inv(
            "db",
            &["up", "3", R, R, R],
            &["--json", "--fast"],
            &["--trace"],
            Some("migrate")
        )
    );
    // swamp's own schema does not apply: `model method` has no positions here.
    assert_eq!(
        redacted(&["model", "method", "run", "M", "fit"], &schema),
        inv("model", &[R, R, R], &[], &[], Some("method"))
    );
    // With a subcommand, the lookup is "deploy prod", not "deploy".
    assert_eq!(
        redacted(&["deploy", "prod", "eu"], &schema),
        inv("deploy", &[R], &[], &[], Some("prod"))
    );
}

#[test]
fn an_empty_schema_redacts_everything_and_records_no_globals() {
    let schema = CommandSchema {
        arg_schemas: Vec::new(),
        global_options: vec![],
        boolean_flags: vec![],
    };
    assert_eq!(
        redacted(
            &["model", "method", "run", "M", "fit", "--json", "--force", "x"],
            &schema
        ),
        inv(
            "model",
            &[R, R, R],
            &["--json", "--force"],
            &[],
            Some("method")
        )
    );
}

#[test]
fn the_default_schema_is_swamps() {
    assert_eq!(CommandSchema::default(), CommandSchema::swamp());
}
