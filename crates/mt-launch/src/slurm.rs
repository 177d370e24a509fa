//! The Slurm launcher (spec decision 8): each job is one `sbatch --wrap` submission, its
//! Slurm job id travels back in [`Job::external_id`], and the scheduler learns about all
//! its jobs from one `squeue` call per interval ([`SlurmLauncher::query`]), never one call
//! per job. `scancel` ends them ([`SlurmLauncher::cancel`]).
//!
//! The test itself still reports through the database (the `-execute` wrapper); Slurm is
//! asked only the one thing the database cannot tell: whether a job has left the queue
//! without its wrapper having written a verdict (killed by `scancel`, a node failure, a time
//! limit, a wrapper that could not even start).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::launcher::{apply_env, open_log, Job, LaunchError, LaunchSpec, Launcher};

/// Job ids per `squeue`/`scancel` call: keeps the command line far below any limit while
/// still being one call for all the jobs of a normal run.
const IDS_PER_CALL: usize = 1000;

/// Longest job name we give Slurm (what `squeue` shows; the full name is in the db).
const NAME_MAX: usize = 60;

/// Submits jobs with `sbatch`; `options` are extra sbatch options from the config
/// (`[jobtools] launcher slurm --partition=debug --time=10`).
#[derive(Debug, Clone)]
pub struct SlurmLauncher {
    /// The sbatch program (`sbatch`, or the path the config named).
    pub sbatch: String,
    pub squeue: String,
    pub scancel: String,
    pub options: Vec<String>,
}

/// What one `squeue` answer says about a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlurmJobState {
    /// Still queued or running (PENDING, RUNNING, COMPLETING, SUSPENDED, ...).
    Active(String),
    /// In the controller's memory with a final state (COMPLETED, FAILED, CANCELLED, ...).
    Ended(String),
    /// Not known to the controller any more (purged after `MinJobAge`).
    Gone,
}

impl SlurmJobState {
    #[must_use]
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Active(_))
    }

    /// The Slurm state name, or `GONE`.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Active(s) | Self::Ended(s) => s,
            Self::Gone => "GONE",
        }
    }
}

/// Slurm's final job states (`squeue -t all` shows them until the job is purged).
const FINAL_STATES: &[&str] = &[
    "BOOT_FAIL",
    "CANCELLED",
    "COMPLETED",
    "DEADLINE",
    "FAILED",
    "NODE_FAIL",
    "OUT_OF_MEMORY",
    "PREEMPTED",
    "REVOKED",
    "SPECIAL_EXIT",
    "TIMEOUT",
];

impl SlurmLauncher {
    /// A launcher with extra sbatch options and the programs found on PATH.
    #[must_use]
    pub fn new(options: Vec<String>) -> Self {
        SlurmLauncher {
            sbatch: "sbatch".into(),
            squeue: "squeue".into(),
            scancel: "scancel".into(),
            options,
        }
    }

