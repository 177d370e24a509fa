//! The job monitor: while a step (or the runscript) runs, the job's own thread waits on it
//! with a timeout and, at each wake-up, writes heartbeats, watches for a kill request
//! (`KILLREQ`), the run time limit and termination signals, and ends the whole process
//! tree of the step when any of them fires.
//!
//! It used to be a thread of its own per job; waiting on a pidfd with `poll` does the same
//! from the job's thread, without a thread start and stop and a wake-up channel per test.

use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::{Child, ExitStatus};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mt_db::Store;

/// How often signals and the time limit are looked at while a step runs.
const TICK: Duration = Duration::from_millis(200);

/// Shared between the job and whoever signals it.
#[derive(Debug, Default)]
pub struct JobShared {
    /// Process group of the step (or runscript) now running; 0 when none.
    pub pgid: AtomicI32,
    /// Set by the monitor when it killed the job; the job must not overwrite the verdict.
    pub killed: AtomicBool,
    /// Set from the signal handler (SIGTERM/SIGINT/SIGHUP of the job process), or by the
    /// runner for its in-process jobs.
    pub signalled: Arc<AtomicBool>,
}

/// Why the monitor ended the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KillReason {
    Requested,
    TimeLimit,
    Signal,
}

pub struct MonitorConfig {
    pub test_id: i64,
    pub runtimelim: Option<u64>,
    pub work_area: PathBuf,
    /// Heartbeat interval.
    pub beat: Duration,
}

fn load_avg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(-1.0)
}

/// The monitor of one job.
pub struct Monitor {
    cfg: MonitorConfig,
    started: Instant,
    last_beat: Instant,
    reason: Option<KillReason>,
}

impl Monitor {
    #[must_use]
    pub fn new(cfg: MonitorConfig) -> Self {
        let now = Instant::now();
        Monitor {
            cfg,
            started: now,
            last_beat: now,
            reason: None,
        }
    }

    /// Why the job was killed, if it was.
    #[must_use]
    pub fn reason(&self) -> Option<KillReason> {
        self.reason
    }

    /// Look once: signal, time limit, and (when due) a heartbeat and the kill request. The
    /// first time the job must end, the running step's process tree is killed.
    pub fn tick(&mut self, store: &Store, shared: &JobShared) -> Option<KillReason> {
        if self.reason.is_some() {
            return self.reason;
        }
        let mut reason = None;
        if shared.signalled.load(Ordering::SeqCst) {
            reason = Some(KillReason::Signal);
        } else if self
            .cfg
            .runtimelim
            .is_some_and(|lim| self.started.elapsed().as_secs_f64() > lim as f64)
        {
            eprintln!(
                "INFO: KILLING TEST DUE TO TIME LIMIT EXCEEDED! Runtime={} seconds, limit={}",
                self.started.elapsed().as_secs(),
                self.cfg.runtimelim.unwrap_or(0)
            );
            reason = Some(KillReason::TimeLimit);
        } else if self.last_beat.elapsed() >= self.cfg.beat {
            self.last_beat = Instant::now();
            let elapsed = i64::try_from(self.started.elapsed().as_secs()).unwrap_or(i64::MAX);
            let free = crate::workarea::free_kb(&self.cfg.work_area)
                .and_then(|v| i64::try_from(v).ok())
                .unwrap_or(-1);
            let _ = store.heartbeat(self.cfg.test_id, load_avg(), free, elapsed);
            if let Ok(Some(t)) = store.get_test(self.cfg.test_id) {
                if t.state == mt_model::State::KILLREQ {
                    reason = Some(KillReason::Requested);
                }
            }
        }
        if let Some(r) = reason {
            shared.killed.store(true, Ordering::SeqCst);
            let pg = shared.pgid.load(Ordering::SeqCst);
            if pg > 0 {
                eprintln!("WARNING: Request received to kill job {pg}");
                mt_launch::kill_tree(pg, Duration::from_secs(5));
            }
            self.reason = Some(r);
        }
        self.reason
    }

    /// How long the job may wait before the next look is due.
    fn next_due(&self) -> Duration {
        let mut d = TICK.min(self.cfg.beat.saturating_sub(self.last_beat.elapsed()));
        if let Some(lim) = self.cfg.runtimelim {
            let left = Duration::from_secs(lim).saturating_sub(self.started.elapsed());
            // Just past the limit, so that the look that follows sees it exceeded.
            d = d.min(left + Duration::from_millis(1));
        }
        d
    }

