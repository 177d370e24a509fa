//! The line grammar, data model, multi-line values, settings and reader modes (spec §1.1-§1.4,
//! §1.6, §1.9, §1.14).

mod common;

/// Expected (key, value) entries of a section, in order.
type Pairs = &'static [(&'static str, &'static str)];

use common::{kv, messages, pairs, read, read_clean};
use mt_configf::{read_config_str, Entry, FakeHost, Problem, ReadOptions, SystemMode, ValueKind};

#[test]
fn data_model_table() {
    // (config text, section, expected ordered entries)
    let cases: &[(&str, &str, Pairs)] = &[
        ("A 1\nB 2\n", "default", &[("A", "1"), ("B", "2")]),
        ("[s]\nA 1\nB 2\nA 3\n", "s", &[("B", "2"), ("A", "3")]),
        (
            "[s]\nA 1\n[t]\nX y\n[s]\nB 2\n",
            "s",
            &[("A", "1"), ("B", "2")],
        ),
        ("[s]\nA 1\n[s]\nA 2\n", "s", &[("A", "2")]),
        ("[items]\n", "items", &[]),
        ("[s]\nkey value # note\n", "s", &[("key", "value # note")]),
        (
            "[s]\nkey   lots   of  space  \n",
            "s",
            &[("key", "lots   of  space  ")],
        ),
        (
            "[s]\n[foo] trailing text\n",
            "s",
            &[("[foo]", "trailing text")],
        ),
        (
            "[s]\nrunfirst/sum% a\n=:.[ b\n",
            "s",
            &[("runfirst/sum%", "a"), ("=:.[", "b")],
        ),
        (
            "[s]\nBARE\nSPACED  \n",
            "s",
            &[("BARE", ""), ("SPACED", "  ")],
        ),
        (
            "[s]\nMYRUN /a/[system echo x]/b\n",
            "s",
            &[("MYRUN", "/a/[system echo x]/b")],
        ),
        ("[a b  c]\nk v\n", "a b  c", &[("k", "v")]),
        (
            "[configf:settings x]\nk v\n",
            "configf:settings x",
            &[("k", "v")],
        ),
    ];
    for (text, section, want) in cases {
        let mut host = FakeHost::new();
        let cfg = read_clean(text, &mut host);
        assert_eq!(pairs(&cfg, section), kv(want), "{text:?}");
    }
}

#[test]
fn section_order_and_case() {
    let mut host = FakeHost::new();
    let cfg = read_clean(
        "[b]\n[DEFAULT]\nX 1\n[a]\n[b]\nY 2\n[default]\nZ 3\n",
        &mut host,
    );
    let names: Vec<&str> = cfg.section_names().collect();
    assert_eq!(names, ["b", "DEFAULT", "a", "default"]);
    assert_eq!(cfg.get("DEFAULT", "X"), Some("1"));
    assert_eq!(cfg.get("default", "X"), None);
    assert!(cfg.has_section("a"));
    assert!(cfg.section("a").expect("a").is_empty());
}

#[test]
fn default_section_only_exists_when_used() {
    let mut host = FakeHost::new();
    let cfg = read_clean("[s]\nk v\n", &mut host);
    assert!(!cfg.has_section("default"));
}

#[test]
fn entries_record_file_and_line() {
    let mut host = FakeHost::new();
    let cfg = read_clean("# c\n[s]\nA 1\n\nB 2\\\n3\nC 4\n", &mut host);
    let lines: Vec<(String, usize, String)> = cfg
        .section("s")
        .expect("s")
        .iter()
        .map(|e| (e.key.clone(), e.line, e.file.to_string()))
        .collect();
    let f = "/area/test.config".to_string();
    assert_eq!(
        lines,
        [
            ("A".into(), 3, f.clone()),
            ("B".into(), 5, f.clone()),
            ("C".into(), 7, f)
        ]
    );
}

