//! `mibg user add|disable|list`: accounts of the registry. The first
//! administrator is made here (there is no default account or password);
//! passwords are typed at the terminal (twice, not echoed) or read from
//! standard input with `--password-stdin`.

use crate::cmd::db::{DbArg, block_on, open, operator};
use anyhow::{Context, Result, bail};
use mibg_store::{NewUser, Role};
use std::io::{BufRead, IsTerminal, Write};

/// Arguments of `mibg user`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(clap::Subcommand, Debug)]
enum UserCommand {
    /// Add an account.
    Add(AddArgs),
    /// Disable an account (it stays in the history; it can no longer sign in or sign).
    Disable(DisableArgs),
    /// List the accounts.
    List(ListArgs),
}

#[derive(clap::Args, Debug)]
struct AddArgs {
    /// Login name (letters, digits, '.', '_', '-', '@').
    username: String,
    /// Printed name, shown with every signature.
    #[arg(long)]
    name: String,
    /// admin, physician, physicist, nurse, statistician or monitor.
    #[arg(long, value_parser = parse_role)]
    role: Role,
    /// Home centre (code).
    #[arg(long, value_name = "CODE")]
    centre: String,
    /// Further centres granted (codes; repeatable), e.g. for a coordinating centre.
    #[arg(long = "grant", value_name = "CODE")]
    grants: Vec<String>,
    /// The account expires at the start of this day (UTC), YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    expires: Option<jiff::civil::Date>,
    /// Grant the separate right to export identifying data (clinical roles).
    #[arg(long)]
    export_identified: bool,
    /// Read the password from the first line of standard input instead of
    /// the terminal.
    #[arg(long)]
    password_stdin: bool,
    #[command(flatten)]
    db: DbArg,
}

#[derive(clap::Args, Debug)]
struct DisableArgs {
    /// Login name.
    username: String,
    /// Why (recorded in the audit trail).
    #[arg(long)]
    reason: String,
    #[command(flatten)]
    db: DbArg,
}

#[derive(clap::Args, Debug)]
struct ListArgs {
    #[command(flatten)]
    db: DbArg,
    /// One JSON document.
    #[arg(long)]
    json: bool,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| {
        format!(
            "'{s}' is not a role (one of {})",
            Role::ALL.map(Role::as_str).join(", ")
        )
    })
}

fn read_password(stdin: bool) -> Result<String> {
    if stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let p = line.trim_end_matches(['\n', '\r']).to_string();
        if p.is_empty() {
            bail!("no password on standard input");
        }
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        bail!("no terminal to type the password: use --password-stdin");
    }
    let p = rpassword::prompt_password("Password (at least 12 characters; a passphrase is best): ")
        .context("cannot read the password")?;
    let again =
        rpassword::prompt_password("Password again: ").context("cannot read the password")?;
    if p != again {
        bail!("the two passwords differ; nothing was saved");
    }
    Ok(p)
}

/// Runs `mibg user`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    match &args.command {
        UserCommand::Add(a) => {
            let password = read_password(a.password_stdin)?;
            block_on(async {
                let store = open(&a.db).await?;
                let op = operator();
                let centre = store
                    .centre_by_code(&op, &a.centre)
                    .await
                    .with_context(|| {
                        format!("--centre {} (add it with `mibg centre add`)", a.centre)
                    })?;
                let mut granted = Vec::new();
                for g in &a.grants {
                    granted.push(
                        store
                            .centre_by_code(&op, g)
                            .await
                            .with_context(|| format!("--grant {g}"))?
                            .id,
                    );
                }
                let expires_at = match a.expires {
                    Some(d) => Some(d.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp()),
                    None => None,
                };
                let u = store
                    .create_user(
                        &op,
                        &NewUser {
                            username: a.username.clone(),
                            printed_name: a.name.clone(),
                            role: a.role,
                            centre_id: centre.id,
                            granted,
                            expires_at,
                            export_identified: a.export_identified,
                        },
                        &password,
                    )
                    .await?;
                store.close().await;
                writeln!(
                    out,
                    "user {} ({}, {}) added at centre {}",
                    u.username, u.printed_name, u.role, centre.code
                )?;
                Ok(())
            })
        }
        UserCommand::Disable(a) => block_on(async {
            let store = open(&a.db).await?;
            let u = store
                .disable_user(&operator(), &a.username, &a.reason)
                .await?;
            store.close().await;
            writeln!(out, "user {} disabled", u.username)?;
            Ok(())
        }),
        UserCommand::List(a) => block_on(async {
            let store = open(&a.db).await?;
            let op = operator();
            let users = store.list_users(&op).await?;
            let centres = store.list_centres(&op).await?;
            store.close().await;
            let code = |id: i64| {
                centres
                    .iter()
                    .find(|c| c.id == id)
                    .map_or_else(|| id.to_string(), |c| c.code.clone())
            };
            if a.json {
                return crate::output::print_json(out, &users);
            }
            writeln!(
                out,
                "{:<20} {:<13} {:<10} {:<10} name",
                "user", "role", "centre", "state"
            )?;
            for u in &users {
                let mut centre = code(u.centre_id);
                for g in &u.granted {
                    centre.push('+');
                    centre.push_str(&code(*g));
                }
                let state = if u.disabled {
                    "disabled".to_string()
                } else if let Some(e) = &u.expires_at {
                    format!("until {}", &e[..10])
                } else {
                    "active".to_string()
                };
                writeln!(
                    out,
                    "{:<20} {:<13} {:<10} {:<10} {}",
                    u.username,
                    u.role.as_str(),
                    centre,
                    state,
                    u.printed_name
                )?;
            }
            Ok(())
        }),
    }
}
