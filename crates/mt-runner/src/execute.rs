//! `megatest -execute CMDINFO`: the wrapper that runs one test (or item) on its host. It
//! rebuilds the test's environment (runner spec §4.5, config-and-area.md §6.3), writes
//! `megatest.sh`/`megatest.csh`, runs the runscript and the ezsteps with logpro, keeps a
//! heartbeat, honours kill requests and the run time limit, and sets the final status.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mt_area::{Area, LoadOptions, TestConfig};
use mt_configf::{Host, RealHost, SystemMode};
use mt_db::{Op, RunInfo, Store};
use mt_model::{State, Status};

use crate::cmdinfo::CmdInfo;
use crate::monitor::{JobShared, KillReason, Monitor, MonitorConfig};
use crate::reporter::Reporter;
use crate::shellenv::shell_echo;

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error(transparent)]
    CmdInfo(#[from] crate::cmdinfo::CmdInfoError),
    #[error("cannot open the area database {path}: {source}")]
    Db {
        path: PathBuf,
        #[source]
        source: mt_db::DbError,
    },
    #[error(transparent)]
    Store(#[from] mt_db::DbError),
    #[error(transparent)]
    Area(#[from] mt_area::AreaError),
    #[error("test state is REMOVING, cannot proceed")]
    Removing,
    #[error("test record {0} not found in the database")]
    NoRecord(i64),
    #[error("required variable {0} does not have a valid value. Exiting")]
    MissingVar(String),
    #[error("work area {0} does not exist")]
    NoWorkArea(PathBuf),
}

/// The result code of a step or runscript and whether it ended normally.
#[derive(Debug, Clone, Copy)]
struct ProcEnd {
    code: i32,
    normal: bool,
}

/// How long a step may run before its pid and `start` row are written on their own; a
/// step that ends sooner has them written with its end, in one transaction.
const FIRST_LOOK: Duration = Duration::from_millis(50);

/// Run a step or the runscript in its own process group, watched by the monitor; its pid
/// becomes the test's top process (`attemptnum`), written together with the step's
/// `start` row when given. Returns how it ended and whether that start was written (if
/// not, the caller writes it with the end).
fn run_in_group(
    cmd: &mut Command,
    shared: &JobShared,
    mon: &mut Monitor,
    store: &Store,
    test_id: i64,
    step: Option<&str>,
) -> std::io::Result<(ProcEnd, Option<i64>)> {
    let mut child = mt_launch::spawn_in_group(cmd)?;
    let pid = i32::try_from(child.id()).unwrap_or(0);
    shared.pgid.store(pid, Ordering::SeqCst);
    let mut unrecorded = Some(i64::from(pid));
    let st = mon.wait(&mut child, store, shared, FIRST_LOOK, || {
        if let Err(e) = store.apply(&start_ops(test_id, i64::from(pid), step), "execute") {
            eprintln!(
                "ERROR: cannot record the start of {}: {e}",
                step.unwrap_or("the runscript")
            );
        }
        unrecorded = None;
    })?;
    shared.pgid.store(0, Ordering::SeqCst);
    Ok((
        ProcEnd {
            code: st.code().unwrap_or(-1),
            normal: st.code().is_some(),
        },
        unrecorded,
    ))
}

/// The writes of a step's (or the runscript's) start: its pid, and the step's `start` row.
fn start_ops(test_id: i64, pid: i64, step: Option<&str>) -> Vec<Op<'_>> {
    let mut ops = vec![Op::RunInfo(
        test_id,
        RunInfo {
            pid: Some(pid),
            ..RunInfo::default()
        },
    )];
    if let Some(name) = step {
        ops.push(Op::Step(test_id, name, "start", "-", "", ""));
    }
    ops
}

/// Build the test's environment, lowest precedence first (config-and-area.md §6.3).
#[allow(clippy::result_large_err)] // once per job, and an error ends it
fn build_env(
    ci: &CmdInfo,
    area: &Area,
    store: &Store,
    inherited: &[(String, Option<String>)],
    runconfig: Option<&Vec<(String, String)>>,
    from_runner: bool,
) -> Result<BTreeMap<String, String>, ExecError> {
    let mut env: BTreeMap<String, String> = std::env::vars().collect();
    // What the launcher would have passed to a separate job process.
    for (k, v) in inherited {
        match v {
            Some(v) => env.insert(k.clone(), v.clone()),
            None => env.remove(k),
        };
    }
    // [env-override] and key variables as this process read megatest.config.
    for (k, v) in area.host.env_changes() {
        match v {
            Some(v) => env.insert(k.clone(), v.clone()),
            None => env.remove(k),
        };
    }
    // runconfigs [default] then [TARGET], each value through `echo` in the shell.
    let read;
    let vars = match runconfig {
        Some(v) => v,
        None => {
            read = area.runconfig_vars(&ci.target)?;
            &read
        }
    };
    for (k, v) in vars {
        let val = shell_echo(v, &env);
        env.insert(k.clone(), val);
    }
    if let Some(sv) = &ci.set_vars {
        for pair in sv.split(',') {
            let parts: Vec<&str> = pair.split('=').collect();
            if parts.len() == 2 {
                env.insert(parts[0].to_string(), parts[1].to_string());
            }
        }
    }
    let item_info = mt_area::Item {
        vars: ci.itemdat.clone(),
    }
    .info();
    let base = [
        ("MT_TEST_RUN_DIR", ci.work_area.clone()),
        ("MT_TEST_NAME", ci.test_name.clone()),
        ("MT_ITEM_INFO", item_info),
        ("MT_ITEMPATH", ci.itempath.clone()),
        ("MT_RUNNAME", ci.runname.clone()),
        ("MT_MEGATEST", ci.megatest.clone()),
        ("MT_TARGET", ci.target.clone()),
        ("MT_LINKTREE", ci.linktree.clone()),
        ("MT_TESTSUITENAME", ci.areaname.clone()),
        ("MT_RUN_AREA_HOME", ci.toppath.clone()),
    ];
    for (k, v) in base {
        if v.is_empty() && k != "MT_ITEMPATH" {
            return Err(ExecError::MissingVar(k.to_string()));
        }
        env.insert(k.to_string(), v);
    }
    env.insert("MT_CMDINFO".into(), ci.encode());
    let path = env.get("PATH").cloned().unwrap_or_default();
    env.insert("PATH".into(), format!("{path}:{}", ci.mt_bindir_path));
    for (k, v) in &ci.env_ovrd {
        env.insert(k.clone(), v.clone());
    }
    // The runner that launched this job in process registered the run under this name.
    let runname = if from_runner {
        ci.runname.clone()
    } else {
        store
            .get_run(ci.run_id)
            .ok()
            .flatten()
            .map_or_else(|| ci.runname.clone(), |r| r.runname)
    };
    for (k, v) in area.key_names().iter().zip(ci.target.split('/')) {
        env.insert(k.clone(), v.to_string());
    }
    env.insert("MT_RUNNAME".into(), runname);
    for (k, v) in &ci.itemdat {
        env.insert(k.clone(), v.clone());
    }
    Ok(env)
}

/// `uname -srvpio`, without starting a program (read once per process).
fn uname() -> String {
    static UNAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    UNAME.get_or_init(read_uname).clone()
}

fn read_uname() -> String {
    match nix::sys::utsname::uname() {
        Ok(u) => {
            let machine = u.machine().to_string_lossy().into_owned();
            format!(
                "{} {} {} {machine} {machine} GNU/Linux",
                u.sysname().to_string_lossy(),
                u.release().to_string_lossy(),
                u.version().to_string_lossy()
            )
        }
        Err(_) => "unknown".into(),
    }
}

pub fn hostname() -> String {
    nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "localhost".into())
}

