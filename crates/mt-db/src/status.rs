//! State/status writes of test records with the item → toplevel roll-up (§2.5), done in
//! one transaction: write the record (LAUNCHED/REMOTEHOSTSTART reset its event_time),
//! apply the test-data roll-up when the status is `AUTO` (§2.6), and for an item
//! recompute its toplevel with `mt_model::rollup` over the *effective* values of all its
//! items (the spec's recommendation, not the 1.6501 quirk of rolling up missing values).
//!
//! Every explicit write is an event, even when the values do not change (it is an
//! auditable request, e.g. a user re-setting a status). A toplevel is written, gets an
//! event and is returned only when the roll-up actually changes it, so that thousands of
//! items finishing do not fire the toplevel's `[triggers]` thousands of times.

use mt_model::{rollup, RollupInput, State, Status};
use rusqlite::{params, Connection};

use crate::error::{Result, TxResult};
use crate::events::{self, NewEvent};
use crate::records::{find_test_c, register_c, require_test};
use crate::rows::{int, text, Change};
use crate::store::{now_secs, Store};
use crate::testdata::data_rollup_tx;

/// One requested write, for [`Store::set_state_status_batch`].
#[derive(Debug, Clone, Default)]
pub struct StatusUpdate<'a> {
    pub test_id: i64,
    /// `None` leaves the state unchanged.
    pub state: Option<&'a str>,
    /// `None` leaves the status unchanged.
    pub status: Option<&'a str>,
    /// `None` leaves the comment unchanged.
    pub comment: Option<&'a str>,
}

pub(crate) fn apply_tx(
    store: &Store,
    tx: &Connection,
    u: &StatusUpdate<'_>,
    source: &str,
    changes: &mut Vec<Change>,
) -> TxResult<()> {
    let mut rollups = Rollups::default();
    apply_group(store, tx, &[u], source, changes, &mut rollups)?;
    rollups.finish(store, tx, source, changes)
}

/// Toplevel records whose roll-up is due before the transaction commits: computed once
/// per test however many of its items changed (a batch, or LAUNCHED → REMOTEHOSTSTART →
/// RUNNING of one item written together).
#[derive(Default)]
pub(crate) struct Rollups(Vec<(i64, String)>);

impl Rollups {
    fn add(&mut self, run_id: i64, testname: &str) {
        if !self.0.iter().any(|(r, n)| *r == run_id && n == testname) {
            self.0.push((run_id, testname.to_string()));
        }
    }

    fn take(&mut self, run_id: i64, testname: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|(r, n)| !(*r == run_id && n == testname));
        self.0.len() != before
    }

    pub(crate) fn finish(
        self,
        store: &Store,
        tx: &Connection,
        source: &str,
        changes: &mut Vec<Change>,
    ) -> TxResult<()> {
        for (run_id, testname) in &self.0 {
            rollup_toplevel(store, tx, *run_id, testname, source, changes)?;
        }
        Ok(())
    }
}

