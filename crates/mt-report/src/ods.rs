//! `-extract-ods FILE` (§6.13): an OpenDocument spreadsheet (`.ods`) of the selected runs.
//!
//! Sheet `Runs`: one row per record of the matching runs whose test has a `test_meta`
//! row (the original joins on it), with the columns of §6.13. Then one sheet per test
//! name with the test data of its records.
//!
//! The file is a real ODS (a zip with `mimetype`, `META-INF/manifest.xml`, `content.xml`,
//! `styles.xml` and `meta.xml`), written in-process with stored entries (see
//! [`crate::zip`]); the original needed the external `zip` command and a scratch
//! directory in `/tmp`. Differences: `When Run` is in UTC (see [`crate::time`]);
//! without `-pathmod` the `Final Log` cell holds `<rundir>/<final_logf>` (or the bare
//! `final_logf` for a record that never ran); the `Reviewed` column is empty because the
//! store does not read `test_meta.reviewed`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use mt_db::{DataValue, TestMeta};

use crate::collect::RunReport;
use crate::error::{write_err, Result};
use crate::escape::{attr, text};
use crate::logs::rundir;
use crate::time::us_date;
use crate::zip::stored_zip;

/// One spreadsheet cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Num(f64),
}

impl Cell {
    fn text(s: &str) -> Cell {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s.to_string())
        }
    }

    #[expect(clippy::cast_precision_loss, reason = "ids, seconds and sizes")]
    fn int(i: i64) -> Cell {
        Cell::Num(i as f64)
    }

    fn data(v: Option<&DataValue>) -> Cell {
        match v {
            None => Cell::Empty,
            Some(DataValue::Num(f)) => Cell::Num(*f),
            Some(DataValue::Text(s)) => Cell::text(s),
        }
    }
}

/// A named table of rows (the first row is the header).
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<Cell>>,
}

/// Choices for [`sheets`].
#[derive(Debug, Clone, Default)]
pub struct OdsOptions {
    /// `-pathmod P`: prefix for the final log paths (Windows separators when P has `\`).
    pub pathmod: Option<String>,
}

fn header(cols: &[&str]) -> Vec<Cell> {
    cols.iter().map(|c| Cell::text(c)).collect()
}

/// The `Final Log` cell of a record.
fn final_log(t: &mt_db::TestRow, opts: &OdsOptions) -> Cell {
    let Some(dir) = rundir(t) else {
        return Cell::text(&t.final_logf);
    };
    let full = dir.join(&t.final_logf);
    match &opts.pathmod {
        None => Cell::text(&full.to_string_lossy()),
        Some(p) => {
            if !full.is_file() {
                return Cell::Empty;
            }
            let mut s = format!("{p}{}", full.to_string_lossy());
            if p.contains('\\') {
                s = s.replace('/', "\\");
            }
            Cell::text(&s)
        }
    }
}

/// Sheet names may not contain `[ ] * ? : / \ '` and must be unique.
fn sheet_name(name: &str, taken: &[String]) -> String {
    let base: String = name
        .chars()
        .map(|c| if "[]*?:/\\'".contains(c) { '_' } else { c })
        .collect();
    let base = if base.is_empty() {
        "_".to_string()
    } else {
        base
    };
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&candidate)) {
        candidate = format!("{base}_{n}");
        n += 1;
    }
    candidate
}

