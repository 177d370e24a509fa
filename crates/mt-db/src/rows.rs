//! Typed rows read from the database, and tolerant column readers: a `megatest.db` written
//! by the original (or edited by hand with `sqlite3`) may hold text in numeric columns or
//! NULL where a default was expected, and a listing must not fail because of it.

use indexmap::IndexMap;
use rusqlite::types::ValueRef;
use rusqlite::Row;
use serde::Serialize;

pub(crate) fn text(row: &Row<'_>, idx: usize) -> rusqlite::Result<String> {
    Ok(match row.get_ref(idx)? {
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
    })
}

pub(crate) fn opt_text(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<String>> {
    Ok(match row.get_ref(idx)? {
        ValueRef::Null => None,
        _ => Some(text(row, idx)?),
    })
}

pub(crate) fn int(row: &Row<'_>, idx: usize) -> rusqlite::Result<i64> {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "epoch seconds and counters"
    )]
    Ok(match row.get_ref(idx)? {
        ValueRef::Null | ValueRef::Blob(_) => 0,
        ValueRef::Integer(i) => i,
        ValueRef::Real(f) => f as i64,
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t);
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().map(|f| f as i64))
                .unwrap_or(0)
        }
    })
}

pub(crate) fn opt_int(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<i64>> {
    Ok(match row.get_ref(idx)? {
        ValueRef::Null => None,
        _ => Some(int(row, idx)?),
    })
}

pub(crate) fn real(row: &Row<'_>, idx: usize) -> rusqlite::Result<f64> {
    #[expect(clippy::cast_precision_loss, reason = "loads and sizes")]
    Ok(match row.get_ref(idx)? {
        ValueRef::Null | ValueRef::Blob(_) => 0.0,
        ValueRef::Integer(i) => i as f64,
        ValueRef::Real(f) => f,
        ValueRef::Text(t) => String::from_utf8_lossy(t).trim().parse().unwrap_or(0.0),
    })
}

/// A run record (`runs` table).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRow {
    pub id: i64,
    /// Key name → value, in the area's key order.
    pub keys: IndexMap<String, String>,
    pub runname: String,
    pub contour: String,
    pub state: String,
    pub status: String,
    pub owner: String,
    pub event_time: i64,
    pub comment: String,
    pub fail_count: i64,
    pub pass_count: i64,
    pub last_update: i64,
}

impl RunRow {
    /// The target: key values joined with `/`.
    #[must_use]
    pub fn target(&self) -> String {
        self.keys
            .values()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// The `tests` columns we read, in the canonical record order (db:test-record-fields)
/// followed by the counters.
pub(crate) const TEST_COLUMNS: &str = "id, run_id, testname, state, status, event_time, host, \
     cpuload, diskfree, uname, rundir, item_path, run_duration, final_logf, comment, shortdir, \
     attemptnum, archived, fail_count, pass_count, last_update";

/// A test or item record (`tests` table).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestRow {
    pub id: i64,
    pub run_id: i64,
    pub testname: String,
    pub state: String,
    pub status: String,
    pub event_time: i64,
    pub host: String,
    pub cpuload: f64,
    pub diskfree: i64,
    pub uname: String,
    pub rundir: String,
    pub item_path: String,
    pub run_duration: i64,
    pub final_logf: String,
    pub comment: String,
    pub shortdir: String,
    /// Overloaded by the original: the pid of the test's current top process.
    pub attemptnum: i64,
    pub archived: i64,
    pub fail_count: i64,
    pub pass_count: i64,
    pub last_update: i64,
}

impl TestRow {
    pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<TestRow> {
        Ok(TestRow {
            id: int(r, 0)?,
            run_id: int(r, 1)?,
            testname: text(r, 2)?,
            state: text(r, 3)?,
            status: text(r, 4)?,
            event_time: int(r, 5)?,
            host: text(r, 6)?,
            cpuload: real(r, 7)?,
            diskfree: int(r, 8)?,
            uname: text(r, 9)?,
            rundir: text(r, 10)?,
            item_path: text(r, 11)?,
            run_duration: int(r, 12)?,
            final_logf: text(r, 13)?,
            comment: text(r, 14)?,
            shortdir: text(r, 15)?,
            attemptnum: int(r, 16)?,
            archived: int(r, 17)?,
            fail_count: int(r, 18)?,
            pass_count: int(r, 19)?,
            last_update: int(r, 20)?,
        })
    }

