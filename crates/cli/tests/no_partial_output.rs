//! Output is all-or-nothing: a failure while writing leaves no file, no
//! temporary `.partial` file and no folder behind (issue 9, item 5).

mod common;

use common::{fails, ok};
use std::path::Path;

/// Every entry under `dir`, recursively, hidden files included.
fn entries(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

/// study report writes four files; one target it cannot write (a folder
/// where km-efs.svg goes) means none of the four is written.
#[test]
fn study_report_writes_all_four_files_or_none() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("report");
    std::fs::create_dir_all(out.join("km-efs.svg")).unwrap();
    let err = fails(&[
        "study",
        "report",
        "examples/seed-study",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        err.contains("km-efs.svg") && err.contains("is a folder"),
        "{err}"
    );
    assert_eq!(entries(&out), ["km-efs.svg"]);
    // and with the obstacle gone, all four appear
    std::fs::remove_dir(out.join("km-efs.svg")).unwrap();
    ok(&[
        "study",
        "report",
        "examples/seed-study",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        entries(&out),
        ["km-efs.svg", "km-os.svg", "report.html", "report.json"]
    );
}

/// A folder that study report would create is not left behind when the
/// write fails (here: its parent path is a file).
#[test]
fn study_report_leaves_no_folder_behind() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("file"), "x").unwrap();
    let out = t.path().join("file/sub/report");
    let err = fails(&[
        "study",
        "report",
        "examples/seed-study",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(err.contains("cannot create"), "{err}");
    assert_eq!(entries(t.path()), ["file"]);
    // A failing study (invalid input) creates nothing either.
    let out = t.path().join("new/report");
    fails(&[
        "study",
        "report",
        "examples/study-broken",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(entries(t.path()), ["file"]);
}

/// A failure after the content was written (the final name is too long to
/// create: ENAMETOOLONG at the rename) removes the temporary file.
#[test]
fn plot_write_failure_after_writing_leaves_nothing() {
    let t = tempfile::tempdir().unwrap();
    let long = t.path().join(format!("{}.svg", "k".repeat(300)));
    let err = fails(&[
        "survival",
        "examples/survival/ovarian.csv",
        "--time",
        "time",
        "--event",
        "event",
        "--plot",
        long.to_str().unwrap(),
    ]);
    assert!(err.contains("cannot write"), "{err}");
    assert!(entries(t.path()).is_empty(), "{:?}", entries(t.path()));
    let long = t.path().join(format!("{}.svg", "d".repeat(300)));
    let err = fails(&[
        "dose",
        "examples/dose/readings.csv",
        "--weight-kg",
        "20",
        "--activity-mbq",
        "8880",
        "--bootstrap",
        "0",
        "--plot",
        long.to_str().unwrap(),
    ]);
    assert!(err.contains("cannot write"), "{err}");
    assert!(entries(t.path()).is_empty(), "{:?}", entries(t.path()));
}

/// A plot into a folder that does not exist is an error, and no folder is
/// created for it.
#[test]
fn plot_into_a_missing_folder_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("missing/km.svg");
    let err = fails(&[
        "survival",
        "examples/survival/ovarian.csv",
        "--time",
        "time",
        "--event",
        "event",
        "--plot",
        p.to_str().unwrap(),
    ]);
    assert!(err.contains("does not exist"), "{err}");
    assert!(entries(t.path()).is_empty());
    // a plot path that names no file (the filesystem root) is refused
    let err = fails(&[
        "survival",
        "examples/survival/ovarian.csv",
        "--time",
        "time",
        "--event",
        "event",
        "--plot",
        "/",
    ]);
    assert!(err.contains("not a file name"), "{err}");
}
