//! State and status names. Both are free text in the database (users may store anything
//! through `-test-status`), so they are kept as strings; the constants name the values the
//! tool itself produces.

/// Lifecycle positions of a test record.
pub struct State;

impl State {
    pub const NOT_STARTED: &'static str = "NOT_STARTED";
    pub const LAUNCHED: &'static str = "LAUNCHED";
    pub const REMOTEHOSTSTART: &'static str = "REMOTEHOSTSTART";
    pub const RUNNING: &'static str = "RUNNING";
    pub const COMPLETED: &'static str = "COMPLETED";
    pub const KILLREQ: &'static str = "KILLREQ";
    pub const KILLED: &'static str = "KILLED";
    pub const INCOMPLETE: &'static str = "INCOMPLETE";
    pub const STUCK: &'static str = "STUCK";
    pub const UNKNOWN: &'static str = "UNKNOWN";
    pub const DELETED: &'static str = "DELETED";
    pub const REMOVING: &'static str = "REMOVING";
    pub const CLEANING: &'static str = "CLEANING";
    pub const ARCHIVE_REMOVING: &'static str = "ARCHIVE_REMOVING";
    pub const ARCHIVED: &'static str = "ARCHIVED";
    pub const FAILEDKILL: &'static str = "FAILEDKILL";

    /// Every state name the tool knows; used to validate user input such as
    /// `-set-state-status` so a typo is reported instead of stored.
    pub const ALL: &'static [&'static str] = &[
        Self::NOT_STARTED,
        Self::LAUNCHED,
        Self::REMOTEHOSTSTART,
        Self::RUNNING,
        Self::COMPLETED,
        Self::KILLREQ,
        Self::KILLED,
        Self::INCOMPLETE,
        Self::STUCK,
        Self::UNKNOWN,
        Self::DELETED,
        Self::REMOVING,
        Self::CLEANING,
        Self::ARCHIVE_REMOVING,
        Self::ARCHIVED,
        Self::FAILEDKILL,
    ];
}

/// Verdicts of a test record.
pub struct Status;

impl Status {
    pub const NA: &'static str = "n/a";
    pub const PASS: &'static str = "PASS";
    pub const WARN: &'static str = "WARN";
    pub const CHECK: &'static str = "CHECK";
    pub const WAIVED: &'static str = "WAIVED";
    pub const ABORT: &'static str = "ABORT";
    pub const SKIP: &'static str = "SKIP";
    pub const FAIL: &'static str = "FAIL";
    pub const DEAD: &'static str = "DEAD";
    pub const STUCK_DEAD: &'static str = "STUCK/DEAD";
    pub const KILLED: &'static str = "KILLED";
    pub const FAILED_TO_KILL: &'static str = "FAILED TO KILL";
    pub const AUTO: &'static str = "AUTO";
    pub const AUTO_WARN: &'static str = "AUTO-WARN";
    pub const LOCKED: &'static str = "LOCKED";
    pub const PREQ_FAIL: &'static str = "PREQ_FAIL";
    pub const PREQ_DISCARDED: &'static str = "PREQ_DISCARDED";
    pub const ZERO_ITEMS: &'static str = "ZERO_ITEMS";
    pub const TIMED_OUT: &'static str = "TIMED_OUT";
    pub const KEEP_TRYING: &'static str = "KEEP_TRYING";
    pub const TEN_STRIKES: &'static str = "TEN_STRIKES";
    pub const BLOCKED: &'static str = "BLOCKED";

    pub const ALL: &'static [&'static str] = &[
        Self::NA,
        Self::PASS,
        Self::WARN,
        Self::CHECK,
        Self::WAIVED,
        Self::ABORT,
        Self::SKIP,
        Self::FAIL,
        Self::DEAD,
        Self::STUCK_DEAD,
        Self::KILLED,
        Self::FAILED_TO_KILL,
        Self::AUTO,
        Self::AUTO_WARN,
        Self::LOCKED,
        Self::PREQ_FAIL,
        Self::PREQ_DISCARDED,
        Self::ZERO_ITEMS,
        Self::TIMED_OUT,
        Self::KEEP_TRYING,
        Self::TEN_STRIKES,
        Self::BLOCKED,
    ];

    /// Map an exit code of a step, runscript or logpro to the status it stands for
    /// (0 PASS, 1 FAIL, 2 WARN, 3 CHECK, 4 WAIVED, 5 ABORT, 6 SKIP, anything else FAIL).
    #[must_use]
    pub fn from_exit_code(code: i32) -> &'static str {
        match code {
            0 => Self::PASS,
            2 => Self::WARN,
            3 => Self::CHECK,
            4 => Self::WAIVED,
            5 => Self::ABORT,
            6 => Self::SKIP,
            _ => Self::FAIL,
        }
    }
}

pub const RUNNING_STATES: &[&str] = &[State::RUNNING, State::REMOTEHOSTSTART, State::LAUNCHED];
pub const ENDED_STATES: &[&str] = &[
    State::COMPLETED,
    State::ARCHIVED,
    State::KILLED,
    State::KILLREQ,
    State::STUCK,
    State::INCOMPLETE,
];
pub const NOT_STARTED_OK_STATUSES: &[&str] = &[
    "n/a", "na", "PASS", "FAIL", "WARN", "CHECK", "WAIVED", "DEAD", "SKIP",
];
pub const OK_PREREQ_STATUSES: &[&str] = &["PASS", "WARN", "CHECK", "WAIVED", "SKIP"];

#[must_use]
pub fn is_running_state(state: &str) -> bool {
    RUNNING_STATES.contains(&state)
}

#[must_use]
pub fn is_ok_prereq_status(status: &str) -> bool {
    OK_PREREQ_STATUSES.contains(&status)
}

#[must_use]
pub fn is_not_started_ok_status(status: &str) -> bool {
    NOT_STARTED_OK_STATUSES.contains(&status)
}
