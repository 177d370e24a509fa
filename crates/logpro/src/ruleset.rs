//! A loaded, compiled rule set, ready to process any number of logs.

use crate::error::LogproError;
use crate::load::{load_sources, Builder};
use crate::model::{Hook, Rule, SectionDef, Trigger};
use regex_automata::meta;
use std::collections::HashMap;
use std::path::Path;

/// The rules, triggers, sections and hooks of a command file (plus its waiver file).
#[derive(Debug)]
pub struct RuleSet {
    pub(crate) name: String,
    pub(crate) rules: Vec<Rule>,
    pub(crate) triggers: Vec<Trigger>,
    pub(crate) sections: Vec<SectionDef>,
    pub(crate) section_names: Vec<String>,
    pub(crate) hooks: HashMap<String, Hook>,
    pub(crate) summdat: bool,
    pub(crate) load_output: String,
    pub(crate) errors: Vec<LogproError>,
    /// One multi-pattern matcher over every rule pattern, in rule order, so a line is
    /// scanned once whatever the number of rules.
    pub(crate) set: Option<meta::Regex>,
    /// Pattern id in `set` → (rule index, pattern index within the rule).
    pub(crate) pat_rule: Vec<(usize, usize)>,
    /// Per trigger: (section index, activate?) for each section it opens or closes.
    pub(crate) trigger_actions: Vec<Vec<(usize, bool)>>,
}

impl RuleSet {
    /// Load a command file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<RuleSet, LogproError> {
        Self::from_files(None::<&Path>, path)
    }

    /// Load a command file, preceded by a waiver file when that exists and is readable
    /// (its rules get the lower numbers, so they win ties).
    pub fn from_files(
        waiver: Option<impl AsRef<Path>>,
        path: impl AsRef<Path>,
    ) -> Result<RuleSet, LogproError> {
        let path = path.as_ref();
        let mut sources = Vec::new();
        if let Some(w) = waiver {
            if let Ok(text) = std::fs::read_to_string(w.as_ref()) {
                sources.push((w.as_ref().display().to_string(), text));
            }
        }
        let text = std::fs::read_to_string(path)
            .map_err(|_| LogproError::NotFound(path.display().to_string()))?;
        sources.push((path.display().to_string(), text));
        load_sources(&sources)
    }

    /// Load rules from text; `name` is used in error messages.
    pub fn from_str(name: &str, text: &str) -> Result<RuleSet, LogproError> {
        load_sources(&[(name.to_string(), text.to_string())])
    }

    pub(crate) fn build(name: String, b: Builder, load_output: String) -> RuleSet {
        let mut pats = Vec::new();
        let mut pat_rule = Vec::new();
        for (ri, r) in b.rules.iter().enumerate() {
            for (pi, p) in r.patterns.iter().enumerate() {
                pats.push(p.regex.as_str().to_string());
                pat_rule.push((ri, pi));
            }
        }
        // MatchKind::All: we need every pattern that matches a line, not just the
        // leftmost-first one, to pick the lowest-numbered candidate rule.
        let set = if pats.is_empty() {
            None
        } else {
            meta::Builder::new()
                .configure(meta::Config::new().match_kind(regex_automata::MatchKind::All))
                .build_many(&pats)
                .ok()
        };
        let trigger_actions = b
            .triggers
            .iter()
            .map(|t| {
                b.sections
                    .iter()
                    .filter_map(|s| {
                        if s.start == t.name {
                            Some((s.section, true))
                        } else if s.end == t.name {
                            Some((s.section, false))
                        } else {
                            None
                        }
                    })
                    .collect()
            })
            .collect();
        let summdat = b
            .settings
            .get("summdat")
            .is_none_or(mt_scheme::Value::is_true);
        RuleSet {
            name,
            rules: b.rules,
            triggers: b.triggers,
            sections: b.sections,
            section_names: b.section_names,
            hooks: b.hooks,
            summdat,
            load_output,
            errors: b.errors,
            set,
            pat_rule,
            trigger_actions,
        }
    }

    /// The command file's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Registered (non-expired, valid) rules in number order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
    /// Triggers in registration order (the built-in `LogFileBodyStart` first).
    pub fn triggers(&self) -> &[Trigger] {
        &self.triggers
    }
    /// `(section ...)` definitions, the built-in `LogFileBody` first.
    pub fn sections(&self) -> &[SectionDef] {
        &self.sections
    }
    /// Section names known to the rule set (index = section id used in [`Rule::sections`]).
    pub fn section_names(&self) -> &[String] {
        &self.section_names
    }
    /// Non-fatal rule errors ("code errors"): each makes the verdict at least FAIL.
    pub fn errors(&self) -> &[LogproError] {
        &self.errors
    }
    /// What loading printed: `display` output, `ERROR:` lines, expired-rule notices.
    pub fn load_output(&self) -> &str {
        &self.load_output
    }
    /// Whether the `.dat` summary should be written (`(logpro:set! "summdat" #f)` turns it off).
    pub fn summdat(&self) -> bool {
        self.summdat
    }
}
