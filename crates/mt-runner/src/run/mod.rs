//! The scheduler of `megatest -run`: one loop that turns events (a job's process ended, a
//! record changed in the database) into decisions (a test can start, can never start,
//! is done), within the limits (`max_concurrent_jobs`, `[jobgroups]`, `launch-delay`).
//!
//! It keeps an in-memory mirror of the run's records, fed by the append-only events
//! table, so each tick costs O(changes + ready), not O(tests).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use mt_area::{Area, Item, TestConfig};
use mt_configf::{Host, SystemMode};
use mt_db::{Store, TestFilter};
use mt_launch::{JobState, LaunchSpec, Launcher, LocalLauncher, SlurmLauncher, TemplateLauncher};
use mt_model::{is_ok_prereq_status, is_running_state, State, Status};

use crate::cmdinfo::CmdInfo;
use crate::plan::{self, Plan};
use crate::progress::Progress;
use crate::reporter::Reporter;
use crate::slurm_watch::SlurmWatch;
use crate::workarea;

mod launch;
mod workers;

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    pub target: String,
    pub runname: String,
    pub testpatt: String,
    pub tagexpr: Option<String>,
    /// `-rerun LIST`: COMPLETED tests with these statuses run again.
    pub rerun: Vec<String>,
    pub force: bool,
    pub preclean: bool,
    pub setvars: Option<String>,
    pub contour: Option<String>,
    pub owner: String,
    /// The megatest executable handed to tests.
    pub megatest: PathBuf,
    /// Show a live progress line (only on a terminal).
    pub progress: bool,
}

