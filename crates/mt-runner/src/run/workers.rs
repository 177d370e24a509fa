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
