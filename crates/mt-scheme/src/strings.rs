//! String, symbol and regex procedures, with Chicken 4 semantics (see config spec §0).

use crate::builtins::{arity, index, list, num};
use crate::error::{Result, SchemeError};
use crate::interp::Interp;
use crate::reader::parse_number;
use crate::value::{format_float, to_display_string, to_write_string, SRegex, Value};
use std::rc::Rc;

pub(crate) fn install(i: &mut Interp) {
    let table: &[(&str, crate::value::BuiltinFn)] = &[
        ("string-append", |_, a| {
            let mut s = String::new();
            for v in a {
                s.push_str(string(v)?);
            }
            Ok(Value::str(&s))
        }),
        ("conc", |_, a| {
            Ok(Value::str(
                &a.iter().map(to_display_string).collect::<String>(),
            ))
        }),
        ("->string", |_, a| {
            arity(a, 1, 1).map(|_| Value::str(&to_display_string(&a[0])))
        }),
        ("string-length", |_, a| {
            arity(a, 1, 1)?;
            Ok(Value::Int(string(&a[0])?.chars().count() as i64))
        }),
        ("substring", |_, a| {
            arity(a, 2, 3)?;
            let chars: Vec<char> = string(&a[0])?.chars().collect();
            let start = index(&a[1])?;
            let end = a.get(2).map(index).transpose()?.unwrap_or(chars.len());
            if start > end || end > chars.len() {
                return Err(SchemeError::msg(format!("out of range: {start} {end}")));
            }
            Ok(Value::str(&chars[start..end].iter().collect::<String>()))
        }),
        ("string=?", |_, a| str_cmp(a, |x, y| x == y)),
        ("string<?", |_, a| str_cmp(a, |x, y| x < y)),
        ("string>?", |_, a| str_cmp(a, |x, y| x > y)),
        ("string<=?", |_, a| str_cmp(a, |x, y| x <= y)),
        ("string>=?", |_, a| str_cmp(a, |x, y| x >= y)),
        ("string-ci=?", |_, a| {
            str_cmp(a, |x, y| x.eq_ignore_ascii_case(y))
        }),
        ("string-null?", |_, a| {
            arity(a, 1, 1).and_then(|_| Ok(Value::Bool(string(&a[0])?.is_empty())))
        }),
        ("string-upcase", |_, a| {
            arity(a, 1, 1).and_then(|_| Ok(Value::str(&string(&a[0])?.to_uppercase())))
        }),
        ("string-downcase", |_, a| {
            arity(a, 1, 1).and_then(|_| Ok(Value::str(&string(&a[0])?.to_lowercase())))
        }),
        ("string->number", |_, a| {
            arity(a, 1, 2)?;
            let s = string(&a[0])?;
            let radix = a.get(1).map(index).transpose()?.unwrap_or(10);
            Ok(if radix == 10 {
                parse_number(s.trim_end())
                    .filter(|_| !s.is_empty())
                    .unwrap_or(Value::Bool(false))
            } else {
                u32::try_from(radix)
                    .ok()
                    .and_then(|r| i64::from_str_radix(s, r).ok())
                    .map(Value::Int)
                    .unwrap_or(Value::Bool(false))
            })
        }),
        ("number->string", |_, a| {
            arity(a, 1, 2)?;
            let radix = a.get(1).map(index).transpose()?.unwrap_or(10);
            match (&a[0], radix) {
                (Value::Int(i), 10) => Ok(Value::str(&i.to_string())),
                (Value::Int(i), 16) => Ok(Value::str(&format!("{i:x}"))),
                (Value::Int(i), 8) => Ok(Value::str(&format!("{i:o}"))),
                (Value::Int(i), 2) => Ok(Value::str(&format!("{i:b}"))),
                (Value::Float(f), _) => Ok(Value::str(&format_float(*f))),
                (v, _) => Err(SchemeError::msg(format!(
                    "bad argument type - not a number: {}",
                    to_write_string(v)
                ))),
            }
        }),
        ("string->symbol", |_, a| {
            arity(a, 1, 1).and_then(|_| Ok(Value::Symbol(Rc::from(string(&a[0])?))))
        }),
        ("symbol->string", |_, a| {
            arity(a, 1, 1)?;
            match &a[0] {
                Value::Symbol(s) => Ok(Value::Str(s.clone())),
                v => Err(SchemeError::msg(format!(
                    "bad argument type - not a symbol: {}",
                    to_write_string(v)
                ))),
            }
        }),
        ("string->list", |_, a| {
            arity(a, 1, 1)?;
            Ok(Value::list(
                string(&a[0])?.chars().map(Value::Char).collect::<Vec<_>>(),
            ))
        }),
        ("list->string", |_, a| {
            arity(a, 1, 1)?;
            let mut s = String::new();
            for c in list(&a[0])? {
                match c {
                    Value::Char(c) => s.push(c),
                    v => {
                        return Err(SchemeError::msg(format!(
                            "not a char: {}",
                            to_write_string(&v)
                        )))
                    }
                }
            }
            Ok(Value::str(&s))
        }),
        ("string", |_, a| {
            let mut s = String::new();
            for c in a {
                match c {
                    Value::Char(c) => s.push(*c),
                    v => {
                        return Err(SchemeError::msg(format!(
                            "not a char: {}",
                            to_write_string(v)
                        )))
                    }
                }
            }
            Ok(Value::str(&s))
        }),
        ("string-split", string_split),
        ("string-intersperse", |_, a| {
            arity(a, 1, 2)?;
            let sep = a.get(1).map(string).transpose()?.unwrap_or(" ");
            let parts = list(&a[0])?
                .iter()
                .map(|v| string(v).map(str::to_string))
                .collect::<Result<Vec<_>>>()?;
            Ok(Value::str(&parts.join(sep)))
        }),
        ("string-join", |_, a| {
            arity(a, 1, 2)?;
            let sep = a.get(1).map(string).transpose()?.unwrap_or(" ");
            let parts = list(&a[0])?
                .iter()
                .map(|v| string(v).map(str::to_string))
                .collect::<Result<Vec<_>>>()?;
            Ok(Value::str(&parts.join(sep)))
        }),
        ("string-prefix?", |_, a| {
            arity(a, 2, 2)?;
            Ok(Value::Bool(string(&a[1])?.starts_with(string(&a[0])?)))
        }),
        ("string-suffix?", |_, a| {
            arity(a, 2, 2)?;
            Ok(Value::Bool(string(&a[1])?.ends_with(string(&a[0])?)))
        }),
        ("string-contains", |_, a| {
            arity(a, 2, 2)?;
            let (h, n) = (string(&a[0])?, string(&a[1])?);
            Ok(h.find(n)
                .map(|b| Value::Int(h[..b].chars().count() as i64))
                .unwrap_or(Value::Bool(false)))
        }),
        ("string-trim", |_, a| {
            arity(a, 1, 1).and_then(|_| Ok(Value::str(string(&a[0])?.trim_start())))
        }),
        ("string-trim-right", |_, a| {
            arity(a, 1, 1).and_then(|_| Ok(Value::str(string(&a[0])?.trim_end())))
        }),
        ("string-trim-both", |_, a| {
            arity(a, 1, 1).and_then(|_| Ok(Value::str(string(&a[0])?.trim())))
        }),
        ("regexp", regexp),
        ("irregex", regexp),
        ("string-search", |_, a| {
            arity(a, 2, 3)?;
            let re = to_regex(&a[0])?;
            let s = string(&a[1])?;
            let start = a.get(2).map(index).transpose()?.unwrap_or(0);
            let start = s
                .char_indices()
                .nth(start)
                .map(|(b, _)| b)
                .unwrap_or(s.len());
            let r = re.regex()?;
            Ok(r.captures_at(s, start)
                .map(|c| captures_list(&c))
                .unwrap_or(Value::Bool(false)))
        }),
        ("string-match", |_, a| {
            arity(a, 2, 2)?;
            let re = to_regex(&a[0])?;
            let s = string(&a[1])?;
            let r = re.anchored()?;
            Ok(r.captures(s)
                .map(|c| captures_list(&c))
                .unwrap_or(Value::Bool(false)))
        }),
        ("string-substitute", string_substitute),
    ];
    for (name, f) in table {
        i.define_builtin(name, *f);
    }
}

