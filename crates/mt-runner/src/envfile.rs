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
    !v.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_-:,./%$".contains(&b))
}

fn quoted(v: &str) -> String {
    if needs_quotes(v) {
        format!("\"{v}\"")
    } else {
        v.to_string()
    }
}

/// Render the bash form.
#[must_use]
pub fn to_sh(vars: &[(String, String)]) -> String {
    let mut out = String::new();
    for (k, v) in vars {
        let comment = if IGNORED.contains(&k.as_str()) || k.contains(':') {
            "# "
        } else {
            ""
        };
        out.push_str(&format!("{comment}export {k}={}\n", quoted(v)));
    }
    out
}

/// Render the csh form.
#[must_use]
pub fn to_csh(vars: &[(String, String)]) -> String {
    let mut out = String::new();
    for (k, v) in vars {
        let comment = if IGNORED.contains(&k.as_str()) {
            "# "
        } else {
            ""
        };
        out.push_str(&format!("{comment}setenv {k} {}\n", quoted(v)));
    }
    out
}

/// Write `NAME.sh` and `NAME.csh` with the given variables (sorted for stable output).
pub fn write_env_files(base: &std::path::Path, vars: &[(String, String)]) -> std::io::Result<()> {
    let mut vars = vars.to_vec();
    vars.sort();
    let mut sh = base.as_os_str().to_owned();
    sh.push(".sh");
    let mut csh = base.as_os_str().to_owned();
    csh.push(".csh");
    std::fs::write(sh, to_sh(&vars))?;
    std::fs::write(csh, to_csh(&vars))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_ignores() {
        let vars = vec![
            ("A".to_string(), "plain/path-1.0".to_string()),
            ("B".to_string(), "has space".to_string()),
            ("HOME".to_string(), "/root".to_string()),
            ("X:Y".to_string(), "1".to_string()),
            ("E".to_string(), String::new()),
        ];
        assert_eq!(
            to_sh(&vars),
            "export A=plain/path-1.0\nexport B=\"has space\"\n# export HOME=/root\n# export X:Y=1\nexport E=\n"
        );
        assert_eq!(
            to_csh(&vars),
            "setenv A plain/path-1.0\nsetenv B \"has space\"\n# setenv HOME /root\nsetenv X:Y 1\nsetenv E \n"
        );
    }
}
