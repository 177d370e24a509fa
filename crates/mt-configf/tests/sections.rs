//! Includes, scriptinc, wildcard and regex sections, environment-evaluated sections and the
//! section filter (spec §1.5, §1.7, §1.11, §1.12).

mod common;

/// Expected (key, value) entries of a section, in order.
type Pairs = &'static [(&'static str, &'static str)];

use common::{kv, messages, pairs, read, read_clean};
use mt_configf::{read_config_str, FakeHost, Problem, ReadOptions};
use regex::Regex;

#[test]
fn include_resolution_table() {
    // (including file name, include path, where the included file lives)
    let cases: &[(&str, &str, &str)] = &[
        ("/area/megatest.config", "inc.config", "/area/inc.config"),
        (
            "/area/megatest.config",
            "./sub/../inc.config",
            "/area/inc.config",
        ),
        (
            "/area/tests/t1/testconfig",
            "../common.config",
            "/area/tests/common.config",
        ),
        (
            "/area/megatest.config",
            "/abs/inc.config",
            "/abs/inc.config",
        ),
        ("megatest.config", "inc.config", "/fake/cwd/inc.config"),
        (
            "tests/t1/testconfig",
            "inc.config",
            "/fake/cwd/tests/t1/inc.config",
        ),
        ("/area/megatest.config", "~/my.config", "/home/me/my.config"),
        (
            "/area/megatest.config",
            "a file with spaces",
            "/area/a file with spaces",
        ),
    ];
    for (file, inc, lives) in cases {
        let mut host = FakeHost::new()
            .with_env("HOME", "/home/me")
            .with_file(*lives, "FROM included\n");
        let text = format!("[s]\n[include {inc}]\n");
        let out = read_config_str(file, &text, &ReadOptions::default(), &mut host);
        assert!(
            out.diagnostics.is_empty(),
            "{file} {inc}: {:?}",
            messages(&out)
        );
        assert_eq!(
            out.config.get("s", "FROM"),
            Some("included"),
            "{file} includes {inc}"
        );
        assert_eq!(&*out.config.entry("s", "FROM").expect("FROM").file, *lives);
    }
}

#[test]
fn include_starts_in_and_returns_to_includer_section() {
    let mut host = FakeHost::new().with_file("/area/fdk.config", "FIRST in-setup\n[other]\nO 1\n");
    let cfg = read_clean("[setup]\nA 1\n[include fdk.config]\nB 2\n", &mut host);
    assert_eq!(
        pairs(&cfg, "setup"),
        kv(&[("A", "1"), ("FIRST", "in-setup"), ("B", "2")])
    );
    assert_eq!(pairs(&cfg, "other"), kv(&[("O", "1")]));
}

#[test]
fn nested_includes_resolve_relative_to_their_own_file() {
    let mut host = FakeHost::new()
        .with_file("/area/conf/a.config", "A 1\n[include deeper/b.config]\n")
        .with_file(
            "/area/conf/deeper/b.config",
            "B 2\n[include ../../top.config]\n",
        )
        .with_file("/area/top.config", "T 3\n");
    let cfg = read_clean("[s]\n[include conf/a.config]\n", &mut host);
    assert_eq!(pairs(&cfg, "s"), kv(&[("A", "1"), ("B", "2"), ("T", "3")]));
}

#[test]
fn missing_include_is_a_warning_and_skipped() {
    let mut host = FakeHost::new();
    let out = read(
        "[s]\n[include a file that doesn't exist]\nblah nada\n",
        &mut host,
    );
    assert_eq!(out.config.get("s", "blah"), Some("nada"));
    assert!(!out.has_errors());
    assert_eq!(
        messages(&out),
        ["/area/test.config:2: warning: include file not found: /area/a file that doesn't exist"]
    );
}

