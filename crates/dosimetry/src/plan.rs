//! The second activity (`docs/reference/dosimetry.md` §6).
//!
//! ```text
//! d_1 = D_1/A_1
//! A_2 = (D_target − D_1) / d_2,pred
//! d_2,pred = τ_1·S(m_2)      variant 2, same τ, S at the mass on infusion day 2 (default)
//!          = d_1             variant 1, same dose per activity (Gaze 2005; Norway)
//!          = c·d_1           variant 3, user correction factor
//! ```
//!
//! With an unchanged mass variants 1 and 2 coincide. D₁ is integrated to
//! infinity, so activity of infusion 1 still present on day 15 is not counted
//! twice (docs/reference/dosimetry.md §6.1). Caps ([`SecondActivityRules`]) are then applied in a fixed
//! order and every cap that binds is reported with its reason (docs/reference/dosimetry.md §6.4).

use mibg_protocol::caps::{CapRules, lowest_cap};
use mibg_units::{AbsorbedDose, Activity, ActivityPerMass, DosePerActivity, Hours, Mass, SValue};
use serde::{Deserialize, Serialize};

/// How the dose per activity of infusion 2 is predicted (docs/reference/dosimetry.md §6.1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "variant", rename_all = "kebab-case")]
pub enum PredictionVariant {
    /// Variant 2 (default, \[I\] recommendation of docs/reference/dosimetry.md §6.1): same τ, S re-evaluated at the
    /// mass on the day of infusion 2.
    SameTau,
    /// Variant 1: same dose per activity as infusion 1 (Gaze 2005 \[V\]).
    SameDosePerActivity,
    /// Variant 3: `c × d₁` with a user-entered factor `c` (> 0).
    Factor {
        /// The correction factor c.
        c: f64,
    },
}

impl PredictionVariant {
    /// Name for reports.
    pub fn describe(&self) -> String {
        match self {
            Self::SameTau => {
                "variant 2: same τ, S re-evaluated at the infusion-2 mass (docs/reference/dosimetry.md §6.1)".into()
            }
            Self::SameDosePerActivity => {
                "variant 1: same dose per activity as infusion 1 (docs/reference/dosimetry.md §6.1, Gaze 2005)".into()
            }
            Self::Factor { c } => format!("variant 3: d₂ = {c} × d₁ (docs/reference/dosimetry.md §6.1, user factor)"),
        }
    }

    /// d₂,pred from τ₁, S(m₁), S(m₂).
    pub fn dose_per_activity(&self, tau1: Hours, s1: SValue, s2: SValue) -> DosePerActivity {
        let per = |s: SValue| DosePerActivity::from_gy_per_gbq(tau1.hours() * s.gy_per_gbq_h());
        match *self {
            Self::SameTau => per(s2),
            Self::SameDosePerActivity => per(s1),
            Self::Factor { c } => per(s1) * c,
        }
    }
}

/// Limits on the second activity (docs/reference/dosimetry.md §6.4). `None` = no such cap.
///
/// The CLI fills these from the treatment protocol; [`Default`] mirrors the
/// seed protocol (`protocols/seed.toml`) for use without one.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SecondActivityRules {
    /// Cumulative whole-body target D₁ + D₂.
    pub target_total: AbsorbedDose,
    /// Maximum activity per kg for infusion 2 (at the infusion-2 mass).
    pub max_activity_per_kg: Option<ActivityPerMass>,
    /// Maximum activity of infusion 2.
    pub max_activity_per_infusion: Option<Activity>,
    /// Maximum total activity A₁ + A₂ of the course.
    pub max_total_activity: Option<Activity>,
    /// Maximum predicted total whole-body dose D₁ + D₂.
    pub max_total_dose: Option<AbsorbedDose>,
    /// Below this A₂ no second infusion is recommended.
    pub min_worthwhile: Option<Activity>,
    /// Overshoot margin: the result reports P(total > target + margin).
    pub overshoot_margin: AbsorbedDose,
}

