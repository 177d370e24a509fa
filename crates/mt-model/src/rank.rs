//! Ranking of states and statuses and the item → toplevel roll-up. We use the 1.6506
//! status table (spec README decision 2) so that a DEAD or PREQ_FAIL item is never hidden
//! behind a PASS.

use crate::state::{is_not_started_ok_status, is_running_state, State, Status};

/// Higher means dominant in a roll-up.
#[must_use]
pub fn state_rank(state: &str) -> u8 {
    match state {
        "RUNNING" => 8,
        "REMOTEHOSTSTART" => 7,
        "LAUNCHED" => 6,
        "COMPLETED" => 5,
        "NOT_STARTED" => 4,
        "KILLED" => 3,
        "KILLREQ" => 2,
        "STUCK" => 1,
        _ => 0,
    }
}

/// Higher means worse: n/a < PASS < SKIP < WARN < WAIVED < CHECK < STUCK/DEAD < DEAD < FAIL
/// < PREQ_FAIL < PREQ_DISCARDED < ABORT. Unknown statuses rank 0.
#[must_use]
pub fn status_rank(status: &str) -> u8 {
    match status {
        "n/a" => 1,
        "PASS" => 2,
        "SKIP" => 3,
        "WARN" => 4,
        "WAIVED" => 5,
        "CHECK" => 6,
        "STUCK/DEAD" => 7,
        "DEAD" => 8,
        "FAIL" => 9,
        "PREQ_FAIL" => 10,
        "PREQ_DISCARDED" => 11,
        "ABORT" => 12,
        _ => 0,
    }
}

/// One item's (state, status) as seen by the roll-up.
#[derive(Debug, Clone)]
pub struct RollupInput<'a> {
    pub state: &'a str,
    pub status: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupResult {
    pub state: String,
    pub status: String,
}

/// States that are not rolled up (records on their way out), as in 1.6506.
const IGNORED_STATES: &[&str] = &["DELETED", "REMOVING", "CLEANING", "ARCHIVE_REMOVING"];

/// Compute the toplevel state/status of an itemized test from all its items' effective
/// values. Returns `None` when there is nothing to roll up.
#[must_use]
pub fn rollup(items: &[RollupInput<'_>]) -> Option<RollupResult> {
    let live: Vec<&RollupInput<'_>> = items
        .iter()
        .filter(|i| !IGNORED_STATES.contains(&i.state))
        .collect();
    if live.is_empty() {
        return None;
    }
    let running = live.iter().any(|i| is_running_state(i.state));
    let bad_not_started = live
        .iter()
        .any(|i| i.state == State::NOT_STARTED && !is_not_started_ok_status(i.status));
    let worst_state = live
        .iter()
        .map(|i| i.state)
        .filter(|s| *s != State::COMPLETED)
        .max_by_key(|s| state_rank(s));
    let worst_status = live
        .iter()
        .map(|i| i.status)
        .max_by_key(|s| status_rank(s))
        .unwrap_or(Status::NA);
    // A prerequisite failure anywhere leaves the whole test not started (1.6506).
    if live.iter().any(|i| i.status == Status::PREQ_FAIL)
        && !running
        && live
            .iter()
            .all(|i| i.state != State::COMPLETED || i.status == Status::PREQ_FAIL)
    {
        return Some(RollupResult {
            state: State::NOT_STARTED.into(),
            status: worst_status.into(),
        });
    }
    let state = if running {
        State::RUNNING
    } else if bad_not_started {
        State::COMPLETED
    } else {
        worst_state.unwrap_or(State::COMPLETED)
    };
    let status = if state == State::NOT_STARTED && !bad_not_started {
        // Items merely waiting: nothing to judge yet.
        Status::NA
    } else if bad_not_started && !running {
        // Items parked in an odd NOT_STARTED status make the whole test need review,
        // unless something worse already happened.
        if status_rank(worst_status) > status_rank(Status::CHECK) {
            worst_status
        } else {
            Status::CHECK
        }
    } else {
        worst_status
    };
    Some(RollupResult {
        state: state.into(),
        status: status.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(items: &[(&str, &str)]) -> (String, String) {
        let v: Vec<RollupInput<'_>> = items
            .iter()
            .map(|(a, b)| RollupInput {
                state: a,
                status: b,
            })
            .collect();
        let out = rollup(&v).expect("rollup");
        (out.state, out.status)
    }

    type Case<'a> = (&'a [(&'a str, &'a str)], (&'a str, &'a str));

    #[test]
    fn rollup_table() {
        let cases: &[Case<'_>] = &[
            (
                &[("COMPLETED", "PASS"), ("COMPLETED", "PASS")],
                ("COMPLETED", "PASS"),
            ),
            (
                &[("COMPLETED", "PASS"), ("COMPLETED", "FAIL")],
                ("COMPLETED", "FAIL"),
            ),
            (
                &[("COMPLETED", "PASS"), ("RUNNING", "n/a")],
                ("RUNNING", "PASS"),
            ),
            (
                &[("COMPLETED", "PASS"), ("NOT_STARTED", "INCOMPLETE")],
                ("COMPLETED", "CHECK"),
            ),
            (
                &[("COMPLETED", "DEAD"), ("COMPLETED", "PASS")],
                ("COMPLETED", "DEAD"),
            ),
            (
                &[("COMPLETED", "PASS"), ("COMPLETED", "SKIP")],
                ("COMPLETED", "SKIP"),
            ),
            (
                &[("KILLED", "KILLED"), ("COMPLETED", "PASS")],
                ("KILLED", "PASS"),
            ),
            (
                &[("NOT_STARTED", "n/a"), ("COMPLETED", "PASS")],
                ("NOT_STARTED", "n/a"),
            ),
            (
                &[("COMPLETED", "PASS"), ("DELETED", "FAIL")],
                ("COMPLETED", "PASS"),
            ),
        ];
        for (items, want) in cases {
            assert_eq!(
                r(items),
                (want.0.to_string(), want.1.to_string()),
                "{items:?}"
            );
        }
    }

    #[test]
    fn status_order_matches_decision_2() {
        let order = [
            "n/a",
            "PASS",
            "SKIP",
            "WARN",
            "WAIVED",
            "CHECK",
            "STUCK/DEAD",
            "DEAD",
            "FAIL",
            "PREQ_FAIL",
            "PREQ_DISCARDED",
            "ABORT",
        ];
        for w in order.windows(2) {
            assert!(status_rank(w[0]) < status_rank(w[1]), "{} < {}", w[0], w[1]);
        }
    }

    #[test]
    fn exit_codes_map_to_statuses() {
        let cases = [
            (0, "PASS"),
            (1, "FAIL"),
            (2, "WARN"),
            (3, "CHECK"),
            (4, "WAIVED"),
            (5, "ABORT"),
            (6, "SKIP"),
            (7, "FAIL"),
            (-1, "FAIL"),
        ];
        for (code, want) in cases {
            assert_eq!(Status::from_exit_code(code), want);
        }
    }
}
