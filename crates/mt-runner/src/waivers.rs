//! Waivers (runner spec §6.2, config-and-area.md §2.5.12): when a test is about to be set
//! `COMPLETED/FAIL` and the same test/item of the previous run of the same target ended
//! `COMPLETED/WAIVED`, the testconfig's `[waivers]` decide whether this failure is the same
//! known one. Each line `NAME RULE GLOB` runs a command in the test's run directory:
//!
//! - `[waiver_rules] RULE` when defined;
//! - else, when `NAME.logpro` exists in the run directory, `diff %file1% %file2%` judged
//!   by those logpro rules (the original pipes into the `logpro` program; we judge in
//!   process, as the ezsteps do);
//! - else `diff %file1% %file2%`.
//!
//! `%file1%` is `<this rundir>/GLOB`, `%file2%` is `<previous rundir>/GLOB`, `%waivername%`
//! is NAME; the command runs through `/bin/sh`. When **every** waiver exits 0 the status
//! becomes `WAIVED`. The names `diff` and `logpro` are not built-ins: only the presence of
//! `NAME.logpro` matters.
//!
//! Choices where the spec leaves room:
//! - The comment of a waived test is copied from the previous (waived) record; when that
//!   is empty, the comment the caller gave is kept.
//! - `[setup] waivercommentpatt` is not used (it is not used by 1.6501 either), nor is the
//!   area's `waivers.config`.
//! - Only the wrapper (`-execute`) and the in-test helpers (`-test-status`) waive; the
//!   scheduler's own FAIL markers and `-set-state-status` write what they are told.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use mt_configf::{read_config, Config, ReadOptions, RealHost, SystemMode};
use mt_db::{Store, TestRow};
use mt_model::{State, Status};

/// One `[waivers]` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    pub name: String,
    pub rule: String,
    pub glob: String,
}

/// A test's `[waivers]` and `[waiver_rules]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Waivers {
    pub waivers: Vec<Waiver>,
    pub rules: Vec<(String, String)>,
    /// `[waivers]` lines that are not `NAME RULE GLOB`: a waiver that cannot be checked
    /// makes the test ineligible.
    pub malformed: Vec<String>,
}

impl Waivers {
    /// From a parsed testconfig.
    #[must_use]
    pub fn from_config(cfg: &Config) -> Waivers {
        let mut out = Waivers::default();
        for (name, value) in mt_area::section_pairs(cfg, "waivers") {
            let v = value.trim();
            match v.split_once(char::is_whitespace) {
                Some((rule, glob)) if !glob.trim().is_empty() => out.waivers.push(Waiver {
                    name,
                    rule: rule.to_string(),
                    glob: glob.trim().to_string(),
                }),
                _ => out.malformed.push(format!("{name} {v}")),
            }
        }
        out.rules = mt_area::section_pairs(cfg, "waiver_rules")
            .into_iter()
            .map(|(k, v)| (k, v.trim().to_string()))
            .collect();
        out
    }

    /// From a test's typed config.
    #[must_use]
    pub fn from_testconfig(tc: &mt_area::TestConfig) -> Waivers {
        Waivers::from_config(&tc.config)
    }

    /// Read a testconfig file for its waivers only, the way the original reads it for
    /// waiver checks: no `[system ...]` calls. None when the file cannot be read.
    #[must_use]
    pub fn read(testconfig: &Path) -> Option<Waivers> {
        let ro = ReadOptions {
            allow_system: SystemMode::No,
            bare_keys_setenv: false,
            ..ReadOptions::default()
        };
        let dir = testconfig.parent().unwrap_or(Path::new("."));
        let mut host = RealHost::new().with_cwd(dir);
        let out = read_config(testconfig, &ro, &mut host).ok()?;
        Some(Waivers::from_config(&out.config))
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.waivers.is_empty() && self.malformed.is_empty()
    }
}

/// How one waiver is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// A shell command; exit 0 passes.
    Shell(String),
    /// `diff FILE1 FILE2` judged by the logpro rules `NAME.logpro`; logpro exit 0 passes.
    DiffLogpro {
        diff: String,
        rules: PathBuf,
        html: PathBuf,
        log: PathBuf,
        dat: PathBuf,
    },
}

fn substitute(cmd: &str, file1: &str, file2: &str, name: &str) -> String {
    cmd.replace("%file1%", file1)
        .replace("%file2%", file2)
        .replace("%waivername%", name)
}

