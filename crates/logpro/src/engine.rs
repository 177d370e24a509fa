//! The one-pass line loop: triggers, the earliest-rule-wins match, value measurements,
//! hooks, the echoed log and the HTML body; then the verdict.

use crate::html;
use crate::model::{Check, Cmp, Num, Rule, Tally, Tolerance};
use crate::outcome::{Outcome, RuleResult, TriggerResult, ValueResult};
use crate::ruleset::RuleSet;
use regex_automata::{Input, PatternSet};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};

/// Per-rule counters while processing.
#[derive(Default, Clone)]
struct RuleState {
    count: u64,
    pass: u64,
    fail: u64,
    measured: Option<String>,
    measured_num: Option<f64>,
}

impl RuleSet {
    /// Process a log: write the annotated copy to `annotated` and return the verdict.
    pub fn process<R: Read, W: Write>(&self, input: R, annotated: W) -> io::Result<Outcome> {
        self.run(input, annotated, None::<io::Sink>)
    }

    /// As [`RuleSet::process`], also writing the HTML report to `html`.
    pub fn process_with_html<R: Read, W: Write, H: Write>(
        &self,
        input: R,
        annotated: W,
        html: H,
    ) -> io::Result<Outcome> {
        self.run(input, annotated, Some(html))
    }

