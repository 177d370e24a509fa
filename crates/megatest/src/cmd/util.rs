//! Environment utilities: `-env2file`.

use crate::args::Args;
use crate::error::CliError;

pub fn env2file(a: &Args) -> Result<Option<i32>, CliError> {
    let Some(name) = a.get("-env2file") else {
        return Ok(None);
    };
    let vars: std::collections::BTreeMap<String, String> = std::env::vars().collect();
    mt_runner::envfile::write_env_files(
        std::path::Path::new(name),
        vars.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )?;
    Ok(Some(0))
}
