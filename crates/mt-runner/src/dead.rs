//! Dead test detection (runner spec §4.11): a record RUNNING or REMOTEHOSTSTART whose
//! heartbeat stopped more than `[setup] deadtime` seconds ago (default 7200), or LAUNCHED
//! for more than a day, becomes `COMPLETED/DEAD` with the comment `Test failed to
//! complete`. Runs at the start of every `-run` (all runs of the area), during
//! `-run-wait`, and on `-mark-incompletes`.
//!
//! Unlike the original (a quirk), the write goes through the roll-up path, so the toplevel
//! of an itemized test follows its dead items, and an event records each marking.

use std::time::{SystemTime, UNIX_EPOCH};

use mt_db::Store;
use mt_model::{State, Status};

/// `[setup] deadtime` when unset.
pub const DEFAULT_DEADTIME: i64 = 7200;

/// The comment written on a dead record.
pub const DEAD_COMMENT: &str = "Test failed to complete";

/// `[setup] deadtime` of the area (seconds), or the default.
#[must_use]
pub fn deadtime(area: &mt_area::Area) -> i64 {
    area.setup("deadtime")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_DEADTIME)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Mark tests whose heartbeat stopped more than `deadtime` seconds ago as COMPLETED/DEAD
/// (all runs when `run_id` is None); returns how many were marked.
///
/// # Errors
/// Database failures.
pub fn mark_incompletes(store: &Store, run_id: Option<i64>, deadtime: i64) -> mt_db::Result<usize> {
    mark_at(store, run_id, deadtime, now())
}

/// [`mark_incompletes`] as seen at time `now` (epoch seconds).
///
/// # Errors
/// Database failures.
pub fn mark_at(
    store: &Store,
    run_id: Option<i64>,
    deadtime: i64,
    now: i64,
) -> mt_db::Result<usize> {
    let dead = store.dead_candidates(run_id, deadtime, now)?;
    if dead.is_empty() {
        return Ok(0);
    }
    let ids: Vec<String> = dead.iter().map(|t| t.id.to_string()).collect();
    eprintln!(
        "WARNING: Marking test(s); {} as DEAD (no sign of life for more than {deadtime}s)",
        ids.join(", ")
    );
    let mut marked = 0;
    for t in &dead {
        // Re-check inside the write's view: the test may have finished since the query.
        match store.get_test(t.id)? {
            Some(cur) if cur.state == t.state && cur.last_update == t.last_update => {}
            _ => continue,
        }
        store.set_state_status(
            t.id,
            Some(State::COMPLETED),
            Some(Status::DEAD),
            Some(DEAD_COMMENT),
            "dead-detection",
        )?;
        eprintln!(
            "WARNING: {} in run {} ({}) marked COMPLETED/DEAD: was {} since {}",
            t.fullname(),
            t.run_id,
            t.host,
            t.state,
            t.event_time
        );
        marked += 1;
    }
    let mut runs: Vec<i64> = dead.iter().map(|t| t.run_id).collect();
    runs.sort_unstable();
    runs.dedup();
    for r in runs {
        let _ = store.update_run_stats(r);
    }
    Ok(marked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_only_stale_records_with_rollup_and_event() {
        let d = tempfile::tempdir().unwrap();
        let s = Store::open(d.path().join("megatest.db"), &[("OS", "TEXT")]).unwrap();
        let r = s.register_run(&[("OS", "linux")], "r1", "me").unwrap();
        let a = s.register_test(r, "t", "a").unwrap();
        let b = s.register_test(r, "t", "b").unwrap();
        let plain = s.register_test(r, "plain", "").unwrap();
        s.set_state_status(a, Some(State::RUNNING), None, None, "test")
            .unwrap();
        s.set_state_status(b, Some(State::COMPLETED), Some(Status::PASS), None, "test")
            .unwrap();
        s.set_state_status(plain, Some(State::RUNNING), None, None, "test")
            .unwrap();
        let later = now() + 50;
        // Nothing is dead with a deadtime longer than the silence.
        assert_eq!(mark_at(&s, Some(r), 100, later).unwrap(), 0);
        assert_eq!(mark_at(&s, Some(r), 10, later).unwrap(), 2);
        for id in [a, plain] {
            let t = s.get_test(id).unwrap().unwrap();
            assert_eq!((t.state.as_str(), t.status.as_str()), ("COMPLETED", "DEAD"));
            assert_eq!(t.comment, DEAD_COMMENT);
            let ev = s.events_for_test(id).unwrap();
            assert_eq!(ev.last().unwrap().new_status.as_deref(), Some("DEAD"));
        }
        // The toplevel followed its items (1.6506 ranking: DEAD beats PASS).
        let top = s.find_test(r, "t", "").unwrap().unwrap();
        assert_eq!(
            (top.state.as_str(), top.status.as_str()),
            ("COMPLETED", "DEAD")
        );
        // Already marked: nothing more to do.
        assert_eq!(mark_at(&s, None, 10, later).unwrap(), 0);
    }
}
