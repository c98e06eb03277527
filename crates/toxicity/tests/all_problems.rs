//! `parse_labs_all`: every problem of a labs file, by line and field, and
//! `parse_labs` reports the first of them (the same rules, one parser).

use mibg_toxicity::csv_input::{parse_labs, parse_labs_all};

const HEADER: &str = "patient,date,test,value,unit,lln,uln,baseline\n";

fn problems(body: &str) -> Vec<(u64, String, String)> {
    let text = format!("{HEADER}{body}");
    let all = parse_labs_all(&text, "labs.csv").expect_err("problems");
    // The single-error parser reports the first one.
    assert_eq!(parse_labs(&text, "labs.csv").unwrap_err(), all[0]);
    all.iter()
        .map(|e| {
            let l = e.location();
            (
                l.line.unwrap_or(0),
                l.column.clone().unwrap_or_default(),
                e.detail(),
            )
        })
        .collect()
}

#[test]
fn a_valid_file_gives_every_row() {
    let text = format!(
        "{HEADER}P1,2025-01-01,neutrophils,1.2,10^9/L,1.5,,\nP1,2025-01-02,platelets,45,10^9/L,150,400,yes\n"
    );
    let labs = parse_labs_all(&text, "labs.csv").unwrap();
    assert_eq!(labs.len(), 2);
    assert!(labs[1].baseline);
    assert_eq!(labs, parse_labs(&text, "labs.csv").unwrap());
}

#[test]
fn every_row_and_every_field_is_reported() {
    let p = problems(
        "P1,2025-13-01,neutrophils,1.2,10^9/L,1.5,,\n\
         P1,2025-01-02,platelets,4x,10^9/L,150,400,\n\
         ,2025-01-03,bogus,1,10^9/L,1,2,maybe\n\
         P1,2025-01-04,neutrophils,1.2,10^9/L,,,\n\
         P1,2025-01-05,platelets,45,mg/dL,150,400,\n\
         P1,2025-01-06,platelets,45,10^9/L,400,150,\n\
         P1,2025-01-07,neutrophils,1.0\n",
    );
    let at: Vec<(u64, &str)> = p.iter().map(|(l, c, _)| (*l, c.as_str())).collect();
    assert_eq!(
        at,
        vec![
            (2, "date"),
            (3, "value"),
            (4, "patient"),
            (4, "test"),
            (4, "baseline"),
            (5, "lln"),
            (6, "unit"),
            (7, "lln"),
            (8, ""),
        ],
        "{p:#?}"
    );
    assert!(p[6].2.contains("not a unit of platelets"), "{}", p[6].2);
    assert!(p[7].2.contains("not below uln"), "{}", p[7].2);
}

#[test]
fn an_implausible_value_and_a_bad_limit_of_one_row_are_both_named() {
    // Haemoglobin 5 g/L (10 times too small) and a LLN of 11 g/L (g/dL
    // written in a g/L row): both are named.
    let p = problems("P1,2025-01-01,haemoglobin,5,g/L,11,150,\n");
    let cols: Vec<&str> = p.iter().map(|(_, c, _)| c.as_str()).collect();
    assert_eq!(cols, vec!["lln", "value"], "{p:#?}");
    assert!(p.iter().all(|x| x.2.contains("check the unit")));
}

#[test]
fn a_header_problem_ends_the_reading() {
    let text = "patient,date,test,value,unit,lln\nP1,x,y,z,w,v\n";
    let all = parse_labs_all(text, "labs.csv").unwrap_err();
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].location().column.as_deref(), Some("uln"));
}
