//! Loading a rules file: evaluate it with mt-scheme, with the logpro procedures
//! registered as natives that record triggers, sections, rules, hooks and settings.

use crate::date;
use crate::error::LogproError;
use crate::model::{
    Check, Cmp, Hook, Num, Pattern, Rule, RuleKind, SectionDef, Tolerance, Trigger, Where,
};
use crate::ruleset::RuleSet;
use mt_scheme::{
    to_display_string, to_write_string, CallSite, ErrorKind, Interp, SchemeError, Value,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Name of the built-in section active from the first line on.
pub const LOG_FILE_BODY: &str = "LogFileBody";

/// Everything the natives record while the rules file runs.
pub(crate) struct Builder {
    pub next_num: usize,
    pub rules: Vec<Rule>,
    pub triggers: Vec<Trigger>,
    pub sections: Vec<SectionDef>,
    pub section_names: Vec<String>,
    pub hooks: HashMap<String, Hook>,
    pub settings: HashMap<String, Value>,
    pub messages: String,
    pub errors: Vec<LogproError>,
}

impl Builder {
    fn new() -> Builder {
        let mut b = Builder {
            next_num: 0,
            rules: Vec::new(),
            triggers: Vec::new(),
            sections: Vec::new(),
            section_names: Vec::new(),
            hooks: HashMap::new(),
            settings: HashMap::new(),
            messages: String::new(),
            errors: Vec::new(),
        };
        b.settings.insert("summdat".into(), Value::Bool(true));
        // The built-in trigger and section: "LogFileBody" opens on the first line and
        // never closes ("LogFileBodyEnd" never fires).
        let any = regex::bytes::Regex::new(".*").map(|regex| Pattern {
            regex,
            source: "/.*/".into(),
        });
        b.triggers.push(Trigger {
            name: "LogFileBodyStart".into(),
            limit: 1,
            required: true,
            patterns: any.into_iter().collect(),
        });
        let s = b.section(LOG_FILE_BODY);
        b.sections.push(SectionDef {
            section: s,
            start: "LogFileBodyStart".into(),
            end: "LogFileBodyEnd".into(),
        });
        b
    }

    /// Intern a section name.
    pub fn section(&mut self, name: &str) -> usize {
        match self.section_names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.section_names.push(name.to_string());
                self.section_names.len() - 1
            }
        }
    }

    fn bad(&mut self, site: &CallSite, message: String) {
        self.messages.push_str(&format!(
            "ERROR: {message} ({}:{})\n",
            site.source, site.line
        ));
        self.errors.push(LogproError::BadRule {
            file: site.source.to_string(),
            line: site.line,
            message,
        });
    }
}

fn arg_count(got: usize, want: usize) -> SchemeError {
    SchemeError::msg(format!(
        "bad argument count - received {got} but expected {want}"
    ))
}

/// Split trailing `key: value` pairs. Unknown keys are kept (and ignored by callers),
/// as Chicken's `#!key` does.
fn keywords(rest: &[Value]) -> Result<HashMap<String, Value>, SchemeError> {
    let mut out = HashMap::new();
    let mut it = rest.iter();
    while let Some(k) = it.next() {
        let Value::Keyword(name) = k else {
            return Err(SchemeError::msg(format!(
                "too many arguments: unexpected {}",
                to_write_string(k)
            )));
        };
        let v = it
            .next()
            .ok_or_else(|| SchemeError::msg(format!("keyword {name}: has no value")))?;
        out.insert(name.to_string(), v.clone());
    }
    Ok(out)
}

