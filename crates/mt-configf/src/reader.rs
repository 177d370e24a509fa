//! The reader: physical lines to logical lines (backslash joining), `#{...}` expansion, the
//! trim setting, then classification and the effect of each kind of line (spec §1.2-§1.14).

use std::path::Path;
use std::sync::{Arc, LazyLock};

use regex::Regex;

use crate::diag::{ConfigError, Diagnostic, Problem, ReadOutcome};
use crate::helpers::{self, check_leftovers, is_ws, Env, LineCtx, SchemeEval};
use crate::host::Host;
use crate::model::{Config, Entry, ValueKind};
use crate::paths::nice_path;

/// The allow-system argument of the original (spec §1.14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SystemMode {
    /// `#t`: helpers and `KEY [system ...]` run at read time.
    #[default]
    Yes,
    /// Helpers run; `KEY [system CMD]` is stored as a [`ValueKind::Deferred`] command.
    ReturnProcs,
    /// No `#{...}` expansion at all; `KEY [system CMD]` stores the text `CMD`.
    ReturnString,
    /// `#f`: `#{system/shell/sh ...}` become the inert text `#{(KEYWORD) BODY}` and
    /// `KEY [system ...]` lines are dropped.
    No,
}

/// How to read. `Default` is the common case: system calls allowed, no environment
/// evaluation, no section filter.
#[derive(Clone)]
pub struct ReadOptions<'a> {
    pub allow_system: SystemMode,
    /// Sections whose name contains a match of this regex are environment-evaluated (§1.11):
    /// each `key value` is replaced by the first line of `/bin/sh -c 'echo value'` and set in
    /// the host's environment at once.
    pub environ_pattern: Option<Regex>,
    /// Only these sections survive, and only in them (and `default`) do system calls run
    /// (§1.12).
    pub sections_filter: Option<Vec<String>>,
    /// Record that dumps should show each entry's file (`keep-filenames`).
    pub keep_filenames: bool,
    /// Sections created empty before reading (so wildcard sections can copy into them).
    pub precreate_sections: Vec<String>,
    /// Evaluator for `#{scheme ...}`; without one those forms are errors.
    pub scheme: Option<&'a dyn SchemeEval>,
    /// A bare key also runs `setenv KEY ""` (the original does, in every file, §1.11).
    pub bare_keys_setenv: bool,
}

impl Default for ReadOptions<'_> {
    fn default() -> Self {
        ReadOptions {
            allow_system: SystemMode::Yes,
            environ_pattern: None,
            sections_filter: None,
            keep_filenames: false,
            precreate_sections: Vec::new(),
            scheme: None,
            bare_keys_setenv: true,
        }
    }
}

impl std::fmt::Debug for ReadOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOptions")
            .field("allow_system", &self.allow_system)
            .field("environ_pattern", &self.environ_pattern)
            .field("sections_filter", &self.sections_filter)
            .field("keep_filenames", &self.keep_filenames)
            .field("precreate_sections", &self.precreate_sections)
            .field("scheme", &self.scheme.is_some())
            .field("bare_keys_setenv", &self.bare_keys_setenv)
            .finish()
    }
}

