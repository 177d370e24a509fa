//! Watching the jobs the runner submitted to Slurm, farm-friendly (design.md): one `squeue`
//! call for all of them every few seconds (with jitter, backing off while the controller
//! does not answer), never one call per job.
//!
//! The database remains the primary channel: a test's wrapper records its own verdict, and
//! the runner learns it from the events table. This watch only finds the jobs that left
//! the queue without a verdict (cancelled behind our back, a node lost, the wrapper unable
//! to start). Such a job is handed back to the scheduler only after a grace period, so the
//! wrapper's last database write, racing with Slurm's bookkeeping, is never overtaken.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use mt_launch::{LaunchError, SlurmJobState, SlurmLauncher};

/// Normal time between two queries.
pub const POLL_INTERVAL: Duration = Duration::from_secs(5);
/// Longest time between two queries while squeue keeps failing.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How long a job must have been out of the queue before its record is judged.
pub const GRACE: Duration = Duration::from_secs(3);

/// One submitted job.
#[derive(Debug)]
struct Tracked {
    slurm_id: String,
    log: PathBuf,
    /// When a query first found the job out of the queue, and its final Slurm state.
    left: Option<(Instant, String)>,
}

/// A job that left the Slurm queue more than [`GRACE`] ago.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vanished {
    /// The scheduler's job index.
    pub job: usize,
    pub slurm_id: String,
    /// Slurm's final state (COMPLETED, CANCELLED, ...), or GONE when it was purged.
    pub slurm_state: String,
    /// The Slurm output file of the job.
    pub log: PathBuf,
}

/// The set of submitted Slurm jobs and the query schedule.
#[derive(Debug)]
pub struct SlurmWatch {
    tools: SlurmLauncher,
    jobs: HashMap<usize, Tracked>,
    next_poll: Instant,
    interval: Duration,
    rng: u64,
    failing: bool,
}

impl Default for SlurmWatch {
    fn default() -> Self {
        Self::new(SlurmLauncher::new(Vec::new()))
    }
}

