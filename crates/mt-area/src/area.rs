//! Locating an area and reading its files: `megatest.config` (keys, setup, disks,
//! launchers), `runconfigs.config` for a target, and test discovery.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use mt_configf::{
    read_config, Config, ConfigError, Diagnostic, Host, ReadOptions, RealHost, SchemeEval,
    SystemMode,
};
use regex::Regex;

use crate::error::AreaError;
use crate::keys::{check_key_name, validate_target};
use crate::testconfig::TestConfig;

/// How to find and read an area.
#[derive(Default)]
pub struct LoadOptions {
    /// Directory to search from (cwd when None).
    pub start_dir: Option<PathBuf>,
    /// `-config FNAME` (default `megatest.config`).
    pub config_name: Option<String>,
    /// The target, when known (`-reqtarg`, `-target`, `$MT_TARGET`).
    pub target: Option<String>,
    /// Evaluator for `#{scheme ...}`.
    pub scheme: Option<Box<dyn SchemeEval + Send + Sync>>,
}

/// A loaded area.
pub struct Area {
    pub toppath: PathBuf,
    pub config_file: PathBuf,
    pub config: Config,
    /// `[fields]`: (name, sql type spec), in key order.
    pub keys: Vec<(String, String)>,
    /// The environment as this process sees it after reading megatest.config
    /// (`[env-override]`, key variables, `MT_RUN_AREA_HOME`).
    pub host: RealHost,
    /// Warnings from reading (shown once by the caller).
    pub warnings: Vec<String>,
    pub target: Option<String>,
    scheme: Option<Box<dyn SchemeEval + Send + Sync>>,
    /// Where tests live: `[tests-paths]` entries, then `<toppath>/tests`.
    search_dirs: Vec<PathBuf>,
    /// Every test, found on first use: a job that only needs its own test never lists the
    /// area (that listing costs one stat per test, thousands in big areas).
    tests: std::sync::OnceLock<IndexMap<String, PathBuf>>,
}

