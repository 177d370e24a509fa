//! The diff report between two runs (`-diff-rep`, §6.12): every (test, item) of either
//! run classified as CLEAN, BETTER, WORSE, BOTH-BAD, NOT-IN-DEST or NOT-IN-SRC, and an
//! HTML page with the counts and the table of everything that is not CLEAN.
//!
//! Choices: the run is resolved as its id (the original's column-1 quirk is not kept);
//! both `N/A` (as the original spells it) and `n/a` count as "not complete".

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use mt_db::{RunRow, Store, TestFilter, TestRow};

use crate::error::{write_err, ReportError, Result};
use crate::escape::{css_class, text};
use crate::time::human;

/// The classes of §6.12, in the order the summary lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiffClass {
    Clean,
    Better,
    Worse,
    BothBad,
    NotInDest,
    NotInSrc,
}

impl DiffClass {
    pub const ALL: [DiffClass; 6] = [
        DiffClass::Clean,
        DiffClass::Better,
        DiffClass::Worse,
        DiffClass::BothBad,
        DiffClass::NotInDest,
        DiffClass::NotInSrc,
    ];

    /// The name printed in the report.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            DiffClass::Clean => "CLEAN",
            DiffClass::Better => "BETTER",
            DiffClass::Worse => "WORSE",
            DiffClass::BothBad => "BOTH-BAD",
            DiffClass::NotInDest => "NOT-IN-DEST",
            DiffClass::NotInSrc => "NOT-IN-SRC",
        }
    }
}

/// One (test, item) compared across the two runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRow {
    pub testname: String,
    pub item_path: String,
    /// (state, status) in the source run, if the record exists there.
    pub src: Option<(String, String)>,
    pub dest: Option<(String, String)>,
    pub class: DiffClass,
    /// `CLEAN-<status>`, `<src status>-><dest status>`, `DEST-INCOMPLETE`, ...
    pub detail: String,
}

/// The comparison of two runs.
#[derive(Debug, Clone)]
pub struct DiffReport {
    pub src: RunRow,
    pub dest: RunRow,
    pub rows: Vec<DiffRow>,
}

impl DiffReport {
    /// How many rows fall in each class.
    #[must_use]
    pub fn counts(&self) -> BTreeMap<DiffClass, usize> {
        let mut m: BTreeMap<DiffClass, usize> = DiffClass::ALL.iter().map(|c| (*c, 0)).collect();
        for r in &self.rows {
            *m.entry(r.class).or_default() += 1;
        }
        m
    }
}

fn complete(rec: Option<&(String, String)>) -> bool {
    rec.is_some_and(|(state, status)| {
        state == "COMPLETED"
            && !matches!(
                status.as_str(),
                "DELETED" | "INCOMPLETE" | "STUCK/DEAD" | "N/A" | "n/a"
            )
    })
}

/// PASS > WARN > WAIVED > SKIP > FAIL > ABORT > anything else.
fn goodness(status: &str) -> u8 {
    match status {
        "PASS" => 6,
        "WARN" => 5,
        "WAIVED" => 4,
        "SKIP" => 3,
        "FAIL" => 2,
        "ABORT" => 1,
        _ => 0,
    }
}

/// Classify one (test, item) from its source and destination (state, status).
#[must_use]
pub fn classify(
    src: Option<&(String, String)>,
    dest: Option<&(String, String)>,
) -> (DiffClass, String) {
    match (complete(src), complete(dest), src, dest) {
        (false, false, _, _) => (DiffClass::BothBad, "BOTH-INCOMPLETE".into()),
        (true, false, _, _) => (DiffClass::NotInDest, "DEST-INCOMPLETE".into()),
        (false, true, _, _) => (DiffClass::NotInSrc, "SRC-INCOMPLETE".into()),
        (true, true, Some(s), Some(d)) => {
            if s == d {
                let class = if matches!(s.1.as_str(), "PASS" | "SKIP" | "WAIVED" | "WARN") {
                    DiffClass::Clean
                } else {
                    DiffClass::BothBad
                };
                (class, format!("CLEAN-{}", s.1))
            } else {
                let class = if goodness(&s.1) > goodness(&d.1) {
                    DiffClass::Worse
                } else {
                    DiffClass::Better
                };
                (class, format!("{}->{}", s.1, d.1))
            }
        }
        // complete() is false for a missing record, so both are present here.
        (true, true, _, _) => (DiffClass::BothBad, "BOTH-INCOMPLETE".into()),
    }
}

