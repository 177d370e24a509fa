//! The interpreter: environments, evaluation with proper tail calls, the embedding API.

use crate::error::{ErrorKind, Result, SchemeError};
use crate::expr::{Compiler, Expr, LambdaDef, Loc};
use crate::reader::read_all;
use crate::value::{eqv, CallSite, Closure, HostFn, HostFnAt, PrimKind, Primitive, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Default limit on nested (non-tail) evaluation.
pub const DEFAULT_MAX_DEPTH: usize = 10_000;

/// Default limit on the machine stack the evaluator may use below its entry point; it
/// keeps evaluation inside a 2 MiB thread stack whatever the build profile's frame sizes.
pub const DEFAULT_MAX_STACK_BYTES: usize = 1024 * 1024;

/// The address of a local: a cheap, safe probe of how deep the machine stack is.
#[inline(always)]
fn stack_probe() -> usize {
    let marker = 0u8;
    std::ptr::addr_of!(marker) as usize
}

/// A local frame. Globals live in the interpreter's table, not in a frame.
pub(crate) struct Frame {
    vars: RefCell<Vec<(Rc<str>, Value)>>,
    parent: Env,
}

pub(crate) type Env = Option<Rc<Frame>>;

/// What evaluating an expression in tail position produced.
enum Tail {
    Value(Value),
    Call(Rc<Closure>, Vec<Value>),
}

/// An embedded Scheme interpreter with the Megatest builtins.
pub struct Interp {
    globals: HashMap<Rc<str>, Value>,
    output: String,
    depth: usize,
    max_depth: usize,
    stack_base: usize,
    max_stack: usize,
    steps: u64,
    max_steps: Option<u64>,
    site: CallSite,
}

impl Default for Interp {
    fn default() -> Self {
        Self::new()
    }
}

impl Interp {
    /// A fresh interpreter with the standard procedures and the Megatest builtins that
    /// need no host state.
    pub fn new() -> Interp {
        let mut i = Interp {
            globals: HashMap::new(),
            output: String::new(),
            depth: 0,
            max_depth: DEFAULT_MAX_DEPTH,
            stack_base: 0,
            max_stack: DEFAULT_MAX_STACK_BYTES,
            steps: 0,
            max_steps: None,
            site: CallSite {
                source: Rc::from(""),
                line: 0,
            },
        };
        crate::builtins::install(&mut i);
        crate::strings::install(&mut i);
        crate::megatest::install(&mut i);
        i
    }

    /// Change the nesting limit (errors instead of stack overflow past it).
    pub fn set_max_depth(&mut self, depth: usize) {
        self.max_depth = depth;
    }

    /// Change how many bytes of machine stack evaluation may use (default 1 MiB).
    pub fn set_max_stack_bytes(&mut self, bytes: usize) {
        self.max_stack = bytes;
    }

    /// Limit the number of evaluation steps per `eval_str` call (`None`: unlimited), so a
    /// host can stop runaway loops.
    pub fn set_step_limit(&mut self, steps: Option<u64>) {
        self.max_steps = steps;
    }

    fn too_deep(&mut self) -> Option<SchemeError> {
        self.steps += 1;
        if self.max_steps.is_some_and(|m| self.steps > m) {
            return Some(SchemeError::new(
                ErrorKind::Runtime,
                "evaluation step limit exceeded",
            ));
        }
        let used = self.stack_base.saturating_sub(stack_probe());
        if self.depth > self.max_depth || used > self.max_stack {
            self.depth = 0;
            return Some(SchemeError::new(
                ErrorKind::DepthLimit,
                format!(
                    "recursion too deep (limit {} levels / {} KiB of stack)",
                    self.max_depth,
                    self.max_stack / 1024
                ),
            ));
        }
        None
    }

    /// Register a host procedure. The closure may capture host state (`Rc<RefCell<..>>`).
    pub fn define_native<F>(&mut self, name: &str, f: F)
    where
        F: Fn(&[Value]) -> Result<Value> + 'static,
    {
        let b: Box<HostFn> = Box::new(f);
        let p = Primitive {
            name: Rc::from(name),
            kind: PrimKind::Host(b),
        };
        self.globals
            .insert(Rc::from(name), Value::Primitive(Rc::new(p)));
    }

    /// As [`Interp::define_native`], but the procedure also receives the call site, so it
    /// can report file and line in its own diagnostics.
    pub fn define_native_at<F>(&mut self, name: &str, f: F)
    where
        F: Fn(&[Value], &CallSite) -> Result<Value> + 'static,
    {
        let b: Box<HostFnAt> = Box::new(f);
        let p = Primitive {
            name: Rc::from(name),
            kind: PrimKind::HostAt(b),
        };
        self.globals
            .insert(Rc::from(name), Value::Primitive(Rc::new(p)));
    }

    pub(crate) fn define_builtin(&mut self, name: &str, f: crate::value::BuiltinFn) {
        let p = Primitive {
            name: Rc::from(name),
            kind: PrimKind::Builtin(f),
        };
        self.globals
            .insert(Rc::from(name), Value::Primitive(Rc::new(p)));
    }

    /// Bind (or rebind) a global variable.
    pub fn set_global(&mut self, name: &str, value: Value) {
        self.globals.insert(Rc::from(name), value);
    }

    /// The value of a global variable, if bound.
    pub fn get_global(&self, name: &str) -> Option<Value> {
        self.globals.get(name).cloned()
    }

    /// Text written by `display`, `print`, `write`, `newline` since the last call.
    pub fn take_output(&mut self) -> String {
        std::mem::take(&mut self.output)
    }

    pub(crate) fn out(&mut self) -> &mut String {
        &mut self.output
    }

    /// Read and evaluate every form of `text`; returns the value of the last one.
    pub fn eval_str(&mut self, source_name: &str, text: &str) -> Result<Value> {
        self.eval_str_with_line_offset(source_name, text, 0)
    }

    /// As [`Interp::eval_str`], with line numbers shifted by `line_offset` (for text that
    /// starts in the middle of a file, e.g. a config line).
    pub fn eval_str_with_line_offset(
        &mut self,
        source_name: &str,
        text: &str,
        line_offset: u32,
    ) -> Result<Value> {
        let data = read_all(source_name, text, line_offset + 1)?;
        let src: Rc<str> = Rc::from(source_name);
        let compiler = Compiler { src: &src };
        let mut last = Value::Unspecified;
        self.stack_base = stack_probe();
        self.steps = 0;
        for d in &data {
            // Compile one form at a time so a later form's syntax error does not stop
            // earlier definitions from running, as with Scheme's `load`.
            let e = compiler.compile(d)?;
            self.depth = 0;
            last = self.eval(&e, &None)?;
        }
        Ok(last)
    }

    /// Read, compile and evaluate a file (Scheme `load`), relative to the cwd.
    pub fn load_file(&mut self, path: &str) -> Result<Value> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SchemeError::msg(format!("cannot load file \"{path}\": {e}")))?;
        let data = read_all(path, &text, 1)?;
        let src: Rc<str> = Rc::from(path);
        let compiler = Compiler { src: &src };
        let mut last = Value::Unspecified;
        for d in &data {
            let e = compiler.compile(d)?;
            last = self.eval(&e, &None)?;
        }
        Ok(last)
    }

    fn lookup(&self, name: &str, env: &Env, loc: &Loc) -> Result<Value> {
        let mut cur = env;
        while let Some(f) = cur {
            if let Some((_, v)) = f.vars.borrow().iter().rev().find(|(n, _)| &**n == name) {
                return Ok(v.clone());
            }
            cur = &f.parent;
        }
        self.globals.get(name).cloned().ok_or_else(|| {
            SchemeError::new(ErrorKind::Unbound, format!("unbound variable {name}"))
                .at(&loc.src, loc.line)
        })
    }

    fn assign(&mut self, name: &Rc<str>, value: Value, env: &Env, loc: &Loc) -> Result<()> {
        let mut cur = env;
        while let Some(f) = cur {
            let mut vars = f.vars.borrow_mut();
            if let Some(slot) = vars.iter_mut().rev().find(|(n, _)| n == name) {
                slot.1 = value;
                return Ok(());
            }
            drop(vars);
            cur = &f.parent;
        }
        match self.globals.get_mut(name) {
            Some(slot) => {
                *slot = value;
                Ok(())
            }
            None => Err(SchemeError::new(
                ErrorKind::Unbound,
                format!("set! of unbound variable {name}"),
            )
            .at(&loc.src, loc.line)),
        }
    }

    fn define(&mut self, name: &Rc<str>, value: Value, env: &Env) {
        match env {
            Some(f) => {
                let mut vars = f.vars.borrow_mut();
                if let Some(slot) = vars.iter_mut().find(|(n, _)| n == name) {
                    slot.1 = value;
                } else {
                    vars.push((name.clone(), value));
                }
            }
            None => {
                self.globals.insert(name.clone(), value);
            }
        }
    }

    pub(crate) fn eval(&mut self, e: &Expr, env: &Env) -> Result<Value> {
        match self.eval_tail(e, env)? {
            Tail::Value(v) => Ok(v),
            Tail::Call(c, args) => self.run_closure(c, args),
        }
    }

    fn eval_body_tail(&mut self, body: &[Expr], env: &Env) -> Result<Tail> {
        let Some((last, init)) = body.split_last() else {
            return Ok(Tail::Value(Value::Unspecified));
        };
        for e in init {
            self.eval(e, env)?;
        }
        self.eval_tail(last, env)
    }

    fn eval_tail(&mut self, e: &Expr, env: &Env) -> Result<Tail> {
        self.depth += 1;
        if let Some(err) = self.too_deep() {
            return Err(err);
        }
        let r = self.eval_tail_inner(e, env);
        self.depth = self.depth.saturating_sub(1);
        r
    }

    fn eval_tail_inner(&mut self, e: &Expr, env: &Env) -> Result<Tail> {
        let v = match e {
            Expr::Const(v) => v.clone(),
            Expr::Var(name, loc) => self.lookup(name, env, loc)?,
            Expr::Set(name, val, loc) => {
                let v = self.eval(val, env)?;
                self.assign(name, v, env, loc)?;
                Value::Unspecified
            }
            Expr::Define(name, val) => {
                let v = self.eval(val, env)?;
                self.define(name, v, env);
                Value::Symbol(name.clone())
            }
            Expr::If(c, t, f) => {
                return if self.eval(c, env)?.is_true() {
                    self.eval_tail(t, env)
                } else {
                    match f {
                        Some(f) => self.eval_tail(f, env),
                        None => Ok(Tail::Value(Value::Unspecified)),
                    }
                };
            }
            Expr::Lambda(def) => Value::Closure(Rc::new(Closure {
                def: def.clone(),
                env: env.clone(),
            })),
            Expr::Begin(body) => return self.eval_body_tail(body, env),
            Expr::Let(binds, body) => {
                let mut vars = Vec::with_capacity(binds.len());
                for (n, init) in binds {
                    vars.push((n.clone(), self.eval(init, env)?));
                }
                let new_env = Some(Rc::new(Frame {
                    vars: RefCell::new(vars),
                    parent: env.clone(),
                }));
                return self.eval_body_tail(body, &new_env);
            }
            Expr::Letrec(binds, body) => {
                let vars = binds
                    .iter()
                    .map(|(n, _)| (n.clone(), Value::Unspecified))
                    .collect();
                let new_env = Some(Rc::new(Frame {
                    vars: RefCell::new(vars),
                    parent: env.clone(),
                }));
                for (n, init) in binds {
                    let v = self.eval(init, &new_env)?;
                    self.define(n, v, &new_env);
                }
                return self.eval_body_tail(body, &new_env);
            }
            Expr::NamedLet(name, inits, def, _loc) => {
                let mut args = Vec::with_capacity(inits.len());
                for i in inits {
                    args.push(self.eval(i, env)?);
                }
                let frame = Rc::new(Frame {
                    vars: RefCell::new(Vec::new()),
                    parent: env.clone(),
                });
                let loop_env = Some(frame.clone());
                let clo = Rc::new(Closure {
                    def: def.clone(),
                    env: loop_env,
                });
                frame
                    .vars
                    .borrow_mut()
                    .push((name.clone(), Value::Closure(clo.clone())));
                return Ok(Tail::Call(clo, args));
            }
            Expr::Cond(clauses, loc) => {
                for c in clauses {
                    let t = match &c.test {
                        None => Value::Bool(true),
                        Some(t) => self.eval(t, env)?,
                    };
                    if t.is_true() {
                        if c.arrow {
                            let f = self.eval(&c.body[0], env)?;
                            return self.call_tail(f, vec![t], loc);
                        }
                        if c.body.is_empty() {
                            return Ok(Tail::Value(t));
                        }
                        return self.eval_body_tail(&c.body, env);
                    }
                }
                Value::Unspecified
            }
            Expr::Case(key, clauses, else_body) => {
                let k = self.eval(key, env)?;
                for (data, body) in clauses {
                    if data.iter().any(|d| eqv(d, &k)) {
                        return self.eval_body_tail(body, env);
                    }
                }
                match else_body {
                    Some(b) => return self.eval_body_tail(b, env),
                    None => Value::Unspecified,
                }
            }
            Expr::And(items) => {
                let Some((last, init)) = items.split_last() else {
                    return Ok(Tail::Value(Value::Bool(true)));
                };
                for i in init {
                    let v = self.eval(i, env)?;
                    if !v.is_true() {
                        return Ok(Tail::Value(v));
                    }
                }
                return self.eval_tail(last, env);
            }
            Expr::Or(items) => {
                let Some((last, init)) = items.split_last() else {
                    return Ok(Tail::Value(Value::Bool(false)));
                };
                for i in init {
                    let v = self.eval(i, env)?;
                    if v.is_true() {
                        return Ok(Tail::Value(v));
                    }
                }
                return self.eval_tail(last, env);
            }
            Expr::Call(f, args, loc) => {
                let at = |e: SchemeError| e.at(&loc.src, loc.line);
                let fv = self.eval(f, env).map_err(at)?;
                let mut argv = Vec::with_capacity(args.len());
                for a in args {
                    argv.push(self.eval(a, env).map_err(at)?);
                }
                return self.call_tail(fv, argv, loc);
            }
            Expr::QCons(a, b) => Value::cons(self.eval(a, env)?, self.eval(b, env)?),
            Expr::QAppend(a, b, loc) => {
                let head = self.eval(a, env)?;
                let tail = self.eval(b, env)?;
                let items = head.list_to_vec().ok_or_else(|| {
                    SchemeError::msg("unquote-splicing of a non-list").at(&loc.src, loc.line)
                })?;
                items
                    .into_iter()
                    .rev()
                    .fold(tail, |acc, v| Value::cons(v, acc))
            }
        };
        Ok(Tail::Value(v))
    }

    fn call_tail(&mut self, f: Value, args: Vec<Value>, loc: &Loc) -> Result<Tail> {
        match f {
            Value::Closure(c) => {
                check_arity(&c.def, args.len()).map_err(|e| e.at(&loc.src, loc.line))?;
                Ok(Tail::Call(c, args))
            }
            Value::Primitive(p) => {
                if !Rc::ptr_eq(&self.site.source, &loc.src) {
                    self.site.source = loc.src.clone();
                }
                self.site.line = loc.line;
                let r = match &p.kind {
                    PrimKind::Builtin(b) => b(self, &args),
                    PrimKind::Host(h) => h(&args),
                    PrimKind::HostAt(h) => h(&args, &self.site),
                };
                r.map(Tail::Value).map_err(|e| {
                    let e = if e.line.is_none() && matches!(e.kind, ErrorKind::Runtime) {
                        SchemeError {
                            message: format!("({}) {}", p.name, e.message),
                            ..e
                        }
                    } else {
                        e
                    };
                    e.at(&loc.src, loc.line)
                })
            }
            other => Err(SchemeError::msg(format!(
                "call of non-procedure: {}",
                crate::value::to_write_string(&other)
            ))
            .at(&loc.src, loc.line)),
        }
    }

    fn bind_args(&self, def: &LambdaDef, env: &Env, mut args: Vec<Value>) -> Result<Env> {
        check_arity(def, args.len())?;
        let n = def.params.len();
        let rest = args.split_off(n);
        let mut vars: Vec<(Rc<str>, Value)> = def.params.iter().cloned().zip(args).collect();
        if let Some(r) = &def.rest {
            vars.push((r.clone(), Value::list(rest)));
        }
        Ok(Some(Rc::new(Frame {
            vars: RefCell::new(vars),
            parent: env.clone(),
        })))
    }

    fn run_closure(&mut self, mut c: Rc<Closure>, mut args: Vec<Value>) -> Result<Value> {
        loop {
            let env = self.bind_args(&c.def, &c.env, args)?;
            let def = c.def.clone();
            match self.eval_body_tail(&def.body, &env)? {
                Tail::Value(v) => return Ok(v),
                Tail::Call(next, next_args) => {
                    c = next;
                    args = next_args;
                }
            }
        }
    }

    /// Call any procedure value with arguments (used by `map`, `apply`, `sort`, hosts).
    pub fn apply(&mut self, f: &Value, args: Vec<Value>) -> Result<Value> {
        match f {
            Value::Closure(c) => {
                self.depth += 1;
                if let Some(err) = self.too_deep() {
                    return Err(err);
                }
                let r = self.run_closure(c.clone(), args);
                self.depth = self.depth.saturating_sub(1);
                r
            }
            Value::Primitive(p) => match &p.kind {
                PrimKind::Builtin(b) => b(self, &args),
                PrimKind::Host(h) => h(&args),
                PrimKind::HostAt(h) => h(&args, &self.site),
            },
            other => Err(SchemeError::msg(format!(
                "call of non-procedure: {}",
                crate::value::to_write_string(other)
            ))),
        }
    }
}

fn check_arity(def: &LambdaDef, got: usize) -> Result<()> {
    let n = def.params.len();
    if got < n || (def.rest.is_none() && got > n) {
        return Err(SchemeError::msg(format!(
            "bad argument count - received {} but expected {}{} in call to {}",
            got,
            n,
            if def.rest.is_some() { " or more" } else { "" },
            def.name.as_deref().unwrap_or("anonymous procedure")
        )));
    }
    Ok(())
}