/// Turn a pattern argument (regex, string, or list of them) into compiled patterns.
fn patterns(v: &Value, out: &mut Vec<Pattern>, errs: &mut Vec<String>) {
    match v {
        Value::Regex(r) => {
            let source = r
                .source
                .clone()
                .unwrap_or_else(|| "no regex found".to_string());
            match regex::bytes::Regex::new(r.pattern()) {
                Ok(regex) => out.push(Pattern { regex, source }),
                Err(e) => errs.push(format!("invalid regex {source}: {}", short(&e))),
            }
        }
        Value::Str(s) => {
            let re = mt_scheme::SRegex::new(s, "", None);
            match regex::bytes::Regex::new(re.pattern()) {
                Ok(regex) => out.push(Pattern {
                    regex,
                    source: "no regex found".into(),
                }),
                Err(e) => errs.push(format!("invalid regex \"{s}\": {}", short(&e))),
            }
        }
        Value::Pair(_) | Value::Nil => match v.list_to_vec() {
            Some(items) => items.iter().for_each(|i| patterns(i, out, errs)),
            None => errs.push(format!(
                "pattern list is not a proper list: {}",
                to_write_string(v)
            )),
        },
        other => errs.push(format!(
            "pattern is not a regex: {}",
            to_write_string(other)
        )),
    }
}

/// The last line of a regex parse error ("error: unclosed character class").
fn short(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .last()
        .unwrap_or("")
        .trim_start_matches("error: ")
        .to_string()
}

fn num(v: &Value) -> Option<Num> {
    match v {
        Value::Int(i) => Some(Num::Int(*i)),
        Value::Float(f) => Some(Num::Float(*f)),
        _ => None,
    }
}

fn cmp_of(v: &Value) -> Option<Cmp> {
    match v {
        Value::Primitive(p) => Cmp::from_name(&p.name),
        _ => None,
    }
}

/// Section names from a string or a list of strings. A list registers the rule under
/// each name (logpro's quirk Q5, which dropped rules, is not reproduced).
fn section_list(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Str(s) => Some(vec![s.to_string()]),
        Value::Pair(_) => v
            .list_to_vec()?
            .iter()
            .map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}

/// Common tail of `expect:*` and `expect:value`: validation, expiry, registration.
struct Common {
    kind: RuleKind,
    place: Value,
    section: Value,
    desc: Value,
    patt: Value,
    kw: HashMap<String, Value>,
}

fn register(b: &Rc<RefCell<Builder>>, site: &CallSite, c: Common, check: Option<Check>) {
    let mut b = b.borrow_mut();
    b.next_num += 1;
    let num = b.next_num;
    let type_sym = c.kind.symbol();
    let mut problems = Vec::new();
    let place = match &c.place {
        Value::Symbol(s) if &**s == "in" => Where::In,
        Value::Symbol(s) if &**s == "not-in" => Where::NotIn,
        Value::Symbol(_) => Where::Never,
        other => {
            problems.push(format!(
                "expect:{type_sym} rule-{num}: WHERE must be in or not-in, got {}",
                to_write_string(other)
            ));
            Where::Never
        }
    };
    let sections = section_list(&c.section).unwrap_or_else(|| {
        problems.push(format!(
            "expect:{type_sym} rule-{num}: SECTION must be a string or a list of strings, got {}",
            to_write_string(&c.section)
        ));
        Vec::new()
    });
    let desc = match &c.desc {
        Value::Str(s) => s.to_string(),
        other => {
            problems.push(format!(
                "expect:{type_sym} rule-{num}: DESCRIPTION must be a string, got {}",
                to_write_string(other)
            ));
            to_display_string(other)
        }
    };
    let check = check.unwrap_or_else(|| {
        problems.push(format!(
            "expect:{type_sym} rule-{num}: bad comparison or value"
        ));
        Check::Count {
            cmp: Cmp::Eq,
            value: Num::Int(0),
        }
    });
    let mut pats = Vec::new();
    let mut perrs = Vec::new();
    patterns(&c.patt, &mut pats, &mut perrs);
    problems.extend(
        perrs
            .into_iter()
            .map(|e| format!("expect:{type_sym} rule-{num} \"{desc}\": {e}")),
    );
    let mut expired = false;
    if let Some(exp) = c.kw.get("expires") {
        match exp {
            Value::Str(s) => {
                let shape = s.split('/').count() == 3
                    && s.split('/').all(|p| {
                        !p.trim().is_empty() && p.trim().bytes().all(|c| c.is_ascii_digit())
                    });
                match date::parse_mdy(s).filter(|_| shape) {
                    Some(t) if t <= date::now() => expired = true,
                    Some(_) => {}
                    None => b.messages.push_str(&format!(
                        "WARNING: Couldn't parse date: {s}, rule-{num} stays active\n"
                    )),
                }
            }
            other => problems.push(format!(
                "expect:{type_sym} rule-{num}: expires: must be a string, got {}",
                to_write_string(other)
            )),
        }
    }
    let hook = c.kw.get("hook").map(to_display_string);
    let class = c.kw.get("class").map(to_display_string);
    if !problems.is_empty() {
        for p in problems {
            b.bad(site, p);
        }
        return;
    }
    if expired {
        let date =
            c.kw.get("expires")
                .map(to_display_string)
                .unwrap_or_default();
        b.messages.push_str(&format!(
            "expect:{type_sym} rule-{num} \"{desc}\" expires={date}: expired, rule not registered ({}:{})\n",
            site.source, site.line
        ));
        return;
    }
    let sections = sections.iter().map(|s| b.section(s)).collect();
    b.rules.push(Rule {
        num,
        kind: c.kind,
        place,
        sections,
        check,
        desc,
        patterns: pats,
        hook,
        class,
    });
}