/// Per-step status (runner spec §4.7): the step's own verdict and the rolled-up one.
fn step_verdict(code: i32, with_logpro: bool) -> &'static str {
    if with_logpro {
        Status::from_exit_code(code)
    } else if code == 0 {
        Status::PASS
    } else {
        Status::FAIL
    }
}

fn next_status(rollup: i32, this: &'static str) -> &'static str {
    let overall = match rollup {
        0 => Status::PASS,
        2 => Status::WARN,
        _ => Status::FAIL,
    };
    match overall {
        "PASS" => this,
        "WARN" => {
            if this == Status::FAIL {
                Status::FAIL
            } else {
                Status::WARN
            }
        }
        _ => Status::FAIL,
    }
}

fn status_code(status: &str) -> i32 {
    match status {
        "PASS" => 0,
        "WARN" => 2,
        "CHECK" => 3,
        "WAIVED" => 4,
        "ABORT" => 5,
        "SKIP" => 6,
        _ => 1,
    }
}

/// What a caller that already read them can hand to [`run_job`] instead of reading again.
#[derive(Debug, Default)]
pub struct Prepared {
    /// The testconfig, when its reading cannot differ (see `TestConfig::dynamic`).
    pub tc: Option<Arc<TestConfig>>,
    /// The target's runconfigs variables (raw values, in order).
    pub runconfig: Option<Arc<Vec<(String, String)>>>,
    /// Set by the runner for a job it just chose to start: the job writes LAUNCHED (and
    /// where it runs) together with REMOTEHOSTSTART and RUNNING, one transaction instead
    /// of two, and skips re-reading the record the runner just judged.
    pub launched: Option<Launched>,
    /// The runner's slots and this job's place in their queue: the job gets ready, then
    /// waits for its turn before it starts.
    pub slot: Option<(Arc<crate::slots::Slots>, crate::slots::Ticket)>,
}

/// Where a launched job runs, written with its `LAUNCHED` state.
#[derive(Debug, Clone)]
pub struct Launched {
    pub rundir: String,
    pub shortdir: String,
    /// An itemized test's toplevel record learns its directory with its first item:
    /// (toplevel id, link dir, physical dir).
    pub top_dir: Option<(i64, String, String)>,
}

impl Launched {
    /// The run-info writes, then `LAUNCHED`.
    #[must_use]
    pub fn ops(&self, id: i64) -> Vec<Op<'_>> {
        let mut ops = vec![Op::RunInfo(
            id,
            RunInfo {
                rundir: Some(&self.rundir),
                shortdir: Some(&self.shortdir),
                ..RunInfo::default()
            },
        )];
        if let Some((top, lt, pt)) = &self.top_dir {
            ops.push(Op::RunInfo(
                *top,
                RunInfo {
                    rundir: Some(lt),
                    shortdir: Some(pt),
                    ..RunInfo::default()
                },
            ));
        }
        ops
    }

    /// As [`Launched::ops`], with the `LAUNCHED` state write itself.
    #[must_use]
    pub fn ops_with_state(&self, id: i64) -> Vec<Op<'_>> {
        let mut ops = self.ops(id);
        ops.push(Op::Status(mt_db::StatusUpdate {
            test_id: id,
            state: Some(State::LAUNCHED),
            status: Some(Status::NA),
            comment: None,
        }));
        ops
    }
}

