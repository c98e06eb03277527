//! Names of the usual single-number slips (issue 9): a slipped decimal point
//! or a ×10/×100/×1000 error on a reading, hours and days confused on a time,
//! two rows swapped. Every refusal on the dosimetry path names the slip that
//! would explain it, so that the person who typed the number can find it.
//!
//! A slip is recognised from a ratio `observed / expected` that lies within
//! [`SLIP_BAND`] of the slip's factor. The expected value comes from the
//! other readings (the fit without the suspect reading, `crate::gate`).

/// Half-width of the band around a slip factor, as a ratio: a ratio within
/// ×/÷ 1.5 of 10 (6.7–15) names "×10". Wider than any measurement noise
/// (a few per cent, `plausibility.reading_noise_fraction`) and narrow enough
/// that the bands of 10 and 24 (and of 1/10 and 1/24) do not overlap \[I\].
pub const SLIP_BAND: f64 = 1.5;

/// A named slip and how closely the ratio matched its factor
/// (`|ln(ratio/factor)|`, 0 = exactly), so that competing explanations can
/// be ranked.
#[derive(Clone, Debug, PartialEq)]
pub struct Slip {
    /// The slip in words, ending with a question mark or a question.
    pub text: String,
    /// `|ln(ratio / factor)|`.
    pub log_error: f64,
}

impl std::fmt::Display for Slip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

fn slip(text: String, ratio: f64, factor: f64) -> Slip {
    Slip {
        text,
        log_error: (ratio / factor).ln().abs(),
    }
}

fn near(ratio: f64, factor: f64) -> bool {
    near_within(ratio, factor, SLIP_BAND)
}

fn near_within(ratio: f64, factor: f64, band: f64) -> bool {
    let q = ratio / factor;
    q.is_finite() && (1.0 / band..=band).contains(&q)
}

/// Band of the pounds-for-kilograms slip between two weights: ×/÷ 1.25
/// around 2.2046 (1.76–2.76), the weight change between infusions being
/// limited to ±20 % \[I\]; a 50 % change is not called pounds.
const POUNDS_BAND: f64 = 1.25;

/// A number as typed: up to 4 significant figures, no trailing zeros.
pub fn fmt_value(v: f64) -> String {
    mibg_protocol::plausible::fmt_num(v)
}

/// The decimal slip that explains a reading typed as `raw` where the other
/// readings expect `expected_raw` (both as typed, background included):
/// "×1/100? a slipped decimal point (2.1 for 210?)", with the number that
/// was probably meant. `None` when no factor 10^±1…3 fits.
pub fn reading_slip(raw: f64, expected_raw: f64) -> Option<Slip> {
    let ratio = raw / expected_raw;
    for (factor, label) in [
        (10.0, "×10"),
        (0.1, "×1/10"),
        (100.0, "×100"),
        (0.01, "×1/100"),
        (1000.0, "×1000"),
        (0.001, "×1/1000"),
    ] {
        if near(ratio, factor) {
            return Some(slip(
                format!(
                    "{label}? a slipped decimal point ({} for {}?)",
                    fmt_value(raw),
                    fmt_value(raw / factor)
                ),
                ratio,
                factor,
            ));
        }
    }
    None
}

/// The decimal slip of a background that explains a reading whose net
/// value (`raw − background`) is off while the other readings expect
/// `expected_net`: the background typed ×10^k, so that `raw − background/10^k`
/// matches within `tolerance` (relative) while the net value as typed does
/// not. `None` when no factor fits, and when the background or the expected
/// net reading is not > 0. Of equally close factors the first in the
/// order ×10, ×1/10, ×100, ×1/100, ×1000, ×1/1000 is named.
pub fn background_slip(
    raw: f64,
    background: f64,
    expected_net: f64,
    tolerance: f64,
) -> Option<Slip> {
    if !(background > 0.0 && expected_net > 0.0) {
        return None;
    }
    if ((raw - background) / expected_net - 1.0).abs() <= tolerance {
        return None;
    }
    let mut best: Option<Slip> = None;
    for (factor, label) in [
        (10.0, "×10"),
        (0.1, "×1/10"),
        (100.0, "×100"),
        (0.01, "×1/100"),
        (1000.0, "×1000"),
        (0.001, "×1/1000"),
    ] {
        let meant = background / factor;
        let q = (raw - meant) / expected_net;
        if q > 0.0 && (q - 1.0).abs() <= tolerance {
            let s = Slip {
                text: format!(
                    "{label} on the background? a slipped decimal point (background {} for {}?)",
                    fmt_value(background),
                    fmt_value(meant)
                ),
                log_error: q.ln().abs(),
            };
            if best.as_ref().is_none_or(|b| s.log_error < b.log_error) {
                best = Some(s);
            }
        }
    }
    best
}