/// The check for one waiver of a test whose run directory is `rundir`, compared with the
/// previous instance's `prev_rundir`.
#[must_use]
pub fn check_for(
    w: &Waiver,
    rules: &[(String, String)],
    rundir: &Path,
    prev_rundir: &Path,
) -> Check {
    let file1 = rundir.join(&w.glob).to_string_lossy().into_owned();
    let file2 = prev_rundir.join(&w.glob).to_string_lossy().into_owned();
    if let Some((_, cmd)) = rules.iter().find(|(k, _)| *k == w.rule) {
        return Check::Shell(substitute(cmd, &file1, &file2, &w.name));
    }
    let logpro = rundir.join(format!("{}.logpro", w.name));
    let diff = substitute("diff %file1% %file2%", &file1, &file2, &w.name);
    if logpro.is_file() {
        return Check::DiffLogpro {
            diff,
            html: rundir.join(format!("{}.html", w.name)),
            log: rundir.join(format!("{}.waiver.log", w.name)),
            dat: rundir.join(format!("{}.waiver.dat", w.name)),
            rules: logpro,
        };
    }
    Check::Shell(diff)
}

fn sh(cmd: &str, cwd: &Path, capture: bool) -> std::io::Result<(i32, Vec<u8>)> {
    let mut c = Command::new("/bin/sh");
    c.arg("-c").arg(cmd).current_dir(cwd).stdin(Stdio::null());
    if capture {
        c.stdout(Stdio::piped()).stderr(Stdio::null());
        let out = c.output()?;
        Ok((out.status.code().unwrap_or(-1), out.stdout))
    } else {
        c.stdout(Stdio::null()).stderr(Stdio::null());
        let st = c.status()?;
        Ok((st.code().unwrap_or(-1), Vec::new()))
    }
}

/// Run one check in `rundir`; Ok(true) when it passes.
///
/// # Errors
/// The command could not be started, or logpro could not judge, as text.
pub fn run_check(check: &Check, rundir: &Path) -> Result<bool, String> {
    match check {
        Check::Shell(cmd) => sh(cmd, rundir, false)
            .map(|(code, _)| code == 0)
            .map_err(|e| format!("cannot run `{cmd}`: {e}")),
        Check::DiffLogpro {
            diff,
            rules,
            html,
            log,
            dat,
        } => {
            let (_, out) =
                sh(diff, rundir, true).map_err(|e| format!("cannot run `{diff}`: {e}"))?;
            std::fs::write(log, out).map_err(|e| format!("cannot write {}: {e}", log.display()))?;
            crate::logpro_step::judge(rules, log, html, dat).map(|code| code == 0)
        }
    }
}