/// Reads the file at `path`. A missing file is [`ConfigError::NotFound`]; everything else
/// is reported in the outcome's diagnostics.
pub fn read_config(
    path: impl AsRef<Path>,
    opts: &ReadOptions<'_>,
    host: &mut dyn Host,
) -> Result<ReadOutcome, ConfigError> {
    let path = path.as_ref();
    if !host.file_exists(path) {
        return Err(ConfigError::NotFound(path.to_path_buf()));
    }
    let text = host.read_file(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(read_config_str(&path.to_string_lossy(), &text, opts, host))
}

/// [`read_config`], then [`ReadOutcome::into_result`].
pub fn read_config_strict(
    path: impl AsRef<Path>,
    opts: &ReadOptions<'_>,
    host: &mut dyn Host,
) -> Result<Config, ConfigError> {
    read_config(path, opts, host)?.into_result()
}

/// Reads `text` as if it were the file `name` (which anchors relative includes).
pub fn read_config_str(
    name: &str,
    text: &str,
    opts: &ReadOptions<'_>,
    host: &mut dyn Host,
) -> ReadOutcome {
    read_config_str_into(Config::new(), name, text, opts, host)
}

/// Reads `text` into an existing table (`-append-config`, or a caller that seeds sections).
pub fn read_config_str_into(
    config: Config,
    name: &str,
    text: &str,
    opts: &ReadOptions<'_>,
    host: &mut dyn Host,
) -> ReadOutcome {
    let mut r = Reader {
        opts,
        host,
        config,
        diags: Vec::new(),
        trim: false,
        depth: 0,
    };
    r.config.keep_filenames |= opts.keep_filenames;
    for s in &opts.precreate_sections {
        r.config.ensure_section(s);
    }
    r.read_text(Arc::from(name), text, "default".to_string());
    ReadOutcome {
        config: r.config,
        diagnostics: r.diags,
    }
}

/// Deeper include nesting than this is treated as a cycle.
const MAX_INCLUDE_DEPTH: usize = 64;

struct Reader<'o, 'h> {
    opts: &'o ReadOptions<'o>,
    host: &'h mut dyn Host,
    config: Config,
    diags: Vec<Diagnostic>,
    /// `trim-trailing-spaces`; one settings table shared with every include (§1.6).
    trim: bool,
    depth: usize,
}

/// Where one file's reading stands.
struct FileState {
    file: Arc<str>,
    section: String,
    env_section: bool,
    /// The key a continuation line would extend, with the lead whitespace once known.
    cur_key: Option<String>,
    lead: Option<String>,
}

/// A classified logical line (spec §1.3, in matching order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Line<'a> {
    Comment,
    Blank,
    Setting(&'a str, &'a str),
    Include(&'a str),
    ScriptInc(&'a str, &'a str),
    Header(&'a str),
    SystemKey(&'a str, &'a str),
    BareKey(&'a str, &'a str),
    KeyValue(&'a str, &'a str),
    Continuation(&'a str, &'a str),
    Unparseable,
}

static SETTINGS_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[configf:settings\s+(\S+)\s+(\S+)\]\s*$").expect("regex"));
static INCLUDE_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[include\s+(.*)\]\s*$").expect("regex"));
static SCRIPTINC_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[scriptinc\s+(\S+)([^\]]*)\]\s*$").expect("regex"));
static HEADER_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\[(.*)\]\s*$").expect("regex"));
static SYSTEM_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\S+)\s+\[system\s+(\S.*)\]\s*$").expect("regex"));

/// Classifies one expanded logical line. Rules 1, 2 and 8-10 are done by hand (they cover
/// almost every line); `.` in the original's patterns does not match a newline, which only an
/// expansion result can bring in.
pub(crate) fn classify(line: &str) -> Line<'_> {
    let trimmed = line.trim_start_matches(is_ws);
    if let Some(rest) = trimmed.strip_prefix('#') {
        if !rest.contains('\n') {
            return Line::Comment;
        }
    }
    if trimmed.is_empty() {
        return Line::Blank;
    }
    if line.starts_with('[') {
        if let Some(c) = SETTINGS_RE.captures(line) {
            let (_, [n, v]) = c.extract();
            return Line::Setting(n, v);
        }
        if let Some(c) = INCLUDE_RE.captures(line) {
            let (_, [p]) = c.extract();
            return Line::Include(p);
        }
        if let Some(c) = SCRIPTINC_RE.captures(line) {
            let (_, [s, p]) = c.extract();
            return Line::ScriptInc(s, p);
        }
        if let Some(c) = HEADER_RE.captures(line) {
            let (_, [n]) = c.extract();
            return Line::Header(n);
        }
    }
    if line.contains("[system") {
        if let Some(c) = SYSTEM_RE.captures(line) {
            let (_, [k, cmd]) = c.extract();
            return Line::SystemKey(k, cmd);
        }
    }
    if trimmed.len() == line.len() {
        let key_end = line.find(is_ws).unwrap_or(line.len());
        let (key, rest) = line.split_at(key_end);
        let value = rest.trim_start_matches(is_ws);
        if value.is_empty() {
            return Line::BareKey(key, rest);
        }
        if value.contains('\n') {
            return Line::Unparseable;
        }
        return Line::KeyValue(key, value);
    }
    if trimmed.contains('\n') {
        return Line::Unparseable;
    }
    Line::Continuation(&line[..line.len() - trimmed.len()], trimmed)
}

/// A wildcard (`%`, first one only) or regex (`/.../`) section's anchored pattern.
fn section_pattern(name: &str) -> Option<Result<Regex, regex::Error>> {
    let inner = if name.len() >= 2 && name.starts_with('/') && name.ends_with('/') {
        name[1..name.len() - 1].to_string()
    } else {
        let i = name.find('%')?;
        format!("{}.*{}", &name[..i], &name[i + 1..])
    };
    Some(Regex::new(&format!("^(?:{inner})$")))
}

