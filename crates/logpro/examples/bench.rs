//! Throughput check: generate a ~100 MB log and run 20 rules over it.
//! `cargo run --release -p logpro --example bench [MEGABYTES]`

use std::time::Instant;

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let mut rules = String::from(
        "(trigger \"Setup\" #/^SETUP BEGIN/)\n(trigger \"SetupEnd\" #/^SETUP END/)\n(section \"setup\" \"Setup\" \"SetupEnd\")\n",
    );
    rules.push_str("(expect:ignore in \"setup\" >= 0 \"setup noise\" #/error/i)\n");
    rules.push_str("(expect:ignore in \"LogFileBody\" >= 0 \"comments\" #/^\\/\\/.*error/)\n");
    for i in 0..14 {
        rules.push_str(&format!(
            "(expect:error in \"LogFileBody\" = 0 \"err {i}\" #/FATAL-{i}: .*failed/)\n"
        ));
    }
    rules.push_str(
        "(expect:warning in \"LogFileBody\" = 0 \"warnings\" (list #/warning/i #/deprecated/))\n",
    );
    rules.push_str("(expect:value in \"LogFileBody\" 50 50 \"load\" #/load average: (\\d+)/)\n");
    rules.push_str("(expect:required in \"LogFileBody\" = 1 \"done\" #/^ALL DONE$/)\n");
    rules.push_str("(expect:error in \"LogFileBody\" = 0 \"errors\" #/error/i)\n");
    let rs = logpro::RuleSet::from_str("bench.logpro", &rules).expect("rules load");
    assert_eq!(rs.rules().len(), 20);

    let target = mb * 1024 * 1024;
    let mut log = Vec::with_capacity(target + 4096);
    log.extend_from_slice(b"SETUP BEGIN\nerror: expected during setup\nSETUP END\n");
    let mut i: u64 = 0;
    while log.len() < target {
        i += 1;
        let line = match i % 1000 {
            0 => format!("load average: {} on node {i}\n", i % 90),
            1 => format!("// an error in a comment {i}\n"),
            _ => format!(
                "2024-01-01 12:00:{:02} INFO step {i} completed ok in {} ms, payload size {}\n",
                i % 60,
                i % 997,
                i * 7
            ),
        };
        log.extend_from_slice(line.as_bytes());
    }
    log.extend_from_slice(b"ALL DONE\n");
    let start = Instant::now();
    let o = rs.process(&log[..], std::io::sink()).expect("process");
    let secs = start.elapsed().as_secs_f64();
    let mbs = log.len() as f64 / (1024.0 * 1024.0) / secs;
    println!(
        "{} lines, {:.1} MiB in {:.3} s: {:.1} MiB/s, exit {}",
        o.lines,
        log.len() as f64 / 1048576.0,
        secs,
        mbs,
        o.exit_code
    );
}
