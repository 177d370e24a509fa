//! Megatest builtins that need no host state: environment, host name, directories,
//! paths, CPU count, time, and `system`.

use crate::builtins::arity;
use crate::error::{Result, SchemeError};
use crate::interp::Interp;
use crate::strings::string;
use crate::value::{to_display_string, Value};
use std::path::{Component, Path, PathBuf};

pub(crate) fn install(i: &mut Interp) {
    let table: &[(&str, crate::value::BuiltinFn)] = &[
        ("getenv", getenv),
        ("get-environment-variable", getenv),
        ("setenv", |_, a| {
            arity(a, 2, 2)?;
            let name = string(&a[0])?;
            check_env_name(name)?;
            std::env::set_var(name, to_display_string(&a[1]));
            Ok(Value::Unspecified)
        }),
        ("unsetenv", |_, a| {
            arity(a, 1, 1)?;
            let name = string(&a[0])?;
            check_env_name(name)?;
            std::env::remove_var(name);
            Ok(Value::Unspecified)
        }),
        ("get-host-name", |_, a| {
            arity(a, 0, 0)?;
            Ok(Value::str(&host_name()))
        }),
        ("create-directory", |_, a| {
            arity(a, 1, 2)?;
            let path = string(&a[0])?;
            let parents = a.get(1).is_some_and(Value::is_true);
            let r = if parents {
                std::fs::create_dir_all(path)
            } else {
                std::fs::create_dir(path)
            };
            match r {
                Ok(()) => Ok(Value::str(path)),
                Err(e)
                    if e.kind() == std::io::ErrorKind::AlreadyExists
                        && Path::new(path).is_dir() =>
                {
                    Ok(Value::str(path))
                }
                Err(e) => Err(SchemeError::msg(format!(
                    "cannot create directory \"{path}\": {e}"
                ))),
            }
        }),
        ("nice-path", |_, a| {
            arity(a, 1, 1)?;
            Ok(Value::str(&nice_path(string(&a[0])?)))
        }),
        ("common:nice-path", |_, a| {
            arity(a, 1, 1)?;
            Ok(Value::str(&nice_path(string(&a[0])?)))
        }),
        ("common:get-num-cpus", |_, a| {
            arity(a, 0, 1)?;
            let n = std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1);
            Ok(Value::Int(n as i64))
        }),
        ("current-seconds", |_, a| {
            arity(a, 0, 0)?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            Ok(Value::Int(now as i64))
        }),
        ("file-exists?", |_, a| {
            arity(a, 1, 1)?;
            let p = string(&a[0])?;
            Ok(if Path::new(p).exists() {
                Value::str(p)
            } else {
                Value::Bool(false)
            })
        }),
        ("directory-exists?", |_, a| {
            arity(a, 1, 1)?;
            let p = string(&a[0])?;
            Ok(if Path::new(p).is_dir() {
                Value::str(p)
            } else {
                Value::Bool(false)
            })
        }),
        ("current-directory", |_, a| {
            arity(a, 0, 0)?;
            let d = std::env::current_dir().map_err(|e| SchemeError::msg(format!("cwd: {e}")))?;
            Ok(Value::str(&d.to_string_lossy()))
        }),
        ("system", |_, a| {
            arity(a, 1, 1)?;
            let cmd = string(&a[0])?;
            let status = std::process::Command::new("/bin/sh")
                .arg("-c")
                .arg(cmd)
                .status()
                .map_err(|e| SchemeError::msg(format!("cannot run /bin/sh: {e}")))?;
            Ok(Value::Int(status.code().unwrap_or(-1) as i64))
        }),
    ];
    for (name, f) in table {
        i.define_builtin(name, *f);
    }
}

fn getenv(_: &mut Interp, a: &[Value]) -> Result<Value> {
    arity(a, 1, 1)?;
    Ok(std::env::var(string(&a[0])?)
        .map(|v| Value::str(&v))
        .unwrap_or(Value::Bool(false)))
}

/// `set_var` panics on these; turn them into Scheme errors instead.
fn check_env_name(name: &str) -> Result<()> {
    if name.is_empty() || name.contains('=') || name.contains('\0') {
        return Err(SchemeError::msg(format!(
            "invalid environment variable name \"{name}\""
        )));
    }
    Ok(())
}

/// The host name, read without libc: kernel file, then `/etc/hostname`, then `$HOSTNAME`.
pub fn host_name() -> String {
    for f in ["/proc/sys/kernel/hostname", "/etc/hostname"] {
        if let Ok(s) = std::fs::read_to_string(f) {
            let s = s.trim();
            if !s.is_empty() {
                return s.to_string();
            }
        }
    }
    std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".to_string())
}

/// `common:nice-path`: expand `~`, make absolute from the cwd, fold `.` and `..`
/// lexically (symlinks are not resolved).
pub fn nice_path(p: &str) -> String {
    let expanded = if p == "~" || p.starts_with("~/") {
        let home = std::env::var("HOME").unwrap_or_default();
        format!("{home}{}", &p[1..])
    } else {
        p.to_string()
    };
    let mut path = PathBuf::from(&expanded);
    if path.is_relative() {
        if let Ok(cwd) = std::env::current_dir() {
            path = cwd.join(path);
        }
    }
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out.to_string_lossy().into_owned()
}
