//! Running `validate.py` (real parsers: xmlschema, junitparser, html.parser, zipfile and
//! ElementTree) from Rust tests. Shared by this crate's tests and the end-to-end tests of
//! the `megatest` crate (included there with `#[path]`).
//!
//! The Python packages are installed with pip when missing (CI runs on a fresh machine);
//! when that is impossible the test fails with a message saying so, rather than passing
//! without having validated anything.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// `crates/mt-report/tests`, reached from either crate's manifest directory.
pub fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mt-report/tests")
}

/// The JUnit schema.
pub fn xsd() -> PathBuf {
    tests_dir().join("junit.xsd")
}

fn script() -> PathBuf {
    tests_dir().join("validate.py")
}

fn have_modules() -> bool {
    Command::new("python3")
        .args(["-c", "import xmlschema, junitparser"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Make sure python3 with xmlschema and junitparser is available (installing them with
/// pip if needed); panics with the reason otherwise.
pub fn ensure_python() {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    let r = READY.get_or_init(|| {
        if have_modules() {
            return Ok(());
        }
        let mut last = String::new();
        for extra in [&[][..], &["--break-system-packages"][..]] {
            let out = Command::new("python3")
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "xmlschema",
                    "junitparser",
                ])
                .args(extra)
                .output();
            match out {
                Ok(o) => last = String::from_utf8_lossy(&o.stderr).into_owned(),
                Err(e) => last = format!("cannot run python3: {e}"),
            }
            if have_modules() {
                return Ok(());
            }
        }
        Err(last)
    });
    if let Err(e) = r {
        panic!("these tests validate reports with Python's xmlschema and junitparser, which could not be installed: {e}");
    }
}

/// Run one check of validate.py; Ok(JSON it printed) or Err(its complaint).
pub fn check(kind: &str, files: &[&Path]) -> Result<serde_json::Value, String> {
    ensure_python();
    let mut c = Command::new("python3");
    c.arg(script()).arg(kind).args(files);
    if kind == "junit" {
        c.arg(xsd());
    }
    let out = c.output().map_err(|e| format!("cannot run python3: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("bad JSON from validate.py: {e}"))
}
