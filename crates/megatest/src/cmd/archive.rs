//! `-archive save|save-remove|keep-html|restore` (runner spec §6.5), and the entry point of
//! the env/maintenance utilities (`envutil.rs`) and the wizards (`wizard.rs`).
//!
//! Where an archive goes: the `[archive-disks]` entry (or `-archive-disk DIR`) with the most
//! free space above `[archive] minspace` MB (default 1000) gets the block directory
//! `<disk>/<YYYY>_q<Q>/<area-name>_<first 5 hex digits of md5(toppath)>` (UTC date).
//!
//! How: with bup when `[archive] bup` names a program that exists (the original's commands:
//! `init`, `index`, `save -<compress> -n <area>-<run-id> --strip-path=<disk prefix>`,
//! `restore -C`); otherwise with the `tar` program, one archive per test run directory at
//! `<block>/<target>/<runname>/<test>[/<item>]/<epoch>.tar.zst` (`--zstd` when `zstd` is
//! installed, checked at run time) or `.tar.gz`. The original had only bup; tar is the
//! built-in default because bup is rarely installed.
//!
//! - `save`: archive, leave the run directory and the state as they are.
//! - `save-remove`: archive, then state `ARCHIVE_REMOVING`, remove the run directory (and its
//!   link-tree symlink), state `ARCHIVED` (status unchanged).
//! - `keep-html`: like `save-remove` but every `*.html`/`*.htm` file stays, so the summary
//!   pages keep working (the original treated it as `save`; the spec names this intent).
//! - `restore`: every selected test with a recorded archive is checked first (archive file
//!   present, program available); if any check fails nothing is touched. Then an existing
//!   run directory is moved aside to `.<name>`, the work area is recreated on the best
//!   `[disks]` entry, the archive is unpacked into it, and the record gets back the state it
//!   had when it was archived.
//!
//! The bookkeeping (tables `archive_disks`, `archive_blocks`, `archives`, column
//! `tests.archived`) is described in `mt-db/src/maintenance.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use mt_db::{Store, TestFilter, TestRow, TestSort};
use mt_model::State;

use super::{load_area, open_store, runname, target};
use crate::args::Args;
use crate::error::CliError;

/// Run the archive, env/maintenance and wizard actions present on the command line; None
/// when none was asked for.
pub fn dispatch(a: &Args) -> Result<Option<i32>, CliError> {
    let mut out: Option<i32> = None;
    let mut merge = |r: Option<i32>| {
        if let Some(c) = r {
            out = Some(match out {
                Some(o) if o != 0 => o,
                _ => c,
            });
        }
    };
    merge(super::wizard::dispatch(a)?);
    merge(super::envutil::dispatch(a)?);
    if let Some(verb) = a.get("-archive") {
        merge(Some(archive(a, verb)?));
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    Save,
    SaveRemove,
    KeepHtml,
    Restore,
}

impl Verb {
    fn parse(s: &str) -> Result<Verb, CliError> {
        Ok(match s {
            "save" => Verb::Save,
            "save-remove" => Verb::SaveRemove,
            "keep-html" => Verb::KeepHtml,
            "restore" => Verb::Restore,
            other => {
                return Err(CliError::new(
                    1,
                    format!("unknown -archive action \"{other}\": use save, save-remove, keep-html or restore"),
                ))
            }
        })
    }

    /// The `archives.state` written for a new archive.
    fn record_state(self) -> &'static str {
        match self {
            Verb::Save | Verb::Restore => "saved",
            Verb::SaveRemove => "removed",
            Verb::KeepHtml => "kept-html",
        }
    }
}

/// One selected test of one run.
struct Sel {
    run_id: i64,
    target: String,
    runname: String,
    test: TestRow,
}