/// Compare the records of two runs, sorted by test name then item path.
#[must_use]
pub fn compare(src: &[TestRow], dest: &[TestRow]) -> Vec<DiffRow> {
    type Key = (String, String);
    let mut all: BTreeMap<Key, (Option<Key>, Option<Key>)> = BTreeMap::new();
    for t in src {
        all.entry((t.testname.clone(), t.item_path.clone()))
            .or_default()
            .0 = Some((t.state.clone(), t.status.clone()));
    }
    for t in dest {
        all.entry((t.testname.clone(), t.item_path.clone()))
            .or_default()
            .1 = Some((t.state.clone(), t.status.clone()));
    }
    all.into_iter()
        .map(|((testname, item_path), (s, d))| {
            let (class, detail) = classify(s.as_ref(), d.as_ref());
            DiffRow {
                testname,
                item_path,
                src: s,
                dest: d,
                class,
                detail,
            }
        })
        .collect()
}

/// The most recent run (not deleted) matching a run-name pattern and an optional target
/// pattern.
///
/// # Errors
/// [`ReportError::NoSuchRun`] when nothing matches; database failures.
pub fn resolve_run(store: &Store, target: Option<&str>, runname: &str) -> Result<RunRow> {
    store
        .list_runs(runname, target)?
        .pop()
        .ok_or_else(|| ReportError::NoSuchRun {
            target: target.unwrap_or("%").to_string(),
            runname: runname.to_string(),
        })
}

/// Read both runs' records and compare them.
///
/// # Errors
/// Database failures.
pub fn diff_runs(store: &Store, src: RunRow, dest: RunRow) -> Result<DiffReport> {
    let s = store.tests_for_run(src.id, &TestFilter::default())?;
    let d = store.tests_for_run(dest.id, &TestFilter::default())?;
    let rows = compare(&s, &d);
    Ok(DiffReport { src, dest, rows })
}

const BANNER: &str = "\
+-------------------------------------------+
|  M E G A T E S T   D I F F   R E P O R T  |
+-------------------------------------------+";

const STYLE: &str = "body{font-family:sans-serif}table{border-collapse:collapse;margin:0.5em 0}\
th,td{border:1px solid #999;padding:2px 6px;text-align:left}th{background:#e8e8e8}\
.CLEAN,.PASS{background:#c8e6c9}.BETTER{background:#66bb6a}.WORSE,.BOTH-BAD,.ABORT{background:#ef5350}\
.WARN,.SKIP{background:#fff59d}.FAIL{background:#f8bbd0}";

fn pct(n: usize, total: usize) -> String {
    if total == 0 {
        return "0.0%".into();
    }
    #[expect(clippy::cast_precision_loss, reason = "test counts")]
    let p = n as f64 * 100.0 / total as f64;
    format!("{p:.1}%")
}

fn status_td(rec: Option<&(String, String)>) -> String {
    match rec {
        None => "<td>(none)</td>".into(),
        Some((state, status)) => {
            let shown = if state == "COMPLETED" {
                status.clone()
            } else {
                format!("{state}/{status}")
            };
            format!(
                "<td class=\"{}\">{}</td>",
                crate::escape::attr(&css_class(status)),
                text(&shown)
            )
        }
    }
}

