//! Helpers shared by the end-to-end tests: run the real `mibg` binary.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A path under `tests/data/`.
pub fn data(rel: &str) -> PathBuf {
    repo_root().join("tests/data").join(rel)
}

/// Runs `mibg` with `args` in the repository root.
pub fn mibg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mibg"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("run mibg")
}

/// Runs `mibg` with `args` in the repository root, `input` written to its
/// standard input (a password for `--password-stdin`: typed passwords are
/// never arguments).
pub fn mibg_with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mibg"))
        .args(args)
        .current_dir(repo_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mibg");
    write!(child.stdin.take().expect("piped stdin"), "{input}").expect("write stdin");
    child.wait_with_output().expect("wait for mibg")
}

/// Runs `mibg` and asserts success; returns stdout.
pub fn ok(args: &[&str]) -> String {
    let out = mibg(args);
    assert!(
        out.status.success(),
        "mibg {args:?} failed with {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 stdout")
}

/// Runs `mibg`, asserts exit code 1 and empty stdout; returns stderr.
pub fn fails(args: &[&str]) -> String {
    let out = mibg(args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "mibg {args:?} should fail with 1\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "no partial output on stdout");
    String::from_utf8(out.stderr).expect("utf-8 stderr")
}
