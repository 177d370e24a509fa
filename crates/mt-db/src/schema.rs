//! The schema of `megatest.db` (§5.2 of runner-and-lifecycle.md, exact table, column and
//! default names so that users' `sqlite3` queries keep working) plus our `events` table,
//! applied as an ordered list of migration steps keyed on `PRAGMA user_version`.
//!
//! Every step is idempotent (`IF NOT EXISTS`, column checks), so a `megatest.db` made by
//! the original tool (user_version 0, tables already there, maybe without the columns its
//! later `-cleanup-db` patch adds) is adopted by running all steps over it.
//!
//! Deliberate difference: the original's `archive_*` tables default `creation_time` to a
//! malformed `strftime('%','now')` that yields NULL (a quirk); we store the epoch time.

use rusqlite::Connection;

use crate::error::{DbError, TxResult};
use crate::keys::{quote_ident, Key};

const NOW: &str = "(strftime('%s','now'))";

/// One migration step. `keys` are the area's keys (needed only to create `runs`).
struct Migration {
    name: &'static str,
    apply: fn(&Connection, &[Key]) -> rusqlite::Result<()>,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "base tables of megatest.db",
        apply: base_tables,
    },
    Migration {
        name: "patch columns added by later megatest versions",
        apply: patch_columns,
    },
    Migration {
        name: "last_update triggers",
        apply: triggers,
    },
    Migration {
        name: "append-only events table",
        apply: events_table,
    },
    Migration {
        name: "item counts for the roll-up",
        apply: item_counts,
    },
    Migration {
        name: "fewer pages per state change",
        apply: lean_write_path,
    },
];

/// The `user_version` of a fully migrated database.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Names of the migration steps, in order (step `i` brings `user_version` to `i + 1`).
#[must_use]
pub fn migration_names() -> Vec<&'static str> {
    MIGRATIONS.iter().map(|m| m.name).collect()
}

