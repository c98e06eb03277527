//! `mibg user add|disable|expire|list|token`: accounts of the registry. The first
//! administrator is made here (there is no default account or password);
//! passwords are typed at the terminal (twice, not echoed) or read from
//! standard input with `--password-stdin`. `mibg user token` makes, lists
//! and revokes a user's personal API tokens after signing in as that user
//! (the store functions of the web page `/account/tokens`).

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
    /// Set or remove an account's expiry date (from 00:00 UTC of that day it can no longer
    /// sign in, and its sessions and tokens stop); audited with the reason.
    Expire(ExpireArgs),
    /// List the accounts.
    List(ListArgs),
    /// Change your own password (the current one is asked; every web session of the account ends).
    Passwd(PasswdArgs),
    /// Set a new initial password for an account (an administrator's reset at the command line):
    /// the user must change it at the next sign-in, within 72 hours.
    ResetPassword(ResetArgs),
    /// Personal API tokens of a user (signs in as that user: password asked).
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(clap::Subcommand, Debug)]
enum TokenCommand {
    /// Make a token; its secret is printed this once (only its hash is kept).
    Create(TokenCreateArgs),
    /// List the user's tokens (never their secrets).
    List(TokenListArgs),
    /// Revoke one of the user's tokens.
    Revoke(TokenRevokeArgs),
}

#[derive(clap::Args, Debug)]
struct SignIn {
    /// The user whose tokens these are (their password is asked).
    username: String,
    /// Read the password from the first line of standard input instead of
    /// the terminal.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(clap::Args, Debug)]
struct TokenCreateArgs {
    #[command(flatten)]
    who: SignIn,
    /// What will use the token (a label, 1 to 100 characters).
    #[arg(long)]
    name: String,
    /// The token stops at the start of this day (UTC), YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    expires: Option<jiff::civil::Date>,
    #[command(flatten)]
    db: DbArg,
}

#[derive(clap::Args, Debug)]
struct TokenListArgs {
    #[command(flatten)]
    who: SignIn,
    /// One JSON document.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: DbArg,
}

#[derive(clap::Args, Debug)]
struct TokenRevokeArgs {
    #[command(flatten)]
    who: SignIn,
    /// The token's id (from `mibg user token list`).
    id: i64,
    /// Why (recorded in the audit trail).
    #[arg(long)]
    reason: String,
    #[command(flatten)]
    db: DbArg,
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
struct ExpireArgs {
    /// Login name.
    username: String,
    /// The account expires at the start of this day (UTC), YYYY-MM-DD.
    #[arg(
        long,
        value_name = "DATE",
        conflicts_with = "never",
        required_unless_present = "never"
    )]
    on: Option<jiff::civil::Date>,
    /// Remove the expiry.
    #[arg(long)]
    never: bool,
    /// Why (recorded in the audit trail).
    #[arg(long)]
    reason: String,
    #[command(flatten)]
    db: DbArg,
}

#[derive(clap::Args, Debug)]
struct PasswdArgs {
    /// Your login name.
    username: String,
    /// Read the current password and then the new one from the first two
    /// lines of standard input instead of the terminal.
    #[arg(long)]
    password_stdin: bool,
    #[command(flatten)]
    db: DbArg,
}

