//! The one path through which this process changes a test's state/status: the store
//! writes the record, its roll-up and the events in one transaction, and the `[triggers]`
//! of every changed record are fired here. A `COMPLETED/FAIL` written by the test's own
//! processes (the `-execute` wrapper, the in-test helpers) is first checked against the
//! test's `[waivers]` (runner spec §6.2, see `waivers.rs`) and written as `WAIVED` when
//! the failure is the known, waived one.

use std::collections::HashMap;
use std::time::Duration;

use mt_db::{Change, Op, StatusUpdate, Store};
use mt_model::{State, Status};

use crate::triggers::Triggers;
use crate::waivers::Waivers;

/// Sources whose FAIL may be waived: the test's own processes, not the scheduler's
/// markers nor a user's `-set-state-status`.
const WAIVING_SOURCES: &[&str] = &["execute", "test"];

pub struct Reporter<'a> {
    store: &'a Store,
    source: &'static str,
    triggers: HashMap<String, Vec<(String, String)>>,
    running: Triggers,
    /// Per test name; None = looked for and found none.
    waivers: HashMap<String, Option<Waivers>>,
}

impl<'a> Reporter<'a> {
    #[must_use]
    pub fn new(store: &'a Store, source: &'static str) -> Self {
        Reporter {
            store,
            source,
            triggers: HashMap::new(),
            running: Triggers::default(),
            waivers: HashMap::new(),
        }
    }

    /// The environment `[triggers]` run with (default: this process's).
    pub fn set_env(&mut self, env: std::collections::BTreeMap<String, String>) {
        self.running.set_env(env);
    }

    /// Register the `[triggers]` of a test.
    pub fn set_triggers(&mut self, test: &str, t: Vec<(String, String)>) {
        self.triggers.insert(test.to_string(), t);
    }

    /// Register the `[waivers]`/`[waiver_rules]` of a test. Without this, the waivers are
    /// read (no `[system ...]` calls) from the testconfig copied into the test's run
    /// directory the first time one of its failures is written.
    pub fn set_waivers(&mut self, test: &str, w: Waivers) {
        self.waivers.insert(test.to_string(), Some(w));
    }

    /// The comment to write if this FAIL is waived (§6.2).
    fn waived(
        &mut self,
        test_id: i64,
        state: Option<&str>,
        comment: Option<&str>,
    ) -> Option<String> {
        let rec = self.store.get_test(test_id).ok().flatten()?;
        if state.unwrap_or(&rec.state) != State::COMPLETED {
            return None;
        }
        let w = self
            .waivers
            .entry(rec.testname.clone())
            .or_insert_with(|| Waivers::read(&std::path::Path::new(&rec.rundir).join("testconfig")))
            .as_ref()?;
        if w.is_empty() {
            return None;
        }
        crate::waivers::check(self.store, &rec, w, comment)
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
        self.set_with(test_id, state, status, comment, &[])
    }

    /// As [`Reporter::set`], with other writes of the same moment (run info, a step row)
    /// in the same transaction, before the state change.
    pub fn set_with(
        &mut self,
        test_id: i64,
        state: Option<&str>,
        status: Option<&str>,
        comment: Option<&str>,
        with: &[Op<'_>],
    ) -> Vec<Change> {
        let waived = if status == Some(Status::FAIL) && WAIVING_SOURCES.contains(&self.source) {
            self.waived(test_id, state, comment)
        } else {
            None
        };
        let (status, comment) = match &waived {
            Some(c) => (Some(Status::WAIVED), Some(c.as_str())),
            None => (status, comment),
        };
        let mut ops: Vec<Op<'_>> = with.to_vec();
        ops.push(Op::Status(StatusUpdate {
            test_id,
            state,
            status,
            comment,
        }));
        match self.store.apply(&ops, self.source) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::waivers::Waiver;
    use mt_db::RunInfo;

    #[test]
    fn fail_is_waived_only_for_the_tests_own_processes() {
        let d = tempfile::tempdir().unwrap();
        let s = Store::open(d.path().join("megatest.db"), &[("OS", "TEXT")]).unwrap();
        let r1 = s.register_run(&[("OS", "linux")], "r1", "me").unwrap();
        let r2 = s.register_run(&[("OS", "linux")], "r2", "me").unwrap();
        let old = s.register_test(r1, "t", "").unwrap();
        let new = s.register_test(r2, "t", "").unwrap();
        for (id, dir) in [(old, "d1"), (new, "d2")] {
            let p = d.path().join(dir);
            std::fs::create_dir_all(&p).unwrap();
            std::fs::write(p.join("out.txt"), "same\n").unwrap();
            let rd = p.to_string_lossy().into_owned();
            s.update_test_run_info(
                id,
                &RunInfo {
                    rundir: Some(&rd),
                    ..RunInfo::default()
                },
            )
            .unwrap();
        }
        s.set_state_status(
            old,
            Some("COMPLETED"),
            Some("WAIVED"),
            Some("known issue"),
            "cli",
        )
        .unwrap();
        let rec = |id| {
            let t = s.get_test(id).unwrap().unwrap();
            (t.state, t.status, t.comment)
        };
        let waivers = Waivers {
            waivers: vec![Waiver {
                name: "o".into(),
                rule: "diff".into(),
                glob: "out.txt".into(),
            }],
            ..Waivers::default()
        };
        // (source, registered waivers, state written, expected status)
        let cases: &[(&'static str, bool, &str, &str)] = &[
            ("runner", true, "COMPLETED", "FAIL"),
            ("cli", true, "COMPLETED", "FAIL"),
            ("execute", true, "RUNNING", "FAIL"),
            ("execute", true, "COMPLETED", "WAIVED"),
            // Not registered: read from the testconfig in the run directory (none yet).
            ("test", false, "COMPLETED", "FAIL"),
        ];
        for (source, register, state, want) in cases {
            s.set_state_status(new, Some("RUNNING"), Some("n/a"), Some(""), "cli")
                .unwrap();
            let mut r = Reporter::new(&s, source);
            if *register {
                r.set_waivers("t", waivers.clone());
            }
            r.set(new, Some(state), Some("FAIL"), Some("Failed at step x"));
            assert_eq!(rec(new).1, *want, "{source} {state}");
            if *want == "WAIVED" {
                assert_eq!(rec(new).2, "known issue", "the comment is copied");
            }
        }
        std::fs::write(
            d.path().join("d2/testconfig"),
            "[waivers]\no diff out.txt\n",
        )
        .unwrap();
        s.set_state_status(new, Some("RUNNING"), Some("n/a"), None, "cli")
            .unwrap();
        let mut r = Reporter::new(&s, "test");
        r.set(new, Some("COMPLETED"), Some("FAIL"), None);
        assert_eq!(
            rec(new).1,
            "WAIVED",
            "waivers read from the run directory's testconfig"
        );
        // A different output is not the known failure.
        std::fs::write(d.path().join("d2/out.txt"), "other\n").unwrap();
        s.set_state_status(new, Some("RUNNING"), Some("n/a"), None, "cli")
            .unwrap();
        let mut r = Reporter::new(&s, "test");
        r.set(new, Some("COMPLETED"), Some("FAIL"), None);
        assert_eq!(rec(new).1, "FAIL");
    }
}
