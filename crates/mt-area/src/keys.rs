//! Keys (`[fields]`) and targets.

use crate::error::AreaError;

/// Names that would collide with columns of the `runs` table.
const RESERVED: &[&str] = &[
    "runname",
    "state",
    "status",
    "owner",
    "event_time",
    "comment",
    "fail_count",
    "pass_count",
    "contour",
];

pub fn check_key_name(name: &str) -> Result<(), AreaError> {
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        return Err(AreaError::ReservedKey(name.to_string()));
    }
    Ok(())
}

/// A target is valid when it has one non-empty part per key.
pub fn validate_target(target: &str, keys: &[String]) -> Result<Vec<String>, AreaError> {
    let parts: Vec<String> = target.split('/').map(str::to_string).collect();
    if parts.len() != keys.len() || parts.iter().any(|p| p.is_empty() || p.contains(' ')) {
        return Err(AreaError::BadTarget {
            target: target.to_string(),
            want: keys.join("/"),
        });
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let keys = vec!["OS".to_string(), "RELEASE".to_string()];
        assert_eq!(
            validate_target("linux/1.0", &keys).unwrap(),
            ["linux", "1.0"]
        );
        assert!(validate_target("linux", &keys).is_err());
        assert!(validate_target("linux//", &keys).is_err());
        assert!(validate_target("a/b/c", &keys).is_err());
        assert!(check_key_name("STATE").is_err());
        assert!(check_key_name("OS").is_ok());
    }
}
