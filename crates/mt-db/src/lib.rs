//! `mt-db` owns the Megatest area database, `megatest.db`: the only way to open a
//! connection to it, its schema (the exact tables and columns of the original, §5.2 of
//! runner-and-lifecycle.md, plus an append-only `events` table), migrations keyed on
//! `PRAGMA user_version`, and every read and write of runs, tests, steps, test data and
//! events, including the item → toplevel roll-up (through `mt_model::rollup`), the
//! test-data tolerance checks and roll-up, and the queries behind `-list-runs`.
//!
//! Concurrency: WAL, `synchronous=NORMAL`, a jittered busy handler (~60 s), writes in
//! `BEGIN IMMEDIATE` transactions retried on BUSY/LOCKED, so dozens of local processes may
//! write one file without losing an update (see `tests/hammer.rs`). Never share the file
//! between writers over NFS: remote writers go through the area server. Within a process,
//! one `Store` (it is `Sync`: its connection sits behind a mutex, one transaction at a time)
//! serves every thread: SQLite's page cache then stays valid from one transaction to the
//! next, which a connection per thread would lose at each commit of another.
//!
//! # API
//!
//! Opening: [`Store::open`] (path, keys) creates or migrates; [`Store::open_existing`]
//! reads the keys from the file. Errors are [`DbError`] and name the file.
//!
//! Runs: [`Store::register_run`], [`Store::find_run`], [`Store::get_run`],
//! [`Store::list_runs`], [`Store::db_targets`], [`Store::run_keys`],
//! [`Store::set_run_state`], [`Store::set_run_status`], [`Store::lock_run`],
//! [`Store::unlock_run`], [`Store::is_locked`], [`Store::delete_run`],
//! [`Store::rename_run`], [`Store::run_has_remaining_tests`].
//!
//! Tests: [`Store::register_test`], [`Store::register_tests`], [`Store::get_test`],
//! [`Store::find_test`], [`Store::tests_for_run`] with a [`TestFilter`],
//! [`Store::set_state_status`] / [`Store::set_state_status_batch`] (roll-up, events,
//! returns [`Change`]s for `[triggers]`), [`Store::update_test_run_info`],
//! [`Store::set_run_duration`], [`Store::heartbeat`], [`Store::set_comment`],
//! [`Store::delete_test_records`], [`Store::purge_deleted`], [`Store::running_count`],
//! [`Store::update_run_stats`], [`Store::run_stats`], [`Store::upsert_test_meta`],
//! [`Store::get_test_meta`], [`Store::previous_instance`].
//!
//! Steps: [`Store::record_step`], [`Store::steps_for_test`]. Test data:
//! [`Store::set_test_data`], [`Store::set_values`], [`Store::load_test_data_csv`],
//! [`Store::test_data_rollup`], [`Store::test_data`]; the pure checks are in
//! [`tolerance`]. Events: [`Store::events_for_test`], [`Store::events_for_run`],
//! [`Store::events_since`]. `-list-runs`: [`Store::list_runs_with_tests`].
//!
//! # Where we differ from the original on purpose
//!
//! - Roll-up uses the items' effective values after the write (not the "missing value"
//!   quirk) and the 1.6506 ranking of `mt_model::rollup`; a toplevel is written (and
//!   returned for `[triggers]`) only when the roll-up changes it.
//! - The `AUTO` test-data roll-up runs inside the same transaction as the status write.
//! - `run_stats` drops (state, status) combinations that no longer occur.
//! - Test data keeps tol and units when `expected` is empty; a numeric value/expected with
//!   no tol gets status `n/a` instead of crashing.
//! - Patterns are bound as SQL parameters, so a `'` in a pattern cannot break a query.
//! - `archive_*.creation_time` defaults to the epoch time instead of a malformed NULL.
//! - One `megatest.db` per area in WAL mode; no `/tmp` working copy (spec README #4).

mod error;
mod events;
mod keys;
mod listruns;
mod maintenance;
mod manage;
mod ops;
mod patterns;
mod records;
mod rows;
mod runs;
mod scheduling;
mod schema;
mod status;
mod steps;
mod store;
mod testdata;
pub mod tolerance;

pub use error::{DbError, Result};
pub use keys::{Key, FORBIDDEN_KEYS};
pub use listruns::{RunListing, TestWithSteps};
pub use ops::Op;
pub use patterns::{target_sql, testpatt_sql};
pub use records::{RunInfo, TestFilter, TestSort};
pub use rows::{
    Change, DataValue, EventRow, RunRow, RunStat, StepRow, TestDataRow, TestMeta, TestRow,
};
pub use runs::{RUN_DELETED, RUN_LOCKED, RUN_NEW, RUN_UNLOCKED};
pub use schema::{megatest_version, migration_names, SCHEMA_VERSION};
pub use status::StatusUpdate;
pub use store::Store;
pub use testdata::{parse_csv_line, DataLoad, DataRecord};
