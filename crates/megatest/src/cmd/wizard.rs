//! The getting-started wizards `-create-megatest-area` and `-create-test NAME` (runner spec
//! §6.14). Every prompt has a flag; a prompt is shown only when stdin is a terminal and the
//! flag is absent. Without a terminal a missing value takes its default, or, where there is
//! no sensible default, the command fails naming the flag, so a script never blocks.
//!
//! `-create-megatest-area`: `-area-dir DIR` (default: `-area-name` if given, else `.`),
//! `-keys K1/K2` (or `"K1 K2"`; required), `-target V1/V2` (the example target section;
//! default `<K1>_val/<K2>_val`), `-disk DIR` (default `<area>/runs`), `-linktree DIR`
//! (default `<area>/links`), `-launcher CMD` (default `nbfake`), `-area-name NAME` (written as
//! `[setup] area-name`), `-y` (write into a non-empty directory).
//!
//! `-create-test NAME`: `-description TEXT` (default `Test NAME`), `-waiton "T1 T2"`,
//! `-priority N` (default 0), `-ezstep "STEP COMMAND"` (repeat for each step, in order; at
//! least one without a terminal), `-item "VAR v1 v2 ..."` (repeat per item variable), `-y`
//! (overwrite an existing testconfig).
//!
//! Differences from the original: `maxload 1.5` is written commented out (on a busy shared
//! build host it silently holds every launch); runconfigs includes `configs/<user>.config`
//! where the original included a `<user>.config` that it never created; `-ezstep` is used
//! instead of `-step`, which is the in-test step helper.

use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::args::{Args, VALUE_OPTIONS};
use crate::error::CliError;

pub fn dispatch(a: &Args) -> Result<Option<i32>, CliError> {
    if a.has("-create-megatest-area") {
        let mut ask = Ask::stdin();
        return create_area(a, &mut ask).map(Some);
    }
    if let Some(name) = a.get("-create-test") {
        let mut ask = Ask::stdin();
        return create_test(a, name, &mut ask).map(Some);
    }
    Ok(None)
}

/// Every value given for a repeatable option, in command-line order (the parser keeps only
/// the last one).
fn all_values(a: &Args, opt: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = a.raw.iter();
    while let Some(tok) = it.next() {
        if VALUE_OPTIONS.contains(&tok.as_str()) {
            if let Some(v) = it.next() {
                if tok == opt {
                    out.push(v.clone());
                }
            }
        }
    }
    out
}

/// Where answers come from: a terminal (prompts) or nowhere (flags and defaults only).
struct Ask {
    input: Option<Box<dyn BufRead>>,
}

impl Ask {
    fn stdin() -> Ask {
        let tty = std::io::stdin().is_terminal();
        Ask {
            input: tty.then(|| Box::new(std::io::stdin().lock()) as Box<dyn BufRead>),
        }
    }

    fn interactive(&self) -> bool {
        self.input.is_some()
    }

    /// Print a prompt and read one line (None at end of input).
    fn line(&mut self, prompt: &str) -> Option<String> {
        let input = self.input.as_mut()?;
        print!("{prompt}");
        let _ = std::io::stdout().flush();
        let mut s = String::new();
        match input.read_line(&mut s) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(s.trim().to_string()),
        }
    }

    /// The flag's value, else the answer to the prompt (empty → default), else the default,
    /// else an error naming the flag.
    fn value(
        &mut self,
        a: &Args,
        flag: &str,
        prompt: &str,
        default: Option<&str>,
    ) -> Result<String, CliError> {
        if let Some(v) = a.get(flag) {
            return Ok(v.to_string());
        }
        if self.interactive() {
            let shown =
                default.map_or_else(|| format!("{prompt}: "), |d| format!("{prompt} [{d}]: "));
            match self.line(&shown) {
                Some(v) if !v.is_empty() => return Ok(v),
                Some(_) | None => {}
            }
        }
        default.map(str::to_string).ok_or_else(|| {
            CliError::new(
                1,
                format!("missing {flag}: stdin is not a terminal, so give the value with {flag}"),
            )
        })
    }

    /// A y/n question; without a terminal the answer is `flag_yes`.
    fn yes(&mut self, prompt: &str, flag_yes: bool) -> bool {
        if flag_yes {
            return true;
        }
        self.line(&format!("{prompt} y/n: "))
            .is_some_and(|v| v.eq_ignore_ascii_case("y") || v.eq_ignore_ascii_case("yes"))
    }
}