/// The HTML page of `rep`. `area_home` is printed as `MT_RUN_AREA_HOME`; `generated`
/// (epoch seconds) as the calculation time.
#[must_use]
pub fn render_html(rep: &DiffReport, area_home: &str, generated: i64) -> String {
    let mut b = String::new();
    let title = format!(
        "[MEGATEST DIFF] {}/{} vs. {}/{}",
        rep.src.target(),
        rep.src.runname,
        rep.dest.target(),
        rep.dest.runname
    );
    let _ = write!(
        b,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<pre>{}</pre>\n",
        text(&title),
        text(BANNER)
    );
    let _ = writeln!(
        b,
        "<h2>Summary</h2>\n<p>Calculated at {}<br>MT_RUN_AREA_HOME: {}</p>",
        human(generated),
        text(area_home)
    );
    let total = rep.rows.len();
    b.push_str("<table class=\"summary\">\n<tr><th>Diff</th><th>Count</th><th>Percent</th></tr>\n");
    for (class, n) in rep.counts() {
        let _ = writeln!(
            b,
            "<tr><td class=\"{}\">{}</td><td>{n}</td><td>{}</td></tr>",
            class.name(),
            class.name(),
            pct(n, total)
        );
    }
    let _ = writeln!(
        b,
        "<tr><th>Total</th><td>{total}</td><td></td></tr>\n</table>"
    );
    b.push_str("<table class=\"runs\">\n<tr><th></th><th>Start time</th><th>Target</th><th>Run name</th></tr>\n");
    for (label, r) in [("Source", &rep.src), ("Destination", &rep.dest)] {
        let _ = writeln!(
            b,
            "<tr><th>{label}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            human(r.event_time),
            text(&r.target()),
            text(&r.runname)
        );
    }
    b.push_str("</table>\n<h2>Diffs + consistently failing tests</h2>\n");
    b.push_str(
        "<table class=\"diffs\">\n<tr><th>Test</th><th>Item</th><th>Source status</th>\
         <th>Destination status</th><th>Diff</th><th>Detail</th></tr>\n",
    );
    for r in rep.rows.iter().filter(|r| r.class != DiffClass::Clean) {
        let _ = writeln!(
            b,
            "<tr class=\"diff\"><td>{}</td><td>{}</td>{}{}<td class=\"{}\">{}</td><td>{}</td></tr>",
            text(&r.testname),
            text(&r.item_path),
            status_td(r.src.as_ref()),
            status_td(r.dest.as_ref()),
            r.class.name(),
            r.class.name(),
            text(&r.detail)
        );
    }
    b.push_str("</table>\n</body>\n</html>\n");
    b
}

