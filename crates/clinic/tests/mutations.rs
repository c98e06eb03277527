//! Property: for every single-edit mutant of the bundled seed study,
//! `validate` accepts it exactly when `report` succeeds, and both list the
//! same problems (errors and warnings), whether they borrow the folder's
//! files or are given them (`validate_owned`, `report_owned`: the command
//! line's calls). The edits are drawn from a fixed
//! seed (deterministic): a cell changed (empty, text, zero, negative, ×10,
//! ÷37 as mCi, ÷24 as days, 1e306, a far date, an unknown patient), a row
//! deleted or duplicated, a header renamed, a file deleted or cut to its
//! header, a `study.toml` value replaced (0, −50, 365, 1e306, 95, text…),
//! a number of an assessment file changed, an override added.
//!
//! The number of mutants is `MIBG_MUTANTS`; by default 3000 in an
//! optimised build (`cargo test --release`, as CI runs it) and 100 in a
//! debug build (each mutant runs the whole pipeline twice, about 0.13 s
//! unoptimised), so that `cargo test --workspace` stays quick.

mod common;
use mibg_clinic::cohort::{report, report_owned, validate, validate_owned};
use mibg_study::StudyInput;

/// SplitMix64 (Steele, Lea & Flood 2014): a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// Data lines of a CSV text (not comments, not the header): their indices.
fn data_lines(lines: &[&str]) -> (Option<usize>, Vec<usize>) {
    let mut header = None;
    let mut data = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.starts_with('#') || l.trim().is_empty() {
            continue;
        }
        if header.is_none() {
            header = Some(i);
        } else {
            data.push(i);
        }
    }
    (header, data)
}

fn join(lines: &[String]) -> String {
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

fn new_cell(rng: &mut Rng, old: &str) -> String {
    let num = old.parse::<f64>().ok();
    match rng.below(12) {
        0 => String::new(),
        1 => "x".into(),
        2 => "0".into(),
        3 => "-1".into(),
        4 => num.map_or("10".into(), |v| format!("{}", v * 10.0)),
        5 => num.map_or("37".into(), |v| format!("{}", v / 37.0)),
        6 => num.map_or("24".into(), |v| format!("{}", v / 24.0)),
        7 => "1e306".into(),
        8 => "1900-01-01".into(),
        9 => "2030-06-15".into(),
        10 => "SYN-99".into(),
        _ => num.map_or("1".into(), |v| format!("{}", v + 1.0)),
    }
}

/// One single edit of the study; returns its description.
fn mutate(rng: &mut Rng, s: &mut StudyInput) -> String {
    let names: Vec<String> = s.files.keys().cloned().collect();
    let csvs: Vec<String> = names
        .iter()
        .filter(|n| n.ends_with(".csv"))
        .cloned()
        .collect();
    let kind = rng.below(10);
    match kind {
        0..=3 => {
            let f = rng.pick(&csvs).clone();
            let text = s.files[&f].clone();
            let lines: Vec<&str> = text.lines().collect();
            let (_, data) = data_lines(&lines);
            let i = *rng.pick(&data);
            let mut cells: Vec<String> = lines[i].split(',').map(str::to_string).collect();
            let c = rng.below(cells.len());
            let new = new_cell(rng, &cells[c]);
            let d = format!("{f} line {}: cell {c} '{}' → '{new}'", i + 1, cells[c]);
            cells[c] = new;
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out[i] = cells.join(",");
            s.insert(f, join(&out));
            d
        }
        4 | 5 => {
            let f = rng.pick(&csvs).clone();
            let text = s.files[&f].clone();
            let lines: Vec<&str> = text.lines().collect();
            let (_, data) = data_lines(&lines);
            let i = *rng.pick(&data);
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            let d = if kind == 4 {
                out.remove(i);
                format!("{f}: line {} deleted", i + 1)
            } else {
                out.insert(i, lines[i].to_string());
                format!("{f}: line {} duplicated", i + 1)
            };
            s.insert(f, join(&out));
            d
        }
        6 => {
            let f = rng.pick(&csvs).clone();
            let text = s.files[&f].clone();
            let lines: Vec<&str> = text.lines().collect();
            let (header, data) = data_lines(&lines);
            let h = header.unwrap();
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            match rng.below(3) {
                0 => {
                    let mut cells: Vec<String> = lines[h].split(',').map(str::to_string).collect();
                    let c = rng.below(cells.len());
                    let d = format!("{f}: header '{}' renamed", cells[c]);
                    cells[c] = format!("{}x", cells[c]);
                    out[h] = cells.join(",");
                    s.insert(f, join(&out));
                    d
                }
                1 => {
                    for &i in data.iter().rev() {
                        out.remove(i);
                    }
                    s.insert(f.clone(), join(&out));
                    format!("{f}: cut to its header")
                }
                _ => {
                    s.files.remove(&f);
                    format!("{f}: deleted")
                }
            }
        }
        7 => {
            let text = s.files["study.toml"].clone();
            let lines: Vec<&str> = text.lines().collect();
            let keyed: Vec<usize> = lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.contains(" = ") && !l.starts_with('#'))
                .map(|(i, _)| i)
                .collect();
            let i = *rng.pick(&keyed);
            let key = lines[i].split(" = ").next().unwrap();
            let v = *rng.pick(&[
                "0",
                "-50",
                "365",
                "1e306",
                "95",
                "0.5",
                "[365.0]",
                "[0.0]",
                "[1e306]",
                "\"bogus\"",
                "true",
                "\"1900-01-01\"",
                "2",
                "[]",
            ]);
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out[i] = format!("{key} = {v}");
            s.insert("study.toml", join(&out));
            format!("study.toml: {key} = {v}")
        }
        8 => {
            let asses: Vec<String> = names
                .iter()
                .filter(|n| n.starts_with("assessments/"))
                .cloned()
                .collect();
            let f = rng.pick(&asses).clone();
            let text = s.files[&f].clone();
            let lines: Vec<&str> = text.lines().collect();
            let numeric: Vec<usize> = lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.chars().any(|c| c.is_ascii_digit()) && l.contains(" = "))
                .map(|(i, _)| i)
                .collect();
            let i = *rng.pick(&numeric);
            let key = lines[i].split(" = ").next().unwrap();
            let v = *rng.pick(&["7", "-1", "0", "1000", "\"2001-01-01\"", "\"x\""]);
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out[i] = format!("{key} = {v}");
            s.insert(f.clone(), join(&out));
            format!("{f} line {}: {key} = {v}", i + 1)
        }
        _ => {
            let patient = format!("SYN-{:02}", 1 + rng.below(27));
            let check = *rng.pick(&["infusion1-activity", "weight-change", "last-reading", "fit"]);
            s.insert(
                "overrides.csv",
                format!(
                    "patient,check,accepted_by,reason\n{patient},{check},A. Physicist,checked\n"
                ),
            );
            format!("overrides.csv: {patient} {check}")
        }
    }
}

