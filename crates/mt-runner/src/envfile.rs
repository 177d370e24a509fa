//! `megatest.sh` / `megatest.csh` environment dumps (config-and-area.md §7.3), also used by
//! `-env2file`.

const IGNORED: &[&str] = &[
    "USER",
    "HOME",
    "DISPLAY",
    "LS_COLORS",
    "XKEYSYMDB",
    "EDITOR",
    "MAKEFLAGS",
    "MAKEF",
    "MAKEOVERRIDES",
];

fn needs_quotes(v: &str) -> bool {
    !v.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(b, b'_' | b'-' | b':' | b',' | b'.' | b'/' | b'%' | b'$')
    })
}

fn push_value(out: &mut String, v: &str) {
    if needs_quotes(v) {
        out.push('"');
        out.push_str(v);
        out.push('"');
    } else {
        out.push_str(v);
    }
}

/// Render the bash form.
#[must_use]
pub fn to_sh<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::with_capacity(4096);
    for (k, v) in vars {
        if IGNORED.contains(&k) || k.contains(':') {
            out.push_str("# ");
        }
        out.push_str("export ");
        out.push_str(k);
        out.push('=');
        push_value(&mut out, v);
        out.push('\n');
    }
    out
}

/// Render the csh form.
#[must_use]
pub fn to_csh<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::with_capacity(4096);
    for (k, v) in vars {
        if IGNORED.contains(&k) {
            out.push_str("# ");
        }
        out.push_str("setenv ");
        out.push_str(k);
        out.push(' ');
        push_value(&mut out, v);
        out.push('\n');
    }
    out
}

/// Write `NAME.sh` and `NAME.csh` with the given variables, which the caller gives in
/// sorted order (a `BTreeMap`'s), for stable output.
pub fn write_env_files<'a>(
    base: &std::path::Path,
    vars: impl Iterator<Item = (&'a str, &'a str)> + Clone,
) -> std::io::Result<()> {
    let mut sh = base.as_os_str().to_owned();
    sh.push(".sh");
    let mut csh = base.as_os_str().to_owned();
    csh.push(".csh");
    std::fs::write(sh, to_sh(vars.clone()))?;
    std::fs::write(csh, to_csh(vars))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_ignores() {
        let vars = [
            ("A", "plain/path-1.0"),
            ("B", "has space"),
            ("HOME", "/root"),
            ("X:Y", "1"),
            ("E", ""),
        ];
        assert_eq!(
            to_sh(vars.iter().copied()),
            "export A=plain/path-1.0\nexport B=\"has space\"\n# export HOME=/root\n# export X:Y=1\nexport E=\n"
        );
        assert_eq!(
            to_csh(vars.iter().copied()),
            "setenv A plain/path-1.0\nsetenv B \"has space\"\n# setenv HOME /root\nsetenv X:Y 1\nsetenv E \n"
        );
    }
}
