//! A testconfig in typed form (config-and-area.md §2.5).

use std::path::{Path, PathBuf};

use mt_configf::{Config, Host};

use crate::duration::runtime_limit;
use crate::itemmap::{ItemMap, ItemMaps};
use crate::items::{expand_items, expand_itemstable, split_values, Item};

/// `[requirements] mode` words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Modes {
    pub normal: bool,
    pub toplevel: bool,
    /// `itemwait` or `itemmatch` (synonyms, decision 11).
    pub itemwait: bool,
    pub exclusive: bool,
}

impl Modes {
    #[must_use]
    pub fn parse(s: Option<&str>) -> Modes {
        let mut m = Modes::default();
        for w in s.unwrap_or("").split_whitespace() {
            match w {
                "toplevel" => m.toplevel = true,
                "itemwait" | "itemmatch" => m.itemwait = true,
                "exclusive" => m.exclusive = true,
                _ => m.normal = true,
            }
        }
        if !m.toplevel && !m.itemwait {
            m.normal = true;
        }
        m
    }
}

/// One `[items]`/`[itemstable]` row whose values may still be a deferred command.
#[derive(Debug, Clone)]
pub enum ItemValues {
    Values(Vec<String>),
    Deferred(String),
}

/// One ezstep.
#[derive(Debug, Clone)]
pub struct EzStep {
    pub name: String,
    pub command: String,
}

/// The first applicable `[skip]` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipRule {
    PrevRunning,
    FileExists(String),
    RunDelay(u64),
}

#[derive(Debug, Clone)]
pub struct TestConfig {
    pub name: String,
    /// The test's source directory.
    pub dir: PathBuf,
    pub config: Config,
    pub waiton: Vec<String>,
    pub waitor: Vec<String>,
    pub mode: Modes,
    pub priority: i64,
    pub runtimelim: Option<u64>,
    pub items: Vec<(String, ItemValues)>,
    pub itemstable: Vec<(String, ItemValues)>,
    /// True when `[items]` or `[itemstable]` exists (even empty).
    pub has_items_section: bool,
    pub itemmaps: ItemMaps,
    pub runscript: Option<String>,
    pub ezsteps: Vec<EzStep>,
    pub skip: Option<SkipRule>,
    pub triggers: Vec<(String, String)>,
    pub tags: String,
    pub jobgroup: Option<String>,
    /// Problems found while typing the config (bad priority, bad itemmap regex ...).
    pub warnings: Vec<String>,
    /// False when the testconfig text has nothing whose value can change between reads
    /// (no `#{...}`, `[system ...]`, includes or environment sections): then the copy read
    /// for the plan can stand for the reads the original does again at launch and in the
    /// job, which matters for tests with thousands of items.
    pub dynamic: bool,
}

