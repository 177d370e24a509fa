//! The acceptance area `basic` (../shared/areas/basic): run it with the real binary and
//! check every row of its EXPECTED.md against the database and the files.

mod common;

use common::{shared_area, text, Area};

const RUN: &[&str] = &[
    "-run",
    "-target",
    "linux/1.0",
    "-runname",
    "accept1",
    "-testpatt",
    "%",
];

/// Every record of EXPECTED.md: (test, item, state, status).
const EXPECTED: &[(&str, &str, &str, &str)] = &[
    ("setup", "", "COMPLETED", "PASS"),
    ("compile", "", "COMPLETED", "PASS"),
    ("compile", "x86/O0", "COMPLETED", "PASS"),
    ("compile", "x86/O2", "COMPLETED", "PASS"),
    ("compile", "arm/O0", "COMPLETED", "PASS"),
    ("compile", "arm/O2", "COMPLETED", "PASS"),
    ("unit", "", "COMPLETED", "FAIL"),
    ("unit", "x86/O0", "COMPLETED", "PASS"),
    ("unit", "x86/O2", "COMPLETED", "PASS"),
    ("unit", "arm/O0", "COMPLETED", "PASS"),
    ("unit", "arm/O2", "COMPLETED", "FAIL"),
    ("package", "", "NOT_STARTED", "PREQ_FAIL"),
    ("publish", "", "NOT_STARTED", "PREQ_DISCARDED"),
    ("report", "", "COMPLETED", "PASS"),
    ("logscan", "", "COMPLETED", "WARN"),
    ("logfail", "", "COMPLETED", "FAIL"),
    ("measure", "", "COMPLETED", "PASS"),
    ("slowpoke", "", "KILLED", "KILLED"),
    ("skipper", "", "COMPLETED", "SKIP"),
    ("envcheck", "", "COMPLETED", "PASS"),
    ("triggered", "", "COMPLETED", "PASS"),
    ("serial", "", "COMPLETED", "PASS"),
    ("serial", "1", "COMPLETED", "PASS"),
    ("serial", "2", "COMPLETED", "PASS"),
    ("serial", "3", "COMPLETED", "PASS"),
];

fn interval(s: &str) -> (f64, f64) {
    let mut start = 0.0;
    let mut end = 0.0;
    for line in s.lines() {
        let mut w = line.split_whitespace();
        let t: f64 = w.next().unwrap().parse().unwrap();
        match w.next() {
            Some("start") => start = t,
            Some("end") => end = t,
            _ => {}
        }
    }
    (start, end)
}

