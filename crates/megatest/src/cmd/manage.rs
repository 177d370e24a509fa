//! Run management from the command line (runner spec §1.4.2, §3.14, §4.8, §4.11,
//! §6.6–§6.8): `-remove-runs`, `-set-state-status`, `-kill-runs`, `-set-run-status`,
//! `-get-run-status`, `-rename-run`, `-lock`, `-unlock`, `-mark-incompletes` and the
//! stand-alone `-run-wait`.
//!
//! Selection: `-target` and `-runname` are patterns (`%` → LIKE, else GLOB, per key part);
//! `-testpatt` is the SQL test pattern; `:state`/`:status` (or `-state`/`-status`) filter
//! the records. A missing target or run name (and `-testpatt` where required) exits 3.
//!
//! Choices where we differ from, or go beyond, the original (documented in the help):
//! - A run that matches nothing, an invalid state name and a locked run are errors that
//!   name the object and exit 1; nothing else is changed for them. A locked run is skipped
//!   by `-remove-runs`, `-set-state-status`, `-kill-runs`, `-rename-run` and `-run-wait`;
//!   other matching runs are still processed (the exit code is then 1).
//! - `-remove-runs` marks records `DELETED` (§5.4; they are purged after 30 days) and
//!   deletes their directories and links; it deletes a run only when **no** record of it
//!   is left (the original also deleted runs whose remaining records had status `n/a`).
//!   Directories are only deleted when their path ends with `<target>/<runname>/<test>
//!   [/<item>]`, so a damaged record can never point the removal elsewhere.
//! - `-kill-runs` (new) asks every running test of the selection to stop (KILLREQ), waits
//!   for the test wrappers to record it, and records `KILLED/FAILED TO KILL` for tests
//!   whose job is gone from this host.
//! - `-run-wait` alone waits until no selected record is LAUNCHED, REMOTEHOSTSTART,
//!   RUNNING or KILLREQ (unless `:state`/`:status` say otherwise), seen twice in a row.
//! - `-unlock` asks for confirmation only on a terminal; `-y` or no terminal proceeds.
//! - `-rename-run NEW` renames the run record only; directories keep the old name.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mt_area::Area;
use mt_configf::SystemMode;
use mt_db::{RunRow, Store, TestFilter, TestRow, TestSort};
use mt_model::{is_running_state, State, Status};
use mt_runner::reporter::Reporter;

use super::{load_area, runname, target};
use crate::args::Args;
use crate::error::CliError;

/// How long `-remove-runs` waits for a running test to stop before removing it anyway:
/// the wrapper polls every 3 s and gives a step 5 s between TERM and KILL.
const REMOVE_KILL_WAIT: Duration = Duration::from_secs(15);
/// How long `-kill-runs` waits for the wrappers to record the kills.
const KILL_WAIT: Duration = Duration::from_secs(20);
/// Poll interval of the stand-alone `-run-wait`.
const RUN_WAIT_POLL: Duration = Duration::from_secs(2);
/// Dead-test marking interval during `-run-wait` (§3.14).
const RUN_WAIT_DEAD_CHECK: Duration = Duration::from_secs(15 * 60);
/// DELETED records older than this are purged after a run removal (§6.6).
const PURGE_AGE: i64 = 30 * 86_400;
/// States `-run-wait` waits on when `:state`/`:status` are not given.
const RUN_WAIT_STATES: &[&str] = &[
    State::LAUNCHED,
    State::REMOTEHOSTSTART,
    State::RUNNING,
    State::KILLREQ,
];

const RUN_ACTIONS: &[&str] = &["-run", "-runall", "-runtests", "-rerun-clean", "-rerun-all"];

/// One action: None when its option is absent, else its exit code.
type Action = fn(&Args) -> Result<Option<i32>, CliError>;

/// Run the manage actions present on the command line; None when none was asked for.
pub fn dispatch(a: &Args) -> Result<Option<i32>, CliError> {
    run_actions(
        a,
        &[
            remove_runs,
            set_state_status,
            kill_runs,
            set_run_status,
            get_run_status,
        ],
    )
}

/// The actions the original performs after `-run` (so `-run -lock` runs, then locks).
pub fn dispatch_after_run(a: &Args) -> Result<Option<i32>, CliError> {
    run_actions(a, &[rename_run, lock_unlock, mark_incompletes, run_wait])
}

fn run_actions(a: &Args, actions: &[Action]) -> Result<Option<i32>, CliError> {
    let mut result = None;
    for f in actions {
        if let Some(c) = f(a)? {
            result = Some(match result {
                Some(0) | None => c,
                Some(prev) => prev,
            });
        }
    }
    Ok(result)
}

