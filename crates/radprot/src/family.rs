//! Contact patterns of the family and restriction periods over a whole
//! course (issue 14; docs/reference/dosimetry.md §8.2–8.4).
//!
//! A **pattern** is how one person is together with the patient: either a
//! **daily** pattern of elements at clock times (e.g. 22:00–07:00 at 0.3 m,
//! sleeping beside the child), repeated every day, or a **one-off** contact
//! (e.g. a 24 h journey at 0.3 m) whose elements are offsets from its start.
//! Each pattern carries the constraint of the person it protects and its
//! source (Cormack & Shearer 1998; the SAMI patterns of glowgreen; national
//! guidance).
//!
//! The dose of a pattern resumed at `τ` (h after the end of an infusion) is
//!
//! ```text
//! D(τ) = Ḋ₁ₘ(0) · Σ_elements (1 m / d_j)^n · ∫_{occurrences of j after τ} R(t) dt
//! ```
//!
//! where n is the [`DistanceLaw`] exponent and R the retention of the
//! infusion, residual of an earlier infusion included (R(0) may exceed 1).
//! For a curve that is a sum of exponentials ([`RetentionCurve::exponential_terms`])
//! every integral is in closed form and the infinite daily repetition is a
//! geometric series (the method of Cormack & Shearer 1998, as in glowgreen
//! `ContactPatternRepeating.get_dose`); otherwise each occurrence is
//! integrated numerically for [`SEARCH_HORIZON`] and the rest is bounded
//! above by physical decay (clearance is never slower, docs/reference/dosimetry.md §4.2).
//!
//! **Course.** The person's total over the course is the sum over the
//! infusions ([`InfusionPeriod`]): the contact after infusion k runs from
//! its resumption τ_k to the next infusion (or for ever after the last);
//! the curve after infusion 2 carries the residual of infusion 1. The
//! constraint applies to that total: a per-episode constraint (carers,
//! 5 mSv) to the whole course, a per-year constraint (1 mSv) divided by the
//! number of courses per year. The budget is spent infusion by infusion
//! ([`BudgetSplit`]): infusion k receives its share of what is left, and
//! whatever infusion 1 did not use passes to infusion 2, so the total never
//! exceeds the constraint.
//!
//! **Restriction period.** The smallest τ_k with D_k(τ_k) ≤ budget_k
//! (D is non-increasing in τ for a non-increasing curve; bisection to
//! [`TIME_RESOLUTION`]). Partial elements count: resuming in the middle of
//! an element includes its remainder. For a daily pattern the time given to
//! the family ([`PeriodRestriction::resume_at`]) is the first start of an
//! element, or whole hour within an element, at or after τ_k, so that
//! "from then on" is a moment the contact actually starts (glowgreen's
//! `next_element`; a bus missed at 08:00 means waiting for the 17:00 one).
//!
//! Named differences from glowgreen 0.1.1 (validated side by side in
//! `tests/glowgreen.rs`): glowgreen steps the delay in whole hours and
//! leaves out the remainder of an element in progress (it shifts the delay
//! to the element's end), so its restriction can be up to 1 h longer; it
//! treats each administration on its own (per-episode constraints per
//! administration, per-year constraints divided by treatments per year),
//! where this module adds the infusions of a course; it accepts only mono-
//! and bi-exponential clearance and the 1.5-power law.

use crate::integrate::integrate;
use crate::rate::DistanceLaw;
use crate::{I131_HALF_LIFE, RadProtError, RetentionCurve, check_non_negative, eval};
use mibg_units::{Activity, DoseRate, EquivalentDose, Hours, Length};
use serde::{Deserialize, Serialize};

/// Longest restriction searched after the last infusion (90 days, 11.2
/// I-131 half-lives, as [`crate::RELEASE_HORIZON`]); also the explicit
/// integration span before the tail is summed or bounded.
pub const SEARCH_HORIZON: Hours = Hours::from_days(90.0);

/// Resolution of the restriction search (h): 1e-4 h = 0.36 s, far below
/// the minute the instruction sheet shows.
pub const TIME_RESOLUTION: Hours = Hours::new(1e-4);

/// One element of a pattern: `duration` at `distance`, starting at `start`
/// (daily: clock time, h after local midnight, in \[0, 24); one-off: h after
/// the start of the contact).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatternElement {
    /// Start (see the type documentation).
    #[serde(rename = "start_h")]
    pub start: Hours,
    /// Duration, > 0.
    #[serde(rename = "duration_h")]
    pub duration: Hours,
    /// Distance from the patient, ≥ 1 cm.
    #[serde(rename = "distance_cm")]
    pub distance: Length,
}

/// When a pattern happens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "elements")]
#[non_exhaustive]
pub enum Schedule {
    /// Repeated every day at the same clock times (an element may run past
    /// midnight: 22:00 for 9 h ends at 07:00).
    Daily(Vec<PatternElement>),
    /// Once, elements at offsets from the start of the contact.
    OnceOff(Vec<PatternElement>),
}

impl Schedule {
    /// The elements.
    pub fn elements(&self) -> &[PatternElement] {
        match self {
            Schedule::Daily(e) | Schedule::OnceOff(e) => e,
        }
    }
}

/// Over what a constraint is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConstraintPeriod {
    /// One treatment episode: the whole course (infusions 1 and 2).
    Episode,
    /// One year: divided by the number of courses per year.
    Year,
}

/// The dose constraint of the person a pattern protects.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatternConstraint {
    /// The limit.
    #[serde(rename = "limit_msv")]
    pub limit: EquivalentDose,
    /// Per episode or per year.
    pub per: ConstraintPeriod,
    /// Where the value comes from (guideline and status marker).
    pub source: String,
}

/// A contact pattern of one person with the patient.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FamilyPattern {
    /// Short identifier (`sleeping-beside`).
    pub id: String,
    /// Who and what, for the sheet ("Parent sleeping beside the child").
    pub name: String,
    /// The activity in plain language, completing "do not …"
    /// ("sleep in the same bed as the child").
    pub activity: String,
    /// When it happens.
    pub schedule: Schedule,
    /// The constraint of the person.
    pub constraint: PatternConstraint,
    /// Where the pattern comes from.
    pub source: String,
}

/// A pattern that breaks a rule: the element (0-based, `None` for the
/// pattern as a whole), the field and the rule.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("pattern '{pattern}'{}: {field} = {value}: {rule}", element.map(|e| format!(", element {}", e + 1)).unwrap_or_default())]
#[non_exhaustive]
pub struct PatternError {
    /// The pattern's id.
    pub pattern: String,
    /// The element (0-based), if the rule is about one.
    pub element: Option<usize>,
    /// The field, as named in a pattern file (`at`, `after_h`, `hours`,
    /// `distance_m`, `limit_msv`, `elements`, `id`).
    pub field: &'static str,
    /// The value, as written.
    pub value: String,
    /// The rule broken.
    pub rule: String,
}