/// What happened.
#[derive(Debug, Default)]
pub struct RunSummary {
    pub run_id: i64,
    pub launched: usize,
    /// Problems that make the run exit non-zero (bad waitons, cycles, launch failures).
    pub problems: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Plan(#[from] plan::PlanError),
    #[error(transparent)]
    Area(#[from] mt_area::AreaError),
    #[error(transparent)]
    Db(#[from] mt_db::DbError),
    #[error("run {runname} of {target} is locked; unlock it with -unlock before running")]
    Locked { target: String, runname: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    Waiting,
    /// Launched by us; `local` while our child process is alive.
    InFlight {
        local: bool,
    },
    Done,
}

struct Job {
    test: usize,
    item: Item,
    path: String,
    id: i64,
    phase: Phase,
    queued: bool,
    /// An in-process job writes its own LAUNCHED (with its first state writes); until it
    /// has, its record may still say NOT_STARTED.
    launch_deferred: bool,
}

struct TestState {
    tc: Arc<TestConfig>,
    /// Items not expanded yet (deferred `[system ...]` lists).
    pending_items: bool,
    jobs: Vec<usize>,
    toplevel_id: i64,
}

#[derive(Debug, Clone)]
struct Rec {
    #[allow(dead_code)]
    id: i64,
    state: String,
    status: String,
}

enum Verdict {
    Met,
    Wait,
    Fail(&'static str, String),
}

struct Sched<'a> {
    area: &'a Area,
    patt: mt_area::TestPatt,
    plan_cycles: HashMap<String, String>,
    req: &'a RunRequest,
    /// The runner's database connection, shared with in-process jobs (one connection per
    /// process keeps SQLite's page cache valid between their transactions).
    store: Arc<Store>,
    reporter: Reporter<'a>,
    run_id: i64,
    tests: Vec<TestState>,
    by_name: HashMap<String, usize>,
    dependents: HashMap<String, Vec<usize>>,
    jobs: Vec<Job>,
    recs: HashMap<(String, String), Rec>,
    last_event: i64,
    ready: BTreeSet<(i64, usize)>,
    dirty: HashSet<String>,
    in_flight: usize,
    group_running: HashMap<String, usize>,
    launcher: Box<dyn Launcher>,
    base_env: BTreeMap<String, String>,
    tx: mpsc::Sender<(usize, JobState)>,
    rx: mpsc::Receiver<(usize, JobState)>,
    problems: Vec<String>,
    launched: usize,
    last_launch: Option<Instant>,
    launch_delay: Duration,
    max_jobs: usize,
    progress: Progress,
    notes_shown: HashSet<String>,
    fatal: bool,
    pids: HashMap<usize, u32>,
    /// Jobs in flight without a local child (other launchers, other runners).
    detached: BTreeSet<usize>,
    /// The area, shared with in-process jobs.
    area_arc: Arc<Area>,
    /// Run jobs of the built-in launcher on threads (`[setup] in-process no` turns it off).
    in_process: bool,
    /// Set by SIGINT/SIGTERM: in-process jobs see it as their own signal.
    stop: Arc<AtomicBool>,
    /// Itemized tests whose toplevel record already has its run directory.
    toplevel_dirs: HashSet<usize>,
    /// The target's runconfigs variables, read once for all in-process jobs.
    runconfig: Arc<Vec<(String, String)>>,
    /// Jobs submitted to Slurm (spec decision 8), watched with one squeue call per interval.
    slurm: SlurmWatch,
    /// Test source directories read once for all their items.
    sources: workarea::SourceCache,
    /// Threads for in-process jobs.
    workers: workers::Workers,
    /// Link tree directories made by this run.
    link_dirs: HashSet<PathBuf>,
    /// Slots of in-process jobs (`max_jobs` of them), and how many jobs may get ready
    /// beyond them (0 unless every job runs in process and no jobgroup, launch-delay or
    /// maxload has to see when a job really starts).
    slots: Arc<crate::slots::Slots>,
    prestart: usize,
}

fn judge_normal(r: Option<&Rec>) -> Verdict {
    let Some(r) = r else { return Verdict::Wait };
    match r.state.as_str() {
        "COMPLETED" if is_ok_prereq_status(&r.status) => Verdict::Met,
        "COMPLETED" | "INCOMPLETE" | "KILLED" => Verdict::Fail(
            Status::PREQ_FAIL,
            format!(
                "Failed to run due to failed prerequisites ({}/{})",
                r.state, r.status
            ),
        ),
        "NOT_STARTED" if !matches!(r.status.as_str(), "n/a" | "KEEP_TRYING" | "") => Verdict::Fail(
            Status::PREQ_DISCARDED,
            format!(
                "Failed to run due to discarded prerequisites ({}/{})",
                r.state, r.status
            ),
        ),
        _ => Verdict::Wait,
    }
}

impl Sched<'_> {
    fn rec(&self, test: &str, item: &str) -> Option<&Rec> {
        self.recs.get(&(test.to_string(), item.to_string()))
    }

    /// Prerequisites of one job (runner spec §3.9 with our uniform failure rule).
    fn verdict(&self, t: &TestState, item: &str) -> Verdict {
        if let Some(c) = self.tests_cycle(&t.tc.name) {
            return Verdict::Fail(Status::PREQ_FAIL, format!("waiton cycle: {c}"));
        }
        let mut waiting = false;
        for w in &t.tc.waiton {
            let top = self.rec(w, "");
            let v = if t.tc.mode.itemwait && !item.is_empty() {
                let mapped =
                    t.tc.itemmaps
                        .lookup(w)
                        .map_or_else(|| item.to_string(), |m| m.apply(item));
                match self.rec(w, &mapped) {
                    Some(r) => judge_normal(Some(r)),
                    None => judge_normal(top),
                }
            } else if t.tc.mode.toplevel {
                match top {
                    Some(r)
                        if r.state == State::COMPLETED
                            || r.state == State::KILLED
                            || r.state == State::INCOMPLETE =>
                    {
                        Verdict::Met
                    }
                    Some(r)
                        if r.state == State::NOT_STARTED
                            && !matches!(r.status.as_str(), "n/a" | "KEEP_TRYING" | "") =>
                    {
                        Verdict::Fail(
                            Status::PREQ_DISCARDED,
                            format!(
                                "Failed to run due to discarded prerequisites ({w} {}/{})",
                                r.state, r.status
                            ),
                        )
                    }
                    _ => Verdict::Wait,
                }
            } else {
                judge_normal(top)
            };
            match v {
                Verdict::Met => {}
                Verdict::Wait => waiting = true,
                Verdict::Fail(s, why) => return Verdict::Fail(s, format!("{why}: waits on {w}")),
            }
        }
        if waiting {
            Verdict::Wait
        } else {
            Verdict::Met
        }
    }

    fn tests_cycle(&self, name: &str) -> Option<String> {
        self.plan_cycles.get(name).cloned()
    }

    fn set(&mut self, id: i64, state: &str, status: &str, comment: Option<&str>) {
        self.set_with(id, state, status, comment, &[]);
    }

    fn set_with(
        &mut self,
        id: i64,
        state: &str,
        status: &str,
        comment: Option<&str>,
        with: &[mt_db::Op<'_>],
    ) {
        let changes = self
            .reporter
            .set_with(id, Some(state), Some(status), comment, with);
        for c in changes {
            self.recs.insert(
                (c.testname.clone(), c.item_path.clone()),
                Rec {
                    id: c.test_id,
                    state: c.new_state.clone(),
                    status: c.new_status.clone(),
                },
            );
            self.dirty.insert(c.testname);
        }
    }

    /// Pull new events into the mirror.
    fn tail_events(&mut self) {
        // In chunks: registering thousands of tests leaves as many events to read at once.
        const CHUNK: usize = 512;
        loop {
            let Ok(evs) = self.store.events_since(self.last_event, Some(CHUNK)) else {
                return;
            };
            let n = evs.len();
            self.mirror(evs);
            if n < CHUNK {
                return;
            }
        }
    }

    fn mirror(&mut self, evs: Vec<mt_db::EventRow>) {
        for e in evs {
            self.last_event = e.id;
            if e.run_id != Some(self.run_id) {
                continue;
            }
            let (Some(tid), Some(name)) = (e.test_id, e.testname.clone()) else {
                continue;
            };
            let item = e.item_path.clone().unwrap_or_default();
            let key = (name.clone(), item);
            let rec = self.recs.entry(key).or_insert(Rec {
                id: tid,
                state: String::new(),
                status: String::new(),
            });
            if let Some(s) = e.new_state {
                rec.state = s;
            }
            if let Some(s) = e.new_status {
                rec.status = s;
            }
            self.dirty.insert(name);
        }
    }

    fn register_items(&mut self, ti: usize, items: Vec<Item>) {
        let name = self.tests[ti].tc.name.clone();
        let chosen: Vec<Item> = items
            .into_iter()
            .filter(|it| self.patt_matches(&name, &it.path()))
            .collect();
        let pairs: Vec<(String, String)> =
            chosen.iter().map(|it| (name.clone(), it.path())).collect();
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let ids = match self.store.register_tests(self.run_id, &refs) {
            Ok(ids) => ids,
            Err(e) => {
                self.problems
                    .push(format!("cannot register items of {name}: {e}"));
                return;
            }
        };
        for (it, id) in chosen.into_iter().zip(ids) {
            let path = it.path();
            self.recs
                .entry((name.clone(), path.clone()))
                .or_insert(Rec {
                    id,
                    state: State::NOT_STARTED.into(),
                    status: Status::NA.into(),
                });
            let j = self.jobs.len();
            self.jobs.push(Job {
                test: ti,
                item: it,
                path,
                id,
                phase: Phase::Waiting,
                queued: false,
                launch_deferred: false,
            });
            self.tests[ti].jobs.push(j);
        }
        self.tests[ti].pending_items = false;
    }

    fn patt_matches(&self, name: &str, item: &str) -> bool {
        self.patt.matches(name, item)
    }

    /// Re-judge the waiting jobs of tests whose prerequisites changed.
    fn evaluate(&mut self) {
        let dirty: Vec<String> = self.dirty.drain().collect();
        let mut todo: BTreeSet<usize> = BTreeSet::new();
        for d in &dirty {
            if let Some(v) = self.dependents.get(d) {
                todo.extend(v.iter().copied());
            }
        }
        for ti in todo {
            self.evaluate_test(ti);
        }
    }

    fn evaluate_test(&mut self, ti: usize) {
        if self.tests[ti].pending_items {
            match self.verdict(&self.tests[ti], "") {
                Verdict::Met => {
                    let mut host = self.area.host.clone();
                    let items = self.tests[ti].tc.expand_items(&mut host);
                    if items.is_empty() {
                        let id = self.tests[ti].toplevel_id;
                        self.set(id, State::NOT_STARTED, Status::ZERO_ITEMS, Some("Failed to run due to failed prerequisites (the item list is empty)"));
                        self.tests[ti].pending_items = false;
                        return;
                    }
                    self.register_items(ti, items);
                }
                Verdict::Wait => return,
                Verdict::Fail(status, why) => {
                    let id = self.tests[ti].toplevel_id;
                    self.set(id, State::NOT_STARTED, status, Some(&why));
                    self.tests[ti].pending_items = false;
                    return;
                }
            }
        }
        let jobs = self.tests[ti].jobs.clone();
        let prio = -self.tests[ti].tc.priority;
        for j in jobs {
            if self.jobs[j].phase != Phase::Waiting || self.jobs[j].queued {
                continue;
            }
            let item = self.jobs[j].path.clone();
            match self.verdict(&self.tests[ti], &item) {
                Verdict::Met => {
                    self.jobs[j].queued = true;
                    self.ready
                        .insert((prio * 1_000_000_000 + i64::try_from(j).unwrap_or(0), j));
                }
                Verdict::Wait => {}
                Verdict::Fail(status, why) => {
                    let id = self.jobs[j].id;
                    self.jobs[j].phase = Phase::Done;
                    self.set(id, State::NOT_STARTED, status, Some(&why));
                    self.progress.done_one(State::NOT_STARTED, status);
                }
            }
        }
    }
}

impl Sched<'_> {
    /// Whether jobs may get ready ahead of a free slot: every job runs in process (the
    /// slots bound what runs) and nothing has to see when a job really starts (jobgroups,
    /// launch-delay and maxload count launches), so none of the limits changes meaning.
    fn prestart_allowed(&self) -> bool {
        let cfg = &self.area.config;
        let flexi = cfg
            .get("jobtools", "flexi-launcher")
            .is_some_and(|v| v.trim() != "no");
        self.in_process
            && (!flexi || self.area.section_pairs("launchers").is_empty())
            && self.launcher_words("", "").is_none()
            && self.launch_delay.is_zero()
            && cfg.get("jobtools", "maxload").is_none()
            && !self.tests.iter().any(|t| t.tc.jobgroup.is_some())
    }

    /// Jobs that may be in flight: running ones plus those getting ready for a slot.
    fn capacity(&self) -> usize {
        self.max_jobs + self.prestart
    }

    fn can_launch(&self, j: usize) -> bool {
        if self.in_flight >= self.capacity() {
            return false;
        }
        let t = &self.tests[self.jobs[j].test];
        if let Some(g) = &t.tc.jobgroup {
            if let Some(lim) = self.area.jobgroup_limit(g) {
                if self.group_running.get(g).copied().unwrap_or(0) >= lim {
                    return false;
                }
            }
        }
        true
    }

    /// Launch what can be launched, in queue order; jobs held back by their jobgroup do
    /// not block others.
    fn launch_ready(&mut self) {
        if self.ready.is_empty() || self.load_too_high() {
            return;
        }
        // Take the first ready job that its jobgroup lets run, one at a time: jobs held back
        // by a jobgroup do not block the others, and a long ready set is never copied.
        while !self.fatal && self.in_flight < self.capacity() {
            if let Some(last) = self.last_launch {
                if last.elapsed() < self.launch_delay {
                    break;
                }
            }
            let Some((key, j)) = self
                .ready
                .iter()
                .copied()
                .find(|(_, j)| self.can_launch(*j))
            else {
                break;
            };
            self.ready.remove(&(key, j));
            self.jobs[j].queued = false;
            self.start(j);
        }
    }

    /// The launch decision (runner spec §3.12), skip rules and the launch itself.
    fn start(&mut self, j: usize) {
        let ti = self.jobs[j].test;
        let name = self.tests[ti].tc.name.clone();
        let path = self.jobs[j].path.clone();
        let id = self.jobs[j].id;
        let rec = self.rec(&name, &path).cloned();
        let (state, status) = rec.map_or(
            (State::NOT_STARTED.to_string(), Status::NA.to_string()),
            |r| (r.state, r.status),
        );
        let mut preclean = self.req.preclean;
        if !self.req.force {
            match state.as_str() {
                "NOT_STARTED" | "DELETED" | "INCOMPLETE" | "" => {}
                "COMPLETED" if self.req.rerun.contains(&status) => preclean = true,
                "COMPLETED" => {
                    self.note(format!(
                        "NOTE: Not starting test {} as it is state \"{state}\" and status \"{status}\", use -rerun \"{status}\" or -force to override",
                        full(&name, &path)
                    ));
                    self.jobs[j].phase = Phase::Done;
                    self.progress.done_one(&state, &status);
                    return;
                }
                s if is_running_state(s) => {
                    // Someone else runs it: follow it through the events.
                    self.jobs[j].phase = Phase::InFlight { local: false };
                    self.detached.insert(j);
                    self.in_flight += 1;
                    return;
                }
                _ => {
                    self.note(format!(
                        "NOTE: {} is in state {state}; not launched (use -force to launch it)",
                        full(&name, &path)
                    ));
                    self.jobs[j].phase = Phase::Done;
                    self.progress.done_one(&state, &status);
                    return;
                }
            }
        }
        if let Some(reason) = self.skip_reason(ti, &name, &path) {
            self.jobs[j].phase = Phase::Done;
            self.set(id, State::COMPLETED, Status::SKIP, Some(&reason));
            self.progress.done_one(State::COMPLETED, Status::SKIP);
            return;
        }
        match self.launch(j, preclean) {
            Ok(local) => {
                self.jobs[j].phase = Phase::InFlight { local };
                if !local {
                    self.detached.insert(j);
                }
                self.in_flight += 1;
                self.launched += 1;
                self.last_launch = Some(Instant::now());
                if let Some(g) = self.tests[ti].tc.jobgroup.clone() {
                    *self.group_running.entry(g).or_default() += 1;
                }
                self.progress.started();
            }
            Err(e) => {
                let msg = format!("Failed to launch {}: {e}", full(&name, &path));
                eprintln!("ERROR: {msg}");
                self.problems.push(msg.clone());
                self.jobs[j].phase = Phase::Done;
                self.set(id, State::NOT_STARTED, Status::FAIL, Some(&msg));
                self.progress.done_one(State::NOT_STARTED, Status::FAIL);
                if e.fatal {
                    // No usable disk: nothing else can be launched either (§4.2).
                    self.fatal = true;
                }
            }
        }
    }

    /// `[jobtools] maxload L`: hold launches while the 1-minute load is above L × cores.
    fn load_too_high(&mut self) -> bool {
        let Some(max) = self
            .area
            .config
            .get("jobtools", "maxload")
            .and_then(|v| v.trim().parse::<f64>().ok())
        else {
            return false;
        };
        let cores =
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get) as f64;
        let load = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|s| {
                s.split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<f64>().ok())
            })
            .unwrap_or(0.0);
        if load > max * cores {
            self.note(format!("INFO: waiting for the load ({load:.2}) to drop below maxload {max} x {cores} cores"));
            return true;
        }
        false
    }

