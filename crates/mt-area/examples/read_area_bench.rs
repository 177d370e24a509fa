//! Times reading a whole area the way the runner does before it launches anything:
//! `Area::load_at`, every testconfig through `Area::read_testconfig` (system calls deferred)
//! and the expansion of every test's items.
//!
//! Two areas are measured:
//! * a generated one, by default 1,000 tests with one `[items]` variable of 100 values each
//!   (100,000 items in all), written to a temporary directory;
//! * the shared example area `/work/shared/areas/basic` (skipped when it is missing), or the
//!   area named by `$MT_BENCH_AREA`.
//!
//! `cargo run --release -p mt-area --example read_area_bench [TESTS [ITEMS [REPS]]]`
//!
//! Each measurement is repeated REPS times (default 5) and the minimum and median are
//! printed, so a cold page cache on the first pass does not decide the number.

use std::fs;
use std::path::Path;
use std::time::Instant;

use mt_area::{Area, LoadOptions};
use mt_configf::SystemMode;

/// Target used for loading; the generated area has two keys to match it.
const TARGET: &str = "linux/1.0";

fn megatest_config() -> &'static str {
    "\
[fields]
OS TEXT
RELEASE TEXT

[setup]
max_concurrent_jobs 2
linktree #{getenv MT_RUN_AREA_HOME}/links

[disks]
disk0 #{getenv MT_RUN_AREA_HOME}/runs

[env-override]
BENCH_FLAVOUR generated
"
}

/// One generated testconfig: a waiton on the previous test, a 100-value `[items]` row, two
/// ezsteps using the item variable, and the usual metadata.
fn testconfig(i: usize, items: usize) -> String {
    let mut vals = String::with_capacity(items * 6);
    for v in 0..items {
        if v > 0 {
            vals.push(' ');
        }
        vals.push_str(&format!("v{v}"));
    }
    let waiton = if i == 0 {
        String::new()
    } else {
        format!("waiton t{}\n", i - 1)
    };
    format!(
        "\
[requirements]
{waiton}priority {prio}
jobgroup default

[items]
VAL {vals}

[ezsteps]
s1 echo ok $VAL > out.txt
s2 test -s out.txt

[test_meta]
author bench
owner team-{team}
description generated test {i}
tags quick,group{team}
",
        prio = i % 10,
        team = i % 13,
    )
}

fn generate(root: &Path, tests: usize, items: usize) {
    fs::create_dir_all(root.join("tests")).expect("create tests/");
    fs::write(root.join("megatest.config"), megatest_config()).expect("write megatest.config");
    fs::write(
        root.join("runconfigs.config"),
        "[default]\nGREETING hello\n\n[linux/1.0]\nBUILD_FLAGS -O2\n",
    )
    .expect("write runconfigs.config");
    for i in 0..tests {
        let d = root.join(format!("tests/t{i}"));
        fs::create_dir_all(&d).expect("create test dir");
        fs::write(d.join("testconfig"), testconfig(i, items)).expect("write testconfig");
    }
}

/// What one pass over an area found, and how long its phases took.
struct Pass {
    tests: usize,
    items: usize,
    warnings: usize,
    load_ms: f64,
    read_ms: f64,
    expand_ms: f64,
}

impl Pass {
    fn total_ms(&self) -> f64 {
        self.load_ms + self.read_ms + self.expand_ms
    }
}

fn one_pass(toppath: &Path) -> Pass {
    let t0 = Instant::now();
    let area = Area::load_at(
        toppath,
        "megatest.config",
        LoadOptions {
            target: Some(TARGET.into()),
            scheme: mt_area::scheme_eval::evaluator(toppath, &[("-target", TARGET)]),
            ..LoadOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("cannot load area {}: {e}", toppath.display()));
    let load_ms = ms(t0);

    // Test discovery may be lazy, so it is timed with the reads that need it.
    let t1 = Instant::now();
    let names = area.test_names();
    let mut host = area.host.clone();
    let mut configs = Vec::with_capacity(names.len());
    let mut warnings = area.warnings.len();
    for name in &names {
        let tc = area
            .read_testconfig(name, SystemMode::ReturnProcs, &mut host)
            .unwrap_or_else(|e| panic!("cannot read testconfig of {name}: {e}"));
        warnings += tc.warnings.len();
        configs.push(tc);
    }
    let read_ms = ms(t1);

    let t2 = Instant::now();
    let mut items = 0usize;
    for tc in &configs {
        // Deferred `[system ...]` values would run here; the generated area has none.
        items += tc.expand_items(&mut host).len();
    }
    let expand_ms = ms(t2);
    Pass {
        tests: names.len(),
        items,
        warnings,
        load_ms,
        read_ms,
        expand_ms,
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

fn report(label: &str, toppath: &Path, reps: usize) {
    let passes: Vec<Pass> = (0..reps).map(|_| one_pass(toppath)).collect();
    let first = &passes[0];
    println!(
        "{label}: {} tests, {} items (expanded; a plain test counts 1), {} warnings, {reps} passes",
        first.tests, first.items, first.warnings
    );
    let col = |f: fn(&Pass) -> f64| passes.iter().map(f).collect::<Vec<f64>>();
    for (what, vals) in [
        ("Area::load_at", col(|p| p.load_ms)),
        ("discover + read (all)", col(|p| p.read_ms)),
        ("expand_items (all)", col(|p| p.expand_ms)),
        ("total", col(Pass::total_ms)),
    ] {
        println!(
            "  {what:<24} min {:>9.2} ms   median {:>9.2} ms",
            min(&vals),
            median(vals.clone())
        );
    }
    let total = median(col(Pass::total_ms));
    if first.tests > 0 {
        println!(
            "  per test {:.1} us, per item {:.2} us (median total)",
            total * 1e3 / first.tests as f64,
            total * 1e3 / first.items.max(1) as f64
        );
    }
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().ok());
    let tests = args.next().flatten().unwrap_or(1000);
    let items = args.next().flatten().unwrap_or(100).max(1);
    let reps = args.next().flatten().unwrap_or(5).max(1);

    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let t = Instant::now();
    generate(root, tests, items);
    println!(
        "generated {tests} tests x {items} items in {} ({:.0} ms, untimed below)",
        root.display(),
        ms(t)
    );
    report("generated area", root, reps);

    let basic =
        std::env::var("MT_BENCH_AREA").unwrap_or_else(|_| "/work/shared/areas/basic".into());
    let basic = Path::new(&basic);
    if basic.join("megatest.config").is_file() {
        report(&format!("area {}", basic.display()), basic, reps.max(20));
    } else {
        println!("area {} not found: skipped", basic.display());
    }
}