    fn run<R: Read, W: Write, H: Write>(
        &self,
        input: R,
        annotated: W,
        html: Option<H>,
    ) -> io::Result<Outcome> {
        let mut reader = BufReader::with_capacity(256 * 1024, input);
        let mut out = BufWriter::with_capacity(256 * 1024, annotated);
        let mut html = html.map(|h| BufWriter::with_capacity(256 * 1024, h));
        out.write_all(self.load_output.as_bytes())?;
        if let Some(h) = html.as_mut() {
            html::write_head(h)?;
        }
        let mut states = vec![RuleState::default(); self.rules.len()];
        let mut trig_left: Vec<u64> = self.triggers.iter().map(|t| t.limit).collect();
        let mut trig_count = vec![0u64; self.triggers.len()];
        let mut active = vec![false; self.section_names.len()];
        let mut hooks = self.hooks.clone();
        let mut cache = self.set.as_ref().map(|s| s.create_cache());
        let mut pset = PatternSet::new(self.pat_rule.len());
        let mut buf: Vec<u8> = Vec::with_capacity(4096);
        let mut line_no: u64 = 0;
        loop {
            buf.clear();
            if reader.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            let mut end = buf.len();
            if end > 0 && buf[end - 1] == b'\n' {
                end -= 1;
                if end > 0 && buf[end - 1] == b'\r' {
                    end -= 1;
                }
            }
            let line = &buf[..end];

            // 1. Triggers, last registered first.
            let mut fired: Option<usize> = None;
            for ti in (0..self.triggers.len()).rev() {
                if trig_left[ti] == 0 {
                    continue;
                }
                let t = &self.triggers[ti];
                if t.patterns.iter().any(|p| p.regex.is_match(line)) {
                    trig_left[ti] -= 1;
                    trig_count[ti] += 1;
                    writeln!(out, "LOGPRO: hit trigger {} on line {line_no}", t.name)?;
                    for &(s, on) in &self.trigger_actions[ti] {
                        active[s] = on;
                    }
                    fired.get_or_insert(ti);
                }
            }

            // 2-3. The lowest-numbered candidate rule wins the line.
            let mut winner: Option<(usize, usize, usize)> = None;
            if let (Some(set), Some(cache)) = (self.set.as_ref(), cache.as_mut()) {
                let inp = Input::new(line);
                if set
                    .search_half_with(cache, &inp.clone().earliest(true))
                    .is_some()
                {
                    pset.clear();
                    set.which_overlapping_matches_with(cache, &inp, &mut pset);
                    for pid in pset.iter() {
                        let (ri, pi) = self.pat_rule[pid.as_usize()];
                        let rule = &self.rules[ri];
                        let sec = match rule.place {
                            crate::model::Where::In => rule.sections.iter().find(|&&s| active[s]),
                            crate::model::Where::NotIn => {
                                rule.sections.iter().find(|&&s| !active[s])
                            }
                            crate::model::Where::Never => None,
                        };
                        if let Some(&s) = sec {
                            winner = Some((ri, pi, s));
                            break;
                        }
                    }
                }
            }
            if let Some((ri, pi, s)) = winner {
                let rule = &self.rules[ri];
                let st = &mut states[ri];
                st.count += 1;
                let section = &self.section_names[s];
                let caps = rule.patterns[pi].regex.captures(line);
                match &rule.check {
                    Check::Count { cmp, value } => {
                        writeln!(
                            out,
                            "LOGPRO {}: {} {} {value} in section {section} on line {line_no}",
                            rule.kind.label(),
                            rule.desc,
                            cmp.symbol()
                        )?;
                    }
                    Check::Value {
                        expected,
                        tol,
                        matchnum,
                    } => {
                        let group = caps.as_ref().and_then(|c| c.get(*matchnum));
                        let (verdict, got) = match group {
                            None => (
                                Err("regex matched but no captured value, use parens"),
                                "-".to_string(),
                            ),
                            Some(m) => {
                                let text = String::from_utf8_lossy(m.as_bytes()).into_owned();
                                match mt_scheme::parse_number(text.trim()) {
                                    Some(v) => {
                                        let shown = mt_scheme::to_display_string(&v);
                                        let m = v.as_f64().unwrap_or(f64::NAN);
                                        st.measured_num = Some(m);
                                        (Ok(value_passes(m, *expected, *tol)), shown)
                                    }
                                    None => (Err("match is not a number"), text),
                                }
                            }
                        };
                        let spec = value_spec(*expected, *tol);
                        match verdict {
                            Ok(true) => st.pass += 1,
                            _ => st.fail += 1,
                        }
                        if group.is_some() {
                            st.measured = Some(got.clone());
                        }
                        let word = match verdict {
                            Ok(true) => "PASS".to_string(),
                            Ok(false) => "FAIL".to_string(),
                            Err(why) => format!("FAIL ({why})"),
                        };
                        writeln!(
                            out,
                            "LOGPRO Value: {} {spec} got {got} which is {word} in section {section} on line {line_no}",
                            rule.desc
                        )?;
                    }
                }
                if let Some(hname) = &rule.hook {
                    if let Some(h) = hooks.get(hname).cloned() {
                        let cmd = crate::hooks::expand_line_hook(&h.command, line, caps.as_ref());
                        let tag = if rule.kind.tally() == Some(Tally::Errs) {
                            "ERRMSG"
                        } else {
                            "NONERR"
                        };
                        writeln!(out, "{tag} HOOK CALLED: {cmd}")?;
                        out.flush()?;
                        crate::hooks::run(&cmd);
                        if h.one_time {
                            hooks.remove(hname);
                        }
                    }
                }
            }

            // 4. Echo, 5. HTML.
            out.write_all(line)?;
            out.write_all(b"\n")?;
            if let Some(h) = html.as_mut() {
                match (winner, fired) {
                    (Some((ri, _, _)), _) => {
                        let k = states[ri].count - 1;
                        html::write_rule_line(h, &self.rules[ri], k, line)?;
                    }
                    (None, Some(ti)) => html::write_trigger_line(h, &self.triggers[ti].name, line)?,
                    (None, None) => html::write_plain_line(h, line)?,
                }
            }
            line_no += 1;
        }

        // Value hooks run at summary time on the last numeric measurement.
        for (ri, rule) in self.rules.iter().enumerate() {
            if let (Check::Value { expected, tol, .. }, Some(hname), Some(m)) =
                (&rule.check, &rule.hook, states[ri].measured_num)
            {
                if let Some(h) = hooks.get(hname) {
                    let cmd =
                        crate::hooks::expand_value_hook(&h.command, m, &rule.desc, *expected, *tol);
                    writeln!(out, "VALUE HOOK CALLED: {cmd}")?;
                    out.flush()?;
                    crate::hooks::run(&cmd);
                }
            }
        }

        let outcome = self.verdict(&states, &trig_count, line_no);
        out.write_all(outcome.summary_text().as_bytes())?;
        out.flush()?;
        if let Some(h) = html.as_mut() {
            html::write_tail(h, &outcome)?;
            h.flush()?;
        }
        Ok(outcome)
    }