#[test]
fn validate_accepts_exactly_the_studies_that_report_and_lists_the_same_problems() {
    let n: usize = std::env::var("MIBG_MUTANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) { 100 } else { 3000 });
    let seed = common::seed();
    let mut rng = Rng(20_250_404);
    let (mut accepted, mut refused) = (0, 0);
    for k in 0..n {
        let mut m = seed.clone();
        let what = mutate(&mut rng, &mut m);
        // The command line gives the folder away (`*_owned`: each file's
        // text freed once read); every other mutant checks that against
        // the borrowing calls on the other side.
        let (v, r) = if k % 2 == 0 {
            (validate_owned(m.clone()), report(&m))
        } else {
            (validate(&m), report_owned(m))
        };
        match r {
            Ok(rep) => {
                assert!(
                    v.problems.is_ok(),
                    "mutant {k} ({what}): report succeeds, validate refuses: {:#?}",
                    v.problems.errors
                );
                let warnings: Vec<String> =
                    v.problems.warnings.iter().map(|w| w.to_string()).collect();
                assert_eq!(rep.warnings, warnings, "mutant {k} ({what})");
                accepted += 1;
            }
            Err(p) => {
                assert!(
                    !v.problems.is_ok(),
                    "mutant {k} ({what}): validate accepts, report refuses: {:#?}",
                    p.errors
                );
                assert_eq!(p, v.problems, "mutant {k} ({what})");
                refused += 1;
            }
        }
    }
    eprintln!("{n} mutants: {accepted} accepted by both, {refused} refused by both");
    // The edits must exercise both sides.
    assert!(
        accepted > n / 20 && refused > n / 4,
        "{accepted} / {refused}"
    );
}
