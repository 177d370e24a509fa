//! `logpro CMDFILE [HTMLFILE [WAIVERFILE]] < log > annotated` — the logpro 1.19 command line.

use logpro::{dat_path, syntax_error_page, LogproError, RuleSet, STYLESHEET, VERSION};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn usage() -> String {
    format!(
        "Usage: logpro cmdfile [htmlfile [waiverfile]] < inputfile > outputfile
  Exit codes:
    0  PASS - all rules passed
    1  FAIL - an error, required or value rule failed, or the command file has an error
    2  WARN - a warning rule failed
    3  CHECK - a check rule failed
    4  WAIVE - a waive rule failed
    5  ABORT - an abort rule failed
    6  SKIP - a skip rule failed
    >7 reserved
Version: {VERSION}
License: GPL-compatible rebuild (MIT), see the project documentation
Project page: the LogProcessor page of the Megatest project
"
    )
}

/// Link or copy a stylesheet next to the report unless one is already there.
fn ensure_css(html: &Path) {
    let dir = html
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let target = dir.join("logpro_style.css");
    if target.exists() {
        return;
    }
    if let Ok(css) = std::env::var("LOGPRO_CSS") {
        let src = PathBuf::from(css);
        if src.is_file() {
            let abs = std::fs::canonicalize(&src).unwrap_or(src);
            if std::os::unix::fs::symlink(&abs, &target).is_ok() {
                return;
            }
        }
    }
    let _ = std::fs::write(&target, STYLESHEET);
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmdfile) = args.first() else {
        print!("{}", usage());
        return ExitCode::from(1);
    };
    let html_path = args.get(1).map(PathBuf::from);
    let waiver = args.get(2).map(PathBuf::from);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let exe = std::env::current_exe().unwrap_or_default();
    let home = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    let _ = writeln!(out);
    let _ = writeln!(out, "bin-file: {}", exe.display());
    let _ = writeln!(out, "bin-home: {}", home.display());
    let _ = writeln!(
        out,
        "css-dir: {}",
        html_path
            .as_ref()
            .and_then(|h| h.parent())
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    );
    let _ = writeln!(out, "cssfile: logpro_style.css");
    let _ = writeln!(
        out,
        "tool-home: {}",
        home.parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    );

    let rules = match RuleSet::from_files(waiver.as_deref(), cmdfile) {
        Ok(r) => r,
        Err(e @ LogproError::NotFound(_)) => {
            let _ = writeln!(out, "ERROR: {e}");
            return ExitCode::from(1);
        }
        Err(LogproError::Exit { code, .. }) => return ExitCode::from(code.clamp(0, 255) as u8),
        Err(e) => {
            let msg = match &e {
                LogproError::Syntax(se) => se.to_string(),
                other => other.to_string(),
            };
            let _ = writeln!(out, "ERROR: Syntax error in your command file!");
            let _ = writeln!(out, "{msg}");
            eprintln!("ERROR: Syntax error in your command file! {msg}");
            if let Some(h) = &html_path {
                let _ = std::fs::write(h, syntax_error_page(&msg));
            }
            return ExitCode::from(1);
        }
    };

    let stdin = io::stdin();
    let result = match &html_path {
        Some(h) => match std::fs::File::create(h) {
            Ok(f) => {
                ensure_css(h);
                rules.process_with_html(stdin.lock(), &mut out, f)
            }
            Err(e) => {
                let _ = writeln!(out, "ERROR: cannot create {}: {e}", h.display());
                rules.process(stdin.lock(), &mut out)
            }
        },
        None => rules.process(stdin.lock(), &mut out),
    };
    let outcome = match result {
        Ok(o) => o,
        Err(e) => {
            eprintln!("ERROR: logpro: {e}");
            return ExitCode::from(1);
        }
    };
    if rules.summdat() {
        // A read-only directory is not an error (logpro 1.16+ continues silently).
        let _ = std::fs::write(dat_path(html_path.as_deref()), outcome.dat());
    }
    let _ = out.flush();
    ExitCode::from(outcome.exit_code as u8)
}
