//! Rule file parse + evaluation on arbitrary text, then a small log through the rules.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if text.contains("system")
        || text.contains("hook:add")
        || text.contains("load")
        || text.contains("setenv")
    {
        return;
    }
    if let Ok(rules) = logpro::RuleSet::from_str("fuzz.logpro", &text) {
        let _ = rules.process(
            &b"error: x\nwarning 1\nvalue=2.5\nALL DONE\n"[..],
            std::io::sink(),
        );
    }
});
