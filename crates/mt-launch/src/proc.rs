//! Process helpers. Every test job and every step runs in its own process group so that a
//! kill reaches the whole tree; descendants that left the group (setsid) are found through
//! /proc as a second net.

use std::collections::HashSet;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, killpg, Signal};
use nix::unistd::Pid;

/// Start `cmd` as the leader of a new process group.
pub fn spawn_in_group(cmd: &mut Command) -> std::io::Result<Child> {
    cmd.process_group(0).spawn()
}

/// Processes of this host whose working directory is `dir` or below it (not this one):
/// the steps of a test work in its run directory, so this finds them without their pids.
#[must_use]
pub fn procs_in_dir(dir: &std::path::Path) -> Vec<i32> {
    let me = i32::try_from(std::process::id()).unwrap_or(0);
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    rd.flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()))
        .filter(|pid| *pid != me)
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|c| c.starts_with(dir))
        })
        .collect()
}

/// Is a process with this pid alive (and not a zombie)?
#[must_use]
pub fn pid_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat_state(&stat) != Some('Z'),
        Err(_) => false,
    }
}

fn stat_state(stat: &str) -> Option<char> {
    // The command name may contain spaces and parentheses: the state follows the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().next()?.chars().next()
}

fn stat_ppid_pgid(stat: &str) -> Option<(i32, i32)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut f = rest.split_whitespace();
    f.next()?; // state
    let ppid = f.next()?.parse().ok()?;
    let pgid = f.next()?.parse().ok()?;
    Some((ppid, pgid))
}

/// All descendants of `root` (children, grandchildren, ...), from /proc.
#[must_use]
pub fn descendants(root: i32) -> Vec<i32> {
    let mut parent_of: Vec<(i32, i32)> = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
                continue;
            };
            if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
                if let Some((ppid, _)) = stat_ppid_pgid(&stat) {
                    parent_of.push((pid, ppid));
                }
            }
        }
    }
    let mut found: Vec<i32> = Vec::new();
    let mut seen: HashSet<i32> = HashSet::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for (child, _) in parent_of.iter().filter(|(_, pp)| *pp == p) {
            if seen.insert(*child) {
                found.push(*child);
                frontier.push(*child);
            }
        }
    }
    found
}

/// Send `sig` to the process group led by `pgid` and to every descendant of it.
pub fn signal_tree(pgid: i32, sig: Signal) {
    if pgid <= 1 {
        return;
    }
    let pids = descendants(pgid);
    let _ = killpg(Pid::from_raw(pgid), sig);
    let _ = kill(Pid::from_raw(pgid), sig);
    for p in pids {
        let _ = kill(Pid::from_raw(p), sig);
    }
}

/// TERM the tree, wait up to `grace` for it to go, then KILL what is left.
/// Returns true if nothing of the tree is left alive.
pub fn kill_tree(pgid: i32, grace: Duration) -> bool {
    if pgid <= 1 {
        return true;
    }
    let mut tree = descendants(pgid);
    tree.push(pgid);
    signal_tree(pgid, Signal::SIGTERM);
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if tree.iter().all(|p| !pid_alive(*p)) {
            return true;
        }
        thread::sleep(Duration::from_millis(50));
    }
    // Re-collect: the tree may have grown during the grace period.
    for p in descendants(pgid) {
        if !tree.contains(&p) {
            tree.push(p);
        }
    }
    signal_tree(pgid, Signal::SIGKILL);
    for p in &tree {
        let _ = kill(Pid::from_raw(*p), Signal::SIGKILL);
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if tree.iter().all(|p| !pid_alive(*p)) {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kill_tree_reaches_grandchildren() {
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c").arg("sleep 30 & sleep 30 & wait");
        let mut child = spawn_in_group(&mut cmd).expect("spawn");
        let pid = i32::try_from(child.id()).expect("pid");
        // Give the shell time to fork its children.
        let deadline = Instant::now() + Duration::from_secs(5);
        while descendants(pid).len() < 2 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        let kids = descendants(pid);
        assert_eq!(kids.len(), 2, "two sleeps under the shell");
        assert!(kill_tree(pid, Duration::from_secs(2)));
        let _ = child.wait();
        for k in kids {
            assert!(!pid_alive(k), "grandchild {k} still alive");
        }
    }

    #[test]
    fn stat_parsing_handles_odd_names() {
        let stat = "123 (a) b) S 1 123 123 0";
        assert_eq!(stat_state(stat), Some('S'));
        assert_eq!(stat_ppid_pgid(stat), Some((1, 123)));
    }
}
