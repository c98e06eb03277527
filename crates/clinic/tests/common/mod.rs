//! Helpers shared by the clinic crate's integration tests: a study folder
//! read into a `StudyInput`, and an edit of one of its files.

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
