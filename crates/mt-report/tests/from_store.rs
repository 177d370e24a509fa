//! Reports rendered from a real `mt_db` store (built here through the store's API, with
//! run directories and step logs on disk), checked with real parsers: the JUnit XML
//! against `junit.xsd` with xmlschema and re-read with junitparser, HTML with
//! html.parser (balanced tags, no broken relative link), the spreadsheet with zipfile
//! and ElementTree.

mod pyval;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mt_db::{DataRecord, RunInfo, Store, TestMeta};
use mt_report::{collect, collect_some, diff, html, junit, ods, ReportError, Selection};
use serde_json::Value;

/// (test, item, state, status, steps as (name, exit code or "" for start only), log text)
type Rec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const RUN1: &[Rec] = &[
    ("setup", "", "COMPLETED", "PASS", &[("prep", "0")]),
    ("build", "", "COMPLETED", "FAIL", &[]),
    ("build", "x86", "COMPLETED", "PASS", &[("compile", "0")]),
    (
        "build",
        "arm",
        "COMPLETED",
        "FAIL",
        &[("compile", "0"), ("link", "1")],
    ),
    ("lint", "", "COMPLETED", "WARN", &[("scan", "2")]),
    ("skipper", "", "COMPLETED", "SKIP", &[]),
    ("slow", "", "KILLED", "KILLED", &[("nap", "")]),
    ("package", "", "NOT_STARTED", "PREQ_FAIL", &[]),
    ("later", "", "NOT_STARTED", "n/a", &[]),
];

const RUN2: &[Rec] = &[
    ("setup", "", "COMPLETED", "FAIL", &[("prep", "1")]),
    ("build", "", "COMPLETED", "PASS", &[]),
    ("build", "x86", "COMPLETED", "PASS", &[("compile", "0")]),
    (
        "build",
        "arm",
        "COMPLETED",
        "PASS",
        &[("compile", "0"), ("link", "0")],
    ),
    ("lint", "", "COMPLETED", "WARN", &[("scan", "2")]),
    ("newtest", "", "COMPLETED", "PASS", &[]),
];

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    store: Store,
}

fn rundir(root: &Path, run: &str, test: &str, item: &str) -> PathBuf {
    let mut p = root.join("links/linux/1.0").join(run).join(test);
    if !item.is_empty() {
        p = p.join(item);
    }
    p
}

fn populate(store: &Store, root: &Path, runname: &str, recs: &[Rec]) {
    let run = store
        .register_run(&[("OS", "linux"), ("RELEASE", "1.0")], runname, "tester")
        .unwrap();
    for (test, item, state, status, steps) in recs {
        let id = store.register_test(run, test, item).unwrap();
        let never_ran = *state == "NOT_STARTED"
            || (item.is_empty() && recs.iter().any(|r| r.0 == *test && !r.1.is_empty()));
        if !never_ran {
            let dir = rundir(root, runname, test, item);
            std::fs::create_dir_all(&dir).unwrap();
            let d = dir.to_string_lossy().into_owned();
            store
                .update_test_run_info(
                    id,
                    &RunInfo {
                        rundir: Some(&d),
                        host: Some("h1"),
                        ..RunInfo::default()
                    },
                )
                .unwrap();
            for (step, code) in *steps {
                store.record_step(id, step, "start", "-", "", "").unwrap();
                let body =
                    format!("{step} of {test}/{item}\nline with <angle> & amp\nexit {code}\n");
                std::fs::write(dir.join(format!("{step}.log")), body).unwrap();
                if !code.is_empty() {
                    store
                        .record_step(id, step, "end", code, "", &format!("{step}.html"))
                        .unwrap();
                }
            }
        }
        if !(item.is_empty() && recs.iter().any(|r| r.0 == *test && !r.1.is_empty())) {
            store
                .set_state_status(id, Some(state), Some(status), Some("a <comment>"), "test")
                .unwrap();
        }
        if *test == "lint" {
            let rec = DataRecord {
                category: "perf".into(),
                variable: "speed".into(),
                value: "105".into(),
                expected: "100".into(),
                tol: "10".into(),
                units: "MB/s".into(),
                ..DataRecord::default()
            };
            store.set_test_data(id, &[rec]).unwrap();
        }
        store
            .upsert_test_meta(&TestMeta {
                testname: (*test).into(),
                author: "ann".into(),
                owner: "bob".into(),
                description: format!("the {test} test"),
                tags: "t1,t2".into(),
                jobgroup: String::new(),
            })
            .unwrap();
    }
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let store = Store::open(
        root.join("megatest.db"),
        &[("OS", "TEXT"), ("RELEASE", "TEXT")],
    )
    .unwrap();
    populate(&store, &root, "r1", RUN1);
    populate(&store, &root, "r2", RUN2);
    Fixture {
        _tmp: tmp,
        root,
        store,
    }
}