/// The sheets of the spreadsheet: `Runs`, then one per test name (sorted).
#[must_use]
pub fn sheets(
    runs: &[RunReport],
    metas: &BTreeMap<String, TestMeta>,
    opts: &OdsOptions,
) -> Vec<Sheet> {
    let keynames: Vec<String> = runs
        .first()
        .map(|r| r.run.keys.keys().cloned().collect())
        .unwrap_or_default();
    let mut cols: Vec<&str> = vec!["Run Id", "Runname"];
    cols.extend(keynames.iter().map(String::as_str));
    cols.extend([
        "Testname",
        "Item Path",
        "Description",
        "State",
        "Status",
        "Final Log",
        "Run Duration",
        "When Run",
        "Tags",
        "Run Owner",
        "Comment",
        "Author",
        "Test Owner",
        "Reviewed",
        "Diskfree",
        "Uname",
        "Rundir",
        "Host",
        "Cpu Load",
    ]);
    let mut main = vec![header(&cols)];
    let data_cols = [
        "Run Id",
        "Testname",
        "Item Path",
        "Category",
        "Variable",
        "Value",
        "Expected",
        "Tol",
        "Units",
        "Status",
        "Comment",
    ];
    let mut per_test: BTreeMap<&str, Vec<Vec<Cell>>> = BTreeMap::new();
    for r in runs {
        for t in &r.tests {
            let x = &t.test;
            let Some(meta) = metas.get(&x.testname) else {
                continue;
            };
            let mut row = vec![Cell::int(r.run.id), Cell::text(&r.run.runname)];
            row.extend(
                keynames
                    .iter()
                    .map(|k| Cell::text(r.run.keys.get(k).map_or("", String::as_str))),
            );
            row.extend([
                Cell::text(&x.testname),
                Cell::text(&x.item_path),
                Cell::text(&meta.description),
                Cell::text(&x.state),
                Cell::text(&x.status),
                final_log(x, opts),
                Cell::int(x.run_duration),
                Cell::text(&us_date(x.event_time)),
                Cell::text(&meta.tags),
                Cell::text(&r.run.owner),
                Cell::text(&x.comment),
                Cell::text(&meta.author),
                Cell::text(&meta.owner),
                Cell::Empty,
                Cell::int(x.diskfree),
                Cell::text(&x.uname),
                Cell::text(&x.rundir),
                Cell::text(&x.host),
                Cell::Num(x.cpuload),
            ]);
            main.push(row);
            let sheet = per_test
                .entry(x.testname.as_str())
                .or_insert_with(|| vec![header(&data_cols)]);
            for d in &t.data {
                sheet.push(vec![
                    Cell::int(r.run.id),
                    Cell::text(&x.testname),
                    Cell::text(&x.item_path),
                    Cell::text(&d.category),
                    Cell::text(&d.variable),
                    Cell::data(d.value.as_ref()),
                    Cell::data(d.expected.as_ref()),
                    Cell::data(d.tol.as_ref()),
                    Cell::text(d.units.as_deref().unwrap_or("")),
                    Cell::text(d.status.as_deref().unwrap_or("")),
                    Cell::text(&d.comment),
                ]);
            }
        }
    }
    let mut out = vec![Sheet {
        name: "Runs".into(),
        rows: main,
    }];
    let mut taken = vec!["Runs".to_string()];
    for (name, rows) in per_test {
        let n = sheet_name(name, &taken);
        taken.push(n.clone());
        out.push(Sheet { name: n, rows });
    }
    out
}

fn cell_xml(out: &mut String, c: &Cell) {
    match c {
        Cell::Empty => out.push_str("<table:table-cell/>"),
        Cell::Num(f) if f.is_finite() => {
            let _ = write!(
                out,
                "<table:table-cell office:value-type=\"float\" office:value=\"{f}\"><text:p>{f}</text:p></table:table-cell>"
            );
        }
        Cell::Num(f) => {
            let _ = write!(out, "<table:table-cell office:value-type=\"string\"><text:p>{f}</text:p></table:table-cell>");
        }
        Cell::Text(s) => {
            out.push_str("<table:table-cell office:value-type=\"string\">");
            for line in s.split('\n') {
                let _ = write!(out, "<text:p>{}</text:p>", text(line));
            }
            out.push_str("</table:table-cell>");
        }
    }
}

const NS: &str = "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" \
xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\"";

/// `content.xml` of the spreadsheet.
#[must_use]
pub fn content_xml(sheets: &[Sheet]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content {NS} office:version=\"1.2\">\n<office:body>\n<office:spreadsheet>\n"
    );
    for s in sheets {
        let _ = writeln!(out, "<table:table table:name=\"{}\">", attr(&s.name));
        for row in &s.rows {
            out.push_str("<table:table-row>");
            for c in row {
                cell_xml(&mut out, c);
            }
            out.push_str("</table:table-row>\n");
        }
        out.push_str("</table:table>\n");
    }
    out.push_str("</office:spreadsheet>\n</office:body>\n</office:document-content>\n");
    out
}

const MIMETYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";

const MANIFEST: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\">
 <manifest:file-entry manifest:full-path=\"/\" manifest:version=\"1.2\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>
 <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>
 <manifest:file-entry manifest:full-path=\"styles.xml\" manifest:media-type=\"text/xml\"/>
 <manifest:file-entry manifest:full-path=\"meta.xml\" manifest:media-type=\"text/xml\"/>
</manifest:manifest>
";

/// The whole `.ods` file for `sheets`.
///
/// # Errors
/// [`crate::ReportError::TooLarge`] past 4 GiB.
pub fn ods_bytes(sheets: &[Sheet]) -> Result<Vec<u8>> {
    let content = content_xml(sheets);
    let styles = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-styles {NS} office:version=\"1.2\"/>\n"
    );
    let meta = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-meta {NS} office:version=\"1.2\">\
         <office:meta><meta:generator>megatest {}</meta:generator></office:meta></office:document-meta>\n",
        env!("CARGO_PKG_VERSION")
    );
    stored_zip(&[
        ("mimetype", MIMETYPE.as_bytes()),
        ("META-INF/manifest.xml", MANIFEST.as_bytes()),
        ("content.xml", content.as_bytes()),
        ("styles.xml", styles.as_bytes()),
        ("meta.xml", meta.as_bytes()),
    ])
}

