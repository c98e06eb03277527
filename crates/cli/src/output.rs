//! Writing results: all-or-nothing files, JSON on stdout, and the one place
//! that writes to stderr.
//!
//! Every byte the binary writes goes through `std::io::Write` calls that
//! return errors (no `println!`/`eprintln!`, which panic on a closed pipe:
//! `clippy::print_stdout`/`print_stderr` are denied in `main.rs`). A write
//! to a closed pipe (`mibg … | head`) surfaces as an `io::Error` of kind
//! `BrokenPipe`; [`is_broken_pipe`] lets `main` stop quietly on it.

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Exit status after the reader of stdout went away: 128 + SIGPIPE (13), the
/// status a shell reports for a Unix tool ended by a closed pipe (`yes | head`
/// under `set -o pipefail`). Nothing is printed.
pub const BROKEN_PIPE_STATUS: u8 = 141;

/// Whether `e`, or any error in its chain, is a write to a closed pipe.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .and_then(|j| j.io_error_kind())
                .is_some_and(|k| k == std::io::ErrorKind::BrokenPipe)
    })
}

/// Prints an error message on stderr. A failure to print (stderr closed
/// too: `2>&1 | head`) is ignored: there is nobody left to tell.
pub fn report_error(e: &anyhow::Error) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "error: {e:#}");
    let _ = err.flush();
}

/// Writes `contents` to `path` so that the file either appears complete or
/// not at all (see [`write_all_or_nothing`]); the folder must exist.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("{}: not a file name", path.display()))?;
    if !dir.is_dir() {
        bail!(
            "cannot write {}: the folder {} does not exist",
            path.display(),
            dir.display()
        );
    }
    write_all_or_nothing(dir, &[(Path::new(name), contents)])
}

/// Writes several files into `dir` (created if needed) so that either all
/// of them appear, complete, or none does and nothing is left behind:
///
/// 1. every target is checked first (a target that is a folder is an error
///    before anything is written);
/// 2. the folder and any missing parents are created, remembering which;
/// 3. each file is written and synced to a uniquely named hidden temporary
///    file in `dir` (`tempfile`: removed when dropped, also on an error);
/// 4. only when every temporary file is complete are they renamed over the
///    targets, each previous file first moved aside; if a rename fails, the
///    files already renamed are removed and the previous ones put back;
/// 5. on any error the folders created in step 2 are removed again (only if
///    empty: a folder that something else wrote into in the meantime stays).
pub fn write_all_or_nothing(dir: &Path, files: &[(&Path, &[u8])]) -> Result<()> {
    for (name, _) in files {
        let target = dir.join(name);
        if target.is_dir() {
            bail!("cannot write {}: it is a folder", target.display());
        }
    }
    let created = create_dirs(dir)?;
    let result = write_staged(dir, files);
    if result.is_err() {
        for d in created.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
    result
}

/// Creates `dir` and its missing parents; returns the folders created,
/// outermost first.
fn create_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut d = Some(dir);
    while let Some(p) = d {
        if p.as_os_str().is_empty() || p.exists() {
            break;
        }
        missing.push(p.to_path_buf());
        d = p.parent();
    }
    missing.reverse();
    for (i, m) in missing.iter().enumerate() {
        if let Err(e) = std::fs::create_dir(m) {
            for c in missing[..i].iter().rev() {
                let _ = std::fs::remove_dir(c);
            }
            return Err(e).with_context(|| format!("cannot create {}", m.display()));
        }
    }
    Ok(missing)
}

fn write_staged(dir: &Path, files: &[(&Path, &[u8])]) -> Result<()> {
    // Step 3: every file complete in a temporary file first.
    let mut staged = Vec::with_capacity(files.len());
    for (name, contents) in files {
        let target = dir.join(name);
        let mut tmp = tempfile::Builder::new()
            .prefix(".mibg-")
            .suffix(".partial")
            .tempfile_in(dir)
            .with_context(|| format!("cannot write {}", target.display()))?;
        tmp.write_all(contents)
            .and_then(|()| tmp.as_file().sync_all())
            .with_context(|| format!("cannot write {}", target.display()))?;
        staged.push((tmp, target));
    }
    // Step 4: rename into place, keeping the previous files until the end.
    let mut done: Vec<(PathBuf, Option<tempfile::TempPath>)> = Vec::new();
    for (tmp, target) in staged {
        let backup = if target.exists() {
            match move_aside(dir, &target) {
                Ok(b) => Some(b),
                Err(e) => {
                    roll_back(done);
                    return Err(e);
                }
            }
        } else {
            None
        };
        if let Err(e) = tmp.persist(&target) {
            if let Some(b) = &backup {
                let _ = std::fs::rename(b, &target);
            }
            roll_back(done);
            return Err(e.error).with_context(|| format!("cannot write {}", target.display()));
        }
        done.push((target, backup));
    }
    // Success: the previous files go (TempPath removes them when dropped).
    drop(done);
    Ok(())
}

