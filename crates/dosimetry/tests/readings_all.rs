//! `parse_readings_all`: every problem of a readings file, by line and
//! field; `parse_readings` reports the first of them.

use mibg_dosimetry::{ReadingsOptions, parse_readings, parse_readings_all};

fn problems(text: &str) -> Vec<(u64, String)> {
    let o = ReadingsOptions::default();
    let all = parse_readings_all("r.csv", text, &o).expect_err("problems");
    assert_eq!(parse_readings("r.csv", text, &o).unwrap_err(), all[0]);
    all.iter()
        .map(|e| {
            let l = e.location().unwrap();
            (l.line.unwrap_or(0), l.column.clone().unwrap_or_default())
        })
        .collect()
}

#[test]
fn a_valid_file_is_the_same_either_way() {
    let t = "hours,reading,background\n0,400,0.1\n4,311,0.1\n8,250,0.1\n24,150,0.1\n";
    let o = ReadingsOptions::default();
    let a = parse_readings_all("r.csv", t, &o).unwrap();
    let b = parse_readings("r.csv", t, &o).unwrap();
    assert_eq!(a.readings.len(), 4);
    assert_eq!(a.readings.len(), b.readings.len());
}

#[test]
fn every_unreadable_cell_then_every_rule_between_readings() {
    let p = problems(
        "hours,reading,background\n\
         0,400,0.1\n\
         4,abc,x\n\
         3,300,0.1\n\
         8,-2,0.1\n\
         24,0.1,0.1\n\
         ,250,0.1\n\
         48,500,0.1\n",
    );
    assert_eq!(
        p,
        vec![
            (3, "reading".to_string()),
            (3, "background".to_string()),
            (7, "hours".to_string()),
            (5, "reading".to_string()),
            (6, "reading".to_string()),
            (8, "reading".to_string()),
        ]
    );
}

#[test]
fn a_row_out_of_order_is_left_out_of_the_next_comparison() {
    // Line 4 (2 h after 8 h) is refused; line 5 (24 h) is compared with
    // line 3 (8 h), not with the refused row.
    let p = problems("hours,reading\n0,400\n8,300\n2,350\n24,100\n24,90\n");
    assert_eq!(p, vec![(4, "hours".to_string()), (6, "hours".to_string())]);
}

#[test]
fn a_refused_row_is_checked_no_further_and_compared_with_nothing() {
    // Line 4 (3 h after 4 h) is refused for its time. Line 5 (3.5 h) is
    // compared with line 3 (4 h), the last accepted row, so it is refused
    // too; compared with the refused 3 h it would pass.
    let p = problems("hours,reading\n0,400\n4,311\n3,300\n3.5,250\n");
    assert_eq!(p, vec![(4, "hours".to_string()), (5, "hours".to_string())]);
    // A row refused for its time is not checked against the pre-void
    // reading as well: 500 is 125 % of 400 (above 105 %), but the row has
    // its one problem already.
    let p = problems("hours,reading\n0,400\n4,311\n3,500\n");
    assert_eq!(p, vec![(4, "hours".to_string())]);
}

#[test]
fn too_few_readings_is_said_when_every_row_is_readable() {
    let p = problems("hours,reading\n0,400\n8,300\n");
    assert_eq!(p, vec![(0, String::new())]);
}

// --- Readings built from values (`from_pairs`, `from_rows`): their
// numbering and lines are what every later message points at.

use mibg_dosimetry::{Readings, ReadingsError, RowInput};
use mibg_units::Hours;

