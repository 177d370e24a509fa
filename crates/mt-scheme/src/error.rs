//! The one error type of the interpreter: what went wrong, and where (source name + line).

use std::fmt;

/// What kind of failure a [`SchemeError`] is.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorKind {
    /// The text could not be read (unbalanced parens, bad literal, ...).
    Read,
    /// A form is outside the supported subset or malformed (`(let x)`, `(define)`).
    Syntax,
    /// A variable has no binding.
    Unbound,
    /// A procedure was called with bad arguments, or a runtime check failed.
    Runtime,
    /// The evaluation nested deeper than the interpreter's limit.
    DepthLimit,
    /// `(exit N)` was called; the host decides what to do with the code.
    Exit(i32),
}

/// An error raised while reading or evaluating Scheme text. `Display` prints
/// `MESSAGE at SOURCE:LINE` when the location is known.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct SchemeError {
    pub kind: ErrorKind,
    pub message: String,
    pub source_name: Option<String>,
    pub line: Option<u32>,
}

impl fmt::Display for SchemeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        match (&self.source_name, self.line) {
            (Some(s), Some(l)) => write!(f, " at {s}:{l}"),
            (Some(s), None) => write!(f, " in {s}"),
            (None, Some(l)) => write!(f, " at line {l}"),
            (None, None) => Ok(()),
        }
    }
}

impl SchemeError {
    /// A runtime error without location; the evaluator adds the location of the call.
    pub fn msg(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Runtime, message)
    }

    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        SchemeError {
            kind,
            message: message.into(),
            source_name: None,
            line: None,
        }
    }

    /// Fill in the location unless an inner (more precise) one is already set.
    pub fn at(mut self, source_name: &str, line: u32) -> Self {
        if self.source_name.is_none() {
            self.source_name = Some(source_name.to_string());
        }
        if self.line.is_none() && line > 0 {
            self.line = Some(line);
        }
        self
    }

    /// The exit code when this error is an `(exit N)` request.
    pub fn exit_code(&self) -> Option<i32> {
        match self.kind {
            ErrorKind::Exit(c) => Some(c),
            _ => None,
        }
    }
}

pub type Result<T> = std::result::Result<T, SchemeError>;
