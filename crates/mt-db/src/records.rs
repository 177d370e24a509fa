//! Test and item records: registration, lookup, selection for a run, run-time info,
//! heartbeats, comments, removal, the running count, run statistics and test_meta.
//! State/status writes with the roll-up live in `status.rs`.

use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

use crate::error::{DbError, Result, TxResult};
use crate::events::{self, NewEvent};
use crate::patterns::testpatt_sql;
use crate::rows::{int, text, RunStat, TestMeta, TestRow, TEST_COLUMNS};
use crate::store::{now_secs, Store};

/// Which tests of a run to return (db:get-tests-for-run, §5.4). `DELETED` records are
/// always excluded.
#[derive(Debug, Clone, Default)]
pub struct TestFilter {
    /// `state IN (...)` when non-empty (`NOT IN` with `not_in`).
    pub states: Vec<String>,
    /// `status IN (...)` when non-empty (`NOT IN` with `not_in`); ANDed with the states.
    pub statuses: Vec<String>,
    pub not_in: bool,
    /// A `-testpatt` comma list with the SQL semantics of config-and-area.md §4.2.
    pub testpatt: Option<String>,
    pub sort: TestSort,
}

/// Order of [`Store::tests_for_run`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TestSort {
    /// testname, then item_path (the `-list-runs` order).
    #[default]
    NameItem,
    /// event_time ascending (`-set-state-status`).
    EventTime,
    /// Deepest rundir first (`-remove-runs`).
    RundirLengthDesc,
}

/// What the runner learns when a test starts (`update_test_run_info`); `None` = keep.
#[derive(Debug, Clone, Default)]
pub struct RunInfo<'a> {
    pub host: Option<&'a str>,
    pub uname: Option<&'a str>,
    pub rundir: Option<&'a str>,
    pub shortdir: Option<&'a str>,
    /// Stored in `attemptnum` (the original overloads it with the pid).
    pub pid: Option<i64>,
    pub final_logf: Option<&'a str>,
}

/// Write the given run-info fields of one record; [`DbError::NoSuchTest`] if it is not there.
pub(crate) fn update_run_info_c(c: &Connection, test_id: i64, info: &RunInfo<'_>) -> TxResult<()> {
    let n = c
        .prepare_cached(
            "UPDATE tests SET host=coalesce(?2, host), uname=coalesce(?3, uname),
                rundir=coalesce(?4, rundir), shortdir=coalesce(?5, shortdir),
                attemptnum=coalesce(?6, attemptnum), final_logf=coalesce(?7, final_logf)
             WHERE id=?1",
        )?
        .execute(params![
            test_id,
            info.host,
            info.uname,
            info.rundir,
            info.shortdir,
            info.pid,
            info.final_logf
        ])?;
    if n == 0 {
        return Err(DbError::NoSuchTest(test_id).into());
    }
    Ok(())
}

impl<'a> RunInfo<'a> {
    /// Take the values `later` sets over these.
    pub(crate) fn merge(&mut self, later: &RunInfo<'a>) {
        self.host = later.host.or(self.host);
        self.uname = later.uname.or(self.uname);
        self.rundir = later.rundir.or(self.rundir);
        self.shortdir = later.shortdir.or(self.shortdir);
        self.pid = later.pid.or(self.pid);
        self.final_logf = later.final_logf.or(self.final_logf);
    }
}

/// The few fields needed to write events for many records at once.
pub(crate) struct Brief {
    pub id: i64,
    pub testname: String,
    pub item_path: String,
    pub state: String,
    pub status: String,
}

pub(crate) fn live_tests_brief(c: &Connection, run_id: i64) -> rusqlite::Result<Vec<Brief>> {
    let mut st = c.prepare_cached(
        "SELECT id, testname, item_path, state, status FROM tests
         WHERE run_id=?1 AND state != 'DELETED' ORDER BY id",
    )?;
    let rows = st.query_map([run_id], |r| {
        Ok(Brief {
            id: int(r, 0)?,
            testname: text(r, 1)?,
            item_path: text(r, 2)?,
            state: text(r, 3)?,
            status: text(r, 4)?,
        })
    })?;
    rows.collect()
}

