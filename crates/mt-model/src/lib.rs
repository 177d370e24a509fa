//! Vocabulary shared by every Megatest crate, with no I/O: test states and statuses, the
//! roll-up ranking (the 1.6506 table, decision 2 in the spec README), the category lists
//! the runner and the store consult, run events, and the process exit codes.

mod exit;
mod rank;
mod state;
pub mod time;

pub use exit::ExitCode;
pub use rank::{rollup, state_rank, status_rank, RollupInput, RollupResult};
pub use state::{
    is_not_started_ok_status, is_ok_prereq_status, is_running_state, State, Status, ENDED_STATES,
    NOT_STARTED_OK_STATUSES, OK_PREREQ_STATUSES, RUNNING_STATES,
};