fn sel(runname: &str) -> Selection<'_> {
    Selection {
        runname,
        with_data: true,
        ..Selection::default()
    }
}

fn case<'a>(suite: &'a Value, name: &str) -> &'a Value {
    suite["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name} in {suite}"))
}

#[test]
fn junit_validates_and_reports_every_verdict() {
    let f = fixture();
    let runs = collect(&f.store, &sel("%")).unwrap();
    assert_eq!(runs.len(), 2);
    let out = f.root.join("out/junit.xml");
    let counts = junit::write(&out, &runs, &junit::JunitOptions::default()).unwrap();
    let v = pyval::check("junit", &[&out])
        .unwrap_or_else(|e| panic!("{e}\n{}", std::fs::read_to_string(&out).unwrap()));
    let suites = v["suites"].as_array().unwrap();
    assert_eq!(suites.len(), 2);
    let s1 = &suites[0];
    assert_eq!(s1["name"], "linux/1.0/r1");
    assert_eq!(s1["properties"]["OS"], "linux");
    assert_eq!(s1["properties"]["runname"], "r1");
    // The toplevel of itemized "build" is left out: 8 of the 9 records.
    assert_eq!(s1["tests"], 8);
    let want = [
        ("setup", "passed"),
        ("build(x86)", "passed"),
        ("build(arm)", "failure"),
        ("lint", "passed"),
        ("skipper", "skipped"),
        ("slow", "failure"),
        ("package", "failure"),
        ("later", "skipped"),
    ];
    for (name, result) in want {
        assert_eq!(case(s1, name)["result"], result, "{name}");
        assert_eq!(
            case(s1, name)["classname"],
            format!("linux/1.0/r1.{}", name.split('(').next().unwrap())
        );
    }
    assert!(s1["cases"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["name"] != "build"));
    // The failing step's log (link, not compile) is in system-out, escaped and back.
    let arm = case(s1, "build(arm)")["system_out"].as_str().unwrap();
    assert!(
        arm.contains("link of build/arm\nline with <angle> & amp\nexit 1"),
        "{arm}"
    );
    assert!(!arm.contains("compile of"), "{arm}");
    // A killed step with only a start row: its log is shown.
    assert!(case(s1, "slow")["system_out"]
        .as_str()
        .unwrap()
        .contains("nap of slow/"));
    assert!(case(s1, "slow")["message"]
        .as_str()
        .unwrap()
        .starts_with("KILLED/KILLED"));
    // Never ran: no run directory, no output.
    assert!(case(s1, "package")["system_out"].is_null());
    assert_eq!((counts.suites, counts.tests), (2, 8 + 5));
    assert_eq!((counts.failures, counts.skipped), (3 + 1, 2));
}

#[test]
fn the_schema_rejects_what_ci_would_reject() {
    // The validation must be able to fail: a suite without its counters, a failure
    // outside a test case, and a non-numeric time are refused.
    let dir = tempfile::tempdir().unwrap();
    let bad = [
        "<testsuites><testsuite name=\"s\"><testcase name=\"c\"/></testsuite></testsuites>",
        "<testsuites><testsuite name=\"s\" tests=\"1\" failures=\"0\" errors=\"0\"><failure/></testsuite></testsuites>",
        "<testsuites><testsuite name=\"s\" tests=\"1\" failures=\"0\" errors=\"0\"><testcase name=\"c\" time=\"abc\"/></testsuite></testsuites>",
        "<testsuites><testsuite name=\"s\" tests=\"1\" failures=\"0\" errors=\"0\" timestamp=\"yesterday\"/></testsuites>",
        "<testsuites><testsuite name=\"s\" tests=\"2\" failures=\"0\" errors=\"0\"><testcase name=\"c\"/></testsuite></testsuites>",
    ];
    for (i, xml) in bad.iter().enumerate() {
        let p = dir.path().join(format!("bad{i}.xml"));
        std::fs::write(&p, xml).unwrap();
        assert!(pyval::check("junit", &[&p]).is_err(), "accepted: {xml}");
    }
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

#[test]
fn html_tree_parses_and_links_resolve() {
    let f = fixture();
    let runs = collect(&f.store, &sel("%")).unwrap();
    let dir = f.root.join("links/html");
    let sum = html::write_tree(&dir, &runs, &html::HtmlOptions::default()).unwrap();
    assert_eq!((sum.runs, sum.pages), (2, 1));
    let files = html_files(&dir);
    // index + 2 run pages + one page per record.
    assert_eq!(files.len(), 1 + 2 + RUN1.len() + RUN2.len());
    assert_eq!(sum.files, files.len() + 1, "plus style.css");
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let v = pyval::check("html", &refs).unwrap_or_else(|e| panic!("{e}"));
    for (page, info) in v["pages"].as_object().unwrap() {
        assert_eq!(info["broken"], Value::Array(vec![]), "{page}");
    }
    // The matrix: one row per (test, item) of both runs, two cells per row.
    let index = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let rows = index
        .lines()
        .filter(|l| l.starts_with("<tr class=\"test\">"))
        .count();
    assert_eq!(rows, 10, "9 records of r1 plus newtest");
    // A record's page links its step log in the run directory.
    let arm = runs[0]
        .tests
        .iter()
        .find(|t| t.test.item_path == "arm")
        .unwrap();
    let page = dir.join(format!("run{}/t{}.html", runs[0].run.id, arm.test.id));
    let links = &v["pages"][page.to_string_lossy().as_ref()]["links"];
    let links: Vec<&str> = links
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        links.contains(&"../../linux/1.0/r1/build/arm/link.log"),
        "{links:?}"
    );
}