/// Renames an existing target to a temporary name in `dir`; the returned
/// path deletes the file when dropped.
fn move_aside(dir: &Path, target: &Path) -> Result<tempfile::TempPath> {
    let holder = tempfile::Builder::new()
        .prefix(".mibg-")
        .suffix(".previous")
        .tempfile_in(dir)
        .with_context(|| format!("cannot replace {}", target.display()))?
        .into_temp_path();
    std::fs::rename(target, &holder)
        .with_context(|| format!("cannot replace {}", target.display()))?;
    Ok(holder)
}

/// Undoes the renames done so far: new files removed, previous ones restored.
fn roll_back(done: Vec<(PathBuf, Option<tempfile::TempPath>)>) {
    for (target, backup) in done.into_iter().rev() {
        let _ = std::fs::remove_file(&target);
        if let Some(b) = backup
            && std::fs::rename(&b, &target).is_ok()
        {
            // restored: keep TempPath from deleting the file now at `target`
            let _ = b.keep();
        }
    }
}

/// Prints one pretty JSON document and a newline.
pub fn print_json<T: serde::Serialize>(out: &mut dyn Write, value: &T) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_every_file() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("a/b");
        write_all_or_nothing(
            &out,
            &[(Path::new("x.txt"), b"1"), (Path::new("y.txt"), b"2")],
        )
        .unwrap();
        assert_eq!(listing(&out), ["x.txt", "y.txt"]);
        assert_eq!(std::fs::read(out.join("y.txt")).unwrap(), b"2");
        // replacing: no backup left behind
        write_all_or_nothing(&out, &[(Path::new("x.txt"), b"3")]).unwrap();
        assert_eq!(listing(&out), ["x.txt", "y.txt"]);
        assert_eq!(std::fs::read(out.join("x.txt")).unwrap(), b"3");
    }

    #[test]
    fn a_failing_rename_rolls_back_every_file() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path();
        std::fs::write(out.join("x.txt"), b"old").unwrap();
        // y.txt/ is a non-empty folder created after the up-front check
        // could see it: simulate with a name whose rename must fail.
        std::fs::create_dir(out.join("y.txt")).unwrap();
        std::fs::write(out.join("y.txt/keep"), b"k").unwrap();
        let err = write_staged(
            out,
            &[(Path::new("x.txt"), b"new"), (Path::new("y.txt"), b"2")],
        );
        assert!(err.is_err());
        assert_eq!(listing(out), ["x.txt", "y.txt"]);
        assert_eq!(std::fs::read(out.join("x.txt")).unwrap(), b"old");
    }

    #[test]
    fn a_folder_target_is_refused_before_writing() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("new");
        std::fs::create_dir(&out).unwrap();
        std::fs::create_dir(out.join("b.svg")).unwrap();
        let e = write_all_or_nothing(
            &out,
            &[(Path::new("a.svg"), b"1"), (Path::new("b.svg"), b"2")],
        )
        .unwrap_err();
        assert!(format!("{e:#}").contains("is a folder"), "{e:#}");
        assert_eq!(listing(&out), ["b.svg"]);
    }

    #[test]
    fn created_folders_are_removed_on_error() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("p/q");
        // a file name that cannot be created (a NUL byte is never allowed)
        let bad = Path::new("a\0b");
        assert!(write_all_or_nothing(&out, &[(Path::new("ok"), b"1"), (bad, b"2")]).is_err());
        assert!(listing(t.path()).is_empty(), "{:?}", listing(t.path()));
    }

    #[test]
    fn broken_pipe_is_recognised_through_context() {
        let io = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        let e = anyhow::Error::from(io).context("writing the report");
        assert!(is_broken_pipe(&e));
        let other = anyhow::anyhow!("bad input");
        assert!(!is_broken_pipe(&other));
        let json = serde_json::Error::io(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(is_broken_pipe(&anyhow::Error::from(json)));
    }
}
