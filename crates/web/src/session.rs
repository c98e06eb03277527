//! Session cookies (docs/reference/registry.md §7, ASVS chapter 3): a random 256-bit id
//! in an `HttpOnly`, `SameSite=Strict` cookie (`Secure` under TLS), a new id
//! at every sign-in, and a CSRF token per session. The sessions themselves
//! live in the database (`mibg_store::sessions`: only the SHA-256 of each
//! id is stored; idle timeout and absolute lifetime; removed at sign-out,
//! password change, password reset and disabled account, and when
//! expired), so they survive a restart of `mibg serve` and are shared by
//! every process on the same database.

/// The session cookie's name.
pub const COOKIE: &str = "mibg_session";
/// The pre-sign-in CSRF cookie (double submit on the sign-in form).
pub const LOGIN_COOKIE: &str = "mibg_login";

/// 32 random bytes as hex (256 bits; ASVS 3.2.2 asks for ≥ 64 bits of entropy).
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random source");
    b.iter().map(|x| format!("{x:02x}")).collect()
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
    fn tokens_are_256_random_bits_in_hex() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
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
