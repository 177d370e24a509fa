//! One run's page: its keys and run record, counts per state/status, and every record
//! with a link to its page.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{page, status_cell, test_page_name, HtmlOptions};
use crate::collect::RunReport;
use crate::escape::text;
use crate::time::{duration, human};

/// The page of `r` (written as `run<ID>/index.html`).
#[must_use]
pub fn render(r: &RunReport, opts: &HtmlOptions) -> String {
    let run = &r.run;
    let name = format!("{}/{}", run.target(), run.runname);
    let mut b = String::new();
    b.push_str("<nav><a href=\"../index.html\">all runs</a></nav>\n");
    let _ = writeln!(b, "<h1>Run {}</h1>", text(&name));
    b.push_str("<table class=\"info\">\n");
    let mut rows: Vec<(String, String)> = run
        .keys
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    rows.extend([
        ("Run Name".to_string(), run.runname.clone()),
        ("Run Id".to_string(), run.id.to_string()),
        ("State".to_string(), run.state.clone()),
        ("Status".to_string(), run.status.clone()),
        ("Owner".to_string(), run.owner.clone()),
        ("Started".to_string(), human(run.event_time)),
        ("Contour".to_string(), run.contour.clone()),
        ("Comment".to_string(), run.comment.clone()),
    ]);
    for (k, v) in rows {
        let _ = writeln!(b, "<tr><th>{}</th><td>{}</td></tr>", text(&k), text(&v));
    }
    b.push_str("</table>\n");

    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for t in &r.tests {
        *counts
            .entry((t.test.state.as_str(), t.test.status.as_str()))
            .or_default() += 1;
    }
    b.push_str("<h2>Counts</h2>\n<table class=\"counts\">\n<tr><th>State</th><th>Status</th><th>Count</th></tr>\n");
    for ((state, status), n) in &counts {
        let _ = writeln!(
            b,
            "<tr><td>{}</td>{}<td>{n}</td></tr>",
            text(state),
            status_cell(state, status, &text(status))
        );
    }
    let _ = writeln!(
        b,
        "<tr><th colspan=\"2\">Total</th><td>{}</td></tr>\n</table>",
        r.tests.len()
    );

    b.push_str(
        "<h2>Tests</h2>\n<table class=\"tests\">\n<tr><th>Test</th><th>Item</th><th>State</th>\
         <th>Status</th><th>Duration</th><th>Started</th><th>Host</th><th>Comment</th></tr>\n",
    );
    for t in &r.tests {
        let x = &t.test;
        let _ = writeln!(
            b,
            "<tr><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td>{}<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            test_page_name(x.id),
            text(&x.testname),
            text(&x.item_path),
            text(&x.state),
            status_cell(&x.state, &x.status, &text(&x.status)),
            duration(x.run_duration),
            human(x.event_time),
            text(&x.host),
            text(&x.comment)
        );
    }
    b.push_str("</table>\n");
    page(&format!("{}: run {name}", opts.title), "../style.css", &b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::run_of;

    #[test]
    fn lists_every_record_and_counts() {
        let r = run_of(
            4,
            "r4",
            &[
                ("a", "", "COMPLETED", "PASS"),
                ("b", "", "COMPLETED", "PASS"),
                ("c", "i/j", "COMPLETED", "FAIL"),
            ],
        );
        let html = render(&r, &HtmlOptions::default());
        assert_eq!(html.matches("<a href=\"t400").count(), 3, "{html}");
        assert!(html.contains("<tr><td>COMPLETED</td><td class=\"PASS\" title=\"COMPLETED/PASS\">PASS</td><td>2</td></tr>"), "{html}");
        assert!(
            html.contains("<td>1</td></tr>")
                && html.contains("<th colspan=\"2\">Total</th><td>3</td>")
        );
        assert!(html.contains("<h1>Run linux/1.0/r4</h1>"));
        assert!(html.contains("<tr><th>RELEASE</th><td>1.0</td></tr>"));
    }
}
