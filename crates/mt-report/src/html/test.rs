//! One record's page: its details, its items (for the toplevel of an itemized test), the
//! steps table of §6.4, its test data, and links to the files of its run directory.

use std::fmt::Write as _;
use std::path::Path;

use mt_db::{DataValue, TestDataRow};

use super::{page, status_cell, test_page_name, HtmlOptions};
use crate::collect::{RunReport, TestReport};
use crate::escape::{attr, rel_link, text};
use crate::logs::{rundir, rundir_files};
use crate::steps::summarize;
use crate::time::{duration, human};

fn value(v: Option<&DataValue>) -> String {
    match v {
        None => String::new(),
        Some(DataValue::Num(f)) => f.to_string(),
        Some(DataValue::Text(s)) => s.clone(),
    }
}

fn data_table(b: &mut String, data: &[TestDataRow]) {
    b.push_str("<h2>Test data</h2>\n");
    if data.is_empty() {
        b.push_str("<p>No test data.</p>\n");
        return;
    }
    b.push_str(
        "<table class=\"data\">\n<tr><th>Category</th><th>Variable</th><th>Value</th><th>Expected</th>\
         <th>Tol</th><th>Units</th><th>Status</th><th>Comment</th><th>Type</th></tr>\n",
    );
    for d in data {
        let status = d.status.clone().unwrap_or_default();
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}<td>{}</td><td>{}</td></tr>",
            text(&d.category),
            text(&d.variable),
            text(&value(d.value.as_ref())),
            text(&value(d.expected.as_ref())),
            text(&value(d.tol.as_ref())),
            text(d.units.as_deref().unwrap_or("")),
            status_cell("COMPLETED", &status.to_uppercase(), &text(&status)),
            text(&d.comment),
            text(&d.kind)
        );
    }
    b.push_str("</table>\n");
}

fn steps_table(b: &mut String, t: &TestReport, page_dir: &Path) {
    b.push_str("<h2>Steps</h2>\n");
    let steps = summarize(&t.steps);
    if steps.is_empty() {
        b.push_str("<p>No steps recorded.</p>\n");
        return;
    }
    let dir = rundir(&t.test);
    b.push_str(
        "<table class=\"steps\">\n<tr><th>Step Name</th><th>Start</th><th>End</th><th>Status</th>\
         <th>Duration</th><th>Log File</th><th>Comment</th></tr>\n",
    );
    for s in steps {
        // Link the step's logs that are there: the one the step row names (a logpro
        // page is named even when logpro did not run) and the ezstep's own STEP.log.
        let mut names: Vec<String> = Vec::new();
        for n in [s.logfile.clone(), format!("{}.log", s.name)] {
            if !n.is_empty() && !names.contains(&n) {
                names.push(n);
            }
        }
        let log = names
            .iter()
            .map(|n| match dir.map(|d| d.join(n)) {
                Some(p) if p.is_file() => format!(
                    "<a href=\"{}\">{}</a>",
                    attr(&rel_link(page_dir, &p)),
                    text(n)
                ),
                _ if *n == s.logfile => text(n),
                _ => String::new(),
            })
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{log}</td><td>{}</td></tr>",
            text(&s.name),
            s.start.map(human).unwrap_or_default(),
            s.end.map(human).unwrap_or_default(),
            text(&s.status),
            s.duration.map(duration).unwrap_or_default(),
            text(&s.comment)
        );
    }
    b.push_str("</table>\n");
}

fn files_list(b: &mut String, t: &TestReport, page_dir: &Path) {
    b.push_str("<h2>Log files</h2>\n");
    let Some(dir) = rundir(&t.test) else {
        b.push_str("<p>No run directory: this record never ran.</p>\n");
        return;
    };
    let files = rundir_files(dir);
    if files.is_empty() {
        let _ = writeln!(
            b,
            "<p>No files found in the run directory <code>{}</code> (removed or not reachable from here).</p>",
            text(&dir.to_string_lossy())
        );
        return;
    }
    let final_log = dir.join(&t.test.final_logf);
    b.push_str("<ul class=\"files\">\n");
    for f in files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mark = if f == final_log { " (final log)" } else { "" };
        let _ = writeln!(
            b,
            "<li><a href=\"{}\">{}</a>{mark}</li>",
            attr(&rel_link(page_dir, &f)),
            text(&name)
        );
    }
    b.push_str("</ul>\n");
}