/// `megatest -execute CMDINFO`: run one test job in this process; returns the exit code.
#[allow(clippy::result_large_err)] // once per job, and an error ends it
pub fn execute(encoded: &str, signalled: Arc<AtomicBool>) -> Result<i32, ExecError> {
    let ci = CmdInfo::decode(encoded)?;
    let mut store = Store::open_existing(&ci.dbpath).map_err(|source| ExecError::Db {
        path: PathBuf::from(&ci.dbpath),
        source,
    })?;
    store.set_source("execute");
    let toppath = PathBuf::from(&ci.toppath);
    let area = Area::load_at(
        &toppath,
        "megatest.config",
        LoadOptions {
            target: Some(ci.target.clone()),
            scheme: mt_area::scheme_eval::evaluator(
                &toppath,
                &[
                    ("-target", ci.target.as_str()),
                    ("-runname", ci.runname.as_str()),
                ],
            ),
            ..LoadOptions::default()
        },
    )?;
    run_job(&ci, &area, &store, signalled, &[], &mut Prepared::default())
}

/// Run one test job with an area and a database connection the caller already has: the
/// body of `-execute`, and what the runner's built-in launcher runs on a thread of its own
/// (saving a process start, a config read and a database open per test). `inherited` is
/// the environment a launched process would have been given.
#[allow(clippy::result_large_err)] // once per job, and an error ends it
pub fn run_job(
    ci: &CmdInfo,
    area: &Area,
    store: &Store,
    signalled: Arc<AtomicBool>,
    inherited: &[(String, Option<String>)],
    prepared: &mut Prepared,
) -> Result<i32, ExecError> {
    let toppath = PathBuf::from(&ci.toppath);
    if prepared.launched.is_none() {
        let rec = store
            .get_test(ci.test_id)?
            .ok_or(ExecError::NoRecord(ci.test_id))?;
        if rec.state == State::REMOVING {
            return Err(ExecError::Removing);
        }
    }
    let mut reporter = Reporter::new(store, "execute");
    let work = PathBuf::from(&ci.work_area);
    if !work.is_dir() {
        reporter.set(
            ci.test_id,
            Some(State::COMPLETED),
            Some(Status::FAIL),
            Some("work area missing"),
        );
        return Err(ExecError::NoWorkArea(work));
    }
    let host = hostname();
    let un = uname();

    let mut env = build_env(
        ci,
        area,
        store,
        inherited,
        prepared.runconfig.as_deref(),
        prepared.launched.is_some(),
    )?;
    let _ = crate::envfile::write_env_files(
        &work.join("megatest"),
        env.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );

    let shared = JobShared {
        signalled,
        ..JobShared::default()
    };
    // The testconfig for triggers, steps and logpro rules. Read with system calls on, so
    // [pre-launch-env-vars] reach the steps' environment.
    let mut tc_host = RealHost::new()
        .with_toppath(&toppath)
        .with_cwd(&work)
        .with_target(ci.target.clone());
    let tc = if let Some(tc) = &prepared.tc {
        Ok(tc.clone())
    } else {
        for (k, v) in &env {
            tc_host.setenv(k, v);
        }
        area.read_testconfig(&ci.test_name, SystemMode::Yes, &mut tc_host)
            .map(Arc::new)
    };
    let tc = match tc {
        Ok(tc) => tc,
        Err(e) => {
            reporter.set(
                ci.test_id,
                Some(State::COMPLETED),
                Some(Status::FAIL),
                Some(&format!("testconfig error: {e}")),
            );
            return Err(e.into());
        }
    };
    if !tc.triggers.is_empty() {
        // Triggers run with the test's environment (a copy only for tests that have some).
        reporter.set_env(env.clone());
    }
    reporter.set_triggers(&ci.test_name, tc.triggers.clone());
    // Ready: from here on the job counts against max_concurrent_jobs. A run interrupted
    // while it waited leaves it as it was (NOT_STARTED).
    let slot = match prepared.slot.take() {
        Some((slots, ticket)) => match slots.acquire(ticket, &shared.signalled) {
            Some(slot) => Some(slot),
            None => return Ok(0),
        },
        None => None,
    };
    // The test's time (run_duration, runtimelim) starts now, not while it waited.
    let started = std::time::Instant::now();
    let mut mon = Monitor::new(MonitorConfig {
        test_id: ci.test_id,
        runtimelim: ci.runtlim,
        work_area: work.clone(),
        beat: Duration::from_secs(3),
    });
    // REMOTEHOSTSTART (with where it runs) and RUNNING in one transaction (after LAUNCHED
    // when the runner left that to the job), once the test's triggers are known so that
    // all can fire them.
    let mut first = prepared
        .launched
        .as_ref()
        .map(|l| l.ops_with_state(ci.test_id))
        .unwrap_or_default();
    first.extend([
        Op::RunInfo(
            ci.test_id,
            RunInfo {
                host: Some(&host),
                uname: Some(&un),
                ..RunInfo::default()
            },
        ),
        Op::Status(mt_db::StatusUpdate {
            test_id: ci.test_id,
            state: Some(State::REMOTEHOSTSTART),
            status: Some(Status::NA),
            comment: None,
        }),
    ]);
    reporter.set_with(ci.test_id, Some(State::RUNNING), None, None, &first);

    let mut rollup = 0;
    // Whether the last step's own write already gave the record its final state (then
    // there is nothing for `finalize` to decide, and no need to read the record again).
    let mut ended = false;
    let mut last = ProcEnd {
        code: 0,
        normal: true,
    };

    if let Some(rs) = &ci.runscript {
        let path = resolve_runscript(rs, Path::new(&ci.testpath));
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c")
            .arg(&path)
            .current_dir(&work)
            .env_clear()
            .envs(&env)
            .stdin(Stdio::null());
        match run_in_group(&mut cmd, &shared, &mut mon, store, ci.test_id, None) {
            Ok((end, unrecorded)) => {
                if let Some(pid) = unrecorded {
                    let _ = store.apply(&start_ops(ci.test_id, pid, None), "execute");
                }
                last = end;
                rollup = end.code;
            }
            Err(e) => {
                eprintln!("ERROR: cannot run runscript {path}: {e}");
                last = ProcEnd {
                    code: 1,
                    normal: true,
                };
                rollup = 1;
            }
        }
    }

    if ci.ezsteps && last.normal && !shared.killed.load(Ordering::SeqCst) {
        // [pre-launch-env-vars] applied by the re-read go to the steps (not megatest.sh).
        for (k, v) in tc_host.env_changes() {
            match v {
                Some(v) => env.insert(k.clone(), v.clone()),
                None => env.remove(k),
            };
        }
        let path = env.get("PATH").cloned().unwrap_or_default();
        env.insert("PATH".into(), format!("{path}:."));
        let _ = std::fs::create_dir(work.join(".ezsteps"));
        let n = tc.ezsteps.len();
        for (i, step) in tc.ezsteps.iter().enumerate() {
            // A kill request or signal that came between steps ends the job here.
            if mon.tick(store, &shared).is_some() || shared.killed.load(Ordering::SeqCst) {
                break;
            }
            let r = run_ezstep(
                ci,
                &tc,
                step,
                i + 1 == n,
                &work,
                &env,
                (&shared, &mut mon),
                store,
                &mut reporter,
                rollup,
            );
            last = r.end;
            rollup = r.rollup;
            ended = r.ended;
            if !r.good || !last.normal {
                break;
            }
        }
    }

    // A signal that reached the job and its step together ends the step before the monitor
    // looks: it still counts as the job being killed.
    let kill = mon.reason().or_else(|| {
        shared
            .signalled
            .load(Ordering::SeqCst)
            .then_some(KillReason::Signal)
    });
    if let Some(reason) = kill {
        let (state, status, comment) = match reason {
            KillReason::Signal => (State::INCOMPLETE, Status::KILLED, "Killed by signal"),
            KillReason::TimeLimit => (
                State::KILLED,
                Status::KILLED,
                "Killed: run time limit exceeded",
            ),
            KillReason::Requested => (State::KILLED, Status::KILLED, "Killed on request (KILLREQ)"),
        };
        reporter.set(ci.test_id, Some(state), Some(status), Some(comment));
    } else if !ended {
        finalize(ci, store, &mut reporter, last, rollup);
    }
    // The record has its final state: the next job may start while this one tidies up.
    drop(slot);
    // Whole seconds: a test under a second keeps the 0 it has.
    let secs = i64::try_from(started.elapsed().as_secs()).unwrap_or(0);
    if secs > 0 {
        if let Some(rec) = store.get_test(ci.test_id).ok().flatten() {
            if rec.run_duration < secs {
                let _ = store.set_run_duration(ci.test_id, secs);
            }
        }
    }
    reporter.wait_triggers(Duration::from_secs(30));
    Ok(if last.normal || kill.is_some() { 0 } else { 4 })
}

