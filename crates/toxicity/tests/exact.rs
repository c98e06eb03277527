//! `Exact`, the exact fractions every laboratory value, limit and threshold
//! is compared in (docs/reference/toxicity.md §4: "Boundaries are compared
//! without floating-point surprises ... Scaled integers or exact decimal
//! arithmetic"). Expected values are fractions reduced by hand and decimals
//! written out by hand; the limits (12 significant digits, 6 decimals) are
//! the documented `MAX_SIGNIFICANT_DIGITS` and `MAX_DECIMALS`.

use mibg_toxicity::Exact;
use mibg_toxicity::exact::{DecimalError, MAX_DECIMALS, MAX_SIGNIFICANT_DIGITS};

fn nd(x: Exact) -> (i128, i128) {
    (x.numer(), x.denom())
}

fn d(s: &str) -> Exact {
    Exact::parse_decimal(s).unwrap()
}

#[test]
fn fractions_are_reduced_with_a_positive_denominator() {
    // 6/−4 = −3/2; −6/−4 = 3/2; −12/18 = −2/3; 0/5 = 0/1; 7/1 stays.
    assert_eq!(nd(Exact::ratio(6, -4)), (-3, 2));
    assert_eq!(nd(Exact::ratio(-6, -4)), (3, 2));
    assert_eq!(nd(Exact::ratio(-12, 18)), (-2, 3));
    assert_eq!(nd(Exact::ratio(12, -18)), (-2, 3));
    assert_eq!(nd(Exact::ratio(0, 5)), (0, 1));
    assert_eq!(nd(Exact::ratio(0, -5)), (0, 1));
    assert_eq!(nd(Exact::ratio(7, 1)), (7, 1));
    assert_eq!(nd(Exact::ratio(35, 14)), (5, 2));
    assert_eq!(nd(Exact::int(-4)), (-4, 1));
    // 1 000 000/58 466 (bilirubin, 10000/584.66) = 500 000/29 233 (gcd 2).
    assert_eq!(nd(Exact::ratio(1_000_000, 58_466)), (500_000, 29_233));
}

#[test]
fn decimals_parse_exactly_with_their_sign() {
    assert_eq!(nd(d("1.25")), (5, 4));
    assert_eq!(nd(d("-1.25")), (-5, 4));
    assert_eq!(nd(d("+1.25")), (5, 4));
    assert_eq!(nd(d("-0.5")), (-1, 2));
    assert_eq!(nd(d("12.")), (12, 1));
    assert_eq!(nd(d(".05")), (1, 20));
    assert_eq!(nd(d("907.2")), (4536, 5));
    assert_eq!(nd(d("0")), (0, 1));
    assert_eq!(nd(d("-0")), (0, 1));
    assert!(matches!(
        Exact::parse_decimal("+-1"),
        Err(DecimalError::NotDecimal(_))
    ));
    assert!(matches!(
        Exact::parse_decimal("1-"),
        Err(DecimalError::NotDecimal(_))
    ));
    assert!(matches!(
        Exact::parse_decimal("1.5a"),
        Err(DecimalError::NotDecimal(_))
    ));
    assert!(matches!(
        Exact::parse_decimal("a.5"),
        Err(DecimalError::NotDecimal(_))
    ));
}

// At most 6 decimals and 12 significant digits: the limits themselves are
// accepted, one more is refused; leading zeros are not significant.
#[test]
fn digit_limits_at_their_edges() {
    assert_eq!((MAX_DECIMALS, MAX_SIGNIFICANT_DIGITS), (6, 12));
    assert_eq!(nd(d("0.123456")), (1929, 15625)); // 123456/10^6 reduced by 64
    assert!(matches!(
        Exact::parse_decimal("0.1234567"),
        Err(DecimalError::TooLong(t)) if t == "0.1234567"
    ));
    assert_eq!(nd(d("123456789012")), (123_456_789_012, 1));
    assert!(matches!(
        Exact::parse_decimal("1234567890123"),
        Err(DecimalError::TooLong(_))
    ));
    assert_eq!(nd(d("000000123456789012")), (123_456_789_012, 1));
    // 123456789012/10^6 reduced by 4 (…012 is divisible by 4, not by 8 or 5).
    assert_eq!(nd(d("123456.789012")), (30_864_197_253, 250_000));
    assert!(matches!(
        Exact::parse_decimal("1234567.789012"),
        Err(DecimalError::TooLong(_))
    ));
}

#[test]
fn sign_and_zero() {
    assert!(d("-0.000001").is_negative());
    assert!(!Exact::ZERO.is_negative());
    assert!(!d("0.000001").is_negative());
    assert!(Exact::ZERO.is_zero());
    assert!(!d("0.000001").is_zero());
    assert!(!d("-1").is_zero());
}

