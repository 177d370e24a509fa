//! The parser acceptance cases of spec §10.1, as small configs written for these tests that
//! exercise the same features as the named example files.

mod common;

/// Expected (key, value) entries of a section, in order.
type Pairs = &'static [(&'static str, &'static str)];

use common::{kv, messages, pairs, read};
use mt_configf::{read_config_str, FakeHost, Problem, ReadOptions, SystemMode};
use regex::Regex;

/// `tests/simplerun/test.config`: multi-line value, missing and existing includes,
/// `[validvalues]`, `[disks]`.
#[test]
fn simplerun_test_config() {
    let text = "\
[section1]
1 ./blah

[section2]

# A comment

[disks]
1 ./

[validvalues]
state start end aborted
status pass fail n/a

[include no such file here]

blah nada

[include megatest.config]

[metadata]
description This is a multiline 
  description. Leading whitespace goes
  whatever the indenting.
     This line is indented more.
 

author matt
";
    let mut h =
        FakeHost::new().with_file("/area/megatest.config", "[setup]\nmax_concurrent_jobs 4\n");
    let out = read(text, &mut h);
    let desc = out
        .config
        .get("metadata", "description")
        .expect("description");
    assert_eq!(desc.lines().count(), 4);
    assert_eq!(
        desc,
        "This is a multiline \ndescription. Leading whitespace goes\nwhatever the indenting.\n   This line is indented more."
    );
    assert_eq!(out.config.get("metadata", "author"), Some("matt"));
    assert_eq!(
        out.config.get("validvalues", "status"),
        Some("pass fail n/a")
    );
    assert_eq!(out.config.get("disks", "1"), Some("./"));
    assert_eq!(out.config.get("validvalues", "blah"), Some("nada"));
    assert_eq!(out.config.get("setup", "max_concurrent_jobs"), Some("4"));
    assert!(out.config.section("section2").expect("section2").is_empty());
    let problems: Vec<&Problem> = out.diagnostics.iter().map(|d| &d.problem).collect();
    assert_eq!(
        problems,
        [&Problem::IncludeNotFound {
            path: "/area/no such file here".into()
        }]
    );
}

/// `tests/fullrun/megatest.config`: trim setting, backslash continuation, every helper in
/// `[env-override]`, `KEY [system]`, bare key, literal `[system`, a missing include named
/// by `#{getenv USER}`, duplicate `[setup]`/`[jobtools]`.
#[test]
fn fullrun_megatest_config() {
    let text = "\
[fields]
sysname TEXT
fsname TEXT
datapath TEXT

[setup]
max_concurrent_jobs 8
runqueue 20

[validvalues]
state start end 0 1 - 2

[jobtools]
launcher nbfake

[env-override]
TESTVAR [system echo $PWD]
DEADVAR [system ls]
VARWITHDOLLAR $HOME/.zshrc
WACKYVAR  #{system ls > /dev/null}
WACKYVAR2 #{get validvalues state}
WACKYVAR3 #{getenv USER}
WACKYVAR4 #{scheme (+ 5 6 7)}
WACKYVAR5 #{getenv sysname}/#{getenv fsname}/#{getenv datapath}
MRAH MT_RUN_AREA_HOME=#{getenv MT_RUN_AREA_HOME}
EMPTY_VAR

WRAPPEDVAR This var should have the work blah thrice: \\
blah \\
blah
MYRUNNAME2 /this/is/[system echo $MT_RUNNAME]/my/runname

[setup]
runqueue 30
launchcount #{scheme (+ 1 \\
  2)}

[jobtools]
maxload 1.5