impl Reader<'_, '_> {
    fn diag(&mut self, file: &str, line: usize, problem: Problem) {
        self.diags.push(Diagnostic {
            file: file.to_string(),
            line,
            column: None,
            problem,
        });
    }

    fn is_env_section(&self, section: &str) -> bool {
        self.opts
            .environ_pattern
            .as_ref()
            .is_some_and(|re| re.is_match(section))
    }

    fn system_allowed(&self, section: &str) -> bool {
        match self.opts.allow_system {
            SystemMode::No | SystemMode::ReturnString => false,
            SystemMode::Yes | SystemMode::ReturnProcs => match &self.opts.sections_filter {
                None => true,
                Some(l) => section == "default" || l.iter().any(|s| s == section),
            },
        }
    }

    fn read_text(&mut self, file: Arc<str>, text: &str, start_section: String) {
        let mut st = FileState {
            env_section: self.is_env_section(&start_section),
            file,
            section: start_section,
            cur_key: None,
            lead: None,
        };
        let body = text.strip_suffix('\n').unwrap_or(text);
        let lines: Vec<&str> = if text.is_empty() {
            Vec::new()
        } else {
            body.split('\n')
                .map(|l| l.strip_suffix('\r').unwrap_or(l))
                .collect()
        };
        let mut i = 0;
        while i < lines.len() {
            let lineno = i + 1;
            let mut logical: String = lines[i].to_string();
            i += 1;
            let mut physical = 1;
            while logical.ends_with('\\') {
                logical.pop();
                if let Some(next) = lines.get(i) {
                    logical.push_str(next);
                    i += 1;
                    physical += 1;
                } else {
                    let f = st.file.clone();
                    self.diag(&f, lineno, Problem::DanglingBackslash);
                    break;
                }
            }
            self.process_line(&mut st, &logical, lineno, physical == 1);
        }
        self.end_section(&st.section);
        if let Some(keep) = &self.opts.sections_filter {
            self.config.retain_sections(|n| keep.iter().any(|k| k == n));
        }
    }

    fn process_line(&mut self, st: &mut FileState, raw: &str, lineno: usize, single: bool) {
        let system_allowed = self.system_allowed(&st.section);
        let lc = LineCtx {
            file: &st.file,
            line: lineno,
            raw,
            single_physical: single,
            system_allowed,
        };
        let expands = self.opts.allow_system != SystemMode::ReturnString && raw.contains("#{");
        let expanded: String;
        let mut line: &str = if expands {
            let mut env = Env {
                config: &self.config,
                host: &mut *self.host,
                scheme: self.opts.scheme,
                diags: &mut self.diags,
            };
            expanded = helpers::expand(raw, &lc, &mut env);
            &expanded
        } else {
            raw
        };
        if self.trim {
            line = line.trim_end_matches(is_ws);
        }
        let kind = classify(line);
        if expands && !matches!(kind, Line::Comment | Line::Blank) && line.contains("#{") {
            check_leftovers(line, &lc, &mut self.diags);
        }
        let file = st.file.clone();
        let entry = |key: &str, value: String, kind: ValueKind| Entry {
            key: key.to_string(),
            value,
            kind,
            file: file.clone(),
            line: lineno,
        };
        if !matches!(kind, Line::Continuation(..)) {
            st.lead = None;
            st.cur_key = None;
        }
        match kind {
            Line::Comment | Line::Blank => {}
            Line::Setting(name, value) => {
                if name == "trim-trailing-spaces" {
                    self.trim = value != "no";
                } else {
                    let p = Problem::UnknownSetting {
                        name: name.to_string(),
                    };
                    self.diag(&file, lineno, p);
                }
            }
            Line::Include(path) => self.include(st, path, lineno),
            Line::ScriptInc(script, params) => self.scriptinc(st, script, params, lineno),
            Line::Header(name) => {
                let prev = std::mem::replace(&mut st.section, name.to_string());
                self.end_section(&prev);
                self.config.ensure_section(name);
                st.env_section = self.is_env_section(name);
            }
            Line::SystemKey(key, cmd) => match self.opts.allow_system {
                SystemMode::ReturnString => {
                    let e = entry(key, cmd.to_string(), ValueKind::Text);
                    self.config.set_entry(&st.section, e);
                }
                _ if !system_allowed => {}
                SystemMode::ReturnProcs => {
                    let e = entry(key, cmd.to_string(), ValueKind::Deferred);
                    self.config.set_entry(&st.section, e);
                }
                _ => {
                    let out = self.host.run_shell_capture(cmd);
                    if out.exit != 0 {
                        let p = Problem::SystemFailed {
                            cmd: cmd.to_string(),
                            code: out.exit,
                        };
                        self.diag(&file, lineno, p);
                    }
                    let e = entry(key, helpers::join_lines(&out.stdout, " "), ValueKind::Text);
                    self.config.set_entry(&st.section, e);
                }
            },
            Line::BareKey(key, ws) => {
                if self.opts.bare_keys_setenv && !key.contains(':') {
                    self.host.setenv(key, ws);
                }
                self.config
                    .set_entry(&st.section, entry(key, ws.to_string(), ValueKind::Text));
                st.cur_key = Some(key.to_string());
            }
            Line::KeyValue(key, value) => {
                let value = if st.env_section {
                    let out = self.host.run_shell_capture(&format!("echo {value}"));
                    let first = out.stdout.split('\n').next().unwrap_or("").to_string();
                    if !key.contains(':') {
                        self.host.setenv(key, &first);
                    }
                    first
                } else {
                    value.to_string()
                };
                self.config
                    .set_entry(&st.section, entry(key, value, ValueKind::Text));
                st.cur_key = Some(key.to_string());
            }
            Line::Continuation(ws, rest) => self.continuation(st, ws, rest, lineno, line),
            Line::Unparseable => {
                let p = Problem::Unparseable {
                    text: line.to_string(),
                };
                self.diag(&file, lineno, p);
            }
        }
    }