/// Several successive writes of one record in one transaction: the record is read and
/// updated once (with the last values), and every write is still an event and a
/// [`Change`] of its own, in order. The roll-up of an item's toplevel is left to `rollups`.
pub(crate) fn apply_group(
    store: &Store,
    tx: &Connection,
    updates: &[&StatusUpdate<'_>],
    source: &str,
    changes: &mut Vec<Change>,
    rollups: &mut Rollups,
) -> TxResult<()> {
    let Some(first) = updates.first() else {
        return Ok(());
    };
    let mut t = require_test(tx, first.test_id)?;
    // An explicit write of a toplevel comes after the roll-up of items written before it
    // in the same transaction, as if each had been its own transaction.
    if t.item_path.is_empty() && rollups.take(t.run_id, &t.testname) {
        rollup_toplevel(store, tx, t.run_id, &t.testname, source, changes)?;
        t = require_test(tx, first.test_id)?;
    }
    // The values after each write, in order.
    let mut steps: Vec<(String, String)> = Vec::with_capacity(updates.len());
    let (mut state, mut status) = (t.state.clone(), t.status.clone());
    for u in updates {
        if let Some(v) = u.state {
            state = v.to_string();
        }
        if let Some(v) = u.status {
            status = v.to_string();
        }
        steps.push((state.clone(), status.clone()));
    }
    let comment = updates.iter().rev().find_map(|u| u.comment);
    let reset_time = updates
        .iter()
        .any(|u| matches!(u.state, Some(State::LAUNCHED | State::REMOTEHOSTSTART)));
    tx.prepare_cached(
        "UPDATE tests SET state=?2, status=?3, comment=coalesce(?4, comment),
            event_time=CASE WHEN ?5 THEN ?6 ELSE event_time END
         WHERE id=?1",
    )?
    .execute(params![
        t.id,
        state,
        status,
        comment,
        reset_time,
        now_secs()
    ])?;
    if status == Status::AUTO {
        let rolled = data_rollup_tx(tx, t.id, &status)?;
        if let Some(last) = steps.last_mut() {
            last.1 = rolled;
        }
    }
    let (mut old_state, mut old_status) = (t.state.clone(), t.status.clone());
    for (u, (new_state, new_status)) in updates.iter().zip(steps) {
        events::append(
            tx,
            &store.ident,
            source,
            &NewEvent {
                run_id: Some(t.run_id),
                test_id: Some(t.id),
                testname: Some(&t.testname),
                item_path: Some(&t.item_path),
                old_state: Some(&old_state),
                new_state: Some(&new_state),
                old_status: Some(&old_status),
                new_status: Some(&new_status),
                comment: u.comment,
            },
        )?;
        changes.push(Change {
            test_id: t.id,
            run_id: t.run_id,
            testname: t.testname.clone(),
            item_path: t.item_path.clone(),
            old_state: std::mem::replace(&mut old_state, new_state.clone()),
            new_state,
            old_status: std::mem::replace(&mut old_status, new_status.clone()),
            new_status,
            rollup: false,
        });
    }
    if !t.item_path.is_empty() {
        rollups.add(t.run_id, &t.testname);
    }
    Ok(())
}

/// Recompute and, if it changed, write the toplevel record of `testname` in the run.
pub(crate) fn rollup_toplevel(
    store: &Store,
    tx: &Connection,
    run_id: i64,
    testname: &str,
    source: &str,
    changes: &mut Vec<Change>,
) -> TxResult<()> {
    let groups: Vec<(String, String, i64)> = {
        let mut st = tx.prepare_cached(
            "SELECT state, status, n FROM item_counts
             WHERE run_id=?1 AND testname=?2 AND n > 0",
        )?;
        let rows = st.query_map(params![run_id, testname], |r| {
            Ok((text(r, 0)?, text(r, 1)?, int(r, 2)?))
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    let inputs: Vec<RollupInput<'_>> = groups
        .iter()
        .map(|(state, status, _)| RollupInput { state, status })
        .collect();
    let Some(result) = rollup(&inputs) else {
        return Ok(());
    };
    let top = match find_test_c(tx, run_id, testname, "")? {
        Some(top) => top,
        None => {
            let (top_id, inserted) = register_c(tx, run_id, testname, "")?;
            if inserted {
                events::append(
                    tx,
                    &store.ident,
                    source,
                    &NewEvent {
                        run_id: Some(run_id),
                        test_id: Some(top_id),
                        testname: Some(testname),
                        item_path: Some(""),
                        new_state: Some(State::NOT_STARTED),
                        new_status: Some(Status::NA),
                        comment: Some("registered by roll-up"),
                        ..NewEvent::default()
                    },
                )?;
            }
            require_test(tx, top_id)?
        }
    };
    let top_id = top.id;
    if top.state == result.state && top.status == result.status {
        return Ok(());
    }
    tx.prepare_cached("UPDATE tests SET state=?2, status=?3 WHERE id=?1")?
        .execute(params![top_id, result.state, result.status])?;
    events::append(
        tx,
        &store.ident,
        source,
        &NewEvent {
            run_id: Some(run_id),
            test_id: Some(top_id),
            testname: Some(testname),
            item_path: Some(""),
            old_state: Some(&top.state),
            new_state: Some(&result.state),
            old_status: Some(&top.status),
            new_status: Some(&result.status),
            comment: Some("roll-up"),
        },
    )?;
    changes.push(Change {
        test_id: top_id,
        run_id,
        testname: testname.to_string(),
        item_path: String::new(),
        old_state: top.state,
        new_state: result.state,
        old_status: top.status,
        new_status: result.status,
        rollup: true,
    });
    Ok(())
}

impl Store {
    /// Set a record's state and/or status (and comment), with the item roll-up, in one
    /// transaction. Returns every record written: the record itself first, then its
    /// toplevel if the roll-up changed it; the caller fires `[triggers]` from these.
    ///
    /// # Errors
    /// [`crate::DbError::NoSuchTest`]; SQLite failures.
    pub fn set_state_status(
        &self,
        test_id: i64,
        state: Option<&str>,
        status: Option<&str>,
        comment: Option<&str>,
        source: &str,
    ) -> Result<Vec<Change>> {
        self.set_state_status_batch(
            &[StatusUpdate {
                test_id,
                state,
                status,
                comment,
            }],
            source,
        )
    }

    /// Many [`Store::set_state_status`] writes in one transaction (one scheduler tick).
    /// All or nothing: an unknown test id rolls the whole batch back.
    ///
    /// # Errors
    /// [`crate::DbError::NoSuchTest`]; SQLite failures.
    pub fn set_state_status_batch(
        &self,
        updates: &[StatusUpdate<'_>],
        source: &str,
    ) -> Result<Vec<Change>> {
        self.write("set state/status", |tx| {
            let mut changes = Vec::new();
            let mut rollups = Rollups::default();
            for u in updates {
                apply_group(self, tx, &[u], source, &mut changes, &mut rollups)?;
            }
            rollups.finish(self, tx, source, &mut changes)?;
            Ok(changes)
        })
    }
}