fn absolute(p: &str) -> Result<PathBuf, CliError> {
    let p = PathBuf::from(p);
    let p = if p.is_absolute() {
        p
    } else {
        std::env::current_dir()?.join(p)
    };
    // Fold `.` and `..` lexically, like the original's nice-path.
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    Ok(out)
}

fn mkdir(p: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(p)
        .map_err(|e| CliError::new(1, format!("cannot create {}: {e}", p.display())))
}

fn write(p: &Path, text: &str) -> Result<(), CliError> {
    std::fs::write(p, text)
        .map_err(|e| CliError::new(1, format!("cannot write {}: {e}", p.display())))
}

fn user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn valid_key(k: &str) -> Result<(), String> {
    let mut chars = k.chars();
    let ok_start = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !ok_start || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "key {k:?} must be a letter or _ followed by letters, digits or _"
        ));
    }
    if mt_db::FORBIDDEN_KEYS
        .iter()
        .any(|f| f.eq_ignore_ascii_case(k))
    {
        return Err(format!(
            "your key cannot be named {k} as this is a reserved word"
        ));
    }
    Ok(())
}

fn parse_keys(s: &str) -> Result<Vec<String>, String> {
    let keys: Vec<String> = s
        .split(|c: char| c == '/' || c.is_whitespace())
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect();
    if keys.is_empty() {
        return Err("no key names given".into());
    }
    for k in &keys {
        valid_key(k)?;
    }
    Ok(keys)
}

fn ask_keys(a: &Args, ask: &mut Ask) -> Result<Vec<String>, CliError> {
    if let Some(k) = a.get("-keys") {
        return parse_keys(k).map_err(|e| CliError::new(1, format!("-keys: {e}")));
    }
    if !ask.interactive() {
        return Err(CliError::new(
            1,
            "missing -keys: stdin is not a terminal, so name the keys with -keys K1/K2/... (e.g. -keys OS/RELEASE)",
        ));
    }
    loop {
        let Some(line) = ask.line(
            "Enter the key names (the parts of a target) separated by spaces or /, q to quit: ",
        ) else {
            return Err(CliError::new(1, "no key names given"));
        };
        if line == "q" {
            return Err(CliError::new(1, "quit"));
        }
        match parse_keys(&line) {
            Ok(k) => return Ok(k),
            Err(e) => println!("{e}; try again"),
        }
    }
}