impl Default for SecondActivityRules {
    /// Target **4 Gy** (Gaze 2005 \[V\]); **777 MBq/kg = 21 mCi/kg** per
    /// infusion (the NANT double-infusion cap, ASCO 2006, docs/reference/dosimetry.md §6.3 \[V\]); no
    /// per-infusion cap; course total **40 GBq** \[I\]; maximum total **4.5 Gy** \[I\];
    /// minimum worthwhile **1000 MBq** \[I\]; overshoot margin **0.5 Gy** \[I\].
    /// \[I\] values are design choices: a clinical protocol must set its own.
    fn default() -> Self {
        Self {
            target_total: AbsorbedDose::from_gy(4.0),
            max_activity_per_kg: Some(ActivityPerMass::from_mbq_per_kg(777.0)),
            max_activity_per_infusion: None,
            max_total_activity: Some(Activity::from_gbq(40.0)),
            max_total_dose: Some(AbsorbedDose::from_gy(4.5)),
            min_worthwhile: Some(Activity::from_mbq(1000.0)),
            overshoot_margin: AbsorbedDose::from_gy(0.5),
        }
    }
}

/// One cap and whether it bound the prescription.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CapCheck {
    /// Cap name, e.g. `max_activity_per_kg`.
    pub name: String,
    /// The activity this cap allows for infusion 2.
    pub allows_mbq: Activity,
    /// `true` if this cap lowered A₂.
    pub binds: bool,
    /// Explanation.
    pub reason: String,
}

/// The decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// Give a second infusion of `activity`.
    SecondInfusion,
    /// No second infusion.
    NoSecondInfusion,
}

/// The planned second infusion.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SecondActivityPlan {
    /// Give or not.
    pub decision: Decision,
    /// One clinical sentence explaining the decision.
    pub statement: String,
    /// Prediction variant used.
    pub variant: PredictionVariant,
    /// Mass at infusion 2.
    pub mass2_kg: Mass,
    /// S at the infusion-2 mass.
    pub s_value2: SValue,
    /// Predicted dose per activity of infusion 2.
    pub dose_per_activity2: DosePerActivity,
    /// (target − D₁)/d₂ before caps (may be ≤ 0).
    pub uncapped_mbq: Activity,
    /// The recommended A₂ (0 if none).
    pub activity_mbq: Activity,
    /// A₂ per kg at the infusion-2 mass.
    pub activity_per_kg: ActivityPerMass,
    /// Every cap considered.
    pub caps: Vec<CapCheck>,
    /// Name of the cap that determined A₂, if any.
    pub binding_cap: Option<String>,
    /// Predicted D₂ = A₂·d₂.
    pub predicted_dose2: AbsorbedDose,
    /// Predicted D₁ + D₂.
    pub predicted_total: AbsorbedDose,
    /// The rules applied.
    pub rules: SecondActivityRules,
}

/// One cap of docs/reference/dosimetry.md §6.4, in the order [`cap_second_activity`] applies them
/// (defined with the cap rule itself, in [`mibg_protocol::caps`]).
pub use mibg_protocol::caps::CapKind;

/// Why no second infusion is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoSecondReason {
    /// D₁ already meets the target.
    TargetMet,
    /// The (capped) activity is below the minimum worthwhile activity.
    BelowMinimumWorthwhile,
    /// A cap allows no further activity.
    NothingAllowed,
}

/// The numbers of the second-activity rule, without any text: the one
/// implementation of docs/reference/dosimetry.md §6.1 with the caps of §6.4, used by the plan
/// ([`apply_rules`]) and by every bootstrap replicate
/// ([`crate::uncertainty`]) alike.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CappedSecondActivity {
    /// Give or not.
    pub decision: Decision,
    /// The recommended A₂ (0 when none).
    pub activity: Activity,
    /// (target − D₁)/d₂ before any cap (may be ≤ 0).
    pub uncapped: Activity,
    /// After the caps, before the minimum-worthwhile rule.
    pub capped: Activity,
    /// Each cap of the rules with the activity it allows, in the order
    /// applied; `None` for a cap the rules do not set (all `None` when the
    /// target is already met).
    pub caps: [Option<(CapKind, Activity)>; 4],
    /// The cap that determined A₂ (the first, in order, of the lowest caps
    /// below the uncapped activity).
    pub binding: Option<CapKind>,
    /// Why no second infusion, when none.
    pub reason: Option<NoSecondReason>,
}

