//! Several writes of one test in one transaction. A short test otherwise pays one
//! transaction (and one round of WAL page writes and lock traffic) per step event, run-info
//! update and state change; batching the ones that happen together keeps a trivial test's
//! bookkeeping well under its own run time.

use rusqlite::params;

use crate::error::{DbError, Result};
use crate::records::RunInfo;
use crate::rows::Change;
use crate::status::{apply_group, Rollups, StatusUpdate};
use crate::store::{now_secs, Store};

/// One write of [`Store::apply`].
#[derive(Debug, Clone)]
pub enum Op<'a> {
    /// As [`Store::update_test_run_info`].
    RunInfo(i64, RunInfo<'a>),
    /// As [`Store::record_step`]: (test id, step, state, status, comment, logfile).
    Step(i64, &'a str, &'a str, &'a str, &'a str, &'a str),
    /// As [`Store::set_state_status`] (roll-up and events included).
    Status(StatusUpdate<'a>),
}

impl Store {
    /// Apply the writes, all or nothing; returns the state changes made (for
    /// `[triggers]`). State writes and step rows go in order; run-info writes (other
    /// columns) go first, one UPDATE per record.
    ///
    /// # Errors
    /// [`DbError::NoSuchTest`]; SQLite failures.
    pub fn apply(&self, ops: &[Op<'_>], source: &str) -> Result<Vec<Change>> {
        self.write("apply writes", |tx| {
            let mut changes = Vec::new();
            let mut rollups = Rollups::default();
            // Successive state writes of one record (LAUNCHED, REMOTEHOSTSTART, RUNNING)
            // are applied as one group; the other ops touch other columns and tables.
            let mut group: Vec<&StatusUpdate<'_>> = Vec::new();
            // The run-info writes of a record, merged into one UPDATE (a later value wins)
            // and made first: they touch other columns than the state writes do.
            let mut infos: Vec<(i64, RunInfo<'_>)> = Vec::new();
            for op in ops {
                if let Op::RunInfo(id, info) = op {
                    match infos.iter_mut().find(|(i, _)| i == id) {
                        Some((_, m)) => m.merge(info),
                        None => infos.push((*id, info.clone())),
                    }
                }
            }
            for (id, info) in &infos {
                let n = tx
                    .prepare_cached(
                        "UPDATE tests SET host=coalesce(?2, host), uname=coalesce(?3, uname),
                            rundir=coalesce(?4, rundir), shortdir=coalesce(?5, shortdir),
                            attemptnum=coalesce(?6, attemptnum),
                            final_logf=coalesce(?7, final_logf)
                         WHERE id=?1",
                    )?
                    .execute(params![
                        id,
                        info.host,
                        info.uname,
                        info.rundir,
                        info.shortdir,
                        info.pid,
                        info.final_logf
                    ])?;
                if n == 0 {
                    return Err(DbError::NoSuchTest(*id).into());
                }
            }
            for op in ops {
                match op {
                    Op::RunInfo(..) => {}
                    Op::Step(id, name, state, status, comment, logfile) => {
                        tx.prepare_cached(
                            "INSERT INTO test_steps (test_id, stepname, state, status, event_time,
                                comment, logfile)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                             ON CONFLICT (test_id, stepname, state) DO UPDATE SET
                                status=excluded.status, event_time=excluded.event_time,
                                comment=excluded.comment, logfile=excluded.logfile",
                        )?
                        .execute(params![
                            id,
                            name,
                            state,
                            status,
                            now_secs(),
                            comment,
                            logfile
                        ])?;
                    }
                    Op::Status(u) => {
                        if group.first().is_some_and(|g| g.test_id != u.test_id) {
                            apply_group(self, tx, &group, source, &mut changes, &mut rollups)?;
                            group.clear();
                        }
                        group.push(u);
                    }
                }
            }
            apply_group(self, tx, &group, source, &mut changes, &mut rollups)?;
            rollups.finish(self, tx, source, &mut changes)?;
            Ok(changes)
        })
    }
}