    fn continuation(
        &mut self,
        st: &mut FileState,
        ws: &str,
        rest: &str,
        lineno: usize,
        line: &str,
    ) {
        let Some(key) = &st.cur_key else {
            let p = Problem::OrphanContinuation {
                text: line.to_string(),
            };
            let f = st.file.clone();
            self.diag(&f, lineno, p);
            return;
        };
        let Some(e) = self
            .config
            .section_mut(&st.section)
            .and_then(|s| s.entry_mut(key))
        else {
            return;
        };
        e.value.push('\n');
        match &st.lead {
            None => st.lead = Some(ws.to_string()),
            Some(lead) => match ws.find(lead.as_str()) {
                Some(i) => {
                    e.value.push_str(&ws[..i]);
                    e.value.push_str(&ws[i + lead.len()..]);
                }
                None => e.value.push_str(ws),
            },
        }
        e.value.push_str(rest);
    }

    /// A section ends: a wildcard or regex section copies its keys into every other existing
    /// section its pattern matches in full, then disappears (§1.7).
    fn end_section(&mut self, name: &str) {
        let Some(pattern) = section_pattern(name) else {
            return;
        };
        let Some(wild) = self.config.remove_section(name) else {
            return;
        };
        let re = match pattern {
            Ok(re) => re,
            Err(e) => {
                let (file, line) = wild
                    .iter()
                    .next()
                    .map_or((String::new(), 0), |e| (e.file.to_string(), e.line));
                let p = Problem::BadSectionPattern {
                    section: name.to_string(),
                    message: e.to_string().lines().last().unwrap_or("").to_string(),
                };
                self.diag(&file, line, p);
                return;
            }
        };
        let targets: Vec<String> = self
            .config
            .section_names()
            .filter(|n| re.is_match(n))
            .map(str::to_string)
            .collect();
        for t in targets {
            for e in &wild {
                self.config.set_entry(&t, e.clone());
            }
        }
    }

    fn include(&mut self, st: &mut FileState, path: &str, lineno: usize) {
        let resolved = if path.starts_with('/') {
            path.to_string()
        } else {
            let cwd = self.host.cwd().to_string_lossy().into_owned();
            let base = match st.file.rfind('/') {
                Some(0) => "/".to_string(),
                Some(i) if st.file.starts_with('/') => st.file[..i].to_string(),
                Some(i) => format!("{cwd}/{}", &st.file[..i]),
                None => cwd,
            };
            nice_path(path, &base, &mut *self.host)
        };
        if self.depth >= MAX_INCLUDE_DEPTH {
            let p = Problem::IncludeTooDeep {
                path: resolved,
                depth: MAX_INCLUDE_DEPTH,
            };
            let f = st.file.clone();
            self.diag(&f, lineno, p);
            return;
        }
        let rpath = Path::new(&resolved);
        if !self.host.file_exists(rpath) {
            let f = st.file.clone();
            self.diag(&f, lineno, Problem::IncludeNotFound { path: resolved });
            return;
        }
        match self.host.read_file(rpath) {
            Ok(text) => {
                self.depth += 1;
                self.read_text(Arc::from(resolved.as_str()), &text, st.section.clone());
                self.depth -= 1;
            }
            Err(e) => {
                let p = Problem::IncludeUnreadable {
                    path: resolved,
                    reason: e.to_string(),
                };
                let f = st.file.clone();
                self.diag(&f, lineno, p);
            }
        }
    }

