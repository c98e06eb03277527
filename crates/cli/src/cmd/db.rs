//! `mibg db …` and `mibg centre …`: the registry database from the command
//! line — create it, import and export study folders, verify the audit
//! trail, back up and restore. Every act goes through `mibg-store`, which
//! audits it under the operating-system account of whoever runs `mibg`.

use crate::cmd::study::read_study_dir;
use crate::output::write_atomically;
use anyhow::{Context, Result, bail};
use mibg_store::folder::ImportOptions;
use mibg_store::{Backend, Location, Scope, Store};
use std::io::Write;
use std::path::{Path, PathBuf};

/// `--db`: where the registry is.
#[derive(clap::Args, Debug, Clone)]
pub struct DbArg {
    /// The registry database: a SQLite file (default `mibg.sqlite` in the
    /// current folder; `sqlite://FILE` also accepted) or a PostgreSQL URL
    /// (`postgres://user@host/db`).
    #[arg(long, value_name = "URL", default_value = mibg_store::DEFAULT_DATABASE)]
    pub db: String,
}

impl DbArg {
    /// The parsed location.
    pub fn location(&self) -> Location {
        Location::parse(&self.db)
    }
}

/// Arguments of `mibg db`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: DbCommand,
}

#[derive(clap::Subcommand, Debug)]
enum DbCommand {
    /// Create the registry (a SQLite file, or the schema in an existing
    /// PostgreSQL database), or bring an existing one to this version's schema.
    Init(DbArg),
    /// Import a study folder (the `mibg study validate` format): all or
    /// nothing; every problem is listed as `study validate` lists it.
    Import(ImportArgs),
    /// Write the study folder of the registry's patients (pseudonymised
    /// unless --full); the export is recorded in the audit trail.
    Export(ExportArgs),
    /// Verify the audit trail: the hash chain, and every row of every table
    /// against its last audited state. Exit status 1 when anything was
    /// changed behind the application.
    VerifyAudit(VerifyArgs),
    /// Back up the registry: a SQLite copy (VACUUM INTO) or, for
    /// PostgreSQL, a logical dump (JSON lines with a checksum).
    Backup(BackupArgs),
    /// Restore a backup into a new, empty registry (never over data).
    Restore(BackupArgs),
}

/// Arguments of `mibg db import`.
#[derive(clap::Args, Debug)]
struct ImportArgs {
    /// The study folder.
    dir: PathBuf,
    #[command(flatten)]
    db: DbArg,
    /// IANA time zone (e.g. Europe/Rome) for centres named in patients.csv
    /// that the registry does not have yet: they are created with it.
    #[arg(long, value_name = "ZONE")]
    time_zone: Option<String>,
    /// Centre code for patients whose `centre` cell is empty.
    #[arg(long, value_name = "CODE")]
    centre: Option<String>,
}

/// Arguments of `mibg db export`.
#[derive(clap::Args, Debug)]
struct ExportArgs {
    /// The folder to write (created; must be empty if it exists).
    dir: PathBuf,
    #[command(flatten)]
    db: DbArg,
    /// Include identifying data (dates of birth): a separate right,
    /// audited as an identified export.
    #[arg(long)]
    full: bool,
    /// Only these centres (codes; repeatable).
    #[arg(long = "centre", value_name = "CODE")]
    centres: Vec<String>,
}

/// Arguments of `mibg db verify-audit`.
#[derive(clap::Args, Debug)]
struct VerifyArgs {
    #[command(flatten)]
    db: DbArg,
    /// Print one JSON document {intact, records, rows, head_hash, problems}.
    #[arg(long)]
    json: bool,
}

/// Arguments of `mibg db backup` and `mibg db restore`.
#[derive(clap::Args, Debug)]
struct BackupArgs {
    /// The backup file (written by backup, never overwritten; read by restore).
    file: PathBuf,
    #[command(flatten)]
    db: DbArg,
}

/// Arguments of `mibg centre`.
#[derive(clap::Args, Debug)]
pub struct CentreArgs {
    #[command(subcommand)]
    command: CentreCommand,
}

#[derive(clap::Subcommand, Debug)]
enum CentreCommand {
    /// Add a centre.
    Add(CentreAdd),
    /// List the centres.
    List(DbArg),
}

#[derive(clap::Args, Debug)]
struct CentreAdd {
    /// Short code (letters, digits, '_', '-', '.'): the `centre` column of study folders.
    code: String,
    /// Full name.
    #[arg(long)]
    name: String,
    /// IANA time zone, e.g. Europe/Rome.
    #[arg(long, value_name = "ZONE")]
    time_zone: String,
    #[command(flatten)]
    db: DbArg,
}

/// The operating-system account running `mibg`: the actor of command-line
/// acts in the audit trail.
pub fn operator() -> Scope {
    let name = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    Scope::operator(name)
}