    /// `testname` or `testname(item_path)`, as `-list-runs` prints it.
    #[must_use]
    pub fn fullname(&self) -> String {
        if self.item_path.is_empty() {
            self.testname.clone()
        } else {
            format!("{}({})", self.testname, self.item_path)
        }
    }

    /// A toplevel record that never executed (the original's placeholder test).
    #[must_use]
    pub fn is_placeholder(&self) -> bool {
        self.item_path.is_empty() && self.uname == "n/a"
    }
}

/// A `test_steps` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRow {
    pub id: i64,
    pub test_id: i64,
    pub stepname: String,
    pub state: String,
    pub status: String,
    pub event_time: i64,
    pub comment: String,
    pub logfile: String,
}

/// A value of `test_data.value/expected/tol`: REAL columns that may hold text (`>`, `pass`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum DataValue {
    Num(f64),
    Text(String),
}

impl DataValue {
    pub(crate) fn read(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DataValue>> {
        #[expect(clippy::cast_precision_loss, reason = "measured values")]
        Ok(match row.get_ref(idx)? {
            ValueRef::Null => None,
            ValueRef::Integer(i) => Some(DataValue::Num(i as f64)),
            ValueRef::Real(f) => Some(DataValue::Num(f)),
            ValueRef::Text(t) | ValueRef::Blob(t) => {
                Some(DataValue::Text(String::from_utf8_lossy(t).into_owned()))
            }
        })
    }
}

/// A `test_data` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestDataRow {
    pub id: i64,
    pub test_id: i64,
    pub category: String,
    pub variable: String,
    pub value: Option<DataValue>,
    pub expected: Option<DataValue>,
    pub tol: Option<DataValue>,
    pub units: Option<String>,
    pub comment: String,
    pub status: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
}

/// One row of the append-only `events` table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRow {
    pub id: i64,
    /// Epoch seconds with sub-second precision.
    pub event_time: f64,
    pub run_id: Option<i64>,
    /// `None` for run-level events (lock, unlock, run state changes).
    pub test_id: Option<i64>,
    pub testname: Option<String>,
    pub item_path: Option<String>,
    pub old_state: Option<String>,
    pub new_state: Option<String>,
    pub old_status: Option<String>,
    pub new_status: Option<String>,
    pub comment: Option<String>,
    pub pid: i64,
    pub host: String,
    pub user: String,
    pub source: String,
}

/// One state/status write of a test record, returned so the caller can fire `[triggers]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub test_id: i64,
    pub run_id: i64,
    pub testname: String,
    pub item_path: String,
    pub old_state: String,
    pub new_state: String,
    pub old_status: String,
    pub new_status: String,
    /// True for a toplevel record written by the item roll-up.
    pub rollup: bool,
}

impl Change {
    /// Whether state or status actually changed.
    #[must_use]
    pub fn changed(&self) -> bool {
        self.old_state != self.new_state || self.old_status != self.new_status
    }
}

/// Per (state, status) count of a run's tests (`run_stats`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunStat {
    pub state: String,
    pub status: String,
    pub count: i64,
}

/// A `test_meta` record (`[test_meta]` of a testconfig, plus the test's jobgroup).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TestMeta {
    pub testname: String,
    pub author: String,
    pub owner: String,
    pub description: String,
    pub tags: String,
    pub jobgroup: String,
}
