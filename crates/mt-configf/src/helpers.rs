//! `#{...}` helper expansion (spec §1.8): the exact matcher (rightmost form first, spliced
//! back and re-scanned, so nested forms evaluate inside-out), the helpers themselves, and the
//! check for helper-looking text that was left unexpanded.

use std::borrow::Cow;

use crate::diag::{Diagnostic, Problem};
use crate::host::Host;
use crate::model::Config;
use crate::paths::nice_path;

/// The keywords the matcher accepts. `realpath` is ours: the original only matches `rp`.
pub const KEYWORDS: &[&str] = &[
    "scheme",
    "system",
    "shell",
    "getenv",
    "get",
    "runconfigs-get",
    "rget",
    "scm",
    "sh",
    "rp",
    "gv",
    "g",
    "mtrah",
    "realpath",
];

/// More expansions than this on one line means a helper result keeps producing helpers.
const MAX_EXPANSIONS: usize = 10_000;

/// Evaluates the body of `#{scheme EXPR}` / `#{scm EXPR}`. Implemented outside this crate
/// (by the embedded Scheme); without one, scheme forms are errors.
pub trait SchemeEval {
    /// Returns the `display` text of the value of `expr`, or an error message.
    fn eval(&self, expr: &str, ctx: &mut EvalContext<'_>) -> Result<String, String>;
}

/// What a Scheme expression may see while a config is being read.
pub struct EvalContext<'a> {
    /// The file and line of the form (for messages).
    pub file: &'a str,
    pub line: usize,
    /// The table read so far (`ht` in the original).
    pub config: &'a Config,
    /// The environment and commands (`getenv`, `unsetenv`, ...).
    pub host: &'a mut dyn Host,
}

/// Per-line facts the helpers need.
pub(crate) struct LineCtx<'a> {
    pub file: &'a str,
    pub line: usize,
    /// The logical line before expansion, for columns.
    pub raw: &'a str,
    /// Whether `raw` is a single physical line (columns are only given then).
    pub single_physical: bool,
    /// `#{system}`, `#{shell}`, `#{sh}` may run here.
    pub system_allowed: bool,
}

impl LineCtx<'_> {
    fn diag(&self, problem: Problem, needle: Option<&str>) -> Diagnostic {
        let column = match needle {
            Some(n) if self.single_physical => {
                self.raw.find(n).map(|b| self.raw[..b].chars().count() + 1)
            }
            _ => None,
        };
        Diagnostic {
            file: self.file.to_string(),
            line: self.line,
            column,
            problem,
        }
    }
}

/// Mutable state the helpers touch.
pub(crate) struct Env<'a> {
    pub config: &'a Config,
    pub host: &'a mut dyn Host,
    pub scheme: Option<&'a dyn SchemeEval>,
    pub diags: &'a mut Vec<Diagnostic>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Form<'t> {
    start: usize,
    end: usize,
    keyword: &'t str,
    body: &'t str,
}

pub(crate) fn is_ws(c: char) -> bool {
    c.is_whitespace()
}

/// The form that starts at `pos` (the index of `#`), if it matches the original's regex there:
/// a keyword, at least one whitespace character, a body with no braces, then `}`.
fn form_at(text: &str, pos: usize) -> Option<Form<'_>> {
    let kw_start = pos + 2;
    let after = &text[kw_start..];
    let kw_len = after.find(is_ws)?;
    let keyword = &after[..kw_len];
    if !KEYWORDS.contains(&keyword) {
        return None;
    }
    let rest = &after[kw_len..];
    let body_start = kw_start + kw_len + (rest.len() - rest.trim_start_matches(is_ws).len());
    let tail = &text[body_start..];
    let close = tail.find(['{', '}'])?;
    if !tail[close..].starts_with('}') {
        return None;
    }
    Some(Form {
        start: pos,
        end: body_start + close + 1,
        keyword,
        body: &tail[..close],
    })
}

/// The rightmost matching form (the greedy `^(.*)#\{...` of the original).
fn rightmost_form(text: &str) -> Option<Form<'_>> {
    text.rmatch_indices("#{")
        .find_map(|(pos, _)| form_at(text, pos))
}

