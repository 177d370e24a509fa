//! `-rerun-clean` / `-rerun-all` pre-reset (runner spec §3.2). Placeholder until the run
//! management work fills it in.

use mt_area::Area;

use crate::run::RunRequest;

/// Which pre-reset to do before a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reset {
    /// `-rerun-clean`: bad states and statuses back to NOT_STARTED/n/a.
    Clean,
    /// `-rerun-all`: every test back to NOT_STARTED/n/a.
    All,
}

/// Reset the selected records of the run (if it exists); returns how many were reset.
///
/// # Errors
/// Database failures, as text.
pub fn pre_reset(area: &Area, req: &RunRequest, reset: Reset) -> Result<usize, String> {
    let _ = (area, req, reset);
    Ok(0)
}
