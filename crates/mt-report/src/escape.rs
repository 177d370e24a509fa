//! Escaping for XML and HTML output, and the link helpers of the HTML tree.
//!
//! Test output is arbitrary bytes: colour escapes, NULs, stray carriage returns. XML 1.0
//! forbids most control characters even when escaped, so they are replaced by U+FFFD; a
//! parser that meets one rejects the whole report, which is the worst outcome for a CI
//! job that only wanted to show a failure.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

/// Whether `c` may appear in an XML 1.0 document (the `Char` production).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escape character data (element content). `>` is escaped too, so `]]>` cannot appear,
/// and `\r` becomes a character reference so parsers do not fold it into `\n`.
#[must_use]
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// Escape an attribute value written between double quotes. Tabs and line breaks become
/// character references because attribute-value normalisation would turn them into spaces.
#[must_use]
pub fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// Percent-encode a relative URL path: path separators stay, everything outside the
/// unreserved set is encoded byte by byte (so `#`, `?`, `%` and spaces in file names work).
#[must_use]
pub fn url_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Lexically normalise an absolute path (drop `.`, apply `..`) without touching the
/// file system: the run directories may live on a disk that is not mounted here.
fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The relative link from a page in directory `from_dir` to `target`, `/`-separated and
/// percent-encoded. Relative links keep working when the link tree is served over HTTP
/// as well as when the pages are opened from disk. Both paths must be absolute; for a
/// relative `target` the target itself is returned (encoded).
#[must_use]
pub fn rel_link(from_dir: &Path, target: &Path) -> String {
    if !from_dir.is_absolute() || !target.is_absolute() {
        return url_path(&target.to_string_lossy());
    }
    let from = normalise(from_dir);
    let to = normalise(target);
    let fc: Vec<_> = from.components().collect();
    let tc: Vec<_> = to.components().collect();
    let common = fc.iter().zip(&tc).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); fc.len() - common];
    parts.extend(
        tc[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        return ".".into();
    }
    url_path(&parts.join("/"))
}

/// A CSS class for a status or state: whitespace would split it into several classes.
#[must_use]
pub fn css_class(s: &str) -> String {
    if s.is_empty() {
        return "none".into();
    }
    s.chars()
        .map(|c| if c.is_whitespace() { '_' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cases() {
        let cases = [
            ("plain", "plain"),
            ("a<b>&c", "a&lt;b&gt;&amp;c"),
            ("]]>", "]]&gt;"),
            ("x\u{1b}[31mred", "x\u{FFFD}[31mred"),
            ("nul\0", "nul\u{FFFD}"),
            ("tab\tnl\n", "tab\tnl\n"),
            ("cr\r\n", "cr&#13;\n"),
            ("\u{FFFE}\u{FFFF}", "\u{FFFD}\u{FFFD}"),
            ("quote\"'", "quote\"'"),
            ("é€😀", "é€😀"),
        ];
        for (input, want) in cases {
            assert_eq!(text(input), want, "input {input:?}");
        }
    }

    #[test]
    fn attr_cases() {
        let cases = [
            ("a\"b'c", "a&quot;b&apos;c"),
            ("l1\nl2\tx\r", "l1&#10;l2&#9;x&#13;"),
            ("<&>", "&lt;&amp;&gt;"),
            ("\u{7}", "\u{FFFD}"),
        ];
        for (input, want) in cases {
            assert_eq!(attr(input), want, "input {input:?}");
        }
    }

    #[test]
    fn url_path_cases() {
        let cases = [
            ("a/b.log", "a/b.log"),
            ("x y#1?.log", "x%20y%231%3F.log"),
            ("100%", "100%25"),
            ("é", "%C3%A9"),
        ];
        for (input, want) in cases {
            assert_eq!(url_path(input), want, "input {input:?}");
        }
    }

    #[test]
    fn rel_link_cases() {
        let cases = [
            (
                "/lt/html/runs/1/tests",
                "/lt/linux/1.0/r/t/a.log",
                "../../../../linux/1.0/r/t/a.log",
            ),
            (
                "/lt/html",
                "/lt/html/runs/1/index.html",
                "runs/1/index.html",
            ),
            ("/lt/html", "/lt/html", "."),
            ("/a/b", "/c/d e", "../../c/d%20e"),
            ("/a/./b/../c", "/a/c/x", "x"),
            ("/a", "rel/x", "rel/x"),
        ];
        for (from, to, want) in cases {
            assert_eq!(
                rel_link(Path::new(from), Path::new(to)),
                want,
                "{from} -> {to}"
            );
        }
    }

    #[test]
    fn css_class_cases() {
        for (input, want) in [
            ("PASS", "PASS"),
            ("FAILED TO KILL", "FAILED_TO_KILL"),
            ("n/a", "n/a"),
            ("", "none"),
        ] {
            assert_eq!(css_class(input), want);
        }
    }
}
