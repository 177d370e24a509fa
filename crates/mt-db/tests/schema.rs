//! Schema creation, migrations, corrupt files, forbidden keys, and the exact §5.2 names.

mod common;

use common::{fresh, KEYS};
use mt_db::{DbError, Store, SCHEMA_VERSION};
use rusqlite::Connection;

fn schema_objects(path: &std::path::Path) -> Vec<(String, String)> {
    let c = Connection::open(path).unwrap();
    let mut st = c
        .prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn columns(path: &std::path::Path, table: &str) -> Vec<String> {
    let c = Connection::open(path).unwrap();
    let mut st = c.prepare(&format!("PRAGMA table_info({table})")).unwrap();
    st.query_map([], |r| r.get(1))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn fresh_schema_has_the_exact_tables_and_columns() {
    let (d, s) = fresh();
    assert_eq!(s.user_version().unwrap(), SCHEMA_VERSION);
    let p = d.path().join("megatest.db");
    let objs = schema_objects(&p);
    for table in [
        "keys",
        "runs",
        "run_stats",
        "test_meta",
        "tasks_queue",
        "archive_disks",
        "archive_blocks",
        "archive_allocations",
        "extradat",
        "metadat",
        "access_log",
        "tests",
        "test_steps",
        "test_data",
        "test_rundat",
        "archives",
        "events",
    ] {
        assert!(
            objs.contains(&("table".into(), table.into())),
            "table {table}"
        );
    }
    for idx in [
        "runs_index",
        "tests_index",
        "teststeps_index",
        "test_data_index",
    ] {
        assert!(objs.contains(&("index".into(), idx.into())), "index {idx}");
    }
    for trg in [
        "update_runs_trigger",
        "update_tests_trigger",
        "update_teststeps_trigger",
        "update_test_data_trigger",
        "update_run_stats_trigger",
    ] {
        assert!(
            objs.contains(&("trigger".into(), trg.into())),
            "trigger {trg}"
        );
    }
    assert_eq!(
        columns(&p, "runs"),
        [
            "id",
            "SYSTEM",
            "RELEASE",
            "runname",
            "contour",
            "state",
            "status",
            "owner",
            "event_time",
            "comment",
            "fail_count",
            "pass_count",
            "last_update"
        ]
    );
    assert_eq!(
        columns(&p, "tests"),
        [
            "id",
            "run_id",
            "testname",
            "host",
            "cpuload",
            "diskfree",
            "uname",
            "rundir",
            "shortdir",
            "item_path",
            "state",
            "status",
            "attemptnum",
            "final_logf",
            "logdat",
            "run_duration",
            "comment",
            "event_time",
            "fail_count",
            "pass_count",
            "archived",
            "last_update"
        ]
    );
    assert_eq!(
        columns(&p, "events"),
        [
            "id",
            "event_time",
            "run_id",
            "test_id",
            "testname",
            "item_path",
            "old_state",
            "new_state",
            "old_status",
            "new_status",
            "comment",
            "pid",
            "host",
            "user",
            "source"
        ]
    );
    let c = Connection::open(&p).unwrap();
    let keys: Vec<(String, String)> = c
        .prepare("SELECT fieldname, fieldtype FROM keys ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        keys,
        [
            ("SYSTEM".into(), "TEXT".into()),
            ("RELEASE".into(), "TEXT".into())
        ]
    );
    let v: String = c
        .query_row(
            "SELECT val FROM metadat WHERE var='MEGATEST_VERSION'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!v.is_empty());
    // Defaults of §5.2 for a row inserted by hand, as users do with sqlite3.
    c.execute("INSERT INTO tests (run_id, testname) VALUES (1, 'x')", [])
        .unwrap();
    let (st, su, host, logf): (String, String, String, String) = c
        .query_row(
            "SELECT state, status, host, final_logf FROM tests WHERE testname='x'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (st.as_str(), su.as_str(), host.as_str(), logf.as_str()),
        ("NOT_STARTED", "FAIL", "n/a", "logs/final.log")
    );
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn reopen_does_not_duplicate_schema() {
    let (d, s) = fresh();
    let p = d.path().join("megatest.db");
    drop(s);
    let before = schema_objects(&p);
    for _ in 0..3 {
        let s = Store::open(&p, KEYS).unwrap();
        assert_eq!(s.user_version().unwrap(), SCHEMA_VERSION);
    }
    Store::open_existing(&p).unwrap();
    assert_eq!(schema_objects(&p), before);
    let c = Connection::open(&p).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
}

#[test]
fn legacy_database_is_migrated() {
    // A megatest.db as an older original would leave it: user_version 0, no contour or
    // last_update columns, no triggers, no events table.
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("megatest.db");
    {
        let c = Connection::open(&p).unwrap();
        c.execute_batch(
            "CREATE TABLE keys (id INTEGER PRIMARY KEY, fieldname TEXT, fieldtype TEXT,
                CONSTRAINT keyconstraint UNIQUE (fieldname));
             INSERT INTO keys (fieldname, fieldtype) VALUES ('OS','TEXT'), ('REL','TEXT');
             CREATE TABLE runs (id INTEGER PRIMARY KEY, OS TEXT, REL TEXT,
                runname TEXT DEFAULT 'norun', state TEXT DEFAULT '', status TEXT DEFAULT '',
                owner TEXT DEFAULT '', event_time TIMESTAMP, comment TEXT DEFAULT '',
                fail_count INTEGER DEFAULT 0, pass_count INTEGER DEFAULT 0,
                CONSTRAINT runsconstraint UNIQUE (runname, OS, REL));
             INSERT INTO runs (OS, REL, runname, state, status, event_time)
                VALUES ('linux', 'v1', 'old', 'new', 'n/a', '1400000000');
             CREATE TABLE tests (id INTEGER PRIMARY KEY, run_id INTEGER DEFAULT -1,
                testname TEXT DEFAULT 'noname', host TEXT DEFAULT 'n/a', cpuload REAL DEFAULT -1,
                diskfree INTEGER DEFAULT -1, uname TEXT DEFAULT 'n/a',
                rundir TEXT DEFAULT '/tmp/badname', shortdir TEXT DEFAULT '/tmp/badname',
                item_path TEXT DEFAULT '', state TEXT DEFAULT 'NOT_STARTED',
                status TEXT DEFAULT 'FAIL', attemptnum INTEGER DEFAULT 0,
                final_logf TEXT DEFAULT 'logs/final.log', logdat TEXT DEFAULT '',
                run_duration INTEGER DEFAULT 0, comment TEXT DEFAULT '', event_time TIMESTAMP,
                fail_count INTEGER DEFAULT 0, pass_count INTEGER DEFAULT 0,
                archived INTEGER DEFAULT 0,
                CONSTRAINT testsconstraint UNIQUE (run_id, testname, item_path));
             INSERT INTO tests (run_id, testname, state, status, event_time)
                VALUES (1, 'old_test', 'COMPLETED', 'PASS', 'garbage');",
        )
        .unwrap();
    }
    let s = Store::open_existing(&p).unwrap();
    assert_eq!(s.user_version().unwrap(), SCHEMA_VERSION);
    assert!(columns(&p, "runs").contains(&"contour".to_string()));
    assert!(columns(&p, "tests").contains(&"last_update".to_string()));
    assert!(schema_objects(&p).contains(&("table".into(), "events".into())));
    let runs = s.list_runs("%", None).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].event_time, 1_400_000_000);
    // Old rows stay readable (text in a TIMESTAMP column reads as 0) and writable.
    let t = s.find_test(1, "old_test", "").unwrap().unwrap();
    assert_eq!(t.event_time, 0);
    s.set_state_status(t.id, Some("RUNNING"), None, None, "cli")
        .unwrap();
    assert_eq!(s.events_for_test(t.id).unwrap().len(), 1);
    // A key added to [fields] later becomes a runs column.
    drop(s);
    let s = Store::open(&p, &[("OS", "TEXT"), ("REL", "TEXT"), ("ARCH", "TEXT")]).unwrap();
    assert!(columns(&p, "runs").contains(&"ARCH".to_string()));
    s.register_run(&[("OS", "l"), ("REL", "v"), ("ARCH", "x86")], "new", "me")
        .unwrap();
}

#[test]
fn newer_schema_is_refused() {
    let (d, s) = fresh();
    drop(s);
    let p = d.path().join("megatest.db");
    Connection::open(&p)
        .unwrap()
        .execute_batch(&format!("PRAGMA user_version={}", SCHEMA_VERSION + 5))
        .unwrap();
    let err = Store::open_existing(&p).err().unwrap();
    assert!(matches!(err, DbError::SchemaTooNew { .. }), "{err}");
}

#[test]
fn corrupt_file_gives_a_typed_error_naming_the_file() {
    let d = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[u8])] = &[
        ("text.db", b"this is certainly not an sqlite database, just some text that is long enough to fill a header page ........................................................"),
        ("zeros.db", &[0u8; 4096]),
    ];
    let mut header = b"SQLite format 3\0".to_vec();
    header.extend(std::iter::repeat_n(0xffu8, 4096 - header.len()));
    let mut all: Vec<(&str, Vec<u8>)> = cases.iter().map(|(n, b)| (*n, b.to_vec())).collect();
    all.push(("header.db", header));
    for (name, bytes) in all {
        let p = d.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        for res in [Store::open_existing(&p).err(), Store::open(&p, KEYS).err()] {
            let err = res.unwrap_or_else(|| panic!("{name} opened"));
            assert!(
                matches!(err, DbError::NotADatabase { .. }),
                "{name}: {err:?}"
            );
            assert!(err.to_string().contains(name), "{name}: {err}");
        }
    }
    // A valid SQLite file that is not an area database.
    let p = d.path().join("other.db");
    Connection::open(&p)
        .unwrap()
        .execute_batch("CREATE TABLE x (a);")
        .unwrap();
    let err = Store::open_existing(&p).err().unwrap();
    assert!(matches!(err, DbError::NoKeys { .. }), "{err}");
}

#[test]
fn forbidden_keys_are_refused() {
    let d = tempfile::tempdir().unwrap();
    for bad in [
        "runname",
        "STATE",
        "Owner",
        "contour",
        "event_time",
        "pass_count",
    ] {
        let err = Store::open(d.path().join("x.db"), &[(bad, "TEXT")])
            .err()
            .unwrap();
        assert!(matches!(err, DbError::ForbiddenKey { .. }), "{bad}: {err}");
        assert!(err.to_string().contains(bad), "{err}");
    }
}