fn list(v: Option<&str>) -> Vec<String> {
    v.map(|s| {
        s.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// What a manage action works on.
struct Sel {
    target: String,
    runname: String,
    testpatt: String,
    states: Vec<String>,
    statuses: Vec<String>,
}

impl Sel {
    /// Target and run name are required (exit 3); `-testpatt` too when `need_patt`,
    /// else it defaults to `%`.
    fn from_args(a: &Args, action: &str, need_patt: bool) -> Result<Sel, CliError> {
        let target = target(a).ok_or_else(|| {
            CliError::new(
                3,
                format!("Missing required parameter for {action}, you must specify the target with -target"),
            )
        })?;
        let runname = runname(a).ok_or_else(|| {
            CliError::new(
                3,
                format!("Missing required parameter for {action}, you must specify the run name with -runname runname"),
            )
        })?;
        let testpatt = match a.get("-testpatt").or_else(|| a.get("-runtests")) {
            Some(p) => p.to_string(),
            None if need_patt => {
                return Err(CliError::new(
                    3,
                    format!("Missing required parameter for {action}, you must specify the test pattern with -testpatt"),
                ))
            }
            None => "%".to_string(),
        };
        Ok(Sel {
            target,
            runname,
            testpatt,
            states: list(a.get_any(&["-state", ":state"])),
            statuses: list(a.get_any(&["-status", ":status"])),
        })
    }

    fn filter(&self, sort: TestSort) -> TestFilter {
        TestFilter {
            states: self.states.clone(),
            statuses: self.statuses.clone(),
            not_in: false,
            testpatt: Some(self.testpatt.clone()),
            sort,
        }
    }

    fn describe(&self) -> String {
        format!("target {} and run name {}", self.target, self.runname)
    }
}

/// The area and its database; a missing database means no run can match.
fn open(a: &Args, what: &str) -> Result<(Area, Store), CliError> {
    let area = load_area(a, None)?;
    let path = area.dbpath();
    if !path.exists() {
        return Err(CliError::new(
            1,
            format!(
                "{what}: nothing has been run in this area yet (no {})",
                path.display()
            ),
        ));
    }
    let mut store = Store::open_existing(&path)?;
    store.set_source("cli");
    Ok((area, store))
}

/// The runs matching the selection, oldest first; none is an error naming the selection.
fn matching_runs(store: &Store, sel: &Sel, action: &str) -> Result<Vec<RunRow>, CliError> {
    let runs = store.list_runs(&sel.runname, Some(&sel.target))?;
    if runs.is_empty() {
        return Err(CliError::new(
            1,
            format!(
                "{action}: no run matches {} (nothing was changed)",
                sel.describe()
            ),
        ));
    }
    Ok(runs)
}

fn run_name(r: &RunRow) -> String {
    format!("{}/{}", r.target(), r.runname)
}

/// Split off locked runs, naming each on stderr. Returns (unlocked, any were locked).
fn skip_locked(runs: Vec<RunRow>, action: &str) -> (Vec<RunRow>, bool) {
    let mut out = Vec::new();
    let mut locked = false;
    for r in runs {
        if r.state == mt_db::RUN_LOCKED {
            eprintln!(
                "ERROR: {action}: run {} (id {}) is locked; it was not changed (unlock it with -unlock)",
                run_name(&r),
                r.id
            );
            locked = true;
        } else {
            out.push(r);
        }
    }
    (out, locked)
}

/// A reporter that fires the `[triggers]` of the named tests.
fn reporter<'a>(
    area: &Area,
    store: &'a Store,
    source: &'static str,
    tests: &[TestRow],
) -> Reporter<'a> {
    let mut r = Reporter::new(store, source);
    let mut seen = HashSet::new();
    for t in tests {
        if !seen.insert(t.testname.clone()) {
            continue;
        }
        let mut host = area.host.clone();
        mt_configf::Host::setenv(&mut host, "MT_TEST_NAME", &t.testname);
        if let Ok(tc) = area.read_testconfig(&t.testname, SystemMode::No, &mut host) {
            r.set_triggers(&t.testname, tc.triggers);
        }
    }
    r
}

/// Names of the run's itemized tests (their toplevel record is a roll-up).
fn itemized(store: &Store, run_id: i64) -> Result<HashSet<String>, CliError> {
    Ok(store
        .tests_for_run(run_id, &TestFilter::default())?
        .into_iter()
        .filter(|t| !t.item_path.is_empty())
        .map(|t| t.testname)
        .collect())
}

// ---------------------------------------------------------------- -set-state-status

/// Parse `STATE,STATUS` (§6.8): a comma is required; an empty part leaves that field
/// unchanged; the state must be one the tool knows (a typo would be stored otherwise).
fn parse_state_status(v: &str) -> Result<(Option<String>, Option<String>), CliError> {
    let Some((state, status)) = v.split_once(',') else {
        return Err(CliError::new(
            1,
            "the parameter to -set-state-status is a comma delimited string. E.g. COMPLETED,FAIL",
        ));
    };
    let (state, status) = (state.trim(), status.trim());
    if state.is_empty() && status.is_empty() {
        return Err(CliError::new(
            1,
            format!("-set-state-status {v:?}: gives neither a state nor a status"),
        ));
    }
    if !state.is_empty() && !State::ALL.contains(&state) {
        let hint = State::ALL
            .iter()
            .find(|s| s.eq_ignore_ascii_case(state))
            .map(|s| format!(" (did you mean {s}?)"))
            .unwrap_or_default();
        return Err(CliError::new(
            1,
            format!(
                "-set-state-status: invalid state {state:?}{hint}; valid states: {} (nothing was changed)",
                State::ALL.join(", ")
            ),
        ));
    }
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Ok((opt(state), opt(status)))
}

fn set_state_status(a: &Args) -> Result<Option<i32>, CliError> {
    let Some(v) = a.get("-set-state-status") else {
        return Ok(None);
    };
    eprintln!("megatest {}", a.raw.join(" "));
    let (state, status) = parse_state_status(v)?;
    let sel = Sel::from_args(a, "-set-state-status", true)?;
    let (area, store) = open(a, "-set-state-status")?;
    let (runs, locked) = skip_locked(
        matching_runs(&store, &sel, "-set-state-status")?,
        "-set-state-status",
    );
    let comment = a.get("-m");
    let mut total = 0;
    for run in &runs {
        let tests = store.tests_for_run(run.id, &sel.filter(TestSort::EventTime))?;
        let mut rep = reporter(&area, &store, "cli", &tests);
        for t in &tests {
            let ch = rep.set(t.id, state.as_deref(), status.as_deref(), comment);
            if let Some(c) = ch.first() {
                println!(
                    "INFO: {} {}: {}/{} -> {}/{}",
                    run_name(run),
                    t.fullname(),
                    c.old_state,
                    c.old_status,
                    c.new_state,
                    c.new_status
                );
                total += 1;
            }
        }
        rep.wait_triggers(Duration::from_secs(30));
        let _ = store.update_run_stats(run.id);
    }
    if total == 0 && !runs.is_empty() {
        eprintln!(
            "INFO: -set-state-status: no record of {} matches -testpatt {}{}",
            sel.describe(),
            sel.testpatt,
            filter_text(&sel)
        );
    }
    Ok(Some(i32::from(locked)))
}

fn filter_text(sel: &Sel) -> String {
    let mut s = String::new();
    if !sel.states.is_empty() {
        s.push_str(&format!(" :state {}", sel.states.join(",")));
    }
    if !sel.statuses.is_empty() {
        s.push_str(&format!(" :status {}", sel.statuses.join(",")));
    }
    s
}

// ---------------------------------------------------------------- -kill-runs

fn this_host() -> String {
    mt_runner::execute::hostname()
}

/// Whether the job of a started record is certainly gone: it ran on this host, its
/// recorded process is dead and no process works in its run directory (the wrapper and
/// its steps all do). A LAUNCHED record may still be starting, so it is never "gone".
fn job_gone(t: &TestRow, host: &str) -> bool {
    if t.state == State::LAUNCHED || !(t.host == host || t.host == "n/a" || t.host.is_empty()) {
        return false;
    }
    if mt_launch::pid_alive(i32::try_from(t.attemptnum).unwrap_or(0)) {
        return false;
    }
    let dir = [&t.shortdir, &t.rundir]
        .into_iter()
        .filter(|d| !unset_dir(d))
        .find_map(|d| Path::new(d).canonicalize().ok());
    dir.is_none_or(|d| mt_launch::procs_in_dir(&d).is_empty())
}

/// Ask the given records to stop and wait up to `wait` for their wrappers to act.
/// Returns the records still waiting (KILLREQ) at the end.
fn request_kills(
    rep: &mut Reporter<'_>,
    store: &Store,
    ids: &[i64],
    comment: Option<&str>,
    wait: Duration,
) -> Vec<TestRow> {
    for id in ids {
        rep.set(*id, Some(State::KILLREQ), Some(Status::NA), comment);
    }
    let start = Instant::now();
    let mut pending: Vec<i64> = ids.to_vec();
    let mut left = Vec::new();
    while !pending.is_empty() {
        std::thread::sleep(Duration::from_millis(300));
        left.clear();
        let mut next = Vec::new();
        for id in &pending {
            let Ok(Some(t)) = store.get_test(*id) else {
                continue;
            };
            if is_running_state(&t.state) {
                // The wrapper started after the request and overwrote it: ask again.
                rep.set(*id, Some(State::KILLREQ), Some(Status::NA), comment);
                next.push(*id);
                left.push(t);
            } else if t.state == State::KILLREQ {
                next.push(*id);
                left.push(t);
            }
        }
        pending = next;
        if start.elapsed() >= wait {
            break;
        }
    }
    left
}

fn kill_runs(a: &Args) -> Result<Option<i32>, CliError> {
    if !a.has("-kill-runs") {
        return Ok(None);
    }
    eprintln!("megatest {}", a.raw.join(" "));
    let sel = Sel::from_args(a, "-kill-runs", false)?;
    let (area, store) = open(a, "-kill-runs")?;
    let (runs, locked) = skip_locked(matching_runs(&store, &sel, "-kill-runs")?, "-kill-runs");
    let host = this_host();
    let mut stubborn = 0;
    for run in &runs {
        let items = itemized(&store, run.id)?;
        let tests: Vec<TestRow> = store
            .tests_for_run(run.id, &sel.filter(TestSort::EventTime))?
            .into_iter()
            .filter(|t| is_running_state(&t.state) || t.state == State::KILLREQ)
            // A toplevel of items is a roll-up: its items are the ones to stop.
            .filter(|t| !(t.item_path.is_empty() && items.contains(&t.testname)))
            .collect();
        if tests.is_empty() {
            eprintln!(
                "INFO: -kill-runs: nothing of run {} matching -testpatt {} is running",
                run_name(run),
                sel.testpatt
            );
            continue;
        }
        for t in &tests {
            eprintln!(
                "INFO: requesting kill of {} {} ({}/{})",
                run_name(run),
                t.fullname(),
                t.state,
                t.status
            );
        }
        let mut rep = reporter(&area, &store, "cli", &tests);
        let gone_note = |rep: &mut Reporter<'_>, t: &TestRow| {
            eprintln!(
                "WARNING: {} {}: no process left to kill; recorded as KILLED/FAILED TO KILL",
                run_name(run),
                t.fullname()
            );
            rep.set(
                t.id,
                Some(State::KILLED),
                Some(Status::FAILED_TO_KILL),
                Some("KILLREQ: the test's job was already gone"),
            );
        };
        // Jobs already gone need no request: nobody would ever answer it.
        let (gone, alive): (Vec<&TestRow>, Vec<&TestRow>) =
            tests.iter().partition(|t| job_gone(t, &host));
        for t in gone {
            gone_note(&mut rep, t);
        }
        let ids: Vec<i64> = alive.iter().map(|t| t.id).collect();
        let left = if ids.is_empty() {
            Vec::new()
        } else {
            request_kills(&mut rep, &store, &ids, a.get("-m"), KILL_WAIT)
        };
        for t in &left {
            if job_gone(t, &host) {
                gone_note(&mut rep, t);
            } else {
                eprintln!(
                    "WARNING: {} {}: still {} after {}s (host {}); its wrapper has not acted on the request",
                    run_name(run),
                    t.fullname(),
                    t.state,
                    KILL_WAIT.as_secs(),
                    t.host
                );
                stubborn += 1;
            }
        }
        for id in tests.iter().map(|t| t.id) {
            if let Ok(Some(t)) = store.get_test(id) {
                println!(
                    "INFO: {} {}: {}/{}",
                    run_name(run),
                    t.fullname(),
                    t.state,
                    t.status
                );
            }
        }
        rep.wait_triggers(Duration::from_secs(30));
        let _ = store.update_run_stats(run.id);
    }
    Ok(Some(i32::from(locked || stubborn > 0)))
}

