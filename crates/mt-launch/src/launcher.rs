//! Launchers turn a prepared `megatest -execute` command into a running job.
//!
//! The built-in local launcher starts the job directly (no shell, no extra process) in its
//! own process group and reaps it; the runner learns the verdict from the database, which
//! the job writes itself. The template launcher prefixes the command with the words of
//! `[jobtools] launcher` (nbfake, bsub, ssh ...) and runs it through `/bin/sh`, appending
//! `LAUNCHCMD:` and the launcher's output to `mt_launch.log` as the original does.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::proc::spawn_in_group;

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("failed to start {what}: {source}")]
    Spawn {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("launcher command `{cmd}` exited with code {code}: {output}")]
    LauncherFailed {
        cmd: String,
        code: i32,
        output: String,
    },
}

/// Everything needed to start one test job.
#[derive(Debug, Clone)]
pub struct LaunchSpec {
    /// The megatest executable.
    pub program: PathBuf,
    /// Its arguments (`-m SIGNATURE -execute CMDINFO ...`).
    pub args: Vec<String>,
    /// Variables set (Some) or removed (None) for the job only.
    pub env: Vec<(String, Option<String>)>,
    /// Working directory (the test's work area when it exists).
    pub cwd: PathBuf,
    /// Where launcher output goes (`<work area>/mt_launch.log`).
    pub log: PathBuf,
}

impl LaunchSpec {
    /// The command as one shell line (what `--wrap` or a template launcher runs).
    pub(crate) fn shell_words(&self) -> String {
        let mut s = shell_quote(&self.program.to_string_lossy());
        for a in &self.args {
            s.push(' ');
            s.push_str(&shell_quote(a));
        }
        s
    }
}

pub(crate) fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// What became of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Running,
    /// The local process ended with this exit code (None: killed by a signal).
    Exited(Option<i32>),
    /// Handed to another system (nbfake, a batch queue): only the database tells more.
    Detached,
}

/// A started job.
#[derive(Debug)]
pub struct Job {
    pub(crate) child: Option<Child>,
    pub pid: Option<u32>,
    pub launch_output: String,
    /// The id a batch system gave the job (the Slurm job id), for status queries and
    /// cancelling; None for local and template-launched jobs.
    pub external_id: Option<String>,
}

impl Job {
    /// Block until the job's local process ends (Detached for handed-off jobs).
    pub fn wait(&mut self) -> JobState {
        match &mut self.child {
            None => JobState::Detached,
            Some(c) => match c.wait() {
                Ok(st) => JobState::Exited(st.code()),
                Err(_) => JobState::Exited(None),
            },
        }
    }

    /// Non-blocking check on the job's process.
    pub fn poll(&mut self) -> JobState {
        match &mut self.child {
            None => JobState::Detached,
            Some(c) => match c.try_wait() {
                Ok(Some(st)) => JobState::Exited(st.code()),
                Ok(None) => JobState::Running,
                Err(_) => JobState::Exited(None),
            },
        }
    }
}

pub trait Launcher {
    fn name(&self) -> &str;
    fn submit(&mut self, spec: &LaunchSpec) -> Result<Job, LaunchError>;
}

pub(crate) fn open_log(path: &PathBuf) -> Option<std::fs::File> {
    OpenOptions::new().create(true).append(true).open(path).ok()
}