/// The time slip that explains a reading at `observed_h` whose value the
/// other readings place at `expected_h`: a slipped decimal point in the time
/// (1195 h for 119.5 h) or a time in days typed in the hours column (2 for
/// 48 h). `None` when no such factor fits.
pub fn time_slip(observed_h: f64, expected_h: f64) -> Option<Slip> {
    if !(observed_h > 0.0 && expected_h > 0.0) {
        return None;
    }
    let ratio = observed_h / expected_h;
    if near(ratio, 1.0 / 24.0) {
        return Some(slip(
            format!(
                "days typed as hours? ({} d = {} h)",
                fmt_value(observed_h),
                fmt_value(observed_h * 24.0)
            ),
            ratio,
            1.0 / 24.0,
        ));
    }
    if near(ratio, 24.0) {
        return Some(slip(
            format!(
                "×24 on the time? hours converted from days twice ({} h for {} h?)",
                fmt_value(observed_h),
                fmt_value(observed_h / 24.0)
            ),
            ratio,
            24.0,
        ));
    }
    for (factor, label) in [
        (10.0, "×10"),
        (0.1, "×1/10"),
        (100.0, "×100"),
        (0.01, "×1/100"),
    ] {
        if near(ratio, factor) {
            return Some(slip(
                format!(
                    "{label} on the time? a slipped decimal point ({} h for {} h?)",
                    fmt_value(observed_h),
                    fmt_value(observed_h / factor)
                ),
                ratio,
                factor,
            ));
        }
    }
    None
}

/// The hint of a time that is not after the previous one: one of the two
/// times is mistyped or two rows are out of order.
pub fn time_order_hint() -> &'static str {
    "(is this time or the previous one mistyped: a slipped decimal point, days typed as hours, or two rows swapped?)"
}

/// The hint of a reading that does not exceed its background.
pub fn non_positive_net_hint() -> &'static str {
    "(a slipped decimal point in the reading or the background?)"
}

/// The hint of a reading above the pre-void reading (`percent` of it): far
/// above, a slipped decimal point in this reading or in the pre-void one;
/// just above, two rows swapped (the pre-void reading must come first).
pub fn above_pre_void_hint(percent: f64) -> &'static str {
    if percent >= 500.0 {
        "(×10? a slipped decimal point in this reading or ×1/10 in the pre-void reading?)"
    } else {
        "(rows swapped? the pre-void reading must be the first row and the highest)"
    }
}

/// Pounds per kilogram (1 lb = 0.453 592 37 kg exactly).
const LB_PER_KG: f64 = 1.0 / 0.453_592_37;

/// The hint of an implausible weight in kg: grams (×1000), pounds (×2.2),
/// a slipped decimal point.
pub fn weight_hint(kg: f64) -> String {
    if kg > 1000.0 {
        format!(
            "a weight in grams? {} g = {} kg",
            fmt_value(kg),
            fmt_value(kg / 1000.0)
        )
    } else if kg > 150.0 {
        format!(
            "a weight in pounds ({} lb = {} kg) or a slipped decimal point ({} kg)?",
            fmt_value(kg),
            fmt_value(kg / LB_PER_KG),
            fmt_value(kg / 10.0)
        )
    } else {
        format!(
            "a slipped decimal point ({} kg)? the mass is in kg",
            fmt_value(kg * 10.0)
        )
    }
}

