//! `mibg study validate DIR`, `mibg study report DIR`, `mibg study
//! export-analysis DIR OUT` and `mibg demo`: the
//! study pipeline on a folder of CSV files. This module reads the folder and
//! writes the outputs; `mibg_clinic::cohort` does every check and
//! computation (on the folder format of `mibg-study`).

use crate::document::PdfArgs;
use crate::output::{print_json, write_all_or_nothing};
use anyhow::{Context, Result, bail};
use mibg_clinic::cohort::render::{km_svg, render_html, render_text};
use mibg_clinic::cohort::{report_owned, validate_owned};
use mibg_study::{Problem, Problems, StudyInput};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `mibg study`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: StudyCommand,
}

#[derive(clap::Subcommand, Debug)]
enum StudyCommand {
    /// Check every file and cross-reference of a study folder; list every
    /// problem with file and row.
    Validate(ValidateArgs),
    /// Compute the whole report from the raw data: per-patient results, the
    /// cohort table with every CI, Kaplan–Meier plots.
    Report(ReportArgs),
    /// Write the analysis datasets: adsl.csv (one row per patient),
    /// adtte.csv (one row per patient and time-to-event endpoint) and
    /// dictionary.csv, in the layout of CDISC ADaM, from the same results as
    /// the report.
    ExportAnalysis(ExportArgs),
}

/// Arguments of `mibg study export-analysis`.
#[derive(clap::Args, Debug)]
struct ExportArgs {
    /// The study folder.
    dir: PathBuf,
    /// The folder to write adsl.csv, adtte.csv and dictionary.csv into
    /// (created if needed; all three files or none).
    out: PathBuf,
}

/// Arguments of `mibg study report`.
#[derive(clap::Args, Debug)]
struct ReportArgs {
    /// The study folder (or --db).
    #[arg(required_unless_present = "db", conflicts_with = "db")]
    dir: Option<PathBuf>,
    /// Report from the registry database instead of a folder (a SQLite file
    /// or a PostgreSQL URL): the database rebuilds the study folder,
    /// pseudonymised, and the same report runs on it.
    #[arg(long, value_name = "URL")]
    db: Option<String>,
    /// With --db: only the patients of these centres (codes; repeatable).
    #[arg(long = "centre", value_name = "CODE", requires = "db")]
    centres: Vec<String>,
    /// Write report.html (self-contained), report.json, km-os.svg and
    /// km-efs.svg into this folder (created if needed).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the report as one JSON document instead of the text summary.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    pdf: PdfArgs,
}

/// Arguments of `mibg demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Folder for the report files.
    #[arg(long, default_value = "mibg-demo")]
    out: PathBuf,
    /// Paper size of report.pdf: a4 or letter.
    #[arg(long, value_name = "SIZE", default_value = "a4")]
    paper: mibg_documents::Paper,
}

/// Arguments of `mibg study validate`.
#[derive(clap::Args, Debug)]
struct ValidateArgs {
    /// The study folder (study.toml, patients.csv, …).
    dir: PathBuf,
    /// Print one JSON document {valid, patients, errors, warnings} (also when invalid;
    /// the exit status is then 1).
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    match &args.command {
        StudyCommand::Validate(a) => run_validate(a, out),
        StudyCommand::ExportAnalysis(a) => run_export(a, out),
        StudyCommand::Report(a) => match (&a.dir, &a.db) {
            (Some(dir), _) => run_report(dir, a.out.as_deref(), a.json, &a.pdf, out),
            (None, Some(db)) => {
                let input = crate::cmd::db::block_on(async {
                    let store = mibg_store::Store::open(&mibg_store::Location::parse(db)).await?;
                    let mut scope = crate::cmd::db::operator();
                    if !a.centres.is_empty() {
                        let mut ids = Vec::new();
                        for c in &a.centres {
                            ids.push(
                                store
                                    .centre_by_code(&scope, c)
                                    .await
                                    .with_context(|| format!("--centre {c}"))?
                                    .id,
                            );
                        }
                        scope = scope.narrowed(&ids);
                    }
                    let input = store.study_folder(&scope, false).await?;
                    store.close().await;
                    Ok(input)
                })?;
                let label = mibg_store::Location::parse(db).display();
                report_input(&label, input, a.out.as_deref(), a.json, &a.pdf, out)
            }
            (None, None) => bail!("give a study folder or --db"),
        },
    }
}

