//! `#{scheme ...}` in configs, evaluated by the embedded Scheme with the Megatest builtins
//! that need host state: `getenv`/`setenv`/`unsetenv` through the reader's environment,
//! `*toppath*`, `args:get-arg`, `runconfigs-get` and `configf:lookup` over the table read
//! so far.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

use mt_configf::{Config, EvalContext, SchemeEval};
use mt_scheme::{to_display_string, Interp, SchemeError, Value};

/// The evaluator handed to the config reader.
pub struct MtScheme {
    pub toppath: PathBuf,
    /// Command-line options visible to `args:get-arg` (e.g. `-target`).
    pub args: Vec<(String, String)>,
}

type EnvView = Rc<RefCell<HashMap<String, Option<String>>>>;

/// String literals in the expression: the names `getenv` may be asked for.
fn literals(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = expr.chars();
    while let Some(c) = it.next() {
        if c == '"' {
            let mut s = String::new();
            while let Some(d) = it.next() {
                match d {
                    '\\' => {
                        if let Some(e) = it.next() {
                            s.push(e);
                        }
                    }
                    '"' => break,
                    _ => s.push(d),
                }
            }
            out.push(s);
        }
    }
    out
}

fn arg_str(a: &[Value], i: usize) -> Option<String> {
    a.get(i).map(|v| match v {
        Value::Str(s) | Value::Symbol(s) => s.to_string(),
        other => to_display_string(other),
    })
}

fn opt_str(v: Option<String>) -> Value {
    v.map_or(Value::Bool(false), |s| Value::str(&s))
}

impl MtScheme {
    fn install(&self, interp: &mut Interp, env: &EnvView, changes: &EnvView, cfg: Rc<Config>) {
        let top = self.toppath.to_string_lossy().into_owned();
        interp.set_global("*toppath*", Value::str(&top));
        interp.set_global("ht", Value::Bool(false));
        for name in ["getenv", "get-environment-variable"] {
            let env = env.clone();
            interp.define_native(name, move |a| {
                let k = arg_str(a, 0).unwrap_or_default();
                let v = env
                    .borrow()
                    .get(&k)
                    .cloned()
                    .unwrap_or_else(|| std::env::var(&k).ok());
                Ok(opt_str(v))
            });
        }
        {
            let (env, changes) = (env.clone(), changes.clone());
            interp.define_native("setenv", move |a| {
                let k = arg_str(a, 0).unwrap_or_default();
                let v = arg_str(a, 1).unwrap_or_default();
                env.borrow_mut().insert(k.clone(), Some(v.clone()));
                changes.borrow_mut().insert(k, Some(v));
                Ok(Value::Unspecified)
            });
        }
        {
            let (env, changes) = (env.clone(), changes.clone());
            interp.define_native("unsetenv", move |a| {
                let k = arg_str(a, 0).unwrap_or_default();
                env.borrow_mut().insert(k.clone(), None);
                changes.borrow_mut().insert(k, None);
                Ok(Value::Unspecified)
            });
        }
        let args = self.args.clone();
        interp.define_native("args:get-arg", move |a| {
            let k = arg_str(a, 0).unwrap_or_default();
            Ok(opt_str(
                args.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()),
            ))
        });
        {
            let cfg = cfg.clone();
            let env = env.clone();
            interp.define_native("runconfigs-get", move |a| {
                let var = arg_str(a, if a.len() > 1 { 1 } else { 0 }).unwrap_or_default();
                let target = env
                    .borrow()
                    .get("MT_TARGET")
                    .cloned()
                    .flatten()
                    .or_else(|| std::env::var("MT_TARGET").ok())
                    .unwrap_or_default();
                Ok(opt_str(
                    cfg.get_or_default(&target, &var).map(str::to_string),
                ))
            });
        }
        interp.define_native("configf:lookup", move |a| {
            // (configf:lookup ht SECTION VAR)
            let sec = arg_str(a, 1).unwrap_or_default();
            let var = arg_str(a, 2).unwrap_or_default();
            Ok(opt_str(cfg.get(&sec, &var).map(str::to_string)))
        });
    }
}

