//! `common:nice-path`: `~` expanded, made absolute, `.`/`..`/`//` folded lexically (symlinks
//! are not resolved).

use crate::host::Host;

/// Normalises `path` the way includes and `#{rp}` do, relative to `base` (a directory).
pub fn nice_path(path: &str, base: &str, host: &mut dyn Host) -> String {
    let expanded;
    let path = if let Some(rest) = path.strip_prefix('~') {
        let (user, tail) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let home = host.home_dir((!user.is_empty()).then_some(user));
        match home {
            Some(h) => {
                expanded = format!("{h}{tail}");
                expanded.as_str()
            }
            None => path,
        }
    } else {
        path
    };
    let joined;
    let path = if path.starts_with('/') {
        path
    } else {
        joined = format!("{base}/{path}");
        joined.as_str()
    };
    fold(path)
}

/// Lexical folding of an absolute path.
pub fn fold(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = String::with_capacity(path.len());
    for p in &parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::FakeHost;

    #[test]
    fn nice_path_table() {
        let mut host = FakeHost::new().with_env("HOME", "/home/me");
        let cases = [
            ("a/b", "/base", "/base/a/b"),
            ("./a//b/../c", "/base", "/base/a/c"),
            ("../x", "/base/dir", "/base/x"),
            ("/abs/./p", "/base", "/abs/p"),
            ("~/x", "/base", "/home/me/x"),
            ("~", "/base", "/home/me"),
            ("../../../..", "/a", "/"),
            ("", "/base", "/base"),
        ];
        for (p, base, want) in cases {
            assert_eq!(nice_path(p, base, &mut host), want, "{p} from {base}");
        }
    }
}
