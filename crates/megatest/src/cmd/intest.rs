//! Helpers called by scripts inside a running test (`$MT_MEGATEST -test-status ...`). They
//! find their test from `MT_CMDINFO`, exactly as the original does.

use std::io::Read;
use std::path::{Path, PathBuf};

use mt_configf::{read_config, ReadOptions, RealHost, SystemMode};
use mt_db::{RunInfo, Store};
use mt_runner::reporter::Reporter;
use mt_runner::CmdInfo;

use crate::args::Args;
use crate::error::CliError;

struct Ctx {
    ci: CmdInfo,
    store: Store,
    triggers: Vec<(String, String)>,
}

fn ctx() -> Result<Ctx, CliError> {
    let enc = std::env::var("MT_CMDINFO").map_err(|_| {
        CliError::new(
            5,
            "MT_CMDINFO env var not set, this command must be called from inside a running test",
        )
    })?;
    let ci = CmdInfo::decode(&enc).map_err(|e| CliError::new(5, e.to_string()))?;
    let mut store = Store::open_existing(&ci.dbpath)?;
    store.set_source("test");
    // [triggers] come from the testconfig read without system calls (runner spec §6.1).
    let mut host = RealHost::new().with_toppath(&ci.toppath);
    let ro = ReadOptions {
        allow_system: SystemMode::No,
        bare_keys_setenv: false,
        ..ReadOptions::default()
    };
    let triggers = read_config(Path::new(&ci.testpath).join("testconfig"), &ro, &mut host)
        .map(|o| mt_area::section_pairs(&o.config, "triggers"))
        .unwrap_or_default();
    Ok(Ctx {
        ci,
        store,
        triggers,
    })
}

fn normalize_status(s: &str) -> String {
    // A number means an exit code: 0 PASS, anything else FAIL.
    if let Ok(n) = s.trim().parse::<i64>() {
        return if n == 0 { "PASS".into() } else { "FAIL".into() };
    }
    s.to_string()
}

/// `-step NAME :state S :status T`.
pub fn step(a: &Args) -> Result<Option<i32>, CliError> {
    let Some(name) = a.get("-step") else {
        return Ok(None);
    };
    let c = ctx()?;
    let (Some(state), Some(status)) = (
        a.get_any(&["-state", ":state"]),
        a.get_any(&["-status", ":status"]),
    ) else {
        return Err(CliError::new(
            6,
            "You must specify :state and :status with every call to -step",
        ));
    };
    let dat = Path::new(&c.ci.testpath).join(format!("{name}.dat"));
    let mut comment = a.get("-m").unwrap_or("").to_string();
    if dat.exists() {
        if let Ok(cm) = mt_runner::logpro_step::load_dat(&c.store, c.ci.test_id, name, &dat) {
            comment = cm;
        }
    }
    let log = a.get("-setlog").unwrap_or("");
    c.store
        .record_step(c.ci.test_id, name, state, status, &comment, log)?;
    Ok(Some(0))
}

