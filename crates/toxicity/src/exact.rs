//! Exact rational numbers for threshold comparisons.
//!
//! CTCAE interval edges must be compared without binary floating-point
//! surprises (docs/reference/toxicity.md §4: bilirubin 1.8 with ULN 1.2 is exactly 1.5×ULN,
//! but `1.8 > 1.5 * 1.2` is `true` in `f64`). Every laboratory number is
//! therefore parsed from its decimal text into an exact fraction `num/den`
//! of `i128`, and every comparison is done by cross-multiplication.
//!
//! # Range
//!
//! [`Exact::parse_decimal`] accepts at most [`MAX_SIGNIFICANT_DIGITS`]
//! significant digits and [`MAX_DECIMALS`] decimals, so a parsed value has
//! `|num| < 10^12` and `den ≤ 10^6`. Thresholds and conversion factors are
//! fractions with numerators and denominators below 10^7. A comparison
//! multiplies at most four such factors on each side (value, multiplier,
//! reference limit, unit factor), i.e. below 10^(12+7+12+7) = 10^38 < 1.7×10^38
//! = `i128::MAX`, after reduction by the greatest common divisor. Products are
//! nevertheless computed with checked arithmetic, and an overflow (impossible
//! within these bounds) panics rather than compares wrongly. Comparisons form
//! no products at all (continued fractions), so they cannot overflow.

use serde::{Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::num::NonZeroI128;

/// Largest number of significant digits accepted in a laboratory number.
pub const MAX_SIGNIFICANT_DIGITS: usize = 12;
/// Largest number of decimals accepted in a laboratory number.
pub const MAX_DECIMALS: usize = 6;

/// The denominator 1.
const UNIT: NonZeroI128 = NonZeroI128::new(1).expect("1 is not zero");

/// An exact, reduced fraction `num/den` with `den > 0`.
#[derive(Clone, Copy, Debug)]
pub struct Exact {
    num: i128,
    /// Never zero: the niche makes an `Option<Exact>` (a lab row's
    /// reference limits) no larger than an `Exact`.
    den: NonZeroI128,
}

/// Why a decimal text is not an accepted number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecimalError {
    /// Not a plain decimal number (digits, an optional sign and one point).
    #[error("'{0}' is not a decimal number (expected digits with an optional '.', e.g. 1.25)")]
    NotDecimal(String),
    /// More digits than [`MAX_SIGNIFICANT_DIGITS`] or decimals than [`MAX_DECIMALS`].
    #[error(
        "'{0}' has too many digits (at most {MAX_SIGNIFICANT_DIGITS} significant digits and {MAX_DECIMALS} decimals)"
    )]
    TooLong(String),
}

