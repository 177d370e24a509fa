//! Table-driven evaluation tests: each case is source text and the `display` rendering of
//! its value (or an error substring).

use mt_scheme::{to_display_string, ErrorKind, Interp, Value};

fn eval(src: &str) -> Result<String, String> {
    let mut i = Interp::new();
    i.eval_str("test.scm", src)
        .map(|v| to_display_string(&v))
        .map_err(|e| e.to_string())
}

#[test]
fn values_of_forms() {
    std::env::set_var("MT_SCHEME_TEST_SET", "yes");
    std::env::remove_var("MT_SCHEME_TEST_UNSET");
    std::env::set_var("datapath", "none");
    let cases: &[(&str, &str)] = &[
        ("(+ 5 6 7)", "18"),
        ("(+ 5 6 7 -3)", "15"),
        ("(- 10 4 1)", "5"),
        ("(- 3)", "-3"),
        ("(* 2 3.5)", "7.0"),
        ("(/ 10 4)", "2.5"),
        ("(/ 12 4)", "3"),
        ("(max 1 7 3)", "7"),
        ("(max 1 2.0)", "2.0"),
        ("(min 4 -2 9)", "-2"),
        ("(abs -5)", "5"),
        ("(quotient 17 5)", "3"),
        ("(modulo -7 3)", "2"),
        ("(< 1 2 3)", "#t"),
        ("(< 1 3 2)", "#f"),
        ("(>= 3 3 1)", "#t"),
        ("(= 1 1.0)", "#t"),
        ("(not #f)", "#t"),
        ("(not '())", "#f"),
        ("(if '() 'yes 'no)", "yes"),
        ("(eq? 'a 'a)", "#t"),
        ("(equal? '(1 (2 \"x\")) (list 1 (list 2 \"x\")))", "#t"),
        ("(eqv? 2 2.0)", "#f"),
        ("(list 1 \"a\" #f 'b)", "(1 a #f b)"),
        ("(cons 1 2)", "(1 . 2)"),
        ("'(1 . (2 3))", "(1 2 3)"),
        ("(car (cdr '(1 2 3)))", "2"),
        ("(cadr '(1 2 3))", "2"),
        ("(length '(1 2 3))", "3"),
        ("(append '(1) '(2 3) '() '(4))", "(1 2 3 4)"),
        ("(reverse '(1 2 3))", "(3 2 1)"),
        ("(map + '(1 2) '(10 20 30))", "(11 22)"),
        ("(filter odd? '(1 2 3 4 5))", "(1 3 5)"),
        ("(assoc \"b\" '((\"a\" 1) (\"b\" 2)))", "(b 2)"),
        ("(member 3 '(1 2 3 4))", "(3 4)"),
        ("(member 9 '(1 2))", "#f"),
        ("(list-ref '(a b c) 2)", "c"),
        ("(null? '())", "#t"),
        ("(pair? '())", "#f"),
        ("(list? '(1 2))", "#t"),
        ("(apply + 1 2 '(3 4))", "10"),
        ("(sort '(3 1 2) <)", "(1 2 3)"),
        ("(sort (list \"b\" \"c\" \"a\") string<?)", "(a b c)"),
        ("(let ((x 2) (y 3)) (* x y))", "6"),
        ("(let* ((x 2) (y (* x 10))) (+ x y))", "22"),
        ("(letrec ((ev? (lambda (n) (if (= n 0) #t (od? (- n 1))))) (od? (lambda (n) (if (= n 0) #f (ev? (- n 1)))))) (ev? 10))", "#t"),
        ("(let loop ((i 0) (acc '())) (if (< i 3) (loop (+ i 1) (cons i acc)) acc))", "(2 1 0)"),
        ("(define (f a . rest) (list a rest)) (f 1 2 3)", "(1 (2 3))"),
        ("(define (g . all) all) (g)", "()"),
        ("(define x 1) (set! x (+ x 41)) x", "42"),
        ("(define (fact n) (if (= n 0) 1 (* n (fact (- n 1))))) (fact 10)", "3628800"),
        ("(cond ((> 1 2) 'a) ((< 1 2) 'b) (else 'c))", "b"),
        ("(cond ((> 1 2) 'a) (else 'c))", "c"),
        ("(cond ((assv 2 '((1 a) (2 b))) => cadr) (else 'none))", "b"),
        ("(case 3 ((1 2) 'low) ((3 4) 'mid) (else 'high))", "mid"),
        ("(case 'zz ((a) 1) (else 'other))", "other"),
        ("(and 1 2 3)", "3"),
        ("(and 1 #f 3)", "#f"),
        ("(and)", "#t"),
        ("(or #f 2)", "2"),
        ("(or)", "#f"),
        ("(when (> 2 1) 'x 'y)", "y"),
        ("(unless (> 2 1) 'x)", ""),
        ("(begin 1 2 3)", "3"),
        ("(let ((x 5)) `(a ,x ,@(list 1 2) b))", "(a 5 1 2 b)"),
        ("(quote (a b))", "(a b)"),
        ("(string-append \"a\" \"b\" \"c\")", "abc"),
        ("(conc \"a\" 1 #f 'b 2.5 '(\"x\" y))", "a1#fb2.5(x y)"),
        ("(string-length \"hello\")", "5"),
        ("(substring \"hello\" 1 3)", "el"),
        ("(string=? \"a\" \"a\")", "#t"),
        ("(string<? \"a\" \"b\")", "#t"),
        ("(string->number \"42\")", "42"),
        ("(string->number \"1.5\")", "1.5"),
        ("(string->number \"abc\")", "#f"),
        ("(number->string 7)", "7"),
        ("(symbol->string (string->symbol \"abc\"))", "abc"),
        ("(string-split \"a b  c\")", "(a b c)"),
        ("(string-split \"a,,b\" \",\")", "(a b)"),
        ("(string-split \"a,,b\" \",\" #t)", "(a  b)"),
        ("(string-intersperse '(\"a\" \"b\" \"c\") \"-\")", "a-b-c"),
        ("(string-intersperse '(\"a\" \"b\"))", "a b"),
        ("(string-upcase \"abc\")", "ABC"),
        ("(string-downcase \"ABC\")", "abc"),
        ("(string-null? \"\")", "#t"),
        ("(string-search \"b+\" \"abbbc\")", "(bbb)"),
        ("(string-search (regexp \"(\\\\d+)-(\\\\d+)\") \"x 12-34 y\")", "(12-34 12 34)"),
        ("(string-search #/(a)|(b)/ \"b\")", "(b #f b)"),
        ("(string-match \"b+\" \"abbbc\")", "#f"),
        ("(string-match \"a(b+)c\" \"abbbc\")", "(abbbc bbb)"),
        ("(string-search (regexp \"HELLO\" #t) \"say hello\")", "(hello)"),
        ("(string-search #/HELLO/i \"say hello\")", "(hello)"),
        ("(string-search #r{a/b} \"xa/by\")", "(a/b)"),
        ("(string-search #/a\\/b/ \"xa/by\")", "(a/b)"),
        ("(string-substitute \"o\" \"0\" \"foo boo\")", "f0o boo"),
        ("(string-substitute \"o\" \"0\" \"foo boo\" #t)", "f00 b00"),
        ("(string-substitute \"(\\\\w+)@(\\\\w+)\" \"\\\\2 at \\\\1\" \"me@host\")", "host at me"),
        ("(string-search (irregex \"abc\" 'i) \"ABC\")", "(ABC)"),
        ("(if (getenv \"MT_SCHEME_TEST_SET\") \"a\" \"b\")", "a"),
        ("(if (getenv \"MT_SCHEME_TEST_UNSET\") \"a\" \"b\")", "b"),
        ("(getenv \"MT_SCHEME_TEST_UNSET\")", "#f"),
        ("(get-environment-variable \"MT_SCHEME_TEST_SET\")", "yes"),
        ("(case (string->symbol (conc (getenv \"datapath\"))) ((none) \"nbfake\") ((fast) \"slurm\") (else \"other\"))", "nbfake"),
        ("(case (string->symbol (conc (getenv \"MT_SCHEME_TEST_UNSET\"))) ((none) \"nbfake\") ((#f) \"false\") (else \"other\"))", "other"),
        ("(>= (max (- (common:get-num-cpus #f) 2) 1) 1)", "#t"),
        ("(> (* 2 (common:get-num-cpus #f)) 1)", "#t"),
        ("(string-intersperse (map number->string (sort (let loop ((i 5) (acc '())) (if (> i 0) (loop (- i 1) (cons (* i 3) acc)) acc)) >)) \" \")", "15 12 9 6 3"),
        ("#| block\n comment |# (+ 1 #;(ignored datum) 2)", "3"),
        ("; line comment\n 'ok", "ok"),
        ("\"tab\\there\\n\"", "tab\there\n"),
        ("1e3", "1000.0"),
        ("1/2", "0.5"),
        ("expires:", "expires:"),
        ("(let loop ((i 0)) (if (< i 100000) (loop (+ i 1)) i))", "100000"),
        ("(define lst '()) (for-each (lambda (a b) (set! lst (cons (+ a b) lst))) '(1 2) '(10 20)) lst", "(22 11)"),
    ];
    let mut failures = Vec::new();
    for (src, want) in cases {
        match eval(src) {
            Ok(got) if got == *want => {}
            other => failures.push(format!("{src}\n  want {want:?}\n  got  {other:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn errors_name_source_line_and_form() {
    let cases: &[(&str, &str)] = &[
        ("(+ 1 2)\n\n(foo 3)", "unbound variable foo at test.scm:3"),
        (
            "(car 5)",
            "(car) bad argument type - not a pair: 5 at test.scm:1",
        ),
        (
            "(define (f x) x)\n(f 1 2)",
            "bad argument count - received 2 but expected 1 in call to f at test.scm:2",
        ),
        ("(+ 1 \"a\")", "not a number"),
        ("(1 2)", "call of non-procedure: 1 at test.scm:1"),
        (
            "(+ 1 2",
            "unbalanced parentheses: list not closed at test.scm:1",
        ),
        ("\n)", "unexpected ')' at test.scm:2"),
        ("\"abc", "unterminated string at test.scm:1"),
        (
            "(do ((i 0 (+ i 1))) ((= i 3)) i)",
            "unsupported form (do ...) at test.scm:1",
        ),
        (
            "(use trace)",
            "unsupported extension (use trace) at test.scm:1",
        ),
        ("(let ((x)) x", "unbalanced"),
        ("(if)", "(if ...) takes 2 or 3 arguments at test.scm:1"),
        ("#(1 2)", "vectors"),
        ("(string-search (regexp \"(\") \"x\")", "invalid regex"),
        (
            "(define (loop n) (+ 1 (loop n))) (loop 1)",
            "recursion too deep",
        ),
        (
            "(define (loop n) (+ 1 (loop n)))\n(loop 1)",
            "at test.scm:1",
        ),
        (
            "(hook:first-error \"x\")",
            "unbound variable hook:first-error at test.scm:1",
        ),
        ("#|never closed", "unterminated block comment at test.scm:1"),
    ];
    let mut failures = Vec::new();
    for (src, want) in cases {
        match eval(src) {
            Err(msg) if msg.contains(want) => {}
            other => failures.push(format!(
                "{src}\n  want error containing {want:?}\n  got {other:?}"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn line_offset_shifts_reported_lines() {
    let mut i = Interp::new();
    let e = i
        .eval_str_with_line_offset("megatest.config", "(+ 1\n nosuch)", 41)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "unbound variable nosuch at megatest.config:43"
    );
    assert_eq!(e.kind, ErrorKind::Unbound);
}

#[test]
fn exit_is_reported_with_its_code() {
    for (src, code) in [("(exit 3)", 3), ("(exit)", 0), ("(exit 0)", 0)] {
        let e = Interp::new().eval_str("x", src).unwrap_err();
        assert_eq!(e.exit_code(), Some(code), "{src}");
    }
}

#[test]
fn host_natives_capture_state_and_globals_work() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let seen = Rc::new(RefCell::new(Vec::new()));
    let mut i = Interp::new();
    let s2 = seen.clone();
    i.define_native("args:get-arg", move |a| {
        s2.borrow_mut().push(to_display_string(&a[0]));
        Ok(if a[0].as_str() == Some("-target") {
            Value::str("ubuntu/x86")
        } else {
            Value::Bool(false)
        })
    });
    i.set_global("*toppath*", Value::str("/area"));
    let v = i
        .eval_str(
            "cfg",
            "(conc (args:get-arg \"-target\") \":\" (args:get-arg \"-x\") \":\" *toppath*)",
        )
        .unwrap();
    assert_eq!(to_display_string(&v), "ubuntu/x86:#f:/area");
    assert_eq!(
        *seen.borrow(),
        vec!["-target".to_string(), "-x".to_string()]
    );
    let v = i
        .eval_str(
            "cfg",
            "(or *toppath* (get-environment-variable \"MT_RUN_AREA_HOME\"))",
        )
        .unwrap();
    assert_eq!(to_display_string(&v), "/area");
    i.define_native("fails", |_| {
        Err(mt_scheme::SchemeError::msg("host said no"))
    });
    let e = i.eval_str("cfg", "\n(fails)").unwrap_err();
    assert_eq!(e.to_string(), "(fails) host said no at cfg:2");
}

#[test]
fn output_is_captured() {
    let mut i = Interp::new();
    i.eval_str(
        "x",
        "(display \"a\") (display 1) (newline) (print \"b\" 2 #f) (write \"q\")",
    )
    .unwrap();
    assert_eq!(i.take_output(), "a1\nb2#f\n\"q\"");
    assert_eq!(i.take_output(), "");
}

#[test]
fn create_directory_and_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let deep = tmp.path().join("a/b/c");
    let deep_s = deep.to_string_lossy().to_string();
    let mut i = Interp::new();
    let v = i
        .eval_str("x", &format!("(create-directory \"{deep_s}\" #t)"))
        .unwrap();
    assert_eq!(to_display_string(&v), deep_s);
    assert!(deep.is_dir());
    // Existing directory: still returns the path.
    let v = i
        .eval_str("x", &format!("(create-directory \"{deep_s}\")"))
        .unwrap();
    assert_eq!(to_display_string(&v), deep_s);
    // Without #t the parents must exist.
    let missing = tmp.path().join("x/y");
    assert!(i
        .eval_str(
            "x",
            &format!("(create-directory \"{}\")", missing.display())
        )
        .is_err());
    let v = i
        .eval_str("x", &format!("(file-exists? \"{deep_s}\")"))
        .unwrap();
    assert_eq!(to_display_string(&v), deep_s);
    let v = i.eval_str("x", "(nice-path \"/a/b/../c/./d\")").unwrap();
    assert_eq!(to_display_string(&v), "/a/c/d");
    let v = i
        .eval_str(
            "x",
            &format!(
                "(create-directory (nice-path \"{}/p/../q\") #t)",
                tmp.path().display()
            ),
        )
        .unwrap();
    assert_eq!(to_display_string(&v), format!("{}/q", tmp.path().display()));
    let v = i.eval_str("x", "(string? (get-host-name))").unwrap();
    assert_eq!(to_display_string(&v), "#t");
    let v = i.eval_str("x", "(> (current-seconds) 1500000000)").unwrap();
    assert_eq!(to_display_string(&v), "#t");
    i.eval_str("x", "(setenv \"MT_SCHEME_SETENV_T\" \"v1\")")
        .unwrap();
    assert_eq!(std::env::var("MT_SCHEME_SETENV_T").as_deref(), Ok("v1"));
    i.eval_str("x", "(unsetenv \"MT_SCHEME_SETENV_T\")")
        .unwrap();
    assert!(std::env::var("MT_SCHEME_SETENV_T").is_err());
}

#[test]
fn regex_literals_keep_source_and_flags() {
    let mut i = Interp::new();
    let v = i.eval_str("x", "#/err\\d+/i").unwrap();
    let Value::Regex(r) = v else {
        panic!("not a regex")
    };
    assert_eq!(r.source.as_deref(), Some("/err\\d+/i"));
    assert!(r.caseless);
    assert!(r.regex().unwrap().is_match("ERR42"));
    let v = i.eval_str("x", "(regexp \"x\")").unwrap();
    let Value::Regex(r) = v else {
        panic!("not a regex")
    };
    assert_eq!(r.source, None);
}

#[test]
fn deep_recursion_is_an_error_not_a_crash_on_small_stacks() {
    // Test threads have 2 MiB stacks; the default limit must fit in one.
    let h = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let mut i = Interp::new();
            let r1 = i.eval_str(
                "x",
                "(define (f n) (if (= n 0) 0 (+ 1 (f (- n 1))))) (f 100000)",
            );
            let r2 = i.eval_str(
                "x",
                "(define (g n) (map (lambda (x) (g x)) (list n))) (g 1)",
            );
            let r3 = i.eval_str("x", "(f 40)").map(|v| to_display_string(&v));
            (r1.is_err(), r2.is_err(), r3)
        })
        .unwrap();
    let (e1, e2, r3) = h.join().unwrap();
    assert!(e1 && e2);
    assert_eq!(r3.unwrap(), "40");
}