fn archive(a: &Args, verb: &str) -> Result<i32, CliError> {
    // Check everything that needs no area first, so bad input touches nothing.
    let verb = Verb::parse(verb)?;
    let t = target(a).ok_or_else(|| {
        CliError::new(
            3,
            "Missing required parameter for -archive, you must specify the target with -target",
        )
    })?;
    let rn = runname(a).ok_or_else(|| {
        CliError::new(3, "Missing required parameter for -archive, you must specify the run name pattern with -runname")
    })?;
    let testpatt = a.get("-testpatt").ok_or_else(|| {
        CliError::new(3, "Missing required parameter for -archive, you must specify the test pattern with -testpatt")
    })?;
    let area = load_area(a, None)?;
    let store = open_store(&area)?;
    let selected = select(&store, &t, &rn, testpatt, a)?;
    if selected.is_empty() {
        return Err(CliError::new(
            1,
            format!(
                "-archive {}: no tests match -target {t} -runname {rn} -testpatt {testpatt}",
                a.get("-archive").unwrap_or("")
            ),
        ));
    }
    let cfg = ArchiveConfig::from_area(&area, a);
    match verb {
        Verb::Restore => restore(&area, &store, &cfg, &selected),
        _ => save(&area, &store, &cfg, verb, &selected),
    }
}

fn list(v: Option<&str>) -> Vec<String> {
    v.map(|s| {
        s.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// The tests of unlocked runs matching the selectors, without toplevel records that have
/// items (their items are handled one by one).
fn select(
    store: &Store,
    t: &str,
    rn: &str,
    testpatt: &str,
    a: &Args,
) -> Result<Vec<Sel>, CliError> {
    let filter = TestFilter {
        states: list(a.get_any(&["-state", ":state"])),
        statuses: list(a.get_any(&["-status", ":status"])),
        not_in: false,
        testpatt: Some(testpatt.to_string()),
        sort: TestSort::NameItem,
    };
    let mut out = Vec::new();
    for run in store.list_runs(rn, Some(t))? {
        if store.is_locked(run.id)? {
            eprintln!(
                "WARNING: run {}/{} is locked, skipping it",
                run.target(),
                run.runname
            );
            continue;
        }
        let all = store.tests_for_run(run.id, &TestFilter::default())?;
        for test in store.tests_for_run(run.id, &filter)? {
            let has_items = test.item_path.is_empty()
                && all
                    .iter()
                    .any(|o| o.testname == test.testname && !o.item_path.is_empty());
            if has_items {
                eprintln!(
                    "WARNING: {} in {}/{} is a toplevel test with items; its items are archived one by one",
                    test.testname,
                    run.target(),
                    run.runname
                );
                continue;
            }
            out.push(Sel {
                run_id: run.id,
                target: run.target(),
                runname: run.runname.clone(),
                test,
            });
        }
    }
    Ok(out)
}

/// `[archive]` settings and the tools found on this host.
struct ArchiveConfig {
    disks: Vec<(String, String)>,
    minspace_mb: u64,
    compress: String,
    /// The bup program, when configured and present.
    bup: Option<PathBuf>,
    zstd: bool,
}

impl ArchiveConfig {
    fn from_area(area: &mt_area::Area, a: &Args) -> ArchiveConfig {
        let disks = match a.get("-archive-disk") {
            Some(d) => vec![("-archive-disk".to_string(), d.to_string())],
            None => area.section_pairs("archive-disks"),
        };
        let get = |k: &str| {
            area.config
                .get("archive", k)
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let bup = get("bup").and_then(|b| {
            let found = find_program(b);
            if found.is_none() {
                eprintln!("WARNING: [archive] bup {b} not found; using tar instead");
            }
            found
        });
        ArchiveConfig {
            disks,
            minspace_mb: get("minspace").and_then(|v| v.parse().ok()).unwrap_or(1000),
            compress: get("compress").unwrap_or("9").to_string(),
            bup,
            zstd: find_program("zstd").is_some(),
        }
    }

    fn tar_type(&self) -> &'static str {
        if self.zstd {
            "tar-zstd"
        } else {
            "tar-gzip"
        }
    }
}

/// A program by path (when it contains `/`) or on `$PATH`.
fn find_program(name: &str) -> Option<PathBuf> {
    let is_exec = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        let p = PathBuf::from(name);
        return is_exec(&p).then_some(p);
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| is_exec(p))
    })
}

/// Size of a directory tree in KB (what `du -s` estimates), symlinks not followed.
fn du_kb(dir: &Path) -> u64 {
    let mut total = 0u64;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(m) = e.path().symlink_metadata() else {
                continue;
            };
            if m.is_dir() {
                stack.push(e.path());
            } else {
                total += m.len();
            }
        }
    }
    total.div_ceil(1024)
}

