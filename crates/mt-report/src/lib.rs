//! `mt-report` owns the reports Megatest renders from its database (`mt_db` rows):
//!
//! - [`html`]: the browsable static HTML tree of `-generate-html` (runs x tests matrix,
//!   one page per run, one per record with steps, test data and links to its log files);
//! - [`junit`]: JUnit XML for CI systems (one `<testsuite>` per run; an extension, §6.16);
//! - [`diff`]: the `-diff-rep` comparison of two runs and its HTML page (§6.12);
//! - [`ods`]: the `-extract-ods` OpenDocument spreadsheet (§6.13), written in-process
//!   through the small stored-zip writer of [`zip`].
//!
//! Data is read once by [`collect()`] into [`RunReport`]s; the renderers are functions of
//! that data (plus, for log tails and file lists, the run directories on disk). Escaping
//! for XML and HTML is in [`escape`]; every rendered time is UTC ([`time`]).

mod collect;
pub mod diff;
mod error;
pub mod escape;
pub mod html;
pub mod junit;
pub mod logs;
pub mod ods;
pub mod steps;
pub mod time;
pub mod verdict;
pub mod zip;

#[cfg(test)]
mod fixtures;

pub use collect::{collect, collect_some, RunReport, Selection, TestReport};
pub use error::{ReportError, Result};
