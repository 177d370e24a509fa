//! Core procedures: numbers, comparisons, lists, higher-order helpers, output, `exit`, `load`.

use crate::error::{ErrorKind, Result, SchemeError};
use crate::interp::Interp;
use crate::value::{equal, eqv, to_display_string, to_write_string, Value};

pub(crate) fn install(i: &mut Interp) {
    let table: &[(&str, crate::value::BuiltinFn)] = &[
        ("+", add),
        ("-", sub),
        ("*", mul),
        ("/", div),
        ("=", num_eq),
        ("<", num_lt),
        (">", num_gt),
        ("<=", num_le),
        (">=", num_ge),
        ("max", max),
        ("min", min),
        ("abs", abs),
        ("quotient", quotient),
        ("remainder", remainder),
        ("modulo", modulo),
        ("floor", floor),
        ("ceiling", ceiling),
        ("round", round),
        ("truncate", truncate),
        ("sqrt", sqrt),
        ("expt", expt),
        ("exact->inexact", to_inexact),
        ("inexact->exact", to_exact),
        ("exact", to_exact),
        ("inexact", to_inexact),
        ("add1", add1),
        ("sub1", sub1),
        ("number?", |_, a| pred(a, |v| v.is_number())),
        ("integer?", |_, a| {
            pred(a, |v| {
                matches!(v, Value::Int(_)) || matches!(v, Value::Float(f) if f.fract() == 0.0)
            })
        }),
        ("zero?", |_, a| num1(a).map(|n| Value::Bool(n == 0.0))),
        ("positive?", |_, a| num1(a).map(|n| Value::Bool(n > 0.0))),
        ("negative?", |_, a| num1(a).map(|n| Value::Bool(n < 0.0))),
        ("even?", |_, a| int1(a).map(|n| Value::Bool(n % 2 == 0))),
        ("odd?", |_, a| int1(a).map(|n| Value::Bool(n % 2 != 0))),
        ("not", |_, a| {
            arity(a, 1, 1).map(|_| Value::Bool(!a[0].is_true()))
        }),
        ("eq?", |_, a| {
            arity(a, 2, 2).map(|_| Value::Bool(eq(&a[0], &a[1])))
        }),
        ("eqv?", |_, a| {
            arity(a, 2, 2).map(|_| Value::Bool(eqv(&a[0], &a[1])))
        }),
        ("equal?", |_, a| {
            arity(a, 2, 2).map(|_| Value::Bool(equal(&a[0], &a[1])))
        }),
        ("boolean?", |_, a| pred(a, |v| matches!(v, Value::Bool(_)))),
        ("string?", |_, a| pred(a, |v| matches!(v, Value::Str(_)))),
        ("symbol?", |_, a| pred(a, |v| matches!(v, Value::Symbol(_)))),
        ("keyword?", |_, a| {
            pred(a, |v| matches!(v, Value::Keyword(_)))
        }),
        ("char?", |_, a| pred(a, |v| matches!(v, Value::Char(_)))),
        ("procedure?", |_, a| pred(a, |v| v.is_procedure())),
        ("null?", |_, a| pred(a, |v| matches!(v, Value::Nil))),
        ("pair?", |_, a| pred(a, |v| matches!(v, Value::Pair(_)))),
        ("list?", |_, a| pred(a, |v| v.list_to_vec().is_some())),
        ("regexp?", |_, a| pred(a, |v| matches!(v, Value::Regex(_)))),
        ("list", |_, a| Ok(Value::list(a.to_vec()))),
        ("cons", |_, a| {
            arity(a, 2, 2).map(|_| Value::cons(a[0].clone(), a[1].clone()))
        }),
        ("car", |_, a| arity(a, 1, 1).and_then(|_| car(&a[0]))),
        ("cdr", |_, a| arity(a, 1, 1).and_then(|_| cdr(&a[0]))),
        ("cadr", |_, a| {
            arity(a, 1, 1).and_then(|_| car(&cdr(&a[0])?))
        }),
        ("cddr", |_, a| {
            arity(a, 1, 1).and_then(|_| cdr(&cdr(&a[0])?))
        }),
        ("caar", |_, a| {
            arity(a, 1, 1).and_then(|_| car(&car(&a[0])?))
        }),
        ("cdar", |_, a| {
            arity(a, 1, 1).and_then(|_| cdr(&car(&a[0])?))
        }),
        ("caddr", |_, a| {
            arity(a, 1, 1).and_then(|_| car(&cdr(&cdr(&a[0])?)?))
        }),
        ("cdddr", |_, a| {
            arity(a, 1, 1).and_then(|_| cdr(&cdr(&cdr(&a[0])?)?))
        }),
        ("cadddr", |_, a| {
            arity(a, 1, 1).and_then(|_| car(&cdr(&cdr(&cdr(&a[0])?)?)?))
        }),
        ("first", |_, a| arity(a, 1, 1).and_then(|_| car(&a[0]))),
        ("second", |_, a| {
            arity(a, 1, 1).and_then(|_| car(&cdr(&a[0])?))
        }),
        ("third", |_, a| {
            arity(a, 1, 1).and_then(|_| car(&cdr(&cdr(&a[0])?)?))
        }),
        ("length", |_, a| {
            arity(a, 1, 1).and_then(|_| Ok(Value::Int(list(&a[0])?.len() as i64)))
        }),
        ("append", append),
        ("reverse", |_, a| {
            arity(a, 1, 1)?;
            Ok(Value::list(
                list(&a[0])?.into_iter().rev().collect::<Vec<_>>(),
            ))
        }),
        ("list-ref", |_, a| {
            arity(a, 2, 2)?;
            let idx = index(&a[1])?;
            list(&a[0])?
                .get(idx)
                .cloned()
                .ok_or_else(|| SchemeError::msg("index out of range"))
        }),
        ("list-tail", |_, a| {
            arity(a, 2, 2)?;
            let mut cur = a[0].clone();
            for _ in 0..index(&a[1])? {
                cur = cdr(&cur)?;
            }
            Ok(cur)
        }),
        ("last", |_, a| {
            arity(a, 1, 1)?;
            list(&a[0])?
                .pop()
                .ok_or_else(|| SchemeError::msg("empty list"))
        }),
        ("iota", |_, a| {
            arity(a, 1, 3)?;
            let n = index(&a[0])?;
            let start = a.get(1).map(num).transpose()?.unwrap_or(0.0);
            let step = a.get(2).map(num).transpose()?.unwrap_or(1.0);
            let exact = a[1..].iter().all(|v| matches!(v, Value::Int(_)));
            Ok(Value::list(
                (0..n)
                    .map(|k| {
                        let x = start + step * k as f64;
                        if exact {
                            Value::Int(x as i64)
                        } else {
                            Value::Float(x)
                        }
                    })
                    .collect::<Vec<_>>(),
            ))
        }),
        ("member", |_, a| member(a, equal)),
        ("memv", |_, a| member(a, eqv)),
        ("memq", |_, a| member(a, eq)),
        ("assoc", |_, a| assoc(a, equal)),
        ("assv", |_, a| assoc(a, eqv)),
        ("assq", |_, a| assoc(a, eq)),
        ("delete", |_, a| {
            arity(a, 2, 2)?;
            Ok(Value::list(
                list(&a[1])?
                    .into_iter()
                    .filter(|v| !equal(v, &a[0]))
                    .collect::<Vec<_>>(),
            ))
        }),
        ("apply", apply),
        ("map", map),
        ("for-each", for_each),
        ("filter", filter),
        ("remove", remove),
        ("sort", sort),
        ("sort!", sort),
        ("display", |i, a| {
            arity(a, 1, 2)?;
            i.out().push_str(&to_display_string(&a[0]));
            Ok(Value::Unspecified)
        }),
        ("write", |i, a| {
            arity(a, 1, 2)?;
            i.out().push_str(&to_write_string(&a[0]));
            Ok(Value::Unspecified)
        }),
        ("newline", |i, _| {
            i.out().push('\n');
            Ok(Value::Unspecified)
        }),
        ("print", |i, a| {
            for v in a {
                let s = to_display_string(v);
                i.out().push_str(&s);
            }
            i.out().push('\n');
            Ok(Value::Unspecified)
        }),
        ("void", |_, _| Ok(Value::Unspecified)),
        ("exit", |_, a| {
            let code = match a.first() {
                None | Some(Value::Bool(true)) => 0,
                Some(Value::Int(n)) => *n as i32,
                Some(_) => 1,
            };
            Err(SchemeError::new(
                ErrorKind::Exit(code),
                format!("exit {code}"),
            ))
        }),
        ("error", |_, a| {
            let msg = a
                .iter()
                .map(to_display_string)
                .collect::<Vec<_>>()
                .join(" ");
            Err(SchemeError::msg(format!("error: {msg}")))
        }),
        ("load", |i, a| {
            arity(a, 1, 1)?;
            let path = a[0]
                .as_str()
                .ok_or_else(|| SchemeError::msg("load: expected a file name"))?
                .to_string();
            i.load_file(&path)
        }),
    ];
    for (name, f) in table {
        i.define_builtin(name, *f);
    }
}