[include #{getenv USER}_testing.config]

[configf:settings trim-trailing-spaces yes]
[test]
VAL1 Foo    
VAL2 ==>#{get test VAL1}Bar<==
";
    let mut h = FakeHost::new()
        .with_env("USER", "ann")
        .with_env("HOME", "/home/ann")
        .with_env("sysname", "ubuntu")
        .with_env("fsname", "nfs")
        .with_env("datapath", "none")
        .with_env("MT_RUN_AREA_HOME", "/area")
        .with_command("echo $PWD", "/area\n", 0)
        .with_command("ls", "a\nb\nc\n", 0)
        .with_command("ls > /dev/null", "", 0);
    let opts = ReadOptions {
        environ_pattern: Some(Regex::new("env-override").expect("re")),
        ..common::opts()
    };
    let out = read_config_str("/area/megatest.config", text, &opts, &mut h);
    let problems: Vec<&Problem> = out.diagnostics.iter().map(|d| &d.problem).collect();
    assert_eq!(
        problems,
        [&Problem::IncludeNotFound {
            path: "/area/ann_testing.config".into()
        }]
    );
    let cfg = &out.config;
    assert_eq!(
        pairs(cfg, "env-override"),
        kv(&[
            ("TESTVAR", "/area"),
            ("DEADVAR", "a b c"),
            ("VARWITHDOLLAR", "/home/ann/.zshrc"),
            ("WACKYVAR", "0"),
            ("WACKYVAR2", "start end 0 1 - 2"),
            ("WACKYVAR3", "ann"),
            ("WACKYVAR4", "18"),
            ("WACKYVAR5", "ubuntu/nfs/none"),
            ("MRAH", "MT_RUN_AREA_HOME=/area"),
            ("EMPTY_VAR", ""),
            (
                "WRAPPEDVAR",
                "This var should have the work blah thrice: blah blah"
            ),
            // The shell splits on the blanks around the empty $MT_RUNNAME.
            ("MYRUNNAME2", "/this/is/[system echo ]/my/runname"),
        ])
    );
    assert_eq!(
        h.env.get("WACKYVAR5").map(String::as_str),
        Some("ubuntu/nfs/none")
    );
    // Duplicate sections merge; the later runqueue wins and moves to the end.
    assert_eq!(
        pairs(cfg, "setup"),
        kv(&[
            ("max_concurrent_jobs", "8"),
            ("runqueue", "30"),
            ("launchcount", "3")
        ])
    );
    assert_eq!(
        pairs(cfg, "jobtools"),
        kv(&[("launcher", "nbfake"), ("maxload", "1.5")])
    );
    assert_eq!(cfg.get("test", "VAL2"), Some("==>FooBar<=="));
}

/// `tests/fullrun/runconfigs.config` and friends: a target-dependent include, `#{rget}`,
/// `#{get <target> VAR}`, the `#{system}`-in-a-comment trick, duplicate keys, bare keys with
/// and without a trailing space, `$VAR` left raw.
#[test]
fn fullrun_runconfigs() {
    let text = "\
[default]
SOMEVAR This should show up in SOMEVAR3
TESTSTORUN first
[include #{getenv fsname}.config]

# #{system echo 'VACKYVAR #{shell pwd}' > $MT_RUN_AREA_HOME/configs/$USER.config}
[include ./configs/#{getenv USER}.config]

WACKYVAR0 #{get ubuntu/nfs/none CURRENT}
TESTSTORUN last

[ubuntu/nfs/none]
CURRENT cur
WACKYVAR2 #{runconfigs-get CURRENT}
SOMEVAR2  in target
VARWITHDOLLARSIGNS The$USER/signs
VARNOVAL
VARNOVAL_WITHSPACE 

[default]
SOMEVAR3 #{rget SOMEVAR}
SOMEVAR4 #{rget SOMEVAR2}
SOMEVAR5 #{get ubuntu/nfs/none CURRENT}
";
    let comment_cmd = "echo 'VACKYVAR /area' > $MT_RUN_AREA_HOME/configs/$USER.config";
    let mut h = FakeHost::new()
        .with_env("USER", "ann")
        .with_env("fsname", "nfs")
        .with_command("pwd", "/area\n", 0)
        .with_command(comment_cmd, "", 0)
        .with_file("/area/nfs.config", "FSVAR from-nfs\n")
        .with_file("/area/configs/ann.config", "VACKYVAR /area\n");
    h.target = Some("ubuntu/nfs/none".into());
    let opts = ReadOptions {
        precreate_sections: vec!["ubuntu/nfs/none".into()],
        sections_filter: Some(vec!["default".into(), "ubuntu/nfs/none".into()]),
        ..common::opts()
    };
    let out = read_config_str("/area/runconfigs.config", text, &opts, &mut h);
    assert!(out.diagnostics.is_empty(), "{:?}", messages(&out));
    assert_eq!(h.ran, ["pwd", comment_cmd]);
    let cfg = &out.config;
    assert_eq!(
        pairs(cfg, "default"),
        kv(&[
            ("SOMEVAR", "This should show up in SOMEVAR3"),
            ("FSVAR", "from-nfs"),
            ("VACKYVAR", "/area"),
            ("WACKYVAR0", "#f"),
            ("TESTSTORUN", "last"),
            ("SOMEVAR3", "This should show up in SOMEVAR3"),
            ("SOMEVAR4", "in target"),
            ("SOMEVAR5", "cur"),
        ])
    );
    assert_eq!(
        pairs(cfg, "ubuntu/nfs/none"),
        kv(&[
            ("CURRENT", "cur"),
            ("WACKYVAR2", "cur"),
            ("SOMEVAR2", "in target"),
            ("VARWITHDOLLARSIGNS", "The$USER/signs"),
            ("VARNOVAL", ""),
            ("VARNOVAL_WITHSPACE", " "),
        ])
    );
}

/// `qa:megatest.config`: the `[junk]` helpers, `[scriptinc]`, `[env-overrides]` (substring
/// match), `#{scheme}` across backslash lines, missing includes.
#[test]
fn qa_megatest_config() {
    let text = "\
[setup]
linktree #{getenv MT_RUN_AREA_HOME}/links
max_concurrent_jobs 2

[junk]
rp #{rp #{mtrah ..}}
mtrah #{mtrah }
sh #{sh echo sh-out}
shell #{shell echo shell-out}
system #{system true}
scm #{scm (+ 2 2)}
g #{g setup max_concurrent_jobs}
runcount #{scheme (+ \\
    1 \\
    1)}

[scriptinc scripts/test-scriptinc.sh]

[env-overrides]
EO $HOME/x

[include local.config]
[include ../supplemental.megatest.config]
";
    let mut h = FakeHost::new()
        .with_env("MT_RUN_AREA_HOME", "/qa/area")
        .with_env("HOME", "/home/ann")
        .with_command("true", "", 0)
        .with_executable("/qa/area/scripts/test-scriptinc.sh")
        .with_command(
            "scripts/test-scriptinc.sh",
            "[test-inc-script]\nKEY1 one\nKEY2 two\nKEY3 three\n",
            0,
        );
    h.cwd = "/qa/area".into();
    h.toppath = Some("/qa/area".into());
    let opts = ReadOptions {
        environ_pattern: Some(Regex::new("env-override").expect("re")),
        ..common::opts()
    };
    let out = read_config_str("/qa/area/megatest.config", text, &opts, &mut h);
    let missing = out
        .diagnostics
        .iter()
        .filter(|d| matches!(d.problem, Problem::IncludeNotFound { .. }))
        .count();
    assert_eq!(missing, 2, "{:?}", messages(&out));
    assert_eq!(out.diagnostics.len(), 2, "{:?}", messages(&out));
    let cfg = &out.config;
    assert_eq!(cfg.get("setup", "linktree"), Some("/qa/area/links"));
    assert_eq!(
        pairs(cfg, "junk"),
        kv(&[
            ("rp", "/qa"),
            ("mtrah", "/qa/area"),
            ("sh", "sh-out"),
            ("shell", "shell-out"),
            ("system", "0"),
            ("scm", "4"),
            ("g", "2"),
            ("runcount", "2"),
        ])
    );
    assert_eq!(
        pairs(cfg, "test-inc-script"),
        kv(&[("KEY1", "one"), ("KEY2", "two"), ("KEY3", "three")])
    );
    assert_eq!(cfg.get("env-overrides", "EO"), Some("/home/ann/x"));
    assert_eq!(h.env.get("EO").map(String::as_str), Some("/home/ann/x"));
}