// ---------------------------------------------------------------- -remove-runs

fn unset_dir(d: &str) -> bool {
    d.is_empty() || d == "/tmp/badname"
}

/// `<target>/<runname>/<test>[/<item>]`: the tail every directory of a record must have.
fn record_suffix(run: &RunRow, t: &TestRow) -> PathBuf {
    let mut p = PathBuf::from(run.target())
        .join(&run.runname)
        .join(&t.testname);
    if !t.item_path.is_empty() {
        p.push(&t.item_path);
    }
    p
}

/// Remove empty directories below and including `dir`; true when `dir` is gone.
fn remove_empty_tree(dir: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        return true;
    };
    if !meta.is_dir() {
        return false;
    }
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir()) {
                remove_empty_tree(&p);
            }
        }
    }
    std::fs::remove_dir(dir).is_ok()
}

/// Remove `dir` and then up to `levels` parents while they are empty.
fn prune_up(dir: &Path, levels: usize) {
    let mut cur = Some(dir.to_path_buf());
    for _ in 0..=levels {
        let Some(d) = cur else { return };
        if std::fs::remove_dir(&d).is_err() {
            return;
        }
        cur = d.parent().map(Path::to_path_buf);
    }
}

fn remove_dir_all_forced(p: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            // Tests sometimes drop write permission on their files (§7.5).
            let _ = std::process::Command::new("chmod")
                .arg("-R")
                .arg("u+rwx")
                .arg(p)
                .status();
            std::fs::remove_dir_all(p)
        }
        Err(e) => Err(e),
    }
}

