//! Test data (§6.3): records from `-load-test-data` CSV, `-set-values` and logpro `.dat`
//! files, stored insert-or-replace by (test_id, category, variable) with the status from
//! the tolerance check, and the test-data roll-up onto the test record (§2.6).
//!
//! Deliberate difference: when `expected` is empty the original also drops tol and units
//! (a quirk of a stubbed lookup); we keep what was given and only leave expected NULL.

use rusqlite::types::Value;
use rusqlite::{params, Connection};
use serde::Serialize;

use crate::error::{DbError, Result, TxResult};
use crate::records::require_test;
use crate::rows::{opt_text, text, Change, DataValue, TestDataRow};
use crate::status::StatusUpdate;
use crate::store::{now_secs, Store};
use crate::tolerance::{compute_status, data_rollup_status, parse_number};

/// One test-data record as given (CSV fields `category, variable, value, expected, tol,
/// units, comment, status, type`); missing trailing fields are empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataRecord {
    pub category: String,
    pub variable: String,
    pub value: String,
    pub expected: String,
    pub tol: String,
    pub units: String,
    pub comment: String,
    pub status: String,
    pub kind: String,
}

impl DataRecord {
    /// From CSV fields in the order above.
    #[must_use]
    pub fn from_fields(fields: &[String]) -> DataRecord {
        let f = |i: usize| {
            fields
                .get(i)
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        DataRecord {
            category: f(0),
            variable: f(1),
            value: f(2),
            expected: f(3),
            tol: f(4),
            units: f(5),
            comment: f(6),
            status: f(7),
            kind: f(8),
        }
    }
}

/// What `load_test_data_csv` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataLoad {
    pub records: usize,
    pub pass_count: i64,
    pub fail_count: i64,
    /// The status writes made by the roll-up (record, and toplevel for items).
    pub changes: Vec<Change>,
}

/// Split one CSV line: `,` separated, fields may be double-quoted with `""` for a quote;
/// whitespace around fields is stripped.
///
/// # Errors
/// An unterminated quoted field (the message says so; the caller adds the line number).
pub fn parse_csv_line(line: &str) -> std::result::Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut in_quotes = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == ',' {
            fields.push(finish_field(&cur, was_quoted));
            cur.clear();
            was_quoted = false;
        } else if c == '"' && cur.trim().is_empty() {
            cur.clear();
            in_quotes = true;
            was_quoted = true;
        } else {
            cur.push(c);
        }
    }
    if in_quotes {
        return Err("unterminated quoted field".into());
    }
    fields.push(finish_field(&cur, was_quoted));
    Ok(fields)
}

fn finish_field(s: &str, quoted: bool) -> String {
    if quoted {
        // Keep the quoted text as written; only trailing blanks after the quote go.
        s.trim_end().to_string()
    } else {
        s.trim().to_string()
    }
}

/// A number if it parses, else the text, NULL if empty.
fn num_or_text(s: &str) -> Value {
    if s.trim().is_empty() {
        Value::Null
    } else if let Some(f) = parse_number(s) {
        Value::Real(f)
    } else {
        Value::Text(s.trim().to_string())
    }
}

fn opt(s: &str) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        Value::Text(s.to_string())
    }
}

fn insert_tx(c: &Connection, test_id: i64, rec: &DataRecord) -> rusqlite::Result<()> {
    let status = compute_status(&rec.value, &rec.expected, &rec.tol, &rec.status)
        .unwrap_or_else(|| "n/a".into());
    c.prepare_cached(
        "INSERT OR REPLACE INTO test_data (test_id, category, variable, value, expected, tol,
            units, comment, status, type, last_update)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        test_id,
        rec.category,
        rec.variable,
        num_or_text(&rec.value),
        num_or_text(&rec.expected),
        num_or_text(&rec.tol),
        opt(&rec.units),
        rec.comment,
        status,
        rec.kind,
        now_secs()
    ])?;
    Ok(())
}

