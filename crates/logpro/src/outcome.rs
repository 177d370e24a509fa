//! The verdict of one log: per-rule results, trigger results, the exit code, and the
//! renderings derived from them (summary text and the `.dat` file).

use crate::engine::value_spec;
use crate::model::{Check, RuleKind, Tally, Where};
use std::fmt::Write as _;

/// A value rule's measurements.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueResult {
    /// The last measurement as displayed (`None` if nothing was measured).
    pub measured: Option<String>,
    pub pass: u64,
    pub fail: u64,
}

/// The result of one rule.
#[derive(Debug, Clone)]
pub struct RuleResult {
    pub num: usize,
    pub kind: RuleKind,
    pub place: Where,
    pub sections: Vec<String>,
    pub desc: String,
    pub ok: bool,
    /// Lines this rule won.
    pub count: u64,
    pub check: Check,
    pub value: Option<ValueResult>,
    /// Report text of each pattern.
    pub rx: Vec<String>,
    pub class: Option<String>,
}

/// The result of one trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerResult {
    pub name: String,
    pub count: u64,
    pub required: bool,
}

impl TriggerResult {
    /// `OK` if it fired, else `FAIL` (required) or `OPTIONAL`. Informational only.
    pub fn status(&self) -> &'static str {
        if self.count > 0 {
            "OK"
        } else if self.required {
            "FAIL"
        } else {
            "OPTIONAL"
        }
    }
}

/// Everything logpro concluded about one log.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// 0 PASS, 1 FAIL, 2 WARN, 3 CHECK, 4 WAIVE, 5 ABORT, 6 SKIP.
    pub exit_code: i32,
    /// `PASS`, `FAIL`, `WARN`, `CHECK`, `WAIVE`, `ABORT` or `SKIP`.
    pub status_name: &'static str,
    /// A rule had bad arguments (the verdict is at least FAIL).
    pub code_error: bool,
    /// Rules in number order.
    pub rules: Vec<RuleResult>,
    /// Triggers in report order (last registered first).
    pub triggers: Vec<TriggerResult>,
    /// Number of input lines read.
    pub lines: u64,
    /// `[final] message`: `<type>: <desc>` of the first failing rule (report order) that
    /// produced the verdict.
    pub message: Option<String>,
}

const CODE_ERROR_MSG: &str =
    "Logpro error, probably in your command file. Look for ERROR lines above.";

impl Outcome {
    pub(crate) fn new(
        exit_code: i32,
        status_name: &'static str,
        code_error: bool,
        rules: Vec<RuleResult>,
        triggers: Vec<TriggerResult>,
        lines: u64,
    ) -> Outcome {
        let mut o = Outcome {
            exit_code,
            status_name,
            code_error,
            rules,
            triggers,
            lines,
            message: None,
        };
        let bucket = match exit_code {
            1 => Some(Tally::Errs),
            2 => Some(Tally::Warns),
            3 => Some(Tally::Checks),
            4 => Some(Tally::Waives),
            5 => Some(Tally::Aborts),
            6 => Some(Tally::Skips),
            _ => None,
        };
        o.message = bucket.and_then(|b| {
            o.report_order()
                .into_iter()
                .flat_map(|(_, rs)| rs)
                .find(|r| !r.ok && r.kind.tally() == Some(b))
                .map(|r| format!("{}: {}", r.kind.symbol(), r.desc))
        });
        if o.message.is_none() && code_error && exit_code == 1 {
            o.message = Some(CODE_ERROR_MSG.to_string());
        }
        o
    }

    /// Sections with rules, descending by name, each with its rules ascending by number.
    pub fn report_order(&self) -> Vec<(&str, Vec<&RuleResult>)> {
        let mut names: Vec<&str> = self
            .rules
            .iter()
            .flat_map(|r| r.sections.iter().map(String::as_str))
            .collect();
        names.sort_unstable_by(|a, b| b.cmp(a));
        names.dedup();
        names
            .into_iter()
            .map(|s| {
                (
                    s,
                    self.rules
                        .iter()
                        .filter(|r| r.sections.iter().any(|x| x == s))
                        .collect(),
                )
            })
            .collect()
    }