/// Expands every helper in `text`.
pub(crate) fn expand(text: &str, lc: &LineCtx<'_>, env: &mut Env<'_>) -> String {
    let mut text = text.to_string();
    for _ in 0..MAX_EXPANSIONS {
        let Some(form) = rightmost_form(&text) else {
            return text;
        };
        let whole = &text[form.start..form.end];
        let value = eval_form(form.keyword, form.body, whole, lc, env);
        let mut next = String::with_capacity(text.len() + value.len());
        next.push_str(&text[..form.start]);
        next.push_str(&value);
        next.push_str(&text[form.end..]);
        text = next;
    }
    env.diags.push(lc.diag(Problem::ExpansionLoop, None));
    text
}

/// The text a form becomes when it is not run: `#{(KEYWORD) BODY}`, which never matches again.
fn inert(keyword: &str, body: &str) -> String {
    format!("#{{({keyword}) {body}}}")
}

/// Shell output as the original reads it: lines (a final newline ends the last line, it does
/// not start an empty one) joined with `sep`.
pub(crate) fn join_lines(out: &str, sep: &str) -> String {
    let body = out.strip_suffix('\n').unwrap_or(out);
    body.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect::<Vec<_>>()
        .join(sep)
}

/// The body read as the inside of a Scheme string literal: `\"`, `\\`, `\n`, `\t` become
/// their characters; any other backslash stays; a bare `"` is an error.
fn unescape(body: &str) -> Result<Cow<'_, str>, ()> {
    if !body.contains(['\\', '"']) {
        return Ok(Cow::Borrowed(body));
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Err(()),
            '\\' => match chars.next() {
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(o) => {
                    out.push('\\');
                    out.push(o);
                }
                None => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    Ok(Cow::Owned(out))
}

fn eval_form(
    keyword: &str,
    body: &str,
    whole: &str,
    lc: &LineCtx<'_>,
    env: &mut Env<'_>,
) -> String {
    if matches!(keyword, "scheme" | "scm") {
        let Some(ev) = env.scheme else {
            let p = Problem::NoSchemeEvaluator {
                form: whole.to_string(),
            };
            env.diags.push(lc.diag(p, Some(whole)));
            return inert(keyword, body);
        };
        let mut ctx = EvalContext {
            file: lc.file,
            line: lc.line,
            config: env.config,
            host: &mut *env.host,
        };
        return match ev.eval(body, &mut ctx) {
            Ok(v) => v,
            Err(message) => {
                let p = Problem::SchemeFailed {
                    form: whole.to_string(),
                    message,
                };
                env.diags.push(lc.diag(p, Some(whole)));
                inert(keyword, body)
            }
        };
    }
    let Ok(arg) = unescape(body) else {
        let p = Problem::UnescapedQuote {
            form: whole.to_string(),
        };
        env.diags.push(lc.diag(p, Some(whole)));
        return inert(keyword, body);
    };
    let arg = arg.as_ref();
    match keyword {
        "system" | "shell" | "sh" if !lc.system_allowed => inert(keyword, body),
        "system" => env.host.run_system(arg).to_string(),
        "shell" | "sh" => {
            let out = env.host.run_shell_capture(arg);
            if out.exit == 0 {
                join_lines(&out.stdout, " ")
            } else {
                let p = Problem::ShellFailed {
                    form: whole.to_string(),
                    code: out.exit,
                };
                env.diags.push(lc.diag(p, Some(whole)));
                String::new()
            }
        }
        "getenv" | "gv" => env.host.getenv(arg).unwrap_or_else(|| "#f".into()),
        "get" | "g" => {
            let mut toks = arg.split_whitespace();
            match (toks.next(), toks.next()) {
                (Some(sec), Some(key)) => env.config.get(sec, key).unwrap_or("#f").to_string(),
                _ => {
                    let p = Problem::GetNeedsTwoTokens {
                        form: whole.to_string(),
                    };
                    env.diags.push(lc.diag(p, Some(whole)));
                    inert(keyword, body)
                }
            }
        }
        "rget" | "runconfigs-get" => {
            let target = env.host.target();
            target
                .as_deref()
                .and_then(|t| env.config.get(t, arg))
                .or_else(|| env.config.get("default", arg))
                .unwrap_or("#f")
                .to_string()
        }
        "rp" | "realpath" => {
            let cwd = env.host.cwd().to_string_lossy().into_owned();
            nice_path(arg, &cwd, &mut *env.host)
        }
        "mtrah" => {
            let top = env
                .host
                .toppath()
                .map(|p| p.to_string_lossy().into_owned())
                .or_else(|| env.host.getenv("MT_RUN_AREA_HOME"))
                .unwrap_or_else(|| "#f".into());
            if arg.is_empty() {
                top
            } else {
                format!("{top}/{arg}")
            }
        }
        _ => unreachable!("keyword list and dispatcher disagree on {keyword}"),
    }
}

/// Reports `#{...}` text left after expansion that looks like a helper: a known keyword whose
/// form does not match (malformed), or `#{word BODY}` with an unknown word. Only called for
/// lines that are not comments.
pub(crate) fn check_leftovers(text: &str, lc: &LineCtx<'_>, diags: &mut Vec<Diagnostic>) {
    for (pos, _) in text.match_indices("#{") {
        let after = &text[pos + 2..];
        let word_len = after
            .find(|c: char| is_ws(c) || c == '{' || c == '}')
            .unwrap_or(after.len());
        let word = &after[..word_len];
        if word.is_empty() {
            continue;
        }
        if KEYWORDS.contains(&word) {
            if form_at(text, pos).is_some() {
                // Well-formed but not expanded (expansion was cut short).
                continue;
            }
            let snippet: String = text[pos..].chars().take(60).collect();
            let p = Problem::MalformedHelper {
                keyword: word.to_string(),
                text: snippet,
            };
            diags.push(lc.diag(p, Some(&text[pos..pos + 2 + word_len])));
            continue;
        }
        let looks_like_word = word.starts_with(|c: char| c.is_ascii_alphabetic())
            && word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':'));
        let rest = &after[word_len..];
        if !looks_like_word || !rest.starts_with(is_ws) {
            continue;
        }
        if let Some(close) = rest.find(['{', '}']) {
            if rest[close..].starts_with('}') {
                let form = &text[pos..pos + 2 + word_len + close + 1];
                let p = Problem::UnknownHelper {
                    keyword: word.to_string(),
                    form: form.to_string(),
                };
                diags.push(lc.diag(p, Some(form)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matcher_table() {
        // (text, expected (keyword, body) of the rightmost form)
        let cases: &[(&str, Option<(&str, &str)>)] = &[
            ("a #{getenv X} b", Some(("getenv", "X"))),
            ("#{getenv X}#{get a b}", Some(("get", "a b"))),
            ("#{get #{getenv S} k}", Some(("getenv", "S"))),
            ("#{ system ls}", None),
            ("#{mtrah}", None),
            ("#{mtrah }", Some(("mtrah", ""))),
            ("#{getenv USER }", Some(("getenv", "USER "))),
            ("#{getenvX}", None),
            ("#{foo bar}", None),
            ("#{shell echo {x}}", None),
            ("#{shell echo hi", None),
            ("#{g\tsec  key}", Some(("g", "sec  key"))),
            ("#{realpath a/b}", Some(("realpath", "a/b"))),
        ];
        for (text, want) in cases {
            let got = rightmost_form(text).map(|f| (f.keyword, f.body));
            assert_eq!(got, *want, "{text}");
        }
    }

    #[test]
    fn unescape_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("plain", Some("plain")),
            (r#"a \"q\" b"#, Some("a \"q\" b")),
            (r"a\\b", Some("a\\b")),
            (r"a\nb\tc", Some("a\nb\tc")),
            (r"a\.b", Some("a\\.b")),
            ("say \"hi\"", None),
            ("it's", Some("it's")),
        ];
        for (body, want) in cases {
            assert_eq!(unescape(body).ok().as_deref(), *want, "{body}");
        }
    }

    #[test]
    fn join_lines_table() {
        let cases = [
            ("", ""),
            ("a\n", "a"),
            ("a\nb\n", "a b"),
            ("a\n\nb\n", "a  b"),
            ("a\nb", "a b"),
            ("\n", ""),
            ("a\r\nb\r\n", "a b"),
        ];
        for (out, want) in cases {
            assert_eq!(join_lines(out, " "), want, "{out:?}");
        }
    }
}
