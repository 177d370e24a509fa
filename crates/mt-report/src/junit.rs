//! JUnit XML (an extension, spec §6.16), in the shape Jenkins and GitLab read:
//!
//! - one `<testsuites>` root with the totals;
//! - one `<testsuite name="TARGET/RUNNAME">` per run, with `timestamp` (run start, UTC),
//!   the totals, and `<properties>` holding the keys, run name, run id, state, status,
//!   owner and contour;
//! - one `<testcase>` per test or item record: `name` is `test` or `test(item/path)`,
//!   `classname` is `TARGET/RUNNAME.test` (Jenkins takes the text before the last `.` as
//!   the package, so runs become packages and tests classes), `time` the run duration;
//! - the verdict of [`crate::verdict`]: `<failure type=STATUS message=STATE/STATUS ...>`
//!   with the test's comment as text, or `<skipped message=...>`; `errors` is always 0
//!   (Megatest has no separate "error" verdict);
//! - for a failure, `<system-out>` with the last lines of the failing step's `STEP.log`
//!   from the run directory.
//!
//! The toplevel record of an itemized test is a roll-up of its items: it is left out by
//! default so every failure is counted once ([`JunitOptions::include_rollups`] keeps it).

use std::fmt::Write as _;
use std::path::Path;

use crate::collect::{RunReport, TestReport};
use crate::error::{write_err, Result};
use crate::escape::{attr, text};
use crate::logs::failure_output;
use crate::time::iso;
use crate::verdict::{verdict, Verdict};

/// Choices for [`render`].
#[derive(Debug, Clone)]
pub struct JunitOptions {
    /// Keep the toplevel (roll-up) records of itemized tests as test cases.
    pub include_rollups: bool,
    /// How many log lines a failing case carries in `<system-out>`.
    pub tail_lines: usize,
}

impl Default for JunitOptions {
    fn default() -> Self {
        JunitOptions {
            include_rollups: false,
            tail_lines: 100,
        }
    }
}

/// Totals of a report (also of one suite).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JunitCounts {
    pub suites: usize,
    pub tests: usize,
    pub failures: usize,
    pub skipped: usize,
    pub time: i64,
}

impl JunitCounts {
    fn add(&mut self, o: JunitCounts) {
        self.suites += o.suites;
        self.tests += o.tests;
        self.failures += o.failures;
        self.skipped += o.skipped;
        self.time += o.time;
    }
}

fn cases<'a>(run: &'a RunReport, opts: &JunitOptions) -> Vec<&'a TestReport> {
    let itemized = run.itemized();
    run.tests
        .iter()
        .filter(|t| {
            opts.include_rollups
                || !(t.test.item_path.is_empty() && itemized.contains(t.test.testname.as_str()))
        })
        .collect()
}

fn render_case(out: &mut String, class_prefix: &str, t: &TestReport, opts: &JunitOptions) {
    let r = &t.test;
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\"",
        attr(&r.fullname()),
        attr(&format!("{class_prefix}.{}", r.testname)),
        r.run_duration.max(0)
    );
    match verdict(&r.state, &r.status) {
        Verdict::Passed => out.push_str("/>\n"),
        Verdict::Skipped { message } => {
            let _ = write!(
                out,
                ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                attr(&message)
            );
        }
        Verdict::Failure { kind, message } => {
            let _ = write!(
                out,
                ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                attr(&kind),
                attr(&message),
                text(&r.comment)
            );
            if let Some(log) = failure_output(r, &t.steps, opts.tail_lines) {
                let _ = writeln!(out, "      <system-out>{}</system-out>", text(&log));
            }
            out.push_str("    </testcase>\n");
        }
    }
}

fn render_suite(out: &mut String, run: &RunReport, opts: &JunitOptions) -> JunitCounts {
    let selected = cases(run, opts);
    let mut c = JunitCounts {
        suites: 1,
        tests: selected.len(),
        ..JunitCounts::default()
    };
    for t in &selected {
        match verdict(&t.test.state, &t.test.status) {
            Verdict::Passed => {}
            Verdict::Failure { .. } => c.failures += 1,
            Verdict::Skipped { .. } => c.skipped += 1,
        }
        c.time += t.test.run_duration.max(0);
    }
    let r = &run.run;
    let name = format!("{}/{}", r.target(), r.runname);
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{}\" timestamp=\"{}\">",
        attr(&name),
        c.tests,
        c.failures,
        c.skipped,
        c.time,
        iso(r.event_time)
    );
    out.push_str("    <properties>\n");
    let mut props: Vec<(String, String)> =
        r.keys.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    props.extend([
        ("runname".to_string(), r.runname.clone()),
        ("run_id".to_string(), r.id.to_string()),
        ("state".to_string(), r.state.clone()),
        ("status".to_string(), r.status.clone()),
        ("owner".to_string(), r.owner.clone()),
        ("contour".to_string(), r.contour.clone()),
    ]);
    for (k, v) in props {
        let _ = writeln!(
            out,
            "      <property name=\"{}\" value=\"{}\"/>",
            attr(&k),
            attr(&v)
        );
    }
    out.push_str("    </properties>\n");
    for t in selected {
        render_case(out, &name, t, opts);
    }
    out.push_str("  </testsuite>\n");
    c
}

