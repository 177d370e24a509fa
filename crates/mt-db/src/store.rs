//! Opening the area database and running work on it. This is the only place that creates
//! a connection, sets the pragmas and runs transactions, so every caller gets the same
//! concurrency rules: WAL, `synchronous=NORMAL`, a jittered busy handler, write
//! transactions that start with `BEGIN IMMEDIATE` (a reader that later wants to write can
//! never deadlock against another one), and a retry loop on BUSY/LOCKED as a backstop.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::error::{DbError, Result, TxError, TxResult};
use crate::keys::{validate_keys, Key};
use crate::schema;

/// How long one statement waits for a lock inside SQLite's busy handler (about 60 s).
const BUSY_WAIT: Duration = Duration::from_secs(60);
/// How long the outer retry loop keeps retrying a whole transaction that still came back
/// BUSY/LOCKED. Generous on purpose: losing an update is worse than waiting.
const RETRY_DEADLINE: Duration = Duration::from_secs(600);

/// An open area database (`megatest.db`).
pub struct Store {
    /// One connection, shared by every thread of the process that holds this `Store` (the
    /// runner and its in-process jobs): SQLite keeps its page cache across transactions
    /// only while no other connection wrote, so one connection per process saves
    /// re-reading the pages each time another thread has committed.
    conn: Mutex<Connection>,
    pub(crate) path: PathBuf,
    pub(crate) keys: Vec<Key>,
    pub(crate) ident: Identity,
    /// Source written into run-level events (`lock_run`, `register_run`, ...).
    pub(crate) source: String,
}

/// Who writes: recorded with every event.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub pid: i64,
    pub host: String,
    pub user: String,
}

impl Identity {
    fn current() -> Self {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "localhost".into());
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".into());
        Identity {
            pid: i64::from(std::process::id()),
            host,
            user,
        }
    }
}

/// Epoch seconds, whole (the unit of the original's TIMESTAMP columns).
pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Epoch seconds with sub-second precision (the events table).
pub(crate) fn now_f64() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

thread_local! {
    static JITTER: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.subsec_nanos());
    (u64::from(t) ^ (u64::from(std::process::id()) << 32)) | 1
}

/// A small xorshift so that 50 waiting processes do not wake up in lock step.
fn jitter_ms(max: u64) -> u64 {
    JITTER.with(|c| {
        let mut x = c.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        c.set(x);
        x % max.max(1)
    })
}

/// SQLite's own busy handler sleeps up to 100 ms between tries, which starves writers when
/// dozens of processes queue for the lock. Short jittered sleeps keep the queue moving;
/// `count` bounds the total wait to about `BUSY_WAIT`.
fn busy_handler(count: i32) -> bool {
    // Mean sleep is about 2.5 ms, so this allows roughly BUSY_WAIT in total.
    let limit = i32::try_from(BUSY_WAIT.as_millis() * 2 / 5).unwrap_or(i32::MAX);
    if count >= limit {
        return false;
    }
    // Write transactions last well under a millisecond, so the first retries come quickly
    // (a sleep of 1 ms or more per conflict would dominate a short test's own work); only a
    // long queue backs off to the millisecond range.
    let micros = match count {
        0..=9 => 50 + jitter_ms(200),
        10..=49 => 500 + jitter_ms(1000),
        _ => 1000 + jitter_ms(3000),
    };
    std::thread::sleep(Duration::from_micros(micros));
    true
}

pub(crate) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

fn is_not_a_db(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

/// Turn a raw SQLite error into a typed one naming the file.
pub(crate) fn sql_error(path: &Path, op: &'static str, e: rusqlite::Error) -> DbError {
    if is_not_a_db(&e) {
        DbError::NotADatabase {
            path: path.to_path_buf(),
            detail: e.to_string(),
        }
    } else {
        DbError::Sqlite {
            path: path.to_path_buf(),
            op,
            source: e,
        }
    }
}

/// Run `f` until it succeeds or fails with something other than BUSY/LOCKED.
fn with_retry<T>(path: &Path, op: &'static str, mut f: impl FnMut() -> TxResult<T>) -> Result<T> {
    let start = Instant::now();
    let mut attempt: u32 = 0;
    loop {
        match f() {
            Ok(v) => return Ok(v),
            Err(TxError::Sql(e)) if is_busy(&e) && start.elapsed() < RETRY_DEADLINE => {
                attempt = attempt.saturating_add(1);
                let backoff = u64::from(attempt.min(50)) * 2 + jitter_ms(20);
                std::thread::sleep(Duration::from_millis(backoff));
            }
            Err(TxError::Sql(e)) => return Err(sql_error(path, op, e)),
            Err(TxError::Db(e)) => return Err(e),
        }
    }
}

fn connect(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| sql_error(path, "open", e))?;
    conn.busy_handler(Some(busy_handler))
        .map_err(|e| sql_error(path, "set busy handler", e))?;
    // Every statement of the write path stays prepared (rusqlite keeps 16 by default).
    conn.set_prepared_statement_cache_capacity(64);
    // journal_mode needs a lock for a moment; retry like any write.
    with_retry(path, "set WAL mode", || {
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        Ok(mode)
    })?;
    with_retry(path, "set pragmas", || {
        // No mmap: measured no faster here, and it makes the whole file resident in the
        // runner (tens of MB for big runs).
        conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;")?;
        Ok(())
    })?;
    Ok(conn)
}

