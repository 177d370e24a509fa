//! Launching test jobs and ending them: the `Launcher` trait with the built-in local
//! launcher and the command-template launcher (`[jobtools] launcher`, e.g. `nbfake`,
//! `bsub ...`, `ssh host`), the Slurm launcher (sbatch submission, one batched squeue
//! query for all jobs, scancel), plus process-group helpers: start a command in its own group,
//! and kill a whole process tree with TERM, a grace period, then KILL.

mod launcher;
mod proc;
mod slurm;

pub use launcher::{
    Job, JobState, LaunchError, LaunchSpec, Launcher, LocalLauncher, TemplateLauncher,
};
pub use proc::{descendants, kill_tree, pid_alive, procs_in_dir, signal_tree, spawn_in_group};
pub use slurm::{parse_sbatch_output, parse_squeue, split_words, SlurmJobState, SlurmLauncher};
