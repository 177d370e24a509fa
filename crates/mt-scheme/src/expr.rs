//! The compiler from read data to a small expression tree, which the evaluator walks.
//! Special forms are recognised here, so malformed ones fail before anything runs.

use crate::error::{ErrorKind, Result, SchemeError};
use crate::reader::{Datum, DatumKind};
use crate::value::Value;
use std::rc::Rc;

/// A source location: file (or other source name) and line.
#[derive(Debug, Clone)]
pub struct Loc {
    pub src: Rc<str>,
    pub line: u32,
}

pub(crate) struct LambdaDef {
    pub params: Vec<Rc<str>>,
    pub rest: Option<Rc<str>>,
    pub body: Vec<Expr>,
    pub name: Option<Rc<str>>,
}

pub(crate) struct CondClause {
    /// `None` for `else`.
    pub test: Option<Expr>,
    pub body: Vec<Expr>,
    /// `(test => proc)`
    pub arrow: bool,
}

pub(crate) enum Expr {
    Const(Value),
    Var(Rc<str>, Loc),
    Set(Rc<str>, Box<Expr>, Loc),
    Define(Rc<str>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Option<Box<Expr>>),
    Lambda(Rc<LambdaDef>),
    Begin(Vec<Expr>),
    Let(Vec<(Rc<str>, Expr)>, Vec<Expr>),
    Letrec(Vec<(Rc<str>, Expr)>, Vec<Expr>),
    NamedLet(Rc<str>, Vec<Expr>, Rc<LambdaDef>, Loc),
    Cond(Vec<CondClause>, Loc),
    Case(Box<Expr>, Vec<(Vec<Value>, Vec<Expr>)>, Option<Vec<Expr>>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Call(Box<Expr>, Vec<Expr>, Loc),
    /// quasiquote helpers: `(cons a b)` and `(append a b)` that cannot be shadowed.
    QCons(Box<Expr>, Box<Expr>),
    QAppend(Box<Expr>, Box<Expr>, Loc),
}

/// Extensions whose `(use ...)` is accepted as a no-op: their procedures are built in.
const KNOWN_EXTENSIONS: &[&str] = &[
    "regex",
    "srfi-1",
    "srfi-13",
    "srfi-69",
    "posix",
    "extras",
    "data-structures",
    "irregex",
    "regex-literals",
    "files",
    "utils",
    "scheme",
    "chicken",
];

/// Forms we recognise as syntax but do not support: named in the error.
const UNSUPPORTED: &[&str] = &[
    "define-syntax",
    "let-syntax",
    "letrec-syntax",
    "syntax-rules",
    "do",
    "let-values",
    "let*-values",
    "define-values",
    "define-record-type",
    "define-record",
    "handle-exceptions",
    "condition-case",
    "guard",
    "delay",
    "delay-force",
    "make-promise",
    "parameterize",
    "fluid-let",
    "module",
    "define-inline",
    "define-constant",
    "receive",
    "case-lambda",
    "call/cc",
    "call-with-current-continuation",
    "dynamic-wind",
    "eval",
    "with-exception-handler",
];

pub(crate) struct Compiler<'a> {
    pub src: &'a Rc<str>,
}

fn syntax_err(loc: &Loc, msg: String) -> SchemeError {
    SchemeError::new(ErrorKind::Syntax, msg).at(&loc.src, loc.line)
}

