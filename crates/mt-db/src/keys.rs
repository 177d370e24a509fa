//! The area's target keys (`[fields]`): validation, and the SQL pieces built from them.
//! Key names become column names of `runs`, so they are checked to be plain identifiers
//! and always double-quoted in SQL.

use serde::Serialize;

use crate::error::{DbError, Result};

/// One target key: its name and the SQL type spec written in `[fields]` (e.g. `TEXT`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Key {
    pub name: String,
    pub sqltype: String,
}

/// Names the `runs` table uses for itself (§5.2), rejected case-insensitively.
pub const FORBIDDEN_KEYS: &[&str] = &[
    "runname",
    "state",
    "status",
    "owner",
    "event_time",
    "comment",
    "fail_count",
    "pass_count",
    "contour",
];

/// Columns of `runs` besides the keys; a key may not shadow these either (`id` and
/// `last_update` are not in the original's list but would break the table).
const OTHER_RUN_COLUMNS: &[&str] = &["id", "last_update"];

pub(crate) fn validate_keys(keys: &[(&str, &str)]) -> Result<Vec<Key>> {
    let mut out: Vec<Key> = Vec::with_capacity(keys.len());
    for (name, sqltype) in keys {
        let lower = name.to_ascii_lowercase();
        if FORBIDDEN_KEYS.contains(&lower.as_str()) {
            return Err(DbError::ForbiddenKey {
                name: (*name).to_string(),
            });
        }
        if OTHER_RUN_COLUMNS.contains(&lower.as_str()) {
            return Err(DbError::BadKey {
                name: (*name).to_string(),
                reason: "the runs table already has a column of that name".into(),
            });
        }
        let mut chars = name.chars();
        let ok_first = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !ok_first || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(DbError::BadKey {
                name: (*name).to_string(),
                reason: "key names must be letters, digits and '_', not starting with a digit"
                    .into(),
            });
        }
        // The type spec is pasted into CREATE TABLE as in the original; refuse anything
        // that could end the statement.
        if sqltype.contains(';') || sqltype.contains("--") {
            return Err(DbError::BadKey {
                name: (*name).to_string(),
                reason: format!("type spec {sqltype:?} is not a column type"),
            });
        }
        if out.iter().any(|k| k.name.eq_ignore_ascii_case(name)) {
            return Err(DbError::BadKey {
                name: (*name).to_string(),
                reason: "key given twice".into(),
            });
        }
        let sqltype = if sqltype.trim().is_empty() {
            "TEXT".to_string()
        } else {
            sqltype.trim().to_string()
        };
        out.push(Key {
            name: (*name).to_string(),
            sqltype,
        });
    }
    if out.is_empty() {
        return Err(DbError::BadKey {
            name: String::new(),
            reason: "an area needs at least one key in [fields]".into(),
        });
    }
    Ok(out)
}

/// `"name"` for SQL.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_validation_table() {
        let cases: &[(&[(&str, &str)], bool)] = &[
            (&[("SYSTEM", "TEXT"), ("RELEASE", "TEXT")], true),
            (&[("release", "TEXT DEFAULT 'v0.0'")], true),
            (&[("RunName", "TEXT")], false),
            (&[("STATE", "TEXT")], false),
            (&[("contour", "TEXT")], false),
            (&[("id", "TEXT")], false),
            (&[("1abc", "TEXT")], false),
            (&[("a-b", "TEXT")], false),
            (&[("a", "TEXT); DROP TABLE x")], false),
            (&[("a", "TEXT"), ("A", "TEXT")], false),
            (&[], false),
        ];
        for (keys, ok) in cases {
            assert_eq!(validate_keys(keys).is_ok(), *ok, "{keys:?}");
        }
    }

    #[test]
    fn forbidden_key_message_names_the_key() {
        let err = validate_keys(&[("owner", "TEXT")]).unwrap_err();
        assert!(matches!(err, DbError::ForbiddenKey { .. }));
        assert!(err.to_string().contains("owner"), "{err}");
    }
}
