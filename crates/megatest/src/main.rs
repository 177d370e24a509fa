//! The `megatest` binary: Megatest-style argument parsing, the dispatch to each action in
//! the original's order, and the one place where errors become exit codes.

mod args;
mod cmd;
mod error;
mod help;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use args::Args;
use error::CliError;

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let code = match Args::parse(argv) {
        Ok(a) => match dispatch(&a) {
            Ok(code) => code,
            Err(e) => {
                report(&e.msg);
                e.code
            }
        },
        Err(e) => {
            eprintln!("ERROR: {e}");
            2
        }
    };
    std::process::exit(code);
}

/// One-line errors as `ERROR: msg`; a list (config diagnostics) as a heading and one
/// indented line each.
fn report(msg: &str) {
    let mut lines = msg.lines();
    let first = lines.next().unwrap_or("");
    let rest: Vec<&str> = lines.collect();
    if rest.is_empty() {
        eprintln!("ERROR: {first}");
    } else {
        eprintln!("ERROR: {} problems:", rest.len() + 1);
        eprintln!("  {first}");
        for l in rest {
            eprintln!("  {l}");
        }
    }
}

fn dispatch(a: &Args) -> Result<i32, CliError> {
    if a.is_empty() {
        eprint!("{}", help::HELP);
        return Ok(0);
    }
    if let Some(dir) = a.get("-start-dir") {
        let p = std::path::Path::new(dir);
        let real = p
            .canonicalize()
            .map_err(|_| CliError::new(1, format!("non-existant start dir {dir}")))?;
        std::env::set_current_dir(&real)
            .map_err(|e| CliError::new(1, format!("cannot enter start dir {dir}: {e}")))?;
        std::env::set_var("PWD", &real);
    }
    if let Some(t) = a.get_any(&["-reqtarg", "-target"]) {
        std::env::set_var("MT_TARGET", t);
    }
    if a.has_any(&["-h", "-help", "--help"]) {
        print!("{}", help::HELP);
        return Ok(0);
    }
    if a.has_any(&["-version", "--version"]) {
        println!("{}", help::version());
        return Ok(0);
    }
    if let Some(enc) = a.get("-execute") {
        let flag = Arc::new(AtomicBool::new(false));
        for sig in [
            signal_hook::consts::SIGTERM,
            signal_hook::consts::SIGINT,
            signal_hook::consts::SIGHUP,
        ] {
            let _ = signal_hook::flag::register(sig, flag.clone());
        }
        return mt_runner::execute(enc, flag).map_err(|e| CliError::new(1, e.to_string()));
    }
    let mut did = false;
    let mut code = 0;
    let mut step = |r: Option<i32>| {
        if let Some(c) = r {
            did = true;
            if c != 0 && code == 0 {
                code = c;
            }
        }
    };
    step(cmd::util::env2file(a)?);
    step(cmd::show::list_disks(a)?);
    step(cmd::show::list_targets(a)?);
    step(cmd::show::show_runconfig(a)?);
    step(cmd::show::show_config(a)?);
    step(cmd::show::show_cmdinfo(a)?);
    step(cmd::manage::dispatch(a)?);
    step(cmd::query::list_runs(a)?);
    step(cmd::query::list_db_targets(a)?);
    step(cmd::runcmd::run(a)?);
    step(cmd::manage::dispatch_after_run(a)?);
    step(cmd::archive::dispatch(a)?);
    step(cmd::query::test_paths(a)?);
    step(cmd::intest::step(a)?);
    step(cmd::intest::combined(a)?);
    step(cmd::show::show_keys(a)?);
    step(cmd::reports::dispatch(a)?);
    if !did {
        eprint!("{}", help::HELP);
    }
    Ok(code)
}