impl FamilyPattern {
    /// Checks the pattern: an id, at least one element; starts finite, in
    /// \[0, 24) for a daily pattern and ≥ 0 for a one-off; durations > 0;
    /// distances ≥ 1 cm (below it no distance law means anything); a daily
    /// pattern's elements in clock order, not overlapping (also across
    /// midnight) and at most 24 h in total; one-off elements in order and
    /// not overlapping; a limit > 0.
    ///
    /// # Errors
    /// The first rule broken, naming the element and field.
    pub fn validate(&self) -> Result<(), PatternError> {
        let err = |element: Option<usize>, field, value: String, rule: &str| PatternError {
            pattern: self.id.clone(),
            element,
            field,
            value,
            rule: rule.into(),
        };
        if self.id.trim().is_empty() {
            return Err(err(None, "id", String::new(), "must not be empty"));
        }
        let lim = self.constraint.limit.msv();
        if !(lim.is_finite() && lim > 0.0) {
            return Err(err(
                None,
                "limit_msv",
                lim.to_string(),
                "must be a finite number > 0",
            ));
        }
        let els = self.schedule.elements();
        if els.is_empty() {
            return Err(err(
                None,
                "elements",
                "[]".into(),
                "need at least one element",
            ));
        }
        let daily = matches!(self.schedule, Schedule::Daily(_));
        let start_field = if daily { "at" } else { "after_h" };
        for (i, e) in els.iter().enumerate() {
            let s = e.start.hours();
            if !s.is_finite() || s < 0.0 || (daily && s >= 24.0) {
                let rule = if daily {
                    "a clock time must be in [0, 24) h after midnight"
                } else {
                    "must be a finite number >= 0 (h after the start of the contact)"
                };
                return Err(err(Some(i), start_field, s.to_string(), rule));
            }
            let c = e.duration.hours();
            if !(c.is_finite() && c > 0.0) || (daily && c > 24.0) {
                return Err(err(
                    Some(i),
                    "hours",
                    c.to_string(),
                    if daily {
                        "must be > 0 and <= 24 h"
                    } else {
                        "must be a finite number > 0"
                    },
                ));
            }
            let d = e.distance.cm();
            if !(d.is_finite() && d >= 1.0) {
                return Err(err(
                    Some(i),
                    "distance_m",
                    (d / 100.0).to_string(),
                    "must be >= 0.01 m",
                ));
            }
            if i > 0 {
                let p = els[i - 1];
                if s < p.start.hours() {
                    return Err(err(
                        Some(i),
                        start_field,
                        s.to_string(),
                        "elements must be in time order",
                    ));
                }
                if p.start.hours() + p.duration.hours() > s + 1e-9 {
                    return Err(err(
                        Some(i),
                        start_field,
                        s.to_string(),
                        "overlaps the previous element",
                    ));
                }
            }
        }
        if daily {
            // In clock order, not overlapping and not running into the first
            // element of the next day: at most 24 h in total.
            let last = els[els.len() - 1];
            if last.start.hours() + last.duration.hours() > els[0].start.hours() + 24.0 + 1e-9 {
                return Err(err(
                    Some(els.len() - 1),
                    "hours",
                    last.duration.hours().to_string(),
                    "runs past midnight into the first element of the next day",
                ));
            }
        }
        Ok(())
    }

    /// Hours per day of contact (daily) or in total (one-off).
    pub fn total_hours(&self) -> Hours {
        Hours::new(
            self.schedule
                .elements()
                .iter()
                .map(|e| e.duration.hours())
                .sum(),
        )
    }
}

/// How the constraint of a course is shared between its infusions. Each
/// infusion receives its share of what is left after the earlier ones; the
/// unused part passes on, so the total stays within the constraint either
/// way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BudgetSplit {
    /// Equal shares (1/2 of the constraint after infusion 1 of two): the
    /// default \[I\]; like glowgreen's division of a constraint over the
    /// treatments of a year.
    #[default]
    Equal,
    /// Shares proportional to the administered activities.
    ProportionalToActivity,
}

/// The exposure after one infusion of the course.
#[derive(Clone, Copy)]
pub struct InfusionPeriod<'a> {
    /// Retention after this infusion, t in h after its end, residual of an
    /// earlier infusion included (R(0) may exceed 1).
    pub curve: &'a dyn RetentionCurve,
    /// Dose rate at 1 m at t = 0 of this infusion's activity alone (the
    /// dose rate at t is this × R(t)).
    pub initial_at_1m: DoseRate,
    /// Activity of this infusion (for [`BudgetSplit::ProportionalToActivity`]).
    pub activity: Activity,
    /// Local clock time at t = 0, h after midnight, in \[0, 24).
    pub clock_at_start: Hours,
    /// When the next infusion starts (h after this one; contact with this
    /// period ends there); `None` after the last infusion.
    pub next_infusion: Option<Hours>,
}

/// Course-level options.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CourseOptions {
    /// Distance law.
    pub law: DistanceLaw,
    /// Treatment courses per year, ≥ 1: a per-year constraint is divided by
    /// it (glowgreen's `num_treatments_in_year`, counted in courses).
    pub courses_per_year: u32,
    /// Sharing of the constraint between the infusions.
    pub split: BudgetSplit,
}

impl Default for CourseOptions {
    fn default() -> Self {
        Self {
            law: DistanceLaw::default(),
            courses_per_year: 1,
            split: BudgetSplit::Equal,
        }
    }
}

/// The restriction after one infusion.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeriodRestriction {
    /// 1-based infusion number.
    pub infusion: usize,
    /// The dose this period may contribute.
    #[serde(rename = "budget_msv")]
    pub budget: EquivalentDose,
    /// Smallest delay after the end of the infusion meeting the budget
    /// (h); `None` when not met within [`SEARCH_HORIZON`].
    #[serde(rename = "restriction_h")]
    pub restriction: Option<Hours>,
    /// When the family may resume (h after the end of the infusion): the
    /// restriction, moved to the next element start (daily patterns).
    #[serde(rename = "resume_at_h")]
    pub resume_at: Option<Hours>,
    /// `true` when the pattern may not resume before the next infusion.
    pub not_before_next_infusion: bool,
    /// Dose of this period when resumed at `resume_at` (0 if never).
    #[serde(rename = "dose_msv")]
    pub dose: EquivalentDose,
    /// Dose of this period with no restriction at all (resumed at t = 0).
    #[serde(rename = "dose_unrestricted_msv")]
    pub dose_unrestricted: EquivalentDose,
}

/// The restriction of one pattern over a course.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PatternRestriction {
    /// The pattern.
    pub pattern: FamilyPattern,
    /// The distance law used.
    pub law: DistanceLaw,
    /// The constraint applied to the course total (the limit, divided by
    /// courses per year for a per-year constraint).
    #[serde(rename = "course_limit_msv")]
    pub course_limit: EquivalentDose,
    /// Per infusion.
    pub infusions: Vec<PeriodRestriction>,
    /// Total over the course with the restrictions.
    #[serde(rename = "course_dose_msv")]
    pub course_dose: EquivalentDose,
    /// Total over the course with no restriction.
    #[serde(rename = "course_dose_unrestricted_msv")]
    pub course_dose_unrestricted: EquivalentDose,
    /// Caveats (near-field distances, restriction not found).
    pub warnings: Vec<String>,
}

/// A pattern prepared for one law: elements with their distance factors.
struct Prepared {
    daily: bool,
    elements: Vec<(f64, f64, f64)>, // (start h, duration h, factor)
}

fn prepare(pattern: &FamilyPattern, law: DistanceLaw) -> Result<Prepared, RadProtError> {
    pattern.validate()?;
    let elements = pattern
        .schedule
        .elements()
        .iter()
        .map(|e| Ok((e.start.hours(), e.duration.hours(), law.factor(e.distance)?)))
        .collect::<Result<_, RadProtError>>()?;
    Ok(Prepared {
        daily: matches!(pattern.schedule, Schedule::Daily(_)),
        elements,
    })
}

/// ∫ R over [s, e] (closed form for exponential terms).
fn area(
    curve: &dyn RetentionCurve,
    terms: Option<&[(f64, f64)]>,
    s: f64,
    e: f64,
) -> Result<f64, RadProtError> {
    if e <= s {
        return Ok(0.0);
    }
    match terms {
        Some(terms) => Ok(terms
            .iter()
            .map(|&(a, l)| {
                if l == 0.0 {
                    a * (e - s)
                } else {
                    a / l * ((-l * s).exp() - (-l * e).exp())
                }
            })
            .sum()),
        None => {
            let f = |t: f64| eval(curve, Hours::new(t));
            // Absolute tolerance 1e-10 h per piece (R ≤ a few, pieces ≤ 24 h).
            integrate(&f, s, e, 1.0, 1e-10)
        }
    }
}

/// The dose (µSv) of a prepared pattern resumed at `resume` during `period`.
fn period_dose_usv(
    period: &InfusionPeriod<'_>,
    terms: Option<&[(f64, f64)]>,
    p: &Prepared,
    resume: f64,
) -> Result<f64, RadProtError> {
    let end = period.next_infusion.map_or(f64::INFINITY, |h| h.hours());
    if resume >= end {
        return Ok(0.0);
    }
    let mut sum = 0.0;
    if !p.daily {
        for &(theta, c, f) in &p.elements {
            let s = resume + theta;
            sum += f * area(period.curve, terms, s, s + c)?;
        }
        return Ok(period.initial_at_1m.usv_per_h() * sum);
    }
    let phi = period.clock_at_start.hours();
    // Occurrences starting before `explicit_end` are integrated one by one;
    // later ones (only with an open end) are summed as a geometric series.
    let explicit_end = end.min(resume + SEARCH_HORIZON.hours());
    let mut tail = 0.0;
    for &(h, c, f) in &p.elements {
        let offset = h - phi; // curve time of the occurrence on day 0
        let mut k = ((resume - offset - c) / 24.0).floor();
        loop {
            let s = offset + 24.0 * k;
            if s >= explicit_end {
                break;
            }
            let (lo, hi) = (s.max(resume), (s + c).min(end));
            sum += f * area(period.curve, terms, lo, hi)?;
            k += 1.0;
        }
        if end.is_infinite() {
            let s = offset + 24.0 * k; // first occurrence not integrated
            tail += f * geometric_tail(period.curve, terms, explicit_end, s, c)?;
        }
    }
    Ok(period.initial_at_1m.usv_per_h() * (sum + tail))
}

