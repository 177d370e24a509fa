//! `-run`, `-runall`, `-runtests`: run the selected tests and wait until nothing more can
//! progress.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use mt_runner::{RunError, RunRequest};

use super::{load_area, runname, target};
use crate::args::Args;
use crate::error::CliError;

pub fn run(a: &Args) -> Result<Option<i32>, CliError> {
    if !a.has_any(&["-run", "-runall", "-runtests", "-rerun-clean", "-rerun-all"]) {
        return Ok(None);
    }
    eprintln!("megatest {}", a.raw.join(" "));
    let t = target(a).ok_or_else(|| {
        CliError::new(
            3,
            "Missing required parameter for -run, you must specify the target with -target",
        )
    })?;
    let rn = a.get_any(&["-runname", ":runname"]).map(str::to_string).ok_or_else(|| {
        CliError::new(3, "Missing required parameter for -run, you must specify the run name with -runname runname")
    })?;
    let _ = runname(a);
    if a.has("-runtests") {
        eprintln!("WARNING: -runtests is deprecated; use -run -testpatt PATT");
    }
    let area = load_area(a, Some(t.clone()))?;
    mt_area::keys::validate_target(&t, &area.key_names())?;
    if a.get("-reqtarg").is_some() {
        super::show::require_section(&area, &t)?;
    }
    // The test pattern (config-and-area.md §4.4).
    let rc = area.runconfig(&t)?;
    let testpatt = if let Some(key) = a.get("--modepatt") {
        match rc.get_or_default(&t, key) {
            Some(p) => p.trim().to_string(),
            None => {
                eprintln!("WARNING: there is no test pattern for this run (--modepatt {key} is not set in runconfigs). Exiting now.");
                return Ok(Some(0));
            }
        }
    } else {
        let mut p = a
            .get("-testpatt")
            .or_else(|| a.get("-runtests"))
            .unwrap_or("%")
            .to_string();
        if let Some(ip) = a.get("-itempatt") {
            eprintln!("WARNING: -itempatt is deprecated; use -testpatt test/itempatt");
            p = format!("{p}/{ip}");
        }
        if p == "%" {
            if let Some(tp) = rc.get_or_default(&t, "TESTPATT") {
                eprintln!(
                    "INFO: testpatt defined in TESTPATT from runconfigs: {}",
                    tp.trim()
                );
                p = tp.trim().to_string();
            }
        }
        p
    };
    if !area.runconfigs_file().exists() {
        eprintln!(
            "WARNING: You do not have a run config file ({})",
            area.runconfigs_file().display()
        );
    } else if rc.section(&t).is_none_or(mt_configf::Section::is_empty) {
        eprintln!(
            "WARNING: target {t} has no section in {} (only [default] values apply)",
            area.runconfigs_file().display()
        );
    }
    let megatest = area
        .setup("executable")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::current_exe().ok())
        .unwrap_or_else(|| "megatest".into());
    let req = RunRequest {
        target: t.clone(),
        runname: rn.clone(),
        testpatt,
        tagexpr: a.get("-tagexpr").map(str::to_string),
        rerun: a
            .get("-rerun")
            .map(|s| {
                s.split(',')
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        force: a.has("-force"),
        preclean: a.has("-preclean"),
        setvars: a.get("-setvars").map(str::to_string),
        contour: a.get("-contour").map(str::to_string),
        owner: std::env::var("USER").unwrap_or_else(|_| "unknown".into()),
        megatest,
        progress: !a.has("-quiet"),
    };
    let reset = if a.has("-rerun-all") {
        Some(mt_runner::rerun::Reset::All)
    } else if a.has("-rerun-clean") {
        Some(mt_runner::rerun::Reset::Clean)
    } else {
        None
    };
    let mut req = req;
    if let Some(r) = reset {
        req.preclean = true;
        let n = mt_runner::rerun::pre_reset(&area, &req, r).map_err(|e| CliError::new(1, e))?;
        eprintln!("INFO: reset {n} test record(s) to NOT_STARTED/n/a");
    }
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        let _ = signal_hook::flag::register(sig, stop.clone());
    }
    match mt_runner::run(std::sync::Arc::new(area), &req, stop.clone()) {
        Ok(sum) => {
            if sum.problems.is_empty() {
                Ok(Some(0))
            } else {
                eprintln!(
                    "ERROR: the run {t}/{rn} finished with {} problem(s):",
                    sum.problems.len()
                );
                for p in &sum.problems {
                    eprintln!("  {p}");
                }
                Ok(Some(1))
            }
        }
        Err(RunError::Locked { target, runname }) => Err(CliError::new(
            1,
            format!("run {target}/{runname} is locked; unlock it first (-unlock)"),
        )),
        Err(e) => Err(CliError::new(1, e.to_string())),
    }
}