#[test]
fn include_cycle_is_stopped() {
    let mut host = FakeHost::new()
        .with_file("/area/a.config", "[include b.config]\n")
        .with_file("/area/b.config", "[include a.config]\n");
    let out = read("[include a.config]\n", &mut host);
    let deep = out
        .diagnostics
        .iter()
        .filter(|d| matches!(d.problem, Problem::IncludeTooDeep { .. }))
        .count();
    assert_eq!(deep, 1);
}

#[test]
fn scriptinc_table() {
    let script_out = "[test-inc-script]\nA 1\nB 2\nC #{getenv X}\n";
    // (line, script registered as executable, expected A in [test-inc-script], warnings)
    let cases: &[(&str, bool, Option<&str>, usize)] = &[
        ("[scriptinc scripts/gen.sh]", true, Some("1"), 0),
        ("[scriptinc scripts/gen.sh]", false, None, 1),
        ("[scriptinc scripts/missing.sh]", true, None, 1),
    ];
    for (line, exec, want, warnings) in cases {
        let mut host =
            FakeHost::new()
                .with_env("X", "x")
                .with_command("scripts/gen.sh", script_out, 1);
        if *exec {
            host = host.with_executable("/fake/cwd/scripts/gen.sh");
        } else {
            host = host.with_file("/fake/cwd/scripts/gen.sh", "#!/bin/sh\n");
        }
        let out = read(&format!("{line}\n"), &mut host);
        assert_eq!(out.config.get("test-inc-script", "A"), *want, "{line}");
        assert_eq!(
            out.diagnostics.len(),
            *warnings,
            "{line}: {:?}",
            messages(&out)
        );
        assert!(!out.has_errors());
        if want.is_some() {
            assert_eq!(out.config.get("test-inc-script", "C"), Some("x"));
        }
    }
}

#[test]
fn scriptinc_passes_parameters_and_keeps_section() {
    let mut host = FakeHost::new()
        .with_env("USER", "ann")
        .with_executable("/fake/cwd/gentargets.sh")
        .with_command("./gentargets.sh ann", "T1 a\nT2 b\n", 0);
    let cfg = read_clean(
        "[targets]\n[scriptinc ./gentargets.sh #{getenv USER}]\nT3 c\n",
        &mut host,
    );
    assert_eq!(
        pairs(&cfg, "targets"),
        kv(&[("T1", "a"), ("T2", "b"), ("T3", "c")])
    );
}

#[test]
fn scriptinc_missing_message() {
    let mut host = FakeHost::new();
    let out = read("[scriptinc nothere.sh]\n", &mut host);
    assert_eq!(
        messages(&out),
        ["/area/test.config:1: warning: script not found or not executable: nothere.sh"]
    );
}