/// Count the record's pass/fail rows, store the counts, and return them.
fn data_counts_tx(c: &Connection, test_id: i64) -> rusqlite::Result<(i64, i64)> {
    let (pass, fail): (i64, i64) = c.query_row(
        "SELECT coalesce(sum(status LIKE 'pass'), 0), coalesce(sum(status LIKE 'fail'), 0)
         FROM test_data WHERE test_id=?1",
        [test_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    c.execute(
        "UPDATE tests SET pass_count=?2, fail_count=?3 WHERE id=?1",
        params![test_id, pass, fail],
    )?;
    Ok((pass, fail))
}

/// The AUTO path of a status write: counts stored, status rewritten; returns it.
pub(crate) fn data_rollup_tx(tx: &Connection, test_id: i64, current: &str) -> TxResult<String> {
    let (pass, fail) = data_counts_tx(tx, test_id)?;
    let status = data_rollup_status(current, pass, fail);
    if status != current {
        tx.execute(
            "UPDATE tests SET status=?2 WHERE id=?1",
            params![test_id, status],
        )?;
    }
    Ok(status)
}

impl Store {
    /// Store records for a test (insert-or-replace by category and variable), each with
    /// its status from the tolerance check. No roll-up.
    ///
    /// # Errors
    /// [`DbError::NoSuchTest`]; SQLite failures.
    pub fn set_test_data(&self, test_id: i64, records: &[DataRecord]) -> Result<()> {
        self.write("set test data", |tx| {
            require_test(tx, test_id)?;
            for r in records {
                insert_tx(tx, test_id, r)?;
            }
            Ok(())
        })
    }

    /// `-set-values :category C :variable V :value X :expected E :tol T :units U`: one
    /// record (status computed), returned as stored.
    ///
    /// # Errors
    /// [`DbError::NoSuchTest`]; SQLite failures.
    #[expect(
        clippy::too_many_arguments,
        reason = "mirrors the -set-values parameters"
    )]
    pub fn set_values(
        &self,
        test_id: i64,
        category: &str,
        variable: &str,
        value: &str,
        expected: &str,
        tol: &str,
        units: &str,
    ) -> Result<TestDataRow> {
        let rec = DataRecord {
            category: category.into(),
            variable: variable.into(),
            value: value.into(),
            expected: expected.into(),
            tol: tol.into(),
            units: units.into(),
            ..DataRecord::default()
        };
        self.set_test_data(test_id, std::slice::from_ref(&rec))?;
        self.test_data(test_id)?
            .into_iter()
            .find(|r| r.category == category && r.variable == variable)
            .ok_or(DbError::NoSuchTest(test_id))
    }

    /// `-load-test-data`: every non-blank line of `input` is a CSV record (a header line
    /// is data too, as in the original); then the test-data roll-up, whose status change
    /// goes through the normal status path (events, item roll-up). All in one transaction.
    ///
    /// # Errors
    /// [`DbError::TestData`] naming the first malformed line; [`DbError::NoSuchTest`];
    /// SQLite failures.
    pub fn load_test_data_csv(&self, test_id: i64, input: &str, source: &str) -> Result<DataLoad> {
        let mut records = Vec::new();
        for (i, line) in input.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let fields = parse_csv_line(line).map_err(|reason| DbError::TestData {
                line: i + 1,
                reason,
            })?;
            records.push(DataRecord::from_fields(&fields));
        }
        self.write("load test data", |tx| {
            let t = require_test(tx, test_id)?;
            for r in &records {
                insert_tx(tx, test_id, r)?;
            }
            let (pass_count, fail_count) = data_counts_tx(tx, test_id)?;
            let status = data_rollup_status(&t.status, pass_count, fail_count);
            let mut changes = Vec::new();
            if status != t.status {
                crate::status::apply_tx(
                    self,
                    tx,
                    &StatusUpdate {
                        test_id,
                        status: Some(&status),
                        ..StatusUpdate::default()
                    },
                    source,
                    &mut changes,
                )?;
            }
            Ok(DataLoad {
                records: records.len(),
                pass_count,
                fail_count,
                changes,
            })
        })
    }

    /// The test-data roll-up alone (§2.6) for one record; returns the status writes.
    ///
    /// # Errors
    /// [`DbError::NoSuchTest`]; SQLite failures.
    pub fn test_data_rollup(&self, test_id: i64, source: &str) -> Result<Vec<Change>> {
        self.load_test_data_csv(test_id, "", source)
            .map(|d| d.changes)
    }

    /// The record's test data (rows marked `DELETED` hidden), by category and variable.
    ///
    /// # Errors
    /// SQLite failures.
    pub fn test_data(&self, test_id: i64) -> Result<Vec<TestDataRow>> {
        self.read("read test data", |c| {
            let mut st = c.prepare_cached(
                "SELECT id, test_id, category, variable, value, expected, tol, units, comment,
                        status, type
                 FROM test_data WHERE test_id=?1 AND coalesce(status,'') != 'DELETED'
                 ORDER BY category, variable",
            )?;
            let rows = st.query_map([test_id], |r| {
                Ok(TestDataRow {
                    id: r.get(0)?,
                    test_id: r.get(1)?,
                    category: text(r, 2)?,
                    variable: text(r, 3)?,
                    value: DataValue::read(r, 4)?,
                    expected: DataValue::read(r, 5)?,
                    tol: DataValue::read(r, 6)?,
                    units: opt_text(r, 7)?,
                    comment: text(r, 8)?,
                    status: opt_text(r, 9)?,
                    kind: text(r, 10)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_lines() {
        let cases: &[(&str, &[&str])] = &[
            ("a,b,1,2,3", &["a", "b", "1", "2", "3"]),
            (" a , b ,1", &["a", "b", "1"]),
            ("a,\"x, y\",1", &["a", "x, y", "1"]),
            ("a,\"say \"\"hi\"\"\",1", &["a", "say \"hi\"", "1"]),
            ("a,,", &["a", "", ""]),
            ("", &[""]),
        ];
        for (line, want) in cases {
            assert_eq!(parse_csv_line(line).unwrap(), *want, "{line}");
        }
        assert!(parse_csv_line("a,\"open").is_err());
    }

    #[test]
    fn record_from_short_fields() {
        let r = DataRecord::from_fields(&["perf".into(), "speed".into(), "5".into()]);
        assert_eq!(r.category, "perf");
        assert_eq!(r.value, "5");
        assert_eq!(r.tol, "");
        assert_eq!(r.kind, "");
    }
}
