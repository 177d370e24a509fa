//! Reports from the command line, rendered by `mt-report` (runner spec §1.4.9, §1.4.10,
//! §6.9, §6.12, §6.13, §6.16):
//!
//! - `-extract-ods FILE [-pathmod P]`: OpenDocument spreadsheet of the runs matching
//!   `-target` (a key pattern, `%` allowed) and `-runname` (both required, exit 3);
//! - `-diff-rep -src-target T -src-runname R -target T2 -runname R2 -diff-html FILE`:
//!   compare the newest run matching each pair; `-diff-email` is refused (no mail here);
//! - `-generate-html [-html-dir DIR]`: the HTML tree in `<linktree>/html` (or DIR) of
//!   every run, or of those matching `-target`/`-runname` when given;
//! - `-junit FILE`: JUnit XML of the runs matching `-target` (default: all) and
//!   `-runname` (default `%`), records filtered by `-testpatt`.
//!
//! A selection that matches no run is an error naming it (exit 1), so a CI job that
//! mistypes a run name fails instead of publishing an empty report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use mt_report::{collect, collect_some, diff, html, junit, ods, ReportError, Selection};

use super::{load_area, open_store, runname, target};
use crate::args::Args;
use crate::error::CliError;

fn rep(e: ReportError) -> CliError {
    CliError::new(1, e.to_string())
}

/// One report action: `None` when its option is absent, else its exit code.
type Action = fn(&Args) -> Result<Option<i32>, CliError>;

/// Run the reports actions present on the command line; None when none was asked for.
pub fn dispatch(a: &Args) -> Result<Option<i32>, CliError> {
    let actions: [Action; 4] = [extract_ods, diff_rep, generate_html, junit_xml];
    let mut result = None;
    for f in actions {
        if let Some(c) = f(a)? {
            result = Some(match result {
                Some(0) | None => c,
                Some(prev) => prev,
            });
        }
    }
    Ok(result)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

fn missing(opt: &str, what: &str) -> CliError {
    CliError::new(
        3,
        format!("Missing required parameter for {opt}, you must specify {what}"),
    )
}

/// `-extract-ods FILE`.
fn extract_ods(a: &Args) -> Result<Option<i32>, CliError> {
    let Some(file) = a.get("-extract-ods") else {
        return Ok(None);
    };
    let t = target(a).ok_or_else(|| missing("-extract-ods", "the target with -target"))?;
    let rn =
        runname(a).ok_or_else(|| missing("-extract-ods", "the run name with -runname runname"))?;
    let mut path = PathBuf::from(file);
    if path.is_relative() {
        let cwd = std::env::current_dir()?;
        eprintln!(
            "WARNING: output file {file} is relative; writing it to {}",
            cwd.join(file).display()
        );
        path = cwd.join(path);
    }
    let area = load_area(a, None)?;
    let store = open_store(&area)?;
    let sel = Selection {
        runname: &rn,
        target: Some(&t),
        testpatt: a.get("-testpatt"),
        with_data: true,
    };
    let runs = collect_some(&store, &sel).map_err(rep)?;
    let mut metas = BTreeMap::new();
    for r in &runs {
        for tr in &r.tests {
            if !metas.contains_key(&tr.test.testname) {
                if let Some(m) = store.get_test_meta(&tr.test.testname)? {
                    metas.insert(tr.test.testname.clone(), m);
                }
            }
        }
    }
    let opts = ods::OdsOptions {
        pathmod: a.get("-pathmod").map(str::to_string),
    };
    let rows = ods::write(&path, &runs, &metas, &opts).map_err(rep)?;
    eprintln!(
        "INFO: spreadsheet of {} run(s), {rows} test record(s) written to {}",
        runs.len(),
        path.display()
    );
    Ok(Some(0))
}

/// `-diff-rep`.
fn diff_rep(a: &Args) -> Result<Option<i32>, CliError> {
    if !a.has("-diff-rep") {
        return Ok(None);
    }
    let html_file = a.get("-diff-html");
    let email = a.get("-diff-email");
    if html_file.is_none() && email.is_none() {
        return Err(CliError::new(
            1,
            "Must specify -diff-html or -diff-email with -diff-rep",
        ));
    }
    let src_rn = a
        .get("-src-runname")
        .ok_or_else(|| missing("-diff-rep", "the source run with -src-runname"))?;
    let dest_rn =
        runname(a).ok_or_else(|| missing("-diff-rep", "the destination run with -runname"))?;
    let src_t = a.get("-src-target");
    let dest_t = target(a);
    let area = load_area(a, None)?;
    let store = open_store(&area)?;
    let resolve = |which: &str, t: Option<&str>, rn: &str| {
        diff::resolve_run(&store, t, rn).map_err(|e| match e {
            ReportError::NoSuchRun { .. } => CliError::new(
                1,
                format!(
                    "No match for {which} target/runname={}/{rn}\nCannot proceed.",
                    t.unwrap_or("%")
                ),
            ),
            other => rep(other),
        })
    };
    let src = resolve("source", src_t, src_rn)?;
    let dest = resolve("destination", dest_t.as_deref(), &dest_rn)?;
    let report = diff::diff_runs(&store, src, dest).map_err(rep)?;
    if let Some(f) = html_file {
        let home = area.toppath.to_string_lossy();
        diff::write_html(Path::new(f), &report, &home, now()).map_err(rep)?;
        let counts = report.counts();
        let summary: Vec<String> = counts
            .iter()
            .map(|(c, n)| format!("{} {n}", c.name()))
            .collect();
        eprintln!("INFO: diff report written to {f} ({})", summary.join(", "));
    }
    if let Some(to) = email {
        return Err(CliError::new(
            1,
            format!(
                "-diff-email {to}: sending mail is not supported by this megatest; write the report with -diff-html FILE and mail that file"
            ),
        ));
    }
    Ok(Some(0))
}

/// The selection of `-generate-html` and `-junit`, and whether it was narrowed by the
/// user (an explicit selection that matches nothing is an error).
fn selection<'a>(
    a: &'a Args,
    t: Option<&'a str>,
    rn: Option<&'a str>,
    with_data: bool,
) -> (Selection<'a>, bool) {
    let explicit = t.is_some() || rn.is_some();
    (
        Selection {
            runname: rn.unwrap_or("%"),
            target: t,
            testpatt: a.get("-testpatt"),
            with_data,
        },
        explicit,
    )
}