fn base_tables(tx: &Connection, keys: &[Key]) -> rusqlite::Result<()> {
    let key_cols: String = keys
        .iter()
        .map(|k| format!("{} {}, ", quote_ident(&k.name), k.sqltype))
        .collect();
    let key_list: String = keys
        .iter()
        .map(|k| format!(", {}", quote_ident(&k.name)))
        .collect();
    let sql = format!(
        "CREATE TABLE IF NOT EXISTS keys (id INTEGER PRIMARY KEY, fieldname TEXT, fieldtype TEXT,
            CONSTRAINT keyconstraint UNIQUE (fieldname));
         CREATE TABLE IF NOT EXISTS metadat (id INTEGER PRIMARY KEY, var TEXT, val TEXT,
            CONSTRAINT metadat_constraint UNIQUE (var));
         CREATE TABLE IF NOT EXISTS access_log (id INTEGER PRIMARY KEY, user TEXT,
            accessed TIMESTAMP, args TEXT);
         CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, {key_cols}
            runname TEXT DEFAULT 'norun', contour TEXT DEFAULT '', state TEXT DEFAULT '',
            status TEXT DEFAULT '', owner TEXT DEFAULT '', event_time TIMESTAMP DEFAULT {NOW},
            comment TEXT DEFAULT '', fail_count INTEGER DEFAULT 0, pass_count INTEGER DEFAULT 0,
            last_update INTEGER DEFAULT {NOW},
            CONSTRAINT runsconstraint UNIQUE (runname{key_list}));
         CREATE INDEX IF NOT EXISTS runs_index ON runs (runname{key_list});
         CREATE TABLE IF NOT EXISTS run_stats (id INTEGER PRIMARY KEY, run_id INTEGER,
            state TEXT, status TEXT, count INTEGER, last_update INTEGER DEFAULT {NOW});
         CREATE TABLE IF NOT EXISTS test_meta (id INTEGER PRIMARY KEY,
            testname TEXT DEFAULT '', author TEXT DEFAULT '', owner TEXT DEFAULT '',
            description TEXT DEFAULT '', reviewed TIMESTAMP, iterated TEXT DEFAULT '',
            avg_runtime REAL, avg_disk REAL, tags TEXT DEFAULT '', jobgroup TEXT DEFAULT 'default',
            CONSTRAINT test_meta_constraint UNIQUE (testname));
         CREATE TABLE IF NOT EXISTS tasks_queue (id INTEGER PRIMARY KEY,
            action TEXT DEFAULT '', owner TEXT, state TEXT DEFAULT 'new', target TEXT DEFAULT '',
            name TEXT DEFAULT '', testpatt TEXT DEFAULT '', keylock TEXT, params TEXT,
            creation_time TIMESTAMP DEFAULT {NOW}, execution_time TIMESTAMP);
         CREATE TABLE IF NOT EXISTS archive_disks (id INTEGER PRIMARY KEY,
            archive_area_name TEXT, disk_path TEXT, last_df INTEGER DEFAULT -1,
            last_df_time TIMESTAMP DEFAULT {NOW}, creation_time TIMESTAMP DEFAULT {NOW});
         CREATE TABLE IF NOT EXISTS archive_blocks (id INTEGER PRIMARY KEY,
            archive_disk_id INTEGER, disk_path TEXT, last_du INTEGER DEFAULT -1,
            last_du_time TIMESTAMP DEFAULT {NOW}, creation_time TIMESTAMP DEFAULT {NOW});
         CREATE TABLE IF NOT EXISTS archive_allocations (id INTEGER PRIMARY KEY,
            archive_block_id INTEGER, testname TEXT, item_path TEXT,
            creation_time TIMESTAMP DEFAULT {NOW});
         CREATE TABLE IF NOT EXISTS extradat (id INTEGER PRIMARY KEY, run_id INTEGER,
            key TEXT, val TEXT);
         CREATE TABLE IF NOT EXISTS tests (id INTEGER PRIMARY KEY,
            run_id INTEGER DEFAULT -1, testname TEXT DEFAULT 'noname',
            host TEXT DEFAULT 'n/a', cpuload REAL DEFAULT -1, diskfree INTEGER DEFAULT -1,
            uname TEXT DEFAULT 'n/a', rundir TEXT DEFAULT '/tmp/badname',
            shortdir TEXT DEFAULT '/tmp/badname', item_path TEXT DEFAULT '',
            state TEXT DEFAULT 'NOT_STARTED', status TEXT DEFAULT 'FAIL',
            attemptnum INTEGER DEFAULT 0, final_logf TEXT DEFAULT 'logs/final.log',
            logdat TEXT DEFAULT '', run_duration INTEGER DEFAULT 0, comment TEXT DEFAULT '',
            event_time TIMESTAMP DEFAULT {NOW}, fail_count INTEGER DEFAULT 0,
            pass_count INTEGER DEFAULT 0, archived INTEGER DEFAULT 0,
            last_update INTEGER DEFAULT {NOW},
            CONSTRAINT testsconstraint UNIQUE (run_id, testname, item_path));
         CREATE INDEX IF NOT EXISTS tests_index ON tests (run_id, testname, item_path, uname);
         CREATE INDEX IF NOT EXISTS teststeps_index ON tests (run_id, testname, item_path);
         CREATE TABLE IF NOT EXISTS test_steps (id INTEGER PRIMARY KEY, test_id INTEGER,
            stepname TEXT, state TEXT DEFAULT 'NOT_STARTED', status TEXT DEFAULT 'n/a',
            event_time TIMESTAMP, comment TEXT DEFAULT '', logfile TEXT DEFAULT '',
            last_update INTEGER DEFAULT {NOW},
            CONSTRAINT test_steps_constraint UNIQUE (test_id, stepname, state));
         CREATE TABLE IF NOT EXISTS test_data (id INTEGER PRIMARY KEY, test_id INTEGER,
            category TEXT DEFAULT '', variable TEXT, value REAL, expected REAL, tol REAL,
            units TEXT, comment TEXT DEFAULT '', status TEXT DEFAULT 'n/a', type TEXT DEFAULT '',
            last_update INTEGER DEFAULT {NOW},
            CONSTRAINT test_data_constraint UNIQUE (test_id, category, variable));
         CREATE INDEX IF NOT EXISTS test_data_index ON test_data (test_id);
         -- diskusage INTGER (sic) as in the original; the affinity is INTEGER either way.
         CREATE TABLE IF NOT EXISTS test_rundat (id INTEGER PRIMARY KEY, test_id INTEGER,
            update_time TIMESTAMP, cpuload INTEGER DEFAULT -1, diskfree INTEGER DEFAULT -1,
            diskusage INTGER DEFAULT -1, run_duration INTEGER DEFAULT 0);
         CREATE TABLE IF NOT EXISTS archives (id INTEGER PRIMARY KEY, test_id INTEGER,
            state TEXT DEFAULT 'new', status TEXT DEFAULT 'n/a', archive_type TEXT DEFAULT 'bup',
            du INTEGER, archive_path TEXT);"
    );
    tx.execute_batch(&sql)?;
    tx.execute(
        "INSERT OR IGNORE INTO metadat (var, val) VALUES ('MEGATEST_VERSION', ?1)",
        [megatest_version()],
    )?;
    Ok(())
}