/// Σ_{m ≥ 0} ∫ R over [s + 24m, s + 24m + c]: exact for exponential terms;
/// otherwise bounded above by physical decay from `from` (≤ s).
fn geometric_tail(
    curve: &dyn RetentionCurve,
    terms: Option<&[(f64, f64)]>,
    from: f64,
    s: f64,
    c: f64,
) -> Result<f64, RadProtError> {
    let one = |a: f64, l: f64| -> f64 {
        if l <= 0.0 {
            f64::INFINITY
        } else {
            a / l * (-l * s).exp() * (1.0 - (-l * c).exp()) / (1.0 - (-l * 24.0).exp())
        }
    };
    match terms {
        Some(terms) => Ok(terms.iter().map(|&(a, l)| one(a, l)).sum()),
        None => {
            // R(t) ≤ R(from)·e^(−λ_phys (t − from)) for t ≥ from.
            let l = std::f64::consts::LN_2 / I131_HALF_LIFE.hours();
            let a = eval(curve, Hours::new(from))? * (l * from).exp();
            Ok(one(a, l))
        }
    }
}

/// The first element start, or whole hour inside an element, at or after
/// `tau` (curve time) of a daily pattern.
fn next_start(p: &Prepared, phi: f64, tau: f64) -> f64 {
    let mut best = f64::INFINITY;
    for &(h, c, _) in &p.elements {
        let offset = h - phi;
        let hours = c.ceil().max(1.0) as usize;
        for m in 0..hours {
            let base = offset + m as f64;
            let k = ((tau - base) / 24.0).ceil();
            let t = base + 24.0 * k;
            // k = ⌈(τ − base)/24⌉ gives t ≥ τ up to round-off, which
            // would put a start a hair below τ: that start is τ itself.
            let t = t.max(tau);
            best = best.min(t);
        }
    }
    best
}

/// The first moment at or after `after` (h after the end of an infusion
/// whose end was at clock time `clock_at_start`) at which a daily pattern's
/// element starts, or a whole hour inside an element passes; `after` itself
/// for a one-off pattern. This is how a restriction becomes the time given
/// to the family.
///
/// # Errors
/// [`RadProtError::InvalidPattern`] for an invalid pattern;
/// [`RadProtError::InvalidInput`] for a clock time outside \[0, 24) or a
/// negative `after`.
pub fn next_element_start(
    pattern: &FamilyPattern,
    clock_at_start: Hours,
    after: Hours,
) -> Result<Hours, RadProtError> {
    let p = prepare(pattern, DistanceLaw::default())?;
    let c = clock_at_start.hours();
    if !(c.is_finite() && (0.0..24.0).contains(&c)) {
        return Err(RadProtError::InvalidInput {
            what: "clock time at the end of infusion (h after midnight)",
            value: c,
            rule: "must be in [0, 24)",
        });
    }
    let t = check_non_negative("time (h after end of infusion)", after.hours())?;
    Ok(Hours::new(if p.daily { next_start(&p, c, t) } else { t }))
}

/// The dose of `pattern` during `period` if resumed at `resume` (h after the
/// end of the infusion), with distance law `law`.
///
/// # Errors
/// [`RadProtError::InvalidInput`] for an invalid pattern, a negative resume
/// or an initial dose rate not ≥ 0; [`RadProtError::InvalidRetention`] for a
/// bad curve value.
pub fn pattern_dose(
    period: &InfusionPeriod<'_>,
    pattern: &FamilyPattern,
    law: DistanceLaw,
    resume: Hours,
) -> Result<EquivalentDose, RadProtError> {
    check_period(period)?;
    check_non_negative("resume (h after end of infusion)", resume.hours())?;
    let p = prepare(pattern, law)?;
    let terms = period.curve.exponential_terms();
    Ok(EquivalentDose::from_usv(period_dose_usv(
        period,
        terms.as_deref(),
        &p,
        resume.hours(),
    )?))
}

fn check_period(period: &InfusionPeriod<'_>) -> Result<(), RadProtError> {
    check_non_negative(
        "initial dose rate at 1 m (µSv/h)",
        period.initial_at_1m.usv_per_h(),
    )?;
    let c = period.clock_at_start.hours();
    if !(c.is_finite() && (0.0..24.0).contains(&c)) {
        return Err(RadProtError::InvalidInput {
            what: "clock time at the end of infusion (h after midnight)",
            value: c,
            rule: "must be in [0, 24)",
        });
    }
    if let Some(n) = period.next_infusion {
        crate::check_positive("time to the next infusion (h)", n.hours())?;
    }
    Ok(())
}