pub(crate) fn string(v: &Value) -> Result<&str> {
    v.as_str().ok_or_else(|| {
        SchemeError::msg(format!(
            "bad argument type - not a string: {}",
            to_write_string(v)
        ))
    })
}

fn str_cmp(a: &[Value], f: fn(&str, &str) -> bool) -> Result<Value> {
    arity(a, 2, usize::MAX)?;
    for w in a.windows(2) {
        if !f(string(&w[0])?, string(&w[1])?) {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

/// `(string-split STR [DELIMS [KEEP-EMPTY]])`: split on any char of DELIMS (default
/// whitespace), dropping empty fields unless KEEP-EMPTY is true.
fn string_split(_: &mut Interp, a: &[Value]) -> Result<Value> {
    arity(a, 1, 3)?;
    let s = string(&a[0])?;
    let delims = a.get(1).map(string).transpose()?.unwrap_or(" \t\n");
    let keep = a.get(2).is_some_and(Value::is_true);
    let parts: Vec<Value> = s
        .split(|c| delims.contains(c))
        .filter(|p| keep || !p.is_empty())
        .map(Value::str)
        .collect();
    Ok(Value::list(parts))
}

/// `(regexp STR [CASELESS [EXTENDED [UTF8]]])`; `irregex` also accepts option symbols.
fn regexp(_: &mut Interp, a: &[Value]) -> Result<Value> {
    arity(a, 1, 4)?;
    if let Value::Regex(r) = &a[0] {
        return Ok(Value::Regex(r.clone()));
    }
    let body = string(&a[0])?;
    let mut flags = String::new();
    for (k, v) in a[1..].iter().enumerate() {
        match v {
            Value::Symbol(s) if matches!(&**s, "i" | "case-insensitive" | "ci") => flags.push('i'),
            Value::Symbol(s) if matches!(&**s, "x" | "extended") => flags.push('x'),
            Value::Symbol(_) => {}
            v if v.is_true() && k == 0 => flags.push('i'),
            v if v.is_true() && k == 1 => flags.push('x'),
            _ => {}
        }
    }
    let re = SRegex::new(body, &flags, None);
    if let Some(e) = re.error() {
        return Err(SchemeError::msg(format!("invalid regex \"{body}\": {e}")));
    }
    Ok(Value::Regex(Rc::new(re)))
}

/// A regex argument: a regex value, or a string compiled on the spot.
fn to_regex(v: &Value) -> Result<Rc<SRegex>> {
    match v {
        Value::Regex(r) => Ok(r.clone()),
        Value::Str(s) => {
            let re = SRegex::new(s, "", None);
            if let Some(e) = re.error() {
                return Err(SchemeError::msg(format!("invalid regex \"{s}\": {e}")));
            }
            Ok(Rc::new(re))
        }
        v => Err(SchemeError::msg(format!(
            "bad argument type - not a regex: {}",
            to_write_string(v)
        ))),
    }
}

/// The whole match then each group; a group that did not take part is `#f`.
fn captures_list(c: &regex::Captures<'_>) -> Value {
    Value::list(
        c.iter()
            .map(|m| {
                m.map(|m| Value::str(m.as_str()))
                    .unwrap_or(Value::Bool(false))
            })
            .collect::<Vec<_>>(),
    )
}

/// `(string-substitute RX SUBST STR [MODE])`: first match only unless MODE is given
/// and not a number; `\N` in SUBST is group N.
fn string_substitute(_: &mut Interp, a: &[Value]) -> Result<Value> {
    arity(a, 3, 4)?;
    let re = to_regex(&a[0])?;
    let subst = string(&a[1])?;
    let s = string(&a[2])?;
    let all = a.get(3).is_some_and(|m| !m.is_number());
    if let Some(m) = a.get(3) {
        if m.is_number() {
            num(m)?;
        }
    }
    let mut rep = String::with_capacity(subst.len());
    let mut chars = subst.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => rep.push_str("$$"),
            '\\' => match chars.peek() {
                Some(d) if d.is_ascii_digit() => {
                    let mut n = String::new();
                    while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                        n.push(*d);
                        chars.next();
                    }
                    rep.push_str(&format!("${{{n}}}"));
                }
                Some('\\') => {
                    chars.next();
                    rep.push('\\');
                }
                _ => rep.push('\\'),
            },
            c => rep.push(c),
        }
    }
    let r = re.regex()?;
    let out = if all {
        r.replace_all(s, rep.as_str())
    } else {
        r.replace(s, rep.as_str())
    };
    Ok(Value::str(&out))
}