impl Compiler<'_> {
    fn loc(&self, d: &Datum) -> Loc {
        Loc {
            src: self.src.clone(),
            line: d.line,
        }
    }

    pub fn compile(&self, d: &Datum) -> Result<Expr> {
        match &d.kind {
            DatumKind::Atom(Value::Symbol(s)) => Ok(Expr::Var(s.clone(), self.loc(d))),
            DatumKind::Atom(v) => Ok(Expr::Const(v.clone())),
            DatumKind::List(items, tail) => {
                let loc = self.loc(d);
                if items.is_empty() {
                    return Err(syntax_err(&loc, "illegal empty combination ()".into()));
                }
                if tail.is_some() {
                    return Err(syntax_err(&loc, "dotted list in code".into()));
                }
                if let Some(head) = items[0].as_symbol() {
                    if let Some(e) = self.special(head, items, &loc)? {
                        return Ok(e);
                    }
                }
                let f = self.compile(&items[0])?;
                let args = items[1..]
                    .iter()
                    .map(|a| self.compile(a))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Expr::Call(Box::new(f), args, loc))
            }
        }
    }

    fn body(&self, items: &[Datum], loc: &Loc, form: &str) -> Result<Vec<Expr>> {
        if items.is_empty() {
            return Err(syntax_err(loc, format!("({form} ...) has an empty body")));
        }
        items.iter().map(|d| self.compile(d)).collect()
    }

    fn seq(&self, items: &[Datum]) -> Result<Expr> {
        if items.is_empty() {
            return Ok(Expr::Const(Value::Unspecified));
        }
        let mut v = items
            .iter()
            .map(|d| self.compile(d))
            .collect::<Result<Vec<_>>>()?;
        Ok(if v.len() == 1 {
            v.pop().unwrap_or(Expr::Const(Value::Unspecified))
        } else {
            Expr::Begin(v)
        })
    }

    fn bindings(&self, d: &Datum, loc: &Loc, form: &str) -> Result<Vec<(Rc<str>, Expr)>> {
        let DatumKind::List(items, None) = &d.kind else {
            return Err(syntax_err(
                loc,
                format!("({form} ...) bindings must be a list"),
            ));
        };
        items
            .iter()
            .map(|b| match &b.kind {
                DatumKind::List(pair, None) if !pair.is_empty() && pair.len() <= 2 => {
                    let name = pair[0].as_symbol().ok_or_else(|| {
                        syntax_err(loc, format!("({form} ...) binding name is not a symbol"))
                    })?;
                    let init = match pair.get(1) {
                        Some(e) => self.compile(e)?,
                        None => Expr::Const(Value::Unspecified),
                    };
                    Ok((Rc::from(name), init))
                }
                _ => Err(syntax_err(
                    &self.loc(b),
                    format!("({form} ...) malformed binding"),
                )),
            })
            .collect()
    }

    fn lambda(
        &self,
        formals: &Datum,
        body: &[Datum],
        name: Option<Rc<str>>,
        loc: &Loc,
    ) -> Result<LambdaDef> {
        let (params, rest) = match &formals.kind {
            DatumKind::Atom(Value::Symbol(s)) => (Vec::new(), Some(s.clone())),
            DatumKind::List(items, tail) => {
                let params = items
                    .iter()
                    .map(|p| {
                        p.as_symbol().map(Rc::from).ok_or_else(|| {
                            syntax_err(loc, "lambda parameter is not a symbol".into())
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let rest = match tail {
                    Some(t) => Some(Rc::from(t.as_symbol().ok_or_else(|| {
                        syntax_err(loc, "lambda rest parameter is not a symbol".into())
                    })?)),
                    None => None,
                };
                (params, rest)
            }
            _ => return Err(syntax_err(loc, "bad lambda parameter list".into())),
        };
        let body = self.body(body, loc, "lambda")?;
        Ok(LambdaDef {
            params,
            rest,
            body,
            name,
        })
    }

    fn special(&self, head: &str, items: &[Datum], loc: &Loc) -> Result<Option<Expr>> {
        let argc = items.len() - 1;
        let need = |n: usize| -> Result<()> {
            if argc < n {
                Err(syntax_err(
                    loc,
                    format!("({head} ...) needs at least {n} argument(s)"),
                ))
            } else {
                Ok(())
            }
        };
        let e = match head {
            "quote" => {
                if argc != 1 {
                    return Err(syntax_err(loc, "(quote ...) takes one datum".into()));
                }
                Expr::Const(items[1].to_value())
            }
            "quasiquote" => {
                if argc != 1 {
                    return Err(syntax_err(loc, "(quasiquote ...) takes one datum".into()));
                }
                self.quasi(&items[1], 1)?
            }
            "if" => {
                if !(2..=3).contains(&argc) {
                    return Err(syntax_err(loc, "(if ...) takes 2 or 3 arguments".into()));
                }
                Expr::If(
                    Box::new(self.compile(&items[1])?),
                    Box::new(self.compile(&items[2])?),
                    items
                        .get(3)
                        .map(|d| self.compile(d))
                        .transpose()?
                        .map(Box::new),
                )
            }
            "define" => {
                need(1)?;
                match &items[1].kind {
                    DatumKind::Atom(Value::Symbol(name)) => {
                        let init = match items.get(2) {
                            Some(d) => self.compile(d)?,
                            None => Expr::Const(Value::Unspecified),
                        };
                        let init = match init {
                            Expr::Lambda(def) if def.name.is_none() => {
                                let def = Rc::try_unwrap(def)
                                    .map_err(|_| syntax_err(loc, "internal".into()))?;
                                Expr::Lambda(Rc::new(LambdaDef {
                                    name: Some(name.clone()),
                                    ..def
                                }))
                            }
                            other => other,
                        };
                        Expr::Define(name.clone(), Box::new(init))
                    }
                    DatumKind::List(sig, tail) if !sig.is_empty() => {
                        let name: Rc<str> = Rc::from(sig[0].as_symbol().ok_or_else(|| {
                            syntax_err(loc, "(define (NAME ...)) needs a symbol".into())
                        })?);
                        let formals = Datum {
                            line: items[1].line,
                            kind: DatumKind::List(sig[1..].to_vec(), tail.clone()),
                        };
                        let def = self.lambda(&formals, &items[2..], Some(name.clone()), loc)?;
                        Expr::Define(name, Box::new(Expr::Lambda(Rc::new(def))))
                    }
                    _ => return Err(syntax_err(loc, "malformed (define ...)".into())),
                }
            }
            "set!" => {
                if argc != 2 {
                    return Err(syntax_err(
                        loc,
                        "(set! NAME VALUE) takes 2 arguments".into(),
                    ));
                }
                let name = items[1]
                    .as_symbol()
                    .ok_or_else(|| syntax_err(loc, "(set! ...) needs a symbol".into()))?;
                Expr::Set(
                    Rc::from(name),
                    Box::new(self.compile(&items[2])?),
                    loc.clone(),
                )
            }
            "lambda" => {
                need(2)?;
                Expr::Lambda(Rc::new(self.lambda(&items[1], &items[2..], None, loc)?))
            }
            "begin" => self.seq(&items[1..])?,
            "let" => {
                need(2)?;
                if let Some(name) = items[1].as_symbol() {
                    need(3)?;
                    let binds = self.bindings(&items[2], loc, "let")?;
                    let (names, inits): (Vec<_>, Vec<_>) = binds.into_iter().unzip();
                    let body = self.body(&items[3..], loc, "let")?;
                    let name: Rc<str> = Rc::from(name);
                    let def = LambdaDef {
                        params: names,
                        rest: None,
                        body,
                        name: Some(name.clone()),
                    };
                    Expr::NamedLet(name, inits, Rc::new(def), loc.clone())
                } else {
                    Expr::Let(
                        self.bindings(&items[1], loc, "let")?,
                        self.body(&items[2..], loc, "let")?,
                    )
                }
            }
            "let*" => {
                need(2)?;
                let binds = self.bindings(&items[1], loc, "let*")?;
                let mut body = self.body(&items[2..], loc, "let*")?;
                if binds.is_empty() {
                    return Ok(Some(Expr::Let(Vec::new(), body)));
                }
                for b in binds.into_iter().rev() {
                    body = vec![Expr::Let(vec![b], body)];
                }
                body.pop().unwrap_or(Expr::Const(Value::Unspecified))
            }
            "letrec" | "letrec*" => {
                need(2)?;
                Expr::Letrec(
                    self.bindings(&items[1], loc, head)?,
                    self.body(&items[2..], loc, head)?,
                )
            }
            "cond" => {
                let mut clauses = Vec::new();
                for c in &items[1..] {
                    let DatumKind::List(parts, None) = &c.kind else {
                        return Err(syntax_err(
                            &self.loc(c),
                            "(cond ...) clause must be a list".into(),
                        ));
                    };
                    if parts.is_empty() {
                        return Err(syntax_err(&self.loc(c), "empty (cond ...) clause".into()));
                    }
                    let test = if parts[0].as_symbol() == Some("else") {
                        None
                    } else {
                        Some(self.compile(&parts[0])?)
                    };
                    let arrow = parts.len() == 3 && parts[1].as_symbol() == Some("=>");
                    let body = if arrow {
                        vec![self.compile(&parts[2])?]
                    } else {
                        parts[1..]
                            .iter()
                            .map(|d| self.compile(d))
                            .collect::<Result<Vec<_>>>()?
                    };
                    clauses.push(CondClause { test, body, arrow });
                }
                Expr::Cond(clauses, loc.clone())
            }
            "case" => {
                need(1)?;
                let key = self.compile(&items[1])?;
                let mut clauses = Vec::new();
                let mut else_body = None;
                for c in &items[2..] {
                    let DatumKind::List(parts, None) = &c.kind else {
                        return Err(syntax_err(
                            &self.loc(c),
                            "(case ...) clause must be a list".into(),
                        ));
                    };
                    if parts.is_empty() {
                        return Err(syntax_err(&self.loc(c), "empty (case ...) clause".into()));
                    }
                    let body = parts[1..]
                        .iter()
                        .map(|d| self.compile(d))
                        .collect::<Result<Vec<_>>>()?;
                    if parts[0].as_symbol() == Some("else") {
                        else_body = Some(body);
                    } else {
                        let DatumKind::List(data, None) = &parts[0].kind else {
                            return Err(syntax_err(
                                &self.loc(c),
                                "(case ...) clause needs a list of data".into(),
                            ));
                        };
                        clauses.push((data.iter().map(|d| d.to_value()).collect(), body));
                    }
                }
                Expr::Case(Box::new(key), clauses, else_body)
            }
            "and" => Expr::And(
                items[1..]
                    .iter()
                    .map(|d| self.compile(d))
                    .collect::<Result<_>>()?,
            ),
            "or" => Expr::Or(
                items[1..]
                    .iter()
                    .map(|d| self.compile(d))
                    .collect::<Result<_>>()?,
            ),
            "when" | "unless" => {
                need(1)?;
                let test = self.compile(&items[1])?;
                let body = self.seq(&items[2..])?;
                if head == "when" {
                    Expr::If(Box::new(test), Box::new(body), None)
                } else {
                    Expr::If(
                        Box::new(test),
                        Box::new(Expr::Const(Value::Unspecified)),
                        Some(Box::new(body)),
                    )
                }
            }
            "use" | "import" | "require-extension" | "require-library" => {
                for ext in &items[1..] {
                    let name = ext.as_symbol().unwrap_or("?");
                    if !KNOWN_EXTENSIONS.contains(&name) {
                        return Err(syntax_err(
                            loc,
                            format!("unsupported extension ({head} {name})"),
                        ));
                    }
                }
                Expr::Const(Value::Unspecified)
            }
            "unquote" | "unquote-splicing" => {
                return Err(syntax_err(loc, format!("({head} ...) outside quasiquote")))
            }
            h if UNSUPPORTED.contains(&h) => {
                return Err(syntax_err(loc, format!("unsupported form ({h} ...)")))
            }
            _ => return Ok(None),
        };
        Ok(Some(e))
    }

    fn quasi(&self, d: &Datum, depth: usize) -> Result<Expr> {
        let DatumKind::List(items, tail) = &d.kind else {
            return Ok(Expr::Const(d.to_value()));
        };
        let loc = self.loc(d);
        if let Some(h) = items.first().and_then(|h| h.as_symbol()) {
            if h == "unquote" && items.len() == 2 && tail.is_none() && depth == 1 {
                return self.compile(&items[1]);
            }
            if h == "quasiquote" || h == "unquote" {
                // Nested quasiquote levels are kept literally (rare; no corpus use).
                return Ok(Expr::Const(d.to_value()));
            }
        }
        let mut acc = match tail {
            Some(t) => self.quasi(t, depth)?,
            None => Expr::Const(Value::Nil),
        };
        for item in items.iter().rev() {
            let spliced = match &item.kind {
                DatumKind::List(parts, None)
                    if parts.len() == 2 && parts[0].as_symbol() == Some("unquote-splicing") =>
                {
                    Some(self.compile(&parts[1])?)
                }
                _ => None,
            };
            acc = match spliced {
                Some(e) => Expr::QAppend(Box::new(e), Box::new(acc), loc.clone()),
                None => Expr::QCons(Box::new(self.quasi(item, depth)?), Box::new(acc)),
            };
        }
        Ok(acc)
    }
}
