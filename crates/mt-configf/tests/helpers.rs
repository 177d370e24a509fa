//! Every `#{...}` helper, the matcher's order and the error paths (spec §1.8).

mod common;

use common::{messages, read, read_clean};
use mt_configf::{read_config_str, FakeHost, Problem, ReadOptions};

fn host() -> FakeHost {
    let mut h = FakeHost::new()
        .with_env("USER", "ann")
        .with_env("HOME", "/home/ann")
        .with_env("DEPS", "deps")
        .with_command("readlink -f /area", "/real/area\n", 0)
        // `\n` in a helper body is a newline by the time the shell sees it.
        .with_command("printf 'a\nb\n'", "a\nb\n", 0)
        .with_command("printf 'a\n\nb\n'", "a\n\nb\n", 0)
        .with_command("ls > /dev/null", "", 0)
        .with_command("exit 3", "", 3);
    h.toppath = Some("/top".into());
    h.target = Some("ubuntu/nfs/none".into());
    h
}

#[test]
fn helpers_table() {
    // Each case reads `[misc]\nhome /h\n[deps]\naggregate agg\n[t]\nV <value>` with a fake host.
    let cases: &[(&str, &str)] = &[
        ("#{getenv USER}", "ann"),
        ("#{gv USER}", "ann"),
        ("#{getenv NOPE}", "#f"),
        ("#{getenv USER }", "#f"),
        ("#{get misc home}", "/h"),
        ("#{g misc home}", "/h"),
        ("#{get misc home extra tokens}", "/h"),
        ("#{get misc nope}", "#f"),
        ("#{get nosection home}", "#f"),
        ("#{get #{getenv DEPS} aggregate}", "agg"),
        ("#{shell readlink -f /area}", "/real/area"),
        ("#{sh readlink -f /area}", "/real/area"),
        ("#{shell printf 'a\\nb\\n'}", "a b"),
        ("#{shell printf 'a\\n\\nb\\n'}", "a  b"),
        ("#{system ls > /dev/null}", "0"),
        ("#{system exit 3}", "3"),
        ("#{rp ./x/../y}", "/fake/cwd/y"),
        ("#{realpath ./x/../y}", "/fake/cwd/y"),
        ("#{rp ~/y}", "/home/ann/y"),
        ("#{mtrah }", "/top"),
        ("#{mtrah tests}", "/top/tests"),
        ("#{rp #{mtrah ..}}", "/"),
        ("#{scheme (+ 1 2)}", "3"),
        ("#{scm (+ 5 6 7)}", "18"),
        ("#{scheme (getenv \"USER\")}", "ann"),
        ("#{scheme (config-get \"misc\" \"home\")}", "/h"),
        ("#{scheme (where)}", "/area/test.config:6"),
        ("a#{getenv USER}b#{getenv HOME}c", "aannb/home/annc"),
        // Not helpers: stay literal, and are not reported.
        ("#{ system ls}", "#{ system ls}"),
        ("${HOME}", "${HOME}"),
        ("#{x}", "#{x}"),
    ];
    for (value, want) in cases {
        let mut h = host();
        let text = format!("[misc]\nhome /h\n[deps]\naggregate agg\n[t]\nV {value}\n");
        let out = read(&text, &mut h);
        assert!(out.diagnostics.is_empty(), "{value}: {:?}", messages(&out));
        assert_eq!(out.config.get("t", "V"), Some(*want), "{value}");
    }
}

#[test]
fn mtrah_falls_back_to_environment() {
    let mut h = FakeHost::new().with_env("MT_RUN_AREA_HOME", "/env/area");
    let cfg = read_clean("V #{mtrah x}\n", &mut h);
    assert_eq!(cfg.get("default", "V"), Some("/env/area/x"));
}

#[test]
fn get_sees_only_what_was_read_so_far() {
    let mut h = FakeHost::new();
    let cfg = read_clean("[s]\nA #{get s B}\nB b\nC #{get s B}\n", &mut h);
    assert_eq!(cfg.get("s", "A"), Some("#f"));
    assert_eq!(cfg.get("s", "C"), Some("b"));
}

#[test]
fn rget_table() {
    // (target, expected SOMEVAR3, SOMEVAR4)
    let cases: &[(Option<&str>, &str, &str)] = &[
        (Some("ubuntu/nfs/none"), "in-default", "in-target"),
        (Some("other/target/x"), "in-default", "#f"),
        (None, "in-default", "#f"),
    ];
    let text = "\
[default]
SOMEVAR in-default
[ubuntu/nfs/none]
SOMEVAR2 in-target
[default]
SOMEVAR3 #{rget SOMEVAR}
SOMEVAR4 #{runconfigs-get SOMEVAR2}
";
    for (target, v3, v4) in cases {
        let mut h = FakeHost::new();
        h.target = target.map(str::to_string);
        let cfg = read_clean(text, &mut h);
        assert_eq!(cfg.get("default", "SOMEVAR3"), Some(*v3), "{target:?}");
        assert_eq!(cfg.get("default", "SOMEVAR4"), Some(*v4), "{target:?}");
    }
    // The target may also come from $MT_TARGET.
    let mut h = FakeHost::new().with_env("MT_TARGET", "ubuntu/nfs/none");
    let cfg = read_clean(text, &mut h);
    assert_eq!(cfg.get("default", "SOMEVAR4"), Some("in-target"));
}

