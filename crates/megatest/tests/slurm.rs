//! The Slurm launcher end to end, against a real cluster (`scripts/slurm-up.sh` starts a
//! single-node one; `scripts/test.sh` does so when running as root). Without a cluster
//! answering `squeue`, every test here says SKIP and passes.
//!
//! What is checked: every record of a small run submitted with `[jobtools] launcher slurm`
//! (plain tests, items, a waiton, a failure); that each job really ran under Slurm (its
//! `megatest.sh` has the `SLURM_JOB_ID` that `mt_launch.log` recorded at submission); that
//! jobs cancelled behind the runner's back are recorded within seconds instead of hanging
//! the run; that an interrupted run cancels its jobs (Slurm chosen per test through
//! `[host-types]`); that an sbatch refusal is reported.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{text, Area};

/// Is a Slurm cluster answering? Asked once per test binary; squeue retries for a long
/// time when the controller is down, so the question is bounded to a few seconds (a
/// healthy controller answers in milliseconds).
fn slurm_up() -> bool {
    static UP: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let up = *UP.get_or_init(probe_slurm);
    if !up {
        eprintln!(
            "SKIP: no Slurm cluster answering (sbatch/squeue missing or failing); \
             start one with scripts/slurm-up.sh as root"
        );
    }
    up
}

fn probe_slurm() -> bool {
    let ok = |prog: &str, args: &[&str]| -> bool {
        let Ok(mut c) = Command::new(prog)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        else {
            return false;
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match c.try_wait() {
                Ok(Some(st)) => return st.success(),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                _ => {
                    let _ = c.kill();
                    let _ = c.wait();
                    return false;
                }
            }
        }
    };
    ok("sbatch", &["--version"]) && ok("squeue", &["-h"])
}

fn area(jobtools: &str, tests: &[(&str, &str)]) -> Area {
    let a = common::small_area("", common::RUNS_DISK, "[default]\nX 1\n", tests);
    let cfg = a.dir.join("megatest.config");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str(&format!("\n[jobtools]\n{jobtools}\n"));
    std::fs::write(&cfg, text).unwrap();
    a
}

/// A `megatest -run` in the background, with its output in files, that is killed (and
/// whose Slurm jobs are cancelled) if the test fails before it ends.
struct BgRun {
    child: Option<Child>,
    out: PathBuf,
    err: PathBuf,
    cancel_on_drop: Vec<String>,
}