    /// Recognise launcher words naming Slurm: `slurm [sbatch options]` or
    /// `sbatch [options]` (also `/path/to/sbatch ...`, whose directory then provides
    /// squeue and scancel too). None for any other launcher.
    #[must_use]
    pub fn from_words(words: &str) -> Option<Self> {
        let mut w = split_words(words).into_iter();
        let first = w.next()?;
        let options: Vec<String> = w.collect();
        if first == "slurm" {
            return Some(Self::new(options));
        }
        let p = Path::new(&first);
        if p.file_name().is_some_and(|n| n == "sbatch") {
            let mut l = Self::new(options);
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                l.squeue = dir.join("squeue").to_string_lossy().into_owned();
                l.scancel = dir.join("scancel").to_string_lossy().into_owned();
            }
            l.sbatch = first;
            return Some(l);
        }
        None
    }

    /// The arguments of `sbatch` for one job. Our own options come first so that the
    /// configured ones can override them (sbatch keeps the last `--output`, `--job-name`).
    #[must_use]
    pub fn sbatch_args(&self, spec: &LaunchSpec) -> Vec<String> {
        let mut a = vec![
            "--parsable".to_string(),
            "--job-name".to_string(),
            job_name(spec),
            "--chdir".to_string(),
            spec.cwd.to_string_lossy().into_owned(),
            "--output".to_string(),
            spec.cwd.join("slurm-%j.log").to_string_lossy().into_owned(),
        ];
        a.extend(self.options.iter().cloned());
        // `exec`: the wrapper becomes the batch script's main process, so the TERM that
        // Slurm sends there on scancel or a time limit reaches it, and it records the kill
        // itself before Slurm's KILL follows (a shell in between would die and leave the
        // wrapper to be killed silently).
        a.push("--wrap".into());
        a.push(format!("exec {}", spec.shell_words()));
        a
    }

    /// Where Slurm writes the output of job `id` submitted for `spec` (unless the options
    /// redirected it).
    #[must_use]
    pub fn log_path(spec: &LaunchSpec, id: &str) -> PathBuf {
        spec.cwd.join(format!("slurm-{id}.log"))
    }

    /// One `squeue` call (per 1,000 ids) for all these jobs. Every id asked
    /// about is in the answer; a job the controller no longer knows is [`SlurmJobState::Gone`].
    ///
    /// # Errors
    /// squeue could not run or failed for another reason than unknown job ids (for
    /// example the controller is down): then nothing can be concluded about any job.
    pub fn query(&self, ids: &[String]) -> Result<HashMap<String, SlurmJobState>, LaunchError> {
        let mut all = HashMap::new();
        for chunk in ids.chunks(IDS_PER_CALL) {
            let list = chunk.join(",");
            let args = ["-h", "-t", "all", "-o", "%i %T", "-j", list.as_str()];
            let out = run_tool(&self.squeue, &args)?;
            let stderr = String::from_utf8_lossy(&out.stderr);
            let known = if out.status.success() {
                parse_squeue(&String::from_utf8_lossy(&out.stdout))
            } else if stderr.contains("Invalid job id") {
                // Every id of the list is unknown (squeue fails only when none is known).
                HashMap::new()
            } else {
                return Err(LaunchError::LauncherFailed {
                    cmd: format!("{} {}", self.squeue, args.join(" ")),
                    code: out.status.code().unwrap_or(-1),
                    output: stderr.trim().to_string(),
                });
            };
            for id in chunk {
                let st = known.get(id).cloned().unwrap_or(SlurmJobState::Gone);
                all.insert(id.clone(), st);
            }
        }
        Ok(all)
    }

    /// `scancel` these jobs (Slurm sends TERM, then KILL after its `KillWait`).
    ///
    /// # Errors
    /// scancel could not run or reported a failure other than jobs that already ended.
    pub fn cancel(&self, ids: &[String]) -> Result<(), LaunchError> {
        for chunk in ids.chunks(IDS_PER_CALL) {
            let out = run_tool(&self.scancel, chunk)?;
            let stderr = String::from_utf8_lossy(&out.stderr);
            // Cancelling a job that just finished is not a failure.
            let real: Vec<&str> = stderr
                .lines()
                .filter(|l| !l.trim().is_empty())
                .filter(|l| !l.contains("already completing or completed"))
                .filter(|l| !l.contains("Invalid job id"))
                .collect();
            if !out.status.success() && !real.is_empty() {
                return Err(LaunchError::LauncherFailed {
                    cmd: format!("{} {}", self.scancel, chunk.join(" ")),
                    code: out.status.code().unwrap_or(-1),
                    output: real.join("\n"),
                });
            }
        }
        Ok(())
    }
}

impl Launcher for SlurmLauncher {
    fn name(&self) -> &str {
        "slurm"
    }

