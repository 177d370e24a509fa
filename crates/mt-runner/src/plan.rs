//! Which tests a run needs: the tests selected by the pattern (and tags), the tests they
//! wait on (added to the run, with the pattern extended through item maps), and the
//! problems found on the way (unknown waitons, cycles) — runner spec §3.4–§3.5.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use mt_area::{pattern::tags_match, Area, TestConfig, TestPatt};
use mt_configf::{Host, RealHost, SystemMode};

/// The tests of a run, in queue order.
#[derive(Debug)]
pub struct Plan {
    /// Shared with the scheduler as they are (a run of 10,000 tests would otherwise
    /// hold each testconfig twice while moving them).
    pub tests: Vec<Arc<TestConfig>>,
    pub patt: TestPatt,
    /// Human-readable problems; a non-empty list makes the run exit non-zero.
    pub problems: Vec<String>,
    /// Tests that take part in a waiton cycle, with the cycle text.
    pub cycles: HashMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("no test matches -testpatt {patt}{tags} (tests in this area: {known})")]
    NothingSelected {
        patt: String,
        tags: String,
        known: String,
    },
    #[error(transparent)]
    Area(#[from] mt_area::AreaError),
}

/// Build the plan. `host` is the runner's environment (testconfigs are read in the
/// deferred mode: `[system ...]` item lists run only when needed).
pub fn build(
    area: &Area,
    patt_text: &str,
    tagexpr: Option<&str>,
    host: &RealHost,
) -> Result<Plan, PlanError> {
    let mut patt = TestPatt::parse(patt_text);
    let mut problems = Vec::new();
    let mut configs: HashMap<String, Arc<TestConfig>> = HashMap::new();
    let read = |name: &str, problems: &mut Vec<String>| -> Option<Arc<TestConfig>> {
        let mut h = host.clone();
        h.setenv("MT_TEST_NAME", name);
        match area.read_testconfig(name, SystemMode::ReturnProcs, &mut h) {
            Ok(tc) => {
                for w in &tc.warnings {
                    eprintln!("WARNING: {name}: {w}");
                }
                Some(Arc::new(tc))
            }
            Err(e) => {
                problems.push(format!("test {name}: {e}"));
                None
            }
        }
    };
    let mut order: Vec<String> = Vec::new();
    let mut work: Vec<String> = Vec::new();
    for name in area.test_names() {
        if !patt.matches_test(&name) {
            continue;
        }
        if let Some(te) = tagexpr {
            // Tags come straight from the testconfig, so brand-new tests are seen too.
            let Some(tc) = read(&name, &mut problems) else {
                continue;
            };
            if !tags_match(te, &tc.tags) {
                continue;
            }
            configs.insert(name.clone(), tc);
        }
        work.push(name);
    }
    if work.is_empty() {
        return Err(PlanError::NothingSelected {
            patt: patt_text.to_string(),
            tags: tagexpr
                .map(|t| format!(" and -tagexpr {t}"))
                .unwrap_or_default(),
            known: area.test_names().join(", "),
        });
    }
    let mut seen: HashSet<String> = HashSet::new();
    while let Some(name) = work.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if !configs.contains_key(&name) {
            match read(&name, &mut problems) {
                Some(tc) => {
                    configs.insert(name.clone(), tc);
                }
                None => continue,
            }
        }
        order.push(name.clone());
        let tc = Arc::get_mut(configs.get_mut(&name).expect("just inserted"))
            .expect("not shared while the plan is built");
        let mut kept = Vec::new();
        for w in tc.waiton.iter().chain(tc.waitor.iter()) {
            if area.test_dir(w).is_none() {
                problems.push(format!("test {name} has unrecognised waiton testname {w}"));
                continue;
            }
            kept.push(w.clone());
        }
        tc.waiton.retain(|w| area.test_dir(w).is_some());
        tc.waitor.retain(|w| area.test_dir(w).is_some());
        for w in kept {
            // Extend the pattern so the needed items of W are selected (§4.5).
            let parts = patt.item_parts_for(&name);
            if parts.is_empty() {
                patt.push(&format!("{w}/%"));
            } else {
                // Only the items T needs, through its item map, and W's toplevel.
                for ip in parts {
                    let mapped = tc.itemmaps.lookup(&w).map_or(ip.clone(), |m| m.apply(&ip));
                    patt.push(&format!("{w}/{mapped}"));
                }
                patt.push(&format!("{w}/"));
            }
            if !seen.contains(&w) {
                work.push(w);
            }
        }
    }
    let cycles = find_cycles(&configs);
    for (t, c) in &cycles {
        problems.push(format!("test {t} is in a waiton cycle: {c}"));
    }
    let mut tests: Vec<Arc<TestConfig>> = order
        .into_iter()
        .filter_map(|n| configs.remove(&n))
        .collect();
    // Queue order: higher priority first, then area order (stable).
    let rank: HashMap<String, usize> = area
        .test_names()
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n, i))
        .collect();
    tests.sort_by_key(|t| {
        (
            -t.priority,
            rank.get(&t.name).copied().unwrap_or(usize::MAX),
        )
    });
    problems.sort();
    problems.dedup();
    Ok(Plan {
        tests,
        patt,
        problems,
        cycles,
    })
}

/// Every test on a waiton cycle, with the cycle spelled out.
fn find_cycles(configs: &HashMap<String, Arc<TestConfig>>) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut names: Vec<&String> = configs.keys().collect();
    names.sort();
    for start in names {
        // DFS from `start` looking for a path back to it.
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        let mut visited: HashSet<String> = HashSet::new();
        while let Some((node, path)) = stack.pop() {
            let Some(tc) = configs.get(&node) else {
                continue;
            };
            for w in &tc.waiton {
                if w == start {
                    let mut p = path.clone();
                    p.push(w.clone());
                    out.entry(start.clone()).or_insert_with(|| p.join(" -> "));
                } else if visited.insert(w.clone()) {
                    let mut p = path.clone();
                    p.push(w.clone());
                    stack.push((w.clone(), p));
                }
            }
        }
    }
    out
}
