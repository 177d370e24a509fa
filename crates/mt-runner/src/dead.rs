//! Dead test detection (runner spec §4.11). Placeholder until the run management work
//! fills it in.

use mt_db::Store;

/// Mark tests whose heartbeat stopped more than `deadtime` seconds ago as COMPLETED/DEAD
/// (all runs when `run_id` is None); returns how many were marked.
///
/// # Errors
/// Database failures.
pub fn mark_incompletes(store: &Store, run_id: Option<i64>, deadtime: i64) -> mt_db::Result<usize> {
    let _ = (store, run_id, deadtime);
    Ok(0)
}
