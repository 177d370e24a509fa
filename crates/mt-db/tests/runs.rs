//! Runs: registration, revival, lookup, listing with patterns, lock/unlock, delete, rename.

mod common;

use common::{fresh, target};
use mt_db::{DbError, Store};

#[test]
fn register_is_insert_or_ignore_and_revives_deleted_runs() {
    let (_d, s) = fresh();
    let a = s
        .register_run(&target("ubuntu", "v1"), "run1", "me")
        .unwrap();
    let again = s
        .register_run(&target("ubuntu", "v1"), "run1", "other")
        .unwrap();
    assert_eq!(a, again);
    let run = s.get_run(a).unwrap().unwrap();
    assert_eq!((run.state.as_str(), run.status.as_str()), ("new", "n/a"));
    assert_eq!(run.owner, "me");
    assert_eq!(run.target(), "ubuntu/v1");
    assert_eq!(run.keys.keys().collect::<Vec<_>>(), ["SYSTEM", "RELEASE"]);

    s.set_run_state(a, "running").unwrap();
    s.register_run(&target("ubuntu", "v1"), "run1", "me")
        .unwrap();
    assert_eq!(
        s.get_run(a).unwrap().unwrap().state,
        "running",
        "existing run keeps state"
    );

    s.delete_run(a).unwrap();
    assert_eq!(s.get_run(a).unwrap().unwrap().state, "deleted");
    let revived = s
        .register_run(&target("ubuntu", "v1"), "run1", "me")
        .unwrap();
    assert_eq!(revived, a);
    let run = s.get_run(a).unwrap().unwrap();
    assert_eq!((run.state.as_str(), run.status.as_str()), ("new", "n/a"));
}

#[test]
fn key_values_are_checked() {
    let (_d, s) = fresh();
    let err = s.register_run(&[("SYSTEM", "x")], "r", "me").unwrap_err();
    assert!(
        matches!(err, DbError::MissingKeyValue { ref key } if key == "RELEASE"),
        "{err}"
    );
    let err = s
        .register_run(
            &[("SYSTEM", "x"), ("RELEASE", "y"), ("BOGUS", "z")],
            "r",
            "me",
        )
        .unwrap_err();
    assert!(matches!(err, DbError::UnknownKey { .. }), "{err}");
    // Order of the pairs does not matter.
    let a = s
        .register_run(&[("RELEASE", "y"), ("SYSTEM", "x")], "r", "me")
        .unwrap();
    assert_eq!(s.find_run(&target("x", "y"), "r").unwrap().unwrap().id, a);
    assert!(s.find_run(&target("x", "y"), "nope").unwrap().is_none());
    assert_eq!(s.run_keys(a).unwrap()["SYSTEM"], "x");
}

#[test]
fn list_runs_patterns() {
    let (_d, s) = fresh();
    let ids: Vec<i64> = [
        ("ubuntu", "v1", "nightly_1"),
        ("ubuntu", "v2", "nightly_2"),
        ("centos", "v1", "Nightly_3"),
        ("centos", "v1", "weekly"),
    ]
    .iter()
    .map(|(a, b, r)| {
        s.register_run(&[("SYSTEM", a), ("RELEASE", b)], r, "me")
            .unwrap()
    })
    .collect();
    let names = |rn: &str, tp: Option<&str>| -> Vec<String> {
        s.list_runs(rn, tp)
            .unwrap()
            .into_iter()
            .map(|r| format!("{}/{}", r.target(), r.runname))
            .collect()
    };
    let cases: &[(&str, Option<&str>, &[&str])] = &[
        (
            "%",
            None,
            &[
                "ubuntu/v1/nightly_1",
                "ubuntu/v2/nightly_2",
                "centos/v1/Nightly_3",
                "centos/v1/weekly",
            ],
        ),
        // LIKE is case-insensitive, GLOB is not.
        (
            "nightly%",
            None,
            &[
                "ubuntu/v1/nightly_1",
                "ubuntu/v2/nightly_2",
                "centos/v1/Nightly_3",
            ],
        ),
        (
            "nightly*",
            None,
            &["ubuntu/v1/nightly_1", "ubuntu/v2/nightly_2"],
        ),
        ("weekly", None, &["centos/v1/weekly"]),
        (
            "%",
            Some("ubuntu/%"),
            &["ubuntu/v1/nightly_1", "ubuntu/v2/nightly_2"],
        ),
        (
            "%",
            Some("%/v1"),
            &[
                "ubuntu/v1/nightly_1",
                "centos/v1/Nightly_3",
                "centos/v1/weekly",
            ],
        ),
        (
            "%",
            Some("c*/v?"),
            &["centos/v1/Nightly_3", "centos/v1/weekly"],
        ),
        ("%", Some("UBUNTU/v1"), &[]),
    ];
    for (rn, tp, want) in cases {
        assert_eq!(names(rn, *tp), *want, "{rn} {tp:?}");
    }
    assert!(matches!(
        s.list_runs("%", Some("ubuntu")),
        Err(DbError::BadTarget { .. })
    ));
    // Deleted runs are not listed.
    s.delete_run(ids[3]).unwrap();
    assert_eq!(names("weekly", None), Vec::<String>::new());
    let mut targets = s.db_targets().unwrap();
    targets.sort();
    assert_eq!(targets, ["centos/v1", "ubuntu/v1", "ubuntu/v2"]);
}

