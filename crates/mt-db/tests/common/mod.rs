//! Shared helpers of the integration tests.

#![allow(dead_code)]

use mt_db::Store;
use tempfile::TempDir;

pub const KEYS: &[(&str, &str)] = &[("SYSTEM", "TEXT"), ("RELEASE", "TEXT")];

pub fn fresh() -> (TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path().join("megatest.db"), KEYS).expect("open");
    (dir, store)
}

pub fn target(sys: &'static str, rel: &'static str) -> [(&'static str, &'static str); 2] {
    [("SYSTEM", sys), ("RELEASE", rel)]
}