/// `<version>-<hash4>` as the original writes; we use the crate version and `rust`.
#[must_use]
pub fn megatest_version() -> String {
    format!("{}-rust", env!("CARGO_PKG_VERSION"))
}

fn has_column(tx: &Connection, table: &str, column: &str) -> rusqlite::Result<bool> {
    let mut st = tx.prepare(&format!("PRAGMA table_info({})", quote_ident(table)))?;
    let names = st.query_map([], |r| r.get::<_, String>(1))?;
    for n in names {
        if n?.eq_ignore_ascii_case(column) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// What the original's `-cleanup-db` schema patch adds to older databases.
fn patch_columns(tx: &Connection, _keys: &[Key]) -> rusqlite::Result<()> {
    let wanted: &[(&str, &str, &str)] = &[
        ("runs", "last_update", "INTEGER DEFAULT 0"),
        ("runs", "contour", "TEXT DEFAULT ''"),
        ("tests", "last_update", "INTEGER DEFAULT 0"),
        ("test_steps", "last_update", "INTEGER DEFAULT 0"),
        ("test_data", "last_update", "INTEGER DEFAULT 0"),
    ];
    for (table, column, spec) in wanted {
        if !has_column(tx, table, column)? {
            tx.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {spec};"))?;
        }
    }
    Ok(())
}

fn triggers(tx: &Connection, _keys: &[Key]) -> rusqlite::Result<()> {
    let pairs = [
        ("update_runs_trigger", "runs"),
        ("update_run_stats_trigger", "run_stats"),
        ("update_tests_trigger", "tests"),
        ("update_teststeps_trigger", "test_steps"),
        ("update_test_data_trigger", "test_data"),
    ];
    for (name, table) in pairs {
        tx.execute_batch(&format!(
            "CREATE TRIGGER IF NOT EXISTS {name} AFTER UPDATE ON {table}
               FOR EACH ROW BEGIN
                 UPDATE {table} SET last_update={NOW} WHERE id=old.id;
               END;"
        ))?;
    }
    Ok(())
}

fn events_table(tx: &Connection, _keys: &[Key]) -> rusqlite::Result<()> {
    // AUTOINCREMENT: ids are never reused, so "events since id N" is a stable cursor.
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT,
            event_time REAL NOT NULL, run_id INTEGER, test_id INTEGER, testname TEXT,
            item_path TEXT, old_state TEXT, new_state TEXT, old_status TEXT, new_status TEXT,
            comment TEXT, pid INTEGER, host TEXT, user TEXT, source TEXT);
         CREATE INDEX IF NOT EXISTS events_test_index ON events (test_id);
         CREATE INDEX IF NOT EXISTS events_run_index ON events (run_id);",
    )
}

/// Per (run, test, state, status) counts of item records, kept by triggers, so that the
/// roll-up of a test with thousands of items reads a handful of rows instead of scanning
/// every item on each change. A NULL written by hand counts as '' (a key column).
fn item_counts(tx: &Connection, keys: &[Key]) -> rusqlite::Result<()> {
    item_counts_table(tx, keys, "")
}

