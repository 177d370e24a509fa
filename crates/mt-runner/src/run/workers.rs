//! Threads for in-process jobs, kept for the whole run: a job that ends leaves its thread
//! waiting for the next one, so a run of thousands of short tests starts as many threads
//! as it has jobs at once, not one per test.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};

type Task = Box<dyn FnOnce() + Send>;

/// A task, and the way back into the idle list for the thread that runs it. An idle
/// thread holds no sender of its own channel, so dropping the pool ends it.
struct Msg {
    task: Task,
    back: mpsc::Sender<Msg>,
}

#[derive(Default)]
pub(super) struct Workers {
    idle: Arc<Mutex<Vec<mpsc::Sender<Msg>>>>,
    closed: Arc<AtomicBool>,
}

impl Workers {
    /// Run `task` on an idle thread, or on a new one when none is idle.
    pub(super) fn run(&self, task: Task) {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        let task = match idle {
            Some(tx) => match tx.send(Msg {
                task,
                back: tx.clone(),
            }) {
                Ok(()) => return,
                Err(e) => e.0.task,
            },
            None => task,
        };
        let (tx, rx) = mpsc::channel::<Msg>();
        let idle = self.idle.clone();
        let closed = self.closed.clone();
        let first = Msg { task, back: tx };
        std::thread::spawn(move || {
            let mut next = Some(first);
            while let Some(Msg { task, back }) = next.take() {
                // A panicking job has already reported its end (its guard's Drop); the
                // thread stays usable.
                let _ = std::panic::catch_unwind(AssertUnwindSafe(task));
                if closed.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(mut v) = idle.lock() {
                    v.push(back);
                }
                next = rx.recv().ok();
            }
        });
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::SeqCst);
        if let Ok(mut v) = self.idle.lock() {
            v.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::time::Duration;

    #[test]
    fn threads_are_reused_and_survive_a_panic() {
        let w = Workers::default();
        let (tx, rx) = mpsc::channel();
        let mut ids = HashSet::new();
        for i in 0..20 {
            let tx = tx.clone();
            w.run(Box::new(move || {
                if i == 3 {
                    panic!("job 3 panics (expected in this test)");
                }
                let _ = tx.send(std::thread::current().id());
            }));
            if i != 3 {
                ids.insert(rx.recv_timeout(Duration::from_secs(10)).unwrap());
            }
            // One at a time: the next job must find this one's thread idle again.
            let t0 = std::time::Instant::now();
            while w.idle.lock().unwrap().is_empty() {
                assert!(
                    t0.elapsed() < Duration::from_secs(10),
                    "the thread never came back"
                );
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        assert_eq!(
            ids.len(),
            1,
            "one thread ran all 20 jobs, the panicking one included"
        );
    }

    #[test]
    fn jobs_at_once_get_threads_of_their_own() {
        let w = Workers::default();
        let (tx, rx) = mpsc::channel();
        let gate = Arc::new(std::sync::Barrier::new(3));
        for _ in 0..3 {
            let tx = tx.clone();
            let gate = gate.clone();
            w.run(Box::new(move || {
                // All three must run at the same time to pass the barrier.
                gate.wait();
                let _ = tx.send(std::thread::current().id());
            }));
        }
        let ids: HashSet<_> = (0..3)
            .map(|_| rx.recv_timeout(Duration::from_secs(10)).unwrap())
            .collect();
        assert_eq!(ids.len(), 3);
    }
}