/// Applies docs/reference/dosimetry.md §6.1 and the caps of §6.4 to numbers.
///
/// Order: A₂,raw = (target − D₁)/d₂; if D₁ ≥ target → no second infusion.
/// Otherwise A₂ = min(A₂,raw, max MBq/kg × m₂, max per infusion,
/// max course activity − A₁, (max total dose − D₁)/d₂); the first of the
/// lowest caps below A₂,raw binds. If the result is below the minimum
/// worthwhile activity (or ≤ 0) → no second infusion.
pub fn cap_second_activity(
    d1: AbsorbedDose,
    a1: Activity,
    m2: Mass,
    d2: DosePerActivity,
    rules: &SecondActivityRules,
) -> CappedSecondActivity {
    let uncapped = Activity::from_gbq((rules.target_total - d1).gy() / d2.gy_per_gbq());
    let mut out = CappedSecondActivity {
        decision: Decision::NoSecondInfusion,
        activity: Activity::ZERO,
        uncapped,
        capped: Activity::ZERO,
        caps: [None; 4],
        binding: None,
        reason: Some(NoSecondReason::TargetMet),
    };
    if d1 >= rules.target_total {
        return out;
    }
    let caps = CapRules {
        max_activity_per_kg: rules.max_activity_per_kg,
        max_activity_per_infusion: rules.max_activity_per_infusion,
        max_total_activity: rules.max_total_activity,
        max_total_dose: rules.max_total_dose,
    };
    out.caps = caps.allowed(m2, a1, Some((d1, d2)));
    let (a2, binding) = lowest_cap(uncapped, &out.caps);
    out.binding = binding;
    out.capped = a2;
    out.reason = if rules.min_worthwhile.is_some_and(|min| a2 < min) {
        Some(NoSecondReason::BelowMinimumWorthwhile)
    } else if a2 <= Activity::ZERO {
        Some(NoSecondReason::NothingAllowed)
    } else {
        out.decision = Decision::SecondInfusion;
        out.activity = a2;
        None
    };
    out
}

/// Applies docs/reference/dosimetry.md §6.1 and the caps of §6.4 ([`cap_second_activity`]) and says
/// what it did: every cap with its reason, the binding one, one sentence.
pub fn apply_rules(
    d1: AbsorbedDose,
    a1: Activity,
    m2: Mass,
    d2: DosePerActivity,
    rules: &SecondActivityRules,
) -> (
    Decision,
    Activity,
    Vec<CapCheck>,
    Option<String>,
    String,
    Activity,
) {
    let c = cap_second_activity(d1, a1, m2, d2, rules);
    let raw = c.uncapped;
    let binding = c.binding.map(|b| b.name().to_string());
    let checks: Vec<CapCheck> = c
        .caps
        .iter()
        .flatten()
        .map(|&(kind, allows)| CapCheck {
            name: kind.name().into(),
            allows_mbq: allows,
            binds: c.binding == Some(kind),
            reason: match kind {
                CapKind::MaxActivityPerKg => {
                    let p = rules.max_activity_per_kg.unwrap_or_default();
                    format!(
                        "{:.0} MBq/kg ({:.1} mCi/kg) × {:.1} kg",
                        p.mbq_per_kg(),
                        p.mci_per_kg(),
                        m2.kg()
                    )
                }
                CapKind::MaxActivityPerInfusion => format!("{} per infusion", allows.describe()),
                CapKind::MaxTotalActivity => format!(
                    "course total {} minus A1 {}",
                    rules.max_total_activity.unwrap_or_default().describe(),
                    a1.describe()
                ),
                CapKind::MaxTotalDose => format!(
                    "total whole-body dose ≤ {:.2} Gy",
                    rules.max_total_dose.unwrap_or_default().gy()
                ),
            },
        })
        .collect();
    let statement = match c.reason {
        Some(NoSecondReason::TargetMet) => format!(
            "No second infusion: D1 = {:.2} Gy already meets the {:.2} Gy target.",
            d1.gy(),
            rules.target_total.gy()
        ),
        Some(NoSecondReason::BelowMinimumWorthwhile) => format!(
            "No second infusion: the {}activity {} is below the minimum worthwhile {}.",
            if binding.is_some() { "capped " } else { "" },
            c.capped.describe(),
            rules.min_worthwhile.unwrap_or_default().describe()
        ),
        Some(NoSecondReason::NothingAllowed) => {
            "No second infusion: a cap allows no further activity.".to_string()
        }
        None => match &binding {
            Some(b) => format!(
                "Second infusion of {} limited by the cap {b} (uncapped {}).",
                c.activity.describe(),
                raw.describe()
            ),
            None => format!(
                "Second infusion of {} to reach the {:.2} Gy target.",
                c.activity.describe(),
                rules.target_total.gy()
            ),
        },
    };
    (c.decision, c.activity, checks, binding, statement, raw)
}

