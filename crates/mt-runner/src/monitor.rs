//! The job monitor: a thread beside the test's steps that writes heartbeats, watches for a
//! kill request (`KILLREQ`), the run time limit and termination signals, and ends the
//! whole process tree of the running step when any of them fires.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mt_db::Store;

/// Shared between the job and its monitor.
#[derive(Debug, Default)]
pub struct JobShared {
    /// Process group of the step (or runscript) now running; 0 when none.
    pub pgid: AtomicI32,
    /// Set when the job is finished and the monitor should stop.
    pub done: AtomicBool,
    /// Set by the monitor when it killed the job; the job must not overwrite the verdict.
    pub killed: AtomicBool,
    /// Set from the signal handler (SIGTERM/SIGINT/SIGHUP of the job process).
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
    pub dbpath: PathBuf,
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

/// The running monitor: stop it with [`Monitor::finish`], which wakes it at once (a
/// sleeping monitor would otherwise delay the end of every job by up to one tick).
pub struct Monitor {
    handle: JoinHandle<Option<KillReason>>,
    wake: std::sync::mpsc::Sender<()>,
}

impl Monitor {
    /// Mark the job done, wake the monitor and wait for it; the reason if it killed the job.
    pub fn finish(self, shared: &JobShared) -> Option<KillReason> {
        shared.done.store(true, Ordering::SeqCst);
        let _ = self.wake.send(());
        self.handle.join().ok().flatten()
    }
}

/// Start the monitor thread.
pub fn start(cfg: MonitorConfig, shared: Arc<JobShared>) -> Monitor {
    let (wake, woken) = std::sync::mpsc::channel::<()>();
    let handle = std::thread::spawn(move || {
        let started = Instant::now();
        // Opened at the first heartbeat: most tests are over before then, and a second
        // connection writing beside the job's own only adds lock waits.
        let mut store: Option<Store> = None;
        let mut last_beat = Instant::now();
        let tick = Duration::from_millis(200);
        loop {
            if shared.done.load(Ordering::SeqCst) {
                return None;
            }
            let mut reason = None;
            if shared.signalled.load(Ordering::SeqCst) {
                reason = Some(KillReason::Signal);
            } else if cfg
                .runtimelim
                .is_some_and(|lim| started.elapsed().as_secs_f64() > lim as f64)
            {
                eprintln!(
                    "INFO: KILLING TEST DUE TO TIME LIMIT EXCEEDED! Runtime={} seconds, limit={}",
                    started.elapsed().as_secs(),
                    cfg.runtimelim.unwrap_or(0)
                );
                reason = Some(KillReason::TimeLimit);
            } else if last_beat.elapsed() >= cfg.beat {
                last_beat = Instant::now();
                if store.is_none() {
                    store = Store::open_existing(&cfg.dbpath).ok();
                }
                if let Some(st) = &store {
                    let elapsed = i64::try_from(started.elapsed().as_secs()).unwrap_or(i64::MAX);
                    let free = crate::workarea::free_kb(&cfg.work_area)
                        .and_then(|v| i64::try_from(v).ok())
                        .unwrap_or(-1);
                    let _ = st.heartbeat(cfg.test_id, load_avg(), free, elapsed);
                    if let Ok(Some(t)) = st.get_test(cfg.test_id) {
                        if t.state == mt_model::State::KILLREQ {
                            reason = Some(KillReason::Requested);
                        }
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
                return Some(r);
            }
            let _ = woken.recv_timeout(tick);
        }
    });
    Monitor { handle, wake }
}
