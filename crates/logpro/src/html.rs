//! The HTML report: the log with highlighted lines, then the summary table and exit code.

use crate::model::{Check, Rule};
use crate::outcome::Outcome;
use std::io::{self, Write};

/// Version string shown in reports and the usage text.
pub const VERSION: &str = "1.19";

/// The built-in stylesheet written next to the report when none is found.
pub const STYLESHEET: &str = "body { font-family: monospace; }
header { font-size: 150%; font-weight: bold; }
.required { color: purple; font-weight: bold; }
.required-warn { color: orange; font-weight: bold; }
.abort { color: crimson; font-weight: bold; }
.check { color: pink; font-weight: bold; }
.skip { color: #d1db64; font-weight: bold; }
.waive { color: brown; font-weight: bold; }
.error { color: red; font-weight: bold; }
.warning { color: orange; font-weight: bold; }
.ignore { color: green; font-weight: bold; }
.note { color: darkgoldenrod; font-weight: bold; }
.value { color: blue; font-weight: bold; }
.trigger { color: blue; font-weight: bold; background-color: #eeeeff; }
.exitcode { font-size: 200%; }
table { border-collapse: collapse; }
td, th { border: 1px solid #999999; padding: 2px 6px; }
tr:nth-child(even) { background-color: #f2f2f2; }
td.fail { background-color: red; color: white; }
tr.section { background-color: #cccccc; }
";

/// Log lines are escaped (the original wrote them raw, which breaks on `<`): a
/// deliberate difference, documented in the crate docs.
fn escape(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    let mut s = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '&' => s.push_str("&amp;"),
            '"' => s.push_str("&quot;"),
            c => s.push(c),
        }
    }
    s
}

fn esc_str(s: &str) -> String {
    escape(s.as_bytes())
}

pub(crate) fn write_head<W: Write>(w: &mut W) -> io::Result<()> {
    writeln!(w, "<html>")?;
    writeln!(
        w,
        "<link rel=\"stylesheet\" type=\"text/css\" href=\"logpro_style.css\">"
    )?;
    writeln!(w, "<header>LOGPRO RESULTS</header><body>")?;
    writeln!(w, "<a href=\"#summary\">Summary</a>")?;
    writeln!(w, "<p>processed by logpro version {VERSION}</p>")?;
    writeln!(w, "<hr><pre>")
}

pub(crate) fn write_plain_line<W: Write>(w: &mut W, line: &[u8]) -> io::Result<()> {
    writeln!(w, "{}", escape(line))
}

pub(crate) fn write_rule_line<W: Write>(
    w: &mut W,
    rule: &Rule,
    k: u64,
    line: &[u8],
) -> io::Result<()> {
    let class = match &rule.class {
        Some(c) => format!("{} {}", rule.kind.symbol(), esc_str(c)),
        None => rule.kind.symbol().to_string(),
    };
    let n = rule.num;
    writeln!(
        w,
        "<a name=\"key_{n}_{k}\"></a><a href=\"#key_{n}_{}\" class=\"{class}\">{}</a>",
        k + 1,
        escape(line)
    )
}

pub(crate) fn write_trigger_line<W: Write>(w: &mut W, name: &str, line: &[u8]) -> io::Result<()> {
    let n = esc_str(name);
    writeln!(
        w,
        "<a name=\"{n}\"></a><a href=\"#{n}_table\" class=\"trigger\">{}</a>",
        escape(line)
    )
}

pub(crate) fn write_tail<W: Write>(w: &mut W, o: &Outcome) -> io::Result<()> {
    writeln!(w, "<a name=\"summary\"></a>==========================LOGPRO SUMMARY==========================")?;
    for t in &o.triggers {
        let n = esc_str(&t.name);
        writeln!(
            w,
            "<a name=\"{n}_table\"></a><a href=\"#{n}\">Trigger: {:<13} {:>15}, count={}</a>",
            n,
            t.status(),
            t.count
        )?;
    }
    writeln!(w, "</pre><p><table>")?;
    writeln!(w, "<tr><th>RuleNum</th><th>RuleType</th><th>Status</th><th>Comp</th><th>Count/Val</th><th>Desc</th><th>Count</th><th>Rx</th></tr>")?;
    for (section, rules) in o.report_order() {
        writeln!(
            w,
            "<tr class=\"section\"><td colspan=\"8\">Expects for <b>{}</b> section:</td></tr>",
            esc_str(section)
        )?;
        for r in rules {
            let status = if r.ok {
                "<td>OK</td>".to_string()
            } else {
                "<td class=\"fail\">FAIL</td>".to_string()
            };
            let (comp, val, count) = match (&r.check, &r.value) {
                (Check::Count { cmp, value }, _) => (
                    cmp.symbol().to_string(),
                    value.to_string(),
                    r.count.to_string(),
                ),
                (Check::Value { expected, tol, .. }, v) => {
                    let (op, t) = match tol {
                        crate::model::Tolerance::Abs(t) => ("+/-".to_string(), t.to_string()),
                        crate::model::Tolerance::Op(c) => (c.symbol().to_string(), String::new()),
                    };
                    let measured = v
                        .as_ref()
                        .and_then(|v| v.measured.clone())
                        .unwrap_or_else(|| "-".into());
                    (op, format!("{expected} {t}"), measured)
                }
            };
            writeln!(
                w,
                "<tr class=\"{}\"><td><a href=\"#key_{}_0\">rule-{}</a></td><td>{}</td>{status}<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                r.kind.symbol(),
                r.num,
                r.num,
                r.kind.label(),
                esc_str(&comp),
                esc_str(&val),
                esc_str(&r.desc),
                count,
                esc_str(&r.rx.join(" "))
            )?;
        }
    }
    writeln!(w, "</table>")?;
    writeln!(
        w,
        "<h1 class=\"exitcode\">EXIT CODE: {} ({}\n)</h1></body></html>",
        o.exit_code, o.status_name
    )
}

/// The HTML written when the command file fails to load.
pub fn syntax_error_page(message: &str) -> String {
    format!(
        "<html><header>LOGPRO RESULTS</header><body><pre>ERROR: Syntax error in your command file!\n{}\n</pre>\n<h1 class=\"exitcode\">EXIT CODE: 1 (FAIL\n)</h1></body></html>\n",
        esc_str(message)
    )
}