    /// Crash safety: a record left LAUNCHED/REMOTEHOSTSTART/RUNNING on this host by a job
    /// wrapper that is gone (a runner killed with -9 takes its in-process jobs with it)
    /// will never be finished by anyone. Its leftover step processes are ended, the record
    /// becomes INCOMPLETE/KILLED, and this run launches it again. Records whose wrapper is
    /// alive (another runner, an `-execute` process) are left to it.
    fn adopt_orphans(&mut self) {
        let me = crate::execute::hostname();
        let ids: Vec<(i64, bool)> = self
            .jobs
            .iter()
            .filter_map(|jb| {
                let name = &self.tests[jb.test].tc.name;
                let in_process = self.in_process && self.launcher_words(name, &jb.path).is_none();
                self.rec(name, &jb.path)
                    .filter(|r| is_running_state(&r.state))
                    .map(|_| (jb.id, in_process))
            })
            .collect();
        for (id, in_process) in ids {
            let Ok(Some(t)) = self.store.get_test(id) else {
                continue;
            };
            let Ok(evs) = self.store.events_for_test(id) else {
                continue;
            };
            // The process that wrote the job's last LAUNCHED/REMOTEHOSTSTART/RUNNING.
            let Some(owner) = evs
                .iter()
                .rev()
                .find(|e| e.new_state.as_deref().is_some_and(is_running_state))
            else {
                continue;
            };
            let pid = i32::try_from(owner.pid).unwrap_or(0);
            if owner.host != me || mt_launch::pid_alive(pid) || pid == 0 {
                continue;
            }
            // LAUNCHED by a dead runner for another launcher: that launcher may still run
            // it; only jobs this host ran itself are known to be lost.
            if owner.new_state.as_deref() == Some(State::LAUNCHED) && !in_process {
                continue;
            }
            if let Ok(step) = i32::try_from(t.attemptnum) {
                if step > 1 && mt_launch::pid_alive(step) {
                    mt_launch::kill_tree(step, Duration::from_secs(2));
                }
            }
            // A step that had only just started has no pid in the record yet (it is
            // written after a moment, or with the step's end): its processes still work
            // in the run directory.
            let dir = [&t.shortdir, &t.rundir]
                .into_iter()
                .filter(|d| d.starts_with('/') && d.as_str() != "/tmp/badname")
                .find_map(|d| std::path::Path::new(d).canonicalize().ok())
                .filter(|d| d.components().count() > 3);
            if let Some(dir) = dir {
                for p in mt_launch::procs_in_dir(&dir) {
                    mt_launch::kill_tree(p, Duration::from_secs(2));
                }
            }
            let why =
                format!("its job wrapper (pid {pid} on {me}) is gone; launched again by this run");
            eprintln!("WARNING: {}: {why}", full(&t.testname, &t.item_path));
            self.set(id, State::INCOMPLETE, Status::KILLED, Some(&why));
        }
    }