fn create_area(a: &Args, ask: &mut Ask) -> Result<i32, CliError> {
    let default_dir = a.get("-area-name").unwrap_or(".");
    let dir = ask.value(
        a,
        "-area-dir",
        "Directory for the new Megatest area",
        Some(default_dir),
    )?;
    let dir = absolute(&dir)?;
    let non_empty = std::fs::read_dir(&dir).is_ok_and(|mut r| r.next().is_some());
    if non_empty {
        let go = if ask.interactive() {
            ask.yes(
                &format!(
                    "{} is not empty, create the area files in it anyway?",
                    dir.display()
                ),
                a.has("-y"),
            )
        } else {
            a.has("-y")
        };
        if !go {
            return Err(CliError::new(
                1,
                format!(
                    "{} is not empty; give -y to create the area in it anyway",
                    dir.display()
                ),
            ));
        }
    }
    let keys = ask_keys(a, ask)?;
    let example: Vec<String> = keys.iter().map(|k| format!("{k}_val")).collect();
    let target = ask.value(
        a,
        "-target",
        "Example target (one value per key, joined by /)",
        Some(&example.join("/")),
    )?;
    if target.split('/').count() != keys.len() || target.split('/').any(str::is_empty) {
        return Err(CliError::new(
            1,
            format!(
                "target {target} must have {} non-empty part(s), one per key {}",
                keys.len(),
                keys.join("/")
            ),
        ));
    }
    let disk = absolute(&ask.value(
        a,
        "-disk",
        "Directory where tests run (a [disks] entry)",
        Some(&dir.join("runs").to_string_lossy()),
    )?)?;
    let linktree = absolute(&ask.value(
        a,
        "-linktree",
        "Link tree directory",
        Some(&dir.join("links").to_string_lossy()),
    )?)?;
    let launcher = a.get("-launcher").unwrap_or("nbfake");
    for d in [
        &dir,
        &disk,
        &linktree,
        &dir.join("configs"),
        &dir.join("tests"),
    ] {
        mkdir(d)?;
    }
    let mut cfg = String::new();
    let _ = writeln!(
        cfg,
        "# Megatest area created by megatest -create-megatest-area."
    );
    let _ = writeln!(cfg, "# Add tests with: megatest -create-test NAME");
    let _ = writeln!(cfg, "\n[fields]");
    for k in &keys {
        let _ = writeln!(cfg, "{k} TEXT");
    }
    let _ = writeln!(
        cfg,
        "\n[setup]\nmax_concurrent_jobs 50\nlinktree {}",
        linktree.display()
    );
    if let Some(n) = a.get("-area-name") {
        let _ = writeln!(cfg, "area-name {n}");
    }
    let _ = writeln!(cfg, "\n[jobtools]\nuseshell yes\nlauncher {launcher}");
    let _ = writeln!(
        cfg,
        "# Hold launches while the load is above maxload x cores:\n# maxload 1.5"
    );
    let _ = writeln!(cfg, "\n[env-override]\nEXAMPLE_VAR example value");
    let _ = writeln!(cfg, "\n[disks]\ndisk0 {}", disk.display());
    write(&dir.join("megatest.config"), &cfg)?;
    let rc = format!(
        "# Variables for each target; [default] applies to every target.\n[default]\nALLTESTS see this variable\n\n\
         # The example target.\n[{target}]\nANOTHERVAR only defined if target is {target}\n\n\
         # Personal settings, if the file exists.\n[include configs/#{{getenv USER}}.config]\n"
    );
    write(&dir.join("runconfigs.config"), &rc)?;
    let u = user();
    let personal = dir.join("configs").join(format!("{u}.config"));
    if !personal.exists() {
        write(
            &personal,
            &format!("# Settings for {u}, included by runconfigs.config.\n"),
        )?;
    }
    println!("Created the Megatest area {}", dir.display());
    println!("Next: cd {} && megatest -create-test NAME, then megatest -run -target {target} -runname RUN -testpatt %", dir.display());
    Ok(0)
}

/// megatest.config in `.`, `..`, `../..` or `../../..`.
fn find_area() -> Result<PathBuf, CliError> {
    let cwd = std::env::current_dir()?;
    let mut d = cwd.clone();
    for _ in 0..4 {
        if d.join("megatest.config").is_file() {
            return Ok(d);
        }
        if !d.pop() {
            break;
        }
    }
    Err(CliError::new(
        1,
        format!("megatest.config not found in {} or up to three levels above it; run -create-test inside an area", cwd.display()),
    ))
}

struct Step {
    name: String,
    command: String,
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && !n.starts_with('.')
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
}

fn parse_step(s: &str) -> Result<Step, CliError> {
    let s = s.trim();
    let (name, cmd) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
    if !valid_name(name) || cmd.trim().is_empty() {
        return Err(CliError::new(
            1,
            format!(
                "-ezstep {s:?}: give \"STEPNAME COMMAND\" (step names use letters, digits, _ - .)"
            ),
        ));
    }
    Ok(Step {
        name: name.to_string(),
        command: cmd.trim().to_string(),
    })
}

fn ask_steps(a: &Args, ask: &mut Ask) -> Result<Vec<Step>, CliError> {
    let given = all_values(a, "-ezstep");
    if !given.is_empty() {
        return given.iter().map(|s| parse_step(s)).collect();
    }
    if !ask.interactive() {
        return Err(CliError::new(
            1,
            "missing -ezstep: stdin is not a terminal, so give each step as -ezstep \"STEPNAME COMMAND\"",
        ));
    }
    let mut steps = Vec::new();
    while let Some(name) = ask
        .line("Step name (empty when done): ")
        .filter(|n| !n.is_empty())
    {
        if !valid_name(&name) {
            println!("step names use letters, digits, _ - . only; try again");
            continue;
        }
        let default = format!("./{name}.sh");
        let cmd = ask
            .line(&format!("Command or script for step {name} [{default}]: "))
            .unwrap_or_default();
        let command = if cmd.is_empty() { default } else { cmd };
        steps.push(Step { name, command });
    }
    Ok(steps)
}

