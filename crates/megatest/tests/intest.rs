//! Helpers that scripts inside a test call (`$MT_MEGATEST -test-status ...`), end to end:
//! they find their test from MT_CMDINFO and write to the area's database.

mod common;

use common::{text, Area};

/// (test name, testconfig, optional (script file, script body)).
type TestSpec<'a> = (&'a str, &'a str, Option<(&'a str, &'a str)>);

fn area(tests: &[TestSpec<'_>]) -> Area {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("area");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("megatest.config"),
        "[fields]\nOS TEXT\n\n[setup]\nlinktree #{getenv MT_RUN_AREA_HOME}/lt\n\n[disks]\nd0 #{getenv MT_RUN_AREA_HOME}/runs\n",
    )
    .unwrap();
    std::fs::write(dir.join("runconfigs.config"), "[default]\nX 1\n").unwrap();
    for (name, cfg, script) in tests {
        let d = dir.join("tests").join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("testconfig"), cfg).unwrap();
        if let Some((file, body)) = script {
            let p = d.join(file);
            std::fs::write(&p, body).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    Area { _tmp: tmp, dir }
}

const MAIN: &str = r#"#!/bin/sh
$MT_MEGATEST -step prep :state start :status n/a
echo prep > prep.txt
$MT_MEGATEST -step prep :state end :status 0
$MT_MEGATEST -runstep work "echo working; echo done"
printf 'cat1,v1,10,10,1,u,,,\ncat1,v2,20,10,1,u,,,\n' | $MT_MEGATEST -load-test-data
$MT_MEGATEST -setlog work.log
$MT_MEGATEST -env2file myenv
$MT_MEGATEST -test-status :state COMPLETED :status PASS -m "all good"
exit 1
"#;

#[test]
fn helpers_record_steps_data_logs_and_status() {
    let a = area(&[
        (
            "scripted",
            "[setup]\nrunscript main.sh\n",
            Some(("main.sh", MAIN)),
        ),
        (
            "autowarn",
            "[setup]\nrunscript w.sh\n",
            Some(("w.sh", "#!/bin/sh\necho warn\nexit 2\n")),
        ),
        (
            "numeric",
            "[setup]\nrunscript n.sh\n",
            Some((
                "n.sh",
                "#!/bin/sh\n$MT_MEGATEST -test-status :state COMPLETED :status 1\n",
            )),
        ),
    ]);
    let o = a.mt(&[
        "-run",
        "-target",
        "linux",
        "-runname",
        "r1",
        "-testpatt",
        "%",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        a.record("r1", "scripted", ""),
        Some(("COMPLETED".into(), "PASS".into())),
        "{}",
        text(&o)
    );
    assert_eq!(
        a.record("r1", "autowarn", ""),
        Some(("COMPLETED".into(), "WARN".into()))
    );
    assert_eq!(
        a.record("r1", "numeric", ""),
        Some(("COMPLETED".into(), "FAIL".into()))
    );
    let c = a.db();
    let (comment, logf): (String, String) = c
        .query_row(
            "SELECT comment, final_logf FROM tests WHERE testname='scripted'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(comment, "all good");
    assert_eq!(logf, "work.log");
    let steps: Vec<(String, String, String)> = {
        let mut st = c
            .prepare("SELECT s.stepname, s.state, s.status FROM test_steps s JOIN tests t ON t.id=s.test_id WHERE t.testname='scripted' ORDER BY s.id")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let want: Vec<(String, String, String)> = [
        ("prep", "start", "n/a"),
        ("prep", "end", "0"),
        ("work", "start", "n/a"),
        ("work", "end", "0"),
    ]
    .iter()
    .map(|(a, b, c)| ((*a).to_string(), (*b).to_string(), (*c).to_string()))
    .collect();
    assert_eq!(steps, want);
    let data: Vec<(String, String)> = {
        let mut st = c
            .prepare("SELECT d.variable, d.status FROM test_data d JOIN tests t ON t.id=d.test_id WHERE t.testname='scripted' ORDER BY d.variable")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        data,
        vec![
            ("v1".to_string(), "pass".to_string()),
            ("v2".to_string(), "fail".to_string())
        ]
    );
    let rd = a.dir.join("runs/linux/r1/scripted");
    assert_eq!(
        std::fs::read_to_string(rd.join("work.log")).unwrap(),
        "working\ndone\n"
    );
    let env = std::fs::read_to_string(rd.join("myenv.sh")).unwrap();
    assert!(env.contains("export MT_TEST_NAME=scripted"), "{env}");
    assert!(std::fs::read_to_string(rd.join("megatest.sh"))
        .unwrap()
        .contains("export MT_RUNNAME=r1"));
    // The status history is in the events table.
    let n: i64 = a.count("SELECT count(*) FROM events e JOIN tests t ON t.id=e.test_id WHERE t.testname='scripted' AND e.new_status='PASS'");
    assert!(n >= 1);
}

#[test]
fn helpers_outside_a_test_exit_5() {
    let a = area(&[("t", "[ezsteps]\ns true\n", None)]);
    let o = a.mt(&["-test-status", ":state", "COMPLETED", ":status", "PASS"]);
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("MT_CMDINFO"),
        "{}",
        text(&o)
    );
}

const RUNSTEP: &str = r#"#!/bin/sh
$MT_MEGATEST -runstep sim -logpro $MT_TEST_RUN_DIR/sim.rules "echo simulating; echo 'warning: slow clock'; echo SIM DONE"
echo "runstep exit $?" > runstep.rc
"#;

const RULES: &str = r#"(expect:warning  in "LogFileBody" = 0 "No warnings" #/warning/)
(expect:required in "LogFileBody" = 1 "Finished"    #/SIM DONE/)
"#;

#[test]
fn runstep_with_logpro() {
    let a = area(&[(
        "sim",
        "[setup]\nrunscript rs.sh\n",
        Some(("rs.sh", RUNSTEP)),
    )]);
    std::fs::write(a.dir.join("tests/sim/sim.rules"), RULES).unwrap();
    let o = a.mt(&[
        "-run",
        "-target",
        "linux",
        "-runname",
        "r1",
        "-testpatt",
        "%",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let rd = a.dir.join("runs/linux/r1/sim");
    // logpro's WARN (2) is the step's result and the process exit code.
    assert_eq!(
        std::fs::read_to_string(rd.join("runstep.rc"))
            .unwrap()
            .trim(),
        "runstep exit 2"
    );
    let end: String = a
        .db()
        .query_row(
            "SELECT s.status FROM test_steps s JOIN tests t ON t.id=s.test_id WHERE s.stepname='sim' AND s.state='end'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(end, "2");
    assert!(rd.join("sim.html").is_file(), "logpro HTML report");
    assert!(std::fs::read_to_string(rd.join("sim.log"))
        .unwrap()
        .contains("SIM DONE"));
    let logf: String = a
        .db()
        .query_row(
            "SELECT final_logf FROM tests WHERE testname='sim'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(logf, "sim.html");
    // The runscript set no status: its exit code (0) made the test PASS.
    assert_eq!(
        a.record("r1", "sim", ""),
        Some(("COMPLETED".into(), "PASS".into()))
    );
}