#[test]
fn wildcard_sections_table() {
    // (text, section, expected entries, sections that must not exist)
    let cases: &[(&str, &str, Pairs, &[&str])] = &[
        (
            "[a/2/b]\nVAR1 VAL1\n[a/%/b]\nVAR1 VAL2\n",
            "a/2/b",
            &[("VAR1", "VAL2")],
            &["a/%/b"],
        ),
        (
            "[a/%/b]\nVAR1 VAL2\n[a/2/b]\nVAR1 VAL1\n",
            "a/2/b",
            &[("VAR1", "VAL1")],
            &["a/%/b"],
        ),
        (
            "[x/y/z]\nA 1\n[%/%/%]\nB 2\n",
            "x/y/z",
            &[("A", "1")],
            &["%/%/%"],
        ),
        (
            "[x/y/z]\nA 1\n[x/%]\nB 2\n",
            "x/y/z",
            &[("A", "1"), ("B", "2")],
            &["x/%"],
        ),
        (
            "[x/y/z]\nA 1\n[/x/.*/]\nB 2\n",
            "x/y/z",
            &[("A", "1"), ("B", "2")],
            &["/x/.*/"],
        ),
        (
            "[x/y/z]\nA 1\n[/y/.*/]\nB 2\n",
            "x/y/z",
            &[("A", "1")],
            &["/y/.*/"],
        ),
        // Copies arrive with later-wins semantics: an existing key moves to the end.
        (
            "[t]\nA 1\nB 2\n[/t/]\nA 3\n",
            "t",
            &[("B", "2"), ("A", "3")],
            &[],
        ),
        // A section created after the wildcard ended receives nothing.
        ("[x/%]\nB 2\n[x/y]\nA 1\n", "x/y", &[("A", "1")], &["x/%"]),
        // `/.*/` reaches default when it exists.
        (
            "TOP 1\n[/.*/]\nB 2\n",
            "default",
            &[("TOP", "1"), ("B", "2")],
            &["/.*/"],
        ),
        // A regex section with no keys just disappears.
        ("[1/2]\nA 1\n[/1.*/]\n", "1/2", &[("A", "1")], &["/1.*/"]),
        // Case-sensitive, anchored.
        ("[A/b]\nA 1\n[a/%]\nB 2\n", "A/b", &[("A", "1")], &["a/%"]),
        // Wildcard section ending at end of file.
        (
            "[v1.60/15/dev]\nFOO foo\n[v1.60/15/%]\nWHATEVER w\n",
            "v1.60/15/dev",
            &[("FOO", "foo"), ("WHATEVER", "w")],
            &["v1.60/15/%"],
        ),
    ];
    for (text, section, want, gone) in cases {
        let mut host = FakeHost::new();
        let cfg = read_clean(text, &mut host);
        assert_eq!(pairs(&cfg, section), kv(want), "{text:?}");
        for g in *gone {
            assert!(!cfg.has_section(g), "{text:?}: [{g}] should be gone");
        }
    }
}

#[test]
fn wildcard_copies_into_other_wildcard_free_sections_only() {
    let mut host = FakeHost::new();
    let cfg = read_clean("[a/1]\n[a/2]\n[b/1]\n[a/%]\nK v\n", &mut host);
    assert_eq!(cfg.get("a/1", "K"), Some("v"));
    assert_eq!(cfg.get("a/2", "K"), Some("v"));
    assert_eq!(cfg.get("b/1", "K"), None);
    let names: Vec<&str> = cfg.section_names().collect();
    assert_eq!(names, ["a/1", "a/2", "b/1"]);
}

#[test]
fn wildcard_in_include_ends_with_the_include() {
    let mut host = FakeHost::new().with_file("/area/w.config", "[t/%]\nW 1\n");
    let cfg = read_clean("[t/x]\n[include w.config]\n[t/y]\n", &mut host);
    assert_eq!(cfg.get("t/x", "W"), Some("1"));
    assert_eq!(cfg.get("t/y", "W"), None);
}

#[test]
fn bad_section_pattern_is_an_error() {
    let mut host = FakeHost::new();
    let out = read("[t]\n[/a(/]\nK v\n", &mut host);
    assert!(out.has_errors());
    assert!(messages(&out)[0].starts_with("/area/test.config:3: invalid pattern section [/a(/]"));
}

#[test]
fn precreated_target_receives_wildcards() {
    let mut host = FakeHost::new();
    let opts = ReadOptions {
        precreate_sections: vec!["v1.65/x/dev".into()],
        ..ReadOptions::default()
    };
    let text = "[default]\nA 1\n[/v1.6.*dev/]\nQUICKPATT %\n[v1.6%]\nJUNK j\n";
    let out = read_config_str("rc", text, &opts, &mut host);
    assert_eq!(
        pairs(&out.config, "v1.65/x/dev"),
        kv(&[("QUICKPATT", "%"), ("JUNK", "j")])
    );
}