/// Builds the full plan.
pub fn plan_second_activity(
    d1: AbsorbedDose,
    a1: Activity,
    m2: Mass,
    d2: DosePerActivity,
    s2: SValue,
    variant: PredictionVariant,
    rules: &SecondActivityRules,
) -> SecondActivityPlan {
    let (decision, a2, caps, binding_cap, statement, raw) = apply_rules(d1, a1, m2, d2, rules);
    let dose2 = a2 * d2;
    SecondActivityPlan {
        decision,
        statement,
        variant,
        mass2_kg: m2,
        s_value2: s2,
        dose_per_activity2: d2,
        uncapped_mbq: raw,
        activity_mbq: a2,
        activity_per_kg: ActivityPerMass::from_mbq_per_kg(a2.mbq() / m2.kg()),
        caps,
        binding_cap,
        predicted_dose2: dose2,
        predicted_total: d1 + dose2,
        rules: *rules,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(gy: f64) -> AbsorbedDose {
        AbsorbedDose::from_gy(gy)
    }

    #[test]
    fn uncapped_hits_target() {
        // D1 = 2 Gy after 8880 MBq → d = 0.2252 Gy/GBq; A2 = 2/0.2252 = 8.880 GBq.
        let rules = SecondActivityRules {
            max_activity_per_kg: None,
            max_total_dose: None,
            ..Default::default()
        };
        let a1 = Activity::from_mbq(8880.0);
        let dpa = d(2.0) / a1;
        let p = plan_second_activity(
            d(2.0),
            a1,
            Mass::from_kg(20.0),
            dpa,
            SValue::ZERO,
            PredictionVariant::SameDosePerActivity,
            &rules,
        );
        assert_eq!(p.decision, Decision::SecondInfusion);
        assert!((p.activity_mbq.mbq() - 8880.0).abs() < 1e-9);
        assert!((p.predicted_total.gy() - 4.0).abs() < 1e-12);
        assert!(p.binding_cap.is_none());
    }

    #[test]
    fn per_kg_cap_binds() {
        // D1 = 1 Gy, d2 = 0.2 Gy/GBq → raw 15 GBq; cap 777 MBq/kg × 15 kg = 11 655 MBq.
        let rules = SecondActivityRules {
            max_total_dose: None,
            ..Default::default()
        };
        let p = plan_second_activity(
            d(1.0),
            Activity::from_mbq(6660.0),
            Mass::from_kg(15.0),
            DosePerActivity::from_gy_per_gbq(0.2),
            SValue::ZERO,
            PredictionVariant::SameTau,
            &rules,
        );
        assert!((p.uncapped_mbq.mbq() - 15000.0).abs() < 1e-9);
        assert!((p.activity_mbq.mbq() - 11655.0).abs() < 1e-9);
        assert_eq!(p.binding_cap.as_deref(), Some("max_activity_per_kg"));
        assert!(
            p.statement
                .contains("limited by the cap max_activity_per_kg")
        );
        // Predicted total 1 + 11.655 × 0.2 = 3.331 Gy: below target, as capped.
        assert!((p.predicted_total.gy() - 3.331).abs() < 1e-12);
    }

    #[test]
    fn course_total_and_total_dose_caps() {
        let rules = SecondActivityRules {
            max_activity_per_kg: None,
            max_total_activity: Some(Activity::from_mbq(15000.0)),
            max_total_dose: Some(d(4.5)),
            target_total: d(4.0),
            ..Default::default()
        };
        // raw = 3/0.2 = 15 GBq; course cap 15000 − 8000 = 7000 MBq binds.
        let p = plan_second_activity(
            d(1.0),
            Activity::from_mbq(8000.0),
            Mass::from_kg(20.0),
            DosePerActivity::from_gy_per_gbq(0.2),
            SValue::ZERO,
            PredictionVariant::SameTau,
            &rules,
        );
        assert_eq!(p.binding_cap.as_deref(), Some("max_total_activity"));
        assert!((p.activity_mbq.mbq() - 7000.0).abs() < 1e-9);
        // Target above the total-dose cap: the dose cap binds at (4.5−1)/0.2 = 17.5 GBq.
        let rules = SecondActivityRules {
            max_activity_per_kg: None,
            target_total: d(5.0),
            max_total_dose: Some(d(4.5)),
            ..Default::default()
        };
        let p = plan_second_activity(
            d(1.0),
            Activity::from_mbq(8000.0),
            Mass::from_kg(20.0),
            DosePerActivity::from_gy_per_gbq(0.2),
            SValue::ZERO,
            PredictionVariant::SameTau,
            &rules,
        );
        assert_eq!(p.binding_cap.as_deref(), Some("max_total_dose"));
        assert!((p.activity_mbq.mbq() - 17500.0).abs() < 1e-6);
    }

    #[test]
    fn target_met_or_not_worthwhile() {
        let rules = SecondActivityRules::default();
        let p = plan_second_activity(
            d(4.3),
            Activity::from_mbq(8880.0),
            Mass::from_kg(20.0),
            DosePerActivity::from_gy_per_gbq(0.48),
            SValue::ZERO,
            PredictionVariant::SameTau,
            &rules,
        );
        assert_eq!(p.decision, Decision::NoSecondInfusion);
        assert!(p.statement.contains("already meets"));
        assert_eq!(p.activity_mbq, Activity::ZERO);
        // 3.9 Gy: raw (0.1/0.45) GBq = 222 MBq < 1000 MBq minimum.
        let p = plan_second_activity(
            d(3.9),
            Activity::from_mbq(8880.0),
            Mass::from_kg(20.0),
            DosePerActivity::from_gy_per_gbq(0.45),
            SValue::ZERO,
            PredictionVariant::SameTau,
            &rules,
        );
        assert_eq!(p.decision, Decision::NoSecondInfusion);
        assert!(
            p.statement.contains("below the minimum worthwhile"),
            "{}",
            p.statement
        );
    }

    #[test]
    fn variants() {
        let tau = Hours::new(30.0);
        let (s1, s2) = (
            SValue::from_gy_per_gbq_h(0.008),
            SValue::from_gy_per_gbq_h(0.009),
        );
        assert!(
            (PredictionVariant::SameTau
                .dose_per_activity(tau, s1, s2)
                .gy_per_gbq()
                - 0.27)
                .abs()
                < 1e-12
        );
        assert!(
            (PredictionVariant::SameDosePerActivity
                .dose_per_activity(tau, s1, s2)
                .gy_per_gbq()
                - 0.24)
                .abs()
                < 1e-12
        );
        assert!(
            (PredictionVariant::Factor { c: 1.1 }
                .dose_per_activity(tau, s1, s2)
                .gy_per_gbq()
                - 0.264)
                .abs()
                < 1e-12
        );
    }
}