/// Runs an async store call to completion.
pub fn block_on<T>(f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(f)
}

/// Opens an existing registry.
pub async fn open(db: &DbArg) -> Result<Store> {
    Ok(Store::open(&db.location()).await?)
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    }
}

/// Runs `mibg db`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    block_on(async {
        match &args.command {
            DbCommand::Init(db) => init(db, out).await,
            DbCommand::Import(a) => import(a, out).await,
            DbCommand::Export(a) => export(a, out).await,
            DbCommand::VerifyAudit(a) => verify(a, out).await,
            DbCommand::Backup(a) => backup(a, out).await,
            DbCommand::Restore(a) => restore(a, out).await,
        }
    })
}

/// Runs `mibg centre`.
pub fn run_centre(args: &CentreArgs, out: &mut dyn Write) -> Result<()> {
    block_on(async {
        match &args.command {
            CentreCommand::Add(a) => {
                let store = open(&a.db).await?;
                let c = store
                    .create_centre(&operator(), &a.code, &a.name, &a.time_zone)
                    .await?;
                writeln!(out, "centre {} ({}, {}) added", c.code, c.name, c.time_zone)?;
                store.close().await;
                Ok(())
            }
            CentreCommand::List(db) => {
                let store = open(db).await?;
                for c in store.list_centres(&operator()).await? {
                    writeln!(out, "{:<12} {:<20} {}", c.code, c.time_zone, c.name)?;
                }
                store.close().await;
                Ok(())
            }
        }
    })
}

async fn init(db: &DbArg, out: &mut dyn Write) -> Result<()> {
    let loc = db.location();
    let (store, applied) = Store::init(&loc).await?;
    if applied.is_empty() {
        writeln!(
            out,
            "{}: registry already initialised ({}, schema {})",
            loc.display(),
            backend_name(store.backend()),
            mibg_store::schema::SCHEMA_VERSION
        )?;
    } else {
        writeln!(
            out,
            "{}: registry initialised ({}, schema {})",
            loc.display(),
            backend_name(store.backend()),
            mibg_store::schema::SCHEMA_VERSION
        )?;
        writeln!(
            out,
            "next: `mibg centre add`, `mibg user add --role admin`, or `mibg db import STUDY_DIR`"
        )?;
    }
    store.close().await;
    Ok(())
}

async fn import(a: &ImportArgs, out: &mut dyn Write) -> Result<()> {
    let input = read_study_dir(&a.dir)?;
    let store = open(&a.db).await?;
    let summary = store
        .import_study(
            &operator(),
            &input,
            &ImportOptions {
                label: a.dir.display().to_string(),
                time_zone: a.time_zone.clone(),
                default_centre: a.centre.clone(),
            },
        )
        .await
        .map_err(|e| match e {
            // The study crate's own problem list, as `mibg study validate` shows it.
            mibg_store::StoreError::InvalidStudy(p) => {
                crate::cmd::study::problems_error(&a.dir.display().to_string(), &p)
            }
            e => anyhow::anyhow!(
                "{}: not imported, nothing was written:\n  {}",
                a.dir.display(),
                e.to_string().replace('\n', "\n  ")
            ),
        })?;
    store.close().await;
    writeln!(
        out,
        "{}: imported into {}",
        a.dir.display(),
        a.db.location().display()
    )?;
    for c in &summary.centres_created {
        writeln!(
            out,
            "  centre {c} created ({})",
            a.time_zone.as_deref().unwrap_or("")
        )?;
    }
    for (t, n) in &summary.rows {
        writeln!(out, "  {t:<18} {n:>8}")?;
    }
    writeln!(out, "{} warning(s)", summary.warnings.len())?;
    for w in &summary.warnings {
        writeln!(out, "  warning: {w}")?;
    }
    Ok(())
}

/// The operator's scope, narrowed to centre codes when given.
async fn centre_scope(store: &Store, codes: &[String]) -> Result<Scope> {
    let op = operator();
    if codes.is_empty() {
        return Ok(op);
    }
    let mut ids = Vec::new();
    for c in codes {
        ids.push(
            store
                .centre_by_code(&op, c)
                .await
                .with_context(|| format!("--centre {c}"))?
                .id,
        );
    }
    Ok(op.narrowed(&ids))
}

