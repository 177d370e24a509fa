//! `-show-config` dumps (spec §1.15): s-expression, JSON, ini; deterministic order.

use mt_configf::{read_config_str, to_ini, to_json, to_sexp, FakeHost, ReadOptions, SystemMode};

const TEXT: &str = "\
[b]
K v
M first
  second
    third
[a]
Q say \"hi\"\\there
BARE
[empty]
";

fn read(opts: &ReadOptions<'_>) -> mt_configf::Config {
    let mut host = FakeHost::new();
    let out = read_config_str("/x/m.config", TEXT, opts, &mut host);
    assert!(out.diagnostics.is_empty());
    out.config
}

#[test]
fn sexp_dump() {
    let cfg = read(&ReadOptions::default());
    assert_eq!(
        to_sexp(&cfg),
        "((\"b\" (\"K\" \"v\") (\"M\" \"first\\nsecond\\n  third\"))\n (\"a\" (\"Q\" \"say \\\"hi\\\"\\\\there\") (\"BARE\" \"\"))\n (\"empty\"))\n"
    );
}

#[test]
fn json_dump_keeps_order() {
    let cfg = read(&ReadOptions::default());
    let json = to_json(&cfg);
    let back: serde_json::Value = serde_json::from_str(&json).expect("valid json");
    assert_eq!(back["b"]["M"], "first\nsecond\n  third");
    assert_eq!(back["a"]["Q"], "say \"hi\"\\there");
    assert!(back["empty"].as_object().expect("object").is_empty());
    let b = json.find("\"b\"").expect("b");
    let a = json.find("\"a\"").expect("a");
    assert!(b < a, "insertion order: {json}");
}

#[test]
fn ini_dump_and_round_trip() {
    let cfg = read(&ReadOptions::default());
    let ini = to_ini(&cfg);
    assert_eq!(
        ini,
        "[b]\nK v\nM first\n  second\n    third\n\n[a]\nQ say \"hi\"\\there\nBARE\n\n[empty]\n"
    );
    let mut host = FakeHost::new();
    let again = read_config_str("dump", &ini, &ReadOptions::default(), &mut host);
    assert!(again.diagnostics.is_empty());
    assert_eq!(to_sexp(&again.config), to_sexp(&cfg));
}

#[test]
fn keep_filenames_in_dumps() {
    let cfg = read(&ReadOptions {
        keep_filenames: true,
        ..ReadOptions::default()
    });
    let ini = to_ini(&cfg);
    assert!(ini.starts_with("[b]\n# K=>/x/m.config\nK v\n"), "{ini}");
    assert!(to_sexp(&cfg).starts_with("((\"b\" (\"K\" \"v\" \"/x/m.config\")"));
}

#[test]
fn deferred_values_dump_as_system_forms() {
    let mut host = FakeHost::new();
    let opts = ReadOptions {
        allow_system: SystemMode::ReturnProcs,
        ..ReadOptions::default()
    };
    let out = read_config_str("t", "[items]\nN [system seq 3]\n", &opts, &mut host);
    assert_eq!(to_ini(&out.config), "[items]\nN [system seq 3]\n");
    let again = read_config_str("t2", &to_ini(&out.config), &opts, &mut host);
    assert_eq!(again.config, {
        let mut c = out.config.clone();
        // Only the recorded file name differs.
        let e = c.entry("items", "N").expect("N").clone();
        c.set_entry(
            "items",
            mt_configf::Entry {
                file: "t2".into(),
                ..e
            },
        );
        c
    });
}

#[test]
fn config_serde_round_trip_for_caches() {
    let cfg = read(&ReadOptions::default());
    let json = serde_json::to_string(&cfg).expect("ser");
    let back: mt_configf::Config = serde_json::from_str(&json).expect("de");
    assert_eq!(back, cfg);
}
