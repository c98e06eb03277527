//! Server-side sessions (docs/reference/registry.md §7, ASVS chapter 3): a random 256-bit
//! id in an `HttpOnly`, `SameSite=Strict` cookie (`Secure` under TLS), an
//! idle timeout and an absolute lifetime, a new id at every sign-in, and a
//! CSRF token per session. Sessions live in memory: a restart signs
//! everyone out, which is the safe direction.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie's name.
pub const COOKIE: &str = "mibg_session";
/// The pre-sign-in CSRF cookie (double submit on the sign-in form).
pub const LOGIN_COOKIE: &str = "mibg_login";

/// One signed-in browser.
#[derive(Clone, Debug)]
pub struct SessionData {
    /// The user (the scope is re-read from the store on every request, so
    /// a disabled account stops at once).
    pub user_id: i64,
    /// The CSRF token of every form of this session.
    pub csrf: String,
    created: Instant,
    last_seen: Instant,
}

/// Every session of the process.
#[derive(Debug, Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, SessionData>>,
}

/// 32 random bytes as hex (256 bits; ASVS 3.2.2 asks for ≥ 64 bits of entropy).
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random source");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Sessions {
    /// Starts a session for a user who just signed in: always a new id.
    pub fn start(&self, user_id: i64) -> (String, SessionData) {
        let id = random_token();
        let now = Instant::now();
        let data = SessionData {
            user_id,
            csrf: random_token(),
            created: now,
            last_seen: now,
        };
        let mut m = self.map.lock().expect("sessions");
        m.insert(id.clone(), data.clone());
        (id, data)
    }

    /// The live session of an id, touched; expired sessions are removed.
    pub fn get(&self, id: &str, idle: Duration, absolute: Duration) -> Option<SessionData> {
        let now = Instant::now();
        let mut m = self.map.lock().expect("sessions");
        let live = m.get(id).is_some_and(|s| {
            now.duration_since(s.last_seen) < idle && now.duration_since(s.created) < absolute
        });
        if !live {
            m.remove(id);
            return None;
        }
        let s = m.get_mut(id)?;
        s.last_seen = now;
        Some(s.clone())
    }

    /// Ends a session (sign-out).
    pub fn end(&self, id: &str) {
        self.map.lock().expect("sessions").remove(id);
    }

    /// Ends every session of a user (password changed, account disabled).
    pub fn end_user(&self, user_id: i64, except: Option<&str>) {
        self.map
            .lock()
            .expect("sessions")
            .retain(|k, s| s.user_id != user_id || Some(k.as_str()) == except);
    }

    /// Makes a session older (tests of the idle timeout, without waiting).
    #[doc(hidden)]
    pub fn age(&self, id: &str, by: Duration) {
        if let Some(s) = self.map.lock().expect("sessions").get_mut(id) {
            s.last_seen = s.last_seen.checked_sub(by).unwrap_or(s.last_seen);
            s.created = s.created.checked_sub(by).unwrap_or(s.created);
        }
    }
}

/// The value of a cookie in a `Cookie` header.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite=Strict`, path `/`,
/// `Secure` when asked; `max_age` 0 deletes.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<u64>) -> String {
    let mut s = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if secure {
        s.push_str("; Secure");
    }
    if let Some(a) = max_age {
        s.push_str(&format!("; Max-Age={a}"));
    }
    s
}

/// Constant-time comparison of two tokens.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_expire_when_idle_and_ids_change_at_sign_in() {
        let s = Sessions::default();
        let (a, d) = s.start(7);
        let (b, _) = s.start(7);
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        let idle = Duration::from_secs(60);
        let abs = Duration::from_secs(3600);
        assert_eq!(s.get(&a, idle, abs).unwrap().csrf, d.csrf);
        s.age(&a, Duration::from_secs(61));
        assert!(s.get(&a, idle, abs).is_none());
        assert!(s.get(&b, idle, abs).is_some());
        s.end_user(7, None);
        assert!(s.get(&b, idle, abs).is_none());
    }

    #[test]
    fn cookies_are_httponly_samesite_and_secure_under_tls() {
        let c = set_cookie("x", "v", true, None);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"));
        assert!(!set_cookie("x", "v", false, None).contains("Secure"));
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
    }
}
