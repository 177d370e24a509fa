//! Hook command templates (`#{msg}`, `#{line}`, `#{m1}`..., `#{escaped var}`) and running them.

use crate::model::{Num, Tolerance};
use regex::bytes::Captures;

/// Replace `#{var}` and `#{escaped var}` using `lookup`; unknown names are left as is.
fn expand(template: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("#{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = after[..close].trim();
        let (escaped, name) = match inner.strip_prefix("escaped ") {
            Some(n) => (true, n.trim()),
            None => (false, inner),
        };
        match lookup(name) {
            Some(v) if escaped => {
                out.push('\'');
                out.push_str(&v.replace('\'', "\\'"));
                out.push('\'');
            }
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[start..start + 3 + close]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Per-line hooks: `msg` is the whole input line, `line` the matched text, `mN` group N
/// (a group that did not take part gives `#f`), as logpro 1.19 does.
pub(crate) fn expand_line_hook(template: &str, line: &[u8], caps: Option<&Captures<'_>>) -> String {
    let lookup = |name: &str| -> Option<String> {
        match name {
            "msg" => Some(String::from_utf8_lossy(line).into_owned()),
            "line" => caps
                .and_then(|c| c.get(0))
                .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned()),
            n => {
                let k: usize = n.strip_prefix('m')?.parse().ok()?;
                let c = caps?;
                if k >= c.len() {
                    return None;
                }
                Some(
                    c.get(k)
                        .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
                        .unwrap_or_else(|| "#f".into()),
                )
            }
        }
    };
    expand(template, &lookup)
}

/// Value hooks: `measured`, `message` (the description), `expected`, `tolerance`.
pub(crate) fn expand_value_hook(
    template: &str,
    measured: f64,
    desc: &str,
    expected: Num,
    tol: Tolerance,
) -> String {
    let lookup = |name: &str| -> Option<String> {
        match name {
            "measured" => Some(mt_scheme::to_display_string(&if measured.fract() == 0.0
                && measured.abs() < 1e15
            {
                mt_scheme::Value::Int(measured as i64)
            } else {
                mt_scheme::Value::Float(measured)
            })),
            "message" => Some(desc.to_string()),
            "expected" => Some(expected.to_string()),
            "tolerance" => Some(match tol {
                Tolerance::Abs(t) => t.to_string(),
                Tolerance::Op(c) => c.symbol().to_string(),
            }),
            _ => None,
        }
    };
    expand(template, &lookup)
}

/// Run through `/bin/sh -c`; output is not captured, failures are ignored (as `system`).
pub(crate) fn run(cmd: &str) {
    let _ = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(cmd)
        .status();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitution() {
        let re = regex::bytes::Regex::new(r"v=(\d+)(x)?").unwrap();
        let line = b"got v=42 now";
        let caps = re.captures(line);
        let cases = [
            ("echo #{msg}", "echo got v=42 now"),
            ("echo #{line}", "echo v=42"),
            ("echo #{m1} #{m2}", "echo 42 #f"),
            ("echo #{escaped msg}", "echo 'got v=42 now'"),
            ("echo #{m9} #{nope}", "echo #{m9} #{nope}"),
        ];
        for (t, want) in cases {
            assert_eq!(expand_line_hook(t, line, caps.as_ref()), want, "{t}");
        }
        let q = expand_line_hook("#{escaped msg}", b"it's", None);
        assert_eq!(q, "'it\\'s'");
        let v = expand_value_hook(
            "#{message}: #{measured} vs #{expected} #{tolerance}",
            1.5,
            "volts",
            Num::Float(1.9),
            Tolerance::Abs(Num::Float(0.5)),
        );
        assert_eq!(v, "volts: 1.5 vs 1.9 0.5");
    }
}