#[test]
fn environment_sections_table() {
    let pattern = Regex::new("env-override").expect("re");
    // (section, evaluated?)
    let cases: &[(&str, bool)] = &[
        ("env-override", true),
        ("env-overrides", true),
        ("my-env-override-x", true),
        ("setup", false),
    ];
    for (section, evaluated) in cases {
        let mut host = FakeHost::new().with_env("HOME", "/home/me");
        let opts = ReadOptions {
            environ_pattern: Some(pattern.clone()),
            ..ReadOptions::default()
        };
        let text = format!("[{section}]\nV $HOME/bin  x\n");
        let out = read_config_str("m", &text, &opts, &mut host);
        let want = if *evaluated {
            "/home/me/bin x"
        } else {
            "$HOME/bin  x"
        };
        assert_eq!(out.config.get(section, "V"), Some(want), "[{section}]");
        assert_eq!(host.env.contains_key("V"), *evaluated, "[{section}]");
    }
}

#[test]
fn environment_section_sets_at_once_and_rules() {
    let mut host = FakeHost::new()
        .with_env("HOME", "/home/me")
        .with_command("echo $PWD", "/cwd\n", 0)
        .with_command("echo two lines", "first\nsecond\n", 0);
    let opts = ReadOptions {
        environ_pattern: Some(Regex::new("env-override").expect("re")),
        ..ReadOptions::default()
    };
    let text = "[env-override]\nA $HOME/a\nB #{getenv A}/b\nC $A/c\nML two lines\n  more text\nTESTVAR [system echo $PWD]\nin:ternal value\nEMPTY_VAR\n";
    let out = read_config_str("m", text, &opts, &mut host);
    assert!(out.diagnostics.is_empty(), "{:?}", messages(&out));
    let cfg = &out.config;
    assert_eq!(cfg.get("env-override", "A"), Some("/home/me/a"));
    assert_eq!(cfg.get("env-override", "B"), Some("/home/me/a/b"));
    assert_eq!(cfg.get("env-override", "C"), Some("/home/me/a/c"));
    // Only the first line goes through the shell; continuation text is raw, env unchanged.
    assert_eq!(cfg.get("env-override", "ML"), Some("first\nmore text"));
    assert_eq!(host.env.get("ML").map(String::as_str), Some("first"));
    // [system] lines never set the environment at read time.
    assert_eq!(cfg.get("env-override", "TESTVAR"), Some("/cwd"));
    assert!(!host.env.contains_key("TESTVAR"));
    assert_eq!(cfg.get("env-override", "in:ternal"), Some("value"));
    assert!(!host.env.contains_key("in:ternal"));
    assert_eq!(host.env.get("EMPTY_VAR").map(String::as_str), Some(""));
}

#[test]
fn section_filter_table() {
    let text = "\
[default]
D #{shell echo d}
DS [system echo d]
[ubuntu/nfs/none]
T #{shell echo t}
TS [system echo t]
[other]
O #{shell echo o}
OS [system echo o]
P plain
[ubuntu/%]
W #{shell echo w}
WP wild
";
    let mut host = FakeHost::new();
    let opts = ReadOptions {
        sections_filter: Some(vec!["default".into(), "ubuntu/nfs/none".into()]),
        precreate_sections: vec!["ubuntu/nfs/none".into()],
        ..ReadOptions::default()
    };
    let out = read_config_str("rc", text, &opts, &mut host);
    assert!(out.diagnostics.is_empty(), "{:?}", messages(&out));
    let names: Vec<&str> = out.config.section_names().collect();
    assert_eq!(names, ["ubuntu/nfs/none", "default"]);
    assert_eq!(
        pairs(&out.config, "default"),
        kv(&[("D", "d"), ("DS", "d")])
    );
    assert_eq!(
        pairs(&out.config, "ubuntu/nfs/none"),
        kv(&[
            ("T", "t"),
            ("TS", "t"),
            ("W", "#{(shell) echo w}"),
            ("WP", "wild")
        ])
    );
    assert_eq!(host.ran, ["echo d", "echo d", "echo t", "echo t"]);
}
