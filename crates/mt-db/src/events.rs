//! The append-only event history: one row per state/status change of a test record
//! (explicit writes, roll-up writes of toplevels, removal) and per run-level change
//! (registration, state, status, lock, unlock, deletion). Rows are only ever inserted.

use rusqlite::{params, Connection, Row};

use crate::error::Result;
use crate::rows::{int, opt_int, opt_text, real, text, EventRow};
use crate::store::{now_f64, Identity, Store};

/// What one event says; `None` fields are stored as NULL.
#[derive(Debug, Default)]
pub(crate) struct NewEvent<'a> {
    pub run_id: Option<i64>,
    pub test_id: Option<i64>,
    pub testname: Option<&'a str>,
    pub item_path: Option<&'a str>,
    pub old_state: Option<&'a str>,
    pub new_state: Option<&'a str>,
    pub old_status: Option<&'a str>,
    pub new_status: Option<&'a str>,
    pub comment: Option<&'a str>,
}

pub(crate) fn append(
    conn: &Connection,
    ident: &Identity,
    source: &str,
    ev: &NewEvent<'_>,
) -> rusqlite::Result<()> {
    let mut st = conn.prepare_cached(
        "INSERT INTO events (event_time, run_id, test_id, testname, item_path, old_state,
            new_state, old_status, new_status, comment, pid, host, user, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    st.execute(params![
        now_f64(),
        ev.run_id,
        ev.test_id,
        ev.testname,
        ev.item_path,
        ev.old_state,
        ev.new_state,
        ev.old_status,
        ev.new_status,
        ev.comment,
        ident.pid,
        ident.host,
        ident.user,
        source
    ])?;
    Ok(())
}

const EVENT_COLUMNS: &str = "id, event_time, run_id, test_id, testname, item_path, old_state, \
     new_state, old_status, new_status, comment, pid, host, user, source";

fn event_from_row(r: &Row<'_>) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        id: int(r, 0)?,
        event_time: real(r, 1)?,
        run_id: opt_int(r, 2)?,
        test_id: opt_int(r, 3)?,
        testname: opt_text(r, 4)?,
        item_path: opt_text(r, 5)?,
        old_state: opt_text(r, 6)?,
        new_state: opt_text(r, 7)?,
        old_status: opt_text(r, 8)?,
        new_status: opt_text(r, 9)?,
        comment: opt_text(r, 10)?,
        pid: int(r, 11)?,
        host: text(r, 12)?,
        user: text(r, 13)?,
        source: text(r, 14)?,
    })
}

impl Store {
    fn query_events(
        &self,
        op: &'static str,
        filter: &str,
        arg: i64,
        limit: Option<usize>,
    ) -> Result<Vec<EventRow>> {
        let limit = limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE {filter} ORDER BY id LIMIT ?2");
        self.read(op, |c| {
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(params![arg, limit], event_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Every event of one test record, oldest first.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn events_for_test(&self, test_id: i64) -> Result<Vec<EventRow>> {
        self.query_events("events for test", "test_id = ?1", test_id, None)
    }

    /// Every event of one run (its tests and the run itself), oldest first.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn events_for_run(&self, run_id: i64) -> Result<Vec<EventRow>> {
        self.query_events("events for run", "run_id = ?1", run_id, None)
    }

    /// Events with an id greater than `after_id` (0 for all), oldest first, at most
    /// `limit` of them: the "what changed since" cursor of the dashboard.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn events_since(&self, after_id: i64, limit: Option<usize>) -> Result<Vec<EventRow>> {
        self.query_events("events since", "id > ?1", after_id, limit)
    }
}