// Products by hand, including ones whose cross-reduction uses both gcds.
#[test]
fn products_are_exact_and_reduced() {
    // (2/3)(3/4) = 1/2; (4/9)(15/8) = 5/6; (−5/6)(3/10) = −1/4; 1.5 × 1.2 = 1.8.
    assert_eq!(nd(Exact::ratio(2, 3) * Exact::ratio(3, 4)), (1, 2));
    assert_eq!(nd(Exact::ratio(4, 9) * Exact::ratio(15, 8)), (5, 6));
    assert_eq!(nd(Exact::ratio(-5, 6) * Exact::ratio(3, 10)), (-1, 4));
    assert_eq!(nd(Exact::ratio(3, 2).times(d("1.2"))), (9, 5));
    assert_eq!(nd(Exact::ratio(7, 3) * Exact::int(5)), (35, 3));
    assert_eq!(nd(Exact::ZERO * Exact::ratio(7, 3)), (0, 1));
    assert_eq!(nd(Exact::int(6) * Exact::ratio(1, 4)), (3, 2));
}

#[test]
fn nearest_double() {
    assert_eq!(Exact::ratio(1, 4).to_f64(), 0.25);
    assert_eq!(Exact::ratio(-7, 2).to_f64(), -3.5);
    assert_eq!(Exact::int(60).to_f64(), 60.0);
}

// Orders decided deep in the continued fraction: 3/7 = [0; 2, 3] vs
// 4/9 = [0; 2, 4] (3/7 = 27/63 < 28/63 = 4/9); 5/8 vs 8/13 (5/8 = 65/104 >
// 64/104); equal values written differently; negative values.
#[test]
fn comparisons_by_hand() {
    use std::cmp::Ordering::*;
    let c = |a: Exact, b: Exact| a.cmp(&b);
    assert_eq!(c(Exact::ratio(3, 7), Exact::ratio(4, 9)), Less);
    assert_eq!(c(Exact::ratio(4, 9), Exact::ratio(3, 7)), Greater);
    assert_eq!(c(Exact::ratio(5, 8), Exact::ratio(8, 13)), Greater);
    assert_eq!(c(Exact::ratio(8, 13), Exact::ratio(5, 8)), Less);
    assert_eq!(c(Exact::ratio(13, 21), Exact::ratio(21, 34)), Greater); // 442/714 > 441/714
    assert_eq!(c(Exact::ratio(1, 2), Exact::ratio(1, 3)), Greater);
    assert_eq!(c(Exact::ratio(1, 2), Exact::ratio(2, 3)), Less);
    assert_eq!(c(Exact::int(2), Exact::ratio(5, 2)), Less);
    assert_eq!(c(Exact::ratio(5, 2), Exact::int(2)), Greater);
    assert_eq!(c(Exact::int(3), Exact::int(3)), Equal);
    assert_eq!(c(Exact::ratio(7, 3), Exact::ratio(14, 6)), Equal);
    assert_eq!(c(Exact::ratio(-1, 2), Exact::ratio(-1, 3)), Less);
    assert_eq!(c(Exact::ratio(-5, 2), Exact::int(-2)), Less);
    assert_eq!(d("1.8"), Exact::ratio(3, 2) * d("1.2"));
    assert_ne!(d("1.8"), d("1.80001"));
    assert!(d("1.8") < d("1.80001"));
    assert_eq!(d("1.8").partial_cmp(&d("1.9")), Some(Less));
}

// Display: exact decimals when the denominator divides 10^12, else six
// decimals (by hand: 1/8 = 0.125, 7/20 = 0.35, 1/4096 = 0.000244140625 (2^12
// divides 10^12), 1/8192 = 0.0001220703125 (2^13 does not: 0.000122), 3/7 =
// 0.428571…, −5/2, 0, 250).
#[test]
fn display_by_hand() {
    let cases: &[(Exact, &str)] = &[
        (Exact::ratio(1, 8), "0.125"),
        (Exact::ratio(7, 20), "0.35"),
        (Exact::ratio(-7, 20), "-0.35"),
        (Exact::ratio(1, 4096), "0.000244140625"),
        (Exact::ratio(1, 8192), "0.000122"),
        (Exact::ratio(1, 1_000_000_000_000), "0.000000000001"),
        (Exact::ratio(1, 10_000_000_000_000), "0.000000"),
        (Exact::ratio(3, 7), "0.428571"),
        (Exact::ratio(-1, 3), "-0.333333"),
        (Exact::ratio(-5, 2), "-2.5"),
        (Exact::ratio(1, 5), "0.2"),
        (Exact::ratio(1, 25), "0.04"),
        (Exact::ratio(3, 40), "0.075"),
        (Exact::ratio(1, 50), "0.02"),
        (Exact::ZERO, "0"),
        (Exact::int(250), "250"),
        (Exact::int(-3), "-3"),
        (d("12.50"), "12.5"),
        (d("1.05"), "1.05"),
        (d("100.000001"), "100.000001"),
    ];
    for (x, want) in cases {
        assert_eq!(x.to_string(), *want, "{x:?}");
    }
}
