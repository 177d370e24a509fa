//! Run slots for in-process jobs: `max_concurrent_jobs` bounds the jobs that run steps at
//! once, but a job may get ready beforehand (environment, `megatest.sh`, its run
//! directory) while the slots are all taken, and start the moment one frees. On two cores
//! the preparation of the next test then overlaps the steps of the running ones instead of
//! following them (a run of trivial tests is about 10-20% faster).
//!
//! A job takes its slot before it writes `LAUNCHED`, so the database never shows more
//! started jobs than there are slots. Its place in the queue (a [`Ticket`]) is taken when
//! the runner launches it, so jobs start in the runner's (priority) order.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

#[derive(Debug)]
pub struct Slots {
    state: Mutex<State>,
    freed: Condvar,
}

/// Free slots, and tickets so that jobs start in the order the runner launched them (its
/// priority order), whichever of them is ready first.
#[derive(Debug)]
struct State {
    free: usize,
    next_ticket: u64,
    serving: u64,
    /// Tickets given up without waiting (the job ended before it was ready).
    forfeited: std::collections::BTreeSet<u64>,
}

impl State {
    /// Pass over the turns of tickets that were given up.
    fn skip_forfeited(&mut self) {
        while self.forfeited.remove(&self.serving) {
            self.serving += 1;
        }
    }
}

/// A job's place in the queue for a slot, taken when the runner launches it. Dropping it
/// unused gives the turn up.
#[derive(Debug)]
pub struct Ticket {
    slots: Arc<Slots>,
    number: u64,
    used: bool,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if !self.used {
            let mut st = self.slots.lock();
            st.forfeited.insert(self.number);
            st.skip_forfeited();
            self.slots.freed.notify_all();
        }
    }
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
                forfeited: std::collections::BTreeSet::new(),
            }),
            freed: Condvar::new(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The next place in the queue.
    pub fn ticket(self: &Arc<Self>) -> Ticket {
        let mut st = self.lock();
        let number = st.next_ticket;
        st.next_ticket += 1;
        Ticket {
            slots: self.clone(),
            number,
            used: false,
        }
    }

    /// Wait for a free slot and this ticket's turn; None if `stop` is set first (the run
    /// is being interrupted).
    pub fn acquire(self: &Arc<Self>, mut ticket: Ticket, stop: &AtomicBool) -> Option<Slot> {
        let mut st = self.lock();
        loop {
            if stop.load(Ordering::SeqCst) {
                // Dropping the ticket lets the turns after this one pass.
                drop(st);
                drop(ticket);
                return None;
            }
            st.skip_forfeited();
            if st.free > 0 && st.serving == ticket.number {
                st.free -= 1;
                st.serving += 1;
                ticket.used = true;
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
        let mut st = self.0.lock();
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
                    let t = slots.ticket();
                    let _s = slots.acquire(t, &stop).unwrap();
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
    fn jobs_start_in_ticket_order_and_a_given_up_ticket_does_not_block() {
        let slots = Slots::new(1);
        let stop = Arc::new(AtomicBool::new(false));
        let held = slots.acquire(slots.ticket(), &stop).unwrap();
        let tickets: Vec<Ticket> = (0..5).map(|_| slots.ticket()).collect();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut threads = Vec::new();
        // Waiters arrive in reverse order; ticket 2 is given up without waiting.
        for (i, t) in tickets.into_iter().enumerate().rev() {
            if i == 2 {
                drop(t);
                continue;
            }
            let (slots, stop, order) = (slots.clone(), stop.clone(), order.clone());
            threads.push(std::thread::spawn(move || {
                let _s = slots.acquire(t, &stop).unwrap();
                order.lock().unwrap().push(i);
            }));
            std::thread::sleep(Duration::from_millis(20));
        }
        drop(held);
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), [0, 1, 3, 4]);
    }

    #[test]
    fn a_stop_ends_the_wait() {
        let slots = Slots::new(1);
        let stop = Arc::new(AtomicBool::new(false));
        let held = slots.acquire(slots.ticket(), &stop).unwrap();
        let s2 = stop.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            s2.store(true, Ordering::SeqCst);
        });
        assert!(slots.acquire(slots.ticket(), &stop).is_none());
        drop(held);
    }
}
