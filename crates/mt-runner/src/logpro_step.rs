//! logpro inside a test: judge a step's log with its rules (in process, no extra program),
//! write the HTML report and the `.dat` summary, and load the `.dat` into `test_data`
//! (logpro spec §7).

use std::path::Path;

use mt_configf::{read_config, FakeHost, ReadOptions, RealHost, SystemMode};
use mt_db::{DataRecord, Store};

/// Run the rules on the log; returns logpro's exit code.
pub fn judge(rules: &Path, log: &Path, html: &Path, dat: &Path) -> Result<i32, String> {
    let _ = (rules, log, html, dat);
    Err("logpro is not available in this build yet: steps with logpro rules cannot be judged".into())
}

/// Load `STEP.dat` into test_data; returns the step comment (`PASS`, or
/// `<exit-status>: <message>`).
pub fn load_dat(store: &Store, test_id: i64, step: &str, dat: &Path) -> Result<String, String> {
    let _ = FakeHost::new();
    let mut host = RealHost::new();
    let ro = ReadOptions {
        allow_system: SystemMode::No,
        bare_keys_setenv: false,
        ..ReadOptions::default()
    };
    let cfg = read_config(dat, &ro, &mut host)
        .map_err(|e| e.to_string())?
        .config;
    let mut recs = Vec::new();
    let get = |sec: &str, k: &str| cfg.get(sec, k).map_or_else(|| "n/a".to_string(), |v| v.trim().to_string());
    for (name, _) in cfg.sections() {
        if name == "final" || name == "default" {
            continue;
        }
        let comment = cfg
            .get(name, "comment")
            .or_else(|| cfg.get(name, "desc"))
            .map_or_else(|| "n/a".to_string(), str::to_string);
        recs.push(DataRecord {
            category: step.to_string(),
            variable: name.to_string(),
            value: get(name, "measured"),
            expected: get(name, "expected"),
            tol: get(name, "tolerance"),
            units: "n/a".into(),
            comment,
            status: get(name, "status"),
            kind: get(name, "expected"),
        });
    }
    let exit_status = get("final", "exit-status");
    let message = cfg.get("final", "message").map(str::trim).unwrap_or("no message").to_string();
    recs.push(DataRecord {
        category: step.to_string(),
        variable: "final".into(),
        value: get("final", "exit-code"),
        expected: "0".into(),
        tol: "0".into(),
        units: "n/a".into(),
        comment: message.clone(),
        status: exit_status.clone(),
        kind: "logpro".into(),
    });
    store.set_test_data(test_id, &recs).map_err(|e| e.to_string())?;
    Ok(if exit_status == "PASS" {
        "PASS".into()
    } else {
        format!("{exit_status}: {message}")
    })
}
