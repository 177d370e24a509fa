//! Errors of rule loading and processing.

/// Why a rules file could not be used, or what was wrong with one of its rules.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LogproError {
    /// The command file does not exist or cannot be read.
    #[error("command file {0} not found")]
    NotFound(String),
    /// A Scheme error while loading (syntax error, unbound name, bad argument count):
    /// logpro exits 1 before reading the log.
    #[error("Syntax error in your command file! {0}")]
    Syntax(mt_scheme::SchemeError),
    /// The file called `(exit N)` while loading.
    #[error("command file {file} called (exit {code})")]
    Exit { file: String, code: i32 },
    /// A rule had a bad argument (not fatal: the rule is dropped and the "code error"
    /// flag makes the verdict at least FAIL).
    #[error("{file}:{line}: {message}")]
    BadRule {
        file: String,
        line: u32,
        message: String,
    },
}

impl LogproError {
    /// The process exit code logpro uses for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            LogproError::Exit { code, .. } => *code,
            _ => 1,
        }
    }
}
