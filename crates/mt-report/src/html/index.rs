//! The runs x tests matrix pages: `index.html` for the most recent runs, `page<N>.html`
//! for older ones.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::{page, run_dir_name, status_cell, test_page_name, HtmlOptions};
use crate::collect::RunReport;
use crate::escape::{text, url_path};

/// File name of matrix page `n` (0 = most recent runs).
#[must_use]
pub fn page_name(n: usize) -> String {
    if n == 0 {
        "index.html".into()
    } else {
        format!("page{n}.html")
    }
}

/// Hides rows whose test-name cell contains any of the comma-separated words typed.
const FILTER_JS: &str = "<script>\n\
(function(){var box=document.getElementById('filter');\n\
box.addEventListener('input',function(){\n\
var words=box.value.split(',').map(function(s){return s.trim();}).filter(function(s){return s.length>0;});\n\
document.querySelectorAll('tr.test').forEach(function(row){\n\
var name=row.querySelector('th.tname').textContent;\n\
row.style.display=words.some(function(w){return name.indexOf(w)>=0;})?'none':'';});});})();\n\
</script>\n";

/// The runs of page `n`: the `per`-sized chunks counted from the newest run, each in
/// oldest-first order.
fn chunks(runs: &[RunReport], per: usize) -> Vec<&[RunReport]> {
    let per = per.max(1);
    let mut out = Vec::new();
    let mut end = runs.len();
    while end > 0 {
        let start = end.saturating_sub(per);
        out.push(&runs[start..end]);
        end = start;
    }
    if out.is_empty() {
        out.push(&runs[0..0]);
    }
    out
}

fn row_label(testname: &str, item: &str) -> String {
    if item.is_empty() {
        testname.to_string()
    } else {
        format!("{testname}:{item}")
    }
}

fn render_page(
    runs: &[RunReport],
    n: usize,
    npages: usize,
    total: usize,
    opts: &HtmlOptions,
) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "<h1>{}: runs</h1>", text(&opts.title));
    let _ = write!(b, "<nav>{total} run(s); page {} of {npages}", n + 1);
    if n > 0 {
        let _ = write!(b, " | <a href=\"{}\">newer runs</a>", page_name(n - 1));
    }
    if n + 1 < npages {
        let _ = write!(b, " | <a href=\"{}\">older runs</a>", page_name(n + 1));
    }
    b.push_str("</nav>\n");
    b.push_str(
        "<p><label>Hide tests containing (comma-separated): <input id=\"filter\" type=\"text\"></label></p>\n",
    );
    // Rows: every (test, item) of the page's runs, sorted; cells: the record per run.
    let mut rows: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut cells: Vec<BTreeMap<(&str, &str), &mt_db::TestRow>> = Vec::new();
    for r in runs {
        let mut m = BTreeMap::new();
        for t in &r.tests {
            let k = (t.test.testname.as_str(), t.test.item_path.as_str());
            rows.insert(k);
            m.insert(k, &t.test);
        }
        cells.push(m);
    }
    b.push_str("<table class=\"matrix\">\n<thead>\n");
    let keynames: Vec<&String> = runs
        .first()
        .map(|r| r.run.keys.keys().collect())
        .unwrap_or_default();
    for k in keynames {
        let _ = write!(b, "<tr><th>{}</th>", text(k));
        for r in runs {
            let _ = write!(
                b,
                "<td>{}</td>",
                text(r.run.keys.get(k).map_or("", String::as_str))
            );
        }
        b.push_str("</tr>\n");
    }
    b.push_str("<tr><th>Run Name</th>");
    for r in runs {
        let _ = write!(
            b,
            "<td><a href=\"{}/index.html\">{}</a></td>",
            url_path(&run_dir_name(r.run.id)),
            text(&r.run.runname)
        );
    }
    b.push_str("</tr>\n</thead>\n<tbody>\n");
    for (tn, item) in &rows {
        let _ = write!(
            b,
            "<tr class=\"test\"><th class=\"tname\">{}</th>",
            text(&row_label(tn, item))
        );
        for (r, m) in runs.iter().zip(&cells) {
            match m.get(&(*tn, *item)) {
                Some(t) => {
                    let link = format!(
                        "<a href=\"{}/{}\">{}</a>",
                        url_path(&run_dir_name(r.run.id)),
                        test_page_name(t.id),
                        text(super::shown(&t.state, &t.status))
                    );
                    b.push_str(&status_cell(&t.state, &t.status, &link));
                }
                None => b.push_str("<td class=\"absent\">n/a</td>"),
            }
        }
        b.push_str("</tr>\n");
    }
    b.push_str("</tbody>\n</table>\n");
    b.push_str(FILTER_JS);
    page(
        &format!("{} runs, page {}", opts.title, n + 1),
        "style.css",
        &b,
    )
}