#[derive(clap::Args, Debug)]
struct ResetArgs {
    /// Login name of the account.
    username: String,
    /// Why (recorded in the audit trail).
    #[arg(long)]
    reason: String,
    /// Read the new password from the first line of standard input instead
    /// of the terminal.
    #[arg(long)]
    password_stdin: bool,
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

/// The current and the new password of `mibg user passwd`: typed (the new
/// one twice, not echoed), or the first two lines of standard input.
fn read_password_change(username: &str, stdin: bool) -> Result<(String, String)> {
    if stdin {
        let mut lines = std::io::stdin().lock().lines();
        let mut next = |what: &str| -> Result<String> {
            let l = lines
                .next()
                .transpose()
                .context("cannot read standard input")?
                .with_context(|| {
                    format!("no {what} on standard input (line 1: current, line 2: new)")
                })?;
            let l = l.trim_end_matches('\r').to_string();
            if l.is_empty() {
                bail!("the {what} on standard input is empty");
            }
            Ok(l)
        };
        let current = next("current password")?;
        let new = next("new password")?;
        return Ok((current, new));
    }
    let current = read_current_password(username, false)?;
    Ok((current, read_password(false)?))
}

/// The current password of a user, typed once (not echoed) or from
/// standard input.
fn read_current_password(username: &str, stdin: bool) -> Result<String> {
    if stdin {
        return read_password(true);
    }
    if !std::io::stdin().is_terminal() {
        bail!("no terminal to type the password: use --password-stdin");
    }
    rpassword::prompt_password(format!("Password of {username}: "))
        .context("cannot read the password")
}

/// Signs in as the user (audited; throttled like the web sign-in).
async fn sign_in(store: &mibg_store::Store, who: &SignIn) -> Result<mibg_store::Session> {
    let password = read_current_password(&who.username, who.password_stdin)?;
    store
        .login(&who.username, &password, "command line")
        .await
        .with_context(|| format!("signing in as {}", who.username))
}

fn run_token(cmd: &TokenCommand, out: &mut dyn Write) -> Result<()> {
    match cmd {
        TokenCommand::Create(a) => block_on(async {
            let name = a.name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                bail!("--name: say what will use the token (1 to 100 characters)");
            }
            let expires = match a.expires {
                Some(d) => {
                    let t = d.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp();
                    if t <= jiff::Timestamp::now() {
                        bail!("--expires {d}: the date is not in the future");
                    }
                    Some(t)
                }
                None => None,
            };
            let store = open(&a.db).await?;
            let s = sign_in(&store, &a.who).await?;
            let (t, secret) = store.create_token(&s.scope, name, expires).await?;
            store.close().await;
            writeln!(
                out,
                "token {} (\"{}\") made for {}; copy it now, it is not shown again:\n{secret}",
                t.id, t.name, s.user.username
            )?;
            Ok(())
        }),
        TokenCommand::List(a) => block_on(async {
            let store = open(&a.db).await?;
            let s = sign_in(&store, &a.who).await?;
            let tokens = store.list_tokens(&s.scope).await?;
            store.close().await;
            if a.json {
                return crate::output::print_json(out, &tokens);
            }
            writeln!(
                out,
                "{:<6} {:<27} {:<27} {:<8} name",
                "id", "made (UTC)", "expires (UTC)", "state"
            )?;
            for t in &tokens {
                writeln!(
                    out,
                    "{:<6} {:<27} {:<27} {:<8} {}",
                    t.id,
                    t.created_at,
                    t.expires_at.as_deref().unwrap_or("never"),
                    if t.revoked { "revoked" } else { "active" },
                    t.name
                )?;
            }
            Ok(())
        }),
        TokenCommand::Revoke(a) => block_on(async {
            let store = open(&a.db).await?;
            let s = sign_in(&store, &a.who).await?;
            store.revoke_token(&s.scope, a.id, &a.reason).await?;
            store.close().await;
            writeln!(out, "token {} of {} revoked", a.id, s.user.username)?;
            Ok(())
        }),
    }
}

/// Runs `mibg user`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    match &args.command {
        UserCommand::Token(t) => run_token(t, out),
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
        UserCommand::Passwd(a) => {
            let (current, new) = read_password_change(&a.username, a.password_stdin)?;
            block_on(async {
                let store = open(&a.db).await?;
                let s = store
                    .login(&a.username, &current, "command line")
                    .await
                    .with_context(|| format!("signing in as {}", a.username))?;
                store
                    .change_own_password(&s.scope, &current, &new)
                    .await
                    .context("the password was not changed")?;
                store.close().await;
                writeln!(
                    out,
                    "password of {} changed; every web session of the account has ended",
                    a.username
                )?;
                Ok(())
            })
        }
        UserCommand::ResetPassword(a) => {
            let password = read_password(a.password_stdin)?;
            block_on(async {
                let store = open(&a.db).await?;
                let u = store
                    .reset_password(&operator(), &a.username, &password, &a.reason)
                    .await?;
                store.close().await;
                writeln!(
                    out,
                    "new initial password set for {}: they must change it at their next sign-in, within {} hours; \
                     every web session of the account has ended",
                    u.username,
                    mibg_store::auth::INITIAL_PASSWORD_VALIDITY_H
                )?;
                Ok(())
            })
        }
        UserCommand::Expire(a) => block_on(async {
            let expires_at = match a.on {
                Some(d) => Some(d.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp()),
                None => None,
            };
            let store = open(&a.db).await?;
            let u = store
                .set_expiry(&operator(), &a.username, expires_at, &a.reason)
                .await?;
            store.close().await;
            match &u.expires_at {
                Some(e) => writeln!(out, "user {} expires at {e}", u.username)?,
                None => writeln!(out, "user {} no longer expires", u.username)?,
            }
            Ok(())
        }),
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
