//! Choosing a disk and creating a test's work area with the original's path layout and
//! link tree (config-and-area.md §7, runner spec §4.2).

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum WorkAreaError {
    #[error("No valid disks found in [disks]: {0}")]
    NoDisk(String),
    #[error("cannot create {path}: {source}")]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("copying the test source {src} to {dst} failed: {msg}")]
    Copy {
        src: PathBuf,
        dst: PathBuf,
        msg: String,
    },
}

/// Free space in KB of the file system holding `path` (the "available" column of df).
#[must_use]
pub fn free_kb(path: &Path) -> Option<u64> {
    let st = nix::sys::statvfs::statvfs(path).ok()?;
    #[allow(clippy::unnecessary_cast)]
    let avail = st.blocks_available() as u64 * st.fragment_size() as u64;
    Some(avail / 1024)
}

/// Pick the usable disk with the most free space above `minspace` KB.
pub fn choose_disk(disks: &[(String, String)], minspace: u64) -> Result<PathBuf, WorkAreaError> {
    let mut best: Option<(u64, PathBuf)> = None;
    let mut why: Vec<String> = Vec::new();
    for (name, p) in disks {
        let path = PathBuf::from(p.trim());
        if !path.is_absolute() {
            why.push(format!("{name}={p}: not an absolute path"));
            continue;
        }
        // A missing disk directory is created (areas name `<toppath>/runs` and expect it).
        if !path.is_dir() {
            if let Err(e) = std::fs::create_dir_all(&path) {
                why.push(format!("{name}={p}: cannot be created: {e}"));
                continue;
            }
        }
        if nix::unistd::access(&path, nix::unistd::AccessFlags::W_OK).is_err() {
            why.push(format!("{name}={p}: not writable"));
            continue;
        }
        let free = free_kb(&path).unwrap_or(0);
        if free <= minspace {
            why.push(format!(
                "{name}={p}: {free} KB free, minspace is {minspace}"
            ));
        }
        if free > minspace && best.as_ref().is_none_or(|(b, _)| free > *b) {
            best = Some((free, path));
        }
    }
    best.map(|(_, p)| p)
        .ok_or_else(|| WorkAreaError::NoDisk(why.join("; ")))
}

/// The paths of one test (or item) in one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// `DISK/T/R/N`
    pub phys_top: PathBuf,
    /// `DISK/T/R/N[/I]`: where the test runs.
    pub phys_dir: PathBuf,
    /// `LT/T/R/N`
    pub link_top: PathBuf,
    /// `LT/T/R/N[/I]`: the work area (`MT_TEST_RUN_DIR`, `tests.rundir`).
    pub work_area: PathBuf,
}

#[must_use]
pub fn paths(
    disk: &Path,
    linktree: &Path,
    target: &str,
    runname: &str,
    test: &str,
    item: &str,
) -> Paths {
    let phys_top = disk.join(target).join(runname).join(test);
    let link_top = linktree.join(target).join(runname).join(test);
    let (phys_dir, work_area) = if item.is_empty() {
        (phys_top.clone(), link_top.clone())
    } else {
        (phys_top.join(item), link_top.join(item))
    };
    Paths {
        phys_top,
        phys_dir,
        link_top,
        work_area,
    }
}

fn mkdirs(p: &Path) -> Result<(), WorkAreaError> {
    std::fs::create_dir_all(p).map_err(|source| WorkAreaError::Create {
        path: p.to_path_buf(),
        source,
    })
}

fn relink(link: &Path, target: &Path) -> Result<(), WorkAreaError> {
    // Most links are new: try that first, and look at what is there only when it fails.
    let err = match std::os::unix::fs::symlink(target, link) {
        Ok(()) => return Ok(()),
        Err(e) => e,
    };
    match std::fs::symlink_metadata(link) {
        Ok(m) if m.file_type().is_symlink() => {
            let _ = std::fs::remove_file(link);
        }
        // A real directory or file there is left alone, as the original does.
        Ok(_) => return Ok(()),
        Err(_) => {
            return Err(WorkAreaError::Create {
                path: link.to_path_buf(),
                source: err,
            })
        }
    }
    std::os::unix::fs::symlink(target, link).map_err(|source| WorkAreaError::Create {
        path: link.to_path_buf(),
        source,
    })
}