const fn gcd(mut a: i128, mut b: i128) -> i128 {
    if a < 0 {
        a = -a;
    }
    if b < 0 {
        b = -b;
    }
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

impl Exact {
    /// Zero.
    pub const ZERO: Self = Self { num: 0, den: UNIT };
    /// One.
    pub const ONE: Self = Self { num: 1, den: UNIT };

    /// The fraction `num/den`, reduced.
    ///
    /// # Panics
    ///
    /// If `den == 0` (a programming error in a constant table).
    pub const fn ratio(num: i128, den: i128) -> Self {
        assert!(den != 0, "zero denominator");
        let (mut num, mut den) = if den < 0 { (-num, -den) } else { (num, den) };
        let g = gcd(num, den);
        if g > 1 {
            num /= g;
            den /= g;
        }
        match NonZeroI128::new(den) {
            Some(den) => Self { num, den },
            None => panic!("zero denominator"),
        }
    }

    /// `num/den`, already reduced with `den > 0` (a
    /// [`crate::decimal::Decimal`]'s fraction): no reduction is made.
    pub(crate) const fn reduced(num: i128, den: NonZeroI128) -> Self {
        debug_assert!(den.get() > 0 && gcd(num, den.get()) == 1);
        Self { num, den }
    }

    /// The integer `n`.
    pub const fn int(n: i128) -> Self {
        Self { num: n, den: UNIT }
    }

    /// Parses a plain decimal text (`"12"`, `"1.25"`, `"-0.5"`, `".5"`) exactly.
    ///
    /// Exponents, thousands separators, `NaN` and infinities are rejected.
    ///
    /// # Errors
    ///
    /// [`DecimalError::NotDecimal`] for anything but digits with an optional
    /// leading sign and at most one decimal point; [`DecimalError::TooLong`]
    /// beyond [`MAX_SIGNIFICANT_DIGITS`] / [`MAX_DECIMALS`].
    pub fn parse_decimal(text: &str) -> Result<Self, DecimalError> {
        let t = text.trim();
        let not = || DecimalError::NotDecimal(t.to_string());
        let (neg, body) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let (int_part, frac_part) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(not());
        }
        if !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(not());
        }
        if frac_part.len() > MAX_DECIMALS {
            return Err(DecimalError::TooLong(t.to_string()));
        }
        // The digits without leading zeros (no string built: a labs file
        // has millions of numbers).
        let significant = int_part
            .bytes()
            .chain(frac_part.bytes())
            .skip_while(|&b| b == b'0');
        let mut num: i128 = 0;
        for (count, b) in significant.enumerate() {
            if count >= MAX_SIGNIFICANT_DIGITS {
                return Err(DecimalError::TooLong(t.to_string()));
            }
            num = num * 10 + i128::from(b - b'0');
        }
        let den = 10i128.pow(frac_part.len() as u32);
        Ok(Self::ratio(if neg { -num } else { num }, den))
    }

    /// Numerator of the reduced fraction.
    pub const fn numer(self) -> i128 {
        self.num
    }

    /// Denominator of the reduced fraction (always > 0).
    pub const fn denom(self) -> i128 {
        self.den.get()
    }

    /// `true` when the number is below zero.
    pub const fn is_negative(self) -> bool {
        self.num < 0
    }

    /// `true` when the number is zero.
    pub const fn is_zero(self) -> bool {
        self.num == 0
    }

    /// The exact product (also `a * b`).
    ///
    /// # Panics
    ///
    /// On `i128` overflow, impossible within the documented range (module docs).
    pub fn times(self, other: Self) -> Self {
        // Cross-reduce first to keep the numbers small.
        let g1 = gcd(self.num, other.den.get()).max(1);
        let g2 = gcd(other.num, self.den.get()).max(1);
        let num = (self.num / g1)
            .checked_mul(other.num / g2)
            .expect("exact product within range (see module docs)");
        let den = (self.den.get() / g2)
            .checked_mul(other.den.get() / g1)
            .expect("exact product within range (see module docs)");
        Self::ratio(num, den)
    }

    /// The nearest `f64`, for display and JSON only (never for grading).
    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den.get() as f64
    }
}

impl std::ops::Mul for Exact {
    type Output = Exact;
    /// See [`Exact::times`].
    fn mul(self, other: Exact) -> Exact {
        self.times(other)
    }
}

