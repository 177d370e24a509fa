//! Launching one job: the launcher for a test, its run directory and link, `LAUNCHED`,
//! and the start itself (on a runner thread for the built-in launcher, else through a
//! launcher program).

use super::*;

impl Sched<'_> {
    /// The launcher words for a test (`[launchers]`/`[host-types]` with flexi-launcher,
    /// else `[jobtools] launcher`); None for the built-in local launcher.
    pub(super) fn launcher_words(&self, name: &str, path: &str) -> Option<String> {
        let cfg = &self.area.config;
        let mut words = None;
        let flexi = cfg
            .get("jobtools", "flexi-launcher")
            .is_some_and(|v| v.trim() != "no");
        if flexi {
            for (patt, host_type) in self.area.section_pairs("launchers") {
                if mt_area::TestPatt::parse(&patt).matches(name, path) {
                    match cfg.get("host-types", host_type.trim()) {
                        Some(cmd) => {
                            words = Some(cmd.trim().to_string());
                            break;
                        }
                        None => eprintln!("WARNING: no launcher found for host-type {host_type}"),
                    }
                }
            }
        }
        let words = words.or_else(|| {
            cfg.get("jobtools", "launcher")
                .map(|s| s.trim().to_string())
        })?;
        if words.is_empty() {
            return None;
        }
        // Decision 9: nbfake without the original's scripts behaves as the local launcher.
        let first = words.split_whitespace().next().unwrap_or("");
        if first == "nbfake" && !on_path("nbfake") && std::env::var("TARGETHOST").is_err() {
            return None;
        }
        Some(words)
    }

    pub(super) fn launch(&mut self, j: usize, preclean: bool) -> Result<bool, LaunchFailure> {
        let ti = self.jobs[j].test;
        let name = self.tests[ti].tc.name.clone();
        let path = self.jobs[j].path.clone();
        let id = self.jobs[j].id;
        let item = self.jobs[j].item.clone();
        let itemized = !path.is_empty();
        let target = self.req.target.clone();
        let runname = self.req.runname.clone();

        // Re-read the testconfig with the item variables set (its [disks] and
        // [pre-launch-env-*] may use them).
        let mut host = self.area.host.clone();
        host.setenv("MT_TEST_NAME", &name);
        host.setenv("MT_ITEMPATH", &path);
        host.setenv("MT_RUNNAME", &runname);
        host.setenv("MT_TARGET", &target);
        for (k, v) in &item.vars {
            host.setenv(k, v);
        }
        let tc: Arc<TestConfig> = if self.tests[ti].tc.dynamic {
            match self.area.read_testconfig(&name, SystemMode::Yes, &mut host) {
                Ok(tc) => Arc::new(tc),
                Err(e) => return Err(lf(format!("cannot read testconfig: {e}"))),
            }
        } else {
            self.tests[ti].tc.clone()
        };
        let mut disks = mt_area::section_pairs(&tc.config, "disks");
        if disks.is_empty() {
            disks = self.area.section_pairs("disks");
        }
        let disk = if disks.is_empty() {
            let d = tc.dir.join("tmp_run");
            self.note(format!(
                "WARNING: no [disks] in megatest.config; tests run under {}",
                d.display()
            ));
            std::fs::create_dir_all(&d)
                .map_err(|e| lf(format!("cannot create {}: {e}", d.display())))?;
            d
        } else {
            let minspace = self
                .area
                .setup("minspace")
                .and_then(|v| v.parse().ok())
                .unwrap_or(10_000);
            workarea::choose_disk(&disks, minspace).map_err(|e| LaunchFailure {
                msg: e.to_string(),
                fatal: true,
            })?
        };
        let linktree = self.area.linktree();
        let p = workarea::paths(&disk, &linktree, &target, &runname, &name, &path);
        if preclean && p.phys_dir.exists() {
            workarea::preclean(&p.phys_dir);
        }
        workarea::create(&p, itemized, &mut self.link_dirs).map_err(lf)?;
        workarea::copy_test_source(
            &tc.dir,
            &p.phys_dir,
            self.area.setup("testcopycmd"),
            // Items copy the same directory in turn; a plain test copies it once.
            itemized.then_some(&mut self.sources),
        )
        .map_err(lf)?;
        let work = p.work_area.to_string_lossy().into_owned();
        let phys = p.phys_dir.to_string_lossy().into_owned();
        // Where it runs, and LAUNCHED, in one transaction; the toplevel of an itemized test
        // learns its directory once.
        let lt = p.link_top.to_string_lossy().into_owned();
        let pt = p.phys_top.to_string_lossy().into_owned();
        let top_dir = (itemized && self.toplevel_dirs.insert(ti))
            .then(|| (self.tests[ti].toplevel_id, lt.clone(), pt.clone()));
        let words = self.launcher_words(&name, &path);
        let in_process = words.is_none() && self.in_process;
        let launched = crate::execute::Launched {
            rundir: work.clone(),
            shortdir: phys.clone(),
            top_dir,
        };
        if in_process {
            // The job writes LAUNCHED in its first transaction (with REMOTEHOSTSTART and
            // RUNNING, before its first step starts); the mirror knows it now.
            self.recs.insert(
                (name.clone(), path.clone()),
                Rec {
                    id,
                    state: State::LAUNCHED.into(),
                    status: Status::NA.into(),
                },
            );
            self.dirty.insert(name.clone());
            self.jobs[j].launch_deferred = true;
        } else {
            self.jobs[j].launch_deferred = false;
            let with = launched.ops(id);
            self.set_with(id, State::LAUNCHED, Status::NA, None, &with);
        }
        let megatest = self.req.megatest.to_string_lossy().into_owned();
        let bindir = self
            .req
            .megatest
            .parent()
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_default();
        let runtlim = tc
            .runtimelim
            .or_else(|| mt_area::duration::runtime_limit(self.area.setup("runtimelim")));
        let ci = CmdInfo {
            testpath: tc.dir.to_string_lossy().into_owned(),
            homehost: crate::execute::hostname(),
            serverurl: None,
            areaname: self.area.area_name(),
            toppath: self.area.toppath.to_string_lossy().into_owned(),
            work_area: work.clone(),
            test_name: name.clone(),
            runscript: tc.runscript.clone(),
            run_id: self.run_id,
            test_id: id,
            itemdat: item.vars.clone(),
            megatest: megatest.clone(),
            ezsteps: !tc.ezsteps.is_empty(),
            target: target.clone(),
            contour: self.req.contour.clone(),
            runtlim,
            env_ovrd: self.area.section_pairs("env-override"),
            set_vars: self.req.setvars.clone(),
            runname: runname.clone(),
            mt_bindir_path: bindir,
            dbpath: self.store.path().to_string_lossy().into_owned(),
            linktree: linktree.to_string_lossy().into_owned(),
            itempath: path.clone(),
        };
        let mut env: Vec<(String, Option<String>)> = self
            .base_env
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect();
        for (k, v) in host.env_changes() {
            env.push((k.clone(), v.clone()));
        }
        for (k, v) in [
            ("MT_TEST_RUN_DIR", work.clone()),
            ("MT_TEST_NAME", name.clone()),
            ("MT_ITEM_INFO", item.info()),
            ("MT_RUNNAME", runname.clone()),
            ("MT_TARGET", target.clone()),
            ("MT_ITEMPATH", path.clone()),
        ] {
            env.push((k.to_string(), Some(v)));
        }
        env.push(("MT_CONTOUR".into(), None));
        for (k, v) in &item.vars {
            env.push((k.clone(), Some(v.clone())));
        }
        for (k, v) in mt_area::section_pairs(&tc.config, "pre-launch-env-overrides") {
            env.push((k, Some(v)));
        }
        let sig = format!("{}:{}:{}", self.area.area_name(), name, path);
        // An in-process job gets its CmdInfo as a value; only a process needs it encoded.
        let encoded = if in_process {
            "(in process)".to_string()
        } else {
            ci.encode()
        };
        let mut args = vec!["-m".to_string(), sig, "-execute".to_string(), encoded];
        if let Ok(d) = std::env::var("MT_DEBUG_MODE") {
            args.push("-debug".into());
            args.push(d);
        }
        let spec = LaunchSpec {
            program: self.req.megatest.clone(),
            args,
            env,
            cwd: p.work_area.clone(),
            log: p.work_area.join("mt_launch.log"),
        };
        // `slurm [sbatch options]` or `sbatch [options]` (also as a [host-types] entry)
        // selects the Slurm launcher instead of a command template.
        let slurm = words.as_deref().and_then(SlurmLauncher::from_words);
        if in_process {
            let prepared = crate::execute::Prepared {
                tc: (!tc.dynamic).then(|| tc.clone()),
                runconfig: Some(self.runconfig.clone()),
                launched: Some(launched),
                // Its place in the queue is taken now, in launch (priority) order.
                slot: (self.prestart > 0).then(|| (self.slots.clone(), self.slots.ticket())),
            };
            self.start_in_process(j, ci, spec, prepared);
            return Ok(true);
        }
        let result = match (words, &slurm) {
            (None, _) => self.launcher.submit(&spec),
            (Some(_), Some(sl)) => sl.clone().submit(&spec),
            (Some(w), None) => {
                let wait = self.area.setup("launchwait") != Some("no");
                TemplateLauncher { words: w, wait }.submit(&spec)
            }
        };
        let mut job = match result {
            Ok(job) => job,
            Err(e) => {
                return Err(lf(e));
            }
        };
        if let (Some(sl), Some(slurm_id)) = (&slurm, job.external_id.take()) {
            // Detached: the record tells the outcome; the watch finds jobs that vanish.
            let log = SlurmLauncher::log_path(&spec, &slurm_id);
            self.slurm.add(j, slurm_id, log, sl);
            return Ok(false);
        }
        if job.pid.is_some() {
            self.pids.insert(j, job.pid.unwrap_or(0));
            let tx = self.tx.clone();
            std::thread::spawn(move || {
                let st = job.wait();
                let _ = tx.send((j, st));
            });
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// The built-in launcher: run the job wrapper on a thread of the runner, with the area
    /// already loaded and the runner's database connection. The test's steps are still
    /// processes of their own (in their own process groups); what is saved per test is a
    /// process start, a config read and a database open. The end is reported through the
    /// same channel as a child process's exit.
    fn start_in_process(
        &mut self,
        j: usize,
        ci: CmdInfo,
        spec: LaunchSpec,
        prepared: crate::execute::Prepared,
    ) {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&spec.log)
        {
            use std::io::Write as _;
            let _ = writeln!(
                f,
                "LAUNCHCMD: (in process {}) {} {}",
                std::process::id(),
                spec.program.display(),
                spec.args.get(..2).map(|a| a.join(" ")).unwrap_or_default()
            );
        }
        let area = self.area_arc.clone();
        let store = self.store.clone();
        let stop = self.stop.clone();
        let tx = self.tx.clone();
        self.workers.run(Box::new(move || {
            // Whatever happens on this thread (even a panic), the runner hears that the
            // job ended; otherwise it would wait for it forever.
            struct Ended {
                tx: mpsc::Sender<(usize, JobState)>,
                j: usize,
                code: Option<i32>,
            }
            impl Drop for Ended {
                fn drop(&mut self) {
                    let _ = self.tx.send((self.j, JobState::Exited(self.code)));
                }
            }
            let mut ended = Ended { tx, j, code: None };
            let mut prepared = prepared;
            let code =
                match crate::execute::run_job(&ci, &area, &store, stop, &spec.env, &mut prepared) {
                    Ok(c) => Some(c),
                    Err(e) => {
                        eprintln!("ERROR: {}: {e}", ci.test_name);
                        Some(1)
                    }
                };
            ended.code = code;
        }));
    }
}

fn on_path(prog: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(prog).is_file()))
}
