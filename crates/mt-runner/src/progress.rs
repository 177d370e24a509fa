//! What a person sees during `-run`: the original's result lines on stdout (one per test
//! that reaches an end state, runner spec §1.5.2, kept as scripts parse them) and, on a
//! terminal, one live line on stderr with counts and an estimate of the time left.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use mt_model::time::civil_from_days as civil;

pub struct Progress {
    live: bool,
    name: String,
    total: usize,
    done: usize,
    started: usize,
    counts: BTreeMap<String, usize>,
    begun: Instant,
    last_draw: Option<Instant>,
    header_shown: bool,
    drawn: bool,
}

fn week_stamp(epoch: i64) -> String {
    // `%Yww%V.%w %H:%M` in local time, computed by `date` would cost a process per line;
    // UTC arithmetic is enough for a progress listing.
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    let wday = (days + 4).rem_euclid(7); // 1970-01-01 was a Thursday (4)
    let yday = day_of_year(y, m, d);
    let week = ((yday - ((wday + 6) % 7) + 9) / 7).max(1);
    format!(
        "{y}ww{week:02}.{wday} {:02}:{:02}",
        secs / 3600,
        (secs % 3600) / 60
    )
}

fn day_of_year(y: i64, m: i64, d: i64) -> i64 {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let cum = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let idx = usize::try_from(m - 1).unwrap_or(0).min(11);
    cum[idx] + d + i64::from(leap && m > 2)
}

impl Progress {
    #[must_use]
    pub fn new(want: bool, name: &str) -> Progress {
        Progress {
            live: want && std::io::stderr().is_terminal(),
            name: name.to_string(),
            total: 0,
            done: 0,
            started: 0,
            counts: BTreeMap::new(),
            begun: Instant::now(),
            last_draw: None,
            header_shown: false,
            drawn: false,
        }
    }

    pub fn set_total(&mut self, n: usize) {
        self.total = n;
    }

    pub fn started(&mut self) {
        self.started += 1;
    }

    pub fn done_one(&mut self, state: &str, status: &str) {
        self.done += 1;
        let key = if state == "COMPLETED" {
            status.to_string()
        } else {
            format!("{state}/{status}")
        };
        *self.counts.entry(key).or_default() += 1;
    }

    /// The original's incremental result line for a finished test.
    pub fn result_line(
        &mut self,
        r: &mt_db::TestRow,
        target: &str,
        runname: &str,
        linktree: &Path,
    ) {
        self.clear();
        let mut out = std::io::stdout().lock();
        if !self.header_shown {
            let _ = writeln!(
                out,
                "{:<12}{:<12}{:<20}{:<12}Test path",
                "State", "Status", "Start Time", "Duration"
            );
            self.header_shown = true;
        }
        let mut path = format!("{}/{target}/{runname}/{}", linktree.display(), r.testname);
        if !r.item_path.is_empty() {
            path.push('/');
            path.push_str(&r.item_path);
        }
        let dur = mt_area::duration::format_duration(u64::try_from(r.run_duration).unwrap_or(0));
        let _ = writeln!(
            out,
            "{:<12}{:<12}{:<20}{:<12}{}",
            r.state,
            r.status,
            week_stamp(r.event_time),
            dur,
            path
        );
        let _ = out.flush();
    }

    fn clear(&mut self) {
        if self.live && self.drawn {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
            self.drawn = false;
        }
    }

    pub fn draw(&mut self, running: usize) {
        if !self.live {
            return;
        }
        if self
            .last_draw
            .is_some_and(|t| t.elapsed() < Duration::from_millis(200))
        {
            return;
        }
        self.last_draw = Some(Instant::now());
        let counts: Vec<String> = self
            .counts
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let elapsed = self.begun.elapsed().as_secs_f64();
        let eta = if self.done > 0 && self.total > self.done {
            let per = elapsed / self.done as f64;
            format!(" ETA {:.0}s", per * (self.total - self.done) as f64)
        } else {
            String::new()
        };
        let line = format!(
            "[{}] {}/{} done, {} running{}{}{}",
            self.name,
            self.done,
            self.total,
            running,
            if counts.is_empty() { "" } else { " | " },
            counts.join(", "),
            eta
        );
        let _ = write!(std::io::stderr(), "\r\x1b[2K{line}");
        self.drawn = true;
    }

    pub fn finish(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn week_stamps() {
        // 2017-05-10 14:02 UTC was a Wednesday of ISO week 19.
        assert_eq!(week_stamp(1_494_424_920), "2017ww19.3 14:02");
    }
}
