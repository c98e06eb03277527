//! `mibg-documents`: the documents of mibg as archival PDF — the treatment
//! plan, the dosimetry and second-activity prescription, and the study
//! report — typeset by [typst](https://typst.app) used as a library.
//!
//! * **One source of numbers.** A template reads the very JSON document that
//!   the command prints with `--json` (`json("/mibg/data.json")`); this crate
//!   adds only presentation data (`/mibg/document.json`: paper, title,
//!   creation time, the content hash and the signatures) and images (SVG
//!   plots under `/mibg/images/`). How each number of the JSON is printed is
//!   written once, in `templates/formats/<kind>.toml`, which the template
//!   reads and the tests use to find every number in the PDF's text.
//! * **Offline and deterministic.** Fonts are bundled ([`FAMILIES`]); no
//!   system font, package or network is used; the creation time is an input
//!   ([`RenderOptions::created`]), so the same input gives the same bytes.
//! * **Archival.** PDF/A-2b (ISO 19005-2, level B), every font embedded;
//!   A4 or US Letter.
//! * **Editable.** Templates are `.typ` files embedded as defaults; a centre
//!   lays its own files over them ([`Templates::with_dir`]), usually just
//!   `letterhead.typ`.
//! * **Signatures** ([`Signature`]) are an input: printed name, time (UTC),
//!   meaning, and the SHA-256 of the canonical JSON ([`content_hash`]) they
//!   bind. [`render`] refuses a signature made for other content. An unsigned
//!   document says so on every page.
//!
//! ```no_run
//! use mibg_documents::{Document, DocumentKind, Paper, RenderOptions, Templates, render};
//! let plan_json: serde_json::Value = serde_json::from_str("{}").unwrap();
//! let doc = Document::new(DocumentKind::Plan, &plan_json);
//! let opts = RenderOptions::new("2026-12-01T09:00:00Z".parse().unwrap());
//! let pdf = render(&doc, &opts).unwrap();
//! std::fs::write("plan.pdf", &pdf.pdf).unwrap();
//! ```
//!
//! This crate carries typst's large dependency tree; only the `mibg` binary
//! (and a future web application) may depend on it.

mod canonical;
mod fonts;
pub mod numbers;
mod signature;
mod templates;
mod world;

pub use canonical::{ContentHash, ContentHashError, canonical_json, content_hash};
pub use fonts::FAMILIES;
pub use signature::{Meaning, MeaningError, Signature, SignatureError};
pub use templates::{MAX_FILE_BYTES, MAX_FILES, TemplateError, Templates};

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::str::FromStr;
use typst::WorldExt;
use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::{Datetime, Smart};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};
use world::DocWorld;

/// Which document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DocumentKind {
    /// Treatment plan (`mibg plan --json`).
    Plan,
    /// Dosimetry of infusion 1 and the second-activity prescription
    /// (`mibg dose --json`).
    Dose,
    /// Cohort report of a study (`mibg study report --json`).
    StudyReport,
}

impl DocumentKind {
    /// The main template file.
    pub fn template(self) -> &'static str {
        match self {
            DocumentKind::Plan => "plan.typ",
            DocumentKind::Dose => "dose.typ",
            DocumentKind::StudyReport => "study.typ",
        }
    }

    /// The number-format table the template and the tests share.
    pub fn formats(self) -> &'static str {
        match self {
            DocumentKind::Plan => "formats/plan.toml",
            DocumentKind::Dose => "formats/dose.toml",
            DocumentKind::StudyReport => "formats/study.toml",
        }
    }

    /// Short name, as in `document.json`'s `kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Plan => "plan",
            DocumentKind::Dose => "dose",
            DocumentKind::StudyReport => "study",
        }
    }

    /// The title printed on the document.
    pub fn title(self) -> &'static str {
        match self {
            DocumentKind::Plan => "Treatment plan: 131I-mIBG course",
            DocumentKind::Dose => "Dosimetry and second-activity prescription",
            DocumentKind::StudyReport => "Study report",
        }
    }
}

/// Paper size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Paper {
    /// ISO A4, 210 × 297 mm.
    #[default]
    A4,
    /// US Letter, 8.5 × 11 in.
    UsLetter,
}