pub(crate) fn get_test_c(c: &Connection, test_id: i64) -> rusqlite::Result<Option<TestRow>> {
    let mut st = c.prepare_cached(&format!("SELECT {TEST_COLUMNS} FROM tests WHERE id=?1"))?;
    st.query_row([test_id], TestRow::from_row).optional()
}

pub(crate) fn find_test_c(
    c: &Connection,
    run_id: i64,
    testname: &str,
    item_path: &str,
) -> rusqlite::Result<Option<TestRow>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {TEST_COLUMNS} FROM tests WHERE run_id=?1 AND testname=?2 AND item_path=?3"
    ))?;
    st.query_row(params![run_id, testname, item_path], TestRow::from_row)
        .optional()
}

/// Insert-or-ignore one record; returns (id, inserted).
pub(crate) fn register_c(
    c: &Connection,
    run_id: i64,
    testname: &str,
    item_path: &str,
) -> rusqlite::Result<(i64, bool)> {
    let inserted = c
        .prepare_cached(
            "INSERT OR IGNORE INTO tests (run_id, testname, event_time, item_path, state, status)
             VALUES (?1, ?2, ?3, ?4, 'NOT_STARTED', 'n/a')",
        )?
        .execute(params![run_id, testname, now_secs(), item_path])?;
    let id: i64 = c
        .prepare_cached("SELECT id FROM tests WHERE run_id=?1 AND testname=?2 AND item_path=?3")?
        .query_row(params![run_id, testname, item_path], |r| r.get(0))?;
    Ok((id, inserted == 1))
}

impl Store {
    /// register-test: insert-or-ignore a `NOT_STARTED/n/a` record; returns its id. A new
    /// record gets a creation event (old state NULL).
    ///
    /// # Errors
    /// SQLite failures.
    pub fn register_test(&self, run_id: i64, testname: &str, item_path: &str) -> Result<i64> {
        Ok(self.register_tests(run_id, &[(testname, item_path)])?[0])
    }