    /// Records this run is going to (re)launch are judged as "not started yet" by their
    /// dependents, whatever an earlier attempt left in the database: a test waiting on a
    /// `-rerun FAIL` candidate (or on a NOT_STARTED/PREQ_FAIL test that gets its chance
    /// again) must wait for the new attempt instead of failing on the old verdict. The
    /// mirror only; the database keeps the old values until the new attempt writes.
    fn prime_pending(&mut self) {
        let mut pending_tests: HashSet<usize> = HashSet::new();
        for j in 0..self.jobs.len() {
            let ti = self.jobs[j].test;
            let key = (self.tests[ti].tc.name.clone(), self.jobs[j].path.clone());
            let Some(r) = self.recs.get_mut(&key) else {
                continue;
            };
            let relaunch = match r.state.as_str() {
                "NOT_STARTED" | "INCOMPLETE" | "DELETED" | "" => true,
                "COMPLETED" => self.req.force || self.req.rerun.contains(&r.status),
                "KILLED" => self.req.force,
                _ => false,
            };
            if relaunch {
                r.state = State::NOT_STARTED.into();
                r.status = Status::NA.into();
                pending_tests.insert(ti);
            }
        }
        for (ti, t) in self.tests.iter().enumerate() {
            if t.pending_items || (pending_tests.contains(&ti) && t.tc.is_itemized()) {
                if let Some(r) = self.recs.get_mut(&(t.tc.name.clone(), String::new())) {
                    r.state = State::NOT_STARTED.into();
                    r.status = Status::NA.into();
                }
            }
        }
    }

