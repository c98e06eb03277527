//! A laboratory number as a file writes it, exact and in 8 bytes.
//!
//! A laboratory row holds three numbers (value, lower and upper limit of
//! normal); a study of 10 000 patients has more than a million rows. Held
//! as [`Exact`] fractions (two `i128`, 32 bytes each), the numbers alone
//! took 96 bytes a row. A [`Decimal`] holds the same number, exactly, in 8
//! bytes (an `Option<Decimal>` too): every parsed laboratory number is a
//! fraction `num/den` whose reduced denominator divides 10⁶
//! ([`crate::exact::MAX_DECIMALS`]), i.e. `den = 2^a·5^b` with `a, b ≤ 6`,
//! and whose numerator is below 10¹² ([`crate::exact::MAX_SIGNIFICANT_DIGITS`]).
//! The reduced numerator and the two exponents are packed into one word.
//!
//! Nothing is computed in this form: grading converts a `Decimal` to the
//! same reduced [`Exact`] that parsing the text gives ([`Decimal::exact`],
//! no rounding, no search), and compares and multiplies there
//! (docs/reference/toxicity.md §4: boundaries are compared exactly).

use crate::exact::{DecimalError, Exact};
use serde::{Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::num::{NonZeroI128, NonZeroU64};

/// Largest exponent of 2 or 5 in a [`Decimal`]'s denominator (3 bits).
const MAX_EXPONENT: u32 = 7;
/// Bits of the word below the numerator: a marker bit (the word is never
/// zero, so that `Option<Decimal>` is 8 bytes too), 3 bits for the
/// exponent of 2, 3 bits for the exponent of 5.
const NUM_SHIFT: u32 = 7;
/// Largest magnitude of a [`Decimal`]'s numerator: the 57 bits above the
/// exponents hold it with its sign.
const MAX_NUM: i128 = (1 << (63 - NUM_SHIFT)) - 1;

/// An exact decimal number (a reduced fraction whose denominator is
/// `2^a·5^b`, `a, b ≤ 7`, numerator below 2⁵⁶ in magnitude) in 8 bytes: the
/// compact form of a laboratory row's value and reference limits
/// ([`crate::records::LabResult`]). Equal numbers have equal
/// representations (the fraction is reduced), so `==` and `Hash` are
/// numeric; the order is numeric. [`Decimal::exact`] gives the [`Exact`]
/// every rule computes with.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal(NonZeroU64);

/// Why an [`Exact`] has no [`Decimal`] form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a decimal of at most 7 decimals and a numerator below 2^56")]
pub struct NotDecimal(pub Exact);

impl Decimal {
    /// Parses a plain decimal text exactly, with the rules and errors of
    /// [`Exact::parse_decimal`] (which it calls).
    ///
    /// # Errors
    ///
    /// As [`Exact::parse_decimal`].
    pub fn parse_decimal(text: &str) -> Result<Self, DecimalError> {
        let x = Exact::parse_decimal(text)?;
        Ok(Self::try_from(x).expect("a parsed decimal has at most 6 decimals and 12 digits"))
    }

    /// The reduced numerator.
    pub const fn numer(self) -> i128 {
        (self.0.get() as i64 >> NUM_SHIFT) as i128
    }

    /// The reduced denominator (`2^a·5^b`, always > 0).
    pub const fn denom(self) -> i128 {
        let bits = self.0.get();
        let a = ((bits >> 1) & 0b111) as u32;
        let b = ((bits >> 4) & 0b111) as u32;
        (1i128 << a) * 5i128.pow(b)
    }

    /// The same number as an [`Exact`] (the reduced fraction that parsing
    /// its text gives).
    pub const fn exact(self) -> Exact {
        match NonZeroI128::new(self.denom()) {
            Some(den) => Exact::reduced(self.numer(), den),
            None => panic!("a power of 2 and 5 is not zero"),
        }
    }

    /// `true` when the number is below zero.
    pub const fn is_negative(self) -> bool {
        self.numer() < 0
    }

    /// `true` when the number is zero.
    pub const fn is_zero(self) -> bool {
        self.numer() == 0
    }
}

impl From<Decimal> for Exact {
    fn from(d: Decimal) -> Exact {
        d.exact()
    }
}

impl TryFrom<Exact> for Decimal {
    type Error = NotDecimal;

    /// The [`Decimal`] of an exact decimal (denominator `2^a·5^b`, `a, b ≤
    /// 7`, numerator below 2⁵⁶ in magnitude: every parsed laboratory
    /// number).
    fn try_from(x: Exact) -> Result<Self, NotDecimal> {
        let (num, den) = (x.numer(), x.denom());
        if num.abs() > MAX_NUM {
            return Err(NotDecimal(x));
        }
        let a = den.trailing_zeros();
        let mut rest = den >> a;
        let mut b = 0;
        // Bounded: beyond MAX_EXPONENT + 1 factors of 5 the answer is
        // already "not a Decimal".
        while b <= MAX_EXPONENT && rest % 5 == 0 {
            rest /= 5;
            b += 1;
        }
        if rest != 1 || a > MAX_EXPONENT || b > MAX_EXPONENT {
            return Err(NotDecimal(x));
        }
        let bits = ((num as i64) << NUM_SHIFT) as u64 | u64::from(b) << 4 | u64::from(a) << 1 | 1;
        Ok(Self(NonZeroU64::new(bits).expect("the marker bit is set")))
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    /// Numeric order, by cross-multiplication: numerators below 2⁵⁶ and
    /// denominators at most 10⁷ give products below 2⁸⁰, far inside `i128`.
    fn cmp(&self, other: &Self) -> Ordering {
        (self.numer() * other.denom()).cmp(&(other.numer() * self.denom()))
    }
}

impl fmt::Display for Decimal {
    /// As [`Exact`] displays the same number (the exact decimal).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.exact(), f)
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal({self})")
    }
}

impl Serialize for Decimal {
    /// As [`Exact`] serialises the same number (the nearest `f64`).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.exact().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse_decimal(s).unwrap()
    }

    #[test]
    fn eight_bytes_with_or_without_a_value() {
        assert_eq!(std::mem::size_of::<Decimal>(), 8);
        assert_eq!(std::mem::size_of::<Option<Decimal>>(), 8);
    }

    #[test]
    fn the_same_reduced_fraction_as_the_text() {
        // (text, reduced numerator, denominator), reduced by hand.
        for (text, num, den) in [
            ("0", 0, 1),
            ("1.80", 9, 5),
            ("1.2", 6, 5),
            ("0.125", 1, 8),
            ("-0.5", -1, 2),
            ("150", 150, 1),
            ("0.000001", 1, 1_000_000),
            ("0.000016", 1, 62_500),
            ("999999999999", 999_999_999_999, 1),
            ("-123456.789012", -30_864_197_253, 250_000),
            ("3.25", 13, 4),
            ("0.04", 1, 25),
        ] {
            let x = d(text);
            assert_eq!((x.numer(), x.denom()), (num, den), "{text}");
            let e = x.exact();
            assert_eq!((e.numer(), e.denom()), (num, den), "{text}");
            assert_eq!(e, Exact::parse_decimal(text).unwrap(), "{text}");
        }
    }

    #[test]
    fn equal_numbers_are_equal_and_the_order_is_numeric() {
        assert_eq!(d("1.8"), d("1.800000"));
        assert_eq!(d("0012"), d("12.0"));
        assert_eq!(d("-0"), d("0"));
        let sorted = [
            "-2.5",
            "-0.000001",
            "0",
            "0.000001",
            "0.1",
            "0.125",
            "1.2",
            "1.8",
            "150",
        ];
        for w in sorted.windows(2) {
            assert!(d(w[0]) < d(w[1]), "{} < {}", w[0], w[1]);
            assert!(d(w[1]) > d(w[0]), "{} > {}", w[1], w[0]);
        }
        assert_eq!(d("2.50").cmp(&d("2.5")), Ordering::Equal);
    }

    #[test]
    fn displays_as_the_exact_number() {
        for text in ["1.80", "0.125", "-3", "0.000001", "450", "123456.789012"] {
            let (x, e) = (d(text), Exact::parse_decimal(text).unwrap());
            assert_eq!(x.to_string(), e.to_string());
            assert_eq!(x.exact().to_f64().to_bits(), e.to_f64().to_bits());
        }
        assert_eq!(d("1.80").to_string(), "1.8");
        assert_eq!(format!("{:?}", d("0.50")), "Decimal(0.5)");
    }

    #[test]
    fn only_exact_decimals_within_range_convert() {
        assert!(Decimal::try_from(Exact::ratio(1, 3)).is_err());
        assert!(Decimal::try_from(Exact::ratio(1, 256)).is_err()); // 2^8
        assert!(Decimal::try_from(Exact::ratio(1, 128)).is_ok()); // 2^7
        assert!(Decimal::try_from(Exact::int(1 << 56)).is_err());
        assert!(Decimal::try_from(Exact::int((1 << 56) - 1)).is_ok());
        assert!(Decimal::try_from(Exact::int(-(1 << 56) + 1)).is_ok());
        let x = Decimal::try_from(Exact::int(-(1 << 56) + 1)).unwrap();
        assert_eq!(x.numer(), -(1 << 56) + 1);
        assert!(x.is_negative() && !x.is_zero() && d("0").is_zero());
        // Zero and positive numbers are not negative; the smallest
        // negative one is.
        assert!(!d("0").is_negative() && !d("-0").is_negative());
        assert!(!d("0.000001").is_negative() && d("-0.000001").is_negative());
        assert!(!d("0.000001").is_zero());
    }

    #[test]
    fn the_exponent_edges_of_the_denominator() {
        // Each exponent has 3 bits: 2^7 and 5^7 are the largest
        // denominators of their prime, and they convert back exactly;
        // 2^8 and 5^8 are refused (a wrong bound would pack 8 into 3
        // bits, i.e. 0, and give back another number).
        for (num, den) in [
            (1, 128),        // 2^7
            (-3, 78_125),    // 5^7
            (7, 10_000_000), // 2^7·5^7 = 10^7
            (1, 640),        // 2^7·5
            (1, 156_250),    // 2·5^7
        ] {
            let x = Decimal::try_from(Exact::ratio(num, den)).unwrap();
            assert_eq!((x.numer(), x.denom()), (num, den), "{num}/{den}");
        }
        for den in [256, 390_625, 1_280_000_000, 1_953_125 * 128] {
            // 2^8, 5^8, 2^14·5^7, 2^7·5^9
            assert!(Decimal::try_from(Exact::ratio(1, den)).is_err(), "1/{den}");
        }
    }
}
