//! Maintenance queries: the `-cleanup-db` / `-rebuild-db` dejunk (§5.4 of
//! runner-and-lifecycle.md) with VACUUM, the archive bookkeeping of `-archive` (§6.5) in the
//! original's `archive_disks`, `archive_blocks` and `archives` tables plus `tests.archived`,
//! and the `envdat.db` file of `-envcap` / `-envdelta` (§5.3, §6.11).
//!
//! How archives are recorded (the original never filled `archives`; we do):
//! - `archive_disks`: one row per (area name, archive disk path), `last_df` in KB.
//! - `archive_blocks`: one row per block directory `<disk>/<YYYY>_q<Q>/<area>_<md5-5>`.
//! - `archives`: one row per archive of one test: `archive_type` is `tar-zstd`, `tar-gzip`
//!   or `bup`; `archive_path` is the tar file (for bup `<block>::<bup path>`); `du` the size
//!   of the run directory in KB; `state` the archive's life (`saved`, `removed`,
//!   `kept-html`, `restored`); `status` holds the **test's state when it was archived**, so
//!   that a restore can put the record back as it was (the original always wrote
//!   `COMPLETED`).
//! - `tests.archived` = the `archive_blocks` id, as in the original (0 = never archived).
//!   It is kept after a restore because the archive still exists and can be restored again.
//!
//! The envdat helpers are associated functions on [`Store`] (they work on a separate file,
//! not on `megatest.db`) so that the crate's public surface needs no new re-export.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{DbError, Result};
use crate::rows::{int, text};
use crate::schema::megatest_version;
use crate::store::{now_secs, sql_error, Store};

/// What the dejunk of `-cleanup-db` removed, per rule of §5.4.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DejunkCounts {
    /// Test records of runs in state `deleted`.
    pub tests_of_deleted_runs: usize,
    /// Test records in state `DELETED`.
    pub deleted_tests: usize,
    /// Test records whose run does not exist.
    pub orphan_tests: usize,
    /// Runs in state `deleted`.
    pub deleted_runs: usize,
    /// Runs with no test records left.
    pub empty_runs: usize,
    /// Steps, test data, heartbeat rows, archive rows and run statistics left without
    /// their test or run.
    pub orphan_rows: usize,
}

impl DejunkCounts {
    /// All removed records.
    #[must_use]
    pub fn total(&self) -> usize {
        self.tests_of_deleted_runs
            + self.deleted_tests
            + self.orphan_tests
            + self.deleted_runs
            + self.empty_runs
            + self.orphan_rows
    }
}

/// One row of `archives`: one archive of one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveRecord {
    pub id: i64,
    pub test_id: i64,
    /// `saved`, `removed`, `kept-html` or `restored`.
    pub state: String,
    /// The test's state when it was archived (stored in the `status` column).
    pub prior_state: String,
    /// `tar-zstd`, `tar-gzip` or `bup`.
    pub archive_type: String,
    /// Size of the archived run directory in KB.
    pub du: i64,
    pub archive_path: String,
}

fn archive_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ArchiveRecord> {
    Ok(ArchiveRecord {
        id: int(r, 0)?,
        test_id: int(r, 1)?,
        state: text(r, 2)?,
        prior_state: text(r, 3)?,
        archive_type: text(r, 4)?,
        du: int(r, 5)?,
        archive_path: text(r, 6)?,
    })
}

impl Store {
    /// `-cleanup-db` (and `-rebuild-db`, which is the same in 1.6506): delete tests of
    /// deleted runs, DELETED tests, tests without a run, deleted runs, runs without tests
    /// and rows left without their test or run; refresh `MEGATEST_VERSION`; then VACUUM.
    /// The `events` history is kept (it is append-only by design).
    ///
    /// # Errors
    /// SQLite failures.
    pub fn dejunk(&self) -> Result<DejunkCounts> {
        let counts = self.write("dejunk", |tx| {
            let mut c = DejunkCounts {
                tests_of_deleted_runs: tx.execute(
                    "DELETE FROM tests WHERE run_id IN (SELECT id FROM runs WHERE state='deleted')",
                    [],
                )?,
                ..DejunkCounts::default()
            };
            c.deleted_tests = tx.execute("DELETE FROM tests WHERE state='DELETED'", [])?;
            c.orphan_tests = tx.execute(
                "DELETE FROM tests WHERE run_id NOT IN (SELECT id FROM runs)",
                [],
            )?;
            c.deleted_runs = tx.execute("DELETE FROM runs WHERE state='deleted'", [])?;
            c.empty_runs = tx.execute(
                "DELETE FROM runs WHERE id NOT IN (SELECT DISTINCT run_id FROM tests)",
                [],
            )?;
            for sql in [
                "DELETE FROM test_steps WHERE test_id NOT IN (SELECT id FROM tests)",
                "DELETE FROM test_data WHERE test_id NOT IN (SELECT id FROM tests)",
                "DELETE FROM test_rundat WHERE test_id NOT IN (SELECT id FROM tests)",
                "DELETE FROM archives WHERE test_id NOT IN (SELECT id FROM tests)",
                "DELETE FROM run_stats WHERE run_id NOT IN (SELECT id FROM runs)",
            ] {
                c.orphan_rows += tx.execute(sql, [])?;
            }
            tx.execute(
                "INSERT OR REPLACE INTO metadat (var, val) VALUES ('MEGATEST_VERSION', ?1)",
                [megatest_version()],
            )?;
            Ok(c)
        })?;
        // VACUUM cannot run inside a transaction.
        self.read("vacuum", |c| {
            c.execute_batch("VACUUM")?;
            Ok(())
        })?;
        Ok(counts)
    }