impl SchemeEval for MtScheme {
    fn eval(&self, expr: &str, ctx: &mut EvalContext<'_>) -> Result<String, String> {
        let mut interp = Interp::new();
        let env: EnvView = Rc::new(RefCell::new(HashMap::new()));
        for name in literals(expr).into_iter().chain(["MT_TARGET".to_string()]) {
            let v = ctx.host.getenv(&name);
            env.borrow_mut().insert(name, v);
        }
        let changes: EnvView = Rc::new(RefCell::new(HashMap::new()));
        let cfg = if expr.contains("configf:lookup") || expr.contains("runconfigs-get") {
            Rc::new(ctx.config.clone())
        } else {
            Rc::new(Config::new())
        };
        self.install(&mut interp, &env, &changes, cfg);
        let line = u32::try_from(ctx.line.saturating_sub(1)).unwrap_or(0);
        let result = interp
            .eval_str_with_line_offset(ctx.file, expr, line)
            .map_err(|e: SchemeError| e.to_string())?;
        for (k, v) in changes.borrow().iter() {
            match v {
                Some(v) => ctx.host.setenv(k, v),
                None => ctx.host.unsetenv(k),
            }
        }
        Ok(to_display_string(&result))
    }
}

/// The evaluator for an area, boxed for [`crate::LoadOptions::scheme`].
#[must_use]
pub fn evaluator(
    toppath: &std::path::Path,
    args: &[(&str, &str)],
) -> Option<Box<dyn SchemeEval + Send + Sync>> {
    Some(Box::new(MtScheme {
        toppath: toppath.to_path_buf(),
        args: args
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mt_configf::{read_config_str, FakeHost, ReadOptions};

    fn read(text: &str, host: &mut FakeHost) -> Config {
        let ev = MtScheme {
            toppath: "/area".into(),
            args: vec![("-target".into(), "linux/1.0".into())],
        };
        let ro = ReadOptions {
            scheme: Some(&ev),
            ..ReadOptions::default()
        };
        let out = read_config_str("t.config", text, &ro, host);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        out.config
    }

    #[test]
    fn forms_used_by_real_areas() {
        let mut host = FakeHost::new()
            .with_env("datapath", "none")
            .with_env("X", "1");
        let cfg = read(
            "[s]\nsum #{scheme (+ 5 6 7)}\n\
             launcher #{scheme (case (string->symbol (conc (getenv \"datapath\"))) ((none) \"nbfake\") (else \"bsub\"))}\n\
             tgt #{scheme (args:get-arg \"-target\")}\n\
             top #{scheme *toppath*}\n\
             pick #{scheme (if (getenv \"X\") \"yes\" \"no\")}\n\
             miss #{scheme (getenv \"NOPE_NOT_SET_ANYWHERE\")}\n",
            &mut host,
        );
        assert_eq!(cfg.get("s", "sum"), Some("18"));
        assert_eq!(cfg.get("s", "launcher"), Some("nbfake"));
        assert_eq!(cfg.get("s", "tgt"), Some("linux/1.0"));
        assert_eq!(cfg.get("s", "top"), Some("/area"));
        assert_eq!(cfg.get("s", "pick"), Some("yes"));
        assert_eq!(cfg.get("s", "miss"), Some("#f"));
    }

    #[test]
    fn create_directory_and_unsetenv() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a/b");
        let mut host = FakeHost::new().with_env("FOOBAR", "1");
        let cfg = read(
            &format!(
                "[s]\nd #{{scheme (create-directory \"{}\" #t)}}\nu #{{scheme (unsetenv \"FOOBAR\")}}\n",
                target.display()
            ),
            &mut host,
        );
        assert!(target.is_dir());
        assert_eq!(cfg.get("s", "d"), Some(target.to_str().unwrap()));
        assert_eq!(mt_configf::Host::getenv(&host, "FOOBAR"), None);
    }

    #[test]
    fn unsupported_form_is_an_error_with_line() {
        let ev = MtScheme {
            toppath: "/area".into(),
            args: vec![],
        };
        let ro = ReadOptions {
            scheme: Some(&ev),
            ..ReadOptions::default()
        };
        let mut host = FakeHost::new();
        let out = read_config_str(
            "t.config",
            "[s]\n\nv #{scheme (no-such-proc 1)}\n",
            &ro,
            &mut host,
        );
        let msg = out
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(msg.contains("t.config:3"), "{msg}");
        assert!(msg.contains("no-such-proc"), "{msg}");
    }
}
