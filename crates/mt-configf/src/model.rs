//! The parsed table: ordered sections of ordered entries (spec §1.1).

use std::sync::Arc;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::host::Host;

/// What kind of value an entry holds (spec §1.1, §1.9, §1.14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ValueKind {
    /// Ordinary text.
    #[default]
    Text,
    /// `KEY [system CMD]` read in `return-procs` mode: `value` holds `CMD`, which the caller
    /// runs later with [`Entry::run_deferred`].
    Deferred,
}

/// One `key value` entry, with where it was defined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub key: String,
    /// The value text; for [`ValueKind::Deferred`] the command text.
    pub value: String,
    pub kind: ValueKind,
    /// The file (as named to the reader, or the resolved include path) the entry came from;
    /// empty for entries set by code.
    pub file: Arc<str>,
    /// 1-based line of the (first physical line of the) defining line; 0 when set by code.
    pub line: usize,
}

impl Entry {
    /// A plain text entry with no source location.
    pub fn text(key: impl Into<String>, value: impl Into<String>) -> Self {
        Entry {
            key: key.into(),
            value: value.into(),
            kind: ValueKind::Text,
            file: Arc::from(""),
            line: 0,
        }
    }

    pub fn is_deferred(&self) -> bool {
        self.kind == ValueKind::Deferred
    }

    /// Runs a deferred `[system CMD]` value now, with the same rule as at read time (stdout
    /// lines joined with single spaces). Returns the text and the exit code; text values are
    /// returned unchanged with exit code 0.
    pub fn run_deferred(&self, host: &mut dyn Host) -> (String, i32) {
        match self.kind {
            ValueKind::Text => (self.value.clone(), 0),
            ValueKind::Deferred => {
                let out = host.run_shell_capture(&self.value);
                (crate::helpers::join_lines(&out.stdout, " "), out.exit)
            }
        }
    }
}

/// A section: entries in definition order, keys unique (the last definition wins and moves
/// to the end).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    entries: IndexMap<String, Entry>,
}

impl Section {
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.get(key).map(|e| e.value.as_str())
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    pub(crate) fn entry_mut(&mut self, key: &str) -> Option<&mut Entry> {
        self.entries.get_mut(key)
    }

    /// Adds or replaces an entry; a replaced key moves to the end (`config:assoc-safe-add`).
    pub fn insert(&mut self, entry: Entry) {
        self.entries.shift_remove(&entry.key);
        self.entries.insert(entry.key.clone(), entry);
    }

    /// Removes `key`, keeping the order of the others.
    pub fn remove(&mut self, key: &str) -> Option<Entry> {
        self.entries.shift_remove(key)
    }

    /// Entries in order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<'a> IntoIterator for &'a Section {
    type Item = &'a Entry;
    type IntoIter = indexmap::map::Values<'a, String, Entry>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.values()
    }
}

/// A parsed config: sections in first-appearance order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    sections: IndexMap<String, Section>,
    /// Whether dumps show each entry's source file (`keep-filenames`, spec §1.1).
    pub keep_filenames: bool,
}

impl Config {
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of `key` in `section`.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.sections.get(section).and_then(|s| s.get(key))
    }

    /// Looks in `section`, then in `default` (the `-show-runconfig` and `rget` fallback).
    pub fn get_or_default(&self, section: &str, key: &str) -> Option<&str> {
        self.get(section, key).or_else(|| self.get("default", key))
    }

    pub fn entry(&self, section: &str, key: &str) -> Option<&Entry> {
        self.sections.get(section).and_then(|s| s.entry(key))
    }

    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.get(name)
    }

    pub fn section_mut(&mut self, name: &str) -> Option<&mut Section> {
        self.sections.get_mut(name)
    }

    pub fn has_section(&self, name: &str) -> bool {
        self.sections.contains_key(name)
    }

    /// Sections in order.
    pub fn sections(&self) -> impl Iterator<Item = (&str, &Section)> {
        self.sections.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn section_names(&self) -> impl Iterator<Item = &str> {
        self.sections.keys().map(String::as_str)
    }

    /// Creates `name` empty if it does not exist, and returns it.
    pub fn ensure_section(&mut self, name: &str) -> &mut Section {
        if !self.sections.contains_key(name) {
            self.sections.insert(name.to_string(), Section::new());
        }
        self.sections.get_mut(name).expect("section just ensured")
    }

    /// Sets a text value (later wins, moves to the end), creating the section if needed.
    pub fn set(&mut self, section: &str, key: &str, value: &str) {
        self.ensure_section(section).insert(Entry::text(key, value));
    }

    /// Sets a full entry in `section`.
    pub fn set_entry(&mut self, section: &str, entry: Entry) {
        self.ensure_section(section).insert(entry);
    }

    pub fn remove_section(&mut self, name: &str) -> Option<Section> {
        self.sections.shift_remove(name)
    }

    pub(crate) fn retain_sections(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.sections.retain(|k, _| keep(k));
    }

    pub fn len(&self) -> usize {
        self.sections.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }
}