#[test]
fn backslash_joining_table() {
    let cases: &[(&str, &str, &str)] = &[
        ("K a\\\nb\n", "K", "ab"),
        ("K a \\\n  b\n", "K", "a   b"),
        ("K a\\\nb\\\nc\n", "K", "abc"),
        (
            "K This var has blah thrice: \\\nblah \\\nblah\n",
            "K",
            "This var has blah thrice: blah blah",
        ),
        // A comment ending in a backslash swallows the next line.
        ("# comment \\\nK lost\nL kept\n", "L", "kept"),
        ("K #{getenv \\\nUSER}\n", "K", "ann"),
    ];
    for (text, key, want) in cases {
        let mut host = FakeHost::new().with_env("USER", "ann");
        let cfg = read_clean(text, &mut host);
        assert_eq!(cfg.get("default", key), Some(*want), "{text:?}");
    }
    let mut host = FakeHost::new();
    let cfg = read_clean("# comment \\\nK lost\n", &mut host);
    assert_eq!(cfg.get("default", "K"), None);
}

#[test]
fn dangling_backslash_is_an_error() {
    let mut host = FakeHost::new();
    let out = read("A 1\nK value\\", &mut host);
    assert_eq!(out.config.get("default", "K"), Some("value"));
    assert_eq!(
        messages(&out),
        ["/area/test.config:2: line continuation '\\' at the end of the file"]
    );
}

#[test]
fn crlf_line_endings() {
    let mut host = FakeHost::new();
    let cfg = read_clean("[s]\r\nA 1\r\nB two words\r\n", &mut host);
    assert_eq!(pairs(&cfg, "s"), kv(&[("A", "1"), ("B", "two words")]));
}

#[test]
fn expansion_runs_on_comments_and_headers() {
    let mut host =
        FakeHost::new()
            .with_env("S", "sec")
            .with_command("echo hi > made.config", "", 0);
    let cfg = read_clean(
        "# #{system echo hi > made.config}\n[#{getenv S}]\nk v\n",
        &mut host,
    );
    assert_eq!(host.ran, ["echo hi > made.config"]);
    assert_eq!(cfg.get("sec", "k"), Some("v"));
}

#[test]
fn include_line_is_expanded_before_classification() {
    let mut host = FakeHost::new()
        .with_env("fsname", "nfs")
        .with_file("/area/nfs.config", "FS nfs-value\n");
    let cfg = read_clean("[default]\n[include #{getenv fsname}.config]\n", &mut host);
    assert_eq!(cfg.get("default", "FS"), Some("nfs-value"));
}

#[test]
fn trim_setting_table() {
    let cases: &[(&str, &str)] = &[
        ("[s]\nV a  \n", "a  "),
        ("[configf:settings trim-trailing-spaces yes]\n[s]\nV a  \n", "a"),
        ("[configf:settings trim-trailing-spaces anything]\n[s]\nV a  \n", "a"),
        ("[configf:settings trim-trailing-spaces yes]\n[configf:settings trim-trailing-spaces no]\n[s]\nV a  \n", "a  "),
        // Trimming applies after expansion.
        ("[configf:settings trim-trailing-spaces yes]\n[s]\nV #{getenv PAD}\n", "x"),
    ];
    for (text, want) in cases {
        let mut host = FakeHost::new().with_env("PAD", "x   ");
        let cfg = read_clean(text, &mut host);
        assert_eq!(cfg.get("s", "V"), Some(*want), "{text:?}");
    }
}

#[test]
fn trim_example_val1_val2() {
    let text = "[configf:settings trim-trailing-spaces yes]\n[test]\nVAL1 Foo    \nVAL2 ==>#{get test VAL1}Bar<==\n";
    let mut host = FakeHost::new();
    let cfg = read_clean(text, &mut host);
    assert_eq!(cfg.get("test", "VAL2"), Some("==>FooBar<=="));
}

#[test]
fn trim_setting_is_shared_with_includes() {
    let mut host = FakeHost::new().with_file(
        "/area/on.config",
        "[configf:settings trim-trailing-spaces yes]\n",
    );
    let cfg = read_clean("[s]\nA a  \n[include on.config]\nB b  \n", &mut host);
    assert_eq!(pairs(&cfg, "s"), kv(&[("A", "a  "), ("B", "b")]));
}

#[test]
fn unknown_setting_is_a_warning() {
    let mut host = FakeHost::new();
    let out = read("[configf:settings colour blue]\n", &mut host);
    assert!(!out.has_errors());
    assert_eq!(
        messages(&out),
        ["/area/test.config:1: warning: unknown reader setting 'colour' in [configf:settings ...]"]
    );
}