/// Dirs of the run level (`…/<target>/<runname>`) seen while removing, for the final prune.
#[derive(Default)]
struct RunDirs(HashSet<PathBuf>);

/// Delete the physical directory and the link of one record (§6.6 step 3).
fn remove_record_dirs(run: &RunRow, t: &TestRow, run_dirs: &mut RunDirs) {
    let suffix = record_suffix(run, t);
    let depth = suffix.components().count();
    let item_depth = Path::new(&t.item_path).components().count();
    let who = format!("{} {}", run_name(run), t.fullname());
    let mut note_run_dir = |p: &Path| {
        let tail = depth - run.target().split('/').count() - 1;
        if let Some(rd) = p.ancestors().nth(tail) {
            run_dirs.0.insert(rd.to_path_buf());
        }
    };
    if !unset_dir(&t.shortdir) {
        let phys = PathBuf::from(&t.shortdir);
        let real = phys.canonicalize().unwrap_or_else(|_| phys.clone());
        if !real.ends_with(&suffix) {
            eprintln!(
                "WARNING: {who}: not removing {}: it does not end with {}",
                phys.display(),
                suffix.display()
            );
        } else if real.as_os_str().len() <= 5 {
            eprintln!(
                "WARNING: {who}: not removing {}: path too short",
                real.display()
            );
        } else if real.is_dir() {
            if let Err(e) = remove_dir_all_forced(&real) {
                eprintln!("WARNING: {who}: cannot remove {}: {e}", real.display());
            }
            note_run_dir(&real);
            if item_depth > 1 {
                if let Some(parent) = real.parent() {
                    prune_up(parent, item_depth - 2);
                }
            }
        } else {
            eprintln!(
                "WARNING: {who}: run directory {} is already gone",
                phys.display()
            );
            note_run_dir(&phys);
        }
    }
    if !unset_dir(&t.rundir) {
        let link = PathBuf::from(&t.rundir);
        if !link.ends_with(&suffix) {
            eprintln!(
                "WARNING: {who}: not removing {}: it does not end with {}",
                link.display(),
                suffix.display()
            );
            return;
        }
        match std::fs::symlink_metadata(&link) {
            Ok(m) if m.file_type().is_symlink() => {
                if let Err(e) = std::fs::remove_file(&link) {
                    eprintln!("WARNING: {who}: cannot remove link {}: {e}", link.display());
                }
            }
            Ok(m) if m.is_dir() => {
                // The link tree holds real directories above item links; anything else
                // left in them is not ours to delete.
                if !remove_empty_tree(&link) {
                    eprintln!(
                        "WARNING: {who}: not removing {}: it is a non-empty directory",
                        link.display()
                    );
                }
            }
            Ok(_) => eprintln!(
                "WARNING: {who}: not removing {}: not a link or directory",
                link.display()
            ),
            Err(_) => {}
        }
        note_run_dir(&link);
        if item_depth > 1 {
            if let Some(parent) = link.parent() {
                prune_up(parent, item_depth - 2);
            }
        }
    }
}

