//! Run management end to end with the real binary: reruns, -remove-runs, -set-state-status,
//! run status, lock/unlock, rename, kills, dead tests, waivers and the stand-alone
//! -run-wait (runner spec §3.2, §3.12–§3.14, §4.8, §4.11, §6.2, §6.6–§6.8).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::{shared_area, text, Area};

// ------------------------------------------------------------------ helpers

const CONFIG: &str = "[fields]\nOS TEXT\n\n[setup]\nmax_concurrent_jobs 4\n\
    linktree #{getenv MT_RUN_AREA_HOME}/links\n__SETUP__\n[disks]\n\
    disk0 #{getenv MT_RUN_AREA_HOME}/runs\n";

/// A small area: `setup_extra` lines go into `[setup]`; `tests` are (name, testconfig).
fn small_area(setup_extra: &str, tests: &[(&str, &str)]) -> Area {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("area");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("megatest.config"),
        CONFIG.replace("__SETUP__", setup_extra),
    )
    .unwrap();
    std::fs::write(dir.join("runconfigs.config"), "[default]\nGREETING hi\n").unwrap();
    for (name, tc) in tests {
        let d = dir.join("tests").join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("testconfig"), tc).unwrap();
    }
    Area { _tmp: tmp, dir }
}

/// Start megatest in the background (no inherited MT_* variables).
fn spawn_mt(a: &Area, args: &[&str]) -> Child {
    a.spawn(args)
}

fn ok(out: &std::process::Output) {
    assert!(out.status.success(), "{}", text(out));
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Poll until `f` holds or `limit` passes; returns whether it held.
fn wait_for(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    f()
}

fn state_of(a: &Area, run: &str, test: &str, item: &str) -> (String, String) {
    a.record(run, test, item).unwrap_or_default()
}

fn pair(s: &str, t: &str) -> (String, String) {
    (s.to_string(), t.to_string())
}

/// Processes whose working directory is `dir` or below.
fn procs_in(dir: &Path) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let cwd = std::fs::read_link(e.path().join("cwd")).unwrap_or_default();
        if cwd.starts_with(dir) {
            let cmd = std::fs::read_to_string(e.path().join("cmdline")).unwrap_or_default();
            out.push((pid, cmd.replace('\0', " ")));
        }
    }
    out
}

fn run_dir(a: &Area, target: &str, run: &str, test: &str) -> PathBuf {
    std::fs::canonicalize(a.dir.join("runs").join(target).join(run).join(test)).unwrap()
}

/// Every column of every test record, to prove a refused command changed nothing.
fn snapshot(a: &Area) -> Vec<String> {
    snapshot_where(a, "%")
}

