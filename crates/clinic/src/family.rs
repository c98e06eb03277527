//! The clinical act "tell the family, for each way of being together with
//! the child, until when it must be restricted" (issue 14): restriction
//! periods of every contact pattern over the whole course
//! ([`mibg_radprot::restrict_pattern`]), dated at the real clock times of
//! the infusions, and the plain-language discharge sheet
//! ([`family_sheet_text`]). Composes `mibg-radprot`; holds no rule.
//!
//! Times: the infusion ends are given with their UTC offset; daily
//! patterns are placed at the clock times of that offset and every date on
//! the sheet is printed with it. A daylight-saving change during the
//! restriction is not applied (the printed offset shows which clock is
//! meant). Resumption times on the sheet are rounded **up** to the minute.

use crate::dosimetry::DosimetryError;
use mibg_protocol::Protocol;
/// The choices of the family section, for front ends.
pub use mibg_radprot::{BudgetSplit, DistanceLaw, FamilyPattern};
use mibg_radprot::{
    CourseOptions, InfusionPeriod, PatternRestriction, ReleaseRule, RetentionCurve, Schedule,
};
use mibg_units::{Activity, DoseRate, Hours};
use serde::Serialize;

/// The family part of the options.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FamilyOptions {
    /// The contact patterns (the standard set or a centre's file).
    pub patterns: Vec<FamilyPattern>,
    /// Where they come from (file label).
    pub patterns_source: String,
    /// End of infusion 1 (t = 0 of its curve), with its UTC offset.
    pub infusion1_end: jiff::Zoned,
    /// End of infusion 2 (default: infusion 1 + the protocol's nominal
    /// interval, same clock time).
    pub infusion2_end: Option<jiff::Zoned>,
    /// Treatment courses per year (a per-year constraint is divided by it).
    pub courses_per_year: u32,
    /// How the constraint is shared between the infusions.
    pub split: BudgetSplit,
}

/// One infusion of the course as the family sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FamilyInfusion {
    /// 1 or 2.
    pub infusion: usize,
    /// End of the infusion (local time with offset).
    pub end: String,
    /// Activity given (or planned).
    #[serde(rename = "activity_mbq")]
    pub activity: Activity,
    /// The same in mCi.
    pub activity_mci: f64,
    /// Whether the curve is measured or assumed.
    pub curve: String,
    /// Dose rate at 1 m at the end of the infusion of its activity alone.
    #[serde(rename = "initial_dose_rate_usv_h_at_1m")]
    pub initial_dose_rate: DoseRate,
    /// How it was obtained.
    pub initial_dose_rate_method: String,
    /// When the protocol's release rule is first met (h after the end).
    #[serde(rename = "discharge_h")]
    pub discharge: Option<Hours>,
    /// The same as a date.
    pub discharge_at: Option<String>,
}

/// Dose of one infusion's period against the delay of resumption.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DelayCurve {
    /// 1 or 2.
    pub infusion: usize,
    /// The budget of the period, mSv.
    pub budget_msv: f64,
    /// (delay h after the end of the infusion, dose mSv).
    pub points: Vec<[f64; 2]>,
}

/// One pattern over the course.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FamilyPatternResult {
    /// Restriction periods, doses, constraint, law.
    #[serde(flatten)]
    pub restriction: PatternRestriction,
    /// Per infusion: when the pattern may resume, as a date (rounded up to
    /// the minute); `None` when not within the search horizon.
    pub resume_at: Vec<Option<String>>,
    /// Per infusion: the instruction in plain language.
    pub instructions: Vec<String>,
    /// Dose against delay, per infusion (for the plot).
    pub dose_against_delay: Vec<DelayCurve>,
}

/// The family section of a course.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FamilyReport {
    /// The patterns' file.
    pub patterns_source: String,
    /// The distance law used for every pattern.
    pub distance_law: DistanceLaw,
    /// Its source.
    pub distance_law_source: String,
    /// Courses per year.
    pub courses_per_year: u32,
    /// Sharing of each constraint between the infusions.
    pub budget_split: BudgetSplit,
    /// The infusions.
    pub infusions: Vec<FamilyInfusion>,
    /// Every pattern.
    pub patterns: Vec<FamilyPatternResult>,
    /// Dose rate at 1 m, (h after the end of infusion 1, µSv/h), both
    /// infusions on one time axis.
    pub dose_rate_at_1m: Vec<[f64; 2]>,
    /// The protocol's release threshold.
    #[serde(rename = "release_threshold_usv_h")]
    pub release_threshold: DoseRate,
    /// The protocol's stem-cell-return threshold.
    #[serde(rename = "stem_cell_return_threshold_usv_h")]
    pub stem_cell_return_threshold: DoseRate,
    /// Warnings of this section.
    pub warnings: Vec<String>,
}

