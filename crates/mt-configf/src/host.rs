//! Side effects of reading a config (environment, shell commands, files) behind one trait, so
//! that tests never shell out or touch the process environment.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a captured shell command produced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShellOutput {
    pub stdout: String,
    pub exit: i32,
}

impl ShellOutput {
    pub fn new(stdout: impl Into<String>, exit: i32) -> Self {
        ShellOutput {
            stdout: stdout.into(),
            exit,
        }
    }
}

/// Everything the reader does to the outside world.
pub trait Host {
    /// An environment variable, as the reader sees it (after its own `setenv`s).
    fn getenv(&self, name: &str) -> Option<String>;
    fn setenv(&mut self, name: &str, value: &str);
    fn unsetenv(&mut self, name: &str);
    /// Runs `cmd` with `/bin/sh -c`, capturing stdout.
    fn run_shell_capture(&mut self, cmd: &str) -> ShellOutput;
    /// Runs `cmd` with `/bin/sh -c`, stdout not captured; returns the exit code.
    fn run_system(&mut self, cmd: &str) -> i32;
    fn file_exists(&self, path: &Path) -> bool;
    /// Exists and has an execute bit (for `[scriptinc]`).
    fn is_executable(&self, path: &Path) -> bool;
    fn read_file(&self, path: &Path) -> std::io::Result<String>;
    fn cwd(&self) -> PathBuf;
    /// The area's top path (`*toppath*`), if known yet.
    fn toppath(&self) -> Option<PathBuf>;
    /// The current target for `#{rget}` (`-reqtarg`, else `-target`, else `$MT_TARGET`).
    fn target(&self) -> Option<String>;
    /// The home directory of `user` (`None`: the current user), for `~` in paths.
    fn home_dir(&mut self, user: Option<&str>) -> Option<String> {
        match user {
            None => self.getenv("HOME"),
            Some(u) => {
                let out = self.run_shell_capture(&format!("echo ~{u}"));
                let home = out.stdout.lines().next().unwrap_or("").to_string();
                (out.exit == 0 && home.starts_with('/')).then_some(home)
            }
        }
    }
}

/// The real world: `/bin/sh`, the file system, and the process environment seen through an
/// overlay of the changes made while reading. The overlay is passed to every command this host
/// runs; it reaches the process environment only through [`RealHost::apply_to_process`].
#[derive(Debug, Clone, Default)]
pub struct RealHost {
    overlay: BTreeMap<String, Option<String>>,
    cwd: Option<PathBuf>,
    toppath: Option<PathBuf>,
    target: Option<String>,
}

impl RealHost {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the area top path used by `#{mtrah}`.
    #[must_use]
    pub fn with_toppath(mut self, toppath: impl Into<PathBuf>) -> Self {
        self.toppath = Some(toppath.into());
        self
    }

    /// Sets the target used by `#{rget}` (else `$MT_TARGET`).
    #[must_use]
    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Runs commands and resolves relative paths from `dir` instead of the process cwd.
    #[must_use]
    pub fn with_cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    /// The environment changes made so far: `Some(value)` set, `None` unset.
    pub fn env_changes(&self) -> &BTreeMap<String, Option<String>> {
        &self.overlay
    }

    /// Applies the recorded changes to this process's environment.
    pub fn apply_to_process(&self) {
        for (k, v) in &self.overlay {
            match v {
                Some(v) => std::env::set_var(k, v),
                None => std::env::remove_var(k),
            }
        }
    }

    fn command(&self, cmd: &str) -> Command {
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg(cmd).stdin(Stdio::null());
        for (k, v) in &self.overlay {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        if let Some(dir) = &self.cwd {
            c.current_dir(dir);
        }
        c
    }
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return 128 + sig;
        }
    }
    status.code().unwrap_or(-1)
}

impl Host for RealHost {
    fn getenv(&self, name: &str) -> Option<String> {
        match self.overlay.get(name) {
            Some(v) => v.clone(),
            None => std::env::var(name).ok(),
        }
    }

    fn setenv(&mut self, name: &str, value: &str) {
        self.overlay
            .insert(name.to_string(), Some(value.to_string()));
    }

    fn unsetenv(&mut self, name: &str) {
        self.overlay.insert(name.to_string(), None);
    }

    fn run_shell_capture(&mut self, cmd: &str) -> ShellOutput {
        match self.command(cmd).stderr(Stdio::inherit()).output() {
            Ok(out) => ShellOutput {
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                exit: exit_code(out.status),
            },
            Err(_) => ShellOutput::new("", 127),
        }
    }

    fn run_system(&mut self, cmd: &str) -> i32 {
        match self.command(cmd).status() {
            Ok(st) => exit_code(st),
            Err(_) => 127,
        }
    }

    fn file_exists(&self, path: &Path) -> bool {
        self.resolve(path).exists()
    }

    fn is_executable(&self, path: &Path) -> bool {
        let Ok(meta) = std::fs::metadata(self.resolve(path)) else {
            return false;
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            meta.is_file() && meta.permissions().mode() & 0o111 != 0
        }
        #[cfg(not(unix))]
        {
            meta.is_file()
        }
    }

    fn read_file(&self, path: &Path) -> std::io::Result<String> {
        let bytes = std::fs::read(self.resolve(path))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    fn cwd(&self) -> PathBuf {
        self.cwd
            .clone()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("/"))
    }

    fn toppath(&self) -> Option<PathBuf> {
        self.toppath.clone()
    }

