//! Deterministic fuzzing of the reader and evaluator: thousands of random and mutated
//! inputs must produce values or errors, never a panic or a stack overflow.

use mt_scheme::{read_all, Interp};

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
    "(define (f a . rest) (list a rest)) (f 1 2 3)",
    "(let loop ((i 0)) (if (< i 10) (loop (+ i 1)) i))",
    "#| c |# (string-search #r{a(b)c}i \"xABCx\") #;(skip) 'q `(a ,(+ 1 2) ,@(list 3))",
    "(case (string->symbol (conc (getenv \"X\"))) ((none) \"a\") (else \"b\"))",
    "(cond ((assv 2 '((1 . a) (2 . b))) => cdr) (else 1.5e3))",
    "\"str\\\"ing\\n\" #\\a #t #f 1/2 -3 #x1F",
];

const TOKENS: &[&str] = &[
    "(", ")", "(", ")", "[", "]", "'", "`", ",", ",@", "\"", "#/", "/i", "#r{", "}", "#|", "|#",
    "#;", ";", "\n", " ", ".", "#", "\\", "define", "lambda", "let", "if", "x", "1", "-", "#t",
    "#\\", "#(", "1e", "..", "cond", "=>", "else", "quote", "loop", "(f)",
];

fn mutate(rng: &mut XorShift, seed: &str) -> String {
    let mut s: Vec<u8> = seed.as_bytes().to_vec();
    for _ in 0..1 + rng.below(6) {
        match rng.below(4) {
            0 if !s.is_empty() => {
                let at = rng.below(s.len());
                s.remove(at);
            }
            1 => {
                let at = rng.below(s.len() + 1);
                let tok = TOKENS[rng.below(TOKENS.len())].as_bytes();
                s.splice(at..at, tok.iter().copied());
            }
            2 if !s.is_empty() => {
                let at = rng.below(s.len());
                s[at] = (rng.next() & 0xff) as u8;
            }
            _ => {
                let at = rng.below(s.len() + 1);
                s.splice(at..at, std::iter::repeat_n(b'(', rng.below(700)));
            }
        }
    }
    String::from_utf8_lossy(&s).into_owned()
}

#[test]
fn reader_and_evaluator_never_panic() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut inputs: Vec<String> = Vec::new();
    for _ in 0..3000 {
        let seed = SEEDS[rng.below(SEEDS.len())];
        inputs.push(mutate(&mut rng, seed));
    }
    for _ in 0..1000 {
        let n = rng.below(40);
        inputs.push(
            (0..n)
                .map(|_| TOKENS[rng.below(TOKENS.len())])
                .collect::<Vec<_>>()
                .join(""),
        );
    }
    inputs.push("(".repeat(100_000));
    inputs.push("'".repeat(100_000));
    inputs.push(format!("{}1{}", "(list ".repeat(2000), ")".repeat(2000)));
    for text in &inputs {
        let _ = read_all("fuzz", text, 1);
        let mut i = Interp::new();
        i.set_step_limit(Some(20_000));
        // Keep the fuzzer from touching the real environment or spawning shells.
        for name in ["setenv", "unsetenv", "create-directory", "system", "load"] {
            i.define_native(name, |_| Ok(mt_scheme::Value::Unspecified));
        }
        let _ = i.eval_str("fuzz", text);
    }
}

#[test]
fn deep_runtime_structures_drop_and_print() {
    let mut i = Interp::new();
    let src = "(define deep (let loop ((n 0) (x '())) (if (< n 200000) (loop (+ n 1) (list x 1)) x)))
               (define long (let loop ((n 0) (x '())) (if (< n 200000) (loop (+ n 1) (cons n x)) x)))
               (list (string-length (conc deep)) (length long) (equal? deep deep))";
    let v = i.eval_str("deep", src).unwrap();
    assert!(mt_scheme::to_display_string(&v).starts_with('('));
    drop(i);
}
