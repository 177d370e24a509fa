//! `-archive save|save-remove|keep-html|restore` end to end with the real binary on a copy of
//! the acceptance area `basic` (../shared/areas/basic) given an `[archive-disks]` section.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{shared_area, text, Area};

const TARGET: &str = "linux/1.0";
const RUN: &str = "arch1";

/// A copy of `basic` with an archive disk (and optional extra `[archive]` lines), run once
/// with the given test pattern.
fn archived_area(testpatt: &str, archive_extra: &str) -> Option<(Area, PathBuf)> {
    let src = shared_area("basic")?;
    let a = Area::copy_of(&src);
    let disk = a.dir.parent().unwrap().join("archive-disk");
    let cfg = a.dir.join("megatest.config");
    let mut perms = std::fs::metadata(&cfg).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&cfg, perms).unwrap();
    let mut text_cfg = std::fs::read_to_string(&cfg).unwrap();
    text_cfg.push_str(&format!(
        "\n[archive]\nminspace 1\n{archive_extra}\n\n[archive-disks]\narch0 {}\n",
        disk.display()
    ));
    std::fs::write(&cfg, text_cfg).unwrap();
    let out = a.mt(&[
        "-run",
        "-target",
        TARGET,
        "-runname",
        RUN,
        "-testpatt",
        testpatt,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    Some((a, disk))
}

fn archive(a: &Area, verb: &str, testpatt: &str) -> std::process::Output {
    a.mt(&[
        "-archive",
        verb,
        "-target",
        TARGET,
        "-runname",
        RUN,
        "-testpatt",
        testpatt,
    ])
}

/// (state, status, archived, rundir, shortdir) of a record.
fn rec(a: &Area, test: &str, item: &str) -> (String, String, i64, String, String) {
    a.db()
        .query_row(
            "SELECT t.state, t.status, t.archived, t.rundir, t.shortdir FROM tests t JOIN runs r ON r.id=t.run_id
             WHERE r.runname=?1 AND t.testname=?2 AND t.item_path=?3",
            rusqlite::params![RUN, test, item],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap()
}

/// Every file below `dir` with its content (relative path → bytes).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            if e.file_type().unwrap().is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                stack.push(p);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

/// The database rows that an archive command may change.
fn db_state(a: &Area) -> Vec<String> {
    let c = a.db();
    let mut out = Vec::new();
    for sql in [
        "SELECT id||'|'||state||'|'||status||'|'||archived||'|'||rundir||'|'||shortdir FROM tests ORDER BY id",
        "SELECT id||'|'||test_id||'|'||state||'|'||status||'|'||archive_path FROM archives ORDER BY id",
        "SELECT id||'|'||disk_path FROM archive_blocks ORDER BY id",
    ] {
        let mut st = c.prepare(sql).unwrap();
        let rows = st.query_map([], |r| r.get::<_, String>(0)).unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out
}

fn md5_hex(s: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg("printf %s \"$1\" | md5sum")
        .arg("sh")
        .arg(s)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn save_remove_then_restore_round_trip() {
    let Some((a, disk)) = archived_area("setup,compile", "") else {
        return;
    };
    let picks = [("setup", ""), ("compile", "x86/O0")];
    // A state other than COMPLETED must come back too (the original always wrote COMPLETED).
    a.db()
        .execute(
            "UPDATE tests SET state='INCOMPLETE' WHERE testname='setup'",
            [],
        )
        .unwrap();
    let before: Vec<_> = picks.iter().map(|(t, i)| rec(&a, t, i)).collect();
    let files: Vec<_> = before.iter().map(|r| snapshot(Path::new(&r.4))).collect();
    for f in &files {
        assert!(
            f.contains_key("testconfig"),
            "run directory copied the test source: {f:?}"
        );
    }

    let out = archive(&a, "save-remove", "setup,compile/x86/O0");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("estimated size"),
        "{}",
        text(&out)
    );

    // The block directory: <disk>/<YYYY>_q<Q>/<area>_<md5-5 of toppath>.
    let top = a.dir.canonicalize().unwrap();
    let want_block = format!("area_{}", &md5_hex(&top.to_string_lossy())[..5]);
    let quarters: Vec<_> = std::fs::read_dir(&disk)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(quarters.len(), 1);
    let q = quarters[0].to_string_lossy().into_owned();
    assert!(
        regex::Regex::new(r"^\d{4}_q[1-4]$").unwrap().is_match(&q),
        "{q}"
    );
    let block = disk.join(&q).join(&want_block);
    assert!(block.is_dir(), "{} missing", block.display());
    let block_id: i64 = a
        .db()
        .query_row(
            "SELECT id FROM archive_blocks WHERE disk_path=?1",
            [block.to_string_lossy()],
            |r| r.get(0),
        )
        .unwrap();

    for (((t, i), old), _) in picks.iter().zip(&before).zip(&files) {
        let now = rec(&a, t, i);
        assert_eq!(now.0, "ARCHIVED", "{t}/{i}");
        assert_eq!(now.1, old.1, "{t}/{i}: status unchanged");
        assert_eq!(now.2, block_id, "{t}/{i}: tests.archived is the block id");
        assert!(
            !Path::new(&old.4).exists(),
            "{t}/{i}: run directory removed"
        );
        assert!(
            Path::new(&old.3).symlink_metadata().is_err(),
            "{t}/{i}: link removed"
        );
        let (path, state, prior): (String, String, String) = a
            .db()
            .query_row(
                "SELECT archive_path, state, status FROM archives WHERE test_id=(SELECT id FROM tests WHERE testname=?1 AND item_path=?2)",
                [t, i],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert!(Path::new(&path).is_file(), "{path}");
        assert!(
            path.starts_with(&block.to_string_lossy().into_owned()),
            "{path}"
        );
        assert_eq!(
            (state.as_str(), prior.as_str()),
            ("removed", old.0.as_str())
        );
    }
    // Records not selected are untouched.
    assert_eq!(rec(&a, "compile", "x86/O2").0, "COMPLETED");
    assert!(Path::new(&rec(&a, "compile", "x86/O2").4).is_dir());

    let out = archive(&a, "restore", "setup,compile/x86/O0");
    assert!(out.status.success(), "{}", text(&out));
    for (((t, i), old), f) in picks.iter().zip(&before).zip(&files) {
        let now = rec(&a, t, i);
        assert_eq!(
            (&now.0, &now.1),
            (&old.0, &old.1),
            "{t}/{i}: record back to what it was"
        );
        assert_eq!(
            &snapshot(Path::new(&now.4)),
            f,
            "{t}/{i}: same files after restore"
        );
        assert!(Path::new(&now.3).exists(), "{t}/{i}: link tree entry back");
    }
    let restored = a.count("SELECT count(*) FROM archives WHERE state='restored'");
    assert_eq!(restored, 2);
}

#[test]
fn save_and_keep_html() {
    let Some((a, _disk)) = archived_area("setup,report", "") else {
        return;
    };
    let setup = rec(&a, "setup", "");
    let before = snapshot(Path::new(&setup.4));
    let out = archive(&a, "save", "setup");
    assert!(out.status.success(), "{}", text(&out));
    let now = rec(&a, "setup", "");
    assert_eq!(now.0, setup.0, "save keeps the state");
    assert_eq!(
        snapshot(Path::new(&now.4)),
        before,
        "save keeps the directory"
    );
    let path: String = a
        .db()
        .query_row("SELECT archive_path FROM archives", [], |r| r.get(0))
        .unwrap();
    let listing = Command::new("tar").arg("-tf").arg(&path).output().unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout).into_owned();
    assert!(listing.contains("./testconfig"), "{listing}");

    // keep-html: archive, then everything but the HTML goes.
    let report = rec(&a, "report", "");
    let dir = PathBuf::from(&report.4);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/page.html"), "<p>kept</p>").unwrap();
    std::fs::write(dir.join("top.HTM"), "kept").unwrap();
    let out = archive(&a, "keep-html", "report");
    assert!(out.status.success(), "{}", text(&out));
    let left: Vec<String> = snapshot(&dir).into_keys().collect();
    assert_eq!(left, ["sub/", "sub/page.html", "top.HTM"]);
    assert_eq!(rec(&a, "report", "").0, "ARCHIVED");
    let st: String = a
        .db()
        .query_row(
            "SELECT state FROM archives ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(st, "kept-html");
    // Restoring moves the HTML-only directory aside and brings the rest back.
    let out = archive(&a, "restore", "report");
    assert!(out.status.success(), "{}", text(&out));
    let now = rec(&a, "report", "");
    assert_eq!(now.0, report.0);
    let back = snapshot(Path::new(&now.4));
    assert!(
        back.contains_key("testconfig") && back.contains_key("sub/page.html"),
        "{back:?}"
    );
    assert!(
        dir.parent().unwrap().join(".report").is_dir(),
        "old directory moved aside"
    );
}

#[test]
fn bad_input_touches_nothing() {
    let Some((a, disk)) = archived_area("setup,compile", "") else {
        return;
    };
    let out = archive(&a, "save", "setup");
    assert!(out.status.success(), "{}", text(&out));
    let path: String = a
        .db()
        .query_row("SELECT archive_path FROM archives", [], |r| r.get(0))
        .unwrap();
    let out = archive(&a, "save-remove", "compile/x86/O2");
    assert!(out.status.success(), "{}", text(&out));
    // The archive of setup disappears from the disk.
    std::fs::remove_file(&path).unwrap();

    let cases: &[(&[&str], i32, &str)] = &[
        (
            &[
                "-archive",
                "zap",
                "-target",
                TARGET,
                "-runname",
                RUN,
                "-testpatt",
                "%",
            ],
            1,
            "unknown -archive action",
        ),
        (
            &["-archive", "save", "-target", TARGET, "-runname", RUN],
            3,
            "-testpatt",
        ),
        (
            &["-archive", "save", "-runname", RUN, "-testpatt", "%"],
            3,
            "-target",
        ),
        // One restorable archive (compile/x86/O2) and one missing: nothing is restored.
        (
            &[
                "-archive",
                "restore",
                "-target",
                TARGET,
                "-runname",
                RUN,
                "-testpatt",
                "setup,compile/x86/O2",
            ],
            1,
            "is missing",
        ),
        (
            &[
                "-archive",
                "restore",
                "-target",
                TARGET,
                "-runname",
                RUN,
                "-testpatt",
                "compile/arm%",
            ],
            1,
            "has an archive",
        ),
        (
            &[
                "-archive",
                "save",
                "-target",
                TARGET,
                "-runname",
                "nosuchrun",
                "-testpatt",
                "%",
            ],
            1,
            "no tests match",
        ),
    ];
    for (args, code, msg) in cases {
        let db_before = db_state(&a);
        let fs_before = snapshot(&a.dir.join("runs"));
        let disk_before = snapshot(&disk);
        let out = a.mt(args);
        assert_eq!(out.status.code(), Some(*code), "{args:?}\n{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(msg),
            "{args:?}: want {msg:?}\n{}",
            text(&out)
        );
        assert_eq!(db_state(&a), db_before, "{args:?} changed the database");
        assert_eq!(
            snapshot(&a.dir.join("runs")),
            fs_before,
            "{args:?} changed run directories"
        );
        assert_eq!(
            snapshot(&disk),
            disk_before,
            "{args:?} changed the archive disk"
        );
    }

    // No archive disk at all.
    let out = a.mt(&[
        "-archive",
        "save",
        "-target",
        TARGET,
        "-runname",
        RUN,
        "-testpatt",
        "setup",
        "-archive-disk",
        "relative/dir",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("No archive disk"),
        "{}",
        text(&out)
    );
}

#[test]
fn bup_is_used_when_configured() {
    if shared_area("basic").is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("bup.log");
    let bup = tmp.path().join("fakebup");
    // Records its arguments; `restore -C DIR PATH` recreates PATH's last part under DIR.
    std::fs::write(
        &bup,
        format!(
            "#!/bin/sh\necho \"$*\" >> {}\ncase \"$3\" in\n  init) mkdir -p \"$2\" && touch \"$2/HEAD\";;\n  restore) mkdir -p \"$5/$(basename \"$6\")\" && echo back > \"$5/$(basename \"$6\")/restored.txt\";;\nesac\n",
            log.display()
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bup, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let Some((a, _disk)) = archived_area("setup", &format!("bup {}\ncompress 3", bup.display()))
    else {
        return;
    };
    let setup = rec(&a, "setup", "");
    let out = archive(&a, "save-remove", "setup");
    assert!(out.status.success(), "{}", text(&out));
    let run_id: i64 = a
        .db()
        .query_row("SELECT id FROM runs", [], |r| r.get(0))
        .unwrap();
    let calls = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = calls.lines().collect();
    let phys = PathBuf::from(&setup.4);
    let prefix = a.dir.canonicalize().unwrap().join("runs");
    assert_eq!(lines.len(), 3, "{calls}");
    assert!(lines[0].ends_with(" init"), "{calls}");
    assert!(
        lines[1].ends_with(&format!(" index {}", phys.display())),
        "{calls}"
    );
    assert!(
        lines[2].ends_with(&format!(
            " save -3 -n area-{run_id} --strip-path={}/ {}",
            prefix.display(),
            phys.display()
        )),
        "{calls}"
    );
    let (kind, path): (String, String) = a
        .db()
        .query_row("SELECT archive_type, archive_path FROM archives", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(kind, "bup");
    assert!(
        path.ends_with(&format!("::area-{run_id}/latest/{TARGET}/{RUN}/setup")),
        "{path}"
    );
    let out = archive(&a, "restore", "setup");
    assert!(out.status.success(), "{}", text(&out));
    let calls = std::fs::read_to_string(&log).unwrap();
    let last = calls.lines().last().unwrap();
    assert!(
        last.ends_with(&format!(
            " restore -C {} area-{run_id}/latest/{TARGET}/{RUN}/setup",
            phys.parent().unwrap().display()
        )),
        "{calls}"
    );
    assert_eq!(
        std::fs::read_to_string(phys.join("restored.txt")).unwrap(),
        "back\n"
    );
    assert_eq!(rec(&a, "setup", "").0, setup.0);
}