    /// Register (or refresh) an archive disk and a block directory on it; returns the
    /// `archive_blocks` id.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn register_archive_block(
        &self,
        area_name: &str,
        disk_path: &str,
        last_df_kb: i64,
        block_path: &str,
    ) -> Result<i64> {
        self.write("register archive block", |tx| {
            let disk_id: Option<i64> = tx
                .query_row(
                    "SELECT id FROM archive_disks WHERE archive_area_name=?1 AND disk_path=?2
                     ORDER BY id LIMIT 1",
                    params![area_name, disk_path],
                    |r| r.get(0),
                )
                .optional()?;
            let disk_id = if let Some(id) = disk_id {
                tx.execute(
                    "UPDATE archive_disks SET last_df=?2, last_df_time=?3 WHERE id=?1",
                    params![id, last_df_kb, now_secs()],
                )?;
                id
            } else {
                tx.execute(
                    "INSERT INTO archive_disks (archive_area_name, disk_path, last_df, last_df_time)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![area_name, disk_path, last_df_kb, now_secs()],
                )?;
                tx.last_insert_rowid()
            };
            let block: Option<i64> = tx
                .query_row(
                    "SELECT id FROM archive_blocks WHERE disk_path=?1 ORDER BY id LIMIT 1",
                    [block_path],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(if let Some(id) = block {
                id
            } else {
                tx.execute(
                    "INSERT INTO archive_blocks (archive_disk_id, disk_path) VALUES (?1, ?2)",
                    params![disk_id, block_path],
                )?;
                tx.last_insert_rowid()
            })
        })
    }

    /// The directory of an archive block.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn archive_block_path(&self, block_id: i64) -> Result<Option<String>> {
        self.read("read archive block", |c| {
            Ok(c.query_row(
                "SELECT disk_path FROM archive_blocks WHERE id=?1",
                [block_id],
                |r| text(r, 0),
            )
            .optional()?)
        })
    }

    /// Record one archive of a test (archive state `saved`, `status` = the test's state
    /// `prior_state`) and point `tests.archived` at its block; returns the `archives` id.
    ///
    /// # Errors
    /// [`DbError::NoSuchTest`]; SQLite failures.
    pub fn record_archive(
        &self,
        test_id: i64,
        block_id: i64,
        archive_type: &str,
        du_kb: i64,
        archive_path: &str,
        prior_state: &str,
    ) -> Result<i64> {
        self.write("record archive", |tx| {
            let n = tx.execute(
                "UPDATE tests SET archived=?2 WHERE id=?1",
                params![test_id, block_id],
            )?;
            if n == 0 {
                return Err(DbError::NoSuchTest(test_id).into());
            }
            tx.execute(
                "INSERT INTO archives (test_id, state, status, archive_type, du, archive_path)
                 VALUES (?1, 'saved', ?2, ?3, ?4, ?5)",
                params![test_id, prior_state, archive_type, du_kb, archive_path],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// The newest archive of a test, if any.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn latest_archive(&self, test_id: i64) -> Result<Option<ArchiveRecord>> {
        self.read("read archive", |c| {
            Ok(c.query_row(
                "SELECT id, test_id, state, status, archive_type, du, archive_path FROM archives
                 WHERE test_id=?1 ORDER BY id DESC LIMIT 1",
                [test_id],
                archive_from_row,
            )
            .optional()?)
        })
    }

    /// Every archive of a test, oldest first.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn archives_of_test(&self, test_id: i64) -> Result<Vec<ArchiveRecord>> {
        self.read("read archives", |c| {
            let mut st = c.prepare(
                "SELECT id, test_id, state, status, archive_type, du, archive_path FROM archives
                 WHERE test_id=?1 ORDER BY id",
            )?;
            let rows = st.query_map([test_id], archive_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Change the life state of an archive (`removed`, `restored`, ...).
    ///
    /// # Errors
    /// SQLite failures.
    pub fn set_archive_state(&self, archive_id: i64, state: &str) -> Result<()> {
        self.write("set archive state", |tx| {
            tx.execute(
                "UPDATE archives SET state=?2 WHERE id=?1",
                params![archive_id, state],
            )?;
            Ok(())
        })
    }

    /// `-envcap CTX [DB]`: replace context `ctx` of the envdat file with `vars`
    /// (creating the file and its `envvars` table when missing). Returns the number of
    /// variables stored.
    ///
    /// # Errors
    /// SQLite failures, naming the file.
    pub fn envcap(dbfile: &Path, ctx: &str, vars: &[(String, String)]) -> Result<usize> {
        let mut conn = envdat_connect(dbfile, true)?;
        let run = |conn: &mut Connection| -> rusqlite::Result<usize> {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute("DELETE FROM envvars WHERE context=?1", [ctx])?;
            {
                let mut st = tx.prepare(
                    "INSERT OR REPLACE INTO envvars (context, var, val) VALUES (?1, ?2, ?3)",
                )?;
                for (k, v) in vars {
                    st.execute(params![ctx, k, v])?;
                }
            }
            tx.commit()?;
            Ok(vars.len())
        };
        run(&mut conn).map_err(|e| sql_error(dbfile, "capture environment", e))
    }

    /// The variables of one context of an envdat file; `None` when the context has no
    /// variables stored.
    ///
    /// # Errors
    /// [`DbError::Missing`] when the file does not exist; SQLite failures.
    pub fn env_context(dbfile: &Path, ctx: &str) -> Result<Option<BTreeMap<String, String>>> {
        let conn = envdat_connect(dbfile, false)?;
        let read = || -> rusqlite::Result<BTreeMap<String, String>> {
            let mut st = conn.prepare("SELECT var, val FROM envvars WHERE context=?1")?;
            let rows = st.query_map([ctx], |r| Ok((text(r, 0)?, text(r, 1)?)))?;
            rows.collect()
        };
        let vars = read().map_err(|e| sql_error(dbfile, "read environment context", e))?;
        Ok((!vars.is_empty()).then_some(vars))
    }

    /// The context names stored in an envdat file, sorted.
    ///
    /// # Errors
    /// [`DbError::Missing`] when the file does not exist; SQLite failures.
    pub fn env_contexts(dbfile: &Path) -> Result<Vec<String>> {
        let conn = envdat_connect(dbfile, false)?;
        let read = || -> rusqlite::Result<Vec<String>> {
            let mut st = conn.prepare("SELECT DISTINCT context FROM envvars ORDER BY context")?;
            let rows = st.query_map([], |r| text(r, 0))?;
            rows.collect()
        };
        read().map_err(|e| sql_error(dbfile, "list environment contexts", e))
    }
}

/// Open an envdat file; `create` makes the file and table when missing.
fn envdat_connect(dbfile: &Path, create: bool) -> Result<Connection> {
    if !create && !dbfile.is_file() {
        return Err(DbError::Missing {
            path: dbfile.to_path_buf(),
        });
    }
    let conn = Connection::open(dbfile).map_err(|e| sql_error(dbfile, "open", e))?;
    conn.busy_timeout(std::time::Duration::from_secs(60))
        .map_err(|e| sql_error(dbfile, "set busy timeout", e))?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS envvars (id INTEGER PRIMARY KEY, context TEXT NOT NULL,
            var TEXT NOT NULL, val TEXT NOT NULL, CONSTRAINT envvars_constraint UNIQUE (context, var));",
    )
    .map_err(|e| sql_error(dbfile, "create envvars table", e))?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StatusUpdate;

    fn store(dir: &Path) -> Store {
        Store::open(
            dir.join("megatest.db"),
            &[("OS", "TEXT"), ("RELEASE", "TEXT")],
        )
        .unwrap()
    }

    fn n(s: &Store, sql: &str) -> i64 {
        s.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn dejunk_removes_each_kind_of_junk() {
        let tmp = tempfile::tempdir().unwrap();
        let s = store(tmp.path());
        let kv = [("OS", "linux"), ("RELEASE", "1.0")];
        let live = s.register_run(&kv, "live", "me").unwrap();
        let gone = s.register_run(&kv, "gone", "me").unwrap();
        let _empty = s.register_run(&kv, "empty", "me").unwrap();
        let keep = s.register_test(live, "a", "").unwrap();
        let dead = s.register_test(live, "b", "").unwrap();
        s.record_step(dead, "st", "start", "n/a", "", "").unwrap();
        s.register_test(gone, "a", "").unwrap();
        s.set_state_status_batch(
            &[StatusUpdate {
                test_id: dead,
                state: Some("DELETED"),
                ..StatusUpdate::default()
            }],
            "test",
        )
        .unwrap();
        s.conn()
            .execute("UPDATE runs SET state='deleted' WHERE id=?1", [gone])
            .unwrap();
        s.conn()
            .execute(
                "INSERT INTO tests (run_id, testname) VALUES (999, 'orphan')",
                [],
            )
            .unwrap();
        let c = s.dejunk().unwrap();
        let want = DejunkCounts {
            tests_of_deleted_runs: 1,
            deleted_tests: 1,
            orphan_tests: 1,
            deleted_runs: 1,
            empty_runs: 1,
            orphan_rows: 1,
        };
        assert_eq!(c, want);
        assert_eq!(c.total(), 6);
        assert_eq!(n(&s, "SELECT count(*) FROM tests"), 1);
        assert_eq!(n(&s, "SELECT id FROM tests"), keep);
        assert_eq!(n(&s, "SELECT count(*) FROM runs"), 1);
        // A second pass finds nothing.
        assert_eq!(s.dejunk().unwrap().total(), 0);
    }

    #[test]
    fn archive_bookkeeping_round_trip() {
        let tmp = tempfile::tempdir().unwrap();
        let s = store(tmp.path());
        let run = s
            .register_run(&[("OS", "linux"), ("RELEASE", "1.0")], "r", "me")
            .unwrap();
        let t = s.register_test(run, "a", "").unwrap();
        let b1 = s
            .register_archive_block("area", "/arch", 100, "/arch/2024_q1/area_abcde")
            .unwrap();
        let b2 = s
            .register_archive_block("area", "/arch", 90, "/arch/2024_q1/area_abcde")
            .unwrap();
        assert_eq!(b1, b2, "the same block directory is one block");
        let b3 = s
            .register_archive_block("area", "/arch", 90, "/arch/2024_q2/area_abcde")
            .unwrap();
        assert_ne!(b1, b3);
        assert_eq!(n(&s, "SELECT count(*) FROM archive_disks"), 1);
        assert_eq!(n(&s, "SELECT last_df FROM archive_disks"), 90);
        assert_eq!(
            s.archive_block_path(b3).unwrap().as_deref(),
            Some("/arch/2024_q2/area_abcde")
        );
        assert!(s.latest_archive(t).unwrap().is_none());
        let id = s
            .record_archive(t, b3, "tar-gzip", 12, "/arch/x.tar.gz", "COMPLETED")
            .unwrap();
        assert_eq!(s.get_test(t).unwrap().unwrap().archived, b3);
        s.set_archive_state(id, "restored").unwrap();
        let rec = s.latest_archive(t).unwrap().unwrap();
        assert_eq!(
            (
                rec.state.as_str(),
                rec.prior_state.as_str(),
                rec.du,
                rec.archive_type.as_str()
            ),
            ("restored", "COMPLETED", 12, "tar-gzip")
        );
        assert_eq!(s.archives_of_test(t).unwrap().len(), 1);
        let err = s.record_archive(4242, b3, "tar-gzip", 0, "", "");
        assert!(matches!(err, Err(DbError::NoSuchTest(4242))));
    }

    #[test]
    fn envdat_capture_replaces_a_context() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("envdat.db");
        assert!(matches!(
            Store::env_context(&f, "a"),
            Err(DbError::Missing { .. })
        ));
        let v = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect()
        };
        assert_eq!(
            Store::envcap(&f, "a", &v(&[("X", "1"), ("Y", "2")])).unwrap(),
            2
        );
        assert_eq!(Store::envcap(&f, "a", &v(&[("X", "3")])).unwrap(), 1);
        Store::envcap(&f, "b", &v(&[("Z", "")])).unwrap();
        let a = Store::env_context(&f, "a").unwrap().unwrap();
        assert_eq!(a.into_iter().collect::<Vec<_>>(), v(&[("X", "3")]));
        assert_eq!(Store::env_contexts(&f).unwrap(), ["a", "b"]);
        assert!(Store::env_context(&f, "nope").unwrap().is_none());
    }
}
