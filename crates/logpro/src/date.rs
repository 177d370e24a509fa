//! `expires: "MM/DD/YYYY"` handling without a date crate.

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parse `MM/DD/YYYY` to seconds since the epoch at midnight UTC. Two-digit years are
/// taken literally (year 0020), as logpro does.
pub fn parse_mdy(s: &str) -> Option<i64> {
    let mut parts = s.trim().split('/');
    let m: i64 = parts.next()?.trim().parse().ok()?;
    let d: i64 = parts.next()?.trim().parse().ok()?;
    let y: i64 = parts.next()?.trim().parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400)
}

/// Seconds since the epoch now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        let cases = [
            ("01/01/1970", Some(0)),
            ("03/01/2000", Some(951_868_800)),
            ("12/31/1999", Some(946_598_400)),
            ("13/01/2000", None),
            ("1/2", None),
            ("a/b/c", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_mdy(s), want, "{s}");
        }
        assert!(parse_mdy("01/01/20").is_some_and(|t| t < 0));
    }
}
