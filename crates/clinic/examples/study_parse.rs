//! The parse-only floor of `mibg study report`: reads a study folder the
//! way the CLI does (every top-level file and `assessments/*`) and runs
//! only the study crate's format checks (`mibg_study::validate`: every
//! table parsed, every cross-reference checked), none of the clinical
//! steps. `scripts/bench/study_report.sh` times it next to the report.
//!
//! Run: `cargo run --release -p mibg-clinic --example study_parse -- DIR`
//!
//! With `--report DIR` it runs the whole report instead
//! (`mibg_clinic::cohort::report`, printed as the JSON of `mibg study report
//! --json`): the same process without the command line's other work, to
//! compare builds of the library alone.

use mibg_study::StudyInput;
use std::path::Path;

fn add(input: &mut StudyInput, path: &Path, rel: String) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if rel.ends_with(".csv") {
        input.insert_bytes(rel, bytes);
    } else {
        let text = String::from_utf8(bytes).unwrap_or_else(|_| panic!("{rel}: not UTF-8"));
        input.insert(rel, text);
    }
}

fn sorted(dir: &Path) -> Vec<std::fs::DirEntry> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry"))
        .collect();
    v.sort_by_key(std::fs::DirEntry::file_name);
    v
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (whole, dir) = match args.as_slice() {
        [flag, dir] if flag == "--report" => (true, dir),
        [dir] => (false, dir),
        _ => panic!("usage: study_parse [--report] STUDY_DIR"),
    };
    let dir = Path::new(dir);
    let mut input = StudyInput::default();
    for e in sorted(dir) {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        if e.path().is_file() {
            add(&mut input, &e.path(), name);
        } else if name == mibg_study::load::files::ASSESSMENTS_DIR {
            for s in sorted(&e.path()) {
                let sname = s.file_name().to_string_lossy().to_string();
                if !sname.starts_with('.') && s.path().is_file() {
                    add(&mut input, &s.path(), format!("{name}/{sname}"));
                }
            }
        }
    }
    if whole {
        let r = mibg_clinic::cohort::report_owned(input).expect("the study reports");
        let json = serde_json::to_string_pretty(&r).expect("JSON") + "\n";
        print!("{json}");
        return;
    }
    let v = mibg_study::validate_owned(input);
    println!(
        "{} patients, {} lab rows, {} readings, {} errors, {} warnings",
        v.data.patients.len(),
        v.data.toxicity.labs.len(),
        v.data.readings.len(),
        v.problems.errors.len(),
        v.problems.warnings.len()
    );
}
