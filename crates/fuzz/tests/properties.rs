//! Property-based generators beside the mutator: tables built from a
//! CSV-ish alphabet and random numbers, fed to every CSV parser and to the
//! proportion intervals. The property: an answer (accepted or refused),
//! never a panic; an interval inside [0, 1].

use mibg_stats::conf::ConfLevel;
use mibg_stats::proportion::{Method, confint};
use proptest::prelude::*;

/// A cell: a number in any spelling, or a short text.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<f64>().prop_map(|v| v.to_string()),
        (-1e6f64..1e6).prop_map(|v| format!("{v:.3}")),
        any::<i64>().prop_map(|v| v.to_string()),
        "[0-9.,eE+-]{0,8}",
        "[a-z_ #\"]{0,6}",
        Just("2026-03-02".to_string()),
        Just("2026-03-02T14:30:00+01:00".to_string()),
    ]
}

/// A table: a header from the columns the parsers know (and others), then
/// rows of cells, joined with a delimiter and line ending.
fn table() -> impl Strategy<Value = String> {
    let names = prop::sample::subsequence(
        vec![
            "hours",
            "time",
            "reading",
            "background",
            "mass_kg",
            "s_gy_per_gbq_h",
            "event",
            "group",
            "age",
            "patient",
            "date",
            "test",
            "value",
            "unit",
            "uln",
            "term",
            "grade",
            "ctcae_version",
            "product",
            "note",
        ],
        1..6,
    );
    (
        names,
        prop::collection::vec(prop::collection::vec(cell(), 0..7), 0..12),
        prop::sample::select(vec![",", ";", "\t"]),
        prop::sample::select(vec!["\n", "\r\n"]),
    )
        .prop_map(|(h, rows, d, nl)| {
            let mut s = h.join(d);
            for r in rows {
                s.push_str(nl);
                s.push_str(&r.join(d));
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn every_csv_parser_answers(text in table()) {
        let _ = mibg_dosimetry::parse_readings("r.csv", &text, &Default::default());
        let _ = mibg_dosimetry::parse_s_table("s.csv", &text);
        let _ = mibg_toxicity::csv_input::parse_labs(&text, "labs.csv");
        let _ = mibg_toxicity::csv_input::parse_events(&text, "events.csv");
        let _ = mibg_toxicity::csv_input::parse_transfusions(&text, "t.csv");
        let spec = mibg_stats::survdata::ColumnSpec {
            time: "time".into(),
            event: "event".into(),
            group: Some("group".into()),
            covariates: vec!["age".into()],
            weight: None,
            strata: None,
        };
        let _ = mibg_stats::survdata::parse_csv(&text, "s.csv", &spec);
    }

    #[test]
    fn proportion_intervals_stay_in_the_unit_interval(
        n in 1u64..=1_000_000_000_000,
        frac in 0.0f64..=1.0,
        level in 0.5f64..0.9999,
    ) {
        let x = ((n as f64) * frac).floor() as u64;
        let level = ConfLevel::new(level).unwrap();
        for m in Method::ALL {
            let ci = confint(x.min(n), n, m, level).unwrap();
            prop_assert!(0.0 <= ci.lower && ci.lower <= ci.upper && ci.upper <= 1.0,
                "{}: {x}/{n} → [{}, {}]", m.name(), ci.lower, ci.upper);
        }
    }
}
