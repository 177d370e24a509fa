//! Tolerance checks of test data (§6.3): how a `test_data` row's status is computed from
//! value, expected and tol, and the test-data roll-up verdict (§2.6). Pure functions.
//!
//! Choices where the original is accidental: a missing tol with numeric value and
//! expected gives no verdict (`None`, stored `n/a`) instead of crashing; computed statuses
//! are lower case `pass`/`fail` as in the original; `tol` is an absolute band, not a
//! percentage (the original has no percentage form).

use mt_model::Status;

/// A number as the original's `string->number` would read it; infinities and NaN are
/// not numbers here.
#[must_use]
pub fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    f.is_finite().then_some(f)
}

/// Whether a status field counts as "not given" (blank or exactly `n/a`).
#[must_use]
pub fn status_given(status: &str) -> bool {
    let s = status.trim();
    !(s.is_empty() || s == "n/a")
}

/// The status of one test-data record: the given status verbatim if there is one;
/// otherwise, when value and expected are numbers, `pass`/`fail` from the tolerance
/// (`tol` a number: `expected-tol <= value <= expected+tol`; `tol` one of `>`, `<`, `>=`,
/// `<=`: `value <op> expected`), `ERROR: bad tol comparator <tol>` for any other tol, and
/// `None` when tol is empty or value/expected are not both numbers.
#[must_use]
pub fn compute_status(value: &str, expected: &str, tol: &str, status: &str) -> Option<String> {
    if status_given(status) {
        return Some(status.trim().to_string());
    }
    let (v, e) = (parse_number(value)?, parse_number(expected)?);
    let tol = tol.trim();
    if tol.is_empty() {
        return None;
    }
    let ok = if let Some(t) = parse_number(tol) {
        e - t <= v && v <= e + t
    } else {
        match tol {
            ">" => v > e,
            "<" => v < e,
            ">=" => v >= e,
            "<=" => v <= e,
            other => return Some(format!("ERROR: bad tol comparator {other}")),
        }
    };
    Some(if ok { "pass" } else { "fail" }.to_string())
}

/// The test-data roll-up verdict (§2.6): `FAIL` if any row failed; else `PASS` if any
/// passed and the current status is not `WARN`/`FAIL`; else the current status.
#[must_use]
pub fn data_rollup_status(current: &str, pass_count: i64, fail_count: i64) -> String {
    if fail_count > 0 {
        Status::FAIL.to_string()
    } else if pass_count > 0 && current != Status::WARN && current != Status::FAIL {
        Status::PASS.to_string()
    } else {
        current.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compute_status_table() {
        // (value, expected, tol, status) -> computed
        let cases: &[(&str, &str, &str, &str, Option<&str>)] = &[
            ("105", "100", "10", "", Some("pass")),
            ("130", "100", "10", "", Some("fail")),
            ("110", "100", "10", "", Some("pass")),
            ("90", "100", "10", "", Some("pass")),
            ("89.9", "100", "10", "", Some("fail")),
            ("100", "100", "0", "", Some("pass")),
            ("1.5e2", "150", "0.1", "", Some("pass")),
            ("5", "3", ">", "", Some("pass")),
            ("3", "3", ">", "", Some("fail")),
            ("3", "3", ">=", "", Some("pass")),
            ("2", "3", "<", "", Some("pass")),
            ("4", "3", "<=", "", Some("fail")),
            ("5", "3", "~", "", Some("ERROR: bad tol comparator ~")),
            ("5", "3", "n/a", "", Some("ERROR: bad tol comparator n/a")),
            ("5", "3", "", "", None),
            ("abc", "3", "1", "", None),
            ("5", "", "1", "", None),
            ("130", "100", "10", "PASS", Some("PASS")),
            ("130", "100", "10", "n/a", Some("fail")),
            ("130", "100", "10", "  ", Some("fail")),
            ("x", "y", "z", "warn", Some("warn")),
            ("inf", "1", "1", "", None),
        ];
        for (v, e, t, s, want) in cases {
            assert_eq!(
                compute_status(v, e, t, s).as_deref(),
                *want,
                "value={v} expected={e} tol={t} status={s}"
            );
        }
    }

    #[test]
    fn data_rollup_table() {
        let cases: &[(&str, i64, i64, &str)] = &[
            ("AUTO", 0, 0, "AUTO"),
            ("AUTO", 2, 0, "PASS"),
            ("AUTO", 2, 1, "FAIL"),
            ("WARN", 3, 0, "WARN"),
            ("FAIL", 3, 0, "FAIL"),
            ("PASS", 0, 1, "FAIL"),
            ("n/a", 1, 0, "PASS"),
            ("CHECK", 1, 0, "PASS"),
        ];
        for (cur, p, f, want) in cases {
            assert_eq!(data_rollup_status(cur, *p, *f), *want, "{cur} {p} {f}");
        }
    }
}
