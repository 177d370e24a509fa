//! Diagnostics (collected, never first-only) and the reader's hard errors.

use std::fmt;
use std::path::PathBuf;

use crate::model::Config;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// What went wrong on one line. The `Display` text is the message without location.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// No rule of the line grammar matched (spec §1.3 rule 11); the line is ignored.
    #[error("cannot parse line {text:?}")]
    Unparseable { text: String },
    /// The last line of the file ends in `\` (undefined in the original).
    #[error("line continuation '\\' at the end of the file")]
    DanglingBackslash,
    /// An indented line with no key before it to continue; the original ignores it silently.
    #[error("indented line ignored, there is no key to continue: {text:?}")]
    OrphanContinuation { text: String },
    /// `[include PATH]` whose file does not exist (silent in the original).
    #[error("include file not found: {path}")]
    IncludeNotFound { path: String },
    #[error("cannot read include file {path}: {reason}")]
    IncludeUnreadable { path: String, reason: String },
    #[error("includes nested more than {depth} deep (an include cycle?): {path}")]
    IncludeTooDeep { path: String, depth: usize },
    #[error("script not found or not executable: {script}")]
    ScriptNotFound { script: String },
    #[error("unknown reader setting '{name}' in [configf:settings ...]")]
    UnknownSetting { name: String },
    /// `#{word body}` where `word` is not a helper (left literal in the original).
    #[error("unknown helper '{keyword}' in {form}")]
    UnknownHelper { keyword: String, form: String },
    /// A helper keyword whose form cannot match: no whitespace after the keyword, no closing
    /// `}`, or braces inside the body.
    #[error("malformed helper '{keyword}' in {text:?} (want #{{{keyword} BODY}} with no braces in BODY)")]
    MalformedHelper { keyword: String, text: String },
    /// `#{shell CMD}` / `#{sh CMD}` exited non-zero; replaced by `""`.
    #[error("command in {form} returned bad exit code {code}")]
    ShellFailed { form: String, code: i32 },
    /// `KEY [system CMD]` exited non-zero; the output is still used.
    #[error("[system {cmd}] returned exit code {code} (its output is still used)")]
    SystemFailed { cmd: String, code: i32 },
    #[error("unescaped '\"' in {form} (write \\\" in helper bodies)")]
    UnescapedQuote { form: String },
    #[error("{form} needs a section and a key")]
    GetNeedsTwoTokens { form: String },
    #[error("no Scheme evaluator is available for {form}")]
    NoSchemeEvaluator { form: String },
    #[error("Scheme evaluation failed in {form}: {message}")]
    SchemeFailed { form: String, message: String },
    #[error("invalid pattern section [{section}]: {message}")]
    BadSectionPattern { section: String, message: String },
    #[error("#{{...}} expansion does not terminate (a helper result keeps producing helpers)")]
    ExpansionLoop,
}

impl Problem {
    pub fn severity(&self) -> Severity {
        match self {
            Problem::OrphanContinuation { .. }
            | Problem::IncludeNotFound { .. }
            | Problem::ScriptNotFound { .. }
            | Problem::UnknownSetting { .. }
            | Problem::SystemFailed { .. } => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

/// One problem at one place. `Display` is a single line:
/// `FILE:LINE[:COL]: [warning: ]MESSAGE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    /// 1-based; the first physical line of a backslash-joined logical line.
    pub line: usize,
    /// 1-based character column, when it can be pinned in the source line.
    pub column: Option<usize>,
    pub problem: Problem,
}

impl Diagnostic {
    pub fn severity(&self) -> Severity {
        self.problem.severity()
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let Some(c) = self.column {
            write!(f, ":{c}")?;
        }
        let sev = match self.severity() {
            Severity::Warning => "warning: ",
            Severity::Error => "",
        };
        write!(f, ": {sev}{}", self.problem)
    }
}

/// The result of a read: the table, plus everything worth telling the user.
#[derive(Debug, Clone)]
pub struct ReadOutcome {
    pub config: Config,
    pub diagnostics: Vec<Diagnostic>,
}

impl ReadOutcome {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }

    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }

    /// The config, or every error-severity diagnostic as [`ConfigError::Invalid`]. Warnings
    /// are dropped; read them from `diagnostics` first if they matter.
    pub fn into_result(self) -> Result<Config, ConfigError> {
        let errors: Vec<Diagnostic> = self
            .diagnostics
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect();
        if errors.is_empty() {
            Ok(self.config)
        } else {
            Err(ConfigError::Invalid(Diagnostics(errors)))
        }
    }
}

/// A list of diagnostics that displays one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Failures that stop a read, or that a strict caller turns diagnostics into.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The top-level file does not exist (the original returns "no config").
    #[error("config file not found: {}", .0.display())]
    NotFound(PathBuf),
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Error-severity diagnostics, one per line.
    #[error("{0}")]
    Invalid(Diagnostics),
}