    /// Submit with sbatch, the job's variables set on the sbatch process (sbatch exports
    /// its environment to the job by default). `mt_launch.log` gets the command line and
    /// the Slurm job id, so a person (or a test) can find the job.
    fn submit(&mut self, spec: &LaunchSpec) -> Result<Job, LaunchError> {
        let args = self.sbatch_args(spec);
        let line = std::iter::once(self.sbatch.as_str())
            .chain(args.iter().map(String::as_str))
            .map(crate::launcher::shell_quote)
            .collect::<Vec<_>>()
            .join(" ");
        let mut cmd = Command::new(&self.sbatch);
        cmd.args(&args).stdin(Stdio::null());
        if spec.cwd.is_dir() {
            cmd.current_dir(&spec.cwd);
        }
        apply_env(&mut cmd, &spec.env);
        let out = cmd.output().map_err(|source| LaunchError::Spawn {
            what: self.sbatch.clone(),
            source,
        })?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let id = parse_sbatch_output(&stdout);
        let mut log = open_log(&spec.log);
        if let Some(f) = log.as_mut() {
            let _ = writeln!(f, "LAUNCHCMD: {line}");
            if !stderr.trim().is_empty() {
                let _ = writeln!(f, "{}", stderr.trim_end());
            }
        }
        let id = match id {
            Some(id) if out.status.success() => id,
            _ => {
                let mut output = stdout.trim().to_string();
                if !stderr.trim().is_empty() {
                    output = format!("{output}\n{}", stderr.trim()).trim().to_string();
                }
                return Err(LaunchError::LauncherFailed {
                    cmd: line,
                    code: out.status.code().unwrap_or(-1),
                    output,
                });
            }
        };
        if let Some(f) = log.as_mut() {
            let _ = writeln!(
                f,
                "SLURM_JOB_ID: {id} (output in {})",
                Self::log_path(spec, &id).display()
            );
        }
        Ok(Job {
            child: None,
            pid: None,
            launch_output: stdout,
            external_id: Some(id),
        })
    }
}

fn run_tool<S: AsRef<std::ffi::OsStr>>(
    prog: &str,
    args: &[S],
) -> Result<std::process::Output, LaunchError> {
    Command::new(prog)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| LaunchError::Spawn {
            what: prog.to_string(),
            source,
        })
}

/// A short, readable Slurm job name: `test` or `test/item`, from the job's variables.
fn job_name(spec: &LaunchSpec) -> String {
    let var = |k: &str| {
        spec.env
            .iter()
            .rev()
            .find(|(n, _)| n == k)
            .and_then(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let test = var("MT_TEST_NAME");
    let item = var("MT_ITEMPATH");
    let raw = match (test.is_empty(), item.is_empty()) {
        (true, _) => spec
            .program
            .file_name()
            .map_or_else(|| "megatest".into(), |n| n.to_string_lossy().into_owned()),
        (false, true) => test,
        (false, false) => format!("{test}/{item}"),
    };
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-/+:=@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(NAME_MAX)
        .collect()
}

/// The job id from `sbatch --parsable` output (`ID` or `ID;CLUSTER`, after any notices).
#[must_use]
pub fn parse_sbatch_output(stdout: &str) -> Option<String> {
    let line = stdout.lines().map(str::trim).rfind(|l| !l.is_empty())?;
    let id = line.split(';').next()?.trim();
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit() || b == b'_')).then(|| id.to_string())
}

/// Lines `ID STATE` of `squeue -h -o '%i %T'` into states; lines that are not such
/// pairs are ignored.
#[must_use]
pub fn parse_squeue(stdout: &str) -> HashMap<String, SlurmJobState> {
    let mut m = HashMap::new();
    for line in stdout.lines() {
        let mut w = line.split_whitespace();
        let (Some(id), Some(state), None) = (w.next(), w.next(), w.next()) else {
            continue;
        };
        // sacct-style `CANCELLED+` marks truncation; keep only the state's name.
        let state = state.trim_end_matches('+').to_string();
        let st = if FINAL_STATES.contains(&state.as_str()) {
            SlurmJobState::Ended(state)
        } else {
            SlurmJobState::Active(state)
        };
        m.insert(id.to_string(), st);
    }
    m
}

