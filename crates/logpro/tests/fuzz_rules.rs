//! Deterministic fuzzing of the rule loader and engine: mutated rule files must load or
//! fail with an error, and processing a log must never panic.

use logpro::RuleSet;

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SEEDS: &[&str] = &[
    "(expect:error in \"LogFileBody\" = 0 \"errors\" #/error/i)",
    "(trigger \"S\" #/^start/) (trigger-with-limit \"E\" 2 #/^end/) (section \"B\" \"S\" \"E\") (expect:warning not-in \"B\" > 1 \"w\" (list #/warn/ #/WARN/))",
    "(expect:value in \"LogFileBody\" 1.9 0.1 \"v\" #/value=([\\d.]+)/ matchnum: 1 expires: \"12/31/2999\")",
    "(expect:value in logfile 2 > \"v\" #/value=(\\S+)/) (expect:required in logfile >= 1 \"done\" #/ALL DONE/)",
    "(define (f n) (expect:required in \"LogFileBody\" = 1 (conc \"n\" n) (regexp (conc \"^\" n)))) (for-each f '(1 2 3))",
    "(expect:skip in \"LogFileBody\" = 0 \"s\" #r{x/y}) (expect:abort in \"LogFileBody\" < 1 \"a\" #/abort/ class: \"c\")",
    "(logpro:set! \"summdat\" #f) (expect:note in \"LogFileBody\" = 0 \"n\" #/n/) (expect in \"LogFileBody\" = 0 \"t\" #/t/ type: 'check)",
];

const TOKENS: &[&str] = &[
    "(",
    ")",
    "\"",
    "#/",
    "/i",
    "#r{",
    "}",
    "in",
    "not-in",
    "=",
    ">",
    "<=",
    "0",
    "1.5",
    "-1",
    "#f",
    "'",
    "expires:",
    "matchnum:",
    "hook:",
    "(list",
    "LogFileBody",
    " ",
    "\n",
    ";",
    "\\",
    "[",
    "]",
    "(expect:error",
    "(trigger",
    "(section",
    "(expect:value",
    "*",
    "+",
    "?",
    "{2,1}",
];

fn mutate(rng: &mut XorShift, seed: &str) -> String {
    let mut s: Vec<u8> = seed.as_bytes().to_vec();
    for _ in 0..1 + rng.below(5) {
        match rng.below(3) {
            0 if !s.is_empty() => {
                let at = rng.below(s.len());
                let len = rng.below(8).min(s.len() - at);
                s.drain(at..at + len);
            }
            1 => {
                let at = rng.below(s.len() + 1);
                let tok = TOKENS[rng.below(TOKENS.len())].as_bytes();
                s.splice(at..at, tok.iter().copied());
            }
            _ if !s.is_empty() => {
                let at = rng.below(s.len());
                s[at] = (rng.next() & 0x7f) as u8;
            }
            _ => {}
        }
    }
    String::from_utf8_lossy(&s).into_owned()
}

#[test]
fn loader_and_engine_never_panic() {
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let log =
        b"start\nerror: x\nwarn 1\nvalue=2.5\nvalue=abc\nabort\nend\nALL DONE\n\xff\xfe binary\n";
    let mut loaded = 0;
    for _ in 0..2500 {
        let seed = SEEDS[rng.below(SEEDS.len())];
        let text = mutate(&mut rng, seed);
        if let Ok(rules) = RuleSet::from_str("fuzz.logpro", &text) {
            loaded += 1;
            let o = rules.process(&log[..], std::io::sink()).unwrap();
            assert!([0, 1, 2, 3, 4, 5, 6].contains(&o.exit_code));
            let _ = o.dat();
        }
    }
    assert!(
        loaded > 100,
        "mutations too destructive: only {loaded} loaded"
    );
}