/// Create the physical directories and the link tree entries. `made` remembers the link
/// tree directories this run already made (all items of a test share theirs).
pub fn create(
    p: &Paths,
    itemized: bool,
    made: &mut std::collections::HashSet<PathBuf>,
) -> Result<(), WorkAreaError> {
    mkdirs(&p.phys_dir)?;
    let (link, target) = if itemized {
        // The link tree holds real directories down to the item's parent, and a symlink
        // per item.
        (&p.work_area, &p.phys_dir)
    } else {
        (&p.link_top, &p.phys_top)
    };
    let Some(parent) = link.parent() else {
        return relink(link, target);
    };
    if made.contains(parent) {
        // Made earlier in this run; if something removed it since, make it again.
        if relink(link, target).is_ok() {
            return Ok(());
        }
        made.remove(parent);
    }
    mkdirs(parent)?;
    made.insert(parent.to_path_buf());
    relink(link, target)
}

/// Copy the test's source directory into its run directory. Without `testcopycmd` this is a
/// built-in recursive copy (the original used rsync, which is not always installed); with a
/// `cache`, a small flat source directory is read once and written from memory for each
/// further item or rerun.
pub fn copy_test_source(
    src: &Path,
    dst: &Path,
    testcopycmd: Option<&str>,
    cache: Option<&mut SourceCache>,
) -> Result<(), WorkAreaError> {
    if let Some(cmd) = testcopycmd.filter(|c| !c.trim().is_empty()) {
        let line = cmd
            .replace("TEST_SRC_PATH", &src.to_string_lossy())
            .replace("TEST_TARG_PATH", &dst.to_string_lossy());
        let st = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(&line)
            .current_dir(dst)
            .status()
            .map_err(|e| WorkAreaError::Copy {
                src: src.into(),
                dst: dst.into(),
                msg: e.to_string(),
            })?;
        if !st.success() {
            return Err(WorkAreaError::Copy {
                src: src.into(),
                dst: dst.into(),
                msg: format!("`{line}` exited with {st}"),
            });
        }
        return Ok(());
    }
    let copied = match cache {
        Some(c) => c.copy(src, dst),
        None => copy_dir(src, dst),
    };
    copied.map_err(|e| WorkAreaError::Copy {
        src: src.into(),
        dst: dst.into(),
        msg: e.to_string(),
    })
}

/// Source directories held in memory: only flat ones (regular files, no subdirectories or
/// links) of at most [`SourceCache::MAX_BYTES`], the usual test directory (a testconfig and
/// a script or two) that thousands of items copy in turn.
#[derive(Default)]
pub struct SourceCache {
    dirs: std::collections::HashMap<PathBuf, Option<CachedDir>>,
}

struct CachedDir {
    mtime: std::time::SystemTime,
    files: Vec<CachedFile>,
}

struct CachedFile {
    name: std::ffi::OsString,
    mtime: std::time::SystemTime,
    mode: u32,
    data: Vec<u8>,
}

impl SourceCache {
    pub const MAX_BYTES: u64 = 1 << 20;

    fn copy(&mut self, src: &Path, dst: &Path) -> std::io::Result<()> {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let dir_mtime = std::fs::metadata(src)?.modified()?;
        let entry = self.dirs.entry(src.to_path_buf()).or_insert(None);
        // A file edited since it was read (or a directory changed) is read again.
        let fresh = entry.as_ref().is_some_and(|d| {
            d.mtime == dir_mtime
                && d.files.iter().all(|f| {
                    std::fs::metadata(src.join(&f.name))
                        .and_then(|m| m.modified())
                        .is_ok_and(|t| t == f.mtime)
                })
        });
        if !fresh {
            *entry = read_flat(src, dir_mtime)?;
        }
        let Some(d) = entry else {
            return copy_dir(src, dst);
        };
        std::fs::create_dir_all(dst)?;
        for f in &d.files {
            let mut out = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(f.mode)
                .open(dst.join(&f.name))?;
            std::io::Write::write_all(&mut out, &f.data)?;
            // As `cp -p` would: the umask does not narrow a script's permissions.
            out.set_permissions(std::fs::Permissions::from_mode(f.mode))?;
        }
        Ok(())
    }
}

/// Read a flat, small directory; None when it is not one (then it is copied each time).
fn read_flat(src: &Path, mtime: std::time::SystemTime) -> std::io::Result<Option<CachedDir>> {
    use std::os::unix::fs::PermissionsExt;
    let mut files = Vec::new();
    let mut total = 0u64;
    for e in std::fs::read_dir(src)? {
        let e = e?;
        if !e.file_type()?.is_file() {
            return Ok(None);
        }
        let m = e.metadata()?;
        total += m.len();
        if total > SourceCache::MAX_BYTES {
            return Ok(None);
        }
        files.push(CachedFile {
            name: e.file_name(),
            mtime: m.modified()?,
            mode: m.permissions().mode() & 0o7777,
            data: std::fs::read(e.path())?,
        });
    }
    Ok(Some(CachedDir { mtime, files }))
}