fn resolve_runscript(rs: &str, testpath: &Path) -> String {
    if rs.contains('/') {
        return rs.to_string();
    }
    let p = testpath.join(rs);
    if p.is_file() {
        return p.to_string_lossy().into_owned();
    }
    rs.to_string()
}

/// §4.9: only a record still REMOTEHOSTSTART/RUNNING gets its verdict from the job.
fn finalize(ci: &CmdInfo, store: &Store, reporter: &mut Reporter<'_>, last: ProcEnd, rollup: i32) {
    let Ok(Some(rec)) = store.get_test(ci.test_id) else {
        return;
    };
    if rec.state != State::REMOTEHOSTSTART && rec.state != State::RUNNING {
        return;
    }
    let auto = rec.status == Status::AUTO;
    let status = if !last.normal {
        Status::FAIL
    } else {
        match rollup {
            0 if auto => Status::AUTO,
            2 if auto => Status::AUTO_WARN,
            c => Status::from_exit_code(c),
        }
    };
    reporter.set(ci.test_id, Some(State::COMPLETED), Some(status), None);
}

struct StepResult {
    end: ProcEnd,
    rollup: i32,
    good: bool,
    /// This step wrote the record's final state (COMPLETED).
    ended: bool,
}

#[allow(clippy::too_many_arguments)]
fn run_ezstep(
    ci: &CmdInfo,
    tc: &TestConfig,
    step: &mt_area::EzStep,
    is_last: bool,
    work: &Path,
    env: &BTreeMap<String, String>,
    (shared, mon): (&JobShared, &mut Monitor),
    store: &Store,
    reporter: &mut Reporter<'_>,
    rollup: i32,
) -> StepResult {
    let name = &step.name;
    let rules_file = work.join(format!("{name}.logpro"));
    let with_logpro = rules_file.exists()
        || tc.logpro_rules(name).is_some_and(|rules| {
            std::fs::write(
                &rules_file,
                format!(";; logpro file extracted from testconfig\n;;\n{rules}\n"),
            )
            .is_ok()
        });
    let log = format!("{name}.log");
    let mut mk = format!("{log} :\n\t{}\n", step.command);
    if with_logpro {
        mk.push_str(&format!("\tlogpro {name}.logpro {name}.html < {log}\n"));
    }
    mk.push_str(&format!("\n{name} : {log}\n\n"));
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(work.join("Makefile.ezsteps"))
    {
        let _ = f.write_all(mk.as_bytes());
    }
    let mut cmd = Command::new("/bin/bash");
    cmd.arg("-c")
        // Grouped, so a redirection inside the step (`echo x > out.txt`) keeps its file
        // and only the rest of the output goes to the step's log.
        .arg(format!("{{ {}\n}} > {log} 2>&1", step.command))
        .current_dir(work)
        .env_clear()
        .envs(env)
        .stdin(Stdio::null());
    let (mut end, unrecorded) =
        match run_in_group(&mut cmd, shared, mon, store, ci.test_id, Some(name)) {
            Ok(e) => e,
            Err(e) => {
                let _ = store.record_step(ci.test_id, name, "start", "-", "", "");
                let _ = std::fs::write(work.join(&log), format!("cannot run step: {e}\n"));
                (
                    ProcEnd {
                        code: 127,
                        normal: true,
                    },
                    None,
                )
            }
        };
    // A short step's pid and start row go with its end.
    let mut with = unrecorded.map_or_else(Vec::new, |pid| start_ops(ci.test_id, pid, Some(name)));
    if shared.killed.load(Ordering::SeqCst) {
        let code = end.code.to_string();
        with.push(Op::Step(ci.test_id, name, "end", &code, "killed", ""));
        let _ = store.apply(&with, "execute");
        return StepResult {
            end,
            rollup,
            good: false,
            ended: false,
        };
    }
    let mut comment = String::new();
    let mut logfile = String::new();
    if with_logpro && end.normal {
        match crate::logpro_step::judge(
            &rules_file,
            &work.join(&log),
            &work.join(format!("{name}.html")),
            &work.join(format!("{name}.dat")),
        ) {
            Ok(code) => end.code = code,
            Err(e) => {
                comment = format!("logpro: {e}");
                end.code = 1;
            }
        }
        let dat = work.join(format!("{name}.dat"));
        if dat.exists() {
            match crate::logpro_step::load_dat(store, ci.test_id, name, &dat) {
                Ok(c) => {
                    if comment.is_empty() {
                        comment = c;
                    }
                }
                Err(e) => eprintln!("ERROR: loading {}: {e}", dat.display()),
            }
        }
        logfile = format!("{name}.html");
    }
    let code_text = end.code.to_string();
    with.push(Op::Step(
        ci.test_id, name, "end", &code_text, &comment, &logfile,
    ));
    if with_logpro {
        with.push(Op::RunInfo(
            ci.test_id,
            RunInfo {
                final_logf: Some(&logfile),
                ..RunInfo::default()
            },
        ));
    }
    let this = step_verdict(end.code, with_logpro);
    let next = next_status(rollup, this);
    let next_state = if is_last {
        State::COMPLETED
    } else {
        State::RUNNING
    };
    let (state, comment) = match next {
        "FAIL" if end.code == 127 && !with_logpro => (
            State::COMPLETED,
            Some(format!(
                "Failed at step {name} (exit 127: command not found, see {log})"
            )),
        ),
        "FAIL" => (State::COMPLETED, Some(format!("Failed at step {name}"))),
        "WARN" if this == Status::WARN => (next_state, Some("Logpro warning found".to_string())),
        "CHECK" => (next_state, Some("Logpro check found".to_string())),
        "ABORT" => (next_state, Some("Logpro abort found".to_string())),
        "SKIP" => (next_state, Some("Logpro skip found".to_string())),
        _ => (next_state, None),
    };
    let changes = reporter.set_with(
        ci.test_id,
        Some(state),
        Some(next),
        comment.as_deref(),
        &with,
    );
    // The first change is this record's own; a roll-up of its toplevel may follow.
    let ended = changes
        .first()
        .is_some_and(|c| c.test_id == ci.test_id && c.new_state == State::COMPLETED);
    let good = end.normal && (end.code == 0 || (end.code == 2 && with_logpro));
    StepResult {
        end,
        rollup: status_code(next),
        good,
        ended,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_status_rules() {
        assert_eq!(next_status(0, Status::WARN), Status::WARN);
        assert_eq!(next_status(2, Status::PASS), Status::WARN);
        assert_eq!(next_status(2, Status::FAIL), Status::FAIL);
        assert_eq!(next_status(3, Status::PASS), Status::FAIL);
        assert_eq!(step_verdict(2, false), Status::FAIL);
        assert_eq!(step_verdict(2, true), Status::WARN);
        assert_eq!(step_verdict(6, true), Status::SKIP);
    }
}
