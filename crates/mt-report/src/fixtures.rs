//! Record builders shared by the unit tests of this crate.

use mt_db::{RunRow, StepRow, TestDataRow, TestRow};

use crate::collect::{RunReport, TestReport};

pub fn test_row(id: i64, name: &str, item: &str, state: &str, status: &str) -> TestRow {
    TestRow {
        id,
        run_id: 1,
        testname: name.into(),
        state: state.into(),
        status: status.into(),
        event_time: 1_700_000_000 + id,
        host: "host1".into(),
        cpuload: 0.5,
        diskfree: 1000,
        uname: "Linux".into(),
        rundir: String::new(),
        item_path: item.into(),
        run_duration: id,
        final_logf: "logs/final.log".into(),
        comment: String::new(),
        shortdir: String::new(),
        attemptnum: 0,
        archived: 0,
        fail_count: 0,
        pass_count: 0,
        last_update: 0,
    }
}

pub fn step(id: i64, test_id: i64, name: &str, state: &str, status: &str) -> StepRow {
    StepRow {
        id,
        test_id,
        stepname: name.into(),
        state: state.into(),
        status: status.into(),
        event_time: 1_700_000_000 + id,
        comment: String::new(),
        logfile: String::new(),
    }
}

pub fn data_row(test_id: i64, cat: &str, var: &str, value: f64, status: &str) -> TestDataRow {
    TestDataRow {
        id: test_id * 100,
        test_id,
        category: cat.into(),
        variable: var.into(),
        value: Some(mt_db::DataValue::Num(value)),
        expected: Some(mt_db::DataValue::Num(100.0)),
        tol: Some(mt_db::DataValue::Text(">".into())),
        units: Some("ms".into()),
        comment: "c <&>".into(),
        status: Some(status.into()),
        kind: String::new(),
    }
}

pub fn run_row(id: i64, target: &[(&str, &str)], runname: &str) -> RunRow {
    RunRow {
        id,
        keys: target
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect(),
        runname: runname.into(),
        contour: String::new(),
        state: "new".into(),
        status: "n/a".into(),
        owner: "tester".into(),
        event_time: 1_700_000_000 + id,
        comment: String::new(),
        fail_count: 0,
        pass_count: 0,
        last_update: 0,
    }
}

/// A run of `(test, item, state, status)` records, ids from 1 in this order.
pub fn run_of(id: i64, runname: &str, recs: &[(&str, &str, &str, &str)]) -> RunReport {
    let tests = recs
        .iter()
        .enumerate()
        .map(|(i, (t, it, st, ss))| {
            let tid = id * 1000 + i64::try_from(i).unwrap_or(0) + 1;
            let mut row = test_row(tid, t, it, st, ss);
            row.run_id = id;
            TestReport::bare(row)
        })
        .collect();
    RunReport {
        run: run_row(id, &[("OS", "linux"), ("RELEASE", "1.0")], runname),
        tests,
    }
}