impl std::fmt::Debug for Area {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Area")
            .field("toppath", &self.toppath)
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

/// Find the area top path: `$MT_RUN_AREA_HOME` if set, else the first directory from
/// `start` upward that holds the config file.
pub fn locate(start: &Path, config_name: &str) -> Result<PathBuf, AreaError> {
    if let Ok(home) = std::env::var("MT_RUN_AREA_HOME") {
        let p = PathBuf::from(&home);
        if p.join(config_name).is_file() {
            return Ok(p);
        }
    }
    let mut dir = Some(start);
    while let Some(d) = dir {
        if d.join(config_name).is_file() {
            return Ok(d.to_path_buf());
        }
        dir = d.parent();
    }
    Err(AreaError::NoArea {
        start: start.to_path_buf(),
    })
}

fn split_errors(
    out: mt_configf::ReadOutcome,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Config, AreaError> {
    if out.has_errors() {
        // Report everything found, warnings included, in file order.
        return Err(AreaError::Config(ConfigError::Invalid(
            mt_configf::Diagnostics(out.diagnostics),
        )));
    }
    warnings.extend(out.diagnostics);
    Ok(out.config)
}

impl Area {
    /// Locate and read the area.
    pub fn load(opts: LoadOptions) -> Result<Area, AreaError> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        let start = opts.start_dir.clone().unwrap_or(cwd);
        let config_name = opts
            .config_name
            .clone()
            .unwrap_or_else(|| "megatest.config".into());
        let toppath = locate(&start, &config_name)?;
        let toppath = toppath.canonicalize().unwrap_or(toppath);
        Self::load_at(&toppath, &config_name, opts)
    }

    /// Read the area whose top path is known.
    pub fn load_at(
        toppath: &Path,
        config_name: &str,
        opts: LoadOptions,
    ) -> Result<Area, AreaError> {
        let config_file = toppath.join(config_name);
        let mut host = RealHost::new().with_toppath(toppath).with_cwd(toppath);
        if let Some(t) = &opts.target {
            host = host.with_target(t.clone());
            host.setenv("MT_TARGET", t);
        }
        host.setenv("MT_RUN_AREA_HOME", &toppath.to_string_lossy());
        let mut warnings = Vec::new();
        let ro = ReadOptions {
            environ_pattern: Regex::new("env-override").ok(),
            scheme: opts.scheme.as_deref().map(|s| s as &dyn SchemeEval),
            ..ReadOptions::default()
        };
        // Key variables are exported as soon as the target is known so that later
        // sections can use `#{getenv KEY}`. The keys are taken from a quick look at the
        // raw `[fields]` section so that one read is enough; when that look was wrong (the
        // fields come from an include), the file is read a second time with the right keys
        // (the original's second pass).
        let guessed = opts
            .target
            .as_ref()
            .and_then(|t| raw_fields(&config_file).map(|k| (t.clone(), k)));
        let set_keys = |host: &mut RealHost, names: &[String], t: &str| -> bool {
            match validate_target(t, names) {
                Ok(parts) => {
                    for (k, v) in names.iter().zip(parts) {
                        host.setenv(k, &v);
                    }
                    true
                }
                Err(_) => false,
            }
        };
        let mut exported: Option<Vec<String>> = None;
        if let Some((t, names)) = &guessed {
            if set_keys(&mut host, names, t) {
                exported = Some(names.clone());
            }
        }
        let first = read_config(&config_file, &ro, &mut host)?;
        let first_cfg_keys = Self::keys_from(&first.config, &config_file)?;
        let names: Vec<String> = first_cfg_keys.iter().map(|k| k.0.clone()).collect();
        let config = match &opts.target {
            Some(t) if exported.as_ref() != Some(&names) && set_keys(&mut host, &names, t) => {
                split_errors(read_config(&config_file, &ro, &mut host)?, &mut warnings)?
            }
            _ => split_errors(first, &mut warnings)?,
        };
        let keys = Self::keys_from(&config, &config_file)?;
        let mut area = Area {
            toppath: toppath.to_path_buf(),
            config_file,
            config,
            keys,
            host,
            warnings: warnings.iter().map(ToString::to_string).collect(),
            target: opts.target,
            scheme: opts.scheme,
            search_dirs: Vec::new(),
            tests: std::sync::OnceLock::new(),
        };
        let name = area.area_name();
        area.host.setenv("MT_TESTSUITENAME", &name);
        let lt = area.linktree();
        area.host.setenv("MT_LINKTREE", &lt.to_string_lossy());
        area.find_search_dirs();
        Ok(area)
    }

    fn keys_from(cfg: &Config, file: &Path) -> Result<Vec<(String, String)>, AreaError> {
        let Some(sec) = cfg.section("fields") else {
            return Err(AreaError::NoKeys(file.to_path_buf()));
        };
        let mut keys = Vec::new();
        for e in sec.iter() {
            check_key_name(&e.key)?;
            let ty = e.value.trim();
            keys.push((
                e.key.clone(),
                if ty.is_empty() {
                    "TEXT".into()
                } else {
                    ty.into()
                },
            ));
        }
        if keys.is_empty() {
            return Err(AreaError::NoKeys(file.to_path_buf()));
        }
        Ok(keys)
    }

    #[must_use]
    pub fn key_names(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.0.clone()).collect()
    }

    /// `[setup] KEY`, trimmed.
    #[must_use]
    pub fn setup(&self, key: &str) -> Option<&str> {
        self.config.get("setup", key).map(str::trim)
    }