/// `<test>[/<item>]` below `<target>/<runname>`.
fn rel_path(s: &Sel) -> PathBuf {
    let mut p = PathBuf::from(&s.target)
        .join(&s.runname)
        .join(&s.test.testname);
    if !s.test.item_path.is_empty() {
        p.push(&s.test.item_path);
    }
    p
}

fn usable_rundir(t: &TestRow) -> Option<PathBuf> {
    let d = t.rundir.trim();
    if d.is_empty() || d == "/tmp/badname" || d == "n/a" {
        return None;
    }
    let p = PathBuf::from(d);
    p.is_dir().then_some(p)
}

/// Year and quarter (1-4) of now, in UTC.
fn year_quarter() -> (i64, i64) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let (y, m) = civil_year_month(secs.div_euclid(86_400));
    (y, (m - 1) / 3 + 1)
}

/// (year, month) of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
fn civil_year_month(days: i64) -> (i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400;
    (if m <= 2 { y + 1 } else { y }, m)
}

/// Pick the archive disk, create the block directory and register both.
fn allocate_block(
    area: &mt_area::Area,
    store: &Store,
    cfg: &ArchiveConfig,
) -> Result<(i64, PathBuf), CliError> {
    if cfg.disks.is_empty() {
        return Err(CliError::new(
            1,
            "No archive disks found: add an [archive-disks] section (NAME /path lines) to megatest.config or give -archive-disk DIR",
        ));
    }
    let disk =
        mt_runner::workarea::choose_disk(&cfg.disks, cfg.minspace_mb * 1024).map_err(|e| {
            CliError::new(
                1,
                format!(
                    "No archive disk with more than {} MB free ([archive] minspace): {e}",
                    cfg.minspace_mb
                ),
            )
        })?;
    let free = mt_runner::workarea::free_kb(&disk).unwrap_or(0);
    let (year, q) = year_quarter();
    let top = area.toppath.to_string_lossy().into_owned();
    let hash = md5::hex(top.as_bytes());
    let block =
        disk.join(format!("{year}_q{q}"))
            .join(format!("{}_{}", area.area_name(), &hash[..5]));
    std::fs::create_dir_all(&block).map_err(|e| {
        CliError::new(
            1,
            format!("cannot create archive block {}: {e}", block.display()),
        )
    })?;
    let id = store.register_archive_block(
        &area.area_name(),
        &disk.to_string_lossy(),
        i64::try_from(free).unwrap_or(i64::MAX),
        &block.to_string_lossy(),
    )?;
    Ok((id, block))
}

fn run_cmd(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    match cmd.output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!(
            "{shown} failed ({}): {}",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!("cannot run {shown}: {e}")),
    }
}

/// A fresh archive file name in `dir`.
fn new_archive_file(dir: &Path, ext: &str) -> PathBuf {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut p = dir.join(format!("{secs}.{ext}"));
    let mut n = 1;
    while p.exists() {
        p = dir.join(format!("{secs}-{n}.{ext}"));
        n += 1;
    }
    p
}

fn tar_save(cfg: &ArchiveConfig, block: &Path, s: &Sel, phys: &Path) -> Result<PathBuf, String> {
    let dir = block.join(rel_path(s));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let (flag, ext) = if cfg.zstd {
        ("--zstd", "tar.zst")
    } else {
        ("-z", "tar.gz")
    };
    let file = new_archive_file(&dir, ext);
    let r = run_cmd(
        Command::new("tar")
            .arg("-C")
            .arg(phys)
            .arg(flag)
            .arg("-cf")
            .arg(&file)
            .arg("."),
    );
    if r.is_err() {
        let _ = std::fs::remove_file(&file);
    }
    r.map(|()| file)
}

fn bup_save(
    cfg: &ArchiveConfig,
    bup: &Path,
    block: &Path,
    name: &str,
    group: &str,
    paths: &[PathBuf],
) -> Result<(), String> {
    if !block.join("HEAD").exists() {
        run_cmd(Command::new(bup).arg("-d").arg(block).arg("init"))?;
    }
    run_cmd(
        Command::new(bup)
            .arg("-d")
            .arg(block)
            .arg("index")
            .args(paths),
    )?;
    run_cmd(
        Command::new(bup)
            .arg("-d")
            .arg(block)
            .arg("save")
            .arg(format!("-{}", cfg.compress))
            .arg("-n")
            .arg(name)
            .arg(format!("--strip-path={group}"))
            .args(paths),
    )
}