/// The page of record `t` of run `r`; `items` are the item records of its test (listed
/// when `t` is the toplevel); `page_dir` is the absolute directory the page is written
/// to (links to the run directory are relative to it).
#[must_use]
pub fn render(
    r: &RunReport,
    t: &TestReport,
    items: &[&TestReport],
    page_dir: &Path,
    opts: &HtmlOptions,
) -> String {
    let x = &t.test;
    let run_name = format!("{}/{}", r.run.target(), r.run.runname);
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<nav><a href=\"../index.html\">all runs</a> | <a href=\"index.html\">run {}</a></nav>",
        text(&run_name)
    );
    let _ = writeln!(b, "<h1>{}</h1>", text(&x.fullname()));
    b.push_str("<table class=\"info\">\n");
    let rows: [(&str, String); 13] = [
        ("Test", x.testname.clone()),
        ("Item Path", x.item_path.clone()),
        ("State", x.state.clone()),
        ("Duration", duration(x.run_duration)),
        ("Started", human(x.event_time)),
        ("Host", x.host.clone()),
        ("Uname", x.uname.clone()),
        ("CPU Load", x.cpuload.to_string()),
        ("Disk Free", x.diskfree.to_string()),
        ("Run Dir", x.rundir.clone()),
        ("Final Log", x.final_logf.clone()),
        ("Comment", x.comment.clone()),
        ("Test Id", x.id.to_string()),
    ];
    for (k, v) in &rows[..3] {
        let _ = writeln!(b, "<tr><th>{k}</th><td>{}</td></tr>", text(v));
    }
    let _ = writeln!(
        b,
        "<tr><th>Status</th>{}</tr>",
        status_cell(&x.state, &x.status, &text(&x.status))
    );
    for (k, v) in &rows[3..] {
        let _ = writeln!(b, "<tr><th>{k}</th><td>{}</td></tr>", text(v));
    }
    b.push_str("</table>\n");

    if x.item_path.is_empty() && !items.is_empty() {
        b.push_str("<h2>Items</h2>\n<table class=\"items\">\n<tr><th>Item</th><th>State</th><th>Status</th><th>Comment</th></tr>\n");
        for i in items {
            let it = &i.test;
            let _ = writeln!(
                b,
                "<tr><td><a href=\"{}\">{}</a></td><td>{}</td>{}<td>{}</td></tr>",
                test_page_name(it.id),
                text(&it.item_path),
                text(&it.state),
                status_cell(&it.state, &it.status, &text(&it.status)),
                text(&it.comment)
            );
        }
        b.push_str("</table>\n");
    }
    steps_table(&mut b, t, page_dir);
    data_table(&mut b, &t.data);
    files_list(&mut b, t, page_dir);
    page(
        &format!("{}: {} in {run_name}", opts.title, x.fullname()),
        "../style.css",
        &b,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{data_row, run_of, step};

    #[test]
    fn details_steps_data_and_files() {
        let area = tempfile::tempdir().unwrap();
        let rd = area.path().join("lt/linux/1.0/r1/t");
        std::fs::create_dir_all(&rd).unwrap();
        std::fs::write(rd.join("build.log"), "x").unwrap();
        std::fs::write(rd.join("my file#1.html"), "x").unwrap();
        std::fs::write(rd.join(".hidden"), "x").unwrap();
        let mut r = run_of(1, "r1", &[("t", "", "COMPLETED", "FAIL")]);
        let t = &mut r.tests[0];
        t.test.rundir = rd.to_string_lossy().into_owned();
        t.test.final_logf = "build.log".into();
        t.steps = vec![
            step(1, t.test.id, "build", "start", "-"),
            step(2, t.test.id, "build", "end", "1"),
        ];
        t.steps[1].logfile = "build.html".into();
        t.data = vec![data_row(t.test.id, "perf", "speed", 105.0, "pass")];
        let page_dir = area.path().join("lt/html/run1");
        let html = render(&r, &r.tests[0], &[], &page_dir, &HtmlOptions::default());
        assert!(html.contains("<th>Status</th><td class=\"FAIL\""), "{html}");
        assert!(
            html.contains("<a href=\"../../linux/1.0/r1/t/build.log\">build.log</a> (final log)"),
            "{html}"
        );
        assert!(
            html.contains("href=\"../../linux/1.0/r1/t/my%20file%231.html\""),
            "{html}"
        );
        assert!(!html.contains(".hidden"));
        assert!(
            html.contains("<td>build</td>") && html.contains("<td>1</td><td>1s</td>"),
            "{html}"
        );
        // The named logpro page is missing (plain text); the step's own log is linked.
        assert!(
            html.contains(
                "<td>build.html <a href=\"../../linux/1.0/r1/t/build.log\">build.log</a></td>"
            ),
            "{html}"
        );
        assert!(html.contains("<td>perf</td><td>speed</td><td>105</td><td>100</td><td>&gt;</td><td>ms</td><td class=\"PASS\""), "{html}");
        assert!(html.contains("<td>c &lt;&amp;&gt;</td>"));
    }

    #[test]
    fn toplevel_lists_items_and_never_ran_has_no_dir() {
        let r = run_of(
            2,
            "r2",
            &[
                ("u", "", "COMPLETED", "FAIL"),
                ("u", "a", "COMPLETED", "PASS"),
                ("u", "b", "COMPLETED", "FAIL"),
                ("v", "", "NOT_STARTED", "PREQ_FAIL"),
            ],
        );
        let items = r.items_by_test();
        assert_eq!(items.len(), 1, "only u is itemized");
        let html = render(
            &r,
            &r.tests[0],
            &items["u"],
            Path::new("/h/run2"),
            &HtmlOptions::default(),
        );
        assert!(html.contains("<h2>Items</h2>"));
        assert!(
            html.contains("<a href=\"t2002.html\">a</a>")
                && html.contains("<a href=\"t2003.html\">b</a>"),
            "{html}"
        );
        let item = render(
            &r,
            &r.tests[1],
            &items["u"],
            Path::new("/h/run2"),
            &HtmlOptions::default(),
        );
        assert!(!item.contains("<h2>Items</h2>"));
        let never = render(
            &r,
            &r.tests[3],
            &[],
            Path::new("/h/run2"),
            &HtmlOptions::default(),
        );
        assert!(never.contains("this record never ran") && never.contains("No steps recorded"));
    }
}
