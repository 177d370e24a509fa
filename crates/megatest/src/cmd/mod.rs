//! The actions of the command line, one module per family.

pub mod archive;
pub mod envutil;
pub mod intest;
pub mod manage;
pub mod query;
pub mod reports;
pub mod runcmd;
pub mod show;
pub mod util;
pub mod wizard;

use mt_area::{Area, LoadOptions};

use crate::args::Args;
use crate::error::CliError;

/// The target from `-reqtarg`, `-target` or `$MT_TARGET`.
pub fn target(a: &Args) -> Option<String> {
    a.get_any(&["-reqtarg", "-target"])
        .map(str::to_string)
        .or_else(|| std::env::var("MT_TARGET").ok().filter(|t| !t.is_empty()))
}

/// The run name from `-runname`, `:runname` or `$MT_RUNNAME`.
pub fn runname(a: &Args) -> Option<String> {
    a.get_any(&["-runname", ":runname"])
        .map(str::to_string)
        .or_else(|| std::env::var("MT_RUNNAME").ok().filter(|t| !t.is_empty()))
}

/// Locate and read the area, printing its warnings once.
pub fn load_area(a: &Args, target: Option<String>) -> Result<Area, CliError> {
    let cwd = std::env::current_dir()?;
    let config_name = a.get("-config").unwrap_or("megatest.config").to_string();
    let toppath = mt_area::locate(&cwd, &config_name)?;
    let toppath = toppath.canonicalize().unwrap_or(toppath);
    let mut args: Vec<(&str, &str)> = Vec::new();
    for o in [
        "-target",
        "-reqtarg",
        "-runname",
        "-testpatt",
        "-runtests",
        "-itempatt",
    ] {
        if let Some(v) = a.get(o) {
            args.push((o, v));
        }
    }
    let area = Area::load_at(
        &toppath,
        &config_name,
        LoadOptions {
            target,
            scheme: mt_area::scheme_eval::evaluator(&toppath, &args),
            ..LoadOptions::default()
        },
    )?;
    for w in &area.warnings {
        eprintln!("WARNING: {}", w.replacen(": warning: ", ": ", 1));
    }
    Ok(area)
}

/// Open the area's database (it must exist for queries).
pub fn open_store(area: &Area) -> Result<mt_db::Store, CliError> {
    let path = area.dbpath();
    if !path.exists() {
        return Err(CliError::new(
            1,
            format!(
                "no database yet at {} (nothing has been run in this area)",
                path.display()
            ),
        ));
    }
    Ok(mt_db::Store::open_existing(&path)?)
}
