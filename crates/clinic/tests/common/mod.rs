//! Helpers shared by the clinic crate's integration tests: a study folder
//! read into a `StudyInput`, an edit of one of its files, and the
//! physicist's overrides of every check the plausibility gate refuses.

#![allow(dead_code)]

use mibg_study::StudyInput;

/// A study folder of the repository (relative to its root) as the cohort
/// act takes it: every file, and every file of each subfolder as
/// `sub/name`. `PROVENANCE.md` (test data's own notes) is left out.
pub fn folder(rel: &str) -> StudyInput {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel);
    let mut s = StudyInput::default();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        if name == "PROVENANCE.md" {
            continue;
        }
        if e.path().is_file() {
            s.insert(name, std::fs::read_to_string(e.path()).unwrap());
        } else {
            for sub in std::fs::read_dir(e.path()).unwrap() {
                let sub = sub.unwrap();
                s.insert(
                    format!("{name}/{}", sub.file_name().to_string_lossy()),
                    std::fs::read_to_string(sub.path()).unwrap(),
                );
            }
        }
    }
    s
}

/// The synthetic seed study (examples/seed-study).
pub fn seed() -> StudyInput {
    folder("examples/seed-study")
}

/// Replaces the first `from` of `file` with `to` (which must be there).
pub fn edit(s: &mut StudyInput, file: &str, from: &str, to: &str) {
    let t = s.files[file].clone();
    assert!(t.contains(from), "{file}: {from}");
    s.insert(file, t.replacen(from, to, 1));
}

/// The checks a plausibility-gate refusal names, from its message's
/// "[check 'a', 'b': …]" (or "[checks …]").
pub fn refused_checks(message: &str) -> Vec<String> {
    let tail = message.rsplit_once(" [check").unwrap().1;
    let list = tail.trim_start_matches('s').split(':').next().unwrap();
    list.split(',')
        .map(|c| c.trim().trim_matches('\'').to_string())
        .collect()
}

/// What [`accept_every_refusal`] accepted: each check named once, in the
/// order the refusals named them, the refusals' messages, and how many
/// errors each round had.
#[derive(Debug)]
pub struct Accepted {
    pub checks: Vec<String>,
    pub messages: String,
    pub errors_per_round: Vec<usize>,
}

/// Accepts, as SYN-01's physicist (`overrides.csv`, one row per check in
/// the order named), every check the gate's refusals name, round after
/// round, until the study validates: the gate refuses at its first failed
/// stage, and once that is accepted it may refuse at the next ones.
pub fn accept_every_refusal(s: &mut StudyInput, reason: &str) -> Accepted {
    let mut a = Accepted {
        checks: Vec::new(),
        messages: String::new(),
        errors_per_round: Vec::new(),
    };
    for _ in 0..8 {
        let e = mibg_clinic::cohort::validate(s).problems.errors;
        if e.is_empty() {
            return a;
        }
        a.errors_per_round.push(e.len());
        for p in &e {
            a.messages.push_str(&p.message);
            let named = refused_checks(&p.message);
            assert!(!named.is_empty(), "{}", p.message);
            for c in named {
                if !a.checks.contains(&c) {
                    a.checks.push(c);
                }
            }
        }
        let mut csv = String::from("patient,check,accepted_by,reason\n");
        for c in &a.checks {
            csv.push_str(&format!("SYN-01,{c},A. Physicist,{reason}\n"));
        }
        s.insert("overrides.csv", csv);
    }
    panic!("still refused after 8 rounds of overrides: {a:?}");
}
