//! Bad input to `-run`: each gives a clear message, the run records what it could, and the
//! exit code is non-zero where the run cannot be done (issue 3).

mod common;

use common::{text, Area};

/// A small area written by the test: `tests` maps a test name to its testconfig.
fn area(disk: &str, tests: &[(&str, &str)]) -> Area {
    common::small_area("", disk, "[default]\nX 1\n\n[linux]\nY 2\n", tests)
}

fn err(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const RUNS: &str = "#{getenv MT_RUN_AREA_HOME}/runs";

#[test]
fn bad_target_and_empty_selection() {
    let a = area(RUNS, &[("ok", "[ezsteps]\ns echo ok\n")]);
    let o = a.mt(&["-run", "-target", "linux/extra", "-runname", "r1"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        err(&o).contains("Invalid target") && err(&o).contains("\"linux/extra\""),
        "{}",
        text(&o)
    );
    assert!(!a.dir.join("megatest.db").exists() || a.count("SELECT count(*) FROM runs") == 0);

    let o = a.mt(&["-run", "-runname", "r1"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(err(&o).contains("-target"), "{}", text(&o));
    let o = a.mt(&["-run", "-target", "linux"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(err(&o).contains("-runname"), "{}", text(&o));

    let o = a.mt(&[
        "-run",
        "-target",
        "linux",
        "-runname",
        "r1",
        "-testpatt",
        "nosuch%",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        err(&o).contains("no test matches -testpatt nosuch%"),
        "{}",
        text(&o)
    );
    assert!(
        err(&o).contains("ok"),
        "names the tests that exist: {}",
        text(&o)
    );
}

#[test]
fn unknown_waiton_cycle_and_missing_script() {
    let a = area(
        RUNS,
        &[
            ("a", "[requirements]\nwaiton b\n[ezsteps]\ns echo a\n"),
            ("b", "[requirements]\nwaiton a\n[ezsteps]\ns echo b\n"),
            ("c", "[requirements]\nwaiton ghost\n[ezsteps]\ns echo c\n"),
            ("d", "[requirements]\nwaiton a\n[ezsteps]\ns echo d\n"),
            ("noscript", "[ezsteps]\nrun ./missing-script.sh\n"),
            ("fine", "[ezsteps]\ns echo fine\n"),
        ],
    );
    let o = a.mt(&[
        "-run",
        "-target",
        "linux",
        "-runname",
        "r1",
        "-testpatt",
        "%",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let e = err(&o);
    assert!(
        e.contains("test c has unrecognised waiton testname ghost"),
        "{e}"
    );
    assert!(
        e.contains("test a is in a waiton cycle: a -> b -> a"),
        "{e}"
    );
    // What could run, ran; the rest is recorded with the reason.
    assert_eq!(
        a.record("r1", "fine", ""),
        Some(("COMPLETED".into(), "PASS".into()))
    );
    assert_eq!(
        a.record("r1", "c", ""),
        Some(("COMPLETED".into(), "PASS".into()))
    );
    assert_eq!(
        a.record("r1", "a", ""),
        Some(("NOT_STARTED".into(), "PREQ_FAIL".into()))
    );
    assert_eq!(
        a.record("r1", "b", ""),
        Some(("NOT_STARTED".into(), "PREQ_FAIL".into()))
    );
    assert_eq!(
        a.record("r1", "d", ""),
        Some(("NOT_STARTED".into(), "PREQ_DISCARDED".into()))
    );
    let comment: String = a
        .db()
        .query_row("SELECT comment FROM tests WHERE testname='a'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(comment.contains("a -> b -> a"), "{comment}");
    // A step whose script is missing fails, and says why.
    assert_eq!(
        a.record("r1", "noscript", ""),
        Some(("COMPLETED".into(), "FAIL".into()))
    );
    let comment: String = a
        .db()
        .query_row(
            "SELECT comment FROM tests WHERE testname='noscript'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        comment.contains("Failed at step run") && comment.contains("127"),
        "{comment}"
    );
    let log = std::fs::read_to_string(a.dir.join("runs/linux/r1/noscript/run.log")).unwrap();
    assert!(log.contains("missing-script.sh"), "{log}");
}

#[test]
fn disk_that_cannot_be_created() {
    let a = area(
        "/proc/megatest-cannot-create/runs",
        &[
            ("t1", "[ezsteps]\ns echo 1\n"),
            ("t2", "[ezsteps]\ns echo 2\n"),
        ],
    );
    let o = a.mt(&[
        "-run",
        "-target",
        "linux",
        "-runname",
        "r1",
        "-testpatt",
        "%",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let e = err(&o);
    assert!(e.contains("No valid disks found"), "{e}");
    assert!(
        e.contains("/proc/megatest-cannot-create/runs") && e.contains("cannot be created"),
        "{e}"
    );
    // The run and its tests are recorded, not launched.
    for t in ["t1", "t2"] {
        assert_eq!(
            a.record("r1", t, ""),
            Some(("NOT_STARTED".into(), "FAIL".into())),
            "{t}"
        );
    }
}
