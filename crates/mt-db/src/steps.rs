//! Step records (`test_steps`, §2.7): one row per (test, step, state), written by ezsteps,
//! `-runstep` and `-step`. Rows marked `DELETED` are hidden.

use rusqlite::{params, Connection};

use crate::error::{DbError, Result};
use crate::records::get_test_c;
use crate::rows::{int, text, StepRow};
use crate::store::{now_secs, Store};

/// Write one step row (a second write of the same (test, step, state) replaces it).
pub(crate) fn upsert_step_c(
    c: &Connection,
    test_id: i64,
    stepname: &str,
    state: &str,
    status: &str,
    comment: &str,
    logfile: &str,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO test_steps (test_id, stepname, state, status, event_time, comment,
            logfile)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (test_id, stepname, state) DO UPDATE SET status=excluded.status,
            event_time=excluded.event_time, comment=excluded.comment,
            logfile=excluded.logfile",
    )?
    .execute(params![
        test_id,
        stepname,
        state,
        status,
        now_secs(),
        comment,
        logfile
    ])?;
    Ok(())
}

pub(crate) const STEP_COLUMNS: &str =
    "id, test_id, stepname, state, status, event_time, comment, logfile";

pub(crate) fn step_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StepRow> {
    Ok(StepRow {
        id: int(r, 0)?,
        test_id: int(r, 1)?,
        stepname: text(r, 2)?,
        state: text(r, 3)?,
        status: text(r, 4)?,
        event_time: int(r, 5)?,
        comment: text(r, 6)?,
        logfile: text(r, 7)?,
    })
}

impl Store {
    /// Write a step row keyed by (test, step, state), event_time now. An existing row is
    /// updated in place, so its id (the `-list-runs` order) stays that of the first write.
    ///
    /// # Errors
    /// [`DbError::NoSuchTest`]; SQLite failures.
    pub fn record_step(
        &self,
        test_id: i64,
        stepname: &str,
        state: &str,
        status: &str,
        comment: &str,
        logfile: &str,
    ) -> Result<()> {
        self.write("record step", |tx| {
            if get_test_c(tx, test_id)?.is_none() {
                return Err(DbError::NoSuchTest(test_id).into());
            }
            upsert_step_c(tx, test_id, stepname, state, status, comment, logfile)?;
            Ok(())
        })
    }

    /// The steps of a test in the order they were first written.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn steps_for_test(&self, test_id: i64) -> Result<Vec<StepRow>> {
        self.read("read steps", |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {STEP_COLUMNS} FROM test_steps
                 WHERE test_id=?1 AND status != 'DELETED' ORDER BY id"
            ))?;
            let rows = st.query_map([test_id], step_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}
