//! logpro inside a test: judge a step's log with its rules (in process, no extra program),
//! write the HTML report and the `.dat` summary, and load the `.dat` into `test_data`
//! (logpro spec §7).

use std::path::Path;

use mt_configf::{read_config, ReadOptions, RealHost, SystemMode};
use mt_db::{DataRecord, Store};

/// Run the rules on the log as `logpro RULES HTML < LOG` would; returns logpro's exit
/// code. The annotated log goes to `<log stem>_logpro.log` beside the log.
pub fn judge(rules: &Path, log: &Path, html: &Path, dat: &Path) -> Result<i32, String> {
    let set = match logpro::RuleSet::from_file(rules) {
        Ok(s) => s,
        Err(e) => {
            // A broken rule file is the test's problem, reported like logpro does (exit 1).
            let _ = std::fs::write(html, logpro::syntax_error_page(&e.to_string()));
            return Err(format!("{}: {e}", rules.display()));
        }
    };
    let input =
        std::fs::File::open(log).map_err(|e| format!("cannot read {}: {e}", log.display()))?;
    let stem = log
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let annotated_path = log.with_file_name(format!("{stem}_logpro.log"));
    let annotated = std::fs::File::create(&annotated_path)
        .map_err(|e| format!("cannot write {}: {e}", annotated_path.display()))?;
    let html_file =
        std::fs::File::create(html).map_err(|e| format!("cannot write {}: {e}", html.display()))?;
    let outcome = set
        .process_with_html(
            std::io::BufReader::new(input),
            std::io::BufWriter::new(annotated),
            std::io::BufWriter::new(html_file),
        )
        .map_err(|e| format!("logpro on {}: {e}", log.display()))?;
    let dat_file =
        std::fs::File::create(dat).map_err(|e| format!("cannot write {}: {e}", dat.display()))?;
    outcome
        .write_dat(std::io::BufWriter::new(dat_file))
        .map_err(|e| format!("cannot write {}: {e}", dat.display()))?;
    Ok(outcome.exit_code)
}

/// Load `STEP.dat` into test_data; returns the step comment (`PASS`, or
/// `<exit-status>: <message>`).
pub fn load_dat(store: &Store, test_id: i64, step: &str, dat: &Path) -> Result<String, String> {
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
    let get = |sec: &str, k: &str| {
        cfg.get(sec, k)
            .map_or_else(|| "n/a".to_string(), |v| v.trim().to_string())
    };
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
    let message = cfg
        .get("final", "message")
        .map(str::trim)
        .unwrap_or("no message")
        .to_string();
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
    store
        .set_test_data(test_id, &recs)
        .map_err(|e| e.to_string())?;
    Ok(if exit_status == "PASS" {
        "PASS".into()
    } else {
        format!("{exit_status}: {message}")
    })
}