/// The exposure after one infusion, as composed by the dosimetry act.
pub(crate) struct PeriodInput<'a> {
    pub curve: &'a dyn RetentionCurve,
    pub initial: DoseRate,
    pub method: String,
    pub activity: Activity,
    pub curve_text: String,
}

/// Clock hours after midnight of a zoned time.
fn clock_hours(z: &jiff::Zoned) -> f64 {
    let t = z.time();
    f64::from(t.hour())
        + f64::from(t.minute()) / 60.0
        + (f64::from(t.second()) + f64::from(t.subsec_nanosecond()) * 1e-9) / 3600.0
}

/// `z` + `h` hours, rounded up to the whole minute of the clock.
fn at(z: &jiff::Zoned, h: Hours) -> Result<jiff::Zoned, DosimetryError> {
    let secs = (h.hours() * 3600.0).ceil();
    let t = z
        .checked_add(jiff::SignedDuration::from_secs(secs as i64))
        .map_err(|e| opt("family time", h.hours(), e.to_string()))?;
    // Off the minute (a second or a fraction past it): on to the next one.
    let t = if t.second() == 0 && t.subsec_nanosecond() == 0 {
        t
    } else {
        t.checked_add(jiff::SignedDuration::from_secs(60 - i64::from(t.second())))
            .and_then(|t| t.with().subsec_nanosecond(0).build())
            .map_err(|e| opt("family time", h.hours(), e.to_string()))?
    };
    Ok(t)
}

fn opt(option: &'static str, value: f64, rule: String) -> DosimetryError {
    DosimetryError::Option {
        option,
        value,
        rule,
    }
}

/// A date as printed on the sheet: `Wed 4 Mar 2026 22:00 (+01:00)`.
pub fn show(z: &jiff::Zoned) -> String {
    z.strftime("%a %-d %b %Y %H:%M (%:z)").to_string()
}

