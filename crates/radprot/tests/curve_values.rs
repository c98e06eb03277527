//! The contract of a retention curve (crates/radprot/src/curve.rs
//! `RetentionCurve`): every value used must be a finite number ≥ 0; any
//! other is refused with `InvalidRetention`, naming the time and the value.
//! Each bad kind is tried on its own (issue 16: a negative value or an
//! infinity must be refused, not only NaN).

use mibg_radprot::{RadProtError, dose_rate_at_1m, retention_fn};
use mibg_units::{DoseRate, Hours};

fn at_2h(value: f64) -> Result<DoseRate, RadProtError> {
    dose_rate_at_1m(
        &retention_fn(move |_| value),
        DoseRate::from_usv_per_h(100.0),
        Hours::new(2.0),
    )
}

#[test]
fn a_negative_retention_is_refused() {
    match at_2h(-0.25) {
        Err(RadProtError::InvalidRetention { t_h, value }) => {
            assert_eq!(t_h, 2.0);
            assert_eq!(value, -0.25);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_infinite_retention_is_refused() {
    assert!(matches!(
        at_2h(f64::INFINITY),
        Err(RadProtError::InvalidRetention { .. })
    ));
    assert!(matches!(
        at_2h(f64::NAN),
        Err(RadProtError::InvalidRetention { .. })
    ));
}

#[test]
fn zero_and_above_one_are_accepted() {
    // 0 (everything cleared) gives 0 µSv/h; 1.25 (an earlier infusion's
    // residual on top, R(0) > 1) gives 100 × 1.25 = 125 µSv/h (hand).
    assert_eq!(at_2h(0.0).unwrap().usv_per_h(), 0.0);
    assert_eq!(at_2h(1.25).unwrap().usv_per_h(), 125.0);
}
