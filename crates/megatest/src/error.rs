//! The error every command returns: a message and the exit code it maps to.

use std::fmt;

#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub msg: String,
}

impl CliError {
    pub fn new(code: i32, msg: impl Into<String>) -> CliError {
        CliError {
            code,
            msg: msg.into(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl From<mt_area::AreaError> for CliError {
    fn from(e: mt_area::AreaError) -> Self {
        let code = match e {
            mt_area::AreaError::NoArea { .. } => 2,
            _ => 1,
        };
        CliError::new(code, e.to_string())
    }
}

impl From<mt_db::DbError> for CliError {
    fn from(e: mt_db::DbError) -> Self {
        CliError::new(1, e.to_string())
    }
}

impl From<mt_configf::ConfigError> for CliError {
    fn from(e: mt_configf::ConfigError) -> Self {
        CliError::new(1, e.to_string())
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::new(1, e.to_string())
    }
}