/// Remove the selected records of one run (§6.6 steps 2–3); returns how many.
fn remove_in_run(
    area: &Area,
    store: &Store,
    run: &RunRow,
    tests: Vec<TestRow>,
    run_dirs: &mut RunDirs,
) -> Result<usize, CliError> {
    let items = itemized(store, run.id)?;
    let mut rep = reporter(area, store, "remove-runs", &tests);
    // Items first (deepest directories first), then toplevels, so a toplevel is judged
    // after its selected items are gone.
    let (mut first, second): (Vec<TestRow>, Vec<TestRow>) =
        tests.into_iter().partition(|t| !t.item_path.is_empty());
    first.extend(second);
    let mut queue: VecDeque<TestRow> = first.into();
    let mut kill_started: HashMap<i64, Instant> = HashMap::new();
    let host = this_host();
    let mut removed = 0;
    // Requeues since the last record was finished; a whole idle pass means everything
    // left is waiting for a kill, so pause instead of spinning.
    let mut idle = 0;
    while let Some(t) = queue.pop_front() {
        if idle > queue.len() {
            std::thread::sleep(Duration::from_millis(500));
            idle = 0;
        }
        let Some(cur) = store.get_test(t.id)? else {
            continue;
        };
        if cur.state == State::DELETED {
            continue;
        }
        let is_rollup = cur.item_path.is_empty() && items.contains(&cur.testname);
        if is_rollup {
            let live_items = store
                .tests_for_run(
                    run.id,
                    &TestFilter {
                        testpatt: Some(format!("{}/%", cur.testname)),
                        ..TestFilter::default()
                    },
                )?
                .into_iter()
                .filter(|i| !i.item_path.is_empty() && i.testname == cur.testname)
                .count();
            if live_items > 0 {
                if queue
                    .iter()
                    .any(|q| q.testname == cur.testname && !q.item_path.is_empty())
                {
                    // Its items are still being stopped: come back to it after them.
                    queue.push_back(cur);
                    idle += 1;
                    continue;
                }
                eprintln!(
                    "NOTE: keeping {} {}: {live_items} of its items are not selected for removal",
                    run_name(run),
                    cur.testname
                );
                continue;
            }
        } else if (is_running_state(&cur.state) || cur.state == State::KILLREQ)
            && !job_gone(&cur, &host)
        {
            let since = *kill_started.entry(cur.id).or_insert_with(Instant::now);
            if since.elapsed() < REMOVE_KILL_WAIT {
                if cur.state != State::KILLREQ {
                    eprintln!(
                        "INFO: {} {} is {}: requesting kill before removal",
                        run_name(run),
                        cur.fullname(),
                        cur.state
                    );
                    rep.set(cur.id, Some(State::KILLREQ), Some(Status::NA), None);
                }
                queue.push_back(cur);
                idle += 1;
                continue;
            }
            eprintln!(
                "WARNING: {} {} did not stop within {}s; removing it anyway (FAILEDKILL)",
                run_name(run),
                cur.fullname(),
                REMOVE_KILL_WAIT.as_secs()
            );
            rep.set(cur.id, Some(State::FAILEDKILL), Some(Status::NA), None);
        }
        rep.set(cur.id, Some(State::REMOVING), Some(Status::LOCKED), None);
        remove_record_dirs(run, &cur, run_dirs);
        store.delete_test_records(cur.id, "remove-runs")?;
        println!("INFO: removed {} {}", run_name(run), cur.fullname());
        removed += 1;
        idle = 0;
    }
    rep.wait_triggers(Duration::from_secs(30));
    Ok(removed)
}