    fn target(&self) -> Option<String> {
        self.target.clone().or_else(|| self.getenv("MT_TARGET"))
    }
}

impl RealHost {
    fn resolve(&self, path: &Path) -> PathBuf {
        match &self.cwd {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path.to_path_buf(),
        }
    }
}

/// An in-memory world for tests: environment map, canned command outputs, virtual files.
///
/// A command with no canned output that starts with `echo ` is answered by a small emulation
/// of the shell's `echo` (quotes removed, `$VAR`/`${VAR}` substituted from the fake
/// environment, unquoted blanks collapsed), enough for environment-evaluated sections. Any
/// other unknown command exits 127 with no output.
#[derive(Debug, Clone, Default)]
pub struct FakeHost {
    pub env: BTreeMap<String, String>,
    pub commands: HashMap<String, ShellOutput>,
    pub files: BTreeMap<PathBuf, String>,
    pub executables: BTreeSet<PathBuf>,
    pub cwd: PathBuf,
    pub toppath: Option<PathBuf>,
    pub target: Option<String>,
    /// Every command run, in order (captured and `system` alike).
    pub ran: Vec<String>,
}

impl FakeHost {
    pub fn new() -> Self {
        FakeHost {
            cwd: PathBuf::from("/fake/cwd"),
            ..Self::default()
        }
    }

    #[must_use]
    pub fn with_env(mut self, name: &str, value: &str) -> Self {
        self.env.insert(name.into(), value.into());
        self
    }

    #[must_use]
    pub fn with_command(mut self, cmd: &str, stdout: &str, exit: i32) -> Self {
        self.commands
            .insert(cmd.into(), ShellOutput::new(stdout, exit));
        self
    }

    #[must_use]
    pub fn with_file(mut self, path: impl Into<PathBuf>, text: &str) -> Self {
        self.files.insert(path.into(), text.into());
        self
    }

    #[must_use]
    pub fn with_executable(mut self, path: impl Into<PathBuf>) -> Self {
        self.executables.insert(path.into());
        self
    }

    fn abs(&self, path: &Path) -> PathBuf {
        if path.is_relative() {
            self.cwd.join(path)
        } else {
            path.to_path_buf()
        }
    }

    fn answer(&mut self, cmd: &str) -> ShellOutput {
        self.ran.push(cmd.to_string());
        if let Some(out) = self.commands.get(cmd) {
            return out.clone();
        }
        if let Some(args) = cmd.strip_prefix("echo ") {
            return ShellOutput::new(fake_echo(args, &self.env) + "\n", 0);
        }
        ShellOutput::new("", 127)
    }
}

impl Host for FakeHost {
    fn getenv(&self, name: &str) -> Option<String> {
        self.env.get(name).cloned()
    }
    fn setenv(&mut self, name: &str, value: &str) {
        self.env.insert(name.into(), value.into());
    }
    fn unsetenv(&mut self, name: &str) {
        self.env.remove(name);
    }
    fn run_shell_capture(&mut self, cmd: &str) -> ShellOutput {
        self.answer(cmd)
    }
    fn run_system(&mut self, cmd: &str) -> i32 {
        self.answer(cmd).exit
    }
    fn file_exists(&self, path: &Path) -> bool {
        let p = self.abs(path);
        self.files.contains_key(&p) || self.executables.contains(&p)
    }
    fn is_executable(&self, path: &Path) -> bool {
        self.executables.contains(&self.abs(path))
    }
    fn read_file(&self, path: &Path) -> std::io::Result<String> {
        self.files
            .get(&self.abs(path))
            .cloned()
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }
    fn cwd(&self) -> PathBuf {
        self.cwd.clone()
    }
    fn toppath(&self) -> Option<PathBuf> {
        self.toppath.clone()
    }
    fn target(&self) -> Option<String> {
        self.target.clone().or_else(|| self.getenv("MT_TARGET"))
    }
}

/// A rough `echo ARGS` as `/bin/sh` would print it (see [`FakeHost`]).
fn fake_echo(args: &str, env: &BTreeMap<String, String>) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = args.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, ' ' | '\t') => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => cur.push(c),
            (_, '$') => {
                in_word = true;
                let braced = chars.peek() == Some(&'{');
                if braced {
                    chars.next();
                }
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_alphanumeric() || n == '_' {
                        name.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if braced && chars.peek() == Some(&'}') {
                    chars.next();
                }
                if name.is_empty() {
                    cur.push('$');
                } else if let Some(v) = env.get(&name) {
                    if quote.is_some() {
                        cur.push_str(v);
                    } else {
                        // Unquoted expansions are word-split by the shell.
                        let mut parts = v.split_whitespace().peekable();
                        while let Some(p) = parts.next() {
                            cur.push_str(p);
                            if parts.peek().is_some() {
                                words.push(std::mem::take(&mut cur));
                            }
                        }
                    }
                }
            }
            (_, c) => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_echo_cases() {
        let env: BTreeMap<String, String> = [("HOME", "/home/me"), ("X", "a  b")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let cases = [
            ("$HOME/bin", "/home/me/bin"),
            ("${HOME}/bin", "/home/me/bin"),
            ("a    b", "a b"),
            ("'a    b'", "a    b"),
            ("\"$X\"", "a  b"),
            ("$X", "a b"),
            ("$NOPE/x", "/x"),
            ("'$HOME'", "$HOME"),
        ];
        for (args, want) in cases {
            assert_eq!(fake_echo(args, &env), want, "echo {args}");
        }
    }
}
