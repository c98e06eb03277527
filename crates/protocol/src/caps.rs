//! The caps on the second activity (docs/reference/dosimetry.md §6.4 \[I\]):
//! the one implementation of what each cap allows and which one binds.
//!
//! Two callers, one rule: the planning-time bound of the protocol
//! ([`crate::Protocol::max_second_activity`], before any dosimetry, so
//! without the dose cap) and the dose computation
//! (`mibg_dosimetry::plan::cap_second_activity`, every cap, also in every
//! bootstrap replicate). Both build a [`CapRules`] and call
//! [`CapRules::allowed`] and [`lowest_cap`]; neither computes a cap itself.
//!
//! ```
//! use mibg_protocol::caps::{CapKind, CapRules, lowest_cap};
//! use mibg_units::{Activity, ActivityPerMass, Mass};
//! // Seed protocol, 20 kg after 8880 MBq (by hand): per kg 777 × 20 = 15540 MBq,
//! // course 40000 − 8880 = 31120 MBq → 15540 MBq, the per-kg cap binds.
//! let rules = CapRules {
//!     max_activity_per_kg: Some(ActivityPerMass::from_mbq_per_kg(777.0)),
//!     max_total_activity: Some(Activity::from_gbq(40.0)),
//!     ..CapRules::default()
//! };
//! let caps = rules.allowed(Mass::from_kg(20.0), Activity::from_mbq(8880.0), None);
//! let (a2, binding) = lowest_cap(Activity::from_mbq(f64::INFINITY), &caps);
//! assert_eq!(a2.mbq(), 15540.0);
//! assert_eq!(binding, Some(CapKind::MaxActivityPerKg));
//! ```

use mibg_units::{AbsorbedDose, Activity, ActivityPerMass, DosePerActivity, Mass};
use serde::Serialize;

/// One cap of docs/reference/dosimetry.md §6.4, in the order they are
/// applied (the order decides which cap is named at a tie).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CapKind {
    /// Maximum activity per kg × mass at infusion 2.
    MaxActivityPerKg,
    /// Maximum activity of infusion 2.
    MaxActivityPerInfusion,
    /// Course total − A₁.
    MaxTotalActivity,
    /// (Maximum total whole-body dose − D₁)/d₂.
    MaxTotalDose,
}

impl CapKind {
    /// The cap's name as reported (`max_activity_per_kg`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::MaxActivityPerKg => "max_activity_per_kg",
            Self::MaxActivityPerInfusion => "max_activity_per_infusion",
            Self::MaxTotalActivity => "max_total_activity",
            Self::MaxTotalDose => "max_total_dose",
        }
    }
}

/// The caps a protocol sets on infusion 2 (docs/reference/dosimetry.md
/// §6.4 \[I\]); `None` = no such cap.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CapRules {
    /// Maximum activity per kg of the mass at infusion 2.
    pub max_activity_per_kg: Option<ActivityPerMass>,
    /// Maximum activity of infusion 2.
    pub max_activity_per_infusion: Option<Activity>,
    /// Maximum total activity A₁ + A₂ of the course.
    pub max_total_activity: Option<Activity>,
    /// Maximum total whole-body dose D₁ + D₂.
    pub max_total_dose: Option<AbsorbedDose>,
}

/// What each cap allows, in the order of [`CapKind`]; `None` for a cap the
/// rules do not set (or, for the dose cap, when no dosimetry is given).
pub type AllowedCaps = [Option<(CapKind, Activity)>; 4];

impl CapRules {
    /// The activity each cap allows for infusion 2:
    ///
    /// * per kg: `max_activity_per_kg` × `m2`;
    /// * per infusion: `max_activity_per_infusion`;
    /// * course: `max_total_activity` − `a1`, never below 0;
    /// * dose: (`max_total_dose` − D₁)/d₂, never below 0, only when
    ///   `dose = Some((D₁, d₂))` (the planning-time bound has no dosimetry).
    pub fn allowed(
        &self,
        m2: Mass,
        a1: Activity,
        dose: Option<(AbsorbedDose, DosePerActivity)>,
    ) -> AllowedCaps {
        [
            self.max_activity_per_kg
                .map(|p| (CapKind::MaxActivityPerKg, p * m2)),
            self.max_activity_per_infusion
                .map(|a| (CapKind::MaxActivityPerInfusion, a)),
            self.max_total_activity
                .map(|a| (CapKind::MaxTotalActivity, (a - a1).max(Activity::ZERO))),
            self.max_total_dose.zip(dose).map(|(max, (d1, d2))| {
                (
                    CapKind::MaxTotalDose,
                    Activity::from_gbq(((max - d1).gy() / d2.gy_per_gbq()).max(0.0)),
                )
            }),
        ]
    }
}

/// Applies the caps to `start` (the activity wanted before any cap): the
/// result is min(`start`, every cap), and the binding cap is the **first, in
/// order, of the lowest caps strictly below `start`** (`None` when no cap is
/// below it). A cap equal to `start` does not bind; of two equal caps the
/// earlier one is named.
pub fn lowest_cap(start: Activity, caps: &AllowedCaps) -> (Activity, Option<CapKind>) {
    let mut a = start;
    let mut binding = None;
    for (kind, allows) in caps.iter().flatten() {
        if *allows < a {
            a = *allows;
            binding = Some(*kind);
        }
    }
    (a, binding)
}
