//! The in-memory test pattern language (`-testpatt`, `[launchers]`, itemmap keys) and the
//! tag / target list patterns. The SQL flavour used by queries lives in the store; both
//! follow config-and-area.md §4.

use regex::{Regex, RegexBuilder};

/// One part (test or item) of a pattern, compiled once.
#[derive(Debug, Clone)]
struct Part {
    negate: bool,
    re: Option<Regex>,
}

impl Part {
    fn compile(text: &str) -> Part {
        let (negate, body) = match text.strip_prefix('~') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        // `%` turns the part into a case-insensitive wildcard; otherwise `*` is the
        // wildcard and case matters. Other regex syntax keeps its meaning (as the original).
        let (src, ci) = if body.contains('%') {
            (body.replace('%', ".*"), true)
        } else {
            (body.replace('*', ".*"), false)
        };
        let re = RegexBuilder::new(&format!("^(?:{src})$"))
            .case_insensitive(ci)
            .build()
            .ok()
            .or_else(|| {
                // A pattern that is not a valid regex is matched literally rather than
                // silently matching nothing.
                RegexBuilder::new(&format!("^{}$", regex::escape(body)))
                    .case_insensitive(ci)
                    .build()
                    .ok()
            });
        Part { negate, re }
    }

    fn matches(&self, s: &str) -> bool {
        let hit = self.re.as_ref().is_some_and(|re| re.is_match(s));
        hit != self.negate
    }
}

#[derive(Debug, Clone)]
struct OnePattern {
    text: String,
    test: Part,
    item: Part,
}

/// A comma-separated list of `test[/item]` patterns, OR-ed.
#[derive(Debug, Clone)]
pub struct TestPatt {
    pats: Vec<OnePattern>,
}

impl TestPatt {
    #[must_use]
    pub fn parse(text: &str) -> TestPatt {
        let mut pats = Vec::new();
        for p in text.split(',') {
            let p = p.trim();
            if p.is_empty() {
                continue;
            }
            pats.push(Self::one(p));
        }
        TestPatt { pats }
    }

    fn one(p: &str) -> OnePattern {
        let (t, i) = match p.split_once('/') {
            Some((t, i)) => (t, i),
            None => (p, "%"),
        };
        OnePattern {
            text: p.to_string(),
            test: Part::compile(t),
            item: Part::compile(i),
        }
    }

    /// Add a pattern (used when dependency expansion pulls in waited-on tests).
    pub fn push(&mut self, p: &str) {
        if !self.pats.iter().any(|x| x.text == p) {
            self.pats.push(Self::one(p));
        }
    }

    /// Does any pattern match this test name, ignoring items?
    #[must_use]
    pub fn matches_test(&self, test: &str) -> bool {
        self.pats.iter().any(|p| p.test.matches(test))
    }

    /// Does any pattern match this test and item path?
    #[must_use]
    pub fn matches(&self, test: &str, item: &str) -> bool {
        self.pats
            .iter()
            .any(|p| p.test.matches(test) && p.item.matches(item))
    }

    /// The pattern strings, in order.
    #[must_use]
    pub fn texts(&self) -> Vec<&str> {
        self.pats.iter().map(|p| p.text.as_str()).collect()
    }

    /// The item parts of patterns whose test part is literally `test`, for pattern
    /// extension through itemmaps.
    #[must_use]
    pub fn item_parts_for(&self, test: &str) -> Vec<String> {
        let prefix = format!("{test}/");
        self.pats
            .iter()
            .filter_map(|p| p.text.strip_prefix(&prefix).map(str::to_string))
            .collect()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.pats.is_empty()
    }

    #[must_use]
    pub fn to_text(&self) -> String {
        self.texts().join(",")
    }
}

/// `patt-list-match`: a comma list, `%` → `.*`, anchored, case-sensitive. Used by
/// `-tagexpr` and `-list-targets`.
#[must_use]
pub fn patt_list_match(patterns: &str, s: &str) -> bool {
    patterns.split(',').filter(|p| !p.is_empty()).any(|p| {
        Regex::new(&format!("^(?:{})$", p.replace('%', ".*")))
            .map(|re| re.is_match(s))
            .unwrap_or(false)
    })
}

/// Does a comma-separated tag list (from `[test_meta] tags`) match a `-tagexpr`?
#[must_use]
pub fn tags_match(tagexpr: &str, tags: &str) -> bool {
    tags.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .any(|t| patt_list_match(tagexpr, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_vectors() {
        let cases: &[(&str, &str, &str, bool)] = &[
            ("abc", "abc", "", true),
            ("abc/%", "abc", "", true),
            ("ab%/c%", "abcd", "cde", true),
            ("~abc/c%", "abc", "cde", false),
            ("abc/~c%", "abc", "cde", false),
            ("a,b/c,%/d", "a", "", true),
            ("%/,%/a", "abc", "", true),
            ("%/,%/a", "def", "a", true),
            ("%/,%/a", "ghi", "b", false),
            ("%", "a", "", true),
            ("%", "a", "b", true),
            ("%/", "a", "", true),
            ("%/", "a", "b", false),
            ("a*c", "ABC", "", false),
            ("a%c", "ABC", "", true),
            ("~abc", "abcd", "", true),
            ("~abc,abc", "abc", "", true),
            ("runfirst/%2", "runfirst", "a/2", true),
            ("runfirst/%2", "runfirst", "a/1", false),
            ("test2/%/ptran", "test2", "layout/ptran", true),
            ("seq4/item.1", "seq4", "item-1", true),
            ("", "a", "", false),
        ];
        for (p, t, i, want) in cases {
            assert_eq!(TestPatt::parse(p).matches(t, i), *want, "{p} vs {t}/{i}");
        }
    }

    #[test]
    fn tag_patterns() {
        assert!(tags_match("fast", "setup,fast"));
        assert!(tags_match("bu%", "build"));
        assert!(!tags_match("Fast", "fast"));
        assert!(!tags_match("fas", "fast"));
    }
}