impl PartialEq for Exact {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Exact {}

impl PartialOrd for Exact {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Exact {
    /// Exact comparison that cannot overflow: compares integer parts, then
    /// the reciprocals of the fractional parts (the continued-fraction
    /// expansion of both numbers), so no product is ever formed.
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_fractions(self.num, self.den.get(), other.num, other.den.get())
    }
}

/// Compares `a/b` with `c/d` (`b, d > 0`) without multiplication.
fn cmp_fractions(mut a: i128, mut b: i128, mut c: i128, mut d: i128) -> Ordering {
    let mut flipped = false;
    loop {
        let (qa, ra) = (a.div_euclid(b), a.rem_euclid(b));
        let (qc, rc) = (c.div_euclid(d), c.rem_euclid(d));
        let ord = match (qa.cmp(&qc), ra == 0, rc == 0) {
            (Ordering::Equal, true, true) => Ordering::Equal,
            (Ordering::Equal, true, false) => Ordering::Less,
            (Ordering::Equal, false, true) => Ordering::Greater,
            (Ordering::Equal, false, false) => {
                // ra/b vs rc/d, both in (0, 1): the order of b/ra vs d/rc, reversed.
                (a, b, c, d) = (b, ra, d, rc);
                flipped = !flipped;
                continue;
            }
            (o, _, _) => o,
        };
        return if flipped { ord.reverse() } else { ord };
    }
}

impl fmt::Display for Exact {
    /// Shows the exact decimal when the denominator is a power of ten
    /// dividing 10^12 (every parsed laboratory value), otherwise six decimals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut scale = 0u32;
        let mut d = self.den.get();
        while d % 10 == 0 {
            d /= 10;
            scale += 1;
        }
        while d % 2 == 0 || d % 5 == 0 {
            // 2^a·5^b: extend to a power of ten.
            d = if d % 2 == 0 { d / 2 } else { d / 5 };
            scale += 1;
        }
        let scaled = (d == 1 && scale <= 12)
            .then(|| self.num.checked_mul(10i128.pow(scale) / self.den.get()))
            .flatten();
        if let Some(n) = scaled {
            let sign = if n < 0 { "-" } else { "" };
            let n = n.abs();
            let p = 10i128.pow(scale);
            if scale == 0 {
                write!(f, "{sign}{n}")
            } else {
                write!(
                    f,
                    "{sign}{}.{:0width$}",
                    n / p,
                    n % p,
                    width = scale as usize
                )
            }
        } else {
            write!(f, "{:.6}", self.to_f64())
        }
    }
}

impl Serialize for Exact {
    /// Serialises as the nearest `f64` (JSON number).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.to_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        assert_eq!(Exact::parse_decimal("1.8").unwrap(), Exact::ratio(9, 5));
        assert_eq!(Exact::parse_decimal("0.50").unwrap(), Exact::ratio(1, 2));
        assert_eq!(Exact::parse_decimal("-.5").unwrap(), Exact::ratio(-1, 2));
        assert_eq!(Exact::parse_decimal("0012").unwrap(), Exact::int(12));
        for bad in ["", ".", "1e3", "1,5", "NaN", "inf", "1.2.3", "--1", " 1 2"] {
            assert!(Exact::parse_decimal(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            Exact::parse_decimal("1.1234567"),
            Err(DecimalError::TooLong(_))
        ));
        assert!(matches!(
            Exact::parse_decimal("1234567890123"),
            Err(DecimalError::TooLong(_))
        ));
    }

    #[test]
    fn the_floating_point_trap_of_the_domain_notes_is_avoided() {
        // docs/reference/toxicity.md §4: 1.8 is exactly 1.5 × 1.2, though 1.8 > 1.5*1.2 in f64.
        let (v64, k64, u64_) = (1.8_f64, 1.5_f64, 1.2_f64);
        assert!(v64 > k64 * u64_, "the f64 trap this module exists to avoid");
        let v = Exact::parse_decimal("1.8").unwrap();
        let uln = Exact::parse_decimal("1.2").unwrap();
        assert_eq!(v, Exact::ratio(3, 2) * uln);
    }

    #[test]
    fn comparison_is_exact_and_cannot_overflow() {
        let big = Exact::ratio(i128::MAX, 3);
        let bigger = Exact::ratio(i128::MAX, 2);
        assert!(big < bigger);
        assert!(Exact::ratio(-1, 3) < Exact::ratio(-1, 4));
        assert!(Exact::ratio(355, 113) < Exact::ratio(22, 7)); // 3.14159… < 3.142857…
        assert_eq!(Exact::ratio(2, 4).cmp(&Exact::ratio(1, 2)), Ordering::Equal);
        assert!(Exact::ratio(1_000_000_000_001, 1_000_000_000_000) > Exact::ONE);
        assert!(Exact::ratio(i128::MAX - 1, i128::MAX) < Exact::ONE);
    }

    #[test]
    fn displays_decimals_exactly() {
        assert_eq!(Exact::parse_decimal("1.80").unwrap().to_string(), "1.8");
        assert_eq!(Exact::ratio(1, 8).to_string(), "0.125");
        assert_eq!(Exact::int(-3).to_string(), "-3");
        assert_eq!(Exact::ratio(1, 3).to_string(), "0.333333");
    }
}
