//! Queries behind run management (runner spec §4.11, §6.6–§6.8): the candidates of
//! dead-test detection, `-set-run-status` with its `-m` comment, and the count of a run's
//! live records that decides whether `-remove-runs` deletes the run.

use rusqlite::{params, OptionalExtension};

use crate::error::{DbError, Result};
use crate::events::{self, NewEvent};
use crate::rows::{text, TestRow, TEST_COLUMNS};
use crate::store::Store;

/// A LAUNCHED record older than this (seconds) is dead: its job never started (§4.11).
pub const LAUNCHED_DEADTIME: i64 = 86_400;

impl Store {
    /// Records that look dead at time `now` (epoch seconds), in one run or (None) in every
    /// run of the area (§4.11):
    ///
    /// - RUNNING or REMOTEHOSTSTART whose last sign of life is more than `deadtime` seconds
    ///   old. The last sign of life is the later of `event_time + run_duration` (the
    ///   heartbeat's elapsed time added to the start) and `last_update` (which every
    ///   heartbeat moves), so a record is never judged on a stale field alone;
    /// - LAUNCHED whose `event_time` (reset at launch) is more than
    ///   `LAUNCHED_DEADTIME` (a day) old.
    ///
    /// Toplevel records of itemized tests are left out: their state is a roll-up of the
    /// items, which are judged themselves. (The original excluded every toplevel that
    /// never executed, `uname='n/a'`, which also hid plain tests stuck in LAUNCHED.)
    ///
    /// # Errors
    /// SQLite failures.
    pub fn dead_candidates(
        &self,
        run_id: Option<i64>,
        deadtime: i64,
        now: i64,
    ) -> Result<Vec<TestRow>> {
        let cols: String = TEST_COLUMNS
            .split(", ")
            .map(|c| format!("t.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {cols} FROM tests t
             WHERE (?1 IS NULL OR t.run_id = ?1)
               AND ((t.state IN ('RUNNING','REMOTEHOSTSTART')
                     AND ?2 - max(t.event_time + t.run_duration, t.last_update) > ?3)
                 OR (t.state = 'LAUNCHED' AND ?2 - t.event_time > ?4))
               AND NOT (t.item_path = '' AND EXISTS (SELECT 1 FROM tests i
                    WHERE i.run_id = t.run_id AND i.testname = t.testname
                      AND i.item_path != '' AND i.state != 'DELETED'))
             ORDER BY t.run_id, t.testname, t.item_path"
        );
        self.read("find dead tests", |c| {
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(
                params![run_id, now, deadtime, LAUNCHED_DEADTIME],
                TestRow::from_row,
            )?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// `-set-run-status STATUS [-m COMMENT]`: set `runs.status` and, when given, the
    /// run's comment, with an event.
    ///
    /// # Errors
    /// [`DbError::NoSuchRun`]; SQLite failures.
    pub fn set_run_status_comment(
        &self,
        run_id: i64,
        status: &str,
        comment: Option<&str>,
    ) -> Result<()> {
        self.write("set run status", |tx| {
            let old: Option<(String, String)> = tx
                .query_row(
                    "SELECT state, status FROM runs WHERE id=?1",
                    [run_id],
                    |r| Ok((text(r, 0)?, text(r, 1)?)),
                )
                .optional()?;
            let Some((state, old_status)) = old else {
                return Err(DbError::NoSuchRun(run_id).into());
            };
            tx.execute(
                "UPDATE runs SET status=?2, comment=coalesce(?3, comment) WHERE id=?1",
                params![run_id, status, comment],
            )?;
            events::append(
                tx,
                &self.ident,
                &self.source,
                &NewEvent {
                    run_id: Some(run_id),
                    old_state: Some(&state),
                    new_state: Some(&state),
                    old_status: Some(&old_status),
                    new_status: Some(status),
                    comment,
                    ..NewEvent::default()
                },
            )?;
            Ok(())
        })
    }

    /// How many records of the run are not `DELETED` (a run left with none is deleted by
    /// `-remove-runs`).
    ///
    /// # Errors
    /// SQLite failures.
    pub fn live_test_count(&self, run_id: i64) -> Result<i64> {
        self.read("count live tests", |c| {
            Ok(c.query_row(
                "SELECT count(*) FROM tests WHERE run_id=?1 AND state != 'DELETED'",
                [run_id],
                |r| r.get(0),
            )?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[(&str, &str)] = &[("OS", "TEXT")];

    fn fresh() -> (tempfile::TempDir, Store) {
        let d = tempfile::tempdir().unwrap();
        let s = Store::open(d.path().join("megatest.db"), KEYS).unwrap();
        (d, s)
    }

    /// Force the time columns of a record (the triggers would move last_update).
    fn times(s: &Store, id: i64, event_time: i64, run_duration: i64, last_update: i64) {
        s.conn()
            .execute_batch("DROP TRIGGER IF EXISTS update_tests_trigger")
            .unwrap();
        s.conn()
            .execute(
                "UPDATE tests SET event_time=?2, run_duration=?3, last_update=?4 WHERE id=?1",
                params![id, event_time, run_duration, last_update],
            )
            .unwrap();
    }

    #[test]
    fn dead_candidates_table() {
        let (_d, s) = fresh();
        let r = s.register_run(&[("OS", "linux")], "r1", "me").unwrap();
        let r2 = s.register_run(&[("OS", "linux")], "r2", "me").unwrap();
        let now = 1_000_000;
        // (name, item, state, event_time, run_duration, last_update, run, dead at deadtime 100)
        type Case<'a> = (&'a str, &'a str, &'a str, i64, i64, i64, i64, bool);
        let cases: &[Case<'_>] = &[
            ("quiet", "", "RUNNING", now - 500, 300, now - 200, r, true),
            ("beating", "", "RUNNING", now - 500, 450, now - 50, r, false),
            (
                "fresh",
                "",
                "REMOTEHOSTSTART",
                now - 50,
                0,
                now - 50,
                r,
                false,
            ),
            (
                "rhs-old",
                "",
                "REMOTEHOSTSTART",
                now - 150,
                0,
                now - 150,
                r,
                true,
            ),
            // last_update alone keeps a record alive whose run_duration was not written.
            ("lu-only", "", "RUNNING", now - 500, 0, now - 10, r, false),
            (
                "launched-day",
                "",
                "LAUNCHED",
                now - 90_000,
                0,
                now - 90_000,
                r,
                true,
            ),
            (
                "launched-hour",
                "",
                "LAUNCHED",
                now - 3600,
                0,
                now - 3600,
                r,
                false,
            ),
            ("done", "", "COMPLETED", now - 9000, 0, now - 9000, r, false),
            (
                "killreq",
                "",
                "KILLREQ",
                now - 9000,
                0,
                now - 9000,
                r,
                false,
            ),
            ("item", "a", "RUNNING", now - 900, 0, now - 900, r, true),
            // its toplevel: a roll-up, never judged itself
            ("item", "", "RUNNING", now - 900, 0, now - 900, r, false),
            (
                "other-run",
                "",
                "RUNNING",
                now - 900,
                0,
                now - 900,
                r2,
                true,
            ),
        ];
        let mut want_run = Vec::new();
        let mut want_all = Vec::new();
        for (name, item, state, et, rd, lu, run, dead) in cases {
            let id = s.register_test(*run, name, item).unwrap();
            s.set_state_status(id, Some(state), None, None, "test")
                .unwrap();
            times(&s, id, *et, *rd, *lu);
            if *dead {
                want_all.push(format!("{name}/{item}"));
                if *run == r {
                    want_run.push(format!("{name}/{item}"));
                }
            }
        }
        let names = |v: Vec<TestRow>| -> Vec<String> {
            let mut n: Vec<String> = v
                .into_iter()
                .map(|t| format!("{}/{}", t.testname, t.item_path))
                .collect();
            n.sort();
            n
        };
        want_run.sort();
        want_all.sort();
        assert_eq!(
            names(s.dead_candidates(Some(r), 100, now).unwrap()),
            want_run
        );
        assert_eq!(names(s.dead_candidates(None, 100, now).unwrap()), want_all);
        // A generous deadtime spares the RUNNING ones.
        let lenient = names(s.dead_candidates(Some(r), 100_000, now).unwrap());
        assert_eq!(lenient, ["launched-day/"]);
    }

    #[test]
    fn run_status_with_comment_and_event() {
        let (_d, s) = fresh();
        let r = s.register_run(&[("OS", "linux")], "r1", "me").unwrap();
        s.set_run_status_comment(r, "good", Some("checked by hand"))
            .unwrap();
        let run = s.get_run(r).unwrap().unwrap();
        assert_eq!(
            (run.status.as_str(), run.comment.as_str()),
            ("good", "checked by hand")
        );
        s.set_run_status_comment(r, "better", None).unwrap();
        let run = s.get_run(r).unwrap().unwrap();
        assert_eq!(
            (run.status.as_str(), run.comment.as_str()),
            ("better", "checked by hand")
        );
        let ev = s.events_for_run(r).unwrap();
        let last = ev.last().unwrap();
        assert_eq!(last.new_status.as_deref(), Some("better"));
        assert_eq!(last.old_status.as_deref(), Some("good"));
        assert!(matches!(
            s.set_run_status_comment(r + 100, "x", None),
            Err(DbError::NoSuchRun(_))
        ));
    }

    #[test]
    fn live_count_ignores_deleted() {
        let (_d, s) = fresh();
        let r = s.register_run(&[("OS", "linux")], "r1", "me").unwrap();
        let a = s.register_test(r, "a", "").unwrap();
        s.register_test(r, "b", "").unwrap();
        assert_eq!(s.live_test_count(r).unwrap(), 2);
        s.delete_test_records(a, "test").unwrap();
        assert_eq!(s.live_test_count(r).unwrap(), 1);
    }
}
