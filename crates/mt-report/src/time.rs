//! Date and duration formatting for reports.
//!
//! Times are printed in UTC: the database stores epoch seconds, and finding the local
//! zone would need either a time-zone database dependency or `unsafe` calls into libc.
//! Reports are often read far from the machine that ran the tests, so UTC is also the
//! less surprising choice. Every printed time says so (`UTC` suffix or ISO form).

use mt_model::time::civil_from_days as civil;

/// Broken-down UTC time of `epoch`: (year, month, day, hour, minute, second).
fn parts(epoch: i64) -> (i64, i64, i64, i64, i64, i64) {
    let (y, mo, d) = civil(epoch.div_euclid(86_400));
    let s = epoch.rem_euclid(86_400);
    (y, mo, d, s / 3600, (s % 3600) / 60, s % 60)
}

/// `YYYY-MM-DDTHH:MM:SS` (the JUnit `timestamp` form: no zone designator; it is UTC).
#[must_use]
pub fn iso(epoch: i64) -> String {
    let (y, mo, d, h, mi, s) = parts(epoch);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
}

/// `YYYY-MM-DD HH:MM:SS UTC` for pages people read; empty for 0 (never set).
#[must_use]
pub fn human(epoch: i64) -> String {
    if epoch == 0 {
        return String::new();
    }
    let (y, mo, d, h, mi, s) = parts(epoch);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} UTC")
}

/// `mm/dd/YYYY HH:MM:SS` (the spreadsheet's `When Run` column, in UTC).
#[must_use]
pub fn us_date(epoch: i64) -> String {
    let (y, mo, d, h, mi, s) = parts(epoch);
    format!("{mo:02}/{d:02}/{y:04} {h:02}:{mi:02}:{s:02}")
}

/// A duration as Megatest prints it: `[<h>hr ][<m>m ]<s>s` (§6.15).
#[must_use]
pub fn duration(secs: i64) -> String {
    let secs = secs.max(0);
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}hr "));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m "));
    }
    out.push_str(&format!("{s}s"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        // (epoch, iso, us_date)
        let cases = [
            (0, "1970-01-01T00:00:00", "01/01/1970 00:00:00"),
            (951_782_400, "2000-02-29T00:00:00", "02/29/2000 00:00:00"),
            (1_494_424_920, "2017-05-10T14:02:00", "05/10/2017 14:02:00"),
            (1_796_157_758, "2026-12-01T20:42:38", "12/01/2026 20:42:38"),
            (-1, "1969-12-31T23:59:59", "12/31/1969 23:59:59"),
        ];
        for (e, want_iso, want_us) in cases {
            assert_eq!(iso(e), want_iso, "{e}");
            assert_eq!(us_date(e), want_us, "{e}");
        }
        assert_eq!(human(0), "");
        assert_eq!(human(1_494_424_920), "2017-05-10 14:02:00 UTC");
    }

    #[test]
    fn durations() {
        let cases = [
            (0, "0s"),
            (59, "59s"),
            (60, "1m 0s"),
            (3723, "1hr 2m 3s"),
            (3600, "1hr 0m 0s"),
            (-5, "0s"),
        ];
        for (s, want) in cases {
            assert_eq!(duration(s), want, "{s}");
        }
    }
}