/// The combined block: `-setlog -set-toplog -test-status -set-values -load-test-data
/// -runstep -summarize-items`.
pub fn combined(a: &Args) -> Result<Option<i32>, CliError> {
    let any = [
        "-setlog",
        "-set-toplog",
        "-test-status",
        "-set-values",
        "-load-test-data",
        "-runstep",
        "-summarize-items",
    ];
    if !a.has_any(&any) || (a.has("-setlog") && a.has("-step") && !a.has_any(&any[1..])) {
        return Ok(None);
    }
    let c = ctx()?;
    let mut code = 0;
    let mut reporter = Reporter::new(&c.store, "test");
    reporter.set_triggers(&c.ci.test_name, c.triggers.clone());
    if let Some(f) = a.get("-setlog") {
        c.store.update_test_run_info(
            c.ci.test_id,
            &RunInfo {
                final_logf: Some(f),
                ..RunInfo::default()
            },
        )?;
    }
    if let Some(f) = a.get("-set-toplog") {
        if let Some(top) = c.store.find_test(c.ci.run_id, &c.ci.test_name, "")? {
            c.store.update_test_run_info(
                top.id,
                &RunInfo {
                    final_logf: Some(f),
                    ..RunInfo::default()
                },
            )?;
        }
    }
    let value_fields = (a.get(":value"), a.get(":expected"), a.get(":tol"));
    if a.has("-set-values") || (a.has("-test-status") && value_fields.0.is_some()) {
        match value_fields {
            (Some(v), Some(e), Some(t)) => {
                let row = c.store.set_values(
                    c.ci.test_id,
                    a.get(":category").unwrap_or(""),
                    a.get(":variable").unwrap_or(""),
                    v,
                    e,
                    t,
                    a.get(":units").unwrap_or(""),
                )?;
                if let Some(s) = &row.status {
                    eprintln!(
                        "INFO: {}/{} = {v} (expected {e}, tol {t}): {s}",
                        row.category, row.variable
                    );
                }
            }
            _ if a.has("-set-values") => {
                return Err(CliError::new(6, "-set-values needs :value, :expected and :tol (and usually :category and :variable)"));
            }
            _ => {}
        }
    }
    let state = a.get_any(&["-state", ":state"]);
    let status = a.get_any(&["-status", ":status"]);
    if a.has("-test-status") || (a.has("-set-values") && (state.is_some() || status.is_some())) {
        let (Some(state), Some(status)) = (state, status) else {
            eprint!("{}", crate::help::HELP);
            return Err(CliError::new(6, "-test-status needs :state and :status"));
        };
        let status = normalize_status(status);
        let comment = a.get("-m").filter(|m| !m.trim().is_empty());
        reporter.set(c.ci.test_id, Some(state), Some(&status), comment);
    }
    if a.has("-load-test-data") {
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input)?;
        let load = c.store.load_test_data_csv(c.ci.test_id, &input, "test")?;
        reporter.fire(&load.changes);
        eprintln!(
            "INFO: loaded {} test data rows ({} pass, {} fail)",
            load.records, load.pass_count, load.fail_count
        );
    }
    if let Some(name) = a.get("-runstep") {
        code = runstep(&c, &mut reporter, name, a)?;
    }
    if a.has("-summarize-items") {
        summarize_items(&c)?;
    }
    reporter.wait_triggers(std::time::Duration::from_secs(30));
    Ok(Some(code))
}

fn runstep(c: &Ctx, _reporter: &mut Reporter<'_>, name: &str, a: &Args) -> Result<i32, CliError> {
    if a.remaining.is_empty() {
        return Err(CliError::new(6, "nothing specified to run!"));
    }
    let msg = a.get("-m").unwrap_or("");
    let log = format!("{name}.log");
    c.store
        .record_step(c.ci.test_id, name, "start", "n/a", msg, &log)?;
    let cmd = a.remaining.join(" ");
    let st = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("({cmd}) > {log} 2>&1"))
        .status()?;
    let mut code = st.code().unwrap_or(1);
    if let Some(rules) = a.get("-logpro") {
        let html = PathBuf::from(format!("{name}.html"));
        let dat = PathBuf::from(format!("{name}.dat"));
        code = match mt_runner::logpro_step::judge(Path::new(rules), Path::new(&log), &html, &dat) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("ERROR: logpro on {log}: {e}");
                1
            }
        };
        let h = html.to_string_lossy().into_owned();
        c.store.update_test_run_info(
            c.ci.test_id,
            &RunInfo {
                final_logf: Some(&h),
                ..RunInfo::default()
            },
        )?;
    }
    c.store
        .record_step(c.ci.test_id, name, "end", &code.to_string(), msg, &log)?;
    Ok(match code {
        0..=2 => code,
        _ => 3,
    })
}

fn summarize_items(c: &Ctx) -> Result<(), CliError> {
    let Some(top) = c.store.find_test(c.ci.run_id, &c.ci.test_name, "")? else {
        return Ok(());
    };
    let items = c.store.tests_for_run(
        c.ci.run_id,
        &mt_db::TestFilter {
            testpatt: Some(format!("{}/%", c.ci.test_name)),
            ..mt_db::TestFilter::default()
        },
    )?;
    let mut html = format!(
        "<html><head><title>{0} items</title></head><body><h1>{0}: {1}/{2}</h1><table border=1><tr><th>Item</th><th>State</th><th>Status</th><th>Comment</th></tr>\n",
        c.ci.test_name, top.state, top.status
    );
    for t in items.iter().filter(|t| !t.item_path.is_empty()) {
        html.push_str(&format!(
            "<tr><td><a href=\"{0}/{3}\">{0}</a></td><td>{1}</td><td>{2}</td><td>{4}</td></tr>\n",
            t.item_path, t.state, t.status, t.final_logf, t.comment
        ));
    }
    html.push_str("</table></body></html>\n");
    let dir = if top.rundir.is_empty() {
        c.ci.work_area.clone()
    } else {
        top.rundir
    };
    std::fs::write(
        Path::new(&dir).join(format!("megatest-rollup-{}.html", c.ci.test_name)),
        html,
    )?;
    Ok(())
}
