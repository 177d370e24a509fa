//! `-rerun-clean` / `-rerun-all` pre-reset (runner spec §3.2): before the run starts,
//! records of the run go back to `NOT_STARTED/n/a` so the scheduler launches them again
//! (the caller also forces `-preclean`). The writes go through the store's roll-up path in
//! one transaction, so toplevels follow their items, every reset is an event (the
//! history of each attempt stays in the events table) and `[triggers]` fire.
//!
//! `-rerun-clean` resets records whose state is in `[validvalues] cleanrerun-states`
//! (default `KILLREQ,KILLED,UNKNOWN,INCOMPLETE,STUCK,NOT_STARTED`) or whose status is in
//! `[validvalues] cleanrerun-statuses` (default, as in 1.6506:
//! `FAIL,INCOMPLETE,ABORT,CHECK,DEAD,PREQ_FAIL,PREQ_DISCARDED`); `-rerun-all` resets
//! every record.
//!
//! Where we differ on purpose: the original resets the whole run and ignores `-testpatt`,
//! so records outside the pattern lose their verdict and are never run again. We reset
//! the records this run selects: those matching `-testpatt` (and `-tagexpr`) plus the
//! tests they wait on, which is exactly what the run that follows will consider. Records
//! in a running state (or KILLREQ) are never reset, even by `-rerun-all`: their job still
//! owns the run directory.

use mt_area::Area;
use mt_db::{StatusUpdate, Store, TestFilter};
use mt_model::{State, Status};

use crate::reporter::Reporter;
use crate::run::RunRequest;

/// Which pre-reset to do before a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reset {
    /// `-rerun-clean`: bad states and statuses back to NOT_STARTED/n/a.
    Clean,
    /// `-rerun-all`: every test back to NOT_STARTED/n/a.
    All,
}

/// `cleanrerun-states` when `[validvalues]` does not set it.
pub const DEFAULT_CLEAN_STATES: &[&str] = &[
    State::KILLREQ,
    State::KILLED,
    State::UNKNOWN,
    State::INCOMPLETE,
    State::STUCK,
    State::NOT_STARTED,
];

/// `cleanrerun-statuses` when `[validvalues]` does not set it (the 1.6506 list).
pub const DEFAULT_CLEAN_STATUSES: &[&str] = &[
    Status::FAIL,
    "INCOMPLETE",
    Status::ABORT,
    Status::CHECK,
    Status::DEAD,
    Status::PREQ_FAIL,
    Status::PREQ_DISCARDED,
];

/// A `[validvalues]` list (comma and/or space separated), or the default.
fn list(area: &Area, key: &str, default: &[&str]) -> Vec<String> {
    match area.config.get("validvalues", key) {
        Some(v) => v
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        None => default.iter().map(|s| (*s).to_string()).collect(),
    }
}

/// Whether a record with this state/status is reset.
#[must_use]
pub fn wants_reset(
    reset: Reset,
    state: &str,
    status: &str,
    states: &[String],
    statuses: &[String],
) -> bool {
    if state == State::NOT_STARTED && status == Status::NA {
        // Already what a reset would write: no event noise.
        return false;
    }
    if mt_model::is_running_state(state) || state == State::KILLREQ {
        // A job still owns the record; relaunching beside it would share its directory.
        return false;
    }
    match reset {
        Reset::All => true,
        Reset::Clean => states.iter().any(|s| s == state) || statuses.iter().any(|s| s == status),
    }
}

