//! Time strings such as `1h 30m` (`common:hms-string->seconds`).

/// Parse `Nd Nh Nm Ns` tokens. Tokens that are not entirely `<digits><unit>` count as 0,
/// as in the original. A bare number is taken as seconds (a common user expectation; the
/// original would read 0 and kill the test at once, which we treat as a trap).
#[must_use]
pub fn hms_to_seconds(s: &str) -> u64 {
    s.split_whitespace()
        .map(|tok| {
            let (num, unit) = tok.split_at(tok.len().saturating_sub(1));
            let mult = match unit {
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 86400,
                _ => return tok.parse::<u64>().unwrap_or(0),
            };
            if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
                return 0;
            }
            num.parse::<u64>().unwrap_or(0) * mult
        })
        .sum()
}

/// A run time limit: `None` when unset or when it evaluates to 0 (no limit rather than
/// "kill at once", see config-and-area.md §2.5.3).
#[must_use]
pub fn runtime_limit(s: Option<&str>) -> Option<u64> {
    s.map(hms_to_seconds).filter(|n| *n > 0)
}

/// Format seconds as `[Nhr ][Nm ]Ns` (the run progress output).
#[must_use]
pub fn format_duration(secs: u64) -> String {
    let h = secs / 3600;
    let m = (secs % 3600) / 60;
    let s = secs % 60;
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
    fn vectors() {
        let cases = [
            ("3s", 3),
            ("1h 30m", 5400),
            ("1h30m", 0),
            ("1d 1s", 86401),
            ("1h 2m 3s # comment", 3723),
            ("", 0),
            ("15m 15s", 915),
            ("10", 10),
        ];
        for (s, want) in cases {
            assert_eq!(hms_to_seconds(s), want, "{s}");
        }
        assert_eq!(runtime_limit(Some("junk")), None);
        assert_eq!(runtime_limit(Some("3s")), Some(3));
        assert_eq!(format_duration(3723), "1hr 2m 3s");
        assert_eq!(format_duration(12), "12s");
    }
}