#[test]
fn basic_area_matches_expected() {
    let Some(src) = shared_area("basic") else {
        return;
    };
    let a = Area::copy_of(&src);
    let started = std::time::Instant::now();
    let out = a.mt(RUN);
    let took = started.elapsed();
    assert!(out.status.success(), "{}", text(&out));

    // One run with the keys of the target.
    let (os, rel): (String, String) = a
        .db()
        .query_row(
            "SELECT OS, RELEASE FROM runs WHERE runname='accept1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((os.as_str(), rel.as_str()), ("linux", "1.0"));

    let mut wrong = Vec::new();
    for (t, i, st, ss) in EXPECTED {
        let got = a.record("accept1", t, i);
        if got != Some(((*st).to_string(), (*ss).to_string())) {
            wrong.push(format!("{t}/{i}: want {st}/{ss}, got {got:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "records differ from EXPECTED.md:\n{}\n{}",
        wrong.join("\n"),
        text(&out)
    );
    let n: i64 = a.count("SELECT count(*) FROM tests WHERE state != 'DELETED'");
    assert_eq!(
        n,
        i64::try_from(EXPECTED.len()).unwrap(),
        "no extra records"
    );

    // setup's ezstep output.
    let prep =
        std::fs::read_to_string(a.dir.join("runs/linux/1.0/accept1/setup/prep.out")).unwrap();
    assert_eq!(prep.trim(), "setup for linux/1.0 says hello");

    // measure: test_data rows with case-insensitive statuses and units kept.
    let rows: Vec<(String, String, String)> = {
        let c = a.db();
        let mut st = c
            .prepare("SELECT d.variable, lower(d.status), d.units FROM test_data d JOIN tests t ON t.id=d.test_id WHERE t.testname='measure' AND d.category='perf' ORDER BY d.variable")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        rows,
        vec![
            ("latency".to_string(), "fail".to_string(), "ms".to_string()),
            ("speed".to_string(), "pass".to_string(), "MB/s".to_string())
        ]
    );

    // skipper never ran its step.
    assert!(!a
        .dir
        .join("runs/linux/1.0/accept1/skipper/ran.txt")
        .exists());
    assert!(a.count("SELECT count(*) FROM test_steps s JOIN tests t ON t.id=s.test_id WHERE t.testname='skipper'") == 0);

    // triggered: the trigger wrote its line naming the test, COMPLETED and PASS.
    let tl = std::fs::read_to_string(a.dir.join("trigger.log")).unwrap();
    let line = tl
        .lines()
        .find(|l| l.starts_with("triggered"))
        .expect("a triggered line");
    assert!(
        line.contains("triggered") && line.contains("COMPLETED") && line.contains("PASS"),
        "{line}"
    );
    assert!(
        line.split_whitespace().any(|w| w.ends_with("/triggered")),
        "names the test: {line}"
    );

    // serial: one item at a time.
    let mut iv: Vec<(f64, f64)> = (1..=3)
        .map(|i| {
            interval(&std::fs::read_to_string(a.dir.join(format!("serial-times/{i}"))).unwrap())
        })
        .collect();
    iv.sort_by(|x, y| x.0.partial_cmp(&y.0).unwrap());
    for w in iv.windows(2) {
        assert!(w[0].1 <= w[1].0, "serial items overlap: {iv:?}");
    }

    // test_steps: a start and an end row per ezstep that ran, the end carrying the code.
    let c = a.db();
    let bad: i64 = c
        .query_row(
            "SELECT count(*) FROM test_steps e WHERE e.state='end' AND NOT EXISTS
               (SELECT 1 FROM test_steps s WHERE s.test_id=e.test_id AND s.stepname=e.stepname AND s.state='start')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(bad, 0);
    // Every test that ran a step has its pid, short steps included (their pid is written
    // with the step's end).
    let no_pid: i64 = a.count(
        "SELECT count(*) FROM tests t WHERE t.attemptnum <= 0 AND EXISTS
           (SELECT 1 FROM test_steps s WHERE s.test_id=t.id)",
    );
    assert_eq!(no_pid, 0);
    let code: String = c
        .query_row(
            "SELECT s.status FROM test_steps s JOIN tests t ON t.id=s.test_id WHERE t.testname='unit' AND t.item_path='arm/O2' AND s.state='end'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(code, "1");
    let ends: i64 = a.count("SELECT count(*) FROM test_steps WHERE state='end'");
    // every test that ran an ezstep: setup, 4 compile, 4 unit, report, logscan, logfail,
    // measure, slowpoke, envcheck, triggered, 3 serial = 19 (skipper, package, publish none).
    assert_eq!(ends, 19);

    // Run directories and links.
    for (t, i, st, _) in EXPECTED {
        if *st == "NOT_STARTED" || *t == "skipper" {
            continue;
        }
        let tail = if i.is_empty() {
            (*t).to_string()
        } else {
            format!("{t}/{i}")
        };
        let link = a.dir.join("links/linux/1.0/accept1").join(&tail);
        assert!(link.exists(), "missing link {}", link.display());
        assert!(
            a.dir.join("runs/linux/1.0/accept1").join(&tail).is_dir(),
            "missing run dir {tail}"
        );
    }

    // slowpoke's sleep is gone, long before its 60 s.
    assert!(took.as_secs() < 50, "the run took {took:?}");
    let slow_dir = std::fs::canonicalize(a.dir.join("runs/linux/1.0/accept1/slowpoke")).unwrap();
    let mut left = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let cwd = std::fs::read_link(e.path().join("cwd")).unwrap_or_default();
        if cwd.starts_with(&slow_dir) {
            let cmd = std::fs::read_to_string(e.path().join("cmdline")).unwrap_or_default();
            left.push(cmd.replace('\0', " "));
        }
    }
    assert!(left.is_empty(), "processes of slowpoke survive: {left:?}");

    // Running the same command again starts nothing new.
    let launched_before = a.count("SELECT count(*) FROM events WHERE new_state='LAUNCHED'");
    let again = a.mt(RUN);
    assert!(again.status.success(), "{}", text(&again));
    let launched_after = a.count("SELECT count(*) FROM events WHERE new_state='LAUNCHED'");
    assert_eq!(
        launched_before,
        launched_after,
        "a second -run launched tests again\n{}",
        text(&again)
    );
    for (t, i, st, ss) in EXPECTED {
        assert_eq!(
            a.record("accept1", t, i),
            Some(((*st).to_string(), (*ss).to_string())),
            "{t}/{i} after rerun"
        );
    }

    // -list-runs lists the run and every record.
    let lr = a.mt(&["-list-runs", "accept1", "-target", "linux/1.0"]);
    assert!(lr.status.success(), "{}", text(&lr));
    let s = String::from_utf8_lossy(&lr.stdout);
    assert_eq!(
        s.lines()
            .filter(|l| l.starts_with("Run: linux/1.0/accept1"))
            .count(),
        1,
        "{s}"
    );
    for (t, i, st, ss) in EXPECTED {
        let full = if i.is_empty() {
            (*t).to_string()
        } else {
            format!("{t}({i})")
        };
        let re = regex::Regex::new(&format!(
            r"(?m)^\s+Test: {}\s+State: {}\s+Status: {}\s+Runtime:\s+(\d+)s",
            regex::escape(&full),
            st,
            regex::escape(ss)
        ))
        .unwrap();
        assert!(re.is_match(&s), "-list-runs lacks {full} {st}/{ss}:\n{s}");
    }
}
