//! Megatest's config-file language, the one reader behind `megatest.config`,
//! `runconfigs.config`, `testconfig`, included files and logpro `.dat` files (spec
//! `config-and-area.md` §1).
//!
//! This crate owns: the line grammar (backslash joining, `#{...}` expansion on every line,
//! the trim setting, the classification rules in their exact order), multi-line values,
//! `[include]` and `[scriptinc]`, `[configf:settings ...]`, wildcard and regex sections,
//! `KEY [system CMD]`, environment-evaluated sections, section filtering, the four reader
//! modes, the `#{...}` helpers, and the three `-show-config` dumps. It does not know what any
//! key means; typed areas are built on top of it.
//!
//! # Using it
//!
//! ```
//! use mt_configf::{read_config_str, FakeHost, ReadOptions};
//!
//! let mut host = FakeHost::new().with_env("USER", "ann");
//! let text = "[setup]\nowner #{getenv USER}\nmax_concurrent_jobs 4\n";
//! let out = read_config_str("megatest.config", text, &ReadOptions::default(), &mut host);
//! assert!(out.diagnostics.is_empty());
//! assert_eq!(out.config.get("setup", "owner"), Some("ann"));
//! ```
//!
//! * [`read_config`] / [`read_config_str`] return a [`ReadOutcome`]: the [`Config`] plus every
//!   [`Diagnostic`] (file, line, column where it can be pinned, severity). A missing top-level
//!   file is [`ConfigError::NotFound`]. [`ReadOutcome::into_result`] (and
//!   [`read_config_strict`]) turn error-severity diagnostics into [`ConfigError::Invalid`].
//! * All side effects go through a [`Host`]: [`RealHost`] (`/bin/sh -c`, the file system, the
//!   process environment seen through an overlay of the reader's own changes) or [`FakeHost`]
//!   (all in memory, for tests). Environment changes stay in the host until the caller applies
//!   them ([`RealHost::apply_to_process`]).
//! * `#{scheme ...}` / `#{scm ...}` go to a [`SchemeEval`] given in [`ReadOptions::scheme`];
//!   without one they are errors, never silently empty (spec README decision 5).
//! * Dumps: [`to_sexp`] (default `-show-config`), [`to_json`], [`to_ini`], all in insertion
//!   order.
//!
//! # Where we are stricter than the original
//!
//! The original logs some of these and is silent about others; we report them all, keep
//! reading, and keep the original's result text:
//!
//! | situation | severity | value / effect |
//! |---|---|---|
//! | `#{shell CMD}` exits non-zero | error | `""` |
//! | `#{word BODY}` with an unknown `word` | error | left literal |
//! | a helper keyword whose form cannot match (`#{mtrah}`, missing `}`) | error | left literal |
//! | `#{scheme}` with no evaluator, or evaluation fails | error | `#{(scheme) BODY}` |
//! | unescaped `"` in a helper body; `#{get}` with one token | error | `#{(KW) BODY}` |
//! | unparseable line (only reachable when an expansion inserts a newline) | error | ignored |
//! | `\` on the last line | error | the `\` is dropped |
//! | missing `[include]` file | warning | skipped |
//! | missing or non-executable `[scriptinc]` script | warning | skipped |
//! | `KEY [system CMD]` exits non-zero | warning | output still used |
//! | indented line with no key to continue | warning | ignored |
//! | unknown `[configf:settings NAME ...]` | warning | ignored |
//!
//! Other choices: `#{realpath ...}` is accepted as an alias of `#{rp ...}`; a backslash in a
//! helper body followed by anything but `"`, `\`, `n`, `t` is kept as written.

mod diag;
mod dump;
mod helpers;
mod host;
mod model;
mod paths;
mod reader;

pub use diag::{ConfigError, Diagnostic, Diagnostics, Problem, ReadOutcome, Severity};
pub use dump::{to_ini, to_json, to_sexp};
pub use helpers::{EvalContext, SchemeEval, KEYWORDS};
pub use host::{FakeHost, Host, RealHost, ShellOutput};
pub use model::{Config, Entry, Section, ValueKind};
pub use paths::nice_path;
pub use reader::{
    read_config, read_config_str, read_config_str_into, read_config_strict, ReadOptions, SystemMode,
};
