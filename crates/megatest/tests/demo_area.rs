//! The bundled example area (examples/demo), run end to end: every row of its EXPECTED.md.

mod common;

use common::{example_area, text, Area};

#[test]
fn demo_area_matches_expected() {
    let a = Area::copy_of(&example_area("demo"));
    let o = a.mt(&[
        "-run",
        "-target",
        "linux/debug",
        "-runname",
        "demo1",
        "-testpatt",
        "%",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let mut want: Vec<(String, String, &str, &str)> = vec![
        ("fetch".into(), String::new(), "COMPLETED", "PASS"),
        ("build".into(), String::new(), "COMPLETED", "PASS"),
        ("unittest".into(), String::new(), "COMPLETED", "FAIL"),
        ("unittest".into(), "ui/shared".into(), "COMPLETED", "FAIL"),
        ("lint".into(), String::new(), "COMPLETED", "WARN"),
        ("perf".into(), String::new(), "COMPLETED", "PASS"),
        ("docs".into(), String::new(), "COMPLETED", "PASS"),
        ("release".into(), String::new(), "NOT_STARTED", "PREQ_FAIL"),
    ];
    for c in ["core", "net", "ui"] {
        for m in ["static", "shared"] {
            want.push(("build".into(), format!("{c}/{m}"), "COMPLETED", "PASS"));
            if (c, m) != ("ui", "shared") {
                want.push(("unittest".into(), format!("{c}/{m}"), "COMPLETED", "PASS"));
            }
        }
    }
    for (t, i, st, ss) in &want {
        assert_eq!(
            a.record("demo1", t, i),
            Some(((*st).to_string(), (*ss).to_string())),
            "{t}/{i}\n{}",
            text(&o)
        );
    }
    assert_eq!(
        a.count("SELECT count(*) FROM tests"),
        i64::try_from(want.len()).unwrap()
    );
    // runconfigs: linux/debug overrides OPTLEVEL, linux/% adds CC.
    let log = std::fs::read_to_string(
        a.dir
            .join("runs/linux/debug/demo1/build/net/shared/compile.log"),
    )
    .unwrap();
    assert_eq!(log.trim(), "building net (shared) with cc -O0");
    // logpro wrote its report and summary; the .dat rows are test data.
    let lint = a.dir.join("runs/linux/debug/demo1/lint");
    assert!(lint.join("check.html").is_file() && lint.join("check.dat").is_file());
    let final_status: String = a
        .db()
        .query_row(
            "SELECT d.status FROM test_data d JOIN tests t ON t.id=d.test_id WHERE t.testname='lint' AND d.variable='final'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(final_status, "WARN");
    let perf: i64 = a.count(
        "SELECT count(*) FROM test_data d JOIN tests t ON t.id=d.test_id WHERE t.testname='perf' AND d.status='pass'",
    );
    assert_eq!(perf, 2);
    // release never ran, so its trigger did not fire.
    assert!(!a.dir.join("notify.log").exists());
}