/// `qa:runconfigs.config` with `qa:nover_eh.dat`: wildcard, regexes, case-sensitive
/// `[DEFAULT]`, and `[include #{getenv release}.dat]`.
#[test]
fn qa_runconfigs_wildcards() {
    let text = "\
[default]
MTTESTDIR #{getenv MT_RUN_AREA_HOME}

[DEFAULT]
NOT_DEFAULT yes

[include #{getenv release}.dat]

[Another/One/Here]
VAR VAL1

[v1.60/15/dev]
FOO is foo

[v1.60/15/%]
WHATEVER this is!

[/v1.6.*dev/]
QUICKPATT %

[/v1.60/.*/]
JUNK from wildcard v1.60/%
";
    // (target, expected entries of the target section)
    let cases: &[(&str, Pairs)] = &[
        (
            "v1.60/15/dev",
            &[
                ("FOO", "is foo"),
                ("WHATEVER", "this is!"),
                ("QUICKPATT", "%"),
                ("JUNK", "from wildcard v1.60/%"),
            ],
        ),
        ("v1.60/16/x", &[("JUNK", "from wildcard v1.60/%")]),
        ("v1.65/1/dev", &[("QUICKPATT", "%")]),
        ("nover_eh/testit", &[("NOVER", "from dat")]),
        ("zzz/1/2", &[]),
    ];
    for (target, want) in cases {
        let mut h = FakeHost::new()
            .with_env("MT_RUN_AREA_HOME", "/qa")
            .with_env("release", "nover_eh")
            .with_file("/qa/nover_eh.dat", "[nover_eh/testit]\nNOVER from dat\n");
        let opts = ReadOptions {
            precreate_sections: vec![(*target).into()],
            sections_filter: Some(vec!["default".into(), (*target).into()]),
            ..common::opts()
        };
        let out = read_config_str("/qa/runconfigs.config", text, &opts, &mut h);
        assert!(out.diagnostics.is_empty(), "{target}: {:?}", messages(&out));
        assert_eq!(pairs(&out.config, target), kv(want), "{target}");
        assert_eq!(out.config.get("default", "MTTESTDIR"), Some("/qa"));
        assert!(!out.config.has_section("DEFAULT"));
    }
    // Without a filter (-list-targets): every literal section survives, wildcards do not.
    let mut h = FakeHost::new().with_env("release", "none");
    let out = read_config_str("/qa/runconfigs.config", text, &common::opts(), &mut h);
    let names: Vec<&str> = out.config.section_names().collect();
    assert_eq!(
        names,
        ["default", "DEFAULT", "Another/One/Here", "v1.60/15/dev"]
    );
}

/// Main repo `runconfigs.config`: `[scriptinc ./gentargets.sh #{getenv USER}]`, `[/.*/]`, and
/// `[%/%/%]` doing nothing. Plus `qa:output-tests`: `[/1.*/]` with no keys.
#[test]
fn main_runconfigs_scriptinc_and_catch_all() {
    let text = "\
[default]
ALLTESTS see config

[scriptinc ./gentargets.sh #{getenv USER}]

# [%/%/%] doesn't work
[%/%/%]
NEVER seen

[/.*/]
EVERYWHERE yes

[/1.*/]
";
    let mut h = FakeHost::new()
        .with_env("USER", "ann")
        .with_executable("/fake/cwd/gentargets.sh")
        .with_command("./gentargets.sh ann", "[1/ann/a]\nX 1\n[2/ann/b]\nY 2\n", 0);
    let out = read_config_str("/fake/cwd/runconfigs.config", text, &common::opts(), &mut h);
    assert!(out.diagnostics.is_empty(), "{:?}", messages(&out));
    let cfg = &out.config;
    let names: Vec<&str> = cfg.section_names().collect();
    assert_eq!(names, ["default", "1/ann/a", "2/ann/b"]);
    assert_eq!(
        pairs(cfg, "1/ann/a"),
        kv(&[("X", "1"), ("EVERYWHERE", "yes")])
    );
    assert_eq!(
        pairs(cfg, "2/ann/b"),
        kv(&[("Y", "2"), ("EVERYWHERE", "yes")])
    );
    assert_eq!(
        pairs(cfg, "default"),
        kv(&[("ALLTESTS", "see config"), ("EVERYWHERE", "yes")])
    );
}

/// `qa:runconfig-tests`: `#{rget}` inside the target section, `[system ... #{rget ...}]`, and
/// the `#f` a script can detect.
#[test]
fn runconfig_tests_rget() {
    let text = "\
[default]
ALL_TARGETS common
ARG_DEFAULT d

[a/b/c]
ARG1 one
ARG2 #{rget ARG1}
ARG3 #{rget ARG_DEFAULT}
ARG4 #{rget NOT_THERE}
CHECK [system scripts/valid-rget-arg #{rget ARG1}]
CHECKF [system scripts/valid-rget-arg #{rget NOT_THERE}]
";
    let mut h = FakeHost::new()
        .with_command("scripts/valid-rget-arg one", "good\n", 0)
        .with_command("scripts/valid-rget-arg #f", "got #f\n", 1);
    h.target = Some("a/b/c".into());
    let opts = ReadOptions {
        precreate_sections: vec!["a/b/c".into()],
        sections_filter: Some(vec!["default".into(), "a/b/c".into()]),
        ..common::opts()
    };
    let out = read_config_str("/rt/runconfigs.config", text, &opts, &mut h);
    let problems: Vec<&Problem> = out.diagnostics.iter().map(|d| &d.problem).collect();
    assert_eq!(
        problems,
        [&Problem::SystemFailed {
            cmd: "scripts/valid-rget-arg #f".into(),
            code: 1
        }]
    );
    assert_eq!(
        pairs(&out.config, "a/b/c"),
        kv(&[
            ("ARG1", "one"),
            ("ARG2", "one"),
            ("ARG3", "d"),
            ("ARG4", "#f"),
            ("CHECK", "good"),
            ("CHECKF", "got #f"),
        ])
    );
}

/// The lazy read (allow-system `#f`) used for triggers and `.dat` files.
#[test]
fn lazy_read_of_a_testconfig() {
    let text = "\
[ezsteps]
step1 step1.sh
[items]
NUMS [system seq 3]
HOST #{shell hostname}
[triggers]
COMPLETED/ xterm
[test_meta]
author ann
";
    let mut h = FakeHost::new();
    let opts = ReadOptions {
        allow_system: SystemMode::No,
        ..ReadOptions::default()
    };
    let out = read_config_str("/area/tests/t/testconfig", text, &opts, &mut h);
    assert!(out.diagnostics.is_empty(), "{:?}", messages(&out));
    assert_eq!(
        pairs(&out.config, "items"),
        kv(&[("HOST", "#{(shell) hostname}")])
    );
    assert_eq!(out.config.get("triggers", "COMPLETED/"), Some("xterm"));
    assert!(h.ran.is_empty());
}
