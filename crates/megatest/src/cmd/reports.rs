//! Placeholder: filled in by the reports work.

use crate::args::Args;
use crate::error::CliError;

/// Run the reports actions present on the command line; None when none was asked for.
pub fn dispatch(a: &Args) -> Result<Option<i32>, CliError> {
    let _ = a;
    Ok(None)
}