/// Remove a directory tree; on a permission failure make it writable and try again (the
/// original retried after `chmod -R a+rwx`).
fn force_remove(dir: &Path) -> std::io::Result<()> {
    if std::fs::remove_dir_all(dir).is_ok() || !dir.exists() {
        return Ok(());
    }
    make_writable(dir);
    std::fs::remove_dir_all(dir)
}

fn make_writable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let _ = std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755));
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(e.path());
            }
        }
    }
}

fn is_html(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
}

/// Remove everything below `dir` except HTML files (and the directories holding them).
/// Returns whether anything is left.
fn remove_all_but_html(dir: &Path) -> std::io::Result<bool> {
    let mut kept = false;
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let p = e.path();
        let ty = e.file_type()?;
        if ty.is_dir() {
            if remove_all_but_html(&p)? {
                kept = true;
            } else {
                std::fs::remove_dir(&p)?;
            }
        } else if is_html(&p) {
            kept = true;
        } else {
            std::fs::remove_file(&p)?;
        }
    }
    Ok(kept)
}

/// What to do with one test in `save`.
struct Job<'a> {
    sel: &'a Sel,
    link: PathBuf,
    phys: PathBuf,
    du: u64,
}

fn save(
    area: &mt_area::Area,
    store: &Store,
    cfg: &ArchiveConfig,
    verb: Verb,
    selected: &[Sel],
) -> Result<i32, CliError> {
    let mut jobs = Vec::new();
    for s in selected {
        let Some(link) = usable_rundir(&s.test) else {
            eprintln!(
                "INFO: {} in {}/{} has no run directory, nothing to archive",
                s.test.fullname(),
                s.target,
                s.runname
            );
            continue;
        };
        let phys = link.canonicalize().unwrap_or_else(|_| link.clone());
        let du = du_kb(&phys);
        println!("INFO: estimated size of {}: {du} KB", phys.display());
        jobs.push(Job {
            sel: s,
            link,
            phys,
            du,
        });
    }
    if jobs.is_empty() {
        eprintln!("INFO: none of the selected tests has a run directory; nothing archived");
        return Ok(0);
    }
    println!(
        "INFO: total estimated size: {} KB in {} test director{}",
        jobs.iter().map(|j| j.du).sum::<u64>(),
        jobs.len(),
        if jobs.len() == 1 { "y" } else { "ies" }
    );
    let (block_id, block) = allocate_block(area, store, cfg)?;
    let mut errors: Vec<String> = Vec::new();
    // Archive: (job, archive type, archive path) for each success.
    let mut done: Vec<(&Job<'_>, String, String)> = Vec::new();
    if let Some(bup) = &cfg.bup {
        // One bup save per run and disk prefix, as the original groups them.
        let mut groups: BTreeMap<(i64, String), Vec<&Job<'_>>> = BTreeMap::new();
        for j in &jobs {
            let rel = rel_path(j.sel);
            let phys = j.phys.to_string_lossy().into_owned();
            let rel_s = rel.to_string_lossy().into_owned();
            let prefix = phys.strip_suffix(&rel_s).map_or_else(
                || {
                    j.phys
                        .parent()
                        .map(|p| p.to_string_lossy().into_owned())
                        .unwrap_or_default()
                },
                str::to_string,
            );
            groups.entry((j.sel.run_id, prefix)).or_default().push(j);
        }
        for ((run_id, prefix), js) in groups {
            let name = format!("{}-{run_id}", area.area_name());
            let paths: Vec<PathBuf> = js.iter().map(|j| j.phys.clone()).collect();
            match bup_save(cfg, bup, &block, &name, &prefix, &paths) {
                Ok(()) => {
                    for j in js {
                        let inside = j.phys.strip_prefix(&prefix).map_or_else(
                            |_| rel_path(j.sel),
                            |p| p.strip_prefix("/").unwrap_or(p).to_path_buf(),
                        );
                        let path =
                            format!("{}::{name}/latest/{}", block.display(), inside.display());
                        done.push((j, "bup".into(), path));
                    }
                }
                Err(e) => errors.push(e),
            }
        }
    } else {
        for j in &jobs {
            match tar_save(cfg, &block, j.sel, &j.phys) {
                Ok(file) => done.push((
                    j,
                    cfg.tar_type().into(),
                    file.to_string_lossy().into_owned(),
                )),
                Err(e) => errors.push(format!("{}: {e}", j.sel.test.fullname())),
            }
        }
    }
    for (j, kind, path) in &done {
        let t = &j.sel.test;
        // Archiving an already archived test keeps the state it had before the first one.
        let prior = if matches!(t.state.as_str(), State::ARCHIVED | State::ARCHIVE_REMOVING) {
            store
                .latest_archive(t.id)?
                .map_or_else(|| State::COMPLETED.to_string(), |r| r.prior_state)
        } else {
            t.state.clone()
        };
        let du = i64::try_from(j.du).unwrap_or(i64::MAX);
        let archive_id = store.record_archive(t.id, block_id, kind, du, path, &prior)?;
        println!(
            "INFO: archived {} ({}/{}) to {path}",
            t.fullname(),
            j.sel.target,
            j.sel.runname
        );
        if verb == Verb::Save {
            continue;
        }
        store.set_state_status(t.id, Some(State::ARCHIVE_REMOVING), None, None, "archive")?;
        let removed = if verb == Verb::KeepHtml {
            remove_all_but_html(&j.phys).map(|_| ())
        } else {
            force_remove(&j.phys).map(|()| {
                if j.link
                    .symlink_metadata()
                    .is_ok_and(|m| m.file_type().is_symlink())
                {
                    let _ = std::fs::remove_file(&j.link);
                }
            })
        };
        match removed {
            Ok(()) => {
                store.set_state_status(t.id, Some(State::ARCHIVED), None, None, "archive")?;
                store.set_archive_state(archive_id, verb.record_state())?;
            }
            Err(e) => {
                // The archive is good; the record goes back to its state so nothing claims
                // a removal that did not happen.
                store.set_state_status(t.id, Some(&prior), None, None, "archive")?;
                errors.push(format!(
                    "{}: archived but cannot remove {}: {e}",
                    t.fullname(),
                    j.phys.display()
                ));
            }
        }
    }
    report_errors(&errors)
}

fn report_errors(errors: &[String]) -> Result<i32, CliError> {
    if errors.is_empty() {
        return Ok(0);
    }
    for e in errors {
        eprintln!("ERROR: {e}");
    }
    Err(CliError::new(
        1,
        format!("-archive: {} error(s), see above", errors.len()),
    ))
}

/// Everything a restore of one test needs, checked before anything is touched.
struct RestorePlan<'a> {
    sel: &'a Sel,
    rec: Rec,
}