async fn export(a: &ExportArgs, out: &mut dyn Write) -> Result<()> {
    if a.dir.exists() && std::fs::read_dir(&a.dir)?.next().is_some() {
        bail!(
            "{}: exists and is not empty; export into a new folder",
            a.dir.display()
        );
    }
    let store = open(&a.db).await?;
    let scope = centre_scope(&store, &a.centres).await?;
    let folder = store
        .export_study(&scope, a.full, &a.dir.display().to_string())
        .await?;
    store.close().await;
    std::fs::create_dir_all(a.dir.join(mibg_study::load::files::ASSESSMENTS_DIR))
        .with_context(|| format!("cannot create {}", a.dir.display()))?;
    for (name, text) in &folder.files {
        write_atomically(&a.dir.join(name), text.as_bytes())?;
    }
    let patients = folder.files.get("patients.csv").map_or(0, |t| {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .count()
            .saturating_sub(1)
    });
    writeln!(
        out,
        "{}: {} patients exported ({}; recorded in the audit trail)",
        a.dir.display(),
        patients,
        if a.full {
            "with identifying data"
        } else {
            "pseudonymised: ages instead of dates of birth, no names or hospital numbers"
        }
    )?;
    Ok(())
}

async fn verify(a: &VerifyArgs, out: &mut dyn Write) -> Result<()> {
    let store = open(&a.db).await?;
    let v = store.verify_audit(&operator()).await?;
    store.close().await;
    if a.json {
        crate::output::print_json(
            out,
            &serde_json::json!({
                "intact": v.intact(),
                "records": v.records,
                "rows": v.rows,
                "head_hash": v.head_hash,
                "problems": v.problems,
            }),
        )?;
        if !v.intact() {
            out.flush()?;
            std::process::exit(1);
        }
        return Ok(());
    }
    if !v.intact() {
        bail!(
            "{}: the audit trail does not verify ({} problem(s)):\n  {}",
            a.db.location().display(),
            v.problems.len(),
            v.problems.join("\n  ")
        );
    }
    writeln!(
        out,
        "{}: audit trail intact — {} records chained, {} rows match their last audited state",
        a.db.location().display(),
        v.records,
        v.rows
    )?;
    writeln!(out, "head {}", v.head_hash)?;
    Ok(())
}

async fn backup(a: &BackupArgs, out: &mut dyn Write) -> Result<()> {
    if a.file.exists() {
        bail!(
            "{}: already exists; a backup never overwrites a file",
            a.file.display()
        );
    }
    let store = open(&a.db).await?;
    let op = operator();
    match store.backend() {
        Backend::Sqlite => store.backup_sqlite(&op, &a.file).await?,
        Backend::Postgres => {
            let tmp = partial(&a.file);
            let f = std::fs::File::create(&tmp)
                .with_context(|| format!("cannot write {}", tmp.display()))?;
            let mut w = std::io::BufWriter::new(f);
            let r = store.backup_logical(&op, &a.file, &mut w).await;
            let r = r.map_err(anyhow::Error::from).and_then(|_| {
                w.flush()?;
                Ok(())
            });
            if let Err(e) = r {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            std::fs::rename(&tmp, &a.file)
                .with_context(|| format!("cannot write {}", a.file.display()))?;
        }
    }
    store.close().await;
    writeln!(
        out,
        "{}: backup of {} written ({}, sha256 {})",
        a.file.display(),
        a.db.location().display(),
        match store.backend() {
            Backend::Sqlite => "SQLite database",
            Backend::Postgres => "logical dump",
        },
        mibg_store::backup::file_sha256(&a.file)?
    )?;
    Ok(())
}

fn partial(p: &Path) -> PathBuf {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    p.with_file_name(format!(".{name}.partial"))
}

async fn restore(a: &BackupArgs, out: &mut dyn Write) -> Result<()> {
    let kind = mibg_store::backup::backup_kind(&a.file)?;
    let loc = a.db.location();
    let op = operator();
    let store = match (&loc, kind) {
        (Location::Sqlite(target), mibg_store::backup::BackupKind::SqliteFile) => {
            mibg_store::backup::restore_sqlite_file(&op, &a.file, target).await?
        }
        (_, mibg_store::backup::BackupKind::SqliteFile) => {
            bail!(
                "{}: a SQLite backup restores into a SQLite file (--db FILE)",
                a.file.display()
            )
        }
        (_, mibg_store::backup::BackupKind::Logical) => {
            if let Location::Sqlite(p) = &loc
                && p.exists()
            {
                bail!("{}: already exists; restore into a new file", p.display());
            }
            let (store, _) = Store::init(&loc).await?;
            let f = std::fs::File::open(&a.file)
                .with_context(|| format!("cannot read {}", a.file.display()))?;
            let r = store
                .restore_logical(&op, &a.file, &mut std::io::BufReader::new(f))
                .await;
            if let Err(e) = r {
                store.close().await;
                if let Location::Sqlite(p) = &loc {
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
                    }
                }
                return Err(e.into());
            }
            store
        }
    };
    let v = store.verify_audit(&op).await?;
    store.close().await;
    writeln!(
        out,
        "{}: restored from {} — audit trail intact, {} records, {} rows",
        loc.display(),
        a.file.display(),
        v.records,
        v.rows
    )?;
    Ok(())
}