/// Assesses every pattern over the course of `periods` (infusion 1, then
/// infusion 2 if planned or given).
pub(crate) fn assess_family(
    periods: &[PeriodInput<'_>],
    protocol: &Protocol,
    law: DistanceLaw,
    o: &FamilyOptions,
) -> Result<FamilyReport, DosimetryError> {
    if o.courses_per_year == 0 {
        return Err(opt("courses per year", 0.0, "must be >= 1".into()));
    }
    if o.patterns.is_empty() {
        return Err(opt("contact patterns", 0.0, "need at least one".into()));
    }
    // The ends of the infusions.
    let mut ends = vec![o.infusion1_end.clone()];
    if periods.len() > 1 {
        let e2 = match &o.infusion2_end {
            Some(e) => e.clone(),
            None => o
                .infusion1_end
                .checked_add(
                    jiff::Span::new().days(i64::from(protocol.infusion2.interval_nominal_days)),
                )
                .map_err(|e| opt("infusion 2 end", 0.0, e.to_string()))?,
        };
        ends.push(e2);
    }
    let gaps: Vec<f64> = ends
        .windows(2)
        .map(|w| {
            w[1].timestamp()
                .duration_since(w[0].timestamp())
                .as_secs_f64()
                / 3600.0
        })
        .collect();
    if let Some(&g) = gaps.first()
        && g <= 0.0
    {
        return Err(opt(
            "end of infusion 2 (h after infusion 1)",
            g,
            "must be after the end of infusion 1".into(),
        ));
    }
    let course: Vec<InfusionPeriod<'_>> = periods
        .iter()
        .enumerate()
        .map(|(i, p)| InfusionPeriod {
            curve: p.curve,
            initial_at_1m: p.initial,
            activity: p.activity,
            clock_at_start: Hours::new(clock_hours(&ends[i])),
            next_infusion: gaps.get(i).map(|&g| Hours::new(g)),
        })
        .collect();
    let options = CourseOptions {
        law,
        courses_per_year: o.courses_per_year,
        split: o.split,
    };
    let rp = &protocol.radiation_protection;
    let mut infusions = Vec::new();
    for (i, p) in periods.iter().enumerate() {
        let release = mibg_radprot::release_time(
            p.curve,
            p.initial,
            p.activity,
            &ReleaseRule {
                dose_rate_at_1m: rp.patient_release_at_1m,
                max_retained: rp.patient_release_max_retained,
            },
            mibg_radprot::RELEASE_HORIZON,
        )?;
        infusions.push(FamilyInfusion {
            infusion: i + 1,
            end: show(&ends[i]),
            activity: p.activity,
            activity_mci: p.activity.mci(),
            curve: p.curve_text.clone(),
            initial_dose_rate: p.initial,
            initial_dose_rate_method: p.method.clone(),
            discharge: release.time,
            discharge_at: release
                .time
                .map(|t| at(&ends[i], t))
                .transpose()?
                .map(|z| show(&z)),
        });
    }
    let mut warnings = Vec::new();
    let mut results = Vec::new();
    for given in &o.patterns {
        let pattern = &capped(given, protocol, &mut warnings);
        let r = mibg_radprot::restrict_pattern(&course, pattern, &options)?;
        warnings.extend(r.warnings.iter().map(|w| format!("{}: {w}", pattern.id)));
        let mut resume_at = Vec::new();
        let mut instructions = Vec::new();
        let mut curves = Vec::new();
        for (i, pr) in r.infusions.iter().enumerate() {
            let when = pr.resume_at.map(|t| at(&ends[i], t)).transpose()?;
            instructions.push(instruction(pattern, pr, &infusions[i], when.as_ref()));
            resume_at.push(when.as_ref().map(show));
            let upper = course[i]
                .next_infusion
                .map_or(mibg_radprot::family::SEARCH_HORIZON.hours(), |h| h.hours());
            let span = pr
                .resume_at
                .map_or(upper, |t| (2.0 * t.hours()).max(48.0))
                .min(upper);
            let delays: Vec<Hours> = (0..=60)
                .map(|k| Hours::new(span * f64::from(k) / 60.0))
                .collect();
            let pts = mibg_radprot::dose_against_delay(&course[i], pattern, law, &delays)?;
            curves.push(DelayCurve {
                infusion: i + 1,
                budget_msv: pr.budget.msv(),
                points: pts.iter().map(|(d, e)| [d.hours(), e.msv()]).collect(),
            });
        }
        results.push(FamilyPatternResult {
            restriction: r,
            resume_at,
            instructions,
            dose_against_delay: curves,
        });
    }
    // Dose rate at 1 m over the course: every 2 h to 21 days after the last.
    let last = gaps.iter().sum::<f64>();
    let mut rate = Vec::new();
    let mut t = 0.0;
    while t <= last + 21.0 * 24.0 {
        let i = if periods.len() > 1 && t >= last { 1 } else { 0 };
        let local = if i == 1 { t - last } else { t };
        let r =
            mibg_radprot::dose_rate_at_1m(periods[i].curve, periods[i].initial, Hours::new(local))?;
        rate.push([t, r.usv_per_h()]);
        t += 2.0;
    }
    Ok(FamilyReport {
        patterns_source: o.patterns_source.clone(),
        distance_law: law,
        distance_law_source: law.source().into(),
        courses_per_year: o.courses_per_year,
        budget_split: o.split,
        infusions,
        patterns: results,
        dose_rate_at_1m: rate,
        release_threshold: rp.patient_release_at_1m,
        stem_cell_return_threshold: rp.stem_cell_return_at_1m,
        warnings,
    })
}

/// The protocol's constraints are upper bounds on the patterns' limits: a
/// per-episode limit above `radiation_protection.caregiver_constraint_msv`,
/// or a per-year limit above `public_constraint_msv`, is lowered to it (the
/// stricter applies) and a warning names both.
fn capped(p: &FamilyPattern, protocol: &Protocol, warnings: &mut Vec<String>) -> FamilyPattern {
    let rp = &protocol.radiation_protection;
    let (cap, key) = match p.constraint.per {
        mibg_radprot::ConstraintPeriod::Episode => {
            (rp.caregiver_constraint, "caregiver_constraint_msv")
        }
        _ => (rp.public_constraint, "public_constraint_msv"),
    };
    let mut p = p.clone();
    if p.constraint.limit > cap {
        warnings.push(format!(
            "{}: the pattern's limit {} mSv is above the protocol's {key} = {} mSv; the protocol's applies",
            p.id,
            p.constraint.limit.msv(),
            cap.msv()
        ));
        p.constraint.source = format!(
            "protocol radiation_protection.{key} = {} mSv (stricter than the pattern's {} mSv: {})",
            cap.msv(),
            p.constraint.limit.msv(),
            p.constraint.source
        );
        p.constraint.limit = cap;
    }
    p
}

/// The plain-language instruction of one pattern after one infusion.
fn instruction(
    pattern: &FamilyPattern,
    pr: &mibg_radprot::PeriodRestriction,
    inf: &FamilyInfusion,
    when: Option<&jiff::Zoned>,
) -> String {
    let after = format!("After infusion {}", inf.infusion);
    let what = &pattern.activity;
    match (pr.resume_at, when) {
        (None, _) | (_, None) => format!(
            "{after}: do not {what} for at least {} days; ask the radiation protection officer before you do.",
            mibg_radprot::family::SEARCH_HORIZON.days()
        ),
        (Some(_), _) if pr.not_before_next_infusion => {
            format!(
                "{after}: do not {what} at all until infusion {}.",
                inf.infusion + 1
            )
        }
        (Some(t), Some(_)) if t.hours() == 0.0 => {
            format!("{after}: no restriction: you may {what}.")
        }
        (Some(t), Some(z)) => match inf.discharge {
            Some(d) if t <= d => format!(
                "{after}: no restriction once the child is home (this contact is allowed from {}, before discharge).",
                show(z)
            ),
            _ => {
                let hours = t.hours();
                format!(
                    "{after}: until {}, do not {what}. From then on you may{}. ({:.0} h after the end of the infusion.)",
                    show(z),
                    if matches!(pattern.schedule, Schedule::Daily(_)) {
                        " do it again as usual"
                    } else {
                        " make it"
                    },
                    hours
                )
            }
        },
    }
}

/// The discharge instruction sheet for the family, as plain text: per
/// pattern, who it is about, the instruction after each infusion, the
/// person's dose with and without the restriction against the constraint;
/// the distance law and the sources at the end.
pub fn family_sheet_text(r: &FamilyReport) -> String {
    let mut s = String::new();
    s.push_str("Radiation protection at home: instructions for the family\n");
    for inf in &r.infusions {
        s.push_str(&format!(
            "  infusion {}: ended {}, {:.0} MBq ({:.1} mCi){}\n",
            inf.infusion,
            inf.end,
            inf.activity.mbq(),
            inf.activity_mci,
            inf.discharge_at
                .as_ref()
                .map(|d| format!("; discharge allowed from {d}"))
                .unwrap_or_default()
        ));
    }
    for p in &r.patterns {
        let c = &p.restriction.pattern.constraint;
        s.push_str(&format!(
            "\n{} [{}]\n",
            p.restriction.pattern.name, p.restriction.pattern.id
        ));
        for line in &p.instructions {
            s.push_str(&format!("  {line}\n"));
        }
        s.push_str(&format!(
            "  Dose to this person over the course: {:.2} mSv with these restrictions, {:.2} mSv without any; limit {:.2} mSv ({} mSv per {}{}).\n",
            p.restriction.course_dose.msv(),
            p.restriction.course_dose_unrestricted.msv(),
            p.restriction.course_limit.msv(),
            c.limit.msv(),
            match c.per {
                mibg_radprot::ConstraintPeriod::Episode => "episode",
                _ => "year",
            },
            if matches!(c.per, mibg_radprot::ConstraintPeriod::Year) && r.courses_per_year > 1 {
                format!(", {} courses per year", r.courses_per_year)
            } else {
                String::new()
            }
        ));
    }
    s.push_str(&format!(
        "\nDistance law: {} ({}).\nPatterns: {}. Budget shared between the infusions: {}.\n",
        r.distance_law.describe(),
        r.distance_law_source,
        r.patterns_source,
        match r.budget_split {
            BudgetSplit::Equal => "equal shares, unused part carried to the next infusion",
            _ => "in proportion to the activities, unused part carried to the next infusion",
        }
    ));
    for w in &r.warnings {
        s.push_str(&format!("warning: {w}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use mibg_radprot::{ConstraintPeriod, ExponentialSum, PatternConstraint, PatternElement};
    use mibg_units::EquivalentDose;

    fn zoned(s: &str) -> jiff::Zoned {
        let ts: jiff::Timestamp = s.parse().unwrap();
        ts.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(1)))
    }

    fn daily(
        id: &str,
        at: f64,
        hours: f64,
        d: f64,
        limit: f64,
        per: ConstraintPeriod,
    ) -> FamilyPattern {
        FamilyPattern {
            id: id.into(),
            name: format!("name {id}"),
            activity: format!("do {id}"),
            schedule: Schedule::Daily(vec![PatternElement {
                start: Hours::new(at),
                duration: Hours::new(hours),
                distance: mibg_units::Length::from_m(d),
            }]),
            constraint: PatternConstraint {
                limit: EquivalentDose::from_msv(limit),
                per,
                source: "test".into(),
            },
            source: "test".into(),
        }
    }

    /// Infusion `n` with initial rate `usv_h` at 1 m and activity `mbq`.
    fn period(c: &ExponentialSum, n: u32, usv_h: f64, mbq: f64) -> PeriodInput<'_> {
        PeriodInput {
            curve: c,
            initial: DoseRate::from_usv_per_h(usv_h),
            method: format!("m{n}"),
            activity: Activity::from_mbq(mbq),
            curve_text: format!("c{n}"),
        }
    }

    /// The options of the tests: infusion 1 ending 2026-03-02 14:30
    /// (+01:00), infusion 2 at the protocol's interval, one course a year,
    /// equal shares.
    fn options(patterns: Vec<FamilyPattern>) -> FamilyOptions {
        FamilyOptions {
            patterns,
            patterns_source: "test.toml".into(),
            infusion1_end: zoned("2026-03-02T13:30:00Z"),
            infusion2_end: None,
            courses_per_year: 1,
            split: BudgetSplit::Equal,
        }
    }

    #[test]
    fn times_round_up_to_the_minute_and_print_with_the_offset() {
        let z = zoned("2026-03-02T13:30:00Z"); // 14:30 at +01:00
        assert_eq!(clock_hours(&z), 14.5);
        assert_eq!(show(&z), "Mon 2 Mar 2026 14:30 (+01:00)");
        // 1 h 0.5 s later → 15:31, never 15:30.
        let t = at(&z, Hours::new(1.0 + 0.5 / 3600.0)).unwrap();
        assert_eq!(show(&t), "Mon 2 Mar 2026 15:31 (+01:00)");
        assert_eq!(t.second(), 0);
        // Exactly on the minute stays.
        let t = at(&z, Hours::new(2.0)).unwrap();
        assert_eq!(show(&t), "Mon 2 Mar 2026 16:30 (+01:00)");
        // Half a second past the minute is past it: 14:31, not 14:30 (the
        // sheet's times are when contact may resume: never early).
        let z3 = zoned("2026-03-02T13:30:00.5Z");
        assert_eq!(
            show(&at(&z3, Hours::ZERO).unwrap()),
            "Mon 2 Mar 2026 14:31 (+01:00)"
        );
        assert_eq!(at(&z3, Hours::ZERO).unwrap().subsec_nanosecond(), 0);
        // 59.5 s past: the next minute, not two on.
        let z4 = zoned("2026-03-02T13:30:59.5Z");
        assert_eq!(
            show(&at(&z4, Hours::ZERO).unwrap()),
            "Mon 2 Mar 2026 14:31 (+01:00)"
        );
        // Clock hours count minutes, seconds and their fraction:
        // 14 + 30/60 + 20.5/3600 h.
        let z5 = zoned("2026-03-02T13:30:20.5Z");
        assert!((clock_hours(&z5) - (14.5 + 20.5 / 3600.0)).abs() < 1e-12);
        assert!((clock_hours(&zoned("2026-03-02T12:45:00Z")) - 13.75).abs() < 1e-12);
        let z2 = zoned("2026-03-02T13:30:20Z");
        assert!((clock_hours(&z2) - (14.5 + 20.0 / 3600.0)).abs() < 1e-12);
        assert_eq!(
            show(&at(&z2, Hours::ZERO).unwrap()),
            "Mon 2 Mar 2026 14:31 (+01:00)"
        );
    }

    /// The protocol's constraints cap a pattern's limit: per episode the
    /// caregiver constraint (seed 5 mSv), per year the public one (seed
    /// 1 mSv). At the cap nothing changes; above it the protocol's applies,
    /// warned and named in the source.
    #[test]
    fn the_protocols_constraints_cap_a_patterns_limit() {
        let protocol = Protocol::seed();
        let mut w = Vec::new();
        let at_cap = capped(
            &daily("a", 22.0, 9.0, 0.3, 5.0, ConstraintPeriod::Episode),
            &protocol,
            &mut w,
        );
        assert_eq!(at_cap.constraint.limit.msv(), 5.0);
        assert_eq!(at_cap.constraint.source, "test");
        assert!(w.is_empty(), "{w:?}");
        let over = capped(
            &daily("b", 22.0, 9.0, 0.3, 6.0, ConstraintPeriod::Episode),
            &protocol,
            &mut w,
        );
        assert_eq!(over.constraint.limit.msv(), 5.0);
        assert_eq!(
            w,
            [
                "b: the pattern's limit 6 mSv is above the protocol's caregiver_constraint_msv = 5 mSv; the protocol's applies"
            ]
        );
        assert_eq!(
            over.constraint.source,
            "protocol radiation_protection.caregiver_constraint_msv = 5 mSv (stricter than the pattern's 6 mSv: test)"
        );
        let yearly = capped(
            &daily("c", 22.0, 9.0, 0.3, 1.5, ConstraintPeriod::Year),
            &protocol,
            &mut w,
        );
        assert_eq!(yearly.constraint.limit.msv(), 1.0);
        assert!(w[1].contains("public_constraint_msv = 1 mSv"), "{w:?}");
    }

    /// One infusion: no second one is assumed (its end is not computed,
    /// nothing bounds the first), and the dose-rate curve runs every 2 h to
    /// 21 days after it: 0, 2, …, 504 h, 253 points; with a 42 h half-life
    /// the rate at 504 h = 12 half-lives is 100 µSv/h × 2⁻¹² = 0.0244… µSv/h.
    #[test]
    fn a_course_of_one_infusion_assumes_no_second() {
        let protocol = Protocol::seed();
        let c = ExponentialSum::mono(Hours::new(42.0)).unwrap();
        let periods = [period(&c, 1, 100.0, 8000.0)];
        let o = options(vec![daily(
            "bed",
            22.0,
            9.0,
            0.3,
            5.0,
            ConstraintPeriod::Episode,
        )]);
        let r = assess_family(&periods, &protocol, DistanceLaw::CormackShearer, &o).unwrap();
        assert_eq!(r.infusions.len(), 1);
        assert_eq!(r.dose_rate_at_1m.len(), 253);
        let last = r.dose_rate_at_1m[252];
        assert_eq!(last[0], 504.0);
        assert!((last[1] - 100.0 / 4096.0).abs() < 1e-12, "{}", last[1]);
    }

    #[test]
    fn a_course_of_two_infusions_gives_dated_instructions() {
        let protocol = Protocol::seed();
        let c = ExponentialSum::mono(Hours::new(42.0)).unwrap();
        let periods = [period(&c, 1, 100.0, 8000.0), period(&c, 2, 200.0, 4000.0)];
        let o = options(vec![
            daily("bed", 22.0, 9.0, 0.3, 5.0, ConstraintPeriod::Episode),
            daily("tiny", 12.0, 0.25, 3.0, 5.0, ConstraintPeriod::Episode),
            daily("never", 0.0, 24.0, 0.1, 1e-15, ConstraintPeriod::Year),
        ]);
        let r = assess_family(&periods, &protocol, DistanceLaw::CormackShearer, &o).unwrap();
        // Infusion 2 defaults to the protocol's interval (14 days), same clock.
        assert_eq!(r.infusions[1].end, "Mon 16 Mar 2026 14:30 (+01:00)");
        assert_eq!(r.infusions.len(), 2);
        assert!(r.infusions[0].discharge.is_some());
        let bed = &r.patterns[0];
        assert!(
            bed.instructions[0].starts_with("After infusion 1: until "),
            "{}",
            bed.instructions[0]
        );
        assert!(bed.instructions[0].contains("do not do bed"));
        // The sheet's date is the resumption, rounded up to the minute.
        let t = bed.restriction.infusions[0].resume_at.unwrap();
        assert_eq!(
            bed.resume_at[0].as_deref(),
            Some(show(&at(&o.infusion1_end, t).unwrap()).as_str())
        );
        // Resumption at a whole clock hour of the night block, 22:00-07:00.
        let h = (t.hours() + 14.5) % 24.0;
        assert!(h.fract() == 0.0 && !(7.0..22.0).contains(&h), "{h}");
        assert!(bed.restriction.course_dose <= EquivalentDose::from_msv(5.0));
        // A quarter of an hour at 3 m: no restriction at all.
        assert_eq!(
            r.patterns[1].instructions[0],
            "After infusion 1: no restriction: you may do tiny."
        );
        // 1e-15 mSv at 0.1 m for 24 h: not within 90 days.
        assert!(
            r.patterns[2].instructions[1].contains("for at least 90 days"),
            "{}",
            r.patterns[2].instructions[1]
        );
        assert!(r.warnings.iter().any(|w| w.starts_with("never: ")));
        // "bed" asks for 5 mSv per episode, the seed protocol's own
        // caregiver constraint (protocols/seed.toml): at the cap, nothing
        // is lowered and nothing warned.
        assert!(
            !r.warnings
                .iter()
                .any(|w| w.starts_with("bed: the pattern's limit")),
            "{:?}",
            r.warnings
        );
        assert_eq!(bed.restriction.pattern.constraint.limit.msv(), 5.0);
        assert!(r.warnings.iter().any(|w| w.contains("below 0.3 m")));
        // Dose against delay: falls, per infusion, with the budget.
        let dc = &bed.dose_against_delay[0];
        assert_eq!(dc.points.len(), 61);
        // It spans twice the restriction (at least 48 h), within the 336 h
        // before infusion 2, in 60 equal steps.
        let t1 = t.hours();
        assert!(2.0 * t1 > 48.0 && 2.0 * t1 < 336.0, "{t1}");
        assert!((dc.points[60][0] - 2.0 * t1).abs() < 1e-9);
        assert!((dc.points[1][0] - 2.0 * t1 / 60.0).abs() < 1e-9);
        assert_eq!(dc.infusion, 1);
        assert_eq!(bed.dose_against_delay[1].infusion, 2);
        assert!(dc.points[0][1] > dc.points[60][1]);
        assert_eq!(dc.budget_msv, 2.5);
        // The dose-rate curve: 2-hourly on one axis over both infusions.
        assert_eq!(r.dose_rate_at_1m[0], [0.0, 100.0]);
        // Every 2 h from 0 to 21 days after infusion 2 (336 + 504 h): 421
        // points.
        assert_eq!(r.dose_rate_at_1m.len(), 421);
        assert_eq!(r.dose_rate_at_1m[420][0], 840.0);
        let after2 = r.dose_rate_at_1m.iter().find(|p| p[0] == 336.0).unwrap();
        assert!((after2[1] - 200.0).abs() < 1e-9);
        let text = family_sheet_text(&r);
        for want in [
            "instructions for the family",
            "name bed [bed]",
            "Dose to this person over the course",
            "Distance law: Cormack & Shearer",
            "Patterns: test.toml",
            "equal shares",
            "warning: never: ",
        ] {
            assert!(text.contains(want), "{want}\n{text}");
        }
        // Errors: no courses, no patterns, infusion 2 before infusion 1.
        let bad = |f: &dyn Fn(&mut FamilyOptions)| {
            let mut o2 = o.clone();
            f(&mut o2);
            assess_family(&periods, &protocol, DistanceLaw::CormackShearer, &o2).unwrap_err()
        };
        assert!(
            bad(&|o| o.courses_per_year = 0)
                .to_string()
                .contains("courses per year")
        );
        assert!(
            bad(&|o| o.patterns.clear())
                .to_string()
                .contains("need at least one")
        );
        let e = bad(&|o| o.infusion2_end = Some(zoned("2026-03-01T13:30:00Z")));
        assert!(
            e.to_string()
                .contains("must be after the end of infusion 1"),
            "{e}"
        );
        // The protocol's constraints cap the patterns' limits: a 10 mSv
        // per-episode pattern is held to the protocol's 5 mSv.
        let mut o4 = o.clone();
        o4.patterns = vec![
            daily("loose", 22.0, 9.0, 0.3, 10.0, ConstraintPeriod::Episode),
            daily("loose-year", 22.0, 9.0, 0.3, 3.0, ConstraintPeriod::Year),
        ];
        let r4 = assess_family(&periods, &protocol, DistanceLaw::CormackShearer, &o4).unwrap();
        assert_eq!(r4.patterns[0].restriction.course_limit.msv(), 5.0);
        assert_eq!(r4.patterns[1].restriction.course_limit.msv(), 1.0);
        assert!(
            r4.patterns[0]
                .restriction
                .pattern
                .constraint
                .source
                .starts_with("protocol radiation_protection.caregiver_constraint_msv = 5 mSv")
        );
        assert!(r4.warnings.iter().any(|w| w == "loose-year: the pattern's limit 3 mSv is above the protocol's public_constraint_msv = 1 mSv; the protocol's applies"), "{:?}", r4.warnings);
        // A stricter pattern keeps its own limit (0.5 < 1).
        o4.patterns = vec![daily("strict", 22.0, 9.0, 0.3, 0.5, ConstraintPeriod::Year)];
        let r5 = assess_family(&periods, &protocol, DistanceLaw::CormackShearer, &o4).unwrap();
        assert_eq!(r5.patterns[0].restriction.course_limit.msv(), 0.5);
        assert!(r5.warnings.is_empty());
        // Proportional split and several courses a year are recorded.
        let mut o3 = o.clone();
        o3.split = BudgetSplit::ProportionalToActivity;
        o3.courses_per_year = 2;
        let r3 = assess_family(&periods, &protocol, DistanceLaw::InverseSquare, &o3).unwrap();
        assert_eq!(r3.distance_law, DistanceLaw::InverseSquare);
        let t3 = family_sheet_text(&r3);
        assert!(t3.contains("in proportion to the activities"));
        assert!(t3.contains("2 courses per year"));
        assert!(
            (r3.patterns[0].restriction.infusions[0].budget.msv() - 5.0 * 2.0 / 3.0).abs() < 1e-12
        );
    }

    #[test]
    fn instruction_wording() {
        let p = daily("x", 8.0, 1.0, 1.0, 1.0, ConstraintPeriod::Year);
        let inf = FamilyInfusion {
            infusion: 1,
            end: String::new(),
            activity: Activity::from_mbq(1.0),
            activity_mci: 0.0,
            curve: String::new(),
            initial_dose_rate: DoseRate::from_usv_per_h(1.0),
            initial_dose_rate_method: String::new(),
            discharge: Some(Hours::new(50.0)),
            discharge_at: None,
        };
        let z = zoned("2026-03-02T13:30:00Z");
        let pr = |resume: Option<f64>, never: bool| mibg_radprot::PeriodRestriction {
            infusion: 1,
            budget: EquivalentDose::from_msv(1.0),
            restriction: resume.map(Hours::new),
            resume_at: resume.map(Hours::new),
            not_before_next_infusion: never,
            dose: EquivalentDose::ZERO,
            dose_unrestricted: EquivalentDose::ZERO,
        };
        let s = instruction(&p, &pr(Some(40.0), false), &inf, Some(&z));
        assert!(s.contains("no restriction once the child is home"), "{s}");
        let s = instruction(&p, &pr(Some(50.0), false), &inf, Some(&z));
        assert!(s.contains("no restriction once the child is home"), "{s}");
        let s = instruction(&p, &pr(Some(60.0), false), &inf, Some(&z));
        assert!(s.starts_with("After infusion 1: until Mon 2 Mar 2026 14:30 (+01:00), do not do x. From then on you may do it again as usual. (60 h"), "{s}");
        let s = instruction(&p, &pr(Some(60.0), true), &inf, Some(&z));
        assert_eq!(s, "After infusion 1: do not do x at all until infusion 2.");
        let s = instruction(&p, &pr(None, false), &inf, None);
        assert!(s.contains("for at least 90 days"));
        let mut once = p.clone();
        once.schedule = Schedule::OnceOff(vec![p.schedule.elements()[0]]);
        let s = instruction(&once, &pr(Some(60.0), false), &inf, Some(&z));
        assert!(s.contains("From then on you may make it."), "{s}");
        let mut no_discharge = inf.clone();
        no_discharge.discharge = None;
        let s = instruction(&p, &pr(Some(40.0), false), &no_discharge, Some(&z));
        assert!(s.starts_with("After infusion 1: until"), "{s}");
    }
}