/// Write the page of `rep` to `path`.
///
/// # Errors
/// [`ReportError::Write`].
pub fn write_html(path: &Path, rep: &DiffReport, area_home: &str, generated: i64) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(write_err(parent))?;
    }
    std::fs::write(path, render_html(rep, area_home, generated)).map_err(write_err(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{run_row, test_row};

    fn rec(state: &str, status: &str) -> Option<(String, String)> {
        Some((state.into(), status.into()))
    }

    #[test]
    fn classify_table() {
        let c = "COMPLETED";
        let cases = [
            (
                rec(c, "PASS"),
                rec(c, "PASS"),
                DiffClass::Clean,
                "CLEAN-PASS",
            ),
            (
                rec(c, "WARN"),
                rec(c, "WARN"),
                DiffClass::Clean,
                "CLEAN-WARN",
            ),
            (
                rec(c, "SKIP"),
                rec(c, "SKIP"),
                DiffClass::Clean,
                "CLEAN-SKIP",
            ),
            (
                rec(c, "FAIL"),
                rec(c, "FAIL"),
                DiffClass::BothBad,
                "CLEAN-FAIL",
            ),
            (
                rec(c, "PASS"),
                rec(c, "FAIL"),
                DiffClass::Worse,
                "PASS->FAIL",
            ),
            (
                rec(c, "FAIL"),
                rec(c, "PASS"),
                DiffClass::Better,
                "FAIL->PASS",
            ),
            (
                rec(c, "WARN"),
                rec(c, "WAIVED"),
                DiffClass::Worse,
                "WARN->WAIVED",
            ),
            (
                rec(c, "ABORT"),
                rec(c, "FAIL"),
                DiffClass::Better,
                "ABORT->FAIL",
            ),
            (
                rec(c, "FAIL"),
                rec(c, "WEIRD"),
                DiffClass::Worse,
                "FAIL->WEIRD",
            ),
            (rec(c, "X"), rec(c, "Y"), DiffClass::Better, "X->Y"),
            (
                rec(c, "PASS"),
                None,
                DiffClass::NotInDest,
                "DEST-INCOMPLETE",
            ),
            (None, rec(c, "PASS"), DiffClass::NotInSrc, "SRC-INCOMPLETE"),
            (
                rec(c, "PASS"),
                rec("RUNNING", "n/a"),
                DiffClass::NotInDest,
                "DEST-INCOMPLETE",
            ),
            (
                rec("NOT_STARTED", "PREQ_FAIL"),
                rec(c, "PASS"),
                DiffClass::NotInSrc,
                "SRC-INCOMPLETE",
            ),
            (
                rec(c, "STUCK/DEAD"),
                rec(c, "n/a"),
                DiffClass::BothBad,
                "BOTH-INCOMPLETE",
            ),
            (
                rec(c, "N/A"),
                rec(c, "PASS"),
                DiffClass::NotInSrc,
                "SRC-INCOMPLETE",
            ),
            (
                rec("KILLED", "KILLED"),
                rec("KILLED", "KILLED"),
                DiffClass::BothBad,
                "BOTH-INCOMPLETE",
            ),
        ];
        for (s, d, class, detail) in cases {
            let got = classify(s.as_ref(), d.as_ref());
            assert_eq!(got, (class, detail.to_string()), "{s:?} vs {d:?}");
        }
    }

    #[test]
    fn compare_unions_and_sorts() {
        let src = vec![
            test_row(1, "b", "", "COMPLETED", "PASS"),
            test_row(2, "a", "y", "COMPLETED", "PASS"),
            test_row(3, "a", "x", "COMPLETED", "FAIL"),
        ];
        let dest = vec![
            test_row(4, "a", "x", "COMPLETED", "PASS"),
            test_row(5, "c", "", "COMPLETED", "PASS"),
        ];
        let rows = compare(&src, &dest);
        let got: Vec<(&str, &str, DiffClass)> = rows
            .iter()
            .map(|r| (r.testname.as_str(), r.item_path.as_str(), r.class))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a", "x", DiffClass::Better),
                ("a", "y", DiffClass::NotInDest),
                ("b", "", DiffClass::NotInDest),
                ("c", "", DiffClass::NotInSrc),
            ]
        );
    }

    #[test]
    fn html_lists_non_clean_rows_with_counts() {
        let src = vec![
            test_row(1, "a", "", "COMPLETED", "PASS"),
            test_row(2, "b<", "", "COMPLETED", "PASS"),
        ];
        let dest = vec![
            test_row(3, "a", "", "COMPLETED", "PASS"),
            test_row(4, "b<", "", "COMPLETED", "FAIL"),
        ];
        let rep = DiffReport {
            src: run_row(1, &[("OS", "linux")], "r1"),
            dest: run_row(2, &[("OS", "linux")], "r2"),
            rows: compare(&src, &dest),
        };
        let html = render_html(&rep, "/area", 0);
        assert_eq!(html.matches("<tr class=\"diff\">").count(), 1, "{html}");
        assert!(
            html.contains("<td>b&lt;</td>") && html.contains("<td>PASS-&gt;FAIL</td>"),
            "{html}"
        );
        assert!(
            html.contains("<td class=\"CLEAN\">CLEAN</td><td>1</td><td>50.0%</td>"),
            "{html}"
        );
        assert!(
            html.contains("<td class=\"WORSE\">WORSE</td><td>1</td><td>50.0%</td>"),
            "{html}"
        );
        assert!(html.contains("<td class=\"NOT-IN-SRC\">NOT-IN-SRC</td><td>0</td><td>0.0%</td>"));
        assert!(html.contains("[MEGATEST DIFF] linux/r1 vs. linux/r2"));
    }
}
