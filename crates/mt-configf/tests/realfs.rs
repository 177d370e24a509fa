//! With the real host: files in a temporary directory, `/bin/sh`, an environment overlay.

use std::fs;

use mt_configf::{read_config, FakeHost, Host, ReadOptions, RealHost};

#[test]
fn includes_resolve_against_each_files_own_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    fs::create_dir_all(root.join("conf/deeper")).expect("mkdir");
    fs::create_dir_all(root.join("tests/t1")).expect("mkdir");
    fs::write(
        root.join("conf/a.config"),
        "A 1\n[include deeper/b.config]\nA2 after\n",
    )
    .expect("w");
    fs::write(
        root.join("conf/deeper/b.config"),
        "[inner]\nB 2\n[include ../../top.config]\n",
    )
    .expect("w");
    fs::write(root.join("top.config"), "T 3\n").expect("w");
    fs::write(
        root.join("tests/t1/testconfig"),
        "[s]\n[include ../../conf/a.config]\nS last\n[include nothere.config]\n",
    )
    .expect("w");
    let mut host = RealHost::new();
    let out = read_config(
        root.join("tests/t1/testconfig"),
        &ReadOptions::default(),
        &mut host,
    )
    .expect("read");
    let cfg = &out.config;
    assert_eq!(cfg.get("s", "A"), Some("1"));
    assert_eq!(cfg.get("s", "A2"), Some("after"));
    assert_eq!(cfg.get("s", "S"), Some("last"));
    assert_eq!(cfg.get("inner", "B"), Some("2"));
    assert_eq!(cfg.get("inner", "T"), Some("3"));
    let msgs: Vec<String> = out.diagnostics.iter().map(ToString::to_string).collect();
    let want = format!(
        "{}:4: warning: include file not found: {}",
        root.join("tests/t1/testconfig").display(),
        root.join("tests/t1/nothere.config").display()
    );
    assert_eq!(msgs, [want]);
}

#[test]
fn real_shell_helpers_and_environment_overlay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfgfile = dir.path().join("megatest.config");
    fs::write(
        &cfgfile,
        "[s]\nA #{shell echo hi}\nB #{shell printf 'x\\ny\\n'}\nC #{system true}\nD [system echo one; echo two]\nMT_CONFIGF_TEST_BARE\nE #{shell echo \"[$MT_CONFIGF_TEST_BARE]\"}\n",
    )
    .expect("w");
    let mut host = RealHost::new();
    let out = read_config(&cfgfile, &ReadOptions::default(), &mut host).expect("read");
    let cfg = &out.config;
    // E has an unescaped quote: reported, not run.
    assert_eq!(out.errors().count(), 1);
    assert_eq!(cfg.get("s", "A"), Some("hi"));
    assert_eq!(cfg.get("s", "B"), Some("x y"));
    assert_eq!(cfg.get("s", "C"), Some("0"));
    assert_eq!(cfg.get("s", "D"), Some("one two"));
    // The bare key went into the host's overlay, not into this process.
    assert_eq!(host.getenv("MT_CONFIGF_TEST_BARE").as_deref(), Some(""));
    assert!(std::env::var("MT_CONFIGF_TEST_BARE").is_err());
    assert_eq!(
        host.env_changes().get("MT_CONFIGF_TEST_BARE"),
        Some(&Some(String::new()))
    );
    // Commands see the overlay.
    host.setenv("MT_CONFIGF_TEST_X", "seen");
    assert_eq!(
        host.run_shell_capture("echo $MT_CONFIGF_TEST_X").stdout,
        "seen\n"
    );
    host.unsetenv("HOME");
    assert_eq!(host.run_shell_capture("echo \"[$HOME]\"").stdout, "[]\n");
}

#[test]
fn real_shell_failure_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfgfile = dir.path().join("c.config");
    fs::write(&cfgfile, "V #{shell exit 4}\n").expect("w");
    let mut host = RealHost::new();
    let out = read_config(&cfgfile, &ReadOptions::default(), &mut host).expect("read");
    // "" leaves "V " behind: a bare key whose value is the trailing space.
    assert_eq!(out.config.get("default", "V"), Some(" "));
    let msgs: Vec<String> = out.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        msgs,
        [format!(
            "{}:1:3: command in #{{shell exit 4}} returned bad exit code 4",
            cfgfile.display()
        )]
    );
}

#[test]
fn commented_system_call_creates_the_file_the_next_include_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    fs::create_dir_all(root.join("configs")).expect("mkdir");
    let text = "[default]\n# #{system echo 'VACKYVAR #{shell echo made}' > configs/gen.config}\n[include configs/gen.config]\n";
    fs::write(root.join("runconfigs.config"), text).expect("w");
    let mut host = RealHost::new().with_cwd(root);
    let out = read_config(
        root.join("runconfigs.config"),
        &ReadOptions::default(),
        &mut host,
    )
    .expect("read");
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert_eq!(out.config.get("default", "VACKYVAR"), Some("made"));
}

#[test]
fn real_scriptinc() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let script = root.join("gen.sh");
    fs::write(
        &script,
        "#!/bin/sh\necho \"[gen]\"\necho \"ARG $1\"\nexit 3\n",
    )
    .expect("w");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    fs::write(
        root.join("m.config"),
        "[scriptinc ./gen.sh hello]\n[scriptinc ./nothere.sh]\n",
    )
    .expect("w");
    let mut host = RealHost::new().with_cwd(root);
    let out = read_config(root.join("m.config"), &ReadOptions::default(), &mut host).expect("read");
    assert_eq!(out.config.get("gen", "ARG"), Some("hello"));
    assert_eq!(out.diagnostics.len(), 1);
}

#[test]
fn fake_and_real_hosts_agree_on_simple_echo() {
    let cases = ["a    b", "$HOME/x", "'quoted   text'", "\"$HOME\""];
    for args in cases {
        let mut real = RealHost::new();
        real.setenv("HOME", "/home/me");
        let mut fake = FakeHost::new().with_env("HOME", "/home/me");
        let cmd = format!("echo {args}");
        assert_eq!(
            real.run_shell_capture(&cmd).stdout,
            fake.run_shell_capture(&cmd).stdout,
            "{cmd}"
        );
    }
}
