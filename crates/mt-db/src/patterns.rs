//! The SQL selector semantics (config-and-area.md §4.2): test patterns, run-name patterns
//! and target patterns become `LIKE` when they contain `%`, else `GLOB`. Unlike the
//! original, the pattern text is bound as a parameter, so a `'` cannot break the query.

use crate::error::{DbError, Result};
use crate::keys::{quote_ident, Key};

/// `col LIKE ?` or `col GLOB ?` for one pattern.
pub(crate) fn match_clause(col: &str, patt: &str) -> String {
    if patt.contains('%') {
        format!("{col} LIKE ?")
    } else {
        format!("{col} GLOB ?")
    }
}

/// A test pattern (`-testpatt`, comma list) as an SQL condition over `testname` and
/// `item_path`, with its parameters.
#[must_use]
pub fn testpatt_sql(testpatt: &str) -> (String, Vec<String>) {
    let mut parts = Vec::new();
    let mut params = Vec::new();
    for patt in testpatt.split(',') {
        let (test, item) = match patt.split_once('/') {
            Some((t, i)) => (t, i),
            None => (patt, "%"),
        };
        parts.push(format!(
            "({} AND {})",
            match_clause("testname", test),
            match_clause("item_path", item)
        ));
        params.push(test.to_string());
        params.push(item.to_string());
    }
    (parts.join(" OR "), params)
}

/// A target pattern (`-target`, one `/`-separated part per key, no empty part) as an SQL
/// condition over the key columns of `runs` (qualified with `prefix`, e.g. `runs.`).
///
/// # Errors
/// [`DbError::BadTarget`] for the wrong number of parts or an empty part.
pub fn target_sql(keys: &[Key], pattern: &str, prefix: &str) -> Result<(String, Vec<String>)> {
    let parts: Vec<&str> = pattern.split('/').collect();
    if parts.len() != keys.len() {
        return Err(DbError::BadTarget {
            pattern: pattern.into(),
            reason: format!(
                "it has {} part(s) but the area has {} key(s) ({})",
                parts.len(),
                keys.len(),
                keys.iter()
                    .map(|k| k.name.as_str())
                    .collect::<Vec<_>>()
                    .join("/")
            ),
        });
    }
    if let Some(pos) = parts.iter().position(|p| p.is_empty()) {
        return Err(DbError::BadTarget {
            pattern: pattern.into(),
            reason: format!("part {} ({}) is empty", pos + 1, keys[pos].name),
        });
    }
    let clauses: Vec<String> = keys
        .iter()
        .zip(&parts)
        .map(|(k, p)| match_clause(&format!("{prefix}{}", quote_ident(&k.name)), p))
        .collect();
    Ok((
        clauses.join(" AND "),
        parts.iter().map(|p| (*p).to_string()).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn testpatt_vector_from_the_spec() {
        let (sql, params) = testpatt_sql("a/b,a%,/b%");
        assert_eq!(
            sql,
            "(testname GLOB ? AND item_path GLOB ?) OR (testname LIKE ? AND item_path LIKE ?) \
             OR (testname GLOB ? AND item_path LIKE ?)"
        );
        assert_eq!(params, ["a", "b", "a%", "%", "", "b%"]);
    }

    #[test]
    fn toplevel_only_pattern() {
        let (sql, params) = testpatt_sql("name/");
        assert_eq!(sql, "(testname GLOB ? AND item_path GLOB ?)");
        assert_eq!(params, ["name", ""]);
    }

    #[test]
    fn target_patterns() {
        let keys: Vec<Key> = ["SYSTEM", "RELEASE"]
            .iter()
            .map(|n| Key {
                name: (*n).into(),
                sqltype: "TEXT".into(),
            })
            .collect();
        let cases: &[(&str, Option<&str>)] = &[
            ("%/%", Some("\"SYSTEM\" LIKE ? AND \"RELEASE\" LIKE ?")),
            (
                "ubuntu/v1*",
                Some("\"SYSTEM\" GLOB ? AND \"RELEASE\" GLOB ?"),
            ),
            ("ubuntu", None),
            ("a/b/c", None),
            ("a/", None),
        ];
        for (patt, want) in cases {
            let got = target_sql(&keys, patt, "").ok().map(|(s, _)| s);
            assert_eq!(got.as_deref(), *want, "{patt}");
        }
    }
}
