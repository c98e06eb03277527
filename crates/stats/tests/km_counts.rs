//! Counts per group (`EventCounts::by_group`, the input of stratified KM
//! tables and the log-rank test): which column a length error names, and
//! that a group with only events or only censorings is a group (only a group
//! with no observation at all is empty). Every expected count is by hand
//! from the listed data.

use mibg_stats::km::{EventCounts, KmError};
use mibg_stats::time::SurvTime;

fn t(v: &[f64]) -> Vec<SurvTime> {
    v.iter().map(|&x| SurvTime::new(x).unwrap()).collect()
}

#[test]
fn a_length_error_names_the_short_column() {
    let time = t(&[1.0, 2.0, 3.0]);
    // The event column is short (group column fine): "event", 2 for 3.
    let e = EventCounts::by_group(&time, &[true, false], &[0, 0, 1], 2).unwrap_err();
    assert_eq!(
        e,
        KmError::LengthMismatch {
            what: "event",
            got: 2,
            expected: 3
        }
    );
    // The group column is short (event column fine): "group", 1 for 3.
    let e = EventCounts::by_group(&time, &[true, false, true], &[0], 2).unwrap_err();
    assert_eq!(
        e,
        KmError::LengthMismatch {
            what: "group",
            got: 1,
            expected: 3
        }
    );
    // Both short: the event column is named first.
    let e = EventCounts::by_group(&time, &[true], &[0, 1], 2).unwrap_err();
    assert_eq!(
        e,
        KmError::LengthMismatch {
            what: "event",
            got: 1,
            expected: 3
        }
    );
}

#[test]
fn a_group_of_only_events_or_only_censorings_is_counted() {
    // Group 0: events at 2 and 5; group 1: censorings at 3, 3 and 7.
    let time = t(&[2.0, 3.0, 5.0, 3.0, 7.0]);
    let event = [true, false, true, false, false];
    let group = [0, 1, 0, 1, 1];
    let g = EventCounts::by_group(&time, &event, &group, 2).unwrap();
    assert_eq!(g.len(), 2);
    assert_eq!((g[0].n(), g[0].n_events()), (2, 2));
    assert_eq!(g[0].times(), &[2.0, 5.0]);
    assert_eq!(g[0].events(), &[1, 1]);
    assert_eq!(g[0].censorings(), &[0, 0]);
    assert_eq!((g[1].n(), g[1].n_events()), (3, 0));
    assert_eq!(g[1].times(), &[3.0, 7.0]);
    assert_eq!(g[1].events(), &[0, 0]);
    assert_eq!(g[1].censorings(), &[2, 1]);
    // A third group with no observation at all is empty.
    assert_eq!(
        EventCounts::by_group(&time, &event, &group, 3).unwrap_err(),
        KmError::Empty
    );
}