/// `mibg demo`: the whole workflow on the bundled synthetic seed study.
pub fn run_demo(args: &DemoArgs, out: &mut dyn Write) -> Result<()> {
    let dir = demo_dir()?;
    let pdf = PdfArgs {
        pdf: Some(args.out.join("report.pdf")),
        paper: args.paper,
        templates: None,
        creation_date: None,
        sign_as: None,
        meaning: mibg_documents::Meaning::Authored,
    };
    run_report(&dir, Some(&args.out), false, &pdf, out)?;
    writeln!(
        out,
        "\nReport written to {}/report.html (with report.pdf, report.json, km-os.svg, km-efs.svg).",
        args.out.display()
    )?;
    Ok(())
}

/// The bundled study: `examples/seed-study` under the current folder (the
/// repository root, as in the README), else where this binary was built.
pub fn demo_dir() -> Result<PathBuf> {
    let here = PathBuf::from("examples/seed-study");
    if here.join("study.toml").is_file() {
        return Ok(here);
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/seed-study");
    if built.join("study.toml").is_file() {
        return Ok(built);
    }
    bail!(
        "the bundled study examples/seed-study was not found: run mibg demo from the repository root"
    )
}

/// The error of an invalid study: every problem, as `mibg study validate`
/// lists them.
pub fn problems_error(dir: &str, p: &Problems) -> anyhow::Error {
    let mut msg = format!(
        "{}: the study is not valid ({} error(s), {} warning(s)):",
        dir,
        p.errors.len(),
        p.warnings.len()
    );
    for e in &p.errors {
        msg.push_str(&format!("\n  {e}"));
    }
    for w in &p.warnings {
        msg.push_str(&format!("\n  warning: {w}"));
    }
    anyhow::anyhow!(msg)
}

fn run_report(
    dir: &Path,
    out_dir: Option<&Path>,
    json: bool,
    pdf_args: &PdfArgs,
    out: &mut dyn Write,
) -> Result<()> {
    let input = read_study_dir(dir)?;
    report_input(
        &dir.display().to_string(),
        input,
        out_dir,
        json,
        pdf_args,
        out,
    )
}

/// The report of a study given as its files (read from a folder, or
/// rebuilt by the registry database), given away: each file's text is
/// freed once read (`report_owned`).
fn report_input(
    dir: &str,
    input: StudyInput,
    out_dir: Option<&Path>,
    json: bool,
    pdf_args: &PdfArgs,
    out: &mut dyn Write,
) -> Result<()> {
    let r = report_owned(input).map_err(|p| problems_error(dir, &p))?;
    // Everything is computed before anything is written.
    let json_text = serde_json::to_string_pretty(&r)? + "\n";
    let km_os = km_svg(&r.cohort.os, &r.curves.os);
    let km_efs = km_svg(&r.cohort.efs, &r.curves.efs);
    let pdf = crate::document::prepare(
        pdf_args,
        mibg_documents::DocumentKind::StudyReport,
        &serde_json::to_value(&r)?,
        vec![
            ("km-os.svg".into(), km_os.clone().into_bytes()),
            ("km-efs.svg".into(), km_efs.clone().into_bytes()),
        ],
    )?;
    if let Some(o) = out_dir {
        let files = [
            ("report.html", render_html(&r)),
            ("report.json", json_text.clone()),
            ("km-os.svg", km_os),
            ("km-efs.svg", km_efs),
        ];
        // All four files or none (a failure leaves nothing behind).
        let files: Vec<(&Path, &[u8])> = files
            .iter()
            .map(|(name, text)| (Path::new(*name), text.as_bytes()))
            .collect();
        write_all_or_nothing(o, &files)?;
    }
    if let Some(pdf) = pdf {
        if let Some(parent) = pdf.path().parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        pdf.write()?;
    }
    if json {
        out.write_all(json_text.as_bytes())?;
    } else {
        out.write_all(render_text(&r).as_bytes())?;
    }
    Ok(())
}

fn run_export(args: &ExportArgs, out: &mut dyn Write) -> Result<()> {
    let input = read_study_dir(&args.dir)?;
    let dir = args.dir.display().to_string();
    let r = report_owned(input).map_err(|p| problems_error(&dir, &p))?;
    let d = mibg_clinic::cohort::export::analysis_datasets(&r);
    let files: [(&Path, &[u8]); 3] = [
        (Path::new("adsl.csv"), d.adsl.as_bytes()),
        (Path::new("adtte.csv"), d.adtte.as_bytes()),
        (Path::new("dictionary.csv"), d.dictionary.as_bytes()),
    ];
    write_all_or_nothing(&args.out, &files)?;
    let rows = |t: &str| t.lines().count().saturating_sub(1);
    if r.synthetic {
        writeln!(out, "SYNTHETIC DATA (not patients): {}", r.title)?;
    }
    writeln!(
        out,
        "Wrote to {}: adsl.csv ({} patients, {} variables), adtte.csv ({} rows: OS and EFS), dictionary.csv ({} variables)",
        args.out.display(),
        rows(&d.adsl),
        d.adsl.lines().next().map_or(0, |h| h.split(',').count()),
        rows(&d.adtte),
        rows(&d.dictionary)
    )?;
    for w in &r.warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}

/// Reads every file of a study folder that the format knows about: the
/// top-level files and `assessments/*.toml|json`. Hidden files are skipped.
pub fn read_study_dir(dir: &Path) -> Result<StudyInput> {
    if !dir.is_dir() {
        bail!(
            "{}: not a study folder (a directory is expected)",
            dir.display()
        );
    }
    let mut input = StudyInput::default();
    let mut add = |path: &Path, rel: String| -> Result<()> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        if rel.ends_with(".csv") {
            // A CSV file that is not UTF-8 is a problem of the study (with
            // the line of the first bad byte), listed with the others.
            input.insert_bytes(rel, bytes);
            return Ok(());
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("{}: not UTF-8 text", path.display()))?;
        input.insert(rel, text);
        Ok(())
    };
    for entry in sorted_entries(dir)? {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_file() {
            add(&path, name)?;
        } else if path.is_dir() && name == mibg_study::load::files::ASSESSMENTS_DIR {
            for sub in sorted_entries(&path)? {
                let sname = sub.file_name().to_string_lossy().to_string();
                if !sname.starts_with('.') && sub.path().is_file() {
                    add(&sub.path(), format!("{name}/{sname}"))?;
                }
            }
        }
    }
    Ok(input)
}