pub(crate) fn apply_env(cmd: &mut Command, env: &[(String, Option<String>)]) {
    for (k, v) in env {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
}

/// Runs the job on this machine as a direct child.
#[derive(Debug, Default)]
pub struct LocalLauncher;

impl Launcher for LocalLauncher {
    fn name(&self) -> &str {
        "local"
    }

    fn submit(&mut self, spec: &LaunchSpec) -> Result<Job, LaunchError> {
        let mut cmd = Command::new(&spec.program);
        cmd.args(&spec.args).stdin(Stdio::null());
        if spec.cwd.is_dir() {
            cmd.current_dir(&spec.cwd);
        }
        apply_env(&mut cmd, &spec.env);
        match open_log(&spec.log) {
            Some(mut f) => {
                let _ = writeln!(f, "LAUNCHCMD: {}", spec.shell_words());
                let f2 = f.try_clone().ok();
                cmd.stdout(Stdio::from(f));
                match f2 {
                    Some(f2) => cmd.stderr(Stdio::from(f2)),
                    None => cmd.stderr(Stdio::null()),
                };
            }
            None => {
                cmd.stdout(Stdio::null()).stderr(Stdio::null());
            }
        }
        let child = spawn_in_group(&mut cmd).map_err(|source| LaunchError::Spawn {
            what: spec.program.display().to_string(),
            source,
        })?;
        Ok(Job {
            pid: Some(child.id()),
            child: Some(child),
            launch_output: String::new(),
            external_id: None,
        })
    }
}

/// Prefixes the job command with configured launcher words and runs it through the shell.
#[derive(Debug)]
pub struct TemplateLauncher {
    pub words: String,
    /// `[setup] launchwait no`: do not wait for the launcher command.
    pub wait: bool,
}

impl Launcher for TemplateLauncher {
    fn name(&self) -> &str {
        &self.words
    }

    fn submit(&mut self, spec: &LaunchSpec) -> Result<Job, LaunchError> {
        let mut line = format!("{} {}", self.words, spec.shell_words());
        if !self.wait {
            line.push_str(" >> mt_launch.log 2>&1 &");
        }
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c").arg(&line).stdin(Stdio::null());
        if spec.cwd.is_dir() {
            cmd.current_dir(&spec.cwd);
        }
        apply_env(&mut cmd, &spec.env);
        let out = cmd.output().map_err(|source| LaunchError::Spawn {
            what: line.clone(),
            source,
        })?;
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        if let Some(mut f) = open_log(&spec.log) {
            let _ = writeln!(f, "LAUNCHCMD: {line}");
            if self.wait {
                let _ = f.write_all(text.as_bytes());
            } else {
                let _ = writeln!(f, "NOTE: launcher not waited for (launchwait no)");
            }
        }
        if !out.status.success() {
            return Err(LaunchError::LauncherFailed {
                cmd: line,
                code: out.status.code().unwrap_or(-1),
                output: text.trim().to_string(),
            });
        }
        Ok(Job {
            child: None,
            pid: None,
            launch_output: text,
            external_id: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_launcher_runs_and_reaps() {
        let dir = tempfile::tempdir().unwrap();
        let spec = LaunchSpec {
            program: "/bin/sh".into(),
            args: vec!["-c".into(), "echo hi; exit 3".into()],
            env: vec![("FOO".into(), Some("bar".into()))],
            cwd: dir.path().into(),
            log: dir.path().join("mt_launch.log"),
        };
        let mut job = LocalLauncher.submit(&spec).unwrap();
        let st = loop {
            match job.poll() {
                JobState::Running => std::thread::sleep(std::time::Duration::from_millis(10)),
                s => break s,
            }
        };
        assert_eq!(st, JobState::Exited(Some(3)));
        let log = std::fs::read_to_string(dir.path().join("mt_launch.log")).unwrap();
        assert!(
            log.starts_with("LAUNCHCMD: /bin/sh -c 'echo hi; exit 3'"),
            "{log}"
        );
        assert!(log.contains("hi\n"));
    }

    #[test]
    fn template_launcher_reports_failure() {
        let dir = tempfile::tempdir().unwrap();
        let spec = LaunchSpec {
            program: "/bin/true".into(),
            args: vec![],
            env: vec![],
            cwd: dir.path().into(),
            log: dir.path().join("mt_launch.log"),
        };
        let mut l = TemplateLauncher {
            words: "false".into(),
            wait: true,
        };
        assert!(matches!(
            l.submit(&spec),
            Err(LaunchError::LauncherFailed { .. })
        ));
        let mut ok = TemplateLauncher {
            words: "env".into(),
            wait: true,
        };
        let job = ok.submit(&spec).unwrap();
        assert_eq!(job.pid, None);
    }
}