    /// `[setup] allow-auto-rerun`: records of the selected tests in the listed
    /// `STATE[/STATUS]` are reset to NOT_STARTED so this run picks them up again (status
    /// = the given STATUS, else the old state's name, as the original). An entry `/STATUS`
    /// matches any state with that status (the original's code matched nothing).
    fn auto_rerun(&mut self) {
        let Some(spec) = self.area.setup("allow-auto-rerun").map(str::to_string) else {
            return;
        };
        let names: HashSet<String> = self.tests.iter().map(|t| t.tc.name.clone()).collect();
        for entry in spec.split_whitespace() {
            let (st, ss) = match entry.split_once('/') {
                Some((a, b)) => (a.to_string(), Some(b.to_string())),
                None => (entry.to_string(), None),
            };
            let hits: Vec<(i64, String)> = self
                .recs
                .iter()
                .filter(|((t, _), r)| {
                    names.contains(t)
                        && (st.is_empty() || r.state == st)
                        && ss.as_ref().is_none_or(|s| s.is_empty() || r.status == *s)
                })
                .map(|(_, r)| (r.id, r.state.clone()))
                .collect();
            for (id, old_state) in hits {
                let status = ss.clone().filter(|s| !s.is_empty()).unwrap_or(old_state);
                self.set(
                    id,
                    State::NOT_STARTED,
                    &status,
                    Some("reset by allow-auto-rerun"),
                );
            }
        }
    }

    fn note(&mut self, msg: String) {
        if self.notes_shown.insert(msg.clone()) {
            eprintln!("{msg}");
        }
    }

    fn skip_reason(&self, ti: usize, name: &str, path: &str) -> Option<String> {
        use mt_area::SkipRule;
        let rule = self.tests[ti].tc.skip.as_ref()?;
        match rule {
            SkipRule::FileExists(p) => std::path::Path::new(p)
                .exists()
                .then(|| format!("Skipping due to existance of file {p}")),
            SkipRule::PrevRunning => self
                .store
                .instances_running(name, path)
                .ok()
                .filter(|n| *n > 0)
                .map(|_| "Skipping due to previous tests running".to_string()),
            SkipRule::RunDelay(secs) => {
                let running = self.store.instances_running(name, path).unwrap_or(0) > 0;
                let recent = self
                    .store
                    .last_finished_start(name, path)
                    .ok()
                    .flatten()
                    .is_some_and(|t| now() - t < i64::try_from(*secs).unwrap_or(i64::MAX));
                (running || recent).then(|| {
                    format!("Skipping due to previous test run less than {secs} seconds ago")
                })
            }
        }
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

fn full(name: &str, path: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{name}/{path}")
    }
}

#[derive(Debug)]
struct LaunchFailure {
    msg: String,
    fatal: bool,
}

impl std::fmt::Display for LaunchFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.msg)
    }
}

fn lf(msg: impl ToString) -> LaunchFailure {
    LaunchFailure {
        msg: msg.to_string(),
        fatal: false,
    }
}