impl Store {
    /// Open (creating on first use) the area database at `path` for an area whose
    /// `[fields]` are `keys` (name, SQL type spec), in target order. A new file gets the
    /// whole schema; an older one is migrated; keys the database lacks are added as
    /// `runs` columns (as the original's `db:adj-target` does).
    ///
    /// # Errors
    /// Forbidden or malformed key names, a file that is not an SQLite database, a schema
    /// newer than this build, or any SQLite failure.
    pub fn open(path: impl AsRef<Path>, keys: &[(&str, &str)]) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        let keys = validate_keys(keys)?;
        let conn = connect(&path)?;
        let mut store = Store {
            conn: Mutex::new(conn),
            path,
            keys,
            ident: Identity::current(),
            source: "cli".into(),
        };
        let wanted = store.keys.clone();
        store.keys = store.write("initialise schema", |tx| schema::ensure(tx, &wanted))?;
        // Keep the caller's order (it is the target order); ensure() returned the stored
        // keys, which contain at least these.
        store.keys = wanted;
        Ok(store)
    }

    /// Open an existing area database, reading the keys from its `keys` table.
    ///
    /// # Errors
    /// [`DbError::Missing`] when there is no file, [`DbError::NotADatabase`] for a foreign
    /// or damaged file, [`DbError::NoKeys`] for an SQLite file that is not an area db.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        if !path.is_file() {
            return Err(DbError::Missing { path });
        }
        let conn = connect(&path)?;
        let mut store = Store {
            conn: Mutex::new(conn),
            path,
            keys: Vec::new(),
            ident: Identity::current(),
            source: "cli".into(),
        };
        let keys = store.write("migrate schema", |tx| {
            let has_keys: i64 = tx.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='keys'",
                [],
                |r| r.get(0),
            )?;
            if has_keys == 0 {
                return Ok(Vec::new());
            }
            schema::ensure(tx, &[])
        })?;
        if keys.is_empty() {
            return Err(DbError::NoKeys { path: store.path });
        }
        store.keys = keys;
        Ok(store)
    }

    /// The database file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The area's keys in target order.
    #[must_use]
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// Set the `source` recorded in events of run-level operations (default `cli`).
    pub fn set_source(&mut self, source: &str) {
        self.source = source.to_string();
    }

    /// `PRAGMA user_version`: the number of migration steps applied.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn user_version(&self) -> Result<i64> {
        self.read("read user_version", |c| {
            Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))?)
        })
    }

    /// Run `f` in a `BEGIN IMMEDIATE` transaction, retrying the whole transaction on
    /// BUSY/LOCKED. `f` may run more than once, so it must not have outside effects.
    /// BEGIN and COMMIT are cached statements (a state change is a few short statements;
    /// parsing these two each time was a noticeable part of it).
    pub(crate) fn write<T>(
        &self,
        op: &'static str,
        mut f: impl FnMut(&Connection) -> TxResult<T>,
    ) -> Result<T> {
        with_retry(&self.path, op, || {
            let conn = self.conn();
            conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
            let done = f(&conn).and_then(|v| {
                conn.prepare_cached("COMMIT")?.execute([])?;
                Ok(v)
            });
            if done.is_err() && !conn.is_autocommit() {
                // Also after a failed COMMIT (BUSY): the retry starts a new transaction.
                let _ = conn.execute_batch("ROLLBACK");
            }
            done
        })
    }

    /// Run a read, retrying on BUSY (which WAL readers meet only during recovery).
    pub(crate) fn read<T>(
        &self,
        op: &'static str,
        mut f: impl FnMut(&Connection) -> TxResult<T>,
    ) -> Result<T> {
        with_retry(&self.path, op, || f(&self.conn()))
    }

    /// The connection, for one transaction or read at a time. A thread that panicked while
    /// holding it left no transaction open (rusqlite rolls back on drop), so a poisoned
    /// lock is still usable.
    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
