//! Errors of the area model. Config problems carry the file and line from the reader.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AreaError {
    #[error("No megatest.config file found (searched {start} and its parents). Giving up.")]
    NoArea { start: PathBuf },
    #[error("{0}")]
    Config(#[from] mt_configf::ConfigError),
    #[error("{file}: {problems}")]
    Problems { file: String, problems: String },
    #[error("your key cannot be named {0}: it is a reserved column of the runs table")]
    ReservedKey(String),
    #[error("[fields] in {0} defines no keys")]
    NoKeys(PathBuf),
    #[error("Invalid target, spaces or blanks not allowed \"{target}\", target should be: {want}")]
    BadTarget { target: String, want: String },
    #[error("[{target}] not found in {file}")]
    TargetNotInRunconfigs { target: String, file: PathBuf },
    #[error("test {0} not found (no tests/{0}/testconfig in the area or [tests-paths])")]
    NoSuchTest(String),
    #[error("{file}:{line}: {msg}")]
    At {
        file: String,
        line: usize,
        msg: String,
    },
}