fn copy_dir(src: &Path, dst: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dst)?;
    for e in std::fs::read_dir(src)? {
        let e = e?;
        let ty = e.file_type()?;
        let to = dst.join(e.file_name());
        if ty.is_dir() {
            copy_dir(&e.path(), &to)?;
        } else if ty.is_symlink() {
            let t = std::fs::read_link(e.path())?;
            let _ = std::fs::remove_file(&to);
            std::os::unix::fs::symlink(t, &to)?;
        } else {
            std::fs::copy(e.path(), &to)?;
        }
    }
    Ok(())
}

/// Remove a previous run directory's contents (`-preclean`).
pub fn preclean(dir: &Path) {
    let real = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    if real.as_os_str().len() > 5 && real.is_dir() {
        let _ = std::fs::remove_dir_all(&real);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn cached_sources_copy_modes_and_see_edits() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(src.join("testconfig"), "[ezsteps]\ns1 ./run.sh\n").unwrap();
        std::fs::write(src.join("run.sh"), "#!/bin/sh\necho one\n").unwrap();
        std::fs::set_permissions(src.join("run.sh"), std::fs::Permissions::from_mode(0o750))
            .unwrap();
        let mut cache = SourceCache::default();
        let a = tmp.path().join("a");
        copy_test_source(&src, &a, None, Some(&mut cache)).unwrap();
        assert_eq!(
            std::fs::read_to_string(a.join("run.sh")).unwrap(),
            "#!/bin/sh\necho one\n"
        );
        let mode = std::fs::metadata(a.join("run.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o750);
        // An edit between two items reaches the second (mtime, a second later).
        std::thread::sleep(std::time::Duration::from_millis(1100));
        std::fs::write(src.join("run.sh"), "#!/bin/sh\necho two\n").unwrap();
        let b = tmp.path().join("b");
        copy_test_source(&src, &b, None, Some(&mut cache)).unwrap();
        assert_eq!(
            std::fs::read_to_string(b.join("run.sh")).unwrap(),
            "#!/bin/sh\necho two\n"
        );
        assert!(b.join("testconfig").is_file());
        // A directory with a subdirectory is not cached but still copied whole.
        std::fs::create_dir_all(src.join("data")).unwrap();
        std::fs::write(src.join("data/x"), "x").unwrap();
        let c = tmp.path().join("c");
        copy_test_source(&src, &c, None, Some(&mut cache)).unwrap();
        assert_eq!(std::fs::read_to_string(c.join("data/x")).unwrap(), "x");
    }

    #[test]
    fn layout_for_items_and_plain_tests() {
        let tmp = tempfile::tempdir().unwrap();
        let disk = tmp.path().join("disk");
        let lt = tmp.path().join("lt");
        std::fs::create_dir_all(&disk).unwrap();
        let p = paths(&disk, &lt, "ubuntu/r1", "ww10", "build", "x86/debug");
        assert_eq!(p.phys_dir, disk.join("ubuntu/r1/ww10/build/x86/debug"));
        assert_eq!(p.work_area, lt.join("ubuntu/r1/ww10/build/x86/debug"));
        create(&p, true, &mut Default::default()).unwrap();
        assert!(std::fs::symlink_metadata(&p.work_area)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(std::fs::symlink_metadata(lt.join("ubuntu/r1/ww10/build"))
            .unwrap()
            .is_dir());
        let q = paths(&disk, &lt, "ubuntu/r1", "ww10", "setup", "");
        create(&q, false, &mut Default::default()).unwrap();
        assert!(std::fs::symlink_metadata(&q.work_area)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            std::fs::canonicalize(&q.work_area).unwrap(),
            disk.join("ubuntu/r1/ww10/setup").canonicalize().unwrap()
        );
    }

    #[test]
    fn disk_choice_rejects_bad_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let good = tmp.path().to_string_lossy().into_owned();
        let disks = vec![
            ("rel".to_string(), "relative/path".to_string()),
            ("missing".to_string(), "/proc/no/such/dir".to_string()),
            ("ok".to_string(), good.clone()),
        ];
        assert_eq!(choose_disk(&disks, 0).unwrap(), PathBuf::from(good));
        assert!(choose_disk(&disks[..2], 0).is_err());
    }
}