impl SlurmWatch {
    /// `tools` provides the squeue and scancel programs.
    #[must_use]
    pub fn new(tools: SlurmLauncher) -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
            ^ u64::from(std::process::id()).rotate_left(32);
        SlurmWatch {
            tools,
            jobs: HashMap::new(),
            next_poll: Instant::now(),
            interval: POLL_INTERVAL,
            rng: seed | 1,
            failing: false,
        }
    }

    /// Track a submitted job. The first job also decides which squeue/scancel to use (the
    /// ones beside a configured `/path/to/sbatch`).
    pub fn add(&mut self, job: usize, slurm_id: String, log: PathBuf, tools: &SlurmLauncher) {
        if self.jobs.is_empty() {
            self.tools = tools.clone();
            // A fresh set: the first look comes one interval after this submission.
            self.next_poll = Instant::now() + self.jittered();
        }
        self.jobs.insert(
            job,
            Tracked {
                slurm_id,
                log,
                left: None,
            },
        );
    }

    /// Stop tracking a job (its record reached an ended state).
    pub fn remove(&mut self, job: usize) {
        self.jobs.remove(&job);
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// The Slurm id of a tracked job.
    #[must_use]
    pub fn slurm_id(&self, job: usize) -> Option<&str> {
        self.jobs.get(&job).map(|t| t.slurm_id.as_str())
    }

    /// Query Slurm when due; return the jobs out of the queue for longer than [`GRACE`]
    /// (they are no longer tracked).
    pub fn tick(&mut self, now: Instant) -> Vec<Vanished> {
        let tools = self.tools.clone();
        self.tick_with(now, |ids| tools.query(ids))
    }

    /// [`Self::tick`] with the query supplied (tests use a fake one).
    pub fn tick_with<F>(&mut self, now: Instant, query: F) -> Vec<Vanished>
    where
        F: FnOnce(&[String]) -> Result<HashMap<String, SlurmJobState>, LaunchError>,
    {
        let mut ids: Vec<String> = self
            .jobs
            .values()
            .filter(|t| t.left.is_none())
            .map(|t| t.slurm_id.clone())
            .collect();
        if now >= self.next_poll && !ids.is_empty() {
            ids.sort();
            match query(&ids) {
                Ok(states) => {
                    if self.failing {
                        eprintln!("INFO: squeue answers again");
                    }
                    self.failing = false;
                    self.interval = POLL_INTERVAL;
                    for t in self.jobs.values_mut().filter(|t| t.left.is_none()) {
                        match states.get(&t.slurm_id) {
                            Some(SlurmJobState::Active(_)) => {}
                            Some(st) => t.left = Some((now, st.name().to_string())),
                            // Not in the answer at all: no conclusion this time.
                            None => {}
                        }
                    }
                }
                Err(e) => {
                    if !self.failing {
                        eprintln!("WARNING: cannot query Slurm, will retry with backoff: {e}");
                    }
                    self.failing = true;
                    self.interval = (self.interval * 2).min(MAX_BACKOFF);
                }
            }
            self.next_poll = now + self.jittered();
        }
        let done: Vec<usize> = self
            .jobs
            .iter()
            .filter(|(_, t)| {
                t.left
                    .as_ref()
                    .is_some_and(|(at, _)| now.saturating_duration_since(*at) >= GRACE)
            })
            .map(|(j, _)| *j)
            .collect();
        let mut out: Vec<Vanished> = done
            .into_iter()
            .filter_map(|j| {
                let t = self.jobs.remove(&j)?;
                let (_, state) = t.left?;
                Some(Vanished {
                    job: j,
                    slurm_id: t.slurm_id,
                    slurm_state: state,
                    log: t.log,
                })
            })
            .collect();
        out.sort_by_key(|v| v.job);
        out
    }

    /// Ask for a query on the next tick (after an interrupt, to end the run sooner).
    pub fn poll_soon(&mut self) {
        self.next_poll = Instant::now() + Duration::from_secs(1);
    }

    /// `scancel` every tracked job still in the queue; returns how many were asked.
    pub fn cancel_all(&mut self) -> usize {
        let ids: Vec<String> = self
            .jobs
            .values()
            .filter(|t| t.left.is_none())
            .map(|t| t.slurm_id.clone())
            .collect();
        if ids.is_empty() {
            return 0;
        }
        if let Err(e) = self.tools.cancel(&ids) {
            eprintln!("WARNING: scancel failed: {e}");
        }
        ids.len()
    }

    /// The current interval, ±20 % so that many runners do not query in step.
    fn jittered(&mut self) -> Duration {
        // xorshift64: enough randomness for spreading queries, no dependency.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let frac = (self.rng % 4001) as f64 / 10_000.0; // 0 ..= 0.4
        self.interval.mul_f64(0.8 + frac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(pairs: &[(&str, SlurmJobState)]) -> HashMap<String, SlurmJobState> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect()
    }

    fn watch() -> SlurmWatch {
        let mut w = SlurmWatch::default();
        let tools = SlurmLauncher::new(Vec::new());
        w.add(0, "10".into(), "/w/a/slurm-10.log".into(), &tools);
        w.add(1, "11".into(), "/w/b/slurm-11.log".into(), &tools);
        w.add(2, "12".into(), "/w/c/slurm-12.log".into(), &tools);
        w
    }

    #[test]
    fn one_query_per_interval_for_all_jobs() {
        let mut w = watch();
        let t0 = Instant::now();
        let mut calls: Vec<Vec<String>> = Vec::new();
        // Before the first interval: no query.
        let v = w.tick_with(t0, |ids| {
            calls.push(ids.to_vec());
            Ok(HashMap::new())
        });
        assert!(v.is_empty());
        assert!(calls.is_empty(), "queried before the interval");
        // Ticks every 250 ms for 30 s: between 5 and 7 queries (4-6 s apart), each for all.
        let running = || {
            Ok(answer(&[
                ("10", SlurmJobState::Active("RUNNING".into())),
                ("11", SlurmJobState::Active("PENDING".into())),
                ("12", SlurmJobState::Active("RUNNING".into())),
            ]))
        };
        for i in 0..=120u32 {
            let now = t0 + Duration::from_millis(250) * i;
            let v = w.tick_with(now, |ids| {
                calls.push(ids.to_vec());
                running()
            });
            assert!(v.is_empty());
        }
        assert!((5..=7).contains(&calls.len()), "{} queries", calls.len());
        for c in &calls {
            assert_eq!(c, &["10", "11", "12"]);
        }
    }

    #[test]
    fn vanished_after_grace_only() {
        let mut w = watch();
        let t0 = Instant::now() + Duration::from_secs(10);
        let v = w.tick_with(t0, |_| {
            Ok(answer(&[
                ("10", SlurmJobState::Active("RUNNING".into())),
                ("11", SlurmJobState::Gone),
                ("12", SlurmJobState::Ended("CANCELLED".into())),
            ]))
        });
        assert!(v.is_empty(), "reported before the grace period: {v:?}");
        // Within the grace period: still nothing, and no query (interval not over).
        let v = w.tick_with(t0 + GRACE - Duration::from_millis(1), |_| {
            panic!("queried too early")
        });
        assert!(v.is_empty());
        let v = w.tick_with(t0 + GRACE, |_| panic!("queried too early"));
        assert_eq!(
            v,
            vec![
                Vanished {
                    job: 1,
                    slurm_id: "11".into(),
                    slurm_state: "GONE".into(),
                    log: "/w/b/slurm-11.log".into()
                },
                Vanished {
                    job: 2,
                    slurm_id: "12".into(),
                    slurm_state: "CANCELLED".into(),
                    log: "/w/c/slurm-12.log".into()
                },
            ]
        );
        assert_eq!(w.len(), 1);
        assert_eq!(w.slurm_id(0), Some("10"));
        // Later queries ask only about the job still in the queue.
        let mut asked = Vec::new();
        let _ = w.tick_with(t0 + Duration::from_secs(20), |ids| {
            asked = ids.to_vec();
            Ok(HashMap::new())
        });
        assert_eq!(asked, vec!["10".to_string()]);
    }

    #[test]
    fn finished_jobs_are_not_asked_about() {
        let mut w = watch();
        w.remove(0);
        w.remove(2);
        let mut asked = Vec::new();
        let _ = w.tick_with(Instant::now() + Duration::from_secs(10), |ids| {
            asked = ids.to_vec();
            Ok(HashMap::new())
        });
        assert_eq!(asked, vec!["11".to_string()]);
        w.remove(1);
        assert!(w.is_empty());
        let _ = w.tick_with(Instant::now() + Duration::from_secs(60), |_| {
            panic!("no jobs, no query")
        });
    }

    #[test]
    fn failures_back_off_and_conclude_nothing() {
        let mut w = watch();
        let t0 = Instant::now() + Duration::from_secs(10);
        let mut when = Vec::new();
        let mut now = t0;
        // Tick every 100 ms for 200 s with a failing squeue.
        for _ in 0..2000 {
            let v = w.tick_with(now, |_| {
                when.push(now);
                Err(LaunchError::LauncherFailed {
                    cmd: "squeue".into(),
                    code: 1,
                    output: "Unable to contact slurm controller".into(),
                })
            });
            assert!(v.is_empty());
            now += Duration::from_millis(100);
        }
        let gaps: Vec<Duration> = when.windows(2).map(|p| p[1] - p[0]).collect();
        assert!(gaps.len() >= 4, "{gaps:?}");
        // Growing gaps, capped at the maximum (plus jitter).
        assert!(gaps[1] > gaps[0] && gaps[2] > gaps[1], "{gaps:?}");
        assert!(
            gaps.iter().all(|g| *g <= MAX_BACKOFF.mul_f64(1.21)),
            "{gaps:?}"
        );
        assert!(
            gaps.last().unwrap() >= &MAX_BACKOFF.mul_f64(0.79),
            "{gaps:?}"
        );
        // squeue answers again: back to the normal interval.
        let mut ok_at = Vec::new();
        for _ in 0..1000 {
            let _ = w.tick_with(now, |_| {
                ok_at.push(now);
                Ok(HashMap::new())
            });
            now += Duration::from_millis(100);
        }
        let gaps: Vec<Duration> = ok_at.windows(2).map(|p| p[1] - p[0]).collect();
        assert!(
            gaps.iter().all(|g| *g <= POLL_INTERVAL.mul_f64(1.21)),
            "{gaps:?}"
        );
    }
}
