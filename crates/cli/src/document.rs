//! `--pdf FILE` and its options, shared by `mibg plan`, `mibg dose` and
//! `mibg study report`: the command's JSON document is rendered by
//! `mibg-documents` into a PDF/A-2b file.

use crate::output::write_atomically;
use anyhow::{Context, Result, bail};
use mibg_documents::{
    Document, DocumentKind, Meaning, Paper, RenderOptions, Rendered, Signature, Templates,
    content_hash, render,
};
use serde::Serialize;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Options of every command that can write a PDF document.
#[derive(clap::Args, Debug, Clone)]
pub struct PdfArgs {
    /// Also write the document as an archival PDF (PDF/A-2b, fonts embedded)
    /// to FILE: the same numbers as --json.
    #[arg(long, value_name = "FILE")]
    pub pdf: Option<PathBuf>,
    /// Paper size of the PDF: a4 or letter (US Letter).
    #[arg(long, value_name = "SIZE", default_value = "a4", requires = "pdf")]
    pub paper: Paper,
    /// A centre's template directory: its files replace the built-in
    /// templates of the same name (usually just letterhead.typ and a logo);
    /// see `mibg templates export`.
    #[arg(long, value_name = "DIR", requires = "pdf")]
    pub templates: Option<PathBuf>,
    /// Creation time written into the PDF (RFC 3339, e.g.
    /// 2026-12-01T09:00:00Z) instead of now: the same input and time give
    /// the same bytes.
    #[arg(long, value_name = "TIME", requires = "pdf")]
    pub creation_date: Option<jiff::Timestamp>,
    /// Demonstration only: sign the document as NAME (the command line
    /// checks no identity, and the PDF says so beside the signature).
    #[arg(long, value_name = "NAME", requires = "pdf")]
    pub sign_as: Option<String>,
    /// Meaning of the --sign-as signature: authored, reviewed or approved.
    #[arg(
        long,
        value_name = "MEANING",
        default_value = "authored",
        requires = "sign_as"
    )]
    pub meaning: Meaning,
}

/// How the command line identifies a `--sign-as` signer: it does not.
pub const CLI_IDENTITY_CHECK: &str = "not verified: typed on the command line (--sign-as)";

/// Identifying data of the patient, printed only when given (the user
/// passes what their role allows; nothing by default).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct PatientArgs {
    /// The patient's study id (e.g. C01-007), printed on the document and
    /// added to --json as patient.study_id.
    #[arg(long, value_name = "ID")]
    pub study_id: Option<String>,
    /// The patient's name (identifying: give it only if your role allows).
    #[arg(long, value_name = "NAME")]
    pub patient_name: Option<String>,
    /// The patient's date of birth, YYYY-MM-DD (identifying).
    #[arg(long, value_name = "DATE")]
    pub birth_date: Option<jiff::civil::Date>,
    /// The patient's hospital number (identifying).
    #[arg(long, value_name = "NUMBER")]
    pub hospital_number: Option<String>,
}

/// The `patient` object of a command's JSON.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Patient {
    #[serde(skip_serializing_if = "Option::is_none")]
    study_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    birth_date: Option<jiff::civil::Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hospital_number: Option<String>,
}

impl Patient {
    /// The study id, if given.
    pub fn study_id(&self) -> Option<&str> {
        self.study_id.as_deref()
    }
}