fn remove_runs(a: &Args) -> Result<Option<i32>, CliError> {
    if !a.has("-remove-runs") {
        return Ok(None);
    }
    eprintln!("megatest {}", a.raw.join(" "));
    let sel = Sel::from_args(a, "-remove-runs", true)?;
    let (area, store) = open(a, "-remove-runs")?;
    let (runs, locked) = skip_locked(matching_runs(&store, &sel, "-remove-runs")?, "-remove-runs");
    let mut removed = 0;
    for run in &runs {
        let tests = store.tests_for_run(run.id, &sel.filter(TestSort::RundirLengthDesc))?;
        let mut run_dirs = RunDirs::default();
        let n = remove_in_run(&area, &store, run, tests, &mut run_dirs)?;
        removed += n;
        let _ = store.update_run_stats(run.id);
        if store.live_test_count(run.id)? == 0 {
            store.delete_run(run.id)?;
            let _ = store.purge_deleted(PURGE_AGE);
            for d in &run_dirs.0 {
                if remove_empty_tree(d) {
                    if let Some(p) = d.parent() {
                        // The target's directories, if nothing else lives in them.
                        prune_up(p, run.target().split('/').count().saturating_sub(1));
                    }
                }
            }
            println!(
                "INFO: run {} (id {}) deleted: no tests left",
                run_name(run),
                run.id
            );
        } else if n == 0 {
            eprintln!(
                "INFO: -remove-runs: no record of run {} matches -testpatt {}{}",
                run_name(run),
                sel.testpatt,
                filter_text(&sel)
            );
        }
    }
    if removed > 0 {
        println!("INFO: removed {removed} test record(s)");
    }
    Ok(Some(i32::from(locked)))
}

// ---------------------------------------------------------------- run records

/// Target and run name (required, exit 3) for the run-level actions.
fn run_sel(a: &Args, action: &str) -> Result<Sel, CliError> {
    Sel::from_args(a, action, false)
}

/// The oldest run matching `-target`/`-runname` (as the original picks for the run-level
/// status actions); None, after saying so, when there is none.
fn first_run(a: &Args, action: &str) -> Result<Option<(Store, RunRow)>, CliError> {
    let sel = run_sel(a, action)?;
    let (_area, store) = open(a, action)?;
    let run = store
        .list_runs(&sel.runname, Some(&sel.target))?
        .into_iter()
        .next();
    if run.is_none() {
        eprintln!("INFO: No matching run found. ({})", sel.describe());
    }
    Ok(run.map(|r| (store, r)))
}