impl Paper {
    /// typst's name of the paper.
    pub fn typst_name(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::UsLetter => "us-letter",
        }
    }
}

/// A paper name that is not a4 or letter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a paper size (a4, letter)")]
pub struct PaperError(pub String);

impl FromStr for Paper {
    type Err = PaperError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "a4" => Ok(Paper::A4),
            "letter" | "us-letter" => Ok(Paper::UsLetter),
            _ => Err(PaperError(s.to_string())),
        }
    }
}

/// What to render: the command's JSON document, its plots, its signatures.
#[derive(Clone, Debug)]
pub struct Document<'a> {
    /// Which document (selects the template).
    pub kind: DocumentKind,
    /// Exactly the JSON document the command prints with `--json`.
    pub data: &'a Value,
    /// SVG images the template shows, by name (e.g. `retention.svg`,
    /// `km-os.svg`): `/mibg/images/<name>` in the template.
    pub images: Vec<(String, Vec<u8>)>,
    /// Signatures, each bound to [`content_hash`]`(data)`.
    pub signatures: Vec<Signature>,
}

impl<'a> Document<'a> {
    /// An unsigned document without images.
    pub fn new(kind: DocumentKind, data: &'a Value) -> Self {
        Self {
            kind,
            data,
            images: Vec::new(),
            signatures: Vec::new(),
        }
    }
}

/// How to render.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// Paper size.
    pub paper: Paper,
    /// Templates (built-in, or a centre's laid over them).
    pub templates: Templates,
    /// Creation time written into the PDF and printed in its footer. The
    /// caller passes the current time, or a fixed one for reproducible
    /// output (this crate never reads the clock).
    pub created: jiff::Timestamp,
    /// The software named in the footer and the PDF's `Creator`.
    pub generator: String,
}

