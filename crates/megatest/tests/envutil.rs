//! Environment and maintenance utilities (`-envcap`, `-envdelta`, `-clean-cache`,
//! `-cleanup-db`, `-rebuild-db`) and the non-interactive wizards (`-create-megatest-area`,
//! `-create-test`) end to end with the real binary.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{bin, shared_area, text, Area};

/// Run megatest in `dir` with exactly the environment `env` (plus PATH), stdin not a terminal.
fn mt_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(bin());
    c.args(args).current_dir(dir).env_clear();
    c.env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn envvars(db: &Path) -> Vec<(String, String, String)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare("SELECT context, var, val FROM envvars ORDER BY context, var")
        .unwrap();
    let rows = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn envcap_and_envdelta() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let start = [("KEEP", "same"), ("GONE", "bye"), ("CHG", "old")];
    let end = [("KEEP", "same"), ("NEW", "two words"), ("CHG", "new/v-1")];
    assert!(mt_env(d, &["-envcap", "start"], &start).status.success());
    let o = mt_env(d, &["-envcap", "end", "other.db"], &end);
    assert!(o.status.success(), "{}", text(&o));
    assert!(mt_env(d, &["-envcap", "end"], &end).status.success());
    // The default file has both contexts with exactly the environment (plus PATH).
    let rows = envvars(&d.join("envdat.db"));
    let start_vars: Vec<_> = rows
        .iter()
        .filter(|r| r.0 == "start")
        .map(|r| r.1.as_str())
        .collect();
    assert_eq!(start_vars, ["CHG", "GONE", "KEEP", "PATH"]);
    assert!(rows.contains(&("end".into(), "CHG".into(), "new/v-1".into())));
    assert_eq!(envvars(&d.join("other.db")).len(), 4);
    // Capturing again replaces the context.
    assert!(mt_env(d, &["-envcap", "start"], &[("ONLY", "1")])
        .status
        .success());
    let again: Vec<_> = envvars(&d.join("envdat.db"))
        .into_iter()
        .filter(|r| r.0 == "start")
        .map(|r| r.1)
        .collect();
    assert_eq!(again, ["ONLY", "PATH"]);
    assert!(mt_env(d, &["-envcap", "start"], &start).status.success());

    let cases: &[(&[&str], &str)] = &[
        (
            &["-envdelta", "start-end"],
            "# Added vars\nexport NEW='two words'\n# Removed vars\nunset GONE\n# Changed vars\nexport CHG=new/v-1\n",
        ),
        (
            &["-envdelta", "start-end", "-dumpmode", "csh"],
            "# Added vars\nsetenv NEW 'two words'\n# Removed vars\nunsetenv GONE\n# Changed vars\nsetenv CHG new/v-1\n",
        ),
        (
            &["-envdelta", "start-end", "-dumpmode", "ini"],
            "# Added vars\nNEW two words\n# Removed vars\n#{scheme (unsetenv \"GONE\")}\n# Changed vars\nCHG new/v-1\n",
        ),
        (
            &["-envdelta", "end-start", "-dumpmode", "bash"],
            "# Added vars\nexport GONE=bye\n# Removed vars\nunset NEW\n# Changed vars\nexport CHG=old\n",
        ),
    ];
    for (args, want) in cases {
        let o = mt_env(d, args, &[]);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        assert_eq!(stdout(&o), *want, "{args:?}");
    }
    let o = mt_env(
        d,
        &[
            "-envdelta",
            "start-end",
            "-dumpmode",
            "csh",
            "-o",
            "delta.csh",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        std::fs::read_to_string(d.join("delta.csh")).unwrap(),
        cases[1].1
    );
    // The bash output can be sourced: applying it to `start` gives `end`.
    let script = format!(
        "export GONE=bye CHG=old KEEP=same\n{}\necho \"$NEW|$CHG|${{GONE-unset}}|$KEEP\"",
        cases[0].1
    );
    let o = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(stdout(&o), "two words|new/v-1|unset|same\n");
    // An explicit file argument.
    let o = mt_env(d, &["-envdelta", "start-end", "other.db"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(stderr(&o).contains("no context \"start\""), "{}", text(&o));
}

#[test]
fn envdelta_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    assert!(mt_env(d, &["-envcap", "a"], &[("X", "1")]).status.success());
    let before = envvars(&d.join("envdat.db"));
    let cases: &[(&[&str], &str)] = &[
        (
            &["-envdelta", "ab"],
            "Parameter to -envdelta should be new=star-end",
        ),
        (&["-envdelta", "a-nope"], "no context \"nope\""),
        (&["-envdelta", "zz-a"], "no context \"zz\""),
        (
            &["-envdelta", "a-a", "-dumpmode", "json"],
            "use -dumpmode bash, csh, config or ini",
        ),
        (&["-envdelta", "a-b", "missing.db"], "missing.db"),
        (&["-envdelta", "a-nope", "-o", "out.txt"], "no context"),
    ];
    for (args, msg) in cases {
        let o = mt_env(d, args, &[]);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", text(&o));
        assert!(
            stderr(&o).contains(msg),
            "{args:?}: want {msg:?}\n{}",
            text(&o)
        );
        assert_eq!(stdout(&o), "", "{args:?}");
    }
    assert_eq!(envvars(&d.join("envdat.db")), before);
    assert!(!d.join("out.txt").exists());
    assert!(!d.join("missing.db").exists());
}

#[test]
fn clean_cache_removes_only_cached_configs() {
    let Some(src) = shared_area("basic") else {
        return;
    };
    let a = Area::copy_of(&src);
    let rundir = a.dir.join("links/linux/1.0/r1");
    std::fs::create_dir_all(&rundir).unwrap();
    let all = [
        ".megatest.cfg-1.65-abcd",
        ".megatest.cfg.123",
        ".runconfig.1.65-abcd",
        ".other",
        "setup",
        "notes.megatest",
    ];
    for f in all {
        std::fs::write(rundir.join(f), "x").unwrap();
    }
    let o = a.mt(&["-clean-cache", "-target", "linux/1.0"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(stderr(&o).contains("-runname"), "{}", text(&o));
    assert_eq!(
        std::fs::read_dir(&rundir).unwrap().count(),
        all.len(),
        "nothing removed on bad input"
    );
    let o = a.mt(&["-clean-cache", "-target", "linux/1.0", "-runname", "r1"]);
    assert!(o.status.success(), "{}", text(&o));
    let mut left: Vec<String> = std::fs::read_dir(&rundir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, [".other", "notes.megatest", "setup"]);
}

#[test]
fn cleanup_db_and_rebuild_db_dejunk() {
    let Some(src) = shared_area("basic") else {
        return;
    };
    let a = Area::copy_of(&src);
    for rn in ["r1", "r2"] {
        let o = a.mt(&[
            "-run",
            "-target",
            "linux/1.0",
            "-runname",
            rn,
            "-testpatt",
            "setup,report",
        ]);
        assert!(o.status.success(), "{}", text(&o));
    }
    {
        let c = a.db();
        c.execute_batch(
            "UPDATE tests SET state='DELETED' WHERE testname='report' AND run_id=(SELECT id FROM runs WHERE runname='r1');
             UPDATE runs SET state='deleted' WHERE runname='r2';
             INSERT INTO runs (OS, RELEASE, runname, state) VALUES ('linux', '1.0', 'empty', 'new');
             INSERT INTO tests (run_id, testname, state, status) VALUES (4242, 'orphan', 'COMPLETED', 'PASS');",
        )
        .unwrap();
    }
    // What each rule should remove, counted independently before the clean-up.
    let of_r2 =
        a.count("SELECT count(*) FROM tests WHERE run_id=(SELECT id FROM runs WHERE runname='r2')");
    let live_r1 = a.count(
        "SELECT count(*) FROM tests WHERE state != 'DELETED' AND run_id=(SELECT id FROM runs WHERE runname='r1')",
    );
    assert!(
        of_r2 >= 2 && live_r1 >= 1,
        "the runs registered their tests"
    );
    let o = a.mt(&["-cleanup-db"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = stdout(&o);
    for want in [
        format!("{of_r2} test(s) of deleted runs"),
        "1 DELETED test(s)".to_string(),
        "1 test(s) without a run".to_string(),
        "1 deleted run(s)".to_string(),
        "1 run(s) without tests".to_string(),
    ] {
        assert!(out.contains(&want), "want {want:?} in {out}");
    }
    assert_eq!(a.count("SELECT count(*) FROM runs"), 1);
    assert_eq!(a.count("SELECT count(*) FROM tests"), live_r1);
    assert_eq!(
        a.count("SELECT count(*) FROM tests WHERE testname='report'"),
        0
    );
    assert_eq!(
        a.count("SELECT count(*) FROM test_steps WHERE test_id NOT IN (SELECT id FROM tests)"),
        0
    );
    // -rebuild-db is the same clean-up; nothing is left to remove.
    let o = a.mt(&["-rebuild-db"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        stdout(&o).contains("removed 0 test(s) of deleted runs, 0 DELETED"),
        "{}",
        text(&o)
    );
    assert_eq!(
        a.record("r1", "setup", ""),
        Some(("COMPLETED".into(), "PASS".into()))
    );
}

#[test]
fn wizard_area_and_test_run_to_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let env = [("USER", "tester")];
    let o = mt_env(
        d,
        &[
            "-create-megatest-area",
            "-area-dir",
            "myarea",
            "-keys",
            "OS/REL",
            "-target",
            "linux/1.0",
            "-area-name",
            "demo",
        ],
        &env,
    );
    assert!(o.status.success(), "{}", text(&o));
    let area = d.join("myarea");
    let cfg = std::fs::read_to_string(area.join("megatest.config")).unwrap();
    for want in [
        "[fields]\nOS TEXT\nREL TEXT\n",
        "max_concurrent_jobs 50",
        "area-name demo",
        "launcher nbfake",
        "[disks]\ndisk0 ",
    ] {
        assert!(cfg.contains(want), "want {want:?} in\n{cfg}");
    }
    assert!(
        cfg.contains(&format!("linktree {}", area.join("links").display())),
        "{cfg}"
    );
    let rc = std::fs::read_to_string(area.join("runconfigs.config")).unwrap();
    assert!(
        rc.contains("[default]\nALLTESTS") && rc.contains("[linux/1.0]\nANOTHERVAR"),
        "{rc}"
    );
    assert!(area.join("configs/tester.config").is_file());
    for dir in ["runs", "links", "tests"] {
        assert!(area.join(dir).is_dir(), "{dir}");
    }

    let o = mt_env(
        &area,
        &[
            "-create-test",
            "hello",
            "-ezstep",
            "greet ./greet.sh",
            "-ezstep",
            "check test -f greet.log",
            "-description",
            "Says hello",
            "-priority",
            "3",
        ],
        &env,
    );
    assert!(o.status.success(), "{}", text(&o));
    let tc = std::fs::read_to_string(area.join("tests/hello/testconfig")).unwrap();
    for want in [
        "[ezsteps]\ngreet ./greet.sh\ncheck test -f greet.log\n",
        "priority 3",
        "[logpro]\ngreet ;;",
        "description Says hello",
        "author tester",
        "tags tagone,tagtwo",
        "reviewed never",
    ] {
        assert!(tc.contains(want), "want {want:?} in\n{tc}");
    }
    let script = area.join("tests/hello/greet.sh");
    {
        use std::os::unix::fs::PermissionsExt;
        assert_ne!(
            std::fs::metadata(&script).unwrap().permissions().mode() & 0o111,
            0,
            "script is executable"
        );
    }
    // A second test with items that waits on the first.
    let o = mt_env(
        &area,
        &[
            "-create-test",
            "itemized",
            "-ezstep",
            "show echo arch is $ARCH",
            "-item",
            "ARCH x86 arm",
            "-waiton",
            "hello",
        ],
        &env,
    );
    assert!(o.status.success(), "{}", text(&o));

    let o = mt_env(
        &area,
        &[
            "-run",
            "-target",
            "linux/1.0",
            "-runname",
            "first",
            "-testpatt",
            "%",
        ],
        &env,
    );
    assert!(o.status.success(), "{}", text(&o));
    let c = rusqlite::Connection::open(area.join("megatest.db")).unwrap();
    let mut st = c
        .prepare(
            "SELECT testname, item_path, state, status FROM tests ORDER BY testname, item_path",
        )
        .unwrap();
    let got: Vec<(String, String, String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let want: Vec<(String, String, String, String)> = [
        ("hello", ""),
        ("itemized", ""),
        ("itemized", "arm"),
        ("itemized", "x86"),
    ]
    .iter()
    .map(|(t, i)| ((*t).into(), (*i).into(), "COMPLETED".into(), "PASS".into()))
    .collect();
    assert_eq!(got, want, "{}", text(&o));
}

#[test]
fn wizard_without_terminal_never_blocks() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(d.join("keep.txt"), "mine").unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["-create-megatest-area", "-area-dir", "new"], "-keys"),
        (
            &[
                "-create-megatest-area",
                "-area-dir",
                "new",
                "-keys",
                "runname",
            ],
            "reserved",
        ),
        (
            &[
                "-create-megatest-area",
                "-area-dir",
                "new",
                "-keys",
                "A/B",
                "-target",
                "x",
            ],
            "one per key",
        ),
        (&["-create-megatest-area", "-keys", "A"], "give -y"),
        (
            &["-create-test", "t1", "-ezstep", "a echo"],
            "megatest.config not found",
        ),
    ];
    for (args, msg) in cases {
        let o = mt_env(d, args, &[]);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", text(&o));
        assert!(
            stderr(&o).contains(msg),
            "{args:?}: want {msg:?}\n{}",
            text(&o)
        );
        let mut entries: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        entries.sort();
        assert_eq!(entries, ["keep.txt"], "{args:?} created files");
    }
    // -y writes into the non-empty directory, keeping what was there.
    let o = mt_env(d, &["-create-megatest-area", "-keys", "A", "-y"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(d.join("keep.txt")).unwrap(), "mine");
    assert!(d.join("megatest.config").is_file());

    // -create-test: steps are required without a terminal; an existing testconfig needs -y.
    let tests_dir = d.join("tests");
    let o = mt_env(d, &["-create-test", "t1"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(stderr(&o).contains("-ezstep"), "{}", text(&o));
    assert!(!tests_dir.join("t1").exists());
    for bad in [
        &["-create-test", "t1", "-ezstep", "onlyname"][..],
        &["-create-test", "t1", "-ezstep", "a b", "-priority", "high"],
        &["-create-test", "../x", "-ezstep", "a b"],
    ] {
        let o = mt_env(d, bad, &[]);
        assert_eq!(o.status.code(), Some(1), "{bad:?}: {}", text(&o));
        assert!(!tests_dir.join("t1").exists(), "{bad:?}");
    }
    let o = mt_env(d, &["-create-test", "t1", "-ezstep", "a echo one"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let first = std::fs::read_to_string(tests_dir.join("t1/testconfig")).unwrap();
    let o = mt_env(
        &tests_dir,
        &["-create-test", "t1", "-ezstep", "b echo two"],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(stderr(&o).contains("give -y"), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(tests_dir.join("t1/testconfig")).unwrap(),
        first
    );
    // From a subdirectory of the area, with -y.
    let o = mt_env(
        &tests_dir,
        &["-create-test", "t1", "-ezstep", "b echo two", "-y"],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(std::fs::read_to_string(tests_dir.join("t1/testconfig"))
        .unwrap()
        .contains("b echo two"));
}
