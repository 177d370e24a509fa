//! Test data: -set-values, -load-test-data, the AUTO status and the data roll-up.

mod common;

use common::{fresh, target};
use mt_db::{DataValue, DbError, Store};

fn setup(s: &Store) -> (i64, i64) {
    let r = s.register_run(&target("a", "b"), "r", "me").unwrap();
    (r, s.register_test(r, "perf", "").unwrap())
}

#[test]
fn set_values_from_the_acceptance_area() {
    let (_d, s) = fresh();
    let (_, t) = setup(&s);
    // (category, variable, value, expected, tol, units) -> status
    let cases = [
        ("perf", "speed", "105", "100", "10", "MB/s", "pass"),
        ("perf", "latency", "130", "100", "10", "ms", "fail"),
        ("perf", "ratio", "3", "2", ">", "", "pass"),
        (
            "perf",
            "odd",
            "3",
            "2",
            "about",
            "",
            "ERROR: bad tol comparator about",
        ),
    ];
    for (c, v, val, exp, tol, units, want) in cases {
        let row = s.set_values(t, c, v, val, exp, tol, units).unwrap();
        assert_eq!(row.status.as_deref(), Some(want), "{v}");
        assert_eq!(
            row.units.as_deref(),
            (!units.is_empty()).then_some(units),
            "{v}"
        );
    }
    let rows = s.test_data(t).unwrap();
    let speed = rows.iter().find(|r| r.variable == "speed").unwrap();
    assert_eq!(speed.value, Some(DataValue::Num(105.0)));
    assert_eq!(speed.tol, Some(DataValue::Num(10.0)));
    let ratio = rows.iter().find(|r| r.variable == "ratio").unwrap();
    assert_eq!(ratio.tol, Some(DataValue::Text(">".into())));
    // Insert-or-replace by (category, variable).
    s.set_values(t, "perf", "latency", "101", "100", "10", "ms")
        .unwrap();
    let rows = s.test_data(t).unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(
        rows.iter()
            .find(|r| r.variable == "latency")
            .unwrap()
            .status
            .as_deref(),
        Some("pass")
    );
    // -set-values does not roll up onto the test.
    assert_eq!(s.get_test(t).unwrap().unwrap().status, "n/a");
}

#[test]
fn load_csv_then_rollup() {
    let (_d, s) = fresh();
    let (_, t) = setup(&s);
    let csv = "cat,var,value,expected,tol,units,comment,status,type\n\
               foo, bar, 1.2, 1.9, >\n\
               \n\
               foo, rab, 1.0e9, 10e9, 1e9\n\
               bar, for, 0, 0, 0, sec, \"a, comment\"\n\
               bar, given, 7, 0, 0, , , PASS\n";
    let load = s.load_test_data_csv(t, csv, "cli").unwrap();
    assert_eq!(load.records, 5, "header is data too, blank lines skipped");
    assert_eq!(
        (load.pass_count, load.fail_count),
        (2, 2),
        "PASS counts case-insensitively"
    );
    let rows = s.test_data(t).unwrap();
    let get = |c: &str, v: &str| {
        rows.iter()
            .find(|r| r.category == c && r.variable == v)
            .unwrap()
    };
    assert_eq!(get("foo", "bar").status.as_deref(), Some("fail"));
    assert_eq!(get("foo", "rab").status.as_deref(), Some("fail"));
    assert_eq!(get("bar", "for").status.as_deref(), Some("pass"));
    assert_eq!(get("bar", "for").comment, "a, comment");
    assert_eq!(get("bar", "given").status.as_deref(), Some("PASS"));
    assert_eq!(get("cat", "var").status.as_deref(), Some("status"));
    let test = s.get_test(t).unwrap().unwrap();
    assert_eq!(
        (test.status.as_str(), test.pass_count, test.fail_count),
        ("FAIL", 2, 2)
    );
    assert_eq!(load.changes.len(), 1);
    assert_eq!(load.changes[0].new_status, "FAIL");
    assert_eq!(
        s.events_for_test(t)
            .unwrap()
            .last()
            .unwrap()
            .new_status
            .as_deref(),
        Some("FAIL")
    );

    let err = s
        .load_test_data_csv(t, "a,b,1\nc,\"open,2\n", "cli")
        .unwrap_err();
    assert!(matches!(err, DbError::TestData { line: 2, .. }), "{err}");
}

#[test]
fn auto_status_uses_test_data() {
    let (_d, s) = fresh();
    let r = s.register_run(&target("a", "b"), "r", "me").unwrap();
    let item = s.register_test(r, "perf", "i1").unwrap();
    // No data yet: AUTO stays AUTO.
    s.set_state_status(item, Some("RUNNING"), Some("AUTO"), None, "execute")
        .unwrap();
    assert_eq!(s.get_test(item).unwrap().unwrap().status, "AUTO");
    s.set_values(item, "perf", "speed", "105", "100", "10", "MB/s")
        .unwrap();
    let ch = s
        .set_state_status(item, Some("COMPLETED"), Some("AUTO"), None, "execute")
        .unwrap();
    assert_eq!(ch[0].new_status, "PASS");
    let t = s.get_test(item).unwrap().unwrap();
    assert_eq!((t.status.as_str(), t.pass_count), ("PASS", 1));
    // The toplevel rolled up from the effective item status.
    let top = s.find_test(r, "perf", "").unwrap().unwrap();
    assert_eq!(
        (top.state.as_str(), top.status.as_str()),
        ("COMPLETED", "PASS")
    );
    // A failing row turns it to FAIL through the explicit roll-up.
    s.set_values(item, "perf", "latency", "130", "100", "10", "ms")
        .unwrap();
    let ch = s.test_data_rollup(item, "cli").unwrap();
    assert_eq!(ch.len(), 2, "item and toplevel");
    assert_eq!(s.find_test(r, "perf", "").unwrap().unwrap().status, "FAIL");
}
