//! Conformance suite: every directory under `tests/conformance/` holds `rules.logpro`
//! and `input.log`, and the expected `expected.exit`, plus either `expected.annotated`
//! and `expected.dat` (the rules loaded) or `expected.error` (they did not). The
//! expectations were written from the spec and reviewed by hand; run with
//! `UPDATE_SNAPSHOTS=1` to regenerate them after a deliberate change, then review the diff.

use logpro::{LogproError, RuleSet};
use std::path::{Path, PathBuf};

fn case_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("conformance dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("rules.logpro").is_file())
        .collect();
    dirs.sort();
    dirs
}

struct Actual {
    exit: String,
    annotated: Option<String>,
    dat: Option<String>,
    error: Option<String>,
}

fn run_case(dir: &Path) -> Actual {
    let rules_path = dir.join("rules.logpro");
    let text = std::fs::read_to_string(&rules_path).unwrap();
    let input = std::fs::read(dir.join("input.log")).unwrap();
    match RuleSet::from_str("rules.logpro", &text) {
        Ok(rules) => {
            let mut out = Vec::new();
            let outcome = rules.process(&input[..], &mut out).unwrap();
            Actual {
                exit: format!("{}\n", outcome.exit_code),
                annotated: Some(String::from_utf8(out).unwrap()),
                dat: Some(outcome.dat()),
                error: None,
            }
        }
        Err(e) => Actual {
            exit: format!("{}\n", e.exit_code()),
            annotated: None,
            dat: None,
            error: Some(format!("{e}\n")),
        },
    }
}

fn check(dir: &Path, file: &str, actual: Option<&str>, update: bool, failures: &mut Vec<String>) {
    let path = dir.join(file);
    match actual {
        None => {
            if path.exists() {
                failures.push(format!(
                    "{}: {file} expected but not produced",
                    dir.display()
                ));
            }
        }
        Some(a) if update => std::fs::write(&path, a).unwrap(),
        Some(a) => match std::fs::read_to_string(&path) {
            Ok(want) if want == a => {}
            Ok(want) => failures.push(format!(
                "{}: {file} differs\n--- want\n{want}\n--- got\n{a}",
                dir.display()
            )),
            Err(_) => failures.push(format!("{}: {file} missing (got:\n{a})", dir.display())),
        },
    }
}

