//! Megatest-style argument parsing (margs): single-dash words, a fixed list of options that
//! take a value (always the next token, even if it starts with `-`) and a fixed list of
//! switches; the last occurrence wins. Unlike the original, an unknown option is an error
//! (the original printed a message and carried on, which hides typos in scripts).

use std::collections::{HashMap, HashSet};

/// Options that take a value.
pub const VALUE_OPTIONS: &[&str] = &[
    "-target",
    "-reqtarg",
    "-testpatt",
    "-runname",
    ":runname",
    "-state",
    ":state",
    "-status",
    ":status",
    ":category",
    ":variable",
    ":value",
    ":expected",
    ":tol",
    ":units",
    "--modepatt",
    "-tagexpr",
    "-itempatt",
    "-runtests",
    "-rerun",
    "-set-state-status",
    "-set-run-status",
    "-list-runs",
    "-test-files",
    "-dumpmode",
    "-section",
    "-var",
    "-since",
    "-fields",
    "-sort",
    "-start-dir",
    "-contour",
    "-sync-to",
    "-setvars",
    "-server",
    "-transport",
    "-log",
    "-ping",
    "-debug",
    "-config",
    "-append-config",
    "-env2file",
    "-envcap",
    "-envdelta",
    "-refdb2dat",
    "-o",
    "-archive",
    "-src-target",
    "-src-runname",
    "-diff-email",
    "-diff-html",
    "-extract-ods",
    "-pathmod",
    "-create-test",
    "-execute",
    "-recover-test",
    "-logpro",
    "-override-timeout",
    "-target-db",
    "-source-db",
    "-step",
    "-runstep",
    "-setlog",
    "-set-toplog",
    "-m",
    "-load",
    "-days",
    "-rename-run",
    "-to",
    "-port",
    "-run-id",
    "-prefix-target",
    "-junit",
    "-area-name",
    "-launcher",
    "-html-dir",
    "-archive-disk",
    "-area-dir",
    "-keys",
    "-disk",
    "-linktree",
    "-description",
    "-waiton",
    "-priority",
    "-ezstep",
    "-item",
];

/// Options that take no value.
pub const SWITCHES: &[&str] = &[
    "-h",
    "-help",
    "--help",
    "-manual",
    "-version",
    "--version",
    "-run",
    "-runall",
    "-remove-runs",
    "-rerun-clean",
    "-rerun-all",
    "-force",
    "-preclean",
    "-lock",
    "-unlock",
    "-get-run-status",
    "-run-wait",
    "-clean-cache",
    "-no-cache",
    "-show-keys",
    "-showkeys",
    "-test-paths",
    "-list-disks",
    "-list-targets",
    "-list-db-targets",
    "-show-config",
    "-show-runconfig",
    "-show-cmdinfo",
    "-rebuild-db",
    "-cleanup-db",
    "-import-megatest.db",
    "-sync-to-megatest.db",
    "-update-meta",
    "-list-servers",
    "-kill-servers",
    "-repl",
    "-mark-incompletes",
    "-test-status",
    "-set-values",
    "-load-test-data",
    "-summarize-items",
    "-generate-html",
    "-xterm",
    "-logging",
    "-v",
    "-q",
    "-gui",
    "-daemonize",
    "-local",
    "-rollup",
    "-cache-db",
    "-use-db-cache",
    "-prepend-contour",
    "-diff-rep",
    "-create-megatest-area",
    "-convert-to-norm",
    "-convert-to-old",
    "-pgsync",
    "-kill-runs",
    "--json",
    "-json",
    "-quiet",
    "-y",
];