    /// The summary block appended to the annotated log.
    pub fn summary_text(&self) -> String {
        let mut s = String::new();
        s.push_str("==========================LOGPRO SUMMARY==========================\n");
        for t in &self.triggers {
            let _ = writeln!(
                s,
                "Trigger: {:<13} {:>15}, count={}",
                t.name,
                t.status(),
                t.count
            );
        }
        for (section, rules) in self.report_order() {
            let _ = writeln!(s, "\nExpects for {section} section: ");
            for r in rules {
                let _ = writeln!(s, "{}", expect_line(r, section));
            }
        }
        if self.code_error {
            let _ = writeln!(s, "ERROR: {CODE_ERROR_MSG}");
        }
        s
    }

    /// The `.dat` summary (Megatest config syntax) that Megatest loads into `test_data`.
    pub fn dat(&self) -> String {
        let mut s = String::new();
        for (section, r) in self.dat_rules() {
            let _ = writeln!(s, "[rule-{}]", r.num);
            let status = if r.ok { "OK" } else { "FAIL" };
            let desc = one_line(&r.desc);
            match &r.check {
                Check::Value { expected, tol, .. } => {
                    let none = ValueResult {
                        measured: None,
                        pass: 0,
                        fail: 0,
                    };
                    let v = r.value.as_ref().unwrap_or(&none);
                    let _ = writeln!(s, "operator {}", r.place.word());
                    let _ = writeln!(s, "section {section}");
                    let _ = writeln!(s, "desc {desc}");
                    let _ = writeln!(s, "status {status}");
                    let _ = writeln!(s, "expected {expected}");
                    let _ = writeln!(s, "measured {}", v.measured.as_deref().unwrap_or("-"));
                    match tol {
                        crate::model::Tolerance::Abs(t) => {
                            let _ = writeln!(s, "type +/-");
                            let _ = writeln!(s, "tolerance {t}");
                        }
                        crate::model::Tolerance::Op(c) => {
                            let _ = writeln!(s, "type {}", c.symbol());
                        }
                    }
                    let _ = writeln!(s, "pass {}", v.pass);
                    let _ = writeln!(s, "fail {}", v.fail);
                }
                Check::Count { cmp, value } => {
                    let _ = writeln!(s, "type {}", r.kind.label());
                    let _ = writeln!(s, "operator {}", r.place.word());
                    let _ = writeln!(s, "section {section}");
                    let _ = writeln!(s, "status {status}");
                    let _ = writeln!(s, "compsym {}", cmp.symbol());
                    let _ = writeln!(s, "value {value}");
                    let _ = writeln!(s, "desc {desc}");
                    let _ = writeln!(s, "count {}", r.count);
                }
            }
            s.push('\n');
        }
        s.push_str("[final]\n");
        let _ = writeln!(s, "exit-code {}", self.exit_code);
        let _ = writeln!(s, "exit-status {}", self.status_name);
        if let Some(m) = &self.message {
            let _ = writeln!(s, "message {}", one_line(m));
        }
        s
    }

    /// Each rule once, in report order, with the section it is reported under.
    fn dat_rules(&self) -> Vec<(&str, &RuleResult)> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for (section, rules) in self.report_order() {
            for r in rules {
                if seen.insert(r.num) {
                    out.push((section, r));
                }
            }
        }
        out
    }

    /// Write the `.dat` summary to `w`.
    pub fn write_dat<W: std::io::Write>(&self, mut w: W) -> std::io::Result<()> {
        w.write_all(self.dat().as_bytes())
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// One `Expect:` line of the summary.
fn expect_line(r: &RuleResult, section: &str) -> String {
    let status = if r.ok { "OK" } else { "FAIL" };
    let rx = r.rx.join(" ");
    let num = format!("rule-{}", r.num);
    match (&r.check, &r.value) {
        (Check::Value { expected, tol, .. }, Some(v)) => format!(
            "Expect: {num:<8} {:<13} {} {section} {status:<4}, expected {} got {}, {} pass, {} fail, rx={rx}",
            r.kind.label(),
            r.place.word(),
            value_spec(*expected, *tol),
            v.measured.as_deref().unwrap_or("-"),
            v.pass,
            v.fail
        ),
        (Check::Count { cmp, value }, _) => format!(
            "Expect: {num:<8} {:<13} {} {section} {status:<4}, expected {:<2} {:<4} of {:<30}, got {:<5}, rx={rx}",
            r.kind.label(),
            r.place.word(),
            cmp.symbol(),
            value.to_string(),
            r.desc,
            r.count
        ),
        _ => format!("Expect: {num:<8} {:<13} {} {section} {status:<4}", r.kind.label(), r.place.word()),
    }
}