fn set_run_status(a: &Args) -> Result<Option<i32>, CliError> {
    let Some(status) = a.get("-set-run-status") else {
        return Ok(None);
    };
    let Some((store, run)) = first_run(a, "-set-run-status")? else {
        return Ok(Some(1));
    };
    store.set_run_status_comment(run.id, status, a.get("-m"))?;
    eprintln!(
        "INFO: run {} (id {}) status set to {status}",
        run_name(&run),
        run.id
    );
    Ok(Some(0))
}

fn get_run_status(a: &Args) -> Result<Option<i32>, CliError> {
    if !a.has("-get-run-status") {
        return Ok(None);
    }
    let Some((_store, run)) = first_run(a, "-get-run-status")? else {
        return Ok(Some(1));
    };
    println!(
        "{}",
        if run.status.is_empty() {
            "n/a"
        } else {
            &run.status
        }
    );
    Ok(Some(0))
}

fn rename_run(a: &Args) -> Result<Option<i32>, CliError> {
    let Some(new) = a.get("-rename-run") else {
        return Ok(None);
    };
    let sel = run_sel(a, "-rename-run")?;
    if new.trim().is_empty() || new.contains('/') {
        return Err(CliError::new(
            1,
            format!("-rename-run: {new:?} is not a valid run name"),
        ));
    }
    let (_area, store) = open(a, "-rename-run")?;
    let runs = matching_runs(&store, &sel, "-rename-run")?;
    if runs.len() > 1 {
        let names: Vec<String> = runs.iter().map(run_name).collect();
        return Err(CliError::new(
            1,
            format!(
                "-rename-run: {} matches {} runs ({}); name exactly one",
                sel.describe(),
                runs.len(),
                names.join(", ")
            ),
        ));
    }
    let run = &runs[0];
    if run.state == mt_db::RUN_LOCKED {
        return Err(CliError::new(
            1,
            format!(
                "-rename-run: run {} (id {}) is locked; unlock it first",
                run_name(run),
                run.id
            ),
        ));
    }
    store.rename_run(run.id, new)?;
    println!(
        "INFO: run {} (id {}) renamed to {new}",
        run_name(run),
        run.id
    );
    Ok(Some(0))
}