#[test]
fn multiline_values_table() {
    let cases: &[(&str, &str)] = &[
        // The simplerun example: 4 lines; a line holding one space is blank and ends it.
        (
            "[metadata]\ndescription First line   \n  second\n  third\n     fourth, indented 3 more\n \n\nauthor x\n",
            "First line   \nsecond\nthird\n   fourth, indented 3 more",
        ),
        ("[metadata]\ndescription a\n\t\tb\n\t\t\tc\n", "a\nb\n\tc"),
        // Less indented than the lead: keeps all of its whitespace.
        ("[metadata]\ndescription a\n    b\n  c\n", "a\nb\n  c"),
        // Only the first occurrence of the lead is removed.
        ("[metadata]\ndescription a\n \tb\n \t \tc\n", "a\nb\n \tc"),
        // An indented comment ends the value.
        ("[metadata]\ndescription a\n  b\n  # gone\n  c\n", "a\nb"),
        // A bare key can be continued too.
        ("[metadata]\ndescription\n  b\n", "\nb"),
    ];
    for (text, want) in cases {
        let mut host = FakeHost::new();
        let out = read(text, &mut host);
        assert_eq!(
            out.config.get("metadata", "description"),
            Some(*want),
            "{text:?}"
        );
    }
}

#[test]
fn continuation_without_key_is_ignored_with_a_warning() {
    let cases: &[&str] = &[
        "[s]\n  indented after header\n",
        "[s]\nA 1\n# c\n  after comment\n",
        "[s]\nA 1\n\n  after blank\n",
        "[s]\nA [system echo x]\n  after system\n",
        "[s]\n[configf:settings trim-trailing-spaces no]\n  after setting\n",
        "[s]\nA 1\n[include missing.config]\n  after include\n",
    ];
    for text in cases {
        let mut host = FakeHost::new().with_command("echo x", "x\n", 0);
        let out = read(text, &mut host);
        let orphans = out
            .diagnostics
            .iter()
            .filter(|d| matches!(d.problem, Problem::OrphanContinuation { .. }))
            .count();
        assert_eq!(orphans, 1, "{text:?}: {:?}", messages(&out));
        assert!(!out.has_errors(), "{text:?}");
        for e in out.config.section("s").expect("s") {
            assert!(!e.value.contains("after"), "{text:?} leaked into {}", e.key);
        }
    }
}

#[test]
fn bare_keys_setenv() {
    let mut host = FakeHost::new();
    let cfg = read_clean(
        "[any]\nVARNOVAL\nVARNOVAL_WITHSPACE \nint:ernal\n",
        &mut host,
    );
    assert_eq!(cfg.get("any", "VARNOVAL"), Some(""));
    assert_eq!(cfg.get("any", "VARNOVAL_WITHSPACE"), Some(" "));
    assert_eq!(host.env.get("VARNOVAL").map(String::as_str), Some(""));
    assert_eq!(
        host.env.get("VARNOVAL_WITHSPACE").map(String::as_str),
        Some(" ")
    );
    assert!(!host.env.contains_key("int:ernal"));

    let mut host = FakeHost::new();
    let opts = ReadOptions {
        bare_keys_setenv: false,
        ..ReadOptions::default()
    };
    let out = read_config_str("x", "BARE\n", &opts, &mut host);
    assert_eq!(out.config.get("default", "BARE"), Some(""));
    assert!(host.env.is_empty());
}

#[test]
fn system_key_modes_table() {
    // (mode, expected value of K, expected kind, commands run)
    let cases: &[(SystemMode, Option<&str>, ValueKind, usize)] = &[
        (SystemMode::Yes, Some("a b"), ValueKind::Text, 1),
        (
            SystemMode::ReturnProcs,
            Some("ls /etc | head -2"),
            ValueKind::Deferred,
            0,
        ),
        (
            SystemMode::ReturnString,
            Some("ls /etc | head -2"),
            ValueKind::Text,
            0,
        ),
        (SystemMode::No, None, ValueKind::Text, 0),
    ];
    for (mode, want, kind, ran) in cases {
        let mut host = FakeHost::new().with_command("ls /etc | head -2", "a\nb\n", 0);
        let opts = ReadOptions {
            allow_system: *mode,
            ..ReadOptions::default()
        };
        let out = read_config_str("f", "[s]\nK [system ls /etc | head -2]\n", &opts, &mut host);
        assert!(out.diagnostics.is_empty(), "{mode:?}");
        assert_eq!(out.config.get("s", "K"), *want, "{mode:?}");
        if let Some(e) = out.config.entry("s", "K") {
            assert_eq!(e.kind, *kind, "{mode:?}");
        }
        assert_eq!(host.ran.len(), *ran, "{mode:?}");
    }
}