#[test]
fn lock_unlock_writes_access_log_and_events() {
    let (d, s) = fresh();
    let id = s.register_run(&target("a", "b"), "r", "me").unwrap();
    assert!(!s.is_locked(id).unwrap());
    s.lock_run(id).unwrap();
    assert!(s.is_locked(id).unwrap());
    s.unlock_run(id).unwrap();
    assert!(!s.is_locked(id).unwrap());
    assert_eq!(s.get_run(id).unwrap().unwrap().state, "unlocked");
    assert!(matches!(s.lock_run(9999), Err(DbError::NoSuchRun(9999))));

    let conn = rusqlite::Connection::open(d.path().join("megatest.db")).unwrap();
    let args: Vec<String> = conn
        .prepare("SELECT args FROM access_log ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(args, [format!("locked {id}"), format!("unlocked {id}")]);

    let ev = s.events_for_run(id).unwrap();
    let states: Vec<(Option<&str>, Option<&str>)> = ev
        .iter()
        .map(|e| (e.old_state.as_deref(), e.new_state.as_deref()))
        .collect();
    assert_eq!(
        states,
        [
            (None, Some("new")),
            (Some("new"), Some("locked")),
            (Some("locked"), Some("unlocked"))
        ]
    );
    assert!(ev
        .iter()
        .all(|e| e.test_id.is_none() && e.pid > 0 && e.source == "cli"));
}

#[test]
fn delete_run_marks_tests_and_drops_steps_and_data() {
    let (_d, s) = fresh();
    let id = s.register_run(&target("a", "b"), "r", "me").unwrap();
    let t = s.register_test(id, "t1", "").unwrap();
    s.record_step(t, "s1", "start", "-", "", "").unwrap();
    s.set_values(t, "c", "v", "1", "1", "0", "").unwrap();
    s.set_comment(t, "hello").unwrap();
    assert!(
        !s.run_has_remaining_tests(id).unwrap(),
        "status n/a does not count"
    );
    s.set_state_status(t, Some("COMPLETED"), Some("PASS"), None, "cli")
        .unwrap();
    assert!(s.run_has_remaining_tests(id).unwrap());
    s.delete_run(id).unwrap();
    let tr = s.get_test(t).unwrap().unwrap();
    assert_eq!(
        (tr.state.as_str(), tr.status.as_str(), tr.comment.as_str()),
        ("DELETED", "n/a", "")
    );
    assert!(s.steps_for_test(t).unwrap().is_empty());
    assert!(s.test_data(t).unwrap().is_empty());
    assert!(!s.run_has_remaining_tests(id).unwrap());
    let last = s.events_for_test(t).unwrap().pop().unwrap();
    assert_eq!(last.new_state.as_deref(), Some("DELETED"));
}

#[test]
fn rename_run_refuses_existing_name() {
    let (_d, s) = fresh();
    let a = s.register_run(&target("a", "b"), "r1", "me").unwrap();
    s.register_run(&target("a", "b"), "r2", "me").unwrap();
    assert!(matches!(
        s.rename_run(a, "r2"),
        Err(DbError::RunExists { .. })
    ));
    s.rename_run(a, "r3").unwrap();
    assert_eq!(s.get_run(a).unwrap().unwrap().runname, "r3");
}

#[test]
fn open_existing_reads_keys_and_reports_missing_file() {
    let (d, s) = fresh();
    s.register_run(&target("a", "b"), "r1", "me").unwrap();
    drop(s);
    let s2 = Store::open_existing(d.path().join("megatest.db")).unwrap();
    let names: Vec<&str> = s2.keys().iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["SYSTEM", "RELEASE"]);
    assert_eq!(s2.list_runs("%", None).unwrap().len(), 1);

    let missing = d.path().join("nope.db");
    let err = Store::open_existing(&missing).err().unwrap();
    assert!(matches!(err, DbError::Missing { .. }));
    assert!(err.to_string().contains("nope.db"), "{err}");
}