    #[must_use]
    pub fn area_name(&self) -> String {
        self.setup("area-name")
            .or_else(|| self.setup("testsuite"))
            .map(str::to_string)
            .or_else(|| std::env::var("MT_TESTSUITE_NAME").ok())
            .unwrap_or_else(|| {
                self.toppath
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "megatest".into())
            })
    }

    /// The link tree root: `$MT_LINKTREE`, else `[setup] linktree`, else `<toppath>/lt`.
    #[must_use]
    pub fn linktree(&self) -> PathBuf {
        if let Ok(lt) = std::env::var("MT_LINKTREE") {
            if !lt.is_empty() && std::env::var("MT_CMDINFO").is_err() {
                return PathBuf::from(lt);
            }
        }
        match self.setup("linktree") {
            Some(lt) if !lt.is_empty() && lt != "#f" => PathBuf::from(lt),
            _ => self.toppath.join("lt"),
        }
    }

    /// The area database: `[setup] dbdir/megatest.db` or `<toppath>/megatest.db`.
    #[must_use]
    pub fn dbpath(&self) -> PathBuf {
        match self.setup("dbdir") {
            Some(d) if !d.is_empty() => {
                let p = PathBuf::from(d);
                let p = if p.is_absolute() {
                    p
                } else {
                    self.toppath.join(p)
                };
                p.join("megatest.db")
            }
            _ => self.toppath.join("megatest.db"),
        }
    }

    /// `max_concurrent_jobs`, defaulting to the number of CPU cores (decision 3).
    #[must_use]
    pub fn max_concurrent_jobs(&self) -> usize {
        self.setup("max_concurrent_jobs")
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(std::num::NonZeroUsize::get)
                    .unwrap_or(1)
            })
    }

    /// `[jobgroups]` limits.
    #[must_use]
    pub fn jobgroup_limit(&self, group: &str) -> Option<usize> {
        self.config
            .get("jobgroups", group)
            .and_then(|v| v.trim().parse().ok())
    }

    /// Entries of a section as (key, value) pairs in order.
    #[must_use]
    pub fn section_pairs(&self, name: &str) -> Vec<(String, String)> {
        section_pairs(&self.config, name)
    }

    fn find_search_dirs(&mut self) {
        let mut dirs: Vec<PathBuf> = Vec::new();
        for (_, p) in self.section_pairs("tests-paths") {
            let p = PathBuf::from(p.trim());
            let p = if p.is_absolute() {
                p
            } else {
                self.toppath.join(p)
            };
            if p.is_dir() {
                dirs.push(p);
            } else {
                self.warnings.push(format!(
                    "{}: [tests-paths] directory {} does not exist",
                    self.config_file.display(),
                    p.display()
                ));
            }
        }
        dirs.push(self.toppath.join("tests"));
        self.search_dirs = dirs;
    }

    fn all_tests(&self) -> &IndexMap<String, PathBuf> {
        self.tests.get_or_init(|| {
            let mut tests = IndexMap::new();
            for d in &self.search_dirs {
                let Ok(rd) = std::fs::read_dir(d) else {
                    continue;
                };
                let mut names: Vec<(String, PathBuf)> = rd
                    .flatten()
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        let p = e.path();
                        (!name.starts_with('.') && p.join("testconfig").is_file())
                            .then_some((name, p))
                    })
                    .collect();
                names.sort();
                for (n, p) in names {
                    tests.entry(n).or_insert(p);
                }
            }
            tests
        })
    }

    /// Discovered test names (sorted within each search directory).
    #[must_use]
    pub fn test_names(&self) -> Vec<String> {
        self.all_tests().keys().cloned().collect()
    }

    /// The source directory of a test: the first search directory that has
    /// `NAME/testconfig`.
    #[must_use]
    pub fn test_dir(&self, name: &str) -> Option<PathBuf> {
        if let Some(all) = self.tests.get() {
            return all.get(name).cloned();
        }
        if name.is_empty() || name.starts_with('.') || name.contains('/') {
            return None;
        }
        self.search_dirs
            .iter()
            .map(|d| d.join(name))
            .find(|p| p.join("testconfig").is_file())
    }

    #[must_use]
    pub fn runconfigs_file(&self) -> PathBuf {
        self.toppath.join("runconfigs.config")
    }

    /// runconfigs for a target: only `[default]` and `[TARGET]` survive, wildcard and regex
    /// sections copied into them (§2.4.2). A missing file gives an empty config.
    pub fn runconfig(&self, target: &str) -> Result<Config, AreaError> {
        let mut host = self.host.clone().with_target(target.to_string());
        let ro = ReadOptions {
            sections_filter: Some(vec!["default".into(), target.into()]),
            precreate_sections: vec![target.into()],
            scheme: self.scheme(),
            ..ReadOptions::default()
        };
        match read_config(self.runconfigs_file(), &ro, &mut host) {
            Ok(out) => {
                let mut w = Vec::new();
                split_errors(out, &mut w)
            }
            Err(ConfigError::NotFound(_)) => Ok(Config::new()),
            Err(e) => Err(e.into()),
        }
    }

    /// Every section of runconfigs (for `-list-targets` and `-reqtarg`).
    pub fn runconfig_all(&self) -> Result<Config, AreaError> {
        let mut host = self.host.clone();
        let ro = ReadOptions {
            scheme: self.scheme(),
            ..ReadOptions::default()
        };
        match read_config(self.runconfigs_file(), &ro, &mut host) {
            Ok(out) => {
                let mut w = Vec::new();
                split_errors(out, &mut w)
            }
            Err(ConfigError::NotFound(_)) => Ok(Config::new()),
            Err(e) => Err(e.into()),
        }
    }

    /// The runconfigs variables for a target, `[default]` first then `[TARGET]`, later wins
    /// (order kept by first appearance).
    pub fn runconfig_vars(&self, target: &str) -> Result<Vec<(String, String)>, AreaError> {
        let rc = self.runconfig(target)?;
        let mut out: IndexMap<String, String> = IndexMap::new();
        for sec in ["default", target] {
            for (k, v) in section_pairs(&rc, sec) {
                out.insert(k, v);
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Read a test's testconfig. `mode` Yes applies `[pre-launch-env-vars]` to `host`.
    pub fn read_testconfig(
        &self,
        name: &str,
        mode: SystemMode,
        host: &mut dyn Host,
    ) -> Result<TestConfig, AreaError> {
        let dir = self
            .test_dir(name)
            .ok_or_else(|| AreaError::NoSuchTest(name.to_string()))?;
        let ro = ReadOptions {
            allow_system: mode,
            environ_pattern: if mode == SystemMode::Yes {
                Regex::new("pre-launch-env-vars").ok()
            } else {
                None
            },
            scheme: self.scheme(),
            bare_keys_setenv: false,
            ..ReadOptions::default()
        };
        let file = dir.join("testconfig");
        let out = read_config(&file, &ro, host)?;
        let mut w = Vec::new();
        let cfg = split_errors(out, &mut w)?;
        let mut tc = TestConfig::from_config(name, &dir, cfg);
        tc.warnings.extend(w.iter().map(ToString::to_string));
        tc.dynamic = std::fs::read_to_string(&file).map_or(true, |t| {
            [
                "#{",
                "[system",
                "[include",
                "[scriptinc",
                "pre-launch-env-vars",
            ]
            .iter()
            .any(|m| t.contains(m))
        });
        Ok(tc)
    }

    /// The scheme evaluator, for callers that read other config files.
    #[must_use]
    pub fn scheme(&self) -> Option<&dyn SchemeEval> {
        self.scheme.as_deref().map(|s| s as &dyn SchemeEval)
    }
}

/// Key names of a literal `[fields]` section in the raw file text (no expansion); None
/// when the file has none.
fn raw_fields(file: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(file).ok()?;
    let mut in_fields = false;
    let mut names = Vec::new();
    for line in text.lines() {
        let t = line.trim_end();
        if t.starts_with('[') && t.ends_with(']') {
            in_fields = t == "[fields]";
            continue;
        }
        if !in_fields
            || t.trim_start().starts_with('#')
            || t.trim().is_empty()
            || line.starts_with([' ', '\t'])
        {
            continue;
        }
        if let Some(k) = t.split_whitespace().next() {
            names.retain(|n: &String| n != k);
            names.push(k.to_string());
        }
    }
    (!names.is_empty()).then_some(names)
}

/// (key, value) pairs of a section in order; empty when the section is missing.
#[must_use]
pub fn section_pairs(cfg: &Config, name: &str) -> Vec<(String, String)> {
    cfg.section(name)
        .map(|s| s.iter().map(|e| (e.key.clone(), e.value.clone())).collect())
        .unwrap_or_default()
}