#[test]
fn from_pairs_numbers_rows_from_1_on_lines_from_2() {
    // As a file with its header on line 1: reading k (from 1) on line k + 1.
    let pairs = [
        (Hours::new(0.0), 400.0),
        (Hours::new(4.0), 311.0),
        (Hours::new(24.0), 150.0),
    ];
    let r = Readings::from_pairs("p", &pairs, 0.1).unwrap();
    let rows: Vec<(usize, usize)> = r.readings.iter().map(|x| (x.row, x.line)).collect();
    assert_eq!(rows, [(1, 2), (2, 3), (3, 4)]);
    assert!(!r.is_empty());
    assert_eq!(r.len(), 3);
    // The second time not after the first: the message points at line 3.
    let bad = [
        (Hours::new(4.0), 400.0),
        (Hours::new(4.0), 311.0),
        (Hours::new(24.0), 150.0),
    ];
    match Readings::from_pairs("p", &bad, 0.1).unwrap_err() {
        ReadingsError::NotIncreasing {
            location,
            previous_line,
            ..
        } => {
            assert_eq!(location.line, Some(3));
            assert_eq!(previous_line, 2);
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn from_rows_keeps_the_lines_and_numbers_rows_from_1() {
    let row = |line: usize, h: f64, raw: f64| RowInput {
        line,
        time: Hours::new(h),
        raw,
        background: 0.0,
    };
    let r = Readings::from_rows(
        "s",
        &[row(7, 0.0, 400.0), row(9, 4.0, 311.0), row(12, 24.0, 150.0)],
        0.1,
    )
    .unwrap();
    let rows: Vec<(usize, usize)> = r.readings.iter().map(|x| (x.row, x.line)).collect();
    assert_eq!(rows, [(1, 7), (2, 9), (3, 12)]);
}

#[test]
fn is_empty_says_whether_there_are_readings() {
    let empty = Readings {
        source: "e".into(),
        readings: vec![],
        time_column: "hours".into(),
        warnings: vec![],
    };
    assert!(empty.is_empty());
    assert_eq!(empty.len(), 0);
}

#[test]
fn a_format_problem_ends_the_reading_without_the_rules_between_readings() {
    // The quote opened on line 4 is never closed: a format problem. The
    // rows before it (lines 2 and 3) are readable and break a rule (500 is
    // 125 % of the pre-void 400, above the 5 % tolerance), but a format
    // problem explains every later one and ends the reading: it is the one
    // problem reported.
    let p = problems("hours,reading\n0,400\n4,500\n3,\"300\n");
    assert_eq!(p, [(4, String::new())]);
    // The same two rows without the broken line do break that rule.
    assert_eq!(
        problems("hours,reading\n0,400\n4,500\n"),
        [(3, "reading".to_string())]
    );
}

#[test]
fn an_infusion_end_with_an_hours_column_is_refused() {
    // The hours column already counts from the end of infusion: an instant
    // given as well is one of two contradicting time origins, refused at
    // the header's hours cell (line 1), not silently ignored.
    let o = ReadingsOptions {
        infusion_end: Some("2026-03-02T10:00:00Z".parse().unwrap()),
        ..ReadingsOptions::default()
    };
    let t = "hours,reading\n0,400\n4,311\n24,150\n";
    match parse_readings("r.csv", t, &o).unwrap_err() {
        ReadingsError::UnusedInfusionEnd { location } => {
            assert_eq!(
                (location.line, location.column.as_deref()),
                (Some(1), Some("hours"))
            );
        }
        e => panic!("{e:?}"),
    }
    // Without the instant the same file reads.
    assert_eq!(
        parse_readings("r.csv", t, &ReadingsOptions::default())
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn the_pre_void_tolerance_at_its_edge_and_its_message() {
    // Default tolerance 5 % (DEFAULT_ABOVE_PRE_VOID_TOLERANCE): a net
    // reading may be at most 105 % of the pre-void one. 420/400 = 1.05 and
    // 1 + 0.05 are the same double (the nearest to 1.05), so 420 sits on the
    // edge: kept, with a warning.
    assert_eq!(420.0 / 400.0, 1.0 + 0.05);
    let o = ReadingsOptions::default();
    let r = parse_readings("r.csv", "hours,reading\n0,400\n4,420\n24,150\n", &o).unwrap();
    assert_eq!(r.len(), 3);
    assert_eq!(
        r.warnings,
        [
            "r.csv line 3: net reading is 105.0 % of the pre-void reading (within the 5.0 % tolerance; kept)"
        ]
    );
    // Exactly 100 % is not above the pre-void reading: no warning.
    let r = parse_readings("r.csv", "hours,reading\n0,400\n4,400\n24,150\n", &o).unwrap();
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    // Beyond the edge: 500/400 = 125 %, refused with both percentages.
    let e = parse_readings("r.csv", "hours,reading\n0,400\n4,500\n24,150\n", &o).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("is 125.0 % of the pre-void reading 400 (line 2)"),
        "{text}"
    );
    assert!(text.contains("(tolerance 5.0 %)"), "{text}");
    match e {
        ReadingsError::AbovePreVoid {
            percent,
            tolerance_percent,
            pre_void_line,
            ..
        } => assert_eq!((percent, tolerance_percent, pre_void_line), (125.0, 5.0, 2)),
        e => panic!("{e:?}"),
    }
}