/// Every matrix page, page 0 first.
#[must_use]
pub fn pages(runs: &[RunReport], opts: &HtmlOptions) -> Vec<String> {
    let ch = chunks(runs, opts.runs_per_page);
    let n = ch.len();
    ch.iter()
        .enumerate()
        .map(|(i, c)| render_page(c, i, n, runs.len(), opts))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::run_of;

    fn names(c: &[RunReport]) -> Vec<i64> {
        c.iter().map(|r| r.run.id).collect()
    }

    #[test]
    fn chunking_newest_first_pages_oldest_first_within() {
        let runs: Vec<RunReport> = (1..=23).map(|i| run_of(i, &format!("r{i}"), &[])).collect();
        let ch = chunks(&runs, 10);
        assert_eq!(ch.len(), 3);
        assert_eq!(names(ch[0]), (14..=23).collect::<Vec<_>>());
        assert_eq!(names(ch[1]), (4..=13).collect::<Vec<_>>());
        assert_eq!(names(ch[2]), (1..=3).collect::<Vec<_>>());
        assert_eq!(
            chunks(&runs[..0], 10).len(),
            1,
            "an empty tree still has an index"
        );
        assert_eq!(chunks(&runs[..10], 10).len(), 1);
    }

    #[test]
    fn matrix_rows_and_cells() {
        let a = run_of(
            1,
            "ra",
            &[
                ("t1", "", "COMPLETED", "PASS"),
                ("t2", "x", "COMPLETED", "FAIL"),
            ],
        );
        let b = run_of(
            2,
            "rb",
            &[
                ("t1", "", "RUNNING", "n/a"),
                ("t3", "", "COMPLETED", "WARN"),
            ],
        );
        let html = pages(&[a, b], &HtmlOptions::default()).remove(0);
        let rows: Vec<&str> = html
            .lines()
            .filter(|l| l.starts_with("<tr class=\"test\">"))
            .collect();
        assert_eq!(rows.len(), 3, "{html}");
        assert!(
            rows[0].contains(">t1</th>")
                && rows[0].contains("class=\"PASS\"")
                && rows[0].contains(">RUNNING</a>")
        );
        assert!(
            rows[1].contains(">t2:x</th>")
                && rows[1].contains("class=\"FAIL\"")
                && rows[1].contains("<td class=\"absent\">n/a</td>")
        );
        assert!(
            rows[2].contains(">t3</th>")
                && rows[2].contains("<td class=\"absent\">n/a</td><td class=\"WARN\"")
        );
        assert!(
            html.contains("<tr><th>OS</th><td>linux</td><td>linux</td></tr>"),
            "{html}"
        );
        assert!(html.contains("<a href=\"run1/index.html\">ra</a>"));
        assert!(html.contains("href=\"run2/t2001.html\""), "{html}");
    }

    #[test]
    fn navigation_links() {
        let runs: Vec<RunReport> = (1..=3).map(|i| run_of(i, &format!("r{i}"), &[])).collect();
        let opts = HtmlOptions {
            runs_per_page: 1,
            ..HtmlOptions::default()
        };
        let p = pages(&runs, &opts);
        assert_eq!(p.len(), 3);
        assert!(p[0].contains("href=\"page1.html\">older") && !p[0].contains("newer"));
        assert!(
            p[1].contains("href=\"index.html\">newer")
                && p[1].contains("href=\"page2.html\">older")
        );
        assert!(p[2].contains("href=\"page1.html\">newer") && !p[2].contains("older runs"));
        assert!(p[2].contains(">r1</a>") && p[0].contains(">r3</a>"));
    }

    #[test]
    fn names_are_escaped() {
        let r = run_of(1, "<b>&", &[("t<1>", "", "COMPLETED", "PASS")]);
        let html = pages(&[r], &HtmlOptions::default()).remove(0);
        assert!(
            html.contains(">&lt;b&gt;&amp;</a>") && html.contains(">t&lt;1&gt;</th>"),
            "{html}"
        );
    }
}