/// Whether a failure of `rec` is waived (§6.2). Returns the comment to write when it is.
/// Explains on stderr why a candidate (previous instance WAIVED) was not waived.
#[must_use]
pub fn check(
    store: &Store,
    rec: &TestRow,
    waivers: &Waivers,
    new_comment: Option<&str>,
) -> Option<String> {
    let prev = store
        .previous_instance(rec.run_id, &rec.testname, &rec.item_path)
        .ok()
        .flatten()?;
    if prev.state != State::COMPLETED || prev.status != Status::WAIVED {
        return None;
    }
    let who = rec.fullname();
    if waivers.waivers.is_empty() {
        if !waivers.malformed.is_empty() {
            eprintln!(
                "WARNING: {who}: [waivers] lines must be `NAME RULE GLOB`: {}",
                waivers.malformed.join("; ")
            );
        }
        return None;
    }
    if !waivers.malformed.is_empty() {
        eprintln!(
            "WARNING: {who}: not waived: malformed [waivers] lines: {}",
            waivers.malformed.join("; ")
        );
        return None;
    }
    let rundir = PathBuf::from(&rec.rundir);
    if !rundir.is_dir() {
        eprintln!(
            "ERROR: {who}: cannot check waivers: run directory {} is gone",
            rundir.display()
        );
        return None;
    }
    let prev_rundir = PathBuf::from(&prev.rundir);
    for w in &waivers.waivers {
        let c = check_for(w, &waivers.rules, &rundir, &prev_rundir);
        match run_check(&c, &rundir) {
            Ok(true) => {}
            Ok(false) => {
                eprintln!(
                    "INFO: {who}: not waived: waiver {} ({} {}) differs from run {}",
                    w.name, w.rule, w.glob, prev.run_id
                );
                return None;
            }
            Err(e) => {
                eprintln!("ERROR: {who}: waiver {}: {e}", w.name);
                return None;
            }
        }
    }
    let comment = if prev.comment.trim().is_empty() {
        new_comment.unwrap_or("waived").to_string()
    } else {
        prev.comment.clone()
    };
    eprintln!(
        "INFO: {who}: FAIL waived: every waiver matched the waived run {} ({comment})",
        prev.run_id
    );
    Some(comment)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> Config {
        let mut host = mt_configf::FakeHost::new();
        mt_configf::read_config_str("testconfig", text, &ReadOptions::default(), &mut host).config
    }

    #[test]
    fn parses_waivers_and_rules() {
        let w = Waivers::from_config(&cfg(
            "[waivers]\nout  samesize  out*.txt\nlog diff results.log\nbad justone\n\
             [waiver_rules]\nsamesize test $(wc -c < %file1%) -eq $(wc -c < %file2%)\n",
        ));
        assert_eq!(
            w.waivers,
            vec![
                Waiver {
                    name: "out".into(),
                    rule: "samesize".into(),
                    glob: "out*.txt".into()
                },
                Waiver {
                    name: "log".into(),
                    rule: "diff".into(),
                    glob: "results.log".into()
                },
            ]
        );
        assert_eq!(w.malformed, ["bad justone"]);
        assert_eq!(w.rules.len(), 1);
        assert!(Waivers::from_config(&cfg("[setup]\nx 1\n")).is_empty());
    }

    #[test]
    fn command_choice_table() {
        let d = tempfile::tempdir().unwrap();
        let here = d.path().join("now");
        let prev = d.path().join("before");
        std::fs::create_dir_all(&here).unwrap();
        std::fs::write(here.join("withrules.logpro"), "").unwrap();
        let rules = vec![(
            "custom".to_string(),
            "cmp %file1% %file2% # %waivername%".to_string(),
        )];
        let h = here.to_string_lossy().into_owned();
        let p = prev.to_string_lossy().into_owned();
        let w = |name: &str, rule: &str| Waiver {
            name: name.into(),
            rule: rule.into(),
            glob: "a.txt".into(),
        };
        // (waiver, expected)
        let cases: Vec<(Waiver, Check)> = vec![
            (
                w("x", "custom"),
                Check::Shell(format!("cmp {h}/a.txt {p}/a.txt # x")),
            ),
            // A rule named diff or logpro is nothing special.
            (
                w("x", "diff"),
                Check::Shell(format!("diff {h}/a.txt {p}/a.txt")),
            ),
            (
                w("x", "logpro"),
                Check::Shell(format!("diff {h}/a.txt {p}/a.txt")),
            ),
            (
                w("withrules", "diff"),
                Check::DiffLogpro {
                    diff: format!("diff {h}/a.txt {p}/a.txt"),
                    rules: here.join("withrules.logpro"),
                    html: here.join("withrules.html"),
                    log: here.join("withrules.waiver.log"),
                    dat: here.join("withrules.waiver.dat"),
                },
            ),
            // A defined rule wins over a .logpro file.
            (
                w("withrules", "custom"),
                Check::Shell(format!("cmp {h}/a.txt {p}/a.txt # withrules")),
            ),
        ];
        for (wv, want) in cases {
            assert_eq!(check_for(&wv, &rules, &here, &prev), want, "{wv:?}");
        }
    }

    #[test]
    fn shell_checks_run_in_the_rundir() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a");
        let b = d.path().join("b");
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(a.join("o.txt"), "same\n").unwrap();
        std::fs::write(b.join("o.txt"), "same\n").unwrap();
        std::fs::write(a.join("p.txt"), "one\n").unwrap();
        std::fs::write(b.join("p.txt"), "two\n").unwrap();
        let w = |glob: &str| Waiver {
            name: "w".into(),
            rule: "diff".into(),
            glob: glob.into(),
        };
        let same = check_for(&w("o.txt"), &[], &a, &b);
        let differ = check_for(&w("p.txt"), &[], &a, &b);
        assert_eq!(run_check(&same, &a), Ok(true));
        assert_eq!(run_check(&differ, &a), Ok(false));
        // Relative paths in a rule resolve in the run directory.
        let rel = Check::Shell("test -f o.txt".into());
        assert_eq!(run_check(&rel, &a), Ok(true));
        assert_eq!(run_check(&rel, d.path()), Ok(false));
    }
}