/// The test records of the runs whose name is LIKE `runs`, and those runs.
fn snapshot_where(a: &Area, runs: &str) -> Vec<String> {
    let c = a.db();
    let mut st = c
        .prepare(
            "SELECT t.id, t.run_id, t.testname, t.item_path, t.state, t.status, t.comment FROM tests t
             JOIN runs r ON r.id=t.run_id WHERE r.runname LIKE ?1 ORDER BY t.id",
        )
        .unwrap();
    let rows = st
        .query_map([runs], |r| {
            Ok(format!(
                "{}|{}|{}|{}|{}|{}|{}",
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?
            ))
        })
        .unwrap();
    let mut v: Vec<String> = rows.map(Result::unwrap).collect();
    let runs: Vec<String> = c
        .prepare("SELECT id, runname, state, status, comment FROM runs WHERE runname LIKE ?1 ORDER BY id")
        .unwrap()
        .query_map([runs], |r| {
            Ok(format!(
                "run {}|{}|{}|{}|{}",
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    v.extend(runs);
    v
}

fn launches(a: &Area, run: &str, test: &str, item: &str) -> i64 {
    a.db()
        .query_row(
            "SELECT count(*) FROM events e JOIN runs r ON r.id=e.run_id
             WHERE r.runname=?1 AND e.testname=?2 AND e.item_path=?3 AND e.new_state='LAUNCHED'",
            rusqlite::params![run, test, item],
            |r| r.get(0),
        )
        .unwrap()
}

// ------------------------------------------------------------------ reruns (basic area)

const BASIC_RUN: &[&str] = &[
    "-run",
    "-target",
    "linux/1.0",
    "-runname",
    "accept1",
    "-testpatt",
    "%",
    "-quiet",
];

#[test]
fn rerun_fail_relaunches_only_the_failed_item() {
    let Some(src) = shared_area("basic") else {
        return;
    };
    let a = Area::copy_of(&src);
    ok(&a.mt(BASIC_RUN));
    let before = a.count("SELECT count(*) FROM events WHERE new_state='LAUNCHED'");
    let out = a.mt(&[
        "-run",
        "-target",
        "linux/1.0",
        "-runname",
        "accept1",
        "-testpatt",
        "unit,package,publish",
        "-rerun",
        "FAIL",
        "-quiet",
    ]);
    ok(&out);
    let after = a.count("SELECT count(*) FROM events WHERE new_state='LAUNCHED'");
    assert_eq!(after - before, 1, "only one launch\n{}", text(&out));
    assert_eq!(launches(&a, "accept1", "unit", "arm/O2"), 2);
    for item in ["x86/O0", "x86/O2", "arm/O0"] {
        assert_eq!(
            launches(&a, "accept1", "unit", item),
            1,
            "unit/{item} must not rerun"
        );
    }
    // The rerun failed again; both attempts are in the history.
    assert_eq!(
        state_of(&a, "accept1", "unit", "arm/O2"),
        pair("COMPLETED", "FAIL")
    );
    let fails = a.count(
        "SELECT count(*) FROM events WHERE testname='unit' AND item_path='arm/O2' AND new_state='COMPLETED' AND new_status='FAIL'",
    );
    assert_eq!(fails, 2);
    assert_eq!(
        state_of(&a, "accept1", "package", ""),
        pair("NOT_STARTED", "PREQ_FAIL")
    );
    assert_eq!(
        state_of(&a, "accept1", "publish", ""),
        pair("NOT_STARTED", "PREQ_DISCARDED")
    );
}

#[test]
fn rerun_clean_reruns_failed_and_prerequisite_failed_tests() {
    let Some(src) = shared_area("basic") else {
        return;
    };
    let a = Area::copy_of(&src);
    ok(&a.mt(BASIC_RUN));
    // The bug is fixed: arm/O2 now passes.
    std::fs::write(a.dir.join("tests/unit/check.sh"), "#!/bin/sh\necho fixed\n").unwrap();
    let out = a.mt(&[
        "-rerun-clean",
        "-target",
        "linux/1.0",
        "-runname",
        "accept1",
        "-testpatt",
        "unit,package,publish",
        "-quiet",
    ]);
    ok(&out);
    for (t, i) in [
        ("unit", "arm/O2"),
        ("unit", ""),
        ("package", ""),
        ("publish", ""),
    ] {
        assert_eq!(
            state_of(&a, "accept1", t, i),
            pair("COMPLETED", "PASS"),
            "{t}/{i}\n{}",
            text(&out)
        );
    }
    assert_eq!(launches(&a, "accept1", "unit", "arm/O2"), 2);
    assert_eq!(launches(&a, "accept1", "package", ""), 1);
    assert_eq!(
        launches(&a, "accept1", "unit", "arm/O0"),
        1,
        "a passing item is not rerun"
    );
    assert_eq!(
        launches(&a, "accept1", "compile", "arm/O2"),
        1,
        "waitons that passed are not rerun"
    );
    // The resets are events of their own, and the first attempt is still in the history.
    let resets = a.count(
        "SELECT count(*) FROM events WHERE source='rerun-clean' AND new_state='NOT_STARTED'",
    );
    assert!(resets >= 4, "{resets} reset events");
    let first_fail = a.count("SELECT count(*) FROM events WHERE testname='unit' AND item_path='arm/O2' AND new_status='FAIL'");
    assert_eq!(first_fail, 1);
    // Tests outside the selection keep their verdict (logfail fails with or without logpro).
    assert_eq!(
        state_of(&a, "accept1", "logfail", ""),
        pair("COMPLETED", "FAIL")
    );
    assert_eq!(
        state_of(&a, "accept1", "slowpoke", ""),
        pair("KILLED", "KILLED")
    );
}

const CHAIN: &[(&str, &str)] = &[
    (
        "first",
        "[ezsteps]\ns1 echo one >> $MT_RUN_AREA_HOME/first.log\n",
    ),
    (
        "second",
        "[requirements]\nwaiton first\n\n[ezsteps]\ns2 echo two >> $MT_RUN_AREA_HOME/second.log\n",
    ),
    (
        "other",
        "[ezsteps]\ns3 echo three >> $MT_RUN_AREA_HOME/other.log\n",
    ),
];

#[test]
fn rerun_all_relaunches_the_selection_with_preclean() {
    let a = small_area("", CHAIN);
    ok(&a.mt(&[
        "-run",
        "-target",
        "linux",
        "-runname",
        "r1",
        "-testpatt",
        "%",
        "-quiet",
    ]));
    let marker = a.dir.join("runs/linux/r1/second/stale.txt");
    std::fs::write(&marker, "old").unwrap();
    let out = a.mt(&[
        "-rerun-all",
        "-target",
        "linux",
        "-runname",
        "r1",
        "-testpatt",
        "second",
        "-quiet",
    ]);
    ok(&out);
    let lines = |f: &str| {
        std::fs::read_to_string(a.dir.join(f))
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!(
        lines("first.log"),
        2,
        "the waiton is part of the selection\n{}",
        text(&out)
    );
    assert_eq!(lines("second.log"), 2);
    assert_eq!(lines("other.log"), 1, "outside the selection");
    assert!(!marker.exists(), "-rerun-all forces -preclean");
    assert_eq!(state_of(&a, "r1", "second", ""), pair("COMPLETED", "PASS"));
}

// ------------------------------------------------------------------ removal

const ITEMS: &[(&str, &str)] = &[
    ("plain", "[ezsteps]\np echo plain > p.txt\n"),
    (
        "multi",
        "[items]\nN 1 2 3\n\n[ezsteps]\nm echo $N > n.txt\n",
    ),
    ("bad", "[ezsteps]\nb exit 1\n"),
];

#[test]
fn remove_runs_selects_removes_and_deletes_empty_runs() {
    let a = small_area("", ITEMS);
    for r in ["r1", "r2"] {
        ok(&a.mt(&[
            "-run",
            "-target",
            "linux",
            "-runname",
            r,
            "-testpatt",
            "%",
            "-quiet",
        ]));
    }
    let r1_runs = a.dir.join("runs/linux/r1");
    let r1_links = a.dir.join("links/linux/r1");
    assert!(r1_runs.join("multi/2/n.txt").is_file());

    // Missing -testpatt: exit 3, nothing touched.
    let snap = snapshot(&a);
    let out = a.mt(&["-remove-runs", "-target", "linux", "-runname", "r1"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(stderr(&out).contains("-testpatt"), "{}", text(&out));
    // A run that does not exist: exit 1, named, nothing touched.
    let out = a.mt(&[
        "-remove-runs",
        "-target",
        "linux",
        "-runname",
        "nosuch",
        "-testpatt",
        "%",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("nosuch"), "{}", text(&out));
    assert_eq!(snapshot(&a), snap);

    // A :status filter: only the FAIL record goes.
    ok(&a.mt(&[
        "-remove-runs",
        "-target",
        "linux",
        "-runname",
        "r1",
        "-testpatt",
        "%",
        ":status",
        "FAIL",
    ]));
    assert_eq!(a.record("r1", "bad", ""), None);
    assert!(
        !r1_runs.join("bad").exists() && std::fs::symlink_metadata(r1_links.join("bad")).is_err()
    );
    assert_eq!(state_of(&a, "r1", "plain", ""), pair("COMPLETED", "PASS"));

    // One item: its directory and link go, the others stay.
    ok(&a.mt(&[
        "-remove-runs",
        "-target",
        "linux",
        "-runname",
        "r1",
        "-testpatt",
        "multi/2",
    ]));
    assert_eq!(a.record("r1", "multi", "2"), None);
    assert!(!r1_runs.join("multi/2").exists());
    assert!(std::fs::symlink_metadata(r1_links.join("multi/2")).is_err());
    assert!(r1_runs.join("multi/1/n.txt").is_file());
    assert_eq!(state_of(&a, "r1", "multi", "1"), pair("COMPLETED", "PASS"));
    let deleted = a.count(
        "SELECT count(*) FROM tests t JOIN runs r ON r.id=t.run_id WHERE r.runname='r1' AND t.testname='multi' AND t.item_path='2' AND t.state='DELETED'",
    );
    assert_eq!(deleted, 1, "records are marked DELETED");

    // The rest: the run is deleted, its directories are gone, r2 is untouched.
    let r2_before = snapshot_where(&a, "r2");
    ok(&a.mt(&[
        "-remove-runs",
        "-target",
        "linux",
        "-runname",
        "r1",
        "-testpatt",
        "%",
    ]));
    let run_state: String = a
        .db()
        .query_row("SELECT state FROM runs WHERE runname='r1'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(run_state, "deleted");
    assert_eq!(a.count("SELECT count(*) FROM tests t JOIN runs r ON r.id=t.run_id WHERE r.runname='r1' AND t.state != 'DELETED'"), 0);
    assert!(!r1_runs.exists(), "{} left", r1_runs.display());
    assert!(!r1_links.exists(), "{} left", r1_links.display());
    let r2_after = snapshot_where(&a, "r2");
    assert_eq!(r2_before, r2_after);
    assert!(a.dir.join("runs/linux/r2/multi/2/n.txt").is_file());
    let lr = a.mt(&["-list-runs", "%", "-target", "linux"]);
    let s = String::from_utf8_lossy(&lr.stdout);
    assert!(!s.contains("linux/r1"), "{s}");
    assert!(s.contains("linux/r2"), "{s}");
}

// ------------------------------------------------------------------ states, run records, locks

#[test]
fn set_state_status_run_status_lock_and_rename() {
    let a = small_area("", ITEMS);
    ok(&a.mt(&[
        "-run",
        "-target",
        "linux",
        "-runname",
        "r1",
        "-testpatt",
        "%",
        "-quiet",
    ]));
    let sel = ["-target", "linux", "-runname", "r1"];
    let with = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = extra.iter().map(|s| (*s).to_string()).collect();
        v.extend(sel.iter().map(|s| (*s).to_string()));
        v
    };
    let mt = |extra: &[&str]| {
        let v = with(extra);
        let r: Vec<&str> = v.iter().map(String::as_str).collect();
        a.mt(&r)
    };

    // Bad input changes nothing.
    let snap = snapshot(&a);
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["-set-state-status", "COMPLTED,FAIL", "-testpatt", "plain"],
            1,
            "COMPLTED",
        ),
        (
            &["-set-state-status", "COMPLETED", "-testpatt", "plain"],
            1,
            "comma",
        ),
        (&["-set-state-status", "COMPLETED,FAIL"], 3, "-testpatt"),
    ];
    for (args, code, needle) in cases {
        let out = mt(args);
        assert_eq!(out.status.code(), Some(*code), "{args:?}\n{}", text(&out));
        assert!(stderr(&out).contains(needle), "{args:?}\n{}", text(&out));
    }
    let out = a.mt(&[
        "-set-state-status",
        "COMPLETED,FAIL",
        "-runname",
        "r1",
        "-testpatt",
        "plain",
    ]);
    assert_eq!(out.status.code(), Some(3), "no target\n{}", text(&out));
    assert_eq!(snapshot(&a), snap);

    // An item: the toplevel follows through the roll-up; an event names the CLI.
    ok(&mt(&[
        "-set-state-status",
        "COMPLETED,FAIL",
        "-testpatt",
        "multi/2",
        "-m",
        "by hand",
    ]));
    assert_eq!(state_of(&a, "r1", "multi", "2"), pair("COMPLETED", "FAIL"));
    assert_eq!(state_of(&a, "r1", "multi", ""), pair("COMPLETED", "FAIL"));
    assert_eq!(state_of(&a, "r1", "multi", "1"), pair("COMPLETED", "PASS"));
    let comment: String = a
        .db()
        .query_row(
            "SELECT comment FROM tests WHERE testname='multi' AND item_path='2'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(comment, "by hand");
    assert_eq!(a.count("SELECT count(*) FROM events WHERE source='cli' AND testname='multi' AND item_path='2' AND new_status='FAIL'"), 1);
    // :state/:status filter the selection; an empty part keeps that field.
    ok(&mt(&[
        "-set-state-status",
        ",WARN",
        "-testpatt",
        "%",
        ":status",
        "PASS",
    ]));
    assert_eq!(state_of(&a, "r1", "plain", ""), pair("COMPLETED", "WARN"));
    assert_eq!(state_of(&a, "r1", "multi", "2"), pair("COMPLETED", "FAIL"));
    assert_eq!(state_of(&a, "r1", "bad", ""), pair("COMPLETED", "FAIL"));

    // Run status and comment.
    let out = mt(&["-get-run-status"]);
    ok(&out);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "n/a");
    ok(&mt(&["-set-run-status", "reviewed", "-m", "looked at it"]));
    let out = mt(&["-get-run-status"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "reviewed");
    let (st, cm): (String, String) = a
        .db()
        .query_row(
            "SELECT status, comment FROM runs WHERE runname='r1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((st.as_str(), cm.as_str()), ("reviewed", "looked at it"));
    let out = a.mt(&["-get-run-status", "-target", "linux", "-runname", "nosuch"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains("No matching run found"),
        "{}",
        text(&out)
    );

    // Lock: removal, set-state-status, kill and rename are refused, -run too.
    ok(&mt(&["-lock"]));
    assert_eq!(
        a.count("SELECT count(*) FROM access_log WHERE args LIKE 'locked %'"),
        1
    );
    let snap = snapshot(&a);
    for args in [
        &["-remove-runs", "-testpatt", "%"][..],
        &["-set-state-status", "COMPLETED,PASS", "-testpatt", "%"][..],
        &["-kill-runs"][..],
        &["-rename-run", "r9"][..],
        &["-run", "-testpatt", "%"][..],
    ] {
        let out = mt(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?} on a locked run\n{}",
            text(&out)
        );
        assert!(stderr(&out).contains("locked"), "{args:?}\n{}", text(&out));
    }
    assert_eq!(snapshot(&a), snap, "a locked run is untouched");
    assert!(a.dir.join("runs/linux/r1/plain/p.txt").is_file());
    // -unlock without a terminal proceeds.
    ok(&mt(&["-unlock"]));
    let state: String = a
        .db()
        .query_row("SELECT state FROM runs WHERE runname='r1'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(state, "unlocked");
    assert_eq!(
        a.count("SELECT count(*) FROM access_log WHERE args LIKE 'unlocked %'"),
        1
    );

    // Rename: the old name is gone, the records follow; an existing name is refused.
    ok(&a.mt(&[
        "-run",
        "-target",
        "linux",
        "-runname",
        "r2",
        "-testpatt",
        "plain",
        "-quiet",
    ]));
    let out = mt(&["-rename-run", "r2"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    ok(&mt(&["-rename-run", "renamed"]));
    assert_eq!(a.record("r1", "plain", ""), None);
    assert_eq!(
        state_of(&a, "renamed", "plain", ""),
        pair("COMPLETED", "WARN")
    );
    let out = a.mt(&["-rename-run", "x", "-target", "linux", "-runname", "nosuch"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

// ------------------------------------------------------------------ kills and dead tests

const SLEEPERS: &[(&str, &str)] = &[
    ("s1", "[ezsteps]\nnap sleep 300\n"),
    ("s2", "[ezsteps]\nnap sleep 300\n"),
];

fn wait_running(a: &Area, run: &str, tests: &[&str]) {
    let ok = wait_for(Duration::from_secs(30), || {
        tests.iter().all(|t| state_of(a, run, t, "").0 == "RUNNING")
    });
    let states: Vec<_> = tests.iter().map(|t| state_of(a, run, t, "")).collect();
    assert!(ok, "tests never reached RUNNING: {states:?}");
}

#[test]
fn killreq_and_kill_runs_stop_long_tests() {
    let a = small_area("", SLEEPERS);
    let mut runner = spawn_mt(
        &a,
        &[
            "-run",
            "-target",
            "linux",
            "-runname",
            "k1",
            "-testpatt",
            "%",
            "-quiet",
        ],
    );
    wait_running(&a, "k1", &["s1", "s2"]);
    let started = Instant::now();

    // The dashboard's way: KILLREQ through -set-state-status.
    ok(&a.mt(&[
        "-set-state-status",
        "KILLREQ,n/a",
        "-target",
        "linux",
        "-runname",
        "k1",
        "-testpatt",
        "s1",
    ]));
    assert!(
        wait_for(Duration::from_secs(20), || state_of(&a, "k1", "s1", "").0
            == "KILLED"),
        "s1 not killed: {:?}",
        state_of(&a, "k1", "s1", "")
    );
    assert_eq!(state_of(&a, "k1", "s1", ""), pair("KILLED", "KILLED"));
    assert_eq!(
        state_of(&a, "k1", "s2", "").0,
        "RUNNING",
        "only s1 was asked"
    );

    // -kill-runs waits for the wrapper to record it.
    let out = a.mt(&[
        "-kill-runs",
        "-target",
        "linux",
        "-runname",
        "k1",
        "-testpatt",
        "%",
    ]);
    ok(&out);
    assert_eq!(
        state_of(&a, "k1", "s2", ""),
        pair("KILLED", "KILLED"),
        "{}",
        text(&out)
    );

    assert!(
        wait_for(Duration::from_secs(30), || matches!(
            runner.try_wait(),
            Ok(Some(_))
        )),
        "the runner did not finish"
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    for t in ["s1", "s2"] {
        let left = procs_in(&run_dir(&a, "linux", "k1", t));
        assert!(left.is_empty(), "processes of {t} survive: {left:?}");
        let ev = a.count(&format!(
            "SELECT count(*) FROM events WHERE testname='{t}' AND new_state='KILLREQ'"
        ));
        assert!(ev >= 1, "the request is in the history of {t}");
    }
    // Nothing running: -kill-runs says so and succeeds.
    let out = a.mt(&["-kill-runs", "-target", "linux", "-runname", "k1"]);
    ok(&out);
    assert!(stderr(&out).contains("nothing"), "{}", text(&out));
}

/// SIGKILL a background runner and every process working in the tests' run directories,
/// as a crashed host would leave them.
fn crash(a: &Area, runner: &mut Child, run: &str, tests: &[&str]) {
    runner.kill().unwrap();
    let _ = runner.wait();
    for t in tests {
        let dir = run_dir(a, "linux", run, t);
        for (pid, _) in procs_in(&dir) {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
        assert!(
            wait_for(Duration::from_secs(10), || procs_in(&dir).is_empty()),
            "processes of {t} survive SIGKILL"
        );
    }
}

#[test]
fn dead_tests_are_marked_and_gone_jobs_are_failed_to_kill() {
    let a = small_area("deadtime 2\n", SLEEPERS);
    let mut runner = spawn_mt(
        &a,
        &[
            "-run",
            "-target",
            "linux",
            "-runname",
            "d1",
            "-testpatt",
            "%",
            "-quiet",
        ],
    );
    wait_running(&a, "d1", &["s1", "s2"]);
    crash(&a, &mut runner, "d1", &["s1", "s2"]);
    assert_eq!(
        state_of(&a, "d1", "s1", "").0,
        "RUNNING",
        "nobody recorded the crash"
    );

    // A kill request for a job that is gone: recorded at once, no waiting.
    let t0 = Instant::now();
    let out = a.mt(&[
        "-kill-runs",
        "-target",
        "linux",
        "-runname",
        "d1",
        "-testpatt",
        "s2",
    ]);
    ok(&out);
    assert_eq!(
        state_of(&a, "d1", "s2", ""),
        pair("KILLED", "FAILED TO KILL"),
        "{}",
        text(&out)
    );
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "took {:?}",
        t0.elapsed()
    );

    // No heartbeat for longer than deadtime: COMPLETED/DEAD.
    std::thread::sleep(Duration::from_millis(3500));
    let out = a.mt(&["-mark-incompletes"]);
    ok(&out);
    assert_eq!(
        state_of(&a, "d1", "s1", ""),
        pair("COMPLETED", "DEAD"),
        "{}",
        text(&out)
    );
    let comment: String = a
        .db()
        .query_row("SELECT comment FROM tests WHERE testname='s1'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(comment, "Test failed to complete");
    assert_eq!(
        state_of(&a, "d1", "s2", ""),
        pair("KILLED", "FAILED TO KILL"),
        "not touched again"
    );
    assert_eq!(
        a.count("SELECT count(*) FROM events WHERE testname='s1' AND new_status='DEAD'"),
        1
    );
}

#[test]
fn run_wait_returns_when_nothing_runs() {
    let a = small_area("", &[("short", "[ezsteps]\nnap sleep 4\n")]);
    // Missing selectors: target 1, run name 2, test pattern 3 (§3.14).
    for (args, code) in [
        (&["-run-wait", "-runname", "w1", "-testpatt", "%"][..], 1),
        (&["-run-wait", "-target", "linux", "-testpatt", "%"][..], 2),
        (&["-run-wait", "-target", "linux", "-runname", "w1"][..], 3),
    ] {
        let out = a.mt(args);
        assert_eq!(out.status.code(), Some(code), "{args:?}\n{}", text(&out));
    }
    let mut runner = spawn_mt(
        &a,
        &[
            "-run",
            "-target",
            "linux",
            "-runname",
            "w1",
            "-testpatt",
            "%",
            "-quiet",
        ],
    );
    wait_running(&a, "w1", &["short"]);
    let out = a.mt(&[
        "-run-wait",
        "-target",
        "linux",
        "-runname",
        "w1",
        "-testpatt",
        "%",
    ]);
    ok(&out);
    assert_eq!(
        state_of(&a, "w1", "short", ""),
        pair("COMPLETED", "PASS"),
        "{}",
        text(&out)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Run completed according to zero tests"));
    let _ = runner.wait();
}

// ------------------------------------------------------------------ waivers

const WAIVED: &[(&str, &str)] = &[
    (
        "flaky",
        "[ezsteps]\nout cp $MT_RUN_AREA_HOME/result.txt out.txt; exit 1\n\n[waivers]\nsame diff out.txt\n",
    ),
    (
        "sized",
        "[ezsteps]\nout cp $MT_RUN_AREA_HOME/result.txt out.txt; exit 1\n\n[waivers]\nsz samesize out.txt\n\n\
         [waiver_rules]\nsamesize test $(wc -c < %file1%) -eq $(wc -c < %file2%)\n",
    ),
    ("nowaivers", "[ezsteps]\nout exit 1\n"),
    (
        "lp",
        "[ezsteps]\nout cp $MT_RUN_AREA_HOME/lp.txt out.txt; exit 1\n\n[waivers]\ncmpout diff out.txt\n",
    ),
];

/// The diff of `lp`'s output may only differ in `time:` lines.
const CMPOUT_LOGPRO: &str =
    "(expect:ignore in \"LogFileBody\" >= 0 \"time lines\" #/^[<>] time:/)\n\
    (expect:error in \"LogFileBody\" = 0 \"other differences\" #/^[<>]/)\n";

#[test]
fn waivers_turn_a_known_failure_into_waived() {
    let a = small_area("", WAIVED);
    let run = |r: &str| {
        ok(&a.mt(&[
            "-run",
            "-target",
            "linux",
            "-runname",
            r,
            "-testpatt",
            "%",
            "-quiet",
        ]))
    };
    std::fs::write(a.dir.join("tests/lp/cmpout.logpro"), CMPOUT_LOGPRO).unwrap();
    std::fs::write(a.dir.join("result.txt"), "aaaa\n").unwrap();
    std::fs::write(a.dir.join("lp.txt"), "value: 1\ntime: 10\n").unwrap();
    run("w1");
    for t in ["flaky", "sized", "nowaivers", "lp"] {
        assert_eq!(
            state_of(&a, "w1", t, ""),
            pair("COMPLETED", "FAIL"),
            "{t}: no previous run to waive from"
        );
    }
    ok(&a.mt(&[
        "-set-state-status",
        "COMPLETED,WAIVED",
        "-target",
        "linux",
        "-runname",
        "w1",
        "-testpatt",
        "%",
        "-m",
        "known: flaky output",
    ]));
    // Same output as the waived run: waived, the comment copied. lp's logpro rules
    // accept a diff in the time line only.
    std::fs::write(a.dir.join("lp.txt"), "value: 1\ntime: 20\n").unwrap();
    run("w2");
    for t in ["flaky", "sized", "lp"] {
        assert_eq!(
            state_of(&a, "w2", t, ""),
            pair("COMPLETED", "WAIVED"),
            "{t}"
        );
        let c: String = a
            .db()
            .query_row(
                "SELECT t.comment FROM tests t JOIN runs r ON r.id=t.run_id WHERE r.runname='w2' AND t.testname=?1",
                [t],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(c, "known: flaky output", "{t}");
    }
    assert_eq!(
        state_of(&a, "w2", "nowaivers", ""),
        pair("COMPLETED", "FAIL"),
        "no [waivers]: stays FAIL"
    );
    // Different output of the same size: the diff waiver fails, the size rule holds.
    std::fs::write(a.dir.join("result.txt"), "bbbb\n").unwrap();
    std::fs::write(a.dir.join("lp.txt"), "value: 2\ntime: 20\n").unwrap();
    run("w3");
    assert_eq!(state_of(&a, "w3", "flaky", ""), pair("COMPLETED", "FAIL"));
    assert_eq!(
        state_of(&a, "w3", "lp", ""),
        pair("COMPLETED", "FAIL"),
        "a value changed"
    );
    assert!(
        a.dir.join("runs/linux/w3/lp/cmpout.html").is_file(),
        "logpro wrote its report"
    );
    assert_eq!(state_of(&a, "w3", "sized", ""), pair("COMPLETED", "WAIVED"));
    // A different target has no waived history.
    ok(&a.mt(&[
        "-run",
        "-target",
        "other",
        "-runname",
        "w4",
        "-testpatt",
        "sized",
        "-quiet",
    ]));
    assert_eq!(state_of(&a, "w4", "sized", ""), pair("COMPLETED", "FAIL"));
}

#[test]
fn rerun_fail_then_dependents_run_once_fixed() {
    let Some(src) = shared_area("basic") else {
        return;
    };
    let a = Area::copy_of(&src);
    ok(&a.mt(BASIC_RUN));
    std::fs::write(a.dir.join("tests/unit/check.sh"), "#!/bin/sh\necho fixed\n").unwrap();
    let out = a.mt(&[
        "-run",
        "-target",
        "linux/1.0",
        "-runname",
        "accept1",
        "-testpatt",
        "unit,package,publish",
        "-rerun",
        "FAIL",
        "-quiet",
    ]);
    ok(&out);
    // The failed item ran again and passed; the tests that had been blocked by it now ran.
    assert_eq!(
        state_of(&a, "accept1", "unit", "arm/O2"),
        pair("COMPLETED", "PASS")
    );
    assert_eq!(
        state_of(&a, "accept1", "unit", ""),
        pair("COMPLETED", "PASS")
    );
    assert_eq!(
        state_of(&a, "accept1", "package", ""),
        pair("COMPLETED", "PASS"),
        "{}",
        text(&out)
    );
    assert_eq!(
        state_of(&a, "accept1", "publish", ""),
        pair("COMPLETED", "PASS")
    );
    assert_eq!(launches(&a, "accept1", "unit", "x86/O0"), 1);
}