#[test]
fn deferred_command_runs_later() {
    let mut host = FakeHost::new().with_command("seq 3", "1\n2\n3\n", 0);
    let opts = ReadOptions {
        allow_system: SystemMode::ReturnProcs,
        ..ReadOptions::default()
    };
    let out = read_config_str("f", "[items]\nN [system seq 3]\n", &opts, &mut host);
    let e = out.config.entry("items", "N").expect("N");
    assert!(e.is_deferred());
    assert!(host.ran.is_empty());
    assert_eq!(e.run_deferred(&mut host), ("1 2 3".to_string(), 0));
    assert_eq!(
        Entry::text("k", "v").run_deferred(&mut host),
        ("v".to_string(), 0)
    );
}

#[test]
fn system_key_failure_keeps_output_and_warns() {
    let mut host = FakeHost::new().with_command("flaky", "partial\n", 3);
    let out = read("[s]\nK [system flaky]\n", &mut host);
    assert_eq!(out.config.get("s", "K"), Some("partial"));
    assert!(!out.has_errors());
    assert_eq!(
        messages(&out),
        ["/area/test.config:2: warning: [system flaky] returned exit code 3 (its output is still used)"]
    );
}

#[test]
fn system_key_with_no_output_is_empty() {
    let mut host = FakeHost::new().with_command("true", "", 0);
    let cfg = read_clean("[s]\nK [system true]\n", &mut host);
    assert_eq!(cfg.get("s", "K"), Some(""));
}

#[test]
fn mode_no_leaves_inert_text_but_runs_other_helpers() {
    let mut host = FakeHost::new().with_env("USER", "ann");
    let opts = ReadOptions {
        allow_system: SystemMode::No,
        scheme: Some(&common::SCHEME),
        ..ReadOptions::default()
    };
    let text = "[s]\nA #{shell echo hi}\nB #{sh echo hi}\nC #{system true}\nD #{getenv USER}\nE #{scheme (+ 1 2)}\n";
    let out = read_config_str("f", text, &opts, &mut host);
    assert!(out.diagnostics.is_empty(), "{:?}", messages(&out));
    assert_eq!(
        pairs(&out.config, "s"),
        kv(&[
            ("A", "#{(shell) echo hi}"),
            ("B", "#{(sh) echo hi}"),
            ("C", "#{(system) true}"),
            ("D", "ann"),
            ("E", "3"),
        ])
    );
    assert!(host.ran.is_empty());
}

#[test]
fn mode_return_string_does_not_expand() {
    let mut host = FakeHost::new().with_env("USER", "ann");
    let opts = ReadOptions {
        allow_system: SystemMode::ReturnString,
        ..ReadOptions::default()
    };
    let out = read_config_str(
        "f",
        "[s]\nA #{getenv USER}\nB #{foo bar}\n",
        &opts,
        &mut host,
    );
    assert!(out.diagnostics.is_empty());
    assert_eq!(out.config.get("s", "A"), Some("#{getenv USER}"));
}

#[test]
fn precreate_and_keep_filenames_options() {
    let mut host = FakeHost::new();
    let opts = ReadOptions {
        precreate_sections: vec!["ubuntu/nfs/none".into()],
        keep_filenames: true,
        ..ReadOptions::default()
    };
    let out = read_config_str("rc", "[default]\nA 1\n", &opts, &mut host);
    assert!(out.config.has_section("ubuntu/nfs/none"));
    assert!(out.config.keep_filenames);
}

#[test]
fn config_api_set_and_remove() {
    let mut cfg = mt_configf::Config::new();
    cfg.set("s", "A", "1");
    cfg.set("s", "B", "2");
    cfg.set("s", "A", "3");
    assert_eq!(pairs(&cfg, "s"), kv(&[("B", "2"), ("A", "3")]));
    assert_eq!(cfg.get_or_default("t", "A"), None);
    cfg.set("default", "Z", "z");
    assert_eq!(cfg.get_or_default("t", "Z"), Some("z"));
    assert!(cfg.remove_section("s").is_some());
    assert!(!cfg.has_section("s"));
}
