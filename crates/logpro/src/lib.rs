//! `logpro` owns the logpro 1.19 log processor: rule files (Scheme, evaluated with
//! `mt-scheme`, with the logpro procedures registered as natives), the one-pass
//! earliest-rule-wins matching of a log, triggers and sections, count and value rules,
//! the verdict and exit code (SKIP 6 > ABORT 5 > CHECK 3 > FAIL 1 > WARN 2 > WAIVE 4 >
//! PASS 0), the annotated log, the HTML report and the `.dat` summary Megatest loads.
//!
//! Deliberate differences from logpro 1.19, all for repair of accidents:
//! a `SECTION` list registers the rule under every name (quirk Q5); the summary prints
//! the real comparison symbol (Q6); a rule's `class:` is never mistaken for "failed"
//! (Q7); `[final] message` names the first failing rule of the verdict's own type; log
//! lines in the HTML report are escaped; the summary's `rx=` field is filled in.
//!
//! Megatest calls it in-process:
//! ```no_run
//! let rules = logpro::RuleSet::from_file("step.logpro").expect("rules load");
//! let log = std::fs::File::open("step.log").unwrap();
//! let outcome = rules.process(log, std::io::sink()).unwrap();
//! std::fs::write("step.dat", outcome.dat()).unwrap();
//! assert!(outcome.exit_code >= 0);
//! ```

mod date;
mod engine;
mod error;
mod hooks;
mod html;
mod load;
mod model;
mod outcome;
mod ruleset;

pub use error::LogproError;
pub use html::{syntax_error_page, STYLESHEET, VERSION};
pub use load::LOG_FILE_BODY;
pub use model::{
    Check, Cmp, Hook, Num, Pattern, Rule, RuleKind, SectionDef, Tally, Tolerance, Trigger, Where,
};
pub use outcome::{Outcome, RuleResult, TriggerResult, ValueResult};
pub use ruleset::RuleSet;

/// The `.dat` path logpro derives from the HTML path: the last extension of the file
/// name replaced by `.dat` (`x.sh.html` → `x.sh.dat`); `summary.dat` without HTML.
pub fn dat_path(html: Option<&std::path::Path>) -> std::path::PathBuf {
    match html {
        Some(h) => h.with_extension("dat"),
        None => std::path::PathBuf::from("summary.dat"),
    }
}
