//! Inspection commands: `-show-config`, `-show-runconfig`, `-show-keys`, `-list-targets`,
//! `-list-disks`, `-show-cmdinfo`.

use mt_configf::Config;

use super::{load_area, target};
use crate::args::Args;
use crate::error::CliError;

fn dump(cfg: &Config, mode: Option<&str>, default_mode: &str) -> Result<String, CliError> {
    match mode.unwrap_or(default_mode) {
        "json" => Ok(mt_configf::to_json(cfg)),
        "ini" => Ok(mt_configf::to_ini(cfg)),
        "sexp" | "sexpr" | "scheme" => Ok(mt_configf::to_sexp(cfg)),
        other => Err(CliError::new(
            1,
            format!("-dumpmode of {other} not recognised (use json, ini or sexpr)"),
        )),
    }
}

fn mode(a: &Args) -> Option<&str> {
    if a.has("--json") || a.has("-json") {
        Some("json")
    } else {
        a.get("-dumpmode")
    }
}

pub fn show_config(a: &Args) -> Result<Option<i32>, CliError> {
    if !a.has("-show-config") {
        return Ok(None);
    }
    let area = load_area(a, target(a))?;
    if let (Some(s), Some(v)) = (a.get("-section"), a.get("-var")) {
        if let Some(val) = area.config.get(s, v) {
            println!("{val}");
            return Ok(Some(0));
        }
        return Err(CliError::new(
            1,
            format!("[{s}] {v} is not set in {}", area.config_file.display()),
        ));
    }
    print!("{}", dump(&area.config, mode(a), "sexpr")?);
    Ok(Some(0))
}

pub fn show_runconfig(a: &Args) -> Result<Option<i32>, CliError> {
    if !a.has("-show-runconfig") {
        return Ok(None);
    }
    let t = target(a).ok_or_else(|| {
        CliError::new(3, "-show-runconfig needs a target: give -target K1/K2/...")
    })?;
    let area = load_area(a, Some(t.clone()))?;
    mt_area::keys::validate_target(&t, &area.key_names())?;
    if a.get("-reqtarg").is_some() {
        require_section(&area, &t)?;
    }
    let rc = area.runconfig(&t)?;
    if let Some(v) = a.get("-var") {
        let s = a.get("-section").unwrap_or(&t);
        let val = rc.get(s, v).or_else(|| rc.get("default", v));
        return match val {
            Some(val) => {
                println!("{val}");
                Ok(Some(0))
            }
            None => Err(CliError::new(
                1,
                format!(
                    "{v} is not set for {t} (nor in [default]) in {}",
                    area.runconfigs_file().display()
                ),
            )),
        };
    }
    print!("{}", dump(&rc, mode(a), "ini")?);
    Ok(Some(0))
}

/// `-reqtarg`: the target must be a literal section of runconfigs.config.
pub fn require_section(area: &mt_area::Area, t: &str) -> Result<(), CliError> {
    let all = area.runconfig_all()?;
    if all.section(t).is_none() {
        return Err(CliError::new(
            1,
            format!("[{t}] not found in {}", area.runconfigs_file().display()),
        ));
    }
    Ok(())
}

pub fn show_keys(a: &Args) -> Result<Option<i32>, CliError> {
    if !a.has_any(&["-show-keys", "-showkeys"]) {
        return Ok(None);
    }
    let area = load_area(a, None)?;
    if a.json() {
        println!(
            "{}",
            serde_json::to_string(&area.key_names()).unwrap_or_default()
        );
    } else {
        println!("Keys: {}", area.key_names().join(", "));
    }
    Ok(Some(0))
}

pub fn list_targets(a: &Args) -> Result<Option<i32>, CliError> {
    if !a.has("-list-targets") {
        return Ok(None);
    }
    let area = load_area(a, None)?;
    let all = area.runconfig_all()?;
    let mut names: Vec<String> = all.sections().map(|(n, _)| n.to_string()).collect();
    if let Some(p) = a.get("-target") {
        names.retain(|n| mt_area::pattern::patt_list_match(p, n));
    }
    names.sort();
    match a.get("-dumpmode") {
        Some("json") => println!("{}", serde_json::to_string(&names).unwrap_or_default()),
        None if a.json() => println!("{}", serde_json::to_string(&names).unwrap_or_default()),
        None => {
            for n in names {
                println!("{n}");
            }
        }
        Some(m) => {
            return Err(CliError::new(
                1,
                format!("dump output format {m} not supported for -list-targets"),
            ))
        }
    }
    Ok(Some(0))
}

pub fn list_disks(a: &Args) -> Result<Option<i32>, CliError> {
    if !a.has("-list-disks") {
        return Ok(None);
    }
    let area = load_area(a, None)?;
    for (k, v) in area.section_pairs("disks") {
        println!("{k} => {v}");
    }
    Ok(Some(0))
}

pub fn show_cmdinfo(a: &Args) -> Result<Option<i32>, CliError> {
    if !a.has("-show-cmdinfo") {
        return Ok(None);
    }
    let enc = a
        .get(":value")
        .map(str::to_string)
        .or_else(|| std::env::var("MT_CMDINFO").ok());
    let Some(enc) = enc else {
        eprintln!("INFO: environment variable MT_CMDINFO is not set");
        return Ok(Some(0));
    };
    let ci = mt_runner::CmdInfo::decode(&enc).map_err(|e| CliError::new(1, e.to_string()))?;
    if a.json() {
        println!("{}", serde_json::to_string_pretty(&ci).unwrap_or_default());
    } else {
        println!("{}", ci.to_sexpr());
    }
    Ok(Some(0))
}