fn item_counts_table(tx: &Connection, _keys: &[Key], options: &str) -> rusqlite::Result<()> {
    tx.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS item_counts (run_id INTEGER, testname TEXT, state TEXT,
            status TEXT, n INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (run_id, testname, state, status)){options};
         DELETE FROM item_counts;
         INSERT INTO item_counts (run_id, testname, state, status, n)
            SELECT coalesce(run_id, -1), coalesce(testname, ''), coalesce(state, ''),
                coalesce(status, ''), count(*) FROM tests
            WHERE item_path != '' GROUP BY 1, 2, 3, 4;
         CREATE TRIGGER IF NOT EXISTS item_counts_ins AFTER INSERT ON tests
            WHEN NEW.item_path != '' BEGIN
              INSERT INTO item_counts (run_id, testname, state, status, n)
                VALUES (coalesce(NEW.run_id, -1), coalesce(NEW.testname, ''),
                  coalesce(NEW.state, ''), coalesce(NEW.status, ''), 1)
                ON CONFLICT (run_id, testname, state, status) DO UPDATE SET n = n + 1;
            END;
         CREATE TRIGGER IF NOT EXISTS item_counts_upd
            AFTER UPDATE OF run_id, testname, item_path, state, status ON tests
            WHEN OLD.item_path != '' OR NEW.item_path != '' BEGIN
              UPDATE item_counts SET n = n - 1 WHERE OLD.item_path != ''
                AND run_id = coalesce(OLD.run_id, -1) AND testname = coalesce(OLD.testname, '')
                AND state = coalesce(OLD.state, '') AND status = coalesce(OLD.status, '');
              INSERT INTO item_counts (run_id, testname, state, status, n)
                SELECT coalesce(NEW.run_id, -1), coalesce(NEW.testname, ''),
                  coalesce(NEW.state, ''), coalesce(NEW.status, ''), 1
                WHERE NEW.item_path != ''
                ON CONFLICT (run_id, testname, state, status) DO UPDATE SET n = n + 1;
            END;
         CREATE TRIGGER IF NOT EXISTS item_counts_del AFTER DELETE ON tests
            WHEN OLD.item_path != '' BEGIN
              UPDATE item_counts SET n = n - 1 WHERE run_id = coalesce(OLD.run_id, -1)
                AND testname = coalesce(OLD.testname, '') AND state = coalesce(OLD.state, '')
                AND status = coalesce(OLD.status, '');
            END;"
    ))
}

/// A test's state change writes a row of `events` and of `item_counts`; each B-tree it
/// touches is one more page in the WAL at every commit. So: `events` without
/// AUTOINCREMENT (its `sqlite_sequence` row was a page per commit; events are never
/// deleted, so max(id)+1 keeps ids increasing and "events since id N" stable) and without
/// the run_id index (runs' events are read by id range or test; a scan by run is rare),
/// and `item_counts` WITHOUT ROWID (one B-tree instead of table plus key index).
fn lean_write_path(tx: &Connection, keys: &[Key]) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE events_lean (id INTEGER PRIMARY KEY,
            event_time REAL NOT NULL, run_id INTEGER, test_id INTEGER, testname TEXT,
            item_path TEXT, old_state TEXT, new_state TEXT, old_status TEXT, new_status TEXT,
            comment TEXT, pid INTEGER, host TEXT, user TEXT, source TEXT);
         INSERT INTO events_lean SELECT id, event_time, run_id, test_id, testname, item_path,
            old_state, new_state, old_status, new_status, comment, pid, host, user, source
            FROM events;
         DROP TABLE events;
         ALTER TABLE events_lean RENAME TO events;
         CREATE INDEX events_test_index ON events (test_id);
         DELETE FROM sqlite_sequence WHERE name='events';
         DROP TRIGGER IF EXISTS item_counts_ins;
         DROP TRIGGER IF EXISTS item_counts_upd;
         DROP TRIGGER IF EXISTS item_counts_del;
         DROP TABLE IF EXISTS item_counts;",
    )?;
    item_counts_table(tx, keys, " WITHOUT ROWID")
}

fn stored_keys(tx: &Connection) -> rusqlite::Result<Vec<Key>> {
    let exists: i64 = tx.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='keys'",
        [],
        |r| r.get(0),
    )?;
    if exists == 0 {
        return Ok(Vec::new());
    }
    let mut st = tx.prepare("SELECT fieldname, fieldtype FROM keys ORDER BY id ASC")?;
    let rows = st.query_map([], |r| {
        Ok(Key {
            name: r.get(0)?,
            sqltype: r
                .get::<_, Option<String>>(1)?
                .unwrap_or_else(|| "TEXT".into()),
        })
    })?;
    rows.collect()
}