#[test]
fn rightmost_first_inside_out_order() {
    let mut h = FakeHost::new()
        .with_command("echo A", "A\n", 0)
        .with_command("echo B", "B\n", 0)
        .with_command("echo inner", "X\n", 0)
        .with_command("echo X-outer", "done\n", 0);
    let cfg = read_clean(
        "V #{shell echo A} #{shell echo B} #{shell echo #{shell echo inner}-outer}\n",
        &mut h,
    );
    assert_eq!(cfg.get("default", "V"), Some("A B done"));
    assert_eq!(h.ran, ["echo inner", "echo X-outer", "echo B", "echo A"]);
}

#[test]
fn results_containing_helpers_are_expanded_again() {
    let mut h = FakeHost::new()
        .with_env("INDIRECT", "#{getenv REAL}")
        .with_env("REAL", "r");
    let cfg = read_clean("V #{getenv INDIRECT}\n", &mut h);
    assert_eq!(cfg.get("default", "V"), Some("r"));
}

#[test]
fn body_escapes() {
    let mut h = FakeHost::new()
        .with_command("echo \"q\"", "q\n", 0)
        .with_command("printf 'x\\ty'", "x\ty\n", 0)
        .with_command("echo it's", "its\n", 0);
    let cfg = read_clean(
        "A #{shell echo \\\"q\\\"}\nB #{shell printf 'x\\\\ty'}\nC #{shell echo it's}\n",
        &mut h,
    );
    assert_eq!(cfg.get("default", "A"), Some("q"));
    assert_eq!(cfg.get("default", "B"), Some("x\ty"));
    assert_eq!(cfg.get("default", "C"), Some("its"));
    assert_eq!(h.ran, ["echo \"q\"", "printf 'x\\ty'", "echo it's"]);
}

#[test]
fn scheme_side_effects_reach_the_host() {
    let mut h = FakeHost::new().with_env("FOOBAR", "x");
    let cfg = read_clean(
        "V #{scheme (unsetenv \"FOOBAR\")}\nW #{getenv FOOBAR}\n",
        &mut h,
    );
    assert!(!h.env.contains_key("FOOBAR"));
    assert_eq!(cfg.get("default", "W"), Some("#f"));
}

#[test]
fn error_paths_table() {
    // (line, value stored for V, problem kind predicate)
    type Check = fn(&Problem) -> bool;
    let cases: &[(&str, Option<&str>, Check)] = &[
        // The form becomes "", leaving "V " (a bare key whose value is the trailing space).
        ("V #{shell exit 3}", Some(" "), |p| {
            matches!(p, Problem::ShellFailed { code: 3, .. })
        }),
        ("V #{sh exit 3}x", Some("x"), |p| {
            matches!(p, Problem::ShellFailed { .. })
        }),
        ("V #{foo bar}", Some("#{foo bar}"), |p| {
            matches!(p, Problem::UnknownHelper { .. })
        }),
        ("V #{mtrah}", Some("#{mtrah}"), |p| {
            matches!(p, Problem::MalformedHelper { .. })
        }),
        ("V #{getenv USER", Some("#{getenv USER"), |p| {
            matches!(p, Problem::MalformedHelper { .. })
        }),
        ("V #{scheme (foo {x})}", Some("#{scheme (foo {x})}"), |p| {
            matches!(p, Problem::MalformedHelper { .. })
        }),
        ("V #{get onlyone}", Some("#{(get) onlyone}"), |p| {
            matches!(p, Problem::GetNeedsTwoTokens { .. })
        }),
        (
            "V #{shell echo \"x\"}",
            Some("#{(shell) echo \"x\"}"),
            |p| matches!(p, Problem::UnescapedQuote { .. }),
        ),
        (
            "V #{scheme (frobnicate)}",
            Some("#{(scheme) (frobnicate)}"),
            |p| matches!(p, Problem::SchemeFailed { .. }),
        ),
        ("V #{getenv LOOP}", None, |p| {
            matches!(p, Problem::ExpansionLoop)
        }),
    ];
    for (line, want, check) in cases {
        let mut h = FakeHost::new()
            .with_command("exit 3", "", 3)
            .with_env("LOOP", "#{getenv LOOP}");
        let out = read(&format!("{line}\n"), &mut h);
        let errs: Vec<&Problem> = out.errors().map(|d| &d.problem).collect();
        assert_eq!(errs.len(), 1, "{line}: {:?}", messages(&out));
        assert!(check(errs[0]), "{line}: {:?}", errs[0]);
        if let Some(want) = want {
            assert_eq!(out.config.get("default", "V"), Some(*want), "{line}");
        }
    }
}

#[test]
fn scheme_without_evaluator_is_an_error() {
    let mut h = FakeHost::new();
    let out = read_config_str(
        "cfg",
        "V #{scheme (+ 1 2)}\n",
        &ReadOptions::default(),
        &mut h,
    );
    assert_eq!(
        messages(&out),
        ["cfg:1:3: no Scheme evaluator is available for #{scheme (+ 1 2)}"]
    );
    assert_eq!(out.config.get("default", "V"), Some("#{(scheme) (+ 1 2)}"));
}

#[test]
fn helper_looking_text_in_comments_is_not_reported() {
    let mut h = FakeHost::new();
    let out = read("# see #{foo bar} and #{mtrah}\n", &mut h);
    assert!(out.diagnostics.is_empty(), "{:?}", messages(&out));
}

#[test]
fn commented_out_shell_still_reports_failure() {
    // Expansion runs on comments (side effects happen), so a failing command is reported.
    let mut h = FakeHost::new().with_command("exit 3", "", 3);
    let out = read("# #{shell exit 3}\n", &mut h);
    assert_eq!(out.errors().count(), 1);
}
