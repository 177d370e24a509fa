//! Helpers for end-to-end tests: copy an area into a temp dir, run the real binary there
//! with a clean environment, and read the resulting database.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_megatest"))
}

/// `../shared/areas/NAME` next to the repository, if present.
pub fn shared_area(name: &str) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let p = root.join("shared/areas").join(name);
    if p.join("megatest.config").is_file() {
        Some(p)
    } else {
        eprintln!(
            "SKIP: {} not found (the acceptance areas live in ../shared)",
            p.display()
        );
        None
    }
}

/// An example area shipped in this repository.
pub fn example_area(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// A temp copy of an area.
pub struct Area {
    pub _tmp: tempfile::TempDir,
    pub dir: PathBuf,
}

impl Area {
    pub fn copy_of(src: &Path) -> Area {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("area");
        copy_dir(src, &dir);
        Area { _tmp: tmp, dir }
    }

    /// megatest in the area with no inherited MT_* variables.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.args(args).current_dir(&self.dir);
        for (k, _) in std::env::vars() {
            if k.starts_with("MT_") {
                c.env_remove(k);
            }
        }
        c
    }

    /// Run megatest in the area with no inherited MT_* variables.
    pub fn mt(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Start megatest in the area in the background (output discarded).
    #[allow(dead_code)] // not every test binary starts one
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.command(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    }

    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.join("megatest.db")).unwrap()
    }

    /// (state, status) of a record of the newest run with this name.
    pub fn record(&self, runname: &str, test: &str, item: &str) -> Option<(String, String)> {
        let c = self.db();
        c.query_row(
            "SELECT t.state, t.status FROM tests t JOIN runs r ON r.id=t.run_id
             WHERE r.runname=?1 AND t.testname=?2 AND t.item_path=?3 AND t.state != 'DELETED'",
            rusqlite::params![runname, test, item],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ok()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

pub fn text(o: &Output) -> String {
    format!(
        "status: {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A one-key area (`OS`) written by a test: `[setup]` gets `setup` (lines), `[disks]` has
/// the one disk `disk`, `runconfigs.config` is `runconfigs`, and `tests` maps each test
/// name to its testconfig text.
pub fn small_area(setup: &str, disk: &str, runconfigs: &str, tests: &[(&str, &str)]) -> Area {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("area");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("megatest.config"),
        format!(
            "[fields]\nOS TEXT\n\n[setup]\nlinktree #{{getenv MT_RUN_AREA_HOME}}/lt\n{setup}\n[disks]\nd0 {disk}\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("runconfigs.config"), runconfigs).unwrap();
    for (name, cfg) in tests {
        std::fs::create_dir_all(dir.join("tests").join(name)).unwrap();
        std::fs::write(dir.join("tests").join(name).join("testconfig"), cfg).unwrap();
    }
    Area { _tmp: tmp, dir }
}

/// The usual disk of [`small_area`]: `<area>/runs`.
pub const RUNS_DISK: &str = "#{getenv MT_RUN_AREA_HOME}/runs";
