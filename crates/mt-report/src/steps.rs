//! The steps table of a test page (§6.4): `start` and `end` rows of a step are paired by
//! step name, in the order of `event_time` then row id.

use mt_db::StepRow;

/// One line of the steps table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StepSummary {
    pub name: String,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub status: String,
    /// `end - start` when both are known.
    pub duration: Option<i64>,
    pub logfile: String,
    pub comment: String,
}

/// Pair the step rows of one test. The start time comes from the `start` row; end
/// time, status and comment from the `end` row (or from a row in any other state); the
/// log file from whichever row has one. Steps keep the order of their first row.
#[must_use]
pub fn summarize(rows: &[StepRow]) -> Vec<StepSummary> {
    let mut sorted: Vec<&StepRow> = rows.iter().collect();
    sorted.sort_by_key(|s| (s.event_time, s.id));
    let mut out: Vec<StepSummary> = Vec::new();
    for s in sorted {
        let idx = match out.iter().position(|x| x.name == s.stepname) {
            Some(i) => i,
            None => {
                out.push(StepSummary {
                    name: s.stepname.clone(),
                    ..StepSummary::default()
                });
                out.len() - 1
            }
        };
        let e = &mut out[idx];
        if s.state == "start" {
            e.start = Some(s.event_time);
        } else {
            e.end = Some(s.event_time);
            e.status = s.status.clone();
            e.comment = s.comment.clone();
        }
        if !s.logfile.is_empty() {
            e.logfile = s.logfile.clone();
        }
        e.duration = match (e.start, e.end) {
            (Some(a), Some(b)) => Some(b - a),
            _ => None,
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::step;

    #[test]
    fn pairs_start_and_end() {
        let mut rows = vec![
            step(1, 7, "build", "start", "-"),
            step(2, 7, "test", "start", "-"),
            step(3, 7, "build", "end", "0"),
            step(4, 7, "test", "end", "1"),
            step(5, 7, "odd", "RUNNING", "n/a"),
        ];
        rows[0].event_time = 100;
        rows[1].event_time = 110;
        rows[2].event_time = 105;
        rows[3].event_time = 170;
        rows[3].logfile = "test.html".into();
        rows[3].comment = "1 error".into();
        rows[4].event_time = 200;
        let got = summarize(&rows);
        let want = vec![
            StepSummary {
                name: "build".into(),
                start: Some(100),
                end: Some(105),
                status: "0".into(),
                duration: Some(5),
                ..StepSummary::default()
            },
            StepSummary {
                name: "test".into(),
                start: Some(110),
                end: Some(170),
                status: "1".into(),
                duration: Some(60),
                logfile: "test.html".into(),
                comment: "1 error".into(),
            },
            StepSummary {
                name: "odd".into(),
                end: Some(200),
                status: "n/a".into(),
                ..StepSummary::default()
            },
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn start_only_has_no_duration() {
        let got = summarize(&[step(1, 1, "nap", "start", "-")]);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].duration, None);
        assert_eq!(got[0].end, None);
    }
}