/// Check the argument count.
pub(crate) fn arity(a: &[Value], min: usize, max: usize) -> Result<()> {
    if a.len() < min || a.len() > max {
        let want = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(SchemeError::msg(format!(
            "bad argument count - received {} but expected {want}",
            a.len()
        )));
    }
    Ok(())
}

fn pred(a: &[Value], f: impl Fn(&Value) -> bool) -> Result<Value> {
    arity(a, 1, 1)?;
    Ok(Value::Bool(f(&a[0])))
}

pub(crate) fn eq(a: &Value, b: &Value) -> bool {
    eqv(a, b)
}

pub(crate) fn num(v: &Value) -> Result<f64> {
    v.as_f64().ok_or_else(|| {
        SchemeError::msg(format!(
            "bad argument type - not a number: {}",
            to_write_string(v)
        ))
    })
}

fn num1(a: &[Value]) -> Result<f64> {
    arity(a, 1, 1)?;
    num(&a[0])
}

fn int1(a: &[Value]) -> Result<i64> {
    arity(a, 1, 1)?;
    int(&a[0])
}

pub(crate) fn int(v: &Value) -> Result<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Float(f) if f.fract() == 0.0 => Ok(*f as i64),
        _ => Err(SchemeError::msg(format!(
            "bad argument type - not an integer: {}",
            to_write_string(v)
        ))),
    }
}

