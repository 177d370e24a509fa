//! Run records: registration (with revival of deleted runs), lookup, listing with the
//! run-name and target selectors, run state/status, lock/unlock, rename and deletion.
//! Every run-level state or status change is also an event (with `test_id` NULL).

use indexmap::IndexMap;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};

use crate::error::{DbError, Result, TxResult};
use crate::events::{self, NewEvent};
use crate::keys::{quote_ident, Key};
use crate::patterns::{match_clause, target_sql};
use crate::rows::{int, text, RunRow};
use crate::store::{now_secs, Store};

/// Run state set by `-lock`.
pub const RUN_LOCKED: &str = "locked";
/// Run state set by `-unlock`.
pub const RUN_UNLOCKED: &str = "unlocked";
/// Run state of a run whose tests were all removed.
pub const RUN_DELETED: &str = "deleted";
/// Run state at registration.
pub const RUN_NEW: &str = "new";

pub(crate) fn run_select(keys: &[Key]) -> String {
    let key_cols: String = keys
        .iter()
        .map(|k| format!("runs.{}, ", quote_ident(&k.name)))
        .collect();
    format!(
        "SELECT runs.id, {key_cols}runs.runname, runs.contour, runs.state, runs.status, runs.owner,
                runs.event_time, runs.comment, runs.fail_count, runs.pass_count, runs.last_update
         FROM runs"
    )
}

pub(crate) fn run_from_row(keys: &[Key], r: &Row<'_>) -> rusqlite::Result<RunRow> {
    let mut kv = IndexMap::new();
    for (i, k) in keys.iter().enumerate() {
        kv.insert(k.name.clone(), text(r, i + 1)?);
    }
    let b = keys.len() + 1;
    Ok(RunRow {
        id: int(r, 0)?,
        keys: kv,
        runname: text(r, b)?,
        contour: text(r, b + 1)?,
        state: text(r, b + 2)?,
        status: text(r, b + 3)?,
        owner: text(r, b + 4)?,
        event_time: int(r, b + 5)?,
        comment: text(r, b + 6)?,
        fail_count: int(r, b + 7)?,
        pass_count: int(r, b + 8)?,
        last_update: int(r, b + 9)?,
    })
}

/// Write a run's state and/or status and record the event. Returns false if no such run.
fn change_run(
    store: &Store,
    tx: &Connection,
    run_id: i64,
    state: Option<&str>,
    status: Option<&str>,
    comment: Option<&str>,
) -> TxResult<()> {
    let old: Option<(String, String)> = tx
        .query_row(
            "SELECT state, status FROM runs WHERE id=?1",
            [run_id],
            |r| Ok((text(r, 0)?, text(r, 1)?)),
        )
        .optional()?;
    let Some((old_state, old_status)) = old else {
        return Err(DbError::NoSuchRun(run_id).into());
    };
    let new_state = state.unwrap_or(&old_state);
    let new_status = status.unwrap_or(&old_status);
    tx.execute(
        "UPDATE runs SET state=?2, status=?3, comment=coalesce(?4, comment) WHERE id=?1",
        params![run_id, new_state, new_status, comment],
    )?;
    events::append(
        tx,
        &store.ident,
        &store.source,
        &NewEvent {
            run_id: Some(run_id),
            old_state: Some(&old_state),
            new_state: Some(new_state),
            old_status: Some(&old_status),
            new_status: Some(new_status),
            comment,
            ..NewEvent::default()
        },
    )?;
    Ok(())
}

