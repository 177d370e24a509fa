//! The exact text of diagnostics and errors: one clear line each, with file and line.

use mt_configf::{
    read_config, read_config_str, read_config_strict, ConfigError, FakeHost, ReadOptions,
};

const FILE: &str = "tests/foo/testconfig";

fn messages_of(text: &str, host: &mut FakeHost) -> Vec<String> {
    read_config_str(FILE, text, &ReadOptions::default(), host)
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn diagnostic_messages_table() {
    let cases: &[(&str, &str)] = &[
        // Broken lines.
        ("[s]\nA 1\nB value\\", "tests/foo/testconfig:3: line continuation '\\' at the end of the file"),
        ("[s]\nK #{getenv MULTI}\n", "tests/foo/testconfig:2: cannot parse line \"K a\\nb\""),
        (
            "V #{getenv USER\n",
            "tests/foo/testconfig:1:3: malformed helper 'getenv' in \"#{getenv USER\" (want #{getenv BODY} with no braces in BODY)",
        ),
        (
            "[s]\n    max_concurrent_jobs 4\n",
            "tests/foo/testconfig:2: warning: indented line ignored, there is no key to continue: \"    max_concurrent_jobs 4\"",
        ),
        // Missing include.
        (
            "[s]\n[include nothere.config]\n",
            "tests/foo/testconfig:2: warning: include file not found: /fake/cwd/tests/foo/nothere.config",
        ),
        // Unknown helper.
        ("[s]\n\n\n\n\n\n\n\n\n\n\nlabel #{foo bar}\n", "tests/foo/testconfig:12:7: unknown helper 'foo' in #{foo bar}"),
        // Failing commands.
        ("V #{shell false}\n", "tests/foo/testconfig:1:3: command in #{shell false} returned bad exit code 1"),
        (
            "V [system false]\n",
            "tests/foo/testconfig:1: warning: [system false] returned exit code 1 (its output is still used)",
        ),
        (
            "V #{scheme (+ 1 2)}\n",
            "tests/foo/testconfig:1:3: no Scheme evaluator is available for #{scheme (+ 1 2)}",
        ),
        (
            "V #{get one}\n",
            "tests/foo/testconfig:1:3: #{get one} needs a section and a key",
        ),
        (
            "V #{shell echo \"hi\"}\n",
            "tests/foo/testconfig:1:3: unescaped '\"' in #{shell echo \"hi\"} (write \\\" in helper bodies)",
        ),
    ];
    for (text, want) in cases {
        let mut host = FakeHost::new()
            .with_env("MULTI", "a\nb")
            .with_command("false", "", 1);
        assert_eq!(messages_of(text, &mut host), [*want], "{text:?}");
    }
}

#[test]
fn joined_lines_report_their_first_line_without_column() {
    let mut host = FakeHost::new();
    let msgs = messages_of("A 1\nV #{foo \\\nbar}\n", &mut host);
    assert_eq!(
        msgs,
        ["tests/foo/testconfig:2: unknown helper 'foo' in #{foo bar}"]
    );
}

#[test]
fn diagnostics_in_included_files_name_that_file() {
    let mut host =
        FakeHost::new().with_file("/fake/cwd/tests/foo/inc.config", "X 1\nY #{nope x}\n");
    let msgs = messages_of("[s]\n[include inc.config]\n", &mut host);
    assert_eq!(
        msgs,
        ["/fake/cwd/tests/foo/inc.config:2:3: unknown helper 'nope' in #{nope x}"]
    );
}

#[test]
fn missing_top_level_file_is_not_found() {
    let mut host = FakeHost::new();
    let err = read_config("/nope/megatest.config", &ReadOptions::default(), &mut host)
        .expect_err("missing");
    assert!(
        matches!(&err, ConfigError::NotFound(p) if p.to_str() == Some("/nope/megatest.config"))
    );
    assert_eq!(
        err.to_string(),
        "config file not found: /nope/megatest.config"
    );
}

#[test]
fn strict_read_collects_every_error_and_drops_warnings() {
    let mut host = FakeHost::new().with_file(
        "/a/testconfig",
        "[s]\nA #{foo x}\n[include missing.config]\nB #{bar y}\n",
    );
    let err = read_config_strict("/a/testconfig", &ReadOptions::default(), &mut host)
        .expect_err("two errors");
    assert_eq!(
        err.to_string(),
        "/a/testconfig:2:3: unknown helper 'foo' in #{foo x}\n/a/testconfig:4:3: unknown helper 'bar' in #{bar y}"
    );

    let mut host = FakeHost::new().with_file("/a/testconfig", "[s]\n[include missing.config]\n");
    let cfg = read_config_strict("/a/testconfig", &ReadOptions::default(), &mut host)
        .expect("warnings only");
    assert!(cfg.has_section("s"));
}