pub(crate) fn index(v: &Value) -> Result<usize> {
    let i = int(v)?;
    usize::try_from(i).map_err(|_| SchemeError::msg(format!("bad index {i}")))
}

pub(crate) fn list(v: &Value) -> Result<Vec<Value>> {
    v.list_to_vec().ok_or_else(|| {
        SchemeError::msg(format!(
            "bad argument type - not a list: {}",
            to_write_string(v)
        ))
    })
}

fn car(v: &Value) -> Result<Value> {
    match v {
        Value::Pair(p) => Ok(p.car.clone()),
        _ => Err(SchemeError::msg(format!(
            "bad argument type - not a pair: {}",
            to_write_string(v)
        ))),
    }
}

fn cdr(v: &Value) -> Result<Value> {
    match v {
        Value::Pair(p) => Ok(p.cdr.clone()),
        _ => Err(SchemeError::msg(format!(
            "bad argument type - not a pair: {}",
            to_write_string(v)
        ))),
    }
}

#[derive(Clone, Copy)]
enum N {
    I(i64),
    F(f64),
}

fn to_n(v: &Value) -> Result<N> {
    match v {
        Value::Int(i) => Ok(N::I(*i)),
        Value::Float(f) => Ok(N::F(*f)),
        _ => Err(SchemeError::msg(format!(
            "bad argument type - not a number: {}",
            to_write_string(v)
        ))),
    }
}

fn from_n(n: N) -> Value {
    match n {
        N::I(i) => Value::Int(i),
        N::F(f) => Value::Float(f),
    }
}