impl Store {
    /// Key values in the area's key order, from (name, value) pairs in any order.
    fn ordered_key_values(&self, keyvals: &[(&str, &str)]) -> Result<Vec<String>> {
        for (k, _) in keyvals {
            if !self.keys.iter().any(|key| key.name == *k) {
                return Err(DbError::UnknownKey {
                    key: (*k).to_string(),
                    known: self
                        .keys
                        .iter()
                        .map(|k| k.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
        self.keys
            .iter()
            .map(|key| {
                keyvals
                    .iter()
                    .find(|(k, _)| *k == key.name)
                    .map(|(_, v)| (*v).to_string())
                    .ok_or_else(|| DbError::MissingKeyValue {
                        key: key.name.clone(),
                    })
            })
            .collect()
    }

    fn key_where(&self) -> String {
        self.keys
            .iter()
            .map(|k| format!(" AND runs.{}=?", quote_ident(&k.name)))
            .collect()
    }

    fn find_run_tx(
        &self,
        c: &Connection,
        values: &[String],
        runname: &str,
    ) -> rusqlite::Result<Option<RunRow>> {
        let sql = format!(
            "{} WHERE runs.runname=?{}",
            run_select(&self.keys),
            self.key_where()
        );
        let mut st = c.prepare_cached(&sql)?;
        let args = std::iter::once(runname.to_string()).chain(values.iter().cloned());
        st.query_row(params_from_iter(args), |r| run_from_row(&self.keys, r))
            .optional()
    }

    /// Register a run (insert-or-ignore): a new run gets state `new`, status `n/a`; an
    /// existing run keeps its state, except a `deleted` one, which is revived to
    /// `new`/`n/a` with a fresh event_time (§2.8). Returns the run id.
    ///
    /// # Errors
    /// Unknown or missing key values; SQLite failures.
    pub fn register_run(
        &self,
        keyvals: &[(&str, &str)],
        runname: &str,
        owner: &str,
    ) -> Result<i64> {
        let values = self.ordered_key_values(keyvals)?;
        let cols: String = self
            .keys
            .iter()
            .map(|k| format!("{}, ", quote_ident(&k.name)))
            .collect();
        let marks = "?, ".repeat(self.keys.len());
        let insert = format!(
            "INSERT OR IGNORE INTO runs ({cols}runname, state, status, owner, event_time)
             VALUES ({marks}?, 'new', 'n/a', ?, ?)"
        );
        self.write("register run", |tx| {
            let args: Vec<rusqlite::types::Value> = values
                .iter()
                .map(|v| v.clone().into())
                .chain([
                    runname.to_string().into(),
                    owner.to_string().into(),
                    now_secs().into(),
                ])
                .collect();
            let inserted = tx.execute(&insert, params_from_iter(args))?;
            let run = self
                .find_run_tx(tx, &values, runname)?
                .ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            if inserted == 1 {
                events::append(
                    tx,
                    &self.ident,
                    &self.source,
                    &NewEvent {
                        run_id: Some(run.id),
                        new_state: Some(RUN_NEW),
                        new_status: Some("n/a"),
                        comment: Some("run registered"),
                        ..NewEvent::default()
                    },
                )?;
            } else if run.state == RUN_DELETED {
                change_run(
                    self,
                    tx,
                    run.id,
                    Some(RUN_NEW),
                    Some("n/a"),
                    Some("run revived"),
                )?;
                tx.execute(
                    "UPDATE runs SET event_time=?2, comment='' WHERE id=?1",
                    params![run.id, now_secs()],
                )?;
            }
            Ok(run.id)
        })
    }

    /// The run of this target and run name, if registered (deleted runs included).
    ///
    /// # Errors
    /// Unknown or missing key values; SQLite failures.
    pub fn find_run(&self, keyvals: &[(&str, &str)], runname: &str) -> Result<Option<RunRow>> {
        let values = self.ordered_key_values(keyvals)?;
        self.read("find run", |c| Ok(self.find_run_tx(c, &values, runname)?))
    }

    /// The run with this id.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn get_run(&self, run_id: i64) -> Result<Option<RunRow>> {
        let sql = format!("{} WHERE runs.id=?1", run_select(&self.keys));
        self.read("get run", |c| {
            Ok(c.query_row(&sql, [run_id], |r| run_from_row(&self.keys, r))
                .optional()?)
        })
    }

    /// Runs (not deleted) whose name matches `runname_pattern` and, when given, whose
    /// target matches `target_pattern`, oldest first (§1.5.1). Patterns use LIKE when
    /// they contain `%`, else GLOB; the target pattern has one `/`-separated part per key.
    ///
    /// # Errors
    /// [`DbError::BadTarget`]; SQLite failures.
    pub fn list_runs(
        &self,
        runname_pattern: &str,
        target_pattern: Option<&str>,
    ) -> Result<Vec<RunRow>> {
        let mut sql = format!(
            "{} WHERE runs.state != 'deleted' AND {}",
            run_select(&self.keys),
            match_clause("runs.runname", runname_pattern)
        );
        let mut args = vec![runname_pattern.to_string()];
        if let Some(tp) = target_pattern {
            let (cond, p) = target_sql(&self.keys, tp, "runs.")?;
            sql.push_str(" AND ");
            sql.push_str(&cond);
            args.extend(p);
        }
        sql.push_str(" ORDER BY runs.event_time ASC, runs.id ASC");
        self.read("list runs", |c| {
            let mut st = c.prepare(&sql)?;
            let rows = st.query_map(params_from_iter(&args), |r| run_from_row(&self.keys, r))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Distinct targets of the runs in the database (`-list-db-targets`), sorted.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn db_targets(&self) -> Result<Vec<String>> {
        let cols: Vec<String> = self.keys.iter().map(|k| quote_ident(&k.name)).collect();
        let sql = format!(
            "SELECT DISTINCT {} FROM runs WHERE state != 'deleted' ORDER BY {}",
            cols.join(", "),
            cols.join(", ")
        );
        self.read("list db targets", |c| {
            let mut st = c.prepare(&sql)?;
            let n = cols.len();
            let rows = st.query_map([], |r| {
                (0..n)
                    .map(|i| text(r, i))
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map(|v| v.join("/"))
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// The key values of a run, in key order.
    ///
    /// # Errors
    /// [`DbError::NoSuchRun`]; SQLite failures.
    pub fn run_keys(&self, run_id: i64) -> Result<IndexMap<String, String>> {
        self.get_run(run_id)?
            .map(|r| r.keys)
            .ok_or(DbError::NoSuchRun(run_id))
    }

    /// Set `runs.state` (event recorded).
    ///
    /// # Errors
    /// [`DbError::NoSuchRun`]; SQLite failures.
    pub fn set_run_state(&self, run_id: i64, state: &str) -> Result<()> {
        self.write("set run state", |tx| {
            change_run(self, tx, run_id, Some(state), None, None)
        })
    }

    /// Set `runs.status` (`-set-run-status`; event recorded).
    ///
    /// # Errors
    /// [`DbError::NoSuchRun`]; SQLite failures.
    pub fn set_run_status(&self, run_id: i64, status: &str) -> Result<()> {
        self.write("set run status", |tx| {
            change_run(self, tx, run_id, None, Some(status), None)
        })
    }

    fn lock_unlock(&self, run_id: i64, state: &'static str) -> Result<()> {
        self.write("lock or unlock run", |tx| {
            change_run(self, tx, run_id, Some(state), None, None)?;
            tx.execute(
                "INSERT INTO access_log (user, accessed, args) VALUES (?1, ?2, ?3)",
                params![self.ident.user, now_secs(), format!("{state} {run_id}")],
            )?;
            Ok(())
        })
    }

    /// `-lock`: state `locked`, an `access_log` row `locked <id>`, an event.
    ///
    /// # Errors
    /// [`DbError::NoSuchRun`]; SQLite failures.
    pub fn lock_run(&self, run_id: i64) -> Result<()> {
        self.lock_unlock(run_id, RUN_LOCKED)
    }

    /// `-unlock` (after the caller's confirmation): state `unlocked`, access_log, event.
    ///
    /// # Errors
    /// [`DbError::NoSuchRun`]; SQLite failures.
    pub fn unlock_run(&self, run_id: i64) -> Result<()> {
        self.lock_unlock(run_id, RUN_UNLOCKED)
    }

    /// Whether the run is locked (then remove-runs, set-state-status, archive and
    /// run-wait must skip it).
    ///
    /// # Errors
    /// [`DbError::NoSuchRun`]; SQLite failures.
    pub fn is_locked(&self, run_id: i64) -> Result<bool> {
        self.get_run(run_id)?
            .map(|r| r.state == RUN_LOCKED)
            .ok_or(DbError::NoSuchRun(run_id))
    }

    /// delete-run (§5.4): physically delete the run's steps and data, mark its tests
    /// `DELETED/n/a` with the comment cleared (an event per test), and set the run
    /// `deleted` with its comment cleared.
    ///
    /// # Errors
    /// [`DbError::NoSuchRun`]; SQLite failures.
    pub fn delete_run(&self, run_id: i64) -> Result<()> {
        self.write("delete run", |tx| {
            let tests = crate::records::live_tests_brief(tx, run_id)?;
            tx.execute(
                "DELETE FROM test_steps WHERE test_id IN (SELECT id FROM tests WHERE run_id=?1)",
                [run_id],
            )?;
            tx.execute(
                "DELETE FROM test_data WHERE test_id IN (SELECT id FROM tests WHERE run_id=?1)",
                [run_id],
            )?;
            tx.execute(
                "UPDATE tests SET state='DELETED', status='n/a', comment='' WHERE run_id=?1",
                [run_id],
            )?;
            for t in &tests {
                events::append(
                    tx,
                    &self.ident,
                    &self.source,
                    &NewEvent {
                        run_id: Some(run_id),
                        test_id: Some(t.id),
                        testname: Some(&t.testname),
                        item_path: Some(&t.item_path),
                        old_state: Some(&t.state),
                        new_state: Some(mt_model::State::DELETED),
                        old_status: Some(&t.status),
                        new_status: Some("n/a"),
                        comment: Some("run deleted"),
                    },
                )?;
            }
            change_run(self, tx, run_id, Some(RUN_DELETED), None, Some(""))
        })
    }

    /// Rename a run (the same target may not already have a run of that name).
    ///
    /// # Errors
    /// [`DbError::NoSuchRun`], [`DbError::RunExists`]; SQLite failures.
    pub fn rename_run(&self, run_id: i64, new_name: &str) -> Result<()> {
        let run = self.get_run(run_id)?.ok_or(DbError::NoSuchRun(run_id))?;
        let kv: Vec<(&str, &str)> = run
            .keys
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if self.find_run(&kv, new_name)?.is_some() {
            return Err(DbError::RunExists {
                target: run.target(),
                runname: new_name.into(),
            });
        }
        self.write("rename run", |tx| {
            tx.execute(
                "UPDATE runs SET runname=?2 WHERE id=?1",
                params![run_id, new_name],
            )?;
            Ok(())
        })
    }

    /// Whether any test of the run is left for `-remove-runs` step 4: tests that are
    /// neither `DELETED` nor of status `n/a`.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn run_has_remaining_tests(&self, run_id: i64) -> Result<bool> {
        self.read("count remaining tests", |c| {
            let n: i64 = c.query_row(
                "SELECT count(*) FROM tests WHERE run_id=?1 AND state != 'DELETED'
                   AND status != 'n/a'",
                [run_id],
                |r| r.get(0),
            )?;
            Ok(n > 0)
        })
    }
}
