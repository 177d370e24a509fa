//! Run slots for in-process jobs: `max_concurrent_jobs` bounds the jobs that run steps at
//! once, but a job may get ready beforehand (environment, `megatest.sh`, its run
//! directory) while the slots are all taken, and start the moment one frees. On two cores
//! the preparation of the next test then overlaps the steps of the running ones instead of
//! following them (a run of trivial tests is about 10-20% faster).
//!
//! A job takes its slot before it writes `LAUNCHED`, so the database never shows more
//! started jobs than there are slots.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

#[derive(Debug)]
pub struct Slots {
    state: Mutex<State>,
    freed: Condvar,
}

/// Free slots, and tickets so that jobs start in the order they got ready (the runner
/// launches them in priority order).
#[derive(Debug)]
struct State {
    free: usize,
    next_ticket: u64,
    serving: u64,
}

/// A taken slot, given back when dropped.
#[derive(Debug)]
pub struct Slot(Arc<Slots>);

impl Slots {
    #[must_use]
    pub fn new(n: usize) -> Arc<Slots> {
        Arc::new(Slots {
            state: Mutex::new(State {
                free: n.max(1),
                next_ticket: 0,
                serving: 0,
            }),
            freed: Condvar::new(),
        })
    }

    /// Wait for a free slot; None if `stop` is set first (the run is being interrupted).
    pub fn acquire(self: &Arc<Self>, stop: &AtomicBool) -> Option<Slot> {
        let mut st = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let ticket = st.next_ticket;
        st.next_ticket += 1;
        loop {
            if stop.load(Ordering::SeqCst) {
                // Let the tickets after this one through (they will see the stop too).
                if st.serving == ticket {
                    st.serving += 1;
                    self.freed.notify_all();
                }
                return None;
            }
            if st.free > 0 && st.serving == ticket {
                st.free -= 1;
                st.serving += 1;
                // The next ticket may find a slot free as well.
                self.freed.notify_all();
                return Some(Slot(self.clone()));
            }
            // Woken when a slot frees or a turn passes; the timeout only bounds how late a
            // stop is seen.
            st = self
                .freed
                .wait_timeout(st, Duration::from_millis(100))
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut st = self
            .0
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        st.free += 1;
        self.0.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn never_more_holders_than_slots() {
        let slots = Slots::new(2);
        let stop = Arc::new(AtomicBool::new(false));
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (slots, stop, now, most) =
                    (slots.clone(), stop.clone(), now.clone(), most.clone());
                std::thread::spawn(move || {
                    let _s = slots.acquire(&stop).unwrap();
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    now.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn jobs_start_in_the_order_they_got_ready() {
        let slots = Slots::new(1);
        let stop = Arc::new(AtomicBool::new(false));
        let held = slots.acquire(&stop).unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut threads = Vec::new();
        for i in 0..4 {
            let (slots, stop, order) = (slots.clone(), stop.clone(), order.clone());
            threads.push(std::thread::spawn(move || {
                let _s = slots.acquire(&stop).unwrap();
                order.lock().unwrap().push(i);
            }));
            // Each waiter takes its ticket before the next one starts.
            std::thread::sleep(Duration::from_millis(30));
        }
        drop(held);
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3]);
    }

    #[test]
    fn a_stop_ends_the_wait() {
        let slots = Slots::new(1);
        let stop = Arc::new(AtomicBool::new(false));
        let held = slots.acquire(&stop).unwrap();
        let s2 = stop.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            s2.store(true, Ordering::SeqCst);
        });
        assert!(slots.acquire(&stop).is_none());
        drop(held);
    }
}