fn ask_items(a: &Args, ask: &mut Ask) -> Result<Vec<(String, String)>, CliError> {
    let given = all_values(a, "-item");
    let mut items = Vec::new();
    let parse = |s: &str| -> Result<(String, String), String> {
        let (var, vals) = s
            .trim()
            .split_once(char::is_whitespace)
            .unwrap_or((s.trim(), ""));
        if valid_key(var).is_err() || vals.trim().is_empty() {
            return Err(format!("-item {s:?}: give \"VARNAME value1 value2 ...\""));
        }
        Ok((
            var.to_string(),
            vals.split_whitespace().collect::<Vec<_>>().join(" "),
        ))
    };
    if !given.is_empty() || !ask.interactive() {
        for g in given {
            items.push(parse(&g).map_err(|e| CliError::new(1, e))?);
        }
        return Ok(items);
    }
    while let Some(var) = ask
        .line("Item variable name (empty when done): ")
        .filter(|n| !n.is_empty())
    {
        let vals = ask
            .line(&format!("Values of {var}, separated by spaces: "))
            .unwrap_or_default();
        match parse(&format!("{var} {vals}")) {
            Ok(i) => items.push(i),
            Err(e) => println!("{e}; try again"),
        }
    }
    Ok(items)
}

/// The testconfig text.
fn testconfig(
    name: &str,
    description: &str,
    waiton: &str,
    priority: i64,
    steps: &[Step],
    items: &[(String, String)],
) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Test {name}, created by megatest -create-test.\n\n[ezsteps]"
    );
    for s in steps {
        let _ = writeln!(t, "{} {}", s.name, s.command);
    }
    let _ = writeln!(t, "\n[requirements]");
    if waiton.trim().is_empty() {
        let _ = writeln!(t, "# waiton othertest");
    } else {
        let _ = writeln!(
            t,
            "waiton {}",
            waiton.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }
    let _ = writeln!(t, "priority {priority}");
    if !items.is_empty() {
        let _ = writeln!(t, "\n[items]");
        for (k, v) in items {
            let _ = writeln!(t, "{k} {v}");
        }
    }
    let _ = writeln!(
        t,
        "\n# Items in parallel columns instead of all combinations:\n# [itemstable]\n# VAR1 a b c\n# VAR2 1 2 3"
    );
    let _ = writeln!(t, "\n[logpro]");
    for s in steps {
        // A blank line or a `#` line ends a [logpro] value, so the block holds only rules
        // and `;;` comments; the first matching rule takes a line.
        let _ = writeln!(t, "{} ;; rules for the log of step {}", s.name, s.name);
        let _ = writeln!(t, "  (expect:ignore   in \"LogFileBody\" >= 0 \"Known harmless lines\" #/error: benign/i)");
        let _ = writeln!(
            t,
            "  (expect:warning  in \"LogFileBody\" = 0 \"Any warning\" #/warn/i)"
        );
        let _ = writeln!(
            t,
            "  (expect:error    in \"LogFileBody\" = 0 \"Any error\" #/error|fatal/i)"
        );
        let _ = writeln!(
            t,
            "  ;; (expect:required in \"LogFileBody\" > 0 \"The step says it is done\" #/DONE/)"
        );
        let _ = writeln!(t);
    }
    let u = user();
    let _ = writeln!(
        t,
        "[test_meta]\nauthor {u}\nowner {u}\ndescription {description}\ntags tagone,tagtwo\nreviewed never"
    );
    t
}

fn placeholder_script(test: &str, step: &str) -> String {
    format!(
        "#!/bin/bash\n# Placeholder for step {step} of test {test}, written by megatest -create-test.\n\
         # Replace with the real work: the exit code and the [logpro] rules decide the step's status.\n\
         echo \"{step}: placeholder ran in $PWD for target $MT_TARGET\"\nexit 0\n"
    )
}

