//! The files of a test's run directory that reports point at: which step failed, the tail
//! of its `STEP.log`, and the list of files to link from a test's page.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use mt_db::{StepRow, TestRow};
use mt_model::Status;

/// How much of the end of a log is read for a tail.
const TAIL_BYTES: u64 = 64 * 1024;

/// The run directory of a record, when it has a real one (records that never ran carry
/// an empty rundir or the original's `/tmp/badname` placeholder).
#[must_use]
pub fn rundir(t: &TestRow) -> Option<&Path> {
    let d = t.rundir.trim();
    if d.is_empty() || d == "/tmp/badname" || d == "n/a" {
        None
    } else {
        Some(Path::new(d))
    }
}

/// Whether a step row records a failure: an exit code that maps to FAIL or ABORT (any
/// unknown code, `-1` for a killed step), or one of the failing status words.
#[must_use]
pub fn step_failed(s: &StepRow) -> bool {
    let st = s.status.trim();
    if let Ok(code) = st.parse::<i32>() {
        return matches!(Status::from_exit_code(code), Status::FAIL | Status::ABORT);
    }
    matches!(
        st,
        Status::FAIL | Status::ABORT | Status::DEAD | Status::KILLED | Status::STUCK_DEAD
    )
}

/// The step to show for a failed test: the last step that failed, else the last step
/// written (a killed test may have only a `start` row).
#[must_use]
pub fn failing_step(steps: &[StepRow]) -> Option<&StepRow> {
    steps
        .iter()
        .rev()
        .find(|s| s.state != "start" && step_failed(s))
        .or_else(|| steps.last())
}

/// The log of a step: its own `logfile` when that is a `.log`, else `STEP.log`, in the
/// run directory (ezsteps write `STEP.log`; the `logfile` column often names the logpro
/// HTML instead).
#[must_use]
pub fn step_log(rundir: &Path, s: &StepRow) -> PathBuf {
    let lf = s.logfile.trim();
    if lf.ends_with(".log") {
        rundir.join(lf)
    } else {
        rundir.join(format!("{}.log", s.stepname))
    }
}

/// The last `max_lines` lines of `path` (reading at most the last 64 KiB), lossily
/// decoded; `None` when the file cannot be read.
#[must_use]
pub fn tail(path: &Path, max_lines: usize) -> Option<String> {
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let start = len.saturating_sub(TAIL_BYTES);
    f.seek(SeekFrom::Start(start)).ok()?;
    let mut buf = Vec::new();
    f.take(TAIL_BYTES).read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf);
    let mut lines: Vec<&str> = text.lines().collect();
    if start > 0 && !lines.is_empty() {
        // The first line was cut by the seek.
        lines.remove(0);
    }
    let skip = lines.len().saturating_sub(max_lines);
    let mut out = lines[skip..].join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    Some(out)
}

fn shown_status(s: &StepRow) -> &str {
    if s.status.is_empty() {
        "-"
    } else {
        &s.status
    }
}

/// What goes into a failing JUnit test case's `<system-out>`: the tail of the failing
/// step's log with a line saying where it came from, or a note when there is none.
#[must_use]
pub fn failure_output(t: &TestRow, steps: &[StepRow], max_lines: usize) -> Option<String> {
    let dir = rundir(t)?;
    let Some(step) = failing_step(steps) else {
        return Some(format!(
            "(no steps recorded; run directory {})\n",
            dir.display()
        ));
    };
    let log = step_log(dir, step);
    Some(match tail(&log, max_lines) {
        Some(body) if body.is_empty() => format!(
            "step {} ended {}; {} is empty\n",
            step.stepname,
            shown_status(step),
            log.display()
        ),
        Some(body) => format!(
            "step {} ended {}; last lines of {}:\n{body}",
            step.stepname,
            shown_status(step),
            log.display()
        ),
        None => format!(
            "step {}: log {} is not readable\n",
            step.stepname,
            log.display()
        ),
    })
}

/// Files at the top of a run directory worth linking from a test's page, sorted (hidden
/// files and directories are left out). Empty when the directory is gone.
#[must_use]
pub fn rundir_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = rd
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn step(id: i64, name: &str, state: &str, status: &str, logfile: &str) -> StepRow {
        let mut s = fixtures::step(id, 1, name, state, status);
        s.logfile = logfile.into();
        s
    }

    #[test]
    fn step_failed_table() {
        let cases = [
            ("0", false),
            ("1", true),
            ("2", false),
            ("3", false),
            ("4", false),
            ("5", true),
            ("6", false),
            ("-1", true),
            ("137", true),
            ("PASS", false),
            ("FAIL", true),
            ("ABORT", true),
            ("KILLED", true),
            ("-", false),
            ("", false),
        ];
        for (status, want) in cases {
            assert_eq!(
                step_failed(&step(1, "s", "end", status, "")),
                want,
                "{status}"
            );
        }
    }

    #[test]
    fn failing_step_choice() {
        let steps = vec![
            step(1, "a", "start", "-", ""),
            step(2, "a", "end", "1", ""),
            step(3, "b", "start", "-", ""),
            step(4, "b", "end", "0", ""),
        ];
        assert_eq!(failing_step(&steps).map(|s| s.stepname.as_str()), Some("a"));
        let only_start = vec![step(1, "nap", "start", "-", "")];
        assert_eq!(failing_step(&only_start).map(|s| s.id), Some(1));
        assert!(failing_step(&[]).is_none());
    }

    #[test]
    fn step_log_names() {
        let d = Path::new("/r");
        assert_eq!(
            step_log(d, &step(1, "run", "end", "1", "run.html")),
            Path::new("/r/run.log")
        );
        assert_eq!(
            step_log(d, &step(1, "run", "end", "1", "")),
            Path::new("/r/run.log")
        );
        assert_eq!(
            step_log(d, &step(1, "run", "end", "1", "other.log")),
            Path::new("/r/other.log")
        );
    }

    #[test]
    fn tail_keeps_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.log");
        let body: String = (1..=10).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&p, body).unwrap();
        assert_eq!(tail(&p, 3).unwrap(), "line 8\nline 9\nline 10\n");
        assert_eq!(tail(&p, 100).unwrap().lines().count(), 10);
        assert!(tail(&dir.path().join("missing"), 3).is_none());
        std::fs::write(&p, "").unwrap();
        assert_eq!(tail(&p, 3).unwrap(), "");
    }

    #[test]
    fn tail_of_a_big_file_drops_the_cut_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.log");
        let body: String = (0..20_000).map(|i| format!("row {i:06}\n")).collect();
        std::fs::write(&p, body).unwrap();
        let t = tail(&p, 100_000).unwrap();
        for l in t.lines() {
            assert!(l.starts_with("row ") && l.len() == 10, "partial line {l:?}");
        }
        assert!(t.ends_with("row 019999\n"));
    }

    #[test]
    fn rundir_placeholders() {
        let mut t = fixtures::test_row(1, "a", "", "COMPLETED", "FAIL");
        t.rundir = "/tmp/badname".into();
        assert!(rundir(&t).is_none());
        t.rundir = String::new();
        assert!(rundir(&t).is_none());
        t.rundir = "/x/y".into();
        assert_eq!(rundir(&t), Some(Path::new("/x/y")));
    }
}
