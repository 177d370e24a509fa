//! Resolve every test and item of ../shared/areas/basic, with their waiton edges and modes,
//! and check them against its EXPECTED.md (no test is run).

use std::collections::BTreeMap;
use std::path::Path;

use mt_area::{Area, LoadOptions};

fn basic() -> Option<std::path::PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/areas/basic");
    if p.join("megatest.config").is_file() {
        Some(p.canonicalize().unwrap())
    } else {
        eprintln!("SKIP: {} not found", p.display());
        None
    }
}

#[test]
fn basic_area_resolves_as_expected() {
    let Some(dir) = basic() else { return };
    let area = Area::load_at(
        &dir,
        "megatest.config",
        LoadOptions {
            target: Some("linux/1.0".into()),
            scheme: mt_area::scheme_eval::evaluator(&dir, &[]),
            ..LoadOptions::default()
        },
    )
    .expect("area loads");
    let plan = mt_runner::plan::build(&area, "%", None, &area.host).expect("plan");
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);

    // test -> (sorted waitons, mode, item paths)
    let mut got: BTreeMap<String, (Vec<String>, String, Vec<String>)> = BTreeMap::new();
    for tc in &plan.tests {
        let mut host = area.host.clone();
        let items: Vec<String> = if tc.is_itemized() {
            tc.expand_items(&mut host)
                .iter()
                .map(mt_area::Item::path)
                .collect()
        } else {
            Vec::new()
        };
        let mode = if tc.mode.toplevel {
            "toplevel"
        } else if tc.mode.itemwait {
            "itemmatch"
        } else {
            "normal"
        };
        let mut w = tc.waiton.clone();
        w.sort();
        got.insert(tc.name.clone(), (w, mode.to_string(), items));
    }
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_string()).collect::<Vec<_>>();
    let want: BTreeMap<String, (Vec<String>, String, Vec<String>)> = [
        ("setup", (s(&[]), "normal", s(&[]))),
        (
            "compile",
            (
                s(&["setup"]),
                "normal",
                s(&["x86/O0", "x86/O2", "arm/O0", "arm/O2"]),
            ),
        ),
        (
            "unit",
            (
                s(&["compile"]),
                "itemmatch",
                s(&["x86/O0", "x86/O2", "arm/O0", "arm/O2"]),
            ),
        ),
        ("package", (s(&["unit"]), "normal", s(&[]))),
        ("publish", (s(&["package"]), "normal", s(&[]))),
        ("report", (s(&["unit"]), "toplevel", s(&[]))),
        ("logscan", (s(&[]), "normal", s(&[]))),
        ("logfail", (s(&[]), "normal", s(&[]))),
        ("measure", (s(&[]), "normal", s(&[]))),
        ("slowpoke", (s(&[]), "normal", s(&[]))),
        ("skipper", (s(&[]), "normal", s(&[]))),
        ("envcheck", (s(&[]), "normal", s(&[]))),
        ("triggered", (s(&[]), "normal", s(&[]))),
        ("serial", (s(&[]), "normal", s(&["1", "2", "3"]))),
    ]
    .into_iter()
    .map(|(k, (w, m, i))| (k.to_string(), (w, m.to_string(), i)))
    .collect();
    assert_eq!(got, want);

    // Details EXPECTED.md relies on.
    let by = |n: &str| plan.tests.iter().find(|t| t.name == n).unwrap();
    assert_eq!(by("slowpoke").runtimelim, Some(3));
    assert_eq!(by("serial").jobgroup.as_deref(), Some("serial"));
    assert_eq!(area.jobgroup_limit("serial"), Some(1));
    assert_eq!(area.max_concurrent_jobs(), 3);
    assert!(
        matches!(by("skipper").skip, Some(mt_area::SkipRule::FileExists(ref p)) if p.ends_with("/megatest.config"))
    );
    assert_eq!(by("triggered").triggers.len(), 1);
    assert_eq!(by("triggered").triggers[0].0, "COMPLETED/PASS");
    assert!(by("logfail").logpro_rules("run").is_some());
    assert_eq!(by("setup").tags, "setup,fast");

    // Selecting one item pulls in the matching upstream item through itemmatch.
    let plan = mt_runner::plan::build(&area, "unit/arm/O2", None, &area.host).expect("plan");
    let names: Vec<&str> = plan.tests.iter().map(|t| t.name.as_str()).collect();
    assert!(
        names.contains(&"compile") && names.contains(&"setup"),
        "{names:?}"
    );
    assert!(plan.patt.matches("compile", "arm/O2"));
    assert!(plan.patt.matches("unit", "arm/O2"));
    assert!(!plan.patt.matches("unit", "x86/O0"));

    // Tags select tests (from the testconfigs).
    let plan = mt_runner::plan::build(&area, "%", Some("fast"), &area.host).expect("plan");
    let mut names: Vec<&str> = plan.tests.iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["compile", "setup", "unit"]);
}

#[test]
fn nothing_selected_is_an_error() {
    let Some(dir) = basic() else { return };
    let area = Area::load_at(&dir, "megatest.config", LoadOptions::default()).unwrap();
    let err = mt_runner::plan::build(&area, "nosuchtest", None, &area.host).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("no test matches -testpatt nosuchtest"),
        "{msg}"
    );
    assert!(msg.contains("setup"), "lists the known tests: {msg}");
}
