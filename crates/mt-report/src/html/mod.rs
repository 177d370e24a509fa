//! The browsable HTML tree of `-generate-html` (§6.9, extended):
//!
//! ```text
//! DIR/style.css              shared style sheet (status colours of §6.10)
//! DIR/index.html             runs x tests matrix of the 10 most recent runs
//! DIR/page<N>.html           the same for older runs, 10 per page (N = 1, 2, ...)
//! DIR/run<ID>/index.html     one run: its keys, counts and every record
//! DIR/run<ID>/t<TID>.html    one record: details, items, steps, test data, log files
//! ```
//!
//! Within a matrix page runs appear oldest first, rows are `test` or `test:item/path`
//! sorted, and a filter box hides rows whose name contains any of the comma-separated
//! words typed. Links to log files are relative (from the page to the record's run
//! directory), so the tree works opened from disk and served over HTTP with the link
//! tree as document root.
//!
//! Differences from the original: the first page is `index.html` rather than
//! `page0.html`; there is no lock file, instead every file is written to a temporary
//! name and renamed, so a concurrent reader or generator never sees half a page; pages
//! of runs that were removed since an earlier generation are left in place (nothing in
//! DIR is ever deleted, since DIR may be shared with other files).

mod index;
mod run;
mod test;

use std::path::{Path, PathBuf};

use mt_model::State;

use crate::collect::RunReport;
use crate::error::{write_err, Result};
use crate::escape::{css_class, text};

/// Choices for [`write_tree`].
#[derive(Debug, Clone)]
pub struct HtmlOptions {
    /// Shown in page titles (the area name).
    pub title: String,
    /// Runs per matrix page (the original uses 10).
    pub runs_per_page: usize,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions {
            title: "Megatest".into(),
            runs_per_page: 10,
        }
    }
}

/// What [`write_tree`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlSummary {
    pub runs: usize,
    pub pages: usize,
    pub files: usize,
    pub index: PathBuf,
}

const STYLE: &str = "\
body{font-family:sans-serif;margin:1em;color:#000}
table{border-collapse:collapse;margin:0.5em 0}
th,td{border:1px solid #999;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#e8e8e8}
td.absent{color:#888}
td a,td a:visited{color:inherit}
pre{background:#f4f4f4;padding:4px;overflow-x:auto}
nav{margin-bottom:0.5em}
.PASS{background:#2e7d32;color:#fff}
.FAIL{background:#c62828;color:#fff}
.WARN,.KILLED{background:#ef6c00;color:#fff}
.KILLREQ{background:#6a1b9a;color:#fff}
.RUNNING,.LAUNCHED,.REMOTEHOSTSTART{background:#1565c0;color:#fff}
.ABORT{background:#795548;color:#fff}
.SKIP{background:#fdd835}
.WAIVED,.CHECK{background:#aed581}
.PREQ_FAIL,.PREQ_DISCARDED,.DEAD{background:#f48fb1}
";

/// What a status cell shows: the status once there is one, else the state (so a
/// running test reads RUNNING, not n/a).
#[must_use]
pub fn shown<'a>(state: &'a str, status: &'a str) -> &'a str {
    if state == State::COMPLETED || !matches!(status, "n/a" | "") {
        status
    } else {
        state
    }
}

/// A `<td>` coloured by [`shown`], with `inner` (already escaped HTML) as content.
pub(crate) fn status_cell(state: &str, status: &str, inner: &str) -> String {
    format!(
        "<td class=\"{}\" title=\"{}/{}\">{inner}</td>",
        crate::escape::attr(&css_class(shown(state, status))),
        crate::escape::attr(state),
        crate::escape::attr(status)
    )
}

/// A whole page: doctype, title, style sheet at `css` (relative link), `body`.
pub(crate) fn page(title: &str, css: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n\
         <link rel=\"stylesheet\" href=\"{css}\">\n</head>\n<body>\n{body}</body>\n</html>\n",
        t = text(title),
        css = crate::escape::attr(css)
    )
}

/// Write `content` to `path` through a temporary file in the same directory.
pub(crate) fn write_file(path: &Path, content: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(write_err(dir))?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, content).map_err(write_err(&tmp))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        write_err(path)(e)
    })
}

/// The directory of one run's pages, relative to the tree root.
pub(crate) fn run_dir_name(run_id: i64) -> String {
    format!("run{run_id}")
}

/// A record's page, relative to its run's directory.
pub(crate) fn test_page_name(test_id: i64) -> String {
    format!("t{test_id}.html")
}

/// Write the whole tree for `runs` (oldest first, with steps and test data) into `dir`.
///
/// # Errors
/// [`crate::ReportError::Write`] for the first file that cannot be written.
pub fn write_tree(dir: &Path, runs: &[RunReport], opts: &HtmlOptions) -> Result<HtmlSummary> {
    let dir = std::path::absolute(dir).map_err(write_err(dir))?;
    std::fs::create_dir_all(&dir).map_err(write_err(&dir))?;
    let mut files = 0;
    write_file(&dir.join("style.css"), STYLE)?;
    files += 1;
    let pages = index::pages(runs, opts);
    let npages = pages.len();
    for (n, html) in pages.into_iter().enumerate() {
        write_file(&dir.join(index::page_name(n)), &html)?;
        files += 1;
    }
    for r in runs {
        let rdir = dir.join(run_dir_name(r.run.id));
        write_file(&rdir.join("index.html"), &run::render(r, opts))?;
        files += 1;
        let items = r.items_by_test();
        for t in &r.tests {
            let its = items
                .get(t.test.testname.as_str())
                .map_or(&[][..], Vec::as_slice);
            let html = test::render(r, t, its, &rdir, opts);
            write_file(&rdir.join(test_page_name(t.test.id)), &html)?;
            files += 1;
        }
    }
    Ok(HtmlSummary {
        runs: runs.len(),
        pages: npages,
        files,
        index: dir.join("index.html"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_cases() {
        let cases = [
            ("COMPLETED", "PASS", "PASS"),
            ("COMPLETED", "n/a", "n/a"),
            ("RUNNING", "n/a", "RUNNING"),
            ("NOT_STARTED", "n/a", "NOT_STARTED"),
            ("NOT_STARTED", "PREQ_FAIL", "PREQ_FAIL"),
            ("KILLED", "KILLED", "KILLED"),
            ("LAUNCHED", "", "LAUNCHED"),
        ];
        for (state, status, want) in cases {
            assert_eq!(shown(state, status), want, "{state}/{status}");
        }
    }

    #[test]
    fn write_file_replaces_atomically() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/x.html");
        write_file(&p, "one").unwrap();
        write_file(&p, "two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        let names: Vec<_> = std::fs::read_dir(d.path().join("sub"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary left: {names:?}");
    }
}
