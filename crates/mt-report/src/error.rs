//! The report error type. Every failure names the file or the selection it was about, so
//! a message in a CI log can be acted on directly.

use std::path::PathBuf;

/// Errors of report generation.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Reading the area database failed.
    #[error(transparent)]
    Db(#[from] mt_db::DbError),

    /// Writing (or creating the directory of) an output file failed.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// No run matched the selection the report was asked for.
    #[error("no run matches target {target} and run name {runname}")]
    NoSuchRun { target: String, runname: String },

    /// A file too large for the plain (non-Zip64) zip container of the spreadsheet.
    #[error("{name}: {size} bytes is too large for the spreadsheet container (limit 4 GiB)")]
    TooLarge { name: String, size: u64 },
}

/// Result with a [`ReportError`].
pub type Result<T> = std::result::Result<T, ReportError>;

/// Map an I/O error to [`ReportError::Write`] for `path`.
pub(crate) fn write_err(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    }
}
