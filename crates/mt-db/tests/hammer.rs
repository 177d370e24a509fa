//! 50 OS processes write 200 state changes each into one `megatest.db`, all on items of
//! one itemized test of one run (so every write also rolls up the same toplevel). No
//! write may be lost or fail with "database is locked".
//!
//! The children are this test binary re-executed with `MT_DB_HAMMER_CHILD` set and a
//! filter selecting `hammer_child`, which does nothing when the variable is absent.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::Instant;

use mt_db::{EventRow, Store};

const CHILD_ENV: &str = "MT_DB_HAMMER_CHILD";
const CHILDREN: usize = 50;
const CHANGES: usize = 200;
const ITEMS_PER_CHILD: usize = 2;
const FAILING_CHILD: usize = 7;
const KEYS: &[(&str, &str)] = &[("SYSTEM", "TEXT"), ("RELEASE", "TEXT")];
const SOURCE: &str = "hammer";

/// The state and status child `idx` writes as its change number `j`.
fn planned(idx: usize, j: usize) -> (&'static str, &'static str) {
    const CYCLE: [&str; 3] = ["LAUNCHED", "REMOTEHOSTSTART", "RUNNING"];
    if j + ITEMS_PER_CHILD >= CHANGES {
        let fail = idx == FAILING_CHILD && j == CHANGES - 1;
        ("COMPLETED", if fail { "FAIL" } else { "PASS" })
    } else {
        (CYCLE[j % CYCLE.len()], "n/a")
    }
}

fn item_path(idx: usize, k: usize) -> String {
    format!("c{idx:02}/i{k}")
}

fn child_main(spec: &str) {
    if let Some(path) = spec.strip_prefix("create|") {
        // Many processes creating the same new file at once: one creates the schema, the
        // others wait for it and find it done.
        let store = Store::open(path, KEYS).expect("concurrent create");
        store
            .register_run(&[("SYSTEM", "linux"), ("RELEASE", "v1")], "first", "me")
            .expect("register after create");
        return;
    }
    let (path, rest) = spec.split_once('|').expect("spec path|run|idx");
    let (run, idx) = rest.split_once('|').expect("spec run|idx");
    let run_id: i64 = run.parse().expect("run id");
    let idx: usize = idx.parse().expect("child index");
    let store = Store::open_existing(path).expect("child open");
    let items: Vec<String> = (0..ITEMS_PER_CHILD).map(|k| item_path(idx, k)).collect();
    let pairs: Vec<(&str, &str)> = items.iter().map(|i| ("hammer", i.as_str())).collect();
    let ids = store.register_tests(run_id, &pairs).expect("register");
    for j in 0..CHANGES {
        let id = ids[j % ITEMS_PER_CHILD];
        // A read before the write, as a test process does before reporting.
        store.get_test(id).expect("read").expect("own record");
        let (state, status) = planned(idx, j);
        let comment = format!("{idx}:{j}");
        store
            .set_state_status(id, Some(state), Some(status), Some(&comment), SOURCE)
            .unwrap_or_else(|e| panic!("child {idx} change {j}: {e}"));
    }
}

#[test]
fn hammer_child() {
    // Only does work when re-executed by `fifty_processes_lose_no_update`.
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        child_main(&spec);
    }
}

fn spawn_child(spec: String) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["hammer_child", "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD_ENV, spec)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_all(children: Vec<std::process::Child>) -> Vec<String> {
    let mut failures = Vec::new();
    for (idx, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        if !out.status.success() {
            failures.push(format!(
                "child {idx}: {}\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    failures
}

#[test]
fn processes_creating_one_database_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("megatest.db");
    let children = (0..12)
        .map(|_| spawn_child(format!("create|{}", path.display())))
        .collect();
    let failures = wait_all(children);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let store = Store::open_existing(&path).unwrap();
    assert_eq!(store.keys().len(), 2);
    assert_eq!(store.list_runs("%", None).unwrap().len(), 1);
    assert_eq!(store.user_version().unwrap(), mt_db::SCHEMA_VERSION);
}

#[test]
fn fifty_processes_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("megatest.db");
    let store = Store::open(&path, KEYS).unwrap();
    let run_id = store
        .register_run(&[("SYSTEM", "linux"), ("RELEASE", "v1")], "hammer", "me")
        .unwrap();
    let start = Instant::now();
    let children = (0..CHILDREN)
        .map(|idx| spawn_child(format!("{}|{run_id}|{idx}", path.display())))
        .collect();
    let failures = wait_all(children);
    let elapsed = start.elapsed();
    eprintln!("hammer: {CHILDREN} processes x {CHANGES} changes in {elapsed:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Every change is in the event history, per child in the order it was made.
    let events: Vec<EventRow> = store
        .events_since(0, None)
        .unwrap()
        .into_iter()
        .filter(|e| e.source == SOURCE && e.item_path.as_deref().is_some_and(|p| !p.is_empty()))
        .collect();
    assert_eq!(events.len(), CHILDREN * CHANGES);
    let mut per_child: HashMap<usize, Vec<usize>> = HashMap::new();
    for e in &events {
        let c = e.comment.as_deref().unwrap();
        let (idx, j) = c.split_once(':').unwrap();
        per_child
            .entry(idx.parse().unwrap())
            .or_default()
            .push(j.parse().unwrap());
    }
    assert_eq!(per_child.len(), CHILDREN);
    for (idx, js) in &per_child {
        assert_eq!(*js, (0..CHANGES).collect::<Vec<_>>(), "child {idx}");
    }
    // Each record's history is a chain: every event starts where the previous ended, so
    // no read-modify-write interleaved with another.
    let run_events = store.events_for_run(run_id).unwrap();
    let mut by_test: HashMap<i64, Vec<&EventRow>> = HashMap::new();
    for e in &run_events {
        if let Some(id) = e.test_id {
            by_test.entry(id).or_default().push(e);
        }
    }
    for (id, evs) in &by_test {
        for w in evs.windows(2) {
            assert_eq!(
                (w[1].old_state.as_deref(), w[1].old_status.as_deref()),
                (w[0].new_state.as_deref(), w[0].new_status.as_deref()),
                "test {id}: event {} does not follow {}",
                w[1].id,
                w[0].id
            );
        }
    }
    // Final states.
    for idx in 0..CHILDREN {
        for k in 0..ITEMS_PER_CHILD {
            let t = store
                .find_test(run_id, "hammer", &item_path(idx, k))
                .unwrap()
                .unwrap();
            let j_last = CHANGES - ITEMS_PER_CHILD + k;
            let (state, status) = planned(idx, j_last);
            assert_eq!(
                (t.state.as_str(), t.status.as_str()),
                (state, status),
                "{}",
                t.fullname()
            );
            assert_eq!(t.comment, format!("{idx}:{j_last}"));
        }
    }
    let top = store.find_test(run_id, "hammer", "").unwrap().unwrap();
    assert_eq!(
        (top.state.as_str(), top.status.as_str()),
        ("COMPLETED", "FAIL")
    );
    assert!(elapsed.as_secs() < 120, "took {elapsed:?}");
}
