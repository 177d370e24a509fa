//! Process exit codes, decided in one place by the binary.

/// Exit codes of the `megatest` binary. The original exits 0 on success, 1 on usage or
/// runtime errors and 2 when no area could be found; scripts rely on zero versus non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Ok = 0,
    /// A runtime failure: bad config, unknown target, a run that could not be done.
    Failure = 1,
    /// No megatest.config found, or the command line is unusable.
    Usage = 2,
}

impl ExitCode {
    #[must_use]
    pub fn code(self) -> i32 {
        self as i32
    }
}