/// Smallest τ in [0, upper] with dose(τ) ≤ budget, by bisection; `None`
/// when dose(upper) > budget.
fn smallest_delay(
    dose: &dyn Fn(f64) -> Result<f64, RadProtError>,
    budget: f64,
    upper: f64,
) -> Result<Option<f64>, RadProtError> {
    if dose(0.0)? <= budget {
        return Ok(Some(0.0));
    }
    if dose(upper)? > budget {
        return Ok(None);
    }
    let (mut lo, mut hi) = (0.0, upper);
    while hi - lo > TIME_RESOLUTION.hours() {
        let mid = 0.5 * (lo + hi);
        if dose(mid)? <= budget {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(hi))
}

/// The restriction of `pattern` over a course of `periods` (in order:
/// infusion 1, infusion 2, …): per infusion, the earliest resumption that
/// keeps the course total within the constraint, and the doses with and
/// without restriction. See the module documentation.
///
/// # Errors
/// [`RadProtError::InvalidInput`] for no periods, an invalid pattern or
/// period, `courses_per_year` = 0, or a period other than the last without
/// a next infusion; [`RadProtError::InvalidRetention`] for a bad curve.
pub fn restrict_pattern(
    periods: &[InfusionPeriod<'_>],
    pattern: &FamilyPattern,
    options: &CourseOptions,
) -> Result<PatternRestriction, RadProtError> {
    if periods.is_empty() {
        return Err(RadProtError::InvalidInput {
            what: "infusions of the course",
            value: 0.0,
            rule: "need at least one",
        });
    }
    if options.courses_per_year == 0 {
        return Err(RadProtError::InvalidInput {
            what: "courses per year",
            value: 0.0,
            rule: "must be >= 1",
        });
    }
    for (i, p) in periods.iter().enumerate() {
        check_period(p)?;
        if (i + 1 < periods.len()) != p.next_infusion.is_some() {
            return Err(RadProtError::InvalidInput {
                what: "next infusion",
                value: i as f64 + 1.0,
                rule: "every infusion but the last has a next infusion, the last none",
            });
        }
        if options.split == BudgetSplit::ProportionalToActivity {
            crate::check_positive("infusion activity (MBq)", p.activity.mbq())?;
        }
    }
    let prep = prepare(pattern, options.law)?;
    let limit = match pattern.constraint.per {
        ConstraintPeriod::Episode => pattern.constraint.limit.usv(),
        ConstraintPeriod::Year => {
            pattern.constraint.limit.usv() / f64::from(options.courses_per_year)
        }
    };
    let mut left = limit;
    let mut out = Vec::with_capacity(periods.len());
    let mut warnings = Vec::new();
    let (mut total, mut total_free) = (0.0, 0.0);
    for (i, period) in periods.iter().enumerate() {
        let terms = period.curve.exponential_terms();
        let dose = |tau: f64| period_dose_usv(period, terms.as_deref(), &prep, tau);
        let share = match options.split {
            BudgetSplit::Equal => 1.0 / (periods.len() - i) as f64,
            BudgetSplit::ProportionalToActivity => {
                let rest: f64 = periods[i..].iter().map(|p| p.activity.mbq()).sum();
                period.activity.mbq() / rest
            }
        };
        let budget = left * share;
        let upper = period
            .next_infusion
            .map_or(SEARCH_HORIZON.hours(), |h| h.hours());
        let free = dose(0.0)?;
        let tau = smallest_delay(&dose, budget, upper)?;
        let resume = tau.map(|t| {
            if t > 0.0 && prep.daily {
                next_start(&prep, period.clock_at_start.hours(), t)
            } else {
                t
            }
        });
        let next = period.next_infusion.map(|h| h.hours());
        let not_before_next = matches!((resume, next), (Some(r), Some(n)) if r >= n);
        let used = match resume {
            Some(r) => dose(r)?,
            None => {
                warnings.push(format!(
                    "after infusion {}: the pattern does not meet its budget of {:.3} mSv within {} days; do not resume without the radiation protection officer",
                    i + 1,
                    budget / 1000.0,
                    SEARCH_HORIZON.days()
                ));
                free
            }
        };
        left = (left - used).max(0.0);
        total += used;
        total_free += free;
        out.push(PeriodRestriction {
            infusion: i + 1,
            budget: EquivalentDose::from_usv(budget),
            restriction: tau.map(Hours::new),
            resume_at: resume.map(Hours::new),
            not_before_next_infusion: not_before_next,
            dose: EquivalentDose::from_usv(used),
            dose_unrestricted: EquivalentDose::from_usv(free),
        });
    }
    let near = pattern
        .schedule
        .elements()
        .iter()
        .map(|e| e.distance.m())
        .fold(f64::INFINITY, f64::min);
    if near < 0.3 {
        warnings.push(format!(
            "an element is at {near} m, below 0.3 m: neither point-source nor 1.5-power scaling is reliable this close"
        ));
    }
    Ok(PatternRestriction {
        pattern: pattern.clone(),
        law: options.law,
        course_limit: EquivalentDose::from_usv(limit),
        infusions: out,
        course_dose: EquivalentDose::from_usv(total),
        course_dose_unrestricted: EquivalentDose::from_usv(total_free),
        warnings,
    })
}

/// The dose of a period at each of `delays` (for the "dose against
/// restriction delay" plot).
///
/// # Errors
/// As [`pattern_dose`].
pub fn dose_against_delay(
    period: &InfusionPeriod<'_>,
    pattern: &FamilyPattern,
    law: DistanceLaw,
    delays: &[Hours],
) -> Result<Vec<(Hours, EquivalentDose)>, RadProtError> {
    check_period(period)?;
    let p = prepare(pattern, law)?;
    let terms = period.curve.exponential_terms();
    delays
        .iter()
        .map(|&d| {
            check_non_negative("delay (h)", d.hours())?;
            Ok((
                d,
                EquivalentDose::from_usv(period_dose_usv(period, terms.as_deref(), &p, d.hours())?),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ExponentialSum, PhysicalDecay, WithResidual, retention_fn};
    use std::f64::consts::LN_2;

    fn el(start: f64, hours: f64, d_m: f64) -> PatternElement {
        PatternElement {
            start: Hours::new(start),
            duration: Hours::new(hours),
            distance: Length::from_m(d_m),
        }
    }

    fn pattern(schedule: Schedule, limit: f64, per: ConstraintPeriod) -> FamilyPattern {
        FamilyPattern {
            id: "p".into(),
            name: "test".into(),
            activity: "be close to the child".into(),
            schedule,
            constraint: PatternConstraint {
                limit: EquivalentDose::from_msv(limit),
                per,
                source: "test".into(),
            },
            source: "test".into(),
        }
    }

    fn period(
        curve: &dyn RetentionCurve,
        d0: f64,
        clock: f64,
        next: Option<f64>,
    ) -> InfusionPeriod<'_> {
        InfusionPeriod {
            curve,
            initial_at_1m: DoseRate::from_usv_per_h(d0),
            activity: Activity::from_mbq(1000.0),
            clock_at_start: Hours::new(clock),
            next_infusion: next.map(Hours::new),
        }
    }

    fn opts(law: DistanceLaw) -> CourseOptions {
        CourseOptions {
            law,
            courses_per_year: 1,
            split: BudgetSplit::Equal,
        }
    }

    #[test]
    fn continuous_pattern_mono_exponential_closed_form() {
        // 24 h/day at 1 m, T_eff = 42 h, Ḋ₀ = 100 µSv/h, 5 mSv, one infusion:
        // D(τ) = Ḋ₀/λ·e^(−λτ) (hand). Unrestricted: 100·42/ln2 = 6059.32 µSv.
        // Restriction τ = ln(Ḋ₀/(λ·5000))/λ = 42/ln2 · ln(6059.32/5000)
        // = 11.6436 h; resumption at the next whole hour: 12 h (clock 0:00).
        let c = ExponentialSum::mono(Hours::new(42.0)).unwrap();
        let l = LN_2 / 42.0;
        let p = pattern(
            Schedule::Daily(vec![el(0.0, 24.0, 1.0)]),
            5.0,
            ConstraintPeriod::Episode,
        );
        let r = restrict_pattern(
            &[period(&c, 100.0, 0.0, None)],
            &p,
            &opts(DistanceLaw::InverseSquare),
        )
        .unwrap();
        let free = 100.0 / l;
        assert!((r.course_dose_unrestricted.usv() - free).abs() < 1e-9 * free);
        assert!((free - 6059.32).abs() < 0.01);
        let tau = (100.0 / (l * 5000.0)).ln() / l;
        assert!((tau - 11.6436).abs() < 1e-4);
        let got = r.infusions[0].restriction.unwrap().hours();
        assert!(
            (got - tau).abs() <= TIME_RESOLUTION.hours(),
            "{got} vs {tau}"
        );
        assert_eq!(r.infusions[0].resume_at.unwrap().hours(), 12.0);
        let at12 = 100.0 / l * (-l * 12.0).exp();
        assert!((r.course_dose.usv() - at12).abs() < 1e-9 * at12);
        assert!(r.course_dose.usv() <= 5000.0);
        assert_eq!(r.course_limit.msv(), 5.0);
        assert_eq!(r.infusions[0].budget.msv(), 5.0);
        assert!(!r.infusions[0].not_before_next_infusion);
        // At the clock: infusion ended 14:30 → the next whole hour of the
        // pattern after 11.6436 h is 02:30 + ... = elements start at whole
        // clock hours, i.e. 12.5 h after the end of infusion.
        let r = restrict_pattern(
            &[period(&c, 100.0, 14.5, None)],
            &p,
            &opts(DistanceLaw::InverseSquare),
        )
        .unwrap();
        assert!((r.infusions[0].resume_at.unwrap().hours() - 12.5).abs() < 1e-9);
    }

    #[test]
    fn distance_law_scales_the_dose_and_the_restriction() {
        // Same at 0.5 m: inverse square ×4, 1.5-power ×2^1.5 = 2.828427.
        let c = ExponentialSum::mono(Hours::new(42.0)).unwrap();
        let l = LN_2 / 42.0;
        let p = pattern(
            Schedule::Daily(vec![el(0.0, 24.0, 0.5)]),
            5.0,
            ConstraintPeriod::Episode,
        );
        for (law, f) in [
            (DistanceLaw::InverseSquare, 4.0),
            (DistanceLaw::CormackShearer, 2.0f64.powf(1.5)),
        ] {
            let pe = period(&c, 100.0, 0.0, None);
            let d = pattern_dose(&pe, &p, law, Hours::ZERO).unwrap();
            let want = f * 100.0 / l;
            assert!((d.usv() - want).abs() < 1e-9 * want);
            let r = restrict_pattern(&[pe], &p, &opts(law)).unwrap();
            let tau = (f * 100.0 / (l * 5000.0)).ln() / l;
            assert!(
                (r.infusions[0].restriction.unwrap().hours() - tau).abs()
                    <= TIME_RESOLUTION.hours()
            );
            assert_eq!(r.law, law);
        }
    }

    #[test]
    fn daily_block_closed_form_and_time_of_day() {
        // One 6 h block a day from 18:00 at 1 m, infusion ended 12:00 (clock
        // 12): occurrences at t = 6 + 24k, k ≥ 0. Σ = Ḋ₀/λ·e^(−6λ)(1 − e^(−6λ))/(1 − e^(−24λ)).
        // (Other clocks and long elements: the brute-force test below.)
        let c = ExponentialSum::mono(Hours::new(42.0)).unwrap();
        let l = LN_2 / 42.0;
        let p = pattern(
            Schedule::Daily(vec![el(18.0, 6.0, 1.0)]),
            1.0,
            ConstraintPeriod::Year,
        );
        let pe = period(&c, 100.0, 12.0, None);
        let d = pattern_dose(&pe, &p, DistanceLaw::InverseSquare, Hours::ZERO).unwrap();
        let want =
            100.0 / l * (-6.0 * l).exp() * (1.0 - (-6.0 * l).exp()) / (1.0 - (-24.0 * l).exp());
        assert!(
            (d.usv() - want).abs() < 1e-9 * want,
            "{} vs {want}",
            d.usv()
        );
        // The block at 06:00 instead (first occurrence 18 h later) gives less;
        // the averaged occupancy model (E = 1/4) lies between them.
        let early = pattern(
            Schedule::Daily(vec![el(6.0, 6.0, 1.0)]),
            1.0,
            ConstraintPeriod::Year,
        );
        let d2 = pattern_dose(&pe, &early, DistanceLaw::InverseSquare, Hours::ZERO).unwrap();
        let avg = 100.0 * 0.25 / l;
        assert!(d2.usv() < avg && avg < d.usv());
        // Resumed inside the block (t = 8 h = 20:00): its remainder counts.
        let d3 = pattern_dose(&pe, &p, DistanceLaw::InverseSquare, Hours::new(8.0)).unwrap();
        let want3 = 100.0 / l * ((-8.0 * l).exp() - (-12.0 * l).exp())
            + 100.0 / l * (-30.0 * l).exp() * (1.0 - (-6.0 * l).exp()) / (1.0 - (-24.0 * l).exp());
        assert!((d3.usv() - want3).abs() < 1e-9 * want3);
    }

    #[test]
    fn midnight_wrap_and_next_start() {
        // 22:00 for 9 h at 0.3 m (ends 07:00) equals two elements
        // 00:00–07:00 and 22:00–24:00.
        let c = ExponentialSum::mono(Hours::new(30.0)).unwrap();
        let a = pattern(
            Schedule::Daily(vec![el(22.0, 9.0, 0.3)]),
            5.0,
            ConstraintPeriod::Episode,
        );
        let b = pattern(
            Schedule::Daily(vec![el(0.0, 7.0, 0.3), el(22.0, 2.0, 0.3)]),
            5.0,
            ConstraintPeriod::Episode,
        );
        let pe = period(&c, 200.0, 9.25, None);
        for tau in [0.0, 3.0, 13.0, 20.0, 50.0] {
            let da = pattern_dose(&pe, &a, DistanceLaw::CormackShearer, Hours::new(tau)).unwrap();
            let db = pattern_dose(&pe, &b, DistanceLaw::CormackShearer, Hours::new(tau)).unwrap();
            assert!((da.usv() - db.usv()).abs() < 1e-9 * da.usv(), "{tau}");
        }
        // Clock 09:15 at t = 0: element starts at whole hours 22:00 … 06:00
        // are t = 12.75 + m (m = 0..8) + 24k. After 13.0 → 13.75; after
        // 21.0 (06:15) → 36.75 (next day 22:00).
        let p = prepare(&a, DistanceLaw::CormackShearer).unwrap();
        assert!((next_start(&p, 9.25, 13.0) - 13.75).abs() < 1e-12);
        assert!((next_start(&p, 9.25, 21.0) - 36.75).abs() < 1e-12);
        assert!((next_start(&p, 9.25, 12.75) - 12.75).abs() < 1e-12);
        let n = next_element_start(&a, Hours::new(9.25), Hours::new(21.0)).unwrap();
        assert!((n.hours() - 36.75).abs() < 1e-12);
        let once = pattern(
            Schedule::OnceOff(vec![el(0.0, 2.0, 1.0)]),
            1.0,
            ConstraintPeriod::Year,
        );
        assert_eq!(
            next_element_start(&once, Hours::new(9.25), Hours::new(21.5))
                .unwrap()
                .hours(),
            21.5
        );
        assert!(next_element_start(&a, Hours::new(24.0), Hours::new(1.0)).is_err());
        assert!(next_element_start(&a, Hours::new(1.0), Hours::new(-1.0)).is_err());
    }

    #[test]
    fn one_off_closed_form() {
        // A 24 h trip at 0.3 m (1.5 power): D(τ) = Ḋ₀ f/λ e^(−λτ)(1 − e^(−24λ)),
        // τ = ln(Ḋ₀ f (1 − e^(−24λ))/(λ B))/λ exactly (no alignment).
        let c = ExponentialSum::mono(Hours::new(60.0)).unwrap();
        let l = LN_2 / 60.0;
        let f = 0.3f64.powf(-1.5);
        let p = pattern(
            Schedule::OnceOff(vec![el(0.0, 24.0, 0.3)]),
            1.0,
            ConstraintPeriod::Year,
        );
        let r = restrict_pattern(
            &[period(&c, 50.0, 3.0, None)],
            &p,
            &opts(DistanceLaw::CormackShearer),
        )
        .unwrap();
        let k = 50.0 * f * (1.0 - (-24.0 * l).exp()) / l;
        assert!((r.course_dose_unrestricted.usv() - k).abs() < 1e-9 * k);
        let tau = (k / 1000.0).ln() / l;
        let got = r.infusions[0].resume_at.unwrap().hours();
        assert!(
            (got - tau).abs() <= TIME_RESOLUTION.hours(),
            "{got} vs {tau}"
        );
        assert!(r.course_dose.usv() <= 1000.0 + 1e-9);
        assert!((r.course_dose.usv() - 1000.0).abs() < 0.01);
    }

    #[test]
    fn two_infusions_share_the_constraint() {
        // Mono T = 42 h both times, A1 = A2, gap 336 h, 24 h/day at 1 m, 5 mSv
        // per episode, equal split. Period 1 (ends at the gap):
        // D1(τ) = Ḋ₀/λ(e^(−λτ) − e^(−λ·336)) ≤ 2500 µSv.
        let c = ExponentialSum::mono(Hours::new(42.0)).unwrap();
        let l = LN_2 / 42.0;
        let w = WithResidual::same_kinetics(
            &c,
            Activity::from_mbq(1000.0),
            Activity::from_mbq(1000.0),
            Hours::new(336.0),
        )
        .unwrap();
        let p = pattern(
            Schedule::Daily(vec![el(0.0, 24.0, 1.0)]),
            5.0,
            ConstraintPeriod::Episode,
        );
        let periods = [
            period(&c, 100.0, 0.0, Some(336.0)),
            period(&w, 100.0, 0.0, None),
        ];
        let r = restrict_pattern(&periods, &p, &opts(DistanceLaw::InverseSquare)).unwrap();
        let g = (-l * 336.0).exp();
        let tau1 = ((2500.0 * l / 100.0) + g).ln() / -l;
        assert!(
            (r.infusions[0].restriction.unwrap().hours() - tau1).abs() <= TIME_RESOLUTION.hours()
        );
        let r1 = tau1.ceil();
        assert_eq!(r.infusions[0].resume_at.unwrap().hours(), r1);
        let used1 = 100.0 / l * ((-l * r1).exp() - g);
        assert!((r.infusions[0].dose.usv() - used1).abs() < 1e-9 * used1);
        // Period 2: amplitude 1 + g (the residual); budget 5000 − used1.
        let b2 = 5000.0 - used1;
        assert!((r.infusions[1].budget.usv() - b2).abs() < 1e-9 * b2);
        let tau2 = (100.0 * (1.0 + g) / (l * b2)).ln() / l;
        assert!(
            (r.infusions[1].restriction.unwrap().hours() - tau2).abs() <= TIME_RESOLUTION.hours()
        );
        let used2 = 100.0 * (1.0 + g) / l * (-l * tau2.ceil()).exp();
        assert!((r.course_dose.usv() - used1 - used2).abs() < 1e-6);
        assert!(r.course_dose.usv() <= 5000.0);
        let free = 100.0 / l * (1.0 - g) + 100.0 * (1.0 + g) / l;
        assert!((r.course_dose_unrestricted.usv() - free).abs() < 1e-9 * free);
        // Proportional to activity with A2 = 3·A1: infusion 1 gets 1/4.
        let mut p3 = periods;
        p3[1].activity = Activity::from_mbq(3000.0);
        let o = CourseOptions {
            split: BudgetSplit::ProportionalToActivity,
            ..opts(DistanceLaw::InverseSquare)
        };
        let r = restrict_pattern(&p3, &p, &o).unwrap();
        assert!((r.infusions[0].budget.usv() - 1250.0).abs() < 1e-9);
    }

    #[test]
    fn yearly_limit_is_split_over_courses() {
        let c = ExponentialSum::mono(Hours::new(42.0)).unwrap();
        let p = pattern(
            Schedule::Daily(vec![el(8.0, 1.0, 0.3)]),
            1.0,
            ConstraintPeriod::Year,
        );
        let o = CourseOptions {
            courses_per_year: 4,
            ..opts(DistanceLaw::CormackShearer)
        };
        let r = restrict_pattern(&[period(&c, 100.0, 0.0, None)], &p, &o).unwrap();
        assert!((r.course_limit.msv() - 0.25).abs() < 1e-12);
        // Per episode is not divided.
        let e = pattern(
            Schedule::Daily(vec![el(8.0, 1.0, 0.3)]),
            5.0,
            ConstraintPeriod::Episode,
        );
        let r = restrict_pattern(&[period(&c, 100.0, 0.0, None)], &e, &o).unwrap();
        assert_eq!(r.course_limit.msv(), 5.0);
        assert!(
            restrict_pattern(
                &[period(&c, 100.0, 0.0, None)],
                &e,
                &CourseOptions {
                    courses_per_year: 0,
                    ..o
                }
            )
            .is_err()
        );
    }

    #[test]
    fn not_before_next_infusion_and_not_reached() {
        // A tiny budget between infusions: the resumption lands after the
        // gap; after the last infusion, physical decay at 10⁶ µSv/h never
        // meets 1 mSv in 90 days → None with a warning, dose unrestricted.
        let c = PhysicalDecay::i131();
        let p = pattern(
            Schedule::Daily(vec![el(0.0, 24.0, 1.0)]),
            1.0,
            ConstraintPeriod::Year,
        );
        let r = restrict_pattern(
            &[
                period(&c, 1e6, 0.0, Some(100.0)),
                period(&c, 1e6, 0.0, None),
            ],
            &p,
            &opts(DistanceLaw::InverseSquare),
        )
        .unwrap();
        assert!(r.infusions[0].not_before_next_infusion);
        assert_eq!(r.infusions[0].dose.usv(), 0.0);
        assert!(r.infusions[1].restriction.is_none());
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("does not meet its budget")),
            "{:?}",
            r.warnings
        );
        assert_eq!(r.infusions[1].dose, r.infusions[1].dose_unrestricted);
    }

    #[test]
    fn numeric_path_agrees_with_closed_form_and_bounds_the_tail() {
        // The same bi-exponential curve as a closure (no terms): within 1e-7
        // relative where explicit; the tail beyond 90 d is bounded above.
        let c = ExponentialSum::new(vec![
            crate::ExpTerm {
                fraction: 0.4,
                rate: mibg_units::RateConstant::from_half_life(Hours::new(8.0)),
            },
            crate::ExpTerm {
                fraction: 0.6,
                rate: mibg_units::RateConstant::from_half_life(Hours::new(60.0)),
            },
        ])
        .unwrap();
        let f = retention_fn(|t: Hours| c.retention(t));
        let p = pattern(
            Schedule::Daily(vec![el(7.0, 1.5, 0.5), el(19.0, 3.0, 1.0)]),
            5.0,
            ConstraintPeriod::Episode,
        );
        for tau in [0.0, 10.3, 40.0] {
            let a = pattern_dose(
                &period(&c, 300.0, 10.0, None),
                &p,
                DistanceLaw::CormackShearer,
                Hours::new(tau),
            )
            .unwrap();
            let b = pattern_dose(
                &period(&f, 300.0, 10.0, None),
                &p,
                DistanceLaw::CormackShearer,
                Hours::new(tau),
            )
            .unwrap();
            assert!(b.usv() >= a.usv() * (1.0 - 1e-9));
            assert!(
                (b.usv() - a.usv()).abs() < 1e-6 * a.usv(),
                "{tau}: {} vs {}",
                b.usv(),
                a.usv()
            );
            let fin = pattern_dose(
                &period(&c, 300.0, 10.0, Some(200.0)),
                &p,
                DistanceLaw::CormackShearer,
                Hours::new(tau),
            )
            .unwrap();
            let fin_n = pattern_dose(
                &period(&f, 300.0, 10.0, Some(200.0)),
                &p,
                DistanceLaw::CormackShearer,
                Hours::new(tau),
            )
            .unwrap();
            assert!((fin.usv() - fin_n.usv()).abs() < 1e-7 * fin.usv());
        }
        let pts = dose_against_delay(
            &period(&c, 300.0, 10.0, None),
            &p,
            DistanceLaw::CormackShearer,
            &[Hours::ZERO, Hours::new(24.0), Hours::new(48.0)],
        )
        .unwrap();
        assert!(pts[0].1 > pts[1].1 && pts[1].1 > pts[2].1);
        assert!(
            dose_against_delay(
                &period(&c, 300.0, 10.0, None),
                &p,
                DistanceLaw::CormackShearer,
                &[Hours::new(-1.0)]
            )
            .is_err()
        );
    }

    /// Brute force: Ḋ₀ Σ f·R(t) over the pattern's occurrences, midpoint rule
    /// on a 1/600 h grid from the resumption for 15 days (an independent
    /// placement of the occurrences: clock time of each instant).
    fn brute(
        c: &dyn RetentionCurve,
        d0: f64,
        clock: f64,
        p: &FamilyPattern,
        law: DistanceLaw,
        resume: f64,
        end: f64,
    ) -> f64 {
        let step = 1.0 / 600.0;
        let n = ((end.min(resume + 360.0) - resume) / step).round() as usize;
        let mut sum = 0.0;
        for i in 0..n {
            let t = resume + (i as f64 + 0.5) * step;
            let w = match &p.schedule {
                Schedule::Daily(els) => {
                    let tod = (t + clock).rem_euclid(24.0);
                    els.iter()
                        .filter(|e| {
                            let x = (tod - e.start.hours()).rem_euclid(24.0);
                            x < e.duration.hours()
                        })
                        .map(|e| law.factor(e.distance).unwrap())
                        .sum::<f64>()
                }
                Schedule::OnceOff(els) => els
                    .iter()
                    .filter(|e| {
                        let x = t - resume - e.start.hours();
                        (0.0..e.duration.hours()).contains(&x)
                    })
                    .map(|e| law.factor(e.distance).unwrap())
                    .sum(),
            };
            sum += w * c.retention(Hours::new(t));
        }
        d0 * sum * step
    }

    #[test]
    fn occurrences_are_placed_at_the_clock_brute_force() {
        // T_eff 10 h: after 15 days 2^-36 is left, so the brute
        // force needs no tail. Long elements (20 h), midnight wraps, clocks
        // that are not 0 or 12, resumptions inside elements, a finite end.
        let c = ExponentialSum::mono(Hours::new(10.0)).unwrap();
        let pats = [
            pattern(
                Schedule::Daily(vec![el(18.0, 20.0, 0.5)]),
                1.0,
                ConstraintPeriod::Year,
            ),
            pattern(
                Schedule::Daily(vec![
                    el(7.25, 1.5, 0.3),
                    el(13.0, 2.0, 1.0),
                    el(21.0, 9.0, 2.0),
                ]),
                1.0,
                ConstraintPeriod::Year,
            ),
            pattern(
                Schedule::OnceOff(vec![el(0.0, 3.0, 0.5), el(10.0, 5.5, 1.5)]),
                1.0,
                ConstraintPeriod::Year,
            ),
        ];
        for p in &pats {
            for clock in [3.3, 9.0, 16.75] {
                for resume in [0.0, 17.9, 50.2] {
                    for next in [None, Some(61.3)] {
                        let pe = period(&c, 100.0, clock, next);
                        let got =
                            pattern_dose(&pe, p, DistanceLaw::CormackShearer, Hours::new(resume))
                                .unwrap()
                                .usv();
                        let end = match (&p.schedule, next) {
                            (Schedule::Daily(_), Some(n)) => n,
                            _ => f64::INFINITY,
                        };
                        let want = if resume >= end {
                            0.0
                        } else {
                            brute(
                                &c,
                                100.0,
                                clock,
                                p,
                                DistanceLaw::CormackShearer,
                                resume,
                                end,
                            )
                        };
                        assert!(
                            (got - want).abs() <= 1e-6 * want.max(1.0),
                            "{} clock {clock} resume {resume} next {next:?}: {got} vs {want}",
                            p.schedule.elements().len()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn slow_clearance_needs_the_tail_beyond_90_days() {
        // Physical decay (T½ 192.497 h): 2^(−11.2) = 0.04 % of the dose lies
        // beyond the 90-day explicit span, so the geometric tail matters at
        // 1e-12. Continuous at 1 m from τ = 5 h: Ḋ₀/λ·e^(−5λ) (hand).
        let c = PhysicalDecay::i131();
        let l = LN_2 / 192.497;
        let cont = pattern(
            Schedule::Daily(vec![el(0.0, 24.0, 1.0)]),
            5.0,
            ConstraintPeriod::Episode,
        );
        let pe = period(&c, 100.0, 0.0, None);
        let d = pattern_dose(&pe, &cont, DistanceLaw::InverseSquare, Hours::new(5.0)).unwrap();
        let want = 100.0 / l * (-5.0 * l).exp();
        assert!(
            (d.usv() - want).abs() < 1e-12 * want,
            "{} vs {want}",
            d.usv()
        );
        // A 6 h block from 18:00, clock 09:00 (first at t = 9 h): the full
        // geometric series Ḋ₀/λ·e^(−9λ)(1 − e^(−6λ))/(1 − e^(−24λ)).
        let block = pattern(
            Schedule::Daily(vec![el(18.0, 6.0, 1.0)]),
            5.0,
            ConstraintPeriod::Episode,
        );
        let pe9 = period(&c, 100.0, 9.0, None);
        let d = pattern_dose(&pe9, &block, DistanceLaw::InverseSquare, Hours::ZERO).unwrap();
        let want =
            100.0 / l * (-9.0 * l).exp() * (1.0 - (-6.0 * l).exp()) / (1.0 - (-24.0 * l).exp());
        assert!(
            (d.usv() - want).abs() < 1e-12 * want,
            "{} vs {want}",
            d.usv()
        );
        // The same curve as a closure (no terms): the physical-decay bound
        // of the tail is exact for a physically decaying curve.
        let f = retention_fn(|t: Hours| c.retention(t));
        let d = pattern_dose(
            &period(&f, 100.0, 9.0, None),
            &block,
            DistanceLaw::InverseSquare,
            Hours::ZERO,
        )
        .unwrap();
        assert!(
            (d.usv() - want).abs() < 1e-9 * want,
            "{} vs {want}",
            d.usv()
        );
        // A faster curve as a closure: the bound is above the exact tail.
        let fast = ExponentialSum::mono(Hours::new(100.0)).unwrap();
        let ff = retention_fn(|t: Hours| fast.retention(t));
        let exact = pattern_dose(
            &period(&fast, 100.0, 9.0, None),
            &block,
            DistanceLaw::InverseSquare,
            Hours::ZERO,
        )
        .unwrap();
        let bound = pattern_dose(
            &period(&ff, 100.0, 9.0, None),
            &block,
            DistanceLaw::InverseSquare,
            Hours::ZERO,
        )
        .unwrap();
        assert!(bound > exact && (bound.usv() - exact.usv()) < 1e-4 * exact.usv());
    }

    #[test]
    fn numbering_no_restriction_and_near_field_warning() {
        let c = ExponentialSum::mono(Hours::new(42.0)).unwrap();
        // A tiny pattern needs no restriction: resumption at 0, not moved to
        // its next element (08:00 is 22 h after a 10:00 end of infusion).
        let tiny = pattern(
            Schedule::Daily(vec![el(8.0, 0.25, 3.0)]),
            5.0,
            ConstraintPeriod::Episode,
        );
        let periods = [
            period(&c, 10.0, 10.0, Some(100.0)),
            period(&c, 10.0, 10.0, None),
        ];
        let r = restrict_pattern(&periods, &tiny, &opts(DistanceLaw::CormackShearer)).unwrap();
        assert_eq!(r.infusions[0].infusion, 1);
        assert_eq!(r.infusions[1].infusion, 2);
        assert_eq!(r.infusions[0].resume_at, Some(Hours::ZERO));
        assert_eq!(r.infusions[0].restriction, Some(Hours::ZERO));
        assert_eq!(r.infusions[0].dose, r.infusions[0].dose_unrestricted);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        // 0.3 m is the edge: no warning; 0.29 m warns.
        let at = |d: f64| {
            let p = pattern(
                Schedule::Daily(vec![el(8.0, 0.25, d)]),
                5.0,
                ConstraintPeriod::Episode,
            );
            restrict_pattern(&periods, &p, &opts(DistanceLaw::CormackShearer))
                .unwrap()
                .warnings
        };
        assert!(at(0.3).is_empty());
        let w = at(0.29);
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("0.29 m, below 0.3 m"), "{w:?}");
    }

    #[test]
    fn a_constant_term_integrates_linearly() {
        // R(t) = 1 (rate 0) for 10 h at 1 m before the next infusion at
        // 10 h, 50 µSv/h, continuous pattern: 500 µSv exactly.
        let c = ExponentialSum::new(vec![crate::ExpTerm {
            fraction: 1.0,
            rate: mibg_units::RateConstant::per_hour(0.0),
        }])
        .unwrap();
        let p = pattern(
            Schedule::Daily(vec![el(0.0, 24.0, 1.0)]),
            1.0,
            ConstraintPeriod::Year,
        );
        let d = pattern_dose(
            &period(&c, 50.0, 0.0, Some(10.0)),
            &p,
            DistanceLaw::InverseSquare,
            Hours::ZERO,
        )
        .unwrap();
        assert!((d.usv() - 500.0).abs() < 1e-9, "{}", d.usv());
        // Resumed at 2 h: 8 h × 50 µSv/h = 400 µSv.
        let d = pattern_dose(
            &period(&c, 50.0, 0.0, Some(10.0)),
            &p,
            DistanceLaw::InverseSquare,
            Hours::new(2.0),
        )
        .unwrap();
        assert!((d.usv() - 400.0).abs() < 1e-9, "{}", d.usv());
    }

    #[test]
    fn invalid_patterns_name_element_and_field() {
        let bad = |s: Schedule| {
            pattern(s, 1.0, ConstraintPeriod::Year)
                .validate()
                .unwrap_err()
        };
        let e = bad(Schedule::Daily(vec![el(24.0, 1.0, 1.0)]));
        assert_eq!((e.element, e.field), (Some(0), "at"));
        let e = bad(Schedule::Daily(vec![el(1.0, 0.0, 1.0)]));
        assert_eq!(e.field, "hours");
        let e = bad(Schedule::Daily(vec![el(1.0, 1.0, 0.001)]));
        assert_eq!((e.field, e.value.as_str()), ("distance_m", "0.001"));
        let e = bad(Schedule::Daily(vec![el(1.0, 2.0, 1.0), el(2.0, 1.0, 1.0)]));
        assert_eq!(
            (e.element, e.rule.as_str()),
            (Some(1), "overlaps the previous element")
        );
        let e = bad(Schedule::Daily(vec![el(5.0, 1.0, 1.0), el(2.0, 1.0, 1.0)]));
        assert!(e.rule.contains("time order"));
        let e = bad(Schedule::Daily(vec![el(2.0, 1.0, 1.0), el(22.0, 5.0, 1.0)]));
        assert!(e.rule.contains("past midnight"), "{e}");
        assert_eq!((e.element, e.field), (Some(1), "hours"));
        // Touching elements (one ends where the next starts), also across
        // midnight, are valid: 24 h in three pieces.
        assert!(
            pattern(
                Schedule::Daily(vec![
                    el(1.0, 2.0, 1.0),
                    el(3.0, 20.0, 1.0),
                    el(23.0, 2.0, 0.5)
                ]),
                1.0,
                ConstraintPeriod::Year
            )
            .validate()
            .is_ok()
        );
        let e = bad(Schedule::Daily(vec![el(0.0, 24.0, 1.0), el(0.0, 1.0, 1.0)]));
        assert!(e.rule.contains("overlaps"), "{e}");
        let e = bad(Schedule::Daily(vec![]));
        assert_eq!(e.field, "elements");
        let e = bad(Schedule::OnceOff(vec![el(-1.0, 1.0, 1.0)]));
        assert_eq!(e.field, "after_h");
        assert!(
            e.to_string()
                .contains("pattern 'p', element 1: after_h = -1"),
            "{e}"
        );
        let mut p = pattern(
            Schedule::OnceOff(vec![el(0.0, 1.0, 1.0)]),
            0.0,
            ConstraintPeriod::Year,
        );
        assert_eq!(p.validate().unwrap_err().field, "limit_msv");
        p.constraint.limit = EquivalentDose::from_msv(1.0);
        p.id = " ".into();
        assert_eq!(p.validate().unwrap_err().field, "id");
        // A valid one-off of 30 h is fine; a daily one of 25 h is not.
        assert!(
            pattern(
                Schedule::OnceOff(vec![el(0.0, 30.0, 1.0)]),
                1.0,
                ConstraintPeriod::Year
            )
            .validate()
            .is_ok()
        );
        assert_eq!(
            bad(Schedule::Daily(vec![el(0.0, 25.0, 1.0)])).field,
            "hours"
        );
        assert_eq!(
            pattern(
                Schedule::Daily(vec![el(20.0, 3.0, 1.0), el(23.0, 0.5, 1.0)]),
                1.0,
                ConstraintPeriod::Year
            )
            .total_hours()
            .hours(),
            3.5
        );
    }

    /// The overlap checks allow 1e-9 h (3.6 µs) of round-off, inclusive:
    /// an element ending exactly 1e-9 h after the next starts touches it,
    /// 2e-9 h overlaps; the same for the last element against the first
    /// element of the next day (the end = first start + 24 h + 1e-9 h).
    #[test]
    fn the_round_off_slack_of_the_overlap_checks_is_inclusive() {
        let check = |els: Vec<PatternElement>| {
            pattern(Schedule::Daily(els), 1.0, ConstraintPeriod::Year).validate()
        };
        // 0 + (1 + 1e-9) is the double 1 + 1e-9: exactly the slack.
        assert!(check(vec![el(0.0, 1.0 + 1e-9, 1.0), el(1.0, 1.0, 1.0)]).is_ok());
        let e = check(vec![el(0.0, 1.0 + 2e-9, 1.0), el(1.0, 1.0, 1.0)]).unwrap_err();
        assert_eq!(
            (e.element, e.rule.as_str()),
            (Some(1), "overlaps the previous element")
        );
        // Across midnight: 12 + (24 + 1e-9 − 12) is the double 24 + 1e-9.
        let at_slack = 24.0 + 1e-9 - 12.0;
        assert_eq!(12.0 + at_slack, 0.0 + 24.0 + 1e-9);
        assert!(check(vec![el(0.0, 1.0, 1.0), el(12.0, at_slack, 1.0)]).is_ok());
        let e = check(vec![el(0.0, 1.0, 1.0), el(12.0, at_slack + 1e-9, 1.0)]).unwrap_err();
        assert!(e.rule.contains("past midnight"), "{e}");
    }

    /// A budget met exactly at the end of the search (dose at 90 days =
    /// budget) is met: the restriction is found, not "not met". The curve
    /// R(t) = 2 before 10 h and 1 after (non-increasing; no closed form, so
    /// the numerical path), a one-off hour at 1 m, 1000 µSv/h at 1 m: the
    /// dose resumed at τ ≥ 10 h is 1000 µSv/h × 1 × 1 h = 1000 µSv, exactly
    /// the 1 mSv constraint (Simpson is exact on a constant: the window
    /// [2160, 2161] gives 1/6 × 6 = 1); before 10 h part of the hour is at
    /// R = 2, above it. So the restriction is 10 h (to the resolution).
    #[test]
    fn a_budget_met_exactly_at_the_horizon_is_met() {
        let c = retention_fn(|t: Hours| if t.hours() < 10.0 { 2.0 } else { 1.0 });
        let p = pattern(
            Schedule::OnceOff(vec![el(0.0, 1.0, 1.0)]),
            1.0,
            ConstraintPeriod::Episode,
        );
        let pe = period(&c, 1000.0, 0.0, None);
        let at_horizon = pattern_dose(&pe, &p, DistanceLaw::InverseSquare, SEARCH_HORIZON).unwrap();
        assert_eq!(at_horizon.usv(), 1000.0);
        let r = restrict_pattern(&[pe], &p, &opts(DistanceLaw::InverseSquare)).unwrap();
        let t = r.infusions[0]
            .restriction
            .expect("met at the horizon")
            .hours();
        assert!((t - 10.0).abs() <= 2.0 * TIME_RESOLUTION.hours(), "{t}");
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    /// The bisection stops when hi − lo is at most the resolution, not
    /// below it. Infusion 1 of two with the next infusion at
    /// 104.8576 h = 2²⁰ × 1e-4 h: a dose within the budget everywhere after
    /// 1e-5 h moves hi down by halvings from 104.8576 h to exactly 1e-4 h
    /// after 20 steps, where hi − lo = 1e-4 h = the resolution: the search
    /// stops and the restriction is 1e-4 h (one more step would give
    /// 5e-5 h). Curve R = 3 before 1e-5 h, 1 after; a one-off hour at 1 m,
    /// 1000 µSv/h: the dose at 0 is 1000 × (1 + 2e-5) = 1000.02 µSv, above
    /// the budget of 2.00002 mSv / 2 = 1000.01 µSv, from 1e-5 h on it is
    /// 1000 µSv, within it (hand).
    #[test]
    fn the_bisection_stops_at_the_resolution() {
        let c = retention_fn(|t: Hours| if t.hours() < 1e-5 { 3.0 } else { 1.0 });
        let p = pattern(
            Schedule::OnceOff(vec![el(0.0, 1.0, 1.0)]),
            2.000_02,
            ConstraintPeriod::Episode,
        );
        let upper = TIME_RESOLUTION.hours() * 1_048_576.0;
        assert_eq!(upper, 104.8576);
        let periods = [
            period(&c, 1000.0, 0.0, Some(upper)),
            period(&c, 1000.0, 0.0, None),
        ];
        let r = restrict_pattern(&periods, &p, &opts(DistanceLaw::InverseSquare)).unwrap();
        assert_eq!(
            r.infusions[0].restriction.unwrap().hours(),
            TIME_RESOLUTION.hours()
        );
    }

    #[test]
    fn bad_periods_are_errors() {
        let c = PhysicalDecay::i131();
        let p = pattern(
            Schedule::Daily(vec![el(0.0, 24.0, 1.0)]),
            1.0,
            ConstraintPeriod::Year,
        );
        let o = opts(DistanceLaw::InverseSquare);
        assert!(restrict_pattern(&[], &p, &o).is_err());
        assert!(restrict_pattern(&[period(&c, 1.0, 24.0, None)], &p, &o).is_err());
        assert!(restrict_pattern(&[period(&c, -1.0, 0.0, None)], &p, &o).is_err());
        assert!(restrict_pattern(&[period(&c, 1.0, 0.0, Some(10.0))], &p, &o).is_err());
        // The first infusion lacks its next infusion: named as infusion 1.
        match restrict_pattern(
            &[period(&c, 1.0, 0.0, None), period(&c, 1.0, 0.0, None)],
            &p,
            &o,
        ) {
            Err(RadProtError::InvalidInput { value, what, .. }) => {
                assert_eq!((what, value), ("next infusion", 1.0))
            }
            e => panic!("{e:?}"),
        }
        assert!(
            restrict_pattern(
                &[period(&c, 1.0, 0.0, Some(0.0)), period(&c, 1.0, 0.0, None)],
                &p,
                &o
            )
            .is_err()
        );
        assert!(
            pattern_dose(
                &period(&c, 1.0, 0.0, None),
                &p,
                DistanceLaw::InverseSquare,
                Hours::new(-1.0)
            )
            .is_err()
        );
        let mut z = period(&c, 1.0, 0.0, None);
        z.activity = Activity::ZERO;
        let po = CourseOptions {
            split: BudgetSplit::ProportionalToActivity,
            ..o
        };
        assert!(restrict_pattern(&[z], &p, &po).is_err());
        assert!(restrict_pattern(&[z], &p, &o).is_ok());
    }
}
