//! Inspection commands and config errors, end to end with the real binary (issue 2).

mod common;

use common::{shared_area, text, Area};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn show_runconfig_json_for_basic() {
    let Some(src) = shared_area("basic") else {
        return;
    };
    let a = Area::copy_of(&src);
    let o = a.mt(&[
        "-show-runconfig",
        "-target",
        "linux/1.0",
        "-dumpmode",
        "json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["linux/1.0"]["BUILD_FLAGS"], "-O2");
    assert_eq!(v["linux/1.0"]["DISTRO"], "generic-linux");
    assert_eq!(v["default"]["GREETING"], "hello");
    // Only [default] and the target survive; the wildcard section is gone.
    assert_eq!(v.as_object().unwrap().len(), 2, "{v}");
    // -var looks in the target, then [default].
    for (var, want) in [
        ("GREETING", "hello"),
        ("BUILD_FLAGS", "-O2"),
        ("DISTRO", "generic-linux"),
    ] {
        let o = a.mt(&["-show-runconfig", "-target", "linux/1.0", "-var", var]);
        assert_eq!(stdout(&o).trim(), want, "{}", text(&o));
    }
    // Default ini output.
    let o = a.mt(&["-show-runconfig", "-target", "linux/1.0"]);
    assert!(
        stdout(&o).contains("[linux/1.0]\nBUILD_FLAGS -O2\nDISTRO generic-linux\n"),
        "{}",
        text(&o)
    );
}

#[test]
fn keys_targets_and_config_dumps() {
    let Some(src) = shared_area("basic") else {
        return;
    };
    let a = Area::copy_of(&src);
    let o = a.mt(&["-show-keys"]);
    assert_eq!(stdout(&o).trim(), "Keys: OS, RELEASE");
    let o = a.mt(&["-list-targets"]);
    assert_eq!(stdout(&o), "default\nlinux/1.0\n", "{}", text(&o));
    let o = a.mt(&["-list-targets", "-dumpmode", "json"]);
    assert_eq!(stdout(&o).trim(), r#"["default","linux/1.0"]"#);
    let o = a.mt(&["-show-config", "-dumpmode", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["setup"]["max_concurrent_jobs"], "3");
    assert_eq!(v["jobgroups"]["serial"], "1");
    // #{getenv MT_RUN_AREA_HOME} was expanded while reading.
    let lt = v["setup"]["linktree"].as_str().unwrap();
    assert!(lt.ends_with("/area/links"), "{lt}");
    let o = a.mt(&[
        "-show-config",
        "-section",
        "env-override",
        "-var",
        "AREA_FLAVOUR",
    ]);
    assert_eq!(stdout(&o).trim(), "acceptance");
    let o = a.mt(&["-list-disks"]);
    assert!(stdout(&o).starts_with("disk0 => /"), "{}", text(&o));
}

#[test]
fn help_version_and_unknown_options() {
    let a = Area::copy_of(&common::example_area("demo"));
    let o = a.mt(&["-h"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("-run"));
    let o = a.mt(&["-version"]);
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("1.65"), "{}", text(&o));
    let o = a.mt(&["-frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o).trim(),
        "ERROR: unrecognised option -frobnicate (see megatest -h)"
    );
    let o = a.mt(&["-target"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).trim(), "ERROR: option -target needs a value");
    let o = a.mt(&["-show-runconfig", "-target", "linux"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("Invalid target"), "{}", text(&o));
}

fn area_with(config_tail: &str) -> Area {
    let a = Area::copy_of(&common::example_area("demo"));
    let cfg = a.dir.join("megatest.config");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str(config_tail);
    std::fs::write(cfg, text).unwrap();
    a
}

/// The line number where `config_tail` starts in the demo area's megatest.config.
fn tail_line() -> usize {
    std::fs::read_to_string(common::example_area("demo").join("megatest.config"))
        .unwrap()
        .lines()
        .count()
        + 1
}

fn normalized(a: &Area, s: &str) -> String {
    s.replace(&a.dir.display().to_string(), "<AREA>")
}

#[test]
fn config_errors_name_file_and_line() {
    let l = tail_line();
    // A broken line: a helper with no closing brace.
    let a = area_with("[misc]\nhome #{getenv HOME\n");
    let o = a.mt(&["-show-config"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        normalized(&a, &stderr(&o)),
        format!("ERROR: <AREA>/megatest.config:{}:6: malformed helper 'getenv' in \"#{{getenv HOME\" (want #{{getenv BODY}} with no braces in BODY)\n", l + 1)
    );
    // A missing include: a warning, the rest of the config is still used.
    let a = area_with("[include no-such-file.config]\n");
    let o = a.mt(&[
        "-show-config",
        "-section",
        "setup",
        "-var",
        "max_concurrent_jobs",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(stdout(&o).trim(), "2");
    assert_eq!(
        normalized(&a, &stderr(&o)),
        format!("WARNING: <AREA>/megatest.config:{l}: include file not found: <AREA>/no-such-file.config\n")
    );
    // An unknown helper.
    let a = area_with("[misc]\nx #{frob nicate}\n");
    let o = a.mt(&["-show-config"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        normalized(&a, &stderr(&o)),
        format!(
            "ERROR: <AREA>/megatest.config:{}:3: unknown helper 'frob' in #{{frob nicate}}\n",
            l + 1
        )
    );
    // Several problems are all reported, not just the first.
    let a = area_with("[misc]\nx #{frob nicate}\ny #{shell exit 3}\n");
    let o = a.mt(&["-show-config"]);
    let e = stderr(&o);
    assert!(e.starts_with("ERROR: 2 problems:"), "{e}");
    assert!(
        e.contains(&format!("megatest.config:{}:3: unknown helper", l + 1)),
        "{e}"
    );
    assert!(e.contains(&format!("megatest.config:{}:", l + 2)), "{e}");
}

#[test]
fn scheme_in_configs() {
    let a = area_with(
        "[misc]\nsum #{scheme (+ 5 6 7)}\ntgt #{scheme (args:get-arg \"-target\")}\nlauncher #{scheme (case (string->symbol (conc (getenv \"datapath\"))) ((none) \"nbfake\") (else \"bsub\"))}\nmade #{scheme (create-directory \"#{getenv MT_RUN_AREA_HOME}/made/here\" #t)}\n",
    );
    let o = a.mt(&[
        "-show-config",
        "-dumpmode",
        "json",
        "-target",
        "linux/debug",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["misc"]["sum"], "18");
    assert_eq!(v["misc"]["tgt"], "linux/debug");
    assert_eq!(v["misc"]["launcher"], "bsub");
    assert!(a.dir.join("made/here").is_dir());
    // An unsupported form is an error naming the file and line.
    let l = tail_line();
    let a = area_with("[misc]\nbad #{scheme (no-such-procedure 1)}\n");
    let o = a.mt(&["-show-config"]);
    assert_eq!(o.status.code(), Some(1));
    let e = normalized(&a, &stderr(&o));
    assert!(
        e.contains(&format!("<AREA>/megatest.config:{}", l + 1)),
        "{e}"
    );
    assert!(e.contains("no-such-procedure"), "{e}");
}