fn as_f(n: N) -> f64 {
    match n {
        N::I(i) => i as f64,
        N::F(f) => f,
    }
}

fn arith(
    a: &[Value],
    init: N,
    iop: fn(i64, i64) -> Option<i64>,
    fop: fn(f64, f64) -> f64,
) -> Result<Value> {
    let mut acc = init;
    for v in a {
        let x = to_n(v)?;
        acc = match (acc, x) {
            (N::I(p), N::I(q)) => match iop(p, q) {
                Some(r) => N::I(r),
                None => N::F(fop(p as f64, q as f64)),
            },
            (p, q) => N::F(fop(as_f(p), as_f(q))),
        };
    }
    Ok(from_n(acc))
}

fn add(_: &mut Interp, a: &[Value]) -> Result<Value> {
    arith(a, N::I(0), i64::checked_add, |x, y| x + y)
}

fn mul(_: &mut Interp, a: &[Value]) -> Result<Value> {
    arith(a, N::I(1), i64::checked_mul, |x, y| x * y)
}

fn sub(_: &mut Interp, a: &[Value]) -> Result<Value> {
    arity(a, 1, usize::MAX)?;
    if a.len() == 1 {
        return arith(a, N::I(0), i64::checked_sub, |x, y| x - y);
    }
    arith(&a[1..], to_n(&a[0])?, i64::checked_sub, |x, y| x - y)
}

fn div(_: &mut Interp, a: &[Value]) -> Result<Value> {
    arity(a, 1, usize::MAX)?;
    let (first, rest) = if a.len() == 1 {
        (N::I(1), a)
    } else {
        (to_n(&a[0])?, &a[1..])
    };
    let mut acc = first;
    for v in rest {
        let x = to_n(v)?;
        acc = match (acc, x) {
            (_, N::I(0)) => return Err(SchemeError::msg("division by zero")),
            (N::I(p), N::I(q)) if p % q == 0 => N::I(p / q),
            (p, q) => N::F(as_f(p) / as_f(q)),
        };
    }
    Ok(from_n(acc))
}

fn compare(a: &[Value], ok: fn(std::cmp::Ordering) -> bool) -> Result<Value> {
    arity(a, 1, usize::MAX)?;
    let mut result = true;
    for w in a.windows(2) {
        let ord = match (to_n(&w[0])?, to_n(&w[1])?) {
            (N::I(x), N::I(y)) => x.cmp(&y),
            (x, y) => as_f(x)
                .partial_cmp(&as_f(y))
                .unwrap_or(std::cmp::Ordering::Less),
        };
        if !ok(ord) {
            result = false;
        }
    }
    if a.len() == 1 {
        to_n(&a[0])?;
    }
    Ok(Value::Bool(result))
}

fn num_eq(_: &mut Interp, a: &[Value]) -> Result<Value> {
    compare(a, |o| o.is_eq())
}
fn num_lt(_: &mut Interp, a: &[Value]) -> Result<Value> {
    compare(a, |o| o.is_lt())
}
fn num_gt(_: &mut Interp, a: &[Value]) -> Result<Value> {
    compare(a, |o| o.is_gt())
}
fn num_le(_: &mut Interp, a: &[Value]) -> Result<Value> {
    compare(a, |o| o.is_le())
}
fn num_ge(_: &mut Interp, a: &[Value]) -> Result<Value> {
    compare(a, |o| o.is_ge())
}

fn extremum(a: &[Value], want_max: bool) -> Result<Value> {
    arity(a, 1, usize::MAX)?;
    let mut best = to_n(&a[0])?;
    let mut inexact = matches!(best, N::F(_));
    for v in &a[1..] {
        let x = to_n(v)?;
        inexact |= matches!(x, N::F(_));
        let better = if want_max {
            as_f(x) > as_f(best)
        } else {
            as_f(x) < as_f(best)
        };
        if better {
            best = x;
        }
    }
    // Scheme: an inexact argument makes the result inexact.
    Ok(if inexact {
        Value::Float(as_f(best))
    } else {
        from_n(best)
    })
}

