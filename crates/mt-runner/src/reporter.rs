//! The one path through which this process changes a test's state/status: the store
//! writes the record, its roll-up and the events in one transaction, and the `[triggers]`
//! of every changed record are fired here.

use std::collections::HashMap;
use std::time::Duration;

use mt_db::{Change, Store};

use crate::triggers::Triggers;

pub struct Reporter<'a> {
    store: &'a Store,
    source: &'static str,
    triggers: HashMap<String, Vec<(String, String)>>,
    running: Triggers,
}

impl<'a> Reporter<'a> {
    #[must_use]
    pub fn new(store: &'a Store, source: &'static str) -> Self {
        Reporter {
            store,
            source,
            triggers: HashMap::new(),
            running: Triggers::default(),
        }
    }

    /// Register the `[triggers]` of a test.
    pub fn set_triggers(&mut self, test: &str, t: Vec<(String, String)>) {
        self.triggers.insert(test.to_string(), t);
    }

    /// Set state/status/comment (None = unchanged). Failures are reported on stderr and
    /// returned as an empty change list: a test must not die because one write failed.
    pub fn set(
        &mut self,
        test_id: i64,
        state: Option<&str>,
        status: Option<&str>,
        comment: Option<&str>,
    ) -> Vec<Change> {
        match self.store.set_state_status(test_id, state, status, comment, self.source) {
            Ok(changes) => {
                self.fire(&changes);
                changes
            }
            Err(e) => {
                eprintln!("ERROR: cannot record state/status of test {test_id}: {e}");
                Vec::new()
            }
        }
    }

    /// Fire triggers for changes made elsewhere in this process.
    pub fn fire(&mut self, changes: &[Change]) {
        for c in changes {
            let Some(t) = self.triggers.get(&c.testname) else {
                continue;
            };
            if t.is_empty() || !c.changed() {
                continue;
            }
            let rundir = self
                .store
                .get_test(c.test_id)
                .ok()
                .flatten()
                .map(|r| r.rundir)
                .unwrap_or_default();
            let t = t.clone();
            self.running.fire(
                &t,
                c.test_id,
                &c.testname,
                &c.item_path,
                &rundir,
                &c.new_state,
                &c.new_status,
            );
        }
    }

    pub fn wait_triggers(&mut self, limit: Duration) {
        self.running.wait(limit);
    }
}
