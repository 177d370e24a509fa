//! The `-show-config` / `-show-runconfig` dumps (spec §1.15): s-expression (the default),
//! JSON and ini. All three use insertion order, so they are deterministic (the original's ini
//! order follows its hash table and is not).

use indexmap::IndexMap;

use crate::model::{Config, Entry, ValueKind};

/// The text a dump shows for an entry: deferred commands show as `[system CMD]`, which reads
/// back as the same deferred command.
fn shown(e: &Entry) -> String {
    match e.kind {
        ValueKind::Text => e.value.clone(),
        ValueKind::Deferred => format!("[system {}]", e.value),
    }
}

/// `{"section": {"key": "value", ...}, ...}`, pretty-printed, in order.
pub fn to_json(config: &Config) -> String {
    let map: IndexMap<&str, IndexMap<&str, String>> = config
        .sections()
        .map(|(name, s)| (name, s.iter().map(|e| (e.key.as_str(), shown(e))).collect()))
        .collect();
    serde_json::to_string_pretty(&map).expect("string maps always serialise")
}

/// `[section]` then `key value` lines per section, sections separated by a blank line. Extra
/// lines of a multi-line value are indented by two spaces, so the dump reads back to the same
/// value unless the value's second line itself starts with whitespace. With
/// `keep_filenames`, each key is preceded by `# key=>file`.
pub fn to_ini(config: &Config) -> String {
    let mut out = String::new();
    for (i, (name, section)) in config.sections().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push('[');
        out.push_str(name);
        out.push_str("]\n");
        for e in section {
            if config.keep_filenames && !e.file.is_empty() {
                out.push_str(&format!("# {}=>{}\n", e.key, e.file));
            }
            out.push_str(&e.key);
            let value = shown(e);
            let mut lines = value.split('\n');
            let first = lines.next().unwrap_or("");
            if !first.is_empty() {
                // A value that is only whitespace (a bare key with trailing spaces) is written
                // straight after the key so it reads back the same.
                if !first.starts_with(char::is_whitespace) {
                    out.push(' ');
                }
                out.push_str(first);
            }
            out.push('\n');
            for l in lines {
                out.push_str("  ");
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    out
}

/// A Scheme string literal.
fn sstr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `(("section" ("key" "value" ["file"]) ...) ...)`, one section per line.
pub fn to_sexp(config: &Config) -> String {
    let mut out = String::from("(");
    for (i, (name, section)) in config.sections().enumerate() {
        if i > 0 {
            out.push_str("\n ");
        }
        out.push('(');
        out.push_str(&sstr(name));
        for e in section {
            out.push_str(" (");
            out.push_str(&sstr(&e.key));
            out.push(' ');
            out.push_str(&sstr(&shown(e)));
            if config.keep_filenames && !e.file.is_empty() {
                out.push(' ');
                out.push_str(&sstr(&e.file));
            }
            out.push(')');
        }
        out.push(')');
    }
    out.push_str(")\n");
    out
}
