//! End-to-end reports on the acceptance area `basic`: run it twice with the real binary,
//! then `-junit`, `-generate-html`, `-diff-rep` and `-extract-ods`, and check the files
//! with real parsers (xmlschema + junitparser, html.parser, zipfile + ElementTree; see
//! crates/mt-report/tests/validate.py) and against the database.

mod common;
#[path = "../../mt-report/tests/pyval/mod.rs"]
mod pyval;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{shared_area, text, Area};
use serde_json::Value;

/// (testname, item_path) → (state, status) of a run, read from the database.
fn records(a: &Area, runname: &str) -> BTreeMap<(String, String), (String, String)> {
    let c = a.db();
    let mut st = c
        .prepare(
            "SELECT t.testname, t.item_path, t.state, t.status FROM tests t JOIN runs r ON r.id=t.run_id
             WHERE r.runname=?1 AND t.state != 'DELETED'",
        )
        .unwrap();
    let rows = st
        .query_map([runname], |r| {
            Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?)))
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

fn ok(a: &Area, args: &[&str]) -> String {
    let out = a.mt(args);
    assert!(out.status.success(), "megatest {args:?}\n{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn html_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "html") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The verdict a CI system must see for a record (the table of mt_report::verdict,
/// restated from its documentation).
fn expected_result(state: &str, status: &str) -> &'static str {
    match (state, status) {
        (_, "SKIP") => "skipped",
        ("RUNNING" | "LAUNCHED" | "REMOTEHOSTSTART" | "KILLREQ", _) => "skipped",
        ("NOT_STARTED", "n/a" | "") => "skipped",
        ("COMPLETED", "PASS" | "WARN" | "CHECK" | "WAIVED") => "passed",
        _ => "failure",
    }
}

fn check_junit(a: &Area, recs: &BTreeMap<(String, String), (String, String)>) {
    let out = a.dir.join("reports/junit.xml");
    ok(
        a,
        &[
            "-junit",
            "reports/junit.xml",
            "-target",
            "linux/1.0",
            "-runname",
            "accept1",
        ],
    );
    let v = pyval::check("junit", &[&out])
        .unwrap_or_else(|e| panic!("{e}\n{}", std::fs::read_to_string(&out).unwrap()));
    let suites = v["suites"].as_array().unwrap();
    assert_eq!(suites.len(), 1);
    assert_eq!(suites[0]["name"], "linux/1.0/accept1");
    let cases: BTreeMap<String, &Value> = suites[0]["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_string(), c))
        .collect();
    let itemized: BTreeSet<&str> = recs
        .keys()
        .filter(|(_, i)| !i.is_empty())
        .map(|(t, _)| t.as_str())
        .collect();
    let mut want_names = BTreeSet::new();
    for ((t, i), (state, status)) in recs {
        if i.is_empty() && itemized.contains(t.as_str()) {
            continue; // roll-up records are left out
        }
        let name = if i.is_empty() {
            t.clone()
        } else {
            format!("{t}({i})")
        };
        let c = cases
            .get(&name)
            .unwrap_or_else(|| panic!("no test case {name}"));
        assert_eq!(
            c["result"],
            expected_result(state, status),
            "{name} is {state}/{status}"
        );
        want_names.insert(name);
    }
    assert_eq!(cases.keys().cloned().collect::<BTreeSet<_>>(), want_names);
    // The failing item's own step output is in system-out.
    let arm = cases["unit(arm/O2)"]["system_out"]
        .as_str()
        .unwrap_or_default();
    assert!(arm.contains("unit failure on arm/O2"), "{arm}");
    let slow = cases["slowpoke"]["system_out"].as_str().unwrap_or_default();
    assert!(slow.contains("step nap"), "{slow}");

    // A test pattern narrows the cases; all runs by default.
    ok(a, &["-junit", "reports/unit.xml", "-testpatt", "unit/%"]);
    let v = pyval::check("junit", &[&a.dir.join("reports/unit.xml")]).unwrap();
    let names: Vec<&str> = v["suites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["linux/1.0/accept1", "linux/1.0/accept2"]);
    for s in v["suites"].as_array().unwrap() {
        for c in s["cases"].as_array().unwrap() {
            assert!(c["name"].as_str().unwrap().starts_with("unit("), "{c}");
        }
    }
}

fn check_html(a: &Area, recs1: usize, recs2: usize) {
    let stdout = ok(a, &["-generate-html"]);
    assert_eq!(stdout.trim(), "2", "the number of runs");
    let dir = a.dir.join("links/html");
    let files = html_files(&dir);
    assert_eq!(
        files.len(),
        1 + 2 + recs1 + recs2,
        "index, one page per run and per record"
    );
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let v = pyval::check("html", &refs).unwrap_or_else(|e| panic!("{e}"));
    let mut logs = 0;
    for (page, info) in v["pages"].as_object().unwrap() {
        assert_eq!(info["broken"], Value::Array(vec![]), "{page}");
        logs += info["links"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l.as_str().is_some_and(|s| s.ends_with("check.log")))
            .count();
    }
    assert!(logs >= 4, "the unit items' pages link their check.log");
    let index = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(index.contains(">accept1</a>") && index.contains(">accept2</a>"));
    // -html-dir and a selection.
    ok(
        a,
        &[
            "-generate-html",
            "-html-dir",
            "other",
            "-runname",
            "accept2",
        ],
    );
    assert_eq!(html_files(&a.dir.join("other")).len(), 1 + 1 + recs2);
}

fn check_diff(a: &Area) {
    let src = records(a, "accept1");
    let dest = records(a, "accept2");
    ok(
        a,
        &[
            "-diff-rep",
            "-src-target",
            "linux/1.0",
            "-src-runname",
            "accept1",
            "-target",
            "linux/1.0",
            "-runname",
            "accept2",
            "-diff-html",
            "diff.html",
        ],
    );
    let out = a.dir.join("diff.html");
    pyval::check("html", &[&out]).unwrap_or_else(|e| panic!("{e}"));
    let html = std::fs::read_to_string(&out).unwrap();
    // Every (test, item) that is not CLEAN (both COMPLETED with the same good status) is
    // listed; CLEAN ones are not.
    let keys: BTreeSet<_> = src.keys().chain(dest.keys()).collect();
    let clean = |k| match (src.get(k), dest.get(k)) {
        (Some(s), Some(d)) => {
            s == d
                && s.0 == "COMPLETED"
                && ["PASS", "SKIP", "WAIVED", "WARN"].contains(&s.1.as_str())
        }
        _ => false,
    };
    let listed = keys.iter().filter(|k| !clean(k)).count();
    assert_eq!(
        html.matches("<tr class=\"diff\">").count(),
        listed,
        "{html}"
    );
    assert!(
        html.contains("<tr class=\"diff\"><td>setup</td><td></td><td class=\"PASS\">PASS</td><td class=\"FAIL\">FAIL</td><td class=\"WORSE\">WORSE</td><td>PASS-&gt;FAIL</td></tr>"),
        "{html}"
    );
}

fn check_ods(a: &Area, recs1: usize) {
    let out = a.mt(&[
        "-extract-ods",
        "sheet.ods",
        "-target",
        "linux/%",
        "-runname",
        "accept1",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("WARNING: output file sheet.ods is relative")
    );
    let v = pyval::check("ods", &[&a.dir.join("sheet.ods")]).unwrap_or_else(|e| panic!("{e}"));
    let sheets = v["sheets"].as_array().unwrap();
    assert_eq!(sheets[0]["name"], "Runs");
    let metas = a.count("SELECT count(*) FROM test_meta");
    assert!(metas > 0);
    let rows = sheets[0]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1 + recs1, "every accept1 record has test_meta");
    let measure = sheets
        .iter()
        .find(|s| s["name"] == "measure")
        .expect("a sheet per test");
    let data_rows = a.count(
        "SELECT count(*) FROM test_data d JOIN tests t ON t.id=d.test_id JOIN runs r ON r.id=t.run_id WHERE r.runname='accept1' AND t.testname='measure'",
    );
    assert_eq!(
        i64::try_from(measure["rows"].as_array().unwrap().len() - 1).unwrap(),
        data_rows
    );
}

/// (arguments, exit code, text expected on stderr, file that must not appear)
const BAD: &[(&[&str], i32, &str, Option<&str>)] = &[
    (
        &[
            "-junit",
            "none.xml",
            "-target",
            "linux/1.0",
            "-runname",
            "nosuch",
        ],
        1,
        "no run matches target linux/1.0 and run name nosuch",
        Some("none.xml"),
    ),
    (
        &["-junit", "none.xml", "-target", "linux"],
        1,
        "bad target pattern",
        Some("none.xml"),
    ),
    (
        &[
            "-generate-html",
            "-html-dir",
            "nohtml",
            "-runname",
            "nosuch",
        ],
        1,
        "no run matches",
        Some("nohtml"),
    ),
    (
        &[
            "-diff-rep",
            "-src-runname",
            "accept1",
            "-runname",
            "accept2",
        ],
        1,
        "Must specify -diff-html or -diff-email with -diff-rep",
        None,
    ),
    (
        &[
            "-diff-rep",
            "-src-runname",
            "nosuch",
            "-runname",
            "accept2",
            "-diff-html",
            "none.html",
        ],
        1,
        "No match for source target/runname=%/nosuch",
        Some("none.html"),
    ),
    (
        &[
            "-diff-rep",
            "-src-runname",
            "accept1",
            "-runname",
            "accept2",
            "-diff-email",
            "a@b",
        ],
        1,
        "not supported",
        None,
    ),
    (
        &[
            "-diff-rep",
            "-runname",
            "accept2",
            "-diff-html",
            "none.html",
        ],
        3,
        "-src-runname",
        Some("none.html"),
    ),
    (
        &["-extract-ods", "none.ods", "-runname", "accept1"],
        3,
        "you must specify the target",
        Some("none.ods"),
    ),
    (
        &["-extract-ods", "none.ods", "-target", "linux/1.0"],
        3,
        "-runname",
        Some("none.ods"),
    ),
    (
        &[
            "-extract-ods",
            "none.ods",
            "-target",
            "linux/1.0",
            "-runname",
            "nosuch",
        ],
        1,
        "no run matches",
        Some("none.ods"),
    ),
];

fn check_bad_input(a: &Area) {
    for (args, code, msg, absent) in BAD {
        let out = a.mt(args);
        assert_eq!(out.status.code(), Some(*code), "{args:?}\n{}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(msg), "{args:?}: want {msg:?}\n{}", text(&out));
        if let Some(f) = absent {
            assert!(!a.dir.join(f).exists(), "{args:?} created {f}");
        }
    }
}

#[test]
fn every_report_on_the_basic_area() {
    let Some(src) = shared_area("basic") else {
        return;
    };
    let a = Area::copy_of(&src);
    ok(
        &a,
        &[
            "-run",
            "-target",
            "linux/1.0",
            "-runname",
            "accept1",
            "-testpatt",
            "%",
        ],
    );
    // A CI job asks for the JUnit report with the run itself.
    ok(
        &a,
        &[
            "-run",
            "-target",
            "linux/1.0",
            "-runname",
            "accept2",
            "-testpatt",
            "setup,compile,unit",
            "-junit",
            "reports/accept2.xml",
        ],
    );
    let v = pyval::check("junit", &[&a.dir.join("reports/accept2.xml")])
        .unwrap_or_else(|e| panic!("{e}"));
    let suites = v["suites"].as_array().unwrap();
    assert_eq!(suites.len(), 1);
    assert_eq!(suites[0]["name"], "linux/1.0/accept2");
    assert_eq!(
        suites[0]["tests"],
        1 + 4 + 4,
        "setup and the items of compile and unit"
    );
    // Make one test worse in the second run, as a regression would.
    ok(
        &a,
        &[
            "-set-state-status",
            "COMPLETED,FAIL",
            "-target",
            "linux/1.0",
            "-runname",
            "accept2",
            "-testpatt",
            "setup",
        ],
    );
    let recs1 = records(&a, "accept1");
    let recs2 = records(&a, "accept2");
    assert!(recs1.len() > recs2.len() && !recs2.is_empty());
    check_junit(&a, &recs1);
    check_html(&a, recs1.len(), recs2.len());
    check_diff(&a);
    check_ods(&a, recs1.len());
    check_bad_input(&a);
}

#[test]
fn reports_need_a_database() {
    let Some(src) = shared_area("basic") else {
        return;
    };
    let a = Area::copy_of(&src);
    for args in [
        &["-junit", "x.xml"][..],
        &["-generate-html"][..],
        &[
            "-extract-ods",
            "x.ods",
            "-target",
            "linux/1.0",
            "-runname",
            "r",
        ][..],
    ] {
        let out = a.mt(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}\n{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("no database yet"),
            "{}",
            text(&out)
        );
    }
}
