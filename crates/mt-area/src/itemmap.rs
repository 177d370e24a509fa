//! Item maps: rewrite the waiting test's item path into the waited-on test's item path,
//! line by line, first match only, `\N` back-references (§5.6).

use regex::Regex;

use crate::pattern::TestPatt;

/// One compiled map: a list of `(regex, replacement)` lines applied in order.
#[derive(Debug, Clone)]
pub struct ItemMap {
    lines: Vec<(Regex, String)>,
}

impl ItemMap {
    /// Parse a map value. Returns the lines that did not compile as errors, so a bad regex
    /// is reported rather than silently ignored.
    pub fn parse(text: &str) -> Result<ItemMap, String> {
        let mut lines = Vec::new();
        for line in text.lines() {
            let mut parts = line.split_whitespace();
            let Some(re) = parts.next() else { continue };
            let rep = parts.next().unwrap_or("");
            let re = Regex::new(re).map_err(|e| format!("bad itemmap regex `{re}`: {e}"))?;
            lines.push((re, convert_backrefs(rep)));
        }
        Ok(ItemMap { lines })
    }

    #[must_use]
    pub fn apply(&self, item: &str) -> String {
        let mut cur = item.to_string();
        for (re, rep) in &self.lines {
            cur = re.replacen(&cur, 1, rep.as_str()).into_owned();
        }
        cur
    }
}

/// `\1` → `${1}` for the regex crate; a literal `$` is escaped.
fn convert_backrefs(rep: &str) -> String {
    let mut out = String::new();
    let mut chars = rep.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(d) if d.is_ascii_digit() => {
                    out.push_str(&format!("${{{d}}}"));
                    chars.next();
                }
                Some(_) => {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                }
                None => out.push('\\'),
            },
            '$' => out.push_str("$$"),
            _ => out.push(c),
        }
    }
    out
}

/// The itemmaps of one test, in lookup order: `[requirements] itemmap` (key `%`) first,
/// then the `[itemmap]` section entries.
#[derive(Debug, Clone, Default)]
pub struct ItemMaps {
    entries: Vec<(String, ItemMap)>,
}

impl ItemMaps {
    pub fn push(&mut self, key: &str, map: ItemMap) {
        self.entries.push((key.to_string(), map));
    }

    /// The first map whose key pattern matches `name` (test-part rules of §4.1).
    #[must_use]
    pub fn lookup(&self, name: &str) -> Option<&ItemMap> {
        self.entries
            .iter()
            .find(|(k, _)| TestPatt::parse(k).matches_test(name))
            .map(|(_, m)| m)
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors() {
        let cases = [
            ("d/e/f", "d a\ne b\nf c", "a/b/c"),
            (
                "blah/baz/bar/foo",
                "^([^/]+)/([^/]+)/([^/]+)/([^/]+)$ \\1/\\4/\\3/\\2",
                "blah/foo/bar/baz",
            ),
            ("a/b/c", ".*/", "c"),
            ("layout/ntran", "/.*", "layout"),
            (
                "a123b321",
                "(a\\d+)(b\\d+) \\2foo\\1\nb(.*) \\1p",
                "321fooa123p",
            ),
            ("1/res", "(\\d+)/res \\1/aa", "1/aa"),
        ];
        for (item, map, want) in cases {
            let m = ItemMap::parse(map).expect("parse");
            assert_eq!(m.apply(item), want, "{item} via {map:?}");
        }
    }

    #[test]
    fn bad_regex_is_reported() {
        assert!(ItemMap::parse("([ x").is_err());
    }

    #[test]
    fn lookup_order() {
        let mut maps = ItemMaps::default();
        maps.push("A", ItemMap::parse("x y").unwrap());
        maps.push("%", ItemMap::parse("x z").unwrap());
        assert_eq!(maps.lookup("A").unwrap().apply("x"), "y");
        assert_eq!(maps.lookup("B").unwrap().apply("x"), "z");
    }
}
