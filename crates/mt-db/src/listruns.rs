//! The data behind `-list-runs` (§1.5.1): matching runs oldest first, each with its tests
//! (selected like db:get-tests-for-run, sorted by testname then item_path) and their steps
//! (by row id). Steps are fetched with one query per run, not one per test.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::Result;
use crate::records::TestFilter;
use crate::rows::{RunRow, StepRow, TestRow};
use crate::steps::{step_from_row, STEP_COLUMNS};
use crate::store::Store;

/// A test with its steps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestWithSteps {
    #[serde(flatten)]
    pub test: TestRow,
    pub steps: Vec<StepRow>,
}

impl TestWithSteps {
    /// Whether `-list-runs` prints the detail lines (cpuload, diskfree, uname, rundir,
    /// steps): status not PASS/WARN and state not NOT_STARTED.
    #[must_use]
    pub fn shows_details(&self) -> bool {
        !matches!(self.test.status.as_str(), "PASS" | "WARN") && self.test.state != "NOT_STARTED"
    }
}

/// A run with its selected tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunListing {
    pub run: RunRow,
    pub tests: Vec<TestWithSteps>,
}

impl Store {
    /// Runs matching the run-name and target patterns with their tests matching `filter`.
    ///
    /// # Errors
    /// [`crate::DbError::BadTarget`]; SQLite failures.
    pub fn list_runs_with_tests(
        &self,
        runname_pattern: &str,
        target_pattern: Option<&str>,
        filter: &TestFilter,
    ) -> Result<Vec<RunListing>> {
        let runs = self.list_runs(runname_pattern, target_pattern)?;
        let mut out = Vec::with_capacity(runs.len());
        for run in runs {
            let tests = self.tests_for_run(run.id, filter)?;
            let mut steps = self.steps_for_run(run.id)?;
            let tests = tests
                .into_iter()
                .map(|t| TestWithSteps {
                    steps: steps.remove(&t.id).unwrap_or_default(),
                    test: t,
                })
                .collect();
            out.push(RunListing { run, tests });
        }
        Ok(out)
    }

    fn steps_for_run(&self, run_id: i64) -> Result<HashMap<i64, Vec<StepRow>>> {
        let cols: String = STEP_COLUMNS
            .split(", ")
            .map(|c| format!("s.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {cols} FROM test_steps s JOIN tests t ON t.id=s.test_id
             WHERE t.run_id=?1 AND s.status != 'DELETED' ORDER BY s.id"
        );
        self.read("read steps of run", |c| {
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map([run_id], step_from_row)?;
            let mut map: HashMap<i64, Vec<StepRow>> = HashMap::new();
            for r in rows {
                let r = r?;
                map.entry(r.test_id).or_default().push(r);
            }
            Ok(map)
        })
    }
}