#[test]
fn conformance_cases() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let dirs = case_dirs();
    assert!(dirs.len() >= 25, "only {} cases found", dirs.len());
    let mut failures = Vec::new();
    for dir in &dirs {
        let a = run_case(dir);
        check(dir, "expected.exit", Some(&a.exit), update, &mut failures);
        check(
            dir,
            "expected.annotated",
            a.annotated.as_deref(),
            update,
            &mut failures,
        );
        check(dir, "expected.dat", a.dat.as_deref(), update, &mut failures);
        check(
            dir,
            "expected.error",
            a.error.as_deref(),
            update,
            &mut failures,
        );
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The two rule sets of the acceptance area, checked directly as well.
#[test]
fn acceptance_rule_sets() {
    let cases: &[(&str, &str, i32)] = &[
        (
            "(expect:ignore   in \"LogFileBody\" >= 0 \"Known benign noise\" #/error: benign/)
             (expect:error    in \"LogFileBody\" =  0 \"No errors\"          #/error/i)
             (expect:warning  in \"LogFileBody\" =  0 \"No warnings\"        #/warning/i)
             (expect:required in \"LogFileBody\" =  1 \"Done marker\"        #/ALL DONE/)",
            "starting scan\nerror: benign noise from the simulator\nwarning: low disk on scratch\nALL DONE\n",
            2,
        ),
        (
            "(expect:error    in \"LogFileBody\" = 0 \"No errors\"   #/ERROR/)
             (expect:required in \"LogFileBody\" > 0 \"Done marker\" #/done/)",
            "ERROR: segfault in module foo\n",
            1,
        ),
    ];
    for (rules, log, want) in cases {
        let rs = RuleSet::from_str("scan.logpro", rules).unwrap();
        let o = rs.process(log.as_bytes(), std::io::sink()).unwrap();
        assert_eq!(o.exit_code, *want, "{rules}");
    }
}

#[test]
fn errors_name_file_and_line() {
    let cases: &[(&str, &str)] = &[
        (
            "(expect:error in \"LogFileBody\" = 0 \"x\" #/x/)\n(oops 1)",
            "unbound variable oops at r.logpro:2",
        ),
        (
            "\n\n(expect:error in \"LogFileBody\" = 0 \"x\" #/x/",
            "r.logpro:3",
        ),
        (
            "(expect:error in \"LogFileBody\" = 0)",
            "bad argument count - received 4 but expected 6",
        ),
    ];
    for (text, want) in cases {
        let e = RuleSet::from_str("r.logpro", text).expect_err("load fails");
        assert!(matches!(e, LogproError::Syntax(_)), "{e:?}");
        assert_eq!(e.exit_code(), 1);
        assert!(e.to_string().contains(want), "{e} does not contain {want}");
    }
    let rs = RuleSet::from_str(
        "r.logpro",
        "\n(expect:error in \"LogFileBody\" <> 0 \"x\" #/x/)",
    )
    .unwrap_err();
    assert!(
        rs.to_string().contains("unbound variable <> at r.logpro:2"),
        "{rs}"
    );
    let rs = RuleSet::from_str(
        "r.logpro",
        "\n\n(expect:error in \"LogFileBody\" = 0 \"x\" (regexp \"(\"))",
    );
    assert!(
        rs.is_err(),
        "an invalid (regexp ...) string is a Scheme error in mt-scheme"
    );
    let rs = RuleSet::from_str(
        "r.logpro",
        "\n\n(expect:error in \"LogFileBody\" = 0 \"x\" #/(/)",
    )
    .unwrap();
    let LogproError::BadRule {
        file,
        line,
        message,
    } = &rs.errors()[0]
    else {
        panic!()
    };
    assert_eq!((file.as_str(), *line), ("r.logpro", 3));
    assert!(message.contains("invalid regex"), "{message}");
}

#[test]
fn waiver_file_rules_come_first() {
    let dir = tempfile::tempdir().unwrap();
    let waiver = dir.path().join("waiver.logpro");
    let cmd = dir.path().join("cmd.logpro");
    std::fs::write(
        &waiver,
        "(expect:waive in \"LogFileBody\" = 0 \"known\" #/error: known/)",
    )
    .unwrap();
    std::fs::write(
        &cmd,
        "(expect:error in \"LogFileBody\" = 0 \"errors\" #/error/)",
    )
    .unwrap();
    let log = "error: known issue\n";
    let cases: &[(Option<&Path>, i32)] = &[
        (Some(&waiver), 4),
        (None, 1),
        (Some(Path::new("/nonexistent/waiver.logpro")), 1),
    ];
    for (w, want) in cases {
        let rs = RuleSet::from_files(*w, &cmd).unwrap();
        let o = rs.process(log.as_bytes(), std::io::sink()).unwrap();
        assert_eq!(o.exit_code, *want, "{w:?}");
    }
    assert!(matches!(
        RuleSet::from_file(dir.path().join("missing.logpro")),
        Err(LogproError::NotFound(_))
    ));
}

#[test]
fn settings_and_load() {
    let dir = tempfile::tempdir().unwrap();
    let rs = RuleSet::from_str("r", "(logpro:set! \"summdat\" #f)").unwrap();
    assert!(!rs.summdat());
    let rs = RuleSet::from_str(
        "r",
        "(logpro:set! \"summdat\" #f) (logpro:unset! \"summdat\")",
    )
    .unwrap();
    assert!(rs.summdat());
    let inc = dir.path().join("common.logpro");
    std::fs::write(
        &inc,
        "(expect:error in \"LogFileBody\" = 0 \"from include\" #/bad/)",
    )
    .unwrap();
    let text = format!(
        "(expect:ignore in \"LogFileBody\" >= 0 \"first\" #/bad but ok/)\n(load \"{}\")",
        inc.display()
    );
    let rs = RuleSet::from_str("r", &text).unwrap();
    assert_eq!(rs.rules().len(), 2);
    let o = rs
        .process("bad but ok\nbad\n".as_bytes(), std::io::sink())
        .unwrap();
    assert_eq!(o.exit_code, 1);
    assert_eq!(o.message.as_deref(), Some("error: from include"));
}

#[test]
fn hooks_run_with_substitutions() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hook.out");
    let text = format!(
        "(hook:add \"note\" \"echo '#{{m1}}|#{{line}}' >> {0}\")
         (hook:add \"once\" \"echo once >> {0}\" one-time: #t)
         (hook:add \"val\" \"echo v=#{{measured}} #{{message}} >> {0}\")
         (expect:warning in \"LogFileBody\" = 0 \"w\" #/warn (\\d+)/ hook: \"note\")
         (expect:ignore in \"LogFileBody\" >= 0 \"o\" #/ONCE/ hook: \"once\")
         (expect:value in \"LogFileBody\" 5 1 \"volts\" #/v=(\\d+)/ hook: \"val\")",
        out.display()
    );
    let rs = RuleSet::from_str("r", &text).unwrap();
    let mut annotated = Vec::new();
    let o = rs
        .process(
            "warn 7 here\nONCE\nONCE\nv=4\nv=6\n".as_bytes(),
            &mut annotated,
        )
        .unwrap();
    assert_eq!(o.exit_code, 2);
    let got = std::fs::read_to_string(&out).unwrap();
    assert_eq!(got, "7|warn 7\nonce\nv=6 volts\n");
    let annotated = String::from_utf8(annotated).unwrap();
    assert!(
        annotated.contains("NONERR HOOK CALLED: echo '7|warn 7'"),
        "{annotated}"
    );
    assert!(
        annotated.contains("VALUE HOOK CALLED: echo v=6 volts"),
        "{annotated}"
    );
}

#[test]
fn html_report_shape() {
    let rs = RuleSet::from_str(
        "r",
        "(trigger \"T\" #/^start/) (section \"S\" \"T\" \"none\")
         (expect:error in \"S\" = 0 \"errs\" #/error/ class: \"mine\")",
    )
    .unwrap();
    let mut html = Vec::new();
    let o = rs
        .process_with_html(
            "start\nerror <b>1</b>\nerror 2\nplain\n".as_bytes(),
            std::io::sink(),
            &mut html,
        )
        .unwrap();
    assert_eq!(o.exit_code, 1);
    let html = String::from_utf8(html).unwrap();
    let want_in_order = [
        "<html>",
        "href=\"logpro_style.css\"",
        "<header>LOGPRO RESULTS</header><body>",
        "<a href=\"#summary\">",
        "processed by logpro version 1.19",
        "<hr><pre>",
        "<a name=\"T\"></a><a href=\"#T_table\" class=\"trigger\">start</a>",
        "<a name=\"key_1_0\"></a><a href=\"#key_1_1\" class=\"error mine\">error &lt;b&gt;1&lt;/b&gt;</a>",
        "<a name=\"key_1_1\"></a><a href=\"#key_1_2\" class=\"error mine\">error 2</a>",
        "\nplain\n",
        "<a name=\"summary\"></a>",
        "</pre><p><table>",
        "<th>RuleNum</th><th>RuleType</th><th>Status</th><th>Comp</th><th>Count/Val</th><th>Desc</th><th>Count</th><th>Rx</th>",
        "Expects for <b>S</b> section:",
        "<td class=\"fail\">FAIL</td>",
        "</table>",
        "<h1 class=\"exitcode\">EXIT CODE: 1 (FAIL\n)</h1></body></html>",
    ];
    let mut pos = 0;
    for w in want_in_order {
        match html[pos..].find(w) {
            Some(i) => pos += i + w.len(),
            None => panic!("{w:?} not found after byte {pos} in:\n{html}"),
        }
    }
}

#[test]
fn dat_path_rule() {
    let cases = [
        (
            Some("emptyvar_megatest.sh.html"),
            "emptyvar_megatest.sh.dat",
        ),
        (Some("dir.x/step.html"), "dir.x/step.dat"),
        (Some("report"), "report.dat"),
        (None, "summary.dat"),
    ];
    for (html, want) in cases {
        assert_eq!(
            logpro::dat_path(html.map(Path::new)),
            PathBuf::from(want),
            "{html:?}"
        );
    }
}