impl Sched<'_> {
    /// A local job's process ended.
    fn on_exit(&mut self, j: usize, st: JobState) {
        self.pids.remove(&j);
        self.tail_events();
        let name = self.tests[self.jobs[j].test].tc.name.clone();
        let path = self.jobs[j].path.clone();
        let id = self.jobs[j].id;
        let mut rec = self.store.get_test(id).ok().flatten();
        if let Some(r) = &rec {
            // A job that ended before writing its own LAUNCHED left NOT_STARTED behind.
            // (Unless the run is being stopped: a job still waiting for a slot then ends
            // without starting, and its record rightly stays NOT_STARTED.)
            let stopping = self.fatal || self.stop.load(std::sync::atomic::Ordering::SeqCst);
            let unstarted =
                self.jobs[j].launch_deferred && r.state == State::NOT_STARTED && !stopping;
            if is_running_state(&r.state) || r.state == State::KILLREQ || unstarted {
                let (state, status, why) = match st {
                    JobState::Exited(Some(c)) => (
                        State::COMPLETED,
                        Status::FAIL,
                        format!(
                            "the test process ended with exit code {c} before recording a result"
                        ),
                    ),
                    _ => (
                        State::INCOMPLETE,
                        Status::KILLED,
                        "the test process was killed before recording a result".to_string(),
                    ),
                };
                eprintln!("ERROR: {}: {why}", full(&name, &path));
                self.set(id, state, status, Some(&why));
                rec = self.store.get_test(id).ok().flatten();
            }
        }
        self.finish_with(j, rec);
    }

    fn finish(&mut self, j: usize) {
        if !matches!(self.jobs[j].phase, Phase::InFlight { .. }) {
            return;
        }
        let rec = self.store.get_test(self.jobs[j].id).ok().flatten();
        self.finish_with(j, rec);
    }

    /// End an in-flight job whose record (as it is now) is `rec`.
    fn finish_with(&mut self, j: usize, rec: Option<mt_db::TestRow>) {
        if !matches!(self.jobs[j].phase, Phase::InFlight { .. }) {
            return;
        }
        self.detached.remove(&j);
        self.jobs[j].phase = Phase::Done;
        self.in_flight = self.in_flight.saturating_sub(1);
        self.slurm.remove(j);
        let ti = self.jobs[j].test;
        if let Some(g) = &self.tests[ti].tc.jobgroup {
            if let Some(n) = self.group_running.get_mut(g) {
                *n = n.saturating_sub(1);
            }
        }
        if let Some(r) = rec {
            self.progress.done_one(&r.state, &r.status);
            self.progress.result_line(
                &r,
                &self.req.target,
                &self.req.runname,
                &self.area.linktree(),
            );
        }
        self.dirty.insert(self.tests[ti].tc.name.clone());
    }

    /// Jobs handed to other systems end when their record leaves the running states.
    fn check_detached(&mut self) {
        let list: Vec<usize> = self.detached.iter().copied().collect();
        for j in list {
            let name = self.tests[self.jobs[j].test].tc.name.clone();
            let path = self.jobs[j].path.clone();
            if let Some(r) = self.rec(&name, &path) {
                if !is_running_state(&r.state) && r.state != State::KILLREQ {
                    self.finish(j);
                }
            }
        }
    }

    /// Slurm jobs that left the queue (one squeue call per interval for all of them, in
    /// `SlurmWatch`) while their record still says LAUNCHED/REMOTEHOSTSTART/RUNNING get
    /// the verdict their wrapper could not write: COMPLETED/DEAD (KILLED/KILLED when a kill
    /// was requested). `check_detached` then finishes them from the mirror.
    fn check_slurm(&mut self) {
        if self.slurm.is_empty() {
            return;
        }
        for v in self.slurm.tick(Instant::now()) {
            let id = self.jobs[v.job].id;
            let Ok(Some(r)) = self.store.get_test(id) else {
                continue;
            };
            let (state, status) = if r.state == State::KILLREQ {
                (State::KILLED, Status::KILLED)
            } else if is_running_state(&r.state) {
                (State::COMPLETED, Status::DEAD)
            } else {
                continue; // the wrapper's verdict arrived in time
            };
            let why = format!(
                "Slurm job {} left the queue ({}) while the test was {}; see {}",
                v.slurm_id,
                v.slurm_state,
                r.state,
                v.log.display()
            );
            let name = self.tests[self.jobs[v.job].test].tc.name.clone();
            eprintln!("ERROR: {}: {why}", full(&name, &self.jobs[v.job].path));
            self.set(id, state, status, Some(&why));
        }
    }

    fn has_detached(&self) -> bool {
        !self.detached.is_empty()
    }

    /// Nothing runs and nothing is ready: whatever still waits can never start.
    fn give_up_waiting(&mut self) {
        for ti in 0..self.tests.len() {
            self.evaluate_test(ti);
        }
        if !self.ready.is_empty() {
            return;
        }
        for ti in 0..self.tests.len() {
            if self.tests[ti].pending_items {
                let id = self.tests[ti].toplevel_id;
                let why = format!(
                    "Nothing more can run: waits on {}",
                    self.tests[ti].tc.waiton.join(" ")
                );
                self.set(id, State::NOT_STARTED, Status::PREQ_DISCARDED, Some(&why));
                self.tests[ti].pending_items = false;
            }
            for j in self.tests[ti].jobs.clone() {
                if self.jobs[j].phase == Phase::Waiting {
                    self.jobs[j].phase = Phase::Done;
                    let why = format!(
                        "Nothing more can run: waits on {}",
                        self.tests[ti].tc.waiton.join(" ")
                    );
                    let id = self.jobs[j].id;
                    self.set(id, State::NOT_STARTED, Status::PREQ_DISCARDED, Some(&why));
                    self.progress
                        .done_one(State::NOT_STARTED, Status::PREQ_DISCARDED);
                }
            }
        }
    }

    fn anything_waiting(&self) -> bool {
        self.tests.iter().any(|t| t.pending_items)
            || self.jobs.iter().any(|jb| jb.phase == Phase::Waiting)
    }

    /// Ask our running jobs to stop (their wrappers record INCOMPLETE/KILLED).
    fn interrupt(&mut self) {
        for pid in self.pids.values() {
            if let Ok(p) = i32::try_from(*pid) {
                mt_launch::signal_tree(p, nix::sys::signal::Signal::SIGTERM);
            }
        }
        // Slurm jobs: scancel (their wrappers get TERM and record INCOMPLETE/KILLED; jobs
        // still pending just leave the queue and are recorded by `check_slurm`).
        let n = self.slurm.cancel_all();
        if n > 0 {
            eprintln!("INFO: cancelled {n} Slurm job(s)");
            self.slurm.poll_soon();
        }
    }
}

