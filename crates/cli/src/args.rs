//! Value parsers for whole-number options.
//!
//! Every option that takes a value accepts a negative number syntactically
//! (`main.rs`: `--weight-kg -20` used to be read as an unknown flag `-2`).
//! Decimal options are checked by the library that uses them, which names
//! the field and the rule (`weight -20 kg is outside the plausible range
//! 2–150 kg`). Whole-number options (counts, days, seeds) are parsed here,
//! so that a negative or fractional value is refused with the rule instead
//! of "invalid digit found in string"; clap adds the option's name.

/// A whole number ≥ 0 that fits `T`.
fn whole<T: TryFrom<u128>>(s: &str, what: &str) -> Result<T, String> {
    let t = s.trim();
    if let Ok(v) = t.parse::<u128>() {
        return T::try_from(v).map_err(|_| format!("{t} is too large for {what}"));
    }
    if t.strip_prefix('-')
        .is_some_and(|rest| rest.parse::<f64>().is_ok())
    {
        return Err(format!(
            "{what} cannot be negative: a whole number ≥ 0 is needed"
        ));
    }
    if t.parse::<f64>().is_ok() {
        return Err(format!("{what} must be a whole number (no decimals), ≥ 0"));
    }
    Err(format!(
        "'{t}' is not a number: {what} must be a whole number ≥ 0"
    ))
}

/// A count (whole number ≥ 0), as `usize`.
pub fn count(s: &str) -> Result<usize, String> {
    whole(s, "a count")
}

/// A whole number ≥ 0, as `u32`.
pub fn whole_u32(s: &str) -> Result<u32, String> {
    whole(s, "this value")
}

/// A whole number ≥ 0, as `u64` (e.g. a random seed).
pub fn whole_u64(s: &str) -> Result<u64, String> {
    whole(s, "this value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_whole_numbers() {
        assert_eq!(count("3"), Ok(3));
        assert_eq!(count(" 0 "), Ok(0));
        assert_eq!(whole_u64("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(whole_u32("28"), Ok(28));
    }

    #[test]
    fn refuses_with_the_rule() {
        assert!(count("-3").unwrap_err().contains("cannot be negative"));
        assert!(
            whole_u32("-0.5")
                .unwrap_err()
                .contains("cannot be negative")
        );
        assert!(count("2.5").unwrap_err().contains("no decimals"));
        assert!(count("1e3").unwrap_err().contains("no decimals"));
        assert!(count("three").unwrap_err().contains("is not a number"));
        assert!(whole_u32("4294967296").unwrap_err().contains("too large"));
        assert!(
            whole_u64("18446744073709551616")
                .unwrap_err()
                .contains("too large")
        );
    }
}