/// Build the spreadsheet for `runs` and write it to `path`; returns the number of rows
/// of the `Runs` sheet (without its header).
///
/// # Errors
/// [`crate::ReportError::Write`], [`crate::ReportError::TooLarge`].
pub fn write(
    path: &Path,
    runs: &[RunReport],
    metas: &BTreeMap<String, TestMeta>,
    opts: &OdsOptions,
) -> Result<usize> {
    let sh = sheets(runs, metas, opts);
    let rows = sh[0].rows.len() - 1;
    let bytes = ods_bytes(&sh)?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(write_err(parent))?;
    }
    std::fs::write(path, bytes).map_err(write_err(path))?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{data_row, run_of};

    fn meta(name: &str) -> TestMeta {
        TestMeta {
            testname: name.into(),
            author: "ann".into(),
            owner: "bob".into(),
            description: format!("about {name}"),
            tags: "fast".into(),
            jobgroup: String::new(),
        }
    }

    #[test]
    fn runs_sheet_joins_meta_and_per_test_sheets_hold_data() {
        let mut r = run_of(
            1,
            "r1",
            &[
                ("a", "", "COMPLETED", "PASS"),
                ("b", "", "COMPLETED", "FAIL"),
                ("c/d", "", "COMPLETED", "PASS"),
            ],
        );
        r.tests[0].data = vec![data_row(r.tests[0].test.id, "perf", "speed", 105.0, "pass")];
        let metas: BTreeMap<String, TestMeta> = [meta("a"), meta("c/d")]
            .into_iter()
            .map(|m| (m.testname.clone(), m))
            .collect();
        let sh = sheets(&[r], &metas, &OdsOptions::default());
        let names: Vec<&str> = sh.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Runs", "a", "c_d"]);
        let runs = &sh[0];
        assert_eq!(runs.rows.len(), 3, "header + a + c/d (b has no test_meta)");
        assert_eq!(runs.rows[0][0], Cell::text("Run Id"));
        assert_eq!(runs.rows[0][2], Cell::text("OS"));
        assert_eq!(runs.rows[0][5], Cell::text("Item Path"));
        assert_eq!(runs.rows[0].len(), 2 + 2 + 19);
        assert_eq!(runs.rows[1][0], Cell::Num(1.0));
        assert_eq!(runs.rows[1][4], Cell::text("a"));
        assert_eq!(runs.rows[1][6], Cell::text("about a"));
        assert_eq!(sh[1].rows.len(), 2);
        assert_eq!(sh[1].rows[1][4], Cell::text("speed"));
        assert_eq!(sh[1].rows[1][5], Cell::Num(105.0));
        assert_eq!(sh[1].rows[1][7], Cell::text(">"));
        assert_eq!(sh[2].rows.len(), 1, "header only");
    }

    #[test]
    fn sheet_names_are_legal_and_unique() {
        let taken = vec!["Runs".to_string(), "x_y".to_string()];
        let cases = [
            ("runs", "runs_2"),
            ("x/y", "x_y_2"),
            ("a[1]", "a_1_"),
            ("", "_"),
            ("ok", "ok"),
        ];
        for (input, want) in cases {
            assert_eq!(sheet_name(input, &taken), want, "{input}");
        }
    }

    #[test]
    fn pathmod_final_log() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("final.log"), "x").unwrap();
        let mut r = run_of(1, "r1", &[("a", "", "COMPLETED", "PASS")]);
        let t = &mut r.tests[0].test;
        t.rundir = d.path().to_string_lossy().into_owned();
        t.final_logf = "final.log".into();
        let full = d.path().join("final.log").to_string_lossy().into_owned();
        let cases = [
            (None, Cell::Text(full.clone())),
            (Some("http://h"), Cell::Text(format!("http://h{full}"))),
            (
                Some("\\\\srv"),
                Cell::Text(format!("\\\\srv{}", full.replace('/', "\\"))),
            ),
        ];
        for (pm, want) in cases {
            let opts = OdsOptions {
                pathmod: pm.map(str::to_string),
            };
            assert_eq!(final_log(t, &opts), want, "{pm:?}");
        }
        t.final_logf = "missing.log".into();
        assert_eq!(
            final_log(
                t,
                &OdsOptions {
                    pathmod: Some("p".into())
                }
            ),
            Cell::Empty
        );
    }

    #[test]
    fn content_escapes_and_types() {
        let s = Sheet {
            name: "T<1>".into(),
            rows: vec![vec![
                Cell::Text("a&b\nc".into()),
                Cell::Num(1.5),
                Cell::Empty,
                Cell::Num(f64::NAN),
            ]],
        };
        let xml = content_xml(&[s]);
        assert!(xml.contains("table:name=\"T&lt;1&gt;\""));
        assert!(xml.contains("<text:p>a&amp;b</text:p><text:p>c</text:p>"));
        assert!(xml.contains("office:value-type=\"float\" office:value=\"1.5\""));
        assert!(xml.contains("<table:table-cell/>"));
        assert!(xml.contains("office:value-type=\"string\"><text:p>NaN</text:p>"));
        let z = ods_bytes(&[]).unwrap();
        assert_eq!(&z[30..38], b"mimetype");
        assert_eq!(&z[38..38 + MIMETYPE.len()], MIMETYPE.as_bytes());
    }
}