#[test]
fn diff_report_between_two_runs() {
    let f = fixture();
    let src = diff::resolve_run(&f.store, Some("linux/%"), "r1").unwrap();
    let dest = diff::resolve_run(&f.store, None, "r2").unwrap();
    let rep = diff::diff_runs(&f.store, src, dest).unwrap();
    let got: BTreeMap<String, &str> = rep
        .rows
        .iter()
        .map(|r| (format!("{}/{}", r.testname, r.item_path), r.class.name()))
        .collect();
    let want: BTreeMap<String, &str> = [
        ("setup/", "WORSE"),
        ("build/", "BETTER"),
        ("build/x86", "CLEAN"),
        ("build/arm", "BETTER"),
        ("lint/", "CLEAN"),
        ("skipper/", "NOT-IN-DEST"),
        ("slow/", "BOTH-BAD"),
        ("package/", "BOTH-BAD"),
        ("later/", "BOTH-BAD"),
        ("newtest/", "NOT-IN-SRC"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(got, want);
    let out = f.root.join("diff.html");
    diff::write_html(&out, &rep, "/area", 0).unwrap();
    pyval::check("html", &[&out]).unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        text.matches("<tr class=\"diff\">").count(),
        8,
        "every non-CLEAN row"
    );
    match diff::resolve_run(&f.store, None, "nosuch") {
        Err(ReportError::NoSuchRun { runname, .. }) => assert_eq!(runname, "nosuch"),
        other => panic!("expected NoSuchRun, got {other:?}"),
    }
}

#[test]
fn spreadsheet_opens_as_ods() {
    let f = fixture();
    let runs = collect(&f.store, &sel("r1")).unwrap();
    let mut metas = BTreeMap::new();
    for r in &runs {
        for t in &r.tests {
            if let Some(m) = f.store.get_test_meta(&t.test.testname).unwrap() {
                metas.insert(m.testname.clone(), m);
            }
        }
    }
    let out = f.root.join("x.ods");
    let n = ods::write(&out, &runs, &metas, &ods::OdsOptions::default()).unwrap();
    assert_eq!(n, RUN1.len());
    let v = pyval::check("ods", &[&out]).unwrap_or_else(|e| panic!("{e}"));
    let sheets = v["sheets"].as_array().unwrap();
    let names: Vec<&str> = sheets.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["Runs", "build", "later", "lint", "package", "setup", "skipper", "slow"]
    );
    let rows = sheets[0]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1 + RUN1.len());
    let header: Vec<&str> = rows[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        &header[..6],
        [
            "Run Id",
            "Runname",
            "OS",
            "RELEASE",
            "Testname",
            "Item Path"
        ]
    );
    let lint = &sheets[3]["rows"].as_array().unwrap()[1];
    assert_eq!(lint[4], "speed");
    assert_eq!(lint[5], 105.0);
    assert_eq!(lint[9], "pass");
}

#[test]
fn no_matching_run_is_an_error() {
    let f = fixture();
    let s = Selection {
        runname: "r9",
        target: Some("linux/%"),
        ..Selection::default()
    };
    match collect_some(&f.store, &s) {
        Err(e @ ReportError::NoSuchRun { .. }) => {
            assert_eq!(
                e.to_string(),
                "no run matches target linux/% and run name r9"
            );
        }
        other => panic!("expected NoSuchRun, got {other:?}"),
    }
    assert!(collect(&f.store, &s).unwrap().is_empty());
    let bad = Selection {
        target: Some("linux"),
        ..Selection::default()
    };
    assert!(matches!(collect(&f.store, &bad), Err(ReportError::Db(_))));
}