#[derive(Debug, Default, Clone)]
pub struct Args {
    values: HashMap<String, String>,
    switches: HashSet<String>,
    /// Positional tokens, in order (used by `-runstep`, `-envcap`, `-envdelta`).
    pub remaining: Vec<String>,
    /// Every token as given, for echoing the command line.
    pub raw: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArgError {
    #[error("option {0} needs a value")]
    MissingValue(String),
    #[error("unrecognised option {0} (see megatest -h)")]
    Unknown(String),
    #[error("unrecognised arguments: {0} (see megatest -h)")]
    Stray(String),
}

impl Args {
    pub fn parse<I: IntoIterator<Item = String>>(argv: I) -> Result<Args, ArgError> {
        let raw: Vec<String> = argv.into_iter().collect();
        let mut a = Args {
            raw: raw.clone(),
            ..Args::default()
        };
        let mut it = raw.into_iter();
        while let Some(tok) = it.next() {
            if VALUE_OPTIONS.contains(&tok.as_str()) {
                let v = it
                    .next()
                    .ok_or_else(|| ArgError::MissingValue(tok.clone()))?;
                a.values.insert(tok, v);
            } else if SWITCHES.contains(&tok.as_str()) {
                a.switches.insert(tok);
            } else if tok.starts_with('-')
                && tok.len() > 1
                && a.remaining.is_empty()
                && !a.takes_remaining()
            {
                return Err(ArgError::Unknown(tok));
            } else {
                a.remaining.push(tok);
            }
        }
        if !a.remaining.is_empty() && !a.takes_remaining() {
            return Err(ArgError::Stray(a.remaining.join(" ")));
        }
        Ok(a)
    }

    fn takes_remaining(&self) -> bool {
        ["-runstep", "-envcap", "-envdelta"]
            .iter()
            .any(|o| self.values.contains_key(*o))
    }

    #[must_use]
    pub fn get(&self, opt: &str) -> Option<&str> {
        self.values.get(opt).map(String::as_str)
    }

    /// First present of several spellings (e.g. `-state` / `:state`).
    #[must_use]
    pub fn get_any(&self, opts: &[&str]) -> Option<&str> {
        opts.iter().find_map(|o| self.get(o))
    }

    #[must_use]
    pub fn has(&self, sw: &str) -> bool {
        self.switches.contains(sw) || self.values.contains_key(sw)
    }

    #[must_use]
    pub fn has_any(&self, sws: &[&str]) -> bool {
        sws.iter().any(|s| self.has(s))
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.switches.is_empty() && self.remaining.is_empty()
    }

    /// JSON output requested (`--json`, `-json` or `-dumpmode json`).
    #[must_use]
    pub fn json(&self) -> bool {
        self.has("--json") || self.has("-json") || self.get("-dumpmode") == Some("json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Args, ArgError> {
        Args::parse(s.split_whitespace().map(str::to_string))
    }

    #[test]
    fn values_and_switches() {
        let a = p("-run -target linux/1.0 -runname r1 -testpatt %").unwrap();
        assert!(a.has("-run"));
        assert_eq!(a.get("-target"), Some("linux/1.0"));
        assert_eq!(a.get("-testpatt"), Some("%"));
    }

    #[test]
    fn value_may_start_with_dash() {
        let a = p("-m -weird").unwrap();
        assert_eq!(a.get("-m"), Some("-weird"));
    }

    #[test]
    fn colon_aliases() {
        let a = p("-test-status :state COMPLETED :status PASS").unwrap();
        assert_eq!(a.get_any(&["-state", ":state"]), Some("COMPLETED"));
    }

    #[test]
    fn errors() {
        assert_eq!(
            p("-target").unwrap_err(),
            ArgError::MissingValue("-target".into())
        );
        assert_eq!(p("-bogus").unwrap_err(), ArgError::Unknown("-bogus".into()));
        assert_eq!(
            p("-run stray").unwrap_err(),
            ArgError::Stray("stray".into())
        );
    }

    #[test]
    fn runstep_takes_the_rest() {
        let a = p("-runstep build make -j4 all").unwrap();
        assert_eq!(a.get("-runstep"), Some("build"));
        assert_eq!(a.remaining, ["make", "-j4", "all"]);
    }

    #[test]
    fn last_wins() {
        let a = p("-target a/b -target c/d").unwrap();
        assert_eq!(a.get("-target"), Some("c/d"));
    }
}
