//! Queries over the database: `-list-runs`, `-list-db-targets`, `-test-paths`,
//! `-test-files`. Text layouts follow the original (scripts parse them).

use std::fmt::Write as _;

use mt_db::{TestFilter, TestSort};
use serde_json::{json, Map, Value};

use super::{load_area, open_store, runname, target};
use crate::args::Args;
use crate::error::CliError;

fn list(v: Option<&str>) -> Vec<String> {
    v.map(|s| {
        s.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

fn filter(a: &Args) -> TestFilter {
    TestFilter {
        states: list(a.get_any(&["-state", ":state"])),
        statuses: list(a.get_any(&["-status", ":status"])),
        not_in: false,
        testpatt: a.get("-testpatt").map(str::to_string),
        sort: TestSort::NameItem,
    }
}

pub fn list_runs(a: &Args) -> Result<Option<i32>, CliError> {
    let Some(runpatt) = a.get("-list-runs") else {
        return Ok(None);
    };
    let area = load_area(a, None)?;
    let store = open_store(&area)?;
    let tpatt = a.get("-target");
    let listing = store.list_runs_with_tests(runpatt, tpatt, &filter(a))?;
    if a.json() {
        let mut top = Map::new();
        for l in &listing {
            let mut meta = Map::new();
            for (k, v) in &l.run.keys {
                meta.insert(k.clone(), json!(v));
            }
            let r = &l.run;
            for (k, v) in [
                ("id", r.id.to_string()),
                ("runname", r.runname.clone()),
                ("state", r.state.clone()),
                ("status", r.status.clone()),
                ("owner", r.owner.clone()),
                ("event_time", r.event_time.to_string()),
                ("comment", r.comment.clone()),
                ("fail_count", r.fail_count.to_string()),
                ("pass_count", r.pass_count.to_string()),
            ] {
                meta.insert(k.into(), json!(v));
            }
            let mut data = Map::new();
            for t in &l.tests {
                let mut v = serde_json::to_value(&t.test).unwrap_or(Value::Null);
                if let Value::Object(o) = &mut v {
                    o.insert(
                        "steps".into(),
                        serde_json::to_value(&t.steps).unwrap_or(Value::Null),
                    );
                }
                data.insert(t.test.id.to_string(), v);
            }
            let entry = top
                .entry(r.target())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = entry {
                m.insert(r.runname.clone(), json!({"meta": meta, "data": data}));
            }
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&Value::Object(top)).unwrap_or_default()
        );
        return Ok(Some(0));
    }
    let mut out = String::new();
    for l in &listing {
        let r = &l.run;
        let _ = write!(out, "Run: {}/{} ", r.target(), r.runname);
        for (k, v) in &r.keys {
            let _ = write!(out, "{k}: {v} ");
        }
        let _ = writeln!(
            out,
            "id: {} runname: {} state: {} status: {} owner: {} event_time: {} comment: {} fail_count: {} pass_count: {} ",
            r.id, r.runname, r.state, r.status, r.owner, r.event_time, r.comment, r.fail_count, r.pass_count
        );
        for t in &l.tests {
            let x = &t.test;
            let _ = writeln!(
                out,
                "  Test: {:<25} State: {:<15} Status: {:<15} Runtime: {:>5}s Time: {:<22} Host: {:<10}",
                x.fullname(),
                x.state,
                x.status,
                x.run_duration,
                x.event_time,
                x.host
            );
            if t.shows_details() {
                let _ = writeln!(out, "         cpuload:  {}", x.cpuload);
                let _ = writeln!(out, "         diskfree: {}", x.diskfree);
                let _ = writeln!(out, "         uname:    {}", x.uname);
                let _ = writeln!(out, "         rundir:   {}", x.rundir);
                for s in &t.steps {
                    let _ = writeln!(
                        out,
                        "    Step: {:<20} State: {:<10} Status: {:<10} Time {:<22}",
                        s.stepname, s.state, s.status, s.event_time
                    );
                }
            }
        }
    }
    print!("{out}");
    Ok(Some(0))
}

pub fn list_db_targets(a: &Args) -> Result<Option<i32>, CliError> {
    if !a.has("-list-db-targets") {
        return Ok(None);
    }
    let area = load_area(a, None)?;
    let store = open_store(&area)?;
    let targets = store.db_targets()?;
    if a.json() {
        println!("{}", json!({ "targets": targets }));
    } else {
        for t in targets {
            println!("{t}");
        }
    }
    Ok(Some(0))
}

pub fn test_paths(a: &Args) -> Result<Option<i32>, CliError> {
    let files = a.get("-test-files");
    if !a.has("-test-paths") && files.is_none() {
        return Ok(None);
    }
    let t = target(a).ok_or_else(|| CliError::new(3, "-test-paths/-test-files need -target"))?;
    let rn = runname(a).unwrap_or_else(|| "%".into());
    let area = load_area(a, None)?;
    let store = open_store(&area)?;
    let mut f = filter(a);
    if f.testpatt.is_none() {
        f.testpatt = Some("%".into());
    }
    f.sort = TestSort::EventTime;
    let listing = store.list_runs_with_tests(&rn, Some(&t), &f)?;
    for l in listing {
        for tw in l.tests {
            let dir = tw.test.rundir;
            if dir.is_empty() || dir == "/tmp/badname" {
                continue;
            }
            match files {
                None => println!("{dir}"),
                Some(glob) => {
                    for p in glob_in(&dir, glob) {
                        println!("{p}");
                    }
                }
            }
        }
    }
    Ok(Some(0))
}

/// Files under `dir` whose relative path matches a shell glob (`*`, `?`).
fn glob_in(dir: &str, glob: &str) -> Vec<String> {
    let re = format!(
        "^{}$",
        regex::escape(glob)
            .replace("\\*", "[^/]*")
            .replace("\\?", "[^/]")
    );
    let Ok(re) = regex::Regex::new(&re) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p
                .strip_prefix(dir)
                .map(|r| r.to_string_lossy().into_owned())
                .unwrap_or_default();
            if re.is_match(&rel) {
                out.push(p.to_string_lossy().into_owned());
            }
            if p.is_dir() && !p.is_symlink() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}