impl BgRun {
    fn start(a: &Area, runname: &str) -> BgRun {
        let out = a.dir.join(format!("{runname}.stdout"));
        let err = a.dir.join(format!("{runname}.stderr"));
        let mut c = a.command(&[
            "-run",
            "-target",
            "linux",
            "-runname",
            runname,
            "-testpatt",
            "%",
            "-quiet",
        ]);
        c.stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap());
        BgRun {
            child: Some(c.spawn().unwrap()),
            out,
            err,
            cancel_on_drop: Vec::new(),
        }
    }

    fn output(&self) -> String {
        format!(
            "--- stdout\n{}\n--- stderr\n{}",
            std::fs::read_to_string(&self.out).unwrap_or_default(),
            std::fs::read_to_string(&self.err).unwrap_or_default()
        )
    }

    fn pid(&self) -> i32 {
        i32::try_from(self.child.as_ref().unwrap().id()).unwrap()
    }

    /// Wait for the run to end; None if it is still going after `limit`.
    fn wait(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        let c = self.child.as_mut()?;
        loop {
            if let Some(st) = c.try_wait().unwrap() {
                self.child = None;
                return Some(st);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for BgRun {
    fn drop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
        if !self.cancel_on_drop.is_empty() {
            let _ = Command::new("scancel")
                .args(&self.cancel_on_drop)
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Poll `f` every 100 ms until it returns Some, for at most `limit`.
fn wait_for<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The Slurm job id the launcher recorded in a test's `mt_launch.log`.
fn launched_id(work: &Path) -> Option<String> {
    let log = std::fs::read_to_string(work.join("mt_launch.log")).ok()?;
    let line = log.lines().find(|l| l.starts_with("SLURM_JOB_ID: "))?;
    Some(
        line["SLURM_JOB_ID: ".len()..]
            .split_whitespace()
            .next()?
            .to_string(),
    )
}

/// The `SLURM_JOB_ID` the job's wrapper saw (from its `megatest.sh` environment dump).
fn env_job_id(work: &Path) -> Option<String> {
    let env = std::fs::read_to_string(work.join("megatest.sh")).ok()?;
    let re = regex::Regex::new(r#"(?m)^export SLURM_JOB_ID="?(\d+)"?$"#).unwrap();
    re.captures(&env).map(|c| c[1].to_string())
}

/// All records of a run: (test, item) -> (state, status, comment).
fn records(a: &Area, runname: &str) -> BTreeMap<(String, String), (String, String, String)> {
    let c = a.db();
    let mut st = c
        .prepare(
            "SELECT t.testname, t.item_path, t.state, t.status, coalesce(t.comment, '')
             FROM tests t JOIN runs r ON r.id=t.run_id WHERE r.runname=?1",
        )
        .unwrap();
    st.query_map([runname], |r| {
        Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?, r.get(4)?)))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn state_of(a: &Area, runname: &str, test: &str) -> Option<String> {
    a.record(runname, test, "").map(|(s, _)| s)
}

const SLEEP: &str = "[ezsteps]\nnap sleep 300\n";

#[test]
fn slurm_runs_every_job_and_catches_cancelled_ones() {
    if !slurm_up() {
        return;
    }
    let t0 = Instant::now();
    let a = area(
        // Extra sbatch options ride along (a 5-minute limit: the sleepers must not outlive
        // a failed test for long).
        "launcher slurm --time=5",
        &[
            ("first", "[ezsteps]\nhello echo first\n"),
            (
                "items",
                "[items]\nN 1 2 3\n\n[ezsteps]\nshow echo item $N\n",
            ),
            (
                "second",
                "[requirements]\nwaiton first\n\n[ezsteps]\nafter echo second\n",
            ),
            ("broken", "[ezsteps]\nboom exit 1\n"),
            // Cancelled with a plain scancel: Slurm TERMs the wrapper (the batch script's
            // main process), which records the kill itself.
            ("sleeper", SLEEP),
            // The wrapper KILLed (as a lost node would): it cannot say anything; only the
            // squeue watch can find out.
            ("sleeper_k", SLEEP),
        ],
    );
    let mut run = BgRun::start(&a, "r1");
    let runs = a.dir.join("runs/linux/r1");

    // Both sleepers running under Slurm: find their job ids.
    let mut ids = BTreeMap::new();
    for t in ["sleeper", "sleeper_k"] {
        let id = wait_for(Duration::from_secs(30), || {
            (state_of(&a, "r1", t).as_deref() == Some("RUNNING"))
                .then(|| launched_id(&runs.join(t)))
                .flatten()
        })
        .unwrap_or_else(|| panic!("{t} never ran under Slurm\n{}", run.output()));
        run.cancel_on_drop.push(id.clone());
        ids.insert(t, id);
    }
    // Behind the runner's back.
    let killed_at = Instant::now();
    let st = Command::new("scancel")
        .arg(&ids["sleeper"])
        .status()
        .unwrap();
    assert!(st.success());
    let st = Command::new("scancel")
        .args(["--batch", "--signal=KILL", &ids["sleeper_k"]])
        .status()
        .unwrap();
    assert!(st.success());

    let st = run
        .wait(Duration::from_secs(40))
        .unwrap_or_else(|| panic!("the run hangs after scancel\n{}", run.output()));
    let after_kill = killed_at.elapsed();
    assert!(st.success(), "{st:?}\n{}", run.output());
    // One squeue interval (5 s ± 20 %) plus the grace (3 s), with room for a busy machine.
    assert!(
        after_kill < Duration::from_secs(20),
        "the run took {after_kill:?} to notice the cancelled jobs\n{}",
        run.output()
    );

    // Every record.
    let recs = records(&a, "r1");
    let got: BTreeMap<(String, String), (String, String)> = recs
        .iter()
        .map(|(k, (s, st, _))| (k.clone(), (s.clone(), st.clone())))
        .collect();
    let want: BTreeMap<(String, String), (String, String)> = [
        ("first", "", "COMPLETED", "PASS"),
        ("items", "", "COMPLETED", "PASS"),
        ("items", "1", "COMPLETED", "PASS"),
        ("items", "2", "COMPLETED", "PASS"),
        ("items", "3", "COMPLETED", "PASS"),
        ("second", "", "COMPLETED", "PASS"),
        ("broken", "", "COMPLETED", "FAIL"),
        ("sleeper", "", "INCOMPLETE", "KILLED"),
        ("sleeper_k", "", "COMPLETED", "DEAD"),
    ]
    .iter()
    .map(|(t, i, s, st)| {
        (
            ((*t).to_string(), (*i).to_string()),
            ((*s).to_string(), (*st).to_string()),
        )
    })
    .collect();
    assert_eq!(got, want, "{}", run.output());

    // The dead job's comment names its Slurm job, how it ended and its log.
    let (_, _, comment) = &recs[&("sleeper_k".to_string(), String::new())];
    let id = &ids["sleeper_k"];
    let log = a.dir.join(format!("lt/linux/r1/sleeper_k/slurm-{id}.log"));
    assert_eq!(
        comment,
        &format!(
            "Slurm job {id} left the queue (FAILED) while the test was RUNNING; see {}",
            log.display()
        )
    );
    assert!(log.is_file(), "{}", log.display());
    let (_, _, comment) = &recs[&("sleeper".to_string(), String::new())];
    assert_eq!(comment, "Killed by signal");

    // Each job ran under Slurm, as the job that was submitted for it.
    let mut job_ids: BTreeMap<&str, u64> = BTreeMap::new();
    for (name, rel) in [
        ("first", "first"),
        ("items/1", "items/1"),
        ("items/2", "items/2"),
        ("items/3", "items/3"),
        ("second", "second"),
        ("broken", "broken"),
        ("sleeper", "sleeper"),
        ("sleeper_k", "sleeper_k"),
    ] {
        let work = runs.join(rel);
        let submitted = launched_id(&work).unwrap_or_else(|| panic!("{name}: no job id"));
        assert_eq!(
            env_job_id(&work).as_deref(),
            Some(submitted.as_str()),
            "{name}: SLURM_JOB_ID in megatest.sh"
        );
        assert!(
            work.join(format!("slurm-{submitted}.log")).is_file(),
            "{name}"
        );
        job_ids.insert(name, submitted.parse().unwrap());
    }
    // second was submitted only once first had passed: Slurm numbered it after all the
    // jobs submitted at the start.
    let max_other = job_ids
        .iter()
        .filter(|(n, _)| **n != "second")
        .map(|(_, v)| *v)
        .max()
        .unwrap();
    assert!(job_ids["second"] > max_other, "{job_ids:?}");
    eprintln!(
        "slurm end-to-end: {:.1}s in all, cancelled jobs recorded {:.1}s after scancel",
        t0.elapsed().as_secs_f64(),
        after_kill.as_secs_f64()
    );
}

#[test]
fn interrupted_run_cancels_its_slurm_jobs() {
    if !slurm_up() {
        return;
    }
    // Slurm chosen per test through flexi-launcher and [host-types].
    let a = area(
        "flexi-launcher yes\n\n[launchers]\nnap% farm\n\n[host-types]\nfarm slurm --time=5",
        &[("nap1", SLEEP), ("nap2", SLEEP)],
    );
    let mut run = BgRun::start(&a, "r1");
    let runs = a.dir.join("runs/linux/r1");
    let mut ids = Vec::new();
    for t in ["nap1", "nap2"] {
        let id = wait_for(Duration::from_secs(30), || {
            (state_of(&a, "r1", t).as_deref() == Some("RUNNING"))
                .then(|| launched_id(&runs.join(t)))
                .flatten()
        })
        .unwrap_or_else(|| panic!("{t} never ran under Slurm\n{}", run.output()));
        ids.push(id);
    }
    run.cancel_on_drop.clone_from(&ids);
    // Ctrl-C on the runner.
    let st = Command::new("kill")
        .args(["-INT", &run.pid().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let st = run
        .wait(Duration::from_secs(30))
        .unwrap_or_else(|| panic!("the interrupted run does not end\n{}", run.output()));
    assert!(!st.success(), "an interrupted run fails\n{}", run.output());
    assert!(
        run.output().contains("cancelled 2 Slurm job(s)"),
        "{}",
        run.output()
    );
    // Slurm ends both jobs as CANCELLED (they may still be COMPLETING for a moment after
    // the wrappers recorded the kill and the run ended).
    let states = || {
        let q = Command::new("squeue")
            .args(["-h", "-t", "all", "-o", "%i %T", "-j", &ids.join(",")])
            .output()
            .unwrap();
        String::from_utf8_lossy(&q.stdout).to_string()
    };
    let cancelled = wait_for(Duration::from_secs(15), || {
        let s = states();
        (s.lines().filter(|l| l.ends_with(" CANCELLED")).count() == 2).then_some(())
    });
    assert!(cancelled.is_some(), "not cancelled: {}", states());
    // scancel TERMs each wrapper, which records the kill itself.
    for t in ["nap1", "nap2"] {
        assert_eq!(
            a.record("r1", t, ""),
            Some(("INCOMPLETE".into(), "KILLED".into())),
            "{t}\n{}",
            run.output()
        );
    }
}

#[test]
fn sbatch_refusal_is_a_launch_failure() {
    if !slurm_up() {
        return;
    }
    let a = area(
        "launcher slurm --partition=no-such-partition",
        &[("t", "[ezsteps]\ns true\n")],
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
    let (state, status) = a.record("r1", "t", "").unwrap();
    assert_eq!((state.as_str(), status.as_str()), ("NOT_STARTED", "FAIL"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no-such-partition"), "{err}");
    let log = std::fs::read_to_string(a.dir.join("runs/linux/r1/t/mt_launch.log")).unwrap();
    assert!(
        log.contains("LAUNCHCMD: sbatch --parsable --job-name t "),
        "{log}"
    );
}
