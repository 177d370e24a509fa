//! Test records: registration, selection, state/status writes with roll-up and events,
//! run info, heartbeats, running count, run_stats, test_meta, steps and -list-runs data.

mod common;

use common::{fresh, target};
use mt_db::{RunInfo, StatusUpdate, Store, TestFilter, TestMeta, TestSort};

fn run(s: &Store) -> i64 {
    s.register_run(&target("ubuntu", "v1"), "run1", "me")
        .unwrap()
}

fn state_status(s: &Store, id: i64) -> (String, String) {
    let t = s.get_test(id).unwrap().unwrap();
    (t.state, t.status)
}

#[test]
fn register_test_is_insert_or_ignore() {
    let (_d, s) = fresh();
    let r = run(&s);
    let a = s.register_test(r, "t1", "").unwrap();
    s.set_state_status(a, Some("RUNNING"), None, None, "test")
        .unwrap();
    assert_eq!(s.register_test(r, "t1", "").unwrap(), a);
    assert_eq!(state_status(&s, a), ("RUNNING".into(), "n/a".into()));
    let b = s.register_test(r, "t1", "x/y").unwrap();
    assert_ne!(a, b);
    let t = s.find_test(r, "t1", "x/y").unwrap().unwrap();
    assert_eq!(t.id, b);
    assert_eq!(t.fullname(), "t1(x/y)");
    assert_eq!(
        (t.state.as_str(), t.status.as_str()),
        ("NOT_STARTED", "n/a")
    );
    assert_eq!(t.host, "n/a");
    assert_eq!(t.rundir, "/tmp/badname");
    assert_eq!(t.final_logf, "logs/final.log");
    assert!(s.find_test(r, "t1", "zz").unwrap().is_none());
    // One creation event per new record, none for the ignored insert.
    assert_eq!(s.events_for_test(b).unwrap().len(), 1);
    assert_eq!(s.events_for_test(a).unwrap().len(), 2);
}

#[test]
fn rollup_through_set_state_status() {
    let (_d, s) = fresh();
    let r = run(&s);
    let items: Vec<i64> = ["a", "b", "c", "d"]
        .iter()
        .map(|i| s.register_test(r, "itest", i).unwrap())
        .collect();
    let finals = ["PASS", "PASS", "PASS", "FAIL"];
    let mut last_changes = Vec::new();
    for (id, st) in items.iter().zip(finals) {
        last_changes = s
            .set_state_status(*id, Some("COMPLETED"), Some(st), Some("done"), "execute")
            .unwrap();
    }
    let top = s
        .find_test(r, "itest", "")
        .unwrap()
        .expect("toplevel created");
    assert_eq!(
        (top.state.as_str(), top.status.as_str()),
        ("COMPLETED", "FAIL")
    );
    // The last write returned the item and the changed toplevel.
    assert_eq!(last_changes.len(), 2);
    assert_eq!(last_changes[0].test_id, items[3]);
    assert!(!last_changes[0].rollup);
    assert_eq!(last_changes[1].test_id, top.id);
    assert!(last_changes[1].rollup);
    // While d was still NOT_STARTED/n/a the toplevel was waiting (NOT_STARTED/n/a).
    assert_eq!(
        (
            last_changes[1].old_state.as_str(),
            last_changes[1].old_status.as_str(),
            last_changes[1].new_state.as_str(),
            last_changes[1].new_status.as_str()
        ),
        ("NOT_STARTED", "n/a", "COMPLETED", "FAIL")
    );

    // One item running again: toplevel RUNNING.
    let ch = s
        .set_state_status(items[0], Some("RUNNING"), Some("n/a"), None, "execute")
        .unwrap();
    assert_eq!(state_status(&s, top.id).0, "RUNNING");
    assert!(ch.iter().any(|c| c.rollup && c.new_state == "RUNNING"));

    // Events were recorded for items and toplevel, with the source.
    let ev_item = s.events_for_test(items[3]).unwrap();
    let last = ev_item.last().unwrap();
    assert_eq!(
        (
            last.old_state.as_deref(),
            last.new_state.as_deref(),
            last.new_status.as_deref()
        ),
        (Some("NOT_STARTED"), Some("COMPLETED"), Some("FAIL"))
    );
    assert_eq!(last.source, "execute");
    assert_eq!(last.comment.as_deref(), Some("done"));
    let ev_top: Vec<(String, String)> = s
        .events_for_test(top.id)
        .unwrap()
        .into_iter()
        .filter_map(|e| Some((e.new_state?, e.new_status?)))
        .collect();
    assert!(
        ev_top.contains(&("COMPLETED".into(), "FAIL".into())),
        "{ev_top:?}"
    );
    assert_eq!(
        ev_top.last().unwrap(),
        &("RUNNING".to_string(), "FAIL".to_string())
    );
    // Setting the toplevel directly does not touch its items.
    s.set_state_status(top.id, Some("COMPLETED"), Some("WAIVED"), None, "cli")
        .unwrap();
    assert_eq!(
        state_status(&s, items[3]),
        ("COMPLETED".into(), "FAIL".into())
    );
}

