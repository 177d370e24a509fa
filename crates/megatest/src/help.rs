//! Help text and version.

pub const VERSION: &str = "1.6506";

pub fn version() -> String {
    format!("{VERSION}-rs{}", env!("CARGO_PKG_VERSION"))
}

pub const HELP: &str = "\
Megatest (Rust rebuild) - regression test and flow automation manager

Usage: megatest [options]

Running tests
  -run                      run the tests selected by -testpatt for -target and -runname
  -runall                   same as -run
  -runtests PATT            deprecated: -run -testpatt PATT
  -target K1/K2/...         target (key values joined with /); also $MT_TARGET
  -reqtarg K1/K2/...        target that must be a section of runconfigs.config
  -runname NAME             run name (:runname NAME)
  -testpatt P1,P2           tests/items to run: name, name/item, % wildcard, ~ negates
  -tagexpr T1,T2%           only tests whose [test_meta] tags match
  --modepatt KEY            take the test pattern from runconfigs variable KEY
  -rerun S1,S2              rerun COMPLETED tests whose status is in the list
  -force                    launch tests whatever their recorded state
  -preclean                 empty a test's run directory before launching it
  -setvars V1=v1,V2=v2      extra variables for every launched test
  -contour NAME             stored with the run

Managing runs (-target, -runname patterns; -testpatt required where marked *)
  -remove-runs *            remove records, run directories and links (:state/:status filter)
  -set-state-status S,T *   set state and status of the selected tests (KILLREQ,n/a kills)
  -kill-runs *              kill the running tests of the selected runs
  -set-run-status S [-m C]  set the status (and comment) of a run;  -get-run-status prints it
  -lock / -unlock [-y]      a locked run refuses -run, -remove-runs, -set-state-status
  -rename-run NEW           rename the run given by -target and -runname
  -mark-incompletes         mark tests without heartbeat for [setup] deadtime as COMPLETED/DEAD
  -run-wait *               wait until no selected test is LAUNCHED/REMOTEHOSTSTART/RUNNING/KILLREQ
  -rerun-clean, -rerun-all  reset failed (or all) tests to NOT_STARTED, then run them again

Inside a test (needs MT_CMDINFO, set by megatest)
  -test-status :state S :status T [-m comment]   set this test's state and status
  -step NAME :state S :status T                  record a step event
  -runstep NAME [-logpro FILE] CMD...            run CMD as a step, judged by logpro
  -setlog FILE / -set-toplog FILE                set the test's (toplevel's) main log
  -set-values :category C :variable V :value X :expected E :tol T [:units U]
  -load-test-data           read CSV test data from stdin
  -summarize-items          regenerate the items summary
  -env2file NAME            write the environment to NAME.sh and NAME.csh

Queries
  -list-runs RUNPATT        list runs and their tests (-target, -testpatt, -state,
                            -status, -dumpmode json)
  -list-db-targets          targets that have runs
  -list-targets             sections of runconfigs.config
  -list-disks               the [disks] of megatest.config
  -test-paths               run directories of selected tests
  -test-files GLOB          files matching GLOB in those directories
  -show-config              megatest.config (-section S -var V, -dumpmode json|ini)
  -show-runconfig           runconfigs for -target (-section, -var, -dumpmode json|ini)
  -show-keys                the keys of this area
  -show-cmdinfo             decode MT_CMDINFO

Reports
  -generate-html [-html-dir DIR]   HTML tree of runs and tests (default <linktree>/html)
  -junit FILE               JUnit XML of the runs matching -target/-runname/-testpatt
  -diff-rep -src-target T -src-runname R -target T -runname R -diff-html FILE
                            HTML report of the tests whose state/status differ
  -extract-ods FILE -target T -runname R [-pathmod P]   OpenDocument spreadsheet

General
  -start-dir DIR            run as if started in DIR
  -config FILE              use FILE instead of megatest.config
  -dumpmode json|ini|sexpr  output format;  --json  JSON output where supported
  -h, -help, --help         this text
  -version                  print the version

Archive (needs -target, -runname, -testpatt; [archive-disks] NAME /dir in megatest.config)
  -archive save             archive each selected test's run directory (tar, or bup when
                            [archive] bup names an installed program)
  -archive save-remove      archive, then remove the run directory (state ARCHIVED)
  -archive keep-html        as save-remove but keep *.html files
  -archive restore          put archived run directories back, state as before archiving
  -archive-disk DIR         archive to DIR instead of the [archive-disks] entries

Environment and maintenance
  -envcap CTX [DBFILE]      save the environment as context CTX (default envdat.db)
  -envdelta A-B [DBFILE]    changes from context A to B (-dumpmode bash|csh|config|ini, -o FILE)
  -clean-cache              remove cached configs of -target/-runname in the link tree
  -cleanup-db, -rebuild-db  delete deleted/orphaned runs and tests, then VACUUM

Getting started (prompts only on a terminal; otherwise flags or defaults)
  -create-megatest-area     new area: -area-dir DIR (default -area-name or .), -keys K1/K2
                            (required), -target V1/V2, -disk DIR, -linktree DIR,
                            -launcher CMD, -area-name NAME, -y (use a non-empty directory)
  -create-test NAME         new tests/NAME: -ezstep \"STEP COMMAND\" (repeat; required),
                            -description TEXT, -waiton \"T1 T2\", -priority N,
                            -item \"VAR v1 v2\" (repeat), -y (overwrite)

Documentation: docs/manual.md in the source tree.
";
