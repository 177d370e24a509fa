//! Runner features beyond the acceptance area, end to end: deferred item lists, zero items,
//! item maps, concurrency limits, launchers, skip rules, allow-auto-rerun, -rerun, tags.

mod common;

use common::{text, Area};

fn area(setup: &str, tests: &[(&str, &str)]) -> Area {
    common::small_area(setup, common::RUNS_DISK, "[default]\nX 1\n", tests)
}

fn run(a: &Area, runname: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["-run", "-target", "linux", "-runname", runname];
    args.extend_from_slice(extra);
    if !extra.contains(&"-testpatt") {
        args.extend_from_slice(&["-testpatt", "%"]);
    }
    a.mt(&args)
}

/// `megatest -run ... -quiet` for the whole area, in the background.
fn spawn_run(a: &Area, runname: &str) -> std::process::Child {
    std::process::Command::new(common::bin())
        .args([
            "-run",
            "-target",
            "linux",
            "-runname",
            runname,
            "-testpatt",
            "%",
            "-quiet",
        ])
        .current_dir(&a.dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Command lines of the processes working under `dir`.
fn procs_under(dir: &std::path::Path) -> Vec<String> {
    let dir = std::fs::canonicalize(dir).unwrap();
    let mut left = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let cwd = std::fs::read_link(e.path().join("cwd")).unwrap_or_default();
        if cwd.starts_with(&dir) {
            left.push(std::fs::read_to_string(e.path().join("cmdline")).unwrap_or_default());
        }
    }
    left
}

fn items(a: &Area, runname: &str, test: &str) -> Vec<(String, String)> {
    let c = a.db();
    let mut st = c
        .prepare(
            "SELECT t.item_path, t.status FROM tests t JOIN runs r ON r.id=t.run_id
             WHERE r.runname=?1 AND t.testname=?2 AND t.item_path != '' ORDER BY t.item_path",
        )
        .unwrap();
    st.query_map([runname, test], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn deferred_items_come_from_upstream_output() {
    let a = area(
        "",
        &[
            ("gen", "[ezsteps]\nmake echo alpha beta gamma > $MT_RUN_AREA_HOME/list.txt\n"),
            (
                "consume",
                "[requirements]\nwaiton gen\n\n[items]\nNAME [system cat $MT_RUN_AREA_HOME/list.txt]\n\n[ezsteps]\nuse echo $NAME\n",
            ),
            ("empty", "[items]\nNAME [system true]\n\n[ezsteps]\nuse echo $NAME\n"),
        ],
    );
    let o = run(&a, "r1", &[]);
    assert!(o.status.success(), "{}", text(&o));
    // The list did not exist when the run started: it was read only once gen had passed.
    assert_eq!(
        items(&a, "r1", "consume"),
        vec![
            ("alpha".to_string(), "PASS".to_string()),
            ("beta".to_string(), "PASS".to_string()),
            ("gamma".to_string(), "PASS".to_string())
        ]
    );
    assert_eq!(
        a.record("r1", "consume", ""),
        Some(("COMPLETED".into(), "PASS".into()))
    );
    assert_eq!(
        a.record("r1", "empty", ""),
        Some(("NOT_STARTED".into(), "ZERO_ITEMS".into()))
    );
}

#[test]
fn itemmap_and_itemstable() {
    let a = area(
        "",
        &[
            ("layout", "[items]\nVIEW layout schematic\n\n[ezsteps]\ns echo $VIEW\n"),
            (
                "check",
                "[requirements]\nwaiton layout\nmode itemwait\nitemmap /.*\n\n[itemstable]\nVIEW layout layout schematic\nCELL ntran ptran ntran\n\n[ezsteps]\ns echo $VIEW $CELL\n",
            ),
        ],
    );
    // Selecting one item of check pulls in only the mapped item of layout.
    let o = run(&a, "r1", &["-testpatt", "check/schematic/ntran"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        items(&a, "r1", "check"),
        vec![("schematic/ntran".to_string(), "PASS".to_string())]
    );
    assert_eq!(
        items(&a, "r1", "layout"),
        vec![("schematic".to_string(), "PASS".to_string())]
    );
    let o = run(&a, "r2", &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(items(&a, "r2", "check").len(), 3);
}

#[test]
fn max_concurrent_jobs_is_respected() {
    let step = "[ezsteps]\ns echo \"$(date +%s.%N) start\" > $MT_RUN_AREA_HOME/t-$MT_TEST_NAME; sleep 0.4; echo \"$(date +%s.%N) end\" >> $MT_RUN_AREA_HOME/t-$MT_TEST_NAME\n";
    let tests: Vec<(String, String)> = (1..=5)
        .map(|i| (format!("p{i}"), step.to_string()))
        .collect();
    let refs: Vec<(&str, &str)> = tests
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let a = area("max_concurrent_jobs 2\n", &refs);
    let o = run(&a, "r1", &[]);
    assert!(o.status.success(), "{}", text(&o));
    let mut marks: Vec<(f64, i32)> = Vec::new();
    for i in 1..=5 {
        let s = std::fs::read_to_string(a.dir.join(format!("t-p{i}"))).unwrap();
        for l in s.lines() {
            let mut w = l.split_whitespace();
            let t: f64 = w.next().unwrap().parse().unwrap();
            marks.push((t, if w.next() == Some("start") { 1 } else { -1 }));
        }
    }
    marks.sort_by(|x, y| x.partial_cmp(y).unwrap());
    let mut cur = 0;
    let mut peak = 0;
    for (_, d) in marks {
        cur += d;
        peak = peak.max(cur);
    }
    assert!(peak <= 2, "{peak} tests ran at once");
    assert_eq!(peak, 2, "two should overlap");
    // The database never shows more than two started at once either (jobs may get ready
    // ahead of a slot, but write LAUNCHED only once they have one).
    let c = a.db();
    let mut st = c
        .prepare("SELECT test_id, new_state FROM events WHERE test_id IS NOT NULL ORDER BY id")
        .unwrap();
    let rows: Vec<(i64, Option<String>)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut started = std::collections::HashSet::new();
    let mut db_peak = 0;
    for (id, state) in rows {
        match state.as_deref() {
            Some("LAUNCHED" | "REMOTEHOSTSTART" | "RUNNING") => {
                started.insert(id);
            }
            _ => {
                started.remove(&id);
            }
        }
        db_peak = db_peak.max(started.len());
    }
    assert_eq!(db_peak, 2, "started records at once in the events");
}

#[test]
fn template_launcher_and_nbfake_fallback() {
    // A launcher command prefix is run through the shell and the job still reports back.
    let a = area("", &[("t", "[ezsteps]\ns echo via-launcher > out.txt\n")]);
    let cfg = a.dir.join("megatest.config");
    let mut text_cfg = std::fs::read_to_string(&cfg).unwrap();
    text_cfg.push_str("\n[jobtools]\nlauncher env LAUNCHED_BY=template\n");
    std::fs::write(&cfg, text_cfg).unwrap();
    let o = run(&a, "r1", &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        a.record("r1", "t", ""),
        Some(("COMPLETED".into(), "PASS".into()))
    );
    let log = std::fs::read_to_string(a.dir.join("runs/linux/r1/t/mt_launch.log")).unwrap();
    assert!(log.contains("LAUNCHCMD: env LAUNCHED_BY=template"), "{log}");
    let env = std::fs::read_to_string(a.dir.join("runs/linux/r1/t/megatest.sh")).unwrap();
    assert!(env.contains("export LAUNCHED_BY=template"), "{env}");

    // nbfake named but not installed: the built-in launcher runs the test.
    let b = area("", &[("t", "[ezsteps]\ns echo ok\n")]);
    let cfg = b.dir.join("megatest.config");
    let mut text_cfg = std::fs::read_to_string(&cfg).unwrap();
    text_cfg.push_str("\n[jobtools]\nlauncher nbfake\n");
    std::fs::write(&cfg, text_cfg).unwrap();
    let o = run(&b, "r1", &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        b.record("r1", "t", ""),
        Some(("COMPLETED".into(), "PASS".into()))
    );
}

#[test]
fn rerun_and_auto_rerun() {
    let a = area(
        "allow-auto-rerun COMPLETED/ABORT\n",
        &[
            ("flaky", "[ezsteps]\ns test -f $MT_RUN_AREA_HOME/fixed\n"),
            ("aborts", "[setup]\nrunscript ab.sh\n"),
            ("good", "[ezsteps]\ns true\n"),
        ],
    );
    std::fs::write(
        a.dir.join("tests/aborts/ab.sh"),
        "#!/bin/sh\ntest -f $MT_RUN_AREA_HOME/fixed && exit 0\nexit 5\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            a.dir.join("tests/aborts/ab.sh"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    let o = run(&a, "r1", &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        a.record("r1", "flaky", ""),
        Some(("COMPLETED".into(), "FAIL".into()))
    );
    assert_eq!(
        a.record("r1", "aborts", ""),
        Some(("COMPLETED".into(), "ABORT".into()))
    );
    std::fs::write(a.dir.join("fixed"), "").unwrap();
    let launched = |a: &Area, t: &str| {
        a.count(&format!(
            "SELECT count(*) FROM events e JOIN tests t ON t.id=e.test_id WHERE t.testname='{t}' AND e.new_state='LAUNCHED'"
        ))
    };
    // A plain second -run: only the ABORT (allow-auto-rerun) test runs again.
    let o = run(&a, "r1", &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        a.record("r1", "aborts", ""),
        Some(("COMPLETED".into(), "PASS".into()))
    );
    assert_eq!(
        a.record("r1", "flaky", ""),
        Some(("COMPLETED".into(), "FAIL".into()))
    );
    assert_eq!(
        (
            launched(&a, "flaky"),
            launched(&a, "aborts"),
            launched(&a, "good")
        ),
        (1, 2, 1)
    );
    // -rerun FAIL runs the failed test again; the history keeps both attempts.
    let o = run(&a, "r1", &["-rerun", "FAIL"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        a.record("r1", "flaky", ""),
        Some(("COMPLETED".into(), "PASS".into()))
    );
    assert_eq!((launched(&a, "flaky"), launched(&a, "good")), (2, 1));
}

#[test]
fn skip_rules_and_priorities() {
    let a = area(
        "max_concurrent_jobs 1\n",
        &[
            (
                "low",
                "[requirements]\npriority 1\n[ezsteps]\ns echo low >> $MT_RUN_AREA_HOME/order\n",
            ),
            (
                "high",
                "[requirements]\npriority 9\n[ezsteps]\ns echo high >> $MT_RUN_AREA_HOME/order\n",
            ),
            (
                "delayed",
                "[skip]\nrundelay 1h\n[ezsteps]\ns echo ran >> $MT_RUN_AREA_HOME/delayed\n",
            ),
        ],
    );
    let o = run(&a, "r1", &[]);
    assert!(o.status.success(), "{}", text(&o));
    let order = std::fs::read_to_string(a.dir.join("order")).unwrap();
    assert_eq!(order, "high\nlow\n");
    assert_eq!(
        a.record("r1", "delayed", ""),
        Some(("COMPLETED".into(), "PASS".into()))
    );
    // A second run within the hour skips it.
    let o = run(&a, "r2", &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        a.record("r2", "delayed", ""),
        Some(("COMPLETED".into(), "SKIP".into()))
    );
    assert_eq!(
        std::fs::read_to_string(a.dir.join("delayed")).unwrap(),
        "ran\n"
    );
}

#[test]
fn progress_line_only_on_a_terminal() {
    let a = area(
        "",
        &[
            ("t1", "[ezsteps]\ns sleep 0.3\n"),
            ("t2", "[ezsteps]\ns sleep 0.3\n"),
        ],
    );
    // Not a terminal: no live line, only the result lines on stdout.
    let o = run(&a, "plain", &[]);
    assert!(o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("done,"), "{err}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("COMPLETED   PASS"));
    // Under a pseudo-terminal (script(1)), the live line with counts appears.
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIP: script(1) not available");
        return;
    }
    let cmd = format!(
        "{} -run -target linux -runname tty -testpatt %",
        common::bin().display()
    );
    let o = std::process::Command::new("script")
        .args(["-qefc", &cmd, "/dev/null"])
        .current_dir(&a.dir)
        .output()
        .unwrap();
    let all = String::from_utf8_lossy(&o.stdout);
    assert!(all.contains("[tty] "), "{all}");
    assert!(all.contains("done,") && all.contains("running"), "{all}");
}

#[test]
fn a_runner_killed_with_sigkill_is_recovered_by_the_next_run() {
    runner_killed_then_recovered(false);
}

/// A runner killed just after a step started, before the step's pid was written (a short
/// step's pid goes with its end): the next run finds the step by its working directory.
#[test]
fn a_step_whose_pid_was_not_recorded_yet_is_still_ended() {
    runner_killed_then_recovered(true);
}

fn runner_killed_then_recovered(forget_pid: bool) {
    // The first attempt sleeps; the second finds the marker and passes at once.
    let a = area(
        "",
        &[
            (
                "long",
                "[ezsteps]\ns if [ -f $MT_RUN_AREA_HOME/second ]; then echo again; else touch $MT_RUN_AREA_HOME/second; sleep 300; fi\n",
            ),
            ("quick", "[ezsteps]\ns echo quick\n"),
        ],
    );
    let mut child = spawn_run(&a, "r1");
    // Wait until the first attempt's step has started (it writes the marker, then sleeps).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !a.dir.join("second").exists() {
        assert!(std::time::Instant::now() < deadline, "long never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(a.record("r1", "long", "").unwrap().0, "RUNNING");
    if forget_pid {
        a.db()
            .execute("UPDATE tests SET attemptnum=0 WHERE testname='long'", [])
            .unwrap();
    }

    // The next run finds the orphan, ends its leftover processes and runs it again.
    let started = std::time::Instant::now();
    let o = run(&a, "r1", &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        started.elapsed().as_secs() < 60,
        "the second run waited on the orphan"
    );
    assert_eq!(
        a.record("r1", "long", ""),
        Some(("COMPLETED".into(), "PASS".into())),
        "{}",
        text(&o)
    );
    assert_eq!(
        a.record("r1", "quick", ""),
        Some(("COMPLETED".into(), "PASS".into()))
    );
    let killed = a.count(
        "SELECT count(*) FROM events e JOIN tests t ON t.id=e.test_id WHERE t.testname='long' AND e.new_state='INCOMPLETE'",
    );
    assert_eq!(killed, 1, "the lost attempt is in the history");
    // No process of the first attempt is left.
    let left = procs_under(&a.dir.join("runs/linux/r1/long"));
    assert!(left.is_empty(), "left over: {left:?}");
}

/// SIGINT to a local run: the running test's steps are ended and it is recorded as killed;
/// the tests not started yet (one of them ready and waiting for a slot) stay NOT_STARTED;
/// the runner exits non-zero and leaves no process behind.
#[test]
fn an_interrupted_local_run_ends_its_steps_and_starts_nothing_more() {
    let step = "[ezsteps]\ns touch $MT_RUN_AREA_HOME/started-$MT_TEST_NAME; sleep 60\n";
    let a = area(
        "max_concurrent_jobs 1\n",
        &[("w1", step), ("w2", step), ("w3", step)],
    );
    let child = spawn_run(&a, "int");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let started = |a: &common::Area| {
        ["w1", "w2", "w3"]
            .iter()
            .filter(|t| a.dir.join(format!("started-{t}")).exists())
            .count()
    };
    while started(&a) == 0 {
        assert!(std::time::Instant::now() < deadline, "no test started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let t0 = std::time::Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(
        t0.elapsed().as_secs() < 20,
        "the runner took {:?}",
        t0.elapsed()
    );
    assert!(!out.status.success());
    assert_eq!(started(&a), 1, "only one test ever ran a step");
    let states: Vec<(String, String)> = ["w1", "w2", "w3"]
        .iter()
        .map(|t| a.record("int", t, "").unwrap())
        .collect();
    let killed = states
        .iter()
        .filter(|s| s.0 == "INCOMPLETE" && s.1 == "KILLED")
        .count();
    let not_started = states
        .iter()
        .filter(|s| s.0 == "NOT_STARTED" && s.1 == "n/a")
        .count();
    assert_eq!((killed, not_started), (1, 2), "{states:?}");
    // No step process is left.
    let left = procs_under(&a.dir.join("runs"));
    assert!(left.is_empty(), "left over: {left:?}");
}

/// A test that got ready while the only slot was taken counts its run time (runtimelim,
/// run_duration) from its start, not from when it began to wait.
#[test]
fn waiting_for_a_slot_does_not_count_against_the_time_limit() {
    let step = "[requirements]\nruntimelim 3s\n\n[ezsteps]\ns sleep 2\n";
    let a = area("max_concurrent_jobs 1\n", &[("r1", step), ("r2", step)]);
    let o = run(&a, "lim", &[]);
    assert!(o.status.success(), "{}", text(&o));
    for t in ["r1", "r2"] {
        assert_eq!(
            a.record("lim", t, ""),
            Some(("COMPLETED".into(), "PASS".into())),
            "{t}: {}",
            text(&o)
        );
    }
    let longest = a.count("SELECT max(run_duration) FROM tests");
    assert!(longest <= 3, "run_duration {longest}");
}
