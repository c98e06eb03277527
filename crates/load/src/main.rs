//! The loopback load test of `mibg serve` (not in CI; run by
//! `scripts/bench/load.sh`, which builds, fills a registry, starts the
//! server and calls this):
//!
//! ```sh
//! cargo run --release -p mibg-load -- \
//!     --addr 127.0.0.1:8080 --db mibg.sqlite [--clients 50] [--seconds 60] \
//!     [--reads 300] [--writes 100] [--mix patients=4,dosimetry=14,…] \
//!     [--seed 1] [--think-ms 0] [--json OUT.json]
//! ```
//!
//! It makes its own accounts (one per role of `engine::ROLES`, every
//! centre granted, a random password) and API tokens through the store of
//! `--db`, chooses the courses to read and to write, runs the clients
//! against the server at `--addr`, then reads the registry again to count
//! lost updates, and prints the latency table (p50/p95/p99/max per route
//! class) and a JSON summary. Exit status 1 when any request failed or any
//! acknowledged write is missing; the latency goals are reported, not
//! enforced.

mod engine;

use engine::{Mix, RunOptions};
use mibg_store::{Location, Store};
use std::io::Write as _;
use std::time::Duration;

struct Args {
    addr: std::net::SocketAddr,
    db: String,
    clients: usize,
    seconds: f64,
    reads: usize,
    writes: usize,
    mix: Mix,
    seed: u64,
    think_ms: u64,
    json: Option<String>,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        addr: "127.0.0.1:8080".parse().map_err(|e| format!("{e}"))?,
        db: "mibg.sqlite".into(),
        clients: 50,
        seconds: 60.0,
        reads: 300,
        writes: 100,
        mix: Mix::default(),
        seed: 1,
        think_ms: 0,
        json: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().ok_or_else(|| format!("{k} needs a value"));
        let num = |s: String| {
            s.parse::<usize>()
                .map_err(|_| format!("'{s}': a whole number"))
        };
        match k.as_str() {
            "--addr" => a.addr = v()?.parse().map_err(|e| format!("--addr: {e}"))?,
            "--db" => a.db = v()?,
            "--clients" => a.clients = num(v()?)?.max(1),
            "--seconds" => {
                a.seconds = v()?
                    .parse()
                    .map_err(|_| "--seconds: a number".to_string())?
            }
            "--reads" => a.reads = num(v()?)?.max(1),
            "--writes" => a.writes = num(v()?)?.max(1),
            "--mix" => a.mix = Mix::parse(&v()?)?,
            "--seed" => a.seed = num(v()?)? as u64,
            "--think-ms" => a.think_ms = num(v()?)? as u64,
            "--json" => a.json = Some(v()?),
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    Ok(a)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match go().await {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::from(1),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "load: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

async fn go() -> Result<bool, String> {
    let a = parse()?;
    let mut err = std::io::stderr();
    let store = Store::open(&Location::parse(&a.db))
        .await
        .map_err(|e| format!("{}: {e}", a.db))?;
    let setup = engine::prepare(&store, a.reads, a.writes, a.seed).await?;
    let _ = writeln!(
        err,
        "load: {} accounts, {} courses read, {} courses written; {} clients for {} s against {}",
        setup.accounts.len(),
        setup.reads.len(),
        setup.writes.len(),
        a.clients,
        a.seconds,
        a.addr
    );
    let opts = RunOptions {
        clients: a.clients,
        duration: Duration::from_secs_f64(a.seconds),
        mix: a.mix.clone(),
        seed: a.seed,
        think: Duration::from_millis(a.think_ms),
    };
    let r = engine::run(a.addr, &setup, &opts).await;
    let v = engine::verify(&store, &setup, &r).await?;
    store.close().await;
    let s = engine::summarise(&r, &opts, v);
    let json = serde_json::to_string_pretty(&s).map_err(|e| e.to_string())?;
    let mut out = std::io::stdout();
    let _ = write!(out, "{}", engine::table(&s));
    for e in &s.error_samples {
        let _ = writeln!(
            out,
            "error: {} {} → {}: {}",
            e.class.name(),
            e.path,
            e.status,
            e.detail.replace('\n', " ")
        );
    }
    if let Some(p) = &a.json {
        std::fs::write(p, &json).map_err(|e| format!("{p}: {e}"))?;
    } else {
        let _ = writeln!(out, "{json}");
    }
    Ok(s.errors == 0 && s.writes.lost == 0 && s.writes.duplicated == 0)
}