fn create_test(a: &Args, name: &str, ask: &mut Ask) -> Result<i32, CliError> {
    if !valid_name(name) {
        return Err(CliError::new(1, format!("-create-test {name:?}: test names use letters, digits, _ - . and cannot start with .")));
    }
    let top = find_area()?;
    let dir = top.join("tests").join(name);
    let tc = dir.join("testconfig");
    if tc.exists() {
        let go = if ask.interactive() {
            ask.yes(
                &format!("{} exists, overwrite it?", tc.display()),
                a.has("-y"),
            )
        } else {
            a.has("-y")
        };
        if !go {
            return Err(CliError::new(
                1,
                format!("{} exists; give -y to overwrite it", tc.display()),
            ));
        }
    }
    let description = ask.value(
        a,
        "-description",
        "One-line description",
        Some(&format!("Test {name}")),
    )?;
    let waiton = ask.value(
        a,
        "-waiton",
        "Tests this one waits on (space separated)",
        Some(""),
    )?;
    let priority = ask.value(a, "-priority", "Priority", Some("0"))?;
    let priority: i64 = priority
        .trim()
        .parse()
        .map_err(|_| CliError::new(1, format!("-priority {priority:?} is not a whole number")))?;
    let steps = ask_steps(a, ask)?;
    if steps.is_empty() {
        eprintln!(
            "WARNING: the test has no steps; add [ezsteps] lines to {}",
            tc.display()
        );
    }
    let items = ask_items(a, ask)?;
    mkdir(&dir)?;
    write(
        &tc,
        &testconfig(name, &description, &waiton, priority, &steps, &items),
    )?;
    for s in &steps {
        let cmd = s.command.as_str();
        if cmd.contains(char::is_whitespace) || !cmd.ends_with(".sh") {
            continue;
        }
        let rel = cmd.strip_prefix("./").unwrap_or(cmd);
        if rel.starts_with('/') || rel.contains("..") {
            continue;
        }
        let script = dir.join(rel);
        if script.exists() {
            continue;
        }
        if let Some(p) = script.parent() {
            mkdir(p)?;
        }
        write(&script, &placeholder_script(name, &s.name))?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
    }
    println!("Created {}", tc.display());
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Args {
        Args::parse(v.iter().map(|s| (*s).to_string())).unwrap()
    }

    fn scripted(input: &str) -> Ask {
        Ask {
            input: Some(Box::new(std::io::Cursor::new(input.as_bytes().to_vec()))),
        }
    }

    #[test]
    fn repeated_options_are_all_kept() {
        let a = args(&[
            "-create-test",
            "t",
            "-ezstep",
            "a echo 1",
            "-m",
            "-ezstep",
            "-ezstep",
            "b ./b.sh",
        ]);
        assert_eq!(all_values(&a, "-ezstep"), ["a echo 1", "b ./b.sh"]);
        assert_eq!(all_values(&a, "-m"), ["-ezstep"]);
    }

    #[test]
    fn values_come_from_flag_prompt_or_default() {
        let a = args(&["-create-test", "t", "-priority", "5"]);
        let mut none = Ask { input: None };
        assert_eq!(none.value(&a, "-priority", "p", Some("0")).unwrap(), "5");
        assert_eq!(none.value(&a, "-waiton", "w", Some("")).unwrap(), "");
        let e = none.value(&a, "-keys", "k", None).unwrap_err();
        assert!(e.msg.contains("-keys"), "{}", e.msg);
        let mut tty = scripted("setup build\n\n");
        assert_eq!(
            tty.value(&a, "-waiton", "w", Some("")).unwrap(),
            "setup build"
        );
        assert_eq!(
            tty.value(&a, "-description", "d", Some("dflt")).unwrap(),
            "dflt"
        );
        // End of input falls back to the default rather than blocking or failing.
        assert_eq!(
            tty.value(&a, "-description", "d", Some("dflt")).unwrap(),
            "dflt"
        );
    }

    #[test]
    fn prompted_steps_and_items() {
        let a = args(&["-create-test", "t"]);
        let mut tty = scripted("build\n\ncheck\necho ok\n\nARCH\nx86 arm\n\n");
        let steps = ask_steps(&a, &mut tty).unwrap();
        let got: Vec<(&str, &str)> = steps
            .iter()
            .map(|s| (s.name.as_str(), s.command.as_str()))
            .collect();
        assert_eq!(got, [("build", "./build.sh"), ("check", "echo ok")]);
        let items = ask_items(&a, &mut tty).unwrap();
        assert_eq!(items, [("ARCH".to_string(), "x86 arm".to_string())]);
    }

    #[test]
    fn key_validation() {
        assert_eq!(parse_keys("OS/RELEASE").unwrap(), ["OS", "RELEASE"]);
        assert_eq!(parse_keys(" A  B ").unwrap(), ["A", "B"]);
        for bad in ["", "runname", "1x", "a-b"] {
            assert!(parse_keys(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn step_parsing() {
        assert!(parse_step("run ./run.sh arg").is_ok());
        for bad in ["lonely", "", ".x cmd", "a/b cmd"] {
            assert!(parse_step(bad).is_err(), "{bad:?}");
        }
    }
}