#[test]
fn rollup_table_via_store() {
    // (items' final state/status) -> toplevel, through the store so the effective values
    // of all items are used.
    type Case<'a> = (&'a [(&'a str, &'a str)], (&'a str, &'a str));
    let cases: &[Case<'_>] = &[
        (
            &[("COMPLETED", "PASS"), ("NOT_STARTED", "INCOMPLETE")],
            ("COMPLETED", "CHECK"),
        ),
        (
            &[("COMPLETED", "PASS"), ("COMPLETED", "DEAD")],
            ("COMPLETED", "DEAD"),
        ),
        (
            &[("COMPLETED", "PASS"), ("DELETED", "FAIL")],
            ("COMPLETED", "PASS"),
        ),
        (
            &[("NOT_STARTED", "PREQ_FAIL"), ("NOT_STARTED", "PREQ_FAIL")],
            ("NOT_STARTED", "PREQ_FAIL"),
        ),
        (
            &[("LAUNCHED", "n/a"), ("COMPLETED", "PASS")],
            ("RUNNING", "PASS"),
        ),
    ];
    for (items, want) in cases {
        let (_d, s) = fresh();
        let r = run(&s);
        for (i, (st, su)) in items.iter().enumerate() {
            let id = s.register_test(r, "t", &format!("i{i}")).unwrap();
            s.set_state_status(id, Some(st), Some(su), None, "test")
                .unwrap();
        }
        let top = s.find_test(r, "t", "").unwrap().unwrap();
        assert_eq!(
            (top.state.as_str(), top.status.as_str()),
            *want,
            "{items:?}"
        );
    }
}

#[test]
fn partial_writes_keep_other_fields_and_launch_resets_event_time() {
    let (d, s) = fresh();
    let r = run(&s);
    let id = s.register_test(r, "t", "").unwrap();
    let conn = rusqlite::Connection::open(d.path().join("megatest.db")).unwrap();
    conn.execute("UPDATE tests SET event_time=5 WHERE id=?1", [id])
        .unwrap();
    s.set_state_status(id, None, Some("WARN"), Some("c1"), "t")
        .unwrap();
    let t = s.get_test(id).unwrap().unwrap();
    assert_eq!(
        (
            t.state.as_str(),
            t.status.as_str(),
            t.comment.as_str(),
            t.event_time
        ),
        ("NOT_STARTED", "WARN", "c1", 5)
    );
    s.set_state_status(id, Some("LAUNCHED"), None, None, "runner")
        .unwrap();
    let t = s.get_test(id).unwrap().unwrap();
    assert_eq!((t.status.as_str(), t.comment.as_str()), ("WARN", "c1"));
    assert!(t.event_time > 1_000_000_000, "LAUNCHED resets event_time");
    assert!(s
        .set_state_status(424_242, Some("RUNNING"), None, None, "t")
        .is_err());
}

#[test]
fn batch_is_all_or_nothing() {
    let (_d, s) = fresh();
    let r = run(&s);
    let a = s.register_test(r, "t", "").unwrap();
    let bad = [
        StatusUpdate {
            test_id: a,
            state: Some("RUNNING"),
            ..Default::default()
        },
        StatusUpdate {
            test_id: 999_999,
            state: Some("RUNNING"),
            ..Default::default()
        },
    ];
    assert!(s.set_state_status_batch(&bad, "runner").is_err());
    assert_eq!(state_status(&s, a).0, "NOT_STARTED");
    let ok = [StatusUpdate {
        test_id: a,
        state: Some("RUNNING"),
        ..Default::default()
    }];
    assert_eq!(s.set_state_status_batch(&ok, "runner").unwrap().len(), 1);
    assert_eq!(state_status(&s, a).0, "RUNNING");
}