/// The hint of an implausible weight change (`ratio` = weight at infusion 2
/// ÷ weight at infusion 1): pounds for kg, a slipped decimal point.
pub fn weight_change_hint(ratio: f64) -> &'static str {
    if near_within(ratio, LB_PER_KG, POUNDS_BAND) {
        "the weight at infusion 2 in pounds? 1 kg = 2.2046 lb"
    } else if near_within(ratio, 1.0 / LB_PER_KG, POUNDS_BAND) {
        "the weight at infusion 1 in pounds? 1 kg = 2.2046 lb"
    } else if near(ratio, 10.0) || near(ratio, 0.1) {
        "a slipped decimal point in one of the weights?"
    } else {
        "a typing error?"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_slips_of_a_reading_are_named_with_the_meant_number() {
        // Issue 9: 2.10 typed for 210 (expected ≈ 210).
        let s = reading_slip(2.10, 212.0).unwrap();
        assert_eq!(s.text, "×1/100? a slipped decimal point (2.1 for 210?)");
        // ln(0.009906/0.01) = −0.0095.
        assert!((s.log_error - 0.00948).abs() < 1e-4, "{}", s.log_error);
        let s = reading_slip(1708.0, 170.2).unwrap();
        assert_eq!(
            s.to_string(),
            "×10? a slipped decimal point (1708 for 170.8?)"
        );
        assert!(reading_slip(100.0, 100.0).is_none());
        assert!(reading_slip(3.0, 1.0).is_none());
        assert!(
            reading_slip(1000.0, 1.0)
                .unwrap()
                .text
                .starts_with("×1000?")
        );
        assert!(
            reading_slip(0.001, 1.0)
                .unwrap()
                .text
                .starts_with("×1/1000?")
        );
    }

    #[test]
    fn band_edges() {
        // ×/÷ 1.5 around 10: 6.67 … 15.
        assert!(near(15.0, 10.0));
        assert!(!near(15.01, 10.0));
        assert!(near(10.0 / 1.5, 10.0));
        assert!(!near(6.66, 10.0));
        assert!(!near(f64::NAN, 10.0));
        // The bands of 10 and 24 do not overlap: 15 < 24/1.5 = 16.
        assert!(!near(15.5, 10.0) && !near(15.5, 24.0));
    }

    #[test]
    fn time_slips_are_named() {
        // Issue 9: 1195 h typed for 119.5 h.
        assert_eq!(
            time_slip(1195.0, 119.0).unwrap().text,
            "×10 on the time? a slipped decimal point (1195 h for 119.5 h?)"
        );
        assert_eq!(
            time_slip(2.0, 48.5).unwrap().text,
            "days typed as hours? (2 d = 48 h)"
        );
        assert_eq!(
            time_slip(2880.0, 121.0).unwrap().text,
            "×24 on the time? hours converted from days twice (2880 h for 120 h?)"
        );
        assert!(
            time_slip(11.95, 119.5)
                .unwrap()
                .text
                .starts_with("×1/10 on the time?")
        );
        assert!(time_slip(100.0, 100.0).is_none());
        assert!(time_slip(0.0, 10.0).is_none());
        // Times before the end of infusion are no slips of a reading time:
        // −2 against −48 has the ratio of days typed as hours (1/24), but
        // both must be > 0 for a time slip to be named.
        assert!(time_slip(-2.0, -48.0).is_none());
        // How closely days-as-hours matches: |ln(ratio · 24)|; 2 h where
        // 48 h is expected is exactly 1/24 (log error 0), 2 h where 48.5 h
        // is expected is off by ln(48.5/48) = 0.0103628.
        assert_eq!(time_slip(2.0, 48.0).unwrap().log_error, 0.0);
        let e = time_slip(2.0, 48.5).unwrap().log_error;
        assert!((e - 0.010_362_8).abs() < 1e-7, "{e}");
        assert!(time_slip(2.0, -48.0).is_none());
    }

    #[test]
    fn hints_of_the_parser_errors() {
        assert!(above_pre_void_hint(850.0).contains("decimal point"));
        assert!(above_pre_void_hint(499.0).contains("rows swapped"));
        assert!(above_pre_void_hint(500.0).contains("decimal point"));
        assert!(time_order_hint().contains("days typed as hours"));
        assert!(non_positive_net_hint().contains("decimal point"));
    }

    #[test]
    fn background_slips() {
        // 170.2 with a background of 12 (for 0.12): net 158.2 where 170.08
        // is expected; 170.2 − 12/100 = 170.08 exactly.
        let s = background_slip(170.2, 12.0, 170.08, 0.05).unwrap();
        assert_eq!(
            s.text,
            "×100 on the background? a slipped decimal point (background 12 for 0.12?)"
        );
        assert!(s.log_error < 1e-9);
        // Nothing fits: a background of 0 or an unexplained net.
        assert!(background_slip(170.2, 0.0, 170.08, 0.1).is_none());
        assert!(background_slip(100.0, 0.12, 170.0, 0.1).is_none());
        // A net value that already matches needs no explanation.
        assert!(background_slip(408.12, 0.12, 408.0, 0.1).is_none());
        // The tolerance is relative to the expected net reading.
        assert!(background_slip(170.2, 12.0, 170.08 * 1.099, 0.1).is_some());
        assert!(background_slip(170.2, 12.0, 170.08 * 1.12, 0.1).is_none());
    }

    #[test]
    fn a_background_slip_needs_a_positive_background_and_expected_net() {
        // Backgrounds are counts ≥ 0 (the readings parser refuses a negative
        // one): −10 is no "×10 on the background" even though
        // 100 − (−10)/10 = 101 would match the expected net exactly.
        assert!(background_slip(100.0, -10.0, 101.0, 0.05).is_none());
        // Nor is there a slip to name when the other readings expect no
        // positive net reading: 170.2 − 12/100 = 170.08 matches 170.08,
        // but not −170.08.
        assert!(background_slip(170.2, 12.0, 170.08, 0.05).is_some());
        assert!(background_slip(170.2, 12.0, -170.08, 0.05).is_none());
        // An expected net of exactly 0 neither: with it every ratio is
        // infinite or undefined, which even an unbounded tolerance must not
        // take for a match (120 − 120/10 = 108, 108/0 = ∞).
        assert!(background_slip(120.0, 120.0, 0.0, f64::INFINITY).is_none());
    }

    #[test]
    fn a_corrected_net_of_zero_is_no_background_slip() {
        // Tolerance 1 (twice a reading noise of 0.5, which the gate allows):
        // a ratio q of the corrected net to the expected one matches when
        // |q − 1| ≤ 1, which q = 0 does. But 1.2 − 120/100 = 0 is no reading
        // (a net reading must be > 0), so "×100 on the background" is not
        // named; the other factors give 1.2 − 120/1000 = 1.08, q = 2.16, and
        // negative nets, so nothing is.
        assert_eq!(1.2 - 120.0 / 100.0, 0.0);
        assert!(background_slip(1.2, 120.0, 0.5, 1.0).is_none());
        // With an expected net of 0.6, q = 1.08/0.6 = 1.8 names ×1000.
        assert!(
            background_slip(1.2, 120.0, 0.6, 1.0)
                .unwrap()
                .text
                .starts_with("×1000 on the background?")
        );
    }

    #[test]
    fn equally_close_background_slips_name_the_first_factor() {
        // Background 1000, raw 130, expected net 60, tolerance 1: ×10 gives
        // 130 − 100 = 30, q = 0.5; ×100 gives 130 − 10 = 120, q = 2; both
        // within |q − 1| ≤ 1 and equally far, |ln 0.5| = ln 2 (as doubles
        // too). ×1000 gives 129/60 = 2.15 (outside), ×1/10, ×1/100 and
        // ×1/1000 negative nets. The first in the order ×10, ×1/10, ×100, …
        // is named.
        assert_eq!(0.5f64.ln().abs(), 2f64.ln());
        let s = background_slip(130.0, 1000.0, 60.0, 1.0).unwrap();
        assert_eq!(
            s.text,
            "×10 on the background? a slipped decimal point (background 1000 for 100?)"
        );
        assert_eq!(s.log_error, 2f64.ln());
    }

    #[test]
    fn weight_hint_edges() {
        // Above 1000 "kg" a weight in grams; above 150 kg (the protocol's
        // largest weight, WEIGHT_RANGE_KG) pounds or a slipped decimal
        // point; each edge belongs to the range below it.
        // 1000 lb × 0.45359237 = 453.59 kg.
        assert_eq!(
            weight_hint(1000.0),
            "a weight in pounds (1000 lb = 453.6 kg) or a slipped decimal point (100 kg)?"
        );
        assert_eq!(weight_hint(1001.0), "a weight in grams? 1001 g = 1.001 kg");
        assert_eq!(
            weight_hint(150.0),
            "a slipped decimal point (1500 kg)? the mass is in kg"
        );
        // 151 lb × 0.45359237 = 68.49 kg.
        assert_eq!(
            weight_hint(151.0),
            "a weight in pounds (151 lb = 68.49 kg) or a slipped decimal point (15.1 kg)?"
        );
    }

    #[test]
    fn weight_hints() {
        assert_eq!(weight_hint(20_000.0), "a weight in grams? 20000 g = 20 kg");
        assert!(weight_hint(200.0).contains("90.72 kg") && weight_hint(200.0).contains("(20 kg)"));
        assert_eq!(
            weight_hint(1.8),
            "a slipped decimal point (18 kg)? the mass is in kg"
        );
        assert!(weight_change_hint(2.2046).contains("infusion 2 in pounds"));
        assert!(weight_change_hint(0.4536).contains("infusion 1 in pounds"));
        assert!(weight_change_hint(10.0).contains("decimal point"));
        assert!(weight_change_hint(0.1).contains("decimal point"));
        assert_eq!(weight_change_hint(1.5), "a typing error?");
        // Pounds band edges: 2.2046/1.25 = 1.764, 2.2046 × 1.25 = 2.756.
        assert!(weight_change_hint(1.77).contains("pounds"));
        assert!(!weight_change_hint(1.75).contains("pounds"));
        assert!(weight_change_hint(2.75).contains("pounds"));
        assert!(!weight_change_hint(2.77).contains("pounds"));
    }

    #[test]
    fn values_print_as_typed() {
        assert_eq!(fmt_value(210.0), "210");
        assert_eq!(fmt_value(2.1), "2.1");
        assert_eq!(fmt_value(119.5), "119.5");
        assert_eq!(fmt_value(0.0), "0");
    }
}