/// The fields of an `archives` row a restore uses.
struct Rec {
    id: i64,
    archive_type: String,
    archive_path: String,
    prior_state: String,
}

fn check_archive(cfg: &ArchiveConfig, rec: &Rec) -> Result<(), String> {
    match rec.archive_type.as_str() {
        "bup" => {
            let Some((block, _)) = rec.archive_path.split_once("::") else {
                return Err(format!("malformed bup archive path {}", rec.archive_path));
            };
            if cfg.bup.is_none() {
                return Err(format!(
                    "the archive {} was made with bup, but no bup program is configured ([archive] bup) or found",
                    rec.archive_path
                ));
            }
            if !Path::new(block).join("HEAD").exists() && !Path::new(block).is_dir() {
                return Err(format!("archive block {block} is missing"));
            }
            Ok(())
        }
        kind => {
            if find_program("tar").is_none() {
                return Err("the tar program is not installed".into());
            }
            if kind == "tar-zstd" && !cfg.zstd {
                return Err(format!(
                    "the archive {} needs zstd, which is not installed",
                    rec.archive_path
                ));
            }
            if !Path::new(&rec.archive_path).is_file() {
                return Err(format!("archive file {} is missing", rec.archive_path));
            }
            Ok(())
        }
    }
}

/// A free `.<name>[.N]` next to `dir`.
fn aside_name(dir: &Path) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = dir.parent().unwrap_or(Path::new("/"));
    let mut p = parent.join(format!(".{name}"));
    let mut n = 1;
    while p.symlink_metadata().is_ok() {
        p = parent.join(format!(".{name}.{n}"));
        n += 1;
    }
    p
}