fn sorted_entries(dir: &Path) -> Result<Vec<std::fs::DirEntry>> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("cannot list {}", dir.display()))?;
    v.sort_by_key(|e| e.file_name());
    Ok(v)
}

#[derive(Serialize)]
struct ValidateJson<'a> {
    valid: bool,
    patients: usize,
    errors: &'a [Problem],
    warnings: &'a [Problem],
}

fn run_validate(args: &ValidateArgs, out: &mut dyn Write) -> Result<()> {
    let input = read_study_dir(&args.dir)?;
    let v = validate_owned(input);
    let p = &v.problems;
    if args.json {
        print_json(
            out,
            &ValidateJson {
                valid: p.is_ok(),
                patients: v.data.patients.len(),
                errors: &p.errors,
                warnings: &p.warnings,
            },
        )?;
        if !p.is_ok() {
            out.flush()?;
            std::process::exit(1);
        }
        return Ok(());
    }
    if !p.is_ok() {
        return Err(problems_error(&args.dir.display().to_string(), p));
    }
    writeln!(
        out,
        "{}: valid — {} patients, {} infusions, {} readings, {} follow-up events, {} assessment files",
        args.dir.display(),
        v.data.patients.len(),
        v.data.infusions.len(),
        v.data.readings.len(),
        v.data.followup.len(),
        v.data.assessments.len()
    )?;
    writeln!(out, "{} warning(s)", p.warnings.len())?;
    for w in &p.warnings {
        writeln!(out, "  warning: {w}")?;
    }
    Ok(())
}