fn expect_native(
    b: &Rc<RefCell<Builder>>,
    fixed: Option<RuleKind>,
    a: &[Value],
    site: &CallSite,
) -> Result<Value, SchemeError> {
    if a.len() < 6 {
        return Err(arg_count(a.len(), 6));
    }
    let kw = keywords(&a[6..])?;
    let kind = match fixed {
        Some(k) => k,
        None => match kw.get("type") {
            Some(Value::Symbol(s)) | Some(Value::Str(s)) => RuleKind::from_symbol(s)
                .ok_or_else(|| SchemeError::msg(format!("unknown rule type {s}")))?,
            Some(other) => {
                return Err(SchemeError::msg(format!(
                    "unknown rule type {}",
                    to_write_string(other)
                )))
            }
            None => RuleKind::Error,
        },
    };
    let check = match (cmp_of(&a[2]), num(&a[3])) {
        (Some(cmp), Some(value)) => Some(Check::Count { cmp, value }),
        _ => None,
    };
    let c = Common {
        kind,
        place: a[0].clone(),
        section: a[1].clone(),
        desc: a[4].clone(),
        patt: a[5].clone(),
        kw,
    };
    if check.is_none() {
        let mut bb = b.borrow_mut();
        if cmp_of(&a[2]).is_none() {
            let what = if a[2].is_procedure() {
                "is not one of = < > <= >="
            } else {
                "is not a procedure"
            };
            bb.bad(
                site,
                format!(
                    "expect:{} COMPARISON {} {what}",
                    kind.symbol(),
                    to_write_string(&a[2])
                ),
            );
        }
        if num(&a[3]).is_none() {
            bb.bad(
                site,
                format!(
                    "expect:{} VALUE {} is not a number",
                    kind.symbol(),
                    to_write_string(&a[3])
                ),
            );
        }
        bb.next_num += 1;
        return Ok(Value::Unspecified);
    }
    register(b, site, c, check);
    Ok(Value::Unspecified)
}

fn value_native(
    b: &Rc<RefCell<Builder>>,
    a: &[Value],
    site: &CallSite,
) -> Result<Value, SchemeError> {
    if a.len() < 6 {
        return Err(arg_count(a.len(), 6));
    }
    let kw = keywords(&a[6..])?;
    let matchnum = match kw.get("matchnum") {
        None => Some(1),
        Some(Value::Int(n)) if *n >= 0 => Some(*n as usize),
        Some(_) => None,
    };
    let tol = match (&a[3], cmp_of(&a[3])) {
        (_, Some(c)) => Some(Tolerance::Op(c)),
        (v, None) => num(v).map(Tolerance::Abs),
    };
    let check = match (num(&a[2]), tol, matchnum) {
        (Some(expected), Some(tol), Some(matchnum)) => Some(Check::Value {
            expected,
            tol,
            matchnum,
        }),
        _ => None,
    };
    if check.is_none() {
        let mut bb = b.borrow_mut();
        bb.bad(
            site,
            format!(
                "expect:value needs a numeric EXPECTED, a number or operator TOL and an integer matchnum:, got {} {}",
                to_write_string(&a[2]),
                to_write_string(&a[3])
            ),
        );
        bb.next_num += 1;
        return Ok(Value::Unspecified);
    }
    let c = Common {
        kind: RuleKind::Value,
        place: a[0].clone(),
        section: a[1].clone(),
        desc: a[4].clone(),
        patt: a[5].clone(),
        kw,
    };
    register(b, site, c, check);
    Ok(Value::Unspecified)
}