    /// Wait for `child`, looking at the job whenever a look is due. `slow` is called once
    /// if the child still runs after `first_look` (the caller records its start then: a
    /// short step's start goes into the same transaction as its end).
    ///
    /// # Errors
    /// Waiting for the child failed.
    pub fn wait(
        &mut self,
        child: &mut Child,
        store: &Store,
        shared: &JobShared,
        first_look: Duration,
        mut slow: impl FnMut(),
    ) -> std::io::Result<ExitStatus> {
        let pidfd = pidfd_open(child.id());
        let spawned = Instant::now();
        let mut slow_pending = true;
        loop {
            let timeout = if slow_pending {
                first_look.saturating_sub(spawned.elapsed())
            } else {
                self.next_due()
            };
            let exited = match &pidfd {
                Some(fd) => poll_readable(fd, timeout),
                None => {
                    // No pidfd (a kernel before 5.3): look often.
                    if child.try_wait()?.is_some() {
                        true
                    } else {
                        std::thread::sleep(timeout.min(Duration::from_millis(5)));
                        false
                    }
                }
            };
            if exited {
                break;
            }
            if slow_pending && spawned.elapsed() >= first_look {
                slow_pending = false;
                slow();
            }
            self.tick(store, shared);
        }
        child.wait()
    }
}

/// A pidfd for `pid`, readable once the process has ended; None where the kernel has none.
fn pidfd_open(pid: u32) -> Option<OwnedFd> {
    let pid = rustix::process::Pid::from_raw(i32::try_from(pid).ok()?)?;
    rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()).ok()
}

/// Whether `fd` became readable within `timeout` (an interrupted wait counts as not yet).
fn poll_readable(fd: &OwnedFd, timeout: Duration) -> bool {
    use rustix::event::{PollFd, PollFlags, Timespec};
    let mut fds = [PollFd::new(fd, PollFlags::IN)];
    // Round up to a millisecond, so that a due look is not polled for in a busy loop.
    let ms = timeout.as_micros().div_ceil(1000);
    let ts = Timespec {
        tv_sec: i64::try_from(ms / 1000).unwrap_or(i64::MAX),
        tv_nsec: i64::try_from((ms % 1000) * 1_000_000).unwrap_or(0),
    };
    matches!(rustix::event::poll(&mut fds, Some(&ts)), Ok(n) if n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn store(dir: &std::path::Path) -> (Store, i64) {
        let s = Store::open(dir.join("megatest.db"), &[("OS", "TEXT")]).unwrap();
        let run = s.register_run(&[("OS", "linux")], "r", "me").unwrap();
        let id = s.register_test(run, "t", "").unwrap();
        (s, id)
    }

    fn monitor(id: i64, dir: &std::path::Path, lim: Option<u64>) -> Monitor {
        Monitor::new(MonitorConfig {
            test_id: id,
            runtimelim: lim,
            work_area: dir.to_path_buf(),
            beat: Duration::from_secs(3),
        })
    }

    /// A long step in its own process group, as the job runs one.
    fn sleeper(shared: &JobShared) -> std::process::Child {
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let child = mt_launch::spawn_in_group(&mut cmd).unwrap();
        shared
            .pgid
            .store(i32::try_from(child.id()).unwrap(), Ordering::SeqCst);
        child
    }

    #[test]
    fn a_short_child_ends_before_the_first_look() {
        let d = tempfile::tempdir().unwrap();
        let (s, id) = store(d.path());
        let shared = JobShared::default();
        let mut m = monitor(id, d.path(), None);
        let mut child = Command::new("true").spawn().unwrap();
        let mut looked = 0;
        let st = m
            .wait(&mut child, &s, &shared, Duration::from_secs(5), || {
                looked += 1
            })
            .unwrap();
        assert!(st.success());
        assert_eq!(looked, 0);
        assert_eq!(m.reason(), None);
    }

    #[test]
    fn a_longer_child_is_looked_at_once_then_ends_normally() {
        let d = tempfile::tempdir().unwrap();
        let (s, id) = store(d.path());
        let shared = JobShared::default();
        let mut m = monitor(id, d.path(), None);
        let mut child = Command::new("sleep").arg("0.3").spawn().unwrap();
        let mut looked = 0;
        let st = m
            .wait(&mut child, &s, &shared, Duration::from_millis(20), || {
                looked += 1
            })
            .unwrap();
        assert!(st.success());
        assert_eq!(looked, 1);
    }

    #[test]
    fn the_time_limit_kills_the_process_group() {
        let d = tempfile::tempdir().unwrap();
        let (s, id) = store(d.path());
        let shared = JobShared::default();
        let mut m = monitor(id, d.path(), Some(1));
        let mut child = sleeper(&shared);
        let t0 = Instant::now();
        let st = m
            .wait(&mut child, &s, &shared, Duration::from_millis(20), || {})
            .unwrap();
        assert!(!st.success());
        assert_eq!(m.reason(), Some(KillReason::TimeLimit));
        assert!(shared.killed.load(Ordering::SeqCst));
        assert!(t0.elapsed() < Duration::from_secs(20), "{:?}", t0.elapsed());
    }

    #[test]
    fn a_signal_to_the_job_ends_the_step() {
        let d = tempfile::tempdir().unwrap();
        let (s, id) = store(d.path());
        let shared = JobShared::default();
        let mut m = monitor(id, d.path(), None);
        let mut child = sleeper(&shared);
        let flag = shared.signalled.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            flag.store(true, Ordering::SeqCst);
        });
        let st = m
            .wait(&mut child, &s, &shared, Duration::from_millis(20), || {})
            .unwrap();
        assert!(!st.success());
        assert_eq!(m.reason(), Some(KillReason::Signal));
    }
}
