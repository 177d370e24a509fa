//! Generates an area of 1,000 testconfig-like files (with items, ezsteps, a shared include and
//! helpers that need no shell) in a temporary directory, then times reading all of them with
//! the real host.
//!
//! `cargo run --release -p mt-configf --example read_bench [COUNT]`

use std::fs;
use std::time::Instant;

use mt_configf::{read_config, ReadOptions, RealHost, SystemMode};

fn testconfig(i: usize) -> String {
    format!(
        "\
# generated test {i}
[setup]
runscript main.sh

[requirements]
waiton {prev}
priority {prio}
mode normal

[include ../common.config]

[items]
SIZE 1 2 4 8 16
MODE fast slow
SEED {i} {j}

[ezsteps]
step1 echo step one for #{{get setup runscript}}
step2 #{{getenv HOME}}/bin/check --test t{i}
step3 run-it --area #{{mtrah tests/t{i}}}

[test_meta]
author someone
owner team-{team}
description test number {i} checks
  several things across
  multiple lines
reviewed never
tags quick,t{i},group{team}

[triggers]
COMPLETED/PASS notify.sh
",
        prev = if i == 0 {
            String::new()
        } else {
            format!("t{}", i - 1)
        },
        prio = i % 10,
        j = i * 7,
        team = i % 13,
    )
}

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    fs::create_dir_all(root.join("tests")).expect("mkdir");
    fs::write(
        root.join("tests/common.config"),
        "[requirements]\njobgroup default\n[env]\nCOMMON yes\n",
    )
    .expect("write");
    for i in 0..count {
        let d = root.join(format!("tests/t{i}"));
        fs::create_dir_all(&d).expect("mkdir");
        fs::write(d.join("testconfig"), testconfig(i)).expect("write");
    }

    let opts = ReadOptions {
        allow_system: SystemMode::ReturnProcs,
        ..ReadOptions::default()
    };
    let mut host = RealHost::new().with_toppath(root);
    let start = Instant::now();
    let mut entries = 0usize;
    let mut diags = 0usize;
    for i in 0..count {
        let path = root.join(format!("tests/t{i}/testconfig"));
        let out = read_config(&path, &opts, &mut host).expect("read");
        if let Some(d) = out.diagnostics.first().filter(|_| diags == 0) {
            eprintln!("first diagnostic: {d}");
        }
        diags += out.diagnostics.len();
        entries += out.config.sections().map(|(_, s)| s.len()).sum::<usize>();
    }
    let took = start.elapsed();
    println!(
        "read {count} testconfigs ({entries} entries, {diags} diagnostics) in {:.1} ms ({:.1} us/file)",
        took.as_secs_f64() * 1e3,
        took.as_secs_f64() * 1e6 / count as f64
    );
}
