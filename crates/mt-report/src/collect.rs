//! What every report is rendered from: the selected runs, each with its test and item
//! records, their steps and (when asked for) their test data, read from `mt_db` in one
//! pass so the renderers stay pure functions of this data.

use std::collections::{HashMap, HashSet};

use mt_db::{RunRow, StepRow, Store, TestDataRow, TestFilter, TestRow};

use crate::error::{ReportError, Result};

/// A test or item record with what the reports show about it.
#[derive(Debug, Clone, PartialEq)]
pub struct TestReport {
    pub test: TestRow,
    pub steps: Vec<StepRow>,
    /// Empty unless the data was asked for ([`Selection::with_data`]).
    pub data: Vec<TestDataRow>,
}

impl TestReport {
    /// A record with no steps and no data.
    #[must_use]
    pub fn bare(test: TestRow) -> TestReport {
        TestReport {
            test,
            steps: Vec::new(),
            data: Vec::new(),
        }
    }
}

/// A run with its selected records, sorted by test name then item path.
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    pub run: RunRow,
    pub tests: Vec<TestReport>,
}

impl RunReport {
    /// Names of the tests of this run that have item records: their toplevel records are
    /// roll-ups of the items.
    #[must_use]
    pub fn itemized(&self) -> HashSet<&str> {
        self.tests
            .iter()
            .filter(|t| !t.test.item_path.is_empty())
            .map(|t| t.test.testname.as_str())
            .collect()
    }

    /// The item records of each itemized test, in record order (one pass, so pages for
    /// a run of 100,000 records do not rescan the run per record).
    #[must_use]
    pub fn items_by_test(&self) -> HashMap<&str, Vec<&TestReport>> {
        let mut m: HashMap<&str, Vec<&TestReport>> = HashMap::new();
        for t in self.tests.iter().filter(|t| !t.test.item_path.is_empty()) {
            m.entry(t.test.testname.as_str()).or_default().push(t);
        }
        m
    }
}

/// Which runs and records a report covers.
#[derive(Debug, Clone)]
pub struct Selection<'a> {
    /// Run-name pattern (`%` for all).
    pub runname: &'a str,
    /// Target pattern, one `/`-separated part per key; `None` for every target.
    pub target: Option<&'a str>,
    /// A `-testpatt` list; `None` for every test.
    pub testpatt: Option<&'a str>,
    /// Read `test_data` for every record (one query per record).
    pub with_data: bool,
}

impl Default for Selection<'_> {
    fn default() -> Self {
        Selection {
            runname: "%",
            target: None,
            testpatt: None,
            with_data: false,
        }
    }
}

/// Read the runs matching `sel`, oldest first.
///
/// # Errors
/// Database failures, a malformed target pattern.
pub fn collect(store: &Store, sel: &Selection<'_>) -> Result<Vec<RunReport>> {
    let filter = TestFilter {
        testpatt: sel.testpatt.map(str::to_string),
        ..TestFilter::default()
    };
    let listing = store.list_runs_with_tests(sel.runname, sel.target, &filter)?;
    let mut out = Vec::with_capacity(listing.len());
    for l in listing {
        let mut tests = Vec::with_capacity(l.tests.len());
        for t in l.tests {
            let data = if sel.with_data {
                store.test_data(t.test.id)?
            } else {
                Vec::new()
            };
            tests.push(TestReport {
                test: t.test,
                steps: t.steps,
                data,
            });
        }
        out.push(RunReport { run: l.run, tests });
    }
    Ok(out)
}

/// Like [`collect`], but an empty result is an error naming the selection: a report on
/// a run that does not exist must not silently produce an empty file.
///
/// # Errors
/// [`ReportError::NoSuchRun`]; those of [`collect`].
pub fn collect_some(store: &Store, sel: &Selection<'_>) -> Result<Vec<RunReport>> {
    let runs = collect(store, sel)?;
    if runs.is_empty() {
        return Err(ReportError::NoSuchRun {
            target: sel.target.unwrap_or("%").to_string(),
            runname: sel.runname.to_string(),
        });
    }
    Ok(runs)
}