/// Reset the selected records of the run (if it exists); returns how many were reset.
///
/// # Errors
/// A locked run, or database failures, as text.
pub fn pre_reset(area: &Area, req: &RunRequest, reset: Reset) -> Result<usize, String> {
    let dbpath = area.dbpath();
    if !dbpath.exists() {
        return Ok(0);
    }
    let keys = area.key_names();
    let Ok(parts) = mt_area::keys::validate_target(&req.target, &keys) else {
        // The run reports a bad target itself.
        return Ok(0);
    };
    let store = Store::open_existing(&dbpath).map_err(|e| e.to_string())?;
    let keyvals: Vec<(&str, &str)> = keys
        .iter()
        .map(String::as_str)
        .zip(parts.iter().map(String::as_str))
        .collect();
    let Some(run) = store
        .find_run(&keyvals, &req.runname)
        .map_err(|e| e.to_string())?
    else {
        return Ok(0);
    };
    if run.state == mt_db::RUN_LOCKED {
        return Err(format!(
            "run {}/{} is locked; unlock it with -unlock before running (nothing was reset)",
            req.target, req.runname
        ));
    }
    let Ok(plan) = crate::plan::build(area, &req.testpatt, req.tagexpr.as_deref(), &area.host)
    else {
        // Nothing selected: the run says so itself.
        return Ok(0);
    };
    let states = list(area, "cleanrerun-states", DEFAULT_CLEAN_STATES);
    let statuses = list(area, "cleanrerun-statuses", DEFAULT_CLEAN_STATUSES);
    let records = store
        .tests_for_run(run.id, &TestFilter::default())
        .map_err(|e| e.to_string())?;
    let mut chosen: Vec<&mt_db::TestRow> = records
        .iter()
        .filter(|t| plan.tests.iter().any(|tc| tc.name == t.testname))
        .filter(|t| plan.patt.matches(&t.testname, &t.item_path))
        .filter(|t| wants_reset(reset, &t.state, &t.status, &states, &statuses))
        .collect();
    if chosen.is_empty() {
        return Ok(0);
    }
    // Toplevels first: the items' roll-up then has the last word on them.
    chosen.sort_by_key(|t| {
        (
            !t.item_path.is_empty(),
            t.testname.clone(),
            t.item_path.clone(),
        )
    });
    let updates: Vec<StatusUpdate<'_>> = chosen
        .iter()
        .map(|t| StatusUpdate {
            test_id: t.id,
            state: Some(State::NOT_STARTED),
            status: Some(Status::NA),
            comment: None,
        })
        .collect();
    let source = match reset {
        Reset::Clean => "rerun-clean",
        Reset::All => "rerun-all",
    };
    let changes = store
        .set_state_status_batch(&updates, source)
        .map_err(|e| e.to_string())?;
    let mut reporter = Reporter::new(&store, source);
    for tc in &plan.tests {
        reporter.set_triggers(&tc.name, tc.triggers.clone());
    }
    reporter.fire(&changes);
    reporter.wait_triggers(std::time::Duration::from_secs(30));
    let _ = store.update_run_stats(run.id);
    Ok(chosen.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_choice_table() {
        let states: Vec<String> = DEFAULT_CLEAN_STATES
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        let statuses: Vec<String> = DEFAULT_CLEAN_STATUSES
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        let cases: &[(Reset, &str, &str, bool)] = &[
            (Reset::Clean, "COMPLETED", "FAIL", true),
            (Reset::Clean, "COMPLETED", "PASS", false),
            (Reset::Clean, "COMPLETED", "WARN", false),
            (Reset::Clean, "COMPLETED", "DEAD", true),
            (Reset::Clean, "COMPLETED", "CHECK", true),
            (Reset::Clean, "NOT_STARTED", "PREQ_FAIL", true),
            (Reset::Clean, "NOT_STARTED", "PREQ_DISCARDED", true),
            (Reset::Clean, "NOT_STARTED", "n/a", false),
            (Reset::Clean, "KILLED", "KILLED", true),
            (Reset::Clean, "INCOMPLETE", "KILLED", true),
            (Reset::Clean, "RUNNING", "n/a", false),
            (Reset::All, "COMPLETED", "PASS", true),
            (Reset::All, "RUNNING", "n/a", false),
            (Reset::All, "KILLREQ", "n/a", false),
            (Reset::All, "KILLED", "KILLED", true),
            (Reset::All, "NOT_STARTED", "n/a", false),
        ];
        for (r, st, ss, want) in cases {
            assert_eq!(
                wants_reset(*r, st, ss, &states, &statuses),
                *want,
                "{r:?} {st}/{ss}"
            );
        }
    }
}