fn restore(
    area: &mt_area::Area,
    store: &Store,
    cfg: &ArchiveConfig,
    selected: &[Sel],
) -> Result<i32, CliError> {
    let mut plans = Vec::new();
    let mut problems = Vec::new();
    for s in selected {
        match store.latest_archive(s.test.id)? {
            None => eprintln!(
                "INFO: {} in {}/{} has no archive, skipped",
                s.test.fullname(),
                s.target,
                s.runname
            ),
            Some(r) => {
                let rec = Rec {
                    id: r.id,
                    archive_type: r.archive_type,
                    archive_path: r.archive_path,
                    prior_state: r.prior_state,
                };
                if let Err(e) = check_archive(cfg, &rec) {
                    problems.push(format!(
                        "{} in {}/{}: {e}",
                        s.test.fullname(),
                        s.target,
                        s.runname
                    ));
                }
                plans.push(RestorePlan { sel: s, rec });
            }
        }
    }
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("ERROR: {p}");
        }
        return Err(CliError::new(
            1,
            format!(
                "-archive restore: {} archive(s) cannot be restored; nothing was changed",
                problems.len()
            ),
        ));
    }
    if plans.is_empty() {
        return Err(CliError::new(
            1,
            "-archive restore: none of the selected tests has an archive",
        ));
    }
    let disks = area.section_pairs("disks");
    let minspace = area
        .setup("minspace")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let linktree = area.linktree();
    let mut errors = Vec::new();
    for p in &plans {
        if let Err(e) = restore_one(store, cfg, &disks, minspace, &linktree, p) {
            errors.push(format!("{}: {e}", p.sel.test.fullname()));
        }
    }
    report_errors(&errors)
}

fn restore_one(
    store: &Store,
    cfg: &ArchiveConfig,
    disks: &[(String, String)],
    minspace: u64,
    linktree: &Path,
    p: &RestorePlan<'_>,
) -> Result<(), String> {
    let s = p.sel;
    let t = &s.test;
    let paths = if disks.is_empty() {
        // No [disks]: put it back where it was.
        let old = PathBuf::from(&t.shortdir);
        if !old.is_absolute() || t.shortdir == "/tmp/badname" {
            return Err(
                "no [disks] in megatest.config and no previous run directory to restore into"
                    .into(),
            );
        }
        mt_runner::workarea::Paths {
            phys_top: old.clone(),
            phys_dir: old,
            link_top: PathBuf::from(&t.rundir),
            work_area: PathBuf::from(&t.rundir),
        }
    } else {
        let disk = mt_runner::workarea::choose_disk(disks, minspace).map_err(|e| e.to_string())?;
        mt_runner::workarea::paths(
            &disk,
            linktree,
            &s.target,
            &s.runname,
            &t.testname,
            &t.item_path,
        )
    };
    for old in [PathBuf::from(&t.shortdir), paths.phys_dir.clone()] {
        if old.is_absolute()
            && old.as_os_str().len() > 5
            && old.symlink_metadata().is_ok_and(|m| m.is_dir())
        {
            let aside = aside_name(&old);
            std::fs::rename(&old, &aside)
                .map_err(|e| format!("cannot move {} aside: {e}", old.display()))?;
            eprintln!(
                "WARNING: {} already existed; moved it to {}",
                old.display(),
                aside.display()
            );
        }
    }
    mt_runner::workarea::create(&paths, !t.item_path.is_empty(), &mut Default::default())
        .map_err(|e| e.to_string())?;
    let r = if p.rec.archive_type == "bup" {
        let (block, inside) = p.rec.archive_path.split_once("::").unwrap_or_default();
        let into = paths.phys_dir.parent().unwrap_or(Path::new("/"));
        let bup = cfg.bup.as_deref().unwrap_or(Path::new("bup"));
        run_cmd(
            Command::new(bup)
                .arg("-d")
                .arg(block)
                .arg("restore")
                .arg("-C")
                .arg(into)
                .arg(inside),
        )
    } else {
        let flag = if p.rec.archive_type == "tar-zstd" {
            "--zstd"
        } else {
            "-z"
        };
        run_cmd(
            Command::new("tar")
                .arg("-C")
                .arg(&paths.phys_dir)
                .arg(flag)
                .arg("-xf")
                .arg(&p.rec.archive_path),
        )
    };
    r?;
    let work = paths.work_area.to_string_lossy().into_owned();
    let phys = paths.phys_dir.to_string_lossy().into_owned();
    let db = |e: mt_db::DbError| e.to_string();
    store
        .update_test_run_info(
            t.id,
            &mt_db::RunInfo {
                rundir: Some(&work),
                shortdir: Some(&phys),
                ..mt_db::RunInfo::default()
            },
        )
        .map_err(db)?;
    let state = if p.rec.prior_state.is_empty() {
        State::COMPLETED
    } else {
        p.rec.prior_state.as_str()
    };
    store
        .set_state_status(t.id, Some(state), None, None, "archive")
        .map_err(db)?;
    store.set_archive_state(p.rec.id, "restored").map_err(db)?;
    println!(
        "INFO: restored {} ({}/{}) from {} into {work}",
        t.fullname(),
        s.target,
        s.runname,
        p.rec.archive_path
    );
    Ok(())
}