/// `-generate-html`.
fn generate_html(a: &Args) -> Result<Option<i32>, CliError> {
    if !a.has("-generate-html") {
        return Ok(None);
    }
    let area = load_area(a, None)?;
    let store = open_store(&area)?;
    let t = target(a);
    let rn = runname(a);
    let (sel, explicit) = selection(a, t.as_deref(), rn.as_deref(), true);
    let runs = if explicit {
        collect_some(&store, &sel)
    } else {
        collect(&store, &sel)
    }
    .map_err(rep)?;
    let dir = a
        .get("-html-dir")
        .map_or_else(|| area.linktree().join("html"), PathBuf::from);
    let opts = html::HtmlOptions {
        title: area.area_name(),
        ..html::HtmlOptions::default()
    };
    let sum = html::write_tree(&dir, &runs, &opts).map_err(rep)?;
    println!("{}", sum.runs);
    eprintln!("INFO: HTML output created in {}", sum.index.display());
    Ok(Some(0))
}

/// `-junit FILE`.
fn junit_xml(a: &Args) -> Result<Option<i32>, CliError> {
    let Some(file) = a.get("-junit") else {
        return Ok(None);
    };
    let area = load_area(a, None)?;
    let store = open_store(&area)?;
    let t = target(a);
    let rn = runname(a);
    let (sel, _) = selection(a, t.as_deref(), rn.as_deref(), false);
    let runs = collect_some(&store, &sel).map_err(rep)?;
    let c = junit::write(Path::new(file), &runs, &junit::JunitOptions::default()).map_err(rep)?;
    eprintln!(
        "INFO: JUnit report written to {file}: {} suite(s), {} test case(s), {} failure(s), {} skipped",
        c.suites, c.tests, c.failures, c.skipped
    );
    Ok(Some(0))
}
