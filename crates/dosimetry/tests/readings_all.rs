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
fn too_few_readings_is_said_when_every_row_is_readable() {
    let p = problems("hours,reading\n0,400\n8,300\n");
    assert_eq!(p, vec![(0, String::new())]);
}