/// Split launcher words the way a shell would for simple cases: whitespace separates,
/// single quotes keep everything, double quotes and backslashes work as in sh.
#[must_use]
pub fn split_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    cur.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => cur.push(e),
                            Some(e) => {
                                cur.push('\\');
                                cur.push(e);
                            }
                            None => cur.push('\\'),
                        },
                        _ => cur.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(e) = chars.next() {
                    cur.push(e);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(env: &[(&str, &str)]) -> LaunchSpec {
        LaunchSpec {
            program: "/opt/mt/bin/megatest".into(),
            args: vec![
                "-m".into(),
                "area:t1:a/b".into(),
                "-execute".into(),
                "CMD INFO'x".into(),
            ],
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_string(), Some((*v).to_string())))
                .collect(),
            cwd: "/runs/linux/r1/t1/a/b".into(),
            log: "/runs/linux/r1/t1/a/b/mt_launch.log".into(),
        }
    }

    /// Expected sbatch program, squeue program and options.
    type Want<'a> = Option<(&'a str, &'a str, &'a [&'a str])>;

    #[test]
    fn recognises_slurm_words() {
        let cases: &[(&str, Want<'_>)] = &[
            ("slurm", Some(("sbatch", "squeue", &[]))),
            (
                "slurm --partition=debug --time=10",
                Some(("sbatch", "squeue", &["--partition=debug", "--time=10"])),
            ),
            (
                "sbatch -p debug",
                Some(("sbatch", "squeue", &["-p", "debug"])),
            ),
            (
                "/opt/slurm/bin/sbatch --qos=low",
                Some((
                    "/opt/slurm/bin/sbatch",
                    "/opt/slurm/bin/squeue",
                    &["--qos=low"],
                )),
            ),
            (
                "slurm --comment='two words'",
                Some(("sbatch", "squeue", &["--comment=two words"])),
            ),
            ("nbfake", None),
            ("bsub -q normal", None),
            ("slurmish", None),
            ("", None),
        ];
        for (words, want) in cases {
            let got = SlurmLauncher::from_words(words);
            match (got, want) {
                (None, None) => {}
                (Some(l), Some((sb, sq, opts))) => {
                    assert_eq!(l.sbatch, *sb, "{words}");
                    assert_eq!(l.squeue, *sq, "{words}");
                    assert_eq!(l.options, opts.to_vec(), "{words}");
                }
                (g, w) => panic!("{words}: got {g:?}, want {w:?}"),
            }
        }
    }

    #[test]
    fn sbatch_arguments() {
        let l = SlurmLauncher::from_words("slurm --partition=debug --time=10").unwrap();
        let s = spec(&[("MT_TEST_NAME", "t1"), ("MT_ITEMPATH", "a/b")]);
        assert_eq!(
            l.sbatch_args(&s),
            vec![
                "--parsable",
                "--job-name",
                "t1/a/b",
                "--chdir",
                "/runs/linux/r1/t1/a/b",
                "--output",
                "/runs/linux/r1/t1/a/b/slurm-%j.log",
                "--partition=debug",
                "--time=10",
                "--wrap",
                r"exec /opt/mt/bin/megatest -m area:t1:a/b -execute 'CMD INFO'\''x'",
            ]
        );
        assert_eq!(
            SlurmLauncher::log_path(&s, "42"),
            PathBuf::from("/runs/linux/r1/t1/a/b/slurm-42.log")
        );
    }

    #[test]
    fn job_names() {
        let long = "x".repeat(100);
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("MT_TEST_NAME", "t1"), ("MT_ITEMPATH", "")], "t1"),
            (
                &[("MT_TEST_NAME", "t1"), ("MT_ITEMPATH", "a b/c")],
                "t1/a_b/c",
            ),
            (&[], "megatest"),
            (&[("MT_TEST_NAME", &long)], &long[..NAME_MAX]),
        ];
        for (env, want) in cases {
            assert_eq!(job_name(&spec(env)), *want, "{env:?}");
        }
    }

    #[test]
    fn sbatch_output() {
        let cases = [
            ("12345\n", Some("12345")),
            ("12345;cluster1\n", Some("12345")),
            ("sbatch: notice\n777\n\n", Some("777")),
            ("Submitted batch job 12\n", None),
            ("", None),
            ("error\n", None),
        ];
        for (out, want) in cases {
            assert_eq!(parse_sbatch_output(out).as_deref(), want, "{out:?}");
        }
    }

    #[test]
    fn squeue_output() {
        let out = "101 RUNNING\n102 PENDING\n103 COMPLETED\n104 CANCELLED\n105 COMPLETING\n\
                   106 TIMEOUT\n107_3 FAILED\ngarbage\n108 RUNNING extra\n";
        let m = parse_squeue(out);
        let cases = [
            ("101", Some(SlurmJobState::Active("RUNNING".into()))),
            ("102", Some(SlurmJobState::Active("PENDING".into()))),
            ("103", Some(SlurmJobState::Ended("COMPLETED".into()))),
            ("104", Some(SlurmJobState::Ended("CANCELLED".into()))),
            ("105", Some(SlurmJobState::Active("COMPLETING".into()))),
            ("106", Some(SlurmJobState::Ended("TIMEOUT".into()))),
            ("107_3", Some(SlurmJobState::Ended("FAILED".into()))),
            ("108", None),
            ("999", None),
        ];
        for (id, want) in cases {
            assert_eq!(m.get(id).cloned(), want, "{id}");
        }
        assert_eq!(m.len(), 7);
    }

    /// Write an executable script from a child process: a file this (multi-threaded) test
    /// process held open for writing could be inherited by a concurrent fork elsewhere and
    /// make the exec fail with "Text file busy".
    fn write_script(path: &Path, body: &str) {
        let mut c = Command::new("/bin/sh")
            .arg("-c")
            .arg("cat > \"$1\" && chmod 755 \"$1\"")
            .arg("sh")
            .arg(path)
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        c.stdin
            .take()
            .unwrap()
            .write_all(format!("#!/bin/sh\n{body}\n").as_bytes())
            .unwrap();
        assert!(c.wait().unwrap().success());
    }

    /// A fake squeue/scancel/sbatch in a temp dir: the query contract without a cluster.
    fn fake_tools(dir: &Path, squeue_body: &str) -> SlurmLauncher {
        let write = |name: &str, body: &str| write_script(&dir.join(name), body);
        write("squeue", squeue_body);
        write("scancel", "echo \"$@\" >> \"$(dirname \"$0\")/cancelled\"");
        write(
            "sbatch",
            "env > \"$(dirname \"$0\")/sbatch.env\"; echo \"$@\" > \"$(dirname \"$0\")/sbatch.args\"; echo '4242;ci'",
        );
        let sb = dir.join("sbatch").to_string_lossy().into_owned();
        SlurmLauncher::from_words(&format!("{sb} --time=1")).unwrap()
    }

    #[test]
    fn query_marks_missing_jobs_gone() {
        let dir = tempfile::tempdir().unwrap();
        let l = fake_tools(
            dir.path(),
            "echo \"$@\" >> \"$(dirname \"$0\")/calls\"; echo '1 RUNNING'; echo '3 COMPLETED'",
        );
        let ids: Vec<String> = ["1", "2", "3"].iter().map(ToString::to_string).collect();
        let m = l.query(&ids).unwrap();
        assert_eq!(m["1"], SlurmJobState::Active("RUNNING".into()));
        assert_eq!(m["2"], SlurmJobState::Gone);
        assert_eq!(m["3"], SlurmJobState::Ended("COMPLETED".into()));
        // One call for all three.
        let calls = std::fs::read_to_string(dir.path().join("calls")).unwrap();
        assert_eq!(calls, "-h -t all -o %i %T -j 1,2,3\n");
    }

    #[test]
    fn query_errors() {
        let dir = tempfile::tempdir().unwrap();
        // Unknown ids only: squeue fails, and every job is gone.
        let l = fake_tools(
            dir.path(),
            "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1",
        );
        let m = l.query(&["9".to_string()]).unwrap();
        assert_eq!(m["9"], SlurmJobState::Gone);
        // The controller is down: nothing can be concluded.
        let l = fake_tools(
            dir.path(),
            "echo 'slurm_load_jobs error: Unable to contact slurm controller' >&2; exit 1",
        );
        assert!(matches!(
            l.query(&["9".to_string()]),
            Err(LaunchError::LauncherFailed { .. })
        ));
    }

    #[test]
    fn submit_and_cancel_through_fake_tools() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = fake_tools(dir.path(), "true");
        let work = dir.path().join("work");
        std::fs::create_dir_all(&work).unwrap();
        let s = LaunchSpec {
            cwd: work.clone(),
            log: work.join("mt_launch.log"),
            env: vec![
                ("MT_TEST_NAME".into(), Some("t1".into())),
                ("MT_ITEMPATH".into(), Some(String::new())),
                ("MT_GONE".into(), None),
            ],
            ..spec(&[])
        };
        let job = l.submit(&s).unwrap();
        assert_eq!(job.external_id.as_deref(), Some("4242"));
        assert_eq!(job.pid, None);
        let env = std::fs::read_to_string(dir.path().join("sbatch.env")).unwrap();
        assert!(env.lines().any(|l| l == "MT_TEST_NAME=t1"), "{env}");
        let args = std::fs::read_to_string(dir.path().join("sbatch.args")).unwrap();
        assert!(
            args.starts_with("--parsable --job-name t1 --chdir "),
            "{args}"
        );
        assert!(args.contains(" --time=1 --wrap "), "{args}");
        let log = std::fs::read_to_string(work.join("mt_launch.log")).unwrap();
        assert!(log.contains("LAUNCHCMD: "), "{log}");
        assert!(
            log.contains(&format!(
                "SLURM_JOB_ID: 4242 (output in {}/slurm-4242.log)",
                work.display()
            )),
            "{log}"
        );
        l.cancel(&["4242".to_string(), "4243".to_string()]).unwrap();
        let c = std::fs::read_to_string(dir.path().join("cancelled")).unwrap();
        assert_eq!(c, "4242 4243\n");
    }

    #[test]
    fn failed_submission_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = fake_tools(dir.path(), "true");
        write_script(
            &dir.path().join("sbatch"),
            "echo 'sbatch: error: invalid partition specified: nope' >&2\nexit 1",
        );
        let work = dir.path().join("w");
        std::fs::create_dir_all(&work).unwrap();
        let s = LaunchSpec {
            cwd: work.clone(),
            log: work.join("mt_launch.log"),
            ..spec(&[])
        };
        match l.submit(&s) {
            Err(LaunchError::LauncherFailed { code, output, .. }) => {
                assert_eq!(code, 1);
                assert!(output.contains("invalid partition"), "{output}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn word_splitting() {
        let cases: &[(&str, &[&str])] = &[
            ("a b  c", &["a", "b", "c"]),
            ("  --x='1 2' y", &["--x=1 2", "y"]),
            (r#"--c="a \"q\" b""#, &[r#"--c=a "q" b"#]),
            (r"a\ b", &["a b"]),
            ("''", &[""]),
            ("", &[]),
        ];
        for (s, want) in cases {
            assert_eq!(split_words(s), want.to_vec(), "{s}");
        }
    }
}
