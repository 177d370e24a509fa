//! Several writes of one test in one transaction. A short test otherwise pays one
//! transaction (and one round of WAL page writes and lock traffic) per step event, run-info
//! update and state change; batching the ones that happen together keeps a trivial test's
//! bookkeeping well under its own run time.

use crate::error::Result;
use crate::records::{update_run_info_c, RunInfo};
use crate::rows::Change;
use crate::status::{apply_group, Rollups, StatusUpdate};
use crate::steps::upsert_step_c;
use crate::store::Store;

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
    /// [`crate::DbError::NoSuchTest`]; SQLite failures.
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
                update_run_info_c(tx, *id, info)?;
            }
            for op in ops {
                match op {
                    Op::RunInfo(..) => {}
                    Op::Step(id, name, state, status, comment, logfile) => {
                        upsert_step_c(tx, *id, name, state, status, comment, logfile)?;
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