#[test]
fn tests_for_run_filters() {
    let (_d, s) = fresh();
    let r = run(&s);
    let spec = [
        ("alpha", "", "COMPLETED", "PASS"),
        ("alpha", "x/1", "COMPLETED", "FAIL"),
        ("beta", "", "RUNNING", "n/a"),
        ("Gamma", "", "NOT_STARTED", "n/a"),
        ("zeta", "", "DELETED", "n/a"),
    ];
    for (n, i, st, su) in spec {
        let id = s.register_test(r, n, i).unwrap();
        s.set_state_status(id, Some(st), Some(su), None, "t")
            .unwrap();
    }
    let names = |f: TestFilter| -> Vec<String> {
        s.tests_for_run(r, &f)
            .unwrap()
            .into_iter()
            .map(|t| t.fullname())
            .collect()
    };
    let l = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
    let cases: Vec<(TestFilter, Vec<&str>)> = vec![
        (
            TestFilter::default(),
            vec!["Gamma", "alpha", "alpha(x/1)", "beta"],
        ),
        (
            TestFilter {
                states: l(&["COMPLETED"]),
                ..Default::default()
            },
            vec!["alpha", "alpha(x/1)"],
        ),
        // alpha's toplevel was rolled up from its FAIL item.
        (
            TestFilter {
                states: l(&["COMPLETED"]),
                statuses: l(&["FAIL"]),
                ..Default::default()
            },
            vec!["alpha", "alpha(x/1)"],
        ),
        (
            TestFilter {
                statuses: l(&["n/a"]),
                ..Default::default()
            },
            vec!["Gamma", "beta"],
        ),
        (
            TestFilter {
                states: l(&["COMPLETED"]),
                not_in: true,
                ..Default::default()
            },
            vec!["Gamma", "beta"],
        ),
        (
            TestFilter {
                testpatt: Some("alpha/".into()),
                ..Default::default()
            },
            vec!["alpha"],
        ),
        (
            TestFilter {
                testpatt: Some("alpha/%".into()),
                ..Default::default()
            },
            vec!["alpha", "alpha(x/1)"],
        ),
        (
            TestFilter {
                testpatt: Some("%/x%".into()),
                ..Default::default()
            },
            vec!["alpha(x/1)"],
        ),
        (
            TestFilter {
                testpatt: Some("g%,beta".into()),
                ..Default::default()
            },
            vec!["Gamma", "beta"],
        ),
        (
            TestFilter {
                testpatt: Some("g*".into()),
                ..Default::default()
            },
            vec![],
        ),
        (
            TestFilter {
                testpatt: Some("zeta".into()),
                ..Default::default()
            },
            vec![],
        ),
    ];
    for (f, want) in cases {
        let dbg = format!("{f:?}");
        assert_eq!(names(f), want, "{dbg}");
    }
    let by_rundir = TestFilter {
        sort: TestSort::RundirLengthDesc,
        ..Default::default()
    };
    let beta = s.find_test(r, "beta", "").unwrap().unwrap().id;
    s.update_test_run_info(
        beta,
        &RunInfo {
            rundir: Some("/a/very/long/rundir/path/beta"),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(names(by_rundir)[0], "beta");
}

#[test]
fn run_info_heartbeat_comment_duration() {
    let (d, s) = fresh();
    let r = run(&s);
    let id = s.register_test(r, "t", "").unwrap();
    s.update_test_run_info(
        id,
        &RunInfo {
            host: Some("node1"),
            uname: Some("Linux x"),
            rundir: Some("/l/t"),
            shortdir: Some("/p/t"),
            pid: Some(4242),
            final_logf: Some("t.html"),
        },
    )
    .unwrap();
    s.update_test_run_info(
        id,
        &RunInfo {
            host: Some("node2"),
            ..Default::default()
        },
    )
    .unwrap();
    s.heartbeat(id, 1.5, 1000, 7).unwrap();
    s.heartbeat(id, 2.5, 900, 9).unwrap();
    s.set_comment(id, "note").unwrap();
    s.set_run_duration(id, 12).unwrap();
    let t = s.get_test(id).unwrap().unwrap();
    assert_eq!(t.host, "node2");
    assert_eq!(t.uname, "Linux x");
    assert_eq!(t.rundir, "/l/t");
    assert_eq!(t.shortdir, "/p/t");
    assert_eq!(t.attemptnum, 4242);
    assert_eq!(t.final_logf, "t.html");
    assert!((t.cpuload - 2.5).abs() < 1e-9);
    assert_eq!(t.diskfree, 900);
    assert_eq!(t.run_duration, 12);
    assert_eq!(t.comment, "note");
    let conn = rusqlite::Connection::open(d.path().join("megatest.db")).unwrap();
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM test_rundat WHERE test_id=?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 2);
    assert!(s.heartbeat(77_777, 0.0, 0, 0).is_err());
    assert!(s.set_comment(77_777, "x").is_err());
}

#[test]
fn running_count_excludes_placeholders() {
    let (_d, s) = fresh();
    let r1 = run(&s);
    let r2 = s
        .register_run(&target("centos", "v1"), "run2", "me")
        .unwrap();
    let item = s.register_test(r1, "it", "a").unwrap();
    s.set_state_status(item, Some("RUNNING"), None, None, "t")
        .unwrap(); // toplevel RUNNING, uname n/a
    let plain = s.register_test(r1, "plain", "").unwrap();
    s.update_test_run_info(
        plain,
        &RunInfo {
            uname: Some("Linux"),
            ..Default::default()
        },
    )
    .unwrap();
    s.set_state_status(plain, Some("LAUNCHED"), None, None, "t")
        .unwrap();
    let other = s.register_test(r2, "o", "x").unwrap();
    s.set_state_status(other, Some("REMOTEHOSTSTART"), None, None, "t")
        .unwrap();
    assert_eq!(s.find_test(r1, "it", "").unwrap().unwrap().state, "RUNNING");
    assert_eq!(s.running_count(Some(r1)).unwrap(), 2);
    assert_eq!(s.running_count(Some(r2)).unwrap(), 1);
    assert_eq!(s.running_count(None).unwrap(), 3);
}

#[test]
fn run_stats_counts_and_drops_vanished_combinations() {
    let (_d, s) = fresh();
    let r = run(&s);
    let a = s.register_test(r, "t", "a").unwrap();
    let b = s.register_test(r, "t", "b").unwrap();
    s.set_state_status(a, Some("COMPLETED"), Some("PASS"), None, "t")
        .unwrap();
    s.set_state_status(b, Some("COMPLETED"), Some("PASS"), None, "t")
        .unwrap();
    let stats = s.update_run_stats(r).unwrap();
    let v: Vec<(String, String, i64)> = stats
        .into_iter()
        .map(|x| (x.state, x.status, x.count))
        .collect();
    assert_eq!(v, [("COMPLETED".into(), "PASS".into(), 2)]);
    s.set_state_status(b, Some("RUNNING"), Some("n/a"), None, "t")
        .unwrap();
    s.update_run_stats(r).unwrap();
    let v: Vec<(String, String, i64)> = s
        .run_stats(r)
        .unwrap()
        .into_iter()
        .map(|x| (x.state, x.status, x.count))
        .collect();
    assert_eq!(
        v,
        [
            ("COMPLETED".into(), "PASS".into(), 1),
            ("RUNNING".into(), "n/a".into(), 1)
        ]
    );
}

#[test]
fn test_meta_upsert() {
    let (_d, s) = fresh();
    let mut m = TestMeta {
        testname: "t".into(),
        author: "a".into(),
        tags: "x,y".into(),
        ..Default::default()
    };
    s.upsert_test_meta(&m).unwrap();
    assert_eq!(s.get_test_meta("t").unwrap().unwrap().jobgroup, "default");
    m.jobgroup = "heavy".into();
    m.owner = "o".into();
    s.upsert_test_meta(&m).unwrap();
    assert_eq!(s.get_test_meta("t").unwrap().unwrap(), m);
    assert!(s.get_test_meta("none").unwrap().is_none());
}

#[test]
fn steps_insert_or_replace_by_state() {
    let (_d, s) = fresh();
    let r = run(&s);
    let id = s.register_test(r, "t", "").unwrap();
    s.record_step(id, "compile", "start", "-", "", "compile.log")
        .unwrap();
    s.record_step(id, "compile", "end", "0", "", "compile.log")
        .unwrap();
    s.record_step(id, "compile", "end", "1", "again", "compile.log")
        .unwrap();
    s.record_step(id, "link", "start", "n/a", "", "").unwrap();
    let steps: Vec<(String, String, String)> = s
        .steps_for_test(id)
        .unwrap()
        .into_iter()
        .map(|x| (x.stepname, x.state, x.status))
        .collect();
    assert_eq!(
        steps,
        [
            ("compile".into(), "start".into(), "-".into()),
            ("compile".into(), "end".into(), "1".into()),
            ("link".into(), "start".into(), "n/a".into())
        ]
    );
    assert!(s.record_step(31_337, "x", "start", "-", "", "").is_err());
    s.delete_test_records(id, "cli").unwrap();
    assert!(s.steps_for_test(id).unwrap().is_empty());
    assert_eq!(state_status(&s, id), ("DELETED".into(), "n/a".into()));
}

#[test]
fn previous_instance_for_waivers() {
    let (_d, s) = fresh();
    let old = s.register_run(&target("a", "b"), "r1", "me").unwrap();
    let other_target = s.register_run(&target("a", "c"), "r0", "me").unwrap();
    let new = s.register_run(&target("a", "b"), "r2", "me").unwrap();
    let t_old = s.register_test(old, "t", "i").unwrap();
    s.register_test(other_target, "t", "i").unwrap();
    s.set_state_status(
        t_old,
        Some("COMPLETED"),
        Some("WAIVED"),
        Some("ok by me"),
        "t",
    )
    .unwrap();
    s.register_test(new, "t", "i").unwrap();
    let prev = s.previous_instance(new, "t", "i").unwrap().unwrap();
    assert_eq!(prev.id, t_old);
    assert_eq!(prev.comment, "ok by me");
    assert!(s.previous_instance(new, "t", "other").unwrap().is_none());
}

#[test]
fn events_since_is_a_cursor() {
    let (_d, s) = fresh();
    let r = run(&s);
    let all = s.events_since(0, None).unwrap();
    let cursor = all.last().unwrap().id;
    let id = s.register_test(r, "t", "").unwrap();
    s.set_state_status(id, Some("RUNNING"), None, None, "runner")
        .unwrap();
    let new = s.events_since(cursor, None).unwrap();
    assert_eq!(new.len(), 2);
    assert!(new
        .windows(2)
        .all(|w| w[0].id < w[1].id && w[0].event_time <= w[1].event_time));
    assert_eq!(s.events_since(cursor, Some(1)).unwrap().len(), 1);
}

#[test]
fn list_runs_with_tests_for_list_runs() {
    let (_d, s) = fresh();
    let r1 = run(&s);
    let r2 = s
        .register_run(&target("centos", "v2"), "run2", "me")
        .unwrap();
    let b = s.register_test(r1, "b", "").unwrap();
    let a1 = s.register_test(r1, "a", "2").unwrap();
    s.register_test(r1, "a", "1").unwrap();
    s.register_test(r2, "c", "").unwrap();
    s.set_state_status(b, Some("COMPLETED"), Some("FAIL"), None, "t")
        .unwrap();
    s.set_state_status(a1, Some("COMPLETED"), Some("PASS"), None, "t")
        .unwrap();
    s.record_step(b, "s1", "start", "-", "", "").unwrap();
    s.record_step(b, "s1", "end", "1", "", "").unwrap();
    let out = s
        .list_runs_with_tests("run%", None, &TestFilter::default())
        .unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].run.id, r1);
    let names: Vec<String> = out[0].tests.iter().map(|t| t.test.fullname()).collect();
    assert_eq!(names, ["a", "a(1)", "a(2)", "b"]);
    let tb = out[0].tests.iter().find(|t| t.test.id == b).unwrap();
    assert_eq!(tb.steps.len(), 2);
    assert!(tb.shows_details());
    assert!(!out[0]
        .tests
        .iter()
        .find(|t| t.test.id == a1)
        .unwrap()
        .shows_details());
    let json = serde_json::to_value(&out[0]).unwrap();
    assert_eq!(json["run"]["keys"]["SYSTEM"], "ubuntu");
    assert_eq!(json["tests"][3]["testname"], "b");
    let only = s
        .list_runs_with_tests("%", Some("centos/%"), &TestFilter::default())
        .unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].tests[0].test.testname, "c");
}
