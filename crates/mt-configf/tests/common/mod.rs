//! Shared test helpers: a fake Scheme evaluator and short read functions.
#![allow(dead_code)]

use mt_configf::{read_config_str, EvalContext, FakeHost, ReadOptions, ReadOutcome, SchemeEval};

/// Understands just the forms the tests use; anything else is an error, like the real one.
pub struct FakeScheme;

impl SchemeEval for FakeScheme {
    fn eval(&self, expr: &str, ctx: &mut EvalContext<'_>) -> Result<String, String> {
        let e = expr.trim();
        let inner = e
            .strip_prefix('(')
            .and_then(|s| s.strip_suffix(')'))
            .ok_or_else(|| format!("not a call: {e}"))?;
        let mut parts = inner.split_whitespace();
        let op = parts.next().unwrap_or("");
        let args: Vec<&str> = parts.collect();
        let unquote = |s: &str| s.trim_matches('"').to_string();
        match op {
            "+" => {
                let mut sum = 0i64;
                for a in &args {
                    sum += a.parse::<i64>().map_err(|_| format!("not a number: {a}"))?;
                }
                Ok(sum.to_string())
            }
            "get-host-name" => Ok("fakehost".into()),
            "getenv" | "get-environment-variable" => Ok(ctx
                .host
                .getenv(&unquote(args[0]))
                .unwrap_or_else(|| "#f".into())),
            "unsetenv" => {
                ctx.host.unsetenv(&unquote(args[0]));
                Ok(String::new())
            }
            "args:get-arg" => Ok("#f".into()),
            "config-get" => Ok(ctx
                .config
                .get(&unquote(args[0]), &unquote(args[1]))
                .unwrap_or("#f")
                .to_string()),
            "where" => Ok(format!("{}:{}", ctx.file, ctx.line)),
            _ => Err(format!("unbound variable: {op}")),
        }
    }
}

pub static SCHEME: FakeScheme = FakeScheme;

pub fn opts() -> ReadOptions<'static> {
    ReadOptions {
        scheme: Some(&SCHEME),
        ..ReadOptions::default()
    }
}

/// Reads `text` as `/area/test.config` with the fake Scheme and default options.
pub fn read(text: &str, host: &mut FakeHost) -> ReadOutcome {
    read_config_str("/area/test.config", text, &opts(), host)
}

/// Like `read`, asserting that nothing was reported.
pub fn read_clean(text: &str, host: &mut FakeHost) -> mt_configf::Config {
    let out = read(text, host);
    let msgs: Vec<String> = out.diagnostics.iter().map(ToString::to_string).collect();
    assert!(msgs.is_empty(), "unexpected diagnostics: {msgs:#?}");
    out.config
}

pub fn messages(out: &ReadOutcome) -> Vec<String> {
    out.diagnostics.iter().map(ToString::to_string).collect()
}

/// The (key, value) pairs of a section in order.
pub fn pairs(cfg: &mt_configf::Config, section: &str) -> Vec<(String, String)> {
    cfg.section(section)
        .unwrap_or_else(|| panic!("no section [{section}]"))
        .iter()
        .map(|e| (e.key.clone(), e.value.clone()))
        .collect()
}

pub fn kv(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
