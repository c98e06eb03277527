//! `mibg serve`: the web application on a registry database (see the
//! README, "The web application"). This file only opens the store, seeds
//! the demo when asked, prints where to go, and hands over to `mibg-web`.

use crate::cmd::db::DbArg;
use anyhow::{Context, Result, bail};
use mibg_store::{Location, Store};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `mibg serve`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    db: DbArg,
    /// Address and port to listen on (loopback by default: put a TLS proxy
    /// in front to serve other machines).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: std::net::SocketAddr,
    /// A throw-away database with the synthetic seed study and one demo
    /// account per role (passwords printed); deleted when the server stops.
    #[arg(long, conflicts_with = "db")]
    demo: bool,
    /// Mark the session cookies `Secure` (the application is reached over
    /// HTTPS, e.g. through a TLS proxy).
    #[arg(long)]
    secure_cookies: bool,
}

/// Runs `mibg serve`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let demo_file: Option<PathBuf> = args
        .demo
        .then(|| std::env::temp_dir().join(format!("mibg-demo-{}.sqlite", std::process::id())));
    let result = rt.block_on(serve(args, demo_file.as_deref(), out));
    if let Some(f) = &demo_file {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
        }
    }
    result
}

async fn serve(args: &Args, demo: Option<&std::path::Path>, out: &mut dyn Write) -> Result<()> {
    let location = match demo {
        Some(f) => Location::Sqlite(f.to_path_buf()),
        None => args.db.location(),
    };
    let (store, _) = Store::init(&location)
        .await
        .with_context(|| format!("cannot open the registry {}", args.db.db))?;
    let mut accounts = Vec::new();
    if demo.is_some() {
        let study = crate::cmd::study::read_study_dir(&crate::cmd::study::demo_dir()?)?;
        accounts = mibg_web::demo::seed(&store, &study)
            .await
            .context("cannot seed the demo database")?;
    } else if store
        .list_users(&crate::cmd::db::operator())
        .await?
        .iter()
        .all(|u| u.disabled)
    {
        bail!(
            "the registry has no account: create the first administrator with `mibg user add NAME --name \"…\" --role admin --centre CODE --db {}` (there is no default account or password)",
            args.db.db
        );
    }
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    writeln!(out, "mibg serve: http://{} (Ctrl-C stops it)", args.addr)?;
    if demo.is_some() {
        writeln!(
            out,
            "DEMO — synthetic data in a throw-away database ({}); accounts for this run (centre Rome):",
            location_name(&location)
        )?;
        for a in &accounts {
            writeln!(out, "  {:<13} password {}", a.username, a.password)?;
        }
        writeln!(
            out,
            "Patient {} awaits its readings after infusion 1.",
            mibg_web::demo::DEMO_PATIENT
        )?;
    } else {
        writeln!(out, "database: {}", location_name(&location))?;
    }
    out.flush()?;
    let state = mibg_web::AppState::new(
        store.clone(),
        mibg_web::Config {
            secure_cookies: args.secure_cookies,
            demo: demo.is_some(),
            ..mibg_web::Config::default()
        },
    );
    mibg_web::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("the server stopped")?;
    store.close().await;
    Ok(())
}

fn location_name(l: &Location) -> String {
    match l {
        Location::Sqlite(p) => p.display().to_string(),
        _ => "PostgreSQL".into(),
    }
}