impl PatientArgs {
    /// The patient object, or `None` when nothing was given. A study id
    /// uses letters, digits, '_', '-', '.' (as in the study folder format).
    pub fn patient(&self) -> Result<Option<Patient>> {
        if let Some(id) = &self.study_id
            && (id.is_empty()
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        {
            bail!("--study-id '{id}': use letters, digits, '_', '-' and '.' only");
        }
        for (flag, v) in [
            ("--patient-name", &self.patient_name),
            ("--hospital-number", &self.hospital_number),
        ] {
            if let Some(v) = v
                && v.trim().is_empty()
            {
                bail!("{flag}: empty");
            }
        }
        let p = Patient {
            study_id: self.study_id.clone(),
            name: self.patient_name.clone(),
            birth_date: self.birth_date,
            hospital_number: self.hospital_number.clone(),
        };
        Ok((p
            != Patient {
                study_id: None,
                name: None,
                birth_date: None,
                hospital_number: None,
            })
        .then_some(p))
    }
}

/// A rendered PDF and where it goes.
pub struct PendingPdf {
    path: PathBuf,
    rendered: Rendered,
    paper: Paper,
}

/// Renders the document when `--pdf` was given. Nothing is written yet:
/// the command writes it with [`PendingPdf::write`] once everything else
/// has succeeded.
pub fn prepare(
    args: &PdfArgs,
    kind: DocumentKind,
    data: &serde_json::Value,
    images: Vec<(String, Vec<u8>)>,
) -> Result<Option<PendingPdf>> {
    let Some(path) = &args.pdf else {
        return Ok(None);
    };
    let created = args.creation_date.unwrap_or_else(jiff::Timestamp::now);
    let mut templates = Templates::builtin();
    if let Some(dir) = &args.templates {
        templates = templates
            .with_dir(dir)
            .with_context(|| format!("cannot use the template directory {}", dir.display()))?;
    }
    let mut doc = Document::new(kind, data);
    doc.images = images;
    if let Some(name) = &args.sign_as {
        doc.signatures.push(Signature {
            printed_name: name.clone(),
            signed_at: created,
            meaning: args.meaning,
            content_sha256: content_hash(data),
            identity_check: CLI_IDENTITY_CHECK.into(),
        });
    }
    let opts = RenderOptions {
        paper: args.paper,
        templates,
        created,
        generator: format!("mibg {}", env!("CARGO_PKG_VERSION")),
    };
    let rendered = render(&doc, &opts).with_context(|| format!("{}", path.display()))?;
    for w in &rendered.warnings {
        // A closed stderr is not a reason to fail (see output::report_error).
        let _ = writeln!(std::io::stderr().lock(), "warning: {}: {w}", path.display());
    }
    Ok(Some(PendingPdf {
        path: path.clone(),
        rendered,
        paper: args.paper,
    }))
}

impl PendingPdf {
    /// Writes the PDF (atomically) and says so on stderr.
    pub fn write(self) -> Result<()> {
        write_atomically(&self.path, &self.rendered.pdf)?;
        // A closed stderr is not a reason to fail (see output::report_error).
        let _ = writeln!(
            std::io::stderr().lock(),
            "PDF written to {} ({} page(s), {}, PDF/A-2b; content SHA-256 {})",
            self.path.display(),
            self.rendered.pages,
            match self.paper {
                Paper::UsLetter => "US Letter",
                _ => "A4",
            },
            self.rendered.content_sha256
        );
        Ok(())
    }

    /// Where it goes.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Arguments of `mibg templates`.
#[derive(clap::Args, Debug)]
pub struct TemplatesArgs {
    #[command(subcommand)]
    command: TemplatesCommand,
}

#[derive(clap::Subcommand, Debug)]
enum TemplatesCommand {
    /// Write the built-in document templates into DIR (created if needed;
    /// existing files are not overwritten), as the start of a centre's own
    /// set for --templates DIR.
    Export {
        /// Target directory.
        dir: PathBuf,
    },
}

/// Runs `mibg templates`.
pub fn run_templates(args: &TemplatesArgs, out: &mut dyn std::io::Write) -> Result<()> {
    match &args.command {
        TemplatesCommand::Export { dir } => {
            let files: Vec<_> = Templates::builtin_files().collect();
            for (name, _) in &files {
                let p = dir.join(name);
                if p.exists() {
                    bail!(
                        "{}: exists; export into an empty directory (nothing was written)",
                        p.display()
                    );
                }
            }
            for (name, text) in &files {
                let p = dir.join(name);
                if let Some(parent) = p.parent() {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("cannot create {}", parent.display()))?;
                }
                write_atomically(&p, text.as_bytes())?;
            }
            writeln!(
                out,
                "{} template files written to {}; edit letterhead.typ, then render with --pdf FILE --templates {}",
                files.len(),
                dir.display(),
                dir.display()
            )?;
            Ok(())
        }
    }
}
