//! The run engine: turns a selected set of tests into launched jobs in dependency order,
//! within the concurrency limits, and runs each job through the `-execute` wrapper
//! (environment, ezsteps, logpro, heartbeats, time limits, final status).

pub mod cmdinfo;
pub mod dead;
pub mod envfile;
pub mod execute;
pub mod logpro_step;
pub mod monitor;
pub mod plan;
pub mod progress;
pub mod reporter;
pub mod rerun;
pub mod run;
pub mod shellenv;
pub mod slots;
pub mod slurm_watch;
pub mod triggers;
pub mod waivers;
pub mod workarea;

pub use cmdinfo::CmdInfo;
pub use execute::execute;
pub use run::{run, RunError, RunRequest, RunSummary};
