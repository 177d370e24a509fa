//! Values that the original passes through `/bin/sh -c "echo VALUE"` (runconfigs variables
//! in the test process, §6.3), keeping the first output line. Most values hold no shell
//! syntax at all; for those the result is computed without starting a shell (echo only
//! folds runs of blanks), which keeps per-test start-up cheap.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

const SHELL_CHARS: &[char] = &[
    '$', '`', '\\', '"', '\'', '*', '?', '[', ']', '~', ';', '|', '&', '<', '>', '(', ')', '{',
    '}', '#', '\n',
];

/// `echo VALUE` through the shell, first line, with `env` as the environment.
#[must_use]
pub fn shell_echo(value: &str, env: &BTreeMap<String, String>) -> String {
    if !value.contains(SHELL_CHARS) {
        return value.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("echo {value}"))
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output();
    match out {
        Ok(o) => String::from_utf8_lossy(&o.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_string(),
        Err(_) => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_and_slow_paths() {
        let mut env = BTreeMap::new();
        env.insert("USER".to_string(), "ann".to_string());
        env.insert("PATH".to_string(), "/usr/bin:/bin".to_string());
        assert_eq!(shell_echo("-O2", &env), "-O2");
        assert_eq!(shell_echo("a   b", &env), "a b");
        assert_eq!(shell_echo("The$USER/x", &env), "Theann/x");
        assert_eq!(shell_echo("\"quoted  text\"", &env), "quoted  text");
        assert_eq!(shell_echo("${USER}", &env), "ann");
    }
}
