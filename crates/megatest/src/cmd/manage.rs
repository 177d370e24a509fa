//! Placeholder: filled in by the manage work.

use crate::args::Args;
use crate::error::CliError;

/// Run the manage actions present on the command line; None when none was asked for.
pub fn dispatch(a: &Args) -> Result<Option<i32>, CliError> {
    let _ = a;
    Ok(None)
}
