//! The real `logpro` binary: arguments, exit codes, files it writes.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn run(dir: &Path, args: &[&str], stdin: &str) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_logpro"))
        .args(args)
        .current_dir(dir)
        .env_remove("LOGPRO_CSS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The binary may exit before reading stdin (syntax errors): ignore a broken pipe.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

const SCAN: &str = r#"(expect:ignore   in "LogFileBody" >= 0 "Known benign noise" #/error: benign/)
(expect:error    in "LogFileBody" =  0 "No errors"          #/error/i)
(expect:warning  in "LogFileBody" =  0 "No warnings"        #/warning/i)
(expect:required in "LogFileBody" =  1 "Done marker"        #/ALL DONE/)
"#;

#[test]
fn exit_codes_by_log() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("scan.logpro"), SCAN).unwrap();
    let cases = [
        ("starting scan\nerror: benign noise from the simulator\nwarning: low disk on scratch\nALL DONE\n", 2),
        ("ALL DONE\n", 0),
        ("ERROR here\nALL DONE\n", 1),
        ("", 1),
    ];
    for (log, want) in cases {
        let (code, out) = run(dir.path(), &["scan.logpro"], log);
        assert_eq!(code, want, "{log:?}\n{out}");
        assert!(out.contains("LOGPRO SUMMARY"), "{out}");
    }
    // No HTML file: the summary goes to summary.dat in the cwd.
    let dat = std::fs::read_to_string(dir.path().join("summary.dat")).unwrap();
    assert!(
        dat.ends_with("[final]\nexit-code 1\nexit-status FAIL\nmessage required: Done marker\n"),
        "{dat}"
    );
}

#[test]
fn html_dat_and_css_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("step.logpro"), SCAN).unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let (code, _) = run(
        dir.path(),
        &["step.logpro", "out/emptyvar_megatest.sh.html"],
        "warning: x\nALL DONE\n",
    );
    assert_eq!(code, 2);
    let html = std::fs::read_to_string(dir.path().join("out/emptyvar_megatest.sh.html")).unwrap();
    assert!(html.contains("EXIT CODE: 2 (WARN"), "{html}");
    let dat = std::fs::read_to_string(dir.path().join("out/emptyvar_megatest.sh.dat")).unwrap();
    assert!(
        dat.contains("[rule-3]\ntype Warning\noperator in\nsection LogFileBody\nstatus FAIL\n"),
        "{dat}"
    );
    assert!(dir.path().join("out/logpro_style.css").is_file());
    assert!(!dir.path().join("summary.dat").exists());
}

#[test]
fn summdat_setting_suppresses_dat() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("r.logpro"),
        "(logpro:set! \"summdat\" #f)\n(expect:error in \"LogFileBody\" = 0 \"e\" #/e/)",
    )
    .unwrap();
    let (code, _) = run(dir.path(), &["r.logpro", "r.html"], "x\n");
    assert_eq!(code, 0);
    assert!(dir.path().join("r.html").exists());
    assert!(!dir.path().join("r.dat").exists());
}

#[test]
fn errors_and_usage() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = run(dir.path(), &[], "");
    assert_eq!(code, 1);
    assert!(
        out.contains("Usage: logpro cmdfile") && out.contains("6  SKIP"),
        "{out}"
    );
    let (code, out) = run(dir.path(), &["missing.logpro"], "");
    assert_eq!(code, 1);
    assert!(
        out.contains("ERROR: command file missing.logpro not found"),
        "{out}"
    );
    std::fs::write(
        dir.path().join("bad.logpro"),
        "(expect:error in \"LogFileBody\" = 0 \"e\" #/e/)\n(expect:error in",
    )
    .unwrap();
    let (code, out) = run(dir.path(), &["bad.logpro", "bad.html"], "e\n");
    assert_eq!(code, 1);
    assert!(
        out.contains("ERROR: Syntax error in your command file!"),
        "{out}"
    );
    assert!(out.contains("bad.logpro:2"), "{out}");
    let html = std::fs::read_to_string(dir.path().join("bad.html")).unwrap();
    assert!(
        html.contains("Syntax error") && html.contains("bad.logpro:2"),
        "{html}"
    );
    assert!(
        !out.contains("LOGPRO SUMMARY"),
        "stdin must not be processed: {out}"
    );
}

#[test]
fn waiver_file_argument() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cmd.logpro"),
        "(expect:error in \"LogFileBody\" = 0 \"errors\" #/error/)",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("w.logpro"),
        "(expect:waive in \"LogFileBody\" = 0 \"known\" #/error: known/)",
    )
    .unwrap();
    let (code, _) = run(
        dir.path(),
        &["cmd.logpro", "o.html", "w.logpro"],
        "error: known\n",
    );
    assert_eq!(code, 4);
    let (code, _) = run(
        dir.path(),
        &["cmd.logpro", "o.html", "absent.logpro"],
        "error: known\n",
    );
    assert_eq!(code, 1);
}
