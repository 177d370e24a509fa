//! Runtime values, procedures and the `display`/`write` renderings.

use crate::error::{Result, SchemeError};
use crate::expr::LambdaDef;
use crate::interp::{Env, Interp};
use std::cell::OnceCell;
use std::fmt::Write as _;
use std::rc::Rc;

/// A host-provided procedure: gets the evaluated arguments, returns a value or an error.
pub type HostFn = dyn Fn(&[Value]) -> Result<Value>;

/// A built-in that needs the interpreter (to call procedures back, load files, print).
pub(crate) type BuiltinFn = fn(&mut Interp, &[Value]) -> Result<Value>;

/// A host procedure that also wants to know where it was called from.
pub type HostFnAt = dyn Fn(&[Value], &CallSite) -> Result<Value>;

/// Where a procedure was called: the source name and line of the call form (for calls
/// made by `map`/`for-each`/`apply`, the call of that procedure).
#[derive(Debug, Clone)]
pub struct CallSite {
    pub source: Rc<str>,
    pub line: u32,
}

pub(crate) enum PrimKind {
    Builtin(BuiltinFn),
    Host(Box<HostFn>),
    HostAt(Box<HostFnAt>),
}

/// A primitive procedure with the name it was registered under.
pub struct Primitive {
    pub name: Rc<str>,
    pub(crate) kind: PrimKind,
}

/// A user procedure: its code plus the environment it closed over.
pub struct Closure {
    pub(crate) def: Rc<LambdaDef>,
    pub(crate) env: Env,
}

impl Closure {
    pub fn name(&self) -> Option<&str> {
        self.def.name.as_deref()
    }
}

/// A compiled regular expression together with the text it came from.
pub struct SRegex {
    /// Pattern in Rust `regex` syntax, flags included as a `(?i)`-style prefix.
    pattern: String,
    /// Source text for reports (`/BODY/FLAGS` for literals), `None` for `(regexp ...)`.
    pub source: Option<String>,
    pub caseless: bool,
    compiled: std::result::Result<regex::Regex, String>,
    anchored: OnceCell<std::result::Result<regex::Regex, String>>,
}

impl SRegex {
    /// Build from an irregex-style body and flag letters (`i`, `x`, `u`).
    pub fn new(body: &str, flags: &str, source: Option<String>) -> SRegex {
        let caseless = flags.contains('i');
        let mut prefix = String::new();
        if caseless {
            prefix.push('i');
        }
        if flags.contains('x') {
            prefix.push('x');
        }
        let translated = translate_irregex(body);
        let pattern = if prefix.is_empty() {
            translated
        } else {
            format!("(?{prefix}){translated}")
        };
        let compiled = regex::Regex::new(&pattern).map_err(|e| e.to_string());
        SRegex {
            pattern,
            source,
            caseless,
            compiled,
            anchored: OnceCell::new(),
        }
    }

    /// The pattern in Rust `regex` syntax (flags as an inline prefix).
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The compiled regex, or the compile error message.
    pub fn regex(&self) -> Result<&regex::Regex> {
        self.compiled
            .as_ref()
            .map_err(|e| SchemeError::msg(format!("invalid regex: {e}")))
    }

    /// The compile error, if the pattern is not valid.
    pub fn error(&self) -> Option<&str> {
        self.compiled.as_ref().err().map(|s| s.as_str())
    }

