//! One fuzz input: a set of named files (one for a parser, a whole study
//! folder for the study targets) and, for a command, its argument list.

use std::path::Path;

/// A named file of an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// Path relative to the input's folder (`study/readings.csv`), or
    /// [`ARGS`] for a command's argument list.
    pub name: String,
    /// The content.
    pub bytes: Vec<u8>,
    /// Mutated only by slips that keep it safe to run (argument lists:
    /// never an absolute path or `..`).
    pub fixed: bool,
}

/// The name of the argument-list file of a command input (one argument a
/// line).
pub const ARGS: &str = "(args)";

/// One input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Case {
    /// Its files.
    pub files: Vec<File>,
}

impl Case {
    /// An input of one file.
    pub fn single(name: &str, bytes: Vec<u8>) -> Self {
        Self {
            files: vec![File {
                name: name.to_string(),
                bytes,
                fixed: false,
            }],
        }
    }

    /// Adds a file.
    pub fn push(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.push(File {
            name: name.to_string(),
            bytes,
            fixed: false,
        });
    }

    /// Sets the argument list of a command input.
    pub fn push_args(&mut self, args: &[&str]) {
        self.files.retain(|f| f.name != ARGS);
        self.files.push(File {
            name: ARGS.to_string(),
            bytes: args.join("\n").into_bytes(),
            fixed: true,
        });
    }

    /// The argument list (empty if none). Arguments that could leave the
    /// input's folder (absolute, `..`) are replaced by `x`.
    pub fn args(&self) -> Vec<String> {
        self.files
            .iter()
            .find(|f| f.name == ARGS)
            .map(|f| {
                String::from_utf8_lossy(&f.bytes)
                    .lines()
                    .map(|a| {
                        if a.starts_with('/') || a.contains("..") || a.starts_with('~') {
                            "x".to_string()
                        } else {
                            a.to_string()
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The text of file `name` (lossily decoded), if present.
    pub fn text(&self, name: &str) -> Option<String> {
        self.files
            .iter()
            .find(|f| f.name == name)
            .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
    }

    /// The data files (not the argument list).
    pub fn data_files(&self) -> impl Iterator<Item = &File> {
        self.files.iter().filter(|f| f.name != ARGS)
    }

    /// Total size in bytes.
    pub fn len(&self) -> usize {
        self.files.iter().map(|f| f.bytes.len()).sum()
    }

    /// `true` when there is no byte at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes the data files under `dir` (folders created). Names that
    /// would leave `dir` are skipped.
    ///
    /// # Errors
    /// The I/O error.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        for f in self.data_files() {
            if f.name.starts_with('/') || f.name.contains("..") {
                continue;
            }
            let p = dir.join(&f.name);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(p, &f.bytes)?;
        }
        Ok(())
    }

    /// Saves the whole input (files and argument list) under `dir`, for a
    /// failure to be replayed.
    ///
    /// # Errors
    /// The I/O error.
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        self.write_to(dir)?;
        if let Some(a) = self.files.iter().find(|f| f.name == ARGS) {
            std::fs::write(dir.join("ARGS.txt"), &a.bytes)?;
        }
        Ok(())
    }
}