/// MD5 (RFC 1321), only to name archive blocks as the original does (`md5(toppath)`).
mod md5 {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];

    fn k(i: usize) -> u32 {
        // floor(|sin(i + 1)| * 2^32), computed rather than tabled.
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let v = ((i as f64 + 1.0).sin().abs() * 4_294_967_296.0) as u32;
        v
    }

    pub fn digest(data: &[u8]) -> [u8; 16] {
        let mut msg = data.to_vec();
        let bits = (data.len() as u64).wrapping_mul(8);
        msg.push(0x80);
        while msg.len() % 64 != 56 {
            msg.push(0);
        }
        msg.extend_from_slice(&bits.to_le_bytes());
        let (mut a0, mut b0, mut c0, mut d0) = (
            0x6745_2301u32,
            0xefcd_ab89u32,
            0x98ba_dcfeu32,
            0x1032_5476u32,
        );
        for chunk in msg.chunks(64) {
            let m: Vec<u32> = chunk
                .chunks(4)
                .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
                .collect();
            let (mut a, mut b, mut c, mut d) = (a0, b0, c0, d0);
            for (i, shift) in S.iter().enumerate() {
                let (f, g) = match i / 16 {
                    0 => ((b & c) | (!b & d), i),
                    1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                    2 => (b ^ c ^ d, (3 * i + 5) % 16),
                    _ => (c ^ (b | !d), (7 * i) % 16),
                };
                let f = f.wrapping_add(a).wrapping_add(k(i)).wrapping_add(m[g]);
                a = d;
                d = c;
                c = b;
                b = b.wrapping_add(f.rotate_left(*shift));
            }
            a0 = a0.wrapping_add(a);
            b0 = b0.wrapping_add(b);
            c0 = c0.wrapping_add(c);
            d0 = d0.wrapping_add(d);
        }
        let mut out = [0u8; 16];
        for (i, w) in [a0, b0, c0, d0].iter().enumerate() {
            out[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
        }
        out
    }

    pub fn hex(data: &[u8]) -> String {
        digest(data).iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_vectors() {
        for (input, want) in [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ] {
            assert_eq!(md5::hex(input.as_bytes()), want, "md5({input:?})");
        }
    }

    #[test]
    fn quarters_from_days() {
        for (days, want) in [
            (0, (1970, 1)),
            (59, (1970, 3)),
            (90, (1970, 4)),
            (19_723, (2024, 1)),
            (19_905, (2024, 7)),
        ] {
            assert_eq!(civil_year_month(days), want, "day {days}");
        }
    }

    #[test]
    fn verbs() {
        assert_eq!(Verb::parse("save").unwrap(), Verb::Save);
        assert_eq!(Verb::parse("keep-html").unwrap(), Verb::KeepHtml);
        assert!(Verb::parse("zap")
            .unwrap_err()
            .msg
            .contains("unknown -archive action"));
    }
}