/// Jobs in flight at once: `max_concurrent_jobs`, else the cores of this machine (spec
/// decision 3), except with the Slurm launcher, where this machine's cores say nothing
/// about the cluster: then up to `SLURM_DEFAULT_MAX_JOBS` jobs are submitted and Slurm
/// queues them.
fn max_jobs(area: &Area) -> usize {
    let set = area
        .setup("max_concurrent_jobs")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .is_some_and(|n| n > 0);
    let cfg = &area.config;
    let is_slurm = |w: Option<&str>| w.and_then(SlurmLauncher::from_words).is_some();
    let flexi = cfg
        .get("jobtools", "flexi-launcher")
        .is_some_and(|v| v.trim() != "no");
    let slurm = is_slurm(cfg.get("jobtools", "launcher"))
        || (flexi
            && area
                .section_pairs("host-types")
                .iter()
                .any(|(_, w)| is_slurm(Some(w))));
    if !set && slurm {
        SLURM_DEFAULT_MAX_JOBS
    } else {
        area.max_concurrent_jobs()
    }
}

/// Jobs kept submitted at once with the Slurm launcher when `max_concurrent_jobs` is unset.
pub const SLURM_DEFAULT_MAX_JOBS: usize = 200;

/// Run the selected tests of an area for one target and run name.
pub fn run(
    area_arc: Arc<Area>,
    req: &RunRequest,
    interrupted: Arc<AtomicBool>,
) -> Result<RunSummary, RunError> {
    let area: &Area = &area_arc;
    let keys = area.key_names();
    let parts = mt_area::keys::validate_target(&req.target, &keys)?;
    let key_refs: Vec<(&str, &str)> = area
        .keys
        .iter()
        .map(|(k, t)| (k.as_str(), t.as_str()))
        .collect();
    let mut store = Store::open(area.dbpath(), &key_refs)?;
    store.set_source("runner");
    let store = Arc::new(store);
    let plan: Plan = plan::build(area, &req.testpatt, req.tagexpr.as_deref(), &area.host)?;
    for p in &plan.problems {
        eprintln!("ERROR: {p}");
    }
    let keyvals: Vec<(&str, &str)> = keys
        .iter()
        .map(String::as_str)
        .zip(parts.iter().map(String::as_str))
        .collect();
    if let Some(r) = store.find_run(&keyvals, &req.runname)? {
        if store.is_locked(r.id)? {
            return Err(RunError::Locked {
                target: req.target.clone(),
                runname: req.runname.clone(),
            });
        }
    }
    let run_id = store.register_run(&keyvals, &req.runname, &req.owner)?;
    // Tests whose heartbeat stopped long ago (killed runner, lost host) are marked DEAD
    // before anything is decided from their state.
    let deadtime = area
        .setup("deadtime")
        .and_then(|v| v.parse().ok())
        .unwrap_or(7200);
    match crate::dead::mark_incompletes(&store, None, deadtime) {
        Ok(n) if n > 0 => {
            eprintln!("WARNING: marked {n} test(s) COMPLETED/DEAD (no heartbeat for {deadtime}s)")
        }
        Ok(_) => {}
        Err(e) => eprintln!("WARNING: dead test detection failed: {e}"),
    }
    if let Some(c) = &req.contour {
        let _ = store.set_run_contour(run_id, c);
    }
    let metas: Vec<mt_db::TestMeta> = plan
        .tests
        .iter()
        .map(|tc| mt_db::TestMeta {
            testname: tc.name.clone(),
            author: tc.meta("author").unwrap_or("").trim().to_string(),
            owner: tc.meta("owner").unwrap_or("").trim().to_string(),
            description: tc.meta("description").unwrap_or("").trim().to_string(),
            tags: tc.tags.clone(),
            jobgroup: tc.jobgroup.clone().unwrap_or_else(|| "default".into()),
        })
        .collect();
    if let Err(e) = store.upsert_test_metas(&metas) {
        eprintln!("WARNING: cannot record test_meta: {e}");
    }

    // The environment every launched test starts from (runner spec §6.2).
    let mut base_env: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in area.host.env_changes() {
        if let Some(v) = v {
            base_env.insert(k.clone(), v.clone());
        }
    }
    for (k, v) in keys.iter().zip(parts.iter()) {
        base_env.insert(k.clone(), v.clone());
    }
    for (k, v) in area.runconfig_vars(&req.target)? {
        base_env.insert(k, v);
    }
    base_env.insert("MT_RUNNAME".into(), req.runname.clone());
    base_env.insert("MT_TARGET".into(), req.target.clone());
    base_env.insert(
        "MT_RUN_AREA_HOME".into(),
        area.toppath.to_string_lossy().into_owned(),
    );
    base_env.insert(
        "MT_LINKTREE".into(),
        area.linktree().to_string_lossy().into_owned(),
    );

    let (tx, rx) = mpsc::channel();
    let last_event = store.last_event_id()?;
    let mut s = Sched {
        area,
        patt: plan.patt.clone(),
        plan_cycles: plan.cycles.clone(),
        req,
        store: store.clone(),
        reporter: Reporter::new(&store, "runner"),
        run_id,
        tests: Vec::new(),
        by_name: HashMap::new(),
        dependents: HashMap::new(),
        jobs: Vec::new(),
        recs: HashMap::new(),
        last_event,
        ready: BTreeSet::new(),
        dirty: HashSet::new(),
        in_flight: 0,
        group_running: HashMap::new(),
        launcher: Box::new(LocalLauncher),
        base_env,
        tx,
        rx,
        problems: plan.problems.clone(),
        launched: 0,
        last_launch: None,
        launch_delay: Duration::from_secs_f64(
            area.setup("launch-delay")
                .or_else(|| area.setup("launch_delay"))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0),
        ),
        max_jobs: max_jobs(area),
        progress: Progress::new(req.progress, &req.runname),
        notes_shown: HashSet::new(),
        fatal: false,
        pids: HashMap::new(),
        detached: BTreeSet::new(),
        area_arc: area_arc.clone(),
        in_process: area.setup("in-process") != Some("no")
            && std::env::var("MT_IN_PROCESS").as_deref() != Ok("no"),
        sources: workarea::SourceCache::default(),
        workers: workers::Workers::default(),
        link_dirs: HashSet::new(),
        slots: crate::slots::Slots::new(max_jobs(area)),
        prestart: 0,
        stop: interrupted.clone(),
        runconfig: Arc::new(area.runconfig_vars(&req.target)?),
        toplevel_dirs: HashSet::new(),
        slurm: SlurmWatch::default(),
    };
    // Triggers fired by the runner see what the runner would have exported.
    let mut trig_env: BTreeMap<String, String> = std::env::vars().collect();
    trig_env.extend(s.base_env.iter().map(|(k, v)| (k.clone(), v.clone())));
    s.reporter.set_env(trig_env);
    if area.setup("launch_delay").is_some() && area.setup("launch-delay").is_none() {
        eprintln!("WARNING: [setup] launch_delay is read as launch-delay");
    }
    for r in store.tests_for_run(run_id, &TestFilter::default())? {
        s.recs.insert(
            (r.testname.clone(), r.item_path.clone()),
            Rec {
                id: r.id,
                state: r.state,
                status: r.status,
            },
        );
    }
    // Every toplevel record in one transaction.
    let tops: Vec<(String, String)> = plan
        .tests
        .iter()
        .map(|t| (t.name.clone(), String::new()))
        .collect();
    let top_refs: Vec<(&str, &str)> = tops.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let top_ids = store.register_tests(run_id, &top_refs)?;
    for (tc, top) in plan.tests.into_iter().zip(top_ids) {
        let ti = s.tests.len();
        let name = tc.name.clone();
        s.recs.entry((name.clone(), String::new())).or_insert(Rec {
            id: top,
            state: State::NOT_STARTED.into(),
            status: Status::NA.into(),
        });
        for w in &tc.waiton {
            s.dependents.entry(w.clone()).or_default().push(ti);
        }
        s.dependents.entry(name.clone()).or_default();
        let deferred = tc.has_deferred_items();
        s.by_name.insert(name.clone(), ti);
        s.tests.push(TestState {
            tc,
            pending_items: deferred,
            jobs: Vec::new(),
            toplevel_id: top,
        });
        if !deferred {
            let mut host = area.host.clone();
            let items = s.tests[ti].tc.expand_items(&mut host);
            if items.is_empty() {
                s.set(
                    top,
                    State::NOT_STARTED,
                    Status::ZERO_ITEMS,
                    Some("Failed to run due to failed prerequisites (the item list is empty)"),
                );
            } else if s.tests[ti].tc.is_itemized() {
                s.register_items(ti, items);
            } else {
                // A plain test: its one job is the toplevel record itself.
                let j = s.jobs.len();
                s.jobs.push(Job {
                    test: ti,
                    item: Item::default(),
                    path: String::new(),
                    id: top,
                    phase: Phase::Waiting,
                    queued: false,
                    launch_deferred: false,
                });
                s.tests[ti].jobs.push(j);
            }
        }
    }
    s.prestart = if s.prestart_allowed() { s.max_jobs } else { 0 };
    s.adopt_orphans();
    s.auto_rerun();
    s.prime_pending();
    s.progress.set_total(s.jobs.len());
    for ti in 0..s.tests.len() {
        s.evaluate_test(ti);
    }
    let mut stopping = false;
    loop {
        if interrupted.load(std::sync::atomic::Ordering::SeqCst) && !stopping {
            eprintln!("Received signal, stopping the run: no new launches; running tests are asked to stop.");
            stopping = true;
            s.fatal = true;
            s.interrupt();
            s.problems.push("run interrupted".into());
        }
        s.tail_events();
        while let Ok((j, st)) = s.rx.try_recv() {
            s.on_exit(j, st);
        }
        s.check_slurm();
        s.check_detached();
        s.evaluate();
        if !stopping {
            s.launch_ready();
        }
        s.progress.set_total(s.jobs.len());
        s.progress.draw(s.in_flight.min(s.max_jobs));
        if s.in_flight == 0 && (s.ready.is_empty() || s.fatal) {
            if stopping || s.fatal || !s.anything_waiting() {
                break;
            }
            s.give_up_waiting();
            if s.ready.is_empty() {
                break;
            }
            continue;
        }
        let wait = if s.has_detached() {
            Duration::from_millis(250)
        } else if s.in_flight < s.capacity() && !s.ready.is_empty() {
            // Held back by a jobgroup or launch-delay.
            Duration::from_millis(50)
        } else {
            Duration::from_secs(1)
        };
        if let Ok((j, st)) = s.rx.recv_timeout(wait) {
            s.on_exit(j, st);
        }
    }
    if s.fatal && !stopping {
        // Record the jobs that never got their chance.
        for j in 0..s.jobs.len() {
            if s.jobs[j].phase == Phase::Waiting {
                let id = s.jobs[j].id;
                s.jobs[j].phase = Phase::Done;
                s.set(
                    id,
                    State::NOT_STARTED,
                    Status::FAIL,
                    Some("not launched: the run stopped after a launch failure"),
                );
            }
        }
    }
    s.progress.finish();
    s.reporter.wait_triggers(Duration::from_secs(30));
    let _ = store.update_run_stats(run_id);
    let mut problems = s.problems.clone();
    problems.sort();
    problems.dedup();
    Ok(RunSummary {
        run_id,
        launched: s.launched,
        problems,
    })
}