fn trigger_native(
    b: &Rc<RefCell<Builder>>,
    a: &[Value],
    site: &CallSite,
    limit: Option<u64>,
    required: bool,
) -> Result<Value, SchemeError> {
    let (name, pats) = match limit {
        Some(_) => {
            if a.len() < 3 {
                return Err(arg_count(a.len(), 3));
            }
            (&a[0], &a[2..])
        }
        None => {
            if a.len() < 2 {
                return Err(arg_count(a.len(), 2));
            }
            (&a[0], &a[1..])
        }
    };
    let limit = match limit {
        Some(_) => match &a[1] {
            Value::Int(n) if *n >= 0 => *n as u64,
            other => {
                b.borrow_mut().bad(
                    site,
                    format!(
                        "trigger-with-limit: limit must be a count, got {}",
                        to_write_string(other)
                    ),
                );
                return Ok(Value::Unspecified);
            }
        },
        None => 1,
    };
    let mut bb = b.borrow_mut();
    let Value::Str(name) = name else {
        bb.bad(
            site,
            format!(
                "trigger name must be a string, got {}",
                to_write_string(name)
            ),
        );
        return Ok(Value::Unspecified);
    };
    let mut out = Vec::new();
    let mut errs = Vec::new();
    for p in pats {
        patterns(p, &mut out, &mut errs);
    }
    for e in errs {
        bb.bad(site, format!("trigger {name}: {e}"));
    }
    bb.triggers.push(Trigger {
        name: name.to_string(),
        limit,
        required,
        patterns: out,
    });
    Ok(Value::Unspecified)
}

fn section_native(
    b: &Rc<RefCell<Builder>>,
    a: &[Value],
    site: &CallSite,
) -> Result<Value, SchemeError> {
    if a.len() != 3 {
        return Err(arg_count(a.len(), 3));
    }
    let mut bb = b.borrow_mut();
    match (&a[0], &a[1], &a[2]) {
        (Value::Str(n), Value::Str(s), Value::Str(e)) => {
            let section = bb.section(n);
            bb.sections.push(SectionDef {
                section,
                start: s.to_string(),
                end: e.to_string(),
            });
        }
        _ => bb.bad(
            site,
            "section: NAME, START and END must be strings".to_string(),
        ),
    }
    Ok(Value::Unspecified)
}

