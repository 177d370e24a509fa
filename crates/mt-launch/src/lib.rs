//! Launching test jobs and ending them: the `Launcher` trait with the built-in local
//! launcher and the command-template launcher (`[jobtools] launcher`, e.g. `nbfake`,
//! `bsub ...`, `ssh host`), plus process-group helpers: start a command in its own group,
//! and kill a whole process tree with TERM, a grace period, then KILL.

mod launcher;
mod proc;

pub use launcher::{
    Job, JobState, LaunchError, LaunchSpec, Launcher, LocalLauncher, TemplateLauncher,
};
pub use proc::{descendants, kill_tree, pid_alive, signal_tree, spawn_in_group};
