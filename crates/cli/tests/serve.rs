//! `mibg serve` end to end with the real binary: no start without an
//! account; `--demo` prints working credentials, serves the sign-in page
//! with its security headers, signs a demo user in over a real socket, and
//! deletes its throw-away database when stopped with Ctrl-C (SIGINT).

mod common;

use common::{fails, repo_root};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn http(port: u16, request: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serve_refuses_to_start_without_an_account() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.sqlite");
    let err = fails(&[
        "serve",
        "--db",
        db.to_str().unwrap(),
        "--addr",
        "127.0.0.1:0",
    ]);
    assert!(err.contains("no account"), "{err}");
    assert!(err.contains("mibg user add"), "{err}");
    assert!(err.contains("no default account or password"), "{err}");
}

#[test]
fn serve_demo_signs_in_with_the_printed_password_and_cleans_up() {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mibg"))
        .args(["serve", "--demo", "--addr", &format!("127.0.0.1:{port}")])
        .current_dir(repo_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    for l in lines.by_ref() {
        let l = l.unwrap();
        let done = l.contains("awaits its readings");
        printed.push(l);
        if done {
            break;
        }
    }
    let text = printed.join("\n");
    assert!(
        text.starts_with(&format!("mibg serve: http://127.0.0.1:{port}")),
        "{text}"
    );
    assert!(text.contains("DEMO — synthetic data"), "{text}");
    let db = text
        .split_once("throw-away database (")
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(p, _)| p.to_string())
        .unwrap();
    assert!(std::path::Path::new(&db).is_file(), "{db}");
    let password = printed
        .iter()
        .find_map(|l| l.trim().strip_prefix("nurse"))
        .and_then(|r| r.trim().strip_prefix("password "))
        .unwrap()
        .to_string();

    let page = http(
        port,
        "GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("content-security-policy: default-src 'none'"));
    assert!(page.contains("DEMO — synthetic data"));
    let cookie = page
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    let token = cookie.split_once('=').unwrap().1.to_string();
    let body = format!("csrf={token}&username=nurse&password={password}");
    let resp = http(
        port,
        &format!(
            "POST /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(resp.starts_with("HTTP/1.1 303"), "{resp}");
    assert!(resp.contains("set-cookie: mibg_session="), "{resp}");

    // Ctrl-C: the server stops and its throw-away database goes with it.
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(!std::path::Path::new(&db).exists(), "{db} removed");
}
