//! `[triggers]`: commands run when a test record reaches a state/status (runner spec §6.1).
//! Keys are checked in the order `STATE/STATUS`, `STATE/`, `/STATUS`; each command runs as
//! `CMD <test-id> <test-rundir> <trigger-key>` through the shell in the test's run
//! directory. The original fires and forgets; we start the command in the background and
//! let the caller wait (bounded) for stragglers before it exits, so that a run that has
//! returned has also finished its triggers.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Background trigger processes started by this process.
#[derive(Debug, Default)]
pub struct Triggers {
    running: Vec<Child>,
    /// The environment triggers run with; None = this process's. The job wrapper running
    /// inside the runner passes the test's environment here (the process environment is
    /// the runner's, which lacks the test's variables).
    env: Option<std::collections::BTreeMap<String, String>>,
}

/// The keys a (state, status) fires, in order.
#[must_use]
pub fn matching_keys<'a>(
    triggers: &'a [(String, String)],
    state: &str,
    status: &str,
) -> Vec<(&'a str, &'a str)> {
    let wanted = [
        format!("{state}/{status}"),
        format!("{state}/"),
        format!("/{status}"),
    ];
    let mut out = Vec::new();
    for w in &wanted {
        for (k, cmd) in triggers {
            if k == w {
                out.push((k.as_str(), cmd.as_str()));
            }
        }
    }
    out
}

impl Triggers {
    /// Run triggers with exactly this environment.
    pub fn set_env(&mut self, env: std::collections::BTreeMap<String, String>) {
        self.env = Some(env);
    }

    /// Fire the triggers of one record change.
    #[allow(clippy::too_many_arguments)]
    pub fn fire(
        &mut self,
        triggers: &[(String, String)],
        test_id: i64,
        testname: &str,
        item_path: &str,
        rundir: &str,
        state: &str,
        status: &str,
    ) {
        if triggers.is_empty() || rundir.is_empty() || !Path::new(rundir).is_dir() {
            return;
        }
        for (key, cmd) in matching_keys(triggers, state, status) {
            let line = format!("{cmd} {test_id} {rundir} {key}");
            let mut cmd = Command::new("/bin/sh");
            if let Some(env) = &self.env {
                cmd.env_clear().envs(env);
            }
            let child = cmd
                .arg("-c")
                .arg(&line)
                .current_dir(rundir)
                .env("MT_TEST_NAME", testname)
                .env("MT_TEST_RUN_DIR", rundir)
                .env("MT_ITEMPATH", item_path)
                .stdin(Stdio::null())
                .spawn();
            match child {
                Ok(c) => self.running.push(c),
                Err(e) => {
                    eprintln!("WARNING: trigger {key} for {testname}: cannot run {line}: {e}")
                }
            }
        }
        self.running
            .retain_mut(|c| matches!(c.try_wait(), Ok(None)));
    }

    /// Wait up to `limit` for started triggers to end.
    pub fn wait(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !self.running.is_empty() && Instant::now() < deadline {
            self.running
                .retain_mut(|c| matches!(c.try_wait(), Ok(None)));
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order() {
        let t = vec![
            ("/PASS".to_string(), "c".to_string()),
            ("COMPLETED/".to_string(), "b".to_string()),
            ("COMPLETED/PASS".to_string(), "a".to_string()),
            ("RUNNING/".to_string(), "x".to_string()),
        ];
        let keys: Vec<&str> = matching_keys(&t, "COMPLETED", "PASS")
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        assert_eq!(keys, ["a", "b", "c"]);
    }

    #[test]
    fn fires_with_arguments() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("t.log");
        let t = vec![(
            "COMPLETED/PASS".to_string(),
            format!("echo triggered >> {}; echo", out.display()),
        )];
        let mut tr = Triggers::default();
        let rd = dir.path().to_string_lossy().into_owned();
        tr.fire(&t, 7, "t", "", &rd, "COMPLETED", "PASS");
        tr.wait(Duration::from_secs(5));
        assert_eq!(std::fs::read_to_string(out).unwrap(), "triggered\n");
    }
}