/// Ask on the terminal; anything but y/yes declines.
fn confirm(question: &str) -> bool {
    print!("{question}\n   y/n: ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim(), "y" | "Y" | "yes" | "YES")
}

fn lock_unlock(a: &Args) -> Result<Option<i32>, CliError> {
    let (lock, unlock) = (a.has("-lock"), a.has("-unlock"));
    if !lock && !unlock {
        return Ok(None);
    }
    if lock && unlock {
        return Err(CliError::new(1, "-lock and -unlock cannot be combined"));
    }
    let action = if lock { "-lock" } else { "-unlock" };
    let sel = run_sel(a, action)?;
    let (_area, store) = open(a, action)?;
    let runs = matching_runs(&store, &sel, action)?;
    let ask = unlock && !a.has("-y") && std::io::stdin().is_terminal();
    for run in &runs {
        if lock {
            store.lock_run(run.id)?;
            println!("INFO: run {} (id {}) locked", run_name(run), run.id);
        } else if !ask || confirm(&format!("Do you really wish to unlock run {}?", run.id)) {
            store.unlock_run(run.id)?;
            println!("INFO: run {} (id {}) unlocked", run_name(run), run.id);
        } else {
            println!("Skipping lock/unlock on {}", run.id);
        }
    }
    Ok(Some(0))
}

// ---------------------------------------------------------------- dead tests, waiting

fn mark_incompletes(a: &Args) -> Result<Option<i32>, CliError> {
    if !a.has("-mark-incompletes") {
        return Ok(None);
    }
    let area = load_area(a, None)?;
    let path = area.dbpath();
    if !path.exists() {
        eprintln!("INFO: -mark-incompletes: nothing has been run in this area yet");
        return Ok(Some(0));
    }
    let mut store = Store::open_existing(&path)?;
    store.set_source("cli");
    let deadtime = mt_runner::dead::deadtime(&area);
    let run_ids: Vec<Option<i64>> = match (target(a), runname(a)) {
        (Some(t), Some(r)) => {
            let sel = Sel {
                target: t,
                runname: r,
                testpatt: "%".into(),
                states: Vec::new(),
                statuses: Vec::new(),
            };
            matching_runs(&store, &sel, "-mark-incompletes")?
                .into_iter()
                .map(|r| Some(r.id))
                .collect()
        }
        _ => vec![None],
    };
    let mut n = 0;
    for id in run_ids {
        n += mt_runner::dead::mark_incompletes(&store, id, deadtime)?;
    }
    println!("INFO: marked {n} test(s) COMPLETED/DEAD (deadtime {deadtime}s)");
    Ok(Some(0))
}

/// `HH:MM:SS` (UTC) of an epoch time.
fn clock(epoch: u64) -> String {
    let s = epoch % 86_400;
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

fn run_wait(a: &Args) -> Result<Option<i32>, CliError> {
    if !a.has("-run-wait") || a.has_any(RUN_ACTIONS) {
        return Ok(None);
    }
    // §3.14: target exit 1, run name exit 2, test pattern exit 3.
    if target(a).is_none() {
        return Err(CliError::new(
            1,
            "Missing required parameter for -run-wait, you must specify the target with -target",
        ));
    }
    if runname(a).is_none() {
        return Err(CliError::new(2, "Missing required parameter for -run-wait, you must specify the run name with -runname runname"));
    }
    let mut sel = Sel::from_args(a, "-run-wait", true)?;
    if sel.states.is_empty() && sel.statuses.is_empty() {
        sel.states = RUN_WAIT_STATES.iter().map(|s| (*s).to_string()).collect();
    }
    let (area, store) = open(a, "-run-wait")?;
    let runs = matching_runs(&store, &sel, "-run-wait")?;
    let deadtime = mt_runner::dead::deadtime(&area);
    let ids: Vec<i64> = runs.iter().map(|r| r.id).collect();
    let mut last_dead_check: Option<Instant> = None;
    let mut last_count: Option<usize> = None;
    let mut zeros = 0;
    loop {
        if last_dead_check.is_none_or(|t| t.elapsed() >= RUN_WAIT_DEAD_CHECK) {
            for id in &ids {
                let _ = mt_runner::dead::mark_incompletes(&store, Some(*id), deadtime);
            }
            last_dead_check = Some(Instant::now());
        }
        let mut count = 0;
        for id in &ids {
            // A locked run is skipped: it "shows no tests" (§2.8).
            if store.is_locked(*id).unwrap_or(false) {
                continue;
            }
            count += store
                .tests_for_run(*id, &sel.filter(TestSort::NameItem))?
                .len();
        }
        if last_count != Some(count) {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            eprintln!(
                "run-wait specified, waiting on {count} tests in {} state at {} UTC",
                if sel.states.is_empty() {
                    "any".to_string()
                } else {
                    sel.states.join(", ")
                },
                clock(now)
            );
            last_count = Some(count);
        }
        if count == 0 {
            zeros += 1;
            // Seen twice in a row: a runner between two launches is not mistaken for done.
            if zeros >= 2 {
                break;
            }
        } else {
            zeros = 0;
        }
        std::thread::sleep(if count == 0 {
            Duration::from_secs(1)
        } else {
            RUN_WAIT_POLL
        });
    }
    println!("Run completed according to zero tests matching provided criteria.");
    Ok(Some(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_status_parsing_table() {
        type Parsed<'a> = Option<(Option<&'a str>, Option<&'a str>)>;
        let cases: &[(&str, Parsed<'_>)] = &[
            ("COMPLETED,FAIL", Some((Some("COMPLETED"), Some("FAIL")))),
            ("KILLREQ,n/a", Some((Some("KILLREQ"), Some("n/a")))),
            (",PASS", Some((None, Some("PASS")))),
            ("NOT_STARTED,", Some((Some("NOT_STARTED"), None))),
            (
                "COMPLETED,MY_OWN_STATUS",
                Some((Some("COMPLETED"), Some("MY_OWN_STATUS"))),
            ),
            ("COMPLETED", None),
            ("completed,PASS", None),
            ("DONE,PASS", None),
            (",", None),
        ];
        for (v, want) in cases {
            let got = parse_state_status(v).ok();
            let got = got.as_ref().map(|(a, b)| (a.as_deref(), b.as_deref()));
            assert_eq!(got, *want, "{v}");
        }
        let e = parse_state_status("completed,PASS").unwrap_err();
        assert!(e.msg.contains("did you mean COMPLETED"), "{}", e.msg);
        let e = parse_state_status("COMPLETED").unwrap_err();
        assert!(e.msg.contains("comma delimited"), "{}", e.msg);
    }

    #[test]
    fn clock_format() {
        assert_eq!(clock(0), "00:00:00");
        assert_eq!(clock(86_400 + 3600 * 13 + 61), "13:01:01");
    }

    #[test]
    fn pruning_keeps_non_empty_directories() {
        let d = tempfile::tempdir().unwrap();
        let top = d.path().join("t/r/test");
        std::fs::create_dir_all(top.join("arm/x")).unwrap();
        std::fs::create_dir_all(top.join("x86")).unwrap();
        std::fs::write(top.join("x86/keep.txt"), "x").unwrap();
        assert!(!remove_empty_tree(&top));
        assert!(!top.join("arm").exists());
        assert!(top.join("x86/keep.txt").exists());
        std::fs::remove_file(top.join("x86/keep.txt")).unwrap();
        assert!(remove_empty_tree(&top));
        prune_up(&d.path().join("t/r"), 1);
        assert!(!d.path().join("t").exists());
    }
}