    /// The same pattern anchored at both ends (for `string-match`).
    pub fn anchored(&self) -> Result<&regex::Regex> {
        self.anchored
            .get_or_init(|| {
                regex::Regex::new(&format!("^(?:{})$", self.pattern)).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| SchemeError::msg(format!("invalid regex: {e}")))
    }
}

/// irregex and Rust regex agree on everything the corpora use; the one difference that
/// matters is `\/` (an escaped delimiter) which we turn into a plain `/`.
fn translate_irregex(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('/') => out.push('/'),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push_str("\\\\"),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A cons cell. Pairs are immutable; `line` is the source line for pairs made by the
/// reader (0 for pairs built at run time).
pub struct Pair {
    pub car: Value,
    pub cdr: Value,
}

impl Drop for Pair {
    // Long or deeply nested lists would otherwise be freed recursively and could
    // overflow the stack; unlink them with an explicit worklist instead.
    fn drop(&mut self) {
        let mut work: Vec<Value> = Vec::new();
        for v in [std::mem::take(&mut self.car), std::mem::take(&mut self.cdr)] {
            if matches!(v, Value::Pair(_)) {
                work.push(v);
            }
        }
        while let Some(v) = work.pop() {
            if let Value::Pair(rc) = v {
                if let Ok(mut p) = Rc::try_unwrap(rc) {
                    for c in [std::mem::take(&mut p.car), std::mem::take(&mut p.cdr)] {
                        if matches!(c, Value::Pair(_)) {
                            work.push(c);
                        }
                    }
                }
            }
        }
    }
}

/// A Scheme value.
#[derive(Clone, Default)]
pub enum Value {
    /// The empty list `'()` (truthy, as in Chicken).
    Nil,
    /// What `set!`, `display`, ... return.
    #[default]
    Unspecified,
    Bool(bool),
    Int(i64),
    Float(f64),
    Char(char),
    Str(Rc<str>),
    Symbol(Rc<str>),
    /// A `name:` keyword (self-evaluating), as used for `expires:` options.
    Keyword(Rc<str>),
    Pair(Rc<Pair>),
    Closure(Rc<Closure>),
    Primitive(Rc<Primitive>),
    Regex(Rc<SRegex>),
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&to_write_string(self))
    }
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }
    pub fn sym(s: &str) -> Value {
        Value::Symbol(Rc::from(s))
    }
    pub fn cons(car: Value, cdr: Value) -> Value {
        Value::Pair(Rc::new(Pair { car, cdr }))
    }
    /// Build a proper list from an iterator.
    pub fn list<I: IntoIterator<Item = Value>>(items: I) -> Value
    where
        I::IntoIter: DoubleEndedIterator,
    {
        items
            .into_iter()
            .rev()
            .fold(Value::Nil, |acc, v| Value::cons(v, acc))
    }
    /// Only `#f` is false.
    pub fn is_true(&self) -> bool {
        !matches!(self, Value::Bool(false))
    }
    pub fn is_procedure(&self) -> bool {
        matches!(self, Value::Closure(_) | Value::Primitive(_))
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
    pub fn is_number(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Float(_))
    }
    /// The name of a primitive or named closure, for procedures.
    pub fn procedure_name(&self) -> Option<&str> {
        match self {
            Value::Primitive(p) => Some(&p.name),
            Value::Closure(c) => c.name(),
            _ => None,
        }
    }
    /// The elements of a proper list, or `None` if it is not one.
    pub fn list_to_vec(&self) -> Option<Vec<Value>> {
        let mut out = Vec::new();
        let mut cur = self;
        loop {
            match cur {
                Value::Nil => return Some(out),
                Value::Pair(p) => {
                    out.push(p.car.clone());
                    cur = &p.cdr;
                }
                _ => return None,
            }
        }
    }
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "empty list",
            Value::Unspecified => "unspecified",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::Float(_) => "number",
            Value::Char(_) => "char",
            Value::Str(_) => "string",
            Value::Symbol(_) => "symbol",
            Value::Keyword(_) => "keyword",
            Value::Pair(_) => "pair",
            Value::Closure(_) | Value::Primitive(_) => "procedure",
            Value::Regex(_) => "regex",
        }
    }
}

/// Number formatting as Chicken displays it (`1.0`, `0.5`, `42`).
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return "+nan.0".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+inf.0".into()
        } else {
            "-inf.0".into()
        };
    }
    let s = format!("{f}");
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

/// `display` semantics: strings and chars raw, `#f`/`#t`, lists as `(a b)`.
pub fn to_display_string(v: &Value) -> String {
    let mut s = String::new();
    render(v, false, &mut s);
    s
}