fn section_rows(cfg: &Config, name: &str) -> Vec<(String, ItemValues)> {
    cfg.section(name)
        .map(|s| {
            s.iter()
                .map(|e| {
                    let v = if e.is_deferred() {
                        ItemValues::Deferred(e.value.clone())
                    } else {
                        ItemValues::Values(split_values(&e.value))
                    };
                    (e.key.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default()
}

impl TestConfig {
    /// Type a parsed testconfig.
    #[must_use]
    pub fn from_config(name: &str, dir: &Path, config: Config) -> TestConfig {
        let mut warnings = Vec::new();
        let req = |k: &str| config.get("requirements", k).map(str::to_string);
        let words =
            |v: Option<String>| -> Vec<String> { v.map(|s| split_values(&s)).unwrap_or_default() };
        let mut waiton = words(req("waiton"));
        if waiton.iter().any(|w| w == name) {
            warnings.push(format!("test {name} waits on itself; entry removed"));
            waiton.retain(|w| w != name);
        }
        let priority = match req("priority") {
            None => 0,
            Some(p) => p.trim().parse().unwrap_or_else(|_| {
                warnings.push(format!(
                    "[requirements] priority `{p}` is not a number; using 0"
                ));
                0
            }),
        };
        let rtl_text = req("runtimelim");
        let runtimelim = runtime_limit(rtl_text.as_deref());
        if rtl_text.is_some() && runtimelim.is_none() {
            warnings.push(format!(
                "[requirements] runtimelim `{}` gives no time; treated as no limit",
                rtl_text.unwrap_or_default()
            ));
        }
        let mut itemmaps = ItemMaps::default();
        let mut push_map =
            |key: &str, text: &str, warnings: &mut Vec<String>| match ItemMap::parse(text) {
                Ok(m) => itemmaps.push(key, m),
                Err(e) => warnings.push(e),
            };
        if let Some(m) = req("itemmap") {
            push_map("%", &m, &mut warnings);
        }
        if let Some(sec) = config.section("itemmap") {
            for e in sec.iter() {
                push_map(&e.key, &e.value, &mut warnings);
            }
        }
        let ezsteps = config
            .section("ezsteps")
            .map(|s| {
                s.iter()
                    .map(|e| EzStep {
                        name: e.key.clone(),
                        command: strip_params(&e.value).to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let skip = config.section("skip").and_then(|s| {
            if s.get("prevrunning").is_some() {
                Some(SkipRule::PrevRunning)
            } else if let Some(p) = s.get("fileexists") {
                Some(SkipRule::FileExists(p.trim().to_string()))
            } else {
                s.get("rundelay")
                    .map(|d| SkipRule::RunDelay(crate::duration::hms_to_seconds(d)))
            }
        });
        let triggers = config
            .section("triggers")
            .map(|s| s.iter().map(|e| (e.key.clone(), e.value.clone())).collect())
            .unwrap_or_default();
        let has_items_section =
            config.section("items").is_some() || config.section("itemstable").is_some();
        TestConfig {
            name: name.to_string(),
            dir: dir.to_path_buf(),
            waitor: words(req("waitor")),
            mode: Modes::parse(req("mode").as_deref()),
            items: section_rows(&config, "items"),
            itemstable: section_rows(&config, "itemstable"),
            runscript: config
                .get("setup", "runscript")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            tags: config
                .get("test_meta", "tags")
                .unwrap_or("")
                .trim()
                .to_string(),
            jobgroup: config
                .get("test_meta", "jobgroup")
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            waiton,
            priority,
            runtimelim,
            has_items_section,
            itemmaps,
            ezsteps,
            skip,
            triggers,
            config,
            warnings,
            dynamic: true,
        }
    }

    /// Does this test have items (a non-empty `[items]`/`[itemstable]`)?
    #[must_use]
    pub fn is_itemized(&self) -> bool {
        !self.items.is_empty() || !self.itemstable.is_empty()
    }

    /// Are any item values still deferred commands?
    #[must_use]
    pub fn has_deferred_items(&self) -> bool {
        self.items
            .iter()
            .chain(self.itemstable.iter())
            .any(|(_, v)| matches!(v, ItemValues::Deferred(_)))
    }

    /// Expand the item list, running deferred `[system ...]` values through `host`.
    /// A non-itemized test yields one empty item.
    pub fn expand_items(&self, host: &mut dyn Host) -> Vec<Item> {
        if !self.is_itemized() {
            return vec![Item::default()];
        }
        let resolve = |rows: &[(String, ItemValues)], host: &mut dyn Host| {
            rows.iter()
                .map(|(k, v)| {
                    let vals = match v {
                        ItemValues::Values(v) => v.clone(),
                        ItemValues::Deferred(cmd) => {
                            split_values(&host.run_shell_capture(cmd).stdout)
                        }
                    };
                    (k.clone(), vals)
                })
                .collect::<Vec<_>>()
        };
        let mut out = expand_items(&resolve(&self.items, host));
        out.extend(expand_itemstable(&resolve(&self.itemstable, host)));
        out
    }

    /// The rules text for a step from `[logpro]`.
    #[must_use]
    pub fn logpro_rules(&self, step: &str) -> Option<&str> {
        self.config.get("logpro", step)
    }

    /// `[test_meta]` field.
    #[must_use]
    pub fn meta(&self, field: &str) -> Option<&str> {
        self.config.get("test_meta", field)
    }
}

/// Drop an optional leading `{...}` parameter block from an ezstep command (reserved).
fn strip_params(cmd: &str) -> &str {
    let t = cmd.trim_start();
    if t.starts_with('{') {
        if let Some(end) = t.find('}') {
            return t[end + 1..].trim_start();
        }
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!(
            Modes::parse(None),
            Modes {
                normal: true,
                ..Modes::default()
            }
        );
        let m = Modes::parse(Some("itemmatch"));
        assert!(m.itemwait && !m.normal);
        let m = Modes::parse(Some("toplevel exclusive"));
        assert!(m.toplevel && m.exclusive);
    }

    #[test]
    fn params_stripped() {
        assert_eq!(strip_params("{VAR=a,b} make all"), "make all");
        assert_eq!(strip_params("make all"), "make all");
    }
}

#[cfg(test)]
mod deferred_tests {
    use super::*;
    use mt_configf::{read_config_str, FakeHost, ReadOptions, SystemMode};

    #[test]
    fn system_items_are_deferred_in_return_procs_mode() {
        let mut host = FakeHost::new().with_command("cat list.txt", "a b\n", 0);
        let ro = ReadOptions {
            allow_system: SystemMode::ReturnProcs,
            ..ReadOptions::default()
        };
        let out = read_config_str(
            "testconfig",
            "[items]\nNAME [system cat list.txt]\n",
            &ro,
            &mut host,
        );
        let tc = TestConfig::from_config("t", Path::new("/t"), out.config);
        assert!(tc.has_deferred_items());
        let items = tc.expand_items(&mut host);
        let paths: Vec<String> = items.iter().map(Item::path).collect();
        assert_eq!(paths, ["a", "b"]);
    }
}