fn max(_: &mut Interp, a: &[Value]) -> Result<Value> {
    extremum(a, true)
}
fn min(_: &mut Interp, a: &[Value]) -> Result<Value> {
    extremum(a, false)
}
fn abs(_: &mut Interp, a: &[Value]) -> Result<Value> {
    arity(a, 1, 1)?;
    Ok(match to_n(&a[0])? {
        N::I(i) => i
            .checked_abs()
            .map(Value::Int)
            .unwrap_or(Value::Float((i as f64).abs())),
        N::F(f) => Value::Float(f.abs()),
    })
}

fn int2(a: &[Value]) -> Result<(i64, i64)> {
    arity(a, 2, 2)?;
    let (x, y) = (int(&a[0])?, int(&a[1])?);
    if y == 0 {
        return Err(SchemeError::msg("division by zero"));
    }
    Ok((x, y))
}
fn quotient(_: &mut Interp, a: &[Value]) -> Result<Value> {
    let (x, y) = int2(a)?;
    Ok(Value::Int(x.wrapping_div(y)))
}
fn remainder(_: &mut Interp, a: &[Value]) -> Result<Value> {
    let (x, y) = int2(a)?;
    Ok(Value::Int(x.wrapping_rem(y)))
}
fn modulo(_: &mut Interp, a: &[Value]) -> Result<Value> {
    let (x, y) = int2(a)?;
    Ok(Value::Int(((x.wrapping_rem(y)) + y).wrapping_rem(y)))
}
fn rounding(a: &[Value], f: fn(f64) -> f64) -> Result<Value> {
    arity(a, 1, 1)?;
    Ok(match to_n(&a[0])? {
        N::I(i) => Value::Int(i),
        N::F(x) => Value::Float(f(x)),
    })
}
fn floor(_: &mut Interp, a: &[Value]) -> Result<Value> {
    rounding(a, f64::floor)
}
fn ceiling(_: &mut Interp, a: &[Value]) -> Result<Value> {
    rounding(a, f64::ceil)
}
fn round(_: &mut Interp, a: &[Value]) -> Result<Value> {
    // Scheme rounds half to even.
    rounding(a, |x| {
        let r = x.round();
        if (x - x.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
            r - x.signum()
        } else {
            r
        }
    })
}
fn truncate(_: &mut Interp, a: &[Value]) -> Result<Value> {
    rounding(a, f64::trunc)
}
fn sqrt(_: &mut Interp, a: &[Value]) -> Result<Value> {
    let x = num1(a)?;
    let r = x.sqrt();
    Ok(if matches!(a[0], Value::Int(_)) && r.fract() == 0.0 {
        Value::Int(r as i64)
    } else {
        Value::Float(r)
    })
}
fn expt(_: &mut Interp, a: &[Value]) -> Result<Value> {
    arity(a, 2, 2)?;
    if let (Value::Int(b), Value::Int(e)) = (&a[0], &a[1]) {
        if let Ok(e) = u32::try_from(*e) {
            if let Some(r) = b.checked_pow(e) {
                return Ok(Value::Int(r));
            }
        }
    }
    Ok(Value::Float(num(&a[0])?.powf(num(&a[1])?)))
}
fn to_inexact(_: &mut Interp, a: &[Value]) -> Result<Value> {
    Ok(Value::Float(num1(a)?))
}
fn to_exact(_: &mut Interp, a: &[Value]) -> Result<Value> {
    let x = num1(a)?;
    Ok(Value::Int(x.round() as i64))
}
fn add1(_: &mut Interp, a: &[Value]) -> Result<Value> {
    arity(a, 1, 1)?;
    arith(
        &[a[0].clone(), Value::Int(1)],
        N::I(0),
        i64::checked_add,
        |x, y| x + y,
    )
}
fn sub1(_: &mut Interp, a: &[Value]) -> Result<Value> {
    arity(a, 1, 1)?;
    arith(&[Value::Int(1)], to_n(&a[0])?, i64::checked_sub, |x, y| {
        x - y
    })
}

