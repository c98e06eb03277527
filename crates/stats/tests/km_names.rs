//! The names a Kaplan–Meier result gives for how it was computed (issue 16:
//! a text that names the method used is part of the result).
//!
//! * The CI transforms are named as R `survival` names its `conf.type`
//!   values ("plain", "log", "log-log", "logit", "arcsin"; R 3.5-3
//!   `?survfit.formula`, docs/reference/statistics.md §2.3), which is also
//!   the spelling the command line and JSON accept.
//! * An undefined value says why, in words that name its cause
//!   (docs/reference/statistics.md §2.2–2.6: the infinite Greenwood term, the
//!   transform undefined at S = 0 or 1, a quantile not reached, nobody at
//!   risk at a landmark).

use mibg_stats::km::{ConfType, Undefined};

#[test]
fn ci_transforms_are_named_as_r_conf_type() {
    for (c, r_name) in [
        (ConfType::Plain, "plain"),
        (ConfType::Log, "log"),
        (ConfType::LogLog, "log-log"),
        (ConfType::Logit, "logit"),
        (ConfType::Arcsin, "arcsin"),
    ] {
        assert_eq!(c.name(), r_name);
        assert_eq!(c.to_string(), r_name);
        // The name is read back as the same transform.
        assert_eq!(r_name.parse::<ConfType>().unwrap(), c);
    }
}

#[test]
fn an_undefined_value_names_its_cause() {
    let cases = [
        (
            Undefined::InfiniteVariance,
            &["Greenwood", "last subject"][..],
        ),
        (
            Undefined::LogLogAtBoundary,
            &["log-log", "S = 1", "S = 0"][..],
        ),
        (Undefined::LogAtZero, &["log interval", "S = 0"][..]),
        (Undefined::LogitAtBoundary, &["logit", "S = 1", "S = 0"][..]),
        (
            Undefined::ArcsinAtBoundary,
            &["arcsine", "S = 1", "S = 0"][..],
        ),
        (Undefined::NotReached, &["not reached"][..]),
        (Undefined::NoneAtRisk, &["nobody at risk"][..]),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (u, words) in cases {
        let reason = u.reason();
        for w in words {
            assert!(reason.contains(w), "{u:?}: '{reason}' lacks '{w}'");
        }
        // Display is the reason; every reason is its own.
        assert_eq!(u.to_string(), reason);
        assert!(seen.insert(reason), "{u:?} repeats '{reason}'");
    }
    // "not reached" is the whole text (as in published median tables),
    // every other reason starts by saying the value is undefined.
    assert_eq!(Undefined::NotReached.reason(), "not reached");
    assert!(Undefined::NoneAtRisk.reason().starts_with("undefined"));
}
