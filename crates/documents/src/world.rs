//! The typst `World` of one rendering: the template files, the document's
//! data under `/mibg/`, the bundled fonts and a fixed "today". Nothing is
//! read from the filesystem or the network: a template that asks for a
//! package (`#import "@preview/…"`) or a file that is not in the set gets a
//! "not found" error.

use crate::fonts::FONTS;
use crate::templates::Templates;
use std::collections::BTreeMap;
use std::path::PathBuf;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

pub(crate) struct DocWorld {
    library: LazyHash<Library>,
    main: FileId,
    /// Every file by its absolute virtual path ("/plan.typ", "/mibg/data.json").
    files: BTreeMap<String, Bytes>,
    today: Datetime,
}

/// The file id of an absolute virtual path in the project root.
pub(crate) fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("a valid virtual path");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

impl DocWorld {
    pub(crate) fn new(
        templates: &Templates,
        main: &str,
        data: BTreeMap<String, Vec<u8>>,
        today: Datetime,
    ) -> Self {
        let mut files: BTreeMap<String, Bytes> = templates
            .paths()
            .map(|p| {
                let bytes = templates.get(p).unwrap_or_default().to_vec();
                (format!("/{p}"), Bytes::new(bytes))
            })
            .collect();
        for (p, bytes) in data {
            files.insert(format!("/mibg/{p}"), Bytes::new(bytes));
        }
        Self {
            library: LazyHash::new(Library::builder().build()),
            main: file_id(&format!("/{main}")),
            files,
            today,
        }
    }

    fn lookup(&self, id: FileId) -> FileResult<&Bytes> {
        let path = id.vpath().get_with_slash();
        if !matches!(id.root(), VirtualRoot::Project) {
            return Err(FileError::Other(Some(
                "packages are not available: mibg documents are typeset offline; copy the package's files into the template directory".into(),
            )));
        }
        self.files
            .get(path)
            .ok_or_else(|| FileError::NotFound(PathBuf::from(path)))
    }
}

impl World for DocWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        let bytes = self.lookup(id)?;
        let text = std::str::from_utf8(bytes.as_slice()).map_err(|_| FileError::InvalidUtf8)?;
        Ok(Source::new(id, text.to_string()))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.lookup(id).cloned()
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}
