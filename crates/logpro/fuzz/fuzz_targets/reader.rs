//! mt-scheme reader (and evaluator, with a step limit) on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = mt_scheme::read_all("fuzz", &text, 1);
    let mut i = mt_scheme::Interp::new();
    i.set_step_limit(Some(100_000));
    for name in ["setenv", "unsetenv", "create-directory", "system", "load"] {
        i.define_native(name, |_| Ok(mt_scheme::Value::Unspecified));
    }
    let _ = i.eval_str("fuzz", &text);
});
