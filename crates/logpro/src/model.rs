//! The registered rules, triggers and sections, and the vocabulary of rule types.

use regex::bytes::Regex;

/// The rule types of logpro 1.19 (the `expect:*` family).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    Error,
    Required,
    RequiredWarn,
    Warning,
    Check,
    Abort,
    Skip,
    Waive,
    Ignore,
    Note,
    Value,
}

/// Which verdict bucket a failing rule counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tally {
    Errs,
    Warns,
    Checks,
    Aborts,
    Skips,
    Waives,
}

impl RuleKind {
    /// The type symbol (`error`, `required-warn`, ...): CSS class and `[final] message` prefix.
    pub fn symbol(self) -> &'static str {
        match self {
            RuleKind::Error => "error",
            RuleKind::Required => "required",
            RuleKind::RequiredWarn => "required-warn",
            RuleKind::Warning => "warning",
            RuleKind::Check => "check",
            RuleKind::Abort => "abort",
            RuleKind::Skip => "skip",
            RuleKind::Waive => "waive",
            RuleKind::Ignore => "ignore",
            RuleKind::Note => "note",
            RuleKind::Value => "value",
        }
    }

    /// The label printed in messages and the `.dat` `type` key.
    pub fn label(self) -> &'static str {
        match self {
            RuleKind::Error => "Error",
            RuleKind::Required => "Required",
            RuleKind::RequiredWarn => "Required-warn",
            RuleKind::Warning => "Warning",
            RuleKind::Check => "Check",
            RuleKind::Abort => "Abort",
            RuleKind::Skip => "Skip",
            RuleKind::Waive => "Waive",
            RuleKind::Ignore => "Ignore",
            RuleKind::Note => "Note",
            RuleKind::Value => "Value",
        }
    }

    /// Colour used when no stylesheet is available.
    pub fn colour(self) -> &'static str {
        match self {
            RuleKind::Error => "red",
            RuleKind::Required => "purple",
            RuleKind::RequiredWarn | RuleKind::Warning => "orange",
            RuleKind::Check => "pink",
            RuleKind::Abort => "crimson",
            RuleKind::Skip => "#d1db64",
            RuleKind::Waive => "brown",
            RuleKind::Ignore => "green",
            RuleKind::Note => "darkyellow",
            RuleKind::Value => "blue",
        }
    }

    /// The tally a failing rule of this type increments; ignore and note have none.
    pub fn tally(self) -> Option<Tally> {
        match self {
            RuleKind::Error | RuleKind::Required | RuleKind::Value => Some(Tally::Errs),
            RuleKind::Warning | RuleKind::RequiredWarn => Some(Tally::Warns),
            RuleKind::Check => Some(Tally::Checks),
            RuleKind::Abort => Some(Tally::Aborts),
            RuleKind::Skip => Some(Tally::Skips),
            RuleKind::Waive => Some(Tally::Waives),
            RuleKind::Ignore | RuleKind::Note => None,
        }
    }

    /// Parse a type symbol as given to `(expect ... type: 'warning)`.
    pub fn from_symbol(s: &str) -> Option<RuleKind> {
        Some(match s {
            "error" => RuleKind::Error,
            "required" => RuleKind::Required,
            "required-warn" => RuleKind::RequiredWarn,
            "warning" | "warn" => RuleKind::Warning,
            "check" => RuleKind::Check,
            "abort" => RuleKind::Abort,
            "skip" => RuleKind::Skip,
            "waive" | "waived" | "waiver" => RuleKind::Waive,
            "ignore" => RuleKind::Ignore,
            "note" => RuleKind::Note,
            _ => return None,
        })
    }
}

/// `in` or `not-in` (`before`/`after` are accepted but never match).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    In,
    NotIn,
    Never,
}

impl Where {
    pub fn word(self) -> &'static str {
        match self {
            Where::In => "in",
            Where::NotIn => "not-in",
            Where::Never => "never",
        }
    }
}

/// The comparison procedures a count rule (or a value tolerance) may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Lt,
    Gt,
    Le,
    Ge,
}

impl Cmp {
    pub fn from_name(name: &str) -> Option<Cmp> {
        Some(match name {
            "=" => Cmp::Eq,
            "<" => Cmp::Lt,
            ">" => Cmp::Gt,
            "<=" => Cmp::Le,
            ">=" => Cmp::Ge,
            _ => return None,
        })
    }
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Eq => "=",
            Cmp::Lt => "<",
            Cmp::Gt => ">",
            Cmp::Le => "<=",
            Cmp::Ge => ">=",
        }
    }
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Cmp::Eq => a == b,
            Cmp::Lt => a < b,
            Cmp::Gt => a > b,
            Cmp::Le => a <= b,
            Cmp::Ge => a >= b,
        }
    }
}

/// A number as written in the rule file: kept exact/inexact so `=` can be an identity test
/// (logpro's quirk Q4: `= 1.0` never matches an integer count).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    pub fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Num::Int(i) => write!(f, "{i}"),
            Num::Float(x) => f.write_str(&mt_scheme::format_float(*x)),
        }
    }
}

/// A value rule's tolerance: absolute (`EXPECTED ± TOL`) or an operator applied as
/// `(OP measured EXPECTED)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    Abs(Num),
    Op(Cmp),
}

/// One compiled pattern and the text shown for it in reports.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub regex: Regex,
    /// `/BODY/FLAGS` for literals, `no regex found` for `(regexp ...)` values.
    pub source: String,
}

/// What a rule checks.
#[derive(Debug, Clone)]
pub enum Check {
    /// `(COMPARISON count VALUE)` after the whole log.
    Count { cmp: Cmp, value: Num },
    /// Measurements from capture group `matchnum`.
    Value {
        expected: Num,
        tol: Tolerance,
        matchnum: usize,
    },
}

/// A registered rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Registration number: identity and priority (lower wins).
    pub num: usize,
    pub kind: RuleKind,
    pub place: Where,
    /// Section indices (into [`crate::RuleSet::section_names`]).
    pub sections: Vec<usize>,
    pub check: Check,
    pub desc: String,
    pub patterns: Vec<Pattern>,
    pub hook: Option<String>,
    pub class: Option<String>,
}

/// A trigger: fires at most `limit` times on lines matching any pattern.
#[derive(Debug, Clone)]
pub struct Trigger {
    pub name: String,
    pub limit: u64,
    pub required: bool,
    pub patterns: Vec<Pattern>,
}

/// `(section NAME START END)` with names resolved to section indices.
#[derive(Debug, Clone)]
pub struct SectionDef {
    pub section: usize,
    pub start: String,
    pub end: String,
}

/// `(hook:add NAME COMMAND [one-time: #t])`.
#[derive(Debug, Clone)]
pub struct Hook {
    pub command: String,
    pub one_time: bool,
}