    fn scriptinc(&mut self, st: &mut FileState, script: &str, params: &str, lineno: usize) {
        let f = st.file.clone();
        if self.depth >= MAX_INCLUDE_DEPTH {
            let p = Problem::IncludeTooDeep {
                path: script.to_string(),
                depth: MAX_INCLUDE_DEPTH,
            };
            self.diag(&f, lineno, p);
            return;
        }
        // Checked relative to the working directory, not the config's directory (§1.5).
        let sp = Path::new(script);
        if !(self.host.file_exists(sp) && self.host.is_executable(sp)) {
            self.diag(
                &f,
                lineno,
                Problem::ScriptNotFound {
                    script: script.to_string(),
                },
            );
            return;
        }
        // The exit status is ignored, as in the original.
        let out = self.host.run_shell_capture(&format!("{script}{params}"));
        self.depth += 1;
        self.read_text(Arc::from(script), &out.stdout, st.section.clone());
        self.depth -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_table() {
        use Line::*;
        let cases: &[(&str, Line<'_>)] = &[
            ("# c", Comment),
            ("   # indented comment", Comment),
            ("", Blank),
            ("   \t", Blank),
            (
                "[configf:settings trim-trailing-spaces yes]",
                Setting("trim-trailing-spaces", "yes"),
            ),
            ("[configf:settings x]", Header("configf:settings x")),
            ("[include a file.config]  ", Include("a file.config")),
            ("[include a] b]", Include("a] b")),
            ("[scriptinc ./gen.sh a b]", ScriptInc("./gen.sh", " a b")),
            ("[scriptinc s.sh]", ScriptInc("s.sh", "")),
            ("[a b c]", Header("a b c")),
            ("[]", Header("")),
            ("[foo] trailing", KeyValue("[foo]", "trailing")),
            ("[include x] # c", KeyValue("[include", "x] # c")),
            ("KEY [system ls -l]", SystemKey("KEY", "ls -l")),
            ("KEY [system ls]  ", SystemKey("KEY", "ls")),
            (
                "KEY /a/[system echo x]/b",
                KeyValue("KEY", "/a/[system echo x]/b"),
            ),
            ("KEY [system]", KeyValue("KEY", "[system]")),
            ("KEY", BareKey("KEY", "")),
            ("KEY  ", BareKey("KEY", "  ")),
            ("KEY   value  with  ", KeyValue("KEY", "value  with  ")),
            ("runfirst/sum% x", KeyValue("runfirst/sum%", "x")),
            (
                "key value # not a comment",
                KeyValue("key", "value # not a comment"),
            ),
            ("  cont", Continuation("  ", "cont")),
            ("\t cont x", Continuation("\t ", "cont x")),
            ("key a\nb", Unparseable),
        ];
        for (line, want) in cases {
            assert_eq!(classify(line), *want, "{line:?}");
        }
    }

    #[test]
    fn section_pattern_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("a/%/b", "a/2/b", true),
            ("a/%/b", "a/2/c", false),
            ("%/%/%", "a/b/c", false),
            ("%/%/%", "a/%/%", true),
            ("v1.60/15/%", "v1.60/15/x", true),
            ("v1.60/15/%", "v1x60/15/x", true),
            ("/v1.6.*dev/", "v1.65dev", true),
            ("/v1.6.*dev/", "xv1.65dev", false),
            ("/.*/", "default", true),
            ("/1.*/", "1/2", true),
            ("/a/", "A", false),
        ];
        for (name, target, want) in cases {
            let re = section_pattern(name).expect("pattern").expect("valid");
            assert_eq!(re.is_match(target), *want, "[{name}] vs {target}");
        }
        assert!(section_pattern("plain/name").is_none());
    }
}