fn append(_: &mut Interp, a: &[Value]) -> Result<Value> {
    let Some((last, init)) = a.split_last() else {
        return Ok(Value::Nil);
    };
    let mut acc = last.clone();
    for v in init.iter().rev() {
        acc = list(v)?
            .into_iter()
            .rev()
            .fold(acc, |t, x| Value::cons(x, t));
    }
    Ok(acc)
}

fn member(a: &[Value], same: fn(&Value, &Value) -> bool) -> Result<Value> {
    arity(a, 2, 2)?;
    let mut cur = a[1].clone();
    while let Value::Pair(p) = &cur {
        if same(&a[0], &p.car) {
            return Ok(cur);
        }
        let next = p.cdr.clone();
        cur = next;
    }
    Ok(Value::Bool(false))
}

fn assoc(a: &[Value], same: fn(&Value, &Value) -> bool) -> Result<Value> {
    arity(a, 2, 2)?;
    for entry in list(&a[1])? {
        if let Value::Pair(p) = &entry {
            if same(&a[0], &p.car) {
                return Ok(entry);
            }
        }
    }
    Ok(Value::Bool(false))
}

fn apply(i: &mut Interp, a: &[Value]) -> Result<Value> {
    arity(a, 1, usize::MAX)?;
    let mut args: Vec<Value> = a[1..a.len().saturating_sub(1).max(1)].to_vec();
    if a.len() > 1 {
        args.extend(list(&a[a.len() - 1])?);
    }
    i.apply(&a[0], args)
}

/// The argument lists of `map`/`for-each`, stopping at the shortest.
fn columns(a: &[Value]) -> Result<Vec<Vec<Value>>> {
    arity(a, 2, usize::MAX)?;
    let lists = a[1..].iter().map(list).collect::<Result<Vec<_>>>()?;
    let n = lists.iter().map(Vec::len).min().unwrap_or(0);
    Ok((0..n)
        .map(|k| lists.iter().map(|l| l[k].clone()).collect())
        .collect())
}

fn map(i: &mut Interp, a: &[Value]) -> Result<Value> {
    let mut out = Vec::new();
    for args in columns(a)? {
        out.push(i.apply(&a[0], args)?);
    }
    Ok(Value::list(out))
}

fn for_each(i: &mut Interp, a: &[Value]) -> Result<Value> {
    for args in columns(a)? {
        i.apply(&a[0], args)?;
    }
    Ok(Value::Unspecified)
}

fn filter(i: &mut Interp, a: &[Value]) -> Result<Value> {
    arity(a, 2, 2)?;
    let mut out = Vec::new();
    for v in list(&a[1])? {
        if i.apply(&a[0], vec![v.clone()])?.is_true() {
            out.push(v);
        }
    }
    Ok(Value::list(out))
}

fn remove(i: &mut Interp, a: &[Value]) -> Result<Value> {
    arity(a, 2, 2)?;
    let mut out = Vec::new();
    for v in list(&a[1])? {
        if !i.apply(&a[0], vec![v.clone()])?.is_true() {
            out.push(v);
        }
    }
    Ok(Value::list(out))
}

/// `(sort LIST LESS?)` — a stable merge sort that calls back into Scheme.
fn sort(i: &mut Interp, a: &[Value]) -> Result<Value> {
    arity(a, 2, 2)?;
    let items = list(&a[0])?;
    let less = a[1].clone();
    let sorted = merge_sort(i, items, &less)?;
    Ok(Value::list(sorted))
}

fn merge_sort(i: &mut Interp, mut v: Vec<Value>, less: &Value) -> Result<Vec<Value>> {
    if v.len() <= 1 {
        return Ok(v);
    }
    let right = v.split_off(v.len() / 2);
    let left = merge_sort(i, v, less)?;
    let right = merge_sort(i, right, less)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    while let (Some(x), Some(y)) = (l.peek(), r.peek()) {
        // Take from the right only when it is strictly less: keeps the sort stable.
        if i.apply(less, vec![y.clone(), x.clone()])?.is_true() {
            out.extend(r.next());
        } else {
            out.extend(l.next());
        }
    }
    out.extend(l);
    out.extend(r);
    Ok(out)
}