/// Bring the schema up to date and make sure every key of `wanted` exists. Returns the
/// keys as stored (ordered by id). Runs inside the caller's IMMEDIATE transaction, so two
/// processes creating the same file at once serialise here.
pub(crate) fn ensure(tx: &Connection, wanted: &[Key]) -> TxResult<Vec<Key>> {
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(DbError::SchemaTooNew {
            path: tx.path().map(Into::into).unwrap_or_default(),
            found: version,
            supported: SCHEMA_VERSION,
        }
        .into());
    }
    let mut keys = stored_keys(tx)?;
    if version < SCHEMA_VERSION {
        let create_keys: &[Key] = if keys.is_empty() { wanted } else { &keys };
        let start = usize::try_from(version).unwrap_or(0);
        for m in &MIGRATIONS[start..] {
            (m.apply)(tx, create_keys)?;
        }
        tx.execute_batch(&format!("PRAGMA user_version={SCHEMA_VERSION}"))?;
    }
    for k in wanted {
        if keys.iter().any(|s| s.name.eq_ignore_ascii_case(&k.name)) {
            continue;
        }
        if !has_column(tx, "runs", &k.name)? {
            tx.execute_batch(&format!(
                "ALTER TABLE runs ADD COLUMN {} {};",
                quote_ident(&k.name),
                k.sqltype
            ))?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO keys (fieldname, fieldtype) VALUES (?1, ?2)",
            [&k.name, &k.sqltype],
        )?;
        keys.push(k.clone());
    }
    // The original clears finished tasks older than a day whenever a db is initialised.
    tx.execute(
        "DELETE FROM tasks_queue WHERE state='done' AND creation_time < ?1",
        [crate::store::now_secs() - 24 * 3600],
    )?;
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database left by the build before `lean_write_path` keeps its events (same ids,
    /// and new ones continue after them) and its item counts.
    #[test]
    fn lean_write_path_keeps_events_and_counts() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("megatest.db");
        let keys = [Key {
            name: "OS".into(),
            sqltype: "TEXT".into(),
        }];
        let conn = Connection::open(&path).unwrap();
        let old = MIGRATIONS.len() - 1;
        for m in &MIGRATIONS[..old] {
            (m.apply)(&conn, &keys).unwrap();
        }
        conn.execute_batch(&format!(
            "PRAGMA user_version={old};
             INSERT INTO keys (fieldname, fieldtype) VALUES ('OS', 'TEXT');
             INSERT INTO tests (run_id, testname, item_path, state, status)
                VALUES (1, 't', 'a', 'COMPLETED', 'PASS'), (1, 't', 'b', 'COMPLETED', 'PASS'),
                       (1, 't', 'c', 'RUNNING', 'n/a');
             INSERT INTO events (event_time, run_id, test_id, new_state, pid, host, user, source)
                VALUES (1.0, 1, 1, 'RUNNING', 1, 'h', 'u', 's'),
                       (2.0, 1, 1, 'COMPLETED', 1, 'h', 'u', 's');"
        ))
        .unwrap();
        ensure(&conn, &keys).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let ids: Vec<i64> = conn
            .prepare("SELECT id FROM events ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(ids, [1, 2]);
        let counts: Vec<(String, i64)> = conn
            .prepare("SELECT state, n FROM item_counts ORDER BY state")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(counts, [("COMPLETED".into(), 2), ("RUNNING".into(), 1)]);
        // The triggers work on the rebuilt table.
        conn.execute(
            "UPDATE tests SET state='COMPLETED', status='FAIL' WHERE item_path='c'",
            [],
        )
        .unwrap();
        let running: i64 = conn
            .query_row("SELECT n FROM item_counts WHERE state='RUNNING'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(running, 0);
        conn.execute(
            "INSERT INTO events (event_time, pid, host, user, source) VALUES (3.0, 1, 'h', 'u', 's')",
            [],
        )
        .unwrap();
        assert_eq!(conn.last_insert_rowid(), 3);
        let seq: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_sequence WHERE name='events'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(seq, 0);
    }
}