/// `write` semantics: strings quoted and escaped.
pub fn to_write_string(v: &Value) -> String {
    let mut s = String::new();
    render(v, true, &mut s);
    s
}

/// Nesting beyond this is printed as `...` (keeps deep car-nesting off the stack).
const MAX_RENDER_DEPTH: usize = 1000;

fn render(v: &Value, write: bool, out: &mut String) {
    render_at(v, write, out, 0)
}

fn render_at(v: &Value, write: bool, out: &mut String, depth: usize) {
    if depth > MAX_RENDER_DEPTH {
        out.push_str("...");
        return;
    }
    match v {
        Value::Nil => out.push_str("()"),
        Value::Unspecified => {
            if write {
                out.push_str("#<unspecified>")
            }
        }
        Value::Bool(true) => out.push_str("#t"),
        Value::Bool(false) => out.push_str("#f"),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&format_float(*f)),
        Value::Char(c) => {
            if write {
                match c {
                    ' ' => out.push_str("#\\space"),
                    '\n' => out.push_str("#\\newline"),
                    '\t' => out.push_str("#\\tab"),
                    c => {
                        let _ = write!(out, "#\\{c}");
                    }
                }
            } else {
                out.push(*c)
            }
        }
        Value::Str(s) => {
            if write {
                out.push('"');
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\t' => out.push_str("\\t"),
                        c => out.push(c),
                    }
                }
                out.push('"');
            } else {
                out.push_str(s)
            }
        }
        Value::Symbol(s) => out.push_str(s),
        Value::Keyword(s) => {
            out.push_str(s);
            out.push(':');
        }
        Value::Pair(_) => {
            out.push('(');
            let mut cur = v;
            let mut first = true;
            loop {
                match cur {
                    Value::Pair(p) => {
                        if !first {
                            out.push(' ');
                        }
                        first = false;
                        render_at(&p.car, write, out, depth + 1);
                        cur = &p.cdr;
                    }
                    Value::Nil => break,
                    other => {
                        out.push_str(" . ");
                        render_at(other, write, out, depth + 1);
                        break;
                    }
                }
            }
            out.push(')');
        }
        Value::Closure(c) => {
            let _ = write!(out, "#<procedure ({})>", c.name().unwrap_or("?"));
        }
        Value::Primitive(p) => {
            let _ = write!(out, "#<procedure ({})>", p.name);
        }
        Value::Regex(r) => {
            let _ = write!(
                out,
                "#<regexp {}>",
                r.source.as_deref().unwrap_or(&r.pattern)
            );
        }
    }
}

/// `eqv?`: identity for compound values, value equality for atoms of the same exactness.
pub fn eqv(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) | (Value::Unspecified, Value::Unspecified) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Char(x), Value::Char(y)) => x == y,
        (Value::Symbol(x), Value::Symbol(y)) | (Value::Keyword(x), Value::Keyword(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => Rc::ptr_eq(x, y),
        (Value::Pair(x), Value::Pair(y)) => Rc::ptr_eq(x, y),
        (Value::Closure(x), Value::Closure(y)) => Rc::ptr_eq(x, y),
        (Value::Primitive(x), Value::Primitive(y)) => Rc::ptr_eq(x, y),
        (Value::Regex(x), Value::Regex(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

/// `equal?`: structural equality.
pub fn equal(a: &Value, b: &Value) -> bool {
    equal_at(a, b, 0)
}

/// Structures nested deeper than this compare by identity (keeps the stack bounded).
const MAX_EQUAL_DEPTH: usize = 1000;

fn equal_at(a: &Value, b: &Value, depth: usize) -> bool {
    if depth > MAX_EQUAL_DEPTH {
        return eqv(a, b);
    }
    let (mut a, mut b) = (a, b);
    loop {
        match (a, b) {
            (Value::Str(x), Value::Str(y)) => return x == y,
            (Value::Pair(x), Value::Pair(y)) => {
                if !equal_at(&x.car, &y.car, depth + 1) {
                    return false;
                }
                a = &x.cdr;
                b = &y.cdr;
            }
            _ => return eqv(a, b),
        }
    }
}
