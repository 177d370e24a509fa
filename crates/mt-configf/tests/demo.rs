//! The worked example of spec §1.17 (demo.config), with a fake host and a fake Scheme.

mod common;

use common::{kv, messages, pairs};
use mt_configf::{read_config, FakeHost, Problem, ReadOptions};
use regex::Regex;

const DEMO: &str = "\
# file: demo.config      (lines before any header go to [default])
TOP  value with   spaces   
[misc]
home   #{shell readlink -f $MT_RUN_AREA_HOME}
user   #{getenv USER}
label  #{get misc user}@#{scheme (get-host-name)}
count  #{scheme (+ 1 2)}
files  [system ls /etc | head -2]
long   first line
   second line
      third (indented 3 more)
[configf:settings trim-trailing-spaces yes]
[include sub/extra.config]
[include sub/extra.config] # trailing text
[env-override]
PATHX $HOME/bin:#{getenv PATH}
EMPTY
";

fn host(user: Option<&str>, with_extra: bool) -> FakeHost {
    let mut h = FakeHost::new()
        .with_env("HOME", "/home/ann")
        .with_env("PATH", "/usr/bin:/bin")
        .with_env("MT_RUN_AREA_HOME", "/area")
        .with_file("/area/demo.config", DEMO)
        .with_command("readlink -f $MT_RUN_AREA_HOME", "/real/area\n", 0)
        .with_command("ls /etc | head -2", "adduser.conf\nalternatives\n", 0);
    if let Some(u) = user {
        h = h.with_env("USER", u);
    }
    if with_extra {
        h = h.with_file("/area/sub/extra.config", "EXTRA from-sub   \n");
    }
    h
}

fn opts() -> ReadOptions<'static> {
    ReadOptions {
        environ_pattern: Some(Regex::new("env-override").expect("re")),
        ..common::opts()
    }
}

#[test]
fn demo_config_with_include_present() {
    let mut h = host(Some("ann"), true);
    let out = read_config("/area/demo.config", &opts(), &mut h).expect("read");
    assert!(out.diagnostics.is_empty(), "{:?}", messages(&out));
    let cfg = &out.config;
    assert_eq!(
        pairs(cfg, "default"),
        kv(&[("TOP", "value with   spaces   ")])
    );
    assert_eq!(
        pairs(cfg, "misc"),
        kv(&[
            ("home", "/real/area"),
            ("user", "ann"),
            ("label", "ann@fakehost"),
            ("count", "3"),
            ("files", "adduser.conf alternatives"),
            (
                "long",
                "first line\nsecond line\n   third (indented 3 more)"
            ),
            ("EXTRA", "from-sub"),
            ("[include", "sub/extra.config] # trailing text"),
        ])
    );
    assert_eq!(
        pairs(cfg, "env-override"),
        kv(&[("PATHX", "/home/ann/bin:/usr/bin:/bin"), ("EMPTY", "")])
    );
    assert_eq!(
        h.env.get("PATHX").map(String::as_str),
        Some("/home/ann/bin:/usr/bin:/bin")
    );
    assert_eq!(h.env.get("EMPTY").map(String::as_str), Some(""));
    let names: Vec<&str> = cfg.section_names().collect();
    assert_eq!(names, ["default", "misc", "env-override"]);
}

#[test]
fn demo_config_with_include_missing_and_user_unset() {
    let mut h = host(None, false);
    let out = read_config("/area/demo.config", &opts(), &mut h).expect("read");
    let problems: Vec<&Problem> = out.diagnostics.iter().map(|d| &d.problem).collect();
    assert_eq!(
        problems,
        [&Problem::IncludeNotFound {
            path: "/area/sub/extra.config".into()
        }]
    );
    assert_eq!(out.diagnostics[0].line, 13);
    assert!(!out.has_errors());
    let cfg = &out.config;
    assert_eq!(cfg.get("misc", "user"), Some("#f"));
    assert_eq!(cfg.get("misc", "label"), Some("#f@fakehost"));
    assert_eq!(cfg.get("misc", "EXTRA"), None);
    assert_eq!(
        cfg.get("misc", "[include"),
        Some("sub/extra.config] # trailing text")
    );
}

#[test]
fn demo_config_without_environment_pattern_keeps_raw_values() {
    let mut h = host(Some("ann"), true);
    let out = read_config("/area/demo.config", &common::opts(), &mut h).expect("read");
    assert_eq!(
        out.config.get("env-override", "PATHX"),
        Some("$HOME/bin:/usr/bin:/bin")
    );
    assert!(!h.env.contains_key("PATHX"));
    // The bare key still exports, in any section.
    assert_eq!(h.env.get("EMPTY").map(String::as_str), Some(""));
}
