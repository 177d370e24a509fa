//! Queries the scheduler needs beyond plain records: instances of a test running in any
//! run (`[skip] prevrunning`, `rundelay`, mode `exclusive`), the events cursor, and the
//! run's contour.

use rusqlite::{params, OptionalExtension};

use crate::error::Result;
use crate::store::Store;

impl Store {
    /// How many records of this test/item are LAUNCHED, REMOTEHOSTSTART or RUNNING in any
    /// run of the area.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn instances_running(&self, testname: &str, item_path: &str) -> Result<i64> {
        self.read("count running instances", |c| {
            Ok(c.prepare_cached(
                "SELECT count(*) FROM tests WHERE testname=?1 AND item_path=?2
                 AND state IN ('LAUNCHED','REMOTEHOSTSTART','RUNNING')",
            )?
            .query_row(params![testname, item_path], |r| r.get(0))?)
        })
    }

    /// Start time (`event_time`) of the most recent COMPLETED/INCOMPLETE instance with
    /// status PASS, FAIL or ABORT of this test/item in any run (`[skip] rundelay`).
    ///
    /// # Errors
    /// SQLite failures.
    pub fn last_finished_start(&self, testname: &str, item_path: &str) -> Result<Option<i64>> {
        self.read("last finished instance", |c| {
            Ok(c.prepare_cached(
                "SELECT max(event_time) FROM tests WHERE testname=?1 AND item_path=?2
                 AND state IN ('COMPLETED','INCOMPLETE') AND status IN ('PASS','FAIL','ABORT')",
            )?
            .query_row(params![testname, item_path], |r| r.get::<_, Option<i64>>(0))
            .optional()?
            .flatten())
        })
    }

    /// The id of the newest event (0 when there is none): where a reader starts tailing.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn last_event_id(&self) -> Result<i64> {
        self.read("last event id", |c| {
            Ok(c.query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get(0))?)
        })
    }

    /// Store `-contour NAME` with a run.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn set_run_contour(&self, run_id: i64, contour: &str) -> Result<()> {
        self.write("set run contour", |tx| {
            tx.execute(
                "UPDATE runs SET contour=?2 WHERE id=?1",
                params![run_id, contour],
            )?;
            Ok(())
        })
    }
}
