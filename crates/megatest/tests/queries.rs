//! Queries after a run, and how -run picks its test pattern (TESTPATT, --modepatt).

mod common;

use common::{example_area, text, Area};

fn out(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn list_db_targets_test_paths_and_files() {
    let a = Area::copy_of(&example_area("demo"));
    for (t, r) in [("linux/debug", "q1"), ("linux/release", "q2")] {
        let o = a.mt(&[
            "-run",
            "-target",
            t,
            "-runname",
            r,
            "-testpatt",
            "fetch,docs",
            "-quiet",
        ]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let o = a.mt(&["-list-db-targets"]);
    assert_eq!(out(&o), "linux/debug\nlinux/release\n", "{}", text(&o));
    let o = a.mt(&["-list-db-targets", "-dumpmode", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v["targets"].as_array().unwrap().len(), 2);

    let o = a.mt(&[
        "-test-paths",
        "-target",
        "linux/debug",
        "-runname",
        "q1",
        "-testpatt",
        "fetch",
    ]);
    let paths: Vec<String> = out(&o).lines().map(str::to_string).collect();
    assert_eq!(paths.len(), 1, "{}", text(&o));
    assert!(
        paths[0].ends_with("/links/linux/debug/q1/fetch"),
        "{paths:?}"
    );
    let o = a.mt(&[
        "-test-files",
        "*.log",
        "-target",
        "linux/%",
        "-runname",
        "%",
        "-testpatt",
        "fetch",
    ]);
    let files: Vec<String> = out(&o).lines().map(str::to_string).collect();
    assert!(
        files.iter().any(|f| f.ends_with("/q1/fetch/clone.log")),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.ends_with("/q2/fetch/clone.log")),
        "{files:?}"
    );

    // -list-runs with filters and JSON.
    let o = a.mt(&[
        "-list-runs",
        "%",
        "-target",
        "linux/release",
        "-dumpmode",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    let run = &v["linux/release"]["q2"];
    assert_eq!(run["meta"]["runname"], "q2");
    let data = run["data"].as_object().unwrap();
    assert!(
        data.values()
            .any(|t| t["testname"] == "docs" && t["status"] == "PASS"),
        "{run}"
    );
    let o = a.mt(&["-list-runs", "q%", "-status", "PASS", "-testpatt", "fetch"]);
    let s = out(&o);
    assert_eq!(
        s.lines().filter(|l| l.starts_with("Run:")).count(),
        2,
        "{s}"
    );
    assert_eq!(
        s.lines()
            .filter(|l| l.trim_start().starts_with("Test:"))
            .count(),
        2,
        "{s}"
    );
}

#[test]
fn testpatt_from_runconfigs() {
    let a = Area::copy_of(&example_area("demo"));
    let rc = a.dir.join("runconfigs.config");
    let mut t = std::fs::read_to_string(&rc).unwrap();
    t.push_str("\n[linux/quick]\nTESTPATT fetch\nSMOKE fetch,lint\n");
    std::fs::write(&rc, t).unwrap();
    // `-testpatt %` (or none) is replaced by TESTPATT.
    let o = a.mt(&["-run", "-target", "linux/quick", "-runname", "tp", "-quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("TESTPATT"),
        "{}",
        text(&o)
    );
    assert_eq!(
        a.count("SELECT count(*) FROM tests t JOIN runs r ON r.id=t.run_id WHERE r.runname='tp'"),
        1
    );
    // --modepatt names the variable to use.
    let o = a.mt(&[
        "-run",
        "-target",
        "linux/quick",
        "-runname",
        "mp",
        "--modepatt",
        "SMOKE",
        "-quiet",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let mut names: Vec<String> = {
        let c = a.db();
        let mut st = c
            .prepare(
                "SELECT t.testname FROM tests t JOIN runs r ON r.id=t.run_id WHERE r.runname='mp'",
            )
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    names.sort();
    assert_eq!(names, ["fetch", "lint"]);
    // A --modepatt variable that does not exist: nothing runs, with a warning, exit 0.
    let o = a.mt(&[
        "-run",
        "-target",
        "linux/quick",
        "-runname",
        "none",
        "--modepatt",
        "NOPE",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no test pattern"),
        "{}",
        text(&o)
    );
}
