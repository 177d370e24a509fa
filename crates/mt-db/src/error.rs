//! The store's error type. Every database failure names the file it happened on and the
//! operation that was attempted, so a message on a farm log can be acted on without a
//! debugger.

use std::path::PathBuf;

/// Errors of the Megatest store.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// `open_existing` on a path with no file.
    #[error("{}: no such database file", path.display())]
    Missing { path: PathBuf },

    /// The file exists but is not an SQLite database, or is damaged.
    #[error("{}: not an SQLite database, or the file is corrupt ({detail})", path.display())]
    NotADatabase { path: PathBuf, detail: String },

    /// Any other SQLite failure, with the operation that hit it.
    #[error("{}: {op}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        op: &'static str,
        #[source]
        source: rusqlite::Error,
    },

    /// The database was written by a newer version of this store.
    #[error(
        "{}: database schema version {found} is newer than this megatest understands ({supported})",
        path.display()
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    /// The `keys` table of an existing database is empty: not an area database.
    #[error("{}: the keys table is empty, so this is not a Megatest area database", path.display())]
    NoKeys { path: PathBuf },

    /// A `[fields]` key uses one of the names the `runs` table needs for itself (§5.2).
    #[error("your key cannot be named {name} as this is a reserved word")]
    ForbiddenKey { name: String },

    /// A key name or type that cannot be used as an SQL column.
    #[error("invalid key {name:?}: {reason}")]
    BadKey { name: String, reason: String },

    /// A key value was not supplied when registering or finding a run.
    #[error("no value given for key {key}")]
    MissingKeyValue { key: String },

    /// A key value was supplied for a key the area does not have.
    #[error("{key} is not a key of this area (keys: {known})")]
    UnknownKey { key: String, known: String },

    /// A target pattern with the wrong number of parts or an empty part (§3.2 of config-and-area).
    #[error("bad target pattern {pattern:?}: {reason}")]
    BadTarget { pattern: String, reason: String },

    #[error("no run with id {0}")]
    NoSuchRun(i64),

    #[error("no test with id {0}")]
    NoSuchTest(i64),

    /// `rename_run` onto a name that the target already has.
    #[error("a run named {runname} already exists for target {target}")]
    RunExists { target: String, runname: String },

    /// A malformed line of `-load-test-data` input.
    #[error("test data line {line}: {reason}")]
    TestData { line: usize, reason: String },
}

pub type Result<T, E = DbError> = std::result::Result<T, E>;

/// What the closures run inside a transaction return: a raw SQLite error (which the retry
/// loop inspects for BUSY/LOCKED and then decorates with the path) or an already typed one.
#[derive(Debug)]
pub(crate) enum TxError {
    Sql(rusqlite::Error),
    Db(DbError),
}

impl From<rusqlite::Error> for TxError {
    fn from(e: rusqlite::Error) -> Self {
        TxError::Sql(e)
    }
}

impl From<DbError> for TxError {
    fn from(e: DbError) -> Self {
        TxError::Db(e)
    }
}

pub(crate) type TxResult<T> = std::result::Result<T, TxError>;