/// The JUnit XML document for `runs`, with its totals.
#[must_use]
pub fn render(runs: &[RunReport], opts: &JunitOptions) -> (String, JunitCounts) {
    let mut body = String::new();
    let mut total = JunitCounts::default();
    for run in runs {
        total.add(render_suite(&mut body, run, opts));
    }
    let mut out = String::with_capacity(body.len() + 200);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"megatest\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{}\">",
        total.tests, total.failures, total.skipped, total.time
    );
    out.push_str(&body);
    out.push_str("</testsuites>\n");
    (out, total)
}

/// Render and write the report to `path` (parent directories are created).
///
/// # Errors
/// [`crate::ReportError::Write`].
pub fn write(path: &Path, runs: &[RunReport], opts: &JunitOptions) -> Result<JunitCounts> {
    let (xml, counts) = render(runs, opts);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(write_err(parent))?;
    }
    std::fs::write(path, xml).map_err(write_err(path))?;
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{run_of, step};

    fn basic() -> RunReport {
        run_of(
            1,
            "r1",
            &[
                ("a", "", "COMPLETED", "PASS"),
                ("b", "", "COMPLETED", "FAIL"),
                ("c", "", "COMPLETED", "SKIP"),
                ("d", "", "NOT_STARTED", "PREQ_FAIL"),
                ("e", "", "COMPLETED", "FAIL"),
                ("e", "x", "COMPLETED", "PASS"),
                ("e", "y", "COMPLETED", "FAIL"),
                ("f", "", "RUNNING", "n/a"),
            ],
        )
    }

    #[test]
    fn counts_follow_the_verdicts() {
        let run = basic();
        // (include_rollups, tests, failures, skipped)
        let cases = [(false, 7, 3, 2), (true, 8, 4, 2)];
        for (include_rollups, tests, failures, skipped) in cases {
            let opts = JunitOptions {
                include_rollups,
                ..JunitOptions::default()
            };
            let (xml, c) = render(std::slice::from_ref(&run), &opts);
            assert_eq!(
                (c.tests, c.failures, c.skipped),
                (tests, failures, skipped),
                "rollups {include_rollups}"
            );
            assert_eq!(xml.matches("<testcase ").count(), tests);
            assert_eq!(xml.matches("<failure ").count(), failures);
            assert_eq!(xml.matches("<skipped ").count(), skipped);
            assert!(xml.contains(&format!("<testsuite name=\"linux/1.0/r1\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\"")), "{xml}");
        }
    }

    #[test]
    fn names_and_escaping() {
        let mut run = run_of(2, "r<&\"2", &[("t", "a/b", "COMPLETED", "FAIL")]);
        run.tests[0].test.comment = "bad \"x\" <y> & \u{1b}z".into();
        let (xml, _) = render(&[run], &JunitOptions::default());
        assert!(xml.contains("name=\"t(a/b)\""), "{xml}");
        assert!(
            xml.contains("classname=\"linux/1.0/r&lt;&amp;&quot;2.t\""),
            "{xml}"
        );
        assert!(
            xml.contains(">bad \"x\" &lt;y&gt; &amp; \u{FFFD}z</failure>"),
            "{xml}"
        );
        assert!(
            xml.contains("<property name=\"runname\" value=\"r&lt;&amp;&quot;2\"/>"),
            "{xml}"
        );
    }

    #[test]
    fn failing_step_log_goes_to_system_out() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("build.log"),
            "compiling\nerror: <boom> & \u{7}bell\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("prep.log"), "fine\n").unwrap();
        let mut run = run_of(
            3,
            "r3",
            &[
                ("t", "", "COMPLETED", "FAIL"),
                ("u", "", "COMPLETED", "PASS"),
            ],
        );
        let t = &mut run.tests[0];
        t.test.rundir = dir.path().to_string_lossy().into_owned();
        t.steps = vec![
            step(1, t.test.id, "prep", "start", "-"),
            step(2, t.test.id, "prep", "end", "0"),
            step(3, t.test.id, "build", "start", "-"),
            step(4, t.test.id, "build", "end", "1"),
        ];
        let (xml, _) = render(&[run], &JunitOptions::default());
        assert_eq!(xml.matches("<system-out>").count(), 1, "{xml}");
        assert!(
            xml.contains("error: &lt;boom&gt; &amp; \u{FFFD}bell"),
            "{xml}"
        );
        assert!(xml.contains("step build ended 1; last lines of"), "{xml}");
        assert!(!xml.contains("fine"), "{xml}");
    }

    #[test]
    fn empty_report_is_well_formed() {
        let (xml, c) = render(&[], &JunitOptions::default());
        assert_eq!(c, JunitCounts::default());
        assert!(xml.contains("<testsuites name=\"megatest\" tests=\"0\""));
        assert!(xml.trim_end().ends_with("</testsuites>"));
    }
}
