//! The typst templates a document is typeset with: the built-in set
//! (embedded in the binary from `crates/documents/templates/`) and a centre's
//! own files laid over it.
//!
//! A centre changes its documents by supplying a directory whose files
//! replace the built-in files of the same name (`mibg … --pdf FILE
//! --templates DIR`): most often only `letterhead.typ` (and a logo image it
//! loads); `mibg templates export DIR` writes the built-in set to start from.
//! The names under `mibg/` are reserved for the data of the document.

use std::collections::BTreeMap;
use std::path::Path;

/// The built-in templates: (path inside the template set, contents).
const BUILTIN: [(&str, &str); 9] = [
    ("mibg.typ", include_str!("../templates/mibg.typ")),
    (
        "letterhead.typ",
        include_str!("../templates/letterhead.typ"),
    ),
    ("plan.typ", include_str!("../templates/plan.typ")),
    ("dose.typ", include_str!("../templates/dose.typ")),
    ("study.typ", include_str!("../templates/study.typ")),
    (
        "formats/plan.toml",
        include_str!("../templates/formats/plan.toml"),
    ),
    (
        "formats/dose.toml",
        include_str!("../templates/formats/dose.toml"),
    ),
    (
        "formats/study.toml",
        include_str!("../templates/formats/study.toml"),
    ),
    ("README.md", include_str!("../templates/README.md")),
];

/// Largest template file accepted (a letterhead logo included): 8 MiB.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// Most files read from a centre's template directory.
pub const MAX_FILES: usize = 256;

/// A set of template files, by path relative to the template root
/// (`/`-separated, e.g. `formats/plan.toml`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Templates {
    files: BTreeMap<String, Vec<u8>>,
}

/// A template file or directory that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// A file or directory could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A path that is not a plain relative path, or is reserved.
    #[error(
        "{0}: not usable as a template file name (relative path of letters, digits, '-', '_', '.' per component; 'mibg/' is reserved for the document's data)"
    )]
    BadName(String),
    /// A file larger than [`MAX_FILE_BYTES`].
    #[error("{path}: {bytes} bytes, more than the {MAX_FILE_BYTES} accepted for a template file")]
    TooLarge {
        /// The path.
        path: String,
        /// Its size.
        bytes: u64,
    },
    /// More than [`MAX_FILES`] files.
    #[error("{0}: more than {MAX_FILES} files; point --templates at the template directory itself")]
    TooMany(String),
}

impl Default for Templates {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Templates {
    /// The built-in templates.
    pub fn builtin() -> Self {
        Self {
            files: BUILTIN
                .iter()
                .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
                .collect(),
        }
    }

    /// The built-in files (path, contents), e.g. to write them out as the
    /// starting point of a centre's own set.
    pub fn builtin_files() -> impl Iterator<Item = (&'static str, &'static str)> {
        BUILTIN.iter().copied()
    }

    /// Adds or replaces one file.
    pub fn with_file(mut self, path: &str, contents: Vec<u8>) -> Result<Self, TemplateError> {
        if !valid_name(path) {
            return Err(TemplateError::BadName(path.to_string()));
        }
        if contents.len() as u64 > MAX_FILE_BYTES {
            return Err(TemplateError::TooLarge {
                path: path.to_string(),
                bytes: contents.len() as u64,
            });
        }
        self.files.insert(path.to_string(), contents);
        Ok(self)
    }

    /// Lays every file under `dir` (recursively; hidden files skipped) over
    /// this set.
    pub fn with_dir(mut self, dir: &Path) -> Result<Self, TemplateError> {
        let mut count = 0;
        self.add_dir(dir, dir, &mut count)?;
        Ok(self)
    }

    fn add_dir(&mut self, root: &Path, dir: &Path, count: &mut usize) -> Result<(), TemplateError> {
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| TemplateError::Io { path, source }
        };
        let mut entries = std::fs::read_dir(dir)
            .map_err(io(dir))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(io(dir))?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue;
            }
            let kind = e.file_type().map_err(io(&path))?;
            if kind.is_dir() {
                self.add_dir(root, &path, count)?;
                continue;
            }
            *count += 1;
            if *count > MAX_FILES {
                return Err(TemplateError::TooMany(root.display().to_string()));
            }
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .collect::<Vec<_>>()
                .join("/");
            let len = e.metadata().map_err(io(&path))?.len();
            if len > MAX_FILE_BYTES {
                return Err(TemplateError::TooLarge {
                    path: path.display().to_string(),
                    bytes: len,
                });
            }
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            if !valid_name(&rel) {
                return Err(TemplateError::BadName(path.display().to_string()));
            }
            self.files.insert(rel, bytes);
        }
        Ok(())
    }

    /// The file at `path` (relative, `/`-separated).
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    /// The paths of all files.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }
}

fn valid_name(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    parts.first() != Some(&"mibg")
        && parts.iter().all(|p| {
            !p.is_empty()
                && *p != "."
                && *p != ".."
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_centre_directory_replaces_files_of_the_same_name_and_adds_others() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("letterhead.typ"), "// ours").unwrap();
        std::fs::create_dir(dir.path().join("img")).unwrap();
        std::fs::write(dir.path().join("img/logo.svg"), "<svg/>").unwrap();
        std::fs::write(dir.path().join(".hidden"), "x").unwrap();
        let t = Templates::builtin().with_dir(dir.path()).unwrap();
        assert_eq!(t.get("letterhead.typ"), Some(&b"// ours"[..]));
        assert_eq!(t.get("img/logo.svg"), Some(&b"<svg/>"[..]));
        assert_eq!(t.get(".hidden"), None);
        assert_eq!(t.get("plan.typ"), Templates::builtin().get("plan.typ"));
    }

    #[test]
    fn reserved_and_escaping_names_are_refused() {
        for bad in [
            "mibg/data.json",
            "../x.typ",
            "/abs.typ",
            "a//b",
            "sp ace.typ",
        ] {
            assert!(
                matches!(
                    Templates::builtin().with_file(bad, vec![]),
                    Err(TemplateError::BadName(_))
                ),
                "{bad}"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("mibg")).unwrap();
        std::fs::write(dir.path().join("mibg/data.json"), "{}").unwrap();
        assert!(matches!(
            Templates::builtin().with_dir(dir.path()),
            Err(TemplateError::BadName(_))
        ));
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_it() {
        let e = Templates::builtin()
            .with_dir(Path::new("/nonexistent/templates"))
            .unwrap_err();
        assert!(e.to_string().starts_with("/nonexistent/templates:"), "{e}");
    }
}