    fn verdict(&self, states: &[RuleState], trig_count: &[u64], lines: u64) -> Outcome {
        let mut rules = Vec::with_capacity(self.rules.len());
        let mut tallies = [0u32; 6];
        for (r, st) in self.rules.iter().zip(states) {
            let ok = rule_passes(r, st);
            if !ok {
                if let Some(t) = r.kind.tally() {
                    tallies[t as usize] += 1;
                }
            }
            rules.push(RuleResult {
                num: r.num,
                kind: r.kind,
                place: r.place,
                sections: r
                    .sections
                    .iter()
                    .map(|&s| self.section_names[s].clone())
                    .collect(),
                desc: r.desc.clone(),
                ok,
                count: st.count,
                check: r.check.clone(),
                value: match r.check {
                    Check::Value { .. } => Some(ValueResult {
                        measured: st.measured.clone(),
                        pass: st.pass,
                        fail: st.fail,
                    }),
                    Check::Count { .. } => None,
                },
                rx: r.patterns.iter().map(|p| p.source.clone()).collect(),
                class: r.class.clone(),
            });
        }
        let triggers = self
            .triggers
            .iter()
            .zip(trig_count)
            .rev()
            .map(|(t, &count)| TriggerResult {
                name: t.name.clone(),
                count,
                required: t.required,
            })
            .collect();
        let n = |t: Tally| tallies[t as usize] > 0;
        let code_error = !self.errors.is_empty();
        let (exit_code, status) = if n(Tally::Skips) {
            (6, "SKIP")
        } else if n(Tally::Aborts) {
            (5, "ABORT")
        } else if n(Tally::Checks) {
            (3, "CHECK")
        } else if n(Tally::Errs) {
            (1, "FAIL")
        } else if n(Tally::Warns) {
            (2, "WARN")
        } else if n(Tally::Waives) {
            (4, "WAIVE")
        } else if code_error {
            (1, "FAIL")
        } else {
            (0, "PASS")
        };
        Outcome::new(exit_code, status, code_error, rules, triggers, lines)
    }
}

fn rule_passes(r: &Rule, st: &RuleState) -> bool {
    match r.check {
        // `=` is an identity test in logpro: only an exact integer can equal a count.
        Check::Count {
            cmp: Cmp::Eq,
            value,
        } => matches!(value, Num::Int(v) if v >= 0 && v as u64 == st.count),
        Check::Count { cmp, value } => cmp.holds(st.count as f64, value.as_f64()),
        Check::Value { .. } => st.fail == 0 && st.pass >= 1,
    }
}

fn value_passes(m: f64, expected: Num, tol: Tolerance) -> bool {
    let e = expected.as_f64();
    match tol {
        Tolerance::Abs(t) => {
            let t = t.as_f64();
            e - t <= m && m <= e + t
        }
        Tolerance::Op(c) => c.holds(m, e),
    }
}

/// `E +/- T` or `OP E`, as printed in messages and the summary.
pub(crate) fn value_spec(expected: Num, tol: Tolerance) -> String {
    match tol {
        Tolerance::Abs(t) => format!("{expected} +/- {t}"),
        Tolerance::Op(c) => format!("{} {expected}", c.symbol()),
    }
}
