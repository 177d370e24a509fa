//! How a Megatest record (state, status) reads to a CI system: passed, failed or skipped.
//!
//! | record | verdict |
//! |---|---|
//! | COMPLETED (or ARCHIVED) with PASS, WARN, CHECK or WAIVED | passed |
//! | any state with SKIP | skipped (`SKIP`) |
//! | NOT_STARTED with `n/a`, `na` or no status | skipped (not run) |
//! | LAUNCHED, REMOTEHOSTSTART, RUNNING, KILLREQ | skipped (not finished when the report was made) |
//! | NOT_STARTED with any other status (PREQ_FAIL, PREQ_DISCARDED, TIMED_OUT, ZERO_ITEMS, ...) | failure: the test could not run because of something that failed |
//! | KILLED, INCOMPLETE, STUCK, FAILEDKILL, ... | failure (the test did not finish) |
//! | COMPLETED (or ARCHIVED) with FAIL, ABORT, DEAD, KILLED, STUCK/DEAD, any other word, or `n/a` | failure |
//!
//! PREQ_DISCARDED counts as a failure like PREQ_FAIL (spec decision 1: prerequisite
//! failures are uniform); reporting it as skipped would let a pipeline look green while
//! part of the suite never ran because of a failure upstream.

use mt_model::{is_running_state, State, Status};

/// The JUnit reading of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// `<failure type=kind message=message>`.
    Failure {
        kind: String,
        message: String,
    },
    /// `<skipped message=message>`.
    Skipped {
        message: String,
    },
}

fn state_status(state: &str, status: &str) -> String {
    format!("{state}/{status}")
}

/// Classify a record by its state and status (see the module table).
#[must_use]
pub fn verdict(state: &str, status: &str) -> Verdict {
    let failure = |why: &str| Verdict::Failure {
        kind: if status.is_empty() { state } else { status }.to_string(),
        message: format!("{} ({why})", state_status(state, status)),
    };
    if status == Status::SKIP {
        return Verdict::Skipped {
            message: state_status(state, status),
        };
    }
    if is_running_state(state) || state == State::KILLREQ {
        return Verdict::Skipped {
            message: format!("{} (not finished)", state_status(state, status)),
        };
    }
    if state == State::NOT_STARTED {
        return if matches!(status, "n/a" | "na" | "") {
            Verdict::Skipped {
                message: format!("{} (not run)", state_status(state, status)),
            }
        } else {
            failure("not started")
        };
    }
    // An archived record keeps the verdict it had when it was archived.
    if state == State::COMPLETED || state == State::ARCHIVED {
        return match status {
            Status::PASS | Status::WARN | Status::CHECK | Status::WAIVED => Verdict::Passed,
            Status::NA | "" => failure("completed without a verdict"),
            _ => failure("failed"),
        };
    }
    failure("did not complete")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum V {
        Pass,
        Fail,
        Skip,
    }

    #[test]
    fn table() {
        let cases = [
            ("COMPLETED", "PASS", V::Pass),
            ("COMPLETED", "WARN", V::Pass),
            ("COMPLETED", "CHECK", V::Pass),
            ("COMPLETED", "WAIVED", V::Pass),
            ("COMPLETED", "FAIL", V::Fail),
            ("COMPLETED", "ABORT", V::Fail),
            ("COMPLETED", "DEAD", V::Fail),
            ("COMPLETED", "STUCK/DEAD", V::Fail),
            ("COMPLETED", "FORCED", V::Fail),
            ("COMPLETED", "n/a", V::Fail),
            ("COMPLETED", "SKIP", V::Skip),
            ("KILLED", "KILLED", V::Fail),
            ("KILLED", "FAILED TO KILL", V::Fail),
            ("INCOMPLETE", "KILLED", V::Fail),
            ("NOT_STARTED", "PREQ_FAIL", V::Fail),
            ("NOT_STARTED", "PREQ_DISCARDED", V::Fail),
            ("NOT_STARTED", "ZERO_ITEMS", V::Fail),
            ("NOT_STARTED", "TIMED_OUT", V::Fail),
            ("NOT_STARTED", "n/a", V::Skip),
            ("NOT_STARTED", "", V::Skip),
            ("NOT_STARTED", "SKIP", V::Skip),
            ("RUNNING", "n/a", V::Skip),
            ("LAUNCHED", "n/a", V::Skip),
            ("REMOTEHOSTSTART", "n/a", V::Skip),
            ("KILLREQ", "n/a", V::Skip),
            ("ARCHIVED", "PASS", V::Pass),
            ("ARCHIVED", "FAIL", V::Fail),
        ];
        for (state, status, want) in cases {
            let got = match verdict(state, status) {
                Verdict::Passed => V::Pass,
                Verdict::Failure { .. } => V::Fail,
                Verdict::Skipped { .. } => V::Skip,
            };
            assert_eq!(got, want, "{state}/{status}");
        }
    }

    #[test]
    fn failure_names_the_status() {
        let Verdict::Failure { kind, message } = verdict("NOT_STARTED", "PREQ_FAIL") else {
            panic!("expected a failure");
        };
        assert_eq!(kind, "PREQ_FAIL");
        assert!(message.starts_with("NOT_STARTED/PREQ_FAIL"), "{message}");
    }
}