/// Register the logpro vocabulary in `interp`, recording into `b`.
pub(crate) fn install(interp: &mut Interp, b: &Rc<RefCell<Builder>>) {
    interp.set_global("in", Value::sym("in"));
    interp.set_global("not-in", Value::sym("not-in"));
    interp.set_global("before", Value::sym("before"));
    interp.set_global("after", Value::sym("after"));
    interp.set_global("logfile", Value::str(LOG_FILE_BODY));
    let kinds: &[(&str, Option<RuleKind>)] = &[
        ("expect", None),
        ("expect:error", Some(RuleKind::Error)),
        ("expect:required", Some(RuleKind::Required)),
        ("expect:required-warn", Some(RuleKind::RequiredWarn)),
        ("expect:warning", Some(RuleKind::Warning)),
        ("expect:warn", Some(RuleKind::Warning)),
        ("expect:check", Some(RuleKind::Check)),
        ("expect:abort", Some(RuleKind::Abort)),
        ("expect:skip", Some(RuleKind::Skip)),
        ("expect:waive", Some(RuleKind::Waive)),
        ("expect:waived", Some(RuleKind::Waive)),
        ("expect:waiver", Some(RuleKind::Waive)),
        ("expect:ignore", Some(RuleKind::Ignore)),
        ("expect:note", Some(RuleKind::Note)),
    ];
    for (name, kind) in kinds {
        let b = b.clone();
        let kind = *kind;
        interp.define_native_at(name, move |a, site| expect_native(&b, kind, a, site));
    }
    let b2 = b.clone();
    interp.define_native_at("expect:value", move |a, site| value_native(&b2, a, site));
    let b2 = b.clone();
    interp.define_native_at("trigger", move |a, site| {
        trigger_native(&b2, a, site, None, true)
    });
    let b2 = b.clone();
    interp.define_native_at("trigger-with-limit", move |a, site| {
        trigger_native(&b2, a, site, Some(0), true)
    });
    let b2 = b.clone();
    interp.define_native_at("trigger:non-required", move |a, site| {
        trigger_native(&b2, a, site, None, false)
    });
    let b2 = b.clone();
    interp.define_native_at("section", move |a, site| section_native(&b2, a, site));
    let b2 = b.clone();
    interp.define_native("hook:add", move |a| {
        if a.len() < 2 {
            return Err(arg_count(a.len(), 2));
        }
        let kw = keywords(&a[2..])?;
        let (Value::Str(name), Value::Str(cmd)) = (&a[0], &a[1]) else {
            return Err(SchemeError::msg(
                "hook:add NAME and COMMAND must be strings",
            ));
        };
        let one_time = kw.get("one-time").is_some_and(Value::is_true);
        b2.borrow_mut().hooks.insert(
            name.to_string(),
            Hook {
                command: cmd.to_string(),
                one_time,
            },
        );
        Ok(Value::Unspecified)
    });
    let b2 = b.clone();
    interp.define_native("logpro:set!", move |a| {
        if a.len() != 2 {
            return Err(arg_count(a.len(), 2));
        }
        b2.borrow_mut()
            .settings
            .insert(to_display_string(&a[0]), a[1].clone());
        Ok(Value::Unspecified)
    });
    let b2 = b.clone();
    interp.define_native("logpro:get", move |a| {
        if a.len() != 1 {
            return Err(arg_count(a.len(), 1));
        }
        Ok(b2
            .borrow()
            .settings
            .get(&to_display_string(&a[0]))
            .cloned()
            .unwrap_or(Value::Bool(false)))
    });
    let b2 = b.clone();
    interp.define_native("logpro:unset!", move |a| {
        if a.len() != 1 {
            return Err(arg_count(a.len(), 1));
        }
        b2.borrow_mut().settings.remove(&to_display_string(&a[0]));
        Ok(Value::Unspecified)
    });
}

/// Evaluate the given sources in order (waiver file first) and build the rule set.
pub(crate) fn load_sources(sources: &[(String, String)]) -> Result<RuleSet, LogproError> {
    let builder = Rc::new(RefCell::new(Builder::new()));
    let mut interp = Interp::new();
    install(&mut interp, &builder);
    let mut output = String::new();
    for (name, text) in sources {
        let r = interp.eval_str(name, text);
        output.push_str(&interp.take_output());
        if let Err(e) = r {
            return Err(match e.kind {
                ErrorKind::Exit(code) => LogproError::Exit {
                    file: name.clone(),
                    code,
                },
                _ => LogproError::Syntax(e),
            });
        }
    }
    drop(interp);
    let b = Rc::try_unwrap(builder)
        .map(RefCell::into_inner)
        .unwrap_or_else(|rc| {
            let mut b = rc.borrow_mut();
            std::mem::replace(&mut *b, Builder::new())
        });
    let mut messages = output;
    messages.push_str(&b.messages);
    Ok(RuleSet::build(
        sources.last().map(|s| s.0.clone()).unwrap_or_default(),
        b,
        messages,
    ))
}