    /// Register many records in one transaction (a runner expanding items registers
    /// thousands at once); ids in input order.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn register_tests(&self, run_id: i64, tests: &[(&str, &str)]) -> Result<Vec<i64>> {
        self.write("register tests", |tx| {
            let mut ids = Vec::with_capacity(tests.len());
            for (name, item) in tests {
                let (id, inserted) = register_c(tx, run_id, name, item)?;
                if inserted {
                    events::append(
                        tx,
                        &self.ident,
                        &self.source,
                        &NewEvent {
                            run_id: Some(run_id),
                            test_id: Some(id),
                            testname: Some(name),
                            item_path: Some(item),
                            new_state: Some(mt_model::State::NOT_STARTED),
                            new_status: Some(mt_model::Status::NA),
                            comment: Some("registered"),
                            ..NewEvent::default()
                        },
                    )?;
                }
                ids.push(id);
            }
            Ok(ids)
        })
    }

    /// The record with this id (deleted ones included).
    ///
    /// # Errors
    /// SQLite failures.
    pub fn get_test(&self, test_id: i64) -> Result<Option<TestRow>> {
        self.read("get test", |c| Ok(get_test_c(c, test_id)?))
    }

    /// test lookup by (run, testname, item_path); `item_path` `""` is the toplevel.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn find_test(
        &self,
        run_id: i64,
        testname: &str,
        item_path: &str,
    ) -> Result<Option<TestRow>> {
        self.read("find test", |c| {
            Ok(find_test_c(c, run_id, testname, item_path)?)
        })
    }

    /// The run's records selected by `filter` (db:get-tests-for-run).
    ///
    /// # Errors
    /// SQLite failures.
    pub fn tests_for_run(&self, run_id: i64, filter: &TestFilter) -> Result<Vec<TestRow>> {
        let mut sql =
            format!("SELECT {TEST_COLUMNS} FROM tests WHERE run_id=? AND state != 'DELETED'");
        let mut args: Vec<rusqlite::types::Value> = vec![run_id.into()];
        let inop = if filter.not_in { "NOT IN" } else { "IN" };
        for (col, list) in [("state", &filter.states), ("status", &filter.statuses)] {
            if !list.is_empty() {
                let marks = vec!["?"; list.len()].join(",");
                sql.push_str(&format!(" AND {col} {inop} ({marks})"));
                args.extend(list.iter().map(|s| s.clone().into()));
            }
        }
        if let Some(tp) = &filter.testpatt {
            let (cond, p) = testpatt_sql(tp);
            sql.push_str(&format!(" AND ({cond})"));
            args.extend(p.into_iter().map(Into::into));
        }
        sql.push_str(match filter.sort {
            TestSort::NameItem => " ORDER BY testname ASC, item_path ASC",
            TestSort::EventTime => " ORDER BY event_time ASC, id ASC",
            TestSort::RundirLengthDesc => " ORDER BY length(rundir) DESC, id ASC",
        });
        self.read("tests for run", |c| {
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(params_from_iter(&args), TestRow::from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn update_one(
        &self,
        op: &'static str,
        test_id: i64,
        sql: &str,
        args: &[rusqlite::types::Value],
    ) -> Result<()> {
        self.write(op, |tx| {
            let n = tx.execute(sql, params_from_iter(args))?;
            if n == 0 {
                return Err(DbError::NoSuchTest(test_id).into());
            }
            Ok(())
        })
    }

    /// Record where and how a test runs; only the given fields change.
    ///
    /// # Errors
    /// [`DbError::NoSuchTest`]; SQLite failures.
    pub fn update_test_run_info(&self, test_id: i64, info: &RunInfo<'_>) -> Result<()> {
        self.write("update test run info", |tx| {
            update_run_info_c(tx, test_id, info)?;
            Ok(())
        })
    }

    /// Set `tests.run_duration` (seconds).
    ///
    /// # Errors
    /// [`DbError::NoSuchTest`]; SQLite failures.
    pub fn set_run_duration(&self, test_id: i64, seconds: i64) -> Result<()> {
        self.update_one(
            "set run duration",
            test_id,
            "UPDATE tests SET run_duration=?2 WHERE id=?1",
            &[test_id.into(), seconds.into()],
        )
    }

    /// Set `tests.comment` (no event: comments are not state changes).
    ///
    /// # Errors
    /// [`DbError::NoSuchTest`]; SQLite failures.
    pub fn set_comment(&self, test_id: i64, comment: &str) -> Result<()> {
        self.update_one(
            "set comment",
            test_id,
            "UPDATE tests SET comment=?2 WHERE id=?1",
            &[test_id.into(), comment.to_string().into()],
        )
    }

    /// A heartbeat of a running test: a `test_rundat` row, and the record's cpuload,
    /// diskfree and run_duration (its `last_update` moves with it, which is what dead-test
    /// detection reads).
    ///
    /// # Errors
    /// [`DbError::NoSuchTest`]; SQLite failures.
    pub fn heartbeat(
        &self,
        test_id: i64,
        cpuload: f64,
        diskfree: i64,
        run_duration: i64,
    ) -> Result<()> {
        self.write("heartbeat", |tx| {
            let now = now_secs();
            let n = tx.execute(
                "UPDATE tests SET cpuload=?2, diskfree=?3, run_duration=?4, last_update=?5
                 WHERE id=?1",
                params![test_id, cpuload, diskfree, run_duration, now],
            )?;
            if n == 0 {
                return Err(DbError::NoSuchTest(test_id).into());
            }
            tx.execute(
                "INSERT INTO test_rundat (test_id, update_time, cpuload, diskfree, run_duration)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![test_id, now, cpuload, diskfree, run_duration],
            )?;
            Ok(())
        })
    }

    /// delete-test-records (§5.4): steps and data marked `DELETED`, the record set
    /// `DELETED/n/a` with its comment cleared; an event with `source`.
    ///
    /// # Errors
    /// [`DbError::NoSuchTest`]; SQLite failures.
    pub fn delete_test_records(&self, test_id: i64, source: &str) -> Result<()> {
        self.write("delete test records", |tx| {
            let t = get_test_c(tx, test_id)?.ok_or(DbError::NoSuchTest(test_id))?;
            tx.execute(
                "UPDATE test_steps SET status='DELETED' WHERE test_id=?1",
                [test_id],
            )?;
            tx.execute(
                "UPDATE test_data SET status='DELETED' WHERE test_id=?1",
                [test_id],
            )?;
            tx.execute(
                "UPDATE tests SET state='DELETED', status='n/a', comment='' WHERE id=?1",
                [test_id],
            )?;
            events::append(
                tx,
                &self.ident,
                source,
                &NewEvent {
                    run_id: Some(t.run_id),
                    test_id: Some(test_id),
                    testname: Some(&t.testname),
                    item_path: Some(&t.item_path),
                    old_state: Some(&t.state),
                    new_state: Some(mt_model::State::DELETED),
                    old_status: Some(&t.status),
                    new_status: Some("n/a"),
                    comment: Some("records deleted"),
                },
            )?;
            Ok(())
        })
    }

    /// Physically delete `DELETED` records (and their steps and data) whose event_time is
    /// older than `max_age_secs` (the 30-day purge after a run removal). Returns the count.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn purge_deleted(&self, max_age_secs: i64) -> Result<usize> {
        self.write("purge deleted tests", |tx| {
            let cutoff = now_secs() - max_age_secs;
            let sel = "SELECT id FROM tests WHERE state='DELETED' AND event_time < ?1";
            tx.execute(
                &format!("DELETE FROM test_steps WHERE test_id IN ({sel})"),
                [cutoff],
            )?;
            tx.execute(
                &format!("DELETE FROM test_data WHERE test_id IN ({sel})"),
                [cutoff],
            )?;
            Ok(tx.execute(
                "DELETE FROM tests WHERE state='DELETED' AND event_time < ?1",
                [cutoff],
            )?)
        })
    }

    /// Tests in RUNNING/LAUNCHED/REMOTEHOSTSTART, toplevel placeholders excluded (§5.4);
    /// area-wide or for one run.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn running_count(&self, run_id: Option<i64>) -> Result<i64> {
        self.read("running count", |c| {
            let base = "SELECT count(*) FROM tests
                WHERE state IN ('RUNNING','LAUNCHED','REMOTEHOSTSTART')
                  AND NOT (uname='n/a' AND item_path='')";
            Ok(match run_id {
                Some(id) => c.query_row(&format!("{base} AND run_id=?1"), [id], |r| r.get(0))?,
                None => c.query_row(base, [], |r| r.get(0))?,
            })
        })
    }

    /// Refresh `run_stats` for a run: per (state, status) counts of its records, toplevel
    /// placeholders excluded. Unlike the original (a quirk), combinations that no longer
    /// occur are removed, so the table never shows tests that are gone.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn update_run_stats(&self, run_id: i64) -> Result<Vec<RunStat>> {
        self.write("update run stats", |tx| {
            let stats = {
                let mut st = tx.prepare_cached(
                    "SELECT state, status, count(*) FROM tests
                     WHERE run_id=?1 AND NOT (uname='n/a' AND item_path='')
                     GROUP BY state, status ORDER BY state, status",
                )?;
                let rows = st.query_map([run_id], |r| {
                    Ok(RunStat {
                        state: text(r, 0)?,
                        status: text(r, 1)?,
                        count: int(r, 2)?,
                    })
                })?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            };
            tx.execute("DELETE FROM run_stats WHERE run_id=?1", [run_id])?;
            for s in &stats {
                tx.execute(
                    "INSERT INTO run_stats (run_id, state, status, count, last_update)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![run_id, s.state, s.status, s.count, now_secs()],
                )?;
            }
            Ok(stats)
        })
    }

    /// The stored `run_stats` of a run.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn run_stats(&self, run_id: i64) -> Result<Vec<RunStat>> {
        self.read("read run stats", |c| {
            let mut st = c.prepare_cached(
                "SELECT state, status, count FROM run_stats WHERE run_id=?1 ORDER BY state, status",
            )?;
            let rows = st.query_map([run_id], |r| {
                Ok(RunStat {
                    state: text(r, 0)?,
                    status: text(r, 1)?,
                    count: int(r, 2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Insert or update the `test_meta` row of a test.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn upsert_test_meta(&self, meta: &TestMeta) -> Result<()> {
        self.upsert_test_metas(std::slice::from_ref(meta))
    }

    /// [`Store::upsert_test_meta`] for many tests in one transaction (a run start with
    /// thousands of tests would otherwise pay one transaction each).
    ///
    /// # Errors
    /// SQLite failures.
    pub fn upsert_test_metas(&self, metas: &[TestMeta]) -> Result<()> {
        self.write("upsert test_meta", |tx| {
            let mut st = tx.prepare_cached(
                "INSERT INTO test_meta (testname, author, owner, description, tags, jobgroup)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(testname) DO UPDATE SET author=excluded.author,
                   owner=excluded.owner, description=excluded.description,
                   tags=excluded.tags, jobgroup=excluded.jobgroup",
            )?;
            for meta in metas {
                let jobgroup = if meta.jobgroup.is_empty() {
                    "default"
                } else {
                    &meta.jobgroup
                };
                st.execute(params![
                    meta.testname,
                    meta.author,
                    meta.owner,
                    meta.description,
                    meta.tags,
                    jobgroup
                ])?;
            }
            Ok(())
        })
    }

    /// The `test_meta` row of a test.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn get_test_meta(&self, testname: &str) -> Result<Option<TestMeta>> {
        self.read("read test_meta", |c| {
            Ok(c.query_row(
                "SELECT testname, author, owner, description, tags, jobgroup FROM test_meta
                 WHERE testname=?1",
                [testname],
                |r| {
                    Ok(TestMeta {
                        testname: text(r, 0)?,
                        author: text(r, 1)?,
                        owner: text(r, 2)?,
                        description: text(r, 3)?,
                        tags: text(r, 4)?,
                        jobgroup: text(r, 5)?,
                    })
                },
            )
            .optional()?)
        })
    }

    /// The previous instance of a test for waivers (§6.2): the same test name and item
    /// path in the most recent other, not deleted run with the same key values.
    ///
    /// # Errors
    /// [`DbError::NoSuchRun`]; SQLite failures.
    pub fn previous_instance(
        &self,
        run_id: i64,
        testname: &str,
        item_path: &str,
    ) -> Result<Option<TestRow>> {
        let keys = self.run_keys(run_id)?;
        let key_cond: String = self
            .keys
            .iter()
            .map(|k| format!(" AND r.{}=?", crate::keys::quote_ident(&k.name)))
            .collect();
        let cols: String = TEST_COLUMNS
            .split(", ")
            .map(|c| format!("t.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {cols} FROM tests t JOIN runs r ON r.id=t.run_id
             WHERE r.id != ? AND r.state != 'deleted' AND t.testname=? AND t.item_path=?
               AND t.state != 'DELETED'{key_cond}
             ORDER BY r.event_time DESC, r.id DESC LIMIT 1"
        );
        let mut args: Vec<rusqlite::types::Value> = vec![
            run_id.into(),
            testname.to_string().into(),
            item_path.to_string().into(),
        ];
        for k in &self.keys {
            args.push(keys.get(&k.name).cloned().unwrap_or_default().into());
        }
        self.read("previous instance", |c| {
            Ok(
                c.query_row(&sql, params_from_iter(&args), TestRow::from_row)
                    .optional()?,
            )
        })
    }
}

/// Shared by status writes: the record or a typed error.
pub(crate) fn require_test(c: &Connection, test_id: i64) -> TxResult<TestRow> {
    Ok(get_test_c(c, test_id)?.ok_or(DbError::NoSuchTest(test_id))?)
}