impl RenderOptions {
    /// A4, built-in templates, generator `"mibg-documents <version>"`.
    pub fn new(created: jiff::Timestamp) -> Self {
        Self {
            paper: Paper::A4,
            templates: Templates::builtin(),
            created,
            generator: format!("mibg-documents {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// A rendered PDF.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// The PDF file.
    pub pdf: Vec<u8>,
    /// Number of pages.
    pub pages: usize,
    /// SHA-256 of the canonical JSON of the data (printed on every page).
    pub content_sha256: ContentHash,
    /// typst's warnings about the template (none with the built-in ones).
    pub warnings: Vec<String>,
}

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// A signature that cannot be printed on this content.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// An image name that is not `[a-z0-9_-]+.svg`.
    #[error("image name '{0}': must be letters, digits, '-' or '_' followed by .svg")]
    ImageName(String),
    /// The template failed (a centre's template error names its file and line).
    #[error("the {template} template failed:\n{diagnostics}")]
    Typeset {
        /// Main template file.
        template: &'static str,
        /// typst's errors, one per line, with file:line:column.
        diagnostics: String,
    },
    /// The PDF writer refused the document (e.g. a PDF/A rule).
    #[error("PDF/A-2b export failed:\n{0}")]
    Pdf(String),
    /// The creation time cannot be written (outside years 1–9999).
    #[error("creation time {0} cannot be written into a PDF")]
    Time(jiff::Timestamp),
}

/// Renders a document to PDF/A-2b.
pub fn render(doc: &Document<'_>, opts: &RenderOptions) -> Result<Rendered, DocumentError> {
    let hash = content_hash(doc.data);
    for s in &doc.signatures {
        s.check(&hash)?;
    }
    let utc = |t: jiff::Timestamp| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string();
    let mut images = serde_json::Map::new();
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (name, bytes) in &doc.images {
        let stem = name.strip_suffix(".svg").unwrap_or("");
        if stem.is_empty()
            || !stem
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            return Err(DocumentError::ImageName(name.clone()));
        }
        images.insert(stem.to_string(), json!(format!("/mibg/images/{name}")));
        files.insert(format!("images/{name}"), bytes.clone());
    }
    let presentation = json!({
        "kind": doc.kind.as_str(),
        "title": doc.kind.title(),
        "paper": opts.paper.typst_name(),
        "generator": opts.generator,
        "created_utc": utc(opts.created),
        "content_sha256": hash.to_string(),
        "signed": !doc.signatures.is_empty(),
        "signatures": doc.signatures.iter().map(|s| json!({
            "printed_name": s.printed_name,
            "meaning": s.meaning.as_str(),
            "signed_utc": utc(s.signed_at),
            "content_sha256": s.content_sha256.to_string(),
            "identity_check": s.identity_check,
        })).collect::<Vec<_>>(),
        "images": images,
        "formats": format!("/{}", doc.kind.formats()),
    });
    files.insert(
        "data.json".into(),
        serde_json::to_vec(doc.data).unwrap_or_default(),
    );
    files.insert(
        "document.json".into(),
        serde_json::to_vec(&presentation).unwrap_or_default(),
    );

    let dt = opts.created.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    let datetime = Datetime::from_ymd_hms(
        i32::from(dt.year()),
        dt.month() as u8,
        dt.day() as u8,
        dt.hour() as u8,
        dt.minute() as u8,
        dt.second() as u8,
    )
    .ok_or(DocumentError::Time(opts.created))?;
    let world = DocWorld::new(&opts.templates, doc.kind.template(), files, datetime);

    let result = typst::compile::<PagedDocument>(&world);
    let warnings: Vec<String> = result
        .warnings
        .iter()
        .map(|d| describe(&world, d))
        .collect();
    let document = result.output.map_err(|diags| DocumentError::Typeset {
        template: doc.kind.template(),
        diagnostics: diags
            .iter()
            .map(|d| describe(&world, d))
            .collect::<Vec<_>>()
            .join("\n"),
    })?;
    let standards = PdfStandards::new(&[PdfStandard::A_2b])
        .map_err(|e| DocumentError::Pdf(e.message().to_string()))?;
    let options = PdfOptions {
        ident: Smart::Custom(format!("mibg-{}-{hash}", doc.kind.as_str())),
        creator: Smart::Custom(Some(opts.generator.clone())),
        timestamp: Some(Timestamp::new_utc(datetime)),
        standards,
        ..PdfOptions::default()
    };
    let pdf = typst_pdf::pdf(&document, &options).map_err(|diags| {
        DocumentError::Pdf(
            diags
                .iter()
                .map(|d| describe(&world, d))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    let pages = document.pages().len();
    // Keep typst's memoisation cache bounded in a long-running process.
    typst::comemo::evict(10);
    Ok(Rendered {
        pdf,
        pages,
        content_sha256: hash,
        warnings,
    })
}

/// One diagnostic as "file:line:column: error: message (hint: …)", then
/// where it was called from ("  in file:line:column: …"), so that an error
/// raised inside a shared function (e.g. `num` in mibg.typ) names the
/// line of the template that called it.
fn describe(world: &DocWorld, d: &SourceDiagnostic) -> String {
    let mut s = String::new();
    if let Some(at) = position(world, d.span) {
        let _ = write!(s, "{at}: ");
    }
    s.push_str(match d.severity {
        Severity::Error => "error: ",
        Severity::Warning => "warning: ",
    });
    s.push_str(&d.message);
    for h in &d.hints {
        let _ = write!(s, " (hint: {})", h.v);
    }
    for t in &d.trace {
        if let Some(at) = position(world, t.span) {
            let _ = write!(s, "\n  in {at}: {}", t.v);
        }
    }
    s
}

/// "file:line:column" of a span, or "file" when its source is not text.
fn position(world: &DocWorld, span: impl Into<typst::syntax::DiagSpan>) -> Option<String> {
    let span: typst::syntax::DiagSpan = span.into();
    let id = span.id()?;
    let range = world.range(span)?;
    let path = id.vpath().get_without_slash().to_string();
    Some(match typst::World::source(world, id) {
        Ok(src) => {
            let (line, col) = src
                .lines()
                .byte_to_line_column(range.start)
                .unwrap_or((0, 0));
            format!("{path}:{}:{}", line + 1, col + 1)
        }
        Err(_) => path,
    })
}

#[cfg(test)]
mod tests;
